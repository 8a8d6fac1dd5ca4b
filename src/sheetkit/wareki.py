"""和暦 (Japanese era) dates, both ways.

Written here rather than taken from jpdatetime or japanera: those need one
format string per written form, do not read year-only labels such as
``H23`` (used for plan periods), and accept days outside an era
(``令和元年4月30日``), which the office wants reported.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: dt.date


ERAS: tuple[Era, ...] = (
    Era("明治", "M", dt.date(1868, 1, 25)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("令和", "R", dt.date(2019, 5, 1)),
)
EARLIEST = ERAS[0].start                 # 明治元年: no 記入日 is earlier
LATEST = dt.date(2100, 12, 31)           # nor later than this
_BY_KEY = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS} | {e.name[0]: e for e in ERAS}

_ERA_PART = r"(?P<era>令和|平成|昭和|大正|明治|[RHSTM令平昭大明])\s*(?P<year>元|\d{1,2})"
_ERA_DATE = re.compile(
    _ERA_PART + r"\s*[年./\-]\s*(?P<month>\d{1,2})\s*[月./\-]\s*(?P<day>\d{1,2})\s*日?$")
_ERA_YEAR = re.compile(_ERA_PART + r"\s*(?:年度?)?$")
_WESTERN = re.compile(
    r"(?P<year>\d{4})\s*[年./\-]\s*(?P<month>\d{1,2})\s*[月./\-]\s*(?P<day>\d{1,2})\s*日?$")


class DateError(ValueError):
    """A text that is not a date.  ``reason`` is 'format', 'day', 'era' or
    'range' (a real day, but before 明治 or after 2100)."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{reason}: {text}")
        self.text = text
        self.reason = reason


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


def plausible(day: dt.date) -> bool:
    """A day a 記入日 can be: from 明治元年 to the end of 2100."""
    return EARLIEST <= day <= LATEST


def _in_range(day: dt.date, text: str) -> dt.date:
    if not plausible(day):
        raise DateError(text, "range")
    return day


def era_of(day: dt.date) -> Era:
    """The era a Gregorian day falls in (明治 or later)."""
    for era in reversed(ERAS):
        if day >= era.start:
            return era
    raise DateError(day.isoformat(), "era")


def _era_day(era: Era, year: int, month: int, day: int, text: str) -> dt.date:
    try:
        result = dt.date(era.start.year + year - 1, month, day)
    except ValueError:
        raise DateError(text, "day") from None
    following = ERAS[ERAS.index(era) + 1].start if era is not ERAS[-1] else None
    if year < 1 or result < era.start or (following is not None and result >= following):
        raise DateError(text, "era")
    return result


def parse_date(text: str) -> dt.date:
    """Read 令和元年12月20日, R1.12.20, 平成31年4月30日, 2019/12/20, 2019-12-20 …"""
    clean = _clean(text)
    match = _ERA_DATE.match(clean)
    if match:
        era = _BY_KEY[match["era"]]
        year = 1 if match["year"] == "元" else int(match["year"])
        return _in_range(_era_day(era, year, int(match["month"]), int(match["day"]), text), text)
    match = _WESTERN.match(clean)
    if match:
        try:
            day = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            raise DateError(text, "day") from None
        return _in_range(day, text)
    raise DateError(text, "format")


def format_date(day: dt.date) -> str:
    """2019-12-20 -> 令和元年12月20日 (a day before 明治, which no reader
    lets through, as 1019/12/20 rather than an error)."""
    if day < EARLIEST:
        return f"{day.year}/{day.month}/{day.day}"
    era = era_of(day)
    year = day.year - era.start.year + 1
    return f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def date_text(day: dt.date | str | None) -> str:
    """A 記入日 as the office reads it: 令和元年12月20日 (typed text as typed)."""
    return format_date(day) if isinstance(day, dt.date) else (day or "")


def fiscal_year_label(label: str) -> str:
    """A year label as printed in headings: 'H23' -> '平成23年度'.

    A label that is not an era year is returned unchanged."""
    match = _ERA_YEAR.match(_clean(label))
    if not match:
        return label
    era = _BY_KEY[match["era"]]
    return f"{era.name}{match['year']}年度"


def western_year(label: str) -> int | None:
    """The Gregorian year of a year label: 'H26' -> 2014, '令和元年度' -> 2019; None
    for a label that is not an era year."""
    match = _ERA_YEAR.match(_clean(label))
    if not match:
        return None
    year = 1 if match["year"] == "元" else int(match["year"])
    return _BY_KEY[match["era"]].start.year + year - 1
