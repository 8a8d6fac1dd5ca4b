"""Issue 10's folder, end to end: four good returns beside one of each kind of
bad input, through `validate --base` and `merge`, each in its own fenced
process.  The good ones are used, every other one has its own finding, and
nothing is changed, hangs, crashes or outgrows 1 GiB."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from filling import many_returns
from intake_corpus import far_cell, forge, special_files
from isolated import GIB, digests, run_isolated

from sheetkit.loader import load_document
from sheetkit.reader import extract
from sheetkit.serialize import to_yaml

GOOD = (2, 3, 4, 5)


@pytest.fixture(scope="module")
def office(tmp_path_factory, example_doc):
    """Sections 1–6 of a base made from the example's clean sections; a folder of
    returns; and the base as it is now, with 第1節's first indicator renamed and
    moved to the end after the templates went out."""
    root = tmp_path_factory.mktemp("office")
    base, paths, full = many_returns(root, example_doc, 6, models=(0, 2, 3, 4))
    by_number = dict(zip(range(1, 7), paths))
    folder = root / "回収"
    folder.mkdir()
    for n in GOOD:
        (folder / by_number[n].name).write_bytes(by_number[n].read_bytes())
    # answers a base whose indicator was renamed since
    (folder / by_number[1].name).write_bytes(by_number[1].read_bytes())
    # one typed cell at the last cell of a sheet
    far_cell(by_number[6], folder / "第6節_遠いセル.xlsx")
    # what an unpacked archive may hold under a workbook's name
    specials = special_files(root / "specials")
    os.symlink(specials["zero.xlsx"].resolve(), folder / "zero.xlsx")
    os.mkfifo(folder / "pipe.xlsx")
    # a 第1節 return whose hidden sheet, sheet name and fingerprint say 第2節
    forge(by_number[1], folder / "第2節_偽.xlsx", 2)

    doc = load_document(base)
    first = doc.sections[0]
    renamed = replace(first.indicators[0], name=first.indicators[0].name + "（世帯）")
    moved = replace(first, indicators=(*first.indicators[1:], renamed))
    now = root / "base-now.yaml"
    now.write_text(to_yaml(replace(doc, sections=(moved, *doc.sections[1:]))), "utf-8")
    return {"root": root, "folder": folder, "base": now, "full": full,
            "original": first.indicators[0].name}


def by_file(report: dict) -> dict[str, list[str]]:
    return {Path(f["path"]).name: sorted({x["code"] for x in f["findings"]
                                          if x["severity"] == "error"})
            for f in report["files"]}


def test_validate_gives_each_bad_input_its_own_finding(office):
    before = digests([office["folder"]])
    outcome = run_isolated(["validate", office["folder"], "--base", office["base"],
                            "--format", "json", "--jobs", "2"], office["root"])
    outcome.assert_clean(GIB)
    assert outcome.status == 1
    errors = by_file(json.loads(outcome.stdout))
    good = [name for name in errors if name.startswith(tuple(f"第1章第{n}節" for n in GOOD))]
    assert len(good) == 4 and all(errors[name] == [] for name in good), errors
    assert errors["第6節_遠いセル.xlsx"] == ["unreadable-file"]
    assert errors["zero.xlsx"] == ["unreadable-file"]
    assert errors["pipe.xlsx"] == ["unreadable-file"]
    assert errors["第2節_偽.xlsx"] == ["base-mismatch"]
    renamed = next(name for name in errors if name.startswith("第1章第1節"))
    assert errors[renamed] == ["base-mismatch"]
    assert office["original"] in outcome.stdout
    assert digests([office["folder"]]) == before


def test_merge_uses_the_four_good_returns_and_lists_every_other(office):
    before = digests([office["folder"]])
    out = office["root"] / "総括表.xlsx"
    outcome = run_isolated(["merge", office["folder"], "--base", office["base"], "-o", out,
                            "--jobs", "2"], office["root"])
    outcome.assert_clean(GIB)
    assert outcome.status == 1
    for name in ("第6節_遠いセル.xlsx", "zero.xlsx", "pipe.xlsx", "第2節_偽.xlsx"):
        assert name in outcome.output
    assert "第1章第1節" in outcome.output and "base-mismatch" in outcome.output
    merged = {s.number: s for s in extract(out).document.sections}
    wanted = {s.number: s for s in office["full"].sections}
    for n in GOOD:
        assert merged[n].initiatives == wanted[n].initiatives
        assert merged[n].author == wanted[n].author
    for n in (1, 6):
        assert merged[n].initiatives == () and merged[n].author is None
    assert digests([office["folder"]]) == before
