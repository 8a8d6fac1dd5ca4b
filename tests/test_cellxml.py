"""cellxml reads cell values from a sheet's XML exactly as python-calamine
gives them (the fast path's values before it), or says it is not sure and
calamine reads the sheet.  Checked cell by cell against calamine on generated
sheets (every cell form, hostile text, numbers, dates, number formats) and on
hand-written hostile cells."""

from pathlib import Path

import pytest
from cellgen import NUMBER, shared_sheet, sheet_cells, written
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onesheet import FORMATS, MAIN, styles_xml

from sheetkit import cellxml
from sheetkit.fastgrid import FastSheets, Unsupported
from sheetkit.guard import default_limits, inspect


def grids(path: Path):
    """The sheet as the fast path reads it (from the XML where it is sure) and
    as calamine alone reads it (the member names withheld: nothing is sure)."""
    inspection = inspect(path)
    limits = default_limits()
    mine = FastSheets(path, limits, inspection.parts, inspection.data, inspection.referenced,
                      inspection.names)
    theirs = FastSheets(path, limits, inspection.parts, inspection.data, inspection.referenced)
    return mine, theirs


def read(sheets: FastSheets, width: int) -> list:
    """Every cell of every sheet (a box past the last one), with its value's
    type and its number format as number_format gives it (the cell's own,
    looked up apart); "unsupported" where calamine fails (then openpyxl decides)."""
    try:
        found: list = [list(sheets)]
        for name in sheets:
            grid = sheets[name]
            found += [grid.max_row, sorted(grid.cells)]
            cells = [(grid.number_format(row, col), grid.get(row, col), type(grid.value(row, col)))
                     for row in range(-1, grid.max_row + 3) for col in range(-1, width + 1)]
            assert all(shown == cell.num_format for shown, cell, _ in cells)
            found += cells
        sheets.read_rest()
    except Unsupported:
        return ["unsupported"]
    return found


def same_grid(path: Path, width: int = 6) -> bool:
    """Cell by cell, type by type: both readings give the same sheet.  True
    where the fast one took its values from the XML, without calamine."""
    mine, theirs = grids(path)
    assert read(mine, width) == read(theirs, width)
    return mine._calamine._workbook is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(cells=sheet_cells())
def test_generated_sheets_read_as_calamine_reads_them(tmp_path, cells):
    same_grid(written(tmp_path, cells))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(number=NUMBER, style=st.integers(0, len(FORMATS) - 1))
def test_numbers_and_dates_read_as_calamine_reads_them(tmp_path, number, style):
    same_grid(written(tmp_path, {(0, 0): f'<c r="A1" s="{style}"><v>{number}</v></c>'}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(code=st.lists(st.sampled_from(list('dmhysDMHYSaApP/[]"\\_*;0#.,E+ -:ge@') + ["AM/PM"]),
                     max_size=10).map("".join))
def test_a_number_format_is_a_date_when_calamine_says_so(tmp_path, code):
    """detect_format is calamine's rule: the value of 45000.5 under any format
    code is what calamine gives (a datetime, a duration or the number)."""
    formats = [None, code] if code else [None]
    path = written(tmp_path, {(0, 0): '<c r="A1" s="1"><v>45000.5</v></c>',
                              (0, 1): '<c r="B1" s="1"><v>45000</v></c>'}, formats=formats)
    same_grid(path)


PLAIN = {
    "text": '<c r="A1" t="inlineStr"><is><t>  a &amp; b  </t></is></c>',
    "preserved": '<c r="A1" t="inlineStr"><is><t xml:space="preserve">  a  </t></is></c>',
    "entities": '<c r="A1" t="inlineStr"><is><t>&#12354;&#x3042;&lt;&gt;&quot;&apos;</t></is></c>',
    "blank": '<c r="A1" t="inlineStr"><is><t>\u3000 \u00a0</t></is></c>',
    "empty": '<c r="A1" t="inlineStr"><is><t></t></is></c>',
    "number": '<c r="A1" s="0" t="n"><v>-0</v></c>',
    "huge": '<c r="A1"><v>1E+300</v></c>',
    "percent": '<c r="A1" s="8"><v>0.917</v></c>',
    "date": '<c r="A1" s="9"><v>43819</v></c>',
    "datetime": '<c r="A1" s="9"><v>43819.5</v></c>',
    "leap day": '<c r="A1" s="2"><v>61</v></c>',
    "text result": '<c r="A1" t="str"><f>"x"</f><v> x </v></c>',
    "formula": '<c r="A1" s="1"><f>1+1</f><v>2</v></c>',
    "formula, no result": '<c r="A1" s="1"><f>1+1</f><v/></c>',
    "filled-down formula": ('<c r="A1" s="1"><f t="shared" ref="A1:B1" si="0">1+1</f><v>2</v>'
                            '</c><c r="B1" s="2"><f t="shared" si="0"/><v>45000.5</v></c>'),
    "filled-down text result": ('<c r="A1" t="str"><f t="shared" ref="A1:B1" si="0">"x"</f>'
                                '<v> x </v></c><c r="B1" t="str"><f t="shared" si="0"/>'
                                '<v> y </v></c>'),
    "raw >": '<c r="A1" t="inlineStr"><is><t>a>b</t></is></c>',
    "underscore": '<c r="A1" t="inlineStr"><is><t>layout_version</t></is></c>',
    "line ends": '<c r="A1" t="inlineStr"><is><t>a\r\nb\rc&#13;</t></is></c>',
    "result line ends": '<c r="A1" t="str"><f>"x"</f><v>a\r\nb\rc&#13;</v></c>',
}
# workbooks as LibreOffice writes them: 1900 dates said outright
NOT_1904 = ['<workbookPr date1904="false"/>', '<workbookPr backupFile="false" date1904="0"/>']


@pytest.mark.parametrize("workbook_pr", NOT_1904)
def test_a_workbook_said_not_1904_is_read_from_the_xml(tmp_path, workbook_pr):
    cells = {(0, 0): PLAIN["date"], (1, 0): PLAIN["leap day"].replace("A1", "A2")}
    assert same_grid(written(tmp_path, cells, workbook_pr=workbook_pr))


@pytest.mark.parametrize("name", PLAIN)
def test_plain_cells_are_read_from_the_xml(tmp_path, name):
    assert same_grid(written(tmp_path, {(0, 0): PLAIN[name], (2, 1): '<c r="B3"><v>7</v></c>'}))


NOT_SURE = {
    "shared index out of range": ('<c r="A1" t="s"><v>1</v></c>', {"shared": "<si><t>x</t></si>"}),
    "shared index spaced": ('<c r="A1" t="s"><v> 0</v></c>', {"shared": "<si><t>x</t></si>"}),
    "shared index signed": ('<c r="A1" t="s"><v>-0</v></c>', {"shared": "<si><t>x</t></si>"}),
    "shared index empty": ('<c r="A1" t="s"><v></v></c>', {"shared": "<si><t>x</t></si>"}),
    "shared string formula": ('<c r="A1" t="s"><f>A2</f><v>0</v></c>',
                              {"shared": "<si><t>x</t></si>"}),
    "shared excel escape": ('<c r="A1" t="s"><v>0</v></c>', {"shared": "<si><t>a_x000D_b</t></si>"}),
    "shared strings spaced": ('<c r="A1"><v>1</v></c>', {"shared": "<si><t>x</t></si>\n"}),
    "shared empty item": ('<c r="A1" t="s"><v>1</v></c>',
                          {"shared": "<si><t>x</t></si><si/><si><t>y</t></si>"}),
    "shared prefixed item": ('<c r="A1" t="s"><v>1</v></c>', {"shared": (
        '<si><t>x</t></si><x:si xmlns:x="' + MAIN + '"><x:t>z</x:t></x:si><si><t>y</t></si>')}),
    "shared two texts": ('<c r="A1" t="s"><v>0</v></c>', {"shared": "<si><t>x</t><t>y</t></si>"}),
    "shared other attribute": ('<c r="A1" t="s"><v>0</v></c>',
                               {"shared": '<si><t xml:lang="ja">x</t></si>'}),
    "1904": ('<c r="A1" s="9"><v>43819</v></c>', {"workbook_pr": '<workbookPr date1904="1"/>'}),
    "1904 said true": ('<c r="A1" s="9"><v>43819</v></c>',
                       {"workbook_pr": '<workbookPr date1904="true"/>'}),
    "boolean": ('<c r="A1" t="b"><v>1</v></c>', {}),
    "iso date": ('<c r="A1" t="d"><v>2024-01-02</v></c>', {}),
    "rich text": ('<c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c>', {}),
    "spaced number": ('<c r="A1"><v> 1</v></c>', {}),
    "excel escape": ('<c r="A1" t="inlineStr"><is><t>a_x000D_b</t></is></c>', {}),
    "escape by reference": ('<c r="A1" t="inlineStr"><is><t>a&#95;x000D_b</t></is></c>', {}),
    "duration": ('<c r="A1" s="4"><v>1.5</v></c>', {}),
    "time of day": ('<c r="A1" s="2"><v>0.5</v></c>', {}),
    "date past 9999": ('<c r="A1" s="2"><v>3000000</v></c>', {}),
    "far before any date": ('<c r="A1" s="2"><v>-1E+300</v></c>', {}),   # calamine panics
    "written twice": ('<c r="A1"><v>1</v></c><c r="A1" t="inlineStr"><is><t/></is></c>', {}),
}


# shared strings as Excel and LibreOffice write them, and forms built to confuse
SHARED = {
    "plain": "<si><t>  a &amp; b  </t></si>",
    "preserved": '<si><t xml:space="preserve">  a  </t></si>',
    "entities": "<si><t>&#12354;&#x3042;&lt;&gt;&quot;&apos;</t></si>",
    "empty": "<si><t/></si>",
    "empty pair": "<si><t></t></si>",
    "spaces only": "<si><t>  </t></si>",
    "preserved spaces only": '<si><t xml:space="preserve">  </t></si>',
    "line ends": "<si><t>a\r\nb\rc&#13;</t></si>",
    "rich": ('<si><r><t> x </t></r><r><rPr><b/><sz val="11"/><rFont val="MS P&#12468;"/></rPr>'
             '<t xml:space="preserve"> y </t></r><r><t/></r></si>'),
    "phonetic": ('<si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh>'
                 '<phoneticPr fontId="1" type="noConversion"/></si>'),
    "rich phonetic": ('<si><r><rPr><b/></rPr><t>東</t></r><r><t>京</t></r><rPh sb="0" eb="1">'
                      '<t>トウ</t></rPh><phoneticPr fontId="1"/></si>'),
    "underscore": "<si><t>layout_version</t></si>",
}


@pytest.mark.parametrize("name", SHARED)
def test_shared_strings_are_read_from_the_xml(tmp_path, name):
    cells = {(0, 0): '<c r="A1" t="s"><v>1</v></c>', (1, 1): '<c r="B2" s="3" t="s"><v>01</v></c>',
             (2, 0): '<c r="A3" t="s"/>', (3, 2): PLAIN["text"].replace("A1", "C4")}
    assert same_grid(written(tmp_path, cells, shared=f"<si><t>x</t></si>{SHARED[name]}"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(sheet=shared_sheet())
def test_generated_shared_strings_read_as_calamine_reads_them(tmp_path, sheet):
    cells, shared = sheet
    same_grid(written(tmp_path, cells, shared=shared))


@pytest.mark.parametrize("name", NOT_SURE)
def test_what_the_scan_is_not_sure_of_calamine_reads(tmp_path, name):
    xml, options = NOT_SURE[name]
    assert not same_grid(written(tmp_path, {(0, 0): xml}, **options))


@pytest.mark.parametrize("xml", ['<c r="A1" t="e"><v>#DIV/0!</v></c>',
                                 '<c r="A1" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
                                 "<c r=\"A1\" t='e'><v>#N/A</v></c>"])
def test_an_error_value_leaves_the_sheet_to_openpyxl(tmp_path, xml):
    """calamine gives an error value (#DIV/0!, #N/A …) as no value, openpyxl
    as its text: a sheet that may hold one is read by openpyxl."""
    mine, theirs = grids(written(tmp_path, {(0, 0): xml}))
    assert read(mine, 6) == read(theirs, 6) == ["unsupported"]


def test_shared_strings_written_otherwise_leave_the_workbook_to_calamine(tmp_path):
    """calamine reads every item when it opens the workbook: where the part
    is not plainly a list of items, no sheet's values come from the XML."""
    path = written(tmp_path, {(0, 0): PLAIN["text"]}, shared="<si><t>x</t></si>\n")
    mine, _ = grids(path)
    mine["S & 1"].value(0, 0)
    mine.read_rest()
    assert not mine._checked and mine._calamine._workbook is not None


def test_an_unread_sheet_is_checked_without_calamine(tmp_path):
    """read_rest passes over a sheet whose every cell the scan is sure of,
    and has calamine read one it is not (a damaged value is then found)."""
    path = written(tmp_path, {(0, 0): PLAIN["text"], (1, 0): PLAIN["date"].replace('A1', 'A2')})
    mine, _ = grids(path)
    mine.read_rest()
    assert mine._calamine._workbook is None
    bad = written(tmp_path, {(0, 0): '<c r="A1" t="n"><v>abc</v></c>'})
    with pytest.raises(Unsupported):
        grids(bad)[0].read_rest()


def test_number_kinds_follow_calamines_rules():
    assert cellxml.detect_format("yyyy-mm-dd") == cellxml.DATETIME
    assert cellxml.detect_format("[h]:mm:ss") == cellxml.TIMEDELTA
    assert cellxml.detect_format('0"人"') == cellxml.OTHER
    assert cellxml.detect_format("#,##0*y") == cellxml.OTHER
    assert cellxml.number_kinds(styles_xml(FORMATS).encode())[:5] == (
        cellxml.OTHER, cellxml.OTHER, cellxml.DATETIME, cellxml.DATETIME, cellxml.TIMEDELTA)


def test_a_files_sheets_are_freed_when_it_is_done(tmp_path):
    """A grid reads through the calamine holder, not through the sheets that
    hold it: no reference cycle, so a file's sheets, parts and grids are freed
    by their reference counts (the cyclic GC walked them, ~270 objects a file)."""
    import gc
    import weakref

    path = written(tmp_path, {(0, 0): PLAIN["text"], (1, 0): '<c r="A2" t="b"><v>1</v></c>'})
    was = gc.isenabled()
    gc.disable()
    try:
        both = list(grids(path))            # from the XML, and from calamine
        while both:
            sheets = both.pop()
            sheets["S & 1"].value(0, 0)
            sheets.read_rest()
            gone = weakref.ref(sheets)
            del sheets
            assert gone() is None
    finally:
        if was:
            gc.enable()


def sheet_xml(cells: str, declare: str = "") -> bytes:
    return (f'<worksheet xmlns="{MAIN}"{declare}><sheetData><row r="1">{cells}</row>'
            '</sheetData></worksheet>').encode()


def test_a_cell_written_with_a_prefix_is_told_apart():
    """A cell written <x:c is the scan's to decide (read_sheet says odd),
    wherever a colon stands in the sheet's text; a colon alone is no prefix."""
    plain = '<c r="A1" t="inlineStr"><is><t>a:b</t></is></c><c r="B1"><f>SUM(C1:C2)</f><v>1</v></c>'
    prefixed = '<x:c r="C1" t="inlineStr"><x:is><x:t>c</x:t></x:is></x:c>'
    declare = f' xmlns:x="{MAIN}"'
    assert not cellxml.read_sheet(sheet_xml(plain), ()).odd
    assert not cellxml.read_sheet(sheet_xml(plain.replace(":", "")), ()).odd
    assert cellxml.read_sheet(sheet_xml(plain + prefixed, declare), ()).odd
    assert cellxml.read_sheet(sheet_xml(prefixed + plain, declare), ()).odd
    assert cellxml.read_sheet(sheet_xml(prefixed, declare), ()).odd


def test_cell_references_are_read_once_and_remembered_within_a_bound():
    """A reference read backwards -> (row, col); what is remembered is bounded
    (a hostile sheet may write a million distinct references)."""
    keys = cellxml._key.__self__
    assert cellxml._key(b"01A") == (9, 0)
    assert cellxml._key(b"1ZZZ") == (0, 18277)
    assert cellxml._key(b"6758401DFX") == (1048575, 16383)
    for row in range(cellxml._KNOWN + 10):
        cellxml._key(str(row + 1).encode()[::-1] + b"B")
    assert len(keys) <= cellxml._KNOWN
    assert cellxml._key(str(cellxml._KNOWN + 5).encode()[::-1] + b"B") == (cellxml._KNOWN + 4, 1)
    # read forwards (outline's), the same keys, remembered within the same bound
    forward = cellxml._forward_key.__self__
    assert cellxml._forward_key(b"A10") == (9, 0)
    assert cellxml._forward_key(b"XFD1048576") == (1048575, 16383)
    for row in range(cellxml._KNOWN + 10):
        assert cellxml._forward_key(b"B" + str(row + 1).encode()) == (row, 1)
    assert len(forward) <= cellxml._KNOWN
