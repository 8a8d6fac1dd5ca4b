"""Edits a department might make to a returned workbook, each meant to trigger one finding
code (MUTATIONS), and the helpers to make them."""

from pathlib import Path

import openpyxl
from filling import find_row


def edit(path: Path, out: Path, change) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(out)
    return out


def table_row(ws, header: str, offset: int = 0) -> int:
    return find_row(ws, 1, header) + 1 + offset


def set_cell(sheet, col, header, value, offset=0):
    def change(wb):
        ws = wb[sheet]
        row = table_row(ws, header, offset) if header not in ("記入日",) else find_row(ws, 1, header)
        ws.cell(row, col).value = value
    return change


def set_indicator(name, col, value, lower=False):
    def change(wb):
        ws = wb["目標指標"]
        ws.cell(find_row(ws, 2, name) + (1 if lower else 0), col).value = value
    return change


def set_meta(key, value):
    def change(wb):
        ws = wb["_sheetkit"]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)
        ws.cell(row, 2).value = value
    return change


def clear_analysis(wb):
    ws = wb["目標指標"]
    ws.cell(find_row(ws, 2, "後期基本計画に係る未達成指標の理由・分析") + 1, 2).value = None


def all_to_first_policy(wb):
    ws = wb["第1節"]
    first = table_row(ws, "取り組み")
    for row in range(first, first + 12):
        if ws.cell(row, 10).value:
            ws.cell(row, 10).value = "1‐1‐1 地域コミュニティの醸成"


MUTATIONS = {
    "missing-outcome": set_cell("第1節", 6, "取り組み", None),
    "missing-direction": set_cell("第1節", 6, "課題", "－"),
    "missing-value": set_cell("第1節", 3, "記入日", None),
    "invalid-value": set_indicator("自治会・町内会への加入率", 9, "約60", lower=True),
    "invalid-date": set_cell("第1節", 3, "記入日", "令和7年2月30日"),
    "rate-mismatch": set_indicator("自治会・町内会への加入率", 10, 0.5),
    "formula-overwritten": set_indicator("自治会・町内会への加入率", 10, 61.9 / 69),
    "unknown-policy": set_cell("第1節", 10, "取り組み", "1-9-9 存在しない方針"),
    "policy-title-mismatch": set_cell("第1節", 10, "取り組み", "1-1-1 地域コミュニティの推進"),
    "policy-without-initiative": all_to_first_policy,
    "unmet-not-analyzed": clear_analysis,
    "template-outdated": set_meta("layout_version", "0"),
    "template-modified": set_indicator("自治会・町内会への加入率", 9, 80),
}
