"""A strict grammar of a shared-strings part's content (xl/sharedStrings.xml:
the texts typed into cells, which every workbook Excel or LibreOffice saves
holds), in the forms writers give it: where it matches, that content is
well-formed XML and the guard need not parse it.

The grammar admits the items of the table (``<si>``), each a text (``<t>``),
rich runs (``<r>``, each with its font properties ``<rPr>`` and a text),
phonetic runs (``<rPh>``) and phonetic properties (``<phoneticPr>``), in
that order; each element with attributes from a fixed ORDERED list (so no
attribute can appear twice), written ``name="…"`` after one space; a run's
properties each an empty element of a fixed name with at most the one
attribute ``val`` (a colour: its five attributes in order).  No white space
between tags, no comment, CDATA section or processing instruction;
character data and attribute values as sheet_grammar admits them (no markup,
no control character but tab, LF and CR, no ``]]>``, ``&`` only in the five
predefined references; a value holds none of ``"<&``), except that a text may
also hold the character references of tab, LF and CR in decimal (LibreOffice
writes a line break in a cell as ``&#10;``).  No tag the
guard counts (cells, rows, sheets, defined names …) can appear, and no prefix
but ``xml`` (``xml:space``), which is always bound.  The content must also
be valid UTF-8 without U+FFFE or U+FFFF, which expat refuses.

Everything else (white space between items, another element, attribute or
order …) is not matched: the guard then parses the whole part with expat,
as it always did."""

from __future__ import annotations

import re
from functools import lru_cache

from sheetkit.sheet_grammar import (
    _CHARS,
    _EMPTY,
    _SOUND,
    _VALUE,
    _attributes,
    _element,
    valid_text,
)

# the root's start tag: attributes written name="…" (without < or >)
_START = re.compile(rb'<sst(?:[ \t\r\n]++[^\s"=<>/]++="[^"<>]*+")*+[ \t\r\n]*+>')
_END = b"</sst>"
# character data (sheet_grammar's, and &#9; &#10; &#13;)
_TEXT = _CHARS + rb"(?:(?:&(?:amp|lt|gt|quot|apos|#(?:9|1[03]));|\](?!\]>))" + _CHARS + rb")*+"
# the properties of a rich run with one attribute, val (Excel, LibreOffice, xlsxwriter)
_PROPERTIES = (b"b", b"i", b"u", b"sz", b"strike", b"condense", b"extend", b"outline", b"shadow",
               b"vertAlign", b"rFont", b"family", b"charset", b"scheme")


@lru_cache(maxsize=1)
def _grammar() -> re.Pattern[bytes]:
    """The items of the table (compiled on first use: never at start-up)."""
    text = _element(b"t", _attributes(b"xml:space"), _TEXT)
    font = (rb"<(?:color" + _attributes(b"auto", b"indexed", b"rgb", b"theme", b"tint")
            + rb"|(?:" + b"|".join(_PROPERTIES) + rb")(?: val" + _VALUE + rb")?+)" + _EMPTY)
    run = _element(b"r", b"", rb"(?:" + _element(b"rPr", b"", rb"(?:" + font + rb")*+")
                   + rb")?+(?:" + text + rb")?+")
    phonetic = _element(b"rPh", _attributes(b"sb", b"eb"), rb"(?:" + text + rb")?+")
    properties = rb"<phoneticPr" + _attributes(b"fontId", b"type", b"alignment") + _EMPTY
    item = _element(b"si", b"", rb"(?:" + text + rb")?+(?:" + run + rb")*+(?:" + phonetic
                    + rb")*+(?:" + properties + rb")?+")
    return re.compile(rb"(?:" + item + rb")*+")


def proven_content(data: bytes, root: int) -> tuple[int, int] | None:
    """Where the content of the shared-strings table whose root element's
    start tag starts at ``root`` begins, and where its last ``</sst>``
    starts, if everything between is in the grammar, valid UTF-8 without
    U+FFFE or U+FFFF; None otherwise (whether the root is closed there, and
    nothing but white space follows, the caller's parse of the rest tells)."""
    start_tag = _START.match(data, root)
    if start_tag is None or not _SOUND:
        return None
    start, last = start_tag.end(), data.rfind(_END)
    if last < start or _grammar().fullmatch(data, start, last) is None or \
            not valid_text(data, start, last):
        return None
    return start, last
