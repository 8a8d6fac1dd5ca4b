"""The layout's ``input:`` flags are the one source of who fills what: the
blank template, the fixed parts and their fingerprint, what merge takes from
a return and what template-modified compares all follow them, and no Python
module lists the fields departments fill in."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE, ROOT, run
from filling import fill, find_row

from sheetkit import keys
from sheetkit import model as m
from sheetkit.collect import merge_keeps
from sheetkit.labels import defined_name
from sheetkit.layout import Inputs, load_layout
from sheetkit.loader import load_document
from sheetkit.serialize import to_yaml
from sheetkit.subjects import Subject

SRC = ROOT / "src" / "sheetkit"
SENT_OUT = ROOT / "tests" / "golden" / "sent-out"
EXAMPLES = {"tokorozawa": EXAMPLE,
            "shisaku-hyoka": ROOT / "examples" / "shisaku-hyoka-sample.yaml"}
# where each bundled layout places the goal (まちづくりの目標 / 施策の目的) and the author
GOAL = {"tokorozawa": '{span: "C:L", field: section.goal, style: value}',
        "shisaku-hyoka": '{span: "C:S", field: section.goal, style: value, lines: 2}'}
AUTHOR = "field: section.author, style: value, input: true, name: 記入者,"
WRITTEN = "各課が書き直した目標"
TYPED_AUTHOR = "各課が書き換えた記入者"
# the modules that decide who fills what
WHO_FILLS_WHAT = ("identity", "merge", "collect", "reader", "base_check", "validate")
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*")     # a field or a key, not prose


def layout_copy(folder: Path, name: str, old: str, new: str) -> Path:
    """The bundled layout ``name`` saved as the office's own file, with one edit."""
    text = (ROOT / "templates" / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = folder / f"{name}-own.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def template_of(runner, folder: Path, name: str, layout: Path) -> Path:  # type: ignore[no-untyped-def]
    """The first section's template under ``layout``."""
    out = folder / "tpl"
    result = run(runner, "template", EXAMPLES[name], "-o", out, "--section", "1",
                 "--layout", layout)
    assert result.exit_code == 0, result.output
    (template,) = out.iterdir()
    return template


def findings(result) -> list[dict]:  # type: ignore[no-untyped-def]
    return [f for file in json.loads(result.stdout)["files"] for f in file["findings"]]


def codes_of(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {f["code"] for f in findings(result)}


def named_cell(book: openpyxl.Workbook, name: str) -> openpyxl.cell.Cell:
    from sheetkit.a1 import split_sheet_ref
    sheet, (row, col, _, _) = split_sheet_ref(book.defined_names[name].attr_text)
    return book[sheet].cell(row + 1, col + 1)


def merged(runner, folder: Path, returned: Path, name: str, layout: Path,  # type: ignore[no-untyped-def]
           *extra: str) -> m.Section:
    result = run(runner, "merge", returned, "--base", EXAMPLES[name], "-o", folder / "m.xlsx",
                 "--data", folder / "m.yaml", "--layout", layout, *extra)
    assert (folder / "m.yaml").exists(), result.output
    section = load_document(folder / "m.yaml").section(1)
    assert section is not None
    return section


def test_the_bundled_layouts_say_who_fills_what():
    assert load_layout("tokorozawa").inputs == Inputs(
        always=("entry_date", "author", "unmet_analysis"),
        when_empty=("citizen_needs.request_rate", "citizen_needs.rank_overall",
                    "citizen_needs.rank_in_chapter"),
        tables=("initiatives", "carried_over"),
        shown=("number", "title", "goal", "departments", "citizen_needs", "entry_date",
               "author", "basic_policies", "initiatives", "carried_over", "indicators",
               "unmet_analysis"))
    shisaku = load_layout("shisaku-hyoka").inputs
    assert set(shisaku.always) == {"unmet_analysis", "evaluation", "evaluation_reason",
                                   "entry_date", "author"}
    assert (shisaku.when_empty, set(shisaku.tables)) == ((), {"projects", "carried_over"})
    assert "goal" in shisaku.shown and "initiatives" not in shisaku.shown


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_goal_marked_as_input_is_the_departments(runner, tmp_path, name):
    """Marking the goal ``input: true`` makes its cell an input on the template;
    the department's goal is then no change to the template, and is merged."""
    old = GOAL[name]
    layout_path = layout_copy(tmp_path, name, old,
                              old[:-1] + ", input: true, name: 目標, hint: 目標を書いてください}")
    layout = load_layout(str(layout_path))
    assert "goal" in layout.inputs.always
    template = template_of(runner, tmp_path, name, layout_path)
    blank = openpyxl.load_workbook(template)
    sheet = next(s for s in blank.sheetnames if defined_name(s, "目標") in blank.defined_names)
    cell = named_cell(blank, defined_name(sheet, "目標"))
    assert cell.value is None and not cell.protection.locked
    assert cell.fill.fgColor.rgb.endswith(layout.input_fill.lstrip("#").upper())
    (tmp_path / "returns").mkdir()
    section = replace(load_document(EXAMPLES[name]).sections[0], goal=WRITTEN)
    returned = fill(template, tmp_path / "returns" / template.name, section, layout=layout)
    assert named_cell(openpyxl.load_workbook(returned), defined_name(sheet, "目標")).value \
        == WRITTEN
    alone = run(runner, "validate", returned, "--format", "json", "--layout", layout_path)
    assert "template-modified" not in codes_of(alone), alone.stdout
    with_base = run(runner, "validate", returned, "--base", EXAMPLES[name], "--format", "json",
                    "--layout", layout_path)
    assert not {"template-modified", "base-mismatch"} & codes_of(with_base), with_base.stdout
    assert merged(runner, tmp_path, returned, name, layout_path).goal == WRITTEN


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_field_no_longer_input_is_fixed(runner, tmp_path, name):
    """Without ``input:``, the 記入者 the department used to fill is a fixed part:
    the template shows the plan's, locked; an edit is template-modified, and
    merge keeps the plan's."""
    layout_path = layout_copy(tmp_path, name, AUTHOR, AUTHOR.replace(" input: true,", ""))
    layout = load_layout(str(layout_path))
    assert "author" not in layout.inputs.always
    base_author = load_document(EXAMPLES[name]).sections[0].author
    assert base_author
    template = template_of(runner, tmp_path, name, layout_path)
    (tmp_path / "returns").mkdir()
    returned = fill(template, tmp_path / "returns" / template.name,
                    load_document(EXAMPLES[name]).sections[0], layout=layout)
    book = openpyxl.load_workbook(returned)
    (cell,) = [c for ws in book for row in ws.iter_rows() for c in row if c.value == base_author]
    assert cell.protection.locked                 # kept from the plan, not left blank
    clean = run(runner, "validate", returned, "--format", "json", "--layout", layout_path)
    assert "template-modified" not in codes_of(clean), clean.stdout
    cell.value = TYPED_AUTHOR
    book.save(returned)
    edited = run(runner, "validate", returned, "--format", "json", "--layout", layout_path)
    modified = [f for f in findings(edited) if f["code"] == "template-modified"]
    assert len(modified) == 1 and modified[0]["value"] == TYPED_AUTHOR, edited.stdout
    assert "記入者" in modified[0]["message"]
    assert merged(runner, tmp_path, returned, name, layout_path,
                  "--allow-invalid").author == base_author


def test_only_the_empty_part_of_a_when_empty_group_is_the_departments(runner, tmp_path):
    """要望率 given by the office, the ranks left open: the department fills the
    ranks, and that is no change to the template; the 要望率 stays the office's."""
    doc = load_document(EXAMPLE)
    one = replace(doc.sections[0], citizen_needs=m.CitizenNeeds(m.Rate(Decimal("0.093"))))
    base = tmp_path / "base.yaml"
    base.write_text(to_yaml(replace(doc, sections=(one,))), encoding="utf-8")
    assert run(runner, "template", base, "-o", tmp_path / "tpl").exit_code == 0
    (template,) = (tmp_path / "tpl").iterdir()
    (tmp_path / "returns").mkdir()
    path = fill(template, tmp_path / "returns" / template.name, one)
    book = openpyxl.load_workbook(path)
    ws = book["第1節"]
    row = find_row(ws, 1, "要望率") + 1
    assert ws.cell(row, 1).protection.locked and not ws.cell(row, 5).protection.locked
    ws.cell(row, 5).value, ws.cell(row, 9).value = 12, 3
    book.save(path)
    checked = run(runner, "validate", path, "--format", "json")
    assert "template-modified" not in codes_of(checked), checked.stdout
    ws.cell(row, 1).value = "9.9%"                # the office's 要望率 is not theirs
    book.save(path)
    assert "template-modified" in codes_of(run(runner, "validate", path, "--format", "json"))
    ws.cell(row, 1).value = 0.093
    book.save(path)
    run(runner, "merge", tmp_path / "returns", "--base", base, "-o", tmp_path / "m.xlsx",
        "--data", tmp_path / "m.yaml", "--allow-invalid")
    needs = load_document(tmp_path / "m.yaml").section(1).citizen_needs
    assert (needs.request_rate, needs.rank_overall, needs.rank_in_chapter) == \
        (m.Rate(Decimal("0.093")), 12, 3)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_templates_sent_out_before_still_validate(runner, tmp_path, name):
    """Section 1's template as sheetkit made it before the input flags decided
    what is fixed (tests/golden/sent-out, made by e87f258): filled in, it is no
    change to the template; an edited fixed part still is."""
    section = load_document(EXAMPLES[name]).sections[0]
    returned = fill(SENT_OUT / f"{name}-1.xlsx", tmp_path / f"{name}-1.xlsx", section)
    clean = run(runner, "validate", returned, "--format", "json")
    assert "template-modified" not in codes_of(clean), clean.stdout
    with_base = run(runner, "validate", returned, "--base", EXAMPLES[name], "--format", "json")
    assert not {"template-modified", "base-mismatch"} & codes_of(with_base), with_base.stdout
    book = openpyxl.load_workbook(returned)
    (cell,) = [c for ws in book for row in ws.iter_rows() for c in row if c.value == section.goal]
    cell.value = WRITTEN
    book.save(returned)
    edited = run(runner, "validate", returned, "--format", "json")
    assert [f["value"] for f in findings(edited) if f["code"] == "template-modified"] == [WRITTEN]


def test_a_part_the_sheet_does_not_show_is_not_fixed(runner, tmp_path):
    """A 施策評価シート shows no 基本方針: a plan that has them still gives a
    template whose return is no change to it (they are not its fixed parts)."""
    doc = load_document(EXAMPLES["shisaku-hyoka"])
    one = replace(doc.sections[0], basic_policies=(m.BasicPolicy("1-1-1", "子育ての支援"),))
    base = tmp_path / "base.yaml"
    base.write_text(to_yaml(replace(doc, sections=(one,))), encoding="utf-8")
    assert run(runner, "template", base, "-o", tmp_path / "tpl",
               "--layout", "shisaku-hyoka").exit_code == 0
    (template,) = (tmp_path / "tpl").iterdir()
    returned = fill(template, tmp_path / template.name, one)
    checked = run(runner, "validate", returned, "--format", "json")
    assert "template-modified" not in codes_of(checked), checked.stdout


@pytest.mark.parametrize(("input_", "kept"), [("true", False), ("false", True)])
def test_merge_keeps_the_places_of_what_is_not_an_input_table(tmp_path, input_, kept):
    path = layout_copy(tmp_path, "tokorozawa", "      name: 取り組み\n      input: true\n",
                       f"      name: 取り組み\n      input: {input_}\n")
    subject = Subject("x.xlsx", "template", layout=load_layout(str(path)))
    assert merge_keeps(subject, "sections.1.initiatives.0.outcome") is kept
    assert merge_keeps(subject, "sections.1.carried_over.0.direction") is False
    assert merge_keeps(subject, "sections.1.goal") is True


# -- No Python module lists input fields ------------------------------------

def input_words() -> set[str]:
    """Every word of every path some bundled layout marks as the departments'."""
    words: set[str] = set()
    for name in EXAMPLES:
        inputs = load_layout(name).inputs
        for path in (*inputs.always, *inputs.when_empty, *inputs.tables):
            words |= set(keys.split(path))
    return words


def _is_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) \
        and KEY.fullmatch(node.value) is not None


def _labels(tree: ast.AST) -> set[int]:
    """The texts of lists that hold words for people (a table's column headers
    such as ('section', 'author', 'entry date')), not keys: ids of their nodes."""
    return {id(item) for node in ast.walk(tree) if isinstance(node, ast.Tuple | ast.List)
            and any(isinstance(e, ast.Constant) and isinstance(e.value, str) and not _is_key(e)
                    for e in node.elts)
            for item in node.elts}


def listed_inputs(source: str, words: set[str]) -> list[tuple[int, str]]:
    """Where ``source`` names an input field by itself: a text that is one (or
    a key with one in it: 'section.author'), a keyword argument
    (``replace(s, author=None)``), or a ``keys`` constant that holds one."""
    found = []
    tree = ast.parse(source)
    labels = _labels(tree)
    for node in ast.walk(tree):
        if _is_key(node) and id(node) not in labels \
                and words & set(keys.split(node.value)):  # type: ignore[attr-defined]
            found.append((node.lineno, repr(node.value)))
        elif isinstance(node, ast.keyword) and node.arg in words:
            found.append((node.value.lineno, f"{node.arg}="))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "keys" and getattr(keys, node.attr, None) in words:
            found.append((node.lineno, f"keys.{node.attr}"))
    return found


def test_the_scan_finds_a_list_of_input_fields():
    words = input_words()
    assert {"entry_date", "author", "initiatives", "citizen_needs", "projects"} <= words
    listed = '''
for key in ("entry_date", "author"):
    data.pop(key)
blank = replace(section, unmet_analysis=None)
needs = data.get(keys.CITIZEN_NEEDS)
keep = parsed.table not in ("sections.1.initiatives",)
'''
    assert [line for line, _ in listed_inputs(listed, words)] == [2, 2, 4, 5, 6]
    assert listed_inputs("replace(section, goal=None, indicators=())", words) == []
    assert listed_inputs('Table("t", ("section", "author", "entry date"))', words) == []


@pytest.mark.parametrize("module", WHO_FILLS_WHAT)
def test_no_python_module_lists_input_fields(module):
    """Who fills what comes from the layout's input flags only (Layout.inputs):
    the modules that blank templates, fix their parts, merge returns and read
    sheets never name a field departments fill in."""
    path = SRC / f"{module}.py"
    assert listed_inputs(path.read_text(encoding="utf-8"), input_words()) == [], path
