"""The README lists every option of every command, and --help offers nothing
else (as sqlite-utils checks its docs against its CLI)."""

from __future__ import annotations

import re

import click
from conftest import ROOT

from sheetkit.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
OPTION = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)(?: ([a-z]+(?:\\?\|[a-z]+)*)\b)?")


def cli_options() -> dict[str, dict[tuple[str, ...], tuple[str, ...]]]:
    """Each command's options (all their names) and, for a choice, its choices."""
    found = {}
    for name, command in cli.commands.items():
        found[name] = {tuple(p.opts): tuple(p.type.choices) if isinstance(p.type, click.Choice)
                       else () for p in command.params
                       if isinstance(p, click.Option) and "--help" not in p.opts}
    return found


def compare(listed: dict[str, dict[str, tuple[str, ...]]]) -> None:
    mine = cli_options()
    assert set(listed) == set(mine)
    for command, options in mine.items():
        readme = listed[command]
        for names, choices in options.items():
            shown = [n for n in names if n in readme]
            assert shown, (command, names, "not in the README")
            if choices:
                assert set(readme[shown[0]]) == set(choices), (command, names)
        known = {n for names in options for n in names}
        assert not set(readme) - known, (command, set(readme) - known, "not in --help")


def readme_options(section_start: str, row: re.Pattern[str], common: str
                   ) -> dict[str, dict[str, tuple[str, ...]]]:
    text = README.split(section_start, 1)[1]
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    for command, rest in row.findall(text):
        options = found.setdefault(command, {})
        for option, choices in OPTION.findall(rest):
            options[option] = tuple(choices.replace("\\|", "|").split("|")) if choices else ()
    paragraph = text.split(common, 1)[1].split("\n\n", 1)[0]
    for option, choices, scope in re.findall(
            r"`(--[a-z-]+)(?: ([a-z|]+))?[^`]*`\s*[（(]([^）)。.]*)", paragraph):
        commands = list(found) if ("すべて" in scope or "all" in scope) else \
            re.findall(r"[a-z]+", scope)
        for command in commands:
            if command in found:
                found[command][option] = tuple(choices.split("|")) if choices else ()
    return found



def test_japanese_readme_lists_every_option():
    compare(readme_options("## コマンド", re.compile(r"^\| `sheetkit (\w+) ([^`]*)`", re.M),
                           "共通のオプション:"))


def test_english_readme_lists_every_option():
    compare(readme_options("## Commands", re.compile(r"^- `sheetkit (\w+) ([^`]*)`", re.M),
                           "Common options:"))
