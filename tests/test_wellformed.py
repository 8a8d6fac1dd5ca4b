"""The guard proves a sheet part well-formed without expat reading its sheetData:
one strict grammar match (sheetkit.sheet_grammar) proves the content, expat parses
the rest, and a tail (the text after ``</sheetData>``) the run already parsed after
the same root and sheetData start tags is not parsed again.  Its verdict must be
the one the whole strict parse gives, on every input.  These tests compare the two
(the old one is the guard with the grammar switched off: every sheet parsed whole
by expat, sheetData searched by _IRREGULAR) on every workbook the tests make,
LibreOffice re-saves, Excel-like sheets, and thousands of mutations of them."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wellformed_check import (
    CELL_FORMS,
    MISTYPED,
    ROW_FORMS,
    SNIPPETS,
    mutated,
    same_verdict,
    verdict,
    whole_parse,
)
from writers import EXCEL_EXTENSION, EXCEL_ROOT, MAIN, X14AC, rezip, writers_books

from sheetkit import guard
from sheetkit.sheet_grammar import proven_content

LIMITS = guard.default_limits()


def agree(name: str, data: bytes) -> bool | None:
    """Assert that the guard's verdict on the part ``name`` is the whole parse's
    (its bounds, or None), and where the grammar proves its sheetData, that the
    declarations expat reports are the same and nothing there is irregular.
    Whether the grammar proved it and the part is well-formed (True), proved
    it in a part that is not (None), or did not (False)."""
    new = guard._bounds(name, data, LIMITS)
    with whole_parse():
        old = guard._bounds(name, data, LIMITS)
    assert new == old, name
    plain = guard._plain_root(data)
    bounded = guard._bounded_text(data, plain, LIMITS) if plain else None
    proven = bounded[1] if bounded else None
    if proven is None:
        return False
    whole = guard._declarations(data)
    assert guard._declarations(data, proven) == whole, name
    assert guard._IRREGULAR.search(data, proven.first + 1, proven.last) is None, name
    return True if whole is not None else None


@pytest.fixture(scope="module")
def books(summary_path, template_dir, example_doc, tmp_path_factory) -> list[Path]:
    """Workbooks as writers make them (writers.writers_books)."""
    return writers_books(summary_path, template_dir, example_doc,
                         tmp_path_factory.mktemp("wellformed"))


def sheets(books: list[Path]) -> list[tuple[str, str, bytes]]:
    found = []
    for path in books:
        with zipfile.ZipFile(path) as archive:
            found += [(path.name, name, archive.read(name)) for name in archive.namelist()
                      if name.startswith("xl/worksheets/") and name.endswith(".xml")]
    return found


def test_the_grammar_proves_every_sheet_writers_make(books):
    """On the workbooks writers make, every sheet with cells is proven by the
    grammar (the quick path is taken, not silently the old one) with the same
    verdict, and every workbook gets the same Inspection."""
    assert len(books) >= 10
    for book, name, data in sheets(books):
        guard._Tails.cache_clear()
        for _ in range(2):                     # the tail parsed, then remembered
            assert agree(name, data) or b"<row" not in data, (book, name)
    for path in books:
        assert same_verdict(path)[0] != "refused", path.name


def test_mutated_sheets_get_the_whole_parses_verdict(books):
    """Thousands of sheets each changed once or twice (see mutated): the same
    verdict as the whole parse, whether the grammar proves them or leaves them
    to expat; both kinds occur often."""
    rng = random.Random(14)
    seen = {True: 0, None: 0, False: 0}
    for _, name, data in sheets(books):
        for _ in range(40):
            changed = mutated(data, rng)
            if rng.random() < 0.3:
                changed = mutated(changed, rng)
            seen[agree(name, changed)] += 1
    # proven and well-formed, proven in a part that is not, left to expat
    assert seen[True] > 400 and seen[None] > 40 and seen[False] > 1000, seen


def test_mutated_workbooks_get_the_same_inspection(books, tmp_path):
    """Workbooks whose sheets were changed: the same Inspection (parts,
    referenced, names …) or the same refusal with the same reason."""
    rng = random.Random(3)
    outcomes = set()
    for index in range(150):
        source = rng.choice(books)
        path = rezip(source, tmp_path / f"m{index}.xlsx",
                     lambda _, data: mutated(data, rng) if rng.random() < 0.5 else data)
        found = same_verdict(path)
        outcomes.add(found[0] if found[0] == "refused" else "passed")
        path.unlink()
    assert outcomes == {"refused", "passed"}


# rows, cells and their children: first those in the grammar, then others
ROWS = [b'<row r="1">', b'<row r="7" ht="15" customHeight="1">', b'<row r="999" hidden="1">',
        b'<row r="2" spans="1:5" x14ac:dyDescent="0.25">', b'<row r="6" s="1" customFormat="1">',
        b'<row r="1000">', b'<row r="01">', b"<row>", b'<row r="3" ht="1" ht="2">',
        b'<row r="3" customHeight="1" ht="15">', b'<row r="4" x:y="1">', b'<row r="5"\n>']
CELLS = [b'<c r="A1">', b'<c r="B2" s="3" t="s">', b'<c r="ZZ999" t="inlineStr">',
         b'<c r="A1" t="n" >', b'<c r="A10" s="1">', b'<c r="C3" cm="1" vm="1" ph="1">',
         b'<c r="C3" vm="1">', b'<c r="AAA1">', b'<c r="A1000">', b'<c r="A0">', b'<c r="a1">',
         b'<c s="1" r="A1">', b'<c r="A1" s="1" s="1">', b'<c r="C3" ph="1" cm="1">',
         b'<c r="C3" x14ac:dyDescent="1">', b"<c>", b"<c r='A1'>", b'<c r="A1" t="s" s="1">']
CHILDREN = [b"<v>1</v>", b"<v/>", b"<v />", b"<f>SUM(A1)</f>", b'<f t="shared" ref="A1:A3" si="0">'
            b'A1&amp;"x"&lt;&gt;&quot;&apos;</f>', b'<f t="shared" si="0"/>', b'<f aca="false">1</f>',
            "<is><t>記入</t></is>".encode(), b"<is/>", b'<is><t xml:space="preserve"> x </t></is>',
            b"<v>a]]b]</v>", b"<v>\t\r\n</v>", b"<v>\xef\xbf\xbd</v>",
            b'<f si="0" t="shared"/>', b"<is><r><t>x</t></r></is>",
            b"<is><t>a]]>b</t></is>", b"<v>&#10;</v>", b"<v>&foo;</v>",
            b"<v>\x01</v>", b"<v>\xff</v>", b"<v>\xef\xbf\xbe</v>",
            b"<v><!-- x --></v>", b"<v><![CDATA[x]]></v>", b"<v><?p x?></v>",
            b"<v>a&b</v>", b"<v>></v>", b"<x/>", b'<charset val="1"/>', b'<f t="a&amp;b"/>',
            b'<f t="a&b"/>', b'<f t="<"/>', b'<f t="\x01"/>']
TAILS = [b'<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>', b"",
         b'<pageMargins left="0.7" right="0.7"/>', EXCEL_EXTENSION, b"<x14ac:a/>", b"<!-- c -->"]


def mostly_good(forms: list[bytes], good: int) -> st.SearchStrategy[bytes]:
    """One of ``forms``, whose first ``good`` are in the grammar, those four
    times as often as the rest."""
    return st.sampled_from(forms[:good] * 4 + forms[good:])


@st.composite
def sheet_parts(draw) -> bytes:  # type: ignore[no-untyped-def]
    """A sheet built of rows, cells and their children in good and bad forms,
    under a root that may declare x14ac, with up to two snippets put in."""
    rows = []
    for row in draw(st.lists(mostly_good(ROWS, 5), max_size=4)):
        cells = b""
        for cell in draw(st.lists(mostly_good(CELLS, 5), max_size=4)):
            children = b"".join(draw(st.lists(mostly_good(CHILDREN, 13), max_size=3)))
            cells += cell[:-1] + b"/>" if not children and draw(st.booleans()) else \
                cell + children + b"</c>"
        rows.append(row + cells + b"</row>")
    content = b"".join(rows)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        at = draw(st.integers(0, len(content)))
        content = content[:at] + draw(st.sampled_from(SNIPPETS)) + content[at:]
    root, closing = draw(st.sampled_from(ROOTS))
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + root
            + b"<sheetData>" + content + b"</sheetData>" + draw(st.sampled_from(TAILS)) + closing)


# roots and what closes them: declaring x14ac or not, seeming to, or declaring
# it on an element that sheetData is not a child of the root
ROOTS = [(b'<worksheet xmlns="' + MAIN + b'">', b"</worksheet>"), (EXCEL_ROOT, b"</worksheet>"),
         (b'<worksheet xmlns="' + MAIN + b'" xmlns:x14ac="' + X14AC + b'">', b"</worksheet>"),
         (b'<worksheet xmlns="' + MAIN + b'" a="xmlns:x14ac=">', b"</worksheet>"),
         (b'<worksheet xmlns="' + MAIN + b'"><p xmlns:x14ac="' + X14AC + b'">', b"</p></worksheet>")]
# sheetData's content alone, where every prefix the grammar may admit is declared
CLEAN = (b'<worksheet xmlns="' + MAIN + b'" xmlns:x14ac="' + X14AC + b'"><sheetData>',
         b"</sheetData></worksheet>")


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=sheet_parts())
def test_built_sheets_get_the_whole_parses_verdict(data):
    """Sheets built of good and bad forms: the guard's verdict is always the
    whole parse's, and content the grammar proves (prefix x14ac allowed) is
    well-formed where that prefix is declared, with nothing irregular in it."""
    agree("xl/worksheets/sheet1.xml", data)
    first, last = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
    start = proven_content(data, first, last, True)
    if start is not None:
        alone = CLEAN[0] + data[start:last] + CLEAN[1]
        assert guard._declarations(alone) is not None
        assert guard._IRREGULAR.search(alone, len(CLEAN[0]) - 10) is None


def test_a_remembered_tail_is_parsed_again_after_other_start_tags():
    """The tail after sheetData is parsed once a run for each pair of root and
    sheetData start tags it follows: the same tail after a root that does not
    declare a prefix it uses, or after a head that leaves another element open,
    is refused as the whole parse refuses it, in any order."""
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    tail = b'</sheetData><mc:AlternateContent/></worksheet>'
    declares = (b'<worksheet xmlns="' + MAIN + b'" xmlns:mc="http://schemas.openxmlformats.org/'
                b'markup-compatibility/2006"><sheetData>')
    lacks = b'<worksheet xmlns="' + MAIN + b'"><sheetData>'
    open_head = declares.replace(b"<sheetData>", b"<sheetPr><sheetData>")
    other_data = declares.replace(b"<sheetData>", b'<sheetData a="1">')
    guard._Tails.cache_clear()
    verdicts = [agree("xl/worksheets/sheet1.xml", head + rows + tail) for head in
                (declares, lacks, declares, open_head, other_data, lacks, declares)]
    assert verdicts == [True, None, True, None, True, None, True]
    assert guard._bounds("xl/worksheets/sheet1.xml", lacks + rows + tail, LIMITS) is None


@pytest.mark.parametrize("root, expected", [
    (EXCEL_ROOT, True),
    (b'<worksheet xmlns="' + MAIN + b'">', False),
    (b'<worksheet xmlns="' + MAIN + b'" a="xmlns:x14ac=">', None),
    (b'<worksheet xmlns="' + MAIN + b'" a="xmlns:x14ac=&quot;u&quot;">', None),
    (b'<worksheet xmlns="' + MAIN + b'" xmlns:x14ac="' + X14AC + b'">', True)])
def test_a_prefix_in_sheet_data_must_be_declared_on_the_root(root, expected):
    """A row's x14ac:dyDescent is proven only where the root declares x14ac
    (not where its start tag merely holds the text): the same verdict as the
    whole parse, which refuses the prefix unbound."""
    data = (root + b'<sheetData><row r="1" spans="1:2" x14ac:dyDescent="0.25"><c r="A1"><v>1</v>'
            b"</c></row></sheetData></worksheet>")
    assert agree("xl/worksheets/sheet1.xml", data) is expected


def test_content_the_grammar_leaves_to_expat_is_judged_as_before():
    """Forms the grammar does not prove (white space between tags, rich text,
    a reference not first, comments …) are parsed whole, as before."""
    head = b'<worksheet xmlns="' + MAIN + b'"><sheetData>'
    for rows in (b'<row r="1">\n  <c r="A1"><v>1</v></c>\n</row>',
                 b'<row r="1"><c r="A1" t="inlineStr"><is><r><t>x</t></r></is></c></row>',
                 b'<row r="1"><c s="1" r="A1"/></row>', b'<row r="1"><!-- x --><c r="A1"/></row>',
                 b'<row r="1"><c r="A1"><v>&#65;</v></c></row>',
                 b'<row r="1"><c r="A1" t="inlineStr"><f>1</f><is><t>x</t></is></c></row>',
                 b'<row r="1"><c r="A1" t="inlineStr"><v>1</v><is><t>x</t></is></c></row>',
                 b'<row r="1"><c r="A1"><v>1</v><f>1</f></c></row>',
                 b'<row r="1"><c r="B2"><f t="dataTable" ref="B2:B3" dt2D="0" dtr="0" r1="A1"/>'
                 b"<v>1</v></c></row>",
                 b'<row r="1"><c r="A1" cm="1"><f t="array" ref="A1:A3">SORT(B1:B3)</f><v>1</v></c>'
                 b"</row>", *(
                     b'<row r="1">' + cell + b"</row>" for cell in CELL_FORMS[1:]),
                 *(row + b'<c r="A1"/></row>' for row in ROW_FORMS[1:]),
                 *(b'<row r="1"><c r="A1" s="' + typed + b'"><v>' + typed + b"</v></c></row>"
                   for typed in MISTYPED)):
        data = head + rows + b"</sheetData></worksheet>"
        assert not agree("xl/worksheets/sheet1.xml", data)
        assert proven_content(data, data.find(b"<sheetData"), data.rfind(b"</sheetData>"),
                              False) is None


def test_a_tail_parse_is_kept_in_the_run_memo_of_tails():
    """What the run remembers of a tail's parse is counted in _Tails'
    cache_info (so the tests that no memo grows with the returns cover it)."""
    guard._Tails.cache_clear()
    data = (b'<worksheet xmlns="' + MAIN + b'"><sheetData><row r="1"/></sheetData>'
            b"<pageMargins/></worksheet>")
    assert agree("xl/worksheets/sheet1.xml", data)
    assert guard._Tails.cache_info().currsize == 2          # the tail and its one parse
    for _ in range(3):
        assert agree("xl/worksheets/sheet1.xml", data.replace(b'r="1"', b'r="2"'))
    assert guard._Tails.cache_info().currsize == 2


def test_whole_parse_is_what_main_does(books):
    """The reference the tests compare with is the guard without the grammar:
    switched off, no sheet is proven by it and the tail is never skipped."""
    calls = []
    real = guard._declarations_around
    guard._declarations_around = lambda *args: calls.append(args) or real(*args)  # type: ignore
    try:
        with whole_parse():
            for path in books[:3]:
                verdict(path)
        assert not calls
        for path in books[:3]:
            verdict(path)
        assert calls
    finally:
        guard._declarations_around = real


def test_parts_outside_spreadsheetml_get_their_parses_verdict(books):
    """A part whose text does not hold SpreadsheetML's namespace (document
    properties, relationships) and no reference is only parsed for
    well-formedness: its bounds are what its declarations say (none can be
    SpreadsheetML's: with a reference one can, and then it has none), or None
    where the strict parse refuses it (a comment, a processing instruction);
    and a part whose root comes first is found where the general path finds it
    (after a byte-order mark)."""
    rng = random.Random(5)
    parts = []
    for path in books:
        with zipfile.ZipFile(path) as archive:
            parts += [(name, archive.read(name)) for name in archive.namelist()
                      if name.endswith((".xml", ".rels")) and not name.startswith("xl/worksheets/")]
    seen = {True: 0, False: 0}
    for name, data in parts:
        end = data.find(b">", data.find(b"<", 2)) + 1
        for changed in [data, *(mutated(data, rng) for _ in range(30)),
                        *(data[:end] + inserted + data[end:] for inserted in (
                            b"<!-- c -->", b"<?pi x?>", b"<![CDATA[x]]>", b"&amp;", b'<x xmlns="'
                            + MAIN + b'"/>', b'<x xmlns="&#104;' + MAIN[1:] + b'"/>')),
                        data.replace(b'xmlns="', b'xmlns="&#104;', 1)]:
            plain = guard._plain_root(changed)
            if plain is not None and not changed.startswith((b"<?", b"\xef\xbb\xbf")):
                root, close, declared = plain
                assert guard._plain_root(b"\xef\xbb\xbf" + changed) == (root + 3, close + 3, declared)
            if changed.find(MAIN) >= 0 or plain is None or len(changed) // 4 > LIMITS.max_elements:
                continue
            declarations = guard._declarations(changed)
            spreadsheet = any(uri in guard.MAIN_NAMESPACES for _, uri, _ in declarations or ())
            expected = None if declarations is None or spreadsheet else (len(changed) // 4, *(0,) * 8)
            assert guard._bounds(name, changed, LIMITS) == expected, name
            seen[expected is not None] += 1
    assert seen[True] > 100 and seen[False] > 100, seen


# what a value in a sheet's head may be changed to: texts the shape path empties
# (as a template's returns differ: another dimension, another selected cell), and
# texts it must leave to the whole parse or that expat refuses
HEAD_VALUES = [b"", b"A1:ZZ999", b"C5", b"0", b"4.7109375", b"A1 B2:C3", b"x=y", b"]]", b"]",
               b"\t", b"\r\n", b"'", b"<", b">", b"]]>", b"&", b"&amp;", b"&#10;", "記".encode(),
               b"\xff", b"\xe3\x81", b"\x01", b"\x00", b"\x7f", b'"', b'" a="1', b'" xmlns:x="u',
               b"--", b"-->", b"?>"]
_HEAD_VALUE = re.compile(rb'="([^"]*)"')


def head_mutated(data: bytes, rng: random.Random) -> bytes:
    """``data`` with what lies between its root's and sheetData's start tags
    changed: a value replaced (HEAD_VALUES), a snippet inserted, a byte
    replaced, bytes cut, or one of mutated's changes placed there."""
    start, first = data.find(b">", data.find(b"<worksheet")) + 1, data.find(b"<sheetData")
    if not 0 < start <= first:
        return data                            # (a change before made it no sheet)
    values = list(_HEAD_VALUE.finditer(data, start, first))
    kind = rng.randrange(5)
    if kind <= 1 and values:
        value = rng.choice(values)
        return data[:value.start(1)] + rng.choice(HEAD_VALUES) + data[value.end(1):]
    at = rng.randrange(start, first + 1)
    if kind == 2:
        return data[:at] + rng.choice(SNIPPETS + HEAD_VALUES) + data[at:]
    if kind == 3:
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
    changed = mutated(data[:first], rng)
    return changed + data[first:]


def test_sheet_heads_differing_from_a_remembered_shape_get_the_whole_parses_verdict(books):
    """A sheet's head (sheet properties, dimension, views, column widths) is
    parsed once a run for each shape (its values emptied, _head_declarations):
    heads of every writer's sheets, changed in their values, damaged, or given
    markup, get the whole parse's verdict and declarations once the shape of
    the unchanged head is remembered; the shape is taken often, and proves
    well-formed heads and refuses damaged ones."""
    rng = random.Random(21)
    guard._shared_head.cache_clear()
    seen = {True: 0, None: 0, False: 0}
    for _, name, data in sheets(books):
        if b"<sheetData" not in data:
            continue
        guard._Tails.cache_clear()
        for _ in range(2):                     # the tail, then the head's shape, remembered
            agree(name, data)
        for _ in range(60):
            changed = head_mutated(data, rng)
            if rng.random() < 0.3:
                changed = head_mutated(changed, rng)
            seen[agree(name, changed)] += 1
    hits = guard._shared_head.cache_info().hits
    assert hits > 600 and seen[True] > 600 and seen[None] > 100, (hits, seen)


@pytest.mark.parametrize("head", [
    b'<dimension ref="A1:B2"/>', b'<dimension ref="A1<B2"/>', b'<dimension ref="A1&amp;"/>',
    b'<dimension ref="A1&"/>', b'<dimension ref="\xff"/>', "<dimension ref=\"記\"/>".encode(),
    b'<dimension ref="]]>"/>', b'<dimension ref="A1" ref="B2"/>', b'<dimension ref=""/>',
    b'<sheetPr>"x"</sheetPr>', b'<sheetPr>"]]"></sheetPr>', b'<sheetPr>"-->"</sheetPr>',
    b"<sheetPr a='\"x\"'/>", b"<sheetPr a='\"x' b='y\"'/>", b'<sheetPr a"x"/>',
    b'<!-- "x" -->', b'<!-- "--" -->', b'<?p "x"?>', b'<sheetPr xmlns:a="u" a:b="1"/>',
    b'<sheetPr a:b="1"/>', b'<sheetPr x14ac:b="1"/>', b'<sheetPr a="1" "x"/>', b'<sheetPr a="1/>',
    b'<sheetPr a="\x01"/>', b'<sheetPr a="\t"/>', b'<sheetPr/><sheetPr>'])
def test_a_heads_shape_gives_the_verdict_of_the_head_itself(head):
    """Heads whose values or texts between quotes are emptied in their shape
    (or are not, for what they hold), each parsed after a remembered shape of
    another head of the same form: the same verdict and declarations as the
    whole parse."""
    rows = b'<row r="1"><c r="A1"><v>1</v></c></row></sheetData><pageMargins/></worksheet>'
    root = b'<worksheet xmlns="' + MAIN + b'" xmlns:x14ac="' + X14AC + b'">'
    guard._Tails.cache_clear()
    other = _HEAD_VALUE.sub(b'="0"', head) if b"<!--" not in head else head
    for data in (root + other + b"<sheetData>" + rows, root + head + b"<sheetData>" + rows):
        for _ in range(2):
            agree("xl/worksheets/sheet1.xml", data)
