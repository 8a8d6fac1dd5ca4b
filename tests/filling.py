"""Filling a template the way a department does, with openpyxl as the 'hands'."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from sheetkit.model import Section
from sheetkit.values import normalize_code as normalize
from sheetkit.wareki import format_date


def find_row(ws, col: int, text: str, start: int = 1) -> int:
    for row in range(start, ws.max_row + 1):
        if ws.cell(row, col).value == text:
            return row
    raise AssertionError(f"{text!r} not in column {col} of {ws.title}")


def insert_rows(ws, index: int, amount: int) -> None:
    """Insert rows as Excel does: cells and merged ranges below move down, and
    the workbook's defined names over this sheet move or grow with them.
    (openpyxl alone moves cells only; formulas elsewhere keep their references,
    which is why the 提出前チェック formulas reach input cells by defined names.)"""
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row >= index:
            merged.shift(row_shift=amount)
    ws.insert_rows(index, amount)
    _move_names(ws, index - 1, amount)


def _move_names(ws, first: int, amount: int) -> None:
    """Defined names over ``ws``: ranges at or below 0-based row ``first`` move
    down, ranges across it grow."""
    from sheetkit.a1 import sheet_ref, split_sheet_ref

    for defined in ws.parent.defined_names.values():
        text = defined.attr_text or ""
        if "," in text or "!" not in text:
            continue
        sheet, (r1, c1, r2, c2) = split_sheet_ref(text)
        if sheet != ws.title or r2 < first:
            continue
        top = r1 + amount if r1 >= first else r1
        defined.attr_text = sheet_ref(sheet, top, c1, r2 + amount, c2)


def _identity(wb) -> dict[str, str]:
    """The rows of a workbook's hidden identity sheet."""
    meta = wb["_sheetkit"]
    return {str(row[0].value): str(row[1].value or "") for row in meta.iter_rows(max_col=2)
            if row[0].value is not None}


def _area(wb, name: str) -> list[tuple[Any, int, int, int, int]]:
    """The areas a defined name covers: (worksheet, first row, first col, last row,
    last col), 1-based as openpyxl counts."""
    from sheetkit.a1 import split_sheet_ref

    text = wb.defined_names[name].attr_text
    areas = []
    for part in text.split(","):
        sheet, (r1, c1, r2, c2) = split_sheet_ref(part)
        areas.append((wb[sheet], r1 + 1, c1 + 1, r2 + 1, c2 + 1))
    return areas


def _typed(value: Any, kind: str, date_as_text: bool, numbers_as_text: bool) -> Any:
    """A model value as a department types it into a cell."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        if numbers_as_text:
            return str(value).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
        return float(value)
    if isinstance(value, dt.date):
        return format_date(value) if date_as_text else dt.datetime.combine(value, dt.time())
    return value


def planned(wb, section: Section, *, date_as_text: bool = False,
            numbers_as_text: bool = False, layout: Any = None) -> list[tuple[Any, int, int, Any]]:
    """Where a department types ``section``'s content into the template ``wb``:
    (worksheet, row, column, value), 1-based.  Every place is found through the
    template's defined names and its layout (the input tables, the single input
    cells, the 実績値 cells), never through fixed columns: the same hands fill
    any layout.  ``layout``: the one the template was made with, when it is
    not the bundled layout its hidden sheet names (an office's own file)."""
    from sheetkit.labels import defined_name
    from sheetkit.labels import fill as fill_label
    from sheetkit.layout import load_layout

    identity = _identity(wb)
    layout = layout or load_layout(identity["layout"])
    sheet = fill_label(layout.section.sheet, {"chapter": identity["chapter"],
                                              "section": identity["section"]})
    cells: list[tuple[Any, int, int, Any]] = []

    def typed(value: Any) -> Any:
        return _typed(value, "", date_as_text, numbers_as_text)

    for block in layout.section.blocks:
        if block.table is not None and block.input and block.name:
            ((ws, first, _, _, _),) = _area(wb, defined_name(sheet, block.name))
            for i, item in enumerate(getattr(section, block.table.split(".")[-1])):
                cells += [(ws, first + i, spec.first_col + 1,
                           typed(getattr(item, spec.field or ""))) for spec in block.columns]
        for row in block.rows:
            for spec in row:
                if spec.input == "yes" and spec.name and spec.field:
                    ((ws, r, c, _, _),) = _area(wb, defined_name(sheet, spec.name))
                    value = getattr(section, spec.field.split(".", 1)[1])
                    if isinstance(value, tuple):      # a list the department types (担当課)
                        value = spec.join.join(spec.prefix + str(v) for v in value)
                    cells.append((ws, r, c, typed(value)))
    if layout.indicators is not None:
        ((ws, r, c, _, _),) = _area(wb, defined_name(
            sheet, layout.indicators.analysis_text.name or ""))
        cells.append((ws, r, c, section.unmet_analysis))
    review = int(identity["review_period"])
    for indicator, (ws, r, c) in zip(reported(section, review), actual_cells(wb, layout)):
        actual = indicator.results[review].actual
        if actual is not None:
            cells.append((ws, r, c, _typed(actual, "", False, numbers_as_text)))
    return cells


def reported(section: Section, review: int) -> list[Any]:
    """The indicators whose actual of the reviewed period a department reports."""
    return [ind for ind in section.indicators
            if review < len(ind.results) and ind.results[review] is not None]


def actual_cells(wb, layout: Any = None) -> list[tuple[Any, int, int]]:  # type: ignore[no-untyped-def]
    """The 実績値 input cells, in indicator order, by the template's defined name
    (its suffix the layout's ``names: actuals``)."""
    suffix = "_" + (layout.indicators.actuals_name if layout and layout.indicators else "実績値")
    name = next((n for n in wb.defined_names if n.endswith(suffix)), None)
    return [] if name is None else [(ws, r, c) for ws, r, c, _, _ in _area(wb, name)]


def fill(template: Path, out: Path, section: Section, *, extra_rows: int = 0,
         date_as_text: bool = False, numbers_as_text: bool = False,
         typed_rate: tuple[str, float] | None = None, layout: Any = None) -> Path:
    """Type ``section``'s department content into ``template`` (rows inserted
    into its first input table as Excel does) and save as ``out``; ``layout``
    as for ``planned``."""
    from sheetkit.layout import load_layout

    wb = openpyxl.load_workbook(template)
    if extra_rows:
        table = next(n for n in wb.defined_names if n.endswith(_first_table(wb, layout)))
        ((ws, first, _, _, _),) = _area(wb, table)
        insert_rows(ws, first + 2, extra_rows)
    for ws, row, col, value in planned(wb, section, date_as_text=date_as_text,
                                       numbers_as_text=numbers_as_text, layout=layout):
        ws.cell(row, col).value = value
    if typed_rate:
        layout = layout or load_layout(_identity(wb)["layout"])
        review = int(_identity(wb)["review_period"])
        for indicator, (ws, r, _) in zip(reported(section, review), actual_cells(wb, layout)):
            if indicator.name == typed_rate[0]:
                rate_row, rate_col = _rate_cell(layout, r, review, ws)
                ws.cell(rate_row, rate_col).value = typed_rate[1]
    wb.save(out)
    return out


def _first_table(wb, layout: Any = None) -> str:  # type: ignore[no-untyped-def]
    """The name suffix of the template's first input table (_取り組み, _主な取り組み …)."""
    from sheetkit.layout import load_layout

    layout = layout or load_layout(_identity(wb)["layout"])
    return "_" + next(b.name for b in layout.section.blocks if b.table and b.input and b.name)


def calc_steps(template: Path, section: Section, layout: Any = None) -> list[list[Any]]:
    """The same typing as ``fill``, as calc_typing.py steps (a date as its serial
    number, as Calc stores a typed date); ``layout`` as for ``fill``."""
    from decimal import Decimal

    from sheetkit.a1 import cell_name

    wb = openpyxl.load_workbook(template)
    steps: list[list[Any]] = []
    for ws, row, col, value in planned(wb, section, layout=layout):
        where = cell_name(row - 1, col - 1)
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            steps.append(["number", ws.title, where, (value - dt.datetime(1899, 12, 30)).days])
        elif isinstance(value, (int, float, Decimal)):
            steps.append(["number", ws.title, where, float(value)])
        else:
            steps.append(["text", ws.title, where, str(value)])
    return steps


def _rate_cell(layout, actual_row: int, review: int, ws) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The 達成率 cell of the indicator whose actual is in ``actual_row``: above it
    in a table of two rows per indicator, else in the same row."""
    if layout.indicators is not None and ws.title == layout.indicators.sheet:
        return actual_row - 1, layout.indicators.periods[review].rate + 1
    rate = next(c for b in layout.section.blocks for c in b.columns if c.kind == "rate")
    return actual_row, rate.first_col + 1


def renumbered(section: Section, number: int) -> Section:
    """The section as 節 ``number``: its 基本方針 codes become 1-<number>-k and every
    row's 基本方針 follows, titles kept."""
    from dataclasses import replace

    from sheetkit.model import BasicPolicy
    from sheetkit.values import split_policy

    def code(text: str | None) -> str | None:
        found, title = split_policy(text) if text else (None, "")
        return text if found is None else f"1-{number}-{found.split('-')[-1]} {title}"

    policies = tuple(BasicPolicy(f"1-{number}-{normalize(p.code).split('-')[-1]}", p.title)
                     for p in section.basic_policies)
    return replace(section, number=number, title=f"{section.title}{number}",
                   basic_policies=policies,
                   initiatives=tuple(replace(r, policy=code(r.policy)) for r in section.initiatives),
                   carried_over=tuple(replace(r, policy=code(r.policy))
                                      for r in section.carried_over))


def many_returns(folder: Path, example, count: int,  # type: ignore[no-untyped-def]
                 broken_every: int = 0, models: tuple[int, ...] | None = None,
                 ) -> tuple[Path, list[Path], object]:
    """A base of ``count`` sections (the example's ``models``, by default all of
    them, renumbered in turn), and a filled return of each; every
    ``broken_every``-th return misses a 成果."""
    from dataclasses import replace

    from sheetkit.api import make_templates
    from sheetkit.identity import blank_section
    from sheetkit.layout import load_layout
    from sheetkit.serialize import to_yaml

    pool = [example.sections[i] for i in (models or range(len(example.sections)))]
    sections = [renumbered(pool[(n - 1) % len(pool)], n) for n in range(1, count + 1)]
    full = replace(example, sections=tuple(sections))
    base = folder / "base.yaml"
    base.write_text(to_yaml(replace(full, sections=tuple(blank_section(s, 1, load_layout().inputs)
                                                         for s in sections))), "utf-8")
    make_templates(base, folder / "blank")
    returns = folder / "returns"
    returns.mkdir()
    paths = []
    for section in sections:
        source = next((folder / "blank").glob(f"第1章第{section.number}節_*.xlsx"))
        path = fill(source, returns / source.name, section)
        if broken_every and section.number % broken_every == 0:
            wb = openpyxl.load_workbook(path)
            ws = wb[f"第{section.number}節"]
            ws.cell(find_row(ws, 1, "取り組み") + 1, 6).value = None
            wb.save(path)
        paths.append(path)
    return base, paths, full


def blank_base(path: Path, doc, sections=None,  # type: ignore[no-untyped-def]
               layout: str | None = None) -> Path:
    """The planning office's base: ``doc`` (or its ``sections``) with only the
    fixed parts of ``layout`` (a bundled name; None: the default), as the
    templates were made from, written as YAML to ``path``."""
    from dataclasses import replace

    from sheetkit.identity import blank_section, review_index
    from sheetkit.layout import load_layout
    from sheetkit.serialize import to_yaml

    review = review_index(doc.plan, None)           # the last period, as both layouts review
    inputs = load_layout(layout).inputs
    blank = tuple(blank_section(s, review, inputs)
                  for s in (doc.sections if sections is None else sections))
    path.write_text(to_yaml(replace(doc, sections=blank)), encoding="utf-8")
    return path
