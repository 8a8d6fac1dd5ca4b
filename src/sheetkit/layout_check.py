"""A layout file checked when it is loaded, before anything is written or read
with it: its keys against the layout format (schemas/layout.yaml, a JSON
Schema), its ``field:`` and ``table:`` paths against the document model
(model.py's dataclasses, through model_paths), its style names against its
``styles:``, where ``input:`` may stand, and the order its blocks need.
Every problem is ``layout-invalid`` with the file, the line, the layout path
(``section.blocks[2].rows[0][1].field``) and, for a misspelt key, path or
name, the nearest known one."""

from __future__ import annotations

import re
import typing
from difflib import get_close_matches
from functools import cache
from importlib import resources
from typing import Any

from sheetkit import keys
from sheetkit import model as m
from sheetkit.a1 import parse_span
from sheetkit.loader import line_of
from sheetkit.model_paths import model_paths, row_fields
from sheetkit.problems import Location, Problem

CODE = "layout-invalid"
# The values a sheet's cells can show, by the name a `field:` starts with:
# what the writer resolves on that sheet (the overview lists sections).
SHEET_ROOTS: dict[str, tuple[tuple[str, type], ...]] = {
    "chapter": (("plan", m.Plan), ("chapter", m.Chapter)),
    "section": (("plan", m.Plan), ("chapter", m.Chapter), (keys.LAYOUT_SECTION, m.Section)),
    "overview": (("plan", m.Plan), ("chapter", m.Chapter), (keys.LAYOUT_SECTION, m.Section)),
}
TEMPLATE_SHEET = "section"       # the sheet departments fill in: the only one with input:
# Kinds whose cell holds a whole row of its table (a 基本方針 printed as
# "1-1-2 title"), and the row type that is: the column's field names the kind.
WHOLE_ROW_KINDS: dict[str, type] = {"policy": m.BasicPolicy}
# Kinds whose single cell sums up a whole table (how many indicators got each 評価).
WHOLE_TABLE_KINDS: dict[str, type] = {"ratings": m.Indicator}
CHOICE_OF = {"policy-choice": "policy"}      # a dropdown kind, and the table kind it lists
# The columns an indicator table on a section sheet cannot do without: the reader
# tells its rows apart by the name, and a template labels the reported actual
# with the name and the unit (writer._write_indicator_row).
INDICATOR_LABELS = ("name", "unit")
SDG_SPAN = len(m.SDG_GOALS)                   # kind sdgs: one column per goal
# JSON Schema types, by the registry's word for them (schemas/findings.yaml kinds:)
_KIND_WORDS = {"object": "mapping", "array": "list", "string": "text",
               "integer": "whole-number", "number": "number", "boolean": "yes-no"}


@cache
def layout_schema() -> dict[str, Any]:
    from sheetkit import parsed

    text = (resources.files("sheetkit.schemas") / "layout.yaml").read_text(encoding="utf-8")
    return dict(parsed.load("layout-format", text))


class _Checker:
    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[Problem] = []

    def note(self, variant: str, line: int | None, path: str, near: str | None = None,
             **params: str) -> None:
        if near is not None:
            variant, params = variant + "-near", params | {"near": near}
        self.problems.append(Problem(CODE, Location(self.label, line, field=path),
                                     {"layout": self.label, "variant": variant, **params}))


def check_layout(data: Any, label: str) -> list[Problem]:
    """Every problem of a layout's parsed data (from loader.parse_text, which
    remembers lines), in the order of the file; none when it can be built."""
    checker = _Checker(label)
    schema = layout_schema()
    _walk(checker, data, schema, schema, "", getattr(data, "line", 1))
    if not isinstance(data, dict):
        return checker.problems
    # where the format's shape is wrong the walk said so: look only where it is right
    styles = data.get("styles")
    for cell, path in _cells(data, ""):
        style = cell.get("style")
        if isinstance(styles, dict) and isinstance(style, str) and style not in styles:
            checker.note("unknown-style", line_of(cell, "style"), keys.join(path, "style"),
                         _near(style, styles), value=style)
        _check_kind(checker, cell, path)
    for sheet in ("chapter", "section"):
        if isinstance(data.get(sheet), dict):
            _check_sheet(checker, data[sheet], sheet)
    if isinstance(data.get("overview"), dict):
        _check_overview(checker, data["overview"])
    if isinstance(data.get("indicators"), dict):
        _check_indicators(checker, data["indicators"])
        if data["indicators"].get("rows", 2) == 2 and isinstance(styles, dict):
            for key in ("upper", "lower"):     # the writer's target-over-actual cells
                if key not in styles:
                    checker.note("missing-key", line_of(data, "styles"),
                                 keys.join("styles", key), key=key)
    if isinstance(data.get("rating"), dict):
        _check_rating(checker, data["rating"])
    _check_names(checker, data)
    return sorted(checker.problems, key=lambda p: p.location.line or 0)


# -- the layout format (a JSON Schema subset) ----------------------------------

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
    "integer": (int,), "number": (int, float)}


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    return [] if kind is None else [kind] if isinstance(kind, str) else list(kind)


def _is(value: Any, kinds: list[str]) -> bool:
    return not kinds or any(
        isinstance(value, _TYPES[k]) and not (isinstance(value, bool) and k in ("integer", "number"))
        for k in kinds)


def expected_kind(kinds: list[str]) -> str:
    """The registry's word (schemas/findings.yaml kinds:) for what may stand
    where one of ``kinds`` is expected: 'text-or-whole-number'."""
    return "-or-".join(dict.fromkeys(_KIND_WORDS[k] for k in kinds))


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _walk(checker: _Checker, value: Any, schema: dict[str, Any], root: dict[str, Any],
          path: str, line: int | None) -> None:
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        options = [_resolve(s, root) for s in schema["anyOf"]]
        fitting = [s for s in options if _is(value, _types(s))]
        if not fitting:
            checker.note("wrong-type", line, path, value=_show(value),
                         expected=expected_kind([k for s in options for k in _types(s)]))
            return
        schema = fitting[0]
    if not _is(value, _types(schema)):
        checker.note("wrong-type", line, path, value=_show(value),
                     expected=expected_kind(_types(schema)))
        return
    if "enum" in schema and value not in schema["enum"]:
        checker.note("bad-value", line, path, _near(str(value), map(str, schema["enum"])),
                     value=_show(value), allowed="、".join(map(str, schema["enum"])))
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        checker.note("bad-value", line, path, value=_show(value),
                     allowed=schema.get("description", schema["pattern"]))
    if "minimum" in schema and _is(value, ["number"]) and value < schema["minimum"]:
        checker.note("bad-value", line, path, value=_show(value),
                     allowed=f">= {schema['minimum']}")
    if isinstance(value, dict):
        _walk_object(checker, value, schema, root, path, line)
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _walk(checker, item, schema["items"], root, keys.item(path, index),
                  line_of(value, index))


def _walk_object(checker: _Checker, value: dict[str, Any], schema: dict[str, Any],
                 root: dict[str, Any], path: str, line: int | None) -> None:
    known = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key in schema.get("required", ()):
        if key not in value:
            checker.note("missing-key", line, keys.join(path, key), key=key)
    for key, item in value.items():
        where = line_of(value, key)
        if key in known:
            _walk(checker, item, known[key], root, keys.join(path, key), where)
        elif extra is False:
            checker.note("unknown-key", where, keys.join(path, key), _near(str(key), known),
                         key=str(key), allowed="、".join(known))
        elif isinstance(extra, dict):
            _walk(checker, item, extra, root, keys.join(path, key), where)


# -- what a cell's kind needs ----------------------------------------------------

def _check_kind(checker: _Checker, cell: dict[str, Any], path: str) -> None:
    kind = cell.get("kind")
    if kind == "choice" and not cell.get("choices"):
        checker.note("choice-without-choices", line_of(cell, "kind"), keys.join(path, "kind"))
    if kind == "sdgs" and isinstance(cell.get("span"), str):
        try:
            first, last = parse_span(cell["span"])
        except ValueError:
            return                               # not a span: the format says so
        if last - first + 1 != SDG_SPAN:
            checker.note("sdgs-span", line_of(cell, "span"), keys.join(path, "span"),
                         value=cell["span"], count=str(SDG_SPAN))


# -- fields and tables against the document model ------------------------------

def _check_sheet(checker: _Checker, sheet: dict[str, Any], name: str) -> None:
    values, tables = model_paths(SHEET_ROOTS[name])
    lists: set[str] = set()         # table kinds written so far (dropdowns list them)
    for index, block in enumerate(_dicts(sheet.get("blocks"))):
        where = keys.item(keys.join(name, "blocks"), index)
        side = block.get("side")
        if isinstance(side, dict):
            _no_input(checker, side, keys.join(where, "side"))
        _check_anchor(checker, block, where)
        for r, row in enumerate(_lists(block.get("rows"))):
            for c, cell in enumerate(_dicts(row)):
                at = keys.item(keys.item(keys.join(where, "rows"), r), c)
                if "text" in cell and "field" in cell:
                    checker.note("text-and-field", line_of(cell, "text"), keys.join(at, "text"),
                                 value=str(cell["field"]))
                _check_field(checker, cell, at, values, tables)
                _check_choice(checker, cell, at, lists)
                if name != TEMPLATE_SHEET or not _own(cell.get("field")):
                    _no_input(checker, cell, at, str(cell.get("field", "")))
        table = block.get("table")
        if block.get("input") is True and (name != TEMPLATE_SHEET or not _own(table)):
            checker.note("input-not-section", line_of(block, "input"),
                         keys.join(where, "input"), value=str(table))
        columns = _dicts(block.get("columns"))
        if not isinstance(table, str):
            continue
        row_cls = tables.get(table)
        if row_cls is None and table in values:
            checker.note("table-as-field", line_of(block, "table"), keys.join(where, "table"),
                         value=table)
        elif row_cls is None:
            checker.note("unknown-table", line_of(block, "table"), keys.join(where, "table"),
                         _near(table, tables), value=table)
        if row_cls is None:
            continue
        for c, cell in enumerate(columns):
            at = keys.item(keys.join(where, "columns"), c)
            _check_column(checker, cell, row_cls, at)
            _check_choice(checker, cell, at, lists)
            _no_input(checker, cell, at, "column")
            if "text" in cell:
                checker.note("text-on-column", line_of(cell, "text"), keys.join(at, "text"))
        if row_cls is m.Indicator:
            _check_indicator_columns(checker, block, columns, where)
        lists |= {str(c.get("kind", "text")) for c in columns}


def _check_anchor(checker: _Checker, block: dict[str, Any], where: str) -> None:
    """A block is found again on a returned sheet by the fixed labels of its
    ``anchor`` row (or by its ``side`` label): that row must exist and hold one."""
    anchor, rows = block.get("anchor"), _lists(block.get("rows"))
    if isinstance(anchor, int) and not isinstance(anchor, bool) and anchor >= 0:
        at = (line_of(block, "anchor"), keys.join(where, "anchor"))
        if anchor >= len(rows):
            checker.note("anchor-outside", *at, value=str(anchor), count=str(len(rows)))
        elif not any(isinstance(c, dict) and c.get("text") for c in rows[anchor]):
            checker.note("anchor-without-label", *at, value=str(anchor))
    side = block.get("side")
    if isinstance(side, dict) and not side.get("text"):
        checker.note("anchor-without-label", line_of(block, "side"), keys.join(where, "side"),
                     value="side")


def _check_indicator_columns(checker: _Checker, block: dict[str, Any],
                             columns: list[dict[str, Any]], where: str) -> None:
    """The section sheet's indicator table: its rows are found by the indicator's
    name, a template labels the reported actual with name and unit, and a
    period is read as a target and an actual together."""
    present = {(c.get("field"), c.get("period")) for c in columns}
    line = line_of(block, "columns")
    for field in INDICATOR_LABELS:
        if (field, None) not in present:
            checker.note("indicator-column-missing", line, keys.join(where, "columns"),
                         value=field)
    known = row_fields(m.PeriodResult)
    for period in sorted({p for _, p in present if isinstance(p, int)}):
        if any(f not in known for f, p in present if p == period):
            continue                     # a misspelt column of the period: said already
        for field in _column_fields(m.Indicator, True):
            if (field, period) not in present:
                checker.note("period-pair", line, keys.join(where, "columns"),
                             value=field, period=str(period))


def _check_field(checker: _Checker, cell: dict[str, Any], path: str, values: dict[str, Any],
                 tables: dict[str, type]) -> None:
    field = cell.get("field")
    if not isinstance(field, str):
        return
    at = (line_of(cell, "field"), keys.join(path, "field"))
    kind = cell.get("kind")
    if kind in WHOLE_TABLE_KINDS:
        if tables.get(field) is not WHOLE_TABLE_KINDS[kind]:
            checker.note("whole-table", *at, value=field, kind=str(kind))
    elif field in tables:
        checker.note("table-as-field", *at, value=field)
    elif field not in values:
        checker.note("unknown-field", *at, _near(field, values), value=field)


def _check_column(checker: _Checker, cell: dict[str, Any], row: type, path: str) -> None:
    kind = cell.get("kind", "text")
    field = cell.get("field")
    line = line_of(cell, "field")
    period = cell.get("period")
    if period is not None and row is not m.Indicator:
        checker.note("period-outside-indicators", line_of(cell, "period"),
                     keys.join(path, "period"))
    if kind in WHOLE_ROW_KINDS:
        if row is not WHOLE_ROW_KINDS[kind] or field != kind:
            checker.note("whole-row", line, keys.join(path, "field"), value=str(field), kind=kind)
        return
    known = _column_fields(row, period is not None)
    if field not in known:
        checker.note("unknown-column", line, keys.join(path, "field"),
                     _near(str(field), known), value=str(field), allowed="、".join(known))


def _column_fields(row: type, per_period: bool) -> tuple[str, ...]:
    """What a column of a table of ``row`` may name: the row's own values; on
    an indicator table also its 達成率 (the reviewed period's), and with
    ``period:`` one period's target or actual (PeriodResult's figures)."""
    if row is m.Indicator and per_period:
        return tuple(f for f in row_fields(m.PeriodResult) if f != keys.RATE)
    values, _ = model_paths((("row", row),))
    own = tuple(keys.split(path)[-1] for path in values)
    return own + ((keys.RATE,) if row is m.Indicator else ())


def _check_choice(checker: _Checker, cell: dict[str, Any], path: str, lists: set[str]) -> None:
    kind = cell.get("kind")
    listed = CHOICE_OF.get(str(kind))
    if listed is not None and listed not in lists:
        checker.note("choice-before-list", line_of(cell, "kind"), keys.join(path, "kind"),
                     kind=str(kind), listed=listed)


def _check_overview(checker: _Checker, overview: dict[str, Any]) -> None:
    values, tables = model_paths(SHEET_ROOTS["overview"])
    title = overview.get("title")
    if isinstance(title, dict):
        _no_input(checker, title, "overview.title")
    for index, cell in enumerate(_dicts(overview.get("columns"))):
        at = keys.item("overview.columns", index)
        _check_field(checker, cell, at, values, tables)
        _no_input(checker, cell, at)


def _check_indicators(checker: _Checker, ind: dict[str, Any]) -> None:
    """The 目標指標 sheet: each period has the columns its ``rows`` needs, and
    ``input:`` stands only on the 未達成 analysis (a section's own text)."""
    rows = ind.get("rows", 2)
    needed = ("value",) if rows == 2 else ("target", "actual")
    for index, period in enumerate(_dicts(ind.get("periods"))):
        for key in needed:
            if key not in period:
                checker.note("missing-key", getattr(period, "line", None),
                             keys.join(keys.item("indicators.periods", index), key), key=key)
    _check_review(checker, ind)
    for key, cell in ind.items():
        if isinstance(cell, dict) and "span" in cell:
            _no_input(checker, cell, keys.join("indicators", key))
    for index, row in enumerate(_lists(ind.get("header"))):
        for c, cell in enumerate(_dicts(row)):
            _no_input(checker, cell, keys.item(keys.item("indicators.header", index), c))
    analysis = ind.get("analysis")
    if isinstance(analysis, dict) and isinstance(analysis.get("label"), dict):
        _no_input(checker, analysis["label"], "indicators.analysis.label")


def _check_names(checker: _Checker, data: dict[str, Any]) -> None:
    """A template defines one name per input region of a section (第1節_記入日 …):
    two regions given the same ``name:`` would write one name twice, a workbook
    Excel calls damaged."""
    from sheetkit.sheet_texts import sheet_texts

    named: list[tuple[str, Any, str, str]] = []       # name, mapping, its key, path
    section = data.get("section")
    if isinstance(section, dict):
        for index, block in enumerate(_dicts(section.get("blocks"))):
            where = keys.item("section.blocks", index)
            named.append((str(block.get("name", "")), block, "name", keys.join(where, "name")))
            for cell, path in _cells(block, where):
                named.append((str(cell.get("name", "")), cell, "name", keys.join(path, "name")))
    ind = data.get("indicators")
    if isinstance(ind, dict):
        names = ind.get("names")
        given: dict[str, Any] = names if isinstance(names, dict) else {}
        default = sheet_texts().indicators
        for key, name in (("table", default.table_name), ("actuals", default.actuals_name)):
            named.append((str(given.get(key, name)), given if key in given else ind,
                          key if key in given else "names", keys.join("indicators.names", key)))
        analysis = ind.get("analysis")
        text = analysis.get("text") if isinstance(analysis, dict) else None
        if isinstance(text, dict):
            named.append((str(text.get("name", "")), text, "name",
                          "indicators.analysis.text.name"))
    first: dict[str, str] = {}
    for name, mapping, key, path in named:
        if name and name in first:
            checker.note("duplicate-name", line_of(mapping, key), path, value=name,
                         first=first[name])
        first.setdefault(name, path)


def _check_review(checker: _Checker, ind: dict[str, Any]) -> None:
    """``review:`` is ``last`` or one of the periods, and the period under review
    has a 達成率 column (its rate is what the review reports)."""
    periods, review = ind.get("periods"), ind.get("review", "last")
    if not isinstance(periods, list):
        return
    at = (line_of(ind, "review" if "review" in ind else "periods"),
          keys.join("indicators", "review" if "review" in ind else "periods"))
    if not periods:
        checker.note("periods-empty", line_of(ind, "periods"), "indicators.periods")
        return
    if isinstance(review, int) and not isinstance(review, bool) and review > len(periods):
        checker.note("review-outside", *at, value=str(review), count=str(len(periods)))
    if isinstance(review, int) and not isinstance(review, bool) and not 1 <= review <= len(periods):
        return                                       # below 1: the format says so
    index = review - 1 if isinstance(review, int) and not isinstance(review, bool) \
        else len(periods) - 1
    reviewed = periods[index]
    if isinstance(reviewed, dict) and reviewed.get("rate") is None:
        checker.note("review-without-rate", *at, value=str(index + 1))


def _check_rating(checker: _Checker, rating: dict[str, Any]) -> None:
    """The 評価 bands go from the highest lower bound down: the first one a rate
    reaches is its 評価."""
    bands = rating.get("bands")
    if not isinstance(bands, list):
        return
    if not bands:
        checker.note("bands-order", line_of(rating, "bands"), "rating.bands", value="")
    lowers = [b.get("lower") if isinstance(b, dict) else None for b in bands]
    for index in range(1, len(bands)):
        above, here = lowers[index - 1], lowers[index]
        if isinstance(above, int | float) and isinstance(here, int | float) and here >= above:
            checker.note("bands-order", line_of(bands, index),
                         keys.item("rating.bands", index), value=str(here))


def _no_input(checker: _Checker, cell: dict[str, Any], path: str, value: str = "") -> None:
    """``input:`` where sheetkit never reads it: a department could not fill it in."""
    if cell.get("input") in (None, False):
        return
    if value == "column":
        checker.note("input-on-column", line_of(cell, "input"), keys.join(path, "input"))
    else:
        checker.note("input-not-section", line_of(cell, "input"), keys.join(path, "input"),
                     value=value or path)


def _own(path: Any) -> bool:
    """A 節's own field or table: what a department can fill in on its template."""
    return isinstance(path, str) and keys.split(path)[0] == keys.LAYOUT_SECTION


def _dicts(items: Any) -> list[dict[str, Any]]:
    """The mappings of a list (what is not one is reported by the format check)."""
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _lists(items: Any) -> list[Any]:
    return [i if isinstance(i, list) else [] for i in items] if isinstance(items, list) else []


def _cells(data: Any, path: str) -> typing.Iterator[tuple[dict[str, Any], str]]:
    """Every cell of a layout (a mapping with a span), with its path."""
    if isinstance(data, dict):
        if "span" in data:
            yield data, path
        for key, value in data.items():
            yield from _cells(value, keys.join(path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _cells(value, keys.item(path, index))


def _near(word: str, known: typing.Iterable[str]) -> str | None:
    found = get_close_matches(word, list(known), n=1, cutoff=0.6)
    return found[0] if found else None


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"
