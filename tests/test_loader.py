import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
import yaml
from conftest import EXAMPLE, SHARED_EXAMPLE, run

from sheetkit.loader import load_document
from sheetkit.model import Rate
from sheetkit.problems import SheetkitError
from sheetkit.serialize import document_data, to_json, to_yaml

BASE = """\
plan:
  name: 第５次所沢市総合計画
  baseline: {label: 策定時, year: H22}
  first_half: {label: 前期基本計画, from: H23, to: H26}
  second_half: {label: 後期基本計画, from: H27, to: H30}
chapter:
  number: 1
  title: コミュニティ
sections:
  - number: 1
    title: 地域コミュニティ
    entry_date: ENTRY
    basic_policies:
      - {code: CODE, title: 地域コミュニティの醸成}
    indicators:
      - name: 加入率
        unit: ％
        direction: DIRECTION
        baseline: BASELINE
        first_half: {target: 70, actual: ACTUAL, rate: RATE}
        second_half: null
"""


def filled(text, **values):
    defaults = {"ENTRY": "R1.12.20", "CODE": "1-1-1", "DIRECTION": "↗", "BASELINE": "1",
                "ACTUAL": "1", "RATE": "null"} | values
    for key, value in defaults.items():
        text = text.replace(key, value)
    return text


def write(tmp_path, text, name="data.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_with(tmp_path, entry="令和元年12月20日", code="1-1-1", direction="↗",
              baseline="66", actual="64.2", rate='"91.7%"'):
    text = filled(BASE, ENTRY=entry, CODE=code, DIRECTION=direction, BASELINE=baseline,
                  ACTUAL=actual, RATE=rate)
    return load_document(write(tmp_path, text))


def test_the_contract_loads_unchanged(example_doc):
    if SHARED_EXAMPLE.exists():
        assert SHARED_EXAMPLE.read_bytes() == EXAMPLE.read_bytes()
    doc = example_doc
    assert doc.plan.name == "第５次所沢市総合計画"
    assert [p.label for p in doc.plan.periods] == ["前期基本計画", "後期基本計画"]
    assert doc.chapter.entry_date == dt.date(2019, 12, 20)
    assert len(doc.sections) == 5
    first = doc.sections[0].indicators[0]
    assert first.results[0].target == Decimal(70)
    assert first.results[0].actual == Decimal("64.2")
    assert first.results[0].rate == Rate(Decimal("0.917"), 1)
    assert str(first.plan_target) == "69.0"
    assert doc.sections[0].indicators[2].results[1] is None      # 前期のみ
    assert doc.sections[1].indicators[1].results[0].target is None
    assert doc.sections[0].citizen_needs.rank_overall == 26
    assert doc.sections[4].indicators[2].baseline == Decimal(1254)


@pytest.mark.parametrize("entry,day", [
    ("令和元年12月20日", dt.date(2019, 12, 20)), ("R1.12.20", dt.date(2019, 12, 20)),
    ("平成31年4月30日", dt.date(2019, 4, 30)), ("2019-12-20", dt.date(2019, 12, 20)),
    ("2019/12/20", dt.date(2019, 12, 20)), ("令和１年１２月２０日", dt.date(2019, 12, 20)),
])
def test_dates_as_typed(tmp_path, entry, day):
    assert load_with(tmp_path, entry=entry).sections[0].entry_date == day


def test_impossible_date_is_kept_for_validation(tmp_path):
    assert load_with(tmp_path, entry="令和7年2月30日").sections[0].entry_date == "令和7年2月30日"


@pytest.mark.parametrize("actual,expected", [
    ("６４．２", Decimal("64.2")), ('"64.2％"', Decimal("64.2")), ('"1,019"', Decimal(1019)),
    ("null", None), ("64.2", Decimal("64.2")),
])
def test_figures_as_typed(tmp_path, actual, expected):
    result = load_with(tmp_path, actual=actual).sections[0].indicators[0].results[0]
    assert result.actual == expected


def test_figure_that_is_not_a_number_is_kept(tmp_path):
    result = load_with(tmp_path, actual="約60").sections[0].indicators[0].results[0]
    assert result.actual == "約60"


@pytest.mark.parametrize("code", ["1‐1‐1", "1-1-1", "１－１－１"])
def test_codes_keep_their_printed_form(tmp_path, code):
    assert load_with(tmp_path, code=code).sections[0].basic_policies[0].code == code


def test_rates_as_typed(tmp_path):
    assert load_with(tmp_path, rate='"９１．７％"').sections[0].indicators[0].results[0].rate \
        == Rate(Decimal("0.917"), 1)
    assert load_with(tmp_path, rate="null").sections[0].indicators[0].results[0].rate is None


def test_json_loads_like_yaml(tmp_path, example_doc):
    path = write(tmp_path, to_json(example_doc), "data.json")
    assert load_document(path) == example_doc


def test_yaml_written_back_loads_to_the_same_document(tmp_path, example_doc):
    path = write(tmp_path, to_yaml(example_doc))
    assert load_document(path) == example_doc
    assert document_data(load_document(path)) == document_data(example_doc)


def problems_of(tmp_path, text, name="data.yaml"):
    with pytest.raises(SheetkitError) as info:
        load_document(write(tmp_path, text, name))
    return info.value.problems


def test_syntax_error_names_the_line(tmp_path):
    text = filled(BASE).replace("  title: コミュニティ", "  title: [コミュニティ")
    (problem,) = problems_of(tmp_path, text)
    assert problem.code == "yaml-syntax"
    assert problem.location.line is not None and 8 <= problem.location.line <= 10


def test_missing_key_names_line_and_field(tmp_path):
    text = filled(BASE).replace("    title: 地域コミュニティ\n", "")
    problems = problems_of(tmp_path, text)
    assert [p.code for p in problems] == ["missing-key"]
    assert problems[0].location.field == "sections[0].title"
    assert problems[0].location.line == 10      # the section that lacks it


def test_bad_direction(tmp_path):
    text = filled(BASE, DIRECTION="↑↓")
    (problem,) = problems_of(tmp_path, text)
    assert problem.code == "invalid-direction"
    assert problem.location.line == 18
    assert problem.location.field == "sections[0].indicators[0].direction"


def test_unknown_and_duplicate_keys(tmp_path):
    text = filled(BASE).replace("    title: 地域コミュニティ\n", "    title: 地域コミュニティ\n    titel: x\n")
    assert "unknown-key" in [p.code for p in problems_of(tmp_path, text)]
    text = filled(BASE).replace("  title: コミュニティ\n", "  title: コミュニティ\n  title: 二度目\n")
    assert [p.code for p in problems_of(tmp_path, text)] == ["duplicate-key"]


def test_json_syntax_error(tmp_path):
    (problem,) = problems_of(tmp_path, '{"plan": {"name": "x",}\n}', "data.json")
    assert problem.code == "json-syntax" and problem.location.line == 1


def test_wrong_types(tmp_path):
    text = filled(BASE).replace("  number: 1\n  title: コミュニティ", "  number: 一\n  title: コミュニティ")
    problems = problems_of(tmp_path, text)
    assert any(p.code == "wrong-type" and p.location.field == "chapter.number" for p in problems)


# -- through the CLI, as a user sees it --------------------------------------

BROKEN = {
    "syntax": filled(BASE).replace("  title: コミュニティ", "  title: [コミュニティ"),
    "missing": filled(BASE).replace("    title: 地域コミュニティ\n", ""),
    "direction": filled(BASE, DIRECTION="↑↓"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_cli_malformed_file_exits_2_in_japanese(tmp_path, runner, kind):
    data = write(tmp_path, BROKEN[kind])
    result = run(runner, "generate", data, "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert str(data) in result.stderr
    assert "行目" in result.stderr
    assert not (tmp_path / "out.xlsx").exists()
    english = run(runner, "generate", data, "-o", tmp_path / "out.xlsx", "--lang", "en")
    assert english.exit_code == 2 and "line " in english.stderr


def test_cli_missing_file(tmp_path, runner):
    result = run(runner, "generate", tmp_path / "nope.yaml", "-o", tmp_path / "o.xlsx")
    assert result.exit_code == 2 and "見つかりません" in result.stderr


def test_cli_not_utf8(tmp_path, runner):
    data = tmp_path / "sjis.yaml"
    data.write_bytes("plan:\n  name: 総合計画\n".encode("shift_jis"))
    result = run(runner, "generate", data, "-o", tmp_path / "o.xlsx")
    assert result.exit_code == 2 and "UTF-8" in result.stderr


IMMUTABLE_VALUES = (str, int, Decimal, dt.date, type(None))


def test_document_is_immutable(example_doc, tmp_path):
    """Every part of a document is a frozen dataclass, a tuple or an immutable value, all
    the way down: nothing can change it after loading (no list, dict or set inside)."""
    parts = []

    def walk(value, where):
        parts.append(where)
        if dataclasses.is_dataclass(value):
            assert type(value).__dataclass_params__.frozen, where     # type: ignore[attr-defined]
            for part in dataclasses.fields(value):
                walk(getattr(value, part.name), f"{where}.{part.name}")
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")
        else:
            assert isinstance(value, IMMUTABLE_VALUES), (where, type(value))
    walk(example_doc, "document")
    assert len(parts) > 500
    with pytest.raises(dataclasses.FrozenInstanceError):
        example_doc.chapter.title = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        example_doc.sections[0].indicators[0].results[0].actual = Decimal(1)  # type: ignore[misc]
    # written out and read back, in either format, it is the same document
    for name, text in (("doc.json", to_json(example_doc)), ("doc.yaml", to_yaml(example_doc))):
        (tmp_path / name).write_text(text, "utf-8")
        assert load_document(tmp_path / name) == example_doc, name
    assert json.loads(to_json(example_doc)) == yaml.safe_load(to_yaml(example_doc))
