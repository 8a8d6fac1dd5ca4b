"""The fast read path (python-calamine + zip parts) and the full one (openpyxl)
give the same document and the same findings, on every workbook the tests make."""

import io
import re
import shutil
import zipfile

import corpus
import pytest
from damage import damage_steps, mutate
from edits import MUTATIONS, edit
from filldown import filled_down
from filling import fill
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from outcomes import outcome
from resave import resave_with_libreoffice

from sheetkit.grid import FAST, FULL, read_book
from sheetkit.problems import SheetkitError
from sheetkit.subjects import read_subject
from sheetkit.validate import validate_subjects


@pytest.fixture(scope="module")
def workbooks(summary_path, template_dir, example_doc, tmp_path_factory):
    """Every kind of workbook: generated, blank, filled, edited, re-saved, hostile."""
    folder = tmp_path_factory.mktemp("paths")
    books = [summary_path, *sorted(template_dir.iterdir())]
    filled = []
    for section in example_doc.sections:
        source = template_dir / f"第1章第{section.number}節_{section.title}.xlsx"
        filled.append(fill(source, folder / f"filled{section.number}.xlsx", section,
                           extra_rows=2, date_as_text=section.number == 2,
                           numbers_as_text=section.number == 3,
                           typed_rate=("自治会・町内会への加入率", 0.9) if section.number == 1
                           else None))
    books += filled
    # as Excel saves them once their formulas were filled down (shared formulas)
    down = [filled_down(path, folder / f"down-{path.name}") for path in (summary_path, *filled)]
    books += down
    books += [edit(filled[0], folder / f"edit-{code}.xlsx", change)
              for code, change in MUTATIONS.items()]
    books += list(corpus.build(folder / "bad", filled[0]).values())
    if shutil.which("soffice"):
        books += resave_with_libreoffice([summary_path, *filled, down[1]], folder)
    return books


def test_same_documents(workbooks):
    assert len(workbooks) > 40
    for path in workbooks:
        assert outcome(path, FAST) == outcome(path, FULL), path.name


def test_same_findings(workbooks):
    fast = validate_subjects([read_subject(p, FAST) for p in workbooks])
    full = validate_subjects([read_subject(p, FULL) for p in workbooks])
    assert fast == full
    assert sum(len(f.findings) for f in fast.files) > 50


def test_a_lone_shared_formula_reads_as_on_the_openpyxl_path(workbooks, tmp_path):
    source = next(p for p in workbooks if p.name == "filled1.xlsx")
    shared = corpus.rewrite_zip(source, tmp_path / "shared.xlsx", lambda n, d: d.replace(
        b'<f>IFERROR(IF(OR(F6="",F7=""),"",MIN(1,F7/F6)),"")</f>',
        b'<f t="shared" ref="G6" si="0">IFERROR(IF(OR(F6="",F7=""),"",MIN(1,F7/F6)),"")</f>')
        if n.endswith("sheet3.xml") else d)
    assert shared.read_bytes() != source.read_bytes()
    assert outcome(shared, FAST) == outcome(shared, FULL)


@pytest.mark.parametrize("cell", [
    b'<c r="I5"\\1 t="e"><f>I4/0</f><v>#DIV/0!</v></c>', b'<c r="I5"\\1 t="e"><v>#N/A</v></c>',
    b"<c r=\"I5\"\\1 t='e'><v>#N/A</v></c>", b'<c r="I5"\\1 t="&#101;"><v>#REF!</v></c>'])
def test_an_error_value_in_an_input_reads_as_on_the_openpyxl_path(workbooks, tmp_path, cell):
    """A formula typed into a 実績値 that gives #DIV/0!, or #N/A typed there: calamine
    gives no value (missing-value), openpyxl the error's text (not a number): the
    fast path leaves a sheet that may hold one to openpyxl."""
    source = next(p for p in workbooks if p.name == "filled1.xlsx")
    changed = []

    def typed(name: str, data: bytes) -> bytes:
        if b"MIN(1," not in data:                      # the 目標指標 sheet: its 達成率
            return data
        new = re.sub(rb'<c r="I5"( s="[0-9]+")(?: t="n")?><v>[^<]*</v></c>', cell, data)
        changed.append(new != data)
        return new

    path = corpus.rewrite_zip(source, tmp_path / "error.xlsx", typed)
    assert changed == [True]
    full = outcome(path, FULL)
    assert outcome(path, FAST) == full
    assert full[0] != "error"


def test_filled_down_formulas_are_read_by_the_fast_path_itself(workbooks):
    """A return saved by Excel after its formulas were filled down holds shared
    formulas (the 達成率 of each indicator, the 提出前チェック's links): the fast
    path reads it itself, values from the XML (no calamine, no openpyxl), each
    cell's formula the text openpyxl gives (translated from its group's first
    cell), which is the formula the template wrote there."""
    from sheetkit.fastgrid import FastSheets
    from sheetkit.guard import default_limits, inspect

    down = [p for p in workbooks if p.name.startswith("down-") and p.parent.name != "resaved"]
    sources = {p.name: p for p in workbooks if p.parent.name != "resaved"}
    assert len(down) == 6
    for path in down:
        inspection = inspect(path)
        assert sum(data.count(b'<f t="shared" si=') for name, data in inspection.parts.items()
                   if name.startswith("xl/worksheets/")) > 2, path.name
        fast = FastSheets(path, default_limits(), inspection.parts, inspection.data,
                          inspection.referenced, inspection.names)
        full = read_book(path, engine=FULL).grids
        before = read_book(sources[path.name.removeprefix("down-")], engine=FULL).grids
        for name in full:
            assert fast[name].cells == full[name].cells == before[name].cells, (path.name, name)
        fast.read_rest()
        assert fast._calamine._workbook is None, path.name


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=damage_steps())
def test_same_answer_for_damaged_files(workbooks, tmp_path, steps):
    source = next(p for p in workbooks if p.name == "filled1.xlsx")
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(mutate(source.read_bytes(), steps))
    fast, full = outcome(path, FAST), outcome(path, FULL)
    if fast[0] == "error" or full[0] == "error":
        # Both refuse, though a parser may name the damage differently.
        assert fast[0] == full[0] == "error", (fast, full)
    else:
        assert fast == full


def test_the_fast_path_reads_ordinary_files_itself(workbooks):
    """The fallback gives the same answers, so check it is not silently taken:
    the fast path itself (no Unsupported) gives the openpyxl path's cells."""
    from sheetkit.fastgrid import FastSheets
    from sheetkit.guard import default_limits, inspect

    ordinary = [p for p in workbooks if p.suffix == ".xlsx" and "bad" not in p.parts]
    assert len(ordinary) > 20
    from_xml = 0          # files whose values all came from the XML (cellxml), not calamine
    for path in ordinary:
        inspection = inspect(path)
        fast = FastSheets(path, default_limits(), inspection.parts, inspection.data,
                          inspection.referenced, inspection.names)
        assert inspection.referenced, path.name
        full = read_book(path, engine=FULL).grids
        assert list(fast) == list(full), path.name
        for name in fast:
            assert fast[name].cells == full[name].cells, (path.name, name)
            assert fast[name].max_row == full[name].max_row, (path.name, name)
        assert sum(len(fast[name].cells) for name in fast) > 100, path.name
        from_xml += fast._calamine._workbook is None
    print("values from the XML in", from_xml, "of", len(ordinary))
    assert from_xml > 10


def test_returns_resaved_by_libreoffice_are_read_without_calamine(workbooks):
    """LibreOffice writes every text as a shared string (and some as rich-text
    runs): the scan reads them from xl/sharedStrings.xml, each value and its
    type as calamine gives it, and calamine is never opened."""
    from sheetkit.fastgrid import FastSheets
    from sheetkit.guard import default_limits, inspect

    resaved = [p for p in workbooks if p.parent.name == "resaved"]
    if not resaved:
        pytest.skip("LibreOffice (soffice) is not installed")
    for path in resaved:
        inspection = inspect(path)
        assert "xl/sharedStrings.xml" in inspection.names, path.name
        mine, theirs = (FastSheets(path, default_limits(), inspection.parts, inspection.data,
                                   inspection.referenced, names)
                        for names in (inspection.names, None))    # no names: calamine's values
        assert list(mine) == list(theirs), path.name
        for name in theirs:
            assert mine[name].cells == theirs[name].cells, (path.name, name)
            assert {key: (type(value), value) for key, value in mine[name].values().items()} == \
                {key: (type(value), value) for key, value in theirs[name].values().items()}
        mine.read_rest()
        assert mine._calamine._workbook is None, path.name
        assert theirs._calamine._workbook is not None, path.name


def test_holds_formula_answers_as_the_cells_do(workbooks):
    """Grid.holds_formula (the 提出前チェック check, made without the formula's
    text) says what get(...).is_formula says, on both read paths, for every
    cell of every sheet of every workbook, empty ones and one past the edge."""
    checked = 0
    for path in workbooks:
        try:
            books = [read_book(path, engine=engine) for engine in (FAST, FULL)]
        except Exception:  # noqa: BLE001 - refused or sent to openpyxl: not a grid to check
            continue
        for book in books:
            for grid in book.grids.values():
                width = max((c for _, c in grid.cells), default=0) + 2
                for row in range(grid.max_row + 2):
                    for col in range(width):
                        assert grid.holds_formula(row, col) == grid.get(row, col).is_formula, \
                            (path.name, grid.name, row, col)
                        checked += grid.holds_formula(row, col)
    assert checked > 100


_FORMULA_PATTERN = re.compile(rb"\s*<f(\s[^>]*)?(?:/>|>(.*?)</f>)", re.DOTALL)
_CLOSED_FORMULA = re.compile(rb"\s*<f(\s[^>]*)/>")


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from([b" ", b"\n", b"<f", b"<f ", b"/", b">", b"/>", b"</f>", b"<",
                                 b"f", b"a", b'"', b"=", b"<c "]), max_size=12), st.integers(0, 3))
def test_a_formulas_text_is_found_as_the_pattern_finds_it(pieces, at):
    """fastgrid._formula_at finds the formula element with bytes.find; it gives
    what the lazy pattern it replaced gives, on any tag soup, but for a start
    tag that closes itself, its quotes paired (<f a="1"/>, a filled-down
    formula's <f t="shared" si="0"/>): an empty formula, as XML reads it, where
    the pattern ran on to the next formula's end tag and took what lay between."""
    from sheetkit.fastgrid import _formula_at

    data = b"".join(pieces)
    closed = _CLOSED_FORMULA.match(data, at)
    found = _FORMULA_PATTERN.match(data, at)
    assert _formula_at(data, at) == (
        (closed.group(1), b"") if closed is not None and not closed.group(1).count(b'"') % 2
        else None if found is None else (found.group(1), found.group(2) or b""))


# Sheets written otherwise than the writer writes them, for the guard's quick counts
VARIANTS = {"prefixed-cells": lambda d: d.replace(b'<c r="', b'<c s="0" r="', 3),
            "rich-text": lambda d: d.replace(b"<t>", b"<r><rPr><charset val=\"1\"/></rPr><t>", 1)
            .replace(b"</t>", b"</t></r>", 1),
            "far-cell": lambda d: d.replace(b'<c r="A1"', b'<c r="XFD1048576"', 1),
            "cell-outside": lambda d: d.replace(b"</sheetData>", b'</sheetData><c r="B2"/>'),
            "row-far-down": lambda d: d.replace(b'<row r="1"', b'<row r="4000"', 1),
            "three-letters": lambda d: d.replace(b'<c r="A1"', b'<c r="AAA1"', 1),
            "row-zero": lambda d: d.replace(b'<c r="A1"', b'<c r="A0"', 1),
            "row-unnumbered": lambda d: d.replace(b'<row r="2"', b"<row", 1),
            "merge-in-data": lambda d: d.replace(b"</row>", b'<mergeCell ref="A1:B2"/></row>', 1),
            "merge-tab": lambda d: d.replace(b'<mergeCell ref="', b'<mergeCell\tref="', 1),
            "merge-far": lambda d: d.replace(b'<mergeCell ref="', b'<mergeCell ref="A1:XFD9" x="', 1),
            "dimension-after": lambda d: d.replace(b"</worksheet>", b'<dimension ref="B2"/></worksheet>'),
            "comment": lambda d: d.replace(b"<sheetData>", b'<!-- <c r="A1"/> --><sheetData>', 1),
            "instruction": lambda d: d.replace(b"<sheetData>", b"<?x <c r=\"A1\"/> ?><sheetData>", 1)}


def small_parts(workbooks):
    """Each workbook that zipfile reads, with its parts (not the zip bomb's or a
    million rows')."""
    for path in workbooks:
        try:
            archive = zipfile.ZipFile(path)
            parts = {m.filename: archive.read(m) for m in archive.infolist()
                     if m.file_size < 1 << 21}
        except (zipfile.BadZipFile, OSError, ValueError):
            continue
        if len(parts) == len(archive.infolist()):
            yield path, parts


def test_the_guards_quick_census_counts_what_its_scan_counts(workbooks, tmp_path):
    """The guard counts a plain part from its text; element by element, expat
    counts the same on every part of every workbook (re-saved by LibreOffice
    and hostile ones too), and ordinary parts are counted the quick way."""
    from sheetkit.guard import _Census, _census_of_plain_part, _parser, _PartScan, default_limits

    quick = 0
    for path, parts in small_parts(workbooks):
        for variant, change in [("", None), *VARIANTS.items()]:
            fast, scanned = _Census(default_limits()), _Census(default_limits())
            for name, data in parts.items():
                if name == "[Content_Types].xml" or not name.endswith((".xml", ".rels")):
                    continue
                if change and name.startswith("xl/worksheets/"):
                    data = change(data)
                outcomes = []
                for census, quickly in ((fast, True), (scanned, False)):
                    if quickly and _census_of_plain_part(name, data, census):
                        quick += not variant
                        outcomes.append("ok")
                        continue
                    parser, scan = _parser(), _PartScan(name, census)
                    scan.attach(parser)
                    try:
                        parser.Parse(data, True)
                        scan.verdict()
                        outcomes.append("ok")
                    except Exception as error:  # noqa: BLE001 - compared, not raised
                        outcomes.append(type(error).__name__)
                assert outcomes[0] == outcomes[1], (path.name, variant, name)
                if outcomes[0] != "ok":
                    break
            assert fast == scanned, (path.name, variant)
    assert quick > 400          # every plain part of the ordinary workbooks


MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# ... and written to mislead a count from the text alone
MISLEADING = {
    "xmlns-in-text": lambda d: d.replace(b"<t>", b'<t>xmlns:m="' + MAIN + b'" xmlns="urn:x" ', 1),
    "inner-default": lambda d: d.replace(b"<sheetData>", b'<sheetData><x xmlns="urn:x"><c r="XFD1"/></x>', 1),
    "prefixed-main": lambda d: d.replace(b"</row>", b'<m:c xmlns:m="' + MAIN + b'" r="XFD9"/></row>', 1),
    "entity-in-uri": lambda d: d.replace(MAIN, MAIN.replace(b"/main", b"&#x2F;main"), 1),
    "second-sheetData": lambda d: d.replace(b"</worksheet>", b'<sheetData><row r="9"><c r="ZZZ9"/></row>'
                                            b"</sheetData></worksheet>"),
    "empty-sheetData-after": lambda d: d.replace(b"</worksheet>", b"<sheetData/></worksheet>"),
    "merge-with-end-tag": lambda d: d.replace(b"/></mergeCells>", b"></mergeCell></mergeCells>", 1),
    "merges-twice": lambda d: d.replace(b"</worksheet>", b'<mergeCells><mergeCell ref="A1:XFD1"/>'
                                        b"</mergeCells></worksheet>"),
    "name-in-sheet": lambda d: d.replace(b"</worksheet>", b'<definedNames><definedName name="x">A1'
                                         b"</definedName></definedNames></worksheet>"),
    "dimension-far": lambda d: d.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="', 1)}


def test_the_guards_bounds_hold_what_its_scan_counts(workbooks):
    """The guard's quick pass bounds what a plain part holds from its length and
    a few searches (_bounds) instead of counting it: on every part of every
    workbook and every variant, a part it bounds is one expat's element-by-element
    scan lets through (or refuses only for a limit the bounds pass too), with at
    most as many elements, cells and rows and at most the used area, and exactly
    the merged ranges, names and sheets; and a workbook whose parts the quick pass
    lets through (_proven) passes the exact checks (_checked) with the same parts,
    and one it does not, where unchanged, is one the exact checks refuse."""
    from sheetkit.guard import (
        _bounds,
        _Census,
        _checked,
        _directory,
        _Over,
        _parser,
        _PartScan,
        _proven,
        _Unzipped,
        default_limits,
    )

    limits = default_limits()
    proven = 0
    for path, parts in small_parts(workbooks):
        for variant, change in [("", None), *VARIANTS.items(), *MISLEADING.items()]:
            changed = {name: change(data) if change and name.startswith("xl/worksheets/")
                       else data for name, data in parts.items()}
            for name, data in changed.items():
                if name == "[Content_Types].xml" or not name.endswith((".xml", ".rels")):
                    continue
                bounds = _bounds(name, data, limits)
                census = _Census(limits)
                parser, scan = _parser(), _PartScan(name, census)
                scan.attach(parser)
                try:
                    parser.Parse(data, True)
                    scan.verdict()
                except Exception as error:  # noqa: BLE001 - compared, not raised
                    assert bounds is None or isinstance(error, _Over) and any(
                        bound > most for bound, most in zip(bounds, (
                            limits.max_elements, limits.max_cells, limits.max_rows,
                            limits.max_defined_names, limits.max_merged_ranges,
                            limits.max_merged_cells, limits.max_sheet_area))), (
                        path.name, variant, name)
                    continue
                if bounds is None:
                    continue
                area = (scan.bottom - scan.top + 1) * (scan.right - scan.left + 1) \
                    if scan.bottom else 0
                assert (bounds.elements >= census.elements and bounds.cells >= census.cells
                        and bounds.rows >= scan.rows and bounds.area >= area), (path.name, variant, name)
                assert (bounds.names, bounds.merged, bounds.merged_cells, bounds.sheet_data,
                        bounds.sheet_entries) == (census.names, census.merged, census.merged_cells,
                                                  census.sheet_data, census.sheet_entries), (
                    path.name, variant, name)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as rewritten:
                for name, data in changed.items():
                    rewritten.writestr(name, data)
            raw = out.getvalue()
            members = _directory(raw)
            assert members is not None
            sheets = {n for n in changed if n.startswith("xl/worksheets/") and n.endswith(".xml")}
            quick = _proven(_Unzipped(raw, members), members, sheets, limits)
            if quick is None and not variant:        # only where the exact checks refuse
                with pytest.raises(SheetkitError):
                    _checked(path, _Unzipped(raw, members), members, sheets, limits)
            if quick is not None:
                proven += not variant
                exact = _checked(path, _Unzipped(raw, members), members, sheets, limits)
                assert quick[:1] + quick[2:] == exact[:1] + exact[2:], (path.name, variant)
                assert {n for n in quick.referenced if n in sheets} >= \
                    {n for n in exact.referenced if n in sheets}, (path.name, variant)
    assert proven > 30


@pytest.mark.parametrize("old, new", [
    (b'pid="4"', b'pid="x"'),                                   # found by hypothesis
    (b"<vt:lpwstr>1</vt:lpwstr>", b"<vt:i4>x</vt:i4>"),
    (b'fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2"', b'pid="2"')])
def test_a_damaged_custom_property_does_not_make_the_sheets_unreadable(
        workbooks, tmp_path, old, new):
    """The custom document properties repeat the identity for Excel's
    「プロパティ」; neither path reads them, so both read the sheets as before."""
    source = next(p for p in workbooks if p.name == "filled1.xlsx")
    part = "docProps/custom.xml"
    assert old in zipfile.ZipFile(source).read(part)
    damaged = corpus.rewrite_zip(source, tmp_path / "damaged.xlsx", lambda n, d: d.replace(
        old, new, 1) if n == part else d)
    fast, full = outcome(damaged, FAST), outcome(damaged, FULL)
    assert fast[0] != "error" and fast == full == outcome(source, FULL)


@pytest.mark.parametrize("part, change, reason", [
    ("xl/theme/theme1.xml", lambda d: d[:-20], "damaged"),
    ("xl/theme/theme1.xml", lambda d: d.replace(b"?>", b'?><!DOCTYPE a [<!ENTITY e "x">]>', 1),
     "unsafe-xml"),
    ("xl/styles.xml", lambda d: d.replace(b'numFmtId="0"', b'numFmtId="-1"', 1), "damaged"),
    ("xl/styles.xml", lambda d: d.replace(b"</styleSheet>", b'<mergeCell ref="A1:XFD1048576"/>'
                                          b"</styleSheet>"), "merged"),
    ("xl/_rels/workbook.xml.rels", lambda d: d.replace(b"<Relationship ", b"<Relationship x ", 1),
     "damaged"),
    ("[Content_Types].xml", lambda d: d.replace(b"<Default ", b"<Default x ", 1), "damaged"),
    ("[Content_Types].xml", lambda d: d.replace(b"?>", b'?><!DOCTYPE a [<!ENTITY e "x">]>', 1),
     "unsafe-xml")])
def test_a_shared_part_is_remembered_only_by_its_whole_text(template_dir, tmp_path, part,
                                                             change, reason):
    """The guard remembers what it found in a part that a template's returns
    share (theme, styles, relationships); a return whose part differs in any
    byte is looked at afresh and refused as before, also right after intact
    returns in the same run."""
    from sheetkit.guard import inspect

    source = sorted(template_dir.glob("*.xlsx"))[0]
    inspect(source)
    inspect(source)                        # the intact parts, remembered
    changed = corpus.rewrite_zip(source, tmp_path / "changed.xlsx",
                                 lambda name, data: change(data) if name == part else data)
    assert zipfile.ZipFile(changed).read(part) != zipfile.ZipFile(source).read(part)
    with pytest.raises(SheetkitError) as refused:
        inspect(changed)
    assert [(p.code, p.params["reason"]) for p in refused.value.problems] == [
        ("unreadable-file", reason)]
    inspect(source)                        # and the intact one still passes


@pytest.mark.parametrize("part", ["[Content_Types].xml", "xl/theme/theme1.xml",
                                  "xl/workbook.xml"])
def test_a_remembered_part_still_counts_toward_the_workbooks_limits(template_dir, part):
    """A shared part is counted once a run, but what it holds adds up with the
    other parts' every time: the same census as its element-by-element scan,
    and past max_elements the same refusal, with the same count."""
    from sheetkit.guard import _Census, _check_xml, _parser, _PartScan, default_limits

    source = sorted(template_dir.glob("*.xlsx"))[0]
    data = zipfile.ZipFile(source).read(part)
    limits = default_limits()
    scanned = _Census(limits, elements=7)
    parser, scan = _parser(), _PartScan(part, scanned)
    scan.attach(parser)
    parser.Parse(data, True)
    for _ in range(2):                     # counted, then remembered
        census = _Census(limits, elements=7)
        _check_xml(source, part, data, census)
        assert census == scanned
        full = _Census(limits, elements=limits.max_elements - 2)
        with pytest.raises(SheetkitError) as refused:
            _check_xml(source, part, data, full)
        assert [p.params for p in refused.value.problems] == [
            {"reason": "too-large", "detail": f"{limits.max_elements + 1:,}", "what": "elements"}]


@pytest.mark.parametrize("part, old, new", [
    ("xl/styles.xml", b'numFmtId="0"', b'numFmtId="-1"'),
    ("docProps/core.xml", b"</dcterms:created>", b" yesterday</dcterms:created>")])
def test_a_quickly_counted_part_is_still_checked(workbooks, tmp_path, part, old, new):
    """Counting a plain part from its text spares expat's handlers, never the
    guard's other checks of that part (style ids, W3CDTF dates)."""
    source = next(p for p in workbooks if p.name == "filled1.xlsx")
    damaged = corpus.rewrite_zip(source, tmp_path / "damaged.xlsx", lambda n, d: d.replace(
        old, new, 1) if n == part else d)
    assert old in zipfile.ZipFile(source).read(part)
    for engine in (FAST, FULL):
        assert outcome(damaged, engine) == ("error", [("unreadable-file", {
            "reason": "damaged"})]), engine



@pytest.mark.parametrize("inside", [
    "", '<dimension ref="A1:XFD1048576"/>', '<dimension  ref="A1:B2"/>', '<mergeCell ref="A1:B2"/>',
    '<mergeCell ref="A1:XFD1048576"/>', '<definedName name="x">A1</definedName>', '<sheet name="x"/>',
    '<c r="A1"/>', '<row r="1"/>', "<sheetData/>", '<sheetData><c r="A9999"/></sheetData>'])
def test_a_part_without_sheet_data_is_bounded_as_scanned(inside):
    """A part with no sheetData (shared strings, comments …) is searched once
    for every tag _PartScan acts on: its bounds hold what expat's scan counts,
    and a plain one is bounded (not sent to the exact count)."""
    from sheetkit.guard import _bounds, _Census, _parser, _PartScan, default_limits

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    data = (f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{main}"><si><t>x</t></si>'
            f"{inside}</sst>").encode()
    limits = default_limits()
    bounds = _bounds("xl/sharedStrings.xml", data, limits)
    census = _Census(limits)
    parser, scan = _parser(), _PartScan("xl/sharedStrings.xml", census)
    scan.attach(parser)
    parser.Parse(data, True)
    area = (scan.bottom - scan.top + 1) * (scan.right - scan.left + 1) if scan.bottom else 0
    assert bounds is None or (
        bounds.cells >= census.cells and bounds.rows >= scan.rows and bounds.area >= area and
        (bounds.names, bounds.merged, bounds.merged_cells, bounds.sheet_data) ==
        (census.names, census.merged, census.merged_cells, census.sheet_data)), bounds
    assert inside or bounds is not None
