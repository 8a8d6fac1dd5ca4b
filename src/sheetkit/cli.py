"""The sheetkit command line: parse arguments, call the API, render, set the exit status.

This is the only module that imports click."""

from __future__ import annotations

import gc
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sheetkit import DEFAULT_LAYOUT, __version__
from sheetkit.messages import CLICK_DETAILS_JA, CLICK_EN, CLICK_JA, LANGS, line, severity_words
from sheetkit.plain import one_line, terminal
from sheetkit.problems import Location, Problem, SheetkitError, debugging

T = TypeVar("T")

EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70


def _default_lang() -> str:
    return os.environ.get("SHEETKIT_LANG", "ja")


def _lang_of(argv: list[str]) -> str:
    """The language a command line asks for, before click has parsed it."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv) and argv[index + 1] in LANGS:
            return argv[index + 1]
        if arg.startswith("--lang=") and arg[7:] in LANGS:
            return arg[7:]
    env = os.environ.get("SHEETKIT_LANG", "ja")
    return env if env in LANGS else "ja"


def _plural(count: int, word: str) -> str:
    """'1 file', '2 files' (English only)."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _usage_message(exc: click.UsageError, lang: str) -> str:
    """click's usage errors in the user's language (click itself speaks English)."""
    def name(param: click.Parameter | None) -> str:
        if param is None:
            return ""
        if isinstance(param, click.Option):
            return max(param.opts, key=len)
        return param.human_readable_name
    if lang != "ja":
        return exc.format_message()
    if isinstance(exc, click.MissingParameter):
        return CLICK_JA["missing"].format(name=name(exc.param))
    if isinstance(exc, click.NoSuchOption):
        near = "、".join(sorted(exc.possibilities or ()))
        return CLICK_JA["no-such-option"].format(name=exc.option_name) + (
            CLICK_JA["did-you-mean"].format(names=near) if near else "")
    if isinstance(exc, click.BadOptionUsage) and "requires an argument" in exc.message:
        return CLICK_JA["needs-value"].format(name=exc.option_name)
    if isinstance(exc, click.BadParameter):
        detail = exc.message
        for pattern, template in CLICK_DETAILS_JA:
            found = re.match(pattern, detail)
            if found:
                detail = template.format(*found.groups())
                break
        return CLICK_JA["bad-value"].format(name=name(exc.param) or exc.param_hint or "",
                                            detail=detail)
    found = re.match(r"No such command '(.*)'\.", exc.message)
    if found:
        group = exc.ctx.command if exc.ctx is not None else None
        names = group.list_commands(exc.ctx) if isinstance(group, click.Group) and exc.ctx else []
        return CLICK_JA["no-such-command"].format(name=found.group(1), commands="・".join(names))
    found = re.match(r"Got unexpected extra arguments? \((.*)\)", exc.message)
    if found:
        return CLICK_JA["extra-arguments"].format(args=found.group(1))
    return CLICK_JA["other"].format(detail=exc.message)


class _Sheetkit(click.Group):
    """The command group; usage errors speak the user's language, and an invalid
    SHEETKIT_LANG is blamed on the environment variable."""

    def main(self, args: Any = None, prog_name: str | None = None, *rest: Any,
             **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        self.lang = _lang_of(argv)
        env = os.environ.get("SHEETKIT_LANG")
        explicit = any(a == "--lang" or a.startswith("--lang=") for a in argv)
        if env is not None and env not in LANGS and not explicit and \
                not {"-h", "--help", "--version"} & set(argv):
            click.echo(CLICK_JA["bad-env"].format(value=env), err=True)
            click.echo(CLICK_EN["bad-env"].format(value=env), err=True)
            sys.exit(EXIT_USAGE)
        return super().main(argv, prog_name, *rest, **extra)

    def _translate(self, exc: click.UsageError) -> click.UsageError:
        lang = getattr(self, "lang", "ja")
        return _UsageError(_usage_message(exc, lang), exc.ctx, lang)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except _UsageError:
            raise
        except click.UsageError as exc:
            raise self._translate(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _UsageError:
            raise
        except click.UsageError as exc:
            raise self._translate(exc) from None


class _UsageError(click.UsageError):
    """A usage error already in the user's language."""

    def __init__(self, message: str, ctx: click.Context | None, lang: str) -> None:
        super().__init__(message, ctx)
        self.lang = lang

    def show(self, file: Any = None) -> None:
        if self.lang != "ja":
            super().show(file)
            return
        lines = []
        if self.ctx is not None:
            usage = self.ctx.get_usage().replace("Usage:", "使い方:", 1)
            lines += [usage, CLICK_JA["try-help"].format(command=self.ctx.command_path), ""]
        lines.append(CLICK_JA["error"].format(message=self.message))
        click.echo("\n".join(lines), err=True)


class _AsGiven(click.Path):
    """An input path as given.  click.Path asks the system about every path
    (a stat per file: some 3 ms on 1,200 returns, while nothing else runs), and
    where nothing is required of it (a file or a folder, that need not exist nor
    be readable) uses the answer for nothing: what each input is, intake finds
    out, and says of each one that cannot be read."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        return self.coerce_path_result(value)


INPUT = _AsGiven(path_type=Path, readable=False)


lang_option = click.option(
    "--lang", type=click.Choice(["ja", "en"]), default=_default_lang, show_default="ja",
    help="メッセージの言語 / language of messages (SHEETKIT_LANG)")
layout_option = click.option(
    "--layout", default=None, metavar="NAME|FILE",
    help=f"レイアウト：付属の名前（sheetkit layouts）または YAML ファイル。書き出しの既定は "
         f"データの layout: 、なければ {DEFAULT_LAYOUT}。読み取りの既定はブックに記録されたレイアウト "
         f"/ layout: a bundled name (sheetkit layouts) or a YAML file; writing defaults to the "
         f"data's layout:, else {DEFAULT_LAYOUT}; reading to the layout the workbook records")
force_option = click.option(
    "--force", is_flag=True, help="既存の出力を上書きする / replace an existing output")
rating_option = click.option(
    "--rating", default="tassei", show_default=True,
    help="達成状況の評価方法：tassei・abcd・baseline、または評価方法の YAML ファイル / "
         "rating scheme name or YAML file")


def _run(lang: str, action: Callable[[], T],
         failure_status: int | Callable[[SheetkitError], int] = EXIT_USAGE) -> T:
    """Run an API call; problems are printed in ``lang`` and end the command."""
    try:
        return action()
    except SheetkitError as exc:
        for problem in exc.problems:
            click.echo(one_line(line(problem, lang)), err=True)
        sys.exit(failure_status(exc) if callable(failure_status) else failure_status)
    except Exception as exc:  # noqa: BLE001 - the last guard: a user never sees a traceback
        click.echo(line(Problem("internal-error", Location(),
                                {"detail": f"{type(exc).__name__}: {exc}"}), lang), err=True)
        if debugging():                                 # ...unless a developer asks for it
            import traceback
            click.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
        sys.exit(EXIT_INTERNAL)


@click.group(cls=_Sheetkit, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheetkit")
def cli() -> None:
    """sheetkit — 総合計画 総括表の作成・配布・回収・検証・統合。

    Review sheets (総括表) of municipal comprehensive plans: generate,
    hand out, read back, check and merge."""


chapter_option = click.option(
    "--chapter", type=click.IntRange(1), default=None,
    help="この章だけを扱う / this chapter only")


@cli.command()
@click.argument("data", nargs=-1, required=True, type=INPUT)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path, readable=False),
              help="書き出す .xlsx / the workbook to write")
@chapter_option
@layout_option
@rating_option
@force_option
@lang_option
def generate(data: tuple[Path, ...], output: Path, chapter: int | None, layout: str | None,
             rating: str, force: bool, lang: str) -> None:
    """データ(YAML/JSON)から総括表を作る / write the 総括表 workbook from DATA.

    DATA は計画全体のファイル、章ごとのファイル（複数可）またはそのフォルダー。
    DATA is a plan file, chapter files, or a folder of them."""
    from sheetkit import api

    written, notes = _run(lang, lambda: api.generate(list(data), output, layout, force,
                                                     chapter, rating))
    _note_problems(notes, lang)
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
@click.argument("data", nargs=-1, required=True, type=INPUT)
@click.option("-o", "--output", "folder", required=True,
              type=click.Path(file_okay=False, path_type=Path, readable=False),
              help="様式を書き出すフォルダー / folder for the templates")
@chapter_option
@click.option("--section", "sections", default=None,
              help="作る節の番号（例：1,3）/ sections to make (e.g. 1,3)")
@click.option("--rows", type=click.IntRange(1, 500), default=None,
              help="取り組み・課題の空き行数（既定 10）/ empty table rows (default 10)")
@layout_option
@force_option
@lang_option
def template(data: tuple[Path, ...], folder: Path, chapter: int | None, sections: str | None,
             rows: int | None, layout: str | None, force: bool, lang: str) -> None:
    """各節の記入様式を作る / write one blank workbook per 節 for its departments.

    DATA は計画全体のファイル、章ごとのファイル（複数可）またはそのフォルダー。
    DATA is a plan file, chapter files, or a folder of them."""
    from sheetkit import api

    chosen = _section_list(sections)
    written = _run(lang, lambda: api.make_templates(list(data), folder, chosen, rows, layout,
                                                    force, chapter))
    for path in written:
        click.echo(str(path))
    click.echo(f"{len(written)} 件の様式を書き出しました。" if lang == "ja"
               else f"Wrote {_plural(len(written), 'template')}.", err=True)


@cli.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path, readable=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path, readable=False), default=None,
              help="書き出す .yaml / .json（省略時は画面に表示）/ output file (default: stdout)")
@layout_option
@force_option
@lang_option
def extract(workbook: Path, output: Path | None, layout: str | None, force: bool,
            lang: str) -> None:
    """総括表・記入様式を読み取り、データに戻す / read a workbook back into data."""
    from sheetkit import api

    _run(lang, lambda: api.check_extract_output(workbook, output, force))
    extraction, text = _run(lang, lambda: api.extract_text(workbook, api.data_format(output),
                                                            layout))
    _note_problems(api.extract_notes(workbook, extraction), lang)
    if output is None:
        click.echo(text, nl=False)
        return
    written = _run(lang, lambda: api.write_text(text, output, force, workbook))
    click.echo(f"データを書き出しました: {written}" if lang == "ja" else f"Wrote {written}",
               err=True)


def _render_text(report: Any, lang: str) -> str:
    """Findings grouped by file and sheet, with the cell or line, then the counts."""
    from sheetkit.messages import where
    words = severity_words(lang)
    lines: list[str] = []
    for file in report.files:
        lines.append(one_line(file.path))
        if not file.findings:
            lines.append("  問題は見つかりませんでした。" if lang == "ja" else "  No problems found.")
        sheet: str | None = "\0"
        for finding in file.findings:
            loc = finding.location
            if loc.sheet != sheet:
                sheet = loc.sheet
                if sheet:
                    lines.append(f"  {one_line(sheet)}")
            place = f"{loc.sheet}!{loc.cell}" if loc.sheet and loc.cell else \
                where(type(loc)(line=loc.line, field=loc.field), lang)
            indent = "    " if sheet else "  "
            lines.append(f"{indent}[{words[finding.severity]}] {one_line(place)} "
                         f"{finding.code}: {one_line(finding.message(lang))}")
    counts = (report.count("error"), report.count("warning"), report.count("info"))
    if lang == "ja":
        lines.append(f"合計：ファイル {len(report.files)}、エラー {counts[0]}、警告 {counts[1]}、"
                     f"情報 {counts[2]}")
    else:
        lines.append(f"Total: {_plural(len(report.files), 'file')}, "
                     f"{_plural(counts[0], 'error')}, {_plural(counts[1], 'warning')}, "
                     f"{_plural(counts[2], 'info')}")
    return "\n".join(lines)


def _progress(label: str) -> Callable[[int, int], None] | None:
    """A progress bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(1)
        if done == total:
            state["bar"].__exit__(None, None, None)
    return update


def _note_problems(problems: Any, lang: str) -> None:
    """Warnings about the input that do not stop the command, on stderr."""
    for problem in problems:
        click.echo(f"[{severity_words(lang)['warning']}] " + line(problem, lang), err=True)


def _note_skipped(paths: Any, lang: str) -> None:
    """One info line for each lock file that was not read."""
    for path in paths:
        click.echo(f"[{severity_words(lang)['info']}] " + line(Problem(
            "lock-file-skipped", Location(str(path)), {"name": Path(path).name}), lang),
            err=True)


jobs_option = click.option("--jobs", type=click.IntRange(1, 256), default=None,
                           help="同時に読むファイル数（既定：CPU の数）/ parallel readers "
                                "(default: all cores)")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=INPUT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="出力の形式 / output format")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error",
              show_default=True, help="この重要度以上で終了コード 1 / exit 1 at this severity")
@click.option("--annotate", "annotate_dir", type=click.Path(file_okay=False, path_type=Path, readable=False),
              default=None, help="指摘を書き込んだ写しを作るフォルダー / folder for annotated copies")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path, readable=False),
              default=None, help="全指摘の一覧 .xlsx / workbook listing all findings")
@click.option("--base", type=INPUT, default=None,
              help="企画課のデータ（計画・章のファイルかフォルダー）と固定部分を照合する / "
                   "compare fixed parts with this plan (file or folder)")
@jobs_option
@layout_option
@force_option
@lang_option
def validate(files: tuple[Path, ...], fmt: str, fail_on: str, annotate_dir: Path | None,
             report_path: Path | None, base: Path | None, jobs: int | None,
             layout: str | None, force: bool, lang: str) -> None:
    """返送された様式・総括表・データを点検する / check returned sheets, workbooks or data."""
    from sheetkit import api, jsontext

    # documents are kept only for what needs them: outputs and --base
    writes = annotate_dir is not None or report_path is not None
    documents = writes or base is not None
    if writes:
        outputs = _run(lang, lambda: api.check_validate_outputs(
            (*files, *([base] if base else [])), annotate_dir, report_path, force))
    _run(lang, lambda: api.check_layout(layout))
    gathered = api.gather(files)
    _note_skipped(gathered.skipped, lang)
    base_doc = None if base is None else _run(lang, lambda: api.load_base(base))
    report, subjects = _run(lang, lambda: api.validate(
        list(gathered.paths), jobs=jobs,
        progress=_progress("点検中" if lang == "ja" else "Checking"), documents=documents,
        base=base_doc, layout=layout),
        EXIT_PROBLEM)
    if base_doc is not None:
        report = _run(lang, lambda: api.compare_with_base(report, subjects, base_doc),
                      EXIT_PROBLEM)
    if writes:
        report, written = _run(lang, lambda: api.write_validate_outputs(
            outputs, report, subjects, annotate_dir, report_path, lang))
        for path in written:
            if path != report_path:
                click.echo(("指摘を書き込んだ写し: " if lang == "ja" else "Annotated copy: ")
                           + one_line(str(path)), err=True)
    if fmt == "json":
        # written file by file: a run over many files never holds its whole report as text
        jsontext.dump(report.json_by_file(lang, fail_on), lambda text: click.echo(text, nl=False))
        click.echo()
    else:
        click.echo(_render_text(report, lang))
    sys.exit(EXIT_PROBLEM if report.fails(fail_on) else 0)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=INPUT)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path, readable=False),
              help="書き出す総括表 .xlsx / the summary workbook to write")
@click.option("--base", required=True, type=INPUT,
              help="企画課のデータ（様式を作った計画・章の YAML かそのフォルダー）/ "
                   "the planning office's plan (file or folder)")
@click.option("--data", type=click.Path(dir_okay=False, path_type=Path, readable=False), default=None,
              help="統合したデータを YAML で書き出す / also write the merged document as YAML")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path, readable=False), default=None,
              help="目標指標を縦長の CSV（UTF-8 BOM 付き）で書き出す / indicators as long CSV")
@click.option("--prefer", type=click.Choice(["newest"]), default=None,
              help="同じ節の提出が複数あるとき新しいものを使う / take the newest of duplicates")
@click.option("--allow-invalid", is_flag=True,
              help="エラーのある提出も取り込む / merge returns that have errors too")
@jobs_option
@layout_option
@rating_option
@force_option
@lang_option
def merge(inputs: tuple[Path, ...], output: Path, base: Path, data: Path | None,
          csv_path: Path | None, prefer: str | None, allow_invalid: bool, jobs: int | None,
          layout: str | None, rating: str, force: bool, lang: str) -> None:
    """返送された様式を総括表にまとめる / merge returned sheets into the 総括表."""
    from sheetkit import api

    result = _run(lang, lambda: api.merge(
        base, list(inputs), output, data=data, csv_path=csv_path,
        prefer_newest=prefer == "newest", allow_invalid=allow_invalid, jobs=jobs,
        progress=_progress("読み込み中" if lang == "ja" else "Reading"), layout=layout,
        force=force, lang=lang, rating=rating))
    words = severity_words(lang)
    _note_skipped(result.collection.skipped, lang)
    for ret in result.left_out:
        click.echo(("取り込まなかったファイル: " if lang == "ja" else "Left out: ")
                   + one_line(ret.subject.path))
        errors = result.why_left_out(ret)
        for finding in errors:
            click.echo(f"  [{words[finding.severity]}] {finding.code}: "
                       f"{one_line(finding.message(lang))}")
        used = result.used_instead(ret)
        if not errors and used is not None:
            click.echo(("  より新しい提出を使いました: " if lang == "ja" else
                        "  a newer return was used: ") + one_line(used.subject.path))
    for ret in result.let_in:
        click.echo(("エラーがあるまま取り込んだファイル（--allow-invalid）: " if lang == "ja" else
                    "Merged with errors (--allow-invalid): ") + one_line(ret.subject.path))
        for finding in ret.errors:
            click.echo(f"  [{words[finding.severity]}] {finding.code}: "
                       f"{one_line(finding.message(lang))}")
    for finding in result.findings:
        click.echo(f"[{words[finding.severity]}] {finding.code}: "
                   f"{one_line(finding.message(lang))}")
    merged = result.merged
    total = len(result.collection.sections)
    click.echo(f"総括表を書き出しました: {output}（{total} 節のうち {merged} 節を統合）" if lang == "ja"
               else f"Wrote {output} ({merged} of {total} sections merged)")
    sys.exit(0 if result.complete else EXIT_PROBLEM)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=INPUT)
@click.option("--base", required=True, type=INPUT,
              help="企画課のデータ（様式を作った計画・章の YAML かそのフォルダー）/ "
                   "the planning office's plan (file or folder)")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "xlsx"]), default="text",
              show_default=True, help="出力の形式（xlsx は督促リスト）/ output format "
                                      "(xlsx: the reminder list)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path, readable=False), default=None,
              help="督促リストの .xlsx（--format xlsx のとき）/ the reminder list to write")
@jobs_option
@layout_option
@force_option
@lang_option
def status(inputs: tuple[Path, ...], base: Path, fmt: str, output: Path | None,
           jobs: int | None, layout: str | None, force: bool, lang: str) -> None:
    """節ごとの提出状況を表示する / show which sections have been returned."""
    import json

    from sheetkit import api

    if (fmt == "xlsx") != (output is not None):
        raise click.UsageError("督促リストは --format xlsx と -o ファイル.xlsx の両方で作ります。"
                               if lang == "ja" else
                               "The reminder list needs both --format xlsx and -o FILE.xlsx.")
    if output is not None:
        outputs = _run(lang, lambda: api.check_reminder_output(output, [base, *inputs], force))
    _run(lang, lambda: api.check_layout(layout))
    collection = _run(lang, lambda: api.status(
        base, list(inputs), jobs=jobs,
        progress=_progress("読み込み中" if lang == "ja" else "Reading"), layout=layout))
    _note_skipped(collection.skipped, lang)
    if output is not None:
        written = _run(lang, lambda: api.write_reminders(collection, outputs, output, lang))
        click.echo(f"督促リストを書き出しました: {written}" if lang == "ja"
                   else f"Wrote {written}", err=True)
        click.echo(terminal(api.status_text(collection, lang)))
    elif fmt == "json":
        click.echo(json.dumps(api.status_json(collection, lang), ensure_ascii=False, indent=2))
    else:
        click.echo(terminal(api.status_text(collection, lang)))


@cli.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path, readable=False))
@click.option("-o", "--output", "folder", required=True,
              type=click.Path(file_okay=False, path_type=Path, readable=False),
              help="公表用のファイルを書き出すフォルダー / folder for the published files")
@click.option("--timeout", type=click.IntRange(1, 3600), default=300, show_default=True,
              help="LibreOffice を待つ秒数 / seconds to wait for LibreOffice")
@layout_option
@rating_option
@force_option
@lang_option
def publish(source: Path, folder: Path, timeout: int, layout: str | None, rating: str, force: bool,
            lang: str) -> None:
    """公表用の PDF・オープンデータ・概要を作る / write the PDFs, open data and summaries."""
    from sheetkit import api

    def status(exc: SheetkitError) -> int:
        """1 when LibreOffice ran but its PDF is wrong; 2 when publishing cannot start
        (no soffice or pdfinfo, an unreadable input, an existing output)."""
        return EXIT_PROBLEM if any(p.code in CONVERSION_PROBLEMS for p in exc.problems) \
            else EXIT_USAGE

    done = _run(lang, lambda: api.publish(source, folder, layout=layout, force=force,
                                          timeout=timeout, rating=rating), status)
    for path in done.files:
        pages = done.pages.get(path.name)
        click.echo(one_line(str(path)) + ("" if pages is None else
                                (f"（{pages} ページ）" if lang == "ja" else f" ({pages} pages)")))
    folder_name = one_line(str(done.folder))
    click.echo(f"{len(done.files)} 件のファイルを書き出しました: {folder_name}" if lang == "ja"
               else f"Wrote {len(done.files)} files to {folder_name}", err=True)


CONVERSION_PROBLEMS = ("conversion-failed", "conversion-timeout", "page-count-mismatch")


@cli.command()
@lang_option
def layouts(lang: str) -> None:
    """付属のレイアウトの一覧 / list the bundled layouts."""
    from sheetkit import api

    bundled = _run(lang, api.layouts)
    width = max(len(lay.name) for lay in bundled)
    for lay in bundled:
        version = f"（版 {lay.version}）" if lang == "ja" else f" (version {lay.version})"
        click.echo(f"{lay.name.ljust(width)}  {one_line(lay.describe(lang))}{version}")
    click.echo("自分のレイアウトは --layout ファイル.yaml で指定します。" if lang == "ja" else
               "Give a layout of your own as --layout FILE.yaml.", err=True)


EXIT_INTERRUPTED = 130            # 128 + SIGINT, as shells report Ctrl-C


class Interrupted(BaseException):
    """Ctrl-C: a BaseException, so that no ``except Exception`` (nor click)
    takes it for an error; outputs unwind (temporary files removed) on the way up."""


_interrupting = [False]           # Interrupted raised and not yet caught by main()
_main_pid = [0]


def _interrupt(signum: int, frame: Any) -> None:
    if os.getpid() != _main_pid[0]:
        return                         # a worker just forked, before it ignores Ctrl-C itself
    if _interrupting[0]:
        return                         # a second Ctrl-C does not cut the clean-up
    _interrupting[0] = True
    raise Interrupted


def _unraisable(info: Any) -> None:
    """Interrupted raised where Python can only print it (a finaliser, a
    callback): raise it again at the next point where it can unwind."""
    if isinstance(info.exc_value, Interrupted):
        _interrupting[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0.05)       # SIGALRM: _interrupt once out of here
        return
    sys.__unraisablehook__(info)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the console script: Ctrl-C says 中断しました and exits 130.
    Without ``argv`` (the console script, ``python -m sheetkit``) the process
    ends here when the command is done (see _leave)."""
    if argv is None:
        try:
            _main(sys.argv[1:])
        except SystemExit as done:
            _leave(done.code)
        return None
    return _main(argv)


def _leave(code: object) -> None:
    """End the process with exit status ``code`` once the command is done, as
    Python would, but without tearing down every module and object it holds
    (pandas, pandera: some 30 M instructions at every exit): the standard
    streams are flushed and the exit functions run (temporary folders
    removed …).  Every output was written whole and closed before: nothing is
    left to finalise.  Where another thread still runs, or a stream cannot be
    flushed (a closed pipe), Python ends the process as usual."""
    threading = sys.modules.get("threading")          # no thread was started without it
    if not (code is None or isinstance(code, int)) or (
            threading is not None and threading.active_count() > 1):
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code or 0)


def _forget_cut_imports() -> None:
    """After a Ctrl-C that cut an import short: Python forgets the package it
    was importing but keeps the submodules it had finished, and importing the
    package again (the message needs the code registry: on a first run, its
    YAML is parsed) fails on them ("partially initialized module").  Those
    submodules, whose package is gone, are forgotten too (parents first)."""
    for name in sorted(sys.modules, key=len):
        package = name.rpartition(".")[0]
        if package and package not in sys.modules:
            del sys.modules[name]


def _main(args: list[str]) -> Any:
    # What start-up imported lives as long as the process and holds no garbage:
    # later collections pass it over (python -m sheetkit paused them while importing).
    gc.freeze()
    gc.enable()
    # numpy (under pandas) starts a BLAS thread per core at import; sheetkit does
    # no linear algebra
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # typeguard (which pandera imports) otherwise looks through every installed
    # package's entry points for checker plugins at import; sheetkit uses none
    os.environ.setdefault("TYPEGUARD_DISABLE_PLUGIN_AUTOLOAD", "1")
    _main_pid[0] = os.getpid()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGALRM, _interrupt)
    sys.unraisablehook = _unraisable
    try:
        return cli.main(args=args, prog_name="sheetkit")
    except Interrupted:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _forget_cut_imports()
        click.echo(line(Problem("interrupted", Location()), _lang_of(args)), err=True)
        sys.exit(EXIT_INTERRUPTED)
