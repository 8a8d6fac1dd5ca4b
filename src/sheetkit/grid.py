"""A workbook opened once, read-only, as plain grids of cell values."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sheetkit.problems import Location, Problem, SheetkitError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def unreadable_reason(path: Path) -> str:
    """Why a workbook cannot be opened, as a reason key of the messages."""
    try:
        data = path.read_bytes()
    except OSError:
        return "missing"
    if not data:
        return "empty"
    if data.startswith(OLE2):
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in data else "xls"
    if data.startswith(b"PK"):
        return "damaged"
    return "not-workbook"


@dataclass(frozen=True)
class Cell:
    value: Any
    num_format: str | None = None

    @property
    def is_formula(self) -> bool:
        return isinstance(self.value, str) and self.value.startswith("=")


class Grid:
    """The non-empty cells of one sheet, by 0-based (row, col)."""

    def __init__(self, name: str, cells: dict[tuple[int, int], Cell]) -> None:
        self.name = name
        self.cells = cells
        self.max_row = max((r for r, _ in cells), default=-1)

    def get(self, row: int, col: int) -> Cell:
        return self.cells.get((row, col), _EMPTY)

    def value(self, row: int, col: int) -> Any:
        return self.get(row, col).value


_EMPTY = Cell(None)


@dataclass(frozen=True)
class Book:
    """Sheets by name in workbook order, and the workbook-level defined names."""

    path: Path
    grids: dict[str, Grid]
    names: dict[str, str]


def read_book(path: Path) -> Book:
    """Open ``path`` read-only (formulas as text, not evaluated) into grids."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except FileNotFoundError:
        raise SheetkitError([Problem("file-not-found", Location(str(path)))]) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise SheetkitError([Problem("unreadable-file", Location(str(path)),
                                     {"reason": unreadable_reason(path)})]) from None
    try:
        grids = {}
        for ws in wb.worksheets:
            ws.reset_dimensions()
            cells: dict[tuple[int, int], Cell] = {}
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None or not hasattr(cell, "column"):
                        continue
                    value = cell.value
                    if isinstance(value, str) and not value.strip():
                        continue
                    cells[(cell.row - 1, cell.column - 1)] = Cell(value, cell.number_format)
            grids[ws.title] = Grid(ws.title, cells)
        names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    finally:
        wb.close()
    return Book(path, grids, names)
