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

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, NoReturn, TypeVar
from xml.parsers import expat

from sheetkit import parsed
from sheetkit.intake import Refused, read_limited
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.sheet_grammar import valid_text

_T = TypeVar("_T")

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
REQUIRED_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")
# the shared strings (the texts typed into cells), as every writer names the part
STRINGS_PART = "xl/sharedStrings.xml"
KEPT_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "_rels/.rels",
              STRINGS_PART)
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
    max_section_number: int
    max_other_sheets: int
    max_rows: int
    max_cells: int
    max_sheet_area: int
    max_merged_ranges: int
    max_merged_cells: int
    max_elements: int
    max_defined_names: int
    max_data_bytes: int
    max_shared_formula_text: int
    max_markup_bytes: int
    max_styles_bytes: int

    def __hash__(self) -> int:
        """The hash of the fields, computed once: the limits are part of the key
        of every memo of the guard, looked up several times a file."""
        known: int | None = self.__dict__.get("_hash")
        if known is None:
            known = self.__dict__["_hash"] = hash(tuple(getattr(self, field.name)
                                                        for field in fields(self)))
        return known

    @property
    def max_sheets(self) -> int:
        """As many sheets as the writer can make: one per 節 (numbered at most
        max_section_number) and the others (chapter, 目標指標, 出典 …)."""
        return self.max_section_number + self.max_other_sheets


@cache
def default_limits() -> Limits:
    """The limits in schemas/limits.yaml."""
    text = (resources.files("sheetkit.schemas") / "limits.yaml").read_text(encoding="utf-8")
    return Limits(**parsed.load("limits", text))


@dataclass(frozen=True)
class Inspection:
    """What the guard learned about a workbook it let through, and the parts
    it already unzipped that the fast read path needs (read once)."""

    external_links: tuple[str, ...]
    parts: dict[str, bytes]
    data: bytes                  # the file itself, as read (never read a second time)
    # the parts where every cell element is written with its reference first
    # (<c r="B3" …), as the guard's quick count found: readers need not look for others
    referenced: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()      # of every member


def refuse(path: Path, reason: str, **params: str) -> SheetkitError:
    return SheetkitError([Problem("unreadable-file", Location(str(path)),
                                  {"reason": reason} | params)])


def _sniff(data: bytes) -> str | None:
    """The reason a file that is not a zip cannot be a workbook."""
    if not data:
        return "empty"
    if data.startswith(OLE2):
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in data else "xls"
    if data.startswith(b"PK"):
        return "damaged"
    return "not-workbook"


class _Unsafe(Exception):
    """A DOCTYPE or entity declaration: refused before anything is expanded."""


def _refuse_dtd(*_: object) -> NoReturn:
    raise _Unsafe


MAIN_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   "http://purl.oclc.org/ooxml/spreadsheetml/main")
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKBOOK_TYPES = frozenset({
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml"})
MAX_ROW, MAX_COL = 1_048_576, 16_384          # Excel's last cell, XFD1048576
_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


class _Over(Exception):
    """A limit was passed while parsing: refused as too large."""

    def __init__(self, reason: str, **params: str) -> None:
        super().__init__(reason)
        self.reason, self.params = reason, params


class _BadRef(Exception):
    """A cell reference that is not one (or lies beyond Excel's last cell)."""


@lru_cache(maxsize=16384)
def _cell(ref: str) -> tuple[int, int]:
    """'B3' -> (3, 2), 1-based; _BadRef when it is not a cell of a sheet."""
    match = _A1.fullmatch(ref.strip())
    if match is None:
        raise _BadRef(ref)
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + ord(letter) - 64
    row = int(match.group(2))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise _BadRef(ref)
    return row, col


@lru_cache(maxsize=4096)
def _span(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    first, _, last = ref.partition(":")
    top_left, bottom_right = _cell(first), _cell(last or first)
    return ((min(top_left[0], bottom_right[0]), min(top_left[1], bottom_right[1])),
            (max(top_left[0], bottom_right[0]), max(top_left[1], bottom_right[1])))


def a1(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


@dataclass
class _Census:
    """What the guard's one XML pass saw in the whole workbook, element by
    element (never by matching text)."""

    limits: Limits
    elements: int = 0
    cells: int = 0
    names: int = 0
    sheet_data: int = 0          # sheets as parts with cells
    sheet_entries: int = 0       # sheets as listed in the workbook
    merged: int = 0
    merged_cells: int = 0
    overrides: dict[str, str] | None = None
    defaults: dict[str, str] | None = None


class _PartScan:
    """The element handlers of one part: counts, and a sheet's used area from
    every cell, row, dimension and merged-range reference it holds (the grid
    a reader would build), checked as soon as a limit is passed."""

    def __init__(self, name: str, census: _Census) -> None:
        self.name, self.census, self.limits = name, census, census.limits
        self.in_data = False
        self.row = self.col = self.rows = 0
        self.top = self.left = MAX_ROW + MAX_COL
        self.bottom = self.right = 0
        self.widest: str | None = None       # the merged range that passed the limit
        self.parser: expat.XMLParserType | None = None

    def attach(self, parser: expat.XMLParserType) -> None:
        """Set ``parser``'s element handlers.  [Content_Types].xml gets the
        general ones; every other part one that looks each tag up once, and
        an end handler only while inside sheetData (the only place where an
        element's end matters): the same counts, with fewer Python calls."""
        self.parser = parser
        if self.name == "[Content_Types].xml":
            parser.StartElementHandler, parser.EndElementHandler = self.start, self.end
            return
        actions = {f"{ns} {local}": action for ns in MAIN_NAMESPACES
                   for local, action in self._actions().items()}
        census, most = self.census, self.limits.max_elements

        def start(tag: str, attrs: dict[str, str]) -> None:
            census.elements += 1
            if census.elements > most:
                raise _Over("too-large", detail=f"{census.elements:,}", what="elements")
            action = actions.get(tag)
            if action is not None:
                action(attrs)
        parser.StartElementHandler = start

    def _actions(self) -> dict[str, Callable[[dict[str, str]], None]]:
        """What an element of the main namespace does, by its local name."""
        known: dict[str, Callable[[dict[str, str]], None]] = {
            "row": self._row, "c": self._cell_element, "sheetData": self._sheet_data,
            "dimension": self._dimension, "mergeCell": self._merge_cell,
            "definedName": self._defined_name}
        if self.name == "xl/workbook.xml":
            known["sheet"] = self._sheet
        return known

    def _row(self, attrs: dict[str, str]) -> None:
        if self.in_data:
            self.row = row = int(attrs["r"]) if attrs.get("r", "").isdigit() else self.row + 1
            self.col = 0
            self.rows += 1
            self._extend((row, 1), (row, 1))

    def _cell_element(self, attrs: dict[str, str]) -> None:
        if not self.in_data:
            return
        ref = attrs.get("r")
        if ref is None:
            self.col += 1
            row, col = max(self.row, 1), self.col
        else:
            row, col = _cell(ref)
            self.col = col
        self.census.cells += 1
        if row < self.top:
            self.top = row
        if row > self.bottom:
            self.bottom = row
        if col < self.left:
            self.left = col
        if col > self.right:
            self.right = col

    def _sheet_data(self, attrs: dict[str, str]) -> None:
        self.in_data = True
        self.census.sheet_data += 1
        if self.parser is not None:
            self.parser.EndElementHandler = self.end

    def _dimension(self, attrs: dict[str, str]) -> None:
        if "ref" in attrs:
            self._extend(*_span(attrs["ref"]))

    def _merge_cell(self, attrs: dict[str, str]) -> None:
        if "ref" in attrs:
            census = self.census
            (top, left), (bottom, right) = _span(attrs["ref"])
            census.merged += 1
            census.merged_cells += (bottom - top + 1) * (right - left + 1)
            if census.merged_cells > self.limits.max_merged_cells:
                self.widest = self.widest or attrs["ref"]
            self._extend((top, left), (bottom, right))

    def _defined_name(self, attrs: dict[str, str]) -> None:
        self.census.names += 1

    def _sheet(self, attrs: dict[str, str]) -> None:
        self.census.sheet_entries += 1

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """The general start handler (for [Content_Types].xml)."""
        census = self.census
        census.elements += 1
        if census.elements > self.limits.max_elements:
            raise _Over("too-large", detail=f"{census.elements:,}", what="elements")
        namespace, _, local = tag.rpartition(" ")
        if namespace == CONTENT_TYPES_NS and self.name == "[Content_Types].xml":
            self._content_type(local, attrs)
        if namespace in MAIN_NAMESPACES:
            action = self._actions().get(local)
            if action is not None:
                action(attrs)

    def end(self, tag: str) -> None:
        if tag.endswith(" sheetData"):
            self.in_data = False
            if self.parser is not None and self.name != "[Content_Types].xml":
                self.parser.EndElementHandler = None     # until the next sheetData

    def _extend(self, first: tuple[int, int], last: tuple[int, int]) -> None:
        self.top, self.left = min(self.top, first[0]), min(self.left, first[1])
        self.bottom, self.right = max(self.bottom, last[0]), max(self.right, last[1])

    def verdict(self) -> None:
        """Once the part is parsed: _Over if what it holds passes a limit
        (the counts are whole, so the message says how many there are)."""
        census, limits = self.census, self.limits
        if self.rows > limits.max_rows:
            raise _Over("too-large", detail=f"{self.rows:,}", what="rows")
        if census.cells > limits.max_cells:
            raise _Over("too-large", detail=f"{census.cells:,}", what="cells")
        if census.names > limits.max_defined_names:
            raise _Over("too-large", detail=f"{census.names:,}", what="names")
        if census.merged > limits.max_merged_ranges:
            raise _Over("merged", detail=f"{census.merged:,}", what="merged-ranges")
        if self.widest:
            raise _Over("merged", detail=self.widest, what="merged-area")
        if self.bottom and (self.bottom - self.top + 1) * (self.right - self.left + 1) > \
                limits.max_sheet_area:
            raise _Over("far-cells", detail=f"{a1(self.top, self.left)}:"
                                            f"{a1(self.bottom, self.right)}",
                        limit=f"{limits.max_sheet_area:,}")

    def _content_type(self, local: str, attrs: dict[str, str]) -> None:
        census = self.census
        if census.overrides is None or census.defaults is None:
            census.overrides, census.defaults = {}, {}
        if local == "Override" and "PartName" in attrs:
            census.overrides[attrs["PartName"].lstrip("/")] = attrs.get("ContentType", "")
        elif local == "Default" and "Extension" in attrs:
            census.defaults[attrs["Extension"].lower()] = attrs.get("ContentType", "")


def _parser() -> expat.XMLParserType:
    """An expat parser that stops at any DTD, so nothing is ever expanded."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    return parser


def _check_xml(path: Path, name: str, data: bytes, census: _Census) -> bool:
    """An XML part must be well-formed and declare no DOCTYPE or entities,
    and what it holds must be within the limits.

    One expat pass with handlers that stop at any DTD, so nothing is ever
    expanded.  What the part holds is counted by expat's element handlers,
    or, where the part is plain enough that its text alone says exactly what
    they would count (see _census_of_plain_part), from that text in C, with
    expat only checking that it is well-formed; both read paths then agree
    on which files are damaged or too large.  True where the part was counted
    from its text (then every cell in it is written with its reference first)."""
    quick = name != "[Content_Types].xml" and _census_of_plain_part(name, data, census)
    if not quick and (not _shared(name, len(data)) or not _add_shared_scan(name, data, census)):
        try:
            _scan(name, data, census)
        except _Unsafe:
            raise refuse(path, "unsafe-xml") from None
        except _Over as over:
            raise refuse(path, over.reason, **over.params) from None
        except (expat.ExpatError, _BadRef, ValueError):
            raise refuse(path, "damaged") from None
    if name == "xl/styles.xml" and _remembered(_bad_style_ids, _shared(name, len(data)))(data):
        raise refuse(path, "damaged")          # style ids are unsigned integers
    if name == "docProps/core.xml" and any(not _W3CDTF.match(stamp)
                                           for stamp in _CORE_DATES.findall(data)):
        raise refuse(path, "damaged")          # dates must be W3CDTF
    return quick


def _add_shared_scan(name: str, data: bytes, census: _Census) -> bool:
    """Add to ``census`` what _PartScan counts in a part the returns of one
    template share (_shared) that is not plain ([Content_Types].xml, a part
    re-saved with comments …), scanned alone once per run and remembered by
    its whole text; False (census untouched) where that scan
    refused the part, or where the sums pass a limit: then the scan runs on
    ``census`` itself and refuses it with the same message as ever."""
    alone = _shared_scan(name, data, census.limits)
    limits = census.limits
    if alone is None or (alone.overrides is not None and census.overrides is not None) or \
            census.elements + alone.elements > limits.max_elements or \
            census.cells + alone.cells > limits.max_cells or \
            census.names + alone.names > limits.max_defined_names or \
            census.merged + alone.merged > limits.max_merged_ranges or \
            census.merged_cells + alone.merged_cells > limits.max_merged_cells:
        return False
    census.elements += alone.elements
    census.cells += alone.cells
    census.names += alone.names
    census.sheet_data += alone.sheet_data
    census.sheet_entries += alone.sheet_entries
    census.merged += alone.merged
    census.merged_cells += alone.merged_cells
    if alone.overrides is not None and alone.defaults is not None:
        census.overrides, census.defaults = dict(alone.overrides), dict(alone.defaults)
    return True


@lru_cache(maxsize=32)
def _shared_scan(name: str, data: bytes, limits: Limits) -> _Census | None:
    """_PartScan's census of the part ``name`` alone; None where it refuses it."""
    census = _Census(limits)
    try:
        _scan(name, data, census)
    except (_Unsafe, _Over, expat.ExpatError, _BadRef, ValueError):
        return None
    return census


def _scan(name: str, data: bytes, census: _Census) -> None:
    """Parse the part element by element (_PartScan), adding what it holds to
    ``census``; _Unsafe, _Over, ExpatError, _BadRef or ValueError where it
    must be refused."""
    parser = _parser()
    scan = _PartScan(name, census)
    scan.attach(parser)
    parser.Parse(data, True)
    scan.verdict()


# A part larger than this is never remembered across files: a template's shared
# parts are kilobytes, and a run must not keep megabytes for each file it read.
REMEMBERED_BYTES = 1 << 20
# The parts the returns of one template share, byte for byte: the package's
# content types and relationships, the workbook's relationships, its styles
# and theme.  Every other part is a return's own and is judged on its own bytes
# every time: the sheets, the workbook part (its sheet and defined names name
# the return's section), the document properties (author, dates, custom
# properties), shared strings (what the department typed), comments, drawings.
TEMPLATE_PARTS = frozenset({"[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                            "xl/styles.xml"})


def _remembered(function: Callable[..., _T], remember: bool) -> Callable[..., _T]:
    """``function`` (memoised by lru_cache) where what it is given is
    remembered once a run (_shared), else its plain self: a return's own
    part is never remembered."""
    return function if remember else function.__wrapped__  # type: ignore[attr-defined]


def _shared(name: str, size: int) -> bool:
    """Whether a part is remembered once a run (by its whole text): one the
    returns of one template share (TEMPLATE_PARTS, a theme), and small."""
    return size <= REMEMBERED_BYTES and (name in TEMPLATE_PARTS or
                                         name.startswith("xl/theme/theme"))


@lru_cache(maxsize=8)
def _bad_style_ids(styles: bytes) -> bool:
    """Whether a style id in styles.xml is not an unsigned integer (returns of
    one template share their styles part: looked at once per run)."""
    return _STYLE_IDS.search(styles) is not None


# The tags _PartScan acts on.  Cells and rows, inside sheetData, are read in
# the one form every writer uses, their reference first; their tags are also
# counted in any form, so that a cell written otherwise is noticed.
_TAGS = (b"c", b"row", b"mergeCell", b"dimension", b"definedName", b"sheetData", b"sheet")
# One tag per match, and for a merged range or dimension written <mergeCell ref="…"
# (the one form the quick count reads) its reference.
_OUTSIDE = re.compile(rb"<(" + b"|".join(_TAGS) + rb')[\s/>](?:(?<= )(ref=")([^"<]*)")?')
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<row r="([0-9]{1,7})"')
# Inside sheetData, anything but a cell or row written with its reference
# first and lying within A1:ZZ999 (a cell's column of one or two letters, its
# row of at most three digits, the first not zero; a row's number of at most
# three digits), or a tag of another element _PartScan acts on: where there is
# none, the cells and rows are counted by their tags, and the used area is
# within that box.  (A row written with a leading zero, A01, is read by its
# reference instead: this form costs sre a tenth less than one that allows it.
# The quantifiers are possessive: nothing after them could match what they gave
# back, and sre then keeps no state to backtrack into, a tenth less again.)
SMALL_BOX = (999, 702)
_IRREGULAR = re.compile(rb'<(?:c(?! r="[A-Z]{1,2}+[1-9][0-9]{0,2}+")|row(?! r="[0-9]{1,3}+")'
                        rb"|sheet|mergeCell|dimension|definedName)")
_DECLARATION = re.compile(rb"<\?xml[^>]*\?>")
_UTF8 = re.compile(rb"""\bencoding\s*=\s*["'](?i:utf-?8)["']""")
_NS_VALUE = re.compile(rb"""\s*=\s*(["'])([^"'<]*)\1""")
_MAIN_URIS = tuple(ns.encode() for ns in MAIN_NAMESPACES)


def _plain_root(data: bytes) -> tuple[int, int, bool] | None:
    """Where the root element's start tag starts and ends, and whether an XML
    declaration comes first, if ``data`` is UTF-8 and starts as plain XML
    does; whether it holds anything but elements, attributes and text, its
    parse tells (_plain_parser)."""
    if data[:1] == b"<" and data[1:2] not in (b"\0", b"!", b"?", b""):
        return 0, data.find(b">"), False      # the root first (as openpyxl writes a part)
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    declared = data.startswith(b"<?", start)
    if declared:
        declaration = _DECLARATION.match(data, start)
        if declaration is None or (declaration.group().find(b"encoding") >= 0
                                   and not _UTF8.search(declaration.group())):
            return None
        start = declaration.end()
    root = data.find(b"<", start)
    if root < 0 or data[start:root].strip() or data[root + 1:root + 2] in (b"\0", b"!", b"?"):
        return None
    return root, data.find(b">", root), declared


class _NotPlain(Exception):
    """A comment, CDATA section or processing instruction: not plain XML."""


def _not_plain(*_: object) -> None:
    raise _NotPlain


def _plain_parser() -> expat.XMLParserType:
    """A parser for a part counted from its text: it stops at anything that
    would make a '<' other than a tag's (comments, CDATA, processing
    instructions beyond the declaration), so the count is then not used."""
    parser = _parser()
    parser.CommentHandler = parser.ProcessingInstructionHandler = _not_plain
    parser.StartCdataSectionHandler = _not_plain
    return parser


def _namespaces(data: bytes) -> list[tuple[int, bytes, bytes]] | None:
    """Each namespace declaration: where it is, its prefix (b'' for the
    default namespace) and its URI as written; None where a URI is written
    with references (expat would read another text than this)."""
    found = []
    at = data.find(b"xmlns")
    while at >= 0:
        end = at + 5
        prefix = b""
        if data[end:end + 1] == b":":
            stop = min((i for i in (data.find(b"=", end), data.find(b" ", end)) if i >= 0),
                       default=-1)
            if stop < 0:
                return None
            prefix, end = data[end + 1:stop], stop
        value = _NS_VALUE.match(data, end)
        if value is None or b"&" in value.group(2):
            if value is None and data[at - 1:at].isalnum():
                at = data.find(b"xmlns", end)      # a word that merely contains xmlns
                continue
            return None
        found.append((at, prefix, value.group(2)))
        at = data.find(b"xmlns", value.end())
    return found


class _Counts(NamedTuple):
    """What a plain part holds, as _PartScan would count it (_plain_counts); or
    at least as much (_bounds: elements, cells and rows bounded by the part's
    length, the used area by a box around it, the rest exact)."""

    elements: int
    cells: int
    rows: int
    names: int
    merged: int
    merged_cells: int
    area: int
    sheet_data: int
    sheet_entries: int


def _census_of_plain_part(name: str, data: bytes, census: _Census) -> bool:
    """Count what _PartScan would count, from the text of a plain part, and
    add it to ``census``; False (census untouched) where the text alone
    cannot say exactly that, or where a limit is passed or a reference is
    not a cell: then _PartScan's own pass decides, with the same message.

    Parts the returns of one template share (_shared: theme, styles,
    relationships …) are the same in every return: their counts are remembered
    by their whole text, so such a part is counted and parsed once per run."""
    limits = census.limits
    counts = (_shared_plain_counts if _shared(name, len(data)) else _plain_counts)(
        name, data, limits)
    if counts is None:
        return False
    names = census.names + counts.names
    if census.elements + counts.elements > limits.max_elements or \
            counts.rows > limits.max_rows or census.cells + counts.cells > limits.max_cells or \
            names > limits.max_defined_names or \
            census.merged + counts.merged > limits.max_merged_ranges or \
            census.merged_cells + counts.merged_cells > limits.max_merged_cells or \
            counts.area > limits.max_sheet_area:
        return False
    census.elements += counts.elements
    census.cells += counts.cells
    census.names = names
    census.merged += counts.merged
    census.merged_cells += counts.merged_cells
    census.sheet_data += counts.sheet_data
    census.sheet_entries += counts.sheet_entries
    return True


def _plain_counts(name: str, data: bytes, limits: Limits) -> _Counts | None:
    """What a plain part holds (see _census_of_plain_part); None where its text
    alone cannot say exactly that, or where it passes a limit by itself.

    Exact because, in plain XML (_plain_root, _plain_parser) whose only default namespace
    is SpreadsheetML's, declared on the root, and where no prefix stands for
    it, every unprefixed tag is an element of that namespace and every '<' a
    tag; and because every cell and row is written in the one form the
    pattern reads (otherwise the counts differ and the scan decides).  expat
    still reads the whole part, so a part that is not well-formed is refused
    as before."""
    plain = _plain_root(data)
    declarations = None if plain is None else _namespaces(data)
    if plain is None or declarations is None:
        return None
    _, root_end, declared = plain
    elements = data.count(b"<") - data.count(b"</") - declared
    if elements > limits.max_elements:
        return None
    main = [prefix for _, prefix, uri in declarations if uri in _MAIN_URIS]
    merged = merged_cells = rows = cells = 0
    counted = dict.fromkeys(_TAGS, 0)
    area = _Area()
    if main:
        defaults = [at for at, prefix, _ in declarations if not prefix]
        if main != [b""] or len(defaults) != 1 or defaults[0] > root_end:
            return None                        # another default, or SpreadsheetML by a prefix
        first = data.find(b"<sheetData")
        last = data.find(b"</sheetData>", first) if first >= 0 else -1
        if last < 0:
            first = last = len(data)
        ranges = _outside(data, first, last, counted)
        try:
            if not _count_plain_sheet_data(data, first, last, area, counted, limits):
                return None
            found = _ranges_area(ranges, counted, area)
        except (_BadRef, ValueError):
            return None
        if found is None:
            return None
        merged_cells = found
        rows, cells, merged = counted[b"row"], counted[b"c"], counted[b"mergeCell"]
    try:
        _plain_parser().Parse(data, True)
    except (expat.ExpatError, _Unsafe, _NotPlain):
        return None                            # the scan finds it again, in document order
    return _Counts(elements, cells, rows, counted[b"definedName"], merged, merged_cells,
                   area.size, counted[b"sheetData"],
                   counted[b"sheet"] if name == "xl/workbook.xml" else 0)


# a template's returns share these parts: a few are remembered, by their whole text
_shared_plain_counts = lru_cache(maxsize=32)(_plain_counts)


def _outside(data: bytes, first: int, last: int,
             counted: dict[bytes, int]) -> dict[bytes, list[bytes]]:
    """Count the tags of ``counted`` before ``first`` and from ``last`` on
    (outside the sheetData that runs between them); the references of the
    merged ranges and dimensions there written ``<mergeCell ref="…"``."""
    ranges: dict[bytes, list[bytes]] = {b"mergeCell": [], b"dimension": []}
    for tag, written, ref in _OUTSIDE.findall(data, 0, first) + _OUTSIDE.findall(data, last):
        counted[tag] += 1
        if written and tag in ranges:
            ranges[tag].append(ref)
    return ranges


def _ranges_area(ranges: dict[bytes, list[bytes]], counted: dict[bytes, int],
                 area: _Area) -> int | None:
    """Extend ``area`` by the merged ranges and dimensions ``_outside`` found,
    and the cells the merged ranges cover; None where one of them is written in
    another form (``counted`` holds more); _BadRef where one is no range."""
    merged_cells = 0
    for tag, refs in ranges.items():
        if len(refs) != counted[tag]:
            return None                        # one written in another form
        if refs:
            tops, lefts, bottoms, rights, sizes = zip(*map(_range, refs))
            area.extend((min(tops), min(lefts)), (max(bottoms), max(rights)))
            if tag == b"mergeCell":
                merged_cells = sum(sizes)
    return merged_cells


def _count_plain_sheet_data(data: bytes, first: int, last: int, area: _Area,
                            counted: dict[bytes, int], limits: Limits) -> bool:
    """Count the tags of ``counted`` in a plain part whose sheetData runs from
    ``first`` to ``last`` (cells and rows only there, each with its reference
    first, and nothing else _PartScan acts on), and extend ``area`` by its
    cells and rows; False where the part is not written so.  ``counted``
    holds the tags outside sheetData already.

    The ordinary sheet (every cell and row within A1:ZZ999, written the one
    way) costs one search for anything else and two counts."""
    if counted[b"c"] or counted[b"row"]:
        return False                           # a cell or row outside sheetData
    if first == last:
        return True
    if data[first + 10:first + 11] not in b" \t\r\n>":
        return False                           # not the one sheetData the region assumes
    counted[b"sheetData"] += 1
    if SMALL_BOX[0] * SMALL_BOX[1] <= limits.max_sheet_area and \
            _IRREGULAR.search(data, first + 1, last) is None:
        cell_tags, row_tags = data.count(b'<c r="', first, last), data.count(b'<row r="', first, last)
        if row_tags > limits.max_rows or cell_tags > limits.max_cells:
            return False                       # refused by the scan, which names the count
        counted[b"c"], counted[b"row"] = cell_tags, row_tags
        area.extend((0, 1), SMALL_BOX)         # a bound: within it, no grid is too large
        return True
    return _count_sheet_data_by_reference(data, first, last, area, counted, limits)


def _count_sheet_data_by_reference(data: bytes, first: int, last: int, area: _Area,
                                   counted: dict[bytes, int], limits: Limits) -> bool:
    """_count_plain_sheet_data where the quick search found something: the
    same counts from every cell's and row's reference, or False."""
    if data.count(b"<sheet", first + 1, last) or data.count(b"<mergeCell", first, last) \
            or data.count(b"<dimension", first, last) or data.count(b"<definedName", first, last):
        return False                           # not the one sheetData the region assumes
    cell_tags, row_tags = data.count(b"<c", first, last), data.count(b"<row", first, last)
    if row_tags > limits.max_rows or cell_tags > limits.max_cells:
        return False                           # refused by the scan, which names the count
    if data.count(b'<c r="', first, last) != cell_tags or \
            data.count(b'<row r="', first, last) != row_tags:
        return False                           # written otherwise (or rich text: <charset …)
    counted[b"c"], counted[b"row"] = cell_tags, row_tags
    refs = _CELL_REF.findall(data, first, last)
    rows = _ROW_REF.findall(data, first, last)
    if len(refs) != cell_tags or len(rows) != row_tags:
        return False
    if refs:
        letters, numbers = zip(*refs)
        at = list(map(int, numbers))
        columns = [_column(c) for c in set(letters)]
        if min(at) < 1 or max(at) > MAX_ROW:
            return False
        area.extend((min(at), min(columns)), (max(at), max(columns)))
    if rows:
        at = list(map(int, rows))
        area.extend((min(at), 1), (max(at), 1))
    return True


@dataclass
class _Area:
    """The rectangle around what has been seen."""

    top: int = MAX_ROW + MAX_COL
    left: int = MAX_ROW + MAX_COL
    bottom: int = 0
    right: int = 0

    def extend(self, first: tuple[int, int], last: tuple[int, int]) -> None:
        self.top, self.left = min(self.top, first[0]), min(self.left, first[1])
        self.bottom, self.right = max(self.bottom, last[0]), max(self.right, last[1])

    @property
    def size(self) -> int:
        return (self.bottom - self.top + 1) * (self.right - self.left + 1) if self.bottom else 0


@lru_cache(maxsize=16384)
def _range(ref: bytes) -> tuple[int, int, int, int, int]:
    """b'A1:B3' -> (top, left, bottom, right, cells); _BadRef if not a range."""
    (top, left), (bottom, right) = _span(ref.decode("ascii"))
    return top, left, bottom, right, (bottom - top + 1) * (right - left + 1)


@lru_cache(maxsize=4096)
def _column(letters: bytes) -> int:
    """b'AB' -> 28; _BadRef beyond Excel's last column."""
    return _cell(letters.decode("ascii") + "1")[1]


def _check_content_types(path: Path, names: set[str], overrides: dict[str, str] | None,
                         defaults: dict[str, str] | None) -> None:
    """[Content_Types].xml must tell the truth: every part it names exists,
    and the workbook it declares is xl/workbook.xml.  A file that lies here
    reads with calamine but not with openpyxl, so it is refused for every
    command alike."""
    if overrides is None or defaults is None:
        raise refuse(path, "damaged")
    if not names.issuperset(overrides):
        raise refuse(path, "damaged")
    declared = [part for part, kind in overrides.items() if kind in WORKBOOK_TYPES]
    if declared:
        if declared != ["xl/workbook.xml"]:
            raise refuse(path, "damaged")
    elif defaults.get("xml") not in WORKBOOK_TYPES:
        raise refuse(path, "damaged")
    if "macroEnabled" in "\0".join((*overrides.values(), *defaults.values())):
        raise refuse(path, "macro")          # never run, never read: ask for an .xlsx


def _workbook_targets(archive: _Unzipped) -> tuple[str, ...]:
    """The parts xl/workbook.xml refers to (sheets, styles, strings, theme)."""
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return ("xl/_rels/workbook.xml.rels",)
    return _remembered(_relationship_targets, len(rels) <= REMEMBERED_BYTES)(rels)


@lru_cache(maxsize=8)
def _relationship_targets(rels: bytes) -> tuple[str, ...]:
    """The internal targets of a relationships part, as part names (a
    template's returns share the workbook's: read once a run)."""
    targets = []
    for blob in re.findall(rb"<Relationship\b([^>]*)>", rels):
        if b'TargetMode="External"' in blob:
            continue
        found = re.search(rb'\bTarget="([^"]+)"', blob)
        if found:
            target = found.group(1).decode("utf-8", "replace")
            targets.append(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    return tuple(targets)


# A zip member's local header (zipfile.structFileHeader): signature, versions,
# flags, method, time, date, CRC-32, sizes, and the lengths of name and extra field.
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
# The end of the central directory (zipfile.structEndArchive) and one entry of
# it (zipfile.structCentralDir).
_END = struct.Struct("<4s4H2LH")
_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
_ENCRYPTED, _PATCHED, _STRONG, _UTF8_NAME = 0x1, 0x20, 0x40, 0x800
_MAX_EXTRACT_VERSION = 63                       # zipfile.MAX_EXTRACT_VERSION


class _Member(NamedTuple):
    """What the central directory says of one member (as zipfile.ZipInfo)."""

    filename: str
    orig_filename: str
    flag_bits: int
    compress_type: int
    CRC: int
    compress_size: int
    file_size: int
    header_offset: int
    raw_name: bytes | None = None      # the name's bytes, where the guard read them itself

    @classmethod
    def of(cls, info: zipfile.ZipInfo) -> _Member:
        return cls(info.filename, info.orig_filename, info.flag_bits, info.compress_type,
                   info.CRC, info.compress_size, info.file_size, info.header_offset)


def _directory(raw: bytes) -> list[_Member] | None:
    """The members the central directory of the zip ``raw`` lists, as
    zipfile.ZipFile(...).infolist() would list them, where the zip is as
    plain as workbook writers make it: the end record last, without a
    comment, no Zip64 records, nothing before the first member, entries
    without extra fields, names without NUL.  None otherwise, and wherever
    zipfile would refuse the directory: then zipfile reads it, with its own
    rules and errors."""
    end = len(raw) - _END.size
    if end < 0 or raw[end:end + 4] != b"PK\x05\x06" or raw[-2:] != b"\0\0" or \
            raw[max(end - 20, 0):end][:4] == b"PK\x06\x07":
        return None                              # not plain: a comment, or a Zip64 locator
    _, _, _, _, _, size, at, _ = _END.unpack_from(raw, end)
    if at + size != end:
        return None                              # data before the zip, or a bad offset
    members = []
    entry, unpack = _ENTRY.size, _ENTRY.unpack_from
    while at < end:
        if at + entry > end:
            return None
        (signature, _, _, version, _, flags, method, _, _, crc, packed, unpacked, name_length,
         extra_length, comment_length, _, _, _, offset) = unpack(raw, at)
        at += entry
        raw_name = raw[at:at + name_length]
        at += name_length + extra_length + comment_length
        if signature != b"PK\x01\x02" or version > _MAX_EXTRACT_VERSION or extra_length or \
                at > end or 0 in raw_name:
            return None
        try:
            name = raw_name.decode("ascii") if raw_name.isascii() else \
                raw_name.decode("utf-8" if flags & _UTF8_NAME else "cp437")   # alike in ASCII
        except UnicodeDecodeError:
            return None
        members.append(_new_member(_Member, (name, name, flags, method, crc, packed, unpacked,
                                             offset, raw_name)))
    return members


# _Member's fields as a tuple made in C (a NamedTuple's __new__ is a Python call)
_new_member = tuple.__new__


class _Unzipped:
    """The members of one zip, each inflated once, on first use (so a
    damaged member is found in the order the guard reads them).  Names are
    unique: a zip that holds one name twice is refused before this is made."""

    def __init__(self, raw: bytes, members: list[_Member]) -> None:
        self.raw = raw
        self.view = memoryview(raw)            # members' bytes, read without a copy
        self.members = {member.filename: member for member in members}
        self.read_so_far: dict[str, bytes] = {}

    def read(self, name: str) -> bytes:
        """The member's bytes; KeyError if there is none of that name, or
        zipfile.BadZipFile, EOFError, zlib.error … if it is damaged."""
        data = self.read_so_far.get(name)
        if data is None:
            data = self.read_so_far[name] = _unzip(self.raw, self.members[name], self.view)
        return data


def _unzip(raw: bytes, member: _Member, view: memoryview | None = None) -> bytes:
    """The bytes zipfile would read for ``member`` of the zip ``raw`` (whose
    bytes ``view`` shows, if given), with the checks it makes (the local
    header, its name, encryption and the
    methods it cannot read, a truncated member, the CRC-32), inflated by zlib
    in one call that never produces more than 258 bytes beyond the size the
    central directory declares (which the guard has checked against its
    limits; zipfile would inflate up to 1 GiB of a member that lies about its
    size, and keep the declared first bytes, as this does).  Stricter than
    zipfile: any method but stored and deflated, the two that Open Packaging
    Conventions allow, is refused (zipfile would inflate bzip2 and LZMA too,
    without a bound).  Small parts the returns of one template share (_shared)
    are inflated once a run (_shared_inflate)."""
    (name, _, flag_bits, method, crc, packed_size, size, at, raw_name) = member
    if flag_bits & (_ENCRYPTED | _PATCHED | _STRONG):
        raise zipfile.BadZipFile(f"{name}: encrypted or patched")
    if method != _DEFLATED and method != _STORED:
        raise zipfile.BadZipFile(f"{name}: compression {method}")
    if at < 0 or at + _LOCAL_HEADER.size > len(raw):
        raise zipfile.BadZipFile(f"{name}: truncated file header")
    signature, _, _, flags, _, _, _, _, _, _, name_length, extra_length = \
        _LOCAL_HEADER.unpack_from(raw, at)
    at += _LOCAL_HEADER.size
    if signature != b"PK\x03\x04" or (
            (raw_name is None or name_length != len(raw_name) or not raw.startswith(raw_name, at)
             or (flags ^ flag_bits) & _UTF8_NAME) and
            raw[at:at + name_length].decode("utf-8" if flags & _UTF8_NAME else "cp437")
            != member.orig_filename):
        raise zipfile.BadZipFile(f"{name}: local header")
    at += name_length + extra_length
    if _shared(name, size):
        return _shared_inflate(method, raw[at:at + packed_size], packed_size, size, crc)
    return _inflate(method, (view or memoryview(raw))[at:at + packed_size], packed_size, size,
                    crc)


_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED


def _inflate(method: int, packed: bytes | memoryview, packed_size: int, size: int,
             crc: int) -> bytes:
    """What zipfile reads from a member's ``packed`` bytes (fewer than
    ``packed_size`` where the file is cut short): at most its declared
    ``size`` bytes, as zipfile keeps (a longer deflate stream is inflated no
    further), whose CRC-32 must be ``crc`` (else BadZipFile); EOFError where
    the bytes end too early."""
    if packed_size and not packed:
        raise EOFError
    if method == _STORED:
        data = bytes(packed[:size])
        whole = len(packed) == packed_size
    else:
        inflater = zlib.decompressobj(-15)
        # (258 bytes of room beyond the declared size let zlib inflate the part's
        # end in its fast loop; what passes the size is cut off below, as ever)
        data = inflater.decompress(packed, size + 258)
        whole = inflater.eof or len(packed) == packed_size
        if len(data) > size:
            data = data[:size]                 # the rest is never inflated
        elif whole and not inflater.eof:
            data += inflater.flush()[:size - len(data)]
    if not whole and len(data) < size:
        raise EOFError
    if zlib.crc32(data) != crc:
        raise zipfile.BadZipFile("bad CRC-32")
    return data


# a template's returns share these members (theme, styles …): a few are remembered
_shared_inflate = lru_cache(maxsize=32)(_inflate)


def read_workbook_bytes(path: Path, limits: Limits | None = None) -> bytes:
    """The bytes of a workbook file, read once through intake (a regular file,
    at most max_file_bytes); SheetkitError (unreadable-file) otherwise."""
    limits = limits or default_limits()
    try:
        return read_limited(path, limits.max_file_bytes)
    except Refused as refused:
        if refused.reason == "too-large":
            raise refuse(path, "too-large", detail=refused.detail, what="bytes") from None
        raise refuse(path, refused.reason) from None


def inspect(path: Path, limits: Limits | None = None) -> Inspection:
    """Check ``path`` before anything parses it; SheetkitError (unreadable-file) if unsafe."""
    limits = limits or default_limits()
    data = read_workbook_bytes(path, limits)
    members = _directory(data)
    if members is None and not zipfile.is_zipfile(io.BytesIO(data)):
        raise refuse(path, _sniff(data) or "damaged")
    try:
        return _inspect_zip(path, _zip_members(data) if members is None else members, limits,
                            data)
    except SheetkitError:
        raise
    except _DAMAGED:
        raise refuse(path, "damaged") from None


def _zip_members(data: bytes) -> list[_Member]:
    """A zip's members as zipfile reads them (where _directory cannot)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [_Member.of(info) for info in archive.infolist()]


# what reading a damaged zip (or member) raises
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
            ValueError, NotImplementedError, RuntimeError, KeyError)


def _inspect_zip(path: Path, members: list[_Member], limits: Limits,
                 raw: bytes) -> Inspection:
    names = {m.filename for m in members}
    archive = _Unzipped(raw, members)
    if "mimetype" in names and archive.read("mimetype").find(b"opendocument", 0, 100) >= 0:
        raise refuse(path, "ods")
    if len(members) > limits.max_parts:
        raise refuse(path, "too-large", detail=f"{len(members):,}", what="parts")
    sizes = [member.file_size for member in members]
    if max(sizes, default=0) > min(limits.max_part_bytes, 1 << 20) or \
            sum(sizes) > limits.max_uncompressed_bytes:
        _check_sizes(path, members, limits)
    if len(names) < len(members):
        raise refuse(path, "damaged")          # one name twice: which would a reader take?
    if not names.issuperset(REQUIRED_PARTS):
        raise refuse(path, "not-workbook")
    if not names.issuperset(_workbook_targets(archive)):
        raise refuse(path, "damaged")          # a part the workbook refers to is missing
    sheets = {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    parts = _proven(archive, members, sheets, limits) or _checked(path, archive, members,
                                                                  sheets, limits)
    count = max(len(sheets), parts.sheet_data, parts.sheet_entries)
    if count > limits.max_sheets:
        raise refuse(path, "too-large", detail=f"{count:,}", what="sheets")
    # a name ends with vbaProject.bin, in any case (no name holds a NUL: _directory, zipfile)
    if "vbaproject.bin\0" in "\0".join((*names, "")).lower():
        raise refuse(path, "macro")          # never run, never read: ask for an .xlsx
    _check_content_types(path, names, parts.overrides, parts.defaults)
    _check_styles(path, members, limits)
    return Inspection(_external_links(archive, [n for n in names if n.startswith(_LINKS)]),
                      parts.kept, raw, parts.referenced, frozenset(names))


def _check_sizes(path: Path, members: list[_Member], limits: Limits) -> None:
    """Refuse a member larger than its limit, members larger than theirs
    together, or a large member inflated from too few bytes, naming the first."""
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > limits.max_part_bytes or total > limits.max_uncompressed_bytes:
            raise refuse(path, "too-large", detail=member.filename, what="unzipped")
        if member.file_size > 1 << 20 and \
                member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise refuse(path, "too-large", detail=member.filename, what="ratio")


class _Parts(NamedTuple):
    """The parts of a workbook the guard let through: those kept for the
    readers, those written with every cell's reference first, and what the
    checks after them need (sheets as parts with cells and as listed in the
    workbook, [Content_Types].xml's overrides and defaults)."""

    kept: dict[str, bytes]
    referenced: frozenset[str]
    sheet_data: int
    sheet_entries: int
    overrides: dict[str, str] | None
    defaults: dict[str, str] | None


def _checked(path: Path, archive: _Unzipped, members: list[_Member], sheets: set[str],
             limits: Limits) -> _Parts:
    """Every member inflated, every XML part checked and counted exactly
    (_check_xml), in the order of the zip; SheetkitError at the first part
    that must be refused, with its reason."""
    kept: dict[str, bytes] = {}
    referenced = set()
    census = _Census(limits)
    for member in members:
        name = member.filename
        data = archive.read(name)              # each part inflated once, its CRC checked
        if name.endswith((".xml", ".rels", ".vml")) and _check_xml(path, name, data, census):
            referenced.add(name)
        if name in sheets or name in KEPT_PARTS:
            kept[name] = data
    return _Parts(kept, frozenset(referenced), census.sheet_data, census.sheet_entries,
                  census.overrides, census.defaults)


def _proven(archive: _Unzipped, members: list[_Member], sheets: set[str],
            limits: Limits) -> _Parts | None:
    """What _checked finds, where the quick pass proves that _checked lets
    every part through: each member inflated (CRC checked) and each XML part
    parsed strictly as ever, but what a part holds bounded from its length and
    a few searches (_bounds) instead of counted, and the sums of the bounds
    within every limit.  None at the least doubt (a part not plain, a count
    near a limit, a damaged member …): then _checked decides, with its exact
    counts and its reasons, so every refusal and its message stay as they were."""
    kept: dict[str, bytes] = {}
    referenced = []
    counted: list[tuple[int, ...]] = [(0,) * len(_Counts._fields)]   # and each XML part's
    overrides = defaults = None
    read = archive.read
    try:
        for member in members:
            name = member.filename
            data = read(name)
            if name in sheets or name in _KEPT:
                kept[name] = data
            if not name.endswith(_XML_PARTS):
                continue
            shared = _shared(name, len(data))
            found: tuple[int, ...] | None = None
            if name != "[Content_Types].xml":
                found = (_shared_bounds if shared else _bounds)(name, data, limits)
            if found is not None:
                referenced.append(name)
            elif name.startswith("xl/worksheets/"):
                return None                    # _checked counts it, from its text where it can
            else:                              # not plain, as [Content_Types].xml never is
                census = _remembered(_shared_scan, shared)(name, data, limits)
                if census is None or census.overrides is not None and overrides is not None:
                    return None
                if census.overrides is not None:
                    overrides, defaults = census.overrides, census.defaults
                found = (census.elements, census.cells, 0, census.names, census.merged,
                         census.merged_cells, 0, census.sheet_data, census.sheet_entries)
            if name == "xl/styles.xml" and _remembered(_bad_style_ids, shared)(data):
                return None
            if name == "docProps/core.xml" and any(not _W3CDTF.match(stamp)
                                                   for stamp in _CORE_DATES.findall(data)):
                return None
            counted.append(found)
    except _DAMAGED:
        return None                            # _checked says which member, and why
    (elements, cells, rows, names, merged, merged_cells, area, sheet_data,
     sheet_entries) = zip(*counted)
    if max(rows) > limits.max_rows or max(area) > limits.max_sheet_area or \
            sum(elements) > limits.max_elements or sum(cells) > limits.max_cells or \
            sum(names) > limits.max_defined_names or sum(merged) > limits.max_merged_ranges or \
            sum(merged_cells) > limits.max_merged_cells:
        return None
    return _Parts(kept, frozenset(referenced), sum(sheet_data), sum(sheet_entries),
                  overrides, defaults)


# the parts read as XML, and those kept for the readers
_XML_PARTS = (".xml", ".rels", ".vml")
_KEPT = frozenset(KEPT_PARTS)


def _bounds(name: str, data: bytes, limits: Limits) -> _Counts | None:
    """Bounds of what _PartScan would count in a plain part (see _plain_counts),
    without counting elements, cells and rows: an element takes at least four
    bytes of the part (``<a/>``), a cell written ``<c r="A1"/>`` eleven, a row
    ``<row r="1"/>`` twelve.  The namespaces are as expat reads them while
    parsing the part strictly (last: a part the searches already doubt is not
    parsed here).  None where the part is not plain, not written in the one
    form the bounds assume, or where a bound passes a limit by itself."""
    plain = _plain_root(data)
    size = len(data)
    if plain is None or size // 4 > limits.max_elements:
        return None
    spreadsheet = data.find(_MAIN_URIS[0]) >= 0 or data.find(_MAIN_URIS[1]) >= 0
    if not spreadsheet and data.find(b"&") < 0:
        # no reference, so every namespace is declared as written: none is SpreadsheetML's
        return _new_counts(_Counts, (size // 4, 0, 0, 0, 0, 0, 0, 0, 0)) \
            if _shaped_declarations(data, plain) is not None else None
    bounded = _bounded_text(data, plain, limits, name == STRINGS_PART) if spreadsheet else None
    if spreadsheet and bounded is None:
        return None
    counts, proven = bounded or (None, None)
    declarations = _shaped_declarations(data, plain) if proven is None else \
        _declarations(data, proven)
    if declarations is None:
        return None
    main = [prefix for prefix, uri, _ in declarations if uri in MAIN_NAMESPACES]
    if not main:
        return _new_counts(_Counts, (size // 4, 0, 0, 0, 0, 0, 0, 0, 0))
    if counts is None or main != [None] or \
            [at for prefix, _, at in declarations if prefix is None] != [plain[0]]:
        return None                            # another default, or SpreadsheetML by a prefix
    if counts[-1] and name != "xl/workbook.xml":
        counts = (*counts[:-1], 0)             # sheet elements count in the workbook only
    return _new_counts(_Counts, (size // 4, *counts))


# a _Counts made in C (a NamedTuple's __new__ is a Python call)
_new_counts = tuple.__new__


# a namespace declaration: its prefix (None for the default namespace), its URI
# and where the start tag that makes it starts
_Declaration = tuple[str | None, str | None, int]


def _declarations(data: bytes, proven: _Proven | None = None) -> list[_Declaration] | None:
    """Parse ``data`` strictly (_plain_parser): each namespace declaration;
    None where the part is not plain or not well-formed.  Where sheetData's
    content is ``proven`` well-formed by its grammar, expat parses only the
    rest (_declarations_around), and the whole part where that does not
    prove it (the same answer: what it says of a well-formed part is the
    same, and a part it doubts is parsed whole as ever)."""
    if proven is not None:
        around = _declarations_around(data, proven)
        if around is not None:
            return around
    return _parsed_declarations(data)


def _parsed_declarations(data: bytes) -> list[_Declaration] | None:
    """Each namespace declaration of ``data``, parsed strictly (_plain_parser);
    None where it is not plain or not well-formed."""
    declarations: list[_Declaration] = []
    parser = _plain_parser()
    parser.StartNamespaceDeclHandler = lambda prefix, uri: declarations.append(
        (prefix, uri, parser.CurrentByteIndex))
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Unsafe, _NotPlain):
        return None
    finally:
        parser.StartNamespaceDeclHandler = None        # the handler holds the parser
    return declarations


# What a text emptied in a small part's shape (_shape) may not hold: a control
# character expat refuses, a reference, a ] (of ]]>), a quote of either kind, a '<'
_UNSHAPED = bytes((*range(9), 11, 12, *range(14, 32), *b"&]\"'<"))
# a run of text between two tags that holds none of those but quotes (and the '>'
# and '<' around it)
_TEXT_RUN = re.compile(rb">[^<&\]\x00-\x08\x0b\x0c\x0e-\x1f]+<")


def _shaped_declarations(data: bytes,
                         plain: tuple[int, int, bool]) -> Sequence[_Declaration] | None:
    """_parsed_declarations of a plain part (``plain``: where its root's start
    tag starts and ends, as _plain_root says), parsed as its shape where it
    has one (_shape): the returns of one template share the shapes of their
    workbook part and document properties (they differ in names, dates and
    values only), so a shape is parsed once a run (_shared_shape, by its
    whole text; parts of at most 64 KiB).  Where the shape is not
    well-formed the part itself is parsed (a shape is well-formed only where
    its part is, but not always where it is: a '>' in a value ends a run
    early), so the answer is always the strict parse's."""
    shape = _shape(data, plain[1]) if len(data) <= REMEMBERED_BYTES >> 4 else None
    found = None if shape is None else _shared_shape(shape)
    return _parsed_declarations(data) if found is None else found


def _shape(data: bytes, root_end: int) -> bytes | None:
    """``data`` with the text after the root's start tag (which ends at
    ``root_end``) emptied where it is a run of text between a '>' and the
    next '<' that holds no reference, ']' or control character, and then
    where it lies between two double quotes; None where that text (from
    ``root_end`` on) is not valid UTF-8 without U+FFFE or U+FFFF, holds an
    odd number of double quotes after the runs are emptied, where a text
    between two of them holds anything _UNSHAPED names, or where what is
    left holds ``xmlns`` (a namespace declared there: names are as written).
    White space at its end is left out too (returns that differ in it have
    one shape).

    The shape is plain and well-formed only where ``data`` is, with the
    same declarations.  Put the emptied texts back into a well-formed shape,
    those between quotes first: each goes where the shape has '""', as the
    delimiters of a value (a value's closing quote is never followed by a
    quote), or within a value (quoted either way) or within text inside the
    root (text after the root's end tag is an error), where any text without
    a quote of either kind, '<', reference, ']' or control character is
    legal.  Then each run goes where the document has '><' with the '<'
    starting a tag (in a plain document a '<' is never in a value or text),
    so between two tags inside the root (a tag after the root's end is an
    error), where any text without '<', a reference, ']' or a control
    character is legal.  Nothing put back holds '<', so it makes no markup;
    names, nesting, attributes and what is before the root's start tag are
    the same text, and every namespace declaration is on that tag or before
    it, so at the same place.  White space at the end of a document lies
    after the root's end tag, where it may, or the document is not
    well-formed with it or without it (cutting its end closes nothing)."""
    rest = data[root_end:]
    if root_end < 0 or not valid_text(rest, 0, len(rest)):
        return None
    pieces = _TEXT_RUN.sub(b"><", rest).split(b'"')
    inside = b"".join(pieces[1::2])
    if not len(pieces) & 1 or len(inside.translate(None, _UNSHAPED)) < len(inside):
        return None
    shape = b'""'.join(pieces[::2]).rstrip(b" \t\r\n")
    return None if shape.find(b"xmlns") >= 0 else data[:root_end] + shape


def _bounded_text(data: bytes, root: tuple[int, int, bool], limits: Limits,
                  strings: bool = False) -> tuple[tuple[int, ...], _Proven | None] | None:
    """_bounds' cells, rows, names, merged ranges, cells they cover, used area,
    sheetData and sheet elements of a part whose unprefixed tags are all
    SpreadsheetML's, from its text; None where it is not written so.  And
    where the content of its sheetData is proven well-formed by the grammar
    of sheet_grammar (which also proves that nothing in it is irregular),
    what _declarations needs to parse only the rest (``root``: where the
    root element's start tag starts and ends, as _plain_root says); likewise
    where the part is the workbook's shared strings (``strings``) and its
    content is in the grammar of strings_grammar (_proven_strings)."""
    if strings:
        table = _proven_strings(data, root)
        if table is not None:                  # no tag _PartScan counts in it
            return (0, 0, 0, 0, 0, 0, 0, 0), table
    # the cells and rows _PartScan counts lie between the first sheetData's start
    # and the last sheetData's end (where there is another, the search below finds it)
    first = data.find(b"<sheetData")
    try:
        last, tail, remembered = _tail_of(data) if first >= 0 else (-1, None, None)
    except (_BadRef, ValueError):
        return None
    if first < 0 or last < first:
        names_and_sheets = _names_and_sheets(data)
        if names_and_sheets is not None:
            return (0, 0, names_and_sheets[0], 0, 0, 0, 0, names_and_sheets[1]), None
        first = last = len(data)
    try:
        outside = None if first == len(data) else _ordinary_outside(data, first, tail)
        if outside is not None:
            merged, merged_cells, top, left, bottom, right = outside
            names = sheet_data = sheet_entries = 0
        else:
            box = _Area()
            counted = dict.fromkeys(_TAGS, 0)
            ranges = _outside(data, first, last, counted)
            found = _ranges_area(ranges, counted, box)
            if found is None or counted[b"c"] or counted[b"row"]:
                return None                    # a cell or row outside sheetData
            merged, merged_cells, names = counted[b"mergeCell"], found, counted[b"definedName"]
            sheet_data, sheet_entries = counted[b"sheetData"], counted[b"sheet"]
            top, left, bottom, right = box.top, box.left, box.bottom, box.right
    except (_BadRef, ValueError):
        return None
    cells = rows = 0
    proven = None
    if first < last:
        # (a sheetData ends at least ten bytes on: its first ten are "<sheetData")
        if data[first + 10] not in _TAG_END or \
                SMALL_BOX[0] * SMALL_BOX[1] > limits.max_sheet_area:
            return None
        proven = _proven_sheet_data(data, root, first, last, remembered)
        if proven is None and _IRREGULAR.search(data, first + 1, last) is not None:
            return None
        sheet_data += 1
        top, left = 0, min(left, 1)            # every cell and row within the small box
        bottom, right = max(bottom, SMALL_BOX[0]), max(right, SMALL_BOX[1])
        cells, rows = (last - first) // 11, (last - first) // 12
        if rows > limits.max_rows:
            rows = data.count(b"<row", first, last)   # each one written <row r="…"
        if rows > limits.max_rows or cells > limits.max_cells:
            return None
    area = (bottom - top + 1) * (right - left + 1) if bottom else 0
    return (cells, rows, names, merged, merged_cells, area, sheet_data, sheet_entries), proven


def _names_and_sheets(data: bytes) -> tuple[int, int] | None:
    """The defined names and sheet elements in a part without sheetData (the
    workbook, shared strings, comments …), where it holds no other tag
    _PartScan acts on; None otherwise.  (One search: in shared strings, tens
    of kilobytes with a '<' every few bytes, a few searches for each tag's
    start take fewer instructions but more time.)"""
    tags = _ACTED_ON.findall(data)
    names, sheets = tags.count(b"definedName"), tags.count(b"sheet")
    return (names, sheets) if names + sheets == len(tags) else None


# what may follow a tag's name
_TAG_END = b" \t\r\n>"
# any tag _PartScan acts on (its name)
_ACTED_ON = re.compile(rb"<(c|row|definedName|sheetData|sheet|mergeCell|dimension)[\s/>]")
# before sheetData, a dimension written <dimension ref="…" (its reference), or any other
# tag _PartScan acts on (its name)
_HEAD = re.compile(rb'<(?:dimension ref="([^"<]*)"'
                   rb"|(c|row|definedName|sheetData|sheet|mergeCell|dimension)[\s/>])")
_MERGE_REF = re.compile(rb'<mergeCell ref="([^"<]*)"')
# the box around nothing (as _Area's)
_NOWHERE = (MAX_ROW + MAX_COL, MAX_ROW + MAX_COL, 0, 0)


def _ordinary_outside(data: bytes, first: int,
                      tail: _Merges | None) -> tuple[int, int, int, int, int, int] | None:
    """The merged ranges outside the sheetData that starts at ``first`` (how
    many, and the cells they cover), and the box around them and the
    dimensions (top, left, bottom, right; _NOWHERE's where there are none),
    where the part is written as writers write a sheet: nothing
    there that _PartScan counts but dimensions written ``<dimension ref="…"``
    before it and one mergeCells element after it holding nothing but
    ``<mergeCell ref="…"/>`` (``tail``: _ordinary_tail's verdict on the text
    after it).  None otherwise (then _outside counts every tag); _BadRef
    where a range is not one."""
    if tail is None:
        return None
    top, left, bottom, right = _NOWHERE
    for ref, tag in _HEAD.findall(data, 0, first):
        if tag:
            return None
        up, far_left, down, far_right, _ = _range(ref)
        top, left = min(top, up), min(left, far_left)
        bottom, right = max(bottom, down), max(right, far_right)
    merged, merged_cells, up, far_left, down, far_right = tail
    if merged:
        top, left = min(top, up), min(left, far_left)
        bottom, right = max(bottom, down), max(right, far_right)
    return merged, merged_cells, top, left, bottom, right


# how many merged ranges, the cells they cover, and the box around them
_Merges = tuple[int, int, int, int, int, int]


class _Tail:
    """A remembered tail (_Tails): its text, _ordinary_tail's verdict on it,
    and what parsing it strictly found after the root's and sheetData's start
    tags it followed (_tail_proof; at most PROOFS of them: a template's sheets
    share those tags too)."""

    __slots__ = ("text", "verdict", "proofs")
    PROOFS = 4

    def __init__(self, text: bytes, verdict: _Merges | None) -> None:
        self.text, self.verdict = text, verdict
        self.proofs: dict[tuple[bytes, bytes], _TailProof | None] = {}


class _Tails:
    """Sheets' texts after their sheetData (from the last ``</sheetData>`` on),
    with _ordinary_tail's verdict on each, remembered once a run (at most
    ``maxsize``).  The returns of one template share them (merged ranges,
    validations, conditional formats, page setup): each is searched and
    parsed once a run (a few, of at most 64 KiB; its parse once for each pair
    of root and sheetData start tags it follows, the same in a template's
    returns), and the rest of the sheet it ends is still checked every time
    (its sheetData by the grammar, its head by its shape: _head_declarations).
    A sheet's own tail is found by comparing the remembered ones
    with its end, in C, neither copied nor hashed: at most one can match (a
    tail holds ``</sheetData>`` at its start only, a text that cannot overlap
    itself), and where one does, the sheet's last ``</sheetData>`` is where it
    starts.  (One memo for the run, used as functools' are: the tests find
    and clear it by cache_info and cache_clear; its size counts the tails
    and their proofs.)"""

    maxsize = 32
    tails: list[_Tail] = []
    hits = misses = 0

    @classmethod
    def ending(cls, data: bytes) -> tuple[int, _Tail] | None:
        """Where the remembered tail that ends ``data`` starts, and the tail."""
        for tail in cls.tails:
            if data.endswith(tail.text):
                cls.hits += 1
                return len(data) - len(tail.text), tail
        cls.misses += 1
        return None

    @classmethod
    def add(cls, tail: _Tail) -> None:
        if len(cls.tails) >= cls.maxsize:
            del cls.tails[0]
        cls.tails.append(tail)

    @classmethod
    def cache_info(cls) -> _MemoInfo:
        return _MemoInfo(cls.hits, cls.misses, cls.maxsize,
                         len(cls.tails) + sum(len(tail.proofs) for tail in cls.tails))

    @classmethod
    def cache_clear(cls) -> None:
        cls.tails.clear()
        cls.hits = cls.misses = 0

    @classmethod
    def cache_parameters(cls) -> dict[str, int | bool]:
        return {"maxsize": cls.maxsize, "typed": False}


class _MemoInfo(NamedTuple):
    """As functools' cache_info."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


def _tail_of(data: bytes) -> tuple[int, _Merges | None, _Tail | None]:
    """Where the last ``</sheetData>`` of ``data`` starts (-1 where there is
    none), _ordinary_tail's verdict on the text from there on (None where
    there is none), and that text as remembered (None where it is not);
    _BadRef where a merged range there is not one."""
    known = _Tails.ending(data)
    if known is not None:
        return known[0], known[1].verdict, known[1]
    last = data.rfind(b"</sheetData>")
    if last < 0:
        return last, None, None
    tail = _Tail(data[last:], _ordinary_tail(data[last:]))
    if len(tail.text) > REMEMBERED_BYTES >> 4:
        return last, tail.verdict, None
    _Tails.add(tail)
    return last, tail.verdict, tail


class _Proven(NamedTuple):
    """A sheet whose sheetData content the grammar proved well-formed
    (_proven_sheet_data): its root element's start tag runs from ``root`` to
    ``root_end`` (its '>'), sheetData's from ``first`` to ``start``, where the
    content starts; the content ends at ``last``, where the last
    ``</sheetData>`` starts.  ``x14ac``: whether a row may use that prefix
    (then the root must declare it); ``tail``: the text from ``last`` on, if
    remembered (_Tails).  (Or a shared-strings table whose content its grammar
    proved, _proven_strings: the root's start tag stands for sheetData's,
    ``first`` is ``root`` and ``last`` where the last ``</sst>`` starts.)"""

    root: int
    root_end: int
    first: int
    start: int
    last: int
    x14ac: bool
    tail: _Tail | None


def _proven_sheet_data(data: bytes, root: tuple[int, int, bool], first: int, last: int,
                       tail: _Tail | None) -> _Proven | None:
    """_Proven where the content of the sheetData that starts at ``first`` and
    whose last ``</sheetData>`` starts at ``last`` is in the grammar of
    sheet_grammar (well-formed, nothing irregular in it); None otherwise."""
    x14ac = data.find(b"xmlns:x14ac=", root[0], root[1]) >= 0
    start = _sheet_grammar()(data, first, last, x14ac)
    return None if start is None else _Proven(root[0], root[1], first, start, last, x14ac, tail)


def _proven_strings(data: bytes, root: tuple[int, int, bool]) -> _Proven | None:
    """_Proven where ``data`` is a shared-strings table (its root ``<sst`` where
    ``root`` says the root starts) whose content is in the grammar of strings_grammar
    (well-formed, no tag _PartScan acts on, no prefix but ``xml``); None
    otherwise.  Its root's start tag stands for sheetData's: expat parses the
    text up to the content and from the last ``</sst>`` on (_declarations_around)."""
    found = _strings_grammar()(data, root[0])
    return None if found is None else _Proven(root[0], root[1], root[0], *found, False, None)


@lru_cache(maxsize=1)
def _strings_grammar() -> Callable[[bytes, int], tuple[int, int] | None]:
    """strings_grammar.proven_content, imported when a shared-strings part
    first needs it (never at start-up)."""
    from sheetkit.strings_grammar import proven_content
    return proven_content


@lru_cache(maxsize=1)
def _sheet_grammar() -> Callable[[bytes, int, int, bool], int | None]:
    """sheet_grammar.proven_content, imported when a sheet first needs it
    (never at start-up)."""
    from sheetkit.sheet_grammar import proven_content
    return proven_content


def _declarations_around(data: bytes, proven: _Proven) -> list[_Declaration] | None:
    """_declarations of a part whose sheetData content is ``proven``
    well-formed, from expat's strict parse of the text up to that content,
    and of the text after it: where that tail is remembered and was parsed
    after the same root and sheetData start tags (_tail_proof), the head is
    parsed with what closes sheetData and the root after it (_head_declarations),
    so the head leaves exactly those two open, and the tail's declarations
    are the ones its parse found; else the tail itself is parsed after the
    head.  The content holds no tag but the grammar's (no namespace
    declaration, no prefix but ``xml`` and ``x14ac``, which must then be
    declared on the root) and leaves what is open as it found it, so the
    whole part is well-formed where this is, with the same declarations.
    None where this does not prove it (then _declarations parses the whole part)."""
    proof = _tail_proof(data, proven)
    if proof is not None:
        head = _head_declarations(data, proven, proof.closer)
        if head is None:
            return None
        declarations = [*head, *((prefix, uri, proven.last + at)
                                 for prefix, uri, at in proof.declarations)]
    else:
        declarations = []
        parser = _plain_parser()
        skipped = 0            # what expat was not given, before what it is given now
        parser.StartNamespaceDeclHandler = lambda prefix, uri: declarations.append(
            (prefix, uri, parser.CurrentByteIndex + skipped))
        try:
            parser.Parse(data[:proven.start], False)
            skipped = proven.last - proven.start
            parser.Parse(data[proven.last:], True)
        except (expat.ExpatError, _Unsafe, _NotPlain):
            return None
        finally:
            parser.StartNamespaceDeclHandler = None        # the handler holds the parser
    if proven.x14ac and not any(prefix == "x14ac" and at == proven.root
                                for prefix, _, at in declarations):
        return None
    return declarations


# What may stand between two quotes of a sheet's head to be emptied there
# (_head_declarations): printable ASCII without " ' & < > (nothing that could
# end or open markup or a value, begin a reference or make ]]>), tab, LF and CR.
_INERT = re.compile(rb"[\t\n\r\x20\x21\x23-\x25\x28-\x3b\x3d\x3f-\x7e]*+")


def _head_declarations(data: bytes, proven: _Proven,
                       closer: bytes) -> tuple[_Declaration, ...] | None:
    """The namespace declarations of a sheet's text up to its sheetData's
    content, parsed strictly with ``closer`` after it (_parsed_head); None
    where that is not well-formed.

    Where nothing after the root's start tag up to there declares a namespace
    (no ``xmlns``), and every text between two quotes (taken in pairs, in
    order) of what lies between the root's and sheetData's start tags (sheet
    properties, dimension, views, column widths) is in _INERT's characters,
    that is parsed with those texts emptied, as its shape: the returns of one
    template share it (the dimension, the selected cell and the like differ in
    their values only), and it is remembered once a run by its whole text
    (_shared_head).  The same verdict and declarations as the head itself:
    each such text lies inside one value, or in character data, or where the
    quote before it is already an error, and holds no quote, markup,
    reference or non-ASCII byte (whose UTF-8 expat checks), so emptying it
    leaves the quotes paired as before and every value and character data
    legal where it was, without making or breaking a ``]]>`` or the end of a
    comment, processing instruction or CDATA section (which the strict parse
    refuses either way); every declaration is on the root, before it, so at
    the same place."""
    start = proven.root_end + 1
    if proven.start <= REMEMBERED_BYTES >> 4 and data.find(b"xmlns", start, proven.start) < 0:
        pieces = data[start:proven.first].split(b'"')
        if _INERT.fullmatch(b"".join(pieces[1::2])) is not None:
            return _shared_head(data[:start] + b'""'.join(pieces[::2])
                                + data[proven.first:proven.start] + closer)
    return _parsed_head(data[:proven.start] + closer)


def _parsed_head(head: bytes) -> tuple[_Declaration, ...] | None:
    """The namespace declarations of ``head`` (a part's text up to sheetData's
    content and what closes sheetData and the root, or a small part's shape:
    _shaped_declarations), parsed strictly; None where it is not well-formed
    or not plain (_parsed_declarations)."""
    found = _parsed_declarations(head)
    return None if found is None else tuple(found)


# the shapes of a template's sheets' heads: a few are remembered (each of at
# most 64 KiB), by their whole text
_shared_head = lru_cache(maxsize=32)(_parsed_head)
# the shapes of a template's small parts (_shaped_declarations): likewise
_shared_shape = lru_cache(maxsize=32)(_parsed_head)


class _TailProof(NamedTuple):
    """A tail parsed strictly after a root's and a sheetData's start tags:
    what closes those two elements, and the tail's namespace declarations
    (where each start tag that makes one starts, from the tail's start)."""

    closer: bytes
    declarations: tuple[_Declaration, ...]


_ROOT_NAME = re.compile(rb"<([^\s/>]+)")


def _tail_proof(data: bytes, proven: _Proven) -> _TailProof | None:
    """What parsing the remembered tail of ``proven`` strictly found after the
    root's and sheetData's start tags of ``data`` (once a run for each pair:
    a template's returns share them); None where the tail is not remembered
    or not well-formed there."""
    tail = proven.tail
    if tail is None:
        return None
    tags = (data[proven.root:proven.root_end + 1], data[proven.first:proven.start])
    if tags in tail.proofs:
        return tail.proofs[tags]
    if len(tail.proofs) >= _Tail.PROOFS:
        return None
    proof = tail.proofs[tags] = _parsed_tail(tail.text, *tags)
    return proof


def _parsed_tail(tail: bytes, root: bytes, sheet_data: bytes) -> _TailProof | None:
    """``tail`` parsed strictly (_plain_parser) as the rest of a part that
    starts with the start tags ``root`` and ``sheet_data``; None where that
    part is not plain or not well-formed."""
    name = _ROOT_NAME.match(root)
    if name is None:
        return None
    head = root + sheet_data
    declarations: list[_Declaration] = []
    parser = _plain_parser()
    parser.StartNamespaceDeclHandler = lambda prefix, uri: declarations.append(
        (prefix, uri, parser.CurrentByteIndex - len(head)))
    try:
        parser.Parse(head + tail, True)
    except (expat.ExpatError, _Unsafe, _NotPlain):
        return None
    finally:
        parser.StartNamespaceDeclHandler = None
    return _TailProof(b"</sheetData></" + name.group(1) + b">",
                      tuple(found for found in declarations if found[2] >= 0))


def _ordinary_tail(tail: bytes) -> _Merges | None:
    """_merged_ranges of the one mergeCells element in a sheet's text after its
    sheetData (from ``</sheetData>`` on), where nothing else there is a tag
    _PartScan acts on; None otherwise."""
    start = tail.find(b"<mergeCells")
    end = tail.find(b"</mergeCells>", start) if start >= 0 else -1
    if end < 0:
        start = end = len(tail)
    if _ACTED_ON.search(tail, 0, start) or _ACTED_ON.search(tail, end):
        return None
    return _merged_ranges(tail[start:end]) if start < end else (0, 0, 0, 0, 0, 0)


def _merged_ranges(block: bytes) -> tuple[int, int, int, int, int, int] | None:
    """A mergeCells element's merged ranges: how many, the cells they cover and
    the box around them (top, left, bottom, right); None where it holds anything
    but ``<mergeCell ref="…"/>`` elements; _BadRef where a range is not one."""
    refs = _MERGE_REF.findall(block)
    if block.count(b"<") != len(refs) + 1:
        return None
    if not refs:
        return 0, 0, 0, 0, 0, 0
    tops, lefts, bottoms, rights, sizes = zip(*map(_range, refs))
    return len(refs), sum(sizes), min(tops), min(lefts), max(bottoms), max(rights)


# a template's returns share these parts: a few are remembered, by their whole text
_shared_bounds = lru_cache(maxsize=32)(_bounds)


# the folders of the parts that may hold links to other files (_external_links)
_LINKS = ("xl/externalLinks/", "xl/worksheets/_rels/")


def _external_links(archive: _Unzipped, names: list[str]) -> tuple[str, ...]:
    """Links to other files and DDE in the parts ``names`` (of _LINKS):
    reported, never followed."""
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
                archive.read(name).find(b"ddeLink") >= 0:
            links.append("DDE")
    return tuple(links)


# -- shared formulas: the work of filling them down is bounded -------------------
#
# Excel writes a formula filled down or copied as one shared formula: the first
# cell of a group holds the text (``<f t="shared" ref="J4:J8" si="0">…</f>``),
# every other only the group's index (``<f t="shared" si="0"/>``).  Both read paths
# give each such cell the first one's formula moved to its place (openpyxl's
# Translator: it tokenizes the first formula once, ~1 µs a character, and moves
# every reference in it for each cell, up to ~0.5 µs a character): ten thousand
# cells sharing a formula of 2,000 characters, a 50 KB file, take seconds on either
# path; at the cell limit, minutes.  So the text the groups expand to (each first
# formula's length, once for it and once for every cell of its group after it) is
# bounded for the whole workbook (max_shared_formula_text) before any is moved.
# The read paths call check_shared_formulas where they would move one: the fast
# path when its scan of a sheet first meets a shared formula (nothing is searched
# in a workbook without one), openpyxl's before it opens the workbook.

# a shared formula's tag as Excel writes it: its index, and whether it closes itself
_SHARED_TAG = re.compile(rb'<f t="shared"(?: ref="[A-Z0-9$:]{0,32}+")? si="([0-9]{1,9}+)"'
                         rb'(?: [a-z]{1,8}+="[0-9A-Za-z]{0,16}+")*+ ?+(/?+)>')
_FORMULA_TAGS = frozenset(f"{ns} f" for ns in MAIN_NAMESPACES)


def check_shared_formulas(path: Path, parts: Mapping[str, bytes],
                          limits: Limits | None = None) -> None:
    """Refuse the workbook whose sheets' shared formulas (filled-down and copied
    formulas, in ``parts``: its sheets as the guard unzipped them) expand to more
    than max_shared_formula_text characters, naming the sheet that holds the
    most; SheetkitError (unreadable-file, shared-formulas)."""
    limits = limits or default_limits()
    texts = {name: shared_formula_text(data) for name, data in sorted(parts.items())
             if name.startswith("xl/worksheets/") and name.endswith(".xml")}
    if sum(texts.values()) > limits.max_shared_formula_text:
        most = max(texts, key=texts.__getitem__)
        raise refuse(path, "shared-formulas", detail=_sheet_name(parts, most),
                     limit=f"{limits.max_shared_formula_text:,}")


def shared_formula_text(data: bytes) -> int:
    """How many characters the shared formulas of one sheet's XML ``data`` expand
    to as both read paths read them (in document order, the first formula of an
    index that has text is its group's; every later cell of that index gets its
    text moved): each group's text counted once for its first cell and once for
    each later one.  Never fewer: the text is measured as written (``&amp;`` as
    five), and a group's first formula up to its first ``</f>``."""
    if data.find(b"shared") < 0 and data.find(b"&#") < 0:
        return 0                               # no t attribute can say "shared"
    if data.find(b"&#") < 0 and data.find(b"<![CDATA[") < 0:
        tags = list(_SHARED_TAG.finditer(data))
        if len(tags) == data.count(b"shared"):
            return _shared_text_of_tags(data, tags)
    return _shared_text_parsed(data)


def _shared_text_of_tags(data: bytes, tags: list[re.Match[bytes]]) -> int:
    """shared_formula_text where every "shared" in the sheet is in a tag written
    as Excel writes it (and no character reference or CDATA section could hide
    another): ``tags``, in order."""
    firsts: dict[bytes, int] = {}
    total = 0
    for tag in tags:
        index = tag.group(1)
        known = firsts.get(index)
        if known is not None:
            total += known
        elif not tag.group(2):
            end = data.find(b"</f>", tag.end())
            length = (end if end >= 0 else len(data)) - tag.end()
            if length > 0:
                firsts[index] = length
                total += length
    return total


def _shared_text_parsed(data: bytes) -> int:
    """shared_formula_text from the XML as parsed (attributes written in any
    form: quoted either way, with character references, prefixed tags): each
    formula element of SpreadsheetML whose t attribute says "shared"."""
    parser = _parser()
    firsts: dict[str | None, int] = {}
    total = 0
    first: list[Any] = []                      # [index, length] of a group's first being read

    def text(chars: str) -> None:
        first[1] += len(chars)

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal total
        if tag in _FORMULA_TAGS and not first and attrs.get("t") == "shared":
            index = attrs.get("si")
            if index in firsts:
                total += firsts[index]
            else:
                first[:] = [index, 0]
                parser.CharacterDataHandler = text

    def end(tag: str) -> None:
        nonlocal total
        if first and tag in _FORMULA_TAGS:
            index, length = first
            if length:
                firsts[index] = length
                total += length
            first.clear()
            parser.CharacterDataHandler = None

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Unsafe):
        pass                                   # (the guard has parsed it whole already)
    finally:
        parser.StartElementHandler = parser.EndElementHandler = None   # they hold the parser
        parser.CharacterDataHandler = None
    return total


def _sheet_name(parts: Mapping[str, bytes], part: str) -> str:
    """The name the workbook gives the sheet in ``part`` (the part's own name
    where the workbook does not say)."""
    targets: dict[str, str] = {}
    names: dict[str, str] = {}
    relationship = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag.endswith(" Relationship") and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            targets[attrs["Id"]] = target.lstrip("/") if target.startswith("/") \
                else f"xl/{target}"
        elif tag.endswith(" sheet") and relationship in attrs and "name" in attrs:
            names[attrs[relationship]] = attrs["name"]

    for name in ("xl/_rels/workbook.xml.rels", "xl/workbook.xml"):
        parser = _parser()
        parser.StartElementHandler = start
        try:
            parser.Parse(parts.get(name, b""), True)
        except (expat.ExpatError, _Unsafe):
            return part
    return next((sheet for rid, sheet in names.items() if targets.get(rid) == part), part)


# -- what openpyxl reads besides cells: bounded where it reads ---------------------
#
# openpyxl turns every conditional format, validation, hyperlink, print area,
# defined name, style, comment and shared string into objects one by one, about 1-2 us a byte
# of their XML (a sqref list of a million cells, 7.6 MB, took half a minute to
# read and longer to mark); the fast path reads none of it (0.1 us a byte, the
# guard's parse).  So the path that reads a file with openpyxl (when the fast
# path cannot, and --annotate's marked copy) first bounds the workbook's XML
# outside the sheets' cells (max_markup_bytes); the fast path is not held to it.


def check_markup(path: Path, data: bytes, parts: Mapping[str, bytes],
                 limits: Limits | None = None) -> None:
    """Refuse, before openpyxl reads it, the workbook ``data`` (``parts``: its
    sheets and workbook as the guard unzipped them) whose XML parts hold more
    than max_markup_bytes outside the sheets' cells (sheetData), naming the
    sheet (or part) that holds the most; SheetkitError (unreadable-file, markup)."""
    limits = limits or default_limits()
    members = _directory(data)
    if members is None:
        members = _zip_members(data)
    sizes = {m.filename: m.file_size for m in members if m.filename.endswith(_XML_PARTS)}
    if sum(sizes.values()) <= limits.max_markup_bytes:
        return
    for name in sizes:
        sheet = parts.get(name) if name.startswith("xl/worksheets/") else None
        if sheet is not None:
            first, last = sheet.find(b"<sheetData"), sheet.rfind(b"</sheetData>")
            if 0 <= first < last:
                sizes[name] -= last - first
    if sum(sizes.values()) > limits.max_markup_bytes:
        most = max(sorted(sizes), key=sizes.__getitem__)
        raise refuse(path, "markup", detail=_sheet_name(parts, most),
                     limit=f"{limits.max_markup_bytes:,}")


def _check_styles(path: Path, members: list[_Member], limits: Limits) -> None:
    """Refuse cell formats too many to read quickly: both read paths make each
    of the styles part's elements a Python object (~4 us each: 500,000 formats,
    30 MB, took seconds on the fast path and half a minute on openpyxl's);
    Excel itself holds at most 64,000 formats.  By the size the zip declares
    (checked against the part by its CRC), so nothing is searched."""
    for member in members:
        if member.filename == "xl/styles.xml" and member.file_size > limits.max_styles_bytes:
            raise refuse(path, "styles", detail=f"{member.file_size:,}",
                         limit=f"{limits.max_styles_bytes:,}")
