"""Texts sheetkit writes into a city's sheets where the layout does not declare its
own, read from schemas/sheet_texts.yaml: the data validation of each kind of input
cell, and the 目標指標 table's texts (its mark for an absent period, the label and
check of a reported actual, the defined names' suffixes)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class ActualCheck:
    """The data validation on a reported actual: its title and messages."""

    title: str
    message: str
    percent_message: str


@dataclass(frozen=True)
class IndicatorTexts:
    """What a 目標指標 table shows and names: the mark of an absent period, the
    label of a reported actual, its data validation, and the defined names'
    suffixes (<sheet>_目標指標, <sheet>_実績値)."""

    absent: str
    actual_label: str
    actual_check: ActualCheck
    table_name: str
    actuals_name: str


@dataclass(frozen=True)
class SheetTexts:
    """schemas/sheet_texts.yaml: the data validation by a cell's kind (title,
    message) and the 目標指標 texts a layout does not declare itself."""

    checks: dict[str, tuple[str, str]]
    indicators: IndicatorTexts
    raw_indicators: dict[str, Any]          # the same, as written: a layout's defaults


def indicator_texts(data: dict[str, Any], default: dict[str, Any]) -> IndicatorTexts:
    """A layout's 目標指標 texts, each one it leaves out taken from ``default``
    (schemas/sheet_texts.yaml's, itself read with no default)."""
    check = default.get("actual_check", {}) | data.get("actual_check", {})
    names = default.get("names", {}) | data.get("names", {})
    merged = default | data
    return IndicatorTexts(str(merged["absent"]), str(merged["actual_label"]),
                          ActualCheck(str(check["title"]), str(check["message"]),
                                      str(check["percent_message"])),
                          str(names["table"]), str(names["actuals"]))


@cache
def sheet_texts() -> SheetTexts:
    """The texts of schemas/sheet_texts.yaml."""
    from sheetkit import parsed

    resource = resources.files("sheetkit.schemas") / "sheet_texts.yaml"
    data = parsed.load("sheet-texts", resource.read_text(encoding="utf-8"))
    checks = {str(kind): (str(c["title"]), str(c["message"])) for kind, c in data["checks"].items()}
    return SheetTexts(checks, indicator_texts(data["indicators"], {}), data["indicators"])
