"""提出前チェック: the rules of schemas/precheck.yaml turned into the formulas,
conditional formats and links of a template's check sheet, over the places
where the writer put the template's input cells.

No I/O beyond reading the rules; the writer writes what this plans.  Each rule
has a Python twin that gives the blank template's cached results (a formula's
cached value must be written: spreadsheets show it without recalculating)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from sheetkit.a1 import cell_name, col_letter, quote_sheet, range_name

FIRST_RULE_ROW = 6          # 0-based row of the first rule on the check sheet
TOTAL = (3, 2)              # the total cell (C4) and the verdict cell beside it (D4)
VERDICT = (3, 3)
COUNT_COL, LINK_COL, TODO_COL, ROW_COL, ADDRESS_COL = 2, 3, 4, 6, 7
_BOTTOM = 1048577           # one past Excel's last row, for "the first offending row"
OVER = ("table", "cells", "indicators")


@dataclass(frozen=True)
class Rule:
    code: str
    over: str                          # table | cells | indicators
    count: str
    twin: str
    what: dict[str, str]
    todo: dict[str, str]
    table: str | None = None
    cells: tuple[str, ...] = ()
    mark: Any = None                   # {field: formula} for a table, else a field
    link: tuple[str, ...] = ()
    hint: bool = False
    optional: bool = False
    note: dict[str, str] | None = None


@dataclass(frozen=True)
class Precheck:
    sheet: str
    name: str
    verdict: dict[str, dict[str, str]]
    macros: dict[str, str]
    rules: tuple[Rule, ...]
    blank: tuple[str, ...]
    marks: dict[str, dict[str, str]]
    texts: dict[str, Any]

    def verdict_text(self, total: int, lang: str = "ja") -> str:
        return self.verdict["ok"][lang] if total == 0 else \
            self.verdict["some"][lang].format(n=total)


@cache
def load_precheck() -> Precheck:
    import yaml

    def read(name: str) -> Any:
        text = (resources.files("sheetkit.schemas") / name).read_text(encoding="utf-8")
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    data = read("precheck.yaml")
    pairs = next(c for c in read(f"{data['blank_from']}.yaml")["checks"]
                 if c.get("options", {}).get("check_name") == "pairs_complete")
    blank = tuple(pairs["blank"])
    macros = dict(data["macros"])
    if any(c in mark for mark in blank for c in '|"') or "" in blank:
        raise ValueError("precheck.yaml: a blank mark cannot be empty or hold | or \"")
    marks = "|" + "|".join(blank) + "|"          # one FIND instead of a comparison per mark
    macros["unmarked"] = f'ISERROR(FIND("|"&{{text:{{0}}}}&"|","{marks}"))'
    for r in data["rules"]:
        if r["over"] not in OVER or _twin_name(r["twin"]) not in _TWINS:
            raise ValueError(f"precheck.yaml: {r['code']}: unknown over or twin")
    rules = tuple(Rule(
        code=r["code"], over=r["over"], count=r["count"], twin=r["twin"], what=r["what"],
        todo=r["todo"], table=r.get("table"), cells=tuple(r.get("cells", ())),
        mark=r.get("mark"), link=tuple(r.get("link", ())), hint=bool(r.get("hint")),
        optional=bool(r.get("optional")), note=r.get("note")) for r in data["rules"])
    return Precheck(data["sheet"], data["name"], data["verdict"], macros, rules, blank,
                    data["marks"], data["texts"])


# -- formulas -------------------------------------------------------------

_MACRO = re.compile(r"\{(\w+):\{?(\w+)\}?\}")
_FIELD = re.compile(r"\{(\w+)\}")


def expand(expr: str, macros: dict[str, str], ref: Callable[[str], str]) -> str:
    """``{macro:field}`` and ``{field}`` replaced, ``ref`` giving each field's reference."""
    def macro(match: re.Match[str]) -> str:
        body = macros[match.group(1)].replace("{0}", "{" + match.group(2) + "}")
        return expand(body, macros, ref)
    while _MACRO.search(expr):
        expr = _MACRO.sub(macro, expr)
    return _FIELD.sub(lambda m: ref(m.group(1)), expr)


# -- where the template's cells are -----------------------------------------

@dataclass(frozen=True)
class Area:
    """A cell or range of a sheet, 0-based."""

    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    def absolute(self, other_sheet: bool = True) -> str:
        cells = range_name(self.first_row, self.first_col, self.last_row, self.last_col, True)
        return f"{quote_sheet(self.sheet)}!{cells}" if other_sheet else cells


@dataclass(frozen=True)
class TablePlace:
    name: str                                   # its defined name, e.g. 第1節_取り組み
    area: Area
    columns: dict[str, tuple[int, int]]         # field -> first and last column
    rows: tuple[dict[str, Any], ...]            # the values the template holds


@dataclass(frozen=True)
class CellPlace:
    name: str                                   # its defined name, e.g. 第1節_記入日
    area: Area
    value: Any = None


@dataclass(frozen=True)
class IndicatorPlace:
    """One indicator's cells on the 目標指標 sheet, and the values they hold."""

    cells: dict[str, Area]                      # name, unit, target, actual, rate
    values: dict[str, Any]


@dataclass
class Places:
    """What the writer put where, collected while it writes the template."""

    section_sheet: str = ""
    section_last_row: int = 0
    tables: dict[str, TablePlace] = field(default_factory=dict)
    cells: dict[str, CellPlace] = field(default_factory=dict)
    indicators: list[IndicatorPlace] = field(default_factory=list)
    analysis: CellPlace | None = None           # 未達成指標の理由・分析


# -- the plan of the check sheet --------------------------------------------

@dataclass(frozen=True)
class Formula:
    row: int
    col: int
    text: str                   # without '='
    cached: Any


@dataclass(frozen=True)
class Mark:
    area: Area
    formula: str                # without '=', relative to the area's top-left cell
    hint: bool


@dataclass(frozen=True)
class RuleRow:
    rule: Rule
    row: int
    formulas: tuple[Formula, ...]
    count: int
    applies: bool = True        # False: an optional rule with no cell in this template


@dataclass(frozen=True)
class SheetPlan:
    rows: tuple[RuleRow, ...]
    marks: tuple[Mark, ...]
    total: Formula
    verdict: Formula
    section_verdict: Formula


def formula_cells(precheck: Precheck) -> list[str]:
    """The check sheet's cells that must hold a formula: total, verdict, each count and link."""
    cells = [cell_name(*TOTAL), cell_name(*VERDICT)]
    for index in range(len(precheck.rules)):
        cells += [cell_name(FIRST_RULE_ROW + index, COUNT_COL),
                  cell_name(FIRST_RULE_ROW + index, LINK_COL)]
    return cells


def plan_sheet(precheck: Precheck, places: Places, verdict_cell: tuple[int, int]) -> SheetPlan:
    """Every formula of the check sheet, with the blank template's results."""
    rows = []
    marks: list[Mark] = []
    for index, rule in enumerate(precheck.rules):
        row = FIRST_RULE_ROW + index
        table = places.tables.get(rule.table or "")
        if rule.over == "table" and table is None:       # a layout without this table
            made = _item_rule(precheck, rule, row, places.section_sheet, [])
        elif rule.over == "table" and table is not None:
            made = _table_rule(precheck, rule, row, table)
        elif rule.over == "cells":        # those of its cells the layout makes inputs
            made = _item_rule(precheck, rule, row, places.section_sheet,
                              [_cell_item(places.cells[c]) for c in rule.cells
                               if c in places.cells])
        else:                                    # indicators
            analysis = places.analysis
            assert analysis is not None, "a template always has its analysis cell"
            made = _item_rule(precheck, rule, row, analysis.area.sheet,
                              [_indicator_item(i, analysis) for i in places.indicators])
        formulas, count, rule_marks = made
        applies = (not rule.optional or any(c in places.cells for c in rule.cells)) \
            and (rule.over != "table" or table is not None)
        rows.append(RuleRow(rule, row, formulas, count, applies))
        marks.extend(rule_marks)
    counted = [r for r in rows if not r.rule.hint]
    total_value = sum(r.count for r in counted)
    total_ref = cell_name(*TOTAL)
    total = Formula(*TOTAL, "SUM(" + ",".join(cell_name(r.row, COUNT_COL) for r in counted)
                    + ")", total_value)
    ok, some = precheck.verdict["ok"]["ja"], precheck.verdict["some"]["ja"]
    before, _, after = some.partition("{n}")
    count_text = (f'"{before}"&' if before else "") + total_ref + (f'&"{after}"' if after else "")
    verdict = Formula(*VERDICT, f'IF({total_ref}=0,"{ok}",{count_text})',
                      precheck.verdict_text(total_value))
    sheet = quote_sheet(precheck.sheet)
    section_verdict = Formula(
        *verdict_cell, f'HYPERLINK("#{sheet}!A1","{precheck.sheet}："&{sheet}!'
        f'{cell_name(*VERDICT, absolute=True)})',
        f"{precheck.sheet}：{precheck.verdict_text(total_value)}")
    return SheetPlan(tuple(rows), tuple(marks), total, verdict, section_verdict)


def _link(row: int, sheet: str, address: Any) -> Formula:
    here = cell_name(row, ADDRESS_COL)
    cached = f"{sheet}!{address}" if address else ""
    return Formula(row, LINK_COL, f'IF({here}="","",HYPERLINK("#{quote_sheet(sheet)}!"&{here},'
                   f'"{sheet}!"&{here}))', cached)


def _table_rule(precheck: Precheck, rule: Rule, row: int, table: TablePlace
                ) -> tuple[tuple[Formula, ...], int, list[Mark]]:
    def column(name: str) -> int:
        return table.columns[name][0] - table.area.first_col + 1

    def whole(name: str) -> str:
        return f"INDEX({table.name},0,{column(name)})"

    found_row = cell_name(row, ROW_COL)

    def at_found(name: str) -> str:
        return f"INDEX({table.name},{found_row}-MIN(ROW({table.name}))+1,{column(name)})"

    def letter(name: str) -> str:
        return col_letter(table.columns[name][0])

    test = expand(rule.count, precheck.macros, whole)
    count_ref = cell_name(row, COUNT_COL)
    choice = f'"{letter(rule.link[-1])}"'
    for name in reversed(rule.link[:-1]):
        present = expand("{present:" + name + "}", precheck.macros, at_found)
        choice = f'IF({present}=0,"{letter(name)}",{choice})'
    twin = _TWINS[_twin_name(rule.twin)]
    args = _twin_args(rule.twin)
    offending = [i for i, values in enumerate(table.rows) if twin(*(values.get(a) for a in args))]
    first = table.area.first_row + 1 + offending[0] if offending else 0
    address = ""
    if offending:
        values = table.rows[offending[0]]
        pick = next((n for n in rule.link if not _present(values.get(n))), rule.link[-1])
        address = f"{letter(pick)}{first}"
    formulas = (
        Formula(row, COUNT_COL, f"SUMPRODUCT(({test})*1)", len(offending)),
        Formula(row, ROW_COL, f"IF({count_ref}=0,0,{_BOTTOM}-SUMPRODUCT(MAX(({test})*"
                f"({_BOTTOM}-ROW(INDEX({table.name},0,1))))))", first),
        Formula(row, ADDRESS_COL, f'IF({found_row}=0,"",{choice}&{found_row})', address),
        _link(row, table.area.sheet, address))
    marks = []
    top = table.area.first_row + 1
    for name, mark in (rule.mark or {}).items():
        first_col, last_col = table.columns[name]
        text = expand(mark, precheck.macros, lambda n: f"${col_letter(table.columns[n][0])}{top}")
        marks.append(Mark(Area(table.area.sheet, table.area.first_row, first_col,
                               table.area.last_row, last_col), text, rule.hint))
    return formulas, len(offending), marks


@dataclass(frozen=True)
class _Item:
    """One place a cells or indicators rule looks at: each field's area and value."""

    areas: dict[str, Area]
    names: dict[str, str]               # fields reached by a defined name (its first cell)
    values: dict[str, Any]

    def ref(self, name: str) -> str:
        """A field's reference from any sheet: its defined name's first cell, or its area."""
        return (f"INDEX({self.names[name]},1,1)" if name in self.names
                else self.areas[name].absolute())

    def ref_from(self, sheet: str) -> Callable[[str], str]:
        """Field references as written on ``sheet``: relative there, absolute elsewhere."""
        def ref(name: str) -> str:
            area = self.areas[name]
            return (cell_name(area.first_row, area.first_col, True) if area.sheet == sheet
                    else area.absolute())
        return ref


def _cell_item(cell: CellPlace) -> _Item:
    return _Item({"value": cell.area}, {"value": cell.name}, {"value": cell.value})


def _indicator_item(ind: IndicatorPlace, analysis: CellPlace) -> _Item:
    return _Item(ind.cells | {"analysis": analysis.area}, {"analysis": analysis.name},
                 ind.values | {"analysis": analysis.value})


def _item_rule(precheck: Precheck, rule: Rule, row: int, sheet: str, items: list[_Item]
               ) -> tuple[tuple[Formula, ...], int, list[Mark]]:
    twin = _TWINS[_twin_name(rule.twin)]
    args = _twin_args(rule.twin)
    tests, links, hits = [], [], []
    for item in items:
        tests.append(expand(rule.count, precheck.macros, item.ref))
        target = (rule.link or ("value",))[0]
        area = item.areas[target]
        row_of = (f"ROW(INDEX({item.names[target]},1,1))" if target in item.names
                  else f"ROW({area.absolute()})")
        links.append((col_letter(area.first_col), area, row_of))
        hits.append(bool(twin(*(item.values.get(a) for a in args))))
    count = sum(hits)
    text = "+".join(f"({t})*1" for t in tests) or "0"
    choice = '""'
    for test, (letter, _, row_of) in reversed(list(zip(tests, links))):
        choice = f'IF({test},"{letter}"&{row_of},{choice})'
    first = next((link for hit, link in zip(hits, links) if hit), None)
    address = f"{first[0]}{first[1].first_row + 1}" if first else ""
    formulas = (Formula(row, COUNT_COL, text, count),
                Formula(row, ADDRESS_COL, choice, address),
                _link(row, sheet, address))
    return formulas, count, _item_marks(precheck, rule, items)


def _item_marks(precheck: Precheck, rule: Rule, items: list[_Item]) -> list[Mark]:
    """One mark per marked cell; a cell that several items mark (the analysis)
    is marked when any of them is broken."""
    by_area: dict[Area, list[str]] = {}
    for item in items:
        area = item.areas[rule.mark or "value"]
        local = expand(rule.count, precheck.macros, item.ref_from(area.sheet))
        by_area.setdefault(area, []).append(local)
    return [Mark(area, "+".join(f"({t})*1" for t in tests) + ">0", rule.hint)
            for area, tests in by_area.items()]


# -- the Python twins (the blank template's cached results) -------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "".join(ch for ch in str(value).replace("　", " ") if ord(ch) >= 32)
    return " ".join(text.split(" ")).strip(" ")


def _present(value: Any) -> bool:
    return _text(value) != ""


def _filled(value: Any) -> bool:
    return _present(value) and _text(value) not in load_precheck().blank


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, dt.date)) and not isinstance(value, bool)


def _number(value: Any) -> float | None:
    if _is_number(value) and not isinstance(value, dt.date):
        return float(value)
    text = unicodedata.normalize("NFKC", _text(value)).replace(",", "").replace("%", "")
    try:
        return float(text)
    except ValueError:
        return None


def _rate(value: Any) -> float | None:
    if _is_number(value) and not isinstance(value, dt.date):
        return float(value)
    text = unicodedata.normalize("NFKC", _text(value))
    return _number(text[:-1]) if text.endswith("%") else None


def _wareki(value: Any) -> bool:
    text = unicodedata.normalize("NFKC", _text(value)).upper()
    tail = text.replace("日", "")[-1:]
    return (text[:1] in "令平昭大明RHSTM" or text[:4].isdigit()) and tail.isdigit()


def _squash(value: Any) -> str:
    return _text(value).replace(" ", "").lower()


_TWINS: dict[str, Callable[..., bool]] = {
    "pair": lambda a, b: _filled(a) != _filled(b),
    "blank": lambda v: not _present(v),
    "not_date": lambda v: _present(v) and not _is_number(v) and not _wareki(v),
    "missing_actual": lambda t, a: _present(t) and not _present(a),
    "bad_number": lambda a, unit: _present(a) and (
        (n := _number(a)) is None or n < 0 or (_text(unit) in ("％", "%") and n > 100)),
    "bad_rate": lambda v: _present(v) and ((n := _rate(v)) is None or n < 0),
    "bad_rank": lambda v: _present(v) and (
        (n := _number(_text(v).removesuffix("位"))) is None or n != int(n) or n < 1),
    "unmet_unnamed": lambda rate, name, analysis: (
        _is_number(rate) and rate < 1 and _squash(name) not in _squash(analysis)),
}


def _twin_name(twin: str) -> str:
    return twin.partition("(")[0].strip()


def _twin_args(twin: str) -> list[str]:
    return [a.strip() for a in twin.partition("(")[2].rstrip(")").split(",") if a.strip()]
