"""Issue 10, "Injection": CSV cells never run as formulas, and text from files
never reaches the terminal with control characters."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from decimal import Decimal

import openpyxl
import pytest
from conftest import run
from corpus import rewrite_zip
from filling import blank_base, fill, find_row

from sheetkit.plain import FORMULA_STARTS, csv_value, one_line, terminal

DDE = "=cmd|' /C calc'!A0"


def runnable(cell: str) -> bool:
    """Would a spreadsheet treat this CSV cell as a formula?"""
    if not cell.startswith(FORMULA_STARTS):
        return False
    try:
        float(cell)                  # -3 or +4.5 are numbers, not formulas
        return False
    except ValueError:
        return True


@pytest.fixture
def hostile(tmp_path, example_doc, template_dir, monkeypatch):
    """A base with formula-like names, and returns with a DDE payload typed as
    an actual, a file name starting with '=' and escape sequences as 記入者."""
    monkeypatch.chdir(tmp_path)
    sections = list(example_doc.sections)
    third = sections[2]
    sections[2] = replace(third, title="@SUM(1+1)", indicators=(
        replace(third.indicators[0], name="+HYPERLINK(\"http://x\")", unit="＝1＋1"),
        *third.indicators[1:]))
    base = blank_base(tmp_path / "base.yaml", example_doc, sections)
    folder = tmp_path / "回収"
    folder.mkdir()
    first = example_doc.section(1)
    evil = fill(template_dir / f"第1章第1節_{first.title}.xlsx", folder / "=1+1.xlsx",
                replace(first, author="AUTHOR-MARK"))
    wb = openpyxl.load_workbook(evil)
    ind = wb["目標指標"]
    open_ = [i.name for i in first.indicators if i.results[-1] is not None]
    typed = ind.cell(find_row(ind, 2, open_[1]) + 1, 9)
    typed.value, typed.data_type = DDE, "s"          # typed as text ('=cmd… in Excel)
    wb.save(tmp_path / "clean.xlsx")
    # Excel stores control characters escaped as _xHHHH_; openpyxl will not write them
    escaped = "_x001B_[2J_x001B_[H計：提出済 5_x000D_\n_x009B_31m偽\u202eの記入者".encode()
    rewrite_zip(tmp_path / "clean.xlsx", evil,
                lambda name, data: data.replace(b"AUTHOR-MARK", escaped))
    return {"base": base, "folder": folder}


def test_no_csv_cell_runs_as_a_formula(hostile, runner, tmp_path, monkeypatch):
    out, table = tmp_path / "s.xlsx", tmp_path / "i.csv"
    monkeypatch.chdir(hostile["folder"])
    result = run(runner, "merge", "=1+1.xlsx", "--base", "../base.yaml", "-o", out,
                 "--csv", table, "--allow-invalid")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(table.read_bytes().decode("utf-8-sig"))))
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if runnable(c)]
    assert "'" + DDE in cells and "'＝1＋1" in cells           # kept, neutralised
    assert any(c.startswith("'=1+1.xlsx:目標指標!") for c in cells)     # file name in 出典
    assert "'@SUM(1+1)" in cells and "'+HYPERLINK(\"http://x\")" in cells
    assert "61.9" in cells                                    # numbers stay numbers


def test_csv_value_rule():
    assert csv_value(Decimal("-3")) == Decimal("-3") and csv_value(7) == 7
    for text in ("=A1", "+1", "-x", "@x", "\tx", "\rx", "＝x", "＋x", "－", "＠x"):
        assert csv_value(text) == "'" + text
    assert csv_value("自治会") == "自治会" and csv_value(None) == ""


def test_terminal_never_gets_control_characters(hostile, runner):
    for args in (("status", "回収", "--base", "base.yaml"),
                 ("validate", "回収"),
                 ("merge", "回収", "--base", "base.yaml", "-o", "s.xlsx", "--force")):
        result = run(runner, *args)
        text = result.output
        assert "\x1b" not in text and "\x9b" not in text and "\r" not in text, args
        assert "\u202e" not in text
    status = run(runner, "status", "回収", "--base", "base.yaml").output
    first = next(line for line in status.splitlines() if line.startswith("第1節"))
    assert "計：提出済 5" in first                           # on its own row, not a fake total
    assert status.splitlines()[-1].startswith("計：")
    data = json.loads(run(runner, "status", "回収", "--base", "base.yaml", "--format",
                          "json").stdout)
    assert "\x1b" in data["sections"][0]["author"]            # JSON keeps the data, escaped


def test_terminal_helpers():
    assert terminal("a\x1b]8;;http://x\x07link\x1b]8;;\x07b") == "alinkb"   # OSC 8 hyperlink
    assert one_line("x\ny\tz\r") == "x y z"
    assert terminal("\x07bell\x00") == "bell"
