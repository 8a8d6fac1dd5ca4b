"""One sortable, filterable workbook of all findings across all files:
a list sheet and a summary by code and by 節 / department."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import xlsxwriter

from sheetkit.codes import severity_words
from sheetkit.findings import SEVERITIES, Report
from sheetkit.labels import place_name, section_name
from sheetkit.pages import print_wide, text_lines
from sheetkit.subjects import Subject
from sheetkit.writer import FIXED_TIME

# 指摘一覧 columns: ファイル, 節, 関係所属, 記入者, 重要度, コード, シート, セル, 行, 内容, 値, 正しい値;
# narrow enough that the page's width holds them all at a readable size, long texts wrapped.
WIDTHS = (28, 6, 16, 14, 6, 20, 8, 6, 5, 50, 14, 14)
WRAPPED = (0, 2, 3, 9, 10, 11)
LINE_HEIGHT = 15


def write_report(report: Report, subjects: list[Subject], output: Path, lang: str = "ja") -> Path:
    """Write the report workbook to ``output`` (a temporary file of the output set)."""
    labels = severity_words(lang)
    wb = xlsxwriter.Workbook(str(output), {"strings_to_formulas": False,
                                           "strings_to_numbers": False,
                                           "strings_to_urls": False})
    wb.set_properties({"created": FIXED_TIME, "author": "sheetkit"})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    top = wb.add_format({"valign": "top"})
    heads = (["ファイル", "節", "関係所属", "記入者", "重要度", "コード", "シート", "セル", "行",
              "内容", "値", "正しい値"] if lang == "ja" else
             ["file", "section", "departments", "author", "severity", "code", "sheet", "cell",
              "line", "message", "value", "expected"])
    ws = wb.add_worksheet("指摘一覧" if lang == "ja" else "findings")
    for col, head in enumerate(heads):
        ws.write_string(0, col, head, bold)
    row = 1
    by_place: Counter[tuple[str, str, str, str]] = Counter()
    for file_report, subject in zip(report.files, subjects):
        docs = {part.document.chapter.number: part.document for part in subject.chapters
                if part.document is not None}
        for finding in file_report.findings:
            # in a file of several chapters, the 節 of the finding's own chapter
            doc = subject.document if finding.chapter is None else docs.get(finding.chapter)
            section = doc.section(finding.section) \
                if doc is not None and finding.section is not None else None
            departments = "、".join(section.departments) if section else ""
            author = (section.author if section else None) or ""
            loc = finding.location
            place = "" if finding.section is None else (
                section_name(finding.section) if finding.chapter is None or len(docs) < 2
                else place_name(finding.chapter, finding.section))
            cells = [file_report.path, place, departments, author,
                     labels[finding.severity], finding.code, loc.sheet or "",
                     loc.cell or "", loc.line, finding.message(lang),
                     finding.value or "", finding.expected or ""]
            lines = 1
            for col, value in enumerate(cells):
                if isinstance(value, int):
                    ws.write_number(row, col, value, top)
                elif value is not None:
                    ws.write_string(row, col, str(value), wrap if col in WRAPPED else top)
                    if col in WRAPPED:
                        lines = max(lines, text_lines(str(value), WIDTHS[col]))
            ws.set_row(row, lines * LINE_HEIGHT)
            by_place[(file_report.path, place, departments, finding.severity)] += 1
            row += 1
    ws.autofilter(0, 0, max(row - 1, 1), len(heads) - 1)
    ws.freeze_panes(1, 0)
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    print_wide(ws, "sheetkit 指摘一覧" if lang == "ja" else "sheetkit findings")
    _summary(wb, report, by_place, labels, bold, lang)
    wb.close()
    return output


def _summary(wb: xlsxwriter.Workbook, report: Report,
             by_place: Counter[tuple[str, str, str, str]], labels: dict[str, str],
             bold: object, lang: str) -> None:
    ws = wb.add_worksheet("集計" if lang == "ja" else "summary")
    print_wide(ws, "sheetkit 指摘の集計" if lang == "ja" else "sheetkit summary of findings")
    ws.set_column(0, 0, 36)
    ws.set_column(1, 2, 24)
    ws.write_string(0, 0, "コード別" if lang == "ja" else "by code", bold)
    ws.write_string(0, 1, "重要度" if lang == "ja" else "severity", bold)
    ws.write_string(0, 2, "件数" if lang == "ja" else "count", bold)
    codes = Counter((f.code, f.severity) for fr in report.files for f in fr.findings)
    row = 1
    for (code, severity), count in sorted(codes.items()):
        ws.write_string(row, 0, code)
        ws.write_string(row, 1, labels[severity])
        ws.write_number(row, 2, count)
        row += 1
    row += 1
    heads = (["ファイル", "節", "関係所属"] if lang == "ja" else ["file", "section", "departments"]
             ) + [labels[s] for s in SEVERITIES]
    for col, head in enumerate(heads):
        ws.write_string(row, col, head, bold)
    first = row
    row += 1
    places = sorted({k[:3] for k in by_place})
    for place in places:
        for col, value in enumerate(place):
            ws.write_string(row, col, value)
        for offset, severity in enumerate(SEVERITIES):
            ws.write_number(row, 3 + offset, by_place.get((*place, severity), 0))
        row += 1
    ws.autofilter(first, 0, max(row - 1, first + 1), len(heads) - 1)
