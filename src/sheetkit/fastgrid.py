"""The fast read path: cell values from python-calamine, and what calamine
cannot see — number formats and which cells hold formulas — from a plain scan
of the zip parts (styles.xml and the sheet XML, already checked by the guard).

It gives the same grids as the openpyxl path, which a test proves on the whole
test corpus.  Shared formulas (a formula filled down in Excel) are read as
openpyxl reads them, with its own Translator, imported only for a sheet that
has one.  Where a file uses something the scan does not follow (array
formulas, a shared formula it is not sure of, namespace prefixes) or calamine
cannot open, it raises Unsupported and the caller reads the file with openpyxl."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Container, Iterator, Mapping
from collections.abc import Set as AbstractSet
from functools import cache, lru_cache, partial
from itertools import compress, count, repeat
from operator import itemgetter, ne
from pathlib import Path
from typing import Any

from sheetkit.a1 import col_index, col_letter
from sheetkit.cellxml import (
    Outline,
    SharedStrings,
    Sheet,
    element_text,
    number_kinds,
    outline,
    read_sheet,
    shared_strings,
    workbook_sheets,
)
from sheetkit.grid import EMPTY, Cell, Grid, Sheets, Unsupported, guarded, has_format
from sheetkit.guard import Limits, check_shared_formulas, refuse
from sheetkit.memo import Memo

BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
    11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm",
    17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss",
    22: "m/d/yy h:mm", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss",
    46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}
_NUMFMT = re.compile(rb'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"')
_CELLXFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.DOTALL)
_XF = re.compile(rb"<xf\b([^>]*)")
_ATTR_NUMFMT = re.compile(rb'\bnumFmtId="(\d+)"')
_SHEET = re.compile(rb"<sheet\b([^>]*)/?>")
_REL = re.compile(rb"<Relationship\b([^>]*)/?>")
_CELL = re.compile(rb"<c\s([^>]*?)(/?)>")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_FORMULA_HEAD = re.compile(rb"\s*<f(\s[^>]*)?")


def _attr(blob: bytes, name: bytes) -> str | None:
    match = _attribute(name).search(blob)
    return html.unescape(match.group(1).decode("utf-8")) if match else None


@cache
def _attribute(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"\b" + name + rb'="([^"]*)"')


class _Formats:
    """The number format of each cell style index (``of``), and of a style
    index as a sheet writes it (``written[b"12"]``, b"" where none is: a dict
    lookup in C, for the number cells cellxml read; bounded, as a hostile
    sheet may write any number)."""

    __slots__ = ("_formats", "written")

    def __init__(self, formats: list[str]) -> None:
        self._formats = formats
        self.written: Memo[bytes, str] = Memo(partial(_written_format, formats), 256)

    def of(self, style: int) -> str:
        return _written_format(self._formats, b"", style)


def _written_format(formats: list[str], written: bytes, style: int = 0) -> str:
    """The format of style ``style``, or of the one ``written`` (as a sheet
    writes its index) where that is not b"": "General" past the last."""
    index = int(written) if written else style
    return formats[index] if index < len(formats) else "General"


@lru_cache(maxsize=16)
def _styles(data: bytes) -> _Formats:
    """The number format of each cell style index (files made from one
    template share their styles part, so it is read once per run)."""
    custom = {int(i): html.unescape(code.decode("utf-8")) for i, code in _NUMFMT.findall(data)}
    block = _CELLXFS.search(data)
    formats = []
    for xf in _XF.findall(block.group(1) if block else b""):
        found = _ATTR_NUMFMT.search(xf)
        number = int(found.group(1)) if found else 0
        formats.append(custom.get(number) or BUILTIN_FORMATS.get(number, "General"))
    return _Formats(formats)


@lru_cache(maxsize=16)
def _sheet_parts(workbook: bytes, relationships: bytes) -> dict[str, str]:
    """Sheet name -> part name, from workbook.xml and its relationships."""
    rels = {}
    for blob in _REL.findall(relationships):
        rid, target = _attr(blob, b"Id"), _attr(blob, b"Target")
        if rid and target:
            rels[rid] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    sheets = {}
    for blob in _SHEET.findall(workbook):
        name, rid = _attr(blob, b"name"), _attr(blob, b"r:id")
        if name is not None and rid in rels:
            sheets[name] = rels[rid]
    return sheets


# a formula element, or a cell element whose attributes do not start with its reference
_MARKS = re.compile(rb'<(?:f[\s>/]|c (?!r="))')
_FORMULA_TAG = re.compile(rb"<f[\s>/]")


@cache
def _col(letters: bytes) -> int:
    return col_index(letters.decode())


@lru_cache(maxsize=4096)
def _ref(row: int, col: int) -> bytes:
    """(row, col) -> b'F7', as a sheet's XML names the cell."""
    return f"{col_letter(col)}{row + 1}".encode()


@lru_cache(maxsize=256)
def _style(attributes: bytes | None) -> int:
    """The style index in a cell's attributes (0 when it has none; bounded:
    the attributes are a file's, and name the cell)."""
    found = _STYLE.search(attributes) if attributes else None
    return int(found.group(1)) if found else 0


def _scan(data: bytes, referenced: bool = False, check: Callable[[], None] | None = None
          ) -> tuple[dict[tuple[int, int], tuple[str, bytes]], dict[bytes, bytes] | None,
                     dict[tuple[int, int], str]]:
    """One pass over a sheet's XML: (row, col) -> (formula as written, the cell's
    attributes) of every cell that holds a formula; where some cell's
    attributes do not start with its reference, every cell's attributes; and
    the formula text of every cell that shares another's (a formula filled
    down), as openpyxl gives it.  ``referenced``: the guard found every cell
    written with its reference first, so only formulas are looked for.
    ``check``: called before the first shared formula is translated (the
    guard's bound on the workbook's, check_shared_formulas)."""
    if data.find(b"<x:c ") >= 0 or data.find(b":worksheet", 0, 2000) >= 0:
        raise Unsupported("namespace prefix")
    formulas = {}
    attributes = None
    shared: _SharedFormulas | None = None
    for mark in (_FORMULA_TAG if referenced else _MARKS).finditer(data):
        if mark.group().startswith(b"<c"):
            if attributes is None:
                attributes = _cell_attributes(data)
            continue
        start = data.rfind(b"<c ", 0, mark.start())
        cell = _CELL.match(data, start) if start >= 0 else None
        if cell is None or cell.group(2) or data[cell.end():mark.start()].strip():
            continue                          # not the first child of a cell
        formula = _formula_at(data, cell.end())
        if formula is None:
            continue
        options, written = formula
        if options is not None and not _paired(options):
            raise Unsupported("a '>' inside a formula's attributes")
        ref = _REF.search(cell.group(1))
        if ref is None:
            raise Unsupported("cell without reference")
        key = (int(ref.group(2)) - 1, _col(ref.group(1)))
        formulas[key] = (written.decode("utf-8"), cell.group(1))
        index = _shared_index(options) if options is not None else None
        if index is not None:
            if shared is None:
                if check is not None:
                    check()
                shared = _SharedFormulas()
            shared.add(key, index, formulas[key][0], ref.group(1), ref.group(2))
    return formulas, attributes, {} if shared is None else shared.texts


# a formula's attributes as Excel and LibreOffice write them: unprefixed names,
# double-quoted values without references (anything else: openpyxl decides)
_FORMULA_ATTRIBUTES = re.compile(rb'(?:\s++[A-Za-z_][-.\w]*+\s*+=\s*+"[^"&<]*+")*+\s*+')
_FORMULA_ATTRIBUTE = re.compile(rb'([A-Za-z_][-.\w]*+)\s*+=\s*+"([^"]*+)"')
_SHARED_INDEX = re.compile(rb"[0-9]{1,9}+")


def _paired(options: bytes) -> bool:
    """Whether a formula tag's attributes (up to the first '>') pair their
    quotes: where they do not, a '>' inside a value ended them early and the
    formula's text is not where the scan looks (openpyxl decides)."""
    return not options.count(b'"') % 2 and not options.count(b"'") % 2


def _shared_index(options: bytes) -> bytes | None:
    """A formula's si (as written) where its attributes make it a shared
    formula (t="shared"), None for an ordinary one (no t, or t="normal");
    Unsupported for any other kind (an array, a data table) or attributes
    written otherwise."""
    if b"t" not in options:          # no t attribute (LibreOffice's aca="false"): ordinary
        return None
    if _FORMULA_ATTRIBUTES.fullmatch(options) is None:
        raise Unsupported("formula attributes")
    found = dict(_FORMULA_ATTRIBUTE.findall(options))
    kind = found.get(b"t", b"normal")
    if kind == b"normal":
        return None
    index = found.get(b"si")
    if kind != b"shared" or index is None or _SHARED_INDEX.fullmatch(index) is None:
        raise Unsupported("array or other formula")
    return index


def _may_share(data: bytes) -> bool:
    """Whether a sheet's XML may hold a shared formula: the word, or a
    character reference (``t="&#115;hared"`` is one, as openpyxl reads it)."""
    return data.find(b"shared") >= 0 or data.find(b"&#") >= 0


class _SharedFormulas:
    """The shared formulas of one sheet as openpyxl's reader reads them, in
    the order the sheet writes them: the first formula of an index that has
    text is its master (its own text); each later cell of the index gets the
    master's formula translated to its place by openpyxl's own Translator
    (imported only for a sheet that has one).  Where openpyxl would read a
    cell otherwise than as a formula of that text — a cell of an index whose
    master is not before it (openpyxl gives "="), a master its tokenizer or a
    translation refuses (openpyxl fails on the sheet), a translation to blank
    text (openpyxl drops the cell) — Unsupported: openpyxl decides."""

    def __init__(self) -> None:
        from openpyxl.formula.translate import Translator

        self._translator = Translator
        self._masters: dict[bytes, Any] = {}
        self.texts: dict[tuple[int, int], str] = {}     # each dependent's formula text

    def add(self, key: tuple[int, int], index: bytes, written: str, letters: bytes,
            digits: bytes) -> None:
        """A shared formula's cell: ``key`` (row, col), its si, its own text as
        written, and its reference as written (letters, digits)."""
        if digits.startswith(b"0"):
            raise Unsupported("cell reference")
        cell = (letters + digits).decode()
        master = self._masters.get(index)
        try:
            if master is None:
                if not written:
                    raise Unsupported("shared formula without its master")
                self._masters[index] = self._translator(_formula_text(written), cell)
                return
            text = master.translate_formula(cell)
        except Unsupported:
            raise
        except Exception as exc:  # noqa: BLE001 - openpyxl fails on the sheet: it decides
            raise Unsupported(type(exc).__name__) from None
        if not isinstance(text, str) or not text.strip():
            raise Unsupported("shared formula translated to nothing")
        self.texts[key] = text


def _formula_at(data: bytes, at: int) -> tuple[bytes | None, bytes] | None:
    """The formula element at ``at`` (after white space): its attributes (None
    without) and its text as written; None where there is none.  What the pattern
    ``\\s*<f(\\s[^>]*)?(?:/>|>(.*?)</f>)`` (DOTALL) matches, with the text found by
    bytes.find instead of a character-by-character lazy match; but a start tag
    that closes itself (``<f t="shared" si="0"/>``, its quotes paired) is an
    empty formula, as XML reads it, also where another formula's end tag
    follows (the pattern ran on to that one's text)."""
    head = _FORMULA_HEAD.match(data, at)
    if head is None:
        return None
    end, options = head.end(), head.group(1)
    if options is None and data.startswith(b"/>", end):       # <f/>
        return None, b""
    if options is not None and options.endswith(b"/") and data.startswith(b">", end) \
            and not options.count(b'"') % 2:                 # <f t="shared" si="0"/>
        return options[:-1], b""
    if data.startswith(b">", end):
        close = data.find(b"</f>", end + 1)
        if close >= 0:
            return options, data[end + 1:close]
    if options is not None and len(options) > 1 and options.endswith(b"/") \
            and data.startswith(b">", end):   # <f a="1/>: the attributes give back the '/'
        return options[:-1], b""
    return None


def _formula_text(written: str) -> str:
    """A formula as the sheet XML writes it, as openpyxl gives it: '=' and the
    text as an XML parser reads it, line ends normalised and references
    replaced (made only for the cells that are looked at)."""
    return "=" + element_text(written)


def _cell_attributes(data: bytes) -> dict[bytes, bytes]:
    """Reference (b'F7') -> attributes of every cell element, the attributes
    in any order; raises Unsupported for a cell without a reference."""
    found = {}
    for match in _CELL.finditer(data):
        ref = _REF.search(match.group(1))
        if ref is None:
            raise Unsupported("cell without reference")
        found[ref.group(1) + ref.group(2)] = match.group(1)
    return found


def _value(value: Any) -> Any:
    """A calamine value as openpyxl gives it; None for an empty or blank cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if type(value) is dt.date:                 # openpyxl's convention: datetimes
        return dt.datetime.combine(value, dt.time())
    return value


def _calamine_values(rows: list[list[Any]]) -> dict[tuple[int, int], Any]:
    """(row, col) -> value of every cell of calamine's rows that holds one,
    as the grids hold values (``_value``)."""
    values = {}
    for r, row in enumerate(rows):
        # calamine fills the empty cells of its grid with "": passed over in C
        for c in compress(count(), map(ne, row, repeat(""))):
            value = _value(row[c])
            if value is not None:
                values[(r, c)] = value
    return values


_ROW = itemgetter(0)
# a cell typed as an error value (t="e"), however the attribute is written: its
# value "e" quoted either way, or "e" as a character reference (two searches,
# each with a literal first byte that sre looks for quickly: ~25 us for 27 KB)
_ERROR_TYPE = re.compile(rb"e[\"'](?<=[\"']e[\"'])")
_ERROR_REFERENCE = re.compile(rb"&(?:#0*+101|#x0*+65);")


class FastGrid(Grid):
    """A sheet read by the fast path: values (a formula's cached result)
    taken when a value is first asked for — from the sheet's XML where the
    scan is sure of every cell (cellxml), else from calamine's rows —,
    formulas from the sheet XML, and a number format looked up only for the
    number and date cells asked for."""

    def __init__(self, name: str, values: Callable[[], dict[tuple[int, int], Any]],
                 data: bytes, styles: _Formats, referenced: bool = False,
                 formulas: list[tuple[int, int]] | None = None,
                 sheet: Sheet | Outline | None = None, check: Callable[[], None] | None = None) -> None:
        """``formulas``: where every formula cell is already known (cellxml),
        their keys (the text is then found when asked for); else the sheet
        XML is scanned for them.  ``sheet``: the sheet as cellxml read it (its
        number cells' styles known once its values are read from it).  ``check``:
        _scan's, before a shared formula is translated."""
        self.name, self._read_values, self._data, self._styles = name, values, data, styles
        self._sheet = sheet
        self._formulas: dict[tuple[int, int], tuple[str, bytes] | None]
        self._shared: dict[tuple[int, int], str] = {}    # filled-down formulas' texts
        if formulas is None:
            self._formulas, self._attributes, self._shared = _scan(  # type: ignore[assignment]
                data, referenced, check)
        else:
            self._formulas, self._attributes = dict.fromkeys(formulas), None
        self._values: dict[tuple[int, int], Any] | None = None
        self._cursor = 0
        self._filled: set[tuple[int, int]] | None = None      # filled(), found once
        self._ordered: list[tuple[int, int]] | None = None    # the same, sorted (cells)
        self._max_row: int | None = None

    def values(self) -> dict[tuple[int, int], Any]:
        """(row, col) -> value of every cell that holds one (read the first time)."""
        if self._values is None:
            self._values = self._read_values()
        return self._values

    def has_values(self) -> bool:
        """Whether the sheet's values have been read."""
        return self._values is not None

    @property
    def max_row(self) -> int:  # type: ignore[override]
        if self._max_row is None:
            self._max_row = max(max(map(_ROW, self.values()), default=-1),
                                max(map(_ROW, self._formulas), default=-1))
        return self._max_row

    def value(self, row: int, col: int) -> Any:
        return (self._values if self._values is not None else self.values()).get((row, col))

    def get(self, row: int, col: int) -> Cell:
        value = self.value(row, col)
        if self._formulas and (row, col) in self._formulas:
            written, attributes = self._formula(row, col)
            return Cell(value, self._format(value, attributes),
                        self._shared.get((row, col)) or _formula_text(written))
        if value is None:
            return EMPTY
        if value.__class__ is str:                # text has no number format
            return Cell(value)
        return Cell(value, self._format(value, None, row, col))

    def number_format(self, row: int, col: int) -> str | None:
        if self._formulas and (row, col) in self._formulas:
            return self.get(row, col).num_format
        written = self._written_style(row, col)
        if written is not None:                  # a number cell cellxml read: _format's
            return self._styles.written[written]
        value = self.value(row, col)
        if value is None or value.__class__ is str:
            return None
        return self._format(value, None, row, col)           # get's, without its Cell

    def holds_formula(self, row: int, col: int) -> bool:
        return (row, col) in self._formulas

    def formulas(self) -> Container[tuple[int, int]]:
        return self._formulas.keys()

    def filled(self) -> AbstractSet[tuple[int, int]]:
        if self._filled is None:
            self._filled = self.values().keys() | self._formulas.keys()
        return self._filled

    def _formula(self, row: int, col: int) -> tuple[str, bytes]:
        """A formula cell's formula as written and its attributes (found in
        the sheet XML the first time, where only its place was known)."""
        found = self._formulas[(row, col)]
        if found is None:
            attributes = self._attributes_of(row, col) or b""
            formula = _formula_at(self._data, self._data.find(b">", self._cursor) + 1)
            if formula is not None and formula[0] is not None and not _paired(formula[0]):
                raise Unsupported("a '>' inside a formula's attributes")
            found = self._formulas[(row, col)] = (
                (formula[1] if formula else b"").decode("utf-8"), attributes)
        return found

    def _format(self, value: Any, attributes: bytes | None, row: int = 0,
                col: int = 0) -> str | None:
        """The number format of a number or date cell (None for others)."""
        if not has_format(value):
            return None
        written = None if attributes is not None else self._written_style(row, col)
        if written is not None:                  # a number cell cellxml read
            return self._styles.written[written]
        return self._styles.of(_style(attributes if attributes is not None
                                      else self._attributes_of(row, col)))

    def _written_style(self, row: int, col: int) -> bytes | None:
        """The style index of a number cell cellxml read, as the sheet writes
        it (b"" where none is); None for any other cell, or where cellxml has
        not read the sheet's values."""
        styles = None if self._sheet is None else self._sheet.styles
        return None if styles is None else styles.get((row, col))

    def _attributes_of(self, row: int, col: int) -> bytes | None:
        """The attributes of a cell's element.  Cells are asked for mostly top
        to bottom, so the search goes on from the last one found."""
        if self._attributes is not None:
            return self._attributes.get(_ref(row, col))
        data, needle = self._data, b'<c r="' + _ref(row, col) + b'"'
        at = data.find(needle, self._cursor)
        if at < 0:
            at = data.find(needle, 0, self._cursor + len(needle))
            if at < 0:
                return None
        self._cursor = at
        return data[at + len(needle):data.find(b">", at)]

    @property
    def cells(self) -> Mapping[tuple[int, int], Cell]:  # type: ignore[override]
        """Every non-empty cell; each Cell is made when it is looked at.  Which
        cells (found once) are kept on the grid, not the mapping, which holds
        the grid: no reference cycle, so a file's grids are freed as soon as
        it is done, not by the cyclic garbage collector."""
        if self._ordered is None:
            self._ordered = sorted(self.filled())
        return _Cells(self, self.filled(), self._ordered)


class _Cells(Mapping[tuple[int, int], Cell]):
    """The non-empty cells of a FastGrid: which ones, from its values and
    formulas; their contents only when asked for."""

    def __init__(self, grid: FastGrid, found: AbstractSet[tuple[int, int]],
                 ordered: list[tuple[int, int]]) -> None:
        self._grid, self._set, self._keys = grid, found, ordered

    def __getitem__(self, key: tuple[int, int]) -> Cell:
        if key not in self._set:
            raise KeyError(key)
        return self._grid.get(*key)

    def __contains__(self, key: object) -> bool:
        return key in self._set

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _unsupported(exc: BaseException) -> Unsupported:
    """calamine's failure, for openpyxl to decide on; a panic in its Rust code
    (pyo3's PanicException, no Exception: a number under a date format far
    beyond any date makes chrono panic) is one too.  Anything else that is no
    Exception (KeyboardInterrupt …) goes on."""
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc
    return Unsupported(type(exc).__name__)


class _Calamine:
    """The workbook as calamine reads it, opened only when first needed, and
    the rows of its sheets.  Held apart from FastSheets so that a grid, which
    reads through it, holds no reference back to the sheets that hold the grid:
    a file's sheets and parts are freed when the file is done, not by the
    cyclic GC."""

    def __init__(self, path: Path, limits: Limits, data: bytes) -> None:
        self.path, self.limits, self._data = path, limits, data
        self._workbook: Any = None

    def workbook(self) -> Any:
        """The workbook opened by calamine (once)."""
        if self._workbook is None:
            import io

            import python_calamine

            try:
                self._workbook = python_calamine.CalamineWorkbook.from_filelike(
                    io.BytesIO(self._data))
            except BaseException as exc:  # noqa: BLE001 - calamine is stricter: openpyxl decides
                raise _unsupported(exc) from None
        return self._workbook

    def values(self, name: str, sheet: Sheet | Outline | None, data: bytes) -> dict[tuple[int, int], Any]:
        """A sheet's values: from its XML (``sheet``) where the scan is sure
        of them, else from calamine's rows; Unsupported where the sheet's XML
        (``data``) may hold an error value (#DIV/0!, #N/A …: calamine gives
        none, openpyxl its text, which the checks call no number)."""
        values = None if sheet is None else sheet.values()
        if values is None:
            if _ERROR_TYPE.search(data) or _ERROR_REFERENCE.search(data):
                raise Unsupported("an error value")
            values = _calamine_values(self.rows(name))
        return values

    def rows(self, name: str) -> list[list[Any]]:
        """calamine's rows of a sheet, within the area limit."""
        try:
            sheet = self.workbook().get_sheet_by_name(name)
            area = sheet.height * sheet.width
            rows = None if area > self.limits.max_sheet_area else sheet.to_python(
                skip_empty_area=False)
        except Unsupported:
            raise
        except BaseException as exc:  # noqa: BLE001 - as above: openpyxl decides
            raise _unsupported(exc) from None
        if rows is None:
            raise refuse(self.path, "too-large", detail=f"{area:,}", what="cells")
        return rows


class FastSheets(Sheets):
    """The sheets of a workbook, each read when first asked for: values from
    the sheet's XML as the guard unzipped it where the scan is sure to give
    calamine's (cellxml; nothing is unzipped or parsed twice), else from
    calamine, opened only then; formulas from the sheet XML.  A sheet the
    reader never asks for (the 記入要領) is never parsed, and one whose
    formulas alone are looked at (the 提出前チェック) has no values read; the
    guard has checked every sheet's XML.  Raises Unsupported where the
    openpyxl path must be used instead, also when a sheet is first asked for."""

    def __init__(self, path: Path, limits: Limits, parts: Mapping[str, bytes],
                 data: bytes, referenced: frozenset[str] = frozenset(),
                 names: frozenset[str] | None = None) -> None:
        """``parts``: the unzipped parts the guard already read (workbook,
        relationships, styles and sheets); ``data``: the file as the guard read it;
        ``referenced``: the parts the guard found with every cell's reference first
        (only their values are taken from the XML); ``names``: every member's
        name (None: not known, values from calamine)."""
        self.path, self.limits, self._data, self._referenced = path, limits, parts, referenced
        self._calamine = _Calamine(path, limits, data)
        self._grids: dict[str, Grid] = {}
        self._checked: set[str] = set()      # sheets the scan is sure of
        self._formulas_bounded = False       # check_shared_formulas has let them through
        try:
            self._formats = _styles(parts.get("xl/styles.xml", b""))
            sheets = None if names is None else workbook_sheets(dict(parts), names)
            self._strings: SharedStrings | None = None
            if sheets is not None and names is not None and "xl/sharedStrings.xml" in names:
                self._strings = self._shared_strings()
                if self._strings is None:
                    sheets = None            # shared strings not plainly written
            self._kinds = None if sheets is None else number_kinds(
                parts.get("xl/styles.xml", b""))
            if sheets is None or self._kinds is None:
                self._parts = _sheet_parts(parts.get("xl/workbook.xml", b""),
                                           parts.get("xl/_rels/workbook.xml.rels", b""))
                self._names = tuple(self._calamine.workbook().sheet_names)
            else:
                self._parts, self._names = dict(sheets), tuple(name for name, _ in sheets)
        except Unsupported:
            raise
        except Exception as exc:  # noqa: BLE001 - calamine is stricter: let openpyxl decide
            raise Unsupported(type(exc).__name__) from None
        for name in self._names:
            part = self._parts.get(name)
            if part is None or part not in self._data:
                raise Unsupported(f"sheet {name} not found in the parts")

    def _shared_strings(self) -> SharedStrings | None:
        """The workbook's shared strings where their part is plainly written;
        None where the scan is not sure of it (calamine then reads the
        workbook, as it would fail where the part fails it)."""
        data = self._data.get("xl/sharedStrings.xml")
        if data is None or "xl/sharedStrings.xml" not in self._referenced:
            return None
        return shared_strings(data)

    def _read_sheet(self, name: str) -> Grid:
        return self._grid(name, self._sure(name))

    def _grid(self, name: str, sheet: Sheet | Outline | None) -> FastGrid:
        """A sheet's grid: from its XML where the scan is sure of every cell
        (``sheet``), else from calamine."""
        part = self._parts[name]
        data = self._data[part]
        if sheet is None:
            return FastGrid(name, partial(guarded, self.path,
                                          partial(self._calamine.values, name, None, data)),
                            data, self._formats, part in self._referenced,
                            check=self._bound_shared_formulas)
        # a formula element's attributes were passed over: where one might be
        # shared, an array or a data table, or a prefix might hide a cell, the
        # scan decides
        odd = data.find(b":worksheet", 0, 2000) >= 0 or sheet.odd and (
            data.find(b"<x:c ") >= 0 or _may_share(data) or data.find(b"array") >= 0
            or data.find(b"dataTable") >= 0)
        return FastGrid(name, partial(guarded, self.path,
                                      partial(self._calamine.values, name, sheet, data)),
                        data, self._formats, True, None if odd else sheet.formulas, sheet,
                        self._bound_shared_formulas)

    def formulas_of(self, name: str) -> Container[tuple[int, int]]:
        """The formula cells of a sheet whose values the reader does not want
        (the 提出前チェック): where the scan is sure of every cell, found by one
        pass that reads no value (cellxml.outline: its grid reads them only if
        they are asked for after all), else as any grid finds them."""
        if name not in self._grids and name in self._names:
            sheet = guarded(self.path, partial(self._outline, name))
            if sheet is not None:
                self._checked.add(name)
                self._grids[name] = guarded(self.path, partial(self._grid, name, sheet))
        return self[name].formulas()

    def _bound_shared_formulas(self) -> None:
        """Before the workbook's first shared formula is translated: the guard's
        bound on what they all expand to (SheetkitError where they pass it)."""
        if not self._formulas_bounded:
            check_shared_formulas(self.path, self._data, self.limits)
            self._formulas_bounded = True

    def _sure(self, name: str) -> Sheet | None:
        """A sheet's XML where the scan is sure of every cell (cellxml)."""
        part = self._parts[name]
        if self._kinds is None or part not in self._referenced:
            return None
        sheet = read_sheet(self._data[part], self._kinds, self._strings)
        if sheet is not None:
            self._checked.add(name)
        return sheet

    def read_rest(self) -> None:
        """The values of every sheet whose values were not read, read as the
        others are: from the XML where the scan is sure of every cell (its
        XML the guard's expat pass has checked whole), else by calamine (its
        failure: Unsupported, for openpyxl to decide): a damaged value in a
        sheet nobody looks at still makes a damaged file."""
        for name in self._names:
            grid = self._grids.get(name)
            if grid is None and _may_share(self._data[self._parts[name]]):
                # openpyxl translates every shared formula of every sheet, and
                # fails on the file where it cannot: the scan must be as sure
                guarded(self.path, partial(_scan, self._data[self._parts[name]],
                                           self._parts[name] in self._referenced,
                                           self._bound_shared_formulas))
            if name in self._checked or isinstance(grid, FastGrid) and grid.has_values():
                continue
            if self._outline(name) is None and self._sure(name) is None:
                guarded(self.path, partial(self._calamine.rows, name))

    def _outline(self, name: str) -> Outline | None:
        """What _sure finds of a sheet, found without reading its values
        (cellxml.outline); None where that cannot tell (_sure decides)."""
        part = self._parts[name]
        if self._kinds is None or part not in self._referenced:
            return None
        return outline(self._data[part], self._kinds, self._strings)
