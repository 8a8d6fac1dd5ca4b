"""Workbooks as writers make them, for tests that hold a quick reading to a
whole one: the summary and templates (xlsxwriter), filled returns (openpyxl),
returns with formulas filled down (Excel's shared formulas), Excel-like sheets,
and LibreOffice re-saves."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from filldown import filled_down
from filling import fill
from resave import resave_with_libreoffice

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
X14AC = b"http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
# the root element Excel writes for a sheet, and what it writes after sheetData
EXCEL_ROOT = (
    b'<worksheet xmlns="' + MAIN + b'" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
    b'2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    b'mc:Ignorable="x14ac xr xr2 xr3" xmlns:x14ac="' + X14AC + b'" xmlns:xr="http://schemas.'
    b'microsoft.com/office/spreadsheetml/2014/revision" xmlns:xr2="http://schemas.microsoft.com/'
    b'office/spreadsheetml/2015/revision2" xmlns:xr3="http://schemas.microsoft.com/office/'
    b'spreadsheetml/2016/revision3" xr:uid="{00000000-0001-0000-0000-000000000000}">')
EXCEL_EXTENSION = (
    b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.'
    b'microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="0" '
    b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/></ext></extLst>')


def excel_like(sheet: bytes) -> bytes:
    """A sheet as Excel writes it: its root declaring Excel's namespaces, each
    row with its spans first and an ``x14ac:dyDescent`` last, and an extension
    declaring more namespaces after sheetData."""
    sheet = re.sub(rb"<worksheet\b[^>]*>", EXCEL_ROOT, sheet, count=1)
    sheet = re.sub(rb'<row r="([0-9]+)"([^>]*?)( ?/?)>',
                   rb'<row r="\1" spans="1:5"\2 x14ac:dyDescent="0.25"\3>', sheet)
    return sheet.replace(b"</worksheet>", EXCEL_EXTENSION + b"</worksheet>")


def rezip(source: Path, target: Path, change) -> Path:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(name, change(name, data) if name.startswith("xl/worksheets/") else data)
    return target


def writers_books(summary_path: Path, template_dir: Path, example_doc, folder: Path
                  ) -> list[Path]:
    """Workbooks as writers make them (see above), written into ``folder``."""
    filled = [fill(template_dir / f"第1章第{section.number}節_{section.title}.xlsx",
                   folder / f"filled{section.number}.xlsx", section, extra_rows=1)
              for section in example_doc.sections[:2]]
    down = [filled_down(path, folder / f"down-{path.name}") for path in filled]
    excel = [rezip(path, folder / f"excel-{path.name}", lambda _, data: excel_like(data))
             for path in (*filled, *down)]
    made = [summary_path, *sorted(template_dir.iterdir())[:2], *filled, *down, *excel]
    if shutil.which("soffice"):
        made += resave_with_libreoffice([filled[0], down[1]], folder)
    return made
