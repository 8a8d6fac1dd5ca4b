"""All A1 <-> (row, col) arithmetic.  Rows and columns are 0-based here."""

from __future__ import annotations

import re

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")


def col_letter(col: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    if col < 0:
        raise ValueError(f"negative column {col}")
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    value = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"not a column: {letters!r}")
        value = value * 26 + ord(ch) - 64
    return value - 1


def cell_name(row: int, col: int, absolute: bool = False) -> str:
    """(0, 0) -> 'A1' (or '$A$1')."""
    dollar = "$" if absolute else ""
    return f"{dollar}{col_letter(col)}{dollar}{row + 1}"


def parse_cell(name: str) -> tuple[int, int]:
    """'B3' or '$B$3' -> (2, 1)."""
    match = _CELL.match(name.upper())
    if not match:
        raise ValueError(f"not a cell reference: {name!r}")
    return int(match.group(2)) - 1, col_index(match.group(1))


def range_name(first_row: int, first_col: int, last_row: int, last_col: int,
               absolute: bool = False) -> str:
    """(0, 0, 1, 2) -> 'A1:C2'; a single cell gives 'A1'."""
    first = cell_name(first_row, first_col, absolute)
    if (first_row, first_col) == (last_row, last_col):
        return first
    return f"{first}:{cell_name(last_row, last_col, absolute)}"


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C2' -> (0, 0, 1, 2); 'A1' -> (0, 0, 0, 0)."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_cell(first)
    r2, c2 = parse_cell(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def parse_span(span: str) -> tuple[int, int]:
    """A column span 'B:D' -> (1, 3); 'B' -> (1, 1)."""
    first, _, last = span.partition(":")
    a, b = col_index(first.strip()), col_index((last or first).strip())
    return min(a, b), max(a, b)


def quote_sheet(sheet: str) -> str:
    """A sheet name as it must appear in a formula or a defined name."""
    return "'" + sheet.replace("'", "''") + "'"


def sheet_ref(sheet: str, first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """An absolute reference such as ='第1節'!$A$5:$L$14 (without the '=')."""
    return f"{quote_sheet(sheet)}!{range_name(first_row, first_col, last_row, last_col, True)}"


def split_sheet_ref(ref: str) -> tuple[str, tuple[int, int, int, int]]:
    """"'第1節'!$A$5:$L$14" -> ('第1節', (4, 0, 13, 11))."""
    ref = ref.lstrip("=")
    sheet, _, cells = ref.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, parse_range(cells)
