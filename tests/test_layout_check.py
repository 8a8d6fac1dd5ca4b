"""Layouts are checked on load: keys against schemas/layout.yaml, fields and
tables against the document model, styles, where input: may stand and the
order blocks need.  A mistake is layout-invalid with the file, the line, the
layout path and the nearest known name; a layout with one is never used."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLE, ROOT, run
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from sheetkit import codes
from sheetkit import layout as layout_module
from sheetkit.layout_check import check_layout, expected_kind, layout_schema
from sheetkit.loader import parse_text
from sheetkit.messages import LANGS, line

SCHEMA = ROOT / "schemas" / "layout.yaml"
CHECKER = ROOT / "src" / "sheetkit" / "layout_check.py"
# every layout in the repository that is meant to be used
VALID = sorted([*(ROOT / "templates").glob("*.yaml"), *(ROOT / "tests" / "layouts").glob("*.yaml")])
TOKOROZAWA = ROOT / "templates" / "tokorozawa.yaml"
SHISAKU = ROOT / "templates" / "shisaku-hyoka.yaml"


def problems_of(text: str, label: str = "mine.yaml"):
    return check_layout(parse_text(text, label), label)


def changed(path: Path, old: str, new: str, count: int = 1) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, count)


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def only(text: str) -> tuple[str, int | None, str, dict[str, str]]:
    """The one problem of a layout's text: variant, line, layout path, params."""
    found = problems_of(text)
    assert len(found) == 1, [line(p) for p in found]
    p = found[0]
    assert p.code == "layout-invalid" and p.location.file == "mine.yaml"
    return p.params["variant"], p.location.line, p.location.field or "", dict(p.params)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_every_layout_meant_to_be_used_has_no_findings(path):
    assert [line(p) for p in problems_of(path.read_text(encoding="utf-8"), str(path))] == []


def test_an_unknown_key_names_its_line_and_the_nearest_key():
    text = changed(TOKOROZAWA, "    - anchor: 1\n      table: section.initiatives",
                   "    - anchr: 1\n      table: section.initiatives")
    variant, at, path, params = only(text)
    assert (variant, params["key"], params["near"]) == ("unknown-key-near", "anchr", "anchor")
    assert at == line_of(text, "anchr:") and path == "section.blocks[6].anchr"


def test_an_unknown_key_with_nothing_near_lists_the_known_ones():
    text = changed(TOKOROZAWA, "line_height: 13.5", "line_height: 13.5\ncolour: red")
    variant, at, path, params = only(text)
    assert (variant, at, path) == ("unknown-key", line_of(text, "colour:"), "colour")
    assert "line_height" in params["allowed"]


def test_a_misspelt_section_field_suggests_the_model_field():
    text = changed(SHISAKU, "field: section.evaluation_reason", "field: section.evaluation_raeson")
    variant, at, path, params = only(text)
    assert (variant, params["near"]) == ("unknown-field-near", "section.evaluation_reason")
    assert at == line_of(text, "section.evaluation_raeson") and path.endswith(".field")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("rows: 10\n", "rows: ten\n", "whole-number"),                     # template.rows
    ("line_height: 13.5", "line_height: high", "number"),
    ("  landscape: true", "  landscape: yes please", "yes-no"),
    ("    - anchor: 1\n      table: section.initiatives\n      name: 取り組み\n      input: true",
     "    - anchor: 1\n      table: section.initiatives\n      name: 取り組み\n      input: [true]",
     "yes-no"),
])
def test_a_value_of_the_wrong_kind_says_what_it_takes(old, new, expected):
    text = changed(TOKOROZAWA, old, new)
    variant, at, _, params = only(text)
    assert (variant, params["expected"]) == ("wrong-type", expected)
    assert at == line_of(text, new.strip().splitlines()[-1].strip())


def test_a_wrong_type_reads_in_both_languages():
    found = problems_of(changed(TOKOROZAWA, "rows: 10\n", "rows: ten\n"))
    ja, en = (line(found[0], lang) for lang in LANGS)
    assert "「ten」" in ja and "整数" in ja and "行目" in ja
    assert "'ten'" in en and "a whole number" in en and "line " in en


def test_a_bad_value_of_a_list_suggests_the_nearest():
    text = changed(TOKOROZAWA, "kind: policy-choice", "kind: policy-choise")
    variant, _, path, params = only(text)
    assert (variant, params["near"]) == ("bad-value-near", "policy-choice")
    assert path.endswith(".kind")


def test_an_unknown_style_is_named_with_the_nearest():
    text = changed(TOKOROZAWA, "style: vertical}", "style: verticle}")
    variant, at, path, params = only(text)
    assert (variant, params["value"], params["near"]) == ("unknown-style-near", "verticle",
                                                          "vertical")
    assert at == line_of(text, "verticle") and path == "chapter.blocks[3].side.style"


def test_styles_sheetkit_uses_itself_are_required():
    text = changed(TOKOROZAWA, '  center:   {align: center, valign: vcenter, text_wrap: true, border: 1}\n', "")
    found = problems_of(text)
    first = found[0]
    assert (first.params["variant"], first.location.field) == ("missing-key", "styles.center")
    assert {p.params["variant"] for p in found[1:]} == {"unknown-style"}   # and where it is used


def test_a_policy_dropdown_before_its_list_is_refused():
    """The hidden order: the 基本方針 dropdown of a table lists the 基本方針 table,
    which must be written above it."""
    text = TOKOROZAWA.read_text(encoding="utf-8")
    policies = ("    - side: {span: \"A:B\", text: 基本方針, style: label}\n"
                "      table: section.basic_policies\n"
                "      columns:\n"
                "        - {span: \"C:L\", field: policy, kind: policy, style: value}\n")
    assert policies in text
    moved = text.replace(policies, "").replace("\nindicators:\n", "\n" + policies + "\nindicators:\n")
    found = problems_of(moved)
    assert {p.params["variant"] for p in found} == {"choice-before-list"}
    assert len(found) == 2       # the 取り組み and the 課題 tables
    assert found[0].location.line == line_of(moved, "kind: policy-choice")
    assert "基本方針" not in found[0].params.values()
    ja = line(found[0])
    assert "前（上）に置いてください" in ja and "policy-choice" in ja


@pytest.mark.parametrize(("old", "new", "variant"), [
    ("table: section.initiatives", "table: section.initiativs", "unknown-table-near"),
    ("field: section.goal", "field: section.initiatives", "table-as-field"),
    ("{span: \"A:E\", field: initiative, style: value, hint: 実施",
     "{span: \"A:E\", field: initiatve, style: value, hint: 実施", "unknown-column-near"),
    ("{span: \"C:L\", field: policy, kind: policy, style: value}",
     "{span: \"C:L\", field: code, kind: policy, style: value}", "whole-row"),
    ("field: chapter.author, style: value}", "field: chapter.author, style: value, input: true}",
     "input-not-section"),
    ("{span: \"F:I\", field: outcome, style: value, hint:",
     "{span: \"F:I\", field: outcome, style: value, input: true, hint:", "input-on-column"),
    ("{span: \"F:I\", field: outcome, style: value, hint:",
     "{span: \"F:I\", field: outcome, style: value, period: 1, hint:", "period-outside-indicators"),
    ("{span: \"F:I\", field: outcome, style: value, hint:",
     "{span: \"F:I\", text: 成果, field: outcome, style: value, hint:", "text-on-column"),
    ("{span: \"C:L\", field: section.goal, style: value}",
     "{span: \"C:L\", text: 目標, field: section.goal, style: value}", "text-and-field"),
])
def test_fields_tables_and_inputs_against_the_model(old, new, variant):
    text = changed(TOKOROZAWA, old, new)
    found, at, _, _ = only(text)
    assert (found, at) == (variant, line_of(text, new))


@pytest.mark.parametrize(("old", "new", "variant"), [
    ("field: target, period: 5,", "field: targte, period: 5,", "unknown-column-near"),
    ("field: rate, kind: rate", "field: rate, period: 5, kind: rate", "unknown-column"),
    ("field: section.indicators, kind: ratings", "field: section.projects, kind: ratings",
     "whole-table"),
    ("field: section.evaluation, style: grade}", "field: section.evalution, style: grade}",
     "unknown-field-near"),
    ("choices: [A, B, C, D],", "choices: [],", "choice-without-choices"),
    ('{span: "C:S", rows: 2, field: section.sdgs', '{span: "C:R", rows: 2, field: section.sdgs',
     "sdgs-span"),
])
def test_shisaku_keys_against_the_model(old, new, variant):
    """A column with period: is one period's target or actual (PeriodResult);
    the 達成率 is the reviewed period's; the overview lists sections."""
    assert only(changed(SHISAKU, old, new))[0] == variant


@pytest.mark.parametrize(("old", "new", "variant"), [
    ("        - {span: E, field: unit, style: center}\n", "", "indicator-column-missing"),
    ("        - {span: P, field: target, period: 5, kind: figure, style: number}\n", "",
     "period-pair"),
])
def test_the_section_indicator_table_has_what_reading_it_needs(old, new, variant):
    assert only(changed(SHISAKU, old, new))[0] == variant


@pytest.mark.parametrize(("old", "new", "variant"), [
    ("    - anchor: 1\n      table: section.initiatives", "    - anchor: 2\n      table: section.initiatives",
     "anchor-outside"),
    ("    - anchor: 1\n      rows:\n        - [{span: \"A:L\", text: \"施策に対する市民ニーズ",
     "    - anchor: 2\n      rows:\n        - [{span: \"A:L\", text: \"施策に対する市民ニーズ",
     "anchor-without-label"),
    ("side: {span: \"A:B\", text: 基本方針, style: label}", "side: {span: \"A:B\", style: label}",
     "anchor-without-label"),
])
def test_a_block_can_be_found_again_by_its_labels(old, new, variant):
    """Reading a returned sheet finds each block by the fixed labels of its
    anchor row: a row that is not there, or holds no label, could never match."""
    text = changed(TOKOROZAWA, old, new)
    found, at, _, _ = only(text)
    assert (found, at) == (variant, line_of(text, new.splitlines()[0].strip()))


THREE_YEARS = ROOT / "tests" / "layouts" / "three-years.yaml"


@pytest.mark.parametrize(("old", "new", "variant"), [
    ("review: 3", "review: 4", "review-outside"),
    ("review: 3", "review: 0", "bad-value"),
    ("review: 3", "review: 1", "review-without-rate"),
])
def test_the_period_under_review_is_one_with_a_rate(old, new, variant):
    text = changed(THREE_YEARS, old, new)
    found, at, path, _ = only(text)
    assert (found, at, path) == (variant, line_of(text, new), "indicators.review")


def test_rating_bands_go_from_the_highest_down():
    text = changed(SHISAKU, "    - {label: B, lower: 0.8}", "    - {label: B, lower: 1.2}")
    found, at, path, params = only(text)
    assert (found, at, path, params["value"]) == ("bands-order", line_of(text, "lower: 1.2"),
                                                  "rating.bands[1]", "1.2")


def test_the_indicator_periods_need_the_columns_their_rows_need():
    text = changed(TOKOROZAWA, "    - {value: F, rate: G}", "    - {rate: G}")
    variant, at, path, _ = only(text)
    assert (variant, at, path) == ("missing-key", line_of(text, "- {rate: G}"),
                                   "indicators.periods[0].value")


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n", "name: x\n"])
def test_something_that_is_no_layout_is_refused_not_a_traceback(runner, tmp_path, text):
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    result = run(runner, "generate", EXAMPLE, "-o", tmp_path / "s.xlsx", "--layout", path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "odd.yaml" in result.stderr and not (tmp_path / "s.xlsx").exists()


@pytest.mark.parametrize("lang", LANGS)
def test_every_mistake_is_said_with_file_line_and_path(runner, tmp_path, lang):
    text = changed(TOKOROZAWA, "field: section.goal", "field: section.gaol")
    text = text.replace("    - anchor: 1\n      table: section.initiatives",
                        "    - anchr: 1\n      table: section.initiatives", 1)
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    result = run(runner, "template", EXAMPLE, "-o", tmp_path / "tpl", "--layout", path,
                 "--lang", lang)
    assert result.exit_code == 2
    said = result.stderr.splitlines()
    for needle, where in (("section.gaol", "section.blocks[2].rows[0][1].field"),
                          ("anchr:", "section.blocks[6].anchr")):
        number = line_of(text, needle)
        at = f"{path} {number}行目（{where}）" if lang == "ja" else \
            f"{path} line {number} ({where})"
        assert any(s.startswith(at) for s in said), result.stderr


@pytest.mark.parametrize("lang", LANGS)
def test_the_readme_shows_what_a_mistake_really_says(runner, tmp_path, lang):
    text = changed(TOKOROZAWA, "field: section.goal", "field: section.gaol")
    text = text.replace("    - anchor: 1\n      table: section.initiatives",
                        "    - anchr: 1\n      table: section.initiatives", 1)
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    result = run(runner, "generate", EXAMPLE, "-o", tmp_path / "s.xlsx", "--layout",
                 tmp_path / "mine.yaml", "--lang", lang)
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    said = result.stderr.replace(f"{tmp_path}/", "").splitlines()
    assert len(said) == 2 and all(line_ in readme for line_ in said), said


# -- the registry holds every text the checker can say ----------------------------

def _notes() -> list[ast.Call]:
    return [n for n in ast.walk(ast.parse(CHECKER.read_text(encoding="utf-8")))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == "note"]


def test_every_variant_the_checker_says_is_registered():
    messages = codes.get("layout-invalid").messages
    calls = _notes()
    assert len(calls) > 15
    for call in calls:
        variant = call.args[0]
        assert isinstance(variant, ast.Constant), ast.unparse(call)
        assert variant.value in messages, variant.value
        near = call.args[3] if len(call.args) > 3 else None
        if near is not None and not (isinstance(near, ast.Constant) and near.value is None):
            assert variant.value + "-near" in messages, variant.value


def test_every_message_says_it_is_about_the_layout():
    for variant, texts in codes.get("layout-invalid").messages.items():
        assert "レイアウト" in texts["ja"] and "layout" in texts["en"].lower(), variant


def test_every_kind_of_value_the_schema_expects_has_words():
    kinds = codes.registry().kinds

    def visit(node):
        if isinstance(node, dict):
            if "anyOf" in node:
                types = []
                for option in node["anyOf"]:
                    option = resolve(option)
                    types += [option["type"]] if isinstance(option.get("type"), str) \
                        else option.get("type", [])
                yield expected_kind(types)
            if "type" in node:
                yield expected_kind([node["type"]] if isinstance(node["type"], str)
                                    else node["type"])
            for value in node.values():
                yield from visit(value)
        elif isinstance(node, list):
            for value in node:
                yield from visit(value)

    def resolve(node):
        ref = node.get("$ref")
        return layout_schema()["$defs"][ref.rsplit("/", 1)[-1]] if ref else node

    assert set(visit(layout_schema())) - set(kinds) == set()


# -- the schema describes exactly what layout.py reads ------------------------------
#
# layout._build is run on every valid layout with its mappings replaced by ones
# that record each key it asks for (x["k"], x.get("k"), "k" in x), each with the
# schema node that describes that mapping.

class _Asked(dict):
    """A layout mapping that records the keys asked of it, against its schema node."""

    def __init__(self, data, node, asked):
        super().__init__(data)
        self.node, self.asked = node, asked

    def _ask(self, key):
        self.asked.append((self.node, key))

    def __getitem__(self, key):
        self._ask(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._ask(key)
        return super().get(key, default)

    def __contains__(self, key):
        self._ask(key)
        return super().__contains__(key)

    def __or__(self, other):           # data | defaults: still this mapping's keys
        return _Asked({**self, **other}, self.node, self.asked)

    def __ror__(self, other):          # defaults | data
        return _Asked({**other, **self}, self.node, self.asked)


def _node(schema, value):
    """The schema node of ``value`` ($ref followed, the fitting anyOf option)."""
    root = layout_schema()
    while isinstance(schema, dict) and "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    for option in schema.get("anyOf", ()):
        option = _node(option, value)
        kind = option.get("type")
        if (kind == "object") == isinstance(value, dict):
            return option
    return schema


def _asking(value, schema, asked):
    schema = _node(schema, value)
    if isinstance(value, dict):
        props, extra = schema.get("properties", {}), schema.get("additionalProperties")
        children = {k: _asking(v, props.get(k, extra if isinstance(extra, dict) else {}), asked)
                    for k, v in value.items()}
        return _Asked(children, id(schema), asked)
    if isinstance(value, list):
        return [_asking(v, schema.get("items", {}), asked) for v in value]
    return value


def _nodes_with_keys():
    """Every object node of the schema that names its keys, by id: (path, its keys)."""
    found = {}

    def visit(node, path):
        if isinstance(node, dict):
            if "properties" in node:
                found[id(node)] = (path, set(node["properties"]))
            for key, value in node.items():
                visit(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, f"{path}/{index}")
    visit(layout_schema(), "#")
    return found


@pytest.fixture(scope="module")
def asked():
    questions = []
    for path in VALID:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        layout_module._build(_asking(data, layout_schema(), questions))
    return questions


def test_layout_py_asks_for_no_key_the_schema_refuses(asked):
    nodes = _nodes_with_keys()
    refused = {(nodes[node][0], key) for node, key in asked
               if node in nodes and key not in nodes[node][1]}
    assert refused == set(), "describe these keys in schemas/layout.yaml"
    assert {node for node, _ in asked} <= set(nodes), "a mapping layout.py reads is not described"


def test_the_schema_describes_no_key_layout_py_never_asks_for(asked):
    """What layout.py keeps whole goes to its users: styles to xlsxwriter's
    formats, print margins to set_margins, number formats by kind, descriptions
    by language, the font and the print settings to the writer."""
    schema = layout_schema()
    defs, props = schema["$defs"], schema["properties"]
    whole = {"style": defs["style"], "margins": props["print"]["properties"]["margins"],
             "formats": props["formats"], "description": props["description"]["anyOf"][1],
             "font": props["font"], "print": props["print"]}
    assert {p for p in whole["style"]["properties"] if not hasattr(Format, "set_" + p)} == set()
    assert set(whole["margins"]["properties"]) <= \
        set(inspect.signature(Worksheet.set_margins).parameters)
    assert set(whole["formats"]["properties"]) <= set(layout_module.KINDS)
    assert set(whole["description"]["properties"]) <= set(LANGS)
    writer = (ROOT / "src" / "sheetkit" / "writer.py").read_text(encoding="utf-8")
    for name in ("font", "print"):
        for key in whole[name]["properties"]:
            assert f'"{key}"' in writer or key == "margins", (name, key)
    kept = {id(node) for node in whole.values()}
    asked_for = {(node, key) for node, key in asked}
    never = {(path, key) for node, (path, keys_) in _nodes_with_keys().items()
             if node not in kept for key in keys_ if (node, key) not in asked_for}
    assert never == set(), "nothing reads these keys: drop them from the schema or read them"


def test_the_kinds_the_schema_allows_are_the_kinds_layout_py_knows():
    kinds = layout_schema()["$defs"]["cell"]["properties"]["kind"]["enum"]
    assert sorted(kinds) == sorted(layout_module.KINDS)
