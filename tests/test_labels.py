"""A 章 and a 節 have one name: sheetkit.labels writes 第1章, 第3節 (and their
English forms), and no other module builds such a label itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, run
from source_scan import docstrings

import sheetkit
from sheetkit import labels
from sheetkit import model as m
from sheetkit.loader import load_document
from sheetkit.overview import ChapterLink, overview_text
from sheetkit.rating_schemes import load_scheme
from sheetkit.ratings import tally

SOURCE = Path(sheetkit.__file__).parent
SHISAKU = ROOT / "examples" / "shisaku-hyoka-sample.yaml"
HOLE = "\0"                  # a computed piece of a string (an f-string's {…}, a + operand)
# 第 before a computed number, a computed number before 章/節, a %-template's or
# a str.format template's 第{}章, and the English "Chapter {n}" / "Section {n}"
_LABEL = re.compile(rf"第{HOLE}|{HOLE}[章節]|第(?:%[sd]|\{{[^{{}}]*\}})[章節]"
                    rf"|\b(?:Chapter|Section|chapter|section) {HOLE}(?!\w)"
                    r"|\b(?:Chapter|Section) (?:%[sd]|\{[^{}]*\})")


def _text(node: ast.expr, used: set[int]) -> str:
    """A string expression with each computed piece as HOLE: an f-string, a
    chain of +, or a literal; ``used`` gathers the nodes read into it."""
    used.add(id(node))
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else HOLE
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v, used) if isinstance(v, ast.Constant) else HOLE
                       for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left, used) + _text(node.right, used)
    used.discard(id(node))
    return HOLE


def label_building(source: str) -> list[tuple[int, str]]:
    """Lines of ``source`` that build a 第N章 / 第N節 label (or Chapter N) by
    hand: an f-string, a + chain, a literal template for % or str.format."""
    tree = ast.parse(source)
    used = docstrings(tree)         # docstrings, and pieces of a larger string already read
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in used:
            continue
        if isinstance(node, (ast.JoinedStr, ast.Constant)) or (
                isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
            text = _text(node, used)
            if _LABEL.search(text):
                found.append((node.lineno, repr(text.replace(HOLE, "{…}"))))
    return sorted(found)


def test_no_module_but_labels_names_a_chapter_or_section() -> None:
    offenders = [f"{path.name}:{line}: {what}"
                 for path in sorted(SOURCE.glob("*.py")) if path.name != "labels.py"
                 for line, what in label_building(path.read_text(encoding="utf-8"))]
    assert offenders == [], ("name a 章 or 節 with sheetkit.labels (chapter_name, "
                             "section_name, place_name …):\n" + "\n".join(offenders))


@pytest.mark.parametrize("planted", [
    'text = f"第{number}節"',
    'text = f"第{doc.chapter.number}章「{title}」"',
    'text = f"{chapter}章第{number}"',
    'text = f"{plan} 第{\'、\'.join(numbers)}章"',
    'text = "第" + str(number) + "章"',
    'text = prefix + "第" + str(n) + "節"',
    'text = "第%d節" % number',
    'text = "第{}章".format(number)',
    'TEMPLATE = "第{chapter}章"',
    'text = f"Chapter {chapter}: {title}"',
    'text = f"section {number}"',
    'text = "Section %d" % number',
])
def test_the_scan_catches_a_label_built_by_hand(planted: str) -> None:
    assert label_building(planted), planted


@pytest.mark.parametrize("clean", [
    'heads = ("章", "節", "節の名称")',
    'text = f"{labels.chapter_name(n)}「{title}」"',
    'text = f"{name}の節"',
    'text = f"{count} sections"',
    'def f():\n    """第{n}節 in a docstring."""',
    'text = "章・節"',
])
def test_the_scan_leaves_other_text_alone(clean: str) -> None:
    assert label_building(clean) == [], clean


def test_names_in_both_languages() -> None:
    assert (labels.chapter_name(2), labels.section_name(3)) == ("第2章", "第3節")
    assert (labels.chapter_name(2, "en"), labels.section_name(3, "en")) == \
        ("Chapter 2", "Section 3")
    assert labels.place_name(2, 3) == "第2章第3節"
    assert labels.place_name(2, 3, "en") == "Chapter 2, section 3"
    assert labels.chapters_name((1, 2)) == "第1、2章"
    assert labels.chapters_name((1, 2), "en") == "Chapters 1, 2"


def test_a_period_prints_its_years_once_when_it_is_one_year() -> None:
    years = m.Period("second_half", "後期基本計画", "H27", "H30")
    one = m.Period("periods.4", "令和7年度", "R7", "R7")
    assert labels.period_title(years) == "後期基本計画（平成27年度～平成30年度）"
    assert labels.period_title(one) == "令和7年度"
    assert labels.period_title(one, str) == "令和7年度"
    assert labels.period_title(m.Period("periods.0", "初年度", "R3", "R3")) == "初年度（令和3年度）"
    assert labels.period_span(one) == "令和7年度"


def test_a_one_year_period_is_named_once_on_the_rating_sheet_csv_and_overview(
        runner, tmp_path) -> None:
    out, data, table = tmp_path / "施策評価.xlsx", tmp_path / "data.yaml", tmp_path / "指標.csv"
    result = run(runner, "generate", SHISAKU, "--layout", "shisaku-hyoka", "-o", out)
    assert result.exit_code == 0, result.output
    texts = [str(c.value) for row in openpyxl.load_workbook(out)["達成状況"].iter_rows()
             for c in row if isinstance(c.value, str)]
    assert any("令和7年度" in t for t in texts)
    assert not [t for t in texts if "令和7年度～令和7年度" in t or "令和3年度（令和3年度" in t]
    result = run(runner, "merge", out, "--base", SHISAKU, "--layout", "shisaku-hyoka",
                 "-o", tmp_path / "merged.xlsx", "--csv", table, "--data", data)
    lines = table.read_text(encoding="utf-8-sig").splitlines()
    assert any(",令和7年度,実績値," in line for line in lines), lines[:3]
    assert not any("R7～R7" in line for line in lines)
    doc = load_document(SHISAKU)
    scheme = load_scheme()
    text = overview_text(doc.plan.name, [ChapterLink(tally(doc, 4, scheme), "x.pdf")], scheme)
    assert "令和7年度に評価できた" in text and "令和7年度（" not in text
