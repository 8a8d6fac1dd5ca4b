"""The fence that hostile tests run in must itself be right: it measures the
whole process tree and only it, enforces its limits, and sees leftovers."""

import sys
import textwrap

import pytest
from isolated import GIB, MIB, Isolated, TimedOut, digests, run_isolated

PY = (sys.executable, "-c")


def test_peak_counts_workers_and_not_the_parent(tmp_path):
    ballast = bytearray(300 * MIB)               # the parent's memory must not count
    ballast[::4096] = b"x" * len(ballast[::4096])
    code = textwrap.dedent("""
        import multiprocessing as mp, time
        def hold():
            block = bytearray(200 << 20); block[::4096] = b"y" * len(block[::4096])
            time.sleep(0.5)
        if __name__ == "__main__":
            p = mp.get_context("fork").Process(target=hold); p.start(); p.join()
    """)
    outcome = Isolated([code], tmp_path, program=PY).finish()
    assert outcome.status == 0, outcome.output
    assert 200 * MIB < outcome.peak < 300 * MIB
    del ballast


def test_address_space_limit_applies(tmp_path):
    outcome = Isolated(["bytearray(3 << 30)"], tmp_path, memory=GIB, program=PY).finish()
    assert outcome.status == 1 and "MemoryError" in outcome.stderr


def test_wall_clock_limit_kills_the_tree(tmp_path):
    run = Isolated(["import time; time.sleep(60)"], tmp_path, program=PY)
    with pytest.raises(TimedOut):
        run.finish(timeout=1)
    assert run.members() == []


def test_leftover_workers_are_reported(tmp_path):
    code = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"
    outcome = Isolated([code], tmp_path, program=PY).finish(linger=0.5)
    assert len(outcome.leftovers) == 1
    with pytest.raises(AssertionError, match="left running"):
        outcome.assert_clean()


def test_sheetkit_runs_and_tracebacks_are_caught(tmp_path):
    outcome = run_isolated(["--version"], tmp_path)
    assert outcome.status == 0 and "sheetkit" in outcome.stdout
    outcome.assert_clean()
    broken = Isolated(["raise RuntimeError('x')"], tmp_path, program=PY).finish()
    with pytest.raises(AssertionError, match="Traceback"):
        broken.assert_no_traceback()


def test_digests_see_changes_and_never_open_special_files(tmp_path):
    import os
    (tmp_path / "a.xlsx").write_bytes(b"one")
    os.mkfifo(tmp_path / "fifo.xlsx")
    (tmp_path / "zero.xlsx").symlink_to("/dev/zero")
    before = digests([tmp_path])
    assert before[str(tmp_path / "zero.xlsx")] == "link:/dev/zero"
    (tmp_path / "a.xlsx").write_bytes(b"two")
    assert digests([tmp_path]) != before
