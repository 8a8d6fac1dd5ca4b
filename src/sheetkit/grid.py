"""A workbook opened once, read-only, as plain grids of cell values."""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sheetkit.guard import Limits, default_limits, inspect, refuse
from sheetkit.problems import SheetkitError


@dataclass(frozen=True)
class Cell:
    """A cell's value as shown (a formula's cached result, never evaluated),
    its number format where that value is a number or a date (the only
    values whose meaning a format changes: 0.917 shown as 91.7%, a serial day
    number shown as a date), and its formula text if it holds one."""

    value: Any
    num_format: str | None = None
    formula: str | None = None

    @property
    def is_formula(self) -> bool:
        return self.formula is not None


class Grid:
    """The non-empty cells of one sheet, by 0-based (row, col)."""

    def __init__(self, name: str, cells: dict[tuple[int, int], Cell]) -> None:
        self.name = name
        self.cells = cells
        self.max_row = max((r for r, _ in cells), default=-1)

    def get(self, row: int, col: int) -> Cell:
        return self.cells.get((row, col), EMPTY)

    def value(self, row: int, col: int) -> Any:
        return self.get(row, col).value

    def holds_formula(self, row: int, col: int) -> bool:
        """Whether the cell holds a formula (its text is not made)."""
        return self.get(row, col).is_formula


EMPTY = Cell(None)


def has_format(value: Any) -> bool:
    """Whether a cell holding ``value`` carries its number format."""
    return isinstance(value, (int, float, dt.date, dt.time, dt.timedelta)) \
        and not isinstance(value, bool)


@dataclass(frozen=True)
class Book:
    """Sheets by name in workbook order, and the external links found
    (reported, never followed)."""

    path: Path
    grids: Mapping[str, Grid]
    external_links: tuple[str, ...] = ()
    sha256: str = ""          # of the very bytes these grids were parsed from


FAST, FULL = "fast", "full"


def read_book(path: Path, limits: Limits | None = None, engine: str = FAST) -> Book:
    """Open ``path`` through the guard, read-only (formulas as text, never
    evaluated); SheetkitError (unreadable-file) when it can't.

    ``fast`` reads values with python-calamine and formats and formulas from
    the zip parts; ``full`` reads everything with openpyxl.  Both give the
    same grids.  The fast path raises fastgrid.Unsupported where only the
    full one can read the file."""
    from sheetkit.fastgrid import FastSheets, Unsupported

    limits = limits or default_limits()
    inspection = inspect(path, limits)
    try:
        grids: Mapping[str, Grid] = FastSheets(path, limits, inspection.parts,
                                               inspection.data, inspection.referenced) \
            if engine == FAST else _read(path, inspection.data, limits)
    except (SheetkitError, Unsupported):
        raise
    except (MemoryError, RecursionError):
        raise refuse(path, "too-large", detail="", what="memory") from None
    except Exception:  # noqa: BLE001 - any parser failure on untrusted input is "damaged"
        raise refuse(path, "damaged") from None
    return Book(path, grids, inspection.external_links,
                hashlib.sha256(inspection.data).hexdigest())


# The part sheetkit writes its identity into for Excel's 「プロパティ」 and never
# reads (the identity sheet is what counts): openpyxl would refuse a whole
# workbook over a damaged custom property that the fast path never looks at.
_CUSTOM_PROPERTIES = "docProps/custom.xml"


def _without_custom_properties(data: bytes) -> bytes:
    """The workbook's bytes without its custom document properties (the guard
    has already bounded every part's size)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as source:
        if _CUSTOM_PROPERTIES not in source.namelist():
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
            for info in source.infolist():
                if info.filename != _CUSTOM_PROPERTIES:
                    copy.writestr(info.filename, source.read(info))
        return out.getvalue()


def _read(path: Path, data: bytes, limits: Limits) -> dict[str, Grid]:
    import io

    import openpyxl

    data = _without_custom_properties(data)
    with warnings.catch_warnings():      # openpyxl's warnings about odd files are not the user's
        warnings.simplefilter("ignore")
        grids = _read_cells(openpyxl.load_workbook(io.BytesIO(data), read_only=True,
                                                   data_only=False, keep_links=False),
                            path, limits)
        if any(c.is_formula for g in grids.values() for c in g.cells.values()):
            _cached_results(openpyxl.load_workbook(io.BytesIO(data), read_only=True,
                                                   data_only=True, keep_links=False), grids)
        return grids


def _cached_results(wb: Any, grids: dict[str, Grid]) -> None:
    """Formula cells get the result saved with the file (what its author saw)."""
    try:
        for ws in wb.worksheets:
            grid = grids.get(ws.title)
            formulas = {k for k, c in grid.cells.items() if c.is_formula} if grid else set()
            if grid is None or not formulas:
                continue
            ws.reset_dimensions()
            for row in ws.iter_rows():
                for cell in row:
                    key = (getattr(cell, "row", 0) - 1, getattr(cell, "column", 0) - 1)
                    if key in formulas:
                        old = grid.cells[key]
                        value = shown(cell.value)
                        grid.cells[key] = Cell(value, cell.number_format if has_format(value)
                                               else None, old.formula)
    finally:
        wb.close()


def shown(value: Any) -> Any:
    """A cached result as the grids hold values: blank text is no value."""
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _read_cells(wb: Any, path: Path, limits: Limits) -> dict[str, Grid]:
    """The non-empty cells of every sheet, within the row and cell limits."""
    try:
        grids = {}
        total = 0
        for ws in wb.worksheets:
            ws.reset_dimensions()
            cells: dict[tuple[int, int], Cell] = {}
            for number, row in enumerate(ws.iter_rows(), start=1):
                if number > limits.max_rows:
                    raise refuse(path, "too-large", detail=f"{number:,}", what="rows")
                for cell in row:
                    value = getattr(cell, "value", None)
                    if value is None or (isinstance(value, str) and not value.strip()):
                        continue
                    total += 1
                    if total > limits.max_cells:
                        raise refuse(path, "too-large", detail=f"{total:,}", what="cells")
                    formula = value if getattr(cell, "data_type", None) == "f" else None
                    cells[(cell.row - 1, cell.column - 1)] = Cell(
                        None, None, formula) if formula else Cell(
                        value, cell.number_format if has_format(value) else None)
            grids[ws.title] = Grid(ws.title, cells)
    finally:
        wb.close()
    return grids
