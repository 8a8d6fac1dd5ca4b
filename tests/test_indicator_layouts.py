"""The 目標指標 table as the layout declares it, and the data's ``periods:`` list.

A copy of the 所沢 layout with one row per indicator, three yearly periods
(R5/R6/R7, each 目標|実績), a 達成率 on the reviewed year only and no group
column (tests/layouts/three-years.yaml) goes through every command."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import DEFAULT_INPUTS, run

from sheetkit import model as m
from sheetkit import reader
from sheetkit.identity import blank_section
from sheetkit.layout import Layout, load_layout
from sheetkit.loader import load_document
from sheetkit.normalize import normalize
from sheetkit.reader import extract
from sheetkit.serialize import to_yaml

LAYOUT = Path(__file__).resolve().parent / "layouts" / "three-years.yaml"
YEARS = (m.Period("periods.0", "令和5年度", "R5", "R5"),
         m.Period("periods.1", "令和6年度", "R6", "R6"),
         m.Period("periods.2", "令和7年度", "R7", "R7"))


@pytest.fixture(autouse=True)
def readable_test_layout(monkeypatch):
    """Workbooks made with the test layout read back with it (the layout file
    stands in for `--layout` when reading)."""
    real = reader.resolve_layout

    def resolve(name: object, version: int, sha256: str | None, given: Layout | None,
                source: str | None = None) -> Layout:
        if name == "three-years" and given is None:
            return load_layout(str(LAYOUT))
        return real(name, version, sha256, given, source)

    monkeypatch.setattr(reader, "resolve_layout", resolve)


def three_years(example: m.Document) -> m.Document:
    """The example over R5, R6 and R7: 前期 figures for R5, the same again for
    R6 except every third indicator (absent that year), 後期 figures for R7 —
    whose 達成率 is the only one the sheet shows."""
    def indicator(index: int, ind: m.Indicator) -> m.Indicator:
        first, last = ind.results
        first = None if first is None else replace(first, rate=None)
        middle = None if index % 3 == 1 else first
        return replace(ind, results=(first, middle, last), plan_target=None)

    sections = tuple(replace(s, indicators=tuple(indicator(i, ind)
                                                 for i, ind in enumerate(s.indicators)))
                     for s in example.sections)
    return replace(example, plan=replace(example.plan, periods=YEARS), sections=sections)


@pytest.fixture
def data(tmp_path, example_doc) -> Path:
    path = tmp_path / "three.yaml"
    path.write_text(to_yaml(three_years(example_doc)), encoding="utf-8")
    return path


def test_periods_list_is_written_and_loaded(data, example_doc):
    text = data.read_text(encoding="utf-8")
    assert "periods:" in text and "first_half" not in text and "second_half" not in text
    assert load_document(data) == three_years(example_doc)


def test_contract_file_still_means_two_periods(example_doc):
    assert [p.key for p in example_doc.plan.periods] == ["first_half", "second_half"]
    assert "first_half:" in to_yaml(example_doc) and "\n  periods:" not in to_yaml(example_doc)


def test_three_years_round_trip(data, tmp_path, runner, example_doc):
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    result = run(runner, "generate", data, "-o", first, "--layout", LAYOUT)
    assert result.exit_code == 0, result.output
    doc = extract(first).document
    assert normalize(doc) == normalize(three_years(example_doc))
    back = tmp_path / "back.yaml"
    assert run(runner, "extract", first, "-o", back).exit_code == 0
    assert run(runner, "generate", back, "-o", second, "--layout", LAYOUT).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_three_years_sheet_shape(data, tmp_path, runner, example_doc):
    out = tmp_path / "out.xlsx"
    assert run(runner, "generate", data, "-o", out, "--layout", LAYOUT).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["目標指標"]
    assert [ws[c].value for c in ("E2", "G2", "I2")] == ["令和5年度", "令和6年度", "令和7年度"]
    assert [ws.cell(3, c).value for c in range(5, 12)] == [
        "目標", "実績", "目標", "実績", "目標", "実績", "達成率\n（R7）"]
    doc = three_years(example_doc)
    first, second = doc.sections[0].indicators[:2]
    assert (ws["A4"].value, ws["A5"].value) == (first.name, second.name)   # one row each
    assert ws["E4"].value == float(first.results[0].target)
    assert ws["F4"].value == float(first.results[0].actual)
    assert ws["J4"].value == float(first.results[2].actual)
    assert str(ws["K4"].value).startswith("=") and "I4" in ws["K4"].value \
        and "J4" in ws["K4"].value
    assert ws["G5"].value == "皆減" and "G5:H5" in {str(r) for r in ws.merged_cells.ranges}
    assert all(ws.cell(row, col).value is None or not str(ws.cell(row, col).value)
               .startswith("=") for row in range(4, ws.max_row + 1) for col in range(5, 11))
    assert ws["A" + str(4 + len(doc.sections[0].indicators))].value == "令和7年度の未達成指標の分析"
    assert {"第1節_成果指標", "第1節_未達成の分析"} <= set(wb.defined_names)
    assert "第1節_目標指標" not in wb.defined_names


def _fill(template: Path, out: Path, section: m.Section) -> Path:
    """Type a department's answers through the template's defined names."""
    wb = openpyxl.load_workbook(template)
    names = wb.defined_names

    def cells(name: str):
        for sheet, ref in names[name].destinations:
            for part in ref.split(","):
                yield wb[sheet][part.replace("$", "").split(":")[0]]

    (entry,) = cells(f"第{section.number}節_記入日")
    entry.value = dt.datetime.combine(section.entry_date, dt.time())
    (author,) = cells(f"第{section.number}節_記入者")
    author.value = section.author
    for name, rows, fields in (("取り組み", section.initiatives, ("initiative", "outcome", "policy")),
                               ("課題", section.carried_over, ("challenge", "direction", "policy"))):
        (first,) = cells(f"第{section.number}節_{name}")
        for offset, item in enumerate(rows):
            for col, field in zip((1, 6, 10), fields):
                first.parent.cell(first.row + offset, col).value = getattr(item, field)
    actuals = [ind.results[2].actual for ind in section.indicators if ind.results[2]]
    for cell, value in zip(cells(f"第{section.number}節_実績"), actuals, strict=True):
        cell.value = None if value is None else float(value)
    (analysis,) = cells(f"第{section.number}節_未達成の分析")
    analysis.value = section.unmet_analysis
    wb.save(out)
    return out


def test_three_years_template_fill_validate_merge(data, tmp_path, runner, example_doc):
    doc = three_years(example_doc)
    base_doc = replace(doc, sections=tuple(blank_section(s, 2, DEFAULT_INPUTS) for s in doc.sections))
    base = tmp_path / "base.yaml"
    base.write_text(to_yaml(base_doc), encoding="utf-8")
    blank = tmp_path / "blank"
    result = run(runner, "template", base, "-o", blank, "--layout", LAYOUT)
    assert result.exit_code == 0, result.output
    section = doc.sections[0]
    template = next(blank.glob("第1章第1節_*.xlsx"))
    ws = openpyxl.load_workbook(template)["目標指標"]
    assert ws["J4"].protection.locked is False and ws["F4"].protection.locked is not False
    assert ws["I4"].protection.locked is not False
    returns = tmp_path / "returns"
    returns.mkdir()
    filled = _fill(template, returns / "第1節.xlsx", section)
    checked = run(runner, "validate", filled, "--format", "json")
    assert '"template-modified"' not in checked.stdout and '"template-mismatch"' \
        not in checked.stdout, checked.stdout
    read = extract(filled).document.sections[0]
    assert [i.results[2].actual for i in read.indicators if i.results[2]] == \
        [i.results[2].actual for i in section.indicators if i.results[2]]
    merged = tmp_path / "merged.xlsx"
    result = run(runner, "merge", returns, "--base", base, "-o", merged, "--layout", LAYOUT,
                 "--allow-invalid")
    assert result.exit_code == 0, result.output
    got = extract(merged).document.section(1)
    assert got is not None
    assert normalize(replace(doc, sections=(got,))).sections[0].indicators == \
        normalize(replace(doc, sections=(section,))).sections[0].indicators
    assert got.unmet_analysis == section.unmet_analysis
    status = run(runner, "status", returns, "--base", base)
    assert status.exit_code == 0, status.output
    assert "base-mismatch" not in status.output


def test_the_declared_review_period_is_the_one_departments_fill(tmp_path, runner, data,
                                                                example_doc):
    text = LAYOUT.read_text(encoding="utf-8")
    text = text.replace("{target: G, actual: H}", "{target: G, actual: H, rate: K}") \
        .replace("{target: I, actual: J, rate: K}", "{target: I, actual: J}") \
        .replace("review: 3", "review: 2")
    middle = tmp_path / "middle.yaml"
    middle.write_text(text, encoding="utf-8")
    blank = tmp_path / "blank"
    assert run(runner, "template", data, "-o", blank, "--layout", middle,
               "--section", "1").exit_code == 0
    wb = openpyxl.load_workbook(next(blank.glob("*.xlsx")))
    ws = wb["目標指標"]
    assert ws["H4"].protection.locked is False and ws["J4"].protection.locked is not False
    assert ws["H4"].value is None and ws["J4"].value is not None
    count = len(example_doc.sections[0].indicators)
    assert ws[f"A{4 + count}"].value == "令和6年度の未達成指標の分析"


def _problems(runner, path: Path) -> str:
    result = run(runner, "validate", path)
    assert result.exit_code == 1
    return result.stdout


def test_mismatched_period_count_names_file_and_line(tmp_path, runner, data):
    lines = data.read_text(encoding="utf-8").splitlines()
    absent = lines.index("    - null")               # an indicator's absent middle year
    index = max(i for i in range(absent) if lines[i].strip() == "periods:")
    del lines[absent]                                  # now one period fewer than the plan
    short = tmp_path / "short.yaml"
    short.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _problems(runner, short)
    assert "period-count" in out and f"{index + 1}行目" in out and "short.yaml" in out
    assert "2 期分" in out and "3 期です" in out


def test_periods_and_two_period_keys_do_not_mix(tmp_path, runner, data):
    text = data.read_text(encoding="utf-8").replace(
        "  periods:\n", "  first_half: {label: 前期, from: H23, to: H26}\n  periods:\n", 1)
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(text, encoding="utf-8")
    out = _problems(runner, mixed)
    assert "mixed-periods" in out and "first_half" in out


def test_two_period_keys_in_an_indicator_of_a_listed_plan_are_unknown(tmp_path, runner,
                                                                      data):
    text = data.read_text(encoding="utf-8")
    text = text.replace("    periods:\n", "    second_half: {target: 1}\n    periods:\n", 1)
    odd = tmp_path / "odd.yaml"
    odd.write_text(text, encoding="utf-8")
    out = _problems(runner, odd)
    assert "unknown-key" in out and "second_half" in out


def test_single_years_and_plain_years(tmp_path):
    path = tmp_path / "years.yaml"
    path.write_text("plan:\n  name: 計画\n  periods:\n    - {label: 令和5年度, year: R5}\n"
                    "    - R6\nchapter: {number: 1, title: 章}\nsections:\n"
                    "  - number: 1\n    title: 節\n    indicators:\n"
                    "      - {name: 指標, direction: ↗, periods: [null, {target: 2}]}\n",
                    encoding="utf-8")
    doc = load_document(path)
    assert doc.plan.periods == (m.Period("periods.0", "令和5年度", "R5", "R5"),
                                m.Period("periods.1", "R6", "R6", "R6"))
    assert doc.sections[0].indicators[0].results == (None, m.PeriodResult(2))


def test_more_periods_than_the_layout_has_columns(runner, tmp_path, data):
    out = tmp_path / "out.xlsx"
    result = run(runner, "generate", data, "-o", out)
    assert result.exit_code == 2 and not out.exists()
    assert "データの期は 3 期" in result.stderr and "2 期分の列" in result.stderr


@pytest.mark.parametrize("change, detail", [
    (("rows: 1", "rows: 3"), "rows"),
    (("review: 3", "review: 4"), "review"),
    (("review: 3", "review: 1"), "rate"),
    (("{target: G, actual: H}", "{target: G, actual: G}"), "target and actual"),
])
def test_indicator_table_declarations_are_checked(tmp_path, runner, data, change, detail):
    bad = tmp_path / "bad.yaml"
    bad.write_text(LAYOUT.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = run(runner, "generate", data, "-o", out, "--layout", bad)
    assert result.exit_code == 2 and not out.exists()
    assert "layout-invalid" in result.stderr or "レイアウト" in result.stderr
    assert detail in result.stderr


def test_tokorozawa_declares_its_table(example_doc):
    ind = load_layout().indicators
    assert (ind.rows, ind.review, ind.absent) == (2, None, "－")
    assert ind.group is not None and ind.plan_target is not None
    assert (ind.table_name, ind.actuals_name) == ("目標指標", "実績値")
    assert ind.review_index(len(example_doc.plan.periods)) == 1


def test_fewer_periods_whose_reviewed_one_has_no_rate_column(runner, tmp_path, example_doc):
    doc = three_years(example_doc)
    two = replace(doc, plan=replace(doc.plan, periods=YEARS[:2]), sections=tuple(
        replace(s, indicators=tuple(replace(i, results=i.results[:2]) for i in s.indicators))
        for s in doc.sections))
    data = tmp_path / "two.yaml"
    data.write_text(to_yaml(two), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = run(runner, "generate", data, "-o", out, "--layout", LAYOUT)
    assert result.exit_code == 2 and not out.exists()
    assert "2 期目" in result.stderr and "達成率の列がありません" in result.stderr


def test_values_the_layout_has_no_column_for_are_named(runner, tmp_path, example_doc):
    doc = three_years(example_doc)
    first = doc.sections[0].indicators[0]
    typed = replace(first, results=(replace(first.results[0], rate=m.Rate(Decimal("0.917"))),
                                    *first.results[1:]), plan_target=Decimal(69))
    doc = replace(doc, sections=(replace(doc.sections[0], indicators=(
        typed, *doc.sections[0].indicators[1:])), *doc.sections[1:]))
    data = tmp_path / "typed.yaml"
    data.write_text(to_yaml(doc), encoding="utf-8")
    lines = data.read_text(encoding="utf-8").splitlines()
    result = run(runner, "generate", data, "-o", tmp_path / "out.xlsx", "--layout", LAYOUT)
    assert result.exit_code == 0
    notes = [n for n in result.stderr.splitlines() if "three-years" in n]
    assert len(notes) == 2, result.stderr
    rate_line = next(i for i, line in enumerate(lines, 1) if "rate: 91.7%" in line)
    plan_line = next(i for i, line in enumerate(lines, 1) if "target_plan: 69" in line)
    assert any(f"{rate_line}行目" in n and "「91.7%」" in n for n in notes)
    assert any(f"{plan_line}行目" in n and "計画目標値" in n for n in notes)
