"""A file that is small but takes long to read: shared formulas (a formula
filled down or copied, as Excel writes it: the group's first cell holds the
text, every other cell only the group's index) are each read as the first
cell's formula moved to its place, on both read paths.  Ten thousand cells
sharing a formula of a few kilobytes took tens of seconds; such a workbook is
refused before any formula is moved (max_shared_formula_text), with the sheet
named and what to do, and a return filled down as departments do is read as
before.  Each run is fenced in (tests/isolated.py: time and memory limits)."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import pytest
from filldown import filled_down
from filling import fill
from isolated import GIB, Isolated, run_isolated

from sheetkit import fastgrid
from sheetkit.grid import FAST, FULL
from sheetkit.guard import (
    _shared_text_parsed,
    check_shared_formulas,
    default_limits,
    inspect,
    shared_formula_text,
)
from sheetkit.problems import SheetkitError
from sheetkit.subjects import read_subject

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# a formula of 4,000 characters, every one of its 1,334 references moved for each copy
LONG = "+".join(["A1"] * 1334)
# how long a run may take: the bombs below took half a minute or more before the bound
SECONDS = 20


@pytest.fixture(scope="module")
def returned(template_dir, example_doc, tmp_path_factory):
    section = example_doc.sections[0]
    source = template_dir / f"第1章第1節_{section.title}.xlsx"
    return fill(source, tmp_path_factory.mktemp("ret") / "第1節.xlsx", section)


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> its part, from the workbook and its relationships."""
    with zipfile.ZipFile(path) as archive:
        rels = {re.search(r'\bId="([^"]+)"', blob)[1]:
                re.search(r'\bTarget="/?(?:xl/)?([^"]+)"', blob)[1]
                for blob in re.findall(r"<Relationship\b([^>]*)>",
                                       archive.read("xl/_rels/workbook.xml.rels").decode())}
        sheets = [(re.search(r'\bname="([^"]+)"', blob)[1], re.search(r'\br:id="([^"]+)"', blob)[1])
                  for blob in re.findall(r"<sheet\b([^>]*)>", archive.read("xl/workbook.xml").decode())]
    return {name: f"xl/{rels[rid]}" for name, rid in sheets}


def with_rows(source: Path, target: Path, rows: dict[str, bytes],
              root: bytes = b"") -> Path:
    """``source`` with ``rows`` (sheet name -> rows' XML) added below each
    sheet's last row; ``root``: attributes added to those sheets' root."""
    parts = {sheet_parts(source)[name]: xml for name, xml in rows.items()}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w",
                                                          zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename in parts:
                below = max(map(int, re.findall(rb'<row r="(\d+)"', data))) + 1
                added = re.sub(rb"@(\d+)", lambda m, below=below: b"%d" % (below + int(m.group(1))),
                               parts[info.filename])
                data = data.replace(b"</sheetData>", added + b"</sheetData>")
                data = data.replace(b"<worksheet ", b"<worksheet " + root, 1)
            new.writestr(info, data)
    return target


FORMS = {   # a group's first cell and every other one, as writers (and hostile files) write them
    "excel": (b'<f t="shared" ref="A@0:A@9" si="0">%s</f>', b'<f t="shared" si="0"/>'),
    "quotes": (b"<f t='shared' ref='A@0:A@9' si='0'>%s</f>", b"<f t='shared' si='0'/>"),
    "reference": (b'<f t="&#115;hared" si="0">%s</f>', b'<f t="&#115;hared" si="0"/>'),
    "order": (b'<f si="0" ca="1" t="shared">%s</f>', b'<f si="0" t="shared" ></f>'),
    "cdata": (b'<f t="shared" si="0"><![CDATA[%s]]></f>', b'<f t="shared" si="0"/>'),
    "prefix": (b'<x:f t="shared" si="0">%s</x:f>', b'<x:f t="shared" si="0"/>'),
}


def bomb_rows(copies: int, text: str = LONG, form: str = "excel", per_row: int = 10) -> bytes:
    """A shared formula of ``text`` in one cell and ``copies`` cells sharing it,
    ``per_row`` a row (a sheet holds at most 10,000 rows)."""
    first, other = FORMS[form]
    rows = [b'<row r="@0"><c r="A@0">' + first % text.encode() + b"<v>0</v></c></row>"]
    letters = [chr(65 + i).encode() for i in range(per_row)]
    for row in range(1, copies // per_row + 1):
        rows.append(b'<row r="@%d">' % row + b"".join(
            b'<c r="%s@%d">' % (letter, row) + other + b"</c>" for letter in letters) + b"</row>")
    return b"".join(rows)


def bomb(returned: Path, target: Path, sheet: str = "記入要領", copies: int = 20_000,
         form: str = "excel") -> Path:
    root = f'xmlns:x="{MAIN}" '.encode() if form == "prefix" else b""
    return with_rows(returned, target, {sheet: bomb_rows(copies, form=form)}, root)


READ = """import sys
from sheetkit.subjects import read_subject
subject = read_subject(sys.argv[1], sys.argv[2])
print([(p.code, p.params.get("reason"), p.params.get("detail")) for p in subject.problems])
"""


def read_fenced(path: Path, engine: str, cwd: Path) -> str:
    """read_subject(path, engine) in a process of its own, fenced in; what it found."""
    outcome = Isolated([str(path), engine], cwd, GIB,
                       program=(sys.executable, "-c", READ)).finish(SECONDS)
    outcome.assert_clean()
    assert outcome.status == 0, outcome.output
    return outcome.stdout


@pytest.mark.parametrize("sheet", ["記入要領", "第1節", "目標指標"])
def test_a_shared_formula_bomb_is_refused_quickly_naming_the_sheet(returned, tmp_path, sheet):
    path = bomb(returned, tmp_path / "bomb.xlsx", sheet)
    assert path.stat().st_size < 200_000                   # a small file
    outcome = run_isolated(["validate", str(path)], tmp_path, timeout=SECONDS)
    outcome.assert_clean()
    assert outcome.status == 1, outcome.output
    assert "unreadable-file" in outcome.stdout
    assert f"シート「{sheet}」に、コピーして貼り付けた（フィルした）数式が多すぎます" in outcome.stdout
    assert "「値の貼り付け」で値に変換する" in outcome.stdout
    english = run_isolated(["validate", str(path), "--lang", "en"], tmp_path, timeout=SECONDS)
    english.assert_clean()
    assert f"the sheet '{sheet}' holds too many formulas copied or filled down" in english.stdout
    assert "Paste Values" in english.stdout
    for engine in (FAST, FULL):
        assert read_fenced(path, engine, tmp_path).strip() == \
            f"[('unreadable-file', 'shared-formulas', '{sheet}')]", engine


@pytest.mark.parametrize("form", sorted(FORMS))
def test_shared_formulas_written_in_any_form_are_bounded(returned, tmp_path, form):
    """However the attributes are written (quoted either way, a character
    reference, another order, a prefixed element, a CDATA section), openpyxl
    translates them: its path refuses the bomb, and no path takes long."""
    path = bomb(returned, tmp_path / f"{form}.xlsx", form=form)
    assert read_fenced(path, FULL, tmp_path).strip() == \
        "[('unreadable-file', 'shared-formulas', '記入要領')]"
    fast = read_fenced(path, FAST, tmp_path)
    assert "shared-formulas" in fast or "unreadable-file" not in fast, fast


def test_validate_annotate_refuses_the_bomb_and_marks_the_others(returned, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.xlsx").write_bytes(returned.read_bytes())
    bomb(returned, folder / "zz_bomb.xlsx")
    out = tmp_path / "marked"
    outcome = run_isolated(["validate", str(folder), "--annotate", str(out)], tmp_path,
                           timeout=2 * SECONDS)
    outcome.assert_clean()
    assert outcome.status == 1 and "数式が多すぎます" in outcome.stdout, outcome.output
    assert sorted(p.name for p in out.iterdir()) == ["good.xlsx"]


def test_the_bound_is_on_the_whole_workbook(returned, tmp_path):
    """Sheets each below the limit that pass it together: refused, naming the
    sheet that holds the most."""
    text = "+".join(["A1"] * 300)                           # 899 characters
    rows = {"記入要領": bomb_rows(350, text), "第1節": bomb_rows(450, text),
            "提出前チェック": bomb_rows(400, text)}
    path = with_rows(returned, tmp_path / "spread.xlsx", rows)
    parts = inspect(path).parts
    texts = {name: shared_formula_text(parts[part]) for name, part in sheet_parts(path).items()}
    assert texts["第1節"] == 451 * 899 and texts["記入要領"] == 351 * 899
    limit = default_limits().max_shared_formula_text
    assert max(texts.values()) < limit < sum(texts.values())
    with pytest.raises(SheetkitError) as refused:
        check_shared_formulas(path, parts)
    (problem,) = refused.value.problems
    assert problem.params == {"reason": "shared-formulas", "detail": "第1節",
                              "limit": f"{limit:,}"}
    for engine in (FAST, FULL):
        assert [p.params["detail"] for p in read_subject(path, engine).problems] == ["第1節"]


def test_filled_down_returns_are_read_as_before(returned, tmp_path):
    """A return as Excel saves it after filling its formulas down, and one with
    a long formula filled down a thousand rows, are read, on both paths."""
    down = filled_down(returned, tmp_path / "down.xlsx")
    many = with_rows(returned, tmp_path / "many.xlsx",
                     {"記入要領": bomb_rows(1_000, "+".join(["A1"] * 100), per_row=1)})
    parts = inspect(many).parts
    assert sum(map(shared_formula_text, parts.values())) == 1_001 * 299
    for path in (down, many):
        for engine in (FAST, FULL):
            assert not read_subject(path, engine).problems, (path.name, engine)


def test_a_workbook_without_shared_formulas_is_not_searched(returned, monkeypatch):
    """The fast path asks for the bound only when its scan of a sheet meets a
    shared formula: a return without one costs nothing more."""
    def searched(*args):  # type: ignore[no-untyped-def]
        raise AssertionError("searched")

    monkeypatch.setattr(fastgrid, "check_shared_formulas", searched)
    subject = read_subject(returned, FAST)
    assert subject.document is not None and not subject.problems


@pytest.mark.parametrize("form", sorted(FORMS))
def test_the_quick_count_never_says_less_than_the_parse(form):
    """Where the sheet is written as Excel writes it, the count from its tags is
    the parse's; in any other form the parse counts."""
    first, other = FORMS[form]
    body = b'<row r="1"><c r="A1">' + first % b"SUM(A2:A3)&amp;B1" + b"</c></row>" + \
        b"".join(b'<row r="%d"><c r="A%d">' % (n, n) + other + b"</c></row>"
                 for n in range(2, 7))
    body = body.replace(b"@0", b"1").replace(b"@9", b"6")
    data = (f'<worksheet xmlns="{MAIN}" xmlns:x="{MAIN}"><sheetData>').encode() + body + \
        b"</sheetData></worksheet>"
    parsed = _shared_text_parsed(data)
    assert parsed == 6 * len("SUM(A2:A3)&amp;B1" if form == "cdata" else "SUM(A2:A3)&B1")
    assert shared_formula_text(data) >= parsed
    if form == "excel":
        assert shared_formula_text(data) == 6 * len("SUM(A2:A3)&amp;B1")
