"""The hidden data sheet of the 達成状況 tallies: its columns (rating_sheet.py
writes it), and the not_rated reasons read back from it (a 総括表 keeps them
nowhere else)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sheetkit import model as m

if TYPE_CHECKING:
    from sheetkit.grid import Grid

# one row per indicator and period; 一覧 numbers the rows of the reviewed period that the
# 達成状況 list shows (below 策定時 or not rated), in order, live as the figures change
DATA_HEADER = ("章", "節", "指標", "目標指標", "期間", "方向", "策定時", "目標値", "実績値", "達成率",
               "評価しない理由", "区分", "策定時より後退", "章・節", "理由・内容", "一覧")
(CH, SEC, IND, NAME, PER, DIR, BASE, TARGET, ACTUAL, RATE, REASON, BAND, BELOW, PLACE, WHY,
 LISTED) = range(16)


def with_not_rated(doc: m.Document, grid: Grid | None) -> m.Document:
    """``doc`` read back from a 総括表, with each indicator's ``not_rated`` reason
    from the hidden data sheet (a 総括表 keeps it nowhere else)."""
    if grid is None:
        return doc
    reasons: dict[tuple[int, int], str] = {}
    for row in range(1, grid.max_row + 1):
        reason = grid.value(row, REASON)
        try:
            chapter, section, number = (int(grid.value(row, c)) for c in (CH, SEC, IND))
        except (TypeError, ValueError, OverflowError):     # a cell someone retyped
            continue
        if reason not in (None, "") and chapter == doc.chapter.number:
            reasons[(section, number - 1)] = str(reason)
    if not reasons:
        return doc
    return replace(doc, sections=tuple(replace(s, indicators=tuple(
        replace(ind, not_rated=reasons.get((s.number, i), ind.not_rated))
        for i, ind in enumerate(s.indicators))) for s in doc.sections))
