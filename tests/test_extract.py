"""`sheetkit extract`: reading generated, blank and returned workbooks back."""

import datetime as dt
import pickle
from dataclasses import replace
from decimal import Decimal

import openpyxl
import pytest
import yaml
from conftest import EXAMPLE, ROOT, run
from filling import fill, find_row
from hypothesis import given, settings
from hypothesis import strategies as st
from resave import SOFFICE, resave_with_libreoffice

from sheetkit import reader
from sheetkit.codec import decode
from sheetkit.grid import Grid
from sheetkit.layout import CellSpec
from sheetkit.loader import load_document
from sheetkit.model import Rate
from sheetkit.normalize import normalize
from sheetkit.reader import extract

TEMPLATE = "第1章第{n}節_{title}.xlsx"


def template_of(template_dir, section):
    return template_dir / TEMPLATE.format(n=section.number, title=section.title)


def test_generated_summary_round_trips(summary_path, example_doc):
    assert normalize(extract(summary_path).document) == normalize(example_doc)


def test_extract_cli_writes_loadable_yaml(summary_path, tmp_path, runner, example_doc):
    out = tmp_path / "back.yaml"
    result = run(runner, "extract", summary_path, "-o", out)
    assert result.exit_code == 0, result.output
    assert normalize(load_document(out)) == normalize(example_doc)
    stdout = run(runner, "extract", summary_path)
    assert yaml.safe_load(stdout.stdout)["chapter"]["title"] == "コミュニティ"
    as_json = tmp_path / "back.json"
    assert run(runner, "extract", summary_path, "-o", as_json).exit_code == 0
    assert normalize(load_document(as_json)) == normalize(example_doc)


def test_blank_template_reads_as_fixed_parts(template_dir, example_doc):
    section = example_doc.sections[0]
    doc = extract(template_of(template_dir, section)).document
    (read,) = doc.sections
    assert read.goal == section.goal and read.basic_policies == section.basic_policies
    assert read.initiatives == () and read.entry_date is None
    assert read.indicators[0].results[1].target == Decimal("69.0")
    assert read.indicators[0].results[1].actual is None
    assert doc.chapter.title == "コミュニティ"


@pytest.mark.parametrize("index", range(5))
def test_filled_template_gives_the_department_content(template_dir, tmp_path, example_doc,
                                                      index):
    section = example_doc.sections[index]
    returned = fill(template_of(template_dir, section), tmp_path / "returned.xlsx", section,
                    extra_rows=2)
    extraction = extract(returned)
    (read,) = extraction.document.sections
    assert normalize(replace(extraction.document, chapter=example_doc.chapter,
                             sections=(read,))).sections[0] == \
        normalize(replace(example_doc, sections=(section,))).sections[0]
    assert extraction.typed_rates == frozenset()


def test_rows_inserted_beyond_the_named_range(template_dir, tmp_path, example_doc):
    section = example_doc.sections[0]               # 10 取り組み: the table is full
    more = section.initiatives + section.initiatives[:2]
    section_more = replace(section, initiatives=more)
    returned = fill(template_of(template_dir, section), tmp_path / "r.xlsx", section_more,
                    extra_rows=2)
    (read,) = extract(returned).document.sections
    assert read.initiatives == more
    assert read.carried_over == section.carried_over


def test_typed_numbers_dates_and_rates(template_dir, tmp_path, example_doc):
    section = example_doc.sections[0]
    returned = fill(template_of(template_dir, section), tmp_path / "r.xlsx", section,
                    date_as_text=True, numbers_as_text=True,
                    typed_rate=("自治会・町内会への加入率", 0.9))
    extraction = extract(returned)
    (read,) = extraction.document.sections
    assert read.entry_date == dt.date(2019, 12, 20)
    first = read.indicators[0]
    assert first.results[1].actual == Decimal("61.9")
    assert first.results[1].rate == Rate(Decimal("0.9"), 1)
    key = "sections.1.indicators.0.second_half.rate"
    assert extraction.typed_rates == {key}
    assert extraction.sources[key].sheet == "目標指標"
    ws = openpyxl.load_workbook(returned)["目標指標"]
    assert ws[extraction.sources[key].cell].value == 0.9


def test_sources_point_at_cells(summary_path):
    extraction = extract(summary_path)
    ws = openpyxl.load_workbook(summary_path)
    src = extraction.sources["sections.1.indicators.0.first_half.actual"]
    assert ws[src.sheet][src.cell].value == 64.2
    src = extraction.sources["sections.2.initiatives.0.outcome"]
    assert ws[src.sheet][src.cell].value.startswith("市民活動を支援し")
    src = extraction.sources["chapter.entry_date"]
    assert ws[src.sheet][src.cell].value == dt.datetime(2019, 12, 20)


def test_sources_are_a_mapping_whose_places_are_made_when_asked(summary_path):
    """Extraction.sources keeps each cell as (sheet, row, col) under its section:
    still a Mapping of key -> Location, equal to the dict of its items, picklable."""
    sources = extract(summary_path).sources
    as_dict = dict(sources)
    assert len(as_dict) == len(sources) > 50 and list(as_dict) == list(sources)
    assert any(key.startswith("chapter.") for key in as_dict)
    for key, place in as_dict.items():
        assert key in sources and sources[key] == place == sources.get(key)
        assert place.sheet and place.cell and place.file is None
    for absent in ("sections.1.nothing", "chapter.nothing", "sections.99.goal", "", "sections"):
        assert absent not in sources and sources.get(absent) is None
        with pytest.raises(KeyError):
            sources[absent]
    assert 3 not in sources
    assert sources == as_dict and pickle.loads(pickle.dumps(sources)) == sources


def test_not_a_sheetkit_workbook(tmp_path, runner):
    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hello"
    wb.save(path)
    result = run(runner, "extract", path)
    assert result.exit_code == 2
    assert "sheetkit で作った" in result.stderr and "Traceback" not in result.output
    (tmp_path / "junk.xlsx").write_text("not a zip")
    result = run(runner, "extract", tmp_path / "junk.xlsx", "--lang", "en")
    assert result.exit_code == 2 and "not an Excel workbook" in result.stderr


def test_template_with_a_deleted_block(template_dir, tmp_path, example_doc):
    section = example_doc.sections[0]
    wb = openpyxl.load_workbook(template_of(template_dir, section))
    ws = wb["第1節"]
    ws.delete_rows(find_row(ws, 1, "課題") - 1, 2)
    wb.save(tmp_path / "broken.xlsx")
    from sheetkit.problems import SheetkitError
    with pytest.raises(SheetkitError) as info:
        extract(tmp_path / "broken.xlsx")
    assert info.value.problems[0].code == "layout-mismatch"


# -- LibreOffice ------------------------------------------------------------

@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; "
                    ".ci/run installs libreoffice-calc-nogui")
def test_libreoffice_resave_gives_the_same_document(template_dir, summary_path, tmp_path,
                                                    example_doc):
    filled = []
    for section in example_doc.sections:
        target = tmp_path / "filled" / template_of(template_dir, section).name
        target.parent.mkdir(exist_ok=True)
        filled.append(fill(template_of(template_dir, section), target, section, extra_rows=2))
    originals = [*filled, summary_path]
    before = [extract(p).document for p in originals]
    after = [extract(p).document for p in resave_with_libreoffice(originals, tmp_path)]
    assert after == before


def test_one_run_reads_workbooks_of_other_plans_and_layouts(summary_path, example_doc,
                                                            tmp_path, runner):
    """The reader works out what a layout and a plan's labels mean once a run:
    workbooks of another plan (other period labels in the anchors) and of
    another layout, read in turn in one process, each read as its own."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("前期基本計画", "第1期計画").replace(
        "後期基本計画", "第2期計画").replace("第５次所沢市総合計画", "第５次所沢市総合計画（改）")
    other_data = tmp_path / "other.yaml"
    other_data.write_text(text, encoding="utf-8")
    other = tmp_path / "other.xlsx"
    assert run(runner, "generate", other_data, "-o", other).exit_code == 0
    shisaku_data = ROOT / "examples" / "shisaku-hyoka-sample.yaml"
    shisaku = tmp_path / "shisaku.xlsx"
    assert run(runner, "generate", shisaku_data, "-o", shisaku).exit_code == 0
    expected = {summary_path: normalize(example_doc), other: normalize(load_document(other_data)),
                shisaku: normalize(load_document(shisaku_data))}
    assert expected[other].plan != expected[summary_path].plan
    for path in (summary_path, other, shisaku, summary_path, other, shisaku):
        assert normalize(extract(path).document) == expected[path]


def _read_all(path):
    found = extract(path)
    return (found.document, list(found.sources.items()), found.notices, found.typed_rates)


def test_places_kept_read_as_places_made_anew(summary_path, template_dir, tmp_path,
                                              example_doc, monkeypatch):
    """A plan keeps the places of its tables' rows and fixed cells (the same in
    every file of a layout): a file read with them kept, and read again with
    them in use, reads as one read with every place made anew; also a formula
    typed into a table row and into an indicator's field (a notice each)."""
    section = example_doc.sections[0]
    returned = fill(template_of(template_dir, section), tmp_path / "r.xlsx",
                    replace(section, initiatives=section.initiatives + section.initiatives[:2]),
                    extra_rows=2)
    book = openpyxl.load_workbook(returned)
    sheet = book[f"第{section.number}節"]
    sheet.cell(find_row(sheet, 1, "取り組み") + 1, 1).value = '="取り組み"&"1"'
    indicators = book["目標指標"]
    indicators.cell(find_row(indicators, 2, section.indicators[0].name), 3).value = '="人"'
    book.save(returned)
    for path in (summary_path, returned):
        kept = [_read_all(path), _read_all(path)]
        monkeypatch.setattr(reader, "_KEPT_ROWS", 0)
        reader._CONTEXTS.clear()
        assert kept[0] == kept[1] == _read_all(path)
        monkeypatch.undo()
        reader._CONTEXTS.clear()
    notices = {(p.code, p.location.field) for p in kept[0][2]}
    assert ("formula-in-input", f"sections.{section.number}.initiatives.0.initiative") in notices
    assert ("formula-in-input", f"sections.{section.number}.indicators.0.unit") in notices


_WHOLE_OR_POLICY = [CellSpec(0, 0, kind="int"), CellSpec(0, 0, kind="rank"),
                    CellSpec(0, 0, kind="int", pattern="第{}章"),
                    CellSpec(0, 0, kind="rank", pattern="{}8"),
                    CellSpec(0, 0, kind="text", pattern="『{}』"),
                    CellSpec(0, 0, kind="list"), CellSpec(0, 0, kind="policy")]


@settings(max_examples=400)
@given(st.sampled_from(_WHOLE_OR_POLICY),
       st.one_of(st.floats(), st.floats(min_value=-1e16, max_value=1e16).map(round).map(float),
                 st.integers(), st.sampled_from([-0.0, 1e15, -1e15, 1e15 - 1, 2.0 ** 53]),
                 st.text(st.sampled_from(list("1-2 38\u3000方針 \t第章位『』１")), max_size=8),
                 st.from_regex(r"\A[0-9]{1,25}位?\Z")))
def test_whole_numbers_patterns_and_policies_read_as_decode_reads_them(spec, value):
    """The reader's own decoding of a whole number, a rank, text in a pattern
    and a 基本方針 (and of blank text) is codec.decode's: the same value of the
    same type."""
    read = reader._decoded(Grid("s", {}), 0, 0, spec, reader._how(spec), value)
    exact = decode(spec, value)
    assert (read, type(read)) == (exact, type(exact))
