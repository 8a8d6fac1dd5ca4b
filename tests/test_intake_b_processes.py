"""Issue 10 (part B) as a user's shell runs it: each command in its own process,
fenced in by a wall clock and an address-space limit, its whole process tree's
peak memory measured, and the inputs' hashes compared before and after."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import openpyxl
import pytest
from conftest import DEFAULT_INPUTS
from corpus import with_cached_results
from filling import fill, find_row
from intake_corpus import RENAMED, forge, renamed_and_moved
from isolated import GIB, digests, run_isolated

from sheetkit.identity import blank_section
from sheetkit.serialize import to_yaml


@pytest.fixture(scope="module")
def collection(tmp_path_factory, example_doc, template_dir):
    """A base whose 第1節 indicator was renamed and moved after the templates went
    out, and a folder: a good 第3節, the 第1節 that answers the old name, a 第1節
    forged as 第2節, a 第4節 with text typed outside the inputs, a 第5節 with a
    formula typed into an input, and a CSV-injection payload typed as text."""
    root = tmp_path_factory.mktemp("b-processes")
    sections = {s.number: s for s in example_doc.sections}
    base_doc = replace(example_doc, sections=tuple(
        blank_section(renamed_and_moved(s) if s.number == 1 else s, 1, DEFAULT_INPUTS)
        for s in example_doc.sections))
    base = root / "base.yaml"
    base.write_text(to_yaml(base_doc), encoding="utf-8")
    folder = root / "回収"
    folder.mkdir()

    def template(n):
        return template_dir / f"第1章第{n}節_{sections[n].title}.xlsx"
    fill(template(3), folder / "第3節.xlsx", sections[3])
    old_name = fill(template(1), folder / "第1節.xlsx", sections[1])
    forge(old_name, folder / "第2節.xlsx", 2)
    stray = fill(template(4), root / "第4節.xlsx", sections[4])
    wb = openpyxl.load_workbook(stray)
    ws = wb["第4節"]
    ws.cell(find_row(ws, 1, "記入日") + 2, 1).value = "記入日の下の補足"
    wb.save(folder / "第4節.xlsx")
    typed = fill(template(5), root / "第5節.xlsx", sections[5])
    wb = openpyxl.load_workbook(typed)
    ws = wb["第5節"]
    ws.cell(find_row(ws, 1, "記入日"), 8).value = '=CONCATENATE("国際交流","担当")'
    wb.save(root / "第5節-plain.xlsx")
    with_cached_results(root / "第5節-plain.xlsx", folder / "第5節.xlsx",
                        {'CONCATENATE("国際交流","担当")': "=HYPERLINK(\"http://x\")"})
    return {"root": root, "base": base, "folder": folder}


def test_validate_and_merge_in_their_own_processes(collection):
    root, base, folder = collection["root"], collection["base"], collection["folder"]
    before = digests([root])
    validate = run_isolated(["validate", folder, "--format", "json", "--annotate",
                             root / "差し戻し", "--report", root / "一覧.xlsx"], cwd=root)
    validate.assert_clean(memory=GIB)
    assert validate.status == 1
    files = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(validate.stdout)["files"]}
    codes = {name: {f["code"] for f in f_["findings"]} for name, f_ in files.items()}
    assert "text-outside-input" in codes["第4節.xlsx"]
    assert "formula-in-input" in codes["第5節.xlsx"]
    assert (root / "差し戻し" / "第4節.xlsx").exists() and (root / "一覧.xlsx").exists()

    merge = run_isolated(["merge", folder, "--base", base, "-o", root / "総括表.xlsx",
                          "--csv", root / "指標.csv", "--data", root / "統合.yaml"], cwd=root)
    merge.assert_clean(memory=GIB)
    assert merge.status == 1
    out = merge.stdout
    assert out.count("base-mismatch") >= 2                      # renamed and forged
    assert "第1節「地域コミュニティ」" in out and "text-outside-input" in out
    table = (root / "指標.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    assert not [c for r in rows for c in r if c.startswith(("=", "+", "@", "＝", "＋", "＠"))]
    assert not any(r[3] == RENAMED and r[8] == "61.9" for r in rows[1:])
    book = openpyxl.load_workbook(root / "総括表.xlsx")
    assert "【差し戻し中】" in book["第1節"]["A1"].value
    assert "【未提出】" in book["第2節"]["A1"].value                # the forgery is no 第2節
    merged = (root / "統合.yaml").read_text("utf-8")
    assert "CONCATENATE" not in merged and "HYPERLINK" in merged   # what it showed, as text

    status = run_isolated(["status", folder, "--base", base], cwd=root)
    status.assert_clean(memory=GIB)
    second = next(line for line in status.stdout.splitlines() if line.startswith("第2節"))
    assert "未提出" in second
    after = digests([root])
    assert {k: v for k, v in after.items() if k in before} == before
