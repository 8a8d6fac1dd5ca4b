"""The sheetkit command line: parse arguments, call the API, render, set the exit status.

This is the only module that imports click."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sheetkit import __version__, api
from sheetkit.layout import DEFAULT_LAYOUT
from sheetkit.messages import line
from sheetkit.problems import Location, Problem, SheetkitError

T = TypeVar("T")

EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70


def _default_lang() -> str:
    return os.environ.get("SHEETKIT_LANG", "ja")


lang_option = click.option(
    "--lang", type=click.Choice(["ja", "en"]), default=_default_lang, show_default="ja",
    help="メッセージの言語 / language of messages (SHEETKIT_LANG)")
layout_option = click.option(
    "--layout", default=DEFAULT_LAYOUT, show_default=True,
    help="レイアウト名または templates/ の YAML ファイル / layout name or YAML file")
force_option = click.option(
    "--force", is_flag=True, help="既存の出力を上書きする / replace an existing output")


def _run(lang: str, action: Callable[[], T], failure_status: int = EXIT_USAGE) -> T:
    """Run an API call; problems are printed in ``lang`` and end the command."""
    try:
        return action()
    except SheetkitError as exc:
        for problem in exc.problems:
            click.echo(line(problem, lang), err=True)
        sys.exit(failure_status)
    except Exception as exc:  # noqa: BLE001 - the last guard: a user never sees a traceback
        click.echo(line(Problem("internal-error", Location(),
                                {"detail": f"{type(exc).__name__}: {exc}"}), lang), err=True)
        sys.exit(EXIT_INTERNAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheetkit")
def cli() -> None:
    """sheetkit — 総合計画 総括表の作成・配布・回収・検証・統合。

    Review sheets (総括表) of municipal comprehensive plans: generate,
    hand out, read back, check and merge."""


@cli.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="書き出す .xlsx / the workbook to write")
@layout_option
@force_option
@lang_option
def generate(data: Path, output: Path, layout: str, force: bool, lang: str) -> None:
    """データ(YAML/JSON)から総括表を作る / write the 総括表 workbook from DATA."""
    written = _run(lang, lambda: api.generate(data, output, layout, force))
    click.echo(f"総括表を書き出しました: {written}" if lang == "ja" else f"Wrote {written}")


def _section_list(value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(part) for part in value.replace("、", ",").split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter("節の番号をカンマ区切りで指定してください（例：1,3）/ "
                                 "give section numbers separated by commas (e.g. 1,3)") from None


@cli.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "folder", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="様式を書き出すフォルダー / folder for the templates")
@click.option("--section", "sections", default=None,
              help="作る節の番号（例：1,3）/ sections to make (e.g. 1,3)")
@click.option("--rows", type=click.IntRange(1, 500), default=None,
              help="取り組み・課題の空き行数（既定 10）/ empty table rows (default 10)")
@layout_option
@force_option
@lang_option
def template(data: Path, folder: Path, sections: str | None, rows: int | None, layout: str,
             force: bool, lang: str) -> None:
    """各節の記入様式を作る / write one blank workbook per 節 for its departments."""
    chosen = _section_list(sections)
    written = _run(lang, lambda: api.make_templates(data, folder, chosen, rows, layout, force))
    for path in written:
        click.echo(str(path))
    click.echo(f"{len(written)} 件の様式を書き出しました。" if lang == "ja"
               else f"Wrote {len(written)} templates.", err=True)


@cli.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="書き出す .yaml / .json（省略時は画面に表示）/ output file (default: stdout)")
@force_option
@lang_option
def extract(workbook: Path, output: Path | None, force: bool, lang: str) -> None:
    """総括表・記入様式を読み取り、データに戻す / read a workbook back into data."""
    fmt = "json" if output is not None and output.suffix.lower() == ".json" else "yaml"
    _, text = _run(lang, lambda: api.extract_text(workbook, fmt))
    if output is None:
        click.echo(text, nl=False)
        return
    written = _run(lang, lambda: api.write_text(text, output, force))
    click.echo(f"データを書き出しました: {written}" if lang == "ja" else f"Wrote {written}",
               err=True)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the console script."""
    return cli.main(args=argv, prog_name="sheetkit")
