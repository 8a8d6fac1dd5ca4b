"""`sheetkit template`: what a department receives."""

import openpyxl
import pytest
from conftest import DEFAULT_INPUTS, EXAMPLE, run
from openpyxl.utils.cell import range_boundaries

from sheetkit.identity import fingerprint, fixed_parts
from sheetkit.layout import load_layout
from sheetkit.writer import template_identity

NAMES = ["第1章第1節_地域コミュニティ.xlsx", "第1章第2節_市民活動.xlsx", "第1章第3節_人権尊重社会.xlsx",
         "第1章第4節_男女共同参画社会.xlsx", "第1章第5節_国際社会.xlsx"]


def test_five_workbooks(template_dir):
    assert sorted(p.name for p in template_dir.iterdir()) == NAMES


@pytest.fixture(scope="module", params=NAMES)
def book(request, template_dir):
    return openpyxl.load_workbook(template_dir / request.param)


def test_sheets_and_protection(book):
    assert book.sheetnames[:2] == ["記入要領", "提出前チェック"]   # the check right after the guide
    number = book.sheetnames[2]
    assert number.startswith("第") and number.endswith("節")
    check = book["提出前チェック"].protection       # fully locked: its cells are fixed structure
    assert check.sheet and not check.password and check.insertRows is not False
    for name in (number, "目標指標"):
        protection = book[name].protection
        assert protection.sheet and not protection.password
        # allowed to a department: resize rows, sort, filter, insert/delete rows
        assert protection.formatRows is False and protection.sort is False
        assert protection.autoFilter is False and protection.insertRows is False


def test_fixed_parts_locked_and_inputs_marked(book):
    ws = book[book.sheetnames[2]]
    goal_label = next(c for row in ws.iter_rows() for c in row if c.value == "まちづくりの目標")
    goal = ws.cell(goal_label.row, 3)
    assert goal.value and goal.protection.locked
    date_label = next(c for row in ws.iter_rows() for c in row if c.value == "記入日")
    date = ws.cell(date_label.row, 3)
    assert date.value is None and not date.protection.locked
    assert date.fill.fgColor.rgb.endswith("FFF2CC")


def test_dropdown_of_the_sections_codes(book):
    ws = book[book.sheetnames[2]]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 2                                # 取り組み and 課題 tables
    source = lists[0].formula1
    cells = ws[source.replace("$", "")]
    codes = [row[0].value for row in cells]
    assert codes and all(c.split(" ")[0].replace("‐", "-").count("-") == 2 for c in codes)
    hints = [dv for dv in ws.data_validations.dataValidation if dv.prompt]
    assert any("成果" in (dv.promptTitle or "") for dv in hints)
    # issue 10: a custom check that accepts a date and 和暦 text such as 令和元年12月20日
    # (a "date" check marks that text invalid in LibreOffice)
    dates = [dv for dv in ws.data_validations.dataValidation
             if dv.type == "custom" and 'FIND("年"' in (dv.formula1 or "")]
    assert len(dates) == 1


def test_number_validation_on_actuals(book):
    ws = book["目標指標"]
    decimals = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal"]
    assert decimals
    assert all(dv.formula1 == "0" for dv in decimals)


def test_defined_names(book):
    number = book.sheetnames[2]
    names = set(book.defined_names.keys())
    for suffix in ("取り組み", "課題", "記入日", "記入者", "目標指標", "未達成分析"):
        assert f"{number}_{suffix}" in names
    area = book.defined_names[f"{number}_取り組み"].attr_text
    assert area.startswith(f"'{number}'!$A$") and area.endswith("$L$" + area.split("$")[-1])


def test_identity(book, template_dir, example_doc):
    meta = book["_sheetkit"]
    assert meta.sheet_state == "hidden"
    rows = {r[0].value: r[1].value for r in meta.iter_rows()}
    assert rows["kind"] == "template" and rows["layout"] == "tokorozawa"
    assert rows["chapter"] == "1"
    section = example_doc.section(int(rows["section"]))
    expected = template_identity(example_doc, section, load_layout())
    assert rows["fingerprint"] == expected.fingerprint
    assert rows["fingerprint"] == fingerprint(fixed_parts(example_doc.plan, example_doc.chapter,
                                                          section, 1, False, DEFAULT_INPUTS))


def test_instructions_sheet(book):
    ws = book["記入要領"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "黄色のセル" in text and "行の挿入" in text
    assert "「提出前チェック」シート" in text and "このまま提出できます" in text
    for field in ("記入日", "記入者職氏名", "取り組み", "成果", "課題", "今後の方針"):
        assert field in text


# 所沢's 目標指標: two rows per indicator (target above actual); each period's figures
# column, then its 達成率 column
PERIOD_COLUMNS = (("F", "G"), ("I", "J"))


def rate_formulas(book, doc) -> tuple[dict[str, str], dict[str, str]]:
    """The formulas on the template's 目標指標 sheet, and those it must hold: each period an
    indicator has, its live 達成率 over its own target and actual (↘: target ÷ actual)."""
    number = int(book.sheetnames[2].removeprefix("第").removesuffix("節"))
    (_, area), = book.defined_names[f"第{number}節_目標指標"].destinations
    top = range_boundaries(area.replace("$", ""))[1]
    expected = {}
    for index, ind in enumerate(doc.section(number).indicators):
        row = top + 2 * index
        for (figures, rate), result in zip(PERIOD_COLUMNS, ind.results):
            if result is not None:
                t, a = f"{figures}{row}", f"{figures}{row + 1}"
                ratio = f"{a}/{t}" if ind.direction == "↗" else f"{t}/{a}"
                expected[f"{rate}{row}"] = f'=IFERROR(IF(OR({t}="",{a}=""),"",MIN(1,{ratio})),"")'
    found = {c.coordinate: c.value for row in book["目標指標"].iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=")}
    return found, expected


def test_rates_keep_their_formula(book, example_doc):
    found, expected = rate_formulas(book, example_doc)
    assert expected, "no indicator periods in this section"
    assert found == expected


def test_a_falling_indicator_divides_the_target_by_the_actual(example_doc, tmp_path, runner):
    from dataclasses import replace

    from sheetkit.serialize import to_yaml
    section = example_doc.sections[0]
    falling = replace(section, indicators=(replace(section.indicators[0], direction="↘"),
                                           *section.indicators[1:]))
    doc = replace(example_doc, sections=(falling, *example_doc.sections[1:]))
    data = tmp_path / "doc.yaml"
    data.write_text(to_yaml(doc), "utf-8")
    assert run(runner, "template", data, "-o", tmp_path / "out", "--section", "1").exit_code == 0
    found, expected = rate_formulas(openpyxl.load_workbook(tmp_path / "out" / NAMES[0]), doc)
    assert "MIN(1,F4/F5)" in expected["G4"] and "MIN(1,I4/I5)" in expected["J4"]
    assert found == expected


def test_fingerprint_changes_with_fixed_parts(example_doc):
    from dataclasses import replace
    section = example_doc.sections[0]
    before = fingerprint(fixed_parts(example_doc.plan, example_doc.chapter, section, 1, False,
                                     DEFAULT_INPUTS))
    edited = replace(section, goal=section.goal + "。")
    assert fingerprint(fixed_parts(example_doc.plan, example_doc.chapter, edited, 1, False,
                                     DEFAULT_INPUTS)) != before
    typed = replace(section, author="誰か")
    assert fingerprint(fixed_parts(example_doc.plan, example_doc.chapter, typed, 1, False,
                                     DEFAULT_INPUTS)) == before


def test_section_choice_and_rows(tmp_path, runner):
    result = run(runner, "template", EXAMPLE, "-o", tmp_path, "--section", "1,3", "--rows", "3")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAMES[0], NAMES[2]]
    ws = openpyxl.load_workbook(tmp_path / NAMES[0])["第1節"]
    head = next(c.row for c in ws["A"] if c.value == "取り組み")
    assert ws.cell(head + 4, 1).value == "平成23年度～平成30年度の取り組みのうち、第6次所沢市総合計画に引き継がれる課題"


def test_unknown_section(tmp_path, runner):
    result = run(runner, "template", EXAMPLE, "-o", tmp_path, "--section", "9")
    assert result.exit_code == 2 and "第9節" in result.stderr


def test_existing_templates_need_force(tmp_path, runner):
    assert run(runner, "template", EXAMPLE, "-o", tmp_path, "--section", "1").exit_code == 0
    again = run(runner, "template", EXAMPLE, "-o", tmp_path, "--section", "1")
    assert again.exit_code == 2 and "--force" in again.stderr


def test_open_citizen_needs_are_not_fixed(tmp_path, example_doc):
    from dataclasses import replace

    from filling import find_row

    from sheetkit.model import CitizenNeeds
    from sheetkit.reader import extract
    from sheetkit.writer import write_template
    section = replace(example_doc.sections[0], citizen_needs=CitizenNeeds())
    doc = replace(example_doc, sections=(section,))
    path = tmp_path / "t.xlsx"
    write_template(doc, section, load_layout(), path, 10)
    wb = openpyxl.load_workbook(path)
    ws = wb["第1節"]
    row = find_row(ws, 1, "要望率") + 1
    assert not ws.cell(row, 1).protection.locked
    ws.cell(row, 1).value = "9.3%"
    ws.cell(row, 5).value = 26
    ws.cell(row, 9).value = "1位"
    wb.save(path)
    extraction = extract(path)
    (read,) = extraction.document.sections
    assert read.citizen_needs.rank_in_chapter == 1 and read.citizen_needs.rank_overall == 26
    assert extraction.identity.open_needs
    parts = fixed_parts(doc.plan, doc.chapter, read, 1, extraction.identity.open_needs,
                        DEFAULT_INPUTS)
    assert fingerprint(parts) == extraction.identity.fingerprint
