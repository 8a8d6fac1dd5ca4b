"""Bad values get findings, not crashes: impossible dates, deep nesting,
duplicate or implausible numbers, long titles, many sections; and plain
answers for a workbook given as data, data given to extract, and an output
named for another format."""

import json
import re
from dataclasses import replace

import openpyxl
import pytest
from conftest import EXAMPLE, run
from filling import fill
from isolated import run_isolated

from sheetkit.reader import extract
from sheetkit.serialize import to_yaml

BAD_DATES = ["1019/12/20", "2019/13/45", "令和100年12月20日", "2101/1/1"]


@pytest.fixture(scope="module")
def returned(template_dir, example_doc, tmp_path_factory):
    section = example_doc.sections[0]
    source = template_dir / f"第1章第1節_{section.title}.xlsx"
    return fill(source, tmp_path_factory.mktemp("ret") / "第1節.xlsx", section)


def _dated(returned, target, text):
    wb = openpyxl.load_workbook(returned)
    ws = wb["第1節"]
    (cell,) = [c for row in ws.iter_rows() for c in row if c.coordinate == "C34"]
    cell.value = text
    wb.save(target)
    return target


@pytest.mark.parametrize("text", BAD_DATES)
def test_an_impossible_date_is_invalid_date_in_every_command(returned, tmp_path, text):
    path = _dated(returned, tmp_path / "ret.xlsx", text)
    for args in (["validate", path], ["status", path, "--base", EXAMPLE],
                 ["merge", path, "--base", EXAMPLE, "-o", tmp_path / "m.xlsx", "--allow-invalid"],
                 ["extract", path, "-o", tmp_path / "x.yaml"]):
        outcome = run_isolated(args, tmp_path, timeout=60)
        outcome.assert_clean()
        if args[0] in ("validate", "extract"):
            assert "invalid-date" in outcome.output or "実在しない日付" in outcome.output, \
                (args, outcome.output)
            assert "第1節!C34" in outcome.output
        (tmp_path / "m.xlsx").unlink(missing_ok=True)
        (tmp_path / "x.yaml").unlink(missing_ok=True)


def test_a_date_before_meiji_in_the_base_is_reported_and_kept_as_written(tmp_path, runner):
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"entry_date: .*", "entry_date: 1019-12-20", text, count=1)
    data = tmp_path / "old.yaml"
    data.write_text(text, encoding="utf-8")
    result = run(runner, "validate", data, "--format", "json")
    found = [f for f in json.loads(result.stdout)["files"][0]["findings"]
             if f["code"] == "invalid-date"]
    assert found and found[0]["line"] is not None
    result = run(runner, "generate", data, "-o", tmp_path / "g.xlsx")
    assert result.exit_code == 0 and "1019-12-20" in result.stderr
    back = run(runner, "extract", tmp_path / "g.xlsx")
    assert back.exit_code == 0 and "1019-12-20" in back.stdout


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deep_nesting_is_a_plain_problem_of_that_file(tmp_path, runner, suffix):
    deep = tmp_path / f"deep{suffix}"
    deep.write_text("[" * 1500 + "]" * 1500 if suffix == ".json" else
                    "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n")
    result = run(runner, "validate", deep, EXAMPLE)
    assert result.exit_code == 1 and "too-deep" in result.stdout
    assert result.stdout.count("too-deep") == 1                 # the other file is checked as usual
    assert "ファイル 2" in result.stdout and "tokorozawa-ch1.yaml" in result.stdout
    assert run(runner, "generate", deep, "-o", tmp_path / "x.xlsx").exit_code == 2


def _renumbered(example_doc, numbers):
    sections = tuple(replace(example_doc.sections[i % len(example_doc.sections)], number=n)
                     for i, n in enumerate(numbers))
    return to_yaml(replace(example_doc, sections=sections))


def test_duplicate_section_numbers_name_both_lines(example_doc, tmp_path, runner):
    data = tmp_path / "dup.yaml"
    data.write_text(_renumbered(example_doc, [1, 2, 2]), encoding="utf-8")
    lines = [i for i, row in enumerate(data.read_text().splitlines(), 1)
             if re.match(r"\s*- number: 2$", row) or re.match(r"\s+number: 2$", row)]
    result = run(runner, "validate", data)
    assert result.exit_code == 1 and "duplicate-section" in result.stdout
    assert all(f"{n}行目" in result.stdout for n in lines[-2:]), (lines, result.stdout)
    for args in (["generate", data, "-o", tmp_path / "g.xlsx"],
                 ["template", data, "-o", tmp_path / "tpl"],
                 ["merge", tmp_path, "--base", data, "-o", tmp_path / "m.xlsx"]):
        result = run(runner, *args)
        assert result.exit_code == 2 and "2回" in result.stderr, args
    assert not (tmp_path / "tpl").exists()


@pytest.mark.parametrize("number", [0, -3, 10 ** 40, 1000])
def test_section_numbers_are_positive_and_plausible(example_doc, tmp_path, runner, number):
    data = tmp_path / "n.yaml"
    data.write_text(_renumbered(example_doc, [1, number]), encoding="utf-8")
    result = run(runner, "validate", data)
    assert result.exit_code == 1 and "implausible-number" in result.stdout
    assert run(runner, "extract", data).exit_code == 2


@pytest.mark.parametrize("title", ["あ" * 200, "a" * 300, "長い名前." * 60])
def test_long_titles_make_files_with_their_extension(example_doc, tmp_path, runner, title):
    doc = replace(example_doc, sections=(replace(example_doc.sections[0], title=title),))
    data = tmp_path / "long.yaml"
    data.write_text(to_yaml(doc), encoding="utf-8")
    result = run(runner, "template", data, "-o", tmp_path / "tpl")
    assert result.exit_code == 0, result.output
    (made,) = (tmp_path / "tpl").iterdir()
    assert made.suffix == ".xlsx" and len(made.name.encode()) <= 255
    assert made.name.startswith("第1章第1節_")
    assert extract(made).document.sections[0].title == title


def test_what_sheetkit_writes_it_reads_back_with_120_sections(example_doc, tmp_path, runner):
    data = tmp_path / "big.yaml"
    data.write_text(_renumbered(example_doc, range(1, 121)), encoding="utf-8")
    result = run(runner, "generate", data, "-o", tmp_path / "big.xlsx")
    assert result.exit_code == 0, result.output
    assert [s.number for s in extract(tmp_path / "big.xlsx").document.sections] == \
        list(range(1, 121))


@pytest.mark.parametrize("command", ["generate", "template", "status", "merge"])
def test_a_workbook_given_as_data_says_to_extract_it(summary_path, tmp_path, runner, command):
    args = {"generate": ["generate", summary_path, "-o", tmp_path / "x.xlsx"],
            "template": ["template", summary_path, "-o", tmp_path / "t"],
            "status": ["status", tmp_path, "--base", summary_path],
            "merge": ["merge", tmp_path, "--base", summary_path, "-o", tmp_path / "m.xlsx"]}
    result = run(runner, *args[command])
    assert result.exit_code == 2
    assert "Excel のブック" in result.stderr and "sheetkit extract" in result.stderr
    assert "UTF-8" not in result.stderr


def test_a_workbook_renamed_yaml_is_named_as_a_workbook(summary_path, tmp_path, runner):
    renamed = tmp_path / "data.yaml"
    renamed.write_bytes(summary_path.read_bytes())
    result = run(runner, "generate", renamed, "-o", tmp_path / "x.xlsx", "--lang", "en")
    assert result.exit_code == 2 and "is an Excel workbook" in result.stderr


@pytest.mark.parametrize("name", ["第1章.yaml", "第1章.json", "第1章.yml"])
def test_extract_of_data_says_it_is_already_data(tmp_path, runner, name):
    data = tmp_path / name
    data.write_bytes(EXAMPLE.read_bytes())
    result = run(runner, "extract", data)
    assert result.exit_code == 2 and "すでにデータ" in result.stderr
    assert "保存し直して" not in result.stderr


@pytest.mark.parametrize("args", [
    ["generate", EXAMPLE, "-o", "{tmp}/x.csv"],
    ["generate", EXAMPLE, "-o", "{tmp}/x.yaml"],
    ["merge", "{tmp}", "--base", EXAMPLE, "-o", "{tmp}/m.xlsx", "--data", "{tmp}/d.xlsx"],
    ["merge", "{tmp}", "--base", EXAMPLE, "-o", "{tmp}/m.xlsx", "--csv", "{tmp}/c.txt"],
    ["merge", "{tmp}", "--base", EXAMPLE, "-o", "{tmp}/m.csv"],
    ["extract", "{summary}", "-o", "{tmp}/x.xlsx"],
    ["validate", EXAMPLE, "--report", "{tmp}/r.csv"],
])
def test_an_output_named_for_another_format_is_refused(summary_path, tmp_path, runner, args):
    args = [str(a).format(tmp=tmp_path, summary=summary_path) for a in args]
    result = run(runner, *args)
    assert result.exit_code == 2 and "拡張子" in result.stderr, result.output
    assert [p.name for p in tmp_path.iterdir()] == []
