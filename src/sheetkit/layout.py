"""Layouts: where each block and field of a 総括表 sits, read from templates/*.yaml.

The same Layout drives the writer and the reader."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from sheetkit import DEFAULT_LAYOUT, keys
from sheetkit.a1 import col_index, parse_span
from sheetkit.guard import default_limits
from sheetkit.intake import Refused, read_limited
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.ratings import Band, Rule, Scheme
from sheetkit.sheet_texts import ActualCheck, IndicatorTexts, indicator_texts, sheet_texts

KINDS = ("text", "int", "figure", "date", "rate", "rank", "list", "policy", "policy-choice",
         "choice", "sdgs", "rating", "ratings")


@dataclass(frozen=True)
class CellSpec:
    """One cell (possibly merged) of a layout."""

    first_col: int
    last_col: int
    rows: int = 1
    text: str | None = None
    field: str | None = None
    kind: str = "text"
    pattern: str | None = None
    join: str = "\n"
    prefix: str = ""
    style: str = "value"
    input: str = "no"          # "no", "yes" or "when-empty"
    hint: str | None = None
    name: str | None = None
    choices: tuple[str, ...] = ()      # kind choice: the dropdown's list
    period: int | None = None          # an indicator column of this period (0-based)
    lines: int = 1                     # the row is at least this many lines high


@dataclass(frozen=True)
class Block:
    """Fixed rows (labels, captions, single fields) and, for a table, its data rows.

    ``anchor`` is the index of the fixed row whose labels identify the block;
    a table without fixed rows is identified by its ``side`` label."""

    rows: tuple[tuple[CellSpec, ...], ...] = ()
    anchor: int | None = None
    side: CellSpec | None = None
    table: str | None = None
    columns: tuple[CellSpec, ...] = ()
    name: str | None = None
    input: bool = False
    absent: str = ""           # an indicator table's mark for a period the indicator lacks


@dataclass(frozen=True)
class SheetLayout:
    sheet: str
    widths: tuple[tuple[int, float], ...]
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class PeriodColumns:
    """Where one period of the 目標指標 table goes: the column of its target
    and of its actual (the same column when the target sits above the actual),
    and of its 達成率 (None: the period shows no rate)."""

    target: int
    actual: int
    rate: int | None = None

    @property
    def first_col(self) -> int:
        return min(self.target, self.actual, *(() if self.rate is None else (self.rate,)))

    @property
    def last_col(self) -> int:
        return max(self.target, self.actual, *(() if self.rate is None else (self.rate,)))


@dataclass(frozen=True)
class IndicatorLayout:
    """The 目標指標 table: ``rows`` per indicator (2: target above actual; 1:
    target and actual side by side), one PeriodColumns per period, the period
    under review (``review``: an index, None for the last), and an optional
    group column naming each section."""

    sheet: str
    widths: tuple[tuple[int, float], ...]
    title: CellSpec
    header: tuple[tuple[CellSpec, ...], ...]
    group: CellSpec | None
    name: CellSpec
    unit: CellSpec
    direction: CellSpec
    baseline: CellSpec | None
    plan_target: CellSpec | None
    periods: tuple[PeriodColumns, ...]
    actual_hint: str
    analysis_label: CellSpec
    analysis_text: CellSpec
    texts: IndicatorTexts
    rows: int = 2
    review: int | None = None

    @property
    def absent(self) -> str:
        return self.texts.absent

    @property
    def actual_label(self) -> str:
        return self.texts.actual_label

    @property
    def actual_check(self) -> ActualCheck:
        return self.texts.actual_check

    @property
    def table_name(self) -> str:
        return self.texts.table_name

    @property
    def actuals_name(self) -> str:
        return self.texts.actuals_name

    @property
    def last_col(self) -> int:
        return max(c.last_col for row in self.header for c in row)

    def review_index(self, count: int) -> int:
        """The index of the period under review in a plan of ``count`` periods:
        the declared one, or the last."""
        if self.review is None or self.review >= count:
            return count - 1
        return self.review


@dataclass(frozen=True)
class TemplateSettings:
    file: str
    rows: int
    instructions_title: str
    intro: tuple[str, ...]
    fields_heading: str
    verdict_col: int | None = None     # 提出前チェック's verdict, right of the section sheet's title
    verdict_width: float = 40


@dataclass(frozen=True)
class OverviewLayout:
    """A front sheet listing every section, one row each (施策一覧)."""

    sheet: str
    widths: tuple[tuple[int, float], ...]
    title: CellSpec
    columns: tuple[CellSpec, ...]       # text: the header; field: the section's value


@dataclass(frozen=True)
class Inputs:
    """Who fills what, from the layout's ``input:`` flags (the one source of
    it): the parts of a 節 its department fills in on the template, as paths
    inside the section (``entry_date``, ``citizen_needs.request_rate``).
    The reviewed period's 実績値 of every indicator (and what is computed from
    it, 達成率 and 評価) is the department's too: reporting it is what a review is."""

    always: tuple[str, ...] = ()          # input: true — the template leaves them blank
    when_empty: tuple[str, ...] = ()      # input: when-empty — theirs where the plan has none
    tables: tuple[str, ...] = ()          # an input: true table — every row is theirs
    shown: tuple[str, ...] = ()           # the parts of a 節 the template shows at all


def _in_section(path: str | None) -> str | None:
    """A layout's ``section.…`` path as a path inside the section; None for
    any other (a chapter field, a text cell)."""
    head, _, rest = (path or "").partition(keys.SEP)
    return rest if head == keys.LAYOUT_SECTION and rest else None


def _inputs(section: SheetLayout, indicators: IndicatorLayout | None) -> Inputs:
    """What departments fill in: the section sheet's ``input:`` cells and
    tables, and the 目標指標 sheet's analysis text unless it says ``input: false``."""
    places = [(s.field, s.input) for b in section.blocks for row in b.rows for s in row]
    places += [(b.table, "table" if b.input else "no") for b in section.blocks]
    if indicators is not None:
        places += [(keys.join(keys.LAYOUT_SECTION, keys.INDICATORS), "no"),
                   (indicators.analysis_text.field, indicators.analysis_text.input)]
    modes = ("yes", "when-empty", "table")         # Inputs' always, when_empty, tables
    found: dict[str, dict[str, None]] = {mode: {} for mode in (*modes, "no")}
    shown: dict[str, None] = {}
    for path, mode in places:
        inside = _in_section(path)
        if inside is not None:
            found[mode][inside] = None
            shown[keys.split(inside)[0]] = None
    always, when_empty, tables = (tuple(found[mode]) for mode in modes)
    return Inputs(always, when_empty, tables, tuple(shown))


@dataclass(frozen=True)
class Layout:
    name: str
    version: int
    description: dict[str, str]          # by language: ja (always), en
    font: dict[str, Any]
    line_height: float
    input_fill: str
    styles: dict[str, dict[str, Any]]
    formats: dict[str, str]
    print: dict[str, Any]
    chapter: SheetLayout | None           # None: no chapter sheet
    section: SheetLayout
    indicators: IndicatorLayout | None    # None: indicators sit on the section sheets
    template: TemplateSettings
    overview: OverviewLayout | None = None
    rating: Scheme | None = None          # bands of an indicator's 評価 (kind rating)
    sha256: str = ""                     # of the layout file's bytes, recorded in every workbook
    source: str = field(default="", compare=False)   # the bundled name or the file's path

    @property
    def period_columns(self) -> int | None:
        """How many periods the layout has columns for (None: no indicator table)."""
        if self.indicators is not None:
            return len(self.indicators.periods)
        found = [period for _, period in self.indicator_columns if period is not None]
        return max(found) + 1 if found else None

    @property
    def indicator_columns(self) -> dict[tuple[str, int | None], CellSpec]:
        """The columns of the indicator table on the section sheet (when the layout
        has no 目標指標 sheet), by (field, period): ("name", None), ("target", 0) …"""
        return {(c.field or "", c.period): c for b in self.section.blocks
                if (b.table or "").endswith(".indicators") for c in b.columns}

    def review_index(self, count: int) -> int:
        """The period under review in a plan of ``count`` periods: the one the
        indicator table declares, else the last."""
        return count - 1 if self.indicators is None else self.indicators.review_index(count)

    def describe(self, lang: str = "ja") -> str:
        return self.description.get(lang) or self.description.get("ja", "")

    def shows(self, field: str) -> bool:
        """Whether a cell of the chapter or section sheet holds ``field`` (chapter.author)."""
        return any(spec.field == field for sheet in (self.section, self.chapter)
                   for block in (() if sheet is None else sheet.blocks)
                   for row in block.rows for spec in row)

    def label_of(self, field: str) -> str | None:
        """The sheet's own label of a single field (``section.author`` -> 記入者 in a
        layout that calls it so): the nearest fixed text left of it in its row."""
        for sheet in (self.section, self.chapter):
            for block in () if sheet is None else sheet.blocks:
                for row in block.rows:
                    at = next((i for i, spec in enumerate(row) if spec.field == field), None)
                    texts = [spec.text for spec in row[:at] if spec.text and "{" not in spec.text]
                    if at is not None and texts:
                        return texts[-1]
        return None

    @cached_property
    def inputs(self) -> Inputs:
        """Who fills what, from this layout's ``input:`` flags."""
        return _inputs(self.section, self.indicators)


@cache
def available_layouts() -> tuple[str, ...]:
    """Names of the layouts bundled in sheetkit.templates (listed once a run)."""
    folder = resources.files("sheetkit.templates")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def given_layout(name_or_path: str | None) -> Layout | None:
    """The office's --layout to read workbooks with (a bundled name or a file);
    None when not given: each workbook is then read with the layout it names."""
    return load_layout(name_or_path) if name_or_path else None


def data_layout(layout: Layout) -> str | None:
    """The ``layout:`` a data file written from a workbook in ``layout`` names:
    its name, except for the default layout (a file without ``layout:`` means it)."""
    return None if layout.name == DEFAULT_LAYOUT else layout.name


def bundled_layouts() -> list[Layout]:
    """Every bundled layout, by name."""
    return [load_layout(name) for name in available_layouts()]


def resolve_layout(name: object, version: int, sha256: str | None, given: Layout | None,
                   source: str | None = None) -> Layout:
    """The layout to read a workbook with, whose hidden sheet names the layout
    ``name`` (``version``, ``sha256`` of its text).

    The office's own ``--layout`` (``given``) wins.  Otherwise only a bundled
    layout, by plain name (no path, no ``..``, no ``.yaml``): a workbook is
    untrusted, and no file is ever opened because it said so.  A name that is
    no plain name is not-sheetkit (echoing nothing); a plain name that is not
    bundled, or whose bundled text is not the one the workbook was made with
    (same or newer version, other SHA-256), is layout-unavailable: the office
    supplies the file with ``--layout``.  An older version of a bundled layout
    reads with the current one (validate reports template-outdated)."""
    if given is not None:
        return given
    if not isinstance(name, str) or not _PLAIN_NAME.fullmatch(name):
        raise SheetkitError([Problem("not-sheetkit", Location(source))])
    params = {"layout": name, "version": str(version)}
    if name not in available_layouts():
        raise SheetkitError([Problem("layout-unavailable", Location(source), params)])
    layout = _bundled(name)                 # a plain name, bundled: load_layout's own answer
    if sha256 and sha256 != layout.sha256 and version >= layout.version:
        raise SheetkitError([Problem("layout-unavailable", Location(source),
                                     params | {"variant": "changed"})])
    return layout


def load_layout(name_or_path: str | None = None) -> Layout:
    """A bundled layout by name, or a layout file by path: the office's own
    --layout, never a name read from a workbook.  None: the default layout."""
    name_or_path = name_or_path or DEFAULT_LAYOUT
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and not path.exists():
        raise SheetkitError([Problem("file-not-found", Location(str(path)))])
    if path.suffix in (".yaml", ".yml"):
        try:
            raw = read_limited(path, default_limits().max_data_bytes)
        except Refused as refused:
            raise SheetkitError([Problem("layout-invalid", Location(str(path)), {
                "layout": str(path), "detail": refused.reason})]) from None
        return _parse(raw, str(path))
    if not _PLAIN_NAME.fullmatch(name_or_path) or name_or_path not in available_layouts():
        raise SheetkitError([Problem("layout-not-found", Location(), {
            "layout": name_or_path, "available": "、".join(available_layouts())})])
    return _bundled(name_or_path)


@cache
def _bundled(name: str) -> Layout:
    """A bundled layout, read once a run (every workbook that names it asks again)."""
    return _parse((resources.files("sheetkit.templates") / f"{name}.yaml").read_bytes(), name)


@cache
def _parse(raw: bytes, label: str) -> Layout:
    """A layout from its file's bytes (parsed once per run and text), checked
    (layout_check) before it is built: a layout with a mistake is never used.
    The parse of a text that parsed without a problem before is read from the
    cache (sheetkit.parsed); it has no line numbers, so a layout with a mistake
    is parsed again for the lines its problems name."""
    # imported here: the data loader reads a data file's layout: through this module
    from sheetkit import parsed
    from sheetkit.layout_check import check_layout
    from sheetkit.loader import parse_text

    text = raw.decode("utf-8", "replace")
    data = parsed.load(_entry_name(label), text, lambda t: parse_text(t, label))
    problems = check_layout(data, label)
    if problems:
        raise SheetkitError(check_layout(parse_text(text, label), label))
    try:
        layout = _build(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SheetkitError([Problem("layout-invalid", Location(label),
                                     {"layout": label, "detail": f"{type(exc).__name__}: {exc}"})]
                            ) from None
    return replace(layout, sha256=hashlib.sha256(raw).hexdigest(), source=label)


def _entry_name(label: str) -> str:
    """The cache's name for a layout: a bundled one's name, a file's path hashed."""
    if _PLAIN_NAME.fullmatch(label):
        return f"layout-{label}"
    return "layout-file-" + hashlib.sha256(label.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _cell(data: dict[str, Any]) -> CellSpec:
    first, last = parse_span(str(data["span"]))
    kind = data.get("kind", "text")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    raw_input = data.get("input", False)
    input_mode = "when-empty" if raw_input == "when-empty" else ("yes" if raw_input else "no")
    if kind == "choice" and not data.get("choices"):
        raise ValueError("a choice cell needs its choices")
    if kind == "sdgs" and last - first + 1 != 17:
        raise ValueError("an sdgs cell spans 17 columns, one per goal")
    period = data.get("period")
    return CellSpec(first, last, int(data.get("rows", 1)), data.get("text"), data.get("field"),
                    kind, data.get("pattern"), data.get("join", "\n"), data.get("prefix", ""),
                    data.get("style", "value"), input_mode, data.get("hint"), data.get("name"),
                    tuple(str(c) for c in data.get("choices", ())),
                    None if period is None else int(period) - 1, int(data.get("lines", 1)))


def _widths(data: dict[str, Any]) -> tuple[tuple[int, float], ...]:
    return tuple((col_index(k), float(v)) for k, v in data.items())


def _sheet(data: dict[str, Any]) -> SheetLayout:
    blocks = []
    for b in data["blocks"]:
        rows = tuple(tuple(_cell(c) for c in row) for row in b.get("rows", ()))
        blocks.append(Block(
            rows=rows, anchor=b.get("anchor"),
            side=_cell(b["side"]) if "side" in b else None,
            table=b.get("table"), columns=tuple(_cell(c) for c in b.get("columns", ())),
            name=b.get("name"), input=bool(b.get("input", False)),
            absent=str(b.get("absent", sheet_texts().indicators.absent))))
    return SheetLayout(data["sheet"], _widths(data["widths"]), tuple(blocks))


def _period_columns(data: dict[str, Any], rows: int) -> PeriodColumns:
    """One period's columns: ``value`` (target above actual) when two rows per
    indicator, ``target`` and ``actual`` when one; ``rate`` optional."""
    rate = col_index(data["rate"]) if data.get("rate") is not None else None
    if rows == 2:
        value = col_index(data["value"])
        return PeriodColumns(value, value, rate)
    target, actual = col_index(data["target"]), col_index(data["actual"])
    if target == actual:
        raise ValueError("indicators.periods: target and actual need their own columns "
                         "when rows is 1")
    return PeriodColumns(target, actual, rate)


def _review(raw: Any, count: int) -> int | None:
    """``review: last`` (the default) or a period's number counted from 1."""
    if raw is None or raw == "last":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= count:
        raise ValueError(f"indicators.review: 'last' or a period number from 1 to {count}, "
                         f"not {raw!r}")
    return raw - 1


def _overview(data: dict[str, Any] | None) -> OverviewLayout | None:
    if data is None:
        return None
    return OverviewLayout(data["sheet"], _widths(data["widths"]), _cell(data["title"]),
                          tuple(_cell(c) for c in data["columns"]))


def _rating(data: dict[str, Any] | None) -> Scheme | None:
    """The bands of an indicator's 評価, first reached wins, lowest last."""
    if data is None:
        return None
    bands = tuple(Band(str(b["label"]), order, "#000000",
                       Rule(rate_at_least=Decimal(str(b["lower"]))))
                  for order, b in enumerate(data["bands"], start=1))
    if not bands or any((a.lower or 0) <= (b.lower or 0) for a, b in pairwise(bands)):
        raise ValueError("rating bands go from the highest lower bound down")
    # the scheme only maps a 達成率 to its band (its title is never printed); 「評価せず」
    # is the default scheme's (rating_schemes reads files through loader, which imports this)
    from sheetkit.rating_schemes import load_scheme

    return Scheme("layout", "", bands, Band(str(data.get("unrated", "")), 0, "#000000"),
                  load_scheme().not_rated)


def _indicator_layout(ind: dict[str, Any] | None) -> IndicatorLayout | None:
    if ind is None:
        return None
    rows = int(ind.get("rows", 2))
    if rows not in (1, 2):
        raise ValueError(f"indicators.rows: 1 or 2, not {rows}")
    periods = tuple(_period_columns(p, rows) for p in ind["periods"])
    if not periods:
        raise ValueError("indicators.periods: at least one period")
    review = _review(ind.get("review"), len(periods))
    if periods[len(periods) - 1 if review is None else review].rate is None:
        raise ValueError("indicators.periods: the period under review needs a rate column")

    def optional(key: str) -> CellSpec | None:
        return _cell(ind[key]) if ind.get(key) is not None else None

    return IndicatorLayout(
        sheet=ind["sheet"], widths=_widths(ind["widths"]), title=_cell(ind["title"]),
        header=tuple(tuple(_cell(c) for c in row) for row in ind["header"]),
        group=optional("group"), name=_cell(ind["name"]), unit=_cell(ind["unit"]),
        direction=_cell(ind["direction"]), baseline=optional("baseline"),
        plan_target=optional("plan_target"), periods=periods,
        actual_hint=ind["actual_hint"],
        analysis_label=_cell(ind["analysis"]["label"]),
        analysis_text=_analysis_text(ind["analysis"]["text"]),
        texts=indicator_texts(ind, sheet_texts().raw_indicators), rows=rows, review=review)


def _analysis_text(data: dict[str, Any]) -> CellSpec:
    """The 目標指標 sheet's 未達成 analysis: the section's analysis text, the
    department's to write unless the layout says ``input: false``."""
    return _cell({"field": keys.join(keys.LAYOUT_SECTION, keys.UNMET_ANALYSIS),
                  "input": True} | data)


def _build(data: dict[str, Any]) -> Layout:
    tpl = data["template"]
    verdict = tpl.get("precheck", {}).get("verdict")
    template = TemplateSettings(tpl["file"], int(tpl["rows"]), tpl["instructions"]["title"],
                                tuple(tpl["instructions"]["intro"]),
                                tpl["instructions"]["fields_heading"],
                                None if verdict is None else col_index(verdict["span"]),
                                float(verdict.get("width", 40)) if verdict else 40)
    return Layout(
        name=data["name"], version=int(data["version"]),
        description=_description(data.get("description", "")),
        font=dict(data["font"]), line_height=float(data["line_height"]),
        input_fill=data["input_fill"], styles=dict(data["styles"]), formats=dict(data["formats"]),
        print=dict(data["print"]),
        chapter=_sheet(data["chapter"]) if data.get("chapter") is not None else None,
        section=_sheet(data["section"]), indicators=_indicator_layout(data.get("indicators")),
        template=template, overview=_overview(data.get("overview")),
        rating=_rating(data.get("rating")))


def _description(value: Any) -> dict[str, str]:
    """``description: text`` (Japanese) or ``description: {ja: …, en: …}``."""
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) \
        else {"ja": str(value)}
