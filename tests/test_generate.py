"""The generated 総括表, read back with openpyxl as a reviewer would check it."""

import datetime as dt
from dataclasses import replace

import openpyxl
import pytest
from conftest import EXAMPLE, run

from sheetkit.api import generate_document
from sheetkit.layout import load_layout


@pytest.fixture(scope="module")
def formulas(summary_path):
    return openpyxl.load_workbook(summary_path)


@pytest.fixture(scope="module")
def cached(summary_path):
    return openpyxl.load_workbook(summary_path, data_only=True)


def find(ws, text):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell
    raise AssertionError(f"{text!r} not in {ws.title}")


def merged_range(ws, cell):
    return next((r for r in ws.merged_cells.ranges if cell.coordinate in r), None)


def test_sheets(formulas):
    assert formulas.sheetnames[:8] == ["達成状況", "第1章", "目標指標", "第1節", "第2節", "第3節",
                                       "第4節", "第5節"]            # 達成状況 first (issue 12)
    assert formulas["_sheetkit"].sheet_state == "hidden"


def test_indicator_two_rows(formulas, cached):
    ws = formulas["目標指標"]
    name = find(ws, "自治会・町内会への加入率")
    span = merged_range(ws, name)
    assert span is not None and span.max_row - span.min_row == 1
    target = ws.cell(name.row, 6)
    actual = ws.cell(name.row + 1, 6)
    assert target.value == 70 and actual.value == 64.2
    rate = ws.cell(name.row, 7)
    assert rate.value.startswith("=") and "MIN(1," in rate.value
    assert rate.number_format == "0.0%"
    assert cached["目標指標"].cell(name.row, 7).value == pytest.approx(64.2 / 70)
    assert round(cached["目標指標"].cell(name.row, 7).value, 3) == 0.917
    assert merged_range(ws, rate).max_row == name.row + 1


def test_decimals_as_written(formulas):
    ws = formulas["目標指標"]
    name = find(ws, "自治会・町内会への加入率")
    assert ws.cell(name.row, 8).value == 69 and ws.cell(name.row, 8).number_format == "#,##0.0"
    assert ws.cell(name.row, 6).number_format == "#,##0"
    foreigners = find(ws, "ボランティアによる日本語教室に参加している外国籍市民の数")
    assert ws.cell(foreigners.row, 5).value == 1254


def test_every_cached_rate_is_the_computed_one(cached, formulas):
    ws, values = formulas["目標指標"], cached["目標指標"]
    rates = [(c.coordinate, values[c.coordinate].value) for row in ws.iter_rows()
             for c in row if isinstance(c.value, str) and c.value.startswith("=IFERROR")]
    assert len(rates) == 23          # indicator × period pairs that exist in the example
    for coordinate, value in rates:
        row, col = values[coordinate].row, values[coordinate].column
        target, actual = values.cell(row, col - 1).value, values.cell(row + 1, col - 1).value
        if isinstance(target, (int, float)) and isinstance(actual, (int, float)):
            assert value == pytest.approx(min(1, actual / target)), coordinate
        else:
            assert value in ("", None), coordinate


def test_absent_period_is_marked(formulas):
    ws = formulas["目標指標"]
    name = find(ws, "地域の底力支援事業の奨励金支給件数")
    absent = ws.cell(name.row, 9)
    assert absent.value == "－"
    assert str(merged_range(ws, absent)) == f"I{name.row}:J{name.row + 1}"


def test_section_groups_are_merged(formulas):
    ws = formulas["目標指標"]
    group = find(ws, "第1節\n地域コミュニティ")
    span = merged_range(ws, group)
    # three indicators (6 rows) and the analysis label and text
    assert span.max_row - span.min_row + 1 == 8
    assert "自治会・町内会の加入率" in ws.cell(span.max_row, 2).value


def test_headers_come_from_the_data(formulas):
    ws = formulas["目標指標"]
    assert find(ws, "前期基本計画\nH23～H26")
    assert find(ws, "第5次所沢市総合計画策定時\n（H22）")
    assert find(ws, "後期基本計画に係る未達成指標の理由・分析")
    assert ws.print_title_rows == "$2:$3"


def test_dates_are_real_dates_in_wareki(formulas):
    ws = formulas["第1章"]
    date_cell = ws.cell(find(ws, "記入日").row, 3)
    assert date_cell.value == dt.datetime(2019, 12, 20)
    assert date_cell.number_format == load_layout().formats["date"]   # 元年: see test_print.py
    section = formulas["第1節"]
    assert section.cell(find(section, "記入日").row, 3).value == dt.datetime(2019, 12, 20)


def test_chapter_sheet(formulas):
    ws = formulas["第1章"]
    assert ws["A1"].value == "第５次所沢市総合計画　総括表"
    assert find(ws, "第1章") and find(ws, "『コミュニティ』")
    policies = ws.cell(find(ws, "≪まちづくりの目標の実現に向けた主な方針≫").row + 1, 2).value
    assert policies.splitlines()[0] == "◆地域活動（自治会・町内会やＰＴＡ、地域福祉、コミュニティなど）の支援"
    head = find(ws, "平成23年度～平成30年度の取り組みのうち、顕著な成果があったもの")
    assert ws.cell(head.row + 2, 1).value.startswith("H２３年度に、新たな地域コミュニティ")
    assert find(ws, "平成23年度～平成30年度の取り組みのうち、第6次所沢市総合計画に引き継がれる課題")


def test_section_sheet(formulas):
    ws = formulas["第1節"]
    assert find(ws, "1‐1‐1 地域コミュニティの醸成")
    assert find(ws, "地域づくり推進課、まちづくりセンター")
    needs = find(ws, "要望率")
    rate = ws.cell(needs.row + 1, needs.column)
    assert rate.value == pytest.approx(0.093) and rate.number_format == "0.0%"
    assert ws.cell(needs.row + 1, 5).value == 26
    assert ws.cell(needs.row + 1, 5).number_format == '0"位"'
    head = find(ws, "取り組み")
    assert ws.cell(head.row + 1, 10).value == "1‐1‐1 地域コミュニティの醸成"


def test_print_ready(formulas):
    for ws in formulas.worksheets[:8]:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1)      # 1 is the file format's default
        assert ws.page_setup.fitToHeight == 0
    ws = formulas["第1章"]
    text_row = find(ws, "≪市の課題･方向性≫").row + 1
    assert ws.row_dimensions[text_row].height >= 3 * 13.5
    assert ws["A1"].font.name == "ＭＳ Ｐゴシック"
    assert ws["B5"].alignment.wrap_text


def test_same_input_same_bytes(tmp_path, runner):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert run(runner, "generate", EXAMPLE, "-o", first).exit_code == 0
    assert run(runner, "generate", EXAMPLE, "-o", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_existing_output_needs_force(tmp_path, runner):
    out = tmp_path / "a.xlsx"
    out.write_bytes(b"keep me")
    result = run(runner, "generate", EXAMPLE, "-o", out)
    assert result.exit_code == 2 and "--force" in result.stderr
    assert out.read_bytes() == b"keep me"
    assert run(runner, "generate", EXAMPLE, "-o", out, "--force").exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames[:2] == ["達成状況", "第1章"]
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]      # no temporary left


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)",
                                  "=1+1"])
def test_text_never_becomes_a_formula(tmp_path, example_doc, text):
    section = example_doc.sections[0]
    first = replace(section.initiatives[0], outcome=text)
    doc = replace(example_doc, sections=(replace(
        section, initiatives=(first,) + section.initiatives[1:], author=text),)
        + example_doc.sections[1:])
    out = generate_document(doc, tmp_path / "x.xlsx", load_layout())
    ws = openpyxl.load_workbook(out)["第1節"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert len(cells) == 2
    assert all(c.data_type == "s" for c in cells)


def test_outputs_get_ordinary_permissions(tmp_path, runner):
    import os
    import stat
    out = tmp_path / "a.xlsx"
    mask = os.umask(0o022)
    try:
        assert run(runner, "generate", EXAMPLE, "-o", out).exit_code == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644       # not mkstemp's 0600
        out.chmod(0o664)
        assert run(runner, "generate", EXAMPLE, "-o", out, "--force").exit_code == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o664       # a replaced file keeps its mode
    finally:
        os.umask(mask)


def test_long_text_rows_stay_within_excels_limit(tmp_path, example_doc):
    long = ("地域の課題解決に向けた取り組みを進めた。" * 150)[:3000]
    doc = replace(example_doc, sections=(replace(example_doc.sections[0], goal=long),)
                  + example_doc.sections[1:])
    out = generate_document(doc, tmp_path / "long.xlsx", load_layout())
    ws = openpyxl.load_workbook(out)["第1節"]
    heights = [ws.row_dimensions[r].height or 0 for r in range(1, ws.max_row + 1)]
    # capped at Excel's 409 pt; xlsxwriter stores whole pixels (0.75 pt), so 408.75
    assert 409 - 0.75 <= max(heights) <= 409
    assert find(ws, long)
