"""The 総括表 generated from the example is compared with a committed reference workbook,
part by part, as XlsxWriter's own comparison tests do: any change to the output shows up here
and is committed as a reviewed change to tests/golden/.

Generation is deterministic (fixed creation time, xlsxwriter's fixed zip dates), so nothing is
normalised away.  After changing the output on purpose, regenerate the reference with

    SHEETKIT_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

and review ``git diff --stat tests/golden`` with the failure this test printed before."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT, run

# each reference workbook and the generate command line that makes it (another layout's
# example gets its own entry: name the output after the example)
GOLDENS = {"tokorozawa-ch1.xlsx": ("generate", EXAMPLE),
           "shisaku-hyoka-sample.xlsx": ("generate", ROOT / "examples" / "shisaku-hyoka-sample.yaml",
                                         "--layout", "shisaku-hyoka")}
UPDATE = os.environ.get("SHEETKIT_UPDATE_GOLDEN") == "1"
CONTEXT = 60          # characters shown either side of the first difference
DIFF_LINES = 40       # lines of the readable diff shown


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist()}


def _lines(data: bytes) -> list[str]:
    """An XML part one element per line, so that a diff of it can be read."""
    return re.sub(r">\s*<", ">\n<", data.decode("utf-8", "replace")).splitlines()


def first_difference(expected: Path, got: Path) -> str | None:
    """Where ``got`` first differs from ``expected``: the part and the position in it,
    with the text around it and a readable diff of that part; None when they are the same."""
    want, have = _parts(expected), _parts(got)
    if list(want) != list(have):
        missing = [n for n in want if n not in have]
        extra = [n for n in have if n not in want]
        return (f"the parts differ: missing {missing}, extra {extra}" if missing or extra
                else f"the parts are in another order: {list(have)} (expected {list(want)})")
    # the text first: a changed label then shows as itself, not as shifted string indices
    for name in sorted(want, key=lambda n: n != "xl/sharedStrings.xml"):
        old, new = want[name], have[name]
        if old == new:
            continue
        a, b = old.decode("utf-8", "replace"), new.decode("utf-8", "replace")
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        line = a.count("\n", 0, at) + 1
        diff = list(difflib.unified_diff(_lines(old), _lines(new), "expected/" + name,
                                         "generated/" + name, n=1, lineterm=""))
        return (f"first difference in {name} at character {at} (line {line}):\n"
                f"  expected: …{a[max(at - CONTEXT, 0):at + CONTEXT]}…\n"
                f"  got:      …{b[max(at - CONTEXT, 0):at + CONTEXT]}…\n"
                + "\n".join(diff[:DIFF_LINES])
                + ("\n…" if len(diff) > DIFF_LINES else ""))
    return None


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_generated_summary_matches_the_reference(runner, tmp_path, name):
    golden = ROOT / "tests" / "golden" / name
    out = tmp_path / "総括表.xlsx"
    result = run(runner, *GOLDENS[name], "-o", out)
    assert result.exit_code == 0, result.output
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        shutil.copyfile(out, golden)
        pytest.skip(f"regenerated {golden.relative_to(ROOT)}: review the change before committing")
    assert golden.exists(), ("no reference workbook: run "
                             "SHEETKIT_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py")
    difference = first_difference(golden, out)
    assert difference is None, (
        f"{difference}\n\nThe generated 総括表 differs from {golden.relative_to(ROOT)}. If the "
        "change is intended, regenerate it with\n  SHEETKIT_UPDATE_GOLDEN=1 python -m pytest "
        "tests/test_golden.py\nand commit it with the change.")


def test_generation_is_deterministic(runner, tmp_path):
    """Two runs give the same bytes (else the reference could never match)."""
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (first, second):
        assert run(runner, "generate", EXAMPLE, "-o", out).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_a_changed_part_is_named_with_its_position(tmp_path):
    """The comparison itself: a one-character change is found, named and shown."""
    source = tmp_path / "a.xlsx"
    changed = tmp_path / "b.xlsx"
    with zipfile.ZipFile(source, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/worksheets/sheet1.xml", '<sheetData><row r="1"><c r="A1"><v>1</v></c>'
                                                  "</row></sheetData>")
    with zipfile.ZipFile(changed, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/worksheets/sheet1.xml", '<sheetData><row r="1"><c r="A1"><v>2</v></c>'
                                                  "</row></sheetData>")
    assert first_difference(source, source) is None
    found = first_difference(source, changed)
    assert found is not None
    assert found.startswith("first difference in xl/worksheets/sheet1.xml at character 35 "
                            "(line 1)")
    assert "-<v>1</v>" in found and "+<v>2</v>" in found
    for book_path, text in ((source, "取り組み"), (changed, "取組")):
        with zipfile.ZipFile(book_path, "a") as book:
            book.writestr("xl/sharedStrings.xml", f"<sst><si><t>{text}</t></si></sst>")
    found = first_difference(source, changed) or ""       # the text first, though zipped last
    assert found.startswith("first difference in xl/sharedStrings.xml"), found
    assert "-<t>取り組み</t>" in found and "+<t>取組</t>" in found
    with zipfile.ZipFile(changed, "a") as book:
        book.writestr("xl/extra.xml", "<x/>")
    assert "missing [], extra ['xl/extra.xml']" in (first_difference(source, changed) or "")
