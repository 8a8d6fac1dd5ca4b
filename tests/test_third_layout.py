"""The promise "a new city needs a layout file, not code", kept tested: a third
layout (tests/layouts/kitamino.yaml, a made-up city written from the README and
the two bundled layouts only) goes through every command with --layout FILE —
generate, template, filling in (openpyxl and LibreOffice Calc), status,
validate (--annotate), merge, extract and publish."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import ROOT, run
from filling import calc_steps, fill
from recalc import UNO_PYTHON, type_in_calc

from sheetkit.layout import load_layout
from sheetkit.loader import load_document
from sheetkit.model import Section
from sheetkit.normalize import normalize
from sheetkit.reader import extract

LAYOUT = ROOT / "tests" / "layouts" / "kitamino.yaml"
DATA = ROOT / "tests" / "layouts" / "data" / "kitamino.yaml"
LAYOUT_ = load_layout(str(LAYOUT))


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Any]:
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("third")
    runner = CliRunner()
    summary = folder / "summary.xlsx"
    assert run(runner, "generate", DATA, "--layout", LAYOUT, "-o", summary).exit_code == 0
    result = run(runner, "template", DATA, "--layout", LAYOUT, "-o", folder / "templates")
    assert result.exit_code == 0, result.output
    doc = load_document(DATA)
    returns = folder / "returns"
    returns.mkdir()
    for template in sorted((folder / "templates").iterdir()):       # typed through names
        fill(template, returns / template.name, _section_of(doc, template), layout=LAYOUT_)
    return {"folder": folder, "summary": summary, "doc": doc, "returns": returns,
            "templates": folder / "templates"}


def _section_of(doc, template: Path) -> Section:
    number = int(template.name.split("_")[0].split("-")[1])      # file: "{chapter}-{section}_{title}"
    section = doc.section(number)
    assert section is not None
    return section


def _area(wb, suffix: str) -> tuple[Any, int, int]:
    """The (sheet, row, column) of the one input cell named ``…_suffix``."""
    (name,) = [n for n in wb.defined_names if n.endswith("_" + suffix)]
    ((title, ref),) = wb.defined_names[name].destinations
    cell = wb[title][ref.replace("$", "").split(":")[0]]
    return wb[title], cell.row, cell.column


def test_generate_extract_generate_is_byte_identical(made, runner, tmp_path):
    data, again = tmp_path / "data.yaml", tmp_path / "again.xlsx"
    assert run(runner, "extract", made["summary"], "--layout", LAYOUT, "-o", data).exit_code == 0
    assert run(runner, "generate", data, "--layout", LAYOUT, "-o", again).exit_code == 0
    assert again.read_bytes() == made["summary"].read_bytes()
    assert normalize(load_document(data)) == normalize(made["doc"])


def test_the_workbooks_have_the_layouts_shape(made):
    wb = openpyxl.load_workbook(made["summary"])
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"] == [
        "達成状況", "分野2", "指標の推移", "施策2-1", "施策2-2"]
    ind = wb["指標の推移"]
    assert [ind.cell(3, c).value for c in range(5, 14)] == ["目標", "実績", "達成率"] * 3
    assert ind["A4"].value == "特定健診の受診率" and ind["L4"].value == 43.2   # one row, no group
    assert ind["E5"].value == "（なし）"                   # the layout's absent mark
    assert ind["D4"].number_format == "#,##0.0"           # the layout's own figure format
    sheet = wb["施策2-1"]
    assert sheet["A2"].value == "記入日" and sheet["E4"].value == "担当課"
    assert sheet.column_dimensions["B"].width == pytest.approx(22.7109375)
    template = openpyxl.load_workbook(next(made["templates"].glob("2-1_*.xlsx")))
    names = set(template.defined_names)
    assert {"施策2_1_担当課", "施策2_1_実績", "施策2_1_届かなかった理由", "施策2_1_指標"} <= names
    assert template["施策2-1"]["F4"].protection.locked is False          # 担当課: the department's
    assert template["施策2-1"]["C8"].protection.locked is True           # 要望率: the office's


def test_a_figure_format_with_decimals_keeps_them():
    from sheetkit.codec import figure_format

    assert figure_format("#,##0.0", Decimal("500")) == "#,##0.0"
    assert figure_format("#,##0.0", Decimal("39.1")) == "#,##0.0"
    assert figure_format("#,##0.0", Decimal("43.25")) == "#,##0.00"
    assert figure_format("#,##0", Decimal("69.0")) == "#,##0.0"


def test_a_template_as_sent_out_is_not_modified(made, runner):
    """Its fixed figures (500, shown by the layout as 500.0) are read back equal."""
    result = run(runner, "validate", *sorted(made["templates"].iterdir()), "--layout", LAYOUT)
    assert "missing-value" in result.output
    assert "template-modified" not in result.output


def test_filled_returns_validate_and_merge_back_to_the_data(made, runner, tmp_path):
    returns = sorted(made["returns"].iterdir())
    result = run(runner, "validate", *returns, "--layout", LAYOUT)
    assert result.exit_code == 0, result.output
    status = run(runner, "status", "--base", DATA, made["returns"], "--layout", LAYOUT)
    assert status.exit_code == 0, status.output
    assert "健康づくり" in status.output and "地域福祉" in status.output
    merged, data = tmp_path / "merged.xlsx", tmp_path / "merged.yaml"
    result = run(runner, "merge", "--base", DATA, made["returns"], "-o", merged, "--data", data,
                 "--layout", LAYOUT)
    assert result.exit_code == 0, result.output
    assert normalize(load_document(data)) == normalize(made["doc"])
    assert normalize(extract(merged, layout=LAYOUT_).document) == normalize(
        made["doc"])


def test_validate_annotate_marks_a_missing_entry_date(made, runner, tmp_path):
    source = next(made["returns"].glob("2-1_*.xlsx"))
    wb = openpyxl.load_workbook(source)
    for name in ("記入日", "記入者"):
        ws, r, c = _area(wb, name)
        ws.cell(r, c).value = None
    returned = tmp_path / source.name
    wb.save(returned)
    result = run(runner, "validate", returned, "--layout", LAYOUT, "--annotate", tmp_path / "ann")
    assert result.exit_code == 1 and "missing-value" in result.output
    assert "施策2-1!B2" in result.output and "施策2-1!D2" in result.output
    assert "「記入者」が空です" in result.output          # as the sheet calls it
    assert "記入者職氏名" not in result.output
    (annotated,) = (tmp_path / "ann").glob("*.xlsx")
    assert "検証結果" in openpyxl.load_workbook(annotated).sheetnames


def test_publish_writes_the_pdf_and_open_data(made, runner, tmp_path):
    result = run(runner, "publish", made["summary"], "--layout", LAYOUT, "-o", tmp_path / "pub")
    assert result.exit_code == 0, result.output
    written = {p.suffix for p in (tmp_path / "pub").rglob("*") if p.is_file()}
    assert {".pdf", ".csv"} <= written
    pdf = next((tmp_path / "pub").rglob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "施策別振り返りシート" in text and "特定健診の受診率" in text


@pytest.mark.skipif(UNO_PYTHON is None, reason="LibreOffice's Python bridge (python3-uno) is "
                    "not installed; .ci/run installs it")
def test_template_typed_in_libreoffice_reads_back_the_same(made, runner, tmp_path):
    """The one LibreOffice pass: a department types its return in Calc and saves it;
    the file reads back as the openpyxl-typed one does, and goes through status,
    validate --annotate and merge."""
    template = next(made["templates"].glob("2-1_*.xlsx"))
    steps = calc_steps(template, _section_of(made["doc"], template), layout=LAYOUT_)
    assert any(step[1] == "指標の推移" for step in steps)          # the 実績 are typed too
    returns = tmp_path / "returns"
    returns.mkdir()
    saved = returns / template.name
    steps += [["show"], ["save", str(saved)]]
    seen, stderr = type_in_calc(template, steps, tmp_path)
    (shown,) = seen
    assert shown["total"] == 0, (shown, stderr)
    assert saved.exists(), stderr
    assert extract(saved, layout=LAYOUT_).document == extract(
        made["returns"] / template.name, layout=LAYOUT_).document
    status = run(runner, "status", "--base", DATA, returns, "--layout", LAYOUT)
    assert status.exit_code == 0, status.output
    checked = run(runner, "validate", saved, "--layout", LAYOUT, "--annotate", tmp_path / "ann")
    assert checked.exit_code == 0, checked.output
    data = tmp_path / "merged.yaml"
    merged = run(runner, "merge", "--base", DATA, returns, "-o", tmp_path / "merged.xlsx",
                 "--data", data, "--layout", LAYOUT)
    assert merged.exit_code == 0, merged.output
    assert normalize(load_document(data)).sections[0] == normalize(made["doc"]).sections[0]


@pytest.mark.parametrize(("old", "new", "first"), [
    ("names: {table: 指標, actuals: 実績}", "names: {table: 指標, actuals: 指標}",
     "indicators.names.table"),
    ("name: 記入者,", "name: 記入日,", "section.blocks[1].rows[0][1].name"),
])
def test_a_name_used_twice_is_layout_invalid(runner, tmp_path, old, new, first):
    """Two input regions of one name would make a template Excel calls damaged."""
    text = LAYOUT.read_text(encoding="utf-8")
    assert text.count(old) == 1
    mine = tmp_path / "mine.yaml"
    mine.write_text(text.replace(old, new), encoding="utf-8")
    result = run(runner, "template", DATA, "--layout", mine, "-o", tmp_path / "out")
    line = text.splitlines().index(next(t for t in text.splitlines() if old in t)) + 1
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert f"mine.yaml {line}行目" in result.output and first in result.output


def test_a_layout_without_the_chapters_entry_date_does_not_ask_for_it(runner, tmp_path):
    """記入日・記入者 are checked where the layout's sheet has a cell for them: a
    chapter sheet without them is not 'missing' what it cannot show."""
    text = LAYOUT.read_text(encoding="utf-8")
    block = ("    - anchor: 0\n      rows:\n        - - {span: A, text: 記入日, style: label}\n"
             "          - {span: B, field: chapter.entry_date, kind: date, style: center}\n"
             "          - {span: C, text: 記入者, style: label}\n"
             "          - {span: \"D:F\", field: chapter.author, style: value}\n")
    assert text.count(block) == 1
    mine, summary = tmp_path / "mine.yaml", tmp_path / "summary.xlsx"
    mine.write_text(text.replace(block, ""), encoding="utf-8")
    assert run(runner, "generate", DATA, "--layout", mine, "-o", summary).exit_code == 0
    result = run(runner, "validate", summary, "--layout", mine)
    assert result.exit_code == 0 and "missing-value" not in result.output, result.output


def test_an_own_layout_files_dropdowns_are_checked(runner, tmp_path):
    """A workbook read with --layout FILE is checked by that file (it was checked only
    by a bundled layout of the name it records): a 施策の評価 not in its list."""
    hyoka = ROOT / "templates" / "shisaku-hyoka.yaml"
    mine = tmp_path / "my-hyoka.yaml"
    mine.write_text(hyoka.read_text(encoding="utf-8").replace(
        "\nname: shisaku-hyoka\n", "\nname: my-hyoka\n"), encoding="utf-8")
    sample = (ROOT / "examples" / "shisaku-hyoka-sample.yaml").read_text(encoding="utf-8")
    assert "\n    evaluation: B\n" in sample and "\nlayout: shisaku-hyoka\n" in sample
    data = tmp_path / "data.yaml"
    data.write_text(sample.replace("\n    evaluation: B\n", "\n    evaluation: Z\n", 1)
                    .replace("\nlayout: shisaku-hyoka\n", "\n"), encoding="utf-8")
    summary = tmp_path / "summary.xlsx"
    assert run(runner, "generate", data, "--layout", mine, "-o", summary).exit_code == 0
    result = run(runner, "validate", summary, "--layout", mine)
    assert result.exit_code == 1 and "invalid-value" in result.output and "「Z」" in result.output


def test_two_rows_per_indicator_need_the_upper_and_lower_styles(runner, tmp_path):
    """Target over actual are written in the styles upper and lower: a layout of two
    rows per indicator without them printed the table without borders, silently."""
    text = (ROOT / "templates" / "tokorozawa.yaml").read_text(encoding="utf-8")
    mine = tmp_path / "mine.yaml"
    mine.write_text("".join(line for line in text.splitlines(keepends=True)
                            if not line.startswith(("  upper:", "  lower:"))), encoding="utf-8")
    result = run(runner, "generate", ROOT / "examples" / "tokorozawa-ch1.yaml", "--layout", mine,
                 "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 2 and not (tmp_path / "out.xlsx").exists()
    assert "（styles.upper）" in result.output and "（styles.lower）" in result.output
