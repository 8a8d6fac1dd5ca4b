"""The 達成状況 sheet (issue 12): first in the 総括表, live COUNTIFS tallies with
their cached values, sections as collapsible rows, the list of indicators below
策定時 or not rated, and a native chart that LibreOffice renders."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import EXAMPLE, run
from hand_count import by_hand

from sheetkit.cli import cli
from sheetkit.identity import RATING_DATA_SHEET, RATING_SHEET
from sheetkit.loader import load_document
from sheetkit.normalize import normalize
from sheetkit.rating_schemes import load_scheme
from sheetkit.rating_sheet import RatedChapter, write_rating_sheet

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice and poppler-utils are not installed; .ci/run installs them")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "rating"
GREEN = (0x2E, 0x7D, 0x32)         # 達成 in schemas/ratings/tassei.yaml


def not_rated_copy(folder: Path) -> Path:
    """The example with 市民活動支援センターの利用者満足度 (figures lost) not rated."""
    text = EXAMPLE.read_text(encoding="utf-8")
    anchor = "      - name: 市民活動支援センターの利用者満足度\n        unit: ％\n        direction: ↗\n"
    assert anchor in text
    path = folder / "not_rated.yaml"
    path.write_text(text.replace(anchor, anchor + "        not_rated: 更新数値なし\n"),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("rating")
    out = folder / "総括表.xlsx"
    result = CliRunner().invoke(cli, ["generate", str(not_rated_copy(folder)), "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def rows_of(ws) -> dict[str, int]:
    """The first row (1-based) of each label in column A."""
    found: dict[str, int] = {}
    for row in range(1, ws.max_row + 1):
        value = ws.cell(row, 1).value
        if isinstance(value, str):
            found.setdefault(value.strip(), row)
    return found


def counts_at(ws, row: int) -> dict[str, object]:
    heads = [ws.cell(find_header(ws, row), c).value for c in range(2, ws.max_column + 1)]
    return {h: ws.cell(row, c).value for c, h in enumerate(heads, start=2) if h != "割合"}


def find_header(ws, row: int) -> int:
    return next(r for r in range(row, 0, -1) if ws.cell(r, 1).value == "区分")


def test_the_sheet_is_first_and_counts_the_reviewed_period_as_recomputed(book, example_doc):
    wb = openpyxl.load_workbook(book, data_only=True)
    assert wb.sheetnames[0] == RATING_SHEET
    assert wb[RATING_DATA_SHEET].sheet_state == "hidden"
    ws = wb[RATING_SHEET]
    hand = {k: len(v) for k, v in by_hand(example_doc).items()}
    row = rows_of(ws)["第1章　コミュニティ"]            # the reviewed period comes first
    assert "後期基本計画" in ws.cell(row - 2, 1).value
    # one of the two indicators that lost their figures is not rated in this copy
    assert counts_at(ws, row) == {
        "指標数": 15, "達成": hand["達成"], "概ね達成": hand["概ね達成"], "未達成": hand["未達成"],
        "評価不能": hand["前期のみ"] + hand["数値なし"] - 1, "評価せず": 1}
    assert counts_at(ws, row + 1) == counts_at(ws, row)          # 計画全体 of one chapter
    assert ws.cell(row + 1, 1).value == "計画全体"
    share = ws.cell(row, 4).value
    assert share == pytest.approx(3 / 15)


def test_every_count_is_a_countifs_and_sections_fold_under_their_chapter(book):
    ws = openpyxl.load_workbook(book)[RATING_SHEET]
    counts = [c for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith("=COUNTIFS(")]
    assert len(counts) >= 2 * (1 + 1 + 1 + 5) * 6            # 2 periods × rows × columns
    assert all(f"'{RATING_DATA_SHEET}'!" in c.value for c in counts)
    sections = [r for r in range(1, ws.max_row + 1)
                if re.match(r"^\s*第\d節", str(ws.cell(r, 1).value or ""))
                and str(ws.cell(r, 2).value or "").startswith("=COUNTIFS")]
    assert len(sections) == 2 * 5
    assert all(ws.row_dimensions[r].outline_level == 1 for r in sections)
    chapters = [r - 1 for r in sections if ws.cell(r - 1, 1).value == "第1章　コミュニティ"]
    assert len(chapters) == 2 and all(ws.row_dimensions[r].outline_level == 0 for r in chapters)
    assert ws.sheet_properties.outlinePr.summaryBelow is False


def listed_rows(ws) -> list[tuple]:
    """The list's rows as shown (cached values): 章・節, 目標指標, 区分, 策定時,
    実績値, 理由・内容, and whether the row is hidden."""
    caption = next(r for r in range(1, ws.max_row + 1)
                   if str(ws.cell(r, 1).value or "").startswith("策定時より後退した指標"))
    return [(*(ws.cell(r, c).value for c in (1, 2, 6, 7, 8, 9)), ws.row_dimensions[r].hidden)
            for r in range(caption + 2, ws.max_row + 1) if ws.cell(r, 2).value]


def test_the_list_names_the_indicators_below_baseline_and_not_rated(book):
    ws = openpyxl.load_workbook(book, data_only=True)[RATING_SHEET]
    listed = [(place, name, band, why) for place, name, band, _, _, why, hidden
              in listed_rows(ws) if not hidden]
    assert [(name, band) for _, name, band, _ in listed] == [
        ("自治会・町内会への加入率", "概ね達成"), ("市民活動支援センターの利用者満足度", "評価せず"),
        ("ボランティアによる日本語教室に参加している外国籍市民の数", "未達成")]
    assert "後退" in listed[0][3] and "89.7%" in listed[0][3]
    assert listed[1][3] == "評価せず：更新数値なし"


def test_not_rated_survives_generate_extract_generate(book, tmp_path, runner):
    data = tmp_path / "back.yaml"
    assert run(runner, "extract", book, "-o", data).exit_code == 0
    assert "not_rated: 更新数値なし" in data.read_text(encoding="utf-8")
    assert normalize(load_document(data)) == normalize(load_document(not_rated_copy(tmp_path)))
    again = tmp_path / "again.xlsx"
    assert run(runner, "generate", data, "-o", again).exit_code == 0
    assert again.read_bytes() == book.read_bytes()


def test_another_scheme_labels_the_columns_and_chart(tmp_path, runner):
    out = tmp_path / "b.xlsx"
    assert run(runner, "generate", EXAMPLE, "-o", out, "--rating", "baseline").exit_code == 0
    ws = openpyxl.load_workbook(out, data_only=True)[RATING_SHEET]
    row = rows_of(ws)["第1章　コミュニティ"]
    assert counts_at(ws, row) == {"指標数": 15, "S": 3, "A": 2, "B": 1, "C": 1, "−": 8,
                                  "評価せず": 0}
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntitle: y\nbands: []\nunrated: {label: z, colour: '#000000'}\n",
                   encoding="utf-8")
    result = run(runner, "generate", EXAMPLE, "-o", tmp_path / "c.xlsx", "--rating", bad)
    assert result.exit_code == 2 and "bad.yaml 3行目" in result.stderr
    assert not (tmp_path / "c.xlsx").exists()


# -- LibreOffice: recalculated tallies, corrected figures, the chart ----------------

def cached(path: Path) -> dict[tuple[str, str], object]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {(name, c.coordinate): c.value for name in (RATING_SHEET, RATING_DATA_SHEET)
            for row in wb[name].iter_rows() for c in row if c.value is not None}


def same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    return a == b


@needs_soffice
def test_libreoffice_recalculates_the_same_tallies(book, tmp_path):
    from recalc import recalculated
    (again,) = recalculated([book], tmp_path)
    ours, theirs = cached(book), cached(again)
    formulas = openpyxl.load_workbook(book)
    live = {(n, c.coordinate) for n in (RATING_SHEET, RATING_DATA_SHEET)
            for row in formulas[n].iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=")}
    assert len(live) > 300
    differ = [(k, ours.get(k), theirs.get(k)) for k in live
              if not same(ours.get(k, ""), theirs.get(k, ""))]
    assert differ == []


@needs_soffice
def test_correcting_a_figure_makes_the_tally_follow(book, tmp_path):
    """A clerk corrects 加入率's 後期 actual to 69.5 (target 69.0): 概ね達成 → 達成,
    and it is no longer below 策定時 (66)."""
    from recalc import recalculated
    wb = openpyxl.load_workbook(book)
    ws = wb["目標指標"]
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value ==
               "自治会・町内会への加入率")
    assert ws.cell(top + 1, 9).value == pytest.approx(61.9)
    ws.cell(top + 1, 9).value = 69.5
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    (again,) = recalculated([edited], tmp_path)
    result = openpyxl.load_workbook(again, data_only=True)[RATING_SHEET]
    row = rows_of(result)["第1章　コミュニティ"]
    counts = counts_at(result, row)
    assert (counts["達成"], counts["概ね達成"], counts["未達成"]) == (4, 3, 4)
    data = openpyxl.load_workbook(again, data_only=True)[RATING_DATA_SHEET]
    below = [data.cell(r, 4).value for r in range(2, data.max_row + 1)
             if data.cell(r, 13).value == 1 and data.cell(r, 5).value == 2]     # 後期
    assert below == ["ボランティアによる日本語教室に参加している外国籍市民の数"]


@needs_soffice
def test_correcting_figures_moves_indicators_in_and_out_of_the_list(book, tmp_path):
    """The list follows the figures as the counts do: 加入率 corrected above 策定時
    leaves it, アダプト and the フォーラム corrected below 策定時 join it, with
    their 区分 as counted; the fourth row, hidden until now, is announced."""
    from recalc import recalculated
    wb = openpyxl.load_workbook(book)
    ws = wb["目標指標"]
    for name, actual in (("自治会・町内会への加入率", 69.5), ("アダプト・プログラム実施団体数", 9),
                         ("所沢市国際交流フォーラムの参加者数", 300)):
        top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == name)
        ws.cell(top + 1, 9).value = actual
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    (again,) = recalculated([edited], tmp_path)
    result = openpyxl.load_workbook(again, data_only=True)[RATING_SHEET]
    counts = counts_at(result, rows_of(result)["第1章　コミュニティ"])
    assert (counts["達成"], counts["概ね達成"], counts["未達成"]) == (2, 3, 6)
    listed = listed_rows(result)
    assert [(name, band, actual) for _, name, band, _, actual, _, _ in listed] == [
        ("市民活動支援センターの利用者満足度", "評価せず", None),
        ("アダプト・プログラム実施団体数", "未達成", "9"),
        ("所沢市国際交流フォーラムの参加者数", "未達成", "300"),
        ("ボランティアによる日本語教室に参加している外国籍市民の数", "未達成", "1,019")]
    assert listed[1][0] == "第1章第2節　市民活動" and listed[1][3] == "10"
    assert listed[1][5] == "実績値が策定時の値より後退（増加をめざす指標）。達成率は 30.0%"
    assert [hidden for *_, hidden in listed] == [False, False, False, True]
    note = next(str(c.value) for row in result.iter_rows() for c in row
                if "隠れている行を再表示" in str(c.value or ""))
    assert "4件" in note


def pixels(ppm: Path) -> bytes:
    """The RGB bytes of a binary PPM (P6) as pdftoppm writes it."""
    data = ppm.read_bytes()
    fields = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields
    return data[fields.end():]


@needs_soffice
def test_libreoffice_renders_the_chart(book, tmp_path):
    from recalc import recalculated
    (pdf,) = recalculated([book], tmp_path, to="pdf")
    first = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "達成状況" in first and "計画全体" in first
    assert re.search(r"後期基本計画（平成\s*27\s*年度", first), "the chart's title"
    assert "指標数" in first
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=120)
    (ppm,) = tmp_path.glob("page*.ppm")
    rgb = pixels(ppm)
    green = sum(1 for i in range(0, len(rgb), 3)
                if all(abs(rgb[i + k] - GREEN[k]) < 12 for k in range(3)))
    assert green > 500, "the 達成 bar is drawn in its colour"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(pdf),
                    str(ARTIFACTS / "達成状況")], check=True, timeout=120)


def test_a_retyped_data_sheet_never_breaks_reading(book, tmp_path, runner):
    """The hidden sheet is input like any other: junk in its key cells is skipped,
    and a reason typed for another chapter is not taken."""
    wb = openpyxl.load_workbook(book)
    data = wb[RATING_DATA_SHEET]
    data.cell(2, 1).value = "第一章"
    data.cell(3, 2).value = 1e308
    data.cell(4, 1).value = 7
    data.cell(4, 11).value = "よその章"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    result = run(runner, "extract", edited)
    assert result.exit_code == 0, result.output
    assert "よその章" not in result.stdout and "not_rated: 更新数値なし" in result.stdout


def two_chapters(path: Path, example_doc) -> None:
    """The 達成状況 sheet of a plan of two chapters (the example, and a copy of it
    as 第2章 with one indicator not rated), written without 目標指標 sheets."""
    second = replace(example_doc.chapter, number=2, title="架空の章")
    first_section = example_doc.sections[0]
    skipped = replace(first_section.indicators[0], not_rated="事業終了につき評価せず")
    sections = (replace(first_section, indicators=(skipped, *first_section.indicators[1:])),
                *example_doc.sections[1:])
    workbook = xlsxwriter.Workbook(str(path))
    ws = workbook.add_worksheet(RATING_SHEET)
    formats: dict[tuple[str, str | None], object] = {}

    def fmt(style: str, number: str | None = None) -> object:
        return formats.setdefault((style, number), workbook.add_format(
            {"num_format": number} if number else {}))
    pages = write_rating_sheet(workbook, ws, example_doc.plan,
                               [RatedChapter(example_doc.chapter, example_doc.sections),
                                RatedChapter(second, sections)], 1, load_scheme(), fmt, 500.0)
    workbook.close()
    assert pages >= 2


def test_a_plan_of_two_chapters_has_a_bar_each_and_a_whole_plan_row(example_doc, tmp_path):
    path = tmp_path / "plan.xlsx"
    two_chapters(path, example_doc)
    ws = openpyxl.load_workbook(path, data_only=True)[RATING_SHEET]
    rows = rows_of(ws)
    one, two = counts_at(ws, rows["第1章　コミュニティ"]), counts_at(ws, rows["第2章　架空の章"])
    assert one == {"指標数": 15, "達成": 3, "概ね達成": 4, "未達成": 4, "評価不能": 4, "評価せず": 0}
    assert two == {"指標数": 15, "達成": 3, "概ね達成": 3, "未達成": 4, "評価不能": 4, "評価せず": 1}
    whole = counts_at(ws, rows["計画全体"])
    assert whole == {k: one[k] + two[k] for k in one}
    assert rows["第2章　架空の章"] == rows["第1章　コミュニティ"] + 1
    chart = next(n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/charts/chart"))
    xml = zipfile.ZipFile(path).read(chart).decode()
    first = rows["第1章　コミュニティ"]
    assert f"$A${first}:$A${first + 1}" in xml, "categories: one bar per chapter"
    assert xml.count("<c:ser>") == 5 and 'barDir val="bar"' in xml and "stacked" in xml


@needs_soffice
def test_a_plan_of_two_chapters_recalculates_the_same(example_doc, tmp_path):
    from recalc import recalculated
    path = tmp_path / "plan.xlsx"
    two_chapters(path, example_doc)
    (again,) = recalculated([path], tmp_path)
    ours, theirs = cached(path), cached(again)
    assert [(k, v, theirs.get(k)) for k, v in ours.items() if not same(v, theirs.get(k))] == []


CHAPTER_2 = EXAMPLE.parent / "fictional-ch2.yaml"


@needs_soffice
def test_the_whole_plan_workbook_leads_with_the_sheet_and_its_chart(runner, tmp_path):
    """generate ch1 ch2: 達成状況 first, a row and a bar per chapter, the plan's row their
    sum, LibreOffice's tallies equal to the cached ones and the chart drawn."""
    from recalc import recalculated
    out = tmp_path / "総括表.xlsx"
    assert run(runner, "generate", EXAMPLE, CHAPTER_2, "-o", out).exit_code == 0
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb.sheetnames[0] == RATING_SHEET
    assert {"第1章目標指標", "第2章目標指標"} <= set(wb.sheetnames)
    ws = wb[RATING_SHEET]
    rows = rows_of(ws)
    chapters = [label for label in rows if re.match(r"^第\d章　", label)]
    assert chapters == ["第1章　コミュニティ", "第2章　健康・福祉"]
    one, two = (counts_at(ws, rows[c]) for c in chapters)
    assert counts_at(ws, rows["計画全体"]) == {k: one[k] + two[k] for k in one}
    assert one["指標数"] == 15 and two["指標数"] == sum(
        len(s.indicators) for s in load_document(CHAPTER_2).sections)
    (again,) = recalculated([out], tmp_path)
    ours, theirs = cached(out), cached(again)
    assert [(k, v, theirs.get(k)) for k, v in ours.items() if not same(v, theirs.get(k))] == []
    (pdf,) = recalculated([out], tmp_path, to="pdf")
    first = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "健康・福祉" in first and re.search(r"後期基本計画（平成\s*27\s*年度", first)
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "plan")], check=True, timeout=120)
    (ppm,) = tmp_path.glob("plan*.ppm")
    rgb = pixels(ppm)
    assert sum(1 for i in range(0, len(rgb), 3)
               if all(abs(rgb[i + k] - GREEN[k]) < 12 for k in range(3))) > 500
