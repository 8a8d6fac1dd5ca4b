"""The guard knows a workbook's size from the elements its own XML pass sees,
before any reader builds a grid: far-away cells, merged ranges and dimensions,
and counts written to evade a text match, are refused as unreadable-file, in
every command alike, within a small memory budget."""

import pytest
from conftest import EXAMPLE
from filling import fill
from intake_corpus import (
    far_cell,
    far_dimension,
    far_merge,
    lying_content_types,
    newline_rows,
    phantom_part,
    tab_names,
)
from isolated import MIB, digests, run_isolated

from sheetkit.subjects import read_subject

BUDGET = 600 * MIB          # the whole process tree, pandas and pandera included


@pytest.fixture(scope="module")
def returned(template_dir, example_doc, tmp_path_factory):
    section = example_doc.sections[0]
    source = template_dir / f"第1章第1節_{section.title}.xlsx"
    return fill(source, tmp_path_factory.mktemp("ret") / "第1節.xlsx", section)


CASES = {
    "cell-XFD1048576": (lambda s, t: far_cell(s, t, "XFD1048576"), "far-cells", "XFD1048576"),
    "cell-CZ1048576": (lambda s, t: far_cell(s, t, "CZ1048576"), "far-cells", "CZ1048576"),
    "cell-A1048576": (lambda s, t: far_cell(s, t, "A1048576"), "far-cells", "1048576"),
    "cell-XFD1": (lambda s, t: far_cell(s, t, "XFD200"), "far-cells", "XFD200"),
    "merge-AA1:XFD1048576": (far_merge, "merged", "AA1:XFD1048576"),
    "merge-A1:XFD100": (lambda s, t: far_merge(s, t, "A1:XFD100"), "merged", "A1:XFD100"),
    "dimension": (far_dimension, "far-cells", "XFD1048576"),
    "names-with-tabs": (tab_names, "too-large", "名前定義"),
    "rows-with-newlines": (newline_rows, "too-large", "行"),
}


@pytest.fixture(scope="module")
def hostile(returned, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {kind: build(returned, folder / f"{kind}.xlsx")
            for kind, (build, _, _) in CASES.items()}


@pytest.mark.parametrize("kind", CASES)
def test_the_guard_refuses_what_would_build_a_huge_grid(hostile, kind):
    subject = read_subject(hostile[kind])
    assert [p.code for p in subject.problems] == ["unreadable-file"]
    assert subject.problems[0].params["reason"] == CASES[kind][1]


@pytest.mark.parametrize("kind", ["cell-XFD1048576", "cell-CZ1048576", "merge-AA1:XFD1048576",
                                  "dimension", "names-with-tabs"])
def test_every_command_refuses_it_in_its_own_process(hostile, returned, kind, tmp_path):
    path = hostile[kind]
    before = digests([path])
    for args in (["validate", path], ["validate", path, "--annotate", tmp_path / "ann"],
                 ["extract", path],
                 ["merge", path, returned, "--base", EXAMPLE, "-o", tmp_path / "out.xlsx",
                  "--jobs", "2"]):
        outcome = run_isolated(args, tmp_path, timeout=30)
        outcome.assert_clean(memory=BUDGET)
        assert outcome.status in (1, 2), outcome.output
        assert "大きすぎます" in outcome.output and CASES[kind][2] in outcome.output, \
            outcome.output
        if args[0] == "merge":
            assert "取り込まなかったファイル" in outcome.output
            assert (tmp_path / "out.xlsx").exists()       # the good return is merged
            (tmp_path / "out.xlsx").unlink()
    assert digests([path]) == before


@pytest.mark.parametrize("build", [lying_content_types, phantom_part])
def test_content_types_that_lie_are_refused_before_any_command_reads_on(returned, build,
                                                                         tmp_path):
    path = build(returned, tmp_path / "lies.xlsx")
    subject = read_subject(path)
    assert [p.params.get("reason") for p in subject.problems] == ["damaged"]
    outcome = run_isolated(["validate", path, returned, "--annotate", tmp_path / "ann"],
                           tmp_path)
    outcome.assert_clean()
    assert outcome.status == 1
    assert "unreadable-file" in outcome.stdout
    assert (tmp_path / "ann" / returned.name).exists()


def test_real_workbooks_pass_the_new_limits(summary_path, returned):
    for path in (summary_path, returned):
        assert read_subject(path).problems == ()
