"""Issue 10, "Plain answers for ordinary mistakes": English mode, usage errors,
re-annotating, the template's own date check and the smaller points."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from conftest import run
from filling import blank_base, fill, find_row
from recalc import SOFFICE, recalculated


def date_validation(path: Path):
    ws = openpyxl.load_workbook(path)["第1節"]
    row = find_row(ws, 1, "記入日")
    (check,) = [dv for dv in ws.data_validations.dataValidation if f"C{row}" in str(dv.sqref)]
    return row, check


def test_the_date_check_accepts_what_the_hint_suggests(template_dir, tmp_path):
    template = next(template_dir.glob("第1章第1節_*.xlsx"))
    row, check = date_validation(template)
    assert check.type == "custom" and check.errorStyle == "warning"
    formula = check.formula1
    assert f"ISNUMBER(C{row})" in formula and 'FIND("年"' in formula
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    # LibreOffice keeps the check when it saves the template again
    (resaved,) = recalculated([template], tmp_path / "resave")
    _, kept = date_validation(resaved)
    assert kept.type == "custom" and "FIND" in kept.formula1 and "ISNUMBER" in kept.formula1
    # and evaluates it as intended: each value the hint suggests passes, junk does not
    wb = openpyxl.Workbook()
    ws = wb.active
    typed = ["令和元年12月20日", "R1.12.20", "2019/12/20", "2019-12-20",
             dt.datetime(2019, 12, 20), "まだ", 0]
    for index, value in enumerate(typed, start=1):
        ws.cell(index, 3).value = value
        if isinstance(value, str):
            ws.cell(index, 3).data_type = "s"
        ws.cell(index, 5).value = "=" + re.sub(rf"C{row}\b", f"C{index}", formula)
    wb.save(tmp_path / "check.xlsx")
    (result,) = recalculated([tmp_path / "check.xlsx"], tmp_path / "calc")
    got = [c.value for c in openpyxl.load_workbook(result, data_only=True).active["E"]]
    assert got == [True, True, True, True, True, False, False]


@pytest.fixture
def office(tmp_path, example_doc, template_dir):
    base = blank_base(tmp_path / "base.yaml", example_doc)
    returns = tmp_path / "回収"
    returns.mkdir()
    section = example_doc.section(1)
    good = fill(template_dir / f"第1章第1節_{section.title}.xlsx", returns / "第1節.xlsx",
                section)
    return {"root": tmp_path, "base": base, "returns": returns, "good": good,
            "doc": example_doc}


def test_english_mode_is_wholly_english(office, runner):
    status = run(runner, "status", office["returns"], "--base", office["base"], "--lang", "en")
    total = status.stdout.splitlines()[-1]
    assert total.startswith("Total: ") and "、" not in total
    validate = run(runner, "validate", office["good"], "--lang", "en").stdout
    assert "Total: 1 file," in validate and "1 files" not in validate
    made = run(runner, "template", office["base"], "-o", office["root"] / "t", "--section", "1",
               "--lang", "en")
    assert "Wrote 1 template." in made.stderr
    report = office["root"] / "r.xlsx"
    run(runner, "validate", office["good"], "--report", report, "--lang", "en")
    book = openpyxl.load_workbook(report)
    texts = [c.value for ws in book.worksheets for r in ws.iter_rows(max_row=40) for c in r
             if isinstance(c.value, str)]
    heads = [t for t in texts if t in ("ファイル", "節", "関係所属", "重要度", "件数", "コード別")]
    assert heads == []


@pytest.mark.parametrize("args, ja, en", [
    (("merge", "x.xlsx", "-o", "o.xlsx"), "--base を指定してください", "Missing option '--base'"),
    (("validate", "a", "--fail-on", "x"), "--fail-on の値が正しくありません", "Invalid value"),
    (("extract", ".", "-o", "x.yaml"), "フォルダーです", "is a directory"),
    (("validate", "a", "--no-such"), "というオプションはありません", "No such option"),
    (("nosuch",), "というコマンドはありません", "No such command"),
])
def test_usage_errors_speak_the_users_language(runner, args, ja, en):
    result = run(runner, *args)
    assert result.exit_code == 2 and ja in result.stderr and "Usage:" not in result.stderr
    english = run(runner, *args, "--lang", "en") if args[0] != "nosuch" else \
        runner.invoke(__import__("sheetkit.cli").cli.cli, list(args), env={"SHEETKIT_LANG": "en"})
    assert english.exit_code == 2 and en in english.stderr


def test_an_unknown_command_lists_every_command(runner):
    from sheetkit.cli import cli
    result = run(runner, "nosuch")
    assert result.exit_code == 2
    listed = re.search(r"（(.*) のどれかです）", result.stderr)
    assert listed and listed[1].split("・") == sorted(cli.commands), result.stderr


def test_an_invalid_sheetkit_lang_is_blamed_on_the_variable(runner, office):
    from sheetkit.cli import cli
    result = runner.invoke(cli, ["validate", str(office["good"])], env={"SHEETKIT_LANG": "fr"})
    assert result.exit_code == 2
    assert "SHEETKIT_LANG" in result.stderr and "--lang'" not in result.stderr
    fine = runner.invoke(cli, ["validate", str(office["good"]), "--lang", "en"],
                         env={"SHEETKIT_LANG": "fr"})
    assert fine.exit_code == 0


def test_reannotating_a_corrected_copy_shows_only_current_findings(office, runner, tmp_path):
    bad = tmp_path / "第1節.xlsx"
    wb = openpyxl.load_workbook(office["good"])
    ws = wb["第1節"]
    row = find_row(ws, 1, "取り組み") + 1
    outcome = ws.cell(row, 6).value
    ws.cell(row, 6).value = None
    wb.save(bad)
    run(runner, "validate", bad, "--annotate", tmp_path / "1回目")
    first = tmp_path / "1回目" / "第1節.xlsx"
    red = openpyxl.load_workbook(first)["第1節"].cell(row, 6)
    assert red.fill.fgColor.rgb == "FFFF9999" and red.comment is not None
    # the department corrects its annotated copy and sends it back
    wb = openpyxl.load_workbook(first)
    wb["第1節"].cell(row, 6).value = outcome
    wb.save(tmp_path / "corrected.xlsx")
    result = run(runner, "validate", tmp_path / "corrected.xlsx", "--annotate", tmp_path / "2回目",
                 "--format", "json")
    current = {(f["sheet"], f["cell"]) for f in json.loads(result.stdout)["files"][0]["findings"]
               if f["cell"]}
    book = openpyxl.load_workbook(tmp_path / "2回目" / "corrected.xlsx")
    assert [n for n in book.sheetnames if n.startswith("検証結果")] == ["検証結果"]
    marked = {(ws.title, c.coordinate) for ws in book.worksheets for r in ws.iter_rows()
              for c in r if c.fill.fill_type == "solid" and c.fill.fgColor.rgb == "FFFF9999"}
    noted = {(ws.title, c.coordinate) for ws in book.worksheets for r in ws.iter_rows()
             for c in r if c.comment is not None}
    assert marked == current and noted == current
    fixed = book["第1節"].cell(row, 6)
    assert fixed.fill.fgColor.rgb == "FFFFF2CC"            # an input again: yellow, unlocked
    listed = [r[1] for r in book["検証結果"].iter_rows(min_row=2, values_only=True)]
    assert "missing-outcome" not in listed


def test_missing_outcome_value_is_the_empty_outcome(office, runner, tmp_path):
    bad = tmp_path / "第1節.xlsx"
    wb = openpyxl.load_workbook(office["good"])
    ws = wb["第1節"]
    ws.cell(find_row(ws, 1, "取り組み") + 1, 6).value = "－"
    wb.save(bad)
    data = json.loads(run(runner, "validate", bad, "--format", "json").stdout)
    (missing,) = [f for f in data["files"][0]["findings"] if f["code"] == "missing-outcome"]
    assert missing["value"] == "－" and missing["cell"].startswith("F")


def test_allow_invalid_and_prefer_newest_say_what_they_did(office, runner, tmp_path):
    folder = office["returns"]
    bad = folder / "第1節_再.xlsx"
    wb = openpyxl.load_workbook(office["good"])
    ws = wb["第1節"]
    ws.cell(find_row(ws, 1, "取り組み") + 1, 6).value = None
    wb.save(bad)
    result = run(runner, "merge", bad, "--base", office["base"], "-o", tmp_path / "a.xlsx",
                 "--allow-invalid")
    assert "エラーがあるまま取り込んだ" in result.stdout and "missing-outcome" in result.stdout
    newer = folder / "第1節_新.xlsx"
    section = replace(office["doc"].section(1), entry_date=dt.date(2020, 1, 10))
    fill(next(Path(office["root"]).glob("回収/第1節.xlsx")), tmp_path / "x.xlsx", section)
    newer.write_bytes((tmp_path / "x.xlsx").read_bytes())
    bad.unlink()
    result = run(runner, "merge", folder, "--base", office["base"], "-o", tmp_path / "b.xlsx",
                 "--prefer", "newest")
    assert result.exit_code == 1
    left = result.stdout.split("取り込まなかったファイル:")[1].splitlines()
    assert left[0].strip().endswith("第1節.xlsx") and "第1節_新.xlsx" in left[1]


def test_status_counts_a_valid_and_an_invalid_return_consistently(office, runner):
    bad = office["returns"] / "第1節_古い.xlsx"
    wb = openpyxl.load_workbook(office["good"])
    ws = wb["第1節"]
    ws.cell(find_row(ws, 1, "取り組み") + 1, 6).value = None
    wb.save(bad)
    text = run(runner, "status", office["returns"], "--base", office["base"]).stdout
    row = next(line for line in text.splitlines() if line.startswith("第1節"))
    assert "提出済" in row and "第1節_古い.xlsx" in row and "不採用" in row
    total = text.splitlines()[-1]
    data = json.loads(run(runner, "status", office["returns"], "--base", office["base"],
                          "--format", "json").stdout)
    first = data["sections"][0]
    assert first["errors"] == 0                          # the return used has none
    assert f"エラー {sum(s['errors'] for s in data['sections'])}" in total

