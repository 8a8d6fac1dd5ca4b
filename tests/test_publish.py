"""sheetkit publish: PDFs printed by LibreOffice and checked page by page, the
open data beside them, and the 達成状況 summaries.

The tests that render run only where LibreOffice is installed (.ci/run installs
it); they keep the example's pages as PNG in artifacts/pages/ for a person to look at."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from conftest import DEFAULT_INPUTS, EXAMPLE, ROOT, run
from filling import fill

from sheetkit import model as m
from sheetkit.layout import load_layout
from sheetkit.loader import load_document
from sheetkit.opendata import COLUMNS, indicators_csv
from sheetkit.overview import ChapterLink, overview_html, overview_text
from sheetkit.plain import FORMULA_STARTS
from sheetkit.rating_schemes import load_scheme
from sheetkit.ratings import tally
from sheetkit.wareki import western_year
from sheetkit.writer import write_summary

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                                   reason="LibreOffice and poppler-utils are not installed; "
                                          ".ci/run installs them")
ARTIFACTS = ROOT / "artifacts" / "pages"
CHAPTER_PDF = "第1章_コミュニティ.pdf"
WHOLE_PDF = "全体_第５次所沢市総合計画.pdf"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


# -- 達成状況: the tally and its bands ------------------------------------------

def test_reviewed_period_of_the_example_tallies_3_4_4_4(example_doc):
    counts = dict(tally(example_doc, 1, load_scheme()).counts)
    assert counts == {"達成": 3, "概ね達成": 4, "未達成": 4, "評価不能": 4, "評価せず": 0}


def test_bands_come_from_the_data_file_and_meet_at_their_bounds():
    scheme = load_scheme()
    assert [(b.label, b.lower) for b in scheme.bands] == [
        ("達成", Decimal(1)), ("概ね達成", Decimal("0.8")), ("未達成", Decimal(0))]

    def rated(actual: str | None) -> str:
        figures = m.PeriodResult(Decimal(1000), None if actual is None else Decimal(actual))
        return scheme.rating(m.Indicator("x", "件", m.UP, None, (figures,)), 0, 0)
    assert rated("1000") == "達成"
    assert rated("999") == "概ね達成"
    assert rated("800") == "概ね達成"
    assert rated("799") == "未達成"
    assert rated("0") == "未達成"
    assert rated(None) == "評価不能"


def test_rate_is_rated_as_printed(example_doc):
    """79.97% prints as 80.0%: the reader sees 80.0%, so it is 概ね達成."""
    ind = m.Indicator("x", "件", m.UP, None, (None, m.PeriodResult(Decimal(10000),
                                                                 Decimal(7997))))
    doc = replace(example_doc, sections=(replace(example_doc.sections[0], indicators=(ind,)),))
    assert dict(tally(doc, 1, load_scheme()).counts)["概ね達成"] == 1


# -- open data -----------------------------------------------------------------

def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    text = data[3:].decode("utf-8")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(COLUMNS)
    assert all(len(r) == len(COLUMNS) for r in rows), "a rectangle: no merged or missing cells"
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def check_open_data_rules(rows: list[dict[str, str]]) -> None:
    """The 総務省 rules for machine-readable tables, as this CSV meets them."""
    for row in rows:
        assert row["値"] == "" or NUMBER.match(row["値"]), f"a number, without unit: {row}"
        if row["値"]:
            assert row["単位"], f"every number has its unit in a column: {row}"
        assert row["年度（西暦）"] == str(western_year(row["年度（和暦）"])), row
        if row["記入日（西暦）"]:
            day = dt.date.fromisoformat(row["記入日（西暦）"])
            assert row["記入日（和暦）"].endswith(f"{day.month}月{day.day}日")
        for value in row.values():
            assert not value.startswith(FORMULA_STARTS), f"formula injection: {value!r}"
            assert "\n" not in value, "one datum per cell, on one line"


def test_indicator_csv_follows_the_open_data_rules(example_doc):
    data = indicators_csv([example_doc], load_scheme()).encode("utf-8-sig")
    rows = read_csv(data)
    check_open_data_rules(rows)
    first = [r for r in rows if r["目標指標"] == "自治会・町内会への加入率"]
    assert [(r["時点"], r["区分"], r["値"], r["単位"]) for r in first] == [
        ("第5次所沢市総合計画策定時", "基準値", "66", "％"),
        ("前期基本計画", "目標値", "70", "％"), ("前期基本計画", "実績値", "64.2", "％"),
        ("前期基本計画", "達成率", "91.7", "%"),
        ("後期基本計画", "目標値", "69.0", "％"), ("後期基本計画", "実績値", "61.9", "％"),
        ("後期基本計画", "達成率", "89.7", "%"), ("計画全体", "計画目標値", "69.0", "％")]
    assert first[0]["年度（和暦）"] == "平成22年度" and first[0]["年度（西暦）"] == "2010"
    assert first[6]["達成状況"] == "概ね達成" and first[6]["指標のめざす方向"] == "↗"
    assert first[0]["記入日（和暦）"] == "令和元年12月20日"
    assert first[0]["記入日（西暦）"] == "2019-12-20"
    reviewed = [r["達成状況"] for r in rows if r["区分"] == "達成率" and r["時点"] == "後期基本計画"]
    assert reviewed.count("達成") == 3 and reviewed.count("未達成") == 4


def test_hostile_text_in_the_csv_stays_text(example_doc):
    section = example_doc.sections[0]
    ind = replace(section.indicators[0], name='=HYPERLINK("http://x.invalid","x")',
                  unit="+件", baseline="－")
    doc = replace(example_doc, sections=(replace(section, title="@節", indicators=(ind,)),))
    rows = read_csv(indicators_csv([doc], load_scheme()).encode("utf-8-sig"))
    check_open_data_rules(rows)
    assert rows[0]["目標指標"].startswith("'=HYPERLINK") and rows[0]["節の名称"] == "'@節"
    # a typed text where a number belongs goes to 備考, never into 値
    assert [(r["値"], r["備考"]) for r in rows if r["区分"] == "基準値"] == [("", "'－")]


# -- 概要 ----------------------------------------------------------------------

class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def test_overview_sentences_and_accessible_html(example_doc):
    scheme = load_scheme()
    links = [ChapterLink(tally(example_doc, 1, scheme), CHAPTER_PDF)]
    text = overview_text(example_doc.plan.name, links, scheme)
    assert "目標指標15件" in text and "評価できた11件" in text
    assert "「達成」（達成率100%）が3件" in text
    assert "「概ね達成」（達成率80%以上100%未満）が4件" in text
    assert "「未達成」（達成率80%未満）が4件" in text and "4件は「評価不能」" in text
    assert "後期基本計画（平成27年度～平成30年度）" in text and CHAPTER_PDF in text
    page = overview_html(example_doc.plan.name, links, scheme)
    outline = _Outline()
    outline.feed(page)
    tags = [t for t, _ in outline.tags]
    assert ("html", {"lang": "ja"}) in outline.tags
    assert tags.count("h1") == 1 and "h2" in tags and "caption" in tags
    heads = [a for t, a in outline.tags if t == "th"]
    assert heads and all(a.get("scope") in ("col", "row") for a in heads)
    assert ("a", {"href": CHAPTER_PDF}) in outline.tags
    assert "".join(outline.text).count("件") >= 5


# -- LibreOffice missing, failing, hanging ---------------------------------------

def fake_soffice(folder: Path, body: str) -> Path:
    """A stand-in ``soffice`` on PATH, written in Python."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "soffice"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
    script.chmod(0o755)
    return folder


def test_missing_soffice_exits_2_with_the_install_hint(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = run(runner, "publish", EXAMPLE, "-o", tmp_path / "公表")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "sudo apt-get install libreoffice-calc-nogui fonts-ipaexfont" in lines[0]
    assert "Windows" in lines[0] and "Traceback" not in result.output
    english = run(runner, "publish", EXAMPLE, "-o", tmp_path / "公表", "--lang", "en")
    assert english.exit_code == 2 and "apt-get install" in english.stderr
    assert not (tmp_path / "公表").exists()


def test_a_template_is_not_published(runner, template_dir, tmp_path):
    template = next(template_dir.glob("第1章第1節_*.xlsx"))
    result = run(runner, "publish", template, "-o", tmp_path / "公表")
    assert result.exit_code == 2 and "総括表ではありません" in result.stderr
    assert not (tmp_path / "公表").exists()


def test_missing_pdfinfo_exits_2_with_its_install_hint(runner, tmp_path, monkeypatch):
    bin_dir = fake_soffice(tmp_path / "bin", "import sys\nsys.exit(0)\n")
    monkeypatch.setenv("PATH", str(bin_dir))                 # soffice, but no poppler
    result = run(runner, "publish", EXAMPLE, "-o", tmp_path / "公表")
    assert result.exit_code == 2
    assert "sudo apt-get install poppler-utils" in result.stderr
    assert not (tmp_path / "公表").exists()


def test_soffice_that_writes_nothing_publishes_nothing(runner, tmp_path, monkeypatch):
    bin_dir = fake_soffice(tmp_path / "bin", "import sys\nsys.exit(0)\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run(runner, "publish", EXAMPLE, "-o", tmp_path / "公表")
    assert result.exit_code == 1 and "PDF を作れませんでした" in result.stderr
    assert not (tmp_path / "公表").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bin"]


MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 842 595]>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
def test_a_pdf_with_the_wrong_page_count_is_not_published(runner, tmp_path, monkeypatch):
    bin_dir = fake_soffice(tmp_path / "bin", f"""
        import sys, pathlib
        out = pathlib.Path(sys.argv[sys.argv.index("--outdir") + 1])
        for name in sys.argv[sys.argv.index("--outdir") + 2:]:
            (out / (pathlib.Path(name).stem + ".pdf")).write_bytes({MINIMAL_PDF!r})
        """)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run(runner, "publish", EXAMPLE, "-o", tmp_path / "公表")
    assert result.exit_code == 1
    assert "1 ページになりました" in result.stderr and "印刷設定では" in result.stderr
    assert not (tmp_path / "公表").exists()


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_a_hung_soffice_is_stopped_with_its_children(runner, tmp_path, monkeypatch):
    pids = tmp_path / "pids"
    bin_dir = fake_soffice(tmp_path / "bin", f"""
        import os, subprocess, time
        child = subprocess.Popen(["sleep", "300"])
        open({str(pids)!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")
        time.sleep(300)
        """)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    started = time.monotonic()
    result = run(runner, "publish", EXAMPLE, "-o", tmp_path / "公表", "--timeout", "3")
    assert time.monotonic() - started < 60
    assert result.exit_code == 1 and "3 秒以内" in result.stderr
    assert pids.exists()
    assert all(_gone(int(pid)) for pid in pids.read_text().split())
    assert not (tmp_path / "公表").exists()


# -- the real thing: LibreOffice -------------------------------------------------

@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from click.testing import CliRunner

    from sheetkit.cli import cli
    folder = tmp_path_factory.mktemp("pub") / "公表"
    result = CliRunner().invoke(cli, ["publish", str(EXAMPLE), "-o", str(folder)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, laid out as printed."""
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout)[1])
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, count + 1)]


def figure_text(value: m.Figure) -> str | None:
    """A figure as the '#,##0' format with its typed decimals prints it."""
    if not isinstance(value, Decimal):
        return None
    places = max(0, -value.as_tuple().exponent)
    return f"{value:,.{places}f}"


@needs_soffice
def test_publish_writes_every_file(published):
    names = sorted(p.name for p in published.iterdir())
    assert names == sorted([CHAPTER_PDF, WHOLE_PDF, "目標指標.csv", "第1章_コミュニティ.json",
                            "概要.txt", "概要.html"])
    check_open_data_rules(read_csv((published / "目標指標.csv").read_bytes()))
    data = json.loads((published / "第1章_コミュニティ.json").read_text(encoding="utf-8"))
    assert data["chapter"]["entry_date"] == "令和元年12月20日"
    assert load_document(published / "第1章_コミュニティ.json") == load_document(EXAMPLE)
    text = (published / "概要.txt").read_text(encoding="utf-8-sig")
    assert "「達成」（達成率100%）が3件" in text


@needs_soffice
def test_printed_pages(published, example_doc, tmp_path):
    """Page count as planned, a number on every page, 令和元年, indicators whole."""
    planned = sum(write_summary(example_doc, load_layout(), tmp_path / "x.xlsx").values())
    for name in (CHAPTER_PDF, WHOLE_PDF):
        pages = pdf_pages(published / name)
        assert len(pages) == planned, name
        for number, page in enumerate(pages, start=1):
            assert re.search(rf"-\s*{number}\s*/\s*{planned}\s*-", page), (name, number)
            assert "第５次所沢市総合計画" in page.splitlines()[0], "running header"
        everything = "".join(pages)
        assert "令和元年12月20日" in everything and "令和1年" not in everything
        assert everything.count("令和元年12月20日") == 1 + len(example_doc.sections)
        check_indicators_whole(pages, example_doc)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(published / CHAPTER_PDF),
                    str(ARTIFACTS / "page")], check=True, timeout=120)
    assert len(list(ARTIFACTS.glob("page-*.png"))) == planned


def check_indicators_whole(pages: list[str], doc: m.Document) -> None:
    """Each indicator's name, on the 目標指標 pages, within a few printed lines of
    every one of its figures: its 目標値 and 実績値 rows are on the name's page."""
    sheet = [p for p in pages if "目標指標の達成状況" in p or "指標のめざ" in p]
    assert sheet
    for section in doc.sections:
        for ind in section.indicators:
            head = ind.name[:13]                 # the first printed line of a wrapped name
            found = [(p, i) for p in sheet for i, ln in enumerate(p.splitlines())
                     if re.search(rf"(?<![・「]){re.escape(head)}", ln)   # not the analysis
                     and "。" not in ln]
            assert len(found) == 1, (ind.name, len(found))
            page, index = found[0]
            window = "\n".join(page.splitlines()[max(0, index - 2):index + 4])
            figures = [figure_text(v) for r in ind.results if r is not None
                       for v in (r.target, r.actual)]
            for figure in filter(None, figures):
                assert figure in window, (ind.name, figure, window)


def long_section(doc: m.Document, count: int = 30) -> m.Document:
    """One 節 with more indicators than a page holds: the breaks must fall inside it."""
    section = doc.sections[0]
    indicators = tuple(m.Indicator(
        f"テスト指標その{i:02d}番の達成度合い", "件", m.UP, Decimal(100 + i),
        (m.PeriodResult(Decimal(200 + i), Decimal(150 + i)),
         m.PeriodResult(Decimal(1000 + i), Decimal(900 + i))), Decimal(1000 + i))
        for i in range(count))
    return replace(doc, sections=(replace(section, indicators=indicators),))


@needs_soffice
def test_a_section_longer_than_a_page_breaks_between_indicators(example_doc, tmp_path, runner):
    from sheetkit.serialize import to_yaml
    doc = long_section(example_doc)
    data = tmp_path / "long.yaml"
    data.write_text(to_yaml(doc), encoding="utf-8")
    assert run(runner, "publish", data, "-o", tmp_path / "公表").exit_code == 0
    pages = pdf_pages(tmp_path / "公表" / CHAPTER_PDF)
    check_indicators_whole(pages, doc)
    assert len([p for p in pages if "テスト指標" in p]) >= 2


@needs_soffice
def test_publish_from_the_summary_workbook(published, summary_path, tmp_path, runner):
    result = run(runner, "publish", summary_path, "-o", tmp_path / "公表")
    assert result.exit_code == 0, result.output
    for name in ("目標指標.csv", "概要.txt", "概要.html"):
        assert (tmp_path / "公表" / name).read_bytes() == (published / name).read_bytes(), name


@needs_soffice
def test_publish_never_overwrites_without_force(published, runner, tmp_path):
    folder = tmp_path / "公表"
    folder.mkdir()
    (folder / "概要.txt").write_text("前の版", encoding="utf-8")
    result = run(runner, "publish", EXAMPLE, "-o", folder)
    assert result.exit_code == 2 and "--force" in result.stderr
    assert (folder / "概要.txt").read_text(encoding="utf-8") == "前の版"
    assert [p.name for p in folder.iterdir()] == ["概要.txt"]
    assert run(runner, "publish", EXAMPLE, "-o", folder, "--force").exit_code == 0
    assert (folder / "概要.txt").read_bytes() == (published / "概要.txt").read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in published.iterdir())


# -- helper sheets print within the page's width ----------------------------------

def to_pdf(book: Path, workdir: Path) -> Path:
    from sheetkit.soffice import convert_to_pdf
    workdir.mkdir()
    return convert_to_pdf(SOFFICE, [book], workdir)[book]


def assert_fits_the_width(pdf: Path, headers: list[str]) -> None:
    pages = pdf_pages(pdf)
    first = pages[0]
    missing = [h for h in headers if h not in first]
    assert not missing, f"column headers not on page 1: {missing}"
    for number, page in enumerate(pages, start=1):
        body = [ln for ln in page.splitlines() if ln.strip() and not re.search(r"- \d+ / \d+ -", ln)]
        assert body, f"page {number} holds nothing but a running header"


def assert_fit_to_width(ws) -> None:  # type: ignore[no-untyped-def]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows and ws.oddFooter.center.text == "- &P / &N -"


@pytest.fixture(scope="module")
def returns(template_dir, example_doc, tmp_path_factory):
    folder = tmp_path_factory.mktemp("returns")
    paths = []
    for section in example_doc.sections:
        source = template_dir / f"第1章第{section.number}節_{section.title}.xlsx"
        changed = replace(section, initiatives=section.initiatives[:1]) \
            if section.number == 2 else section
        if section.number == 4:
            changed = replace(section, author=None)
        paths.append(fill(source, folder / source.name, changed))
    return paths


def test_report_and_annotations_are_set_up_to_fit_the_width(returns, runner, tmp_path):
    run(runner, "validate", *returns, "--report", tmp_path / "r.xlsx",
        "--annotate", tmp_path / "a")
    report = openpyxl.load_workbook(tmp_path / "r.xlsx")
    for ws in report.worksheets:
        assert_fit_to_width(ws)
    annotated = openpyxl.load_workbook(next((tmp_path / "a").iterdir()))
    results = annotated["検証結果"]
    assert_fit_to_width(results)
    long = [r for r in range(2, results.max_row + 1) if len(str(results.cell(r, 6).value)) > 45]
    assert long, "the example's findings include messages longer than one line"
    for row in long:                      # a wrapped message gets the height of its lines
        assert results.row_dimensions[row].height >= 30, row
        assert results.cell(row, 6).alignment.wrap_text


@needs_soffice
def test_report_prints_every_column_on_the_first_page(returns, runner, tmp_path):
    out = tmp_path / "点検結果.xlsx"
    run(runner, "validate", *returns, "--report", out)
    heads = [c.value for c in openpyxl.load_workbook(out)["指摘一覧"][1]]
    assert_fits_the_width(to_pdf(out, tmp_path / "pdf"), heads)


@needs_soffice
def test_annotated_results_sheet_prints_every_column(returns, runner, tmp_path):
    run(runner, "validate", returns[3], "--annotate", tmp_path / "a")
    copy = tmp_path / "a" / returns[3].name
    pdf = to_pdf(copy, tmp_path / "pdf")
    assert_fits_the_width(pdf, ["重要度", "コード", "シート", "セル", "行", "内容"])


@needs_soffice
def test_provenance_sheet_prints_within_the_width(returns, example_doc, runner, tmp_path):
    from sheetkit.identity import blank_section
    from sheetkit.serialize import to_yaml
    base = tmp_path / "base.yaml"
    base.write_text(to_yaml(replace(example_doc, sections=tuple(
        blank_section(s, 1, DEFAULT_INPUTS) for s in example_doc.sections))), encoding="utf-8")
    out = tmp_path / "総括表.xlsx"
    run(runner, "merge", *returns, "--base", base, "-o", out)
    wb = openpyxl.load_workbook(out)
    ws = wb["出典"]
    assert_fit_to_width(ws)
    left = next(r for r in range(1, ws.max_row + 1)
                if ws.cell(r, 1).value == "取り込まなかったファイル")
    assert ws.cell(left + 2, 4).value and ws.cell(left + 2, 4).value.endswith(".xlsx")
    only = tmp_path / "出典.xlsx"                   # print the 出典 sheet alone
    for name in wb.sheetnames:
        if name != "出典":
            del wb[name]
    wb.save(only)
    pdf = to_pdf(only, tmp_path / "pdf")
    assert_fits_the_width(pdf, ["節", "名称", "状態", "ファイル", "SHA-256", "記入者", "記入日",
                                "受け入れた指摘"])
    text = "".join(pdf_pages(pdf))
    assert "取り込まなかったファイル" in text and "理由" in text
    for path in returns:
        if path.name.startswith("第1章第4節"):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert digest[:16] in text.replace(" ", "").replace("\n", "")


@needs_soffice
def test_the_whole_plan_prints_one_rating_summary_for_the_plan(runner, tmp_path):
    """publish of a plan of two chapters: the whole-plan PDF opens with one
    達成状況 of the plan (a row per chapter, a section row each, 計画全体, one
    list), then both chapters' sheets; each chapter's PDF keeps its own."""
    from sheetkit.loader import load_plan
    from sheetkit.serialize import to_yaml

    plan = tmp_path / "計画.yaml"
    plan.write_text(to_yaml(load_plan([EXAMPLE, ROOT / "examples" / "fictional-ch2.yaml"])),
                    encoding="utf-8")
    folder = tmp_path / "公表"
    result = run(runner, "publish", plan, "-o", folder)
    assert result.exit_code == 0, result.output
    whole = pdf_pages(folder / WHOLE_PDF)
    text = "".join(whole)
    assert text.count("策定時より後退した指標・評価しない指標") == 1       # one summary
    summary = whole[:next(i for i, p in enumerate(whole) if "策定時より後退した" in p) + 1]
    assert all("目標指標の達成状況" not in p for p in summary)            # before the chapters
    first = re.sub(r"\s+", "", "".join(summary))
    assert "第1章コミュニティ" in first and "第2章健康・福祉" in first and "計画全体" in first
    assert "子育て相談の件数" in first and "自治会・町内会への加入率" in first
    assert "第2章第3節" in first
    for chapter in (CHAPTER_PDF, "第2章_健康・福祉.pdf"):
        pages = "".join(pdf_pages(folder / chapter))
        assert pages.count("策定時より後退した指標・評価しない指標") == 1
        assert "計画全体" in re.sub(r"\s+", "", pages)
    for number, page in enumerate(whole, start=1):      # one document: numbered through
        assert re.search(rf"-\s*{number}\s*/\s*{len(whole)}\s*-", page), number
    assert len(whole) < sum(len(pdf_pages(folder / c))
                            for c in (CHAPTER_PDF, "第2章_健康・福祉.pdf"))


def test_merge_csv_neutralises_formula_text_too(example_doc, runner, tmp_path):
    from sheetkit.serialize import to_yaml
    section = example_doc.sections[0]
    hostile = replace(section.indicators[0], name="=1+2", unit="@件")
    base = tmp_path / "base.yaml"
    base.write_text(to_yaml(replace(example_doc, sections=(
        replace(section, indicators=(hostile,)),))), encoding="utf-8")
    (tmp_path / "回収").mkdir()
    out = tmp_path / "指標.csv"
    run(runner, "merge", tmp_path / "回収", "--base", base, "-o", tmp_path / "s.xlsx",
        "--csv", out)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert rows[1][3] == "'=1+2" and rows[1][4] == "'@件"
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row)


@needs_soffice
def test_gannen_survives_a_libreoffice_resave(summary_path, tmp_path):
    """Saved again by LibreOffice, the 記入日 keeps its 元年 section and still prints 令和元年."""
    from resave import resave_with_libreoffice
    (resaved,) = resave_with_libreoffice([summary_path], tmp_path)
    ws = openpyxl.load_workbook(resaved)["第1節"]
    dates = [c for row in ws.iter_rows() for c in row if isinstance(c.value, dt.datetime)]
    assert dates and all("令和元年" in c.number_format and "43586" in c.number_format
                         and "43831" in c.number_format for c in dates)
    pdf = to_pdf(resaved, tmp_path / "pdf")
    text = "".join(pdf_pages(pdf))
    assert "令和元年12月20日" in text and "令和1年" not in text
