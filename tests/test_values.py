from decimal import Decimal

import pytest

from sheetkit.model import Rate
from sheetkit.values import normalize_code, parse_number, parse_rate, split_policy


@pytest.mark.parametrize("raw,expected", [
    (64.2, Decimal("64.2")), (69.0, Decimal("69.0")), (70, Decimal(70)),
    ("64.2", Decimal("64.2")), ("６４．２", Decimal("64.2")), ("1,019", Decimal(1019)),
    ("１，０１９", Decimal(1019)), ("61.9％", Decimal("61.9")), (" 5 ", Decimal(5)),
    ("-3", Decimal(-3)), (".5", Decimal("0.5")),
])
def test_numbers_as_typed(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["", "約60", "1,01,9", "六十", None, True, float("nan"), "=1+1"])
def test_not_numbers(raw):
    assert parse_number(raw) is None


def test_decimals_written_are_kept():
    assert str(parse_number(69.0)) == "69.0"
    assert str(parse_number("40.0")) == "40.0"


@pytest.mark.parametrize("raw,rate", [
    ("91.7%", Rate(Decimal("0.917"), 1)), ("１００％", Rate(Decimal(1), 0)),
    ("100.0%", Rate(Decimal("1.000"), 1)), ("86%", Rate(Decimal("0.86"), 0)),
    (0.917, Rate(Decimal("0.917"), 1)),
])
def test_rates(raw, rate):
    assert parse_rate(raw) == rate


def test_rate_text():
    assert Rate(Decimal("0.917"), 1).text == "91.7%"
    assert Rate(Decimal("0.86"), 0).text == "86%"
    assert parse_rate("91.7") is None


@pytest.mark.parametrize("code", ["1-1-1", "1‐1‐1", "１－１－１", "1ー1ー1", "1 - 1 - 1", "1−1−1"])
def test_codes_with_any_dash(code):
    assert normalize_code(code) == "1-1-1"


def test_split_policy():
    assert split_policy("1‐1‐1 地域コミュニティの醸成") == ("1-1-1", "地域コミュニティの醸成")
    assert split_policy("1-4-3　あらゆる分野での男女共同参画の推進") == \
        ("1-4-3", "あらゆる分野での男女共同参画の推進")
    assert split_policy("地域活動の支援") == (None, "地域活動の支援")
