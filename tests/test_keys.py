"""Field keys have one owner: sheetkit.keys builds and parses them, and no
other module writes a key's words and dots itself."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
from source_scan import docstrings

import sheetkit
from sheetkit import keys
from sheetkit import model as m
from sheetkit.loader import PERIOD_KEYS

SOURCE = Path(sheetkit.__file__).parent

# every word a key is made of: the roots, the model's field names, the data
# format's names that differ from them, and the period keys
_MODELS = (m.Chapter, m.Section, m.Indicator, m.PeriodResult, m.CitizenNeeds, m.Initiative,
           m.Challenge, m.BasicPolicy)
VOCABULARY = sorted({keys.CHAPTER, keys.SECTIONS, "target_plan", "policy", *PERIOD_KEYS,
                     *(f.name for model in _MODELS for f in dataclasses.fields(model))},
                    key=len, reverse=True)
_WORD = "(?:" + "|".join(map(re.escape, VOCABULARY)) + ")"
_HOLE = r"\{\}"
# a dot between two pieces of a key, each a {placeholder} or a key word
_JOINED = re.compile(rf"(?:{_HOLE}|(?<![\w.]){_WORD})\.(?:{_HOLE}|{_WORD}(?![\w]))")
# nothing but placeholders joined by dots: '{prefix}.{name}'
_PATH = re.compile(rf"{_HOLE}(?:\.{_HOLE})+")
# a literal naming a section by its key: 'sections.1', 'sections.'
_SECTION_LITERAL = re.compile(r"(?<![\w])sections\.(?:\d|$|\{)")
# a piece of a key glued on with +: '.indicators.', 'sections.', '.'
_GLUED = re.compile(rf"^\.$|^\.{_WORD}(?:\.|$)|(?:^|\.){_WORD}\.$")
_PATH_PIECE = (ast.Name, ast.Attribute, ast.Subscript, ast.Call)


def _fstring_text(node: ast.JoinedStr) -> tuple[str, bool]:
    """The f-string with each placeholder as {}, and whether every placeholder
    is a path piece (a name, attribute, item or call, not computed text)."""
    text, pieces = "", True
    for value in node.values:
        if isinstance(value, ast.Constant):
            text += str(value.value)
        else:
            text += "{}"
            pieces = pieces and isinstance(value.value, _PATH_PIECE)   # type: ignore[attr-defined]
    return text, pieces


def key_building(source: str) -> list[tuple[int, str]]:
    """Lines of ``source`` that build a field key with an f-string, +, % or
    str.format, or write a section key as a literal."""
    tree = ast.parse(source)
    skip = docstrings(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text, pieces = _fstring_text(node)
            worded = any(j != "{}.{}" for j in (m.group() for m in _JOINED.finditer(text)))
            if worded or (pieces and _PATH.fullmatch(text)) or _SECTION_LITERAL.search(text):
                found.append((node.lineno, f"f-string {text!r}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in skip and _SECTION_LITERAL.search(node.value):
            found.append((node.lineno, f"literal {node.value!r}"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and isinstance(side.value, str) \
                        and _GLUED.search(side.value):
                    found.append((node.lineno, f"+ {side.value!r}"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) \
                and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str) \
                and re.search(r"%[sd]\.%[sd]|%[sd]\." + _WORD, node.left.value):
            found.append((node.lineno, f"% {node.left.value!r}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Constant) \
                and isinstance(node.func.value.value, str):
            template, method = node.func.value.value, node.func.attr
            if method == "join" and template == keys.SEP:
                found.append((node.lineno, "'.'.join"))
            elif method == "format" and _JOINED.search(re.sub(r"\{[^{}]*\}", "{}", template)):
                found.append((node.lineno, f"format {template!r}"))
    return sorted(found)


def test_no_module_but_keys_builds_field_keys() -> None:
    offenders = [f"{path.name}:{line}: {what}"
                 for path in sorted(SOURCE.glob("*.py")) if path.name != "keys.py"
                 for line, what in key_building(path.read_text(encoding="utf-8"))]
    assert offenders == [], "build field keys with sheetkit.keys:\n" + "\n".join(offenders)


@pytest.mark.parametrize("planted", [
    'key = f"sections.{number}.goal"',
    'key = f"{prefix}.indicators.{index}"',
    'key = f"{key}.{period.key}"',
    'key = f"{pkey}.rate"',
    'key = f"{prefix}.{name}"',
    'key = f"{prefix}.{table}.{len(items)}"',
    'key = f"chapter.{name}"',
    'key = prefix + ".indicators." + str(index)',
    'key = "sections." + str(number)',
    'key = key + "."',
    'key = "%s.%s" % (prefix, name)',
    'key = "{}.{}".format(prefix, name)',
    'key = "{p}.actual".format(p=pkey)',
    'key = ".".join((prefix, name))',
    'where("sections.1.title")',
    'if key.startswith("sections."): pass',
])
def test_the_scan_catches_a_reintroduced_key(planted: str) -> None:
    assert key_building(planted), planted


@pytest.mark.parametrize("clean", [
    'name = f"{stem}.yaml"',
    'fmt = f"{base}.{\'0\' * places}"',
    'text = f"第{number}節"',
    'path = f"{kind}.pdf"',
    'field = get("chapter.title")',
    'def f():\n    """``sections.1.goal`` in a docstring."""',
    'key = keys.indicator(number, index, "name")',
])
def test_the_scan_leaves_other_text_alone(clean: str) -> None:
    assert key_building(clean) == [], clean


def test_keys_of_every_kind() -> None:
    assert keys.chapter_field("entry_date") == "chapter.entry_date"
    assert keys.CHAPTER_SCOPE.row("highlights", 2, "outcome") == "chapter.highlights.2.outcome"
    assert keys.section_field(3) == "sections.3"
    assert keys.section_field(3, "goal") == "sections.3.goal"
    assert keys.section(3).row("initiatives", 0, "policy") == "sections.3.initiatives.0.policy"
    assert keys.basic_policy(3, 1) == "sections.3.basic_policies.1.policy"
    assert keys.citizen_needs(3, "rank_overall") == "sections.3.citizen_needs.rank_overall"
    assert keys.indicator(3, 0) == "sections.3.indicators.0"
    assert keys.indicator(3, 0, "name") == "sections.3.indicators.0.name"
    assert keys.period(3, 1, "second_half", "actual") == \
        "sections.3.indicators.1.second_half.actual"
    assert keys.unmet_analysis(3) == "sections.3.unmet_analysis"
    assert keys.item("sections", 0) == "sections[0]"


@pytest.mark.parametrize(("key", "path", "inside"), [
    ("sections.1.citizen_needs.rank", "sections.1.citizen_needs", True),
    ("sections.1.citizen_needs", "sections.1.citizen_needs", False),     # the group itself
    ("sections.1.citizen_needs_extra", "sections.1.citizen_needs", False),
    ("sections.10.goal", "sections.1", False),
    ("sections.1.goal", "sections.1", True),
])
def test_a_key_within_a_group(key: str, path: str, inside: bool) -> None:
    assert keys.within(key, path) is inside


def test_cached_keys_and_scopes_are_the_same_as_made_anew() -> None:
    """join, parse and section are cached: the answers equal fresh ones, and
    True is not taken for 1 (nor 1 for True)."""
    assert keys.join("sections", 1, "goal") == "sections.1.goal"
    assert keys.join("sections", True, "goal") == "sections.True.goal"
    assert keys.section(2) == keys.Scope(2) and keys.section(2).root == "sections.2"
    assert keys.CHAPTER_SCOPE.root == "chapter"
    assert keys.parse("sections.2.goal") == keys.FieldKey("sections", 2, ("goal",))


@pytest.mark.parametrize(("field", "scope", "key"), [
    ("section.goal", keys.section(2), "sections.2.goal"),
    ("section.citizen_needs.request_rate", keys.section(2),
     "sections.2.citizen_needs.request_rate"),
    ("chapter.title", keys.section(2), "sections.2.chapter.title"),
    ("chapter.title", keys.CHAPTER_SCOPE, "chapter.title"),
])
def test_a_layout_field_on_its_sheet(field: str, scope: keys.Scope, key: str) -> None:
    assert keys.from_layout(field, scope) == key


@pytest.mark.parametrize(("path", "key"), [
    ("section.goal", "sections.4.goal"),
    ("section.indicators.0.first_half.target", "sections.4.indicators.0.first_half.target"),
    ("section.basic_policies.1.title", "sections.4.basic_policies.1.policy"),
    ("section.basic_policies", "sections.4.basic_policies"),
    ("section.departments.0", "sections.4.departments"),
    ("chapter.title", "sections.4.chapter.title"),
    ("plan.name", "sections.4.title"),
])
def test_a_fixed_part_points_at_its_cell(path: str, key: str) -> None:
    assert keys.from_fixed_part(path, 4) == key


def test_parse_takes_every_key_apart() -> None:
    key = keys.parse("sections.12.indicators.3.second_half.rate")
    assert (key.root, key.section, key.table, key.row, key.period, key.field) == \
        ("sections", 12, "indicators", 3, "second_half", "rate")
    assert key.is_rate and key.text == "sections.12.indicators.3.second_half.rate"
    row = keys.parse("chapter.highlights.0.outcome")
    assert (row.section, row.table, row.row, row.field, row.period) == \
        (None, "highlights", 0, "outcome", None)
    listed = keys.parse(keys.period(2, 0, "periods.3", keys.RATE))
    assert (listed.period, listed.field, listed.is_rate) == ("periods.3", "rate", True)
    assert keys.parse("sections.2.indicators.0.name").period is None
    assert not keys.parse("sections.1.citizen_needs.request_rate").is_rate
    assert keys.parse("sections.1.goal").table is None
    assert keys.parse("sections").section is None
    assert keys.parse("plan.name").root == "plan"
    assert keys.parse("").text == ""
    assert keys.parent("sections.1.goal") == "sections.1" and keys.parent("plan") == ""


def test_every_key_the_reader_records_parses_back(summary_path: Path) -> None:
    from sheetkit.reader import extract

    sources = extract(summary_path).sources
    assert "sections.1.indicators.0.second_half.actual" in sources
    assert "chapter.highlights.0.outcome" in sources
    for key in sources:
        assert keys.parse(key).text == key


@pytest.mark.parametrize("key", ["sections.1.goal", "sections.12.indicators.0.second_half.rate",
                                 "sections.3.chapter.title", "chapter.title",
                                 "chapter.highlights.0.outcome", "sections.1", "sections",
                                 "sections.x.goal", "plan.name", ""])
def test_rooted_takes_a_key_apart_as_under_puts_it_together(key: str) -> None:
    root, rest = keys.rooted(key)
    assert keys.under(root, rest) == key
    section = keys.parse(key).section
    if root:
        assert rest and section is not None and root == keys.section(section).root
    else:
        assert rest == key
