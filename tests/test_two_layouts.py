"""Every command on both bundled layouts: 所沢's 総括表 (tokorozawa) and the yearly
施策評価シート (shisaku-hyoka), which differs in shape, not only in position.

Each layout is driven with its own example, filled as departments do (through
the templates' defined names), read back, checked, merged and re-saved in
LibreOffice."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE, ROOT, run
from filling import blank_base, calc_steps, fill
from recalc import SOFFICE, UNO_PYTHON, recalculated, type_in_calc

from sheetkit import codes
from sheetkit.layout import available_layouts, load_layout
from sheetkit.loader import load_document
from sheetkit.normalize import normalize
from sheetkit.reader import extract
from sheetkit.validate import validate_paths

SAMPLE = ROOT / "examples" / "shisaku-hyoka-sample.yaml"
EXAMPLES = {"tokorozawa": EXAMPLE, "shisaku-hyoka": SAMPLE}
LAYOUTS = sorted(EXAMPLES)
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not "
                                       "installed; .ci/run installs libreoffice-calc-nogui")


@pytest.fixture(scope="module", params=LAYOUTS)
def made(request, tmp_path_factory):
    """For one layout: its example, the generated workbook and the blank templates."""
    from click.testing import CliRunner

    name = request.param
    folder = tmp_path_factory.mktemp(name)
    runner = CliRunner()
    summary, templates = folder / "summary.xlsx", folder / "blank"
    for args in (["generate", EXAMPLES[name], "-o", summary, "--layout", name],
                 ["template", EXAMPLES[name], "-o", templates, "--layout", name]):
        result = run(runner, *args)
        assert result.exit_code == 0, result.output
    return {"layout": name, "doc": load_document(EXAMPLES[name]), "summary": summary,
            "templates": sorted(templates.glob("*.xlsx")), "folder": folder}


def _template(made: dict, number: int) -> Path:
    """The blank template of section ``number`` (by the identity it carries)."""
    return next(p for p in made["templates"]
                if extract(p).identity.section == number)


def _filled(made: dict, folder: Path, extra_rows: int = 1) -> list[Path]:
    folder.mkdir(exist_ok=True)
    return [fill(_template(made, s.number), folder / _template(made, s.number).name, s,
                 extra_rows=extra_rows) for s in made["doc"].sections]


def test_both_layouts_are_bundled():
    assert {"tokorozawa", "shisaku-hyoka"} <= set(available_layouts())
    assert load_layout("shisaku-hyoka").chapter is None            # no chapter sheet


def test_example_is_marked_as_made_up():
    first = SAMPLE.read_text("utf-8").splitlines()[0]
    assert first.startswith("#") and "架空" in first and "FICTIONAL" in first


def test_generate_extract_generate_is_byte_identical(made, runner, tmp_path):
    back, again = tmp_path / "back.yaml", tmp_path / "again.xlsx"
    assert run(runner, "extract", made["summary"], "-o", back).exit_code == 0
    result = run(runner, "generate", back, "-o", again, "--layout", made["layout"])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == made["summary"].read_bytes()
    assert normalize(load_document(back)) == normalize(made["doc"])


def test_template_has_the_declared_shape(made):
    layout = load_layout(made["layout"])
    assert len(made["templates"]) == len(made["doc"].sections)
    for path in made["templates"]:
        wb = openpyxl.load_workbook(path)
        identity = extract(path).identity
        assert identity.layout == made["layout"]
        section_sheets = [ws for ws in wb.worksheets if ws.protection.sheet
                          and ws.title not in ("_sheetkit", layout.template.instructions_title,
                                               "提出前チェック")]
        assert section_sheets, wb.sheetnames
        assert (layout.indicators is None) == ("目標指標" not in wb.sheetnames)
        for block in layout.section.blocks:       # every named input region has its name
            names = [block.name] if block.input and block.name else []
            names += [c.name for row in block.rows for c in row if c.input == "yes" and c.name]
            for name in names:
                assert any(n.endswith(f"_{name}") for n in wb.defined_names), (name, path)


def _found(paths: list[Path]) -> list[tuple[int, str]]:
    """(section, finding code) of every finding about a section, over ``paths``."""
    report, _ = validate_paths(paths)
    return sorted((f.section, f.code) for file in report.files for f in file.findings
                  if f.section is not None)


def test_filled_templates_validate_status_and_merge(made, runner, tmp_path):
    """Filled in, the returns have exactly the findings of the example's own data
    (the example transcribes a real sheet, gaps and all), status counts them, and
    merging them all gives the sheets that generate gives."""
    returns = _filled(made, tmp_path / "returns")
    expected = _found([EXAMPLES[made["layout"]]])
    assert _found(returns) == expected
    errors = any(code for _, code in expected
                 if codes.severity(code) == "error")
    result = run(runner, "validate", *returns)
    assert result.exit_code == (1 if errors else 0), result.output
    base = blank_base(tmp_path / "base.yaml", made["doc"], layout=made["layout"])
    status = run(runner, "status", "--base", base, tmp_path / "returns")
    assert status.exit_code == 0, status.output
    for section in made["doc"].sections:
        assert section.title in status.output
    merged, data = tmp_path / "merged.xlsx", tmp_path / "merged.yaml"
    result = run(runner, "merge", "--base", base, tmp_path / "returns", "-o", merged,
                 "--data", data, "--layout", made["layout"], "--allow-invalid")
    assert result.exit_code == 0, result.output
    assert normalize(load_document(data)) == normalize(made["doc"])
    assert normalize(extract(merged).document) == normalize(made["doc"])
    ours, theirs = zipfile.ZipFile(merged), zipfile.ZipFile(made["summary"])
    shown = [ws for ws in openpyxl.load_workbook(made["summary"]).worksheets
             if ws.sheet_state == "visible"]
    for number in range(1, len(shown) + 1):             # every sheet, part by part
        part = f"xl/worksheets/sheet{number}.xml"
        assert ours.read(part) == theirs.read(part), part


def test_validate_annotate_marks_the_department_sheet(made, runner, tmp_path):
    (returned,) = _filled(replace_sections(made, 1), tmp_path / "returns", extra_rows=0)
    _typed_over(returned, returned, {"_記入日": None})
    result = run(runner, "validate", returned, "--annotate", tmp_path / "annotated")
    assert result.exit_code == 1 and "missing-value" in result.output
    (annotated,) = (tmp_path / "annotated").glob("*.xlsx")
    assert "検証結果" in openpyxl.load_workbook(annotated).sheetnames


def replace_sections(made: dict, count: int) -> dict:
    return made | {"doc": replace(made["doc"], sections=made["doc"].sections[:count])}


@needs_libreoffice
def test_libreoffice_resave_gives_the_same_documents(made, tmp_path):
    originals = [*_filled(made, tmp_path / "returns"), made["summary"]]
    before = [extract(p).document for p in originals]
    after = [extract(p).document for p in recalculated(originals, tmp_path / "lo")]
    assert after == before




@pytest.mark.skipif(UNO_PYTHON is None, reason="LibreOffice's Python bridge (python3-uno) is "
                    "not installed; .ci/run installs it")
def test_template_typed_in_libreoffice_goes_through(made, runner, tmp_path):
    """A department types its return in LibreOffice Calc (actuals, 事業費, choices
    from the dropdowns, 施策の評価 …) and saves; status, validate --annotate and
    merge take the file as it is."""
    section = made["doc"].sections[0]
    template = _template(made, section.number)
    returns = tmp_path / "returns"
    returns.mkdir()
    saved = returns / template.name
    steps = [*calc_steps(template, section), ["show"], ["save", str(saved)]]
    seen, stderr = type_in_calc(template, steps, tmp_path)
    (shown,) = seen
    assert shown["total"] == 0, (shown, stderr)
    assert saved.exists(), stderr
    base = blank_base(tmp_path / "base.yaml", made["doc"], made["doc"].sections[:1],
                      layout=made["layout"])
    status = run(runner, "status", "--base", base, returns)
    assert status.exit_code == 0, status.output
    checked = run(runner, "validate", saved, "--annotate", tmp_path / "annotated")
    assert checked.exit_code == 0, checked.output
    assert list((tmp_path / "annotated").glob("*.xlsx"))
    data = tmp_path / "merged.yaml"
    merged = run(runner, "merge", "--base", base, returns, "-o", tmp_path / "merged.xlsx",
                 "--data", data, "--layout", made["layout"])
    assert merged.exit_code == 0, merged.output
    merged_doc = normalize(load_document(data))
    assert merged_doc.sections == normalize(replace(made["doc"], sections=(section,))).sections


# -- shisaku-hyoka's own shape ----------------------------------------------

@pytest.fixture(scope="module")
def hyoka(tmp_path_factory):
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("hyoka") / "施策評価.xlsx"
    result = run(CliRunner(), "generate", SAMPLE, "-o", out, "--layout", "shisaku-hyoka")
    assert result.exit_code == 0, result.output
    return out


def _find(ws, text: str) -> tuple[int, int]:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} not on {ws.title}")


def test_shisaku_summary_has_a_front_list_and_one_sheet_per_policy(hyoka):
    doc = load_document(SAMPLE)
    wb = openpyxl.load_workbook(hyoka)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible == ["達成状況", "施策一覧", "施策1-1", "施策1-2", "施策1-3"]   # issue 12
    front = wb["施策一覧"]
    row, col = _find(front, "施策の評価")
    listed = [(front.cell(row + i + 1, 2).value, front.cell(row + i + 1, col).value)
              for i in range(len(doc.sections))]
    assert listed == [(s.title, s.evaluation) for s in doc.sections]


def test_shisaku_rates_and_ratings_are_live_formulas_with_values(hyoka):
    wb = openpyxl.load_workbook(hyoka)
    values = openpyxl.load_workbook(hyoka, data_only=True)
    ws = wb["施策1-2"]
    head, _ = _find(ws, "指標名")
    _, rate_col = _find(ws, "達成率\n（令和7年度）")
    _, rating_col = _find(ws, "評価")
    got = []
    for row in range(head + 2, head + 5):
        assert str(ws.cell(row, rate_col).value).startswith("=IFERROR(")
        assert str(ws.cell(row, rating_col).value).startswith("=IF(ISNUMBER(")
        cached = values["施策1-2"]
        got.append((round(cached.cell(row, rate_col).value, 3),
                    cached.cell(row, rating_col).value))
    # 83.1/83.0 → 100%, 79.2/90 → 88.0%, ↘ 1.3/3.1 → 41.9%: bands A ≥ 100%, B ≥ 80%, D < 50%
    assert got == [(1.0, "A"), (0.88, "B"), (0.419, "D")]


def test_shisaku_shows_costs_choices_sdgs_and_absent_years(hyoka):
    ws = openpyxl.load_workbook(hyoka)["施策1-1"]
    row, col = _find(ws, "事業費（千円）")
    assert ws.cell(row + 1, col).value == 185400
    assert ws.cell(row + 1, col).number_format == "#,##0"
    _, outlook = _find(ws, "今後の方向性")
    assert [ws.cell(row + i, outlook).value for i in (1, 2, 3)] == ["継続", "拡充", "改善"]
    label, _ = _find(ws, "関連するSDGs")
    marks = [ws.cell(label + 1, 3 + goal - 1).value for goal in range(1, 18)]
    assert [g for g, mark in enumerate(marks, start=1) if mark] == [1, 3, 4, 5]
    app, _ = _find(ws, "子育て応援アプリの登録者数")
    assert ws.cell(app, 8).value == ws.cell(app, 10).value == "－"      # no R3, R4 figures


def test_shisaku_template_offers_the_lists_and_leaves_the_right_cells_open(runner, tmp_path):
    assert run(runner, "template", SAMPLE, "-o", tmp_path, "--layout",
               "shisaku-hyoka").exit_code == 0
    wb = openpyxl.load_workbook(min(tmp_path.glob("施策1-1_*.xlsx")))
    ws = wb["施策1-1"]
    lists = {v.formula1 for v in ws.data_validations.dataValidation if v.type == "list"}
    assert '"拡充,継続,改善,縮小,廃止,完了"' in lists and '"A,B,C,D"' in lists
    row, col = _find(ws, "事業費（千円）")
    assert ws.cell(row + 1, col).protection.locked is False
    name_row, _ = _find(ws, "保育所等の待機児童数")
    assert ws.cell(name_row, 1).protection.locked is not False          # fixed: the name
    assert ws.cell(name_row, 17).protection.locked is False              # open: 令和7年度 実績
    assert ws.cell(name_row, 16).protection.locked is not False          # fixed: its target


def _typed_over(path: Path, out: Path, edits: dict[str, object]) -> Path:
    """``path`` with cells typed over, by the defined name of their region (first cell)."""
    wb = openpyxl.load_workbook(path)
    for suffix, value in edits.items():
        name = next(n for n in wb.defined_names if n.endswith(suffix))
        sheet, ref = wb.defined_names[name].attr_text.split(",")[0].split("!")
        first = ref.split(":")[0].replace("$", "")
        wb[sheet.strip("'")][first].value = value
    wb.save(out)
    return out


def test_shisaku_rules_from_the_schemas(runner, tmp_path):
    doc = load_document(SAMPLE)
    template_dir = tmp_path / "blank"
    assert run(runner, "template", SAMPLE, "-o", template_dir, "--layout",
               "shisaku-hyoka").exit_code == 0
    blank = min(template_dir.glob("施策1-1_*.xlsx"))
    returned = fill(blank, tmp_path / "filled.xlsx", doc.sections[0])
    wb = openpyxl.load_workbook(returned)
    ws = wb["施策1-1"]
    row, col = _find(ws, "事業費（千円）")
    ws.cell(row + 1, col).value = -5                        # 事業費 below zero
    ws.cell(row + 2, col).value = "約3万"                    # not a number
    ws.cell(row + 1, 17).value = "拡大"                      # not in the list
    name_row, _ = _find(ws, "保育所等の待機児童数")
    ws.cell(name_row, 19).value = "A"                        # typed over the 評価 formula: 66.7% is C
    wb.save(returned)
    bad = _typed_over(returned, tmp_path / "bad.xlsx", {"_施策の評価": "E",
                                                          "_評価の理由": None})
    result = run(runner, "validate", bad)
    assert result.exit_code == 1
    lines = [line.strip() for line in result.output.splitlines()]
    assert any("rating-mismatch" in line and "「C」" in line and line.startswith("[警告]")
               for line in lines), result.output
    invalid = [line for line in lines if "invalid-value" in line]
    assert len(invalid) == 4, result.output          # -5, 約3万, 拡大, E
    assert any("拡充・継続・改善・縮小・廃止・完了" in line for line in invalid)
    assert any("missing-value" in line and "「評価の理由」が空" in line for line in lines)


def test_shisaku_sample_is_clean(runner):
    """A chapter that is only the 政策 of its 施策 has no sheet to sign."""
    result = run(runner, "validate", SAMPLE)
    assert result.exit_code == 0, result.output


def test_shisaku_data_rules(runner, tmp_path):
    text = SAMPLE.read_text("utf-8").replace("sdgs: [4, 10]", "sdgs: [4, 18]")
    data = tmp_path / "data.yaml"
    data.write_text(text, "utf-8")
    result = run(runner, "validate", data)
    assert "sdgs" in result.output and "1～17" in result.output, result.output


def test_shisaku_front_list_marks_what_was_not_merged(runner, tmp_path):
    doc = load_document(SAMPLE)
    assert run(runner, "template", SAMPLE, "-o", tmp_path / "blank", "--layout",
               "shisaku-hyoka").exit_code == 0
    (tmp_path / "returns").mkdir()
    first = min((tmp_path / "blank").glob("施策1-1_*.xlsx"))
    fill(first, tmp_path / "returns" / first.name, doc.sections[0])
    base = blank_base(tmp_path / "base.yaml", doc, layout="shisaku-hyoka")
    merged = tmp_path / "merged.xlsx"
    result = run(runner, "merge", "--base", base, tmp_path / "returns", "-o", merged,
                 "--layout", "shisaku-hyoka")
    assert result.exit_code == 0 and "section-missing" in result.output   # two not returned
    front = openpyxl.load_workbook(merged)["施策一覧"]
    titles = [front.cell(row, 2).value for row in (3, 4, 5)]
    assert titles == ["子育て支援の充実", "学校教育の充実\n【未提出】", "青少年の健全育成\n【未提出】"]
    assert [front.cell(row, 5).value for row in (3, 4, 5)] == ["B", None, None]


@pytest.mark.parametrize(("change", "detail"), [
    ("    - {label: B, lower: 0.8}      # 80% 以上", "    - {label: B, lower: 1.2}"),
    ("choices: [A, B, C, D],", "choices: [],"),
    ('{span: "C:S", rows: 2, field: section.sdgs', '{span: "C:R", rows: 2, field: section.sdgs'),
])
def test_shisaku_layout_keys_are_checked(runner, tmp_path, change, detail):
    text = (ROOT / "templates" / "shisaku-hyoka.yaml").read_text("utf-8")
    assert change in text
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace(change, detail), "utf-8")
    result = run(runner, "generate", SAMPLE, "-o", tmp_path / "out.xlsx", "--layout", broken)
    assert result.exit_code == 2 and "broken.yaml" in result.output, result.output
    assert not (tmp_path / "out.xlsx").exists()
