"""A plan of several chapters: the plan file, chapter files and folders,
generate / extract / template on a plan, and the plan-wide checks."""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import DEFAULT_INPUTS, EXAMPLE, ROOT, run

from sheetkit import model as m
from sheetkit.labels import place_name
from sheetkit.loader import load_plan
from sheetkit.normalize import normalize
from sheetkit.plan_checks import Ranked, overall_rank_issues
from sheetkit.problems import Location
from sheetkit.serialize import to_yaml

CH2 = ROOT / "examples" / "fictional-ch2.yaml"


@pytest.fixture(scope="module")
def plan_book(tmp_path_factory) -> Path:
    from click.testing import CliRunner
    out = tmp_path_factory.mktemp("plan") / "総括表.xlsx"
    result = run(CliRunner(), "generate", EXAMPLE, CH2, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def _sheets(path: Path) -> list[str]:
    return openpyxl.load_workbook(path, read_only=True).sheetnames


def test_example_chapter_two_is_marked_made_up_and_clean(runner):
    head = CH2.read_text(encoding="utf-8").splitlines()[0]
    assert "架空" in head and "MADE-UP" in head
    result = run(runner, "validate", CH2, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["errors"] == 0


def test_generate_writes_every_chapter_with_unique_sheet_names(plan_book):
    names = _sheets(plan_book)
    assert names[:3] == ["達成状況", "第1章", "第1章目標指標"]       # 達成状況 first (issue 12)
    assert [n for n in names if n.startswith("第1章第")] == [f"第1章第{i}節" for i in range(1, 6)]
    assert "第2章" in names and "第2章目標指標" in names
    assert [n for n in names if n.startswith("第2章第")] == [f"第2章第{i}節" for i in range(1, 5)]
    assert len(set(names)) == len(names)
    book = openpyxl.load_workbook(plan_book)
    # each chapter's sheets hold that chapter's own content
    texts = {str(c.value) for row in book["第2章第1節"].iter_rows() for c in row if c.value}
    assert any("健康づくり" in t for t in texts)
    assert not any(t == "地域コミュニティ" for t in texts)
    names_defined = set(book.defined_names.keys())
    assert {"第1章第1節_目標指標", "第2章第1節_目標指標"} <= names_defined


def test_a_folder_of_chapter_files_is_the_same_plan(runner, tmp_path, plan_book):
    folder = tmp_path / "chapters"
    folder.mkdir()
    shutil.copy(CH2, folder / "b.yaml")        # name order is not chapter order
    shutil.copy(EXAMPLE, folder / "a.yaml")
    (folder / "~$lock.yaml").write_text("", encoding="utf-8")
    out = tmp_path / "from-folder.xlsx"
    result = run(runner, "generate", folder, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == plan_book.read_bytes()


def test_plan_file_loads_as_the_chapter_files(tmp_path):
    whole = load_plan([CH2, EXAMPLE])
    assert [d.chapter.number for d in whole.chapters] == [1, 2]
    text = to_yaml(whole)
    assert "chapters:" in text and "\nchapter:" not in text
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    again = load_plan(path)
    assert [normalize(d) for d in again.chapters] == [normalize(d) for d in whole.chapters]
    assert [(c, s.number) for c, s in whole.sections][:6] == \
        [(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (2, 1)]


def test_one_chapter_of_a_plan_is_that_chapter_alone(runner, tmp_path):
    alone, chosen = tmp_path / "alone.xlsx", tmp_path / "chosen.xlsx"
    assert run(runner, "generate", CH2, "-o", alone).exit_code == 0
    result = run(runner, "generate", EXAMPLE, CH2, "--chapter", "2", "-o", chosen)
    assert result.exit_code == 0, result.output
    assert chosen.read_bytes() == alone.read_bytes()
    assert _sheets(chosen)[:3] == ["達成状況", "第2章", "目標指標"]
    result = run(runner, "generate", EXAMPLE, CH2, "--chapter", "3", "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 2
    assert "第3章はデータにありません" in result.stderr and "1、2" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_extract_round_trip_of_a_plan_is_byte_identical(runner, tmp_path, plan_book):
    data = tmp_path / "plan.yaml"
    result = run(runner, "extract", plan_book, "-o", data)
    assert result.exit_code == 0, result.output
    assert data.read_text(encoding="utf-8").count("\n- number: ") == 2
    again = tmp_path / "again.xlsx"
    assert run(runner, "generate", data, "-o", again).exit_code == 0
    assert again.read_bytes() == plan_book.read_bytes()
    second = tmp_path / "second.yaml"
    assert run(runner, "extract", again, "-o", second).exit_code == 0
    assert second.read_bytes() == data.read_bytes()
    whole = load_plan(data)
    assert [normalize(d) for d in whole.chapters] == \
        [normalize(d) for d in load_plan([EXAMPLE, CH2]).chapters]


def test_plan_blocks_that_differ_name_both_files_and_lines(runner, tmp_path):
    other = tmp_path / "ch2.yaml"
    other.write_text(CH2.read_text(encoding="utf-8").replace(
        "successor: 第6次所沢市総合計画", "successor: 第7次所沢市総合計画"), encoding="utf-8")
    result = run(runner, "generate", EXAMPLE, other, "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 2
    assert "plan.successor" in result.stderr

    def line(path: Path) -> int:
        lines = path.read_text(encoding="utf-8").splitlines()
        return next(i for i, t in enumerate(lines, 1) if t.startswith("  successor:"))
    assert f"tokorozawa-ch1.yaml:{line(EXAMPLE)}" in result.stderr
    assert f"ch2.yaml:{line(other)}" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_a_chapter_given_twice_is_a_problem(runner, tmp_path):
    twice = tmp_path / "again.yaml"
    shutil.copy(EXAMPLE, twice)
    result = run(runner, "generate", EXAMPLE, twice, "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 2
    assert "第1章が2回書かれています" in result.stderr and "again.yaml:22" in result.stderr
    plan = tmp_path / "plan.yaml"
    text = to_yaml(load_plan([EXAMPLE, CH2])).replace("\n- number: 2\n", "\n- number: 1\n", 1)
    plan.write_text(text, encoding="utf-8")
    result = run(runner, "validate", plan)
    assert result.exit_code == 1
    assert "duplicate-chapter" in result.stdout and "第1章が2回書かれています" in result.stdout
    assert "行目と" in result.stdout


def test_a_folder_without_data_says_so(runner, tmp_path):
    result = run(runner, "generate", tmp_path, "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 2
    assert "データ（.yaml・.yml・.json）がありません" in result.stderr


def test_template_makes_every_section_of_the_plan(runner, tmp_path):
    result = run(runner, "template", EXAMPLE, CH2, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert len(names) == 9
    assert "第2章第3節_子育て支援.xlsx" in names and "第1章第5節_国際社会.xlsx" in names
    only = tmp_path / "only"
    result = run(runner, "template", EXAMPLE, CH2, "--chapter", "2", "--section", "1,4",
                 "-o", only)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in only.glob("*.xlsx")) == \
        ["第2章第1節_健康づくり.xlsx", "第2章第4節_障害者福祉.xlsx"]
    result = run(runner, "template", EXAMPLE, CH2, "--section", "1", "-o", tmp_path / "no")
    assert result.exit_code == 2 and "--chapter" in result.stderr


def _findings(result) -> list[dict]:
    return [f | {"path": file["path"]} for file in json.loads(result.stdout)["files"]
            for f in file["findings"]]


def test_validate_checks_overall_ranks_across_chapters(runner, tmp_path):
    bad = tmp_path / "ch2.yaml"
    bad.write_text(CH2.read_text(encoding="utf-8").replace(
        "rank_overall: 10,", "rank_overall: 27,"), encoding="utf-8")
    alone = run(runner, "validate", bad, "--format", "json")
    assert not [f for f in _findings(alone) if f["code"] == "rank-inconsistent"]
    result = run(runner, "validate", EXAMPLE, bad, "--format", "json")
    ranks = [f for f in _findings(result) if f["code"] == "rank-inconsistent"]
    assert len(ranks) == 1
    (rank,) = ranks
    assert rank["path"] == str(EXAMPLE) and rank["line"] == 85 and rank["value"] == "26"
    assert "第2章第1節" in rank["message"] and "全節中順位" in rank["message"]
    good = run(runner, "validate", EXAMPLE, CH2, "--format", "json")
    assert not [f for f in _findings(good) if f["code"] == "rank-inconsistent"]


def _ranks_pair_by_pair(items: list[Ranked], complete: bool
                        ) -> list[tuple[Ranked, str, Ranked]]:
    """The plan-wide rank rule as written: each section against every other."""
    found = []
    for item in items:
        others = [o for o in items if (o.chapter, o.section) != (item.chapter, item.section)]
        above = [o for o in others if o.rate.value > item.rate.value and o.rank >= item.rank]
        shared = [o for o in others if o.rank == item.rank] if complete else []
        if above:
            found.append((item, "overall-order", max(above, key=lambda o: (o.rank, o.rate.value))))
        elif shared:
            found.append((item, "overall-shared", shared[0]))
    return found


@pytest.mark.parametrize("seed", range(4))
def test_overall_ranks_in_one_pass_name_what_pair_by_pair_names(seed: int) -> None:
    """overall_rank_issues finds, for every section, the issue and the other section that
    comparing it with every other section finds (equal 要望率 written differently, shared
    ranks, the same 節 given twice), without comparing every pair."""
    rnd = random.Random(seed)
    for _ in range(500):
        items = [Ranked(rnd.randint(1, 2), rnd.randint(1, 4),
                        m.Rate(Decimal(rnd.choice(["0.1", "0.10", "0.2", "0.35", "0.5"])), 1),
                        rnd.randint(1, 6), Location(f"{n}.xlsx"))
                 for n in range(rnd.randint(0, 14))]
        for complete in (False, True):
            found = [(item, dict(issue.params)["variant"], dict(issue.params)["other"])
                     for item, issue in overall_rank_issues(items, complete)]
            assert found == [(item, variant, place_name(other.chapter, other.section))
                             for item, variant, other in _ranks_pair_by_pair(items, complete)]


def test_chapter_rows_cite_the_chapters_main_policies(runner, tmp_path):
    bad = tmp_path / "ch2.yaml"
    text = CH2.read_text(encoding="utf-8")
    text = text.replace("      policy: 地域で支え合う福祉の仕組みづくり\n",
                        "      policy: 地域活動の支援\n", 1)
    bad.write_text(text, encoding="utf-8")
    result = run(runner, "validate", bad, "--format", "json")
    (found,) = [f for f in _findings(result) if f["code"] == "unknown-main-policy"]
    assert found["value"] == "地域活動の支援"
    assert found["line"] == text.splitlines().index("      policy: 地域活動の支援") + 1
    assert "主な方針" in found["message"]


def test_basic_policy_codes_belong_to_their_chapter_and_section(runner, tmp_path):
    bad = tmp_path / "ch2.yaml"
    text = CH2.read_text(encoding="utf-8").replace("{code: 2‐3‐2,", "{code: 1‐3‐2,")
    bad.write_text(text, encoding="utf-8")
    result = run(runner, "validate", bad, "--format", "json")
    (found,) = [f for f in _findings(result) if f["code"] == "policy-code-misplaced"]
    assert found["value"] == "1‐3‐2" and found["expected"] == "2-3-…"
    assert found["section"] == 3


def test_the_contract_file_gains_no_finding_from_the_plan_checks(runner):
    alone = _findings(run(runner, "validate", EXAMPLE, "--format", "json"))
    together = [f for f in _findings(run(runner, "validate", EXAMPLE, CH2, "--format", "json"))
                if f["path"] == str(EXAMPLE)]
    assert together == alone


def test_findings_in_a_plan_file_name_the_chapter_of_their_key(runner, tmp_path):
    """A plan file (plan: and chapters:) is keyed by chapter: a finding names
    the key as the file spells it, chapters.N included, at its line."""
    plan = tmp_path / "計画.yaml"
    text = to_yaml(load_plan([EXAMPLE, CH2]))
    plan.write_text(text, encoding="utf-8")
    found = _findings(run(runner, "validate", plan, "--format", "json"))
    assert found and all(f["field"].startswith(("chapters.1.", "chapters.2.", "plan."))
                         for f in found), [f["field"] for f in found]
    (child,) = [f for f in found if f["code"] == "below-baseline" and "子育て相談" in f["message"]]
    assert child["field"] == "chapters.2.sections.3.indicators.0.second_half.actual"
    assert text.splitlines()[child["line"] - 1].strip() == "actual: 1150"
    assert {f["field"].split(".")[1] for f in found} == {"1", "2"}
    text_out = run(runner, "validate", plan).stdout
    assert f"{child['line']}行目（chapters.2.sections.3.indicators.0.second_half.actual）" in text_out
    # a chapter file keeps its keys: sections.N
    alone = _findings(run(runner, "validate", CH2, "--format", "json"))
    assert [f["field"] for f in alone] == ["sections.3.indicators.0.second_half.actual"]


@pytest.mark.parametrize("form", ["plan file", "plan workbook"])
def test_the_report_names_the_departments_of_the_findings_own_chapter(
        runner, tmp_path, plan_book, form):
    """validate --report on a file of both chapters: a finding in 第2章第3節 is
    listed with 第2章第3節's 関係所属 (not 第1章第3節's)."""
    source = plan_book
    if form == "plan file":
        source = tmp_path / "計画.yaml"
        source.write_text(to_yaml(load_plan([EXAMPLE, CH2])), encoding="utf-8")
    out = tmp_path / "指摘一覧.xlsx"
    result = run(runner, "validate", source, "--report", out)
    assert result.exit_code == 1 and out.exists(), result.output
    rows = list(openpyxl.load_workbook(out)["指摘一覧"].iter_rows(min_row=2, values_only=True))
    (child,) = [r for r in rows if r[5] == "below-baseline" and "子育て相談" in r[9]]
    assert child[1:3] == ("第2章第3節", "こども支援課、保育課")
    (ch1,) = [r for r in rows if r[5] == "below-baseline" and "自治会" in r[9]]
    assert ch1[1:3] == ("第1章第1節", "地域づくり推進課、まちづくりセンター")
    summary = [r for r in openpyxl.load_workbook(out)["集計"].iter_rows(values_only=True)]
    assert any(r[1:3] == ("第2章第3節", "こども支援課、保育課") for r in summary)


def test_validate_reads_every_chapter_of_a_plan_workbook(runner, tmp_path, plan_book):
    result = run(runner, "validate", plan_book, "--format", "json")
    sheets = {f["sheet"] for f in _findings(result)}
    chapter_one = _findings(run(runner, "validate", EXAMPLE, "--format", "json"))
    assert len(_findings(result)) >= len(chapter_one)
    assert any(s and s.startswith("第1章") for s in sheets)


@pytest.fixture(scope="module")
def plan_office(tmp_path_factory):
    """The office's base plan of both chapters (fixed parts only, as one plan
    file), its templates, and a folder of returns from both chapters: every
    section filled in except 第1章第2節 (never returned) and 第2章第4節
    (returned with a 成果 missing)."""
    from click.testing import CliRunner
    from filling import fill, find_row

    from sheetkit.identity import blank_section
    from sheetkit.model import PlanDocument

    root = tmp_path_factory.mktemp("plan-office")
    full = load_plan([EXAMPLE, CH2])
    blank = PlanDocument(full.plan, tuple(
        d.__class__(d.plan, d.chapter, tuple(blank_section(s, 1, DEFAULT_INPUTS) for s in d.sections))
        for d in full.chapters))
    base = root / "計画.yaml"
    base.write_text(to_yaml(blank), encoding="utf-8")
    result = run(CliRunner(), "template", base, "-o", root / "様式")
    assert result.exit_code == 0, result.output
    returns = root / "回収"
    returns.mkdir()
    for chapter, section in full.sections:
        if (chapter, section.number) == (1, 2):
            continue
        (template,) = (root / "様式").glob(f"第{chapter}章第{section.number}節_*.xlsx")
        path = fill(template, returns / template.name, section)
        if (chapter, section.number) == (2, 4):
            book = openpyxl.load_workbook(path)
            ws = book["第4節"]
            ws.cell(find_row(ws, 1, "取り組み") + 1, 6).value = "－"
            book.save(path)
    return {"root": root, "base": base, "returns": returns, "full": full}


def test_status_of_a_plan_groups_by_chapter_and_department(runner, plan_office):
    result = run(runner, "status", plan_office["returns"], "--base", plan_office["base"])
    lines = result.stdout.splitlines()
    first, second = lines.index("第1章　コミュニティ"), lines.index("第2章　健康・福祉")
    assert first < second
    assert sum(1 for t in lines[first:second] if t.startswith("第") and "節" in t[:4]) == 5
    assert any(t.startswith("第2節") and "未提出" in t for t in lines[first:second])
    assert any(t.startswith("第4節") and "エラーあり" in t for t in lines[second:])
    departments = lines[lines.index("関係所属ごと："):]
    assert any(t.strip().startswith("障害福祉課：提出済 0/1") and "第2章第4節（エラーあり）" in t
               for t in departments)
    assert any(t.strip().startswith("健康推進課：提出済 1/1") for t in departments)
    # the warnings: chapter 1's own (policy-title-mismatch, unmet-not-analyzed) and the
    # four actuals below 策定時 (below-baseline: two in each chapter)
    assert lines[-1] == "計：提出済 7、未提出 1、エラーあり 1、重複 0、エラー 1、警告 5"
    data = json.loads(run(runner, "status", plan_office["returns"], "--base",
                          plan_office["base"], "--format", "json").stdout)
    assert [(s["chapter"], s["section"]) for s in data["sections"]] == \
        [(1, n) for n in range(1, 6)] + [(2, n) for n in range(1, 5)]
    assert {"department": "障害福祉課", "sections": [
        {"chapter": 2, "section": 4, "status": "invalid"}]} in data["departments"]


def test_status_of_a_plan_names_sections_in_english(runner, plan_office):
    result = run(runner, "status", plan_office["returns"], "--base", plan_office["base"],
                 "--lang", "en")
    lines = result.stdout.splitlines()
    named = [re.sub(r"\S*\.xlsx", "", t) for t in lines]            # not the files' names
    assert not [t for t in named if re.search(r"第\d+[章節]", t)], result.stdout
    assert any(t.startswith("Section 4") and "has errors" in t for t in lines)
    assert any("waiting: Chapter 2, section 4 (" in t for t in lines), result.stdout


def test_status_writes_the_reminder_list(runner, plan_office, tmp_path):
    out = tmp_path / "督促.xlsx"
    result = run(runner, "status", plan_office["returns"], "--base", plan_office["base"],
                 "--format", "xlsx", "-o", out)
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["督促"]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True)]
    assert ws.cell(2, 1).value == "関係所属"
    pending = {(r[0], r[1], r[2], r[4]) for r in rows}
    assert pending == {("地域づくり推進課（市民活動支援センター）", 1, 2, "未提出"),
                       ("障害福祉課", 2, 4, "エラーあり")}
    (late,) = [r for r in rows if r[1] == 2]
    assert late[5] == "障害福祉課長　架空四郎" and late[6] == "令和元年12月20日" and late[7] == 1
    result = run(runner, "status", plan_office["returns"], "--base", plan_office["base"],
                 "--format", "xlsx")
    assert result.exit_code == 2 and "-o" in result.stderr


def test_merge_of_a_plan_writes_one_summary_of_both_chapters(runner, plan_office, tmp_path):
    out, data = tmp_path / "総括表.xlsx", tmp_path / "統合.yaml"
    result = run(runner, "merge", plan_office["returns"], "--base", plan_office["base"],
                 "-o", out, "--data", data, "--csv", tmp_path / "指標.csv")
    assert result.exit_code == 1          # 第2章第4節 was left out
    assert "9 節のうち 7 節を統合" in result.stdout
    assert "第1章第2節「市民活動」がまだ提出されていません" in result.stdout
    names = _sheets(out)
    assert {"第1章", "第1章目標指標", "第2章", "第2章目標指標", "第2章第4節", "出典"} <= set(names)
    merged = load_plan(data)
    full = plan_office["full"]
    def alone(whole, chapter: int, number: int):
        doc = whole.chapter(chapter)
        return normalize(doc.__class__(doc.plan, doc.chapter, (doc.section(number),)))
    for chapter, number in ((2, 1), (1, 5), (2, 3)):
        assert alone(merged, chapter, number).sections == alone(full, chapter, number).sections
    assert merged.chapter(2).section(4).initiatives == ()         # not merged: fixed parts only
    provenance = [r[0] for r in openpyxl.load_workbook(out)["出典"].iter_rows(
        min_row=3, max_row=11, values_only=True)]
    assert provenance == [f"第1章第{n}節" for n in range(1, 6)] + \
        [f"第2章第{n}節" for n in range(1, 5)]
    csv_text = (tmp_path / "指標.csv").read_text(encoding="utf-8-sig")
    assert "\n2,1,健康づくり,特定健康診査の受診率," in csv_text
    assert "fictional-ch2" not in csv_text and "計画.yaml:" in csv_text


def test_a_missing_section_of_a_plan_is_named_with_its_chapter_in_english(
        runner, plan_office, tmp_path):
    result = run(runner, "merge", plan_office["returns"], "--base", plan_office["base"],
                 "-o", tmp_path / "summary.xlsx", "--lang", "en")
    assert "Chapter 1, section 2 '市民活動' has not been returned yet." in result.stdout
    assert "Chapter 2, section 4 '障害者福祉' was returned but rejected" in result.stdout
    assert "章" not in "".join(t for t in result.stdout.splitlines()
                              if "has not been returned" in t or "rejected" in t)


def test_a_duplicate_return_of_a_plan_is_named_with_its_chapter(runner, plan_office, tmp_path):
    returns = tmp_path / "回収"
    shutil.copytree(plan_office["returns"], returns)
    (first,) = returns.glob("第2章第1節_*.xlsx")
    shutil.copyfile(first, returns / "第2章第1節_再提出.xlsx")
    japanese = run(runner, "merge", returns, "--base", plan_office["base"], "-o",
                   tmp_path / "総括表.xlsx")
    assert "第2章第1節の提出が複数あります" in japanese.stdout, japanese.stdout
    english = run(runner, "merge", returns, "--base", plan_office["base"], "-o",
                  tmp_path / "summary.xlsx", "--lang", "en")
    assert "Chapter 2, section 1 was returned more than once" in english.stdout


def test_returns_of_both_chapters_are_ranked_together(runner, plan_office, tmp_path):
    """A base whose 第2章第1節 has a 全節中順位 out of order: the returns of both
    chapters carry it, and validate, status and merge say so against the plan."""
    base = tmp_path / "計画.yaml"
    base.write_text(plan_office["base"].read_text(encoding="utf-8").replace(
        "rank_overall: 10", "rank_overall: 27"), encoding="utf-8")
    assert base.read_text(encoding="utf-8") != plan_office["base"].read_text(encoding="utf-8")
    folder = tmp_path / "回収"
    result = run(runner, "template", base, "-o", tmp_path / "様式")
    assert result.exit_code == 0
    from filling import fill
    full = plan_office["full"]
    folder.mkdir()
    for chapter, number in ((1, 1), (2, 1)):
        (template,) = (tmp_path / "様式").glob(f"第{chapter}章第{number}節_*.xlsx")
        fill(template, folder / template.name, full.section(chapter, number))
    result = run(runner, "validate", folder, "--base", base, "--format", "json")
    ranks = [f for f in _findings(result) if f["code"] == "rank-inconsistent"]
    assert len(ranks) == 1 and ranks[0]["path"].endswith("第1章第1節_地域コミュニティ.xlsx")
    assert "第2章第1節" in ranks[0]["message"] and ranks[0]["sheet"] == "第1節"
    merged = run(runner, "merge", folder, "--base", base, "-o", tmp_path / "out.xlsx")
    assert "rank-inconsistent" in merged.stdout and "第2章第1節（12.1%）が27位" in merged.stdout


def test_a_plan_wide_finding_keeps_the_files_findings_in_tab_order(runner, plan_office,
                                                                    tmp_path):
    """The plan-wide 全節中順位 check adds its finding after every file was read; without
    --base or --report validate keeps no documents, and the file's findings must still
    come in the workbook's tab order (第1節 before 目標指標), as they do with --report."""
    base = tmp_path / "計画.yaml"
    base.write_text(plan_office["base"].read_text(encoding="utf-8").replace(
        "rank_overall: 10", "rank_overall: 27"), encoding="utf-8")
    assert run(runner, "template", base, "-o", tmp_path / "様式").exit_code == 0
    from filling import fill
    full = plan_office["full"]
    folder = tmp_path / "回収"
    folder.mkdir()
    for chapter, number in ((1, 1), (2, 1)):
        (template,) = (tmp_path / "様式").glob(f"第{chapter}章第{number}節_*.xlsx")
        section = full.section(chapter, number)
        indicator = section.indicators[0]
        unmet = replace(indicator, results=(*indicator.results[:-1], replace(
            indicator.results[-1], actual=None)))       # a finding on 目標指標 too
        fill(template, folder / template.name,
             replace(section, indicators=(unmet, *section.indicators[1:])))
    slim = run(runner, "validate", folder, "--format", "json")
    kept = run(runner, "validate", folder, "--format", "json", "--report",
               tmp_path / "一覧.xlsx")
    assert json.loads(slim.stdout)["files"] == json.loads(kept.stdout)["files"]
    ranked = [file for file in json.loads(slim.stdout)["files"]
              if any(f["code"] == "rank-inconsistent" for f in file["findings"])]
    assert len(ranked) == 1
    sheets = [f["sheet"] for f in ranked[0]["findings"] if f.get("sheet")]
    tabs = openpyxl.load_workbook(ranked[0]["path"], read_only=True).sheetnames
    assert len(set(sheets)) > 1 and sheets == sorted(sheets, key=tabs.index), sheets


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler-utils are not installed; .ci/run installs them")
def test_libreoffice_prints_every_chapter_of_the_plan_workbook(tmp_path, plan_book):
    """The plan's 総括表 opened in LibreOffice: every sheet of both chapters prints,
    on the pages its print setup plans."""
    import subprocess

    from sheetkit.layout import load_layout
    from sheetkit.soffice import convert_to_pdf, page_count
    from sheetkit.writer import write_summary

    planned = write_summary(load_plan([EXAMPLE, CH2]), load_layout(), tmp_path / "again.xlsx")
    assert set(planned) == set(_sheets(plan_book)) - {"_sheetkit", "_達成状況データ"}   # hidden
    pdf = convert_to_pdf(shutil.which("soffice") or "", [plan_book], tmp_path)[plan_book]
    assert page_count(pdf) == sum(planned.values())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=120).stdout
    for words in ("参加とふれあいで成り立つコミュニティをめざします", "誰もが健やかに",
                  "特定健康診査の受診率", "自治会・町内会への加入率", "障害者福祉"):
        assert words in text
