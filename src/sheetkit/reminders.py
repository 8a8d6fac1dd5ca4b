"""The 督促 list: for each 関係所属, the sections it has not returned yet or
that came back with errors, with the 記入者 and the last 記入日 known."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from sheetkit.collect import STATUS_LABELS, Collection
from sheetkit.pages import print_wide, text_lines
from sheetkit.status import PENDING, by_department, status_rows
from sheetkit.writer import FIXED_TIME

HEADS = {"ja": ("関係所属", "章", "節", "名称", "状態", "記入者", "記入日", "エラー", "ファイル"),
         "en": ("department", "chapter", "section", "title", "status", "author",
                "entry date", "errors", "file")}
WIDTHS = (24, 5, 5, 20, 10, 22, 16, 6, 40)
WRAPPED = (0, 3, 5, 8)
LINE_HEIGHT = 15


def reminder_rows(collection: Collection, lang: str = "ja") -> list[tuple[object, ...]]:
    """One row per department and section to remind it of, departments in plan order."""
    labels = STATUS_LABELS[lang]
    rows: list[tuple[object, ...]] = []
    for department, mine in by_department(status_rows(collection, lang)).items():
        for row in mine:
            if row.status in PENDING:
                rows.append((department, row.chapter, row.section, row.title,
                             labels[row.status], row.author, row.entry_date, row.errors,
                             "\n".join(row.files)))
    return rows


def write_reminders(collection: Collection, output: Path, lang: str = "ja") -> Path:
    """Write the list to ``output`` (a temporary file of the output set)."""
    wb = xlsxwriter.Workbook(str(output), {"strings_to_formulas": False,
                                           "strings_to_numbers": False,
                                           "strings_to_urls": False})
    wb.set_properties({"created": FIXED_TIME, "author": "sheetkit"})
    title = wb.add_format({"bold": True, "font_size": 14})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    ws = wb.add_worksheet("督促" if lang == "ja" else "reminders")
    name = collection.base.plan.name
    ws.write_string(0, 0, f"{name} 督促リスト（未提出・エラーあり）" if lang == "ja"
                    else f"{name}: sections to remind (not returned, with errors)", title)
    for col, head in enumerate(HEADS[lang]):
        ws.write_string(1, col, head, bold)
    rows = reminder_rows(collection, lang)
    for index, values in enumerate(rows, start=2):
        lines = 1
        for col, value in enumerate(values):
            if isinstance(value, int):
                ws.write_number(index, col, value, wrap)
            else:
                ws.write_string(index, col, str(value), wrap)
                if col in WRAPPED:
                    lines = max(lines, text_lines(str(value), WIDTHS[col]))
        ws.set_row(index, lines * LINE_HEIGHT)
    ws.autofilter(1, 0, max(len(rows) + 1, 2), len(HEADS[lang]) - 1)
    ws.freeze_panes(2, 0)
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    print_wide(ws, f"{name} 督促リスト" if lang == "ja" else f"{name} reminders", (1, 1))
    wb.close()
    return output
