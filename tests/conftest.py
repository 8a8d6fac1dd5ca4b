"""Shared fixtures: the bundled example, a CLI runner, generated workbooks."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetkit.cli import cli
from sheetkit.layout import load_layout
from sheetkit.loader import load_document

# sheetkit keeps the parse of its own YAML in the user's cache folder (sheetkit.parsed):
# the tests keep theirs in a folder of their own, removed at the end, never in the
# developer's (nor in CI's home), and every command they start inherits it
_CACHE = tempfile.mkdtemp(prefix="sheetkit-test-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
os.environ["SHEETKIT_CACHE_DIR"] = _CACHE

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "tokorozawa-ch1.yaml"
SHARED_EXAMPLE = ROOT.parent / "shared" / "examples" / "tokorozawa-ch1.yaml"
# who fills what in the default layout, for tests that blank or fingerprint a section
DEFAULT_INPUTS = load_layout().inputs


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    """Tests see what users see, even where a developer has SHEETKIT_DEBUG=1 set."""
    monkeypatch.delenv("SHEETKIT_DEBUG", raising=False)


@pytest.fixture(scope="session")
def example_doc():
    return load_document(EXAMPLE)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str):
    """Invoke the CLI as a user would; stdout and stderr are kept apart."""
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def summary_path(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "総括表.xlsx"
    result = CliRunner().invoke(cli, ["generate", str(EXAMPLE), "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tpl")
    result = CliRunner().invoke(cli, ["template", str(EXAMPLE), "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out
