"""Issue 10, "Nothing is lost silently" (reading): text typed where the reader
does not look, formulas typed into inputs, texts longer than a cell."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE, run
from corpus import rewrite_zip, with_cached_results
from filling import fill, find_row

from sheetkit.reader import extract


@pytest.fixture(scope="module")
def first(example_doc, template_dir, tmp_path_factory) -> Path:
    section = example_doc.section(1)
    folder = tmp_path_factory.mktemp("first")
    return fill(template_dir / f"第1章第1節_{section.title}.xlsx", folder / "第1節.xlsx",
                section)


def findings(runner, path: Path) -> list[dict]:
    data = json.loads(run(runner, "validate", path, "--format", "json").stdout)
    return data["files"][0]["findings"]


def test_a_clean_return_has_no_stray_text(runner, first):
    assert not [f for f in findings(runner, first)
                if f["code"] in ("text-outside-input", "formula-in-input")]


def test_text_where_the_reader_does_not_look(runner, first, tmp_path):
    wb = openpyxl.load_workbook(first)
    ws = wb["第1節"]
    below = find_row(ws, 1, "記入日") + 2
    ws.cell(below, 1).value = "記入日の下に書いた補足"                # a row below the last block
    row = find_row(ws, 1, "取り組み") + 1
    span = next(r for r in ws.merged_cells.ranges if r.min_row == row and r.min_col == 6)
    ws.unmerge_cells(str(span))                                   # unmerged F:I, pasted into G
    ws.cell(row, 7).value = "G に貼り付けた成果"
    inner = next(r for r in ws.merged_cells.ranges if r.min_row == row + 1 and r.min_col == 1)
    ws.unmerge_cells(str(inner))
    ws.cell(row + 1, 3).value = "結合セルの中の C に書いた取り組み"
    wb["目標指標"]["K5"] = "表の右に書いたメモ"                        # variant: right of the table
    wb.create_sheet("メモ")["B2"] = "別のシートに書いた説明"              # variant: a new sheet
    wb.save(tmp_path / "plain.xlsx")
    # put A:E back over the text in C (as a file edited outside Excel may have it)
    target = rewrite_zip(tmp_path / "plain.xlsx", tmp_path / "stray.xlsx", lambda n, d: re.sub(
        rb'<mergeCells count="(\d+)">',
        lambda m: b'<mergeCells count="' + str(int(m.group(1)) + 1).encode() + b'"><mergeCell '
        b'ref="' + str(inner).encode() + b'"/>', d) if n == "xl/worksheets/sheet3.xml" else d)
    assert openpyxl.load_workbook(target)["第1節"].merged_cells  # still a workbook
    found = {(f["sheet"], f["cell"]): f for f in findings(runner, target)
             if f["code"] == "text-outside-input"}
    assert set(found) == {("第1節", f"A{below}"), ("第1節", f"G{row}"),
                          ("第1節", f"C{row + 1}"), ("目標指標", "K5"), ("メモ", "B2")}
    assert all(f["severity"] == "error" for f in found.values())
    assert found[("第1節", f"G{row}")]["value"] == "G に貼り付けた成果"
    folder = tmp_path / "回収"
    folder.mkdir()
    (folder / "第1節.xlsx").write_bytes(target.read_bytes())
    result = run(runner, "merge", folder, "--base", EXAMPLE, "-o", tmp_path / "s.xlsx")
    assert result.exit_code == 1 and "text-outside-input" in result.output


def test_text_below_the_tables_of_an_annotated_copy_is_not_stray(runner, first, tmp_path):
    """sheetkit's own sheets (検証結果 of an annotated copy) are not answers."""
    run(runner, "validate", first, "--annotate", tmp_path / "a")
    assert not [f for f in findings(runner, tmp_path / "a" / "第1節.xlsx")
                if f["code"] == "text-outside-input"]


def test_a_long_formula_typed_into_an_input_is_quoted_in_part(runner, first, tmp_path):
    """A finding quotes at most 200 characters of a formula and of what it
    showed: a formula of 8,000 characters is no 8,000-character report line
    (nor cell comment in a marked copy)."""
    wb = openpyxl.load_workbook(first)
    ws = wb["第1節"]
    row = find_row(ws, 1, "記入日")
    formula = "CONCATENATE(" + ",".join(['"市民部次長"'] * 900) + ")"
    ws.cell(row, 8).value = "=" + formula
    wb.save(tmp_path / "plain.xlsx")
    returned = with_cached_results(tmp_path / "plain.xlsx", tmp_path / "第1節.xlsx",
                                   {formula: "市民部次長" * 900})
    (warned,) = [f for f in findings(runner, returned) if f["code"] == "formula-in-input"]
    assert warned["value"] == ("=" + formula)[:200]
    assert len(warned["message"]) < 600, warned["message"]


def test_formulas_typed_into_inputs_are_read_as_shown(runner, first, example_doc, tmp_path):
    wb = openpyxl.load_workbook(first)
    ws = wb["第1節"]
    row = find_row(ws, 1, "記入日")
    ws.cell(row, 8).value = '=CONCATENATE("市民部次長"," ","所沢太郎")'
    table = find_row(ws, 1, "取り組み") + 1
    ws.cell(table, 1).value = "=F12"
    wb.save(tmp_path / "plain.xlsx")
    shown_initiative = "F12 に書かれていた取り組み"
    returned = with_cached_results(tmp_path / "plain.xlsx", tmp_path / "第1節.xlsx", {
        'CONCATENATE("市民部次長"," ","所沢太郎")': "市民部次長 所沢太郎",
        "F12": shown_initiative})
    (section,) = extract(returned).document.sections
    assert section.author == "市民部次長 所沢太郎"
    assert section.initiatives[0].initiative == shown_initiative
    warned = {f["cell"]: f for f in findings(runner, returned) if f["code"] == "formula-in-input"}
    assert set(warned) == {f"H{row}", f"A{table}"}
    assert warned[f"A{table}"]["value"] == "=F12" and warned[f"A{table}"]["severity"] == "warning"
    folder = tmp_path / "回収"
    folder.mkdir()
    (folder / "第1節.xlsx").write_bytes(returned.read_bytes())
    out, data, table_csv = tmp_path / "s.xlsx", tmp_path / "d.yaml", tmp_path / "i.csv"
    result = run(runner, "merge", folder, "--base", EXAMPLE, "-o", out, "--data", data,
                 "--csv", table_csv)
    assert result.exit_code == 0, result.output
    for path in (data, table_csv):
        text = path.read_bytes().decode("utf-8-sig")
        assert "CONCATENATE" not in text and "=F12" not in text
    book = openpyxl.load_workbook(out)
    sheet = book["第1節"]
    assert not [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert any(c.value == "市民部次長 所沢太郎" for r in sheet.iter_rows() for c in r)


def test_text_longer_than_a_cell_is_a_finding(runner, first, example_doc, tmp_path):
    import yaml as pyyaml
    data = pyyaml.safe_load(EXAMPLE.read_text("utf-8"))
    data["sections"][0]["goal"] = "長" * 40_000
    long_yaml = tmp_path / "long.yaml"
    long_yaml.write_text(pyyaml.safe_dump(data, allow_unicode=True), "utf-8")
    found = [f for f in findings(runner, long_yaml) if f["code"] == "text-too-long"]
    assert len(found) == 1 and found[0]["line"] and found[0]["severity"] == "error"
    assert "40,000" in found[0]["message"]
    # a workbook cell can hold more than Excel allows when it was not written by Excel
    wb = openpyxl.load_workbook(first)
    ws = wb["第1節"]
    row = find_row(ws, 1, "取り組み") + 1
    ws.cell(row, 6).value = "LONG-OUTCOME"
    wb.save(tmp_path / "plain.xlsx")
    long_book = rewrite_zip(tmp_path / "plain.xlsx", tmp_path / "long.xlsx",
                            lambda n, d: d.replace(b"LONG-OUTCOME", "成".encode() * 33_000))
    found = [f for f in findings(runner, long_book) if f["code"] == "text-too-long"]
    assert [(f["sheet"], f["cell"]) for f in found] == [("第1節", f"F{row}")]

