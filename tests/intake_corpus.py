"""Returns built to stop, starve or fool a run (made here, nothing downloaded):
what a shell glob over an unpacked zip brings in, and workbooks whose few
kilobytes promise a huge grid.  Each builder takes a good filled return."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import openpyxl
from conftest import DEFAULT_INPUTS
from corpus import rewrite_zip

from sheetkit.identity import META_SHEET, fingerprint, fixed_parts
from sheetkit.reader import extract

SECTION_SHEET = "xl/worksheets/sheet2.xml"          # 第1節 in a template
WORKBOOK = "xl/workbook.xml"


def add_to_sheet(source: Path, target: Path, xml: bytes, part: str = SECTION_SHEET) -> Path:
    """``xml`` (rows) appended to the sheet's data."""
    return rewrite_zip(source, target, lambda n, d: d.replace(b"</sheetData>", xml + b"</sheetData>")
                       if n == part else d)


def far_cell(source: Path, target: Path, ref: str = "XFD1048576") -> Path:
    """One typed cell at ``ref`` (the last cell of a sheet by default)."""
    row = re.sub(r"\D", "", ref).encode()
    return add_to_sheet(source, target, b'<row r="%s"><c r="%s" t="inlineStr"><is><t>x</t></is>'
                                        b"</c></row>" % (row, ref.encode()))


def far_merge(source: Path, target: Path, ref: str = "AA1:XFD1048576") -> Path:
    """One merged range reaching far away."""
    def change(name: str, data: bytes) -> bytes:
        if name != SECTION_SHEET:
            return data
        if b"<mergeCells" in data:
            return re.sub(rb'<mergeCells count="(\d+)">', lambda m: b'<mergeCells count="%d">'
                          b'<mergeCell ref="%s"/>' % (int(m.group(1)) + 1, ref.encode()), data)
        return data.replace(b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell '
                                             b'ref="%s"/></mergeCells>' % ref.encode())
    return rewrite_zip(source, target, change)


def far_dimension(source: Path, target: Path, ref: str = "A1:XFD1048576") -> Path:
    return rewrite_zip(source, target, lambda n, d: re.sub(
        rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="%s"/>' % ref.encode(), d)
        if n == SECTION_SHEET else d)


def tab_names(source: Path, target: Path, count: int = 3000) -> Path:
    """Defined names written with a tab after the element name (valid XML)."""
    names = b"".join(b"<definedName\tname=\"n%d\">'\xe7\xac\xac1\xe7\xaf\x80'!$A$1</definedName>"
                     % i for i in range(count))
    return rewrite_zip(source, target, lambda n, d: d.replace(b"</definedNames>",
                                                              names + b"</definedNames>")
                       if n == WORKBOOK else d)


def newline_rows(source: Path, target: Path, count: int = 12_000) -> Path:
    """Rows and cells written with a newline after the element name."""
    rows = b"".join(b'<row\nr="%d"><c\nr="A%d"><v>1</v></c></row>' % (i, i)
                    for i in range(200, 200 + count))
    return add_to_sheet(source, target, rows)


def lying_content_types(source: Path, target: Path) -> Path:
    """[Content_Types].xml declares the workbook as plain XML: calamine reads
    it, openpyxl finds no workbook."""
    return rewrite_zip(source, target, lambda n, d: d.replace(
        b"spreadsheetml.sheet.main+xml", b"spreadsheetml.nothing+xml")
        if n == "[Content_Types].xml" else d)


def phantom_part(source: Path, target: Path) -> Path:
    """[Content_Types].xml names a shared-strings part that is not there."""
    strings = (b'<Override PartName="/xl/sharedStrings9.xml" ContentType="application/vnd.'
               b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return rewrite_zip(source, target, lambda n, d: d.replace(b"</Types>", strings)
                       if n == "[Content_Types].xml" else d)


def special_files(folder: Path) -> dict[str, Path]:
    """What an unpacked archive may hold under workbook and data names."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, target in (("zero.xlsx", "/dev/zero"), ("random.json", "/dev/urandom"),
                         ("zero.yaml", "/dev/zero")):
        (folder / name).symlink_to(target)
        made[name] = folder / name
    os.mkfifo(folder / "pipe.xlsx")
    made["pipe.xlsx"] = folder / "pipe.xlsx"
    return made


def forge(source: Path, target: Path, number: int) -> Path:
    """A 第1節 return made to say it is 第{number}節: sheet name, group label and the
    hidden sheet (section, fingerprint, fixed parts) all recomputed."""
    wb = openpyxl.load_workbook(source)
    wb["第1節"].title = f"第{number}節"
    ind = wb["目標指標"]
    for row in ind.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("第1節\n"):
                cell.value = f"第{number}節\n" + cell.value.split("\n", 1)[1]
    meta = wb[META_SHEET]
    rows = {meta.cell(r, 1).value: r for r in range(1, meta.max_row + 1)}
    meta.cell(rows["section"], 2).value = str(number)
    if "precheck" in rows:                  # the 提出前チェック places name the sheet too
        cell = meta.cell(rows["precheck"], 2)
        cell.value = cell.value.replace("第1節", f"第{number}節")
    wb.save(target)
    doc = extract(target).document
    parts = fixed_parts(doc.plan, doc.chapter, doc.sections[0], 1, False, DEFAULT_INPUTS)
    wb = openpyxl.load_workbook(target)
    meta = wb[META_SHEET]
    meta.cell(rows["fingerprint"], 2).value = fingerprint(parts)
    meta.cell(rows["fixed"], 2).value = json.dumps(parts, ensure_ascii=False, sort_keys=True,
                                                   default=str)
    wb.save(target)
    return target


RENAMED = "自治会・町内会への加入率（世帯）"


def renamed_and_moved(section):
    """The section with its first indicator renamed (RENAMED) and moved to the end."""
    inds = list(section.indicators)
    first = replace(inds.pop(0), name=RENAMED)
    return replace(section, indicators=(*inds, first))
