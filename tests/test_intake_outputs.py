"""Issue 10, "Outputs never destroy inputs, and appear whole or not at all"."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run
from filling import blank_base, fill

from sheetkit.atomic import check_outputs, write_all
from sheetkit.problems import SheetkitError


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def office(tmp_path, example_doc, template_dir):
    base = blank_base(tmp_path / "base.yaml", example_doc)
    returns = tmp_path / "回収"
    returns.mkdir()
    for n in (1, 3):
        section = example_doc.section(n)
        fill(template_dir / f"第1章第{n}節_{section.title}.xlsx", returns / f"第{n}節.xlsx",
             section)
    return {"root": tmp_path, "base": base, "returns": returns}


def test_no_output_may_be_an_input_even_with_force(office, runner):
    root, base, returns = office["root"], office["base"], office["returns"]
    first = returns / "第1節.xlsx"
    alias = returns / ".." / "回収" / "第1節.xlsx"
    linked = root / "link.xlsx"
    linked.symlink_to(first)
    hard = root / "hard.xlsx"                                          # the same file, another name
    os.link(first, hard)
    before = digests(root)
    cases = [
        ("validate", first, "--annotate", returns, "--force"),
        ("validate", first, "--annotate", root / "回収" / ".", "--force"),
        ("validate", first, "--report", first, "--force"),
        ("validate", first, "--report", linked, "--force"),            # a symlink to an input
        ("validate", first, "--report", hard, "--force"),              # a hard link to it
        ("merge", returns, "--base", base, "-o", alias, "--force"),
        ("merge", returns, "--base", base, "-o", root / "s.xlsx", "--data", base, "--force"),
        ("merge", returns, "--base", base, "-o", root / "s.xlsx", "--csv", first, "--force"),
        ("extract", first, "-o", first, "--force"),
        ("generate", base, "-o", base, "--force"),
    ]
    for args in cases:
        result = run(runner, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "入力" in result.output and "Traceback" not in result.output, args
        assert digests(root) == before, args
    assert not (root / "s.xlsx").exists()


def test_one_path_named_twice_is_a_usage_error_up_front(office, runner):
    root = office["root"]
    out = root / "s.xlsx"
    for extra in (("--data", out), ("--csv", out), ("--data", root / "d.yaml",
                                                   "--csv", root / "." / "d.yaml")):
        result = run(runner, "merge", office["returns"], "--base", office["base"], "-o", out,
                     *extra)
        assert result.exit_code == 2 and "2回" in result.output, extra
        assert sorted(p.name for p in root.iterdir()) == ["base.yaml", "回収"]


def test_existing_outputs_are_listed_before_any_work(office, runner):
    root, first = office["root"], office["returns"] / "第1節.xlsx"
    (root / "差し戻し").mkdir()
    (root / "差し戻し" / "第1節.xlsx").write_bytes(b"old copy")
    (root / "一覧.xlsx").write_bytes(b"old report")
    result = run(runner, "validate", first, office["returns"] / "第3節.xlsx",
                 "--annotate", root / "差し戻し", "--report", root / "一覧.xlsx")
    assert result.exit_code == 2
    assert "差し戻し/第1節.xlsx" in result.stderr and "一覧.xlsx" in result.stderr
    assert "missing" not in result.stdout and "問題" not in result.stdout   # no work was done
    assert sorted(p.name for p in (root / "差し戻し").iterdir()) == ["第1節.xlsx"]
    assert (root / "一覧.xlsx").read_bytes() == b"old report"


def test_a_failure_replaces_nothing_of_the_set(office, runner, monkeypatch):
    """--force over an old set; the CSV fails on a full disk: the old summary
    and data stay as they were, nothing is half-written, no temporary file."""
    from sheetkit import merge as merging

    root = office["root"]
    olds = {root / "s.xlsx": b"old summary", root / "d.yaml": b"old data",
            root / "i.csv": b"old csv"}
    for path, data in olds.items():
        path.write_bytes(data)
    real = merging.bytes_writer

    def writer(data):
        if data.startswith(b"\xef\xbb\xbf"):           # the CSV, written last
            def full(path):
                path.write_bytes(data[:10])
                raise OSError(errno.ENOSPC, "No space left on device")
            return full
        return real(data)
    monkeypatch.setattr(merging, "bytes_writer", writer)
    result = run(runner, "merge", office["returns"], "--base", office["base"], "-o",
                 root / "s.xlsx", "--data", root / "d.yaml", "--csv", root / "i.csv", "--force")
    assert result.exit_code == 2 and "ディスクの空きが足りません" in result.output
    for path, data in olds.items():
        assert path.read_bytes() == data
    assert not [p for p in root.iterdir() if ".sheetkit-" in p.name]


@pytest.mark.parametrize("command", ["generate", "template", "annotate", "merge"])
def test_full_disk_is_a_plain_message(office, runner, monkeypatch, command):
    """ENOSPC, as xlsxwriter raises it (wrapped) or as a plain write raises it."""
    import xlsxwriter.exceptions

    from sheetkit import api, writer
    from sheetkit import merge as merging

    root, base, first = office["root"], office["base"], office["returns"] / "第1節.xlsx"
    calls = {"n": 0}

    def full(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] >= 2 or command != "template":
            raise xlsxwriter.exceptions.FileCreateError(
                OSError(errno.ENOSPC, "No space left on device"))
        return real(*args, **kwargs)
    def full_writer(data):
        return full
    # api takes the writer's functions from their modules when it writes, and writes each
    # annotated copy (made in memory first) with its own bytes_writer
    target, name = {"generate": (writer, "write_summary"), "template": (writer, "write_template"),
                    "annotate": (api, "bytes_writer"), "merge": (merging, "bytes_writer")}[command]
    real = getattr(target, name)
    monkeypatch.setattr(target, name, full_writer if command in ("annotate", "merge") else full)
    out = root / "out"
    args = {"generate": ("generate", base, "-o", out / "s.xlsx"),
            "template": ("template", base, "-o", out),
            "annotate": ("validate", first, "--annotate", out),
            "merge": ("merge", office["returns"], "--base", base, "-o", out / "s.xlsx")}[command]
    before = digests(root)
    result = run(runner, *args)
    assert result.exit_code == 2, result.output
    assert "ディスクの空きが足りません" in result.output and "Traceback" not in result.output
    assert str(out) in result.output
    assert not out.exists() or list(out.iterdir()) == []        # no partial set
    assert digests(root) == before


def test_temporary_files_of_a_killed_run_are_cleaned_up(office, runner):
    root = office["root"]
    dead = root / ".s.xlsx.sheetkit-999999999-0123abcd.tmp"      # no such process
    alive = root / f".s.xlsx.sheetkit-{os.getpid()}-0123abcd.tmp"   # still running: kept
    other = root / ".mine.tmp"                                  # not sheetkit's: kept
    for path in (dead, alive, other):
        path.write_bytes(b"partial")
    assert run(runner, "generate", office["base"], "-o", root / "s.xlsx").exit_code == 0
    assert not dead.exists() and alive.exists() and other.exists()


def test_a_new_output_is_created_exclusively(tmp_path):
    target = tmp_path / "s.xlsx"
    outputs = check_outputs([target])
    target.write_bytes(b"the other run won")          # created after the up-front check
    with pytest.raises(SheetkitError) as caught:
        write_all(outputs, [(target, lambda tmp: tmp.write_bytes(b"mine"))])
    assert caught.value.problems[0].code == "output-exists"
    assert target.read_bytes() == b"the other run won"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.xlsx"]


def test_two_identical_merges_one_wins(office):
    out = office["root"] / "new" / "s.xlsx"
    command = [sys.executable, "-m", "sheetkit", "merge", str(office["returns"]), "--base",
               str(office["base"]), "-o", str(out), "--jobs", "1"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)]
    results = [(p.wait(timeout=60), p.stderr.read().decode()) for p in runs]
    codes = sorted(code for code, _ in results)
    # both see the section 2, 4 and 5 templates missing (warnings): exit 0 for the winner
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert "Traceback" not in loser and "すでにあります" in loser
    assert sorted(p.name for p in out.parent.iterdir()) == ["s.xlsx"]


def test_many_outputs_are_checked_without_comparing_every_pair(tmp_path, monkeypatch):
    """validate --annotate over thousands of returns, template over a whole
    plan: each path is looked up once, not once for every other path."""
    from sheetkit import atomic

    inputs = [tmp_path / "in" / f"{n}.xlsx" for n in range(600)]
    targets = [tmp_path / "out" / f"{n}.xlsx" for n in range(600)]
    looked_up = []
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: looked_up.append(path) or
                        real_stat(path, *a, **k))
    outputs = atomic.check_outputs(targets, inputs, folders=[tmp_path / "out"])
    assert outputs.targets == tuple(targets)
    assert len(looked_up) < 5 * (len(inputs) + len(targets))   # a few each, not one a pair
