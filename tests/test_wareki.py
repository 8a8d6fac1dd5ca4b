import datetime as dt

import pytest

from sheetkit.wareki import DateError, fiscal_year_label, format_date, parse_date

D = dt.date


@pytest.mark.parametrize("text,day", [
    ("令和元年12月20日", D(2019, 12, 20)),
    ("令和1年12月20日", D(2019, 12, 20)),
    ("令和１年１２月２０日", D(2019, 12, 20)),
    ("R1.12.20", D(2019, 12, 20)),
    ("Ｒ１．１２．２０", D(2019, 12, 20)),
    ("r01/12/20", D(2019, 12, 20)),
    ("平成31年4月30日", D(2019, 4, 30)),
    ("H23.4.1", D(2011, 4, 1)),
    ("平成元年1月8日", D(1989, 1, 8)),
    ("昭和64年1月7日", D(1989, 1, 7)),
    ("2019/12/20", D(2019, 12, 20)),
    ("2019-12-20", D(2019, 12, 20)),
    ("2019年12月20日", D(2019, 12, 20)),
    (" 令和 元年 12月 20日 ", D(2019, 12, 20)),
])
def test_parse_forms(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("text,reason", [
    ("令和7年2月30日", "day"),       # no such day
    ("2019/02/30", "day"),
    ("令和元年4月30日", "era"),      # Reiwa began on 1 May 2019
    ("平成31年5月1日", "era"),
    ("平成0年1月1日", "era"),
    ("昭和64年1月8日", "era"),
    ("来年の春", "format"),
    ("", "format"),
])
def test_not_dates(text, reason):
    with pytest.raises(DateError) as info:
        parse_date(text)
    assert info.value.reason == reason


@pytest.mark.parametrize("day,text", [
    (D(2019, 12, 20), "令和元年12月20日"),
    (D(2019, 4, 30), "平成31年4月30日"),
    (D(2019, 5, 1), "令和元年5月1日"),
    (D(2025, 2, 28), "令和7年2月28日"),
    (D(1989, 1, 7), "昭和64年1月7日"),
])
def test_format_and_back(day, text):
    assert format_date(day) == text
    assert parse_date(text) == day


def test_every_day_round_trips():
    day = D(1988, 12, 1)
    while day < D(2031, 1, 1):
        assert parse_date(format_date(day)) == day
        day += dt.timedelta(days=17)


def test_fiscal_year_labels():
    assert fiscal_year_label("H23") == "平成23年度"
    assert fiscal_year_label("Ｒ２") == "令和2年度"
    assert fiscal_year_label("2020年度") == "2020年度"
