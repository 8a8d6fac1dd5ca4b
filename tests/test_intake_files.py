"""Whatever a shell glob or a workbook names: special files are never opened
or read without bound, folders are folders, lock files are skipped with one
line, unreadable files are named for what they are, and a workbook cannot
make sheetkit open a layout file."""

import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE, run
from filling import fill
from intake_corpus import special_files
from isolated import MIB, digests, run_isolated

from sheetkit.identity import META_SHEET
from sheetkit.subjects import read_subject

BUDGET = 600 * MIB


@pytest.fixture(scope="module")
def returned(template_dir, example_doc, tmp_path_factory):
    section = example_doc.sections[0]
    source = template_dir / f"第1章第1節_{section.title}.xlsx"
    return fill(source, tmp_path_factory.mktemp("ret") / "第1節.xlsx", section)


@pytest.fixture
def glob_folder(returned, tmp_path):
    """What `unzip 回収.zip` may leave: a good return, links to devices, a
    FIFO, a lock file, a sub-folder named like a workbook."""
    folder = tmp_path / "回収"
    specials = special_files(folder)
    shutil.copy(returned, folder / "第1節.xlsx")
    shutil.copy(returned, folder / "~$第1節.xlsx")
    (folder / "old.xlsx").mkdir()
    return folder, specials


def test_validate_glob_answers_each_file_and_never_blocks(glob_folder, tmp_path):
    folder, specials = glob_folder
    before = digests([folder])
    names = sorted(str(p) for p in folder.iterdir())          # as `validate 回収/*` expands
    outcome = run_isolated(["validate", *names], tmp_path, timeout=30)
    outcome.assert_clean(memory=BUDGET)
    assert outcome.status == 1
    for name in ("zero.xlsx", "pipe.xlsx"):
        block = outcome.stdout.split(name, 1)[1].split("\n", 2)[1]
        assert "通常のファイルではありません" in block, outcome.stdout
    for name in ("random.json", "zero.yaml"):
        assert name in outcome.stdout
    assert "壊れています" not in outcome.stdout
    assert outcome.stderr.count("ロックファイル") == 1 and "~$第1節.xlsx" in outcome.stderr
    assert "~$第1節.xlsx" not in outcome.stdout
    assert "old.xlsx" not in outcome.stdout                   # a folder is a folder of returns
    assert digests([folder]) == before


@pytest.mark.parametrize("command", ["validate", "status", "merge"])
def test_a_folder_of_returns_with_special_files(glob_folder, tmp_path, command):
    folder, _ = glob_folder
    args = {"validate": ["validate", folder],
            "status": ["status", folder, "--base", EXAMPLE],
            "merge": ["merge", folder, "--base", EXAMPLE, "-o", tmp_path / "out.xlsx"]}[command]
    outcome = run_isolated(args, tmp_path, timeout=30)
    outcome.assert_clean(memory=BUDGET)
    if command != "status":
        assert outcome.status == 1
        assert "zero.xlsx" in outcome.stdout and "pipe.xlsx" in outcome.stdout
    assert "ロックファイル" in outcome.stderr


@pytest.mark.parametrize("name", ["zero.yaml", "random.json"])
def test_data_that_is_a_device_is_refused_at_once(glob_folder, tmp_path, name):
    folder, specials = glob_folder
    for args in (["generate", specials[name], "-o", tmp_path / "x.xlsx"],
                 ["merge", folder / "第1節.xlsx", "--base", specials[name], "-o",
                  tmp_path / "x.xlsx"],
                 ["validate", specials[name]]):
        outcome = run_isolated(args, tmp_path, timeout=20)
        outcome.assert_clean(memory=BUDGET)
        assert outcome.status in (1, 2) and "通常のファイルではありません" in outcome.output


def test_a_fifo_as_base_data_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "base.yaml")
    outcome = run_isolated(["generate", tmp_path / "base.yaml", "-o", tmp_path / "x.xlsx"],
                           tmp_path, timeout=20)
    outcome.assert_clean()
    assert outcome.status == 2 and "通常のファイルではありません" in outcome.stderr


def test_data_over_the_limit_is_read_no_further(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(64 * MIB)             # sparse: costs no disk
    outcome = run_isolated(["validate", big], tmp_path, timeout=20)
    outcome.assert_clean(memory=BUDGET)
    assert outcome.status == 1 and "大きすぎます" in outcome.stdout


def test_a_file_without_read_permission_is_named_as_such(returned, tmp_path, runner,
                                                        monkeypatch):
    locked = tmp_path / "第1節.xlsx"
    shutil.copy(returned, locked)
    data = tmp_path / "base.yaml"
    shutil.copy(EXAMPLE, data)
    locked.chmod(0)
    data.chmod(0)
    if os.geteuid() == 0:                     # root reads anything: deny as the kernel would
        real_open, real_access = os.open, os.access

        def denied(path, *args, **kwargs):
            if Path(path) in (locked, data):
                raise PermissionError(13, "Permission denied")
            return real_open(path, *args, **kwargs)

        def no_access(path, mode, *args, **kwargs):
            return Path(path) not in (locked, data) and real_access(path, mode, *args, **kwargs)
        monkeypatch.setattr(os, "open", denied)
        monkeypatch.setattr(os, "access", no_access)
    result = run(runner, "validate", locked, returned)
    assert result.exit_code == 1               # the other file is still checked
    assert "権限" in result.stdout and "壊れています" not in result.stdout
    assert str(returned) in result.stdout or returned.name in result.stdout
    result = run(runner, "generate", data, "-o", tmp_path / "x.xlsx", "--lang", "en")
    assert result.exit_code == 2 and "access rights" in result.stderr


def _with_layout(returned: Path, target: Path, layout: str) -> Path:
    wb = openpyxl.load_workbook(returned)
    ws = wb[META_SHEET]
    for row in ws.iter_rows():
        if row[0].value == "layout":
            row[1].value = layout
    wb.save(target)
    return target


@pytest.mark.parametrize("named", ["{tmp}/evil.yaml", "../templates/tokorozawa",
                                   "tokorozawa.yaml", "{tmp}/pipe.yaml", "TOKOROZAWA/../x"])
def test_a_workbook_names_only_a_bundled_layout(returned, tmp_path, named):
    shutil.copy(Path(__file__).parent.parent / "templates" / "tokorozawa.yaml",
                tmp_path / "evil.yaml")                   # a working layout, outside the package
    os.mkfifo(tmp_path / "pipe.yaml")                     # opening it would block
    path = _with_layout(returned, tmp_path / "ret.xlsx", named.format(tmp=tmp_path))
    subject = read_subject(path)
    assert [p.code for p in subject.problems] == ["not-sheetkit"]
    outcome = run_isolated(["validate", path, "--annotate", tmp_path / "ann", "--format", "json"],
                           tmp_path, timeout=20)
    outcome.assert_clean()
    assert outcome.status == 1 and '"template-mismatch"' in outcome.stdout
    assert str(tmp_path) not in outcome.stdout.replace(str(path), "")
    assert not (tmp_path / "ann").exists() or not list((tmp_path / "ann").iterdir())


def test_a_path_given_is_kept_and_a_name_made_a_path(tmp_path):
    """click gives Paths: each is kept as it is (made again, it would be parsed
    again, before anything is read); a name is made a Path."""
    from sheetkit.intake import expand_inputs

    given = tmp_path / "第1節.xlsx"
    given.write_bytes(b"PK")
    paths = expand_inputs([given, str(given)]).paths
    assert paths[0] is given and paths[1] == given and type(paths[1]) is type(given)


def test_an_input_no_file_can_be_named_is_a_file_not_found(returned, tmp_path, runner):
    """Inputs are taken as given (click asks the system nothing of them): a
    name with a NUL, which no file has (a library's caller can give one, a
    shell cannot), is a file not found like any other, and the run goes on."""
    nul = tmp_path / "第2節\x00.xlsx"
    result = run(runner, "validate", nul, returned, "--format", "json", "--jobs", "1")
    assert result.exit_code == 1
    first, other = json.loads(result.stdout)["files"]
    assert first["path"] == str(nul) and [f["code"] for f in first["findings"]] == \
        ["unreadable-file"] and "見つかりません" in first["findings"][0]["message"]
    assert other["path"] == str(returned)
    data = tmp_path / "base.yaml"
    shutil.copy(EXAMPLE, data)
    result = run(runner, "merge", nul, returned, "--base", data, "-o", tmp_path / "総括表.xlsx")
    assert result.exit_code in (0, 1) and (tmp_path / "総括表.xlsx").exists()
    assert "unreadable-file" in result.stdout + result.stderr
    result = run(runner, "status", nul, "--base", data, "--lang", "en")
    assert result.exit_code in (0, 1) and "unreadable-file" in result.stdout
