"""Sheets generated cell by cell, every cell form the readers must tell apart
(hypothesis strategies), written into a one-sheet workbook (onesheet)."""

from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import strategies as st
from onesheet import FORMATS, workbook_bytes


def ref(row: int, col: int) -> str:
    return f"{chr(65 + col)}{row + 1}"


def written(tmp_path: Path, cells: dict[tuple[int, int], str], **options) -> Path:
    path = tmp_path / "cells.xlsx"
    path.write_bytes(workbook_bytes(cells, **options))
    return path


# text a department might type, and text built to confuse a reader
TEXT = st.lists(st.sampled_from(list("aAx_ 　\t\n\r0-9.&<>\"'") + [
    "\u00a0", "あ", "漢", "😀", "\u2028", "\x85", "_x000D_", "_x0041_"]), max_size=12).map("".join)


@st.composite
def inline_cell(draw, at: str, style: str) -> str:
    text = draw(TEXT)
    chars = []
    for char in text:
        how = draw(st.sampled_from(["plain", "plain", "decimal", "hex"]))
        if char == "\r" and how == "plain":
            how = "decimal"
        chars.append(escape(char) if how == "plain" else
                     f"&#{ord(char)};" if how == "decimal" else f"&#x{ord(char):X};")
    space = ' xml:space="preserve"' if draw(st.booleans()) else ""
    return f'<c r="{at}"{style} t="inlineStr"><is><t{space}>{"".join(chars)}</t></is></c>'


NUMBER = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-10**20, 10**20).map(str),
    st.floats(0, 3_000_000, allow_nan=False).map(lambda v: f"{v:.6f}"),
    st.integers(0, 3_000_000).map(str),
    st.sampled_from(["-0", "0", "1E+300", "1e-5", "1.5E3", "60", "59", "61", "1", "0.5",
                     "2958465", "2958466", "45000.25", "45000.999999", "12345678901234567890"]))


@st.composite
def cell(draw, at: str) -> str:
    style = draw(st.sampled_from(["", *(f' s="{i}"' for i in range(len(FORMATS) + 2))]))
    kind = draw(st.sampled_from(["inline", "inline", "number", "number", "formula", "string",
                                 "empty", "odd"]))
    if kind == "inline":
        return draw(inline_cell(at, style))
    if kind == "number":
        typed = draw(st.sampled_from(["", ' t="n"']))
        return f'<c r="{at}"{style}{typed}><v>{draw(NUMBER)}</v></c>'
    if kind == "formula":
        value = draw(st.sampled_from(["<v/>", "<v />", "<v></v>", f"<v>{draw(NUMBER)}</v>", ""]))
        # a cell of the group whose first cell is G1 (SHARED_MASTER), in a later row
        formula = draw(st.sampled_from(["<f>SUM(A1:A2)&gt;0</f>", '<f aca="false">A1</f>',
                                        '<f aca="false" />'] + (
            ['<f t="shared" si="9"/>', '<f t="shared" si="9"></f>'] if at[1:] != "1" else [])))
        return f'<c r="{at}"{style}>{formula}{value}</c>'
    if kind == "string":
        return (f'<c r="{at}"{style} t="str"><f>"a"&amp;B1</f>'
                f'<v>{escape(draw(TEXT)).replace(chr(13), "&#13;")}</v></c>')
    if kind == "empty":
        return draw(st.sampled_from([f'<c r="{at}"{style}/>', f'<c r="{at}"{style} t="n" />',
                                     f'<c r="{at}"{style}></c>']))
    return draw(st.sampled_from([       # forms the scan leaves to calamine
        f'<c r="{at}"{style} t="b"><v>1</v></c>', f'<c r="{at}"{style} t="e"><v>#N/A</v></c>',
        f'<c r="{at}"{style} t="inlineStr"><is><r><t>a</t></r><r><t> b</t></r></is></c>',
        f'<c r="{at}"{style}><v> 12</v></c>', f'<c r="{at}"{style}><v>1.</v></c>',
        f'<c r="{at}"{style} t="d"><v>2024-01-02T03:04:05</v></c>',
        f'<c r="{at}"{style} t="inlineStr"><is><t>a</t><rPh sb="0" eb="1"><t>ア</t></rPh></is></c>',
        f'<c r="{at}"{style} t="inlineStr"><is><t>x&gt;y</t></is></c>']))


# the first cell of a group of shared formulas (a formula filled down)
SHARED_MASTER = '<c r="G1"><f t="shared" ref="G1:G8" si="9">$A$1*2</f><v>4</v></c>'


@st.composite
def sheet_cells(draw) -> dict[tuple[int, int], str]:
    places = draw(st.sets(st.tuples(st.integers(0, 7), st.integers(0, 5)), max_size=14))
    return {(row, col): draw(cell(ref(row, col))) for row, col in places} | {
        (0, 6): SHARED_MASTER}


RUN_PROPERTIES = ["", "<rPr><b/></rPr>", '<rPr><sz val="11"/><rFont val="Calibri"/></rPr>']


@st.composite
def shared_item(draw) -> str:
    """A <si> in any form SHARED has, with generated text."""
    def t() -> str:
        text = draw(TEXT)
        how = draw(st.sampled_from(["plain", "plain", "decimal"]))
        written = "".join(escape(c) if how == "plain" and c != "\r" else f"&#{ord(c)};"
                          for c in text)
        if not written and draw(st.booleans()):
            return "<t/>"
        space = ' xml:space="preserve"' if draw(st.booleans()) else ""
        return f"<t{space}>{written}</t>"
    runs = draw(st.integers(0, 3))
    shown = t() if runs == 0 else "".join(
        f"<r>{draw(st.sampled_from(RUN_PROPERTIES))}{t()}</r>" for _ in range(runs))
    phonetic = draw(st.sampled_from(["", '<phoneticPr fontId="1"/>',
                                     '<rPh sb="0" eb="1"><t>ア</t></rPh><phoneticPr fontId="1"/>']))
    return f"<si>{shown}{phonetic}</si>"


@st.composite
def shared_sheet(draw) -> tuple[dict[tuple[int, int], str], str]:
    items = draw(st.lists(shared_item(), min_size=1, max_size=8))
    places = draw(st.sets(st.tuples(st.integers(0, 7), st.integers(0, 5)), max_size=14))
    odd = draw(st.integers(0, 3)) == 0          # mostly sheets the scan is sure of
    index = st.integers(0, len(items) - 1).map(str)
    if odd:
        index = st.one_of(index, st.sampled_from(["00", "01", str(len(items)), " 0", ""]))
    cells = {}
    for row, col in places:
        at = ref(row, col)
        if draw(st.integers(0, 2)):
            cells[row, col] = f'<c r="{at}" t="s"><v>{draw(index)}</v></c>'
        else:
            cells[row, col] = draw(cell(at) if odd else inline_cell(at, ""))
    return cells, "".join(items)
