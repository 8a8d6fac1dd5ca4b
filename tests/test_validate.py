"""`sheetkit validate`: findings that point at cells, in Japanese (and English)."""

import hashlib
import json
import shutil
import string
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import EXAMPLE, run
from edits import MUTATIONS, edit, set_cell
from filling import fill, find_row

from sheetkit import codes
from sheetkit.cli import cli
from sheetkit.messages import render
from sheetkit.problems import Location, Problem
from sheetkit.validate import load_rules, load_schema, validate_paths

EXPECTED = sorted([
    ("missing-value", 2, None), ("missing-value", 2, None),
    ("policy-without-initiative", 3, "1-3-1 多様化する人権問題への取り組みの充実"),
    ("policy-without-initiative", 3, "1-3-3 ユニバーサルデザインの推進"),
    ("policy-title-mismatch", 4, "1-4-3　あらゆる分野での男女共同参画の推進"),
    ("policy-without-initiative", 5, "1-5-1 外国籍市民が暮らしやすい環境づくり"),
    ("unmet-not-analyzed", 5, "74.9%"),
    # issue 12: both reviewed actuals went back below 策定時, whatever their 達成率
    ("below-baseline", 1, "61.9"), ("below-baseline", 5, "1019"),
], key=str)


def summary_of(findings):
    return sorted(((f["code"], f["section"], f["value"]) for f in findings), key=str)


@pytest.fixture(scope="module")
def filled(template_dir, tmp_path_factory, example_doc):
    """The five templates, filled by 'departments' with the example's content."""
    folder = tmp_path_factory.mktemp("filled")
    paths = []
    for section in example_doc.sections:
        source = template_dir / f"第1章第{section.number}節_{section.title}.xlsx"
        paths.append(fill(source, folder / source.name, section, extra_rows=2))
    return paths


def test_example_reports_exactly_the_expected_findings(runner):
    result = run(runner, "validate", EXAMPLE, "--format", "json")
    assert result.exit_code == 1                  # two missing-value errors
    data = json.loads(result.stdout)
    (file,) = data["files"]
    assert summary_of(file["findings"]) == EXPECTED
    assert not any(f["code"] in ("rate-mismatch", "unknown-policy") for f in file["findings"])
    missing = [f for f in file["findings"] if f["code"] == "missing-value"]
    assert {f["field"] for f in missing} == {"sections.2.indicators.1.name",
                                             "sections.2.indicators.3.name"}
    assert all(isinstance(f["line"], int) and f["sheet"] is None for f in file["findings"])


def test_generated_workbook_gives_the_same_findings_with_cells(runner, summary_path):
    data = json.loads(run(runner, "validate", summary_path, "--format", "json").stdout)
    findings = data["files"][0]["findings"]
    assert summary_of(findings) == EXPECTED
    assert all(f["sheet"] and f["cell"] and f["line"] is None for f in findings)
    title = next(f for f in findings if f["code"] == "policy-title-mismatch")
    ws = openpyxl.load_workbook(summary_path)[title["sheet"]]
    assert ws[title["cell"]].value == title["value"]


def test_returned_templates_give_the_same_findings(runner, filled):
    data = json.loads(run(runner, "validate", *filled, "--format", "json").stdout)
    findings = [f for file in data["files"] for f in file["findings"]]
    assert summary_of(findings) == EXPECTED
    unmet = next(f for f in findings if f["code"] == "unmet-not-analyzed")
    assert (unmet["sheet"], unmet["cell"]) == ("目標指標", "B11")   # the analysis cell


# -- one triggering workbook, and one that must not trigger, per code ----------

@pytest.fixture(scope="module")
def clean(filled):
    return filled[0]           # 第1節, filled faithfully: no findings at all


def codes_of(path) -> set[str]:
    report, _ = validate_paths([path])
    return {f.code for f in report.files[0].findings}


def test_the_clean_return_has_no_findings(clean):
    """Nothing but the warning issue 12 asks for: 自治会・町内会への加入率 fell
    from 66 (策定時) to 61.9, though its 達成率 is 89.7%."""
    report, _ = validate_paths([clean])
    assert [(f.code, f.location.sheet, f.location.cell, f.value, f.expected)
            for f in report.files[0].findings] == [
        ("below-baseline", "目標指標", "I5", "61.9", "66")]


@pytest.mark.parametrize("code", sorted(MUTATIONS))
def test_each_code_triggers_and_points_at_a_cell(code, clean, tmp_path):
    path = edit(clean, tmp_path / "returned.xlsx", MUTATIONS[code])
    report, _ = validate_paths([path])
    found = [f for f in report.files[0].findings if f.code == code]
    assert found, f"{code} not reported"
    assert all(f.severity == codes.severity(code) for f in found)
    if code not in ("template-outdated",):
        assert all(f.location.sheet and f.location.cell for f in found)
    assert code not in codes_of(clean)


def test_formula_overwritten_with_the_right_value_is_not_a_mismatch(clean, tmp_path):
    path = edit(clean, tmp_path / "r.xlsx", MUTATIONS["formula-overwritten"])
    assert "rate-mismatch" not in codes_of(path)


def test_rank_inconsistent(summary_path, tmp_path):
    assert "rank-inconsistent" not in codes_of(summary_path)

    def swap(wb):
        ws = wb["第1節"]
        ws.cell(find_row(ws, 1, "要望率") + 1, 9).value = 3
    path = edit(summary_path, tmp_path / "s.xlsx", swap)
    found = [f for f in validate_paths([path])[0].files[0].findings
             if f.code == "rank-inconsistent"]
    # 第1節 should be 1st by 要望率; 第5節 now shares rank 3 with it
    assert {(f.section, f.value, f.expected) for f in found} == {(1, "3", "1"), (5, "3", "3")}
    assert all(f.location.sheet == f"第{f.section}節" for f in found)


def test_template_modified_names_each_edited_field(clean, tmp_path):
    def edit_two(wb):
        MUTATIONS["template-modified"](wb)
        ws = wb["第1節"]
        ws.cell(find_row(ws, 1, "まちづくりの目標"), 3).value = "書き換えた目標"
    path = edit(clean, tmp_path / "m.xlsx", edit_two)
    found = [f for f in validate_paths([path])[0].files[0].findings
             if f.code == "template-modified"]
    assert {(f.location.sheet, f.value, f.expected) for f in found} == {
        ("第1節", "書き換えた目標", "人と人とのつながりがあり、住み続けたいと思えるまち"),
        ("目標指標", "80.0", "69.0")}
    assert "元に戻す" in found[0].message()


def test_template_mismatch(tmp_path, clean):
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "自分で作った表"
    wb.save(other)
    assert "template-mismatch" in codes_of(other)
    assert "template-mismatch" not in codes_of(clean)


@pytest.mark.parametrize("content,words", [
    (b"", "空"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64,
     "パスワードを解除"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".xlsx 形式で保存し直して"),
    (b"name,value\n1,2\n", "Excel のファイルではありません"),
    (b"PK\x03\x04broken", "壊れています"),
])
def test_unreadable_files_are_explained(tmp_path, runner, content, words, clean):
    path = tmp_path / "returned.xlsx"
    path.write_bytes(content)
    result = run(runner, "validate", path, clean)
    assert result.exit_code == 1
    assert "unreadable-file" in result.stdout and words in result.stdout
    assert "Traceback" not in result.output
    assert "unreadable-file" not in codes_of(clean)


# -- exit status, output shape, languages ----------------------------------------

def test_exit_status(runner, clean, tmp_path):
    assert run(runner, "validate", clean).exit_code == 0
    warned = edit(clean, tmp_path / "w.xlsx", MUTATIONS["policy-title-mismatch"])
    assert run(runner, "validate", warned).exit_code == 0
    assert run(runner, "validate", warned, "--fail-on", "warning").exit_code == 1
    assert run(runner, "validate", clean, "--format", "xml").exit_code == 2


def test_text_output_groups_by_file_and_sheet(runner, filled):
    out = run(runner, "validate", *filled).stdout
    fifth = out[out.index(str(filled[4])):]
    assert fifth.index("  第5節\n") < fifth.index("  目標指標\n")      # in tab order
    assert "第4節\n    [警告] 第4節!J17 policy-title-mismatch:" in out
    # 警告 4: policy-title-mismatch, unmet-not-analyzed and two below-baseline (issue 12)
    assert out.strip().splitlines()[-1] == "合計：ファイル 5、エラー 2、警告 4、情報 3"


JSON_FINDING = {"code": str, "severity": str, "message": str, "sheet": (str, type(None)),
                "cell": (str, type(None)), "line": (int, type(None)),
                "section": (int, type(None)), "field": (str, type(None)),
                "value": (str, type(None)), "expected": (str, type(None))}


def test_json_shape(runner, filled):
    data = json.loads(run(runner, "validate", EXAMPLE, *filled, "--format", "json").stdout)
    assert set(data) == {"valid", "summary", "files"} and data["valid"] is False
    assert set(data["summary"]) == {"files", "errors", "warnings", "infos"}
    # each of the example's two below-baseline warnings, in the data and in its return
    assert data["summary"] == {"files": 6, "errors": 4, "warnings": 8, "infos": 6}
    for file in data["files"]:
        assert set(file) == {"path", "valid", "findings"} and isinstance(file["valid"], bool)
        for finding in file["findings"]:
            assert set(finding) == set(JSON_FINDING)
            for key, kind in JSON_FINDING.items():
                assert isinstance(finding[key], kind), (key, finding)
            assert finding["severity"] in ("error", "warning", "info")


def test_every_code_has_english(runner):
    registered = codes.registry().codes
    for entry in registered.values():
        for variant in entry.messages.values():
            assert variant["en"] != variant["ja"]
    # every value any template names, as plain ASCII (a reason by its name)
    names = {field for entry in registered.values() for variant in entry.messages.values()
             for template in variant.values()
             for _, field, _, _ in string.Formatter().parse(template) if field}
    params = {name: "x" for name in names} | {"reason": "empty"}
    for code, entry in registered.items():
        for variant in entry.messages:
            english = render(Problem(code, Location(), params | {"variant": variant}), "en")
            assert "{" not in english and not any("\u3040" <= ch <= "\u30ff" for ch in english)


def test_english_output(runner, filled):
    out = run(runner, "validate", *filled, "--lang", "en").stdout
    assert "The basic-policy code is right" in out and "Total: 5 files" in out


def test_rules_live_in_the_schema_files():
    rules = load_rules()
    for table, checks in rules.checks.items():
        schema = load_schema(table)
        names = {c.name for c in schema.checks} | {
            c.name for col in schema.columns.values() for c in col.checks}
        assert set(checks) <= names, table
        assert set(checks.values()) <= set(codes.registry().codes)
    text = Path(__file__).resolve().parent.parent.joinpath("schemas", "indicators.yaml")
    assert yaml.safe_load(text.read_text())["checks"][2]["tolerance_points"] == 0


# -- annotated copies and the report -------------------------------------------

def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_annotate(runner, clean, tmp_path):
    returned = edit(clean, tmp_path / "第1節_返送.xlsx", lambda wb: (
        MUTATIONS["missing-outcome"](wb), MUTATIONS["invalid-date"](wb)))
    before = digest(returned)
    out = tmp_path / "戻し"
    result = run(runner, "validate", returned, "--annotate", out)
    assert result.exit_code == 1
    assert digest(returned) == before                      # the original is untouched
    copy = out / returned.name
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "検証結果"
    ws = wb["第1節"]
    marked = [c for row in ws.iter_rows() for c in row if c.comment]
    assert len(marked) == 2
    for cell in marked:
        assert cell.fill.fgColor.rgb == "FFFF9999"
        assert "sheetkit" in cell.comment.author
    summary = wb["検証結果"]
    links = [c.hyperlink.location for row in summary.iter_rows(min_row=2) for c in row
             if c.hyperlink]
    assert sorted(links) == sorted([*(f"'第1節'!{c.coordinate}" for c in marked),
                                    "'目標指標'!I5"])            # below-baseline (issue 12)
    assert any("成果" in str(c.value) for row in summary.iter_rows() for c in row)
    again = run(runner, "validate", returned, "--annotate", out)
    assert again.exit_code == 2 and "--force" in again.stderr     # issue 10: a usage error


def test_annotate_keeps_typed_text_as_text(runner, clean, tmp_path):
    returned = edit(clean, tmp_path / "r.xlsx", set_cell("第1節", 10, "取り組み", "=1+1"))
    run(runner, "validate", returned, "--annotate", tmp_path / "a")
    wb = openpyxl.load_workbook(tmp_path / "a" / "r.xlsx")
    values = [c for row in wb["検証結果"].iter_rows() for c in row if c.data_type == "f"]
    assert values == []


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_annotated_copy_opens_in_libreoffice(runner, clean, tmp_path):
    from resave import resave_with_libreoffice
    returned = edit(clean, tmp_path / "r.xlsx", MUTATIONS["missing-outcome"])
    run(runner, "validate", returned, "--annotate", tmp_path / "a")
    (resaved,) = resave_with_libreoffice([tmp_path / "a" / "r.xlsx"], tmp_path)
    wb = openpyxl.load_workbook(resaved)
    assert wb.sheetnames[0] == "検証結果"
    marked = [c for row in wb["第1節"].iter_rows() for c in row if c.comment]
    assert len(marked) == 1 and marked[0].fill.fgColor.rgb.endswith("FF9999")


def test_report_workbook(runner, filled, tmp_path):
    out = tmp_path / "点検結果.xlsx"
    assert run(runner, "validate", *filled, "--report", out).exit_code == 1
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["指摘一覧", "集計"]
    ws = wb["指摘一覧"]
    assert ws.auto_filter.ref and ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 9                                 # EXPECTED, one row each
    title = next(r for r in rows if r[5] == "policy-title-mismatch")
    assert title[1] == "第4節" and "男女共同参画推進センター" in title[2]
    summary = [r for r in wb["集計"].iter_rows(values_only=True) if r[0] == "missing-value"]
    assert summary == [("missing-value", "エラー", 2, None, None, None)]


def test_jobs_give_the_same_report(filled):
    serial, _ = validate_paths(filled, jobs=1)
    parallel, _ = validate_paths(filled, jobs=2)
    assert serial == parallel


def test_jobs_give_the_same_report_over_several_chunks(filled, monkeypatch):
    from sheetkit import validate as checks
    monkeypatch.setattr(checks, "CHUNK", 2)          # 5 files: 3 chunks over 2 workers
    serial, _ = validate_paths(filled, jobs=1)
    parallel, _ = validate_paths(filled, jobs=2)
    assert serial == parallel
    assert sum(len(f.findings) for f in serial.files) > 0


def test_documents_are_kept_only_when_asked(filled):
    """Without --annotate or --report, validate keeps findings, not documents,
    so that its memory does not grow with the number of files."""
    report, slim = validate_paths(filled, documents=False)
    assert [s.path for s in slim] == [f.path for f in report.files]
    assert all(s.document is None and s.identity is None and not s.sources for s in slim)
    again, kept = validate_paths(filled)
    assert again == report
    assert all(s.document is not None and s.identity is not None for s in kept)
    # what merge records of a return: the digest of the very bytes read
    assert all(s.sha256 == hashlib.sha256(Path(s.path).read_bytes()).hexdigest() for s in kept)


def test_a_slim_subject_is_the_subject_with_only_what_is_kept(clean):
    """Subject.slim makes its copy without Subject's __init__ and walks the
    sources only when some are to be kept: the same subject as replace and
    Subject(...) make, with exactly the sources ``keep`` wants."""
    from dataclasses import replace

    from sheetkit.subjects import Subject, read_subject

    subject = read_subject(clean)
    assert len(subject.sources) > 10
    assert subject.slim() == replace(subject, sources={})
    wanted = set(list(subject.sources)[::3])
    kept = subject.slim(lambda _, key: key in wanted)
    assert kept == replace(subject, sources={k: subject.sources[k] for k in wanted})
    assert list(kept.sources) == [k for k in subject.sources if k in wanted]
    bare = subject.slim(document=False)
    assert bare == Subject(subject.path, subject.kind, problems=subject.problems,
                           ranked=subject.ranked, sheets=subject.sheets)
    assert bare.sources == {} and bare.sources is not subject.slim(document=False).sources


def test_a_workbooks_digest_is_made_only_when_asked(clean):
    """validate without documents never uses a file's SHA-256 (merge does)."""
    from sheetkit.subjects import read_subject

    assert read_subject(clean).sha256 == hashlib.sha256(Path(clean).read_bytes()).hexdigest()
    unhashed = read_subject(clean, digest=False)
    assert unhashed.sha256 == "" and unhashed.document == read_subject(clean).document


def test_files_checked_together_give_their_own_findings(summary_path, clean, tmp_path):
    """A file without any 未達成 analysis used to make the analysis column hold
    NaN for every file of its chunk, and the check then failed as a whole,
    dropping every unmet-not-analyzed finding of the chunk."""
    cleared = edit(clean, tmp_path / "cleared.xlsx", MUTATIONS["unmet-not-analyzed"])
    alone = [validate_paths([path])[0].files[0] for path in (summary_path, cleared)]
    together, _ = validate_paths([summary_path, cleared])
    assert together.files == tuple(alone)
    assert all(any(f.code == "unmet-not-analyzed" for f in file.findings) for file in alone)


def test_ranks_are_checked_when_one_section_has_no_rank(tmp_path):
    """A blank 分野中順位 in one section made the rank column numeric (NaN),
    and whole-number ranks then no longer counted as ranked: the check found
    nothing unless other files in the same run happened to hold text ranks."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    ranks = {1: 1, 2: None, 3: 2, 4: 3, 5: 4}         # 第1節 has the lowest rate of those ranked
    for section in data["sections"]:
        section["citizen_needs"]["rank_in_chapter"] = ranks[section["number"]]
    rates = {s["number"]: s["citizen_needs"]["request_rate"] for s in data["sections"]}
    path = tmp_path / "ranks.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    found = {f.section for f in validate_paths([path])[0].files[0].findings
             if f.code == "rank-inconsistent"}
    assert found and 2 not in found, (found, rates)


def test_a_check_that_crashes_stops_the_run_rather_than_passing_files(monkeypatch, runner):
    """pandera records a check that raised as a failure with no row; such a
    check found nothing, and the files must not come out as clean."""
    from sheetkit import checks

    def crash(*_args, **_kwargs):
        raise ValueError("broken check")

    monkeypatch.setattr(checks, "_filled", crash)
    with pytest.raises(RuntimeError, match="broken check"):
        validate_paths([EXAMPLE])
    result = runner.invoke(cli, ["validate", str(EXAMPLE), "--jobs", "1"])
    assert result.exit_code == 70 and "Traceback" not in result.output


@pytest.mark.parametrize("stage", ["read", "check"])
def test_an_unexpected_error_costs_only_the_file_it_meets(runner, tmp_path, monkeypatch, stage):
    """A fault in reading or in a check (sheetkit's, or a case it does not know)
    names that one file as unread and to be reported; the run goes on and the
    other files get their findings, as always, and exit status 1, not 70."""
    import sheetkit.validate as validate

    files = []
    for name in ("a", "b", "c"):
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_bytes(EXAMPLE.read_bytes())
    bad = str(files[1])
    if stage == "read":
        real_read = validate.read_subject

        def read(path, **kwargs):
            if str(path) == bad:
                raise ZeroDivisionError("a bug")
            return real_read(path, **kwargs)
        monkeypatch.setattr(validate, "read_subject", read)
    else:
        real_findings = validate._file_findings

        def findings(subject, rules):
            if subject.path == bad and subject.document is not None:
                raise ZeroDivisionError("a bug")
            return real_findings(subject, rules)
        monkeypatch.setattr(validate, "_file_findings", findings)
    result = run(runner, "validate", *map(str, files), "--format", "json", "--jobs", "1")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    by_file = {f["path"]: f["findings"] for f in report["files"]}
    assert [f["code"] for f in by_file[bad]] == ["unreadable-file"]
    assert "担当者に連絡" in by_file[bad][0]["message"]
    alone = json.loads(run(runner, "validate", str(EXAMPLE), "--format", "json").output)
    for good in (files[0], files[2]):
        assert [f["code"] for f in by_file[str(good)]] == \
            [f["code"] for f in alone["files"][0]["findings"]]
    monkeypatch.setenv("SHEETKIT_DEBUG", "1")       # a developer sees the traceback instead
    debug = runner.invoke(cli, ["validate", *map(str, files), "--jobs", "1"])
    assert debug.exit_code == 70 and "ZeroDivisionError" in debug.output


def test_a_return_read_for_validate_leaves_no_reference_cycle(filled):
    """validate pauses the cyclic GC over a whole chunk and collects once after
    it: a return's sheets and grids (their cells looked through for strays too)
    must be freed by reference counting when the return is done, or a chunk's
    memory would grow with every file until then."""
    import gc

    from sheetkit.fastgrid import FastGrid, FastSheets
    from sheetkit.subjects import read_subject

    was = gc.isenabled()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        subject = read_subject(filled[0])
        assert subject.document is not None and not subject.problems
        del subject
        gc.collect()
        cyclic = [type(o).__name__ for o in gc.garbage if isinstance(o, (FastGrid, FastSheets))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()
    assert cyclic == []


def _with_array_formula(source: Path, target: Path) -> Path:
    """``source`` with its first formula written as an array formula (entered
    with Ctrl+Shift+Enter): the fast scan leaves such a file to openpyxl."""
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        done = False
        for info in zin.infolist():
            data = zin.read(info)
            if not done and info.filename.startswith("xl/worksheets/") and b"<f>" in data:
                data, done = data.replace(b"<f>", b'<f t="array" ref="A1:A1">', 1), True
            zout.writestr(info, data)
    assert done
    return target


def test_files_read_by_openpyxl_do_not_pile_up_in_a_chunk(filled, tmp_path, monkeypatch):
    """The GC is paused over a chunk, but an openpyxl workbook lives in reference
    cycles (~9,000 objects, ~1 MiB a file): the chunk's reading collects them
    whenever more than YOUNG_LIMIT young objects are left, or 256 such files
    would hold some 256 MiB until the chunk's end."""
    import gc

    from sheetkit import validate as v

    paths = [_with_array_formula(filled[0], tmp_path / f"array{i}.xlsx") for i in range(8)]
    monkeypatch.setattr(v, "YOUNG_LIMIT", 20_000)
    left: list[int] = []
    read = v._read

    def counted(*args):
        subject = read(*args)
        left.append(gc.get_count()[0])
        return subject

    monkeypatch.setattr(v, "_read", counted)
    v.prepare()
    gc.collect()
    results = v._check_chunk(paths, None, documents=False)
    assert len(results) == 8 and left[0] > 5_000        # openpyxl's cycles, not the fast path
    assert max(left) < 20_000 + 2 * left[0]


def test_where_the_system_cannot_fork_files_are_checked_in_this_process(
        runner, filled, monkeypatch):
    """Windows has no fork (the workers are forked): --jobs N and the default
    then check every file in this process, with the same findings."""
    import os

    from sheetkit import validate

    files = list(filled) * 3                  # more files than one chunk holds at jobs 2
    monkeypatch.setattr(validate, "CHUNK", 2)
    expected = run(runner, "validate", *files, "--format", "json", "--jobs", "1").stdout
    monkeypatch.delattr(os, "fork")
    monkeypatch.setattr(validate, "_in_processes", None)   # would fail if it were called
    assert validate.default_jobs() == 1
    assert run(runner, "validate", *files, "--format", "json", "--jobs", "2").stdout == expected
    assert run(runner, "validate", *files, "--format", "json").stdout == expected
