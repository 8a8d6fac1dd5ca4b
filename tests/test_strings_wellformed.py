"""The guard proves a shared-strings part (xl/sharedStrings.xml, the texts typed
into cells, which every workbook Excel or LibreOffice saves holds) well-formed
without expat reading its items: one strict grammar match
(sheetkit.strings_grammar) proves the content, and expat parses only the root's
start tag and what follows the last ``</sst>``.  Its verdict must be the one the
whole strict parse gives, on every input.  These tests compare the two (the old
one is the guard with that grammar switched off: the part parsed whole by expat
and searched for the tags the guard counts) on the tables writers make
(xlsxwriter, openpyxl, LibreOffice, Excel-like ones with phonetic runs and rich
text), thousands of mutations of them and tables built of good and bad forms."""

from __future__ import annotations

import contextlib
import random
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import xlsxwriter
from filling import fill
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resave import resave_with_libreoffice
from wellformed_check import MISTYPED, SNIPPETS, TYPED, mutated, same_verdict, verdict, whole_parse

from sheetkit import guard
from sheetkit.strings_grammar import proven_content

LIMITS = guard.default_limits()
NAME = "xl/sharedStrings.xml"
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
ROOT = b'<sst xmlns="' + MAIN + b'" count="9" uniqueCount="7">'
# items as Excel writes them in a Japanese workbook: phonetic runs and their
# properties, rich text with theme colours and schemes, preserved spaces
EXCEL_ITEMS = (
    "<si><t>総合計画</t><rPh sb=\"0\" eb=\"2\"><t>ソウゴウ</t></rPh><rPh sb=\"2\" eb=\"4\"><t>ケイカク"
    "</t></rPh><phoneticPr fontId=\"1\"/></si>"
    "<si><t>記入者</t><phoneticPr fontId=\"1\" type=\"noConversion\"/></si>"
    "<si><t xml:space=\"preserve\"> 市民活動 </t></si><si><t/></si>"
    "<si><r><rPr><b/><sz val=\"11\"/><color theme=\"1\"/><rFont val=\"ＭＳ Ｐゴシック\"/>"
    "<family val=\"3\"/><charset val=\"128\"/><scheme val=\"minor\"/></rPr><t>太字</t></r>"
    "<r><rPr><sz val=\"11\"/><color theme=\"1\" tint=\"0.499984740745262\"/><rFont val=\"游ゴシック\"/>"
    "<family val=\"3\"/><charset val=\"128\"/><scheme val=\"minor\"/></rPr><t xml:space=\"preserve\"> "
    "と普通</t></r><phoneticPr fontId=\"1\"/></si>"
    "<si><r><t>上付き</t></r><r><rPr><vertAlign val=\"superscript\"/><u/><i/><strike/>"
    "<color indexed=\"10\"/></rPr><t>2</t></r></si>"
    "<si><t>行1\n行2\r\n&amp;&lt;&gt;&quot;&apos; ] ]] \t</t></si>").encode()
EXCEL_STRINGS = DECLARATION + ROOT + EXCEL_ITEMS + b"</sst>"


@contextlib.contextmanager
def without_the_grammar() -> Iterator[None]:
    """The guard as it was for shared strings: no such part proven by its
    grammar, so each is parsed whole by expat and searched for the tags the
    guard counts (wellformed_check.whole_parse: for sheets too)."""
    real = guard._proven_strings
    guard._proven_strings = lambda *_: None    # type: ignore[assignment]
    try:
        yield
    finally:
        guard._proven_strings = real


def agree(data: bytes) -> bool | None:
    """Assert that the guard's verdict on the shared-strings part ``data`` is
    the whole parse's (its bounds, or None), and where the grammar proves its
    content, that the declarations expat reports are the same and no tag the
    guard counts is in it.  Whether the grammar proved it and the part is
    well-formed (True), proved it in a part that is not (None), or did not (False)."""
    new = guard._bounds(NAME, data, LIMITS)
    with without_the_grammar():
        old = guard._bounds(NAME, data, LIMITS)
    assert new == old
    plain = guard._plain_root(data)
    proven = guard._proven_strings(data, plain) if plain and \
        data.startswith(b"<sst", plain[0]) else None
    if proven is None:
        return False
    whole = guard._declarations(data)
    assert guard._declarations(data, proven) == whole
    assert guard._ACTED_ON.search(data, proven.start, proven.last) is None
    return True if whole is not None else None


def with_strings(source: Path, target: Path, strings: bytes) -> Path:
    """``source`` with its shared-strings part replaced by ``strings``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            new.writestr(name, strings if name == NAME else old.read(name))
    return target


def rich_book(folder: Path) -> Path:
    """A workbook with rich text, white space and line breaks as xlsxwriter writes it."""
    made = folder / "rich-xlsxwriter.xlsx"
    book = xlsxwriter.Workbook(str(made))
    sheet = book.add_worksheet()
    bold, red = book.add_format({"bold": True}), book.add_format({"font_color": "red", "italic": True})
    sheet.write_rich_string(0, 0, "普通", bold, "太字", red, "赤")
    sheet.write_string(1, 0, " 前後に空白 ")
    sheet.write_string(2, 0, "改行\nあり & <記号>")
    book.close()
    return made


@pytest.fixture(scope="module")
def books(summary_path, template_dir, example_doc, tmp_path_factory) -> list[Path]:
    """Workbooks with a shared-strings part as writers make them: the summary,
    templates and rich text (xlsxwriter), an Excel-like table, and LibreOffice
    re-saves of a filled return (openpyxl writes its texts into the sheets) and
    of rich text."""
    folder = tmp_path_factory.mktemp("strings")
    section = example_doc.sections[0]
    template = template_dir / f"第1章第{section.number}節_{section.title}.xlsx"
    filled = fill(template, folder / "filled.xlsx", section, extra_rows=1)
    excel = with_strings(template, folder / "excel-like.xlsx", EXCEL_STRINGS)
    rich = rich_book(folder)
    made = [summary_path, *sorted(template_dir.iterdir())[:2], excel, rich]
    if shutil.which("soffice"):
        made += resave_with_libreoffice([filled, rich], folder)
    return made


def strings_parts(books: list[Path]) -> list[tuple[str, bytes]]:
    found = []
    for path in books:
        with zipfile.ZipFile(path) as archive:
            if NAME in archive.namelist():
                found.append((path.name, archive.read(NAME)))
    return found


def test_the_grammar_proves_every_strings_part_writers_make(books):
    """On the workbooks writers make, every shared-strings part is proven by the
    grammar (the quick path is taken, not silently the old one) with the same
    verdict, and every workbook gets the same Inspection."""
    parts = strings_parts(books)
    assert len(parts) == len(books) >= 5
    for book, data in parts:
        assert agree(data), book
    for path in books:
        assert same_verdict(path)[0] != "refused", path.name


# what a mutation of a table inserts besides test_wellformed's SNIPPETS: its own
# tags in and out of place, references, and tags the guard counts
STRING_SNIPPETS = [
    b"<si>", b"</si>", b"<si/>", b"<t>", b"</t>", b"<t/>", b"<r>", b"</r>", b"<rPr>", b"</rPr>",
    b"<rPr/>", b'<b val="1"/>', b"<b/>", b"<b>", b'<color rgb="1" rgb="2"/>', b'<color tint="1" theme="1"/>',
    b'<rPh sb="0" eb="1">', b"</rPh>", b'<phoneticPr fontId="1"/>', b'<phoneticPr type="x" fontId="1"/>',
    b"&#10;", b"&#13;", b"&#9;", b"&#1;", b"&#0;", b"&#xA;", b"&#100;", b"&#10", b"&#;", b"&#x110000;",
    b"<sst>", b"</sst>", b'<c r="A1"/>', b"<c/>", b"<row/>", b"<sheet/>", b"<definedName/>",
    b"<sheetData/>", b'<mergeCell ref="A1:B2"/>', b"<dimension/>", b"<x:t/>", b'<t xmlns="u"/>',
    b' xml:space="preserve"', b' xml:space="preserve" xml:space="default"', b' xmlns:x="u"', b" val=\"1\""]
_STRING_TEXT = re.compile(rb"<t(?: [^>]*)?>")


def mutated_strings(data: bytes, rng: random.Random) -> bytes:
    """``data`` changed once: as test_wellformed's mutated changes a sheet (a
    snippet, a byte, a cut, an attribute doubled, an end tag dropped, white
    space between tags, attributes swapped, text typed), or one of the table's
    own snippets put in (also in its root's start tag and after its end), or
    a text typed into."""
    kind = rng.randrange(5)
    at = rng.randrange(len(data))
    if kind == 4:                              # in the root's start tag or after it closes
        root, end = data.find(b"<sst"), data.rfind(b"</sst>")
        at = rng.randrange(root, data.find(b">", root) + 1) if rng.random() < 0.5 or end < 0 \
            else rng.randrange(end, len(data) + 1)
        return data[:at] + rng.choice(SNIPPETS + STRING_SNIPPETS) + data[at:]
    if kind == 0:
        return data[:at] + rng.choice(STRING_SNIPPETS) + data[at:]
    if kind == 1 and (text := _STRING_TEXT.search(data, at)):
        return data[:text.end()] + rng.choice(MISTYPED + TYPED) + data[text.end():]
    return mutated(data, rng)


def test_mutated_strings_parts_get_the_whole_parses_verdict(books):
    """Thousands of tables each changed once or twice: the same verdict as the
    whole parse, whether the grammar proves them or leaves them to expat; both
    kinds occur often."""
    rng = random.Random(14)
    seen = {True: 0, None: 0, False: 0}
    parts = [data for _, data in strings_parts(books)]
    for index in range(2000):
        data = parts[index % len(parts)]
        changed = mutated_strings(data, rng)
        if rng.random() < 0.3:
            changed = mutated_strings(changed, rng)
        seen[agree(changed)] += 1
    # proven and well-formed, proven in a part that is not, left to expat
    assert seen[True] > 300 and seen[None] > 50 and seen[False] > 800, seen


def test_mutated_workbooks_get_the_same_inspection(books, tmp_path):
    """Workbooks whose shared strings were changed: the same Inspection (parts,
    referenced, names …) or the same refusal with the same reason."""
    rng = random.Random(3)
    outcomes = set()
    for index in range(120):
        source = rng.choice(books)
        data = zipfile.ZipFile(source).read(NAME)
        path = with_strings(source, tmp_path / f"m{index}.xlsx", mutated_strings(data, rng))
        found = same_verdict(path)
        outcomes.add(found[0] if found[0] == "refused" else "passed")
        path.unlink()
    assert outcomes == {"refused", "passed"}


# items and their parts: first those in the grammar (GOOD_TEXTS, GOOD_FONTS), then others
GOOD_TEXTS, GOOD_FONTS = 7, 10
TEXTS = [b"<t>x</t>", "<t>記入</t>".encode(), b'<t xml:space="preserve"> a </t>', b"<t/>",
         b"<t>a&#10;b&#13;&#9;</t>", b"<t>&amp;&lt;</t>", b"<t>]]</t>",
         b"<t>a]]>b</t>", b"<t>&#1;</t>", b"<t>&#xA;</t>", b"<t>\x01</t>", b"<t>\xff</t>",
         b"<t>\xef\xbf\xbe</t>", b"<t><!-- c --></t>", b"<t><![CDATA[x]]></t>", b"<t>&nbsp;</t>",
         b'<t xml:space="a" xml:space="b">x</t>', b'<t x="1">x</t>', b"<t >x</t>", b"<T>x</T>"]
FONTS = [b"<b/>", b'<sz val="11"/>', b'<color rgb="FF000000"/>', b'<color theme="1" tint="0.5"/>',
         "<rFont val=\"ＭＳ 明朝\"/>".encode(), b'<family val="2"/>', b'<charset val="128"/>',
         b'<scheme val="minor"/>', b'<vertAlign val="subscript"/>', b'<u val="double"/>',
         b'<b val="1" val="1"/>', b'<color tint="1" rgb="1"/>', b"<b></b>", b'<font val="1"/>',
         b'<c r="A1"/>', b"<c/>", b"<row/>", b'<sheet val="1"/>', b"<definedName/>",
         b'<dimension val="A1"/>', b'<sz val="a<b"/>', b'<sz val="&amp;"/>']


@st.composite
def strings_tables(draw) -> bytes:  # type: ignore[no-untyped-def]
    """A shared-strings table built of items in good and bad forms (texts, rich
    runs with font properties, phonetic runs and properties), with up to two
    snippets put in."""
    items = []
    texts = st.sampled_from(TEXTS[:GOOD_TEXTS] * 3 + TEXTS[GOOD_TEXTS:])
    fonts = st.lists(st.sampled_from(FONTS[:GOOD_FONTS] * 3 + FONTS[GOOD_FONTS:]), max_size=4)
    for _ in range(draw(st.integers(0, 4))):
        parts = []
        if draw(st.booleans()):
            parts.append(draw(texts))
        for _ in range(draw(st.integers(0, 2))):
            properties = b"<rPr>" + b"".join(draw(fonts)) + b"</rPr>"
            parts.append(b"<r>" + draw(st.sampled_from([b"", properties, b"<rPr/>"]))
                         + draw(texts) + b"</r>")
        if draw(st.booleans()):
            parts.append(b'<rPh sb="0" eb="1">' + draw(st.sampled_from(TEXTS)) + b"</rPh>")
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from([b'<phoneticPr fontId="1"/>', b"<phoneticPr/>",
                                               b'<phoneticPr fontId="1" type="noConversion"/>',
                                               b'<phoneticPr type="x" fontId="1"/>'])))
        if draw(st.integers(0, 5)) == 0:
            parts.reverse()
        items.append(b"<si>" + b"".join(parts) + b"</si>" if parts or draw(st.booleans())
                     else b"<si/>")
    content = b"".join(items)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        at = draw(st.integers(0, len(content)))
        content = content[:at] + draw(st.sampled_from(SNIPPETS + STRING_SNIPPETS)) + content[at:]
    root, closing = draw(st.sampled_from(ROOTS[:4] * 3 + ROOTS[4:]))
    return DECLARATION + root + content + closing


# roots and what follows the content: as writers write them (the first four), and not
ROOTS = [(ROOT, b"</sst>"), (b'<sst xmlns="' + MAIN + b'">', b"</sst>\n"),
         (b'<sst xmlns="' + MAIN + b'" uniqueCount="1">', b"</sst>"),
         (b'<sst xmlns="' + MAIN + b'" xmlns:x="u" count="1">', b"</sst>"),
         (b'<sst xmlns="' + MAIN + b'" count="1" count="1">', b"</sst>"),
         (b'<sst xmlns="' + MAIN + b'">', b"</sst><!-- c -->"), (b'<sst xmlns="' + MAIN + b'">', b""),
         (b'<sst xmlns="' + MAIN + b'">', b"</sst></sst>"), (b'<sst xmlns="' + MAIN + b'">', b"</sst><si/>"),
         (b'<sst xmlns="' + MAIN + b'"><si>', b"</si></sst>"), (b'<sst xmlns="u">', b"</sst>"),
         (b"<sst>", b"</sst>"), (b'<sst xmlns="' + MAIN + b'" a=">">', b"</sst>"),
         (b'<x:sst xmlns:x="' + MAIN + b'">', b"</x:sst>")]


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=strings_tables())
def test_built_tables_get_the_whole_parses_verdict(data):
    """Tables built of good and bad forms: the guard's verdict is always the
    whole parse's, and content the grammar proves is well-formed on its own,
    with no tag the guard counts in it."""
    agree(data)
    root = data.find(b"<sst")
    found = proven_content(data, root) if root >= 0 else None
    if found is not None:
        start, last = found
        alone = b'<sst xmlns="' + MAIN + b'">' + data[start:last] + b"</sst>"
        assert guard._declarations(alone) is not None
        assert guard._ACTED_ON.search(alone) is None


def test_forms_the_grammar_leaves_to_expat_are_judged_as_before():
    """Forms the grammar does not prove (white space between items, another
    element or attribute order, other character references, comments …) are
    parsed whole, as before."""
    for items in (b"<si><t>x</t></si>\n<si><t>y</t></si>", b"<si><t>x</t><extLst/></si>",
                  b'<si><phoneticPr fontId="1"/><t>x</t></si>', b"<si><t>&#65;</t></si>",
                  b"<si><t>&#x0A;</t></si>", b"<si><t>&#0;</t></si>", b"<si><!-- x --><t>x</t></si>",
                  b'<si><r><rPr><color rgb="1" theme="1" auto="1"/></rPr><t>x</t></r></si>',
                  b'<si><r><rPr><sz val="1" x="2"/></rPr><t>x</t></r></si>',
                  b'<si><t x14ac:foo="1">x</t></si>', b'<si><c r="A1"/></si>',
                  *(b"<si><t>" + typed + b"</t></si>" for typed in MISTYPED if typed != b"&#10;"),
                  *(b"<si>" + text + b"</si>" for text in TEXTS[GOOD_TEXTS:]),
                  *(b"<si><r><rPr>" + font + b"</rPr><t>x</t></r></si>" for font in FONTS[GOOD_FONTS:])):
        data = DECLARATION + ROOT + items + b"</sst>"
        assert not agree(data), items
        assert proven_content(data, data.find(b"<sst")) is None


def test_whole_parse_is_what_main_does(books):
    """The reference the tests compare with is the guard without the grammar:
    switched off (with sheet_grammar's, as test_wellformed's reference),
    nothing is parsed around a proven content; switched on, the shared-strings
    part is."""
    calls = []
    real = guard._declarations_around
    guard._declarations_around = lambda *args: calls.append(args) or real(*args)  # type: ignore
    excel = next(path for path in books if path.name == "excel-like.xlsx")
    try:
        with whole_parse():
            verdict(excel)
        assert not calls
        verdict(excel)
        assert any(data.startswith(b"<sst", proven.first) for data, proven in calls)
    finally:
        guard._declarations_around = real
