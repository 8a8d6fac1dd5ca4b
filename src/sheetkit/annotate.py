"""Annotated copies of returned workbooks: every finding's cell filled red with
the message as a comment, and a first sheet 検証結果 linking to the cells.

The original file is never modified."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import Any

from sheetkit.codes import severity_words
from sheetkit.findings import FileReport
from sheetkit.guard import check_markup, check_shared_formulas, inspect, refuse
from sheetkit.identity import RESULT_SHEET
from sheetkit.labels import safe_filename
from sheetkit.pages import FOOTER, text_lines
from sheetkit.problems import SheetkitError

MESSAGE_WIDTH = 80          # characters: the 内容 column, wrapped
LINE_HEIGHT = 15            # points a wrapped line takes
RED = "FFFF9999"


def _text(cell, value: object) -> None:  # type: ignore[no-untyped-def]
    """Put text in a cell as text, even when it starts with '='."""
    cell.value = None if value is None else str(value)
    if value is not None:
        cell.data_type = "s"


def _print_setup(ws, title: str) -> None:  # type: ignore[no-untyped-def]
    """A4 landscape, fitted to the page's width, the header row on every page,
    a running header (the checked file's name) and page numbers as on the 総括表."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddHeader.left.text = title.replace("&", "&&")
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.center.text = FOOTER[2:]


def annotated_name(source: Path, folder: Path) -> Path:
    """Where the annotated copy of ``source`` goes."""
    return folder / safe_filename(source.name)


AUTHOR = "sheetkit"                    # the author of every comment sheetkit adds
_OLD_RESULTS = re.compile(r"^" + re.escape(RESULT_SHEET) + r"\d*$")


def _unmark(wb: Any, input_fill: str) -> None:
    """Remove what an earlier annotation added (its red fills, its comments, its
    検証結果 sheet), so that a corrected copy shows only its current findings.
    A red cell gets back the input colour if it is an input (unlocked), else none."""
    from openpyxl.styles import PatternFill

    for name in [n for n in wb.sheetnames if _OLD_RESULTS.match(n)]:
        del wb[name]
    plain = PatternFill(fill_type=None)
    yellow = PatternFill("solid", fgColor="FF" + input_fill.lstrip("#").upper())
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == AUTHOR:
                    cell.comment = None
                if cell.fill is not None and cell.fill.fill_type == "solid" and \
                        str(cell.fill.fgColor.rgb).upper() == RED:
                    cell.fill = plain if cell.protection.locked else yellow


def marked_copy(source: Path, report: FileReport, lang: str = "ja",
                input_fill: str = "#FFF2CC") -> bytes:
    """A copy of ``source`` with the findings of ``report`` marked on it, as
    the bytes of a workbook.  openpyxl reads more of a file than the check did
    (page setup, comments, formatting rules …): where it fails on something in
    the file, the file is damaged (SheetkitError), never the whole run's problem."""
    inspection = inspect(source)                         # through the same guard
    check_shared_formulas(source, inspection.parts)      # openpyxl translates them all
    check_markup(source, inspection.data, inspection.parts)   # and reads all it holds
    data = inspection.data
    try:
        out = io.BytesIO()
        _annotate(data, report, lang, input_fill, source.name).save(out)
    except SheetkitError:
        raise
    except (MemoryError, RecursionError):
        raise refuse(source, "too-large", detail="", what="memory") from None
    except Exception:  # noqa: BLE001 - openpyxl's failure on an untrusted file is "damaged"
        raise refuse(source, "damaged") from None
    return out.getvalue()


def _annotate(data: bytes, report: FileReport, lang: str, input_fill: str,
              title: str) -> Any:
    """The workbook ``data`` loaded with openpyxl, earlier marks removed and the
    findings of ``report`` marked on it."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    with warnings.catch_warnings():       # openpyxl's warnings about odd files are not the user's
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data))
    _unmark(wb, input_fill)
    fill = PatternFill("solid", fgColor=RED)
    notes: dict[tuple[str, str], list[str]] = {}
    for finding in report.findings:
        loc = finding.location
        if loc.sheet in wb.sheetnames and loc.cell:
            notes.setdefault((loc.sheet, loc.cell), []).append(
                f"[{severity_words(lang)[finding.severity]}] {finding.message(lang)}")
    for (sheet, ref), messages in notes.items():
        cell = wb[sheet][ref]
        cell.fill = fill
        comment = Comment("\n".join(messages), AUTHOR)
        comment.width, comment.height = 320, 40 + 60 * len(messages)
        cell.comment = comment
    ws = wb.create_sheet(RESULT_SHEET, 0)
    heads = ["重要度", "コード", "シート", "セル", "行", "内容"] if lang == "ja" else \
        ["severity", "code", "sheet", "cell", "line", "message"]
    for col, head in enumerate(heads, start=1):
        _text(ws.cell(1, col), head)
        ws.cell(1, col).font = Font(bold=True)
    for row, finding in enumerate(report.findings, start=2):
        loc = finding.location
        values = [severity_words(lang)[finding.severity], finding.code, loc.sheet, loc.cell,
                  loc.line, finding.message(lang)]
        for col, value in enumerate(values, start=1):
            _text(ws.cell(row, col), value)
        if loc.sheet in wb.sheetnames and loc.cell:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate,
                                       location=f"'{loc.sheet}'!{loc.cell}")
            link.font = Font(color="FF0563C1", underline="single")
    for letter, width in zip("ABCDEF", (8, 24, 12, 8, 6, MESSAGE_WIDTH)):
        ws.column_dimensions[letter].width = width
    for cells in ws.iter_rows(min_row=2, max_col=6):   # messages wrapped, rows as high as
        for cell in cells:                               # their text, every cell at the top
            cell.alignment = Alignment(wrap_text=cell.column == 6, vertical="top")
        ws.row_dimensions[cells[0].row].height = LINE_HEIGHT * text_lines(
            str(cells[5].value or ""), MESSAGE_WIDTH)
    _print_setup(ws, title)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:F{max(len(report.findings) + 1, 1)}"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    return wb
