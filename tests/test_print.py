"""The printed 総括表, checked in the workbook itself: 元年 in the date format's own
terms, page breaks that keep an indicator's rows together, running header and
footer, repeated header rows.  (test_publish.py looks at the rendered pages.)"""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest
from conftest import EXAMPLE

from sheetkit.layout import load_layout
from sheetkit.loader import load_document
from sheetkit.pages import Paper, page_breaks
from sheetkit.writer import write_summary

EXCEL_EPOCH = dt.date(1899, 12, 30)


def serial(day: dt.date) -> int:
    return (day - EXCEL_EPOCH).days


def sections_of(number_format: str) -> list[tuple[str | None, float | None, str]]:
    """(operator, bound, body) of each section of an Excel number format."""
    parts = []
    for part in re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', number_format):
        match = re.match(r"\[(<=|>=|<>|<|>|=)(-?\d+(?:\.\d+)?)\](.*)$", part)
        parts.append((match[1], float(match[2]), match[3]) if match else (None, None, part))
    return parts


def section_for(number_format: str, value: float) -> str:
    """The body Excel (and LibreOffice) uses for ``value``: the first section whose
    condition holds, else the section without a condition."""
    tests = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__,
             "=": float.__eq__, "<>": float.__ne__}
    for op, bound, body in sections_of(number_format):
        if op is None or tests[op](float(value), bound):
            return body
    raise AssertionError(f"no section of {number_format!r} takes {value}")


def test_date_format_writes_gannen_exactly_for_the_first_year_of_reiwa():
    fmt = load_layout().formats["date"]
    conditions = [(op, bound) for op, bound, _ in sections_of(fmt) if op]
    # the 元年 section is bounded by exactly 2019-05-01 .. 2019-12-31
    assert conditions == [("<", serial(dt.date(2019, 5, 1))),
                          ("<", serial(dt.date(2019, 12, 31)) + 1)]
    gannen = '"令和元年"m"月"d"日"'
    era = '[$-411]ggge"年"m"月"d"日"'
    for day, body in ((dt.date(2019, 4, 30), era), (dt.date(2019, 5, 1), gannen),
                      (dt.date(2019, 12, 20), gannen), (dt.date(2019, 12, 31), gannen),
                      (dt.date(2020, 1, 1), era), (dt.date(2011, 3, 31), era)):
        assert section_for(fmt, serial(day)) == body, day
    assert len(sections_of(fmt)) <= 3      # two conditions and a default: Excel's limit


def test_page_breaks_keep_groups_and_fill_pages():
    heights = [10.0] * 20
    assert page_breaks(heights, 50) == [5, 10, 15]
    # rows 4..5 belong together: the break moves above them
    assert page_breaks(heights, 50, keeps=[(4, 5)]) == [4, 9, 14, 19]
    # a group larger than a page is split, its inner pairs are not
    assert page_breaks(heights, 50, keeps=[(2, 19), (4, 5)]) == [4, 9, 14, 19]
    # repeated header rows take room on every page after the first
    assert page_breaks(heights, 50, repeated=20) == [5, 8, 11, 14, 17]
    # a row taller than a page still gets a page of its own
    assert page_breaks([10, 80, 10], 50) == [1, 2]


def test_paper_height_is_a4_landscape_less_margins():
    assert Paper.of(load_layout().print).height == pytest.approx(595.28 - 72 * 1.5)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    path = tmp_path_factory.mktemp("print") / "総括表.xlsx"
    pages = write_summary(load_document(EXAMPLE), load_layout(), path)
    return openpyxl.load_workbook(path), pages


def test_every_sheet_has_plan_header_and_page_footer(printed):
    wb, pages = printed
    for name in pages:
        ws = wb[name]
        assert ws.oddHeader.left.text == "第５次所沢市総合計画"
        assert ws.oddHeader.right.text == "&A"
        assert ws.oddFooter.center.text == "- &P / &N -"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.page_setup.fitToWidth in (1, None) and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToHeight == 0


def test_indicator_breaks_never_split_an_indicator(printed):
    wb, pages = printed
    ws = wb["目標指標"]
    breaks = [b.id for b in ws.row_breaks.brk]          # 1-based: last row of a page
    assert len(breaks) + 1 == pages["目標指標"] >= 2
    assert ws.print_title_rows == "$2:$3"
    top_rows = {cell.row for cell in ws["B"][3:] if cell.value and ws.cell(cell.row, 6).value
                is not None and (cell.row, 2) in {(r.min_row, r.min_col) for r in
                                                  ws.merged_cells.ranges}}
    assert top_rows
    for row in top_rows:                                # name and its 目標値 on row, 実績値 below
        assert row not in breaks, f"indicator at row {row} split from its 実績値"
    # a 節 that fits on a page is never split
    for merged in ws.merged_cells.ranges:
        if merged.min_col == 1 and merged.min_row > 3:
            assert not any(merged.min_row <= b < merged.max_row for b in breaks), merged


def test_section_pages_that_continue_a_table_print_its_header(printed):
    wb, pages = printed
    continued = 0
    for name, count in pages.items():
        if not (name.startswith("第") and name.endswith("節")):
            continue
        ws = wb[name]
        in_table, data_rows = False, set()
        for row in range(1, ws.max_row + 1):
            label = str(ws.cell(row, 1).value or "")
            if label in ("取り組み", "課題"):
                in_table = True
            elif "～" in label or label == "記入日":
                in_table = False
            elif in_table:
                data_rows.add(row)
        starts = [b.id + 1 for b in ws.row_breaks.brk]
        assert len(starts) + 1 == count
        for start in starts:
            if start in data_rows:
                continued += 1
                first = int(ws.print_title_rows.split(":")[-1].strip("$"))
                assert ws.cell(first, 1).value in ("取り組み", "課題"), (name, start)
    assert continued, "the example has tables that run across pages"
