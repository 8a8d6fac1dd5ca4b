"""Rating schemes as data (issue 12): bands on 達成率 or rules against the
baseline, `not_rated`, and the `below-baseline` warning."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from decimal import Decimal

import pytest
import yaml
from conftest import EXAMPLE, run
from hand_count import REVIEW, by_hand

from sheetkit import model as m
from sheetkit.loader import load_document
from sheetkit.messages import render
from sheetkit.problems import SheetkitError
from sheetkit.rating_schemes import load_scheme
from sheetkit.ratings import count
from sheetkit.serialize import to_yaml


def test_example_reviewed_period_counts_3_4_4_and_4_without_a_rate(example_doc):
    hand = by_hand(example_doc)
    assert {k: len(v) for k, v in hand.items()} == {
        "達成": 3, "概ね達成": 4, "未達成": 4, "前期のみ": 2, "数値なし": 2}
    counts = dict(count(example_doc.sections, REVIEW, REVIEW, load_scheme()))
    assert counts == {"達成": 3, "概ね達成": 4, "未達成": 4, "評価不能": 4, "評価せず": 0}


def test_abcd_and_baseline_schemes_on_the_example(example_doc):
    abcd = dict(count(example_doc.sections, REVIEW, REVIEW, load_scheme("abcd")))
    assert abcd == {"A": 3, "B": 4, "C": 2, "D": 2, "評価不能": 4, "評価せず": 0}
    # 長与町: S = target reached (3); then against 策定時: 加入率 66 → 61.9 is
    # within ±10% (B); 事業数 5 → 46 and 審議会 25.1 → 32.2 are better (A);
    # 外国籍市民 1,254 → 1,019 is worse by more than 10% (C); the other eight
    # have no 策定時 value or no 後期 figures (−).
    baseline = dict(count(example_doc.sections, REVIEW, REVIEW, load_scheme("baseline")))
    assert baseline == {"S": 3, "A": 2, "B": 1, "C": 1, "−": 8, "評価せず": 0}
    assert load_scheme("baseline").labels == ("S", "A", "B", "C", "−", "評価せず")


def indicator(direction: str, baseline: str | None, target: str, actual: str | None
              ) -> m.Indicator:
    def number(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)
    return m.Indicator("x", "件", direction, number(baseline),
                       (m.PeriodResult(number(target), number(actual)),))


@pytest.mark.parametrize(("direction", "baseline", "target", "actual", "label"), [
    (m.UP, "100", "120", "120", "S"),
    (m.UP, "100", "120", "110", "B"),      # +10%: still within
    (m.UP, "100", "120", "111", "A"),
    (m.UP, "100", "120", "89", "C"),
    (m.DOWN, "100", "50", "89", "A"),      # ↘: lower is better
    (m.DOWN, "100", "50", "111", "C"),
    (m.DOWN, "100", "50", "50", "S"),
    (m.UP, None, "120", "110", "−"),       # no 策定時 value: not measurable
    (m.UP, "100", "120", None, "−"),
])
def test_baseline_rules_follow_the_direction(direction, baseline, target, actual, label):
    assert load_scheme("baseline").rating(indicator(direction, baseline, target, actual),
                                          0, 0) == label


NOT_RATED = """\
      - name: 地域の底力支援事業の奨励金支給件数
        unit: 件
        direction: ↗
        baseline: 7
        not_rated: 事業終了につき評価せず
"""


def with_not_rated(tmp_path) -> m.Document:
    text = EXAMPLE.read_text(encoding="utf-8")
    before = text.index("      - name: 地域の底力支援事業の奨励金支給件数")
    after = text.index("        baseline: 7\n", before) + len("        baseline: 7\n")
    path = tmp_path / "not_rated.yaml"
    path.write_text(text[:before] + NOT_RATED + text[after:], encoding="utf-8")
    return load_document(path)


def test_not_rated_is_counted_apart_and_kept_in_the_data(tmp_path):
    doc = with_not_rated(tmp_path)
    ind = doc.sections[0].indicators[2]
    assert ind.not_rated == "事業終了につき評価せず"
    counts = dict(count(doc.sections, REVIEW, REVIEW, load_scheme()))
    assert counts == {"達成": 3, "概ね達成": 4, "未達成": 4, "評価不能": 3, "評価せず": 1}
    # only the reviewed period is not rated: its 前期 rate (44.4%) stays 未達成
    assert load_scheme().rating(ind, 0, REVIEW) == "未達成"
    again = yaml.safe_load(to_yaml(doc))
    assert again["sections"][0]["indicators"][2]["not_rated"] == "事業終了につき評価せず"
    assert "not_rated" not in yaml.safe_load(to_yaml(load_document(EXAMPLE)))[
        "sections"][0]["indicators"][2], "the contract's data is written back unchanged"


def test_merge_csv_gains_the_rating_and_the_reason(tmp_path):
    from sheetkit.collect import Collection
    from sheetkit.merge import indicators_csv

    doc = with_not_rated(tmp_path)
    first = doc.sections[0]
    joined = replace(first.indicators[0], not_rated="調査方法の変更により評価せず")
    doc = replace(doc, sections=(replace(first, indicators=(joined, *first.indicators[1:])),
                                 *doc.sections[1:]))
    whole = m.as_plan(doc)
    text = indicators_csv(whole, Collection(whole, (), ()), [("base.yaml", {})], 1,
                          load_scheme("abcd"))
    rows = list(csv.DictReader(io.StringIO(text)))
    rates = [r for r in rows if r["区分"] == "達成率" and r["期間"].startswith("後期")]
    assert [r["達成状況"] for r in rates].count("A") == 3
    assert {r["達成状況"] for r in rows if r["区分"] != "達成率"} == {""}
    lost = next(r for r in rows if r["目標指標"] == "市民活動支援センターの利用者満足度"
                and r["区分"] == "達成率" and r["期間"].startswith("後期"))
    assert lost["達成状況"] == "評価不能" and lost["評価しない理由"] == ""
    # the not-rated indicator exists only in 前期: it has no 後期 row to carry the reason
    ended = [r for r in rows if r["目標指標"] == "地域の底力支援事業の奨励金支給件数"
             and r["区分"] == "達成率"]
    assert [(r["達成状況"], r["評価しない理由"]) for r in ended] == [("D", "")]
    joined_rows = [(r["期間"][:2], r["達成状況"], r["評価しない理由"]) for r in rows
                   if r["目標指標"] == "自治会・町内会への加入率" and r["区分"] == "達成率"]
    assert joined_rows == [("前期", "B", ""), ("後期", "評価せず", "調査方法の変更により評価せず")]


SCHEME = """\
name: mine
title: うちの評価
bands:
  - {label: 良, order: 1, colour: "#00AA00", rate_at_least: 90%}
  - {label: 可, order: 2, colour: "#AAAA00", rate_at_least: 0}
unrated: {label: 不明, colour: "#999999"}
"""


def test_a_scheme_file_is_used_by_name_of_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(SCHEME, encoding="utf-8")
    scheme = load_scheme(path)
    assert scheme.labels == ("良", "可", "不明", "評価せず")
    # a scheme that does not name its own 「評価せず」 takes the default scheme's
    assert scheme.not_rated == load_scheme("tassei").not_rated
    assert scheme.bands[0].lower == Decimal("0.9")


@pytest.mark.parametrize(("change", "line", "words"), [
    (("rate_at_least: 0}", "rate_at_leest: 0}"), 5, "rate_at_leest"),
    (('"#AAAA00"', "yellow"), 5, "#RRGGBB"),
    (("order: 2", "order: 1"), 3, "order 1"),
    (("rate_at_least: 90%", "baseline: within"), 4, "margin"),
    (("rate_at_least: 90%", "rate_at_least: ninety"), 4, "数"),
    (("label: 可", "label: '>可'"), 3, "記号"),
    (("unrated: {label: 不明, ", "unrated: {"), 6, "label"),
    (("title: うちの評価\n", ""), 1, "評価方法に「title」がありません"),
    (("  - {label: 可", "  - 5\n  - {label: 可"), 5, "bands の2番目は「項目: 値」"),
])
def test_a_bad_scheme_file_names_its_line(tmp_path, runner, change, line, words):
    path = tmp_path / "mine.yaml"
    path.write_text(SCHEME.replace(*change), encoding="utf-8")
    with pytest.raises(SheetkitError) as raised:
        load_scheme(path)
    assert any(p.location.line == line and words in render(p)
               for p in raised.value.problems), raised.value.problems
    result = run(runner, "publish", EXAMPLE, "-o", tmp_path / "out", "--rating", path)
    assert result.exit_code == 2 and f"mine.yaml {line}行目" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
    english = run(runner, "publish", EXAMPLE, "-o", tmp_path / "out", "--rating", path,
                  "--lang", "en")
    assert f"line {line}" in english.stderr
    # no Japanese in English but the file's own words (its path, its band names)
    mine = english.stderr.replace(str(path), "").replace("可", "")
    assert not re.search(r"[\u3040-\u30ff\u3400-\u9fff]", mine), english.stderr


def test_an_unknown_scheme_name_lists_the_bundled_ones(tmp_path, runner):
    result = run(runner, "publish", EXAMPLE, "-o", tmp_path / "out", "--rating", "tasei")
    assert result.exit_code == 2
    assert "abcd、baseline、tassei" in result.stderr and "Traceback" not in result.output


# -- below-baseline ----------------------------------------------------------------

def test_below_baseline_names_exactly_the_two_indicators_of_the_example(runner):
    data = json.loads(run(runner, "validate", EXAMPLE, "--format", "json").stdout)
    found = [f for f in data["files"][0]["findings"] if f["code"] == "below-baseline"]
    assert [(f["severity"], f["field"], f["value"], f["expected"]) for f in found] == [
        ("warning", "sections.1.indicators.0.second_half.actual", "61.9", "66"),
        ("warning", "sections.5.indicators.2.second_half.actual", "1019", "1254")]
    names = [f["message"] for f in found]
    assert "自治会・町内会への加入率" in names[0] and "後期基本計画" in names[0]
    assert "ボランティアによる日本語教室に参加している外国籍市民の数" in names[1]


def test_below_baseline_follows_the_direction(tmp_path):
    from sheetkit.subjects import Subject
    from sheetkit.validate import validate_subjects

    doc = load_document(EXAMPLE)
    section = doc.sections[0]
    down = replace(section.indicators[1], direction=m.DOWN)          # 5 → 46, ↘: worse
    up = replace(section.indicators[0], baseline=Decimal("61.9"))     # equal: not worse
    doc = replace(doc, sections=(replace(section, indicators=(up, down)),))
    report = validate_subjects([Subject("x.yaml", "data", doc)])
    found = [f for f in report.files[0].findings if f.code == "below-baseline"]
    assert [(f.location.field, f.value, f.expected) for f in found] == [
        ("sections.1.indicators.1.second_half.actual", "46", "5")]
    assert "高くなっています" in found[0].message() and "above" in found[0].message("en")
