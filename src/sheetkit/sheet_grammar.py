"""A strict grammar of a sheet's sheetData content, in the forms writers give
it (openpyxl, xlsxwriter, Excel, LibreOffice): where it matches, that content
is well-formed XML and the guard need not parse it.

The grammar admits rows of cells, each holding a formula (and its value), a
value or an inline string, each a fixed element with attributes from a fixed
ORDERED list (so no attribute can appear twice), each attribute written
``name="…"`` after one space, no white space between tags, no comment, CDATA
section, processing instruction or character reference.  Character data holds no markup, no control character
but tab, LF and CR, no ``]]>``, and every ``&`` begins one of the five
predefined references; an attribute's value holds none of ``"<&`` and no
control character.  A row's reference is written first and is at most three
digits; a cell's is written first and lies within A1:ZZ999 (one or two
letters, at most three digits, the first not zero): no other tag the guard
counts can appear, which is what its search for anything irregular in
sheetData proves (guard._IRREGULAR).  The content must also be valid UTF-8
without U+FFFE or U+FFFF, which expat refuses.  The one prefixed attribute,
Excel's ``x14ac:dyDescent`` on a row, is in the grammar only where the caller
asks for it (the root element declares that prefix).

Everything else (white space between tags, rich text, another attribute or
order, a reference written otherwise …) is not matched: the guard then
parses the whole part with expat, as it always did."""

from __future__ import annotations

import re
import sys
from functools import lru_cache

# Before 3.11.5 sre's possessive repeats could match text they must not
# (CPython gh-106052, gh-100061): there the grammar proves nothing, and every
# sheet is parsed whole.
_SOUND = sys.version_info >= (3, 11, 5)

# Character data: any byte but < & ] and the C0 controls expat refuses (all but
# tab, LF, CR); then any number of a predefined reference or a ] that does not
# begin ]]>, each followed by such bytes.  (Written as the bytes allowed, not as
# [^…]: sre tests a negated set in three steps a byte, this in one.)
_CHARS = rb"[\t\n\r\x20-\x25\x27-\x3b\x3d-\x5c\x5e-\xff]*+"
_TEXT = _CHARS + rb"(?:(?:&(?:amp|lt|gt|quot|apos);|\](?!\]>))" + _CHARS + rb")*+"
# an attribute's value: any byte but " < & and those controls
_VALUE = rb'="[\t\n\r\x20\x21\x23-\x25\x27-\x3b\x3d-\xff]*+"'
# an empty element's end (openpyxl writes a space before it; possessive: a
# space is never the / after it)
_EMPTY = rb" ?+/>"
# sheetData's start tag: attributes written name="…" (without < or >)
_START = re.compile(rb'<sheetData(?:[ \t\r\n]++[^\s"=<>/]++="[^"<>]*+")*+[ \t\r\n]*+>')


def _attributes(*names: bytes) -> bytes:
    """Each of ``names`` at most once, in this order."""
    return b"".join(rb"(?: " + name + _VALUE + rb")?+" for name in names)


def _element(name: bytes, attributes: bytes, content: bytes) -> bytes:
    """``<name …>content</name>``, ``<name …/>`` or ``<name … />`` (each branch
    starting with one byte: sre tests such a branch by that byte alone)."""
    return _opened(b"<" + name, attributes, content, name)


def _opened(start: bytes, attributes: bytes, content: bytes, name: bytes) -> bytes:
    """_element, its start tag's beginning written ``start``."""
    return (start + attributes + rb"(?:>" + content + rb"</" + name + rb">|/>| />)")


_FORMULA = _attributes(b"t", b"aca", b"ref", b"ca", b"si")
_CELL = _element(
    b"c",
    # (a cell's cm, vm and ph, rare, are left to expat: trying them costs every cell)
    rb' r="[A-Z]{1,2}+[1-9][0-9]{0,2}+"' + _attributes(b"s", b"t"),
    # a formula (its attributes as writers write them; a data table's are left to
    # expat) and its value, a value, or an inline string: one branch after the '<',
    # each tested by its first letter
    rb"(?:<(?:" + _opened(b"f", _FORMULA, _TEXT, b"f") + rb"(?:" + _element(b"v", b"", _TEXT)
    + rb")?+|" + _opened(b"v", b"", _TEXT, b"v") + rb"|"
    + _opened(b"is", b"", rb"(?:" + _element(b"t", _attributes(b"xml:space"), _TEXT) + rb")?+",
              b"is") + rb"))?+")
_ROW_ATTRIBUTES = _attributes(b"spans", b"s", b"customFormat", b"ht", b"hidden", b"customHeight",
                              b"outlineLevel", b"collapsed", b"thickTop", b"thickBot", b"ph")


@lru_cache(maxsize=2)
def _grammar(x14ac: bool) -> re.Pattern[bytes]:
    """The rows of sheetData (compiled on first use, ~2 ms: never at start-up)."""
    # (a row's other attributes tried only where one follows: most rows have none)
    row = _element(b"row", rb' r="[0-9]{1,3}+"(?:(?= )' + _ROW_ATTRIBUTES
                   + (_attributes(b"x14ac:dyDescent") if x14ac else b"") + rb")?+",
                   rb"(?:" + _CELL + rb")*+")
    return re.compile(rb"(?:" + row + rb")*+")


def proven_content(data: bytes, first: int, last: int, x14ac: bool) -> int | None:
    """Where the content of the sheetData whose start tag starts at ``first``
    begins, if everything from there to ``last`` (where its ``</sheetData>``
    starts) is in the grammar, valid UTF-8 without U+FFFE or U+FFFF; None
    otherwise.  ``x14ac``: whether a row may carry ``x14ac:dyDescent``."""
    start_tag = _START.match(data, first, last)
    if start_tag is None or not _SOUND:
        return None
    start = start_tag.end()
    if _grammar(x14ac).fullmatch(data, start, last) is None or not valid_text(data, start, last):
        return None
    return start


def valid_text(data: bytes, start: int, last: int) -> bool:
    """Whether ``data`` from ``start`` to ``last`` is valid UTF-8 without
    U+FFFE or U+FFFF (which expat refuses).  (Decoded through a view: the
    span is not copied first.)"""
    try:
        text = str(memoryview(data)[start:last], "utf-8")
    except UnicodeDecodeError:
        return False
    return text.find("\ufffe") < 0 and text.find("\uffff") < 0
