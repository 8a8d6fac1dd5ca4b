"""`sheetkit merge` and `sheetkit status`: from a folder of returns to the 総括表."""

import csv
import datetime as dt
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from conftest import DEFAULT_INPUTS, EXAMPLE, run
from filling import fill, find_row

from sheetkit.identity import blank_section
from sheetkit.normalize import normalize
from sheetkit.reader import extract
from sheetkit.serialize import to_yaml


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def office(tmp_path_factory, example_doc, template_dir):
    """The planning office's base (fixed parts only) and a folder of returns:
    第1節 and 第3節 as expected, 第4節 with a missing 成果, 第5節 twice, 第2節 never."""
    root = tmp_path_factory.mktemp("office")
    base_doc = replace(example_doc, sections=tuple(blank_section(s, 1, DEFAULT_INPUTS)
                                                   for s in example_doc.sections))
    base = root / "base.yaml"
    base.write_text(to_yaml(base_doc), encoding="utf-8")
    returns = root / "回収"
    returns.mkdir()
    sections = {s.number: s for s in example_doc.sections}

    def template(n):
        return template_dir / f"第1章第{n}節_{sections[n].title}.xlsx"

    fill(template(1), returns / "第1節.xlsx", sections[1])
    fill(template(3), returns / "第3節.xlsx", sections[3], extra_rows=2)
    bad = fill(template(4), returns / "第4節.xlsx", sections[4])
    wb = openpyxl.load_workbook(bad)
    ws = wb["第4節"]
    ws.cell(find_row(ws, 1, "取り組み") + 1, 6).value = "－"
    wb.save(bad)
    first = fill(template(5), returns / "第5節_初回.xlsx", sections[5])
    later = replace(sections[5], entry_date=dt.date(2020, 1, 10), author="国際交流担当 再提出")
    second = fill(template(5), returns / "第5節_再提出.xlsx", later)
    os.utime(first, (1_000_000_000, 1_000_000_000))
    os.utime(second, (1_000_000_100, 1_000_000_100))
    (returns / "~$第1節.xlsx").write_bytes(b"lock file of an open workbook")
    (returns / ".DS_Store").write_bytes(b"\0")
    return {"base": base, "returns": returns, "doc": example_doc, "later": later,
            "hashes": {p.name: sha(p) for p in returns.iterdir()}}


def sections_of(path):
    return {s.number: s for s in extract(path).document.sections}


def test_merge_takes_exactly_the_accepted_content(office, runner, tmp_path):
    out = tmp_path / "総括表.xlsx"
    result = run(runner, "merge", office["returns"], "--base", office["base"], "-o", out)
    assert result.exit_code == 1                         # inputs were left out
    assert "第4節.xlsx" in result.stdout and "missing-outcome" in result.stdout
    assert "duplicate-return" in result.stdout and "第5節_再提出.xlsx" in result.stdout
    merged = sections_of(out)
    doc = office["doc"]
    for n in (1, 3):                                     # accepted
        assert normalize(replace(doc, sections=(merged[n],))) == \
            normalize(replace(doc, sections=(doc.section(n),)))
    for n in (2, 4, 5):                                  # missing, invalid, conflict
        assert merged[n].initiatives == () and merged[n].entry_date is None
    assert {p.name: sha(p) for p in office["returns"].iterdir()} == office["hashes"]


def test_nothing_is_lost(office, runner, tmp_path):
    out = tmp_path / "s.xlsx"
    run(runner, "merge", office["returns"], "--base", office["base"], "-o", out,
        "--prefer", "newest", "--allow-invalid")
    merged = sections_of(out)
    for name in ("第1節.xlsx", "第3節.xlsx", "第4節.xlsx", "第5節_再提出.xlsx"):
        (returned,) = extract(office["returns"] / name).document.sections
        mine = merged[returned.number]
        assert mine.initiatives == returned.initiatives
        assert mine.carried_over == returned.carried_over
        assert [i.results[-1].actual if i.results[-1] else None for i in mine.indicators] == \
            [i.results[-1].actual if i.results[-1] else None for i in returned.indicators]
        assert (mine.entry_date, mine.author, mine.unmet_analysis) == \
            (returned.entry_date, returned.author, returned.unmet_analysis)
    counted = sum(len(s.initiatives) + len(s.carried_over) for s in merged.values())
    assert counted == sum(len(office["doc"].section(n).initiatives)
                          + len(office["doc"].section(n).carried_over) for n in (1, 3, 4, 5))


def provenance_rows(path):
    ws = openpyxl.load_workbook(path)["出典"]
    return [r for r in ws.iter_rows(values_only=True) if r[0]]


def test_provenance_sheet(office, runner, tmp_path):
    out = tmp_path / "s.xlsx"
    result = run(runner, "merge", office["returns"], "--base", office["base"], "-o", out,
                 "--prefer", "newest")
    assert result.exit_code == 1                         # 第4節 and the older 第5節 left out
    rows = provenance_rows(out)
    by_section = {r[0]: r for r in rows[2:7]}
    returns = office["returns"]
    first = by_section["第1節"]
    assert first[2] == "提出済" and first[3] == str(returns / "第1節.xlsx")
    assert first[4] == sha(returns / "第1節.xlsx")
    assert first[5].startswith("市民部次長") and first[6] == "令和元年12月20日"
    fifth = by_section["第5節"]
    assert fifth[3].endswith("第5節_再提出.xlsx") and fifth[5] == "国際交流担当 再提出"
    assert fifth[6] == "令和2年1月10日"
    assert "unmet-not-analyzed" in fifth[7]              # an accepted warning
    assert by_section["第2節"][2] == "未提出"
    assert by_section["第4節"][2] == "差し戻し（エラー 1 件）"      # issue 10: rejected, not "has errors"
    # the files left out sit under the 出典 columns of the same kind: ファイル, SHA-256, 理由
    caption = next(i for i, r in enumerate(rows) if r[0] == "取り込まなかったファイル")
    assert rows[caption + 1][:8] == ("節", None, None, "ファイル", "SHA-256", None, None, "理由")
    left = {r[3]: r for r in rows[caption + 2:]}
    assert str(returns / "第5節_初回.xlsx") in left
    assert left[str(returns / "第5節_初回.xlsx")][4] == sha(returns / "第5節_初回.xlsx")
    assert str(returns / "第4節.xlsx") in left and "missing-outcome" in left[
        str(returns / "第4節.xlsx")][7]
    assert not any("~$" in str(r) or ".DS_Store" in str(r) for r in rows)


def test_status(office, runner):
    result = run(runner, "status", office["returns"], "--base", office["base"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("第")}
    assert "未提出" in lines["第2節"]
    assert "提出済" in lines["第1節"] and "市民部次長" in lines["第1節"]
    assert "エラーあり" in lines["第4節"]
    assert "重複" in lines["第5節"]
    data = json.loads(run(runner, "status", office["returns"], "--base", office["base"],
                          "--format", "json").stdout)
    states = {s["section"]: s for s in data["sections"]}
    assert [states[n]["status"] for n in range(1, 6)] == \
        ["submitted", "missing", "submitted", "invalid", "duplicate"]
    assert states[4]["errors"] == 1 and len(states[5]["files"]) == 2
    assert states[1]["entry_date"] == "令和元年12月20日"
    english = run(runner, "status", office["returns"], "--base", office["base"], "--lang", "en")
    assert "not returned" in english.stdout


def test_merging_all_returns_reproduces_generate(example_doc, template_dir, tmp_path, runner):
    folder = tmp_path / "returns"
    folder.mkdir()
    for section in example_doc.sections:
        fill(template_dir / f"第1章第{section.number}節_{section.title}.xlsx",
             folder / f"{section.number}.xlsx", section, extra_rows=2)
    merged, generated = tmp_path / "merged.xlsx", tmp_path / "generated.xlsx"
    # 第2節 really has indicators without figures (missing-value), so it is let in
    result = run(runner, "merge", folder, "--base", EXAMPLE, "-o", merged, "--allow-invalid")
    assert result.exit_code == 0, result.output
    assert run(runner, "generate", EXAMPLE, "-o", generated).exit_code == 0
    ours, theirs = zipfile.ZipFile(merged), zipfile.ZipFile(generated)
    for number in range(1, 9):                # 達成状況, chapter, 目標指標, five sections
        part = f"xl/worksheets/sheet{number}.xml"
        assert ours.read(part) == theirs.read(part), part
    assert ours.read("xl/styles.xml") == theirs.read("xl/styles.xml")
    names = openpyxl.load_workbook(generated).sheetnames      # …, _達成状況データ, _sheetkit
    assert openpyxl.load_workbook(merged).sheetnames == [*names[:-1], "出典", names[-1]]


def test_same_inputs_same_bytes_and_side_outputs(office, runner, tmp_path):
    args = [office["returns"], "--base", office["base"], "--prefer", "newest"]
    run(runner, "merge", *args, "-o", tmp_path / "a.xlsx", "--data", tmp_path / "m.yaml",
        "--csv", tmp_path / "i.csv")
    run(runner, "merge", *args, "-o", tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    again = tmp_path / "again.xlsx"
    assert run(runner, "generate", tmp_path / "m.yaml", "-o", again).exit_code == 0
    assert normalize(extract(again).document) == normalize(extract(tmp_path / "a.xlsx").document)
    raw = (tmp_path / "i.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")               # UTF-8 with BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert set(rows[0]) == {"章", "節", "節の名称", "目標指標", "単位", "指標のめざす方向", "期間",
                            "区分", "値", "出典", "達成状況", "評価しない理由"}
    kinds = {(r["目標指標"], r["期間"], r["区分"]) for r in rows}
    assert ("自治会・町内会への加入率", "後期基本計画（H27～H30）", "実績値") in kinds
    actual = next(r for r in rows if r["目標指標"] == "自治会・町内会への加入率"
                  and r["期間"].startswith("後期") and r["区分"] == "実績値")
    assert actual["値"] == "61.9" and actual["出典"].endswith("第1節.xlsx:目標指標!I5")
    rate = next(r for r in rows if r["目標指標"] == "自治会・町内会への加入率"
                and r["期間"].startswith("後期") and r["区分"] == "達成率")
    assert rate["値"] == "89.7%" and rate["達成状況"] == "概ね達成"


def test_existing_output_is_kept_without_force(office, runner, tmp_path):
    out = tmp_path / "s.xlsx"
    out.write_bytes(b"previous summary")
    result = run(runner, "merge", office["returns"], "--base", office["base"], "-o", out)
    assert result.exit_code == 2 and out.read_bytes() == b"previous summary"


def test_failed_merge_leaves_no_output(office, runner, tmp_path, monkeypatch):
    from sheetkit import writer  # merge takes write_summary from here when it writes

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(writer, "write_summary", broken)
    out = tmp_path / "s.xlsx"
    result = run(runner, "merge", office["returns"], "--base", office["base"], "-o", out)
    assert result.exit_code == 70 and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


# sheetkit's command line, held at the write window: the outputs are written to their
# temporary files and not yet put in place; it says so in a file, then waits to be killed
HELD_AT_THE_WRITE_WINDOW = """
import pathlib, sys, time
from sheetkit import atomic, cli
def held(temps, force):
    pathlib.Path(sys.argv[1]).write_text("in the window")
    time.sleep(120)
atomic._commit = held
sys.exit(cli.main(sys.argv[2:]))
"""


def test_killed_merge_leaves_no_output(office, tmp_path, runner):
    """Killed between writing the output and putting it in place: no output, only the
    hidden temporary file, which the next run in that folder removes."""
    out = tmp_path / "out" / "s.xlsx"
    marker = tmp_path / "marker"
    args = ["merge", str(office["returns"]), "--base", str(office["base"]), "-o", str(out),
            "--jobs", "1"]
    process = subprocess.Popen([sys.executable, "-c", HELD_AT_THE_WRITE_WINDOW, str(marker),
                                *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "merge never reached the write window"
        (temp,) = out.parent.glob(f".s.xlsx.sheetkit-{process.pid}-*.tmp")
        assert temp.stat().st_size > 10_000            # the whole workbook, not yet in place
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir()] == [temp.name]
    result = run(runner, *args)                        # the next run sweeps the dead one's file
    assert result.exit_code in (0, 1), result.output
    assert [p.name for p in out.parent.iterdir()] == ["s.xlsx"]
