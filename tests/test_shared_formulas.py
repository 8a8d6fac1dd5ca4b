"""Shared formulas (a formula filled down or copied, as Excel writes it: the
group's first cell holds the text and the group's range, each other cell only
the group's index) are read by the fast path itself, each cell's formula the
text openpyxl gives it; anything the fast path is not sure of (an array
formula, a cell whose group has no master before it, a translation openpyxl
refuses, attributes written otherwise) goes to openpyxl, as before."""

from __future__ import annotations

from pathlib import Path

import corpus
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onesheet import workbook_bytes
from outcomes import outcome

from sheetkit.fastgrid import FastSheets, Unsupported
from sheetkit.grid import FAST, FULL, read_book
from sheetkit.guard import default_limits, inspect
from sheetkit.problems import SheetkitError


def numbers(rows: int = 6) -> dict[tuple[int, int], str]:
    """Column A: a number in each row."""
    return {(row, 0): f'<c r="A{row + 1}"><v>{row + 1}</v></c>' for row in range(rows)}


def master(cell: str, text: str, ref: str, index: str = "0", result: str = "1") -> str:
    return f'<c r="{cell}"><f t="shared" ref="{ref}" si="{index}">{text}</f><v>{result}</v></c>'


def dependent(cell: str, index: str = "0", result: str = "2") -> str:
    return f'<c r="{cell}"><f t="shared" si="{index}"/><v>{result}</v></c>'


def at(cell: str) -> tuple[int, int]:
    return int(cell[1:]) - 1, ord(cell[0]) - 65


def sheet(*cells: str) -> dict[tuple[int, int], str]:
    """Column A's numbers and the cells given (each element's XML)."""
    found = numbers()
    for xml in cells:
        found[at(xml.split('"')[1])] = xml
    return found


def readings(path: Path) -> tuple:
    """("fast", cells of every sheet, whether calamine was opened) where the
    fast path reads the file itself; ("openpyxl",) where it leaves it to openpyxl."""
    inspection = inspect(path)
    try:
        fast = FastSheets(path, default_limits(), inspection.parts, inspection.data,
                          inspection.referenced, inspection.names)
        cells = {name: dict(fast[name].cells) for name in fast}
        fast.read_rest()
    except Unsupported:
        return ("openpyxl",)
    return ("fast", cells, fast._calamine._workbook is not None)


def full_cells(path: Path) -> dict | str:
    try:
        book = read_book(path, engine=FULL)
        return {name: dict(grid.cells) for name, grid in book.grids.items()}
    except SheetkitError as error:
        return error.problems[0].params.get("reason", "refused")


# cell -> the formula openpyxl gives it, in sheets the fast path reads itself
READ = {
    "filled down": (sheet(master("B1", "A1*2", "B1:B3"), dependent("B2"), dependent("B3")),
                    {"B2": "=A2*2", "B3": "=A3*2"}),
    "filled down and right": (
        sheet(master("B1", "A1+$A$1+A$1+$A1+SUM(A1:A2)", "B1:C2"), dependent("C1"),
              dependent("B2"), dependent("C2")),
        {"C1": "=B1+$A$1+B$1+$A1+SUM(B1:B2)", "B2": "=A2+$A$1+A$1+$A2+SUM(A2:A3)",
         "C2": "=B2+$A$1+B$1+$A2+SUM(B2:B3)"}),
    "other sheets, names, texts, whole rows and columns": (
        sheet(master("B1", "'S &amp; 1'!A1+Other!$B2+myname+LEN(\"A1\")+SUM(A:A)+SUM(1:1)",
                     "B1:B2"), dependent("B2")),
        {"B2": "='S & 1'!A2+Other!$B3+myname+LEN(\"A1\")+SUM(A:A)+SUM(2:2)"}),
    "two groups in turn": (
        sheet(master("B1", "A1", "B1:B5", "0"), master("C1", "A1*3", "C1:C5", "1"),
              dependent("B3", "0"), dependent("C3", "1"), dependent("B5", "0"),
              dependent("C5", "1")),
        {"B3": "=A3", "C3": "=A3*3", "B5": "=A5", "C5": "=A5*3"}),
    "a cell outside its group's range": (
        sheet(master("B1", "A1+1", "B1:B2"), dependent("B2"), dependent("D6")),
        {"B2": "=A2+1", "D6": "=C6+1"}),
    "a dependent that writes text of its own": (
        sheet(master("B1", "A1", "B1:B2"),
              '<c r="B2"><f t="shared" si="0">ZZ9</f><v>2</v></c>'),
        {"B2": "=A2"}),
    "attributes in another order, and more of them": (
        sheet('<c r="B1"><f si="0" aca="false" ref="B1:B2" t="shared" ca="1">A1</f><v>1</v></c>',
              '<c r="B2"><f aca="false" si="0" t="shared"/><v>2</v></c>'),
        {"B2": "=A2"}),
    "a text result": (
        sheet('<c r="B1" t="str"><f t="shared" ref="B1:B2" si="0">A1&amp;"x&lt;"</f>'
              '<v>1x&lt;</v></c>',
              '<c r="B2" t="str"><f t="shared" si="0"/><v>2x&lt;</v></c>'),
        {"B1": '=A1&"x<"', "B2": '=A2&"x<"'}),
    "a self-closing formula before another formula": (
        sheet('<c r="B1"><f aca="false"/><v>1</v></c>', '<c r="B2"><f>A2</f><v>2</v></c>'),
        {"B1": "=", "B2": "=A2"}),
    "a plain formula that says so": (
        sheet('<c r="B1"><f t="normal">A1</f><v>1</v></c>'), {"B1": "=A1"}),
    "character references and line ends in a formula": (
        sheet('<c r="B1" t="str"><f>"&#128;&#13;"&amp;A1&amp;"\r\n"</f><v>x</v></c>'),
        {"B1": '="\x80\r"&A1&"\n"'}),
    "index numbers written with leading zeros are other groups": (
        sheet(master("B1", "A1", "B1:B2", "0"), master("B2", "A2*9", "B2:B3", "00"),
              dependent("B3", "00"), dependent("C3", "0")),
        {"B3": "=A3*9", "C3": "=B3"}),
}

# sheets the fast path leaves to openpyxl (which reads or refuses them)
LEFT = {
    "an array formula": sheet('<c r="B1"><f t="array" ref="B1:B2">A1:A2*2</f><v>2</v></c>'),
    "a data table": sheet('<c r="B1"><f t="dataTable" ref="B1:B2" dt2D="0" dtr="0" r1="A1"/>'
                          '<v>2</v></c>'),
    "a dependent without a master": sheet(dependent("B2", "7")),
    "a dependent before its master": sheet(dependent("B1"), master("B2", "A2", "B1:B2")),
    "a master without text": sheet(master("B1", "", "B1:B3"), dependent("B2")),
    "a translation above the first row": sheet(master("B3", "A1", "B1:B3"), dependent("B1")),
    "a translation past the last column": sheet(master("B1", "ZZZ1", "B1:C1"), dependent("C1")),
    "a master its tokenizer refuses": sheet(master("B1", '"open', "B1:B2"), dependent("B2")),
    "an index that is no number": sheet(master("B1", "A1", "B1:B2", "x"), dependent("B2", "x")),
    "single-quoted attributes": sheet(
        "<c r=\"B1\"><f t='shared' ref='B1:B2' si='0'>A1</f><v>1</v></c>", dependent("B2")),
    "a reference in an attribute": sheet(
        '<c r="B1"><f t="&#115;hared" ref="B1:B2" si="0">A1</f><v>1</v></c>', dependent("B2")),
    "references in every shared formula's attributes": sheet(
        '<c r="B1"><f t="&#115;hared" ref="B1:B2" si="0">A1</f><v>1</v></c>',
        '<c r="B2"><f t="&#115;hared" si="0"/><v>2</v></c>'),
    "a prefixed attribute": sheet(
        '<c r="B1"><f xmlns:y="urn:y" y:t="shared" t="shared" ref="B1:B2" si="0">A1</f>'
        '<v>1</v></c>', dependent("B2")),
    "a cell reference with a leading zero": sheet(master("B1", "A1", "B1:B2"),
                                                  dependent("B02")),
    # a '>' inside an attribute's value ends the tag early for a plain scan
    "a '>' in a formula's attribute": sheet('<c r="B1"><f aca=">">A1</f><v>1</v></c>'),
    "a '>' in a single-quoted attribute": sheet("<c r=\"B1\"><f aca='>'>A1</f><v>1</v></c>"),
    "a '>' in a self-closing formula's attribute": sheet(
        '<c r="B1"><f aca=">"/><v>1</v></c>', '<c r="B2"><f>A2</f><v>2</v></c>'),
    "a '>' in a shared formula's attribute": sheet(
        '<c r="B1"><f t="shared" ref="B1:B2" si="0" x=">">A1</f><v>1</v></c>', dependent("B2")),
}


def written(tmp_path: Path, cells: dict[tuple[int, int], str]) -> Path:
    """A workbook of one sheet of ``cells``, with styles openpyxl reads too."""
    bare = tmp_path / "bare.xlsx"
    bare.write_bytes(workbook_bytes(cells))
    return corpus.rewrite_zip(bare, tmp_path / "shared.xlsx", lambda name, data: data.replace(
        b"<fill/>", b'<fill><patternFill patternType="none"/></fill>'))


@pytest.mark.parametrize("name", sorted(READ))
def test_shared_formulas_read_as_openpyxl_reads_them(tmp_path, name):
    cells, formulas = READ[name]
    path = written(tmp_path, cells)
    found = readings(path)
    assert found[0] == "fast", name
    _, mine, calamine = found
    assert mine == full_cells(path)
    (grid,) = mine.values()
    for cell, formula in formulas.items():
        assert grid[at(cell)].formula == formula, cell
    assert not calamine                        # values from the XML too


@pytest.mark.parametrize("name", sorted(LEFT))
def test_shared_formulas_the_scan_is_not_sure_of_go_to_openpyxl(tmp_path, name):
    path = written(tmp_path, LEFT[name])
    assert readings(path) == ("openpyxl",)
    full_cells(path)                           # openpyxl reads it, or refuses it


_REFERENCES = st.sampled_from(["A1", "$A1", "A$1", "$A$1", "B2", "A1:B2", "$A$1:A2", "A:A",
                               "$B:B", "1:1", "$2:3", "'S &amp; 1'!A1", "Other!B$2", "myname",
                               '"A1"', "SUM(A1,B1)", "C3"])


@st.composite
def shared_sheets(draw) -> dict[tuple[int, int], str]:
    """A sheet of up to two groups of shared formulas, with dependents anywhere
    (inside or outside their range, before or after their master), and plain
    formulas and numbers between them."""
    cells = numbers()
    places = [(row, col) for row in range(6) for col in range(1, 5)]
    chosen = draw(st.lists(st.sampled_from(places), min_size=1, max_size=10, unique=True))
    masters: dict[str, str] = {}
    for row, col in sorted(chosen):              # the sheet's order: mostly masters first
        cell = f"{chr(65 + col)}{row + 1}"
        index = draw(st.sampled_from(["0", "1"]))
        kind = draw(st.sampled_from(["master", "dependent", "plain"] if index in masters
                                    else ["master"] * 4 + ["dependent"]))
        if kind == "master" and index not in masters:
            text = "+".join(draw(st.lists(_REFERENCES, min_size=1, max_size=4)))
            masters[index] = text
            cells[(row, col)] = master(cell, text, draw(st.sampled_from(
                [f"{cell}:{cell}", f"{cell}:D6", "B1:C3"])), index)
        elif kind == "plain":
            cells[(row, col)] = f'<c r="{cell}"><f>A1+{row}</f><v>{row}</v></c>'
        else:
            cells[(row, col)] = dependent(cell, index)
    return cells


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cells=shared_sheets())
def test_generated_shared_formulas_read_as_openpyxl_reads_them(tmp_path, cells):
    """Where the fast path reads a sheet of shared formulas itself, every cell
    (value, format, formula text) is what openpyxl gives; where every
    dependent has its master before it and every translation stays on the
    sheet, it does read it itself."""
    path = written(tmp_path, cells)
    found = readings(path)
    full = full_cells(path)
    if found[0] == "fast":
        assert found[1] == full
    else:
        assert not _plainly_shared(cells, full), "left to openpyxl, though it reads it plainly"


def _plainly_shared(cells: dict[tuple[int, int], str], full: dict | str) -> bool:
    """Whether every shared formula's group has its master first (in the
    sheet's order, row by row) and openpyxl translated each one (it read the
    sheet, and no formula is blank)."""
    if isinstance(full, str):
        return False
    seen: set[str] = set()
    for key in sorted(cells):
        xml = cells[key]
        if 't="shared"' not in xml:
            continue
        index = xml.split('si="')[1].split('"')[0]
        if "ref=" in xml and index not in seen:
            seen.add(index)
        elif index not in seen:
            return False
    (grid,) = full.values()
    return all(cell.formula != "=" for cell in grid.values() if cell.formula is not None)


@pytest.mark.parametrize("cells, read_fast", [
    (b'<c r="Z200"><f t="shared" ref="Z200:Z202" si="0">A1</f><v>1</v></c>', True),
    (b'<c r="Z200"><f t="shared" ref="Z200:Z202" si="0">"open</f><v>1</v></c>', False),
    (b'<c r="Z200"><f t="shared" ref="Y200:Z200" si="0">A1</f><v>1</v></c>'
     b'<c r="Y200"><f t="shared" si="0"/><v>1</v></c>', False)])
def test_shared_formulas_in_a_sheet_nobody_reads(template_dir, tmp_path, example_doc, cells,
                                                 read_fast):
    """openpyxl translates the shared formulas of every sheet, also of the
    記入要領 that the reader never looks at, and refuses the file where it
    cannot (a master its tokenizer refuses, a translation off the sheet): the
    fast path leaves such a file to openpyxl, and both give the same answer."""
    from filling import fill

    section = example_doc.sections[0]
    source = fill(template_dir / f"第1章第{section.number}節_{section.title}.xlsx",
                  tmp_path / "filled.xlsx", section)
    made = corpus.rewrite_zip(source, tmp_path / "made.xlsx", lambda n, d: d.replace(
        b"</sheetData>", b'<row r="200">' + cells + b"</row></sheetData>")
        if n == "xl/worksheets/sheet1.xml" else d)
    assert b"Z200" in inspect(made).parts["xl/worksheets/sheet1.xml"]
    assert readings(made)[0] == ("fast" if read_fast else "openpyxl")
    assert outcome(made, FAST) == outcome(made, FULL)
    assert (outcome(made, FULL)[0] == "error") != read_fast

