"""Reading values the way people type them: full-width digits, ％, commas,
any dash in a 基本方針 code."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from importlib import resources

from sheetkit.model import Rate

_DASHES = "‐‑‒–—―−－ー─━"           # each read as "-"
_DASH = re.compile(f"[{_DASHES}]")
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^[+-]?\.\d+$")
_CODE = re.compile(r"^\s*(\d+(?:\s*-\s*\d+)+)\s*(.*)$", re.DOTALL)


def fold(text: str) -> str:
    """Full-width letters, digits and signs to their ASCII forms, any dash to '-'."""
    # a regex finds the dashes in C (str.translate looks up every character)
    return _DASH.sub("-", unicodedata.normalize("NFKC", text))


def parse_number(value: object) -> Decimal | None:
    """64.2, '６４．２', '1,019', '64.2％' -> Decimal; None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        return None
    text = fold(value).strip().rstrip("%").strip()
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def parse_rate(value: object) -> Rate | None:
    """'91.7%', '９１．７％' -> Rate(0.917, 1).  A bare number is a fraction
    (0.917), as a spreadsheet stores a percentage."""
    if isinstance(value, str):
        text = fold(value).strip()
        if not text.endswith("%"):
            return None
        number = parse_number(text[:-1])
        if number is None:
            return None
        return Rate(number / 100, places_of(number))
    number = parse_number(value)
    if number is None:
        return None
    return Rate(number, max(places_of(number) - 2, 0))


def places_of(number: Decimal) -> int:
    """Digits after the decimal point as written: Decimal('69.0') -> 1."""
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def normalize_code(code: str) -> str:
    """'1‐1‐1', '１－１－１', '1 - 1 - 1' -> '1-1-1'."""
    return "".join(fold(code).split())      # str.split's whitespace is regex \s's


def split_policy(text: str) -> tuple[str | None, str]:
    """'1‐1‐1 地域コミュニティの醸成' -> ('1-1-1', '地域コミュニティの醸成'),
    both folded for comparison; text without a code gives (None, text)."""
    match = _CODE.match(fold(text))
    if not match:
        return None, text.strip()
    return normalize_code(match.group(1)), match.group(2).strip()


@lru_cache(maxsize=4096)
def squash(text: str) -> str:
    """Whitespace folded away, for matching labels and names.  Cached: the
    same labels and names come back in every file of a run."""
    return "".join(fold(text).split())      # str.split's whitespace is regex \s's


@cache
def percent_rule() -> tuple[float, frozenset[str]]:
    """The largest figure a ％ unit allows, and the units that mean ％: the
    percent_at_most check of schemas/values.yaml, so that the templates'
    dropdown checks and validate agree."""
    from sheetkit import parsed

    text = (resources.files("sheetkit.schemas") / "values.yaml").read_text(encoding="utf-8")
    check = next(c for c in parsed.load("schema-values", text)["checks"]
                 if c.get("options", {}).get("check_name") == "percent_at_most")
    return check["maximum"], frozenset(check["units"])
