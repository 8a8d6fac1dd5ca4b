"""Turning model values into cell contents and back, one rule per layout kind."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from sheetkit.layout import CellSpec
from sheetkit.memo import Memo
from sheetkit.model import BasicPolicy, Rate
from sheetkit.values import parse_number, parse_rate, places_of
from sheetkit.wareki import DateError, parse_date, plausible

EXCEL_EPOCH = dt.datetime(1899, 12, 30)


@dataclass(frozen=True)
class CellContent:
    """What to put in a cell: a value (str, float, datetime or None) and its number format."""

    value: Any
    num_format: str | None = None


def figure_format(base: str, number: Decimal) -> str:
    """'#,##0' with one '0' after a '.' for each decimal written: 69.0 -> '#,##0.0'.
    A layout's base that shows decimals itself ('#,##0.0') keeps them, and gets
    more only for a number written with more (43.25 -> '#,##0.00')."""
    places = places_of(number)
    shown = _format_places(base)
    if places <= shown:
        return base
    if shown:
        return re.sub(r"(?<=\.)0+", "0" * places, base)
    return f"{base}.{'0' * places}"


def rate_format(rate: Rate) -> str:
    return f"0.{'0' * rate.places}%" if rate.places else "0%"


def encode(spec: CellSpec, value: Any, formats: dict[str, str]) -> CellContent:
    """A model value as cell content for ``spec``."""
    if value is None or value == () or value == "":
        return CellContent(None)
    if isinstance(value, str) and spec.kind not in ("text", "list", "policy-choice", "choice",
                                                     "rating"):
        return CellContent(value)   # typed text that is not a number or date: keep it
    match spec.kind:
        case "int" | "text" | "policy-choice" | "choice" | "rating":
            text = str(value)
            return CellContent(spec.pattern.replace("{}", text) if spec.pattern else text)
        case "figure":
            return CellContent(float(value), figure_format(formats["figure"], value))
        case "date":
            return CellContent(dt.datetime.combine(value, dt.time()), formats["date"])
        case "rate":
            return CellContent(float(value.value), rate_format(value))
        case "rank":
            return CellContent(int(value), formats["rank"])
        case "list":
            return CellContent(spec.join.join(spec.prefix + str(v) for v in value))
        case "policy":
            return CellContent(f"{value.code} {value.title}")
    raise ValueError(f"unknown kind {spec.kind}")


@cache
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z]*\}", pattern)
    first = True
    regex = ""
    for i, part in enumerate(parts):
        regex += re.escape(part)
        if i < len(parts) - 1:
            regex += r"\s*(.*?)\s*" if first else r".*?"
            first = False
    return re.compile("^" + regex + "$", re.DOTALL)


def unpattern(pattern: str | None, text: str) -> str:
    """The value inside a pattern: ('第{}章', '第1章') -> '1'.  Unmatched text is returned whole."""
    if not pattern:
        return text
    match = _pattern_regex(pattern).match(text.strip())
    return match.group(1) if match else text


def decimal_of(value: float, num_format: str | None) -> Decimal:
    """A stored number as the Decimal it shows: decimals from the value and the format."""
    if value.__class__ is float and value.is_integer() and -1e15 < value < 1e15 \
            and not _format_places(num_format):
        return Decimal(int(value))     # most figures: what the lines below come to
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if number == number.to_integral_value():
        number = Decimal(int(number))
    shown = _format_places(num_format)
    if places_of(number) < shown:
        number = number.quantize(Decimal(1).scaleb(-shown))
    return number


def _shown(num_format: str | None) -> tuple[int, bool, Decimal]:
    """The decimals ``num_format`` shows (_format_places), whether it is a
    percent (_is_percent) and the step of those decimals."""
    places = _format_places(num_format)
    return places, _is_percent(num_format), Decimal(1).scaleb(-places)


# _shown of each number format, looked up in C for each number a reader decodes;
# bounded, as a hostile workbook may write any number of formats (a format is the
# styles' content, never a value's)
_SHOWN: Memo[str | None, tuple[int, bool, Decimal]] = Memo(_shown, 256)


def figure_of(value: int | float, num_format: str | None) -> Decimal:
    """decode's figure of a number cell (an int or a float, not a bool) shown
    in ``num_format``: decimal_of, in percent where the format is one."""
    places, percent, step = _SHOWN[num_format]
    if value.__class__ is float and value.is_integer() and -1e15 < value < 1e15:
        number = Decimal(int(value))   # decimal_of's, and its quantize where the format shows decimals
        if places:
            number = number.quantize(step)
    else:
        number = decimal_of(value, num_format)
    return number * 100 if percent else number


def rate_of(value: int | float, num_format: str | None) -> Rate:
    """decode's 達成率 of a number cell (an int or a float, not a bool)."""
    return Rate(Decimal(repr(float(value))), _SHOWN[num_format][0])


@lru_cache(maxsize=256)
def _format_places(num_format: str | None) -> int:
    if not num_format:
        return 0
    section = num_format.split(";")[0]
    section = re.sub(r'"[^"]*"', "", section)
    match = re.search(r"\.(0+)", section)
    return len(match.group(1)) if match else 0


@lru_cache(maxsize=256)
def _is_percent(num_format: str | None) -> bool:
    return bool(num_format) and "%" in re.sub(r'"[^"]*"', "", num_format or "")


def cell_text(value: Any) -> str | None:
    """A cell value as text; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float):
        text = repr(value)
        return text.removesuffix(".0")
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def excel_date(value: Any) -> dt.date | None:
    """A datetime, or a serial number of days, as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 2958466:
        return (EXCEL_EPOCH + dt.timedelta(days=float(value))).date()
    return None


def decode(spec: CellSpec, value: Any, num_format: str | None = None) -> Any:
    """A cell's content back to a model value for ``spec``; typed text that
    does not fit the kind is kept as text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return () if spec.kind == "list" else None
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    match spec.kind:
        case "text" | "policy-choice" | "choice" | "rating":
            return unpattern(spec.pattern, cell_text(value) or "")
        case "int" | "rank":
            text = cell_text(value) or ""
            number = parse_number(unpattern(spec.pattern, text).rstrip("位"))
            if number is not None and number == number.to_integral_value():
                return int(number)
            return text
        case "figure":
            if numeric:
                return figure_of(value, num_format)
            text = cell_text(value) or ""
            return parse_number(text) if parse_number(text) is not None else text
        case "date":
            day = excel_date(value)
            if day is not None:
                return day if plausible(day) else f"{day.year}/{day.month}/{day.day}"
            text = cell_text(value) or ""
            try:
                return parse_date(text)
            except DateError:
                return text
        case "rate":
            if numeric:
                return rate_of(value, num_format)
            text = cell_text(value) or ""
            rate = parse_rate(text)
            return rate if rate is not None else text
        case "list":
            text = cell_text(value) or ""
            items = [item.strip() for item in text.split(spec.join)]
            return tuple(item[len(spec.prefix):] if spec.prefix and item.startswith(spec.prefix)
                         else item for item in items if item)
        case "policy":
            return policy_of((cell_text(value) or "").strip())
    raise ValueError(f"unknown kind {spec.kind}")


def policy_of(text: str) -> BasicPolicy:
    """decode's 基本方針 of a cell's text (stripped): its code, then its title
    after the first space (else the first full-width one)."""
    code, _, title = text.partition(" ")
    if not title:
        code, _, title = text.partition("\u3000")
    return BasicPolicy(code.strip(), title.strip())
