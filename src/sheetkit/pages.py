"""Printed pages, computed rather than left to the spreadsheet: page breaks that
never split a group of rows (an indicator's 目標値 and 実績値) and keep a larger
group (a 節) whole when it fits on a page.

Pure arithmetic on the writer's own row-height estimate; no I/O."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

POINTS_PER_INCH = 72
PAPER_POINTS = {9: (595.28, 841.89), 8: (841.89, 1190.55), 1: (612.0, 792.0)}  # A4, A3, Letter
DEFAULT_ROW_HEIGHT = 15.0          # points: Excel's row height for an 11 pt default font
SAFETY = 0.95                      # of the page height, for renderers that round differently
FOOTER = "&C- &P / &N -"


def text_lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide
    (a full-width character takes two)."""
    per_line = max(int(width * 0.92), 2)
    return sum(max(1, math.ceil(sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1
                                    for ch in part) / per_line)) for part in text.split("\n"))


def header_text(plan_name: str) -> str:
    """The running header: the plan's name on the left, the sheet's name on the right."""
    return "&L" + plan_name.replace("&", "&&") + "&R&A"


@dataclass(frozen=True)
class Paper:
    """The printable height of a page setup, in points."""

    height: float

    @classmethod
    def of(cls, print_setup: dict) -> Paper:
        short, long = PAPER_POINTS.get(int(print_setup.get("paper", 9)), PAPER_POINTS[9])
        height = short if print_setup.get("landscape") else long
        margins = {"top": 0.75, "bottom": 0.75} | {
            k: float(v) for k, v in print_setup.get("margins", {}).items()}
        return cls(height - POINTS_PER_INCH * (margins["top"] + margins["bottom"]))


def page_breaks(heights: Sequence[float], capacity: float, repeated: float = 0.0,
                keeps: Sequence[tuple[int, int]] = ()) -> list[int]:
    """Rows that start a new page, for rows of ``heights`` on pages of ``capacity``
    points, where every page after the first also prints ``repeated`` points of
    header rows.  A break never falls inside a ``keeps`` range (first, last row)
    that fits on a page; of nested ranges, the largest that fits is kept whole."""
    breaks: list[int] = []
    start, used, row = 0, 0.0, 0
    while row < len(heights):
        room = capacity - (repeated if breaks else 0.0)
        if used + heights[row] <= room or row == start:
            used += heights[row]
            row += 1
            continue
        fresh = capacity - repeated
        moved = [first for first, last in keeps
                 if start < first < row <= last and sum(heights[first:last + 1]) <= fresh]
        cut = min(moved) if moved else row
        breaks.append(cut)
        start, used, row = cut, 0.0, cut
    return breaks


def print_wide(ws: Any, title: str, header_rows: tuple[int, int] = (0, 0)) -> None:
    """Page setup of a list sheet written with xlsxwriter: A4 landscape, fitted to
    the page's width, its header rows repeated, the running header and footer."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
    ws.repeat_rows(*header_rows)
    ws.set_header(header_text(title))
    ws.set_footer(FOOTER)
