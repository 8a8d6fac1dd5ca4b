"""提出前チェック: the sheet in every template that counts, while the department
types, what `validate` would find — and `validate` stays the authority."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from edits import MUTATIONS, edit, set_cell, set_indicator, table_row
from filling import fill, find_row, insert_rows
from recalc import SOFFICE, UNO_PYTHON, recalculated, type_in_calc

from sheetkit.a1 import split_sheet_ref
from sheetkit.grid import FAST, FULL
from sheetkit.precheck import COUNT_COL, FIRST_RULE_ROW, LINK_COL, load_precheck
from sheetkit.subjects import read_subject
from sheetkit.validate import validate_paths, validate_subjects

needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not "
                                       "installed; .ci/run installs libreoffice-calc-nogui")
RULES = load_precheck().rules
# Functions that Excel 2016 or LibreOffice 7.4 lacks (dynamic arrays, LET, LAMBDA,
# XLOOKUP, and the Excel 2019 text and logic functions).
NEWER = re.compile(r"\b(LET|LAMBDA|XLOOKUP|XMATCH|FILTER|UNIQUE|SORT|SORTBY|SEQUENCE|RANDARRAY|"
                   r"TEXTJOIN|CONCAT|IFS|SWITCH|MAXIFS|MINIFS|_xlfn\.[A-Z.]+)\(")


def template_of(folder: Path, section) -> Path:
    return folder / f"第1章第{section.number}節_{section.title}.xlsx"


def named(wb, name: str):
    """The cell a workbook-level defined name points at."""
    sheet, (row, col, _, _) = split_sheet_ref(wb.defined_names[name].attr_text)
    return wb[sheet].cell(row + 1, col + 1)


def check_sheet(path: Path) -> dict:
    """What the check sheet shows (cached or recalculated results)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["提出前チェック"]
    rows = [(rule, ws.cell(FIRST_RULE_ROW + i + 1, COUNT_COL + 1).value,
             ws.cell(FIRST_RULE_ROW + i + 1, LINK_COL + 1).value) for i, rule in enumerate(RULES)]
    section = next(n for n in wb.sheetnames if re.fullmatch(r"第\d+節", n))
    return {"total": named(wb, "提出前チェック").value, "verdict": ws["D4"].value,
            "rows": rows, "section_verdict": wb[section]["N1"].value}


def formula_counts(shown: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rule, count, _ in shown["rows"]:
        if not rule.hint:
            counts[rule.code] = counts.get(rule.code, 0) + int(count)
    return counts


def hint_count(shown: dict) -> int:
    return sum(int(count) for rule, count, _ in shown["rows"] if rule.hint)


# -- the sheet as written ----------------------------------------------------

def test_every_template_has_the_check_sheet(template_dir, example_doc):
    for section in example_doc.sections:
        wb = openpyxl.load_workbook(template_of(template_dir, section))
        assert wb.sheetnames[:3] == ["記入要領", "提出前チェック", f"第{section.number}節"]
        ws = wb["提出前チェック"]
        total = named(wb, "提出前チェック")
        assert (total.parent.title, total.coordinate) == ("提出前チェック", "C4")
        assert total.value.startswith("=SUM(")
        assert "このまま提出できます" in ws["D4"].value
        for i, rule in enumerate(RULES):
            row = FIRST_RULE_ROW + i + 1
            assert ws.cell(row, 2).value == rule.what["ja"]
            assert ws.cell(row, 5).value.startswith(rule.todo["ja"])
            count, link = ws.cell(row, COUNT_COL + 1).value, ws.cell(row, LINK_COL + 1).value
            assert count.startswith("=") and "HYPERLINK(" in link
        assert ws.cell(FIRST_RULE_ROW + len(RULES), 1).value == "ヒント"
        # 市民ニーズ is fixed in these templates: its rules are kept, hidden
        hidden = {i for i, rule in enumerate(RULES)
                  if ws.row_dimensions[FIRST_RULE_ROW + i + 1].hidden}
        assert hidden == {i for i, rule in enumerate(RULES) if rule.optional} != set()
        sheet = wb[f"第{section.number}節"]
        assert sheet["N1"].value.startswith("=HYPERLINK(\"#'提出前チェック'!A1\"")
        assert sheet["N1"].protection.locked
        # conditional formatting marks the input tables, 記入日・記入者 and each actual
        marked = {str(cf.sqref) for cf in sheet.conditional_formatting}
        first = table_row(sheet, "取り組み")
        assert f"F{first}:I{first + 9}" in marked and f"A{first}:E{first + 9}" in marked
        row = find_row(sheet, 1, "記入日")
        assert f"C{row}:E{row}" in marked and f"H{row}:L{row}" in marked
        ind = wb["目標指標"]
        marked = {str(cf.sqref) for cf in ind.conditional_formatting}
        for indicator in section.indicators:
            if indicator.results[-1] is not None:
                assert f"I{find_row(ind, 2, indicator.name) + 1}" in marked


def test_formulas_use_only_what_excel_2016_and_libreoffice_share(template_dir):
    for path in template_dir.iterdir():
        wb = openpyxl.load_workbook(path)
        formulas = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
                    if isinstance(c.value, str) and c.value.startswith("=")]
        formulas += [rule.formula[0] for ws in wb.worksheets for cf in ws.conditional_formatting
                     for rule in cf.rules]
        assert len(formulas) > 20
        for text in formulas:
            assert not NEWER.search(text.upper()), text
            assert len(text) < 8192                      # Excel's limit for one formula


def test_blank_template_carries_its_results(template_dir, example_doc):
    """Cached results are written: a spreadsheet that does not recalculate on
    opening shows them.  A blank template lacks 記入日, 記入者 and each actual."""
    for section in example_doc.sections:
        shown = check_sheet(template_of(template_dir, section))
        actuals = sum(1 for ind in section.indicators
                      if ind.results[-1] is not None and ind.results[-1].target is not None)
        assert shown["total"] == 2 + actuals
        assert shown["verdict"] == f"{2 + actuals} 件の確認が必要です"
        assert shown["section_verdict"] == f"提出前チェック：{2 + actuals} 件の確認が必要です"
        counts = {rule.twin: count for rule, count, _ in shown["rows"]}
        assert counts["blank(value)"] == 2
        links = {rule.twin: link for rule, _, link in shown["rows"]}
        row = find_row(openpyxl.load_workbook(template_of(template_dir, section))
                       [f"第{section.number}節"], 1, "記入日")
        assert links["blank(value)"] == f"第{section.number}節!C{row}"


# -- validate stays the authority ---------------------------------------------

def _precheck_cells(cells):
    """The identity sheet's record of the check sheet's formula cells, rewritten."""
    def change(wb):
        for row in wb["_sheetkit"].iter_rows():
            if row[0].value == "precheck":
                data = json.loads(row[1].value)
                data["cells"] = cells
                row[1].value = json.dumps(data, ensure_ascii=False)
    return change


@pytest.mark.parametrize("cells, code, detail", [
    (["C4", "A1", "ZZ99"], "template-modified", "提出前チェック!A1"),   # the first one missing
    (["C4", "not a cell", "A1"], "unreadable-file", None),
    (["C4", 7], "unreadable-file", None),
    ("C4", "unreadable-file", None),
    ([], None, None),
])
def test_the_recorded_check_cells_are_each_looked_at(cells, code, detail, template_dir,
                                                     example_doc, tmp_path):
    """The identity names the check sheet's formula cells (untrusted text): the
    first without a formula is the one named; a name that is no cell, a damaged file."""
    section = example_doc.sections[0]
    filled = fill(template_of(template_dir, section), tmp_path / "filled.xlsx", section)
    changed = edit(filled, tmp_path / "changed.xlsx", _precheck_cells(cells))
    for engine in (FAST, FULL):
        subject = read_subject(changed, engine)
        found = [f for f in validate_subjects([subject]).files[0].findings
                 if f.code in ("template-modified", "unreadable-file")]
        assert [f.code for f in found] == ([code] if code else []), (engine, found)
        if detail:
            assert detail in str(subject.problems[0].params), (engine, subject.problems)

def _drop_sheet(wb):
    del wb["提出前チェック"]


def _overwrite_count(wb):
    wb["提出前チェック"]["C7"] = 0                # a number typed over a count formula


def _clear_section_verdict(wb):
    wb["第1節"]["N1"] = None


@pytest.mark.parametrize("change", [_drop_sheet, _overwrite_count, _clear_section_verdict])
def test_deleting_the_check_or_its_formulas_is_template_modified(change, template_dir,
                                                                example_doc, tmp_path):
    section = example_doc.sections[0]
    filled = fill(template_of(template_dir, section), tmp_path / "filled.xlsx", section)
    broken = edit(filled, tmp_path / "broken.xlsx", change)
    for engine in (FAST, FULL):
        report = validate_subjects([read_subject(broken, engine)])
        codes = [f.code for f in report.files[0].findings]
        assert codes == ["template-modified"], (engine, codes)
    clean = validate_subjects([read_subject(filled)]).files[0].findings
    assert "template-modified" not in [f.code for f in clean]


# -- filled in LibreOffice, as a department would -------------------------------

@pytest.fixture(scope="module")
def department(template_dir, example_doc, tmp_path_factory):
    """Returns typed into templates (openpyxl as the department's hands, rows
    inserted as Excel does), then opened and recalculated in LibreOffice."""
    folder = tmp_path_factory.mktemp("department")
    sections = {s.number: s for s in example_doc.sections}
    one = sections[1]
    good = fill(template_of(template_dir, one), folder / "good.xlsx", one)

    def variant(name: str, change) -> Path:
        return edit(good, folder / f"{name}.xlsx", change)

    def inserted_without_outcome(wb):
        ws = wb["第1節"]
        first = table_row(ws, "取り組み")
        insert_rows(ws, first + 3, 2)                 # two rows inside the table
        ws.cell(first + 4, 1).value = "新しい取り組み"    # …and an initiative without outcome

    def both_missing(wb):
        for change in (set_cell("第1節", 6, "取り組み", None),
                       set_cell("第1節", 1, "課題", None, offset=1)):
            change(wb)

    returns = {
        "good": good,
        "empty-outcome": variant("empty-outcome", set_cell("第1節", 6, "取り組み", None)),
        "about-60": variant("about-60", set_indicator("自治会・町内会への加入率", 9, "約60",
                                                      lower=True)),
        "inserted": variant("inserted", inserted_without_outcome),
        "both-missing": variant("both-missing", both_missing),
    }
    for section in example_doc.sections[1:]:
        returns[f"section-{section.number}"] = fill(
            template_of(template_dir, section), folder / f"section-{section.number}.xlsx",
            section, date_as_text=section.number == 2, numbers_as_text=section.number == 3)
    returns |= _corpus(good, folder)
    returns |= _open_needs(one, example_doc, folder)
    names = list(returns)
    done = recalculated([returns[n] for n in names], folder / "lo")
    return {n: (returns[n], after) for n, after in zip(names, done)}


def _corpus(good: Path, folder: Path) -> dict[str, Path]:
    """Returns with one problem each, of every code the sheet counts, some that
    look wrong but are not, and test_validate's one mutation per finding code."""
    ind = "自治会・町内会への加入率"           # unit ％
    changes = {
        "outcome-dash": set_cell("第1節", 6, "取り組み", "－"),
        "outcome-only": set_cell("第1節", 1, "取り組み", None, offset=2),
        "outcome-spaces": set_cell("第1節", 6, "取り組み", "　 "),
        "direction-dash": set_cell("第1節", 6, "課題", "－"),
        "challenge-only": set_cell("第1節", 1, "課題", None),
        "no-date": set_cell("第1節", 3, "記入日", None),
        "no-author": set_cell("第1節", 8, "記入日", None),
        "date-as-wareki-text": set_cell("第1節", 3, "記入日", "令和元年12月20日"),
        "date-as-r-text": set_cell("第1節", 3, "記入日", "R1.12.20"),
        "date-as-western-text": set_cell("第1節", 3, "記入日", "2019/12/20"),
        "date-words": set_cell("第1節", 3, "記入日", "12月の末ごろ"),
        "date-dash": set_cell("第1節", 3, "記入日", "－"),
        "impossible-date": set_cell("第1節", 3, "記入日", "令和7年2月30日"),
        "no-actual": set_indicator(ind, 9, None, lower=True),
        "negative": set_indicator(ind, 9, -5, lower=True),
        "over-100-percent": set_indicator(ind, 9, 120, lower=True),
        "over-100-not-percent": set_indicator("地域づくり協議会により実施された事業数", 9, 120,
                                              lower=True),
        "full-width-number": set_indicator(ind, 9, "６１．９", lower=True),
        "number-with-unit": set_indicator(ind, 9, "61.9％", lower=True),
        "text-over-100": set_indicator(ind, 9, "１２０", lower=True),
    }
    changes |= {f"validate-{code}": change for code, change in MUTATIONS.items()}
    return {name: edit(good, folder / f"{name}.xlsx", change) for name, change in changes.items()}


def _open_needs(section, doc, folder: Path) -> dict[str, Path]:
    """A template whose 市民ニーズ the department fills in (the base left it
    empty), blank and filled with good and bad 要望率 and ranks."""
    from dataclasses import replace

    from sheetkit.layout import load_layout
    from sheetkit.model import CitizenNeeds
    from sheetkit.writer import write_template

    open_section = replace(section, citizen_needs=CitizenNeeds())
    blank = folder / "needs-blank.xlsx"
    write_template(replace(doc, sections=(open_section,)), open_section, load_layout(), blank, 10)
    filled = fill(blank, folder / "needs-filled.xlsx", section)

    def needs(rate, overall, in_chapter):
        def change(wb):
            ws = wb["第1節"]
            row = find_row(ws, 1, "要望率") + 1
            for col, value in ((1, rate), (5, overall), (9, in_chapter)):
                ws.cell(row, col).value = value
        return change

    cases = {"needs-good": needs("9.3%", 26, "1位"), "needs-rate-words": needs("約9%", 26, 1),
             "needs-rate-without-percent": needs("9.3", 26, 1),
             "needs-negative-rate": needs("-5%", 26, 1),
             "needs-rank-fraction": needs(0.093, 1.5, 1),
             "needs-rank-zero": needs(0.093, 26, 0), "needs-rank-words": needs(0.093, "上位", "1位")}
    return {"needs-blank": blank} | {name: edit(filled, folder / f"{name}.xlsx", change)
                                     for name, change in cases.items()}


@needs_libreoffice
def test_open_citizen_needs_are_checked(department):
    """Where the template leaves 市民ニーズ to the department, its 要望率 and ranks
    are checked too; the blank one's cached results are what Calc computes."""
    before, after = department["needs-blank"]
    assert check_sheet(after) == check_sheet(before)
    ws = openpyxl.load_workbook(before)["提出前チェック"]
    assert not any(ws.row_dimensions[FIRST_RULE_ROW + i + 1].hidden for i in range(len(RULES)))
    assert check_sheet(department["needs-good"][1])["total"] == 0
    for name in ("needs-rate-words", "needs-rate-without-percent", "needs-negative-rate",
                 "needs-rank-fraction", "needs-rank-zero", "needs-rank-words"):
        assert formula_counts(check_sheet(department[name][1])).get("invalid-value") == 1, name


@needs_libreoffice
def test_one_empty_outcome_counts_one_and_names_its_cell(department):
    before, after = department["empty-outcome"]
    wb = openpyxl.load_workbook(after, data_only=True)
    assert named(wb, "提出前チェック").value == 1
    shown = check_sheet(after)
    rule, count, link = shown["rows"][0]
    assert (rule.code, count) == ("missing-outcome", 1)
    (finding,) = [f for f in validate_paths([before])[0].files[0].findings
                  if f.code == "missing-outcome"]
    assert link == f"{finding.location.sheet}!{finding.location.cell}" == "第1節!F12"
    assert shown["verdict"] == "1 件の確認が必要です"
    assert shown["section_verdict"] == "提出前チェック：1 件の確認が必要です"


@needs_libreoffice
def test_about_60_as_an_actual_is_counted(department):
    _, after = department["about-60"]
    shown = check_sheet(after)
    assert shown["total"] >= 1
    invalid = next((count, link) for rule, count, link in shown["rows"]
                   if rule.code == "invalid-value")
    assert invalid == (1, "目標指標!I5")


@needs_libreoffice
def test_a_correctly_filled_section_can_be_sent(department):
    before, after = department["good"]
    assert not validate_paths([before])[0].files[0].fails("error")
    shown = check_sheet(after)
    assert shown["total"] == 0
    assert shown["verdict"] == "このまま提出できます"
    assert shown["section_verdict"] == "提出前チェック：このまま提出できます"
    assert all(link in (None, "") for rule, _, link in shown["rows"] if not rule.hint)


@needs_libreoffice
def test_rows_inserted_in_a_table_are_checked(department):
    before, after = department["inserted"]
    shown = check_sheet(after)
    (finding,) = [f for f in validate_paths([before])[0].files[0].findings
                  if f.code == "missing-outcome"]
    assert shown["rows"][0][1:] == (1, f"第1節!{finding.location.cell}")


@needs_libreoffice
def test_the_first_offending_cell_is_the_missing_one(department):
    shown = check_sheet(department["both-missing"][1])
    links = {rule.code: link for rule, _, link in shown["rows"]}
    assert links["missing-outcome"] == "第1節!F12"       # the 成果 of the first row
    assert links["missing-direction"].startswith("第1節!A")  # the 課題 whose 方針 is alone


# Where the formulas and validate may differ, on purpose:
# - 和暦 text is judged by its form: a day that does not exist (令和7年2月30日)
#   is counted by validate only;
# - the unmet-indicator hint looks for the indicator's exact name, validate also
#   accepts close wording (自治会・町内会の加入率 for 自治会・町内会への加入率), so
#   the hint counts at least what validate finds, and is not in the total.
VALIDATE_ONLY = {"impossible-date": "invalid-date", "validate-invalid-date": "invalid-date"}
COUNTED = ("missing-outcome", "missing-direction", "missing-value", "invalid-date",
           "invalid-value")
# The sheet counts problems of the cells a department types.  validate also
# reports what follows from them or is not the department's to fix, which the
# sheet does not count: the 達成率 of a negative actual (it is negative too), and
# an indicator of the planning office's data without any figures.
INPUTS = re.compile(r"\.(entry_date|author|(initiatives|carried_over)\.\d+\.\w+"
                    r"|indicators\.\d+\.second_half\.actual|citizen_needs\.\w+)$")


@needs_libreoffice
def test_formula_counts_agree_with_validate(department):
    paths = [before for before, _ in department.values()]
    report, _ = validate_paths(paths)
    checked = 0
    for (name, (_, after)), file in zip(department.items(), report.files):
        found: dict[str, int] = {}
        unmet = 0
        for f in file.findings:
            if f.code in COUNTED and INPUTS.search(f.location.field or ""):
                found[f.code] = found.get(f.code, 0) + 1
            unmet += f.code == "unmet-not-analyzed"
        shown = check_sheet(after)
        counts = {code: n for code, n in formula_counts(shown).items() if n}
        if name in VALIDATE_ONLY:
            code = VALIDATE_ONLY[name]
            assert found.pop(code) == 1 and code not in counts, name
        assert counts == found, name
        assert shown["total"] == sum(found.values()), name
        assert hint_count(shown) >= unmet, name
        checked += 1
    assert checked == len(department) > 25


@needs_libreoffice
def test_blank_templates_show_what_libreoffice_computes(template_dir, tmp_path):
    """The cached results written with each formula are the ones LibreOffice
    gets when it recalculates the blank template."""
    blanks = sorted(template_dir.iterdir())
    for blank, after in zip(blanks, recalculated(blanks, tmp_path)):
        assert check_sheet(after) == check_sheet(blank), blank.name


@needs_libreoffice
def test_the_check_sheet_prints_readably(department, tmp_path):
    """One filled template's check sheet, printed to PDF, says what to do."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    import subprocess

    _, after = department["empty-outcome"]
    wb = openpyxl.load_workbook(after)
    for name in wb.sheetnames:
        if name != "提出前チェック":
            wb[name].sheet_state = "hidden"
    wb.active = wb.sheetnames.index("提出前チェック")
    only = tmp_path / "check.xlsx"
    wb.save(only)
    (pdf,) = recalculated([only], tmp_path / "pdf", to="pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for words in ("提出前チェック", "1 件の確認が必要です", "第1節!F12", "成果を"):
        assert words in text


# -- typed in LibreOffice Calc, with its default settings ----------------------



@pytest.mark.skipif(UNO_PYTHON is None, reason="LibreOffice's Python bridge (python3-uno) is "
                    "not installed; .ci/run installs it")
def test_typing_in_libreoffice_updates_the_check(template_dir, example_doc, tmp_path):
    """Calc does not recalculate an .xlsx on loading by default: the counts must
    follow what is typed, as the department types it."""

    section = example_doc.sections[0]
    template = template_of(template_dir, section)
    wb = openpyxl.load_workbook(template)
    ws, ind = wb["第1節"], wb["目標指標"]
    first = table_row(ws, "取り組み")
    date_row = find_row(ws, 1, "記入日")
    actuals = [find_row(ind, 2, i.name) + 1 for i in section.indicators
               if i.results[-1] is not None and i.results[-1].target is not None]
    show = [["show"]]
    steps = [*show,
             ["text", "第1節", f"A{first}", "取り組み"], *show,
             ["text", "第1節", f"F{first}", "成果"],
             ["number", "第1節", f"C{date_row}", 43819],       # 2019-12-20, typed as a date
             ["text", "第1節", f"H{date_row}", "市民部次長 所沢太郎"],
             *(["number", "目標指標", f"I{row}", 50] for row in actuals), *show,
             ["text", "目標指標", f"I{actuals[0]}", "約60"], *show,
             ["number", "目標指標", f"I{actuals[0]}", 50],
             ["insert", "第1節", first + 2, 2],
             ["text", "第1節", f"A{first + 3}", "挿入した行の取り組み"], *show]
    shown, stderr = type_in_calc(template, steps, tmp_path)
    assert len(shown) == 5, stderr
    blank, typed_one, complete, about_60, inserted = shown
    assert blank["total"] == check_sheet(template)["total"] == 2 + len(actuals)
    assert typed_one["rows"][0] == [1, f"第1節!F{first}"]             # the 成果 is missing
    assert complete["total"] == 0 and complete["verdict"] == "このまま提出できます"
    assert complete["section_verdict"] == "提出前チェック：このまま提出できます"
    assert about_60["total"] >= 1 and about_60["rows"][5] == [1, f"目標指標!I{actuals[0]}"]
    assert inserted["rows"][0] == [1, f"第1節!F{first + 3}"]           # a row Calc inserted
    assert inserted["verdict"] == "1 件の確認が必要です"
