"""The benchmark's "plain xlsxwriter script" (benchmarks/replay.py) writes the
very workbooks ``sheetkit template`` writes, part for part and byte for byte:
the template ÷ plain ratio compares sheetkit's own work with nothing left out
of the plain side (conditional formats, headers and footers, print areas …)."""

from __future__ import annotations

import json
import sys
import zipfile

import pytest
from conftest import EXAMPLE, ROOT

from sheetkit import api

sys.path.insert(0, str(ROOT / "benchmarks"))
from replay import record, replay  # noqa: E402


@pytest.mark.parametrize("layout", ["tokorozawa", "shisaku-hyoka"])
def test_the_plain_script_writes_the_same_workbooks(tmp_path, layout):
    data = EXAMPLE if layout == "tokorozawa" else ROOT / "examples" / "shisaku-hyoka-sample.yaml"
    written: list = []
    books = record(lambda: written.extend(api.make_templates(data, tmp_path / "sheetkit")))
    assert len(books) == len(written) > 1
    replay(json.loads(json.dumps(books, ensure_ascii=False)), tmp_path / "plain")  # as run.py
    for index, path in enumerate(written):
        with zipfile.ZipFile(path) as ours, \
                zipfile.ZipFile(tmp_path / "plain" / f"{index}.xlsx") as plain:
            assert ours.namelist() == plain.namelist()
            for name in ours.namelist():
                assert ours.read(name) == plain.read(name), (path.name, name)
