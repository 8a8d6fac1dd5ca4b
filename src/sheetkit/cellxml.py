"""Cell values taken from a sheet's XML itself, exactly as python-calamine
gives them, for the sheets whose every cell is written in one of a few plain
forms (inline text, a shared string plainly written, a plain number, a formula
with a plain or text result).

The guard has already unzipped every part and proved it well-formed, with
nothing but elements, attributes and text (no DTD, comments, CDATA), and every
cell written with its reference first (``Inspection.referenced``).  Opening the
file again with calamine would unzip and parse it all a second time; here the
values are read from the parts the guard hands over.  Wherever the scan is not
SURE to give calamine's answer (shared strings not plainly written, inline
rich text, booleans, errors,
ISO dates, a 1904 workbook, a number not plainly written, a date outside the
common range, an Excel ``_x000D_`` escape, any other cell form, workbook or
relationships written otherwise) it says so (None), and the caller asks
calamine for that sheet, as before.  tests/test_cellxml.py compares both on
generated and hostile sheets."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from itertools import compress, count, repeat
from operator import gt
from typing import Any
from xml.parsers import expat

from sheetkit.memo import Memo

OTHER, DATETIME, TIMEDELTA = 0, 1, 2        # calamine's CellFormat of a style


def _reversed(literal: bytes) -> bytes:
    """A literal as a pattern for the XML read backwards."""
    return re.escape(literal[::-1])


# Every closed cell element (one with content), matched in the sheet's XML read
# backwards from its end tag: a literal only closed cells have, so the many empty
# cells (<c r="B2" s="20"/>) cost nothing, and what an element holds is passed over
# up to the next "<" (nothing in a plain part's text or attributes is one), which
# sre does a byte at a time far faster than a class of bytes.  In a sure form the
# groups are (each reversed): the inline text with its <t> tag's name and
# attributes, the inline marker, the <v> text with its tag's name, the formula
# marker (b" " where the formula's start tag has attributes — always so for one
# that closes itself, as a filled-down formula's <f t="shared" si="0"/> —, else b">"), the
# text-result marker, the shared-string marker, the style and the reference;
# any other closed cell matches the empty alternative (no reference).
_CELL = re.compile(
    _reversed(b"</c>") + rb"(?:(?:"
    + _reversed(b"</t></is>") + rb"([^<]*+)(?<=[> ]t)<" + _reversed(b"<is>")
    + rb"(" + _reversed(b' t="inlineStr">') + rb")"
    + rb"|(?:" + _reversed(b"</v>") + rb"([^<]*+)(?<=>v)<|" + _reversed(b"<v/>") + rb"|"
    + _reversed(b"<v />") + rb"|" + _reversed(b"<v></v>") + rb")?"
    + rb"(?:(?:" + _reversed(b"</f>") + rb"|" + _reversed(b"/>") + rb")[^<]*+(?<=([> ])f)<)?"
    + rb">(?:" + _reversed(b' t="n"') + rb"|(" + _reversed(b' t="str"') + rb")|("
    + _reversed(b' t="s"') + rb"))?"
    + rb')(?:"([0-9]{1,9}+)"=s )?"([0-9]{0,6}[1-9][A-Z]{1,3}+)"=r c<|)')
_PLAIN_T, _PRESERVE_T = b">t", b'>"evreserp"=ecaps:lmx t'     # <t>, <t xml:space=…>, backwards
_PLAIN_TAG, _TEXT_START = "t>", "\0t>"          # in _texts' joined texts, forwards
_PLAIN_NUMBER = re.compile(rb"-?[0-9]++(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?")
_ENTITY = re.compile(r"&(?:(amp)|(lt)|(gt)|(quot)|(apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_EPOCH = dt.datetime(1899, 12, 30)
_LAST_SERIAL = 2958466                      # 10000-01-01: python-calamine's last year is 9999
_MS_PER_DAY = 86_400_000.0


class NotSure(Exception):
    """The scan cannot promise calamine's value: ask calamine."""


def unescape(text: str) -> str:
    """XML's five entities and character references (the guard let no other through)."""
    return _ENTITY.sub(_entity, text) if "&" in text else text


def _entity(match: re.Match[str]) -> str:
    name = match.lastindex
    if name is not None and name <= 5:
        return _NAMED[match.group(name)]
    return chr(int(match.group(6)) if name == 6 else int(match.group(7), 16))


def _text(raw: bytes) -> str:
    """Element text as an XML 1.0 parser gives it (line ends normalised)."""
    return element_text(raw.decode("utf-8"))


def element_text(written: str) -> str:
    """Element text as written in the XML (decoded), as an XML 1.0 parser gives
    it: line ends normalised, references replaced."""
    if "\r" in written:
        written = written.replace("\r\n", "\n").replace("\r", "\n")
    return unescape(written)


def _shown(text: str) -> str | None:
    """Text as the grids hold it: blank text is no value."""
    return text if text.strip() else None


def _result(raw: bytes) -> str | None:
    """A formula's text result (t="str") as calamine reads it: not trimmed."""
    text = _text(raw)
    if "_x" in text:
        raise NotSure("an Excel escape")
    return _shown(text)


def _inline(raw: bytes, preserve: bool) -> str | None:
    """An inline string as calamine reads it: ASCII white space trimmed
    unless xml:space="preserve"."""
    return _shown(_inline_text(raw, preserve))


def _inline_text(raw: bytes, preserve: bool) -> str:
    """The text of a <t> element as calamine reads it (inline or shared)."""
    text = _text(raw)
    if "_x" in text:
        raise NotSure("an Excel escape")      # written with a character reference
    return text if preserve else text.strip(" \t\r\n")


def _date(serial: float) -> dt.datetime:
    """A number under a date format, as python-calamine gives it (then made a
    datetime, as the grids hold dates): days from 1899-12-30, one more before
    serial 60 (Excel's 1900 leap day), rounded to the millisecond."""
    if not 1.0 <= serial < _LAST_SERIAL:
        raise NotSure("a date outside the common range")
    days = serial if serial >= 60.0 else serial + 1.0
    if serial == int(serial):
        return _EPOCH + dt.timedelta(days=int(days))
    scaled = days * _MS_PER_DAY
    ms = math.floor(scaled)
    if scaled - ms >= 0.5:                   # Rust's round(): half away from zero
        ms += 1
    return _EPOCH + dt.timedelta(milliseconds=ms)


def _number(written: bytes, style: bytes, kinds: tuple[int, ...]) -> float | dt.datetime:
    """A number cell's value (``written`` and ``style`` as in the XML)."""
    if _PLAIN_NUMBER.fullmatch(written) is None:
        raise NotSure("a number not plainly written")
    value = float(written)
    kind = kinds[int(style)] if style and int(style) < len(kinds) else OTHER
    if kind == OTHER:
        return value
    if kind == DATETIME:
        return _date(value)
    raise NotSure("a duration")


def _reference(ref: bytes) -> tuple[int, int]:
    """A cell reference as written (b'A10') -> (row, col), 0-based."""
    at = 1 if ref[1] < 65 else 2 if ref[2] < 65 else 3      # after the letters
    col = 0
    for byte in ref[:at]:
        col = col * 26 + byte - 64
    return int(ref[at:]) - 1, col - 1


# _reference of a cell reference met before, a dict lookup in C: the cells of a
# template's returns are the same few hundred (at most _KNOWN kept: a hostile sheet
# may write any reference).  _key takes it read backwards (b'01A'), as the backward
# scans find it, _forward_key as written, for a scan that reads forwards.
_KNOWN = 8192
_BACKWARD: Memo[bytes, tuple[int, int]] = Memo(lambda ref: _reference(ref[::-1]), _KNOWN)
_key = _BACKWARD.__getitem__
_forward_key = Memo(_reference, _KNOWN).__getitem__


class Sheet:
    """A sheet's XML whose every cell the scan is sure of: where its formulas
    are, its numbers (decoded while the scan made sure of them), and its
    texts, decoded when first asked for."""

    __slots__ = ("formulas", "odd", "styles", "_inline", "_numbers", "_results", "_strings")

    def __init__(self, inline: tuple[tuple[bytes, ...], tuple[bytes, ...], tuple[bytes, ...]],
                 numbers: list[tuple[bytes, float | dt.datetime, bytes]],
                 results: list[tuple[bytes, bytes, bytes]], formulas: list[tuple[int, int]],
                 strings: SharedStrings | None, odd: bool) -> None:
        self.formulas, self._strings = formulas, strings
        # whether a formula's start tag has attributes (shared or an array?) or
        # a cell is written with a prefix ("<x:c "): then fastgrid's scan decides
        self.odd = odd
        self._inline = inline        # every cell's text, inline marker and reference
        self._numbers = numbers      # each number cell: reference, value, style (backwards)
        self._results = results      # each text result or shared string: <v>, t="str", reference
        # (row, col) -> style index as written (b"" for none) of each number cell,
        # once values() has read them
        self.styles: dict[tuple[int, int], bytes] | None = None

    def values(self) -> dict[tuple[int, int], Any] | None:
        """(row, col) -> value of every cell that holds one (text not blank, a
        number, a date as datetime), as FastGrid gives calamine's; None where
        the scan turns out not to be sure of a text after all (an Excel escape
        written with a character reference, a <t> with other attributes):
        ask calamine."""
        try:
            values: dict[tuple[int, int], Any] = self._texts()
            for shown, string, ref in self._results:
                value = _result(shown) if string else self._shared(shown)
                if value is not None:
                    values[_key(ref)] = value
        except NotSure:
            return None
        styles = {}
        for ref, number, style in self._numbers:
            key = _key(ref)
            values[key] = number
            styles[key] = style[::-1]
        self.styles = styles
        return values

    def _shared(self, index: bytes) -> str | None:
        """A shared string's cell (read_sheet checked its index)."""
        assert self._strings is not None
        return _shown(self._strings.text(int(index)))

    def _texts(self) -> dict[tuple[int, int], Any]:
        """The inline texts that are not blank, all decoded at once."""
        every_text, inline, every_ref = self._inline
        texts = list(compress(every_text, inline))            # the inline strings'
        refs = list(compress(every_ref, inline))
        joined = b"\0".join(texts)                   # no XML text holds NUL
        if not texts or joined.find(b"&") >= 0 or joined.find(b"\r") >= 0 or \
                joined.find(b"x_") >= 0:
            return self._texts_one_by_one(zip(texts, refs))
        try:
            decoded = joined[::-1].decode("utf-8")
        except UnicodeDecodeError:
            return self._texts_one_by_one(zip(texts, refs))
        # forwards each text follows its "t>", the first at the start: one
        # piece a text where every text's tag is a plain <t> (each NUL is
        # followed by "t>"; none is where another tag follows)
        pieces = decoded.split(_TEXT_START)
        if len(pieces) != len(texts) or not decoded.startswith(_PLAIN_TAG):
            return self._texts_one_by_one(zip(texts, refs))
        pieces[0] = pieces[0][len(_PLAIN_TAG):]
        pieces.reverse()
        trimmed = list(map(str.strip, pieces, repeat(" \t\r\n")))
        return dict(compress(zip(map(_key, refs), trimmed), map(str.strip, trimmed)))

    @staticmethod
    def _texts_one_by_one(cells: Iterable[tuple[bytes, bytes]]) -> dict[tuple[int, int], Any]:
        """_texts where some text holds a reference, a carriage return or
        "_x", or keeps its spaces (xml:space="preserve")."""
        texts = {}
        for text, ref in cells:
            preserve = text.endswith(_PRESERVE_T)
            if not preserve and not text.endswith(_PLAIN_T):
                raise NotSure("a <t> with other attributes")
            tag = len(_PRESERVE_T if preserve else _PLAIN_T)
            value = _inline(text[len(text) - tag - 1::-1] if len(text) > tag else b"", preserve)
            if value is not None:
                texts[_key(ref)] = value
        return texts


def read_sheet(data: bytes, kinds: tuple[int, ...],
               strings: SharedStrings | None = None) -> Sheet | None:
    """A sheet's XML, or None where some cell is not in a sure form (or
    written twice).  ``data`` must be a part the guard counted from its text
    (plain XML, every cell with its reference first); ``kinds``:
    number_kinds() of the workbook's styles; ``strings``: the workbook's
    shared strings (None: none read, a shared-string cell is not sure)."""
    # the guard counted the part from its text: every cell is in its one sheetData
    first = data.find(b"<sheetData")
    last = data.rfind(b"</sheetData>") if first > 0 else -1
    backwards = data[last - 1:first - 1:-1] if last > 0 else b""
    found = _CELL.findall(backwards)
    # a cell written <x:c (a colon first: memchr finds none in most sheetData)
    prefixed = data.find(b":", first, last) >= 0 and backwards.find(_PREFIXED_CELL) >= 0
    if not found:
        return Sheet(((), (), ()), [], [], [], strings, prefixed)
    # the groups of every cell, column by column (see _CELL), looked at in C
    # where the Python below would go over every cell
    texts, inline, written, formula, string, shared, style, ref = zip(*found)
    if not all(ref) or len(set(ref)) < len(ref):
        return None                  # a cell in another form, or one written twice
    if any(shared) and not all(
            not formula[at] and strings is not None and strings.holds(written[at][-3::-1])
            for at in compress(count(), shared)):
        return None                  # a shared string whose value calamine's is not known
    numbers = []
    results = []
    try:
        # the cells whose <v> has text (an inline string has none)
        for at in compress(count(), map(gt, map(len, written), repeat(2))):
            shown = written[at][-3::-1]                  # without its tag's name
            if string[at]:
                results.append((shown, string[at], ref[at]))
                continue
            number = _number(shown, style[at][::-1], kinds)   # a shared index: checked too
            if shared[at]:
                results.append((shown, string[at], ref[at]))
            else:
                numbers.append((ref[at], number, style[at]))
    except NotSure:
        return None
    return Sheet((texts, inline, ref), numbers, results,
                 list(map(_key, compress(ref, formula))), strings,
                 b" " in formula or prefixed)


_PREFIXED_CELL = b"<x:c "[::-1]          # a cell written with the prefix x, backwards


# Every cell element of a sheetData, read forwards, for outline(): each one in a
# form read_sheet is sure of (a closed cell, the closed ones its pattern matches;
# an empty one, which it passes over) gives its reference, any other none.  A
# closed cell that is not inline text also gives its style, whether it is a
# shared string's (3) or a text result (4), what follows its formula's tag name
# (">", or " " where the tag has attributes) and whether its <v> shows a number
# (a shared string's index is one to read_sheet), each marker one byte (a
# bytes object Python need not make).  A text is passed over up to its next "<".
_OUTLINE = (
    rb'<c(?: r="([A-Z]{1,3}+[1-9][0-9]{0,6}+)"(?:(?: s="[0-9]{1,9}+")?+(?:'
    rb' t="inlineStr"><is><t(?: xml:space="preserve")?+>[^<]*+</t></is></c>'
    rb"|[^>]*+(?<=/)>)"                                           # an empty cell
    rb'|(?: s="([0-9]{1,9}+)")?+(?: t="(s)"| t="s(t)r"|(?: t="n")?+)>'
    rb"(?(3)|(?:<f([> ])[^<]*+(?:</f>|(?<=/>)))?+)"
    rb"(?(4)(?:<v>[^<]*+</v>|<v/>|<v />|<v></v>)?+"
    rb"|(?:(<)v>(?(3)[0-9]{1,9}+|-?[0-9]++(?:\.[0-9]++)?+(?:[eE][-+]?[0-9]++)?+)</v>"
    rb"|(?(3)(?!)|(?:<v/>|<v />|<v></v>)?+)))</c>)|)")


@lru_cache(maxsize=2)
def _cell_forms(shared: bool) -> re.Pattern[bytes]:
    """_OUTLINE, compiled when first used (~1 ms, never at start-up), where the
    shared strings are read (``shared``) or not (a shared string's cell is then
    in no sure form)."""
    return re.compile(_OUTLINE if shared else _OUTLINE.replace(b' t="(s)"', b' t="(s)"(?!)'))


_SHARED_INDEX = re.compile(rb' t="s"><v>([0-9]{1,9}+)</v>')


class Outline:
    """A sheet outline() found read_sheet sure of: where its formulas are and
    whether it is odd (as a Sheet), its values read (read_sheet) only when
    first asked for."""

    __slots__ = ("formulas", "odd", "styles", "_read")

    def __init__(self, formulas: list[tuple[int, int]], odd: bool,
                 read: Callable[[], Sheet | None]) -> None:
        self.formulas, self.odd, self._read = formulas, odd, read
        self.styles: dict[tuple[int, int], bytes] | None = None

    def values(self) -> dict[tuple[int, int], Any] | None:
        """Sheet.values of the sheet read whole (None as there)."""
        sheet = self._read()
        if sheet is None:
            return None
        values = sheet.values()
        self.styles = sheet.styles
        return values


def outline(data: bytes, kinds: tuple[int, ...], strings: SharedStrings | None = None
            ) -> Outline | None:
    """What read_sheet(data, kinds, strings) gives where its values are not
    wanted (a sheet nobody reads, one whose formulas alone are looked at),
    found for a fraction of its cost: one pass that decodes nothing.  None
    where it cannot tell that read_sheet is sure of every cell (read_sheet
    then decides); else every cell element is in a plain form (the closed ones
    in a subset of read_sheet's sure forms, no number under a date format),
    each written once, every shared string's index in range, and the formulas
    are read_sheet's.  tests/test_outline.py holds it to read_sheet on the
    sheets writers make, their mutations and generated sheets."""
    first = data.find(b"<sheetData")
    last = data.rfind(b"</sheetData>") if first > 0 else -1
    if last <= first:
        first = last = 0             # no sheetData: read_sheet finds no cell either
    found = _cell_forms(strings is not None).findall(data, first, last)
    # a cell written <x:c, as read_sheet finds it
    prefixed = data.find(b":", first, last) >= 0 and data.find(b"<x:c ", first, last) >= 0
    read = partial(read_sheet, data, kinds, strings)
    if not found:
        return Outline([], prefixed, read)
    refs, styles, _, _, formulas, shown = zip(*found)
    written = set(refs)
    if len(written) < len(refs) or b"" in written:
        return None                  # a cell in another form, or one written twice
    for style in set(compress(styles, shown)):
        if style and int(style) < len(kinds) and kinds[int(style)] != OTHER:
            return None              # a number under a date format: read_sheet looks at it
    if strings is not None and max(map(int, _SHARED_INDEX.findall(data, first, last)),
                                   default=-1) >= len(strings):
        return None
    return Outline(list(map(_forward_key, compress(refs, formulas))),
                   b" " in formulas or prefixed, read)


# xl/sharedStrings.xml written plainly, as Excel and LibreOffice write it: the
# root with its namespace and counts, then only <si> items, each one text (<t>,
# <t xml:space="preserve"> or <t/>) or rich-text runs (<r>, an <rPr> of empty
# elements, one such text), then phonetic runs and properties (which calamine
# passes over).  An item is split off at its end tag (a text holds no "<"), and
# its form proved only when a cell refers to it: what no cell shows is not
# decoded (calamine fails on none of it: the guard proved the part plain XML).
_SST_START = re.compile(
    rb'(?:<\?xml [^<>?]*+\?>)?[ \t\r\n]*+<sst xmlns="'
    rb'http://schemas\.openxmlformats\.org/spreadsheetml/2006/main"'
    rb'(?: (?:count|uniqueCount)="[0-9]++")*+>')
_SST_END, _SI_END = b"</sst>", b"</si>"
_T = rb'(?:<t(?: xml:space="preserve")?+>[^<]*+</t>|<t/>)'
_RUN = (rb'<r>(?:<rPr>(?:<(?![rt][ />]|rPh[ />])[A-Za-z]++(?: [A-Za-z]++="[^"<]*+")*+ ?/>)*+'
        rb'</rPr>)?+' + _T + rb'</r>')
_PHONETIC = (rb'(?:<rPh sb="[0-9]++" eb="[0-9]++"><t>[^<]*+</t></rPh>)*+'
             rb'(?:<phoneticPr(?: [A-Za-z]++="[^"<]*+")*+ ?/>)?+')
# an item without its end tag; group 1: what it shows, its text or its runs
_ITEM = re.compile(rb"<si>(" + _T + rb"|(?:" + _RUN + rb")++)" + _PHONETIC)
_TEXTS = re.compile(rb'<t( xml:space="preserve")?>([^<]*+)</t>')
_PLAIN_ITEM, _PRESERVED_ITEM = b"<si><t>", b'<si><t xml:space="preserve">'
_INDEX = re.compile(rb"[0-9]{1,9}+")


class SharedStrings:
    """A workbook's shared strings (xl/sharedStrings.xml) as calamine reads
    them: an item's text, or its runs' texts joined, each trimmed of ASCII
    white space unless xml:space="preserve"; each item proved and decoded
    when a cell's value is first asked for."""

    __slots__ = ("_items", "_texts")

    def __init__(self, items: list[bytes]) -> None:
        self._items = items                  # each "<si>…" without its end tag
        self._texts: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._items)

    def holds(self, index: bytes) -> bool:
        """Whether a shared-string cell's <v> (``index``) is an index calamine
        surely reads as this one: digits, in range."""
        return _INDEX.fullmatch(index) is not None and int(index) < len(self._items)

    def text(self, index: int) -> str:
        """The text of an item a cell refers to (holds() said so); NotSure
        where the item is not in a plain form or holds an Excel escape."""
        text = self._texts.get(index)
        if text is None:
            text = self._texts[index] = _item_text(self._items[index])
        return text


def _item_text(item: bytes) -> str:
    """An item's text as calamine reads it; NotSure where it is not in a
    plain form or holds an Excel escape."""
    if item.endswith(b"</t>") and item.count(b"<") == 3:      # one text, no runs
        if item.startswith(_PRESERVED_ITEM):
            return _inline_text(item[len(_PRESERVED_ITEM):-4], True)
        if item.startswith(_PLAIN_ITEM):
            return _inline_text(item[len(_PLAIN_ITEM):-4], False)
    found = _ITEM.fullmatch(item)
    if found is None:
        raise NotSure("a shared string in another form")
    return "".join(_inline_text(raw, bool(preserve))
                   for preserve, raw in _TEXTS.findall(found.group(1)))


def shared_strings(data: bytes) -> SharedStrings | None:
    """xl/sharedStrings.xml (a part the guard checked: plain XML), or None
    where it is not plainly a list of <si> items (as calamine counts them)."""
    start = _SST_START.match(data)
    end = data.rfind(_SST_END)
    if start is None or end < start.end() or data[end + len(_SST_END):].strip(b" \t\r\n"):
        return None
    body = data[start.end():end]
    items = body.split(_SI_END)
    # every item split off starts with <si> and no other <si is in the part
    # (an empty <si/> is an item to calamine): one item a piece, in order; no
    # element named si with a prefix (calamine goes by local names)
    if items.pop() or body.count(b"<si") != len(items) or body.find(b":si") >= 0 \
            or not all(map(bytes.startswith, items, repeat(b"<si>"))):
        return None
    return SharedStrings(items)


def detect_format(code: str) -> int:
    """calamine's detect_custom_number_format (formats.rs): whether a number
    format makes a number a date and time, a duration, or neither."""
    escaped = quoted = ap = hms = False
    brackets = 0
    prev = " "
    for char in code:
        if escaped:
            escaped = False
        elif char in "_\\*":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == ";":
            return OTHER
        elif char == "[":
            brackets += 1
        elif char == "]" and brackets == 1 and hms:
            return TIMEDELTA
        elif char == "]":
            brackets = max(brackets - 1, 0)
        elif char in "aA" and not ap and not brackets:
            ap = True
        elif not brackets and (char in "pm/PM" if ap else char in "dmhysDMHYS"):
            return DATETIME
        elif not (hms and (char == prev or char.isascii() and prev.isascii()
                           and char.lower() == prev.lower())):
            hms = prev == "[" and char in "mhsMHS"
        prev = char
    return OTHER


_BUILTIN_KINDS = {"14": DATETIME, "15": DATETIME, "16": DATETIME, "17": DATETIME,
                  "18": DATETIME, "19": DATETIME, "20": DATETIME, "21": DATETIME,
                  "22": DATETIME, "45": DATETIME, "47": DATETIME, "46": TIMEDELTA}
# white space inside an attribute value: an XML parser normalises it, calamine does not
_RAW_SPACE_IN_ATTRIBUTE = re.compile(rb'=\s*(?:"[^"]*[\t\n\r][^"]*"|\'[^\']*[\t\n\r][^\']*\')')


class _Elements:
    """The start tags of one part, by expat, with their attributes as
    written (before expat's own normalisation there is none: see
    _RAW_SPACE_IN_ATTRIBUTE)."""

    def __init__(self, data: bytes) -> None:
        self.found: list[tuple[str, dict[str, str], int]] = []
        self.depth = 0
        parser = expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.Parse(data, True)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        self.found.append((name, attrs, self.depth))

    def _end(self, _: str) -> None:
        self.depth -= 1


def _elements(data: bytes) -> list[tuple[str, dict[str, str], int]] | None:
    if _RAW_SPACE_IN_ATTRIBUTE.search(data):
        return None
    try:
        return _Elements(data).found
    except expat.ExpatError:
        return None


@lru_cache(maxsize=16)
def number_kinds(styles: bytes) -> tuple[int, ...] | None:
    """calamine's CellFormat of each cell style (xl/styles.xml's cellXfs), as
    its read_styles makes them; None where the part is not written as Excel,
    LibreOffice and openpyxl write it (one numFmts and one cellXfs under the
    root, their numFmt and xf right under them), so the scan might read it
    otherwise than calamine, which takes such elements by local name, anywhere."""
    if not styles:
        return ()
    elements = _elements(styles)
    if elements is None or not elements or elements[0][0] != "styleSheet":
        return None
    custom: dict[str, int] = {}
    kinds: list[int] = []
    blocks: list[str] = []
    for name, attrs, parent, depth in _with_parents(elements):
        local = name.rsplit(":", 1)[-1]
        if local == "styleSheet" and depth > 1:
            return None
        if local in _STYLE_BLOCKS and (name != local or depth != 2 or local in blocks):
            return None
        if local in ("numFmt", "xf") and (name != local or depth != (4 if parent == "dxf" else 3)
                                          or parent not in _STYLE_PARENTS[local]):
            return None
        if depth == 2 and local in _STYLE_BLOCKS:
            blocks.append(local)
        elif name == "numFmt" and parent == "numFmts" and "numFmtId" in attrs and \
                "formatCode" in attrs:
            custom[attrs["numFmtId"]] = detect_format(attrs["formatCode"])
        elif name == "xf" and parent == "cellXfs":
            number = attrs.get("numFmtId")
            kinds.append(OTHER if number is None else custom[number] if number in custom
                         else _BUILTIN_KINDS.get(number, OTHER))
    return tuple(kinds)


_STYLE_BLOCKS = ("numFmts", "cellXfs")
# numFmt in a differential format (dxf, conditional formatting) is not read by calamine
_STYLE_PARENTS = {"numFmt": ("numFmts", "dxf"), "xf": ("cellXfs", "cellStyleXfs")}


def _with_parents(elements: list[tuple[str, dict[str, str], int]]
                  ) -> list[tuple[str, dict[str, str], str, int]]:
    """Each start tag with the name of its parent element."""
    parents: list[str] = []
    out = []
    for name, attrs, depth in elements:
        del parents[depth - 1:]
        out.append((name, attrs, parents[-1] if parents else "", depth))
        parents.append(name)
    return out


_OFFICE_DOCUMENT = "/relationships/officeDocument"
_WORKSHEET = "/relationships/worksheet"
_RELATIONSHIPS_NS = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_SHEET = re.compile(rb'<sheet name="([^"<\t\n\r]*+)" sheetId="[0-9]++"'
                    rb'(?: state="(?:visible|hidden|veryHidden)")? r:id="([^"&<]*+)" ?/>')
_ANY_SHEET = re.compile(rb"<sheet\b")
_NOT_1904 = re.compile(rb'<workbookPr\b[^<>]*? date1904="(?:false|0)"')     # as LibreOffice writes
_TARGET = re.compile(r"(?:/xl/)?worksheets/[A-Za-z0-9_-]++\.xml")
_CANONICAL = {name.lower(): name for name in (
    "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
    "xl/sharedStrings.xml")}


@lru_cache(maxsize=16)
def _relationships(data: bytes) -> dict[str, tuple[str, str]] | None:
    """Id -> (type, target) of a relationships part (shared by a template's
    returns: read once a run); None where not written plainly."""
    elements = _elements(data)
    if elements is None or not elements or elements[0][0] != "Relationships":
        return None
    found: dict[str, tuple[str, str]] = {}
    for name, attrs, depth in elements[1:]:
        if name != "Relationship" or depth != 2 or "Id" not in attrs or attrs["Id"] in found:
            return None
        found[attrs["Id"]] = (attrs.get("Type", ""), attrs.get("Target", ""))
    return found


@lru_cache(maxsize=16)
def _package_is_plain(package: bytes) -> bool:
    """_rels/.rels names xl/workbook.xml as the one office document (calamine
    takes the folder of its target as the workbook's)."""
    rels = _relationships(package)
    if rels is None:
        return False
    documents = [target for kind, target in rels.values() if kind.endswith(_OFFICE_DOCUMENT)]
    return documents in (["xl/workbook.xml"], ["/xl/workbook.xml"])


def workbook_sheets(parts: dict[str, bytes], names: frozenset[str]
                    ) -> tuple[tuple[str, str], ...] | None:
    """(sheet name, part) of every sheet in workbook order, as calamine lists
    them, where the workbook is written plainly enough to be sure of that
    and of how calamine opens it (no 1904 dates, members named in one case,
    worksheets only); None otherwise.  calamine reads the shared strings from
    xl/sharedStrings.xml, whatever the relationships say: shared_strings()."""
    lowered = {name.replace("\\", "/").lower() for name in names}
    if len(lowered) < len(names) or any(low in lowered and canonical not in names
                for low, canonical in _CANONICAL.items()):
        return None
    workbook = parts.get("xl/workbook.xml", b"")
    package = parts.get("_rels/.rels")
    rels = _relationships(parts.get("xl/_rels/workbook.xml.rels", b""))
    if package is None or rels is None or not _package_is_plain(package) or \
            _NOT_1904.sub(b"", workbook).find(b"date1904") >= 0 or \
            workbook.find(b":sheet") >= 0 or workbook.find(_RELATIONSHIPS_NS) < 0 or \
            not workbook.rstrip().endswith(b"</workbook>"):
        return None
    found = _SHEET.findall(workbook)
    if len(found) != len(_ANY_SHEET.findall(workbook)):
        return None
    sheets = []
    for written, rid in found:
        kind, target = rels.get(rid.decode("utf-8"), ("", ""))
        if not kind.endswith(_WORKSHEET) or not _TARGET.fullmatch(target):
            return None
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if part not in parts:
            return None
        sheets.append((unescape(written.decode("utf-8")), part))
    if len({name for name, _ in sheets}) < len(sheets):
        return None
    return tuple(sheets)
