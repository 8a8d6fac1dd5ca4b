"""A file that is small on disk but slow for openpyxl: it turns every
conditional format, validation, hyperlink, print area, style and comment into
objects one by one (about 1-2 µs a byte of their XML: a validation over a
million cells took half a minute to read, longer to mark).  Where a file is
read with openpyxl (when the fast path cannot, and --annotate's marked copy),
a workbook with more than max_markup_bytes of XML outside its cells is refused
first, naming the sheet (or part) that holds the most; the fast path reads it
as before.  Cell formats (the styles part) are read into objects on both
paths: a styles part over max_styles_bytes is refused by the guard.  Each
run is fenced in (tests/isolated.py: time and memory limits)."""

from __future__ import annotations

import re
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from filling import fill
from isolated import GIB, Isolated, run_isolated

from sheetkit.grid import FAST, FULL
from sheetkit.guard import check_markup, default_limits, inspect
from sheetkit.problems import SheetkitError
from sheetkit.subjects import read_subject

SECONDS = 20
CELLS = b" ".join(b"N%d" % row for row in range(1, 1_000_001))
BOMBS = {   # part, where it goes, what is added: each more than 2 MiB of markup
    "validations": ("第1節", b"<pageMargins", b'<dataValidations count="1"><dataValidation '
                    b'type="list" sqref="' + CELLS + b' ' + CELLS.replace(b"N", b"O") +
                    b'"><formula1>"a,b"</formula1></dataValidation></dataValidations>'),
    "conditional-formats": ("目標指標", b"<pageMargins", b"".join(
        b'<conditionalFormatting sqref="M%d"><cfRule type="expression" priority="%d" '
        b'dxfId="0"><formula>A1&gt;0</formula></cfRule></conditionalFormatting>'
        % (row % 1000 + 1, row + 100) for row in range(50_000))),
    "hyperlinks": ("記入要領", b"<pageMargins", b"<hyperlinks>" + b"".join(
        b'<hyperlink ref="M%d" location="A1" display="x"/>' % row
        for row in range(1, 100_001)) + b"</hyperlinks>"),
    "texts": ("xl/sharedStrings.xml", b"</sst>", "".join(     # a table of texts no cell uses
        f"<si><t>使われない文字 {n}</t></si>" for n in range(120_000)).encode()),
    "print-area": ("xl/workbook.xml", b"</definedNames>",
                   b'<definedName name="_xlnm.Print_Area" localSheetId="0">' + ",".join(
                       f"'記入要領'!$A${row}:$B${row}" for row in range(1, 150_001)).encode()
                   + b"</definedName>"),
}


@pytest.fixture(scope="module")
def returned(template_dir, example_doc, tmp_path_factory):
    section = example_doc.sections[0]
    source = template_dir / f"第1章第1節_{section.title}.xlsx"
    return fill(source, tmp_path_factory.mktemp("ret") / "第1節.xlsx", section)


def part_of(path: Path, name: str) -> str:
    """The part of the sheet ``name`` (or ``name`` itself where it is a part)."""
    if "/" in name:
        return name
    with zipfile.ZipFile(path) as archive:
        rels = {re.search(r'\bId="([^"]+)"', blob)[1]:
                re.search(r'\bTarget="/?(?:xl/)?([^"]+)"', blob)[1]
                for blob in re.findall(r"<Relationship\b([^>]*)>",
                                       archive.read("xl/_rels/workbook.xml.rels").decode())}
        rid = re.search(rf'<sheet\b[^>]*name="{name}"[^>]*r:id="([^"]+)"',
                        archive.read("xl/workbook.xml").decode())[1]
    return f"xl/{rels[rid]}"


def bomb(returned: Path, target: Path, kind: str) -> Path:
    name, where, added = BOMBS[kind]
    part = part_of(returned, name)
    with zipfile.ZipFile(returned) as old, zipfile.ZipFile(target, "w",
                                                           zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/_rels/workbook.xml.rels" and part not in old.namelist():
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdTexts" Type="'
                                    b"http://schemas.openxmlformats.org/officeDocument/2006/"
                                    b'relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                    b"</Relationships>")
            if info.filename == "[Content_Types].xml" and part not in old.namelist():
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                    b'ContentType="application/vnd.openxmlformats-officedocument'
                                    b'.spreadsheetml.sharedStrings+xml"/></Types>')
            if info.filename == part:
                at = data.find(where)
                at = at if at >= 0 else data.rindex(b"</")
                data = data[:at] + added + data[at:]
            new.writestr(info.filename, data)
        if part not in old.namelist():         # the shared strings, where the return has none
            new.writestr(part, b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                         b'2006/main">' + added + where)
    return target


READ = """import sys
from sheetkit.subjects import read_subject
subject = read_subject(sys.argv[1], sys.argv[2])
print([(p.code, p.params.get("reason"), p.params.get("detail")) for p in subject.problems])
"""


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_openpyxl_is_not_asked_to_read_a_markup_bomb(returned, tmp_path, kind):
    path = bomb(returned, tmp_path / f"{kind}.xlsx", kind)
    assert path.stat().st_size < 20 << 20
    name = BOMBS[kind][0]
    full = Isolated([str(path), FULL], tmp_path, GIB,
                    program=(sys.executable, "-c", READ)).finish(SECONDS)
    full.assert_clean()
    assert full.stdout.strip() == f"[('unreadable-file', 'markup', '{name}')]", full.output
    fast = run_isolated(["validate", str(path)], tmp_path, timeout=SECONDS)   # reads it
    fast.assert_clean()
    assert "unreadable-file" not in fast.stdout, fast.output


def test_validate_annotate_refuses_to_mark_a_markup_bomb(returned, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.xlsx").write_bytes(returned.read_bytes())
    bomb(returned, folder / "zz_bomb.xlsx", "validations")
    out = tmp_path / "marked"
    outcome = run_isolated(["validate", str(folder), "--annotate", str(out)], tmp_path,
                           timeout=2 * SECONDS)
    outcome.assert_clean()
    told = outcome.stdout[outcome.stdout.index("zz_bomb.xlsx"):]
    assert "「第1節」などに、条件付き書式・入力規則・ハイパーリンク" in told, outcome.output
    english = run_isolated(["validate", str(folder / "zz_bomb.xlsx"), "--annotate",
                            str(tmp_path / "en"), "--lang", "en"], tmp_path, timeout=SECONDS)
    assert "'第1節' and the rest hold too many conditional formats" in english.stdout, \
        english.output
    assert sorted(p.name for p in out.iterdir()) == ["good.xlsx"]


def test_returns_and_summaries_are_far_below_the_bound(returned, summary_path):
    for path in (returned, summary_path):
        inspection = inspect(path)
        check_markup(path, inspection.data, inspection.parts)          # not refused
    tight = replace(default_limits(), max_markup_bytes=10_000)
    inspection = inspect(returned)
    with pytest.raises(SheetkitError):
        check_markup(returned, inspection.data, inspection.parts, tight)


def with_styles(returned: Path, target: Path, formats: int) -> Path:
    """``returned`` with ``formats`` more cell formats after its own (stored: a
    part this repetitive would pass the compression-ratio limit)."""
    with zipfile.ZipFile(returned) as old, zipfile.ZipFile(target, "w",
                                                           zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = data.replace(b"</cellXfs>", b'<xf numFmtId="0" fontId="0" fillId="0" '
                                    b'borderId="0" xfId="0"/>' * formats + b"</cellXfs>")
                new.writestr(info.filename, data, zipfile.ZIP_STORED)
            else:
                new.writestr(info.filename, data)
    return target


def test_too_many_cell_formats_are_refused_on_both_paths(returned, tmp_path):
    path = with_styles(returned, tmp_path / "styles.xlsx", 160_000)
    with zipfile.ZipFile(path) as archive:
        size = archive.getinfo("xl/styles.xml").file_size
    assert size > default_limits().max_styles_bytes
    outcome = run_isolated(["validate", str(path)], tmp_path, timeout=SECONDS)
    outcome.assert_clean()
    assert f"セルの書式（スタイル）の定義が {size:,} バイトあり" in outcome.stdout, outcome.output
    assert "使っていないセルのスタイルを削除して" in outcome.stdout
    english = run_isolated(["validate", str(path), "--lang", "en"], tmp_path, timeout=SECONDS)
    assert f"its cell formats (styles) take {size:,} bytes" in english.stdout, english.output
    for engine in (FAST, FULL):
        read = Isolated([str(path), engine], tmp_path, GIB,
                        program=(sys.executable, "-c", READ)).finish(SECONDS)
        assert read.stdout.strip() == f"[('unreadable-file', 'styles', '{size:,}')]", engine


def test_a_few_more_cell_formats_are_read(returned, tmp_path):
    path = with_styles(returned, tmp_path / "styles.xlsx", 5_000)
    assert not read_subject(path).problems
