"""A data file names the layout its sheets are in (``layout:``), so a second
city's data needs no --layout: generate, template, merge and publish write in
it, extract writes it back, and the office's --layout still wins."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE, ROOT, run

from sheetkit.identity import META_SHEET

SHISAKU = ROOT / "examples" / "shisaku-hyoka-sample.yaml"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def recorded_layout(book: Path) -> str:
    ws = openpyxl.load_workbook(book, read_only=True)[META_SHEET]
    return next(str(r[1]) for r in ws.iter_rows(values_only=True) if r[0] == "layout")


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                if line.startswith(text))


def test_the_second_layouts_example_names_its_layout():
    assert "layout: shisaku-hyoka" in SHISAKU.read_text("utf-8").splitlines()
    assert "layout:" not in EXAMPLE.read_text("utf-8")     # the contract: the default layout


def test_generate_and_template_write_in_the_layout_the_data_names(runner, tmp_path):
    named = run(runner, "generate", SHISAKU, "-o", tmp_path / "named.xlsx")
    given = run(runner, "generate", SHISAKU, "-o", tmp_path / "given.xlsx",
                "--layout", "shisaku-hyoka")
    assert named.exit_code == given.exit_code == 0, named.output
    assert recorded_layout(tmp_path / "named.xlsx") == "shisaku-hyoka"
    assert (tmp_path / "named.xlsx").read_bytes() == (tmp_path / "given.xlsx").read_bytes()
    made = run(runner, "template", SHISAKU, "-o", tmp_path / "tpl")
    assert made.exit_code == 0, made.output
    books = sorted((tmp_path / "tpl").iterdir())
    assert books and all(recorded_layout(b) == "shisaku-hyoka" for b in books)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_extract_names_the_layout_and_the_round_trip_needs_no_option(runner, tmp_path, suffix):
    first, data, again = tmp_path / "1.xlsx", tmp_path / f"s{suffix}", tmp_path / "2.xlsx"
    assert run(runner, "generate", SHISAKU, "-o", first).exit_code == 0
    assert run(runner, "extract", first, "-o", data).exit_code == 0
    text = data.read_text("utf-8")
    if suffix == ".json":
        assert next(iter(json.loads(text))) == "layout"
        assert json.loads(text)["layout"] == "shisaku-hyoka"
    else:
        assert text.startswith("layout: shisaku-hyoka\n")
    assert run(runner, "generate", data, "-o", again).exit_code == 0
    assert first.read_bytes() == again.read_bytes()


def test_the_default_layout_is_not_written(runner, tmp_path):
    book = tmp_path / "t.xlsx"
    assert run(runner, "generate", EXAMPLE, "-o", book).exit_code == 0
    extracted = run(runner, "extract", book)
    assert extracted.exit_code == 0 and extracted.stdout.startswith("plan:\n")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_layout_that_is_not_bundled_is_named_with_its_line(runner, tmp_path, lang):
    data = tmp_path / "mine.yaml"
    data.write_text(SHISAKU.read_text("utf-8").replace("layout: shisaku-hyoka",
                                                       "layout: shisaku-hyoak"), "utf-8")
    line = line_of(data, "layout:")
    for command in ("generate", "template"):
        out = tmp_path / ("x.xlsx" if command == "generate" else "x")
        result = run(runner, command, data, "-o", out, "--lang", lang)
        assert result.exit_code == 2, result.output
        where = f"mine.yaml {line}行目" if lang == "ja" else f"mine.yaml line {line}"
        assert where in result.stderr and "shisaku-hyoak" in result.stderr, result.stderr
        assert "--layout" in result.stderr
        assert not out.exists()


def test_a_citys_own_layout_named_by_the_data_is_given_with_layout(runner, tmp_path):
    own = tmp_path / "mycity.yaml"
    own.write_text((ROOT / "templates" / "shisaku-hyoka.yaml").read_text("utf-8").replace(
        "\nname: shisaku-hyoka\n", "\nname: mycity\n", 1), "utf-8")
    book, data, again = tmp_path / "1.xlsx", tmp_path / "1.yaml", tmp_path / "2.xlsx"
    assert run(runner, "generate", SHISAKU, "-o", book, "--layout", own).exit_code == 0
    assert run(runner, "extract", book, "-o", data, "--layout", own).exit_code == 0
    assert data.read_text("utf-8").startswith("layout: mycity\n")
    refused = run(runner, "generate", data, "-o", again)
    assert refused.exit_code == 2 and "mycity" in refused.stderr
    assert run(runner, "generate", data, "-o", again, "--layout", own).exit_code == 0
    assert book.read_bytes() == again.read_bytes()


def test_chapter_files_must_name_the_same_layout(runner, tmp_path):
    folder = tmp_path / "plan"
    folder.mkdir()
    text = SHISAKU.read_text("utf-8")
    (folder / "a.yaml").write_text(text, "utf-8")
    other = text.replace("layout: shisaku-hyoka\n", "").replace("number: 1\n", "number: 2\n", 1)
    (folder / "b.yaml").write_text(other, "utf-8")
    result = run(runner, "generate", folder, "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 2
    assert f"a.yaml:{line_of(folder / 'a.yaml', 'layout:')}" in result.stderr
    assert "b.yaml" in result.stderr and "layout" in result.stderr


def test_merge_writes_the_base_in_its_layout_and_names_it_in_the_data(runner, tmp_path):
    assert run(runner, "template", SHISAKU, "-o", tmp_path / "tpl").exit_code == 0
    merged = run(runner, "merge", tmp_path / "tpl", "--base", SHISAKU, "-o", tmp_path / "m.xlsx",
                 "--data", tmp_path / "m.yaml", "--allow-invalid")
    assert merged.exit_code == 0, merged.output
    assert recorded_layout(tmp_path / "m.xlsx") == "shisaku-hyoka"
    assert (tmp_path / "m.yaml").read_text("utf-8").startswith("layout: shisaku-hyoka\n")


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler-utils are not installed; .ci/run installs them")
def test_publish_prints_a_workbook_in_the_layout_it_records(runner, tmp_path):
    book = tmp_path / "s.xlsx"
    assert run(runner, "generate", SHISAKU, "-o", book).exit_code == 0
    done = run(runner, "publish", book, "-o", tmp_path / "pub")
    assert done.exit_code == 0, done.output
    whole = next(p for p in (tmp_path / "pub").iterdir() if p.name.startswith("全体_"))
    text = subprocess.run(["pdftotext", "-layout", str(whole), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "施策の評価" in text and "施策一覧" in text
