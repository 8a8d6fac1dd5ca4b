"""A small part's shape (guard._shape: the workbook part and the document
properties with their values and texts emptied, which the returns of one
template share) is parsed once a run in place of the part.  Its verdict and
declarations must be those of the strict parse of the part itself, on every
input: parts writers make, and thousands of changes to them after their
unchanged shape is remembered."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest
from wellformed_check import SNIPPETS
from writers import MAIN, writers_books

from sheetkit import guard

# what a value may be changed to: values the shape empties, and values it leaves
VALUES = [b"", b"A1:ZZ999", b"0", "第２節".encode(), b"x=y", b"]]", b"]", b"\t", b"\r\n", b"'", b"<", b">",
          b"]]>", b"&", b"&amp;", b"&#10;", b"\xff", b"\xe3\x81", b"\x01", b"\x00", b'"', b'" a="1',
          b'" xmlns:x="u', b'" xmlns="u', b"--", b"-->", b"?>"]
# what is typed into a part's text: texts the shape empties, and texts it leaves
TEXTS = [b"", b"x", "第１章 記入".encode(), b"2026-11-30T09:02:53Z", b"'Sheet'!$A$1:$B$2", b"a>b",
         b'say "x"', b"'", b"]", b"]]>", b"&amp;", b"&foo;", b"&#0;", b"\x01", b"\xff", b"\xef\xbf\xbe",
         b"<", b"<x/>", b"</x>", b"<!-- c -->", b"<?p x?>", b"<![CDATA[x]]>", b" \r\n\t"]


def small_parts(books: list[Path]) -> list[tuple[str, bytes]]:
    """The workbook part and document properties of every book."""
    found = []
    for path in books:
        with zipfile.ZipFile(path) as archive:
            found += [(name, archive.read(name)) for name in archive.namelist()
                      if name == "xl/workbook.xml" or name.startswith("docProps/")]
    return found


@pytest.fixture(scope="module")
def parts(summary_path, template_dir, example_doc, tmp_path_factory) -> list[tuple[str, bytes]]:
    return small_parts(writers_books(summary_path, template_dir, example_doc,
                                     tmp_path_factory.mktemp("shapes")))


def agree(data: bytes) -> bool:
    """Assert that the declarations of ``data`` by its shape, whether its shape
    is remembered or not, are the strict parse's (or None where that refuses
    it); whether it has a shape."""
    whole = guard._parsed_declarations(data)
    plain = guard._plain_root(data)
    if plain is None:
        return False
    for _ in range(2):                         # (parsed, then remembered)
        found = guard._shaped_declarations(data, plain)
        assert (None if found is None else list(found)) == whole, data
    return guard._shape(data, plain[1]) is not None


def changed(data: bytes, rng: random.Random) -> bytes:
    """``data`` changed once after its root's start tag: a value or a text
    replaced, a snippet inserted, a byte replaced, or bytes cut."""
    start = data.find(b">", data.find(b"<", 1 if data.startswith(b"<?") else 0)) + 1
    at = rng.randrange(start, len(data) + 1)
    kind = rng.randrange(6)
    if kind == 0 and (value := data.find(b'="', at)) >= 0:
        end = data.find(b'"', value + 2)
        return data[:value + 2] + rng.choice(VALUES) + data[end:]
    if kind == 1 and (text := data.find(b">", at)) >= 0 and data[text + 1:text + 2] != b"<":
        end = data.find(b"<", text)
        return data[:text + 1] + rng.choice(TEXTS) + (data[end:] if end >= 0 else b"")
    if kind == 2:
        return data[:at] + rng.choice(SNIPPETS + TEXTS) + data[at:]
    if kind == 3:
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
    if kind == 4:
        return data[:at] + data[at + rng.randint(1, 12):]
    return data[:at] + rng.choice(VALUES) + data[at:]


def test_writers_small_parts_are_parsed_by_their_shape(parts):
    """Every workbook part and document property part writers make has a shape
    with the strict parse's declarations (but where it declares a namespace
    after its root's start tag, as LibreOffice's workbook part does), and the
    returns of one template (sheetkit's own, filled) share it: it is parsed once."""
    assert len(parts) >= 30
    for name, data in parts:
        plain = guard._plain_root(data)
        assert plain is not None and (agree(data) or data.find(b"xmlns", plain[1]) >= 0), name
    guard._shared_shape.cache_clear()
    for name, data in parts:
        if b"sheetkit" in data or name == "docProps/app.xml":
            agree(data)
    info = guard._shared_shape.cache_info()
    assert info.hits > 3 * info.misses, info


def test_changed_small_parts_get_the_strict_parses_verdict(parts):
    """Thousands of parts changed once or twice after their root's start tag,
    each judged after the shape of the unchanged part is remembered: the
    strict parse's verdict and declarations; the shape is taken often, for
    parts that parse and for parts that do not."""
    rng = random.Random(14)
    seen = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for _, data in parts:
        agree(data)
        for _ in range(80):
            mutated = changed(data, rng)
            if rng.random() < 0.3:
                mutated = changed(mutated, rng)
            shaped = agree(mutated)
            seen[shaped, guard._parsed_declarations(mutated) is not None] += 1
    assert min(seen.values()) > 100, seen


ROOT = b'<workbook xmlns="' + MAIN + b'" xmlns:r="u">'


@pytest.mark.parametrize("content", [
    b'<sheets><sheet name="A" r:id="1"/></sheets>', b'<sheets><sheet name="A" r:id="1" /></sheets>',
    b'<sheets><sheet name="A" name="B"/></sheets>', b'<sheets><sheet name="A" x:id="1"/></sheets>',
    b'<sheets><sheet name="A"/></sheet>', b'<sheets><sheet name="A"/>', b"<sheets>x</sheets>y",
    b"<sheets/></workbook><x/>", b'<a b="x"c="y"/>', b'<a b=""""/>', b'<a b="x" "y"/>',
    b'<a b="1/>', b"<a b='x\"y'/>", b"<a b='\"'/>", b'<a>"x"</a>', b'<a>""</a>', b'<a>"</a>"',
    b'<a xmlns:q="v" q:b="1"/>', b'<a b="xmlns"/>', b"<a>xmlns</a>", b'<q:a xmlns:q=""/>',
    b'<a b="x>y"/>', b'<a b=">"/>', b"<a>x>y</a>", b"<a>]]></a>", b"<a>]]</a>", b'<a b="]]>"/>',
    b'<a b="&amp;"/>', b'<a b="&x;"/>', b"<a>&lt;</a>", b"<a>&#1;</a>", b'<a b="\t\n"/>',
    b"<a>\x01</a>", b'<a b="\x7f"/>', b"<a>\xef\xbf\xbf</a>", b"<a>\xc3</a>", "<a>記</a>".encode(),
    b"<a><!-- x --></a>", b"<a><?p x?></a>", b"<a><![CDATA[x]]></a>", b"<a/ >", b"< a/>",
    b"<a></ a>", b"<1a/>", b"<a:b:c/>", b"<xml:a/>", b'<a xml:lang="ja"/>', b"<a>\r\n</a>  \n"])
def test_hostile_contents_get_the_strict_parses_verdict(content):
    """Contents whose values and texts the shape empties, or that it leaves to
    the whole parse, each judged after the shape of the same form with other
    values and texts is remembered: the strict parse's verdict."""
    other = changed_values(content)
    for data in (ROOT + other + b"</workbook>", ROOT + content + b"</workbook>",
                 ROOT + content, ROOT + content + b"</workbook>\n ",
                 ROOT + content + b'</workbook>"', ROOT + content + b"</workbook>\x0c"):
        agree(data)


def changed_values(content: bytes) -> bytes:
    """``content`` with each value and text replaced by another of the same form."""
    pieces = content.split(b'"')
    pieces[1::2] = [b"0" * len(piece) for piece in pieces[1::2]]
    return b'"'.join(pieces).replace(b">x<", b">y<")


def test_shapes_are_remembered_within_a_bound():
    """A run over many parts of distinct shapes keeps at most maxsize of
    them, and a part larger than 64 KiB is parsed whole, never remembered."""
    guard._shared_shape.cache_clear()
    for index in range(100):
        agree(ROOT + b"<a%d/></workbook>" % index)
    assert guard._shared_shape.cache_info().currsize <= guard._shared_shape.cache_parameters()[
        "maxsize"]
    guard._shared_shape.cache_clear()
    large = ROOT + b"<a>" + b"x" * (guard.REMEMBERED_BYTES >> 4) + b"</a></workbook>"
    agree(large)
    assert guard._shared_shape.cache_info().currsize == 0


@pytest.mark.parametrize("piece", [
    b"", b"x", "記入".encode(), b"\xef\xbf\xbd", b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xff", b"\xc3",
    b"\xe3\x81", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98\x80", b"\x00"])
def test_valid_text_is_the_decoders_verdict_on_the_span(piece):
    """valid_text (the UTF-8 check of every proof) says what decoding the span
    itself says, with U+FFFE and U+FFFF refused, wherever the span lies and
    whatever surrounds it (bytes outside the span are never judged)."""
    from sheetkit.sheet_grammar import valid_text
    for before, after in ((b"", b""), (b"\xff", b"\xe3"), ("記".encode(), b"ab")):
        data = before + b"a" + piece + b"b" + after
        start, last = len(before), len(data) - len(after)
        try:
            expected = "\ufffe" not in (text := data[start:last].decode("utf-8")) and \
                "\uffff" not in text
        except UnicodeDecodeError:
            expected = False
        assert valid_text(data, start, last) is expected
