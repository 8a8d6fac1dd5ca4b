"""SHEETKIT_DEBUG=1 shows the traceback behind an internal error (exit 70), for the
developer the office sends it to; without it, a user never sees one."""

import os
import subprocess
import sys

import pytest
from conftest import EXAMPLE, run

from sheetkit import writer


@pytest.fixture
def broken_writer(monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(writer, "write_summary", broken)   # generate takes it from here


@pytest.mark.parametrize("setting", [None, "0", ""])
def test_no_traceback_without_the_switch(broken_writer, runner, tmp_path, monkeypatch, setting):
    if setting is not None:
        monkeypatch.setenv("SHEETKIT_DEBUG", setting)
    result = run(runner, "generate", EXAMPLE, "-o", tmp_path / "s.xlsx")
    assert result.exit_code == 70
    assert "RuntimeError: disk on fire" in result.output          # the one-line message
    assert "Traceback" not in result.output and "broken" not in result.output


def test_the_switch_shows_the_traceback(broken_writer, runner, tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETKIT_DEBUG", "1")
    result = run(runner, "generate", EXAMPLE, "-o", tmp_path / "s.xlsx")
    assert result.exit_code == 70
    output = result.output
    assert output.index("disk on fire") < output.index("Traceback (most recent call last):")
    assert 'in broken\n    raise RuntimeError("disk on fire")' in output     # where it was raised
    assert list(tmp_path.iterdir()) == []


def test_the_switch_in_a_real_process(tmp_path):
    """The console program, not only the click runner: the traceback goes to stderr."""
    program = ("import sys; from sheetkit import cli, writer\n"
               "def broken(*a, **k): raise RuntimeError('disk on fire')\n"
               "writer.write_summary = broken\n"
               "sys.exit(cli.main(sys.argv[1:]))")
    args = [sys.executable, "-c", program, "generate", str(EXAMPLE), "-o", str(tmp_path / "s.xlsx")]
    env = {k: v for k, v in os.environ.items() if k != "SHEETKIT_DEBUG"} | {"SHEETKIT_LANG": "en"}
    plain = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)
    debug = subprocess.run(args, capture_output=True, text=True, timeout=120,
                           env=env | {"SHEETKIT_DEBUG": "1"})
    assert plain.returncode == debug.returncode == 70, plain.stderr
    assert "disk on fire" in plain.stderr and "Traceback" not in plain.stderr + plain.stdout
    assert "Traceback (most recent call last):" in debug.stderr
    assert 'File "<string>", line 2, in broken' in debug.stderr        # where it was raised
