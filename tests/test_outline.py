"""cellxml.outline says that read_sheet is sure of every cell of a sheet, and
where its formulas are, without reading its values (fastgrid asks it of the
sheets nobody reads: the 記入要領, the 提出前チェック, whose formulas alone are
looked at).  Its verdict must never be "sure" where read_sheet's is not, and
its formulas must be read_sheet's: checked on every sheet writers make (xlsxwriter, openpyxl,
Excel's filled-down formulas, Excel-like sheets, LibreOffice re-saves), on
thousands of mutations of them as the guard lets them through, and on the
generated sheets tests/test_cellxml.py compares with calamine."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest
from cellgen import shared_sheet, sheet_cells, written
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from writers import rezip, writers_books

from sheetkit import cellxml
from sheetkit.guard import inspect
from sheetkit.problems import SheetkitError


@pytest.fixture(scope="module")
def books(summary_path, template_dir, example_doc, tmp_path_factory) -> list[Path]:
    return writers_books(summary_path, template_dir, example_doc,
                         tmp_path_factory.mktemp("outline"))


def agree(path: Path) -> dict[str, bool]:
    """For each sheet of ``path`` the guard lets through as read_sheet needs it
    (by name), whether outline is sure of it, asserted never where read_sheet
    is not, and with read_sheet's formulas and values where it is."""
    try:
        inspection = inspect(path)
    except SheetkitError:
        return {}
    parts = inspection.parts
    kinds = cellxml.number_kinds(parts.get("xl/styles.xml", b""))
    sheets = cellxml.workbook_sheets(dict(parts), inspection.names)
    strings = None
    if "xl/sharedStrings.xml" in parts and "xl/sharedStrings.xml" in inspection.referenced:
        strings = cellxml.shared_strings(parts["xl/sharedStrings.xml"])
    if kinds is None or sheets is None:
        return {}
    found = {}
    for name, part in sheets:
        if part in inspection.referenced:
            found[name] = same(parts[part], kinds, strings)
    return found


def same(data: bytes, kinds: tuple[int, ...], strings: cellxml.SharedStrings | None) -> bool:
    sure = cellxml.outline(data, kinds, strings)
    if sure is None:
        return False
    sheet = cellxml.read_sheet(data, kinds, strings)
    assert sheet is not None
    assert sorted(sure.formulas) == sorted(sheet.formulas) and sure.odd == sheet.odd
    assert sure.values() == sheet.values() and sure.styles == sheet.styles
    return True


NEVER_READ = ("記入要領", "提出前チェック")


def test_outline_is_sure_of_the_sheets_nobody_reads(books):
    """Not only sound but of use: in every return writers make, outline is
    sure of the sheets nobody reads (read_rest does not read them)."""
    returns = 0
    for path in books:
        verdicts = agree(path)
        assert verdicts, path.name
        if all(name in verdicts for name in NEVER_READ):
            returns += 1
            assert all(verdicts[name] for name in NEVER_READ), path.name
        assert verdicts.get("_sheetkit", True), path.name
    assert returns >= 6


# a cell's type, style, value or formula changed to a form outline must tell apart
_CHANGES = [
    (re.compile(rb' t="[a-zA-Z]*"'), [b"", b' t="n"', b' t="s"', b' t="str"', b' t="b"', b' t="e"',
                                      b' t="d"', b' t="inlineStr"', b' t="N"']),
    (re.compile(rb' s="[0-9]*"'), [b' s="%d"' % i for i in range(12)]
     + [b' s="02"', b' s="00"', b' s=""', b' s="1234567890"', b' s="99"']),
    (re.compile(rb"<v>[^<]*</v>|<v ?/>"), [
        b"<v>0</v>", b"<v>1</v>", b"<v>-0.5</v>", b"<v>61</v>", b"<v>3000000</v>", b"<v>1e5</v>",
        b"<v>1E+300</v>", b"<v>-1E+300</v>", b"<v> 1</v>", b"<v>1.</v>", b"<v>x</v>", b"<v></v>",
        b"<v/>", b"<v>01</v>", b"<v>99</v>", b"<v>1234567890</v>", b"<v>&#49;</v>"]),
    (re.compile(rb"<f[ >/]"), [b'<f t="array" ref="A1">', b'<f t="shared" si="0">', b"<f/>",
                               b'<f aca="false">']),
    (re.compile(rb' r="[A-Z]+[0-9]+"'), [b' r="A1"', b' r="B2"', b' r="A01"', b' r="AAAA1"',
                                         b' r="A12345678"', b' r="a1"']),
    (re.compile(rb"<t>|<t [^>]*>"), [b"<t>", b'<t xml:space="preserve">', b'<t xml:lang="ja">']),
]
_CELL = re.compile(rb"<c [^>]*>.*?</c>", re.DOTALL)


# markup and text put anywhere in sheetData, and forms that are fine
SNIPPETS = [b"<c>", b"</c>", b'<c r="A1"/>', b'<c r="B2" s="1"><v>1</v></c>', b"<v>", b"</v>",
            b"<f>1</f>", b'<f t="shared" si="0"/>', b"<is><t>x</t></is>", b"<r><t>x</t></r>",
            b'<x:c r="A1"/>', b"<row>", b"</row>", b' s="1"', b' t="n"', b' r="A1"', b" ", b"&amp;",
            b"&#10;", b"<", b">", b'"', b"/", b"=", b"x", b"_x000D_", b"<t>", b"</t>"]


def changed(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one cell's type, style, value, formula, reference or text
    tag changed, or a closed cell written twice, or a snippet put in, or bytes
    cut, mostly inside sheetData (the guard refuses what is not well-formed)."""
    kind = rng.randrange(len(_CHANGES) + 2)
    if kind < len(_CHANGES):
        pattern, forms = _CHANGES[kind]
        found = list(pattern.finditer(data))
        if found:
            at = rng.choice(found)
            return data[:at.start()] + rng.choice(forms) + data[at.end():]
    if kind == len(_CHANGES):
        cells = list(_CELL.finditer(data))
        if cells:
            cell = rng.choice(cells)
            return data[:cell.end()] + cell.group() + data[cell.end():]
    first, last = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
    at = rng.randrange(first, last) if 0 <= first < last else rng.randrange(len(data))
    if rng.random() < 0.5:
        return data[:at] + rng.choice(SNIPPETS) + data[at:]
    return data[:at] + data[at + rng.randrange(1, 40):]


@settings(max_examples=600, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 3))
def test_outline_is_never_surer_than_read_sheet(books, tmp_path, seed, steps):
    rng = random.Random(seed)
    source = rng.choice(books)
    with zipfile.ZipFile(source) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    part = rng.choice(names)

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        for _ in range(steps):
            data = changed(data, rng)
        return data

    agree(rezip(source, tmp_path / "changed.xlsx", change))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cells=sheet_cells())
def test_generated_sheets_are_never_surer_than_read_sheet(tmp_path, cells):
    agree(written(tmp_path, cells))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(sheet=shared_sheet())
def test_shared_strings_are_never_surer_than_read_sheet(tmp_path, sheet):
    cells, shared = sheet
    agree(written(tmp_path, cells, shared=shared))


@pytest.mark.parametrize("cell", [
    '<c r="A1" s="2"><v>43819</v></c>',                     # a date: read_sheet looks at it
    '<c r="A1" t="s"><v>5</v></c>',                         # an index out of range
    '<c r="A1"><v>1</v></c><c r="A1"><v>2</v></c>',         # written twice
    '<c r="A1" t="b"><v>1</v></c>',                         # a form read_sheet leaves to calamine
])
def test_what_outline_cannot_tell_read_sheet_decides(tmp_path, cell):
    assert agree(written(tmp_path, {(0, 0): cell}, shared="<si><t>x</t></si>")) == {
        "S & 1": False}


def test_the_precheck_formulas_are_found_without_reading_its_values(books, monkeypatch):
    """FastSheets.formulas_of gives the formulas a grid gives, without reading a
    value of the sheet, and read_rest then reads neither sheet nobody reads."""
    from sheetkit import fastgrid
    from sheetkit.guard import default_limits

    read = []
    real = fastgrid.read_sheet
    monkeypatch.setattr(fastgrid, "read_sheet", lambda data, *rest: read.append(data) or real(
        data, *rest))
    checked = 0
    for path in books:
        inspection = inspect(path)
        if "提出前チェック" not in agree(path):
            continue
        mine, theirs = (fastgrid.FastSheets(path, default_limits(), inspection.parts,
                                            inspection.data, inspection.referenced,
                                            inspection.names) for _ in range(2))
        read.clear()
        formulas = mine.formulas_of("提出前チェック")
        grid = mine["提出前チェック"]
        mine.read_rest()
        never = [inspection.parts[part] for name, part in mine._parts.items()
                 if name in NEVER_READ]
        assert not any(data in never for data in read), path.name
        assert not grid.has_values() and mine._calamine._workbook is None
        assert set(formulas) == set(theirs["提出前チェック"].formulas()), path.name
        assert formulas, path.name
        checked += 1
    assert checked >= 6
