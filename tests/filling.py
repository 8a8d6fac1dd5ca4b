"""Filling a template the way a department does, with openpyxl as the 'hands'."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from sheetkit.model import Section
from sheetkit.wareki import format_date


def find_row(ws, col: int, text: str, start: int = 1) -> int:
    for row in range(start, ws.max_row + 1):
        if ws.cell(row, col).value == text:
            return row
    raise AssertionError(f"{text!r} not in column {col} of {ws.title}")


def insert_rows(ws, index: int, amount: int) -> None:
    """Insert rows as Excel does: cells and merged ranges below move down.
    (openpyxl alone moves cells only; defined names are left where they were.)"""
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row >= index:
            merged.shift(row_shift=amount)
    ws.insert_rows(index, amount)


def _write_table(ws, header: str, rows: list[tuple[Any, Any, Any]], extra: int) -> None:
    head = find_row(ws, 1, header)
    first = head + 1
    if extra:
        insert_rows(ws, first + 2, extra)
    for i, (a, b, c) in enumerate(rows):
        for col, value in ((1, a), (6, b), (10, c)):
            ws.cell(first + i, col).value = value


def fill(template: Path, out: Path, section: Section, *, extra_rows: int = 0,
         date_as_text: bool = False, numbers_as_text: bool = False,
         typed_rate: tuple[str, float] | None = None) -> Path:
    """Type ``section``'s department content into ``template`` and save as ``out``."""
    wb = openpyxl.load_workbook(template)
    ws = wb[f"第{section.number}節"]
    _write_table(ws, "取り組み", [(r.initiative, r.outcome, r.policy)
                                  for r in section.initiatives], extra_rows)
    _write_table(ws, "課題", [(r.challenge, r.direction, r.policy)
                            for r in section.carried_over], 0)
    row = find_row(ws, 1, "記入日")
    if isinstance(section.entry_date, dt.date):
        ws.cell(row, 3).value = (format_date(section.entry_date) if date_as_text
                                 else dt.datetime.combine(section.entry_date, dt.time()))
    ws.cell(row, 8).value = section.author
    ind = wb["目標指標"]
    for indicator in section.indicators:
        top = find_row(ind, 2, indicator.name)
        last = indicator.results[-1]
        if last is not None and last.actual is not None:
            value: Any = float(last.actual)
            if numbers_as_text:
                value = str(last.actual).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
            ind.cell(top + 1, 9).value = value
        if typed_rate and typed_rate[0] == indicator.name:
            ind.cell(top, 10).value = typed_rate[1]
    label = find_row(ind, 2, "後期基本計画に係る未達成指標の理由・分析")
    ind.cell(label + 1, 2).value = section.unmet_analysis
    wb.save(out)
    return out
