import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from conftest import EXAMPLE, run
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetkit.codec import decimal_of, figure_of
from sheetkit.model import Rate
from sheetkit.rates import rounded
from sheetkit.values import fold, normalize_code, parse_number, parse_rate, split_policy, squash


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


def test_a_rate_typed_with_more_digits_than_decimal_keeps_is_rounded_exactly():
    """「91.7000…0%」 with 36 decimals: quantize under Decimal's default 28
    digits raised InvalidOperation, which stopped validate, generate and merge."""
    typed = parse_rate("91.7" + "0" * 35 + "%")
    assert typed is not None and typed.places == 36
    assert rounded(typed.value, typed.places) == Decimal("0.917")
    assert rounded(Decimal("0.917") + Decimal("1E-40"), 38) == Decimal("0.917") + Decimal("1E-40")
    assert rounded(Decimal("0.9175"), 1) == Decimal("0.918")      # half up, as Excel


def test_validate_reads_a_rate_typed_with_many_decimals(runner, tmp_path):
    example = EXAMPLE
    text = example.read_text(encoding="utf-8")
    assert 'rate: "91.7%"' in text
    long = tmp_path / "long.yaml"
    long.write_text(text.replace('rate: "91.7%"', 'rate: "91.7' + "0" * 40 + '%"', 1),
                    encoding="utf-8")
    same, many = run(runner, "validate", str(example)), run(runner, "validate", str(long))
    assert many.exit_code == same.exit_code == 1
    assert "予期しない" not in many.output
    # written with 40 decimals, it is compared with the computed rate at 40 decimals
    # (64.2 ÷ 70 = 91.714…%), as every typed rate is compared at the places written
    mismatch = [line for line in many.output.splitlines() if "rate-mismatch" in line]
    assert len(mismatch) == 1 and "first_half.rate" in mismatch[0] and "91.714285" in mismatch[0]
    others = [line for line in many.output.replace(str(long), "file").splitlines()
              if line not in mismatch and not line.startswith("合計")]
    assert others == [line for line in same.output.replace(str(example), "file").splitlines()
                      if not line.startswith("合計")]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-10**15 + 1, max_value=10**15 - 1),
       st.sampled_from([None, "General", "0", "#,##0", "0%", "0.0", "#,##0.00", '"約"0.0"人"']))
def test_a_whole_number_stored_as_float_shows_as_the_same_number_stored_as_int(number, fmt):
    """A figure's value as calamine gives it (554.0) and as openpyxl may (554):
    the same Decimal, digit for digit (decimal_of answers most of them early)."""
    as_float, as_int = decimal_of(float(number), fmt), decimal_of(number, fmt)
    assert as_float.as_tuple() == as_int.as_tuple()


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-10**40, max_value=10**40), st.integers(min_value=0, max_value=40),
       st.integers(min_value=0, max_value=30))
def test_a_rate_rounds_as_with_all_the_digits_it_needs(digits, exponent, places):
    """rounded works within Decimal's precision where the rate fits it, and in
    a wider one where it does not: the same digits as an ample precision gives."""
    value = Decimal(f"{digits}E-{exponent}")
    with localcontext() as ample:
        ample.prec = 200
        expected = (value * 100).quantize(Decimal(1).scaleb(-places),
                                          rounding=ROUND_HALF_UP) / 100
    assert rounded(value, places).as_tuple() == expected.as_tuple()


def test_fold_and_squash_as_defined_on_every_character():
    """fold finds its dashes with a regex and squash drops whitespace with
    str.split: the same text as the definitions (translate over the dashes,
    re's \\s), character by character over all of Unicode, and on text that
    mixes them (NFKC first: full-width letters, compatibility forms)."""
    dashes = "‐‑‒–—―−－ー─━"
    table = str.maketrans({c: "-" for c in dashes})
    space = re.compile(r"\s+")

    def fold_defined(text):
        return unicodedata.normalize("NFKC", text).translate(table)

    every = "".join(map(chr, [*range(0xD800), *range(0xE000, 0x110000)]))
    assert fold(every) == fold_defined(every)
    assert squash.__wrapped__(every) == space.sub("", fold_defined(every))
    assert normalize_code(every) == space.sub("", fold_defined(every))
    for text in ("１－１－２\u3000地域", " 取り組み ", "施策に対する\n市民ニーズ", "ｶﾞ─ー\t㍿",
                 "\u00a0\u2003\u3000a\u200b", ""):
        assert squash.__wrapped__(text) == space.sub("", fold_defined(text))
        assert fold(text) == fold_defined(text)


@pytest.mark.parametrize("fmt", [None, "General", "#,##0", "#,##0.0", "#,##0.00", "0.0%", "0%",
                                 '0"位"', '#,##0.0"人"', "0.000000000000000"])
@pytest.mark.parametrize("value", [0, 7, -3, 380.0, 60.0, -0.0, 51.5, 0.053, 1e14, 1e15, 2.5e16,
                                   123456789012345.0, 0.1 + 0.2, float("inf"), float("nan")])
def test_a_figure_decoded_as_decimal_of_says(value, fmt):
    """codec.figure_of (the reader's path for a number in a figure cell) gives
    decimal_of's Decimal (in percent where the format is one), digit for
    digit, or the same error."""
    def defined():
        number = decimal_of(value, fmt)
        return number * 100 if fmt and "%" in fmt else number

    try:
        expected = defined()
    except Exception as exc:  # noqa: BLE001 - the same error either way
        with pytest.raises(type(exc)):
            figure_of(value, fmt)
        return
    found = figure_of(value, fmt)
    assert (str(found), type(found)) == (str(expected), type(expected))
