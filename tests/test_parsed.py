"""The cache of parsed YAML (sheetkit.parsed): a text's entry is used for that
very text only, an edited text is parsed again, and no failure of the cache
folder ever changes what is read."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from conftest import ROOT

from sheetkit import parsed
from sheetkit.layout import _parse
from sheetkit.problems import SheetkitError

TEXT = "a: 1\nb: [x, 'y', 2.5, true, null]\nc: {d: 日本語}\n"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_an_entry_gives_the_parse_of_its_own_text(folder):
    calls = []

    def parse(text):
        calls.append(text)
        return yaml.safe_load(text)

    first = parsed.load("sample", TEXT, parse)
    again = parsed.load("sample", TEXT, parse)
    assert first == again == yaml.safe_load(TEXT) and len(calls) == 1
    edited = TEXT.replace("1", "2")
    assert parsed.load("sample", edited, parse) == {**first, "a": 2} and len(calls) == 2
    assert parsed.load("sample", TEXT, parse) == first and len(calls) == 3   # one entry a name
    assert [p.name for p in folder.iterdir()] == ["sample.json"]


def test_data_json_cannot_give_back_is_not_kept(folder):
    for text in ("d: 2024-04-01\n", "1: one\n", "x: .nan\n"):
        assert repr(parsed.load("odd", text)) == repr(yaml.safe_load(text))
        assert not (folder / "odd.json").exists()


def test_a_broken_or_foreign_entry_is_parsed_again(folder):
    parsed.load("sample", TEXT)
    entry = folder / "sample.json"
    for damage in (b"{", b"[]", b'{"format": "1"}', b"\xff\xfe", b""):
        entry.write_bytes(damage)
        assert parsed.load("sample", TEXT) == yaml.safe_load(TEXT)
        assert json.loads(entry.read_text("utf-8"))["data"] == yaml.safe_load(TEXT)
    data = json.loads(entry.read_text("utf-8"))
    data["data"]["a"] = 99                      # an entry whose data is not its text's
    data["sha256"] = "0" * 64
    entry.write_text(json.dumps(data), "utf-8")
    assert parsed.load("sample", TEXT)["a"] == 1


def test_an_entry_another_user_wrote_is_passed_over(folder, monkeypatch):
    parsed.load("sample", TEXT)
    entry = folder / "sample.json"
    data = json.loads(entry.read_text("utf-8"))
    data["data"]["a"] = 99                      # planted: right text digest, other data
    entry.write_text(json.dumps(data), "utf-8")
    assert parsed.load("sample", TEXT)["a"] == 99        # the user's own entry is trusted
    entry.write_text(json.dumps(data), "utf-8")
    monkeypatch.setattr(os, "getuid", lambda: os.stat(entry).st_uid + 1)
    assert parsed.load("sample", TEXT)["a"] == 1


def test_no_folder_or_an_unwritable_one_reads_as_without_a_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETKIT_CACHE_DIR", "")
    assert parsed.load("sample", TEXT) == yaml.safe_load(TEXT)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", "utf-8")
    monkeypatch.setenv("SHEETKIT_CACHE_DIR", str(blocker / "cache"))
    assert parsed.load("sample", TEXT) == yaml.safe_load(TEXT)
    assert blocker.read_text("utf-8") == "not a folder"


def test_a_parse_that_fails_keeps_nothing(folder):
    with pytest.raises(yaml.YAMLError):
        parsed.load("bad", "a: [1, 2\n")
    assert not folder.exists() or not list(folder.iterdir())


def test_a_layout_with_a_mistake_names_its_lines_from_a_cached_parse(folder):
    text = (ROOT / "templates" / "tokorozawa.yaml").read_text("utf-8")
    broken = text.replace("version:", "versoin:", 1).encode("utf-8")
    problems = []
    for _ in range(2):                             # parsed, then read from the cache
        _parse.cache_clear()
        with pytest.raises(SheetkitError) as raised:
            _parse(broken, "mine.yaml")
        problems.append(raised.value.problems)
    assert problems[0] == problems[1] and problems[0][0].location.line is not None
    assert len(list(folder.iterdir())) == 1
