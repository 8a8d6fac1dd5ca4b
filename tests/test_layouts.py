"""Layouts are resolved, never trusted: a bundled name or the office's own
--layout FILE, on every command, recorded in every workbook by name, version
and SHA-256, and read back by the same rule."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, run
from filling import fill

from sheetkit.cli import cli
from sheetkit.identity import META_SHEET
from sheetkit.layout import available_layouts
from sheetkit.loader import load_document

# Every bundled layout with an example document (the second layout's engineer
# adds its own): each test below runs for all of them.
EXAMPLES = {"tokorozawa": EXAMPLE,
            "shisaku-hyoka": ROOT / "examples" / "shisaku-hyoka-sample.yaml"}
BUNDLED = sorted(EXAMPLES)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def bundled_text(name: str) -> str:
    return (ROOT / "templates" / f"{name}.yaml").read_text(encoding="utf-8")


def own_copy(folder: Path, name: str, new_name: str | None = None) -> Path:
    """The bundled layout saved as a file of the office's, under ``new_name``."""
    text = bundled_text(name)
    if new_name is not None:
        assert f"\nname: {name}\n" in text
        text = text.replace(f"\nname: {name}\n", f"\nname: {new_name}\n", 1)
    path = folder / f"{new_name or name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def identity_rows(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[META_SHEET]
    return {str(r[0].value): str(r[1].value or "") for r in ws.iter_rows()}


def fill_all(folder: Path, out: Path, example: Path) -> Path:
    """Every template filled in as its department would."""
    out.mkdir()
    doc = load_document(example)
    for template in sorted(folder.iterdir()):
        number = int(identity_rows(template)["section"])
        section = doc.section(number)
        assert section is not None
        fill(template, out / template.name, section)
    return out


def test_every_bundled_layout_has_an_example():
    assert set(available_layouts()) == set(EXAMPLES)


def test_layouts_lists_each_bundled_layout_with_its_description(runner):
    ja = run(runner, "layouts")
    en = run(runner, "layouts", "--lang", "en")
    assert ja.exit_code == en.exit_code == 0
    for name in BUNDLED:
        ja_line = next(line for line in ja.stdout.splitlines() if line.startswith(name + " "))
        en_line = next(line for line in en.stdout.splitlines() if line.startswith(name + " "))
        assert "所沢市 第５次総合計画 総括表" in ja_line or name != "tokorozawa"
        assert "Tokorozawa" in en_line or name != "tokorozawa"
        assert "版 1" in ja_line and "version 1" in en_line
    assert "--layout" in ja.stderr and "--layout" in en.stderr


@pytest.mark.parametrize("name", BUNDLED)
def test_a_workbook_records_its_layout_by_name_version_and_sha256(runner, tmp_path, name):
    own = own_copy(tmp_path, name, "mycity")
    assert run(runner, "generate", EXAMPLES[name], "-o", tmp_path / "s.xlsx",
               "--layout", own).exit_code in (0, 1)
    assert run(runner, "template", EXAMPLES[name], "-o", tmp_path / "tpl", "--section", "1",
               "--layout", own).exit_code == 0
    digest = hashlib.sha256(own.read_bytes()).hexdigest()
    for book in (tmp_path / "s.xlsx", *(tmp_path / "tpl").iterdir()):
        rows = identity_rows(book)
        assert (rows["layout"], rows["layout_version"], rows["layout_sha256"]) == \
            ("mycity", "1", digest)


@pytest.mark.parametrize("name", BUNDLED)
def test_an_own_layout_file_works_in_every_command(runner, tmp_path, name):
    """generate → extract → validate → template → status → merge → extract,
    with the office's own copy of the layout, gives what the bundled one gives."""
    example = EXAMPLES[name]
    own = own_copy(tmp_path, name)              # the bundled name: filling finds its places
    own.write_text(own.read_text(encoding="utf-8") + "\n# the office's own copy\n", "utf-8")
    mine, theirs = tmp_path / "mine", tmp_path / "bundled"
    for folder, layout in ((mine, str(own)), (theirs, name)):
        folder.mkdir()
        made = run(runner, "generate", example, "-o", folder / "s.xlsx", "--layout", layout)
        assert made.exit_code in (0, 1), made.output
        extracted = run(runner, "extract", folder / "s.xlsx", "-o", folder / "s.yaml",
                        "--layout", layout)
        assert extracted.exit_code == 0, extracted.output
        checked = run(runner, "validate", folder / "s.xlsx", "--format", "json",
                      "--layout", layout)
        (folder / "validate.json").write_text(checked.stdout.replace(str(folder), "<dir>"))
        assert run(runner, "template", example, "-o", folder / "tpl",
                   "--layout", layout).exit_code == 0
        returns = fill_all(folder / "tpl", folder / "returns", example)
        board = run(runner, "status", returns, "--base", example, "--format", "json",
                    "--layout", layout)
        assert board.exit_code == 0, board.output
        (folder / "status.json").write_text(board.stdout.replace(str(folder), "<dir>"))
        assert "layout-unavailable" not in board.stdout and '"submitted"' in board.stdout
        merged = run(runner, "merge", returns, "--base", example, "-o", folder / "m.xlsx",
                     "--data", folder / "m.yaml", "--layout", layout, "--allow-invalid")
        assert merged.exit_code == 0, merged.output
        again = run(runner, "extract", folder / "m.xlsx", "--layout", layout)
        assert again.exit_code == 0, again.output
        (folder / "m-again.yaml").write_text(again.stdout)
    for name_ in ("s.yaml", "validate.json", "status.json", "m.yaml", "m-again.yaml"):
        assert (mine / name_).read_text() == (theirs / name_).read_text(), name_
    codes = {f["code"] for f in json.loads((mine / "validate.json").read_text())["files"][0][
        "findings"]}
    assert not codes & {"layout-unavailable", "layout-changed", "template-mismatch",
                        "template-modified"}


@pytest.mark.parametrize("name", BUNDLED)
def test_reading_an_own_layout_without_it_says_how_to_supply_it(runner, tmp_path, name):
    own = own_copy(tmp_path, name, "mycity")
    book = tmp_path / "s.xlsx"
    assert run(runner, "generate", EXAMPLES[name], "-o", book, "--layout", own).exit_code in (0, 1)
    for lang, words in (("ja", ("「mycity」", "--layout ファイル")),
                        ("en", ("'mycity'", "--layout FILE"))):
        result = run(runner, "extract", book, "--lang", lang)
        assert result.exit_code == 2 and result.stdout == ""
        assert all(w in result.stderr for w in words), result.stderr
        checked = run(runner, "validate", book, "--format", "json", "--lang", lang)
        assert checked.exit_code == 1
        findings = json.loads(checked.stdout)["files"][0]["findings"]
        assert [f["code"] for f in findings] == ["layout-unavailable"]
        assert all(w in findings[0]["message"] for w in words)
        assert "sheetkit で作った" not in findings[0]["message"]
        assert "not made by sheetkit" not in findings[0]["message"]


@pytest.mark.parametrize("name", BUNDLED)
def test_an_edited_copy_under_the_bundled_name_is_not_read_as_the_bundled_one(
        runner, tmp_path, name):
    """Same name and version, other text: the workbook was made with an edited
    layout; the bundled one may put fields elsewhere, so it is not trusted."""
    own = own_copy(tmp_path, name)
    own.write_text(own.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    book = tmp_path / "s.xlsx"
    assert run(runner, "generate", EXAMPLES[name], "-o", book, "--layout", own).exit_code in (0, 1)
    result = run(runner, "extract", book)
    assert result.exit_code == 2
    assert f"「{name}」" in result.stderr and "内容が違います" in result.stderr
    assert run(runner, "extract", book, "--layout", own).exit_code == 0


@pytest.mark.parametrize("name", BUNDLED)
def test_an_unchanged_copy_reads_back_with_or_without_it(runner, tmp_path, name):
    own = own_copy(tmp_path, name)
    book = tmp_path / "s.xlsx"
    assert run(runner, "generate", EXAMPLES[name], "-o", book, "--layout", own).exit_code in (0, 1)
    assert run(runner, "extract", book).stdout == run(runner, "extract", book,
                                                      "--layout", own).stdout


def test_a_missing_layout_file_is_named(runner, tmp_path):
    result = run(runner, "extract", tmp_path / "x.xlsx", "--layout", tmp_path / "nowhere.yaml")
    assert result.exit_code == 2 and "nowhere.yaml" in result.stderr


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler-utils are not installed; .ci/run installs them")
@pytest.mark.parametrize("name", BUNDLED)
def test_publish_reads_back_and_prints_with_an_own_layout(runner, tmp_path, name):
    own = own_copy(tmp_path, name, "mycity")
    book = tmp_path / "s.xlsx"
    assert run(runner, "generate", EXAMPLES[name], "-o", book, "--layout", own).exit_code in (0, 1)
    refused = run(runner, "publish", book, "-o", tmp_path / "no")
    assert refused.exit_code == 2 and "mycity" in refused.stderr
    done = run(runner, "publish", book, "-o", tmp_path / "pub", "--layout", own)
    assert done.exit_code == 0, done.output
    assert any(p.suffix == ".pdf" for p in (tmp_path / "pub").iterdir())



# -- a layout with a mistake is never used ---------------------------------------

TYPO = ("field: section.goal", "field: section.gaol")     # one letter swapped in a field:


def typo_copy(folder: Path, name: str) -> tuple[Path, int]:
    """The bundled layout saved as a file with one typo in a ``field:``, and
    the line of the typo (counted in the file's own text)."""
    text = bundled_text(name)
    assert TYPO[0] in text, name
    text = text.replace(TYPO[0], TYPO[1], 1)
    path = folder / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text[:text.index(TYPO[1])].count("\n") + 1


@pytest.fixture(scope="module", params=BUNDLED)
def made_with(request, tmp_path_factory) -> tuple[str, Path]:
    """A bundled layout's name and a folder holding a workbook generated with it."""
    folder = tmp_path_factory.mktemp(request.param)
    result = CliRunner().invoke(cli, ["generate", str(EXAMPLES[request.param]), "-o",
                                      str(folder / "s.xlsx"), "--layout", request.param])
    assert result.exit_code in (0, 1), result.output
    return request.param, folder


COMMANDS = {      # every command that takes --layout, with what it needs besides
    "generate": lambda ex, book, out: ["generate", ex, "-o", out / "s.xlsx"],
    "template": lambda ex, book, out: ["template", ex, "-o", out],
    "extract": lambda ex, book, out: ["extract", book, "-o", out / "s.yaml"],
    "validate": lambda ex, book, out: ["validate", book, "--annotate", out],
    "status": lambda ex, book, out: ["status", book.parent, "--base", ex, "--format", "xlsx",
                                     "-o", out / "st.xlsx"],
    "merge": lambda ex, book, out: ["merge", book.parent, "--base", ex, "-o", out / "m.xlsx"],
    "publish": lambda ex, book, out: ["publish", book, "-o", out],
}


def test_every_command_with_layout_is_tried():
    with_layout = {name for name, command in cli.commands.items()
                   if any("--layout" in p.opts for p in command.params)}
    assert with_layout == set(COMMANDS)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_typo_in_a_field_stops_every_command_naming_line_and_field(
        runner, tmp_path, made_with, command, lang):
    name, folder = made_with
    layout, line = typo_copy(tmp_path, name)
    out = tmp_path / "out"
    args = COMMANDS[command](EXAMPLES[name], folder / "s.xlsx", out)
    result = run(runner, *args, "--layout", layout, "--lang", lang)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    said = result.stderr
    assert str(layout) in said and "section.gaol" in said and "section.goal" in said, said
    assert (f"{line}行目" if lang == "ja" else f"line {line}") in said, said
    assert ("まちがいではありませんか" if lang == "ja" else "Did you mean") in said, said
    assert not out.exists() or not any(out.iterdir()), "nothing is written with a bad layout"
