"""Bad inputs, made here (nothing is downloaded): each is what a department's
e-mail might bring back, or what someone might build to hurt the reader."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def rewrite_zip(source: Path, target: Path, change: Callable[[str, bytes], bytes | None],
                extra: dict[str, bytes] | None = None) -> Path:
    """Copy a zip, passing each member through ``change`` (None drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w",
                                                          zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def _first_sheet(name: str) -> bool:
    return name == "xl/worksheets/sheet2.xml"


def billion_laughs(template: Path, target: Path) -> Path:
    entities = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'
                       for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
            '</sheetData></worksheet>').encode()
    return rewrite_zip(template, target, lambda n, d: bomb if _first_sheet(n) else d)


def external_entity(template: Path, target: Path) -> Path:
    xxe = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>'
           b'</sheetData></worksheet>')
    return rewrite_zip(template, target, lambda n, d: xxe if _first_sheet(n) else d)


def zip_bomb(target: Path, megabytes: int = 300) -> Path:
    """A small file that unzips to hundreds of megabytes of zeros."""
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for _ in range(megabytes):
                part.write(chunk)
    return target


def million_rows(template: Path, target: Path, rows: int = 1_000_000) -> Path:
    """The template with a sheet of a million rows of numbers."""
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>")
    body = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i)
                    for i in range(1, rows + 1))
    return rewrite_zip(template, target,
                       lambda n, d: head + body + b"</sheetData></worksheet>"
                       if _first_sheet(n) else d)


def macro_workbook(template: Path, target: Path) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
        return data
    return rewrite_zip(template, target, change, {"xl/vbaProject.bin": OLE2 + b"\0" * 512})


def ods(target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return target


def sheets_deleted(template: Path, target: Path) -> Path:
    wb = openpyxl.load_workbook(template)
    del wb["目標指標"]
    wb.save(target)
    return target


def many_names(template: Path, target: Path, count: int = 10_000) -> Path:
    from openpyxl.workbook.defined_name import DefinedName
    wb = openpyxl.load_workbook(template)
    for index in range(count):
        wb.defined_names[f"name{index}"] = DefinedName(f"name{index}",
                                                       attr_text="'第1節'!$A$1")
    wb.save(target)
    return target


def password_protected(template: Path, target: Path) -> Path:
    """The template encrypted with a password, as Excel does (ECMA-376 agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with template.open("rb") as source, target.open("wb") as out:
        OOXMLFile(source).encrypt("password", out)
    return target


def build(folder: Path, template: Path) -> dict[str, Path]:
    """The whole corpus, by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    good = template.read_bytes()

    def raw(name: str, data: bytes) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return {
        "not-a-zip": raw("not-a-zip.xlsx", "これは表ではありません。\n".encode() * 20),
        "truncated": raw("truncated.xlsx", good[: len(good) // 2]),
        "zip-bomb": zip_bomb(folder / "zip-bomb.xlsx"),
        "billion-laughs": billion_laughs(template, folder / "billion-laughs.xlsx"),
        "external-entity": external_entity(template, folder / "external-entity.xlsx"),
        "password": password_protected(template, folder / "password.xlsx"),
        "xls": raw("old.xls", OLE2 + b"\0" * 64 + "Workbook".encode("utf-16-le") + b"\0" * 4096),
        "xlsm": macro_workbook(template, folder / "macro.xlsm"),
        "ods": ods(folder / "calc.ods"),
        "csv-renamed": raw("csv.xlsx", "節,取り組み\n1,開設した\n".encode("utf-8-sig")),
        "empty": raw("empty.xlsx", b""),
        "million-rows": million_rows(template, folder / "million-rows.xlsx"),
        "sheets-deleted": sheets_deleted(template, folder / "sheets-deleted.xlsx"),
        "many-names": many_names(template, folder / "many-names.xlsx"),
    }


def with_cached_results(source: Path, target: Path, shown: dict[str, str]) -> Path:
    """Give formulas that openpyxl wrote (without results) the result Excel would
    have saved with them: ``shown`` maps formula text (without '=') to its text result."""
    import html
    import re

    def change(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/sheet"):
            return data
        for formula, result in shown.items():
            body = re.escape(html.escape(formula, quote=False).encode())
            data = re.sub(rb'<c r="([A-Z]+\d+)"([^>]*?)><f>(' + body + rb")</f><v ?/>",
                          lambda m, result=result: b'<c r="' + m.group(1) + b'"' + m.group(2) + b' t="str"><f>'
                          + m.group(3) + b"</f><v>" + html.escape(result).encode() + b"</v>",
                          data)
        return data
    return rewrite_zip(source, target, change)
