"""The fast read path: cell values from python-calamine, and what calamine
cannot see — number formats and which cells hold formulas — from a plain scan
of the zip parts (styles.xml and the sheet XML, already checked by the guard).

It gives the same grids as the openpyxl path, which a test proves on the whole
test corpus; where a file uses something the scan does not follow (shared or
array formulas, namespace prefixes) or calamine cannot open, it raises
Unsupported and the caller reads the file with openpyxl."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from sheetkit.a1 import col_index
from sheetkit.grid import Cell, Grid, shown
from sheetkit.guard import Limits, refuse

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
_FORMULA = re.compile(rb"\s*<f(\s[^>]*)?(?:/>|>(.*?)</f>)", re.DOTALL)


class Unsupported(Exception):
    """The scan cannot follow this file; read it with openpyxl instead."""


def _attr(blob: bytes, name: bytes) -> str | None:
    match = re.search(rb"\b" + name + rb'="([^"]*)"', blob)
    return html.unescape(match.group(1).decode("utf-8")) if match else None


def _styles(parts: Mapping[str, bytes]) -> list[str]:
    """The number format of each cell style index."""
    data = parts.get("xl/styles.xml")
    if data is None:
        return []
    custom = {int(i): html.unescape(code.decode("utf-8")) for i, code in _NUMFMT.findall(data)}
    block = _CELLXFS.search(data)
    formats = []
    for xf in _XF.findall(block.group(1) if block else b""):
        found = _ATTR_NUMFMT.search(xf)
        number = int(found.group(1)) if found else 0
        formats.append(custom.get(number) or BUILTIN_FORMATS.get(number, "General"))
    return formats


def _sheet_parts(parts: Mapping[str, bytes]) -> dict[str, str]:
    """Sheet name -> part name, from workbook.xml and its relationships."""
    rels = {}
    for blob in _REL.findall(parts.get("xl/_rels/workbook.xml.rels", b"")):
        rid, target = _attr(blob, b"Id"), _attr(blob, b"Target")
        if rid and target:
            rels[rid] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    sheets = {}
    for blob in _SHEET.findall(parts["xl/workbook.xml"]):
        name, rid = _attr(blob, b"name"), _attr(blob, b"r:id")
        if name is not None and rid in rels:
            sheets[name] = rels[rid]
    return sheets


_COMMON = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="[a-zA-Z]+")?\s*(/?)>')


@cache
def _col(letters: bytes) -> int:
    return col_index(letters.decode())


def _scan(data: bytes, styles: list[str]) -> dict[tuple[int, int], tuple[str | None, str | None]]:
    """(row, col) -> (number format, formula text) of every cell element."""
    if b"<x:c " in data or b":worksheet" in data[:2000]:
        raise Unsupported("namespace prefix")
    cells = list(_COMMON.finditer(data))
    if len(cells) != data.count(b"<c "):
        return _scan_any(data, styles)          # attributes in another order or others
    found = {}
    for match in cells:
        fmt = _format(match.group(3), styles)
        formula = None if match.group(4) else _formula(data, match.end())
        found[(int(match.group(2)) - 1, _col(match.group(1)))] = (fmt, formula)
    return found


def _format(style: bytes | None, styles: list[str]) -> str:
    """The number format of a cell's style index (General when it has none)."""
    return styles[int(style)] if style and int(style) < len(styles) else "General"


def _formula(data: bytes, position: int) -> str | None:
    f = _FORMULA.match(data, position)
    if f is None:
        return None
    if f.group(1) and (b'"shared"' in f.group(1) or b'"array"' in f.group(1)):
        raise Unsupported("shared or array formula")
    return "=" + html.unescape((f.group(2) or b"").decode("utf-8"))


def _scan_any(data: bytes, styles: list[str]) -> dict[tuple[int, int],
                                                       tuple[str | None, str | None]]:
    """The same as _scan, for cell elements with any attributes in any order."""
    found = {}
    for match in _CELL.finditer(data):
        attrs = match.group(1)
        ref = _REF.search(attrs)
        if ref is None:
            raise Unsupported("cell without reference")
        style = _STYLE.search(attrs)
        fmt = _format(style.group(1) if style else None, styles)
        formula = None if match.group(2) else _formula(data, match.end())
        found[(int(ref.group(2)) - 1, _col(ref.group(1)))] = (fmt, formula)
    return found


class FastSheets(Mapping[str, Grid]):
    """Every sheet, read when opened: values from calamine, formats and formulas
    from the scan.  All sheets are read, also those the reader does not use, so
    that a damaged sheet makes a damaged file on both read paths.  Raises
    Unsupported where the openpyxl path must be used instead."""

    def __init__(self, path: Path, limits: Limits, parts: Mapping[str, bytes],
                 data: bytes) -> None:
        """``parts``: the unzipped parts the guard already read (workbook,
        relationships, styles and sheets); ``data``: the file as the guard read it."""
        import io

        import python_calamine

        self.path, self.limits, self._data = path, limits, parts
        self._cache: dict[str, Grid] = {}
        try:
            self._styles = _styles(parts)
            self._parts = _sheet_parts(parts)
            self._workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            self._names = list(self._workbook.sheet_names)
        except Exception as exc:  # noqa: BLE001 - calamine is stricter: let openpyxl decide
            raise Unsupported(type(exc).__name__) from None
        try:
            for name in self._names:
                self._cache[name] = self._read(name)
        finally:
            self._workbook.close()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __getitem__(self, name: str) -> Grid:
        return self._cache[name]

    def _read(self, name: str) -> Grid:
        part = self._parts.get(name)
        if part is None or part not in self._data:
            raise Unsupported(f"sheet {name} not found in the parts")
        scan = _scan(self._data[part], self._styles)
        try:
            sheet = self._workbook.get_sheet_by_name(name)
            area = sheet.height * sheet.width
            rows = None if area > self.limits.max_sheet_area else sheet.to_python(
                skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - as above: openpyxl decides
            raise Unsupported(type(exc).__name__) from None
        if rows is None:
            raise refuse(self.path, "too-large", detail=f"{area:,}", what="cells")
        return _grid(name, rows, scan)


def _grid(name: str, rows: list[list[Any]],
          scan: dict[tuple[int, int], tuple[str | None, str | None]]) -> Grid:
    cells: dict[tuple[int, int], Cell] = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            fmt, formula = scan.get((r, c), ("General", None))
            if type(value) is dt.date:              # openpyxl's convention: datetimes
                value = dt.datetime.combine(value, dt.time())
            if formula is not None:
                cells[(r, c)] = Cell(shown(value), fmt, formula)
            elif value is not None and not (isinstance(value, str) and not value.strip()):
                cells[(r, c)] = Cell(value, fmt)
    for (r, c), (fmt, formula) in scan.items():       # formulas outside calamine's range
        if formula is not None and (r, c) not in cells:
            cells[(r, c)] = Cell(None, fmt, formula)
    return Grid(name, cells)
