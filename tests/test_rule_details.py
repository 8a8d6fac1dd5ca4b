"""The finer points of two rules: 達成率 precision, and what 'mentioned' means."""

from decimal import Decimal

import pytest

from sheetkit import model as m
from sheetkit.mention import mentioned
from sheetkit.subjects import Subject
from sheetkit.validate import validate_subjects

PLAN = m.Plan("計画", None, (m.Period("second_half", "後期基本計画", "H27", "H30"),))


def rate_findings(target: str, actual: str, written: str, direction: str = "↗") -> set[str]:
    from sheetkit.values import parse_rate
    indicator = m.Indicator("指標", "％", direction, None, (m.PeriodResult(
        Decimal(target), Decimal(actual), parse_rate(written)),))
    section = m.Section(1, "節", indicators=(indicator,), entry_date=None,
                        unmet_analysis="・「指標」は未達成")
    doc = m.Document(PLAN, m.Chapter(1, "章"), (section,))
    report = validate_subjects([Subject("doc.yaml", "data", doc)])
    return {f.code for f in report.files[0].findings}


@pytest.mark.parametrize("target,actual,written", [
    ("60", "51.5", "86%"),          # 85.83…% written to whole percent
    ("32", "31.6", "98.8%"),        # 98.75% rounds half up
    ("59.0", "61.8", "100.0%"),     # capped at 100%
    ("70", "64.2", "91.7%"),
])
def test_rates_consistent_at_the_precision_written(target, actual, written):
    assert "rate-mismatch" not in rate_findings(target, actual, written)


@pytest.mark.parametrize("target,actual,written", [
    ("60", "52.3", "88.2%"),        # 87.17%
    ("32", "31.6", "98.7%"),        # Excel rounds 98.75 up, not to even
    ("59.0", "61.8", "104.7%"),     # no rate above 100%
])
def test_rates_inconsistent(target, actual, written):
    assert "rate-mismatch" in rate_findings(target, actual, written)


def test_decreasing_indicators_divide_the_other_way():
    assert "rate-mismatch" not in rate_findings("10", "20", "50.0%", direction="↘")
    assert "rate-mismatch" in rate_findings("10", "20", "200.0%", direction="↘")


SIBLINGS = ("自治会・町内会への加入率", "地域づくり協議会により実施された事業数",
            "日本語学習支援ボランティア養成講座の定員に対する参加率",
            "ボランティアによる日本語教室に参加している外国籍市民の数",
            "市民活動支援センター登録団体数", "市民活動支援センターの利用者満足度")


@pytest.mark.parametrize("name,analysis", [
    ("自治会・町内会への加入率", "・「自治会・町内会の加入率」…加入世帯数は増えている"),
    ("日本語学習支援ボランティア養成講座の定員に対する参加率",
     "・日本語学習支援ボランティア養成講座については、入門編の参加者が少なかった。"),
    ("市民活動支援センター登録団体数", "・市民活動支援センターの登録団体数は、伸び悩んだ。"),
    ("地域づくり協議会により実施された事業数", "全地区で地域づくり協議会により実施された事業数が伸びず"),
])
def test_mentioned_the_way_a_reader_would(name, analysis):
    assert mentioned(name, analysis, SIBLINGS, 0.5)


@pytest.mark.parametrize("name,analysis", [
    ("ボランティアによる日本語教室に参加している外国籍市民の数",
     "・日本語学習支援ボランティア養成講座については、入門編の参加者が少なかった。"),
    ("市民活動支援センターの利用者満足度", "・市民活動支援センターの登録団体数は、伸び悩んだ。"),
    ("自治会・町内会への加入率", ""),
    ("自治会・町内会への加入率", "・加入率は目標に届かなかった。"),
])
def test_sharing_a_word_is_not_a_mention(name, analysis):
    assert not mentioned(name, analysis, SIBLINGS, 0.5)


def test_text_too_long_wherever_it_is_written():
    """A text over a cell's limit is found in a nested list, and so are the
    digits of a figure written that long (most documents have no long value,
    and validate passes them without writing them out as data)."""
    long = "長" * 40_000
    indicator = m.Indicator("指標", "件", "↗", Decimal("1." + "1" * 40_000), (m.PeriodResult(),))
    section = m.Section(1, "節", departments=("課", long), indicators=(indicator,))
    doc = m.Document(PLAN, m.Chapter(1, "章", main_policies=(long,)), (section,))
    report = validate_subjects([Subject("doc.yaml", "data", doc)])
    assert sorted(f.location.field or "" for f in report.files[0].findings
                  if f.code == "text-too-long") == [
        "chapter.main_policies.0", "sections.1.departments.1",
        "sections.1.indicators.0.baseline"]
    short = m.Document(PLAN, m.Chapter(1, "章"), (m.Section(1, "節", goal="長" * 32_767),))
    assert not [f for f in validate_subjects([Subject("d.yaml", "data", short)]).files[0].findings
                if f.code == "text-too-long"]


class _Text(str):
    """A text of a kind the model does not name (a str subclass)."""


@pytest.mark.parametrize("where", ["goal", "outcome", "department", "unit", "subclass",
                                   "figure", "rate", "rate_text"])
def test_a_long_value_alone_is_found_wherever_it_is(where):
    """Each kind of value that can be written too long, alone in a document at
    its own depth, is found (validate looks at a document a level at a time,
    by kind); one written a character shorter than that, at the limit, is not."""
    def document(length: int) -> m.Document:      # its one long value written ``length`` long
        text = "長" * length
        rate = m.Rate(Decimal("0.5"), length - 4) if where == "rate" else \
            m.Rate(Decimal("1" + "0" * (length - 6))) if where == "rate_text" else \
            m.Rate(Decimal("0.5"))                 # '50.0…0%', '10…0.0%'
        indicator = m.Indicator("指標", text if where == "unit" else "件", "↗",
                                Decimal("1." + "1" * (length - 2)) if where == "figure"
                                else Decimal(1), (m.PeriodResult(Decimal(1), Decimal(1), rate),))
        section = m.Section(
            1, "節", goal=text if where == "goal" else _Text(text) if where == "subclass" else None,
            departments=("課", text) if where == "department" else ("課",),
            initiatives=(m.Initiative("取り組み", text if where == "outcome" else "成果", None),),
            indicators=(indicator,))
        return m.Document(PLAN, m.Chapter(1, "章"), (section,))

    def too_long(doc: m.Document) -> list[str]:
        report = validate_subjects([Subject("doc.yaml", "data", doc)])
        return [f.location.field or "" for f in report.files[0].findings
                if f.code == "text-too-long"]

    assert too_long(document(32_767)) == []
    assert len(too_long(document(32_768))) == 1


def test_findings_at_one_place_keep_one_order():
    """Two indicators short of target by the same 達成率 both point at the
    analysis with the same value; they come in the order of their names, not
    in the order of their hashes (which changes from run to run)."""
    def indicator(name: str) -> m.Indicator:
        return m.Indicator(name, "件", "↗", None, (m.PeriodResult(Decimal(10), Decimal(5)),))
    names = ["ｂ指標", "ａ指標", "ｃ指標"]
    section = m.Section(1, "節", indicators=tuple(indicator(n) for n in names),
                        unmet_analysis="分析")
    doc = m.Document(PLAN, m.Chapter(1, "章"), (section,))
    found = [f for f in validate_subjects([Subject("doc.yaml", "data", doc)]).files[0].findings
             if f.code == "unmet-not-analyzed"]
    assert [f.params["name"] for f in found] == sorted(names)
