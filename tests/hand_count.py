"""The example's reviewed period rated by hand, without sheetkit's rating code."""

from __future__ import annotations

from decimal import Decimal

from sheetkit import model as m

REVIEW = 1          # the example's reviewed period: 後期基本計画


def by_hand(doc: m.Document) -> dict[str, list[str]]:
    """The reviewed period's indicators sorted by hand from the data, without
    sheetkit's rating code: the 達成率 is actual ÷ target (all ↗ here), capped
    at 100% and read at one decimal of percent as printed."""
    out: dict[str, list[str]] = {"達成": [], "概ね達成": [], "未達成": [], "前期のみ": [],
                                 "数値なし": []}
    for section in doc.sections:
        for ind in section.indicators:
            assert ind.direction == m.UP
            result = ind.results[REVIEW]
            if result is None:
                out["前期のみ"].append(ind.name)
            elif result.target is None or result.actual is None:
                out["数値なし"].append(ind.name)
            else:
                rate = round(min(Decimal(1), result.actual / result.target) * 1000) / 1000
                band = "達成" if rate >= 1 else "概ね達成" if rate >= Decimal("0.8") else "未達成"
                out[band].append(ind.name)
    return out
