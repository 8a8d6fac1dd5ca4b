"""The texts sheetkit writes into a city's sheets come from data: the data
validation of each kind of input cell, and the 目標指標 table's texts a layout
does not declare, are read from schemas/sheet_texts.yaml, not written in code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE, ROOT, run

import sheetkit.writer
from sheetkit.layout import load_layout
from sheetkit.sheet_texts import ActualCheck, sheet_texts

SHISAKU = ROOT / "examples" / "shisaku-hyoka-sample.yaml"


def _validations(folder: Path) -> set[tuple[str, str]]:
    """Every (title, message) of the data validations in the workbooks of ``folder``."""
    found = set()
    for path in folder.glob("*.xlsx"):
        for ws in openpyxl.load_workbook(path).worksheets:
            found |= {(v.errorTitle or "", v.error or "") for v in ws.data_validations.dataValidation
                      if v.error}      # not a hint alone
    return found


@pytest.mark.parametrize(("data", "layout"), [(EXAMPLE, "tokorozawa"), (SHISAKU, "shisaku-hyoka")])
def test_the_data_validation_of_templates_comes_from_sheet_texts(
        runner, tmp_path, monkeypatch, data, layout):
    real = sheet_texts()
    marked = replace(
        real, checks={kind: (f"T:{kind}", f"M:{kind} {message}")
                      for kind, (_, message) in real.checks.items()},
        indicators=replace(real.indicators, actual_check=ActualCheck("T:actual", "M:a", "M:p")))
    monkeypatch.setattr(sheetkit.writer, "sheet_texts", lambda: marked)
    result = run(runner, "template", data, "--layout", layout, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    own = load_layout(layout).indicators          # a layout's own 目標指標 texts win
    allowed = {f"T:{kind}" for kind in real.checks} | {"T:actual"} | (
        {own.actual_check.title} if own else set())
    titles = {title for title, _ in _validations(tmp_path)}
    assert titles and titles <= allowed, titles - allowed
    messages = {message for _, message in _validations(tmp_path)}
    assert any(m.startswith("M:") for m in messages)


def test_the_bundled_texts_are_the_ones_the_templates_show(runner, tmp_path):
    for data, layout in ((EXAMPLE, "tokorozawa"), (SHISAKU, "shisaku-hyoka")):
        result = run(runner, "template", data, "--layout", layout, "-o", tmp_path / layout)
        assert result.exit_code == 0, result.output
    shown = _validations(tmp_path / "tokorozawa") | _validations(tmp_path / "shisaku-hyoka")
    texts = sheet_texts()
    assert texts.checks["date"] in shown and texts.checks["policy-choice"] in shown
    check = texts.indicators.actual_check
    assert (check.title, check.message) in shown
    assert ("選択肢", "一覧から選んでください：拡充・継続・改善・縮小・廃止・完了") in shown


def test_a_layout_that_leaves_out_the_indicator_texts_takes_the_data_files(tmp_path):
    text = (ROOT / "templates" / "tokorozawa.yaml").read_text(encoding="utf-8")
    kept = [line for line in text.splitlines(keepends=True)
            if not line.lstrip().startswith(("absent:", "actual_label:", "actual_check:",
                                             "percent_message:", "names:"))]
    assert len(text.splitlines()) - len(kept) == 5
    path = tmp_path / "mine.yaml"
    path.write_text("".join(kept), encoding="utf-8")
    assert load_layout(str(path)).indicators.texts == load_layout().indicators.texts \
        == sheet_texts().indicators
