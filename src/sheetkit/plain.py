"""Text from untrusted files made harmless where it is shown: on a terminal
(no control characters or escape sequences) and in CSV (no cell that a
spreadsheet would run as a formula)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

# ESC sequences (CSI, OSC with either terminator, and two-byte ones), then any
# other C0/C1 control, DEL, and the bidirectional overrides that can make a
# line read differently from what it holds.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?"
                      r"|\x9b[0-?]*[ -/]*[@-~]?|\x9d[^\x07\x9c]*[\x07\x9c]?", re.DOTALL)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\n\r]+")

# OWASP: a cell starting with one of these may be run as a formula (DDE).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def terminal(text: str) -> str:
    """``text`` without escape sequences or control characters (line breaks kept)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def one_line(text: str | None) -> str:
    """A value from a file as one safe line: breaks and tabs become spaces."""
    return _BREAKS.sub(" ", terminal(text or ""))


def csv_value(value: Any) -> Any:
    """A CSV cell: numbers stay numbers; text that a spreadsheet would run is
    prefixed with ' (OWASP's CSV-injection rule)."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
