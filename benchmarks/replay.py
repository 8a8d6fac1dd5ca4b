"""Recording and replaying xlsxwriter calls: the 'plain xlsxwriter script'
that writes the same cells, merges and formats as `sheetkit template`, with no
layout engine in between.  Used by run.py."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

SHEET_CALLS = ("merge_range", "write_string", "write_number", "write_datetime", "write_formula",
               "write_blank", "set_row", "set_column", "data_validation", "protect", "hide",
               "activate", "set_landscape", "set_paper", "fit_to_pages", "set_margins",
               "center_horizontally", "repeat_rows", "freeze_panes")
BOOK_CALLS = ("define_name", "set_properties", "set_custom_property")


def _plain(value: Any, formats: dict[int, int]) -> Any:
    if isinstance(value, Format):
        return {"format": formats[id(value)]}
    if isinstance(value, (dt.datetime, dt.date)):
        return {"datetime": value.isoformat()}
    if isinstance(value, dict):
        return {k: _plain(v, formats) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, formats) for v in value]
    return value


def record(action) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Run ``action`` and return every workbook it wrote as a list of calls."""
    books: list[dict[str, Any]] = []
    originals = {}

    def wrap(cls: type, name: str, kind: str) -> None:
        original = getattr(cls, name)
        originals[(cls, name)] = original

        def recorder(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            book = self._recorder_book if kind == "sheet" else self._recorder
            sheet = self.name if kind == "sheet" else None
            book["calls"].append([sheet, name, _plain(args, book["format_ids"]),
                                  _plain(kwargs, book["format_ids"])])
            return original(self, *args, **kwargs)
        setattr(cls, name, recorder)

    init, add_format, add_worksheet = Workbook.__init__, Workbook.add_format, \
        Workbook.add_worksheet

    def book_init(self, filename=None, options=None):  # type: ignore[no-untyped-def]
        init(self, filename, options)            # its own default formats are not recorded
        self._recorder = {"options": {k: v for k, v in (options or {}).items()
                                      if k != "in_memory"}, "formats": [], "format_ids": {},
                          "sheets": [], "calls": []}
        books.append(self._recorder)

    def book_format(self, properties=None):  # type: ignore[no-untyped-def]
        fmt = add_format(self, properties)
        recorder = getattr(self, "_recorder", None)
        if recorder is not None:
            recorder["format_ids"][id(fmt)] = len(recorder["formats"])
            recorder["formats"].append(dict(properties or {}))
        return fmt

    def book_sheet(self, name=None, worksheet_class=None):  # type: ignore[no-untyped-def]
        sheet = add_worksheet(self, name, worksheet_class)
        sheet._recorder_book = self._recorder
        self._recorder["sheets"].append(sheet.name)
        return sheet

    try:
        Workbook.__init__, Workbook.add_format, Workbook.add_worksheet = \
            book_init, book_format, book_sheet
        for name in SHEET_CALLS:
            wrap(Worksheet, name, "sheet")
        for name in BOOK_CALLS:
            wrap(Workbook, name, "book")
        action()
    finally:
        Workbook.__init__, Workbook.add_format, Workbook.add_worksheet = \
            init, add_format, add_worksheet
        for (cls, name), original in originals.items():
            setattr(cls, name, original)
    for book in books:
        del book["format_ids"]
    return books


def _live(value: Any, formats: list[Format]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"format"}:
            return formats[value["format"]]
        if set(value) == {"datetime"}:
            return dt.datetime.fromisoformat(value["datetime"])
        return {k: _live(v, formats) for k, v in value.items()}
    if isinstance(value, list):
        return [_live(v, formats) for v in value]
    return value


def replay(books: list[dict[str, Any]], folder: Path) -> None:
    """Write each recorded workbook again with plain xlsxwriter calls."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, book in enumerate(books):
        wb = xlsxwriter.Workbook(str(folder / f"{index}.xlsx"), book["options"])
        formats = [wb.add_format(props) for props in book["formats"]]
        sheets = {name: wb.add_worksheet(name) for name in book["sheets"]}
        for sheet, name, args, kwargs in book["calls"]:
            target = sheets[sheet] if sheet is not None else wb
            getattr(target, name)(*_live(args, formats), **_live(kwargs, formats))
        wb.close()


if __name__ == "__main__":
    replay(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")), Path(sys.argv[2]))
