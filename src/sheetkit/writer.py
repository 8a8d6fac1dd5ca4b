"""Write a 総括表 or a department template with xlsxwriter, driven by a Layout."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from sheetkit import __version__
from sheetkit import model as m
from sheetkit.a1 import cell_name, quote_sheet, range_name, sheet_ref
from sheetkit.codec import CellContent, encode
from sheetkit.identity import (
    META_SHEET,
    RATING_SHEET,
    SUMMARY,
    TEMPLATE,
    Identity,
    blank_section,
    fingerprint,
    fixed_parts,
    open_fields,
    review_index,
)
from sheetkit.labels import (
    chapter_name,
    defined_name,
    fill,
    label_vars,
    safe_sheet_name,
    section_name,
    sheet_title,
)
from sheetkit.layout import (
    Block,
    CellSpec,
    IndicatorLayout,
    Layout,
    OverviewLayout,
    PeriodColumns,
    SheetLayout,
)
from sheetkit.pages import (
    DEFAULT_ROW_HEIGHT,
    FOOTER,
    SAFETY,
    Paper,
    header_text,
    page_breaks,
    text_lines,
)
from sheetkit.precheck import (
    ADDRESS_COL,
    COUNT_COL,
    FIRST_RULE_ROW,
    LINK_COL,
    ROW_COL,
    TODO_COL,
    TOTAL,
    VERDICT,
    Area,
    CellPlace,
    IndicatorPlace,
    Places,
    Precheck,
    SheetPlan,
    TablePlace,
    formula_cells,
    load_precheck,
    plan_sheet,
)
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.rates import achievement, as_written, formula
from sheetkit.rating_schemes import load_scheme
from sheetkit.rating_sheet import IndicatorCells, PeriodCells, RatedChapter, write_rating_sheet
from sheetkit.ratings import Scheme, printed_rate
from sheetkit.serialize import plan_data
from sheetkit.sheet_texts import ActualCheck, IndicatorTexts, sheet_texts
from sheetkit.values import percent_rule

FIXED_TIME = dt.datetime(2000, 1, 1)
MAX_ROW_HEIGHT = 409                 # points: the most Excel allows


@dataclass
class _InputCell:
    """An input cell of a template, for hints, validation and the 記入要領 sheet."""

    label: str
    hint: str | None


class _Book:
    """The workbook and a cache of its formats."""

    def __init__(self, path: Path | BinaryIO, layout: Layout, plan_name: str,
                 paginate: bool = False) -> None:
        target = path if not isinstance(path, Path) else str(path)
        self.workbook: Workbook = xlsxwriter.Workbook(target, {
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "in_memory": not isinstance(path, Path)})
        self.layout = layout
        self._formats: dict[tuple[str, str | None, bool], Format] = {}
        self.inputs: list[_InputCell] = []
        self.places = Places()           # where the input cells went, for 提出前チェック
        self.header = header_text(plan_name)
        self.paginate = paginate              # fixed row heights and computed page breaks
        self.pages: dict[str, int] = {}       # sheet name -> pages it prints on, when paginated
        self.prefix = ""                      # before sheet names, in a workbook of several 章
        # where each indicator of the chapter being written went on its 目標指標
        # sheet, by (section, indicator index), for the 達成状況 tallies
        self.indicator_cells: dict[tuple[int, int], IndicatorCells] = {}

    def title(self, pattern: str, values: dict[str, Any]) -> str:
        """The name of a sheet of the chapter being written."""
        return sheet_title(pattern, values, self.prefix)

    def take_indicator_cells(self) -> dict[tuple[int, int], IndicatorCells]:
        """The cells recorded since the last call (one chapter's)."""
        cells, self.indicator_cells = self.indicator_cells, {}
        return cells

    def fmt(self, style: str, num_format: str | None = None, input_cell: bool = False) -> Format:
        key = (style, num_format, input_cell)
        if key not in self._formats:
            props: dict[str, Any] = {"font_name": self.layout.font["name"],
                                     "font_size": self.layout.font["size"]}
            props |= self.layout.styles.get(style, {})
            if num_format:
                props["num_format"] = num_format
            if input_cell:
                props |= {"bg_color": self.layout.input_fill, "locked": False}
            self._formats[key] = self.workbook.add_format(props)
        return self._formats[key]

    def sheet(self, name: str) -> Worksheet:
        ws = self.workbook.add_worksheet(safe_sheet_name(name))
        p = self.layout.print
        if p.get("landscape"):
            ws.set_landscape()
        ws.set_paper(int(p.get("paper", 9)))
        ws.fit_to_pages(int(p.get("fit_width", 1)), 0)
        margins = p.get("margins", {})
        ws.set_margins(**{k: float(v) for k, v in margins.items()})
        ws.center_horizontally()
        ws.set_header(self.header)
        ws.set_footer(FOOTER)
        return ws

    def close(self, properties: dict[str, Any]) -> None:
        self.workbook.set_properties({"created": FIXED_TIME, "author": "sheetkit",
                                      "comments": f"sheetkit {__version__}"} | properties)
        self.workbook.close()


class _SheetWriter:
    """Writes cells row by row, tracking row heights, names and validations."""

    def __init__(self, book: _Book, ws: Worksheet, widths: tuple[tuple[int, float], ...],
                 labels: dict[str, Any], context: dict[str, Any] | None = None) -> None:
        self.book, self.ws, self.labels = book, ws, labels
        self.context = context or {}
        self.widths = dict(widths)
        for col, width in widths:
            ws.set_column(col, col, width)
        self.lines: dict[int, int] = {}
        self.row = 0
        self.mark: str | None = None       # 未提出 / 差し戻し中, on a section not merged
        self.keeps: list[tuple[int, int]] = []              # rows to keep on one page if they fit
        self.tables: list[tuple[int, int, int]] = []        # (caption row, first row, last row)
        self.repeat: tuple[int, int] | None = None          # header rows printed on every page

    # -- cells -----------------------------------------------------------
    def put(self, row: int, spec: CellSpec, content: CellContent, style: str | None = None,
            input_cell: bool = False, formula_text: str | None = None) -> None:
        """Write one (possibly merged) cell; text is always text, never a formula."""
        fmt = self.book.fmt(style or spec.style, content.num_format, input_cell)
        if spec.lines > 1:
            self.lines[row] = max(self.lines.get(row, 1), spec.lines)
        last_row = row + spec.rows - 1
        if (spec.first_col, row) != (spec.last_col, last_row):
            self.ws.merge_range(row, spec.first_col, last_row, spec.last_col, "", fmt)
        value = content.value
        if formula_text is not None:
            self.ws.write_formula(row, spec.first_col, formula_text, fmt, value)
        elif value is None:
            self.ws.write_blank(row, spec.first_col, None, fmt)
        elif isinstance(value, str):
            self.ws.write_string(row, spec.first_col, value, fmt)
            if spec.rows == 1:
                self._need(row, spec, value)
        elif isinstance(value, dt.datetime):
            self.ws.write_datetime(row, spec.first_col, value, fmt)
        else:
            self.ws.write_number(row, spec.first_col, value, fmt)

    def _need(self, row: int, spec: CellSpec, text: str) -> None:
        width = sum(self.widths.get(c, 8.43) for c in range(spec.first_col, spec.last_col + 1))
        self.lines[row] = max(self.lines.get(row, 1), text_lines(text, width))

    def finish_heights(self, fixed: dict[int, float] | None = None) -> None:
        """Row heights from the text estimate; in a paginated book every row gets its
        height, so that any renderer breaks pages where the plan says."""
        step = self.book.layout.line_height
        heights = {row: min(lines * step + 4, MAX_ROW_HEIGHT) for row, lines in self.lines.items()}
        heights |= fixed or {}
        if not self.book.paginate:
            for row, height in sorted(heights.items()):
                self.ws.set_row(row, height)
            return
        rows = [heights.get(row, DEFAULT_ROW_HEIGHT) for row in range(self.row)]
        for row, height in enumerate(rows):
            self.ws.set_row(row, height)
        self._paginate(rows)

    def repeat_rows(self, first: int, last: int) -> None:
        self.repeat = (first, last)
        self.ws.repeat_rows(first, last)

    def _paginate(self, heights: list[float]) -> None:
        """Break pages between kept groups, planned at 100 % scale: fitting to the
        width only ever shrinks the rows, so each planned page still holds its rows.

        A sheet without fixed header rows repeats the header of the first table
        that a page break runs through."""
        capacity = Paper.of(self.book.layout.print).height * SAFETY

        def plan() -> list[int]:
            repeated = sum(heights[self.repeat[0]:self.repeat[1] + 1]) if self.repeat else 0.0
            return page_breaks(heights, capacity, repeated, self.keeps)

        breaks = plan()
        if self.repeat is None:
            crossed = next(((caption, first) for caption, first, last in self.tables
                            if caption < first and any(first < b <= last for b in breaks)), None)
            if crossed is not None:
                self.repeat_rows(crossed[0], crossed[1] - 1)
                breaks = plan()
        self.ws.set_h_pagebreaks(breaks)
        self.book.pages[self.ws.name] = len(breaks) + 1

    def hint(self, first_row: int, spec: CellSpec, last_row: int, label: str,
             hint: str | None, validation: dict[str, Any] | None = None) -> None:
        options = dict(validation or {"validate": "any"})
        if hint:
            options |= {"input_title": label[:32], "input_message": hint[:255]}
        if options.get("validate") != "any" or hint:
            self.ws.data_validation(first_row, spec.first_col, last_row, spec.first_col, options)
        self.book.inputs.append(_InputCell(label, hint))

    def name(self, name: str, sheet: str, first_row: int, first_col: int,
             last_row: int, last_col: int) -> None:
        """A workbook-level defined name over an input region."""
        self.book.workbook.define_name(
            name, "=" + sheet_ref(sheet, first_row, first_col, last_row, last_col))

    def resolve(self, path: str) -> Any:
        head, *rest = path.split(".")
        value = self.context.get(head)
        for part in rest:
            value = getattr(value, part, None) if value is not None else None
        return value


def date_check(cell: str) -> dict[str, Any]:
    """The 記入日 check: a date (a positive serial: Excel has none before 1900, and
    its DATE() reads 1868 as 3768), or date-like text as the hint suggests
    (令和元年12月20日, R1.12.20, 2019-12-20 typed where the program keeps them as
    text).  A custom formula, because a 'date' check marks such text invalid in
    LibreOffice; both Excel and LibreOffice evaluate it the same way, and
    validate still checks the date itself."""
    marks = "".join(f'ISNUMBER(FIND("{m}",{cell})),' for m in ("年", "/", ".", "-"))
    return {"validate": "custom",
            "value": f"=OR(AND(ISNUMBER({cell}),{cell}>=1),{marks[:-1]})"} | _warning("date")


def _warning(kind: str, **values: str) -> dict[str, Any]:
    """The title and message of a kind's data validation (schemas/sheet_texts.yaml)."""
    title, message = sheet_texts().checks[kind]
    return {"error_type": "warning", "error_title": title,
            "error_message": message.format(**values)}


_VALIDATION = {
    "rate": {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1},
    "rank": {"validate": "integer", "criteria": ">=", "value": 1},
    "figure": {"validate": "decimal", "criteria": ">=", "value": 0},
}


def _check_for(spec: CellSpec) -> dict[str, Any] | None:
    """The data validation of an input cell of ``spec``'s kind, if it has one."""
    if spec.kind == "choice":
        return {"validate": "list", "source": list(spec.choices)} | _warning(
            "choice", choices="・".join(spec.choices))
    check = _VALIDATION.get(spec.kind)
    return check | _warning(spec.kind) if check is not None else None


def _write_goals(sw: _SheetWriter, spec: CellSpec, goals: Any) -> None:
    """関連するSDGs: the 17 goal numbers in a row, and ● under each related one."""
    related = set(goals or ())
    style = sw.book.layout.styles
    for goal in m.SDG_GOALS:
        col = spec.first_col + goal - 1
        one = CellSpec(col, col)
        sw.put(sw.row, one, CellContent(str(goal)), style="goal" if "goal" in style else None)
        for extra in range(1, spec.rows):
            sw.put(sw.row + extra, one, CellContent("●" if goal in related else None),
                   style=spec.style)


def _is_indicator_table(block: Block) -> bool:
    """A section sheet's own indicator table (one row per indicator)."""
    return (block.table or "").endswith(".indicators")


def _write_indicator_rows(sw: _SheetWriter, block: Block, sheet_name: str, start: int) -> None:
    """A section sheet's own indicator table, one row per indicator: name, unit,
    direction, baseline, a target and an actual per period, and the reviewed
    period's 達成率 and 評価 as live formulas with their computed values."""
    plan: m.Plan = sw.context["plan"]
    reviewed = review_index(plan, sw.book.layout.indicators)
    columns = {(c.field or "", c.period): c for c in block.columns}
    first = sw.row
    actual_cells: list[str] = []
    for indicator in sw.context["section"].indicators or (None,):
        if indicator is None:                       # an empty table keeps one bordered row
            for spec in block.columns:
                sw.put(sw.row, spec, CellContent(None))
        else:
            actual_cells += _write_indicator_row(sw, block, columns, indicator, reviewed,
                                                 sheet_name)
        sw.row += 1
    sw.tables.append((start, first, sw.row - 1))
    sw.keeps.append((start, first))
    if block.name:
        last_col = max(c.last_col for c in block.columns)
        sw.name(defined_name(sheet_name, block.name), sheet_name, first, 0, sw.row - 1,
                last_col)
    if actual_cells:
        sw.book.workbook.define_name(defined_name(sheet_name, _texts(sw).actuals_name),
                                     "=" + ",".join(actual_cells))


def _texts(sw: _SheetWriter) -> IndicatorTexts:
    """A section sheet's indicator table speaks as the layout's 目標指標 table does,
    or as schemas/sheet_texts.yaml when the layout has none."""
    own = sw.book.layout.indicators
    return own.texts if own is not None else sheet_texts().indicators


def _write_indicator_row(sw: _SheetWriter, block: Block,
                         columns: dict[tuple[str, int | None], CellSpec],
                         indicator: m.Indicator, reviewed: int, sheet: str) -> list[str]:
    """One indicator's row; the reference of its reported actual when it is an input."""
    row, formats = sw.row, sw.book.layout.formats
    template = bool(sw.context.get("template"))
    for key in ("name", "unit", "direction", "baseline"):
        if (spec := columns.get((key, None))) is not None:
            sw.put(row, spec, encode(spec, getattr(indicator, key) or None, formats))
    inputs: list[str] = []
    for number in sorted({c.period for c in block.columns if c.period is not None}):
        target, actual = columns.get(("target", number)), columns.get(("actual", number))
        pair = [c for c in (target, actual) if c is not None]
        if number < len(indicator.results) and indicator.results[number] is None:
            sw.put(row, CellSpec(min(c.first_col for c in pair), max(c.last_col for c in pair)),
                   CellContent(block.absent), style="center")     # not an indicator then
            continue
        result = _result_of(indicator, number)
        for spec, value in ((target, result.target), (actual, result.actual)):
            if spec is None:
                continue
            is_input = template and number == reviewed and spec is actual
            sw.put(row, spec, encode(spec, value, formats), input_cell=is_input)
            if is_input:
                texts = _texts(sw)
                sw.hint(row, spec, row, fill(texts.actual_label, {"name": indicator.name}),
                        fill(spec.hint or "", sw.labels) or None,
                        _actual_validation(indicator.unit, texts.actual_check))
                inputs.append(sheet_ref(sheet, row, spec.first_col, row, spec.first_col))
    rate, rating = columns.get(("rate", None)), columns.get(("rating", None))
    target, actual = columns.get(("target", reviewed)), columns.get(("actual", reviewed))
    absent = reviewed < len(indicator.results) and indicator.results[reviewed] is None
    if absent or target is None or actual is None or rate is None:
        for spec in (s for s in (rate, rating) if s is not None):
            sw.put(row, spec, CellContent(block.absent if absent else None), style="center")
        return inputs
    result = _result_of(indicator, reviewed)
    _write_rate_at(sw, rate, row, cell_name(row, target.first_col),
                   cell_name(row, actual.first_col), indicator.direction, result, template)
    if rating is not None:
        _write_rating(sw, rating, row, rate.first_col, indicator, result)
    if template and inputs:
        def at(spec: CellSpec) -> Area:
            return Area(sheet, row, spec.first_col, row, spec.first_col)

        computed = achievement(indicator.direction, result.target, result.actual)
        sw.book.places.indicators.append(IndicatorPlace(
            {"name": at(columns[("name", None)]), "unit": at(columns[("unit", None)]),
             "target": at(target), "actual": at(actual), "rate": at(rate)},
            {"name": indicator.name, "unit": indicator.unit,
             "target": float(result.target) if isinstance(result.target, Decimal)
             else result.target,
             "actual": result.actual, "rate": "" if computed is None else float(computed)}))
    return inputs


def _result_of(indicator: m.Indicator, period: int) -> m.PeriodResult:
    """The indicator's result of ``period``, empty where it has none."""
    found = indicator.results[period] if 0 <= period < len(indicator.results) else None
    return found or m.PeriodResult()


def _actual_validation(unit: str | None, messages: ActualCheck) -> dict[str, Any]:
    """The data validation on an actual a department reports: a number from 0,
    and at most 100 when the unit is a percent."""
    limit, units = percent_rule()
    maximum = limit if (unit or "").strip() in units else None
    check: dict[str, Any] = {
        "validate": "decimal", "error_type": "warning", "error_title": messages.title,
        "error_message": messages.message if maximum is None else messages.percent_message}
    check |= ({"criteria": "between", "minimum": 0, "maximum": maximum}
              if maximum else {"criteria": ">=", "value": 0})
    return check


def _write_rate_at(sw: _SheetWriter, spec: CellSpec, row: int, target_cell: str,
                   actual_cell: str, direction: str, result: m.PeriodResult,
                   template: bool) -> None:
    """A live 達成率 formula over two cells of the row, carrying its computed
    value; a typed rate only where no formula can give it."""
    rate_format = sw.book.layout.formats["rate"]
    computed = achievement(direction, result.target, result.actual)
    if direction in m.DIRECTIONS and (template or computed is not None or result.rate is None):
        cached = float(computed) if computed is not None else ""
        sw.put(row, spec, CellContent(cached, rate_format), style="number",
               formula_text=formula(direction, target_cell, actual_cell))
        return
    rate = result.rate
    content = CellContent(float(rate.value), rate_format) if isinstance(rate, m.Rate) \
        else CellContent(rate)
    sw.put(row, spec, content, style="number")


def _write_rating(sw: _SheetWriter, spec: CellSpec, row: int, rate_col: int | None,
                  indicator: m.Indicator, result: m.PeriodResult) -> None:
    """評価: a formula over the 達成率 cell (as printed, to 0.1%) and the layout's
    bands, carrying its value; a typed 評価 only where the rate cannot be computed."""
    scheme = sw.book.layout.rating
    computed = achievement(indicator.direction, result.target, result.actual)
    if scheme is None or rate_col is None or (computed is None and indicator.rating):
        sw.put(row, spec, CellContent(indicator.rating), style=spec.style)
        return
    rate = cell_name(row, rate_col)
    cached = scheme.rate(as_written(computed).value) if computed is not None else ""
    if computed is None and isinstance(result.rate, m.Rate):
        cached = scheme.rate(result.rate.value)
    sw.put(row, spec, CellContent(cached), formula_text=rating_formula(scheme, rate))


def rating_formula(scheme: Scheme, rate_cell: str) -> str:
    """=IF(ISNUMBER(R9),IF(ROUND(R9,3)>=1,"A",IF(…,"D")),"") over the bands."""
    shown = f"ROUND({rate_cell},3)"
    text = f'"{scheme.unrated.label}"'
    for band in reversed(scheme.bands):
        text = f'IF({shown}>={band.lower},"{band.label}",{text})'
    return f'=IF(ISNUMBER({rate_cell}),{text},"")'


def _label_for(row: tuple[CellSpec, ...], spec: CellSpec, labels: dict[str, Any]) -> str:
    """The label printed left of a field in the same row."""
    before = [c for c in row if c.text and c.last_col < spec.first_col]
    return fill(before[-1].text or "", labels) if before else (spec.field or "")


def _write_blocks(sw: _SheetWriter, sheet: SheetLayout, sheet_name: str,
                  template_rows: int | None) -> None:
    """Write a chapter or section sheet's blocks top to bottom."""
    template = template_rows is not None
    policy_range: tuple[int, int, int] | None = None
    fixed_heights: dict[int, float] = {}
    for block in sheet.blocks:
        start = sw.row
        for row_specs in block.rows:
            for spec in row_specs:
                if spec.text is not None:
                    text = fill(spec.text, sw.labels)
                    if spec.style == "title" and sw.mark:
                        text += f"　【{sw.mark}】"
                    sw.put(sw.row, spec, CellContent(text))
                    if spec.style == "title":
                        fixed_heights[sw.row] = 24
                    continue
                value = sw.resolve(spec.field or "")
                if spec.kind == "sdgs":
                    _write_goals(sw, spec, value)
                    continue
                content = encode(spec, value, sw.book.layout.formats)
                is_input = template and (spec.input == "yes" or (
                    spec.input == "when-empty" and content.value is None))
                sw.put(sw.row, spec, content, input_cell=is_input)
                if is_input:
                    sw.hint(sw.row, spec, sw.row, _label_for(row_specs, spec, sw.labels),
                            spec.hint, date_check(cell_name(sw.row, spec.first_col))
                            if spec.kind == "date" else _check_for(spec))
                    if spec.name:
                        sw.name(defined_name(sheet_name, spec.name), sheet_name, sw.row,
                                spec.first_col, sw.row, spec.last_col)
                        place = CellPlace(
                            defined_name(sheet_name, spec.name),
                            Area(sheet_name, sw.row, spec.first_col, sw.row, spec.last_col),
                            content.value)
                        sw.book.places.cells[spec.name] = place
                        if spec.field == "section.unmet_analysis":
                            sw.book.places.analysis = place
            sw.row += 1
        if block.table is not None and _is_indicator_table(block):
            _write_indicator_rows(sw, block, sheet_name, start)
        elif block.table is not None:
            items = sw.resolve(block.table) or ()
            minimum = template_rows if (template and block.input) else 1
            count = max(len(items), minimum or 1)
            first = sw.row
            for i in range(count):
                item = items[i] if i < len(items) else None
                for spec in block.columns:
                    value = None if item is None else (
                        item if spec.kind == "policy" else getattr(item, spec.field or ""))
                    sw.put(sw.row, spec, encode(spec, value, sw.book.layout.formats),
                           input_cell=template and block.input)
                sw.row += 1
            last = sw.row - 1
            sw.tables.append((start, first, last))
            sw.keeps.append((start, first))            # caption and header with a first row
            if any(spec.kind == "policy" for spec in block.columns):   # what dropdowns list
                policy_range = (first, last, block.columns[0].first_col)
            if template and block.input:
                headers = block.rows[-1] if block.rows else ()
                for spec, head in zip(block.columns, headers):
                    validation = _check_for(spec)
                    if spec.kind == "policy-choice" and policy_range:
                        first_p, last_p, col = policy_range
                        validation = {
                            "validate": "list",
                            "source": "=" + range_name(first_p, col, last_p, col, absolute=True),
                        } | _warning("policy-choice")
                    sw.hint(first, spec, last, fill(head.text or "", sw.labels), spec.hint,
                            validation)
                if block.name:
                    last_col = max(c.last_col for c in block.columns)
                    sw.name(defined_name(sheet_name, block.name), sheet_name, first, 0, last,
                            last_col)
                    sw.book.places.tables[block.name] = _table_place(
                        defined_name(sheet_name, block.name),
                        Area(sheet_name, first, 0, last, last_col),
                        block, items, count)
        if block.side is not None:
            side = block.side
            span = CellSpec(side.first_col, side.last_col, rows=sw.row - start)
            sw.put(start, span, CellContent(fill(side.text or "", sw.labels)), style=side.style)
        sw.keeps.append((start, sw.row - 1))
    sw.finish_heights(fixed_heights)



def _table_place(name: str, area: Area, block: Block, items: tuple[Any, ...],
                 count: int) -> TablePlace:
    """An input table's place and the values of its rows, for 提出前チェック."""
    fields = [c.field or "" for c in block.columns]
    rows = tuple({f: getattr(item, f, None) for f in fields} for item in items)
    return TablePlace(name, area, {c.field or "": (c.first_col, c.last_col)
                                   for c in block.columns},
                      rows + ({},) * (count - len(items)))


def _indicator_cells(ind: IndicatorLayout) -> dict[str, CellSpec]:
    """The column specs of the 目標指標 table, each as high as an indicator's rows."""
    specs = {"name": ind.name, "unit": ind.unit, "direction": ind.direction,
             "baseline": ind.baseline, "plan_target": ind.plan_target}
    return {k: replace(spec, rows=ind.rows, kind="figure" if k in ("baseline", "plan_target")
                       else "text")
            for k, spec in specs.items() if spec is not None}


def _write_indicators(sw: _SheetWriter, ind: IndicatorLayout, plan: m.Plan,
                      sections: tuple[m.Section, ...], sheet_name: str,
                      review: int | None, marks: Mapping[int, str] | None = None) -> None:
    """Write the 目標指標の達成状況 table: each indicator on ``ind.rows`` rows,
    its section named in the group column (when the layout has one), and each
    section's 未達成 analysis below its indicators."""
    layout = sw.book.layout
    sw.put(0, ind.title, CellContent(fill(ind.title.text or "", sw.labels)))
    sw.row = 1
    for row_specs in ind.header:
        for spec in row_specs:
            sw.put(sw.row, spec, CellContent(fill(spec.text or "", sw.labels)))
        sw.row += 1
    sw.repeat_rows(1, sw.row - 1)
    cells = _indicator_cells(ind)
    upper, lower = ("upper", "lower") if ind.rows == 2 else ("number", "number")
    for section in sections:
        group_start = sw.row
        actual_cells: list[str] = []
        for position, indicator in enumerate(section.indicators):
            top, bottom = sw.row, sw.row + ind.rows - 1
            sw.book.indicator_cells[(section.number, position)] = IndicatorCells(
                sheet_name, (top, cells["direction"].first_col),
                (top, cells["baseline"].first_col) if "baseline" in cells else None,
                tuple(None if i >= len(indicator.results) or indicator.results[i] is None
                      else PeriodCells((top, cols.target), (bottom, cols.actual),
                                       None if cols.rate is None else (top, cols.rate))
                      for i, cols in enumerate(ind.periods)))
            for key in ("name", "unit", "direction"):
                sw.put(top, cells[key], CellContent(getattr(indicator, key) or None))
            for key, value in (("baseline", indicator.baseline),
                               ("plan_target", indicator.plan_target)):
                if key in cells:
                    sw.put(top, cells[key], encode(cells[key], value, layout.formats))
            for index, cols in enumerate(ind.periods):
                result = indicator.results[index] if index < len(indicator.results) else None
                target_spec = CellSpec(cols.target, cols.target, kind="figure")
                actual_spec = CellSpec(cols.actual, cols.actual, kind="figure")
                if result is None:
                    sw.put(top, CellSpec(cols.first_col, cols.last_col, rows=ind.rows),
                           CellContent(ind.absent), style="center")
                    continue
                sw.put(top, target_spec, encode(target_spec, result.target, layout.formats),
                       style=upper)
                is_input = review == index
                actual = encode(actual_spec, result.actual, layout.formats)
                sw.put(bottom, actual_spec, actual, style=lower, input_cell=is_input)
                if is_input:
                    _actual_check(sw, ind, indicator, actual_spec, bottom)
                    actual_cells.append(sheet_ref(sheet_name, bottom, cols.actual, bottom,
                                                  cols.actual))
                    sw.book.places.indicators.append(_indicator_place(
                        sheet_name, ind, top, cols, indicator, result))
                if cols.rate is not None:
                    _write_rate(sw, CellSpec(cols.rate, cols.rate, rows=ind.rows), top,
                                (top, cols.target), (bottom, cols.actual), indicator.direction,
                                result, template=review is not None)
            sw.keeps.append((top, bottom))
            sw.row += ind.rows
        label_row, text_row = sw.row, sw.row + 1
        sw.put(label_row, ind.analysis_label,
               CellContent(fill(ind.analysis_label.text or "", sw.labels)))
        is_input = review is not None and ind.analysis_text.input != "no"
        sw.put(text_row, ind.analysis_text, CellContent(section.unmet_analysis),
               input_cell=is_input)
        if is_input:
            sw.hint(text_row, ind.analysis_text, text_row, fill(ind.analysis_label.text or "",
                                                                sw.labels),
                    ind.analysis_text.hint)
        sw.row += 2
        sw.keeps.extend(((label_row, text_row), (group_start, sw.row - 1)))
        if ind.group is not None:
            group = replace(ind.group, rows=sw.row - group_start)
            mark = (marks or {}).get(section.number)
            sw.put(group_start, group, CellContent(
                fill(ind.group.pattern or "", sw.labels | label_vars(plan, section=section))
                + (f"\n【{mark}】" if mark else "")))
        # named as the section sheet names its inputs ({chapter} filled, "-" made "_")
        prefix = sw.book.title(layout.section.sheet, sw.labels | label_vars(plan, section=section))
        analysis_name = defined_name(prefix, ind.analysis_text.name or "")
        sw.name(defined_name(prefix, ind.table_name), sheet_name, group_start,
                ind.name.first_col, sw.row - 1, ind.last_col)
        sw.name(analysis_name, sheet_name, text_row,
                ind.analysis_text.first_col, text_row, ind.analysis_text.last_col)
        if actual_cells:
            sw.book.workbook.define_name(defined_name(prefix, ind.actuals_name),
                                         "=" + ",".join(actual_cells))
        sw.book.places.analysis = CellPlace(
            analysis_name,
            Area(sheet_name, text_row, ind.analysis_text.first_col, text_row,
                 ind.analysis_text.last_col), section.unmet_analysis)
    sw.finish_heights({0: 24})


def _actual_check(sw: _SheetWriter, ind: IndicatorLayout, indicator: m.Indicator,
                  spec: CellSpec, row: int) -> None:
    """The hint and data validation on an actual a department reports: a
    number from 0, and at most 100 when the unit is a percent."""
    sw.hint(row, spec, row, fill(ind.actual_label, {"name": indicator.name}),
            ind.actual_hint, _actual_validation(indicator.unit, ind.actual_check))


def _indicator_place(sheet: str, ind: IndicatorLayout, top: int, cols: PeriodColumns,
                     indicator: m.Indicator, result: m.PeriodResult) -> IndicatorPlace:
    """The cells of an indicator a department reports on, for 提出前チェック."""
    def at(row: int, col: int) -> Area:
        return Area(sheet, row, col, row, col)

    rate = achievement(indicator.direction, result.target, result.actual)
    assert cols.rate is not None          # the layout gives the period under review a rate
    return IndicatorPlace(
        {"name": at(top, ind.name.first_col), "unit": at(top, ind.unit.first_col),
         "target": at(top, cols.target), "actual": at(top + ind.rows - 1, cols.actual),
         "rate": at(top, cols.rate)},
        {"name": indicator.name, "unit": indicator.unit,
         "target": None if result.target is None else float(result.target),
         "actual": None if result.actual is None else result.actual,
         "rate": "" if rate is None else float(rate)})


def _write_rate(sw: _SheetWriter, spec: CellSpec, top: int, target: tuple[int, int],
                actual: tuple[int, int], direction: str, result: m.PeriodResult,
                template: bool) -> None:
    """A live 達成率 formula carrying its computed value; a typed rate only
    where no formula can give it.  ``target``, ``actual``: (row, column)."""
    rate_format = sw.book.layout.formats["rate"]
    computed = achievement(direction, result.target, result.actual)
    if direction in m.DIRECTIONS and (template or computed is not None or result.rate is None):
        text = formula(direction, cell_name(*target), cell_name(*actual))
        cached = float(computed) if computed is not None else ""
        sw.put(top, spec, CellContent(cached, rate_format), style="number", formula_text=text)
        return
    rate = result.rate
    content = CellContent(float(rate.value), rate_format) if isinstance(rate, m.Rate) \
        else CellContent(rate)
    sw.put(top, spec, content, style="number")


_PROTECTION = {"format_rows": True, "format_columns": True, "insert_rows": True,
               "delete_rows": True, "sort": True, "autofilter": True,
               "select_locked_cells": True, "select_unlocked_cells": True}


def _write_meta(book: _Book, identity: Identity) -> None:
    ws = book.workbook.add_worksheet(META_SHEET)
    for row, (key, value) in enumerate(identity.rows()):
        ws.write_string(row, 0, key)
        ws.write_string(row, 1, value)
    ws.hide()
    ws.protect()
    for key, value in identity.rows():
        if key not in ("plan", "fixed", "precheck"):   # too long for a document property
            book.workbook.set_custom_property(f"sheetkit.{key}", value)


@dataclass(frozen=True)
class Table:
    """A titled table: a caption, a header row and rows of text or numbers."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    columns: tuple[int, ...] = ()        # the sheet column of each table column; default 0, 1, …


@dataclass(frozen=True)
class ExtraSheet:
    """A sheet of plain tables added after the 総括表 sheets (such as 出典)."""

    name: str
    tables: tuple[Table, ...]
    widths: tuple[float, ...] = ()


def _fits(plan: m.Plan, layout: Layout) -> None:
    """The layout's 目標指標 table has columns for every period of the data
    (fewer periods leave the last ones showing the absent mark), and a rate
    column for the period under review."""
    columns = layout.period_columns
    if columns is None:                     # no indicator table at all
        return
    params = {"count": str(len(plan.periods)), "columns": str(columns), "layout": layout.name}
    if len(plan.periods) > columns:
        raise SheetkitError([Problem("layout-periods", Location(), params)])
    review = review_index(plan, layout.indicators)
    if review >= 0 and layout.indicators is not None \
            and layout.indicators.periods[review].rate is None:
        raise SheetkitError([Problem("layout-periods", Location(), params | {
            "variant": "no-rate", "review": str(review + 1)})])


Marks = Mapping[tuple[int, int], str]


def write_summary(doc: m.Document | m.PlanDocument, layout: Layout, path: Path | BinaryIO,
                  extra: tuple[ExtraSheet, ...] = (), marks: Marks | None = None,
                  scheme: Scheme | None = None) -> dict[str, int]:
    """The whole 総括表: the 達成状況 sheet of the plan (rated by ``scheme``,
    tassei by default), then for each 章 its chapter sheet, 目標指標 sheet and
    one sheet per 節 (names unique across chapters when there are several).
    ``marks``: a visible mark (未提出, 差し戻し中) for sections that were not
    merged, by (章, 節).

    Returns the number of pages each of those sheets prints on, as planned."""
    whole = m.as_plan(doc)
    _fits(whole.plan, layout)
    book = _Book(path, layout, whole.plan.name, paginate=True)
    rating_ws = book.sheet(RATING_SHEET)
    several = len(whole.chapters) > 1
    if layout.overview is not None:
        _write_overview(book, layout.overview, whole, marks or {})
    rated = []
    for chapter in whole.chapters:
        number = chapter.chapter.number
        if several and layout.chapter is not None:
            book.prefix = safe_sheet_name(fill(layout.chapter.sheet,
                                               label_vars(whole.plan, chapter.chapter)))
        _write_chapter(book, layout, chapter, {s: mark for (c, s), mark in (marks or {}).items()
                                               if c == number})
        rated.append(RatedChapter(chapter.chapter, chapter.sections,
                                  book.take_indicator_cells()))
    # before the extra sheets: the 総括表's own parts come out the same with or without them
    book.pages[RATING_SHEET] = write_rating_sheet(
        book.workbook, rating_ws, whole.plan, rated, review_index(whole.plan, layout.indicators),
        scheme or load_scheme(), book.fmt, Paper.of(layout.print).height * SAFETY)
    for sheet in extra:
        _write_table_sheet(book, sheet)
    numbers = tuple(c.chapter.number for c in whole.chapters)
    _write_meta(book, Identity(SUMMARY, layout.name, layout.version, plan_data(whole.plan),
                               numbers[0], chapters=numbers if several else (),
                               layout_sha256=layout.sha256))
    book.close({"title": f"{whole.plan.name} 総括表" + (
        "" if several else f" {chapter_name(numbers[0])}")})
    return book.pages


def _write_chapter(book: _Book, layout: Layout, doc: m.Document, marks: Mapping[int, str]
                   ) -> None:
    """One chapter's sheets: 章, 目標指標, then one per 節."""
    vars_ = label_vars(doc.plan, doc.chapter, review=review_index(doc.plan, layout.indicators))
    if layout.chapter is not None:
        name = book.title(layout.chapter.sheet, vars_)
        sw = _SheetWriter(book, book.sheet(name), layout.chapter.widths, vars_,
                          {"plan": doc.plan, "chapter": doc.chapter})
        _write_blocks(sw, layout.chapter, name, None)
    if layout.indicators is not None:
        ind_name = book.title(layout.indicators.sheet, vars_)
        sw = _SheetWriter(book, book.sheet(ind_name), layout.indicators.widths, vars_)
        _write_indicators(sw, layout.indicators, doc.plan, doc.sections, ind_name, None, marks)
    for section in doc.sections:
        _section_sheet(book, layout, doc, section, None, marks.get(section.number))


def _write_overview(book: _Book, overview: OverviewLayout, whole: m.PlanDocument,
                    marks: Marks) -> None:
    """The front sheet listing every section of every chapter (施策一覧), each row
    linked to its sheet, with the mark of a section that was not merged."""
    first = whole.chapters[0]
    vars_ = label_vars(whole.plan, first.chapter,
                       review=review_index(whole.plan, book.layout.indicators))
    sw = _SheetWriter(book, book.sheet(fill(overview.sheet, vars_)), overview.widths, vars_)
    sw.put(0, overview.title, CellContent(fill(overview.title.text or "", vars_)))
    for spec in overview.columns:
        sw.put(1, spec, CellContent(fill(spec.text or "", vars_)), style="header")
    sw.repeat_rows(1, 1)
    sw.row = 2
    for doc in whole.chapters:
        for section in doc.sections:
            sheet = sheet_title(book.layout.section.sheet,
                                label_vars(doc.plan, doc.chapter, section))
            sw.context = {"plan": doc.plan, "chapter": doc.chapter, "section": section}
            mark = marks.get((doc.chapter.number, section.number))
            for index, spec in enumerate(overview.columns):
                value = sw.resolve(spec.field or "")
                if spec.kind == "ratings":
                    content = CellContent(_rating_counts(book.layout, doc.plan, value) or None)
                else:
                    content = encode(spec, value, book.layout.formats)
                if spec.field == "section.title" and mark and isinstance(content.value, str):
                    content = CellContent(f"{content.value}\n【{mark}】")
                sw.put(sw.row, spec, content)
                if index == 0 and isinstance(content.value, str):
                    sw.ws.write_url(sw.row, spec.first_col, f"internal:{quote_sheet(sheet)}!A1",
                                    book.fmt(spec.style), content.value)
            sw.row += 1
    sw.finish_heights({0: 24})


def _rating_counts(layout: Layout, plan: m.Plan, indicators: Any) -> str:
    """How many indicators got each 評価 in the last period: A 2・B 1."""
    scheme = layout.rating
    if scheme is None or not indicators:
        return ""
    last = len(plan.periods) - 1
    found = [scheme.rate(printed_rate(ind, last)) for ind in indicators]
    return "・".join(f"{label} {found.count(label)}" for label in scheme.labels
                     if found.count(label))


def _write_table_sheet(book: _Book, sheet: ExtraSheet) -> None:
    """Each table under its caption, text wrapped within its column and rows as high
    as their text; printed to the page's width with the first table's header repeated."""
    ws = book.sheet(sheet.name)
    widths = dict(enumerate(sheet.widths))
    for col, width in widths.items():
        ws.set_column(col, col, width)
    row = 0
    for table in sheet.tables:
        columns = table.columns or tuple(range(len(table.header)))
        if max(columns) > 0:
            ws.merge_range(row, 0, row, max(columns), "", book.fmt("caption"))
        ws.write_string(row, 0, table.title, book.fmt("caption"))
        spare = [c for c in range(max(columns) + 1) if c not in columns]   # bordered, empty
        for col in spare:
            ws.write_blank(row + 1, col, None, book.fmt("header"))
        for col, head in zip(columns, table.header):
            ws.write_string(row + 1, col, head, book.fmt("header"))
        if row == 0:
            ws.repeat_rows(0, 1)
        row += 2
        for values in table.rows:
            lines = 1
            for col in spare:
                ws.write_blank(row, col, None, book.fmt("value"))
            for col, value in zip(columns, values):
                fmt = book.fmt("value")
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(row, col, value, fmt)
                elif value is None or value == "":
                    ws.write_blank(row, col, None, fmt)
                else:
                    ws.write_string(row, col, str(value), fmt)
                    lines = max(lines, text_lines(str(value), widths.get(col, 8.43)))
            ws.set_row(row, min(lines * book.layout.line_height + 4, MAX_ROW_HEIGHT))
            row += 1
        row += 1


def _section_sheet(book: _Book, layout: Layout, doc: m.Document, section: m.Section,
                   template_rows: int | None, mark: str | None = None) -> Worksheet:
    vars_ = label_vars(doc.plan, doc.chapter, section, review_index(doc.plan, layout.indicators))
    name = book.title(layout.section.sheet, vars_)
    ws = book.sheet(name)
    context = {"plan": doc.plan, "chapter": doc.chapter, "section": section}
    if template_rows is not None:
        context["template"] = True
    sw = _SheetWriter(book, ws, layout.section.widths, vars_, context)
    sw.mark = mark
    _write_blocks(sw, layout.section, name, template_rows)
    book.places.section_last_row = sw.row - 1
    return ws


def template_identity(doc: m.Document, section: m.Section, layout: Layout) -> Identity:
    """The identity a template of ``section`` carries."""
    review = review_index(doc.plan, layout.indicators)
    open_ = open_fields(section, layout.inputs)      # the when-empty fields left to them
    parts = fixed_parts(doc.plan, doc.chapter, section, review, open_, layout.inputs)
    precheck = load_precheck()
    vars_ = label_vars(doc.plan, doc.chapter, section)
    section_sheet = safe_sheet_name(fill(layout.section.sheet, vars_))
    return Identity(TEMPLATE, layout.name, layout.version, plan_data(doc.plan),
                    doc.chapter.number, section.number, review, fingerprint(parts), bool(open_),
                    json.loads(json.dumps(parts, ensure_ascii=False, default=str)),
                    {"sheet": precheck.sheet, "cells": formula_cells(precheck),
                     "verdict": [section_sheet, cell_name(0, _verdict_col(layout))]},
                    layout_sha256=layout.sha256)


def _verdict_col(layout: Layout) -> int:
    """The section sheet's column for the 提出前チェック verdict (beside the title)."""
    if layout.template.verdict_col is not None:
        return layout.template.verdict_col
    return max(col for col, _ in layout.section.widths) + 2


def write_template(doc: m.Document, section: m.Section, layout: Layout, path: Path,
                   rows: int) -> None:
    """A workbook for the departments of one 節: fixed parts locked, inputs marked."""
    _fits(doc.plan, layout)
    book = _Book(path, layout, doc.plan.name)
    review = review_index(doc.plan, layout.indicators)
    blank = blank_section(section, review, layout.inputs)
    vars_ = label_vars(doc.plan, doc.chapter, section, review)
    guide = book.sheet(layout.template.instructions_title)
    precheck = load_precheck()
    check = book.sheet(precheck.sheet)
    ws = _section_sheet(book, layout, doc, blank, rows)
    ws.protect("", _PROTECTION)
    sheets = {ws.get_name(): ws}
    if layout.indicators is not None:
        ind_name = safe_sheet_name(fill(layout.indicators.sheet, vars_))
        ind_ws = book.sheet(ind_name)
        _write_indicators(_SheetWriter(book, ind_ws, layout.indicators.widths, vars_),
                          layout.indicators, doc.plan, (blank,), ind_name, review)
        ind_ws.protect("", _PROTECTION)
        sheets[ind_name] = ind_ws
    _write_instructions(book, guide, layout, vars_)
    book.places.section_sheet = ws.get_name()
    _write_precheck(book, check, precheck, sheets, layout)
    _write_meta(book, template_identity(doc, section, layout))
    guide.activate()
    book.close({"title": f"{doc.plan.name} 総括表 {chapter_name(doc.chapter.number)}"
                         f"{section_name(section.number)}"})


def _write_instructions(book: _Book, ws: Worksheet, layout: Layout,
                        vars_: dict[str, Any]) -> None:
    """記入要領: plain-Japanese steps and every input field with its hint."""
    settings = layout.template
    ws.set_column(0, 0, 4)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 2, 80)
    title = book.fmt("title")
    wrap = book.fmt("value")
    ws.merge_range(0, 0, 0, 2, "", title)
    ws.write_string(0, 0, settings.instructions_title, title)
    row = 2
    for number, text in enumerate(settings.intro, start=1):
        ws.write_string(row, 0, f"{number}.")
        ws.write_string(row, 1, fill(text, vars_))
        row += 1
    row += 1
    ws.write_string(row, 0, settings.fields_heading, book.fmt("caption"))
    row += 1
    seen: set[str] = set()
    for cell in book.inputs:
        if cell.label in seen:
            continue
        seen.add(cell.label)
        ws.write_string(row, 1, cell.label, book.fmt("label"))
        ws.write_string(row, 2, cell.hint or "", wrap)
        row += 1
    ws.protect()


def _write_precheck(book: _Book, ws: Worksheet, precheck: Precheck,
                    sheets: dict[str, Worksheet], layout: Layout) -> None:
    """提出前チェック: a live count, a link and what to do for each rule, the
    total and verdict (also beside the section sheet's title), and the marks
    on the offending input cells."""
    verdict_col = _verdict_col(layout)
    plan: SheetPlan = plan_sheet(precheck, book.places, (0, verdict_col))
    texts = precheck.texts
    fmt = book.fmt
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 40)
    ws.set_column(COUNT_COL, COUNT_COL, 7)
    ws.set_column(LINK_COL, LINK_COL, 22)
    ws.set_column(TODO_COL, TODO_COL, 70)
    ws.set_column(ROW_COL, ADDRESS_COL, None, None, {"hidden": True})    # helpers
    ws.merge_range(0, 0, 0, TODO_COL, texts["title"], fmt("title"))
    ws.set_row(0, 24)
    ws.merge_range(1, 0, 1, TODO_COL, " ".join(texts["intro"].split()), fmt("value"))
    ws.set_row(1, 4 * layout.line_height + 4)
    ws.merge_range(TOTAL[0], 0, TOTAL[0], 1, texts["total"], fmt("label"))
    ws.write_formula(*TOTAL, plan.total.text, fmt("center"), plan.total.cached)
    ws.merge_range(VERDICT[0], VERDICT[1], VERDICT[0], TODO_COL, "", fmt("caption"))
    ws.write_formula(*VERDICT, plan.verdict.text, fmt("caption"), plan.verdict.cached)
    book.workbook.define_name(precheck.name, "=" + quote_sheet(precheck.sheet) + "!"
                              + cell_name(*TOTAL, absolute=True))
    for col, head in enumerate(texts["headers"]):
        ws.write_string(FIRST_RULE_ROW - 1, col, head, fmt("header"))
    link = book.workbook.add_format(book.layout.styles["value"] | precheck.marks["link"] | {
        "font_name": book.layout.font["name"], "font_size": book.layout.font["size"]})
    number = 0
    notes = []
    for rule_row in plan.rows:
        rule, row = rule_row.rule, rule_row.row
        if not rule_row.applies:             # kept (its formulas are fixed structure), hidden
            ws.set_row(row, None, None, {"hidden": True})
        if rule.hint:
            ws.write_string(row, 0, texts["hint_number"], fmt("center"))
        else:
            number += rule_row.applies
            ws.write_number(row, 0, number, fmt("center"))
        ws.write_string(row, 1, rule.what["ja"], fmt("value"))
        todo = rule.todo["ja"] + ("※" if rule.note else "")
        ws.write_string(row, TODO_COL, todo, fmt("value"))
        for cell in rule_row.formulas:
            style = fmt("center") if cell.col == COUNT_COL else (
                link if cell.col == LINK_COL else fmt("value"))
            ws.write_formula(cell.row, cell.col, cell.text, style, cell.cached)
        if rule_row.applies:
            ws.set_row(row, 2 * layout.line_height + 4)
        if rule.note:
            notes.append(rule.note["ja"])
    row = FIRST_RULE_ROW + len(plan.rows) + 1
    for note in notes:
        ws.merge_range(row, 0, row, TODO_COL, f"※ {note}", fmt("value"))
        row += 1
    for name, style in (("error", False), ("hint", True)):         # marks while typing
        mark_format = book.workbook.add_format(precheck.marks[name])
        for mark in (m_ for m_ in plan.marks if m_.hint == style):
            sheets[mark.area.sheet].conditional_format(
                mark.area.first_row, mark.area.first_col, mark.area.last_row,
                mark.area.last_col,
                {"type": "formula", "criteria": "=" + mark.formula, "format": mark_format})
    section = sheets[book.places.section_sheet]
    section.set_column(verdict_col, verdict_col, layout.template.verdict_width)
    section.write_formula(plan.section_verdict.row, plan.section_verdict.col,
                          plan.section_verdict.text,
                          fmt("caption"), plan.section_verdict.cached)
    verdicts = ((ws, VERDICT[0], VERDICT[1], TODO_COL),
                (section, plan.section_verdict.row, plan.section_verdict.col,
                 plan.section_verdict.col))
    for name, test in (("error", ">0"), ("ready", "=0")):      # the verdict's colour
        colour = book.workbook.add_format(precheck.marks[name])
        for sheet, row, first, last in verdicts:
            sheet.conditional_format(row, first, row, last, {
                "type": "formula", "criteria": f"={precheck.name}{test}", "format": colour})
    section.print_area(0, 0, book.places.section_last_row,
                       max(col for col, _ in layout.section.widths))
    ws.protect()
