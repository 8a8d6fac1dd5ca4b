"""The one guarded door for opening returned workbooks.

Before any parser builds anything from a file it is checked: that it is an
OOXML zip with the parts a workbook needs (and not a renamed CSV, an old .xls,
a password-protected or OpenDocument file), that its checksums, sizes,
compression ratio and numbers of parts, sheets, rows, cells and defined names
are within limits, that every XML part is well-formed and declares no DOCTYPE
or entities (entity expansion, external entities), and which parts are
macros or external links (never run, never followed).  XML that openpyxl
parses later also goes through defusedxml, which it uses when installed."""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from xml.parsers import expat

import yaml

from sheetkit.problems import Location, Problem, SheetkitError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
REQUIRED_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")
KEPT_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")
_STYLE_IDS = re.compile(rb'\b(?:numFmtId|fontId|fillId|borderId|xfId)="(?![0-9]+")')
_CORE_DATES = re.compile(rb"<dcterms:(?:created|modified)\b[^>]*>([^<]*)<")
_W3CDTF = re.compile(rb"^\s*\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                     rb"(Z|[+-]\d{2}:\d{2})?)?)?)?\s*$")
_EXTERNAL_TARGET = re.compile(rb'Target="([^"]+)"[^>]*TargetMode="External"'
                              rb'|TargetMode="External"[^>]*Target="([^"]+)"')


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_uncompressed_bytes: int
    max_part_bytes: int
    max_ratio: float
    max_parts: int
    max_sheets: int
    max_rows: int
    max_cells: int
    max_defined_names: int


@cache
def default_limits() -> Limits:
    """The limits in schemas/limits.yaml."""
    text = (resources.files("sheetkit.schemas") / "limits.yaml").read_text(encoding="utf-8")
    return Limits(**yaml.safe_load(text))


@dataclass(frozen=True)
class Inspection:
    """What the guard learned about a workbook it let through, and the parts
    it already unzipped that the fast read path needs (read once)."""

    external_links: tuple[str, ...]
    parts: dict[str, bytes]


def refuse(path: Path, reason: str, **params: str) -> SheetkitError:
    return SheetkitError([Problem("unreadable-file", Location(str(path)),
                                  {"reason": reason} | params)])


def _sniff(path: Path, head: bytes) -> str | None:
    """The reason a file that is not a zip cannot be a workbook."""
    if not head:
        return "empty"
    if head.startswith(OLE2):
        data = path.read_bytes()
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in data else "xls"
    if head.startswith(b"PK"):
        return "damaged"
    return "not-workbook"


class _Unsafe(Exception):
    """A DOCTYPE or entity declaration: refused before anything is expanded."""


def _refuse_dtd(*_: object) -> None:
    raise _Unsafe


def _check_xml(path: Path, name: str, data: bytes) -> None:
    """An XML part must be well-formed and declare no DOCTYPE or entities.

    One expat pass with no element handlers (cheap), and handlers that stop at
    any DTD, so nothing is ever expanded; both read paths then agree on which
    files are damaged."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    try:
        parser.Parse(data, True)
    except _Unsafe:
        raise refuse(path, "unsafe-xml") from None
    except expat.ExpatError:
        raise refuse(path, "damaged") from None
    if name == "xl/styles.xml" and _STYLE_IDS.search(data):
        raise refuse(path, "damaged")          # style ids are unsigned integers
    if name == "docProps/core.xml" and any(not _W3CDTF.match(stamp)
                                           for stamp in _CORE_DATES.findall(data)):
        raise refuse(path, "damaged")          # dates must be W3CDTF


def _workbook_targets(archive: zipfile.ZipFile) -> list[str]:
    """The parts xl/workbook.xml refers to (sheets, styles, strings, theme)."""
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return ["xl/_rels/workbook.xml.rels"]
    targets = []
    for blob in re.findall(rb"<Relationship\b([^>]*)>", rels):
        if b'TargetMode="External"' in blob:
            continue
        found = re.search(rb'\bTarget="([^"]+)"', blob)
        if found:
            target = found.group(1).decode("utf-8", "replace")
            targets.append(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    return targets


def inspect(path: Path, limits: Limits | None = None) -> Inspection:
    """Check ``path`` before anything parses it; SheetkitError (unreadable-file) if unsafe."""
    limits = limits or default_limits()
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise refuse(path, "missing") from None
    except OSError:
        raise refuse(path, "damaged") from None
    if size > limits.max_file_bytes:
        raise refuse(path, "too-large", detail=f"{size:,}", what="bytes")
    if not zipfile.is_zipfile(path):
        raise refuse(path, _sniff(path, head) or "damaged")
    try:
        with zipfile.ZipFile(path) as archive:
            return _inspect_zip(path, archive, limits)
    except SheetkitError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
            ValueError, NotImplementedError, RuntimeError, KeyError):
        raise refuse(path, "damaged") from None


def _inspect_zip(path: Path, archive: zipfile.ZipFile, limits: Limits) -> Inspection:
    members = archive.infolist()
    names = {m.filename for m in members}
    if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
        raise refuse(path, "ods")
    if len(members) > limits.max_parts:
        raise refuse(path, "too-large", detail=f"{len(members):,}", what="parts")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > limits.max_part_bytes or total > limits.max_uncompressed_bytes:
            raise refuse(path, "too-large", detail=member.filename, what="unzipped")
        if member.file_size > 1 << 20 and \
                member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise refuse(path, "too-large", detail=member.filename, what="ratio")
    if any(part not in names for part in REQUIRED_PARTS):
        raise refuse(path, "not-workbook")
    if any(target not in names for target in _workbook_targets(archive)):
        raise refuse(path, "damaged")          # a part the workbook refers to is missing
    sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    if len(sheets) > limits.max_sheets:
        raise refuse(path, "too-large", detail=f"{len(sheets)}", what="sheets")
    parts: dict[str, bytes] = {}
    cells = 0
    for member in members:
        data = archive.read(member)            # each part read once; zipfile checks its CRC
        name = member.filename
        if name in sheets:
            rows = data.count(b"<row ") + data.count(b"<row>")
            cells += data.count(b"<c ") + data.count(b"<c>")
            if rows > limits.max_rows:
                raise refuse(path, "too-large", detail=f"{rows:,}", what="rows")
            if cells > limits.max_cells:
                raise refuse(path, "too-large", detail=f"{cells:,}", what="cells")
        if name.endswith((".xml", ".rels", ".vml")):
            _check_xml(path, name, data)
        if name in sheets or name in KEPT_PARTS:
            parts[name] = data
    workbook = parts["xl/workbook.xml"]
    if workbook.count(b"<definedName ") + workbook.count(b"<definedName>") > \
            limits.max_defined_names:
        raise refuse(path, "too-large", detail=f"{workbook.count(b'<definedName'):,}",
                     what="names")
    if any(n.lower().endswith("vbaproject.bin") for n in names) or \
            b"macroEnabled" in archive.read("[Content_Types].xml"):
        raise refuse(path, "macro")          # never run, never read: ask for an .xlsx
    return Inspection(_external_links(archive, names), parts)


def _external_links(archive: zipfile.ZipFile, names: set[str]) -> tuple[str, ...]:
    """Links to other files and DDE: reported, never followed."""
    links = []
    for name in sorted(names):
        if name.startswith("xl/externalLinks/_rels/") or (
                name.startswith("xl/worksheets/_rels/") and name.endswith(".rels")):
            for match in _EXTERNAL_TARGET.finditer(archive.read(name)):
                target = (match.group(1) or match.group(2)).decode("utf-8", "replace")
                if name.startswith("xl/externalLinks/") or not target.startswith(
                        ("http://", "https://", "mailto:")):
                    links.append(target)
        elif name.startswith("xl/externalLinks/") and name.endswith(".xml") and \
                b"ddeLink" in archive.read(name):
            links.append("DDE")
    return tuple(links)
