"""The code type-checks (mypy) and lints (ruff) clean, with the settings pinned in
pyproject.toml, so the README's test command (which CI runs) enforces both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_mypy_is_clean() -> None:
    # the files and the settings come from [tool.mypy]; no cache, so that a stale one
    # left by another checkout never hides an error
    result = _run("mypy", "--no-incremental", "--cache-dir", "/dev/null")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    # the rules come from [tool.ruff.lint] alone: with a project file present, ruff reads
    # no user-level configuration
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr
