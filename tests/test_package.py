"""The wheel carries the layouts; the console script and ``python -m`` both work."""

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


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sheetkit", "--help"], capture_output=True,
                            text=True, check=True)
    assert "generate" in result.stdout and "template" in result.stdout
