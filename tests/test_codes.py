"""Finding codes have one registry, schemas/findings.yaml read by sheetkit.codes:
every code emitted anywhere is registered, its texts live nowhere else, and
the README's tables of codes are exactly the registered rows."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
import yaml

import sheetkit
from sheetkit import codes
from sheetkit.messages import render
from sheetkit.problems import Location, Problem

SOURCE = Path(sheetkit.__file__).parent
ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RULES = ROOT / "schemas" / "rules.yaml"
CODE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")      # stable, kebab-case
_TABLE = re.compile(r"<!-- codes: (\w+) (\w+) [^>]*-->\n(.*?)\n<!-- /codes -->", re.DOTALL)

# calls that take a code, and the position of the code among their arguments
CODE_ARGUMENT = {"Problem": 0, "Finding": 0, "_finding": 1, "fail": 0, "_problem": 0,
                 "severity": 0, "template": 0, "message": 0}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def emitted_codes(source: str) -> set[str]:
    """The codes a module's source hands to Problem, Finding, the registry …,
    names as CODE = '…', or maps to from other codes (every string value of a
    dict literal that has a code among its values)."""
    found: set[str] = set()
    known = set(codes.registry().codes)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) in CODE_ARGUMENT:
            position = CODE_ARGUMENT[_name(node.func)]
            args = node.args[position:position + 1] + [k.value for k in node.keywords
                                                       if k.arg == "code"]
            found |= {a.value for a in args
                      if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and any(isinstance(t, ast.Name) and t.id.endswith("CODE") for t in node.targets):
            found.add(str(node.value.value))
        elif isinstance(node, ast.Dict):
            values = {v.value for v in node.values
                      if isinstance(v, ast.Constant) and isinstance(v.value, str)}
            if values & known:
                found |= {v for v in values if CODE.fullmatch(v)}
    return found


def test_every_code_emitted_in_the_source_is_registered() -> None:
    emitted: dict[str, str] = {}
    for path in sorted(SOURCE.glob("*.py")):
        for code in emitted_codes(path.read_text(encoding="utf-8")):
            emitted.setdefault(code, path.name)
    for table in yaml.safe_load(RULES.read_text(encoding="utf-8"))["checks"].values():
        for code in table.values():
            emitted.setdefault(code, "schemas/rules.yaml")
    assert len(emitted) > 40
    unregistered = {c: where for c, where in emitted.items() if not codes.is_registered(c)}
    assert unregistered == {}, "add these codes to schemas/findings.yaml"


def emitted_variants(source: str) -> set[tuple[str, str]]:
    """(code, variant) pairs a module's source emits with both as literals:
    Problem("code", where, {"variant": "v"}), Finding("code", …, {"variant": "v"}),
    _finding(rules, "code", …, variant="v")."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and _name(node.func) in CODE_ARGUMENT):
            continue
        position = CODE_ARGUMENT[_name(node.func)]
        code = node.args[position] if len(node.args) > position else None
        if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
            continue
        values = [k.value for k in node.keywords if k.arg == "variant"]
        for arg in node.args:
            if isinstance(arg, ast.Dict):
                values += [v for k, v in zip(arg.keys, arg.values)
                           if isinstance(k, ast.Constant) and k.value == "variant"]
        found |= {(code.value, v.value) for v in values
                  if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return found


def test_every_variant_emitted_in_the_source_is_registered() -> None:
    emitted = {pair for path in sorted(SOURCE.glob("*.py"))
               for pair in emitted_variants(path.read_text(encoding="utf-8"))}
    assert ("text-outside-input", "more") in emitted
    unknown = {(code, variant) for code, variant in emitted
               if not codes.is_registered(code) or variant not in codes.get(code).messages}
    assert unknown == set(), "add these variants to their codes in schemas/findings.yaml"


def test_the_scan_finds_a_new_variant() -> None:
    planted = 'Problem("text-outside-input", Location(), {"variant": "brand-new"})'
    assert emitted_variants(planted) == {("text-outside-input", "brand-new")}
    assert emitted_variants('_finding(rules, "missing-value", where, variant="other")') == \
        {("missing-value", "other")}


@pytest.mark.parametrize("planted", [
    'raise SheetkitError([Problem("brand-new-code", Location())])',
    'found.append(Finding("brand-new-code", "error", Location()))',
    'return _finding(rules, "brand-new-code", location)',
    'raise out.fail("brand-new-code", sheet=name)',
    'CODE = "brand-new-code"',
    'code = {"missing": "file-not-found", "other": "brand-new-code"}.get(reason)',
    'severity = codes.severity("brand-new-code")',
])
def test_the_scan_finds_a_new_code(planted: str) -> None:
    assert "brand-new-code" in emitted_codes(planted)


def test_an_unregistered_code_cannot_be_reported() -> None:
    with pytest.raises(codes.UnregisteredCode):
        codes.severity("brand-new-code")
    with pytest.raises(codes.UnregisteredCode):
        render(Problem("brand-new-code", Location()))


def test_every_entry_is_complete() -> None:
    registry = codes.registry()
    for code, entry in registry.codes.items():
        assert CODE.fullmatch(code), code
        assert entry.severity in ("error", "warning", "info"), code
        assert entry.readme["ja"].strip() and entry.readme["en"].strip(), code
        assert codes.DEFAULT in entry.messages, code
        for variant in entry.messages.values():
            assert variant["ja"].strip() and variant["en"].strip(), code
            # the same values fill both languages' templates (en may name the kind in English)
            fields = {n for _, n, _, _ in string.Formatter().parse(variant["ja"]) if n}
            en_fields = {n for _, n, _, _ in string.Formatter().parse(variant["en"]) if n}
            assert en_fields - {"expected_en"} <= fields | {"expected"}, code
        if entry.reported_as is not None:
            target, variant_name = entry.reported_as
            assert codes.is_registered(target), code
            assert codes.get(target).table == codes.FINDING_TABLE, code
            assert variant_name is None or variant_name in codes.get(target).messages, code
    assert set(registry.severity_words) == {"error", "warning", "info"}


def test_no_code_is_written_twice() -> None:
    """PyYAML keeps the last of two equal keys silently: a code added twice, or
    under both findings and commands, would lose one entry."""
    document = yaml.compose((ROOT / "schemas" / "findings.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, yaml.MappingNode)
    seen: list[str] = []
    for key, value in document.value:
        if key.value in (codes.FINDING_TABLE, codes.COMMAND_TABLE):
            assert isinstance(value, yaml.MappingNode)
            seen += [code.value for code, _ in value.value]
    assert len(seen) == len(set(seen)) == len(codes.registry().codes)


def test_the_readme_tables_are_the_registered_rows() -> None:
    """Both ways: every registered code has its row (same severity, same text),
    and every row in the README's tables is a registered code."""
    text = README.read_text(encoding="utf-8")
    tables = {(table, lang): body for table, lang, body in _TABLE.findall(text)}
    expected = {(table, lang) for table in (codes.FINDING_TABLE, codes.COMMAND_TABLE)
                for lang in ("ja", "en")}
    assert set(tables) == expected
    for (table, lang), body in tables.items():
        assert body == codes.readme_table(table, lang), (
            f"the README's {table} table ({lang}) differs from schemas/findings.yaml; "
            f"replace it with:\n{codes.readme_table(table, lang)}")
    in_readme = set(re.findall(r"^\| `([a-z0-9-]+)` \|", "\n".join(tables.values()), re.MULTILINE))
    assert in_readme == set(codes.registry().codes)


def _texts() -> list[str]:
    """Every sentence the registry holds: the codes' messages, the reasons, the
    details and the words for click's usage errors."""
    registry = codes.registry()
    texts = [t for entry in registry.codes.values() for variant in entry.messages.values()
             for t in variant.values()]
    texts += [t for entry in registry.reasons.values() for t in entry.values()]
    texts += [t for own in registry.details.values() for group in own.values()
              for entry in group.values() for t in entry.values()]
    texts += [*codes.usage_texts("ja").values(), *codes.usage_texts("en").values(),
              *(ja for _, ja in codes.usage_details())]
    return texts


def _pieces(text: str) -> list[str]:
    """The runs of a template between its placeholders and sentence ends that
    are long enough to be its own words (not a shared phrase like を書いてください。)."""
    runs = [literal for literal, _, _, _ in string.Formatter().parse(text)]
    pieces = [p.strip() for r in runs for p in re.split(r"(?<=。)|(?<=\. )", r)]
    return [p for p in pieces if len(p) >= (20 if p.isascii() else 10)]


def message_texts_in(source: str, texts: list[str]) -> list[str]:
    """The registry's texts that also appear in ``source``'s string literals."""
    literals = [n.value for n in ast.walk(ast.parse(source))
                if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    joined = "\n".join(literals)
    return sorted({p for t in texts for p in _pieces(t) if p in joined})


def test_no_module_but_the_registry_holds_message_texts() -> None:
    texts = _texts()
    assert len(texts) > 150
    copies = {path.name: found for path in sorted(SOURCE.glob("*.py"))
              if path.name != "codes.py"
              and (found := message_texts_in(path.read_text(encoding="utf-8"), texts))}
    assert copies == {}, "keep finding texts in schemas/findings.yaml"


def test_the_text_scan_finds_a_copied_message() -> None:
    planted = 'MESSAGE = "目標指標「{name}」には数値がひとつもありません。入力してください。"'
    assert message_texts_in(planted, _texts())
    assert message_texts_in('x = "The file does not exist. Check the file name."', _texts())
    assert message_texts_in('bad(f"margin は baseline: within のときだけ書けます")', _texts())


def test_severity_words_and_labels_come_from_the_registry() -> None:
    assert codes.severity_words("ja") == {"error": "エラー", "warning": "警告", "info": "情報"}
    assert codes.severity_words("en") == {"error": "error", "warning": "warning", "info": "info"}
    assert codes.label("goal") == "まちづくりの目標"
    assert codes.label("direction") == "指標のめざす方向"
    assert codes.label("direction", "challenges") == "今後の方針"
    assert codes.path_label(("indicators", "first_half", "target")) == "目標値"
    assert codes.path_label(("plan", "unlabelled")) == "unlabelled"
