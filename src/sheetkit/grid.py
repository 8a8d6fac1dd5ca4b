"""A workbook opened once, read-only, as plain grids of cell values."""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from abc import abstractmethod
from collections.abc import Callable, Container, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sheetkit.guard import (
    Limits,
    check_markup,
    check_shared_formulas,
    default_limits,
    inspect,
    refuse,
)
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

    def number_format(self, row: int, col: int) -> str | None:
        """``get(row, col).num_format``: the number format of a number or date cell."""
        return self.get(row, col).num_format

    def values(self) -> Mapping[tuple[int, int], Any]:
        """(row, col) -> value of every cell that holds one: ``value(row, col)``
        is ``values().get((row, col))``, for a reader that asks for many."""
        return {key: cell.value for key, cell in self.cells.items() if cell.value is not None}

    def formulas(self) -> Container[tuple[int, int]]:
        """The (row, col) of every cell that holds a formula: ``holds_formula``
        for a reader that asks for many."""
        return {key for key, cell in self.cells.items() if cell.is_formula}

    def filled(self) -> AbstractSet[tuple[int, int]]:
        """The (row, col) of every non-empty cell (``cells``' keys, no Cell made)."""
        return self.cells.keys()


EMPTY = Cell(None)


class Unsupported(Exception):
    """The fast path cannot follow this file; read it with openpyxl instead
    (fastgrid raises it).  Defined here so that ``guarded``, called a few
    times a file, needs no import in its body (an import statement that
    names a module's attribute costs a failed ``__path__`` lookup each time)."""


def has_format(value: Any) -> bool:
    """Whether a cell holding ``value`` carries its number format."""
    return isinstance(value, (int, float, dt.date, dt.time, dt.timedelta)) \
        and not isinstance(value, bool)


class Sheets(Mapping[str, Grid]):
    """A workbook's sheets by name in workbook order, each read when it is
    first asked for (``_read_sheet``, under ``guarded``) and kept."""

    path: Path
    _names: tuple[str, ...]                # in workbook order
    _grids: dict[str, Grid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._grids or name in self._names

    def __getitem__(self, name: str) -> Grid:
        grid = self._grids.get(name)
        if grid is None:
            if name not in self._names:
                raise KeyError(name)
            grid = self._grids[name] = guarded(self.path, lambda: self._read_sheet(name))
        return grid

    def get(self, name: str, default: Any = None) -> Any:
        """Mapping.get, a sheet read before found without raising KeyError."""
        grid = self._grids.get(name)
        if grid is not None:
            return grid
        return self[name] if name in self._names else default

    def formulas_of(self, name: str) -> Container[tuple[int, int]]:
        """The (row, col) of every cell of sheet ``name`` that holds a formula,
        for a reader that wants no value of that sheet: its grid's formulas()
        (FastSheets finds them without reading the values)."""
        return self[name].formulas()

    @abstractmethod
    def _read_sheet(self, name: str) -> Grid:
        """The grid of one sheet of the workbook."""

    @abstractmethod
    def read_rest(self) -> None:
        """Read what the sheets not asked for hold, as far as needed to
        refuse a damaged file as the other sheets would be refused."""


@dataclass(frozen=True)
class Book:
    """Sheets by name in workbook order, and the external links found
    (reported, never followed)."""

    path: Path
    grids: Mapping[str, Grid]
    external_links: tuple[str, ...] = ()
    sha256: str = ""          # of the very bytes these grids were parsed from

    def read_rest(self) -> None:
        """Read the values of every sheet not read yet, so that a damaged sheet
        nobody looked at (the instructions, the 提出前チェック) still makes a
        damaged file, as Excel would find it (the sheets read on demand have
        a ``read_rest`` of their own)."""
        if isinstance(self.grids, Sheets):
            self.grids.read_rest()


FAST, FULL = "fast", "full"


def read_book(path: Path, limits: Limits | None = None, engine: str = FAST,
              digest: bool = True) -> Book:
    """Open ``path`` through the guard, read-only (formulas as text, never
    evaluated); SheetkitError (unreadable-file) when it can't.  ``digest``:
    with the SHA-256 of its bytes (else ``sha256`` is empty: validation
    without documents never uses it).

    ``fast`` reads values with python-calamine and formats and formulas from
    the zip parts; ``full`` reads everything with openpyxl.  Both give the
    same grids, each sheet read when it is first asked for (a sheet the
    reader never looks at is checked by the guard only).  The fast path
    raises Unsupported where only the full one can read the file,
    also when a sheet is first asked for."""
    from sheetkit.fastgrid import FastSheets

    limits = limits or default_limits()
    inspection = inspect(path, limits)
    grids: Mapping[str, Grid] = guarded(path, lambda: FastSheets(
        path, limits, inspection.parts, inspection.data, inspection.referenced,
        inspection.names)
        if engine == FAST else FullSheets(path, inspection.data, limits, inspection.parts))
    return Book(path, grids, inspection.external_links,
                hashlib.sha256(inspection.data).hexdigest() if digest else "")


T = TypeVar("T")


def guarded(path: Path, action: Callable[[], T]) -> T:
    """``action`` (reading ``path``, an untrusted file): any parser failure
    is a damaged file, running out of memory a too-large one (SheetkitError);
    Unsupported goes on to the caller, which reads with openpyxl."""
    try:
        return action()
    except (SheetkitError, Unsupported):
        raise
    except (MemoryError, RecursionError):
        raise refuse(path, "too-large", detail="", what="memory") from None
    except Exception:  # noqa: BLE001 - any parser failure on untrusted input is "damaged"
        raise refuse(path, "damaged") from None


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


class FullSheets(Sheets):
    """The sheets read by openpyxl: formulas as text and, for a sheet that has
    any, their cached results from a second, values-only reading; each sheet
    read when it is first asked for."""

    def __init__(self, path: Path, data: bytes, limits: Limits,
                 parts: Mapping[str, bytes]) -> None:
        """``parts``: the parts the guard unzipped (its sheets): openpyxl translates
        every shared formula it reads and turns all it reads into objects, so
        their bounds are checked first."""
        import io

        import openpyxl

        self.path, self.limits = path, limits
        check_shared_formulas(path, parts, limits)
        check_markup(path, data, parts, limits)
        self._bytes = _without_custom_properties(data)
        with warnings.catch_warnings():   # openpyxl's warnings about odd files are not the user's
            warnings.simplefilter("ignore")
            self._book = openpyxl.load_workbook(io.BytesIO(self._bytes), read_only=True,
                                                data_only=False, keep_links=False)
        self._sheets = {ws.title: ws for ws in self._book.worksheets}
        self._names = tuple(self._sheets)
        self._results: Any = None          # the values-only reading, once a formula is met
        self._grids: dict[str, Grid] = {}
        self._total = 0                    # cells read so far, within limits.max_cells

    def read_rest(self) -> None:
        """Every sheet read (openpyxl decides what is damaged, in any sheet)."""
        for name in self._sheets:
            self[name]

    def _read_sheet(self, name: str) -> Grid:
        import io

        import openpyxl

        ws = self._sheets[name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grid = self._read_cells(ws)
            if any(c.is_formula for c in grid.cells.values()):
                if self._results is None:
                    self._results = openpyxl.load_workbook(
                        io.BytesIO(self._bytes), read_only=True, data_only=True,
                        keep_links=False)
                _cached_results(self._results[ws.title], grid)
        return grid

    def _read_cells(self, ws: Any) -> Grid:
        """The non-empty cells of a sheet, within the row and cell limits."""
        ws.reset_dimensions()
        cells: dict[tuple[int, int], Cell] = {}
        for number, row in enumerate(ws.iter_rows(), start=1):
            if number > self.limits.max_rows:
                raise refuse(self.path, "too-large", detail=f"{number:,}", what="rows")
            for cell in row:
                value = getattr(cell, "value", None)
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                self._total += 1
                if self._total > self.limits.max_cells:
                    raise refuse(self.path, "too-large", detail=f"{self._total:,}",
                                 what="cells")
                formula = value if getattr(cell, "data_type", None) == "f" else None
                cells[(cell.row - 1, cell.column - 1)] = Cell(
                    None, None, formula) if formula else Cell(
                    value, cell.number_format if has_format(value) else None)
        return Grid(ws.title, cells)


def _cached_results(ws: Any, grid: Grid) -> None:
    """Formula cells get the result saved with the file (what its author saw)."""
    formulas = {k for k, c in grid.cells.items() if c.is_formula}
    ws.reset_dimensions()
    for row in ws.iter_rows():
        for cell in row:
            key = (getattr(cell, "row", 0) - 1, getattr(cell, "column", 0) - 1)
            if key in formulas:
                old = grid.cells[key]
                value = shown(cell.value)
                grid.cells[key] = Cell(value, cell.number_format if has_format(value)
                                       else None, old.formula)


def shown(value: Any) -> Any:
    """A cached result as the grids hold values: blank text is no value."""
    return None if value is None or (isinstance(value, str) and not value.strip()) else value
