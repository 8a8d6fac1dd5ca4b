"""Recording and replaying xlsxwriter calls: the 'plain xlsxwriter script'
that writes the same workbooks as `sheetkit template` (every cell, merge,
format, conditional format, validation, name and print setting: the same
bytes, tests/test_benchmark_replay.py), with no layout engine in between.
Used by run.py."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import sys
import time
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

# Every public method of a workbook and a worksheet that sheetkit calls is recorded
# (only the outermost call: xlsxwriter's own calls inside it are its work, replayed
# with it), but for these: a workbook's formats and sheets are recorded as made,
# close is the replay's own, and a getter writes nothing.
NOT_RECORDED = frozenset({"add_format", "add_worksheet", "close", "get_name",
                          "get_worksheet_by_name"})
# how a format and a date are written in a recording (no option of xlsxwriter's is
# named so: {"format": …} is an option of conditional_format)
FORMAT, DATETIME = "__format__", "__datetime__"


def _plain(value: Any, formats: dict[int, int]) -> Any:
    if isinstance(value, Format):
        return {FORMAT: formats[id(value)]}
    if isinstance(value, (dt.datetime, dt.date)):
        return {DATETIME: value.isoformat()}
    if isinstance(value, dict):
        return {k: _plain(v, formats) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, formats) for v in value]
    return value


def record(action) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Run ``action`` and return every workbook it wrote as a list of calls."""
    books: list[dict[str, Any]] = []
    originals = {}

    inside = [0]                                 # depth of recorded calls under way

    def wrap(cls: type, name: str, kind: str) -> None:
        original = getattr(cls, name)
        originals[(cls, name)] = original

        def recorder(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            book = getattr(self, "_recorder_book" if kind == "sheet" else "_recorder", None)
            if book is not None and not inside[0]:
                sheet = self.name if kind == "sheet" else None
                book["calls"].append([sheet, name, _plain(args, book["format_ids"]),
                                      _plain(kwargs, book["format_ids"])])
            inside[0] += 1
            try:
                return original(self, *args, **kwargs)
            finally:
                inside[0] -= 1
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
        for cls, kind in ((Worksheet, "sheet"), (Workbook, "book")):
            for name, member in list(vars(cls).items()):
                if inspect.isfunction(member) and not name.startswith("_") \
                        and name not in NOT_RECORDED:
                    wrap(cls, name, kind)
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
        if set(value) == {FORMAT}:
            return formats[value[FORMAT]]
        if set(value) == {DATETIME}:
            return dt.datetime.fromisoformat(value[DATETIME])
        return {k: _live(v, formats) for k, v in value.items()}
    if isinstance(value, list):
        return [_live(v, formats) for v in value]
    return value


def replay(books: list[dict[str, Any]], folder: Path) -> float:
    """Write each recorded workbook again with plain xlsxwriter calls; the
    seconds spent in xlsxwriter, which is all a plain script spends once it
    has started (decoding the recording is the replay's own work, left out)."""
    folder.mkdir(parents=True, exist_ok=True)
    spent = 0.0
    for index, book in enumerate(books):
        start = time.perf_counter()
        wb = xlsxwriter.Workbook(str(folder / f"{index}.xlsx"), book["options"])
        formats = [wb.add_format(props) for props in book["formats"]]
        sheets = {name: wb.add_worksheet(name) for name in book["sheets"]}
        spent += time.perf_counter() - start
        calls = [(getattr(sheets[sheet] if sheet is not None else wb, name),
                  _live(args, formats), _live(kwargs, formats))
                 for sheet, name, args, kwargs in book["calls"]]
        start = time.perf_counter()
        for call, args, kwargs in calls:
            call(*args, **kwargs)
        wb.close()
        spent += time.perf_counter() - start
    return spent


if __name__ == "__main__":
    print(f"{replay(json.loads(Path(sys.argv[1]).read_text(encoding='utf-8')), Path(sys.argv[2])):.6f}")
