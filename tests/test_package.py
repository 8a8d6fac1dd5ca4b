"""The wheel carries the layouts; the console script and ``python -m`` both work."""

import os
import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_contains_the_layouts(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("sheetkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sheetkit/templates/tokorozawa.yaml" in names
    assert "sheetkit/cli.py" in names
    assert "sheetkit/py.typed" in names              # library users' type checkers use our hints


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sheetkit", "--help"], capture_output=True,
                            text=True, check=True)
    assert "generate" in result.stdout and "template" in result.stdout


def test_help_loads_no_layout_machinery():
    """Parsing the command line and --help load no layout machinery: not the
    guard, the model or the layouts, and no YAML (the registry of codes reads
    findings.yaml only when a message is needed)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "sheetkit", "--help"],
                            capture_output=True, text=True, check=True)
    loaded = {line.split("|")[-1].strip() for line in result.stderr.splitlines()
              if line.startswith("import time:")}
    assert "click" in loaded and "sheetkit.cli" in loaded
    assert not {"yaml", "sheetkit.guard", "sheetkit.model", "sheetkit.layout",
                "sheetkit.api"} & loaded, loaded


def test_validate_imports_only_what_it_uses(tmp_path):
    """validate without --annotate/--report never loads the writer (xlsxwriter)
    nor the annotated copies' code, nor, without --base, status's (collect:
    validate only lists the folders given, intake.expand_inputs), and pandera does not load
    hypothesis (start-up time), even where hypothesis is installed, as in the
    test environment."""
    data = tmp_path / "doc.yaml"
    data.write_text((ROOT / "examples" / "tokorozawa-ch1.yaml").read_text("utf-8"), "utf-8")
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "sheetkit", "validate",
                             str(data), "--format", "json"], capture_output=True, text=True)
    assert result.returncode == 1 and '"missing-value"' in result.stdout
    loaded = {line.split("|")[-1].strip() for line in result.stderr.splitlines()
              if line.startswith("import time:")}
    assert "pandera" in loaded and "sheetkit.checks" in loaded
    assert not {"xlsxwriter", "sheetkit.writer", "hypothesis", "sheetkit.annotate",
                "sheetkit.collect", "openpyxl"} & loaded, loaded


def test_validate_with_its_parses_cached_loads_no_yaml(tmp_path):
    """A run that finds the parse of its layout, the registry and the check
    schemas in the cache (sheetkit.parsed) does not even import PyYAML; the
    first run, which parses them, does."""
    env = {**os.environ, "SHEETKIT_CACHE_DIR": str(tmp_path / "cache")}
    loaded = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "sheetkit", "validate",
                                 str(ROOT / "tests" / "golden" / "tokorozawa-ch1.xlsx"),
                                 "--format", "json"], capture_output=True, text=True, env=env)
        assert result.returncode in (0, 1) and '"files"' in result.stdout, result.stderr[-2000:]
        loaded.append({line.split("|")[-1].strip() for line in result.stderr.splitlines()
                       if line.startswith("import time:")})
    assert {"yaml", "sheetkit.reader", "pandera"} <= loaded[0]
    assert {"sheetkit.reader", "pandera"} <= loaded[1] and "yaml" not in loaded[1], loaded[1]


def test_status_does_not_load_the_writer(tmp_path):
    """status reads returns and writes nothing: no xlsxwriter."""
    base = tmp_path / "base.yaml"
    base.write_text((ROOT / "examples" / "tokorozawa-ch1.yaml").read_text("utf-8"), "utf-8")
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "sheetkit", "status",
                             str(tmp_path), "--base", str(base)], capture_output=True, text=True)
    loaded = {line.split("|")[-1].strip() for line in result.stderr.splitlines()
              if line.startswith("import time:")}
    assert "sheetkit.status" in loaded, result.stderr[-2000:]
    assert not {"xlsxwriter", "sheetkit.writer"} & loaded
