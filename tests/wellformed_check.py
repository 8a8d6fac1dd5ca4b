"""What the tests of the guard's grammars (test_wellformed: sheetData,
test_strings_wellformed: shared strings) share: the guard as it was, with no
content proven by a grammar (the reference they compare with), its verdict on
a workbook, and how they change a part (snippets, bytes, cuts, doubled
attributes, dropped end tags, white space, swapped attributes, typed text)."""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Iterator
from pathlib import Path

from sheetkit import guard
from sheetkit.problems import SheetkitError


@contextlib.contextmanager
def whole_parse() -> Iterator[None]:
    """The guard as it was: no content proven by a grammar, so every sheet is
    parsed whole by expat and its sheetData searched by _IRREGULAR, every
    shared-strings part parsed whole and searched for the tags the guard
    counts, and every small part parsed whole (no shape: guard._shape)."""
    real, strings, shape = guard._proven_sheet_data, guard._proven_strings, guard._shape
    guard._proven_sheet_data = lambda *_: None    # type: ignore[assignment]
    guard._proven_strings = lambda *_: None       # type: ignore[assignment]
    guard._shape = lambda *_: None                # type: ignore[assignment]
    try:
        yield
    finally:
        guard._proven_sheet_data, guard._proven_strings, guard._shape = real, strings, shape


def verdict(path: Path) -> tuple[object, ...]:
    """What inspect says of ``path``: its Inspection, or the problems it was refused with."""
    try:
        found = guard.inspect(path)
    except SheetkitError as error:
        return ("refused", [(p.code, dict(p.params)) for p in error.problems])
    return (found.external_links, found.parts, found.referenced, found.names, found.data)


def same_verdict(path: Path) -> tuple[object, ...]:
    new = verdict(path)
    with whole_parse():
        assert verdict(path) == new, path.name
    return new


# what a mutation inserts: markup the grammar leaves to expat, bytes expat
# refuses, and forms that are fine
SNIPPETS = [
    b"&", b"&amp;", b"&lt;", b"&foo;", b"&#10;", b"&#x0;", b"&#0;", b"&amp", b"]]>", b"]]", b"]",
    b"\x00", b"\x01", b"\x08", b"\x0b", b"\x0c", b"\x1f", b"\x7f", b"\t", b"\r\n", b" ", b"\n",
    b"\x80", b"\xff", b"\xfe", b"\xc3", b"\xc0\x80", b"\xe3\x81", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    b"\xf5\x80\x80\x80", b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xef\xbf\xbd", b"\xef\xbb\xbf", "記".encode(),
    b"<", b">", b'"', b"'", b"/", b"=", b"<!-- c -->", b"<![CDATA[x]]>", b"<?pi x?>", b"<!DOCTYPE x>",
    b' s="1"', b' t="n"', b' r="A1"', b' x:foo="1"', b' x14ac:dyDescent="0.25"', b' xml:space="preserve"',
    b' xmlns:x="u"', b' xmlns="u"', b' xmlns:x14ac="u"', b' cm="1"', b' ph="1"', b"</c>", b"<c>",
    b"</row>", b"<row>", b"<v>", b"</v>", b"<v/>", b'<c r="A1000"/>', b'<row r="1000"/>',
    b'<c r="A01"/>', b'<c r="AAA1"/>', b'<c r="A1"/>', b'<row r="5"/>', b'<c r="B2" s="1"><v>1</v></c>',
    b"<is><t>x</t></is>", b"<r><t>x</t></r>", b"<x:c/>", b"<sheetData>", b"</sheetData>",
    b"<sheetData/>", b'<mergeCell ref="A1:B2"/>', b'<dimension ref="A1"/>', b"<definedName/>",
    b'<charset val="1"/>', b"<sheet/>", b"</worksheet>", b"<f>1</f>", b'<f t="shared" si="0"/>']
_ATTRIBUTE = re.compile(rb' [A-Za-z:0-9]+="[^"]*"')
_TWO_ATTRIBUTES = re.compile(rb'( [A-Za-z:0-9]+="[^"]*")( [A-Za-z:0-9]+="[^"]*")')
_END_TAG = re.compile(rb"</[A-Za-z:]+>")


# what may be typed into a cell's text: text the grammar proves, and text expat refuses
TYPED = [b"x", "記入".encode(), b"&amp;", b"&lt;&gt;", b"&quot;&apos;", b"]", b"] ]", b">", b"\t",
         b"\r\n", b"\xef\xbf\xbd", b"\xc2\x85", b"=SUM(A1)", b"'", b"]]"]
MISTYPED = [b"]]>", b"a]]>", b"&", b"&#10;", b"&foo;", b"&amp", b"\x01", b"\x00", b"\xff", b"\xe3\x81",
            b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xed\xa0\x80", b"<", b"<!-- c -->", b"<![CDATA[x]]>"]
_TEXT_START = re.compile(rb"<(?:t|v|f)(?: [^>]*)?>")


def mutated(data: bytes, rng: random.Random) -> bytes:
    """``data`` changed once, mostly inside sheetData: a snippet inserted, a byte
    replaced, bytes cut, an attribute doubled, an end tag dropped, white space
    put between two tags, two attributes swapped, or a cell's text typed into."""
    first, last = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
    inside = 0 <= first < last and rng.random() < 0.8
    at = rng.randrange(first, last) if inside else rng.randrange(len(data))
    kind = rng.randrange(12)
    if kind == 11 and (value := data.find(b'="', at)) >= 0:
        return data[:value + 2] + rng.choice(MISTYPED + TYPED) + data[value + 2:]
    if kind == 10 and (between := data.find(b"><", at)) >= 0:
        form = rng.choice(CELL_FORMS + [row + b"</row>" for row in ROW_FORMS])
        return data[:between + 1] + form + data[between + 1:]
    if kind >= 7 and (text := _TEXT_START.search(data, at)):
        return data[:text.end()] + rng.choice(MISTYPED if kind == 9 else TYPED) + data[text.end():]
    if kind == 0:
        return data[:at] + rng.choice(SNIPPETS) + data[at:]
    if kind == 1:
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
    if kind == 2:
        return data[:at] + data[at + rng.randint(1, 12):]
    if kind == 3 and (attribute := _ATTRIBUTE.search(data, at)):
        return data[:attribute.end()] + attribute.group() + data[attribute.end():]
    if kind == 4 and (end := _END_TAG.search(data, at)):
        return data[:end.start()] + data[end.end():]
    if kind == 5 and (between := data.find(b"><", at)) >= 0:
        return data[:between + 1] + rng.choice([b"\n", b" ", b"\r\n  ", b"x"]) + data[between + 1:]
    pair = _TWO_ATTRIBUTES.search(data, at)
    return data[:pair.start()] + pair.group(2) + pair.group(1) + data[pair.end():] if pair else data


# a cell and a row in the small box, then ones outside it or written otherwise
# (which _IRREGULAR finds: the grammar must not prove them)
CELL_FORMS = [b'<c r="ZZ999"/>', b'<c r="AAA1"/>', b'<c r="A1000"/>', b'<c r="A0"/>', b'<c r="A01"/>',
              b'<c r="a1"/>', b'<c r="1A"/>', b'<c r=""/>', b'<c r="A"/>', b'<c r="A1 "/>']
ROW_FORMS = [b'<row r="999">', b'<row r="1000">', b'<row r="">', b'<row r="1 ">', b'<row r="x">']
