"""Issue 10, "Nothing is lost silently": returns are compared with --base, not
only with their own hidden sheet, and no 実績値 is dropped or moved."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from conftest import DEFAULT_INPUTS, run
from filling import blank_base, fill, find_row
from intake_corpus import forge, renamed_and_moved

from sheetkit.identity import blank_section
from sheetkit.reader import extract
from sheetkit.serialize import to_yaml

ORIGINAL = "自治会・町内会への加入率"


@pytest.fixture(scope="module")
def desk(tmp_path_factory, example_doc, template_dir):
    """A blank base, and 第1節 and 第2節 filled in from the distributed templates."""
    root = tmp_path_factory.mktemp("desk")
    base = blank_base(root / "base.yaml", example_doc)
    base_doc = replace(example_doc, sections=tuple(blank_section(s, 1, DEFAULT_INPUTS)
                                                   for s in example_doc.sections))
    by_number = {s.number: s for s in example_doc.sections}
    returns = {}
    for n in (1, 2):
        source = template_dir / f"第1章第{n}節_{by_number[n].title}.xlsx"
        returns[n] = fill(source, root / f"第{n}節.xlsx", by_number[n])
    return {"root": root, "base": base, "base_doc": base_doc, "returns": returns,
            "doc": example_doc}


def base_with(desk, tmp_path, change) -> Path:
    """The base, with section 1 changed after the templates went out."""
    doc = desk["base_doc"]
    first = change(doc.sections[0])
    path = tmp_path / "changed-base.yaml"
    path.write_text(to_yaml(replace(doc, sections=(first, *doc.sections[1:]))), "utf-8")
    return path


def folder_of(tmp_path: Path, *files: Path) -> Path:
    folder = tmp_path / "回収"
    folder.mkdir()
    for f in files:
        (folder / f.name).write_bytes(f.read_bytes())
    return folder


def actuals(path: Path, section: int) -> dict[str, object]:
    sec = next(s for s in extract(path).document.sections if s.number == section)
    return {i.name: (i.results[-1].actual if i.results[-1] else None) for i in sec.indicators}


def test_renamed_and_moved_indicator_is_a_finding_and_its_actual_never_moves(desk, runner,
                                                                            tmp_path):
    base = base_with(desk, tmp_path, renamed_and_moved)
    folder = folder_of(tmp_path, desk["returns"][1])
    for extra in ((), ("--allow-invalid",)):
        out = tmp_path / f"s{len(extra)}.xlsx"
        csv_out = tmp_path / f"i{len(extra)}.csv"
        result = run(runner, "merge", folder, "--base", base, "-o", out, "--csv", csv_out,
                     *extra)
        assert result.exit_code == 1, result.output
        assert "base-mismatch" in result.output and ORIGINAL in result.output
        merged = actuals(out, 1)
        # the department's 61.9 is on no indicator: not on the renamed one, not on another
        assert all(str(v) != "61.9" for v in merged.values())
        rows = list(csv.DictReader(io.StringIO(csv_out.read_bytes().decode("utf-8-sig"))))
        assert not any(r["値"] == "61.9" and r["節"] == "1" for r in rows)
    status = json.loads(run(runner, "status", folder, "--base", base, "--format",
                            "json").stdout)
    first = next(s for s in status["sections"] if s["section"] == 1)
    assert first["status"] == "invalid" and first["errors"] >= 1


def test_validate_json_names_the_indicator_cells(desk, runner, tmp_path):
    base = base_with(desk, tmp_path, renamed_and_moved)
    data = json.loads(run(runner, "status", desk["returns"][1], "--base", base, "--format",
                          "json").stdout)
    assert data["sections"][0]["errors"] >= 2        # one unknown, one missing indicator


def test_reordered_indicators_keep_their_own_actuals(desk, runner, tmp_path):
    """A variant the issue only hints at: same names, another order.  Matched by
    name, each actual stays on its own indicator (with --allow-invalid)."""
    def reversed_order(section):
        return replace(section, indicators=tuple(reversed(section.indicators)))
    base = base_with(desk, tmp_path, reversed_order)
    folder = folder_of(tmp_path, desk["returns"][1])
    out = tmp_path / "s.xlsx"
    result = run(runner, "merge", folder, "--base", base, "-o", out)
    assert result.exit_code == 1 and "base-mismatch" in result.output
    result = run(runner, "merge", folder, "--base", base, "-o", tmp_path / "t.xlsx",
                 "--allow-invalid")
    expected = {i.name: i.results[-1].actual for i in desk["doc"].section(1).indicators
                if i.results[-1] is not None}
    merged = actuals(tmp_path / "t.xlsx", 1)
    assert {k: v for k, v in merged.items() if k in expected} == expected


def test_changed_target_and_policy_are_findings_at_their_cells(desk, runner, tmp_path):
    def changed(section):
        ind = section.indicators[0]
        last = ind.results[-1]
        from decimal import Decimal
        new = replace(ind, results=(*ind.results[:-1], replace(last, target=Decimal("70"))))
        policy = replace(section.basic_policies[0], title="地域コミュニティの再生")
        return replace(section, indicators=(new, *section.indicators[1:]),
                       basic_policies=(policy, *section.basic_policies[1:]))
    base = base_with(desk, tmp_path, changed)
    result = run(runner, "merge", desk["returns"][1], "--base", base, "-o", tmp_path / "s.xlsx",
                 "--lang", "en")
    assert result.exit_code == 1
    assert "base-mismatch" in result.output and "'70'" in result.output
    assert "地域コミュニティの再生" in result.output


def test_forged_identity_is_caught_by_the_base(desk, runner, tmp_path):
    forged = forge(desk["returns"][1], tmp_path / "第2節.xlsx", 2)
    # the hidden sheet agrees with itself: validate alone cannot tell
    assert json.loads(run(runner, "validate", forged, "--format", "json").stdout)["valid"]
    folder = folder_of(tmp_path, forged)
    status = json.loads(run(runner, "status", folder, "--base", desk["base"], "--format",
                            "json").stdout)
    second = next(s for s in status["sections"] if s["section"] == 2)
    assert second["status"] != "submitted"
    # 第1節's content: its 加入率 61.9 is below 策定時 66 (issue 12's below-baseline)
    assert [o["codes"] for o in status["others"]] == [["base-mismatch", "below-baseline"]]
    out = tmp_path / "s.xlsx"
    result = run(runner, "merge", folder, "--base", desk["base"], "-o", out, "--allow-invalid")
    assert result.exit_code == 1 and "base-mismatch" in result.output
    assert "第1節「地域コミュニティ」" in result.output
    merged = {s.number: s for s in extract(out).document.sections}
    assert merged[2].initiatives == () and merged[1].initiatives == ()


def test_forged_identity_of_a_section_that_was_also_returned(desk, runner, tmp_path):
    """Variant: the real 第2節 is also in the folder; the forgery is no duplicate of it
    and the real one is merged."""
    forged = forge(desk["returns"][1], tmp_path / "偽の第2節.xlsx", 2)
    folder = folder_of(tmp_path, forged, desk["returns"][2])
    out = tmp_path / "s.xlsx"
    result = run(runner, "merge", folder, "--base", desk["base"], "-o", out, "--allow-invalid")
    assert "duplicate-return" not in result.output
    merged = {s.number: s for s in extract(out).document.sections}
    assert merged[2].initiatives == desk["doc"].section(2).initiatives


def test_unchanged_base_gives_no_base_finding(desk, runner, tmp_path):
    folder = folder_of(tmp_path, desk["returns"][1], desk["returns"][2])
    result = run(runner, "merge", folder, "--base", desk["base"], "-o", tmp_path / "s.xlsx",
                 "--allow-invalid")
    assert "base-mismatch" not in result.output


def first_rows(ws) -> dict:
    """The 出典 table's rows by section (the first table, not the files left out)."""
    rows: dict = {}
    for r in ws.iter_rows(values_only=True):
        if r[0]:
            rows.setdefault(r[0], r)
    return rows


def test_sections_not_merged_show_no_answers_from_the_base(desk, runner, tmp_path):
    """With last period's full document as base, a rejected 第1節 and a 第3節 never
    returned show their fixed parts only, marked on their sheet and 目標指標 rows."""
    from conftest import EXAMPLE
    bad = tmp_path / "第1節.xlsx"
    wb = openpyxl.load_workbook(desk["returns"][1])
    ws = wb["第1節"]
    ws.cell(find_row(ws, 1, "取り組み") + 1, 6).value = None     # a missing 成果: rejected
    wb.save(bad)
    folder = folder_of(tmp_path, bad, desk["returns"][2])
    out = tmp_path / "s.xlsx"
    result = run(runner, "merge", folder, "--base", EXAMPLE, "-o", out)
    assert result.exit_code == 1
    assert "エラー 1 件のため取り込んでいません" in result.output
    assert "第1節「地域コミュニティ」がまだ提出されていません" not in result.output
    merged = {s.number: s for s in extract(out).document.sections}
    for n in (1, 3):
        sec = merged[n]
        assert sec.initiatives == () and sec.carried_over == ()
        assert sec.entry_date is None and sec.author is None and sec.unmet_analysis is None
        assert all(i.results[-1] is None or i.results[-1].actual is None
                   for i in sec.indicators)
        assert sec.title == desk["doc"].section(n).title          # fixed parts stay
    book = openpyxl.load_workbook(out)
    assert "【差し戻し中】" in book["第1節"]["A1"].value
    assert "【未提出】" in book["第3節"]["A1"].value
    assert "【未提出】" not in book["第2節"]["A1"].value
    groups = [c.value for c in book["目標指標"]["A"] if isinstance(c.value, str)]
    assert any(g.startswith("第1節") and "【差し戻し中】" in g for g in groups)
    assert any(g.startswith("第3節") and "【未提出】" in g for g in groups)
    rows = first_rows(book["出典"])
    assert rows["第1節"][2] == "差し戻し（エラー 1 件）" and rows["第3節"][2] == "未提出"
    english = run(runner, "merge", folder, "--base", EXAMPLE, "-o", tmp_path / "e.xlsx",
                  "--lang", "en")
    assert "was returned but rejected (errors: 1)" in english.output
    rows = first_rows(openpyxl.load_workbook(tmp_path / "e.xlsx")["出典"])
    assert rows["第1節"][2] == "rejected (1 error)"
    status = run(runner, "status", folder, "--base", EXAMPLE)
    assert "エラーあり" in status.output


def test_provenance_hash_is_of_the_bytes_that_were_merged(desk, runner, tmp_path, monkeypatch):
    """The file is replaced on disk after it was read (a department re-sends it while
    the merge runs): 出典 names the hash of what was merged, not of a second read."""
    import hashlib

    from sheetkit import collect as collecting

    folder = folder_of(tmp_path, desk["returns"][1])
    merged_file = folder / "第1節.xlsx"
    read_bytes = merged_file.read_bytes()
    real = collecting.validate_paths

    def then_replaced(*args, **kwargs):
        result = real(*args, **kwargs)
        merged_file.write_bytes(desk["returns"][2].read_bytes())      # another file now
        return result
    monkeypatch.setattr(collecting, "validate_paths", then_replaced)
    out = tmp_path / "s.xlsx"
    run(runner, "merge", folder, "--base", desk["base"], "-o", out, "--jobs", "1")
    rows = first_rows(openpyxl.load_workbook(out)["出典"])
    assert rows["第1節"][4] == hashlib.sha256(read_bytes).hexdigest()
