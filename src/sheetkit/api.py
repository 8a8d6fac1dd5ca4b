"""The library API behind the commands.  No printing, no exit codes.

Every command of the CLI calls this module and nothing else of sheetkit's (but for
messages to print them).  What only some commands need (the writer, pandas, the merge) is
imported where it is used, so that each command loads only what it runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sheetkit import model as m
from sheetkit import suffixes
from sheetkit.atomic import Outputs, Writer, bytes_writer, check_outputs, write_all
from sheetkit.findings import FileReport, Finding, Report
from sheetkit.labels import fill, label_vars, safe_filename
from sheetkit.layout import Layout, bundled_layouts, data_layout, given_layout, load_layout
from sheetkit.loader import load_plan, load_plan_with_lines
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.rating_schemes import DEFAULT_SCHEME, load_scheme
from sheetkit.ratings import Scheme
from sheetkit.reader import Extraction, extract_plan
from sheetkit.serialize import to_json, to_yaml
from sheetkit.soffice import DEFAULT_TIMEOUT
from sheetkit.subjects import (
    DATA_SUFFIXES,
    Subject,
    data_subject,
    not_in_layout,
    unreal_dates,
    workbook_subject,
)

if TYPE_CHECKING:
    from sheetkit.collect import Collection
    from sheetkit.intake import Inputs
    from sheetkit.merge import MergeResult
    from sheetkit.publish import Publication
    from sheetkit.validate import Progress


def generate(data: str | Path | Sequence[str | Path], output: str | Path,
             layout: str | None = None, force: bool = False, chapter: int | None = None,
             rating: str | Path = DEFAULT_SCHEME) -> tuple[Path, list[Problem]]:
    """Write the whole 総括表 of ``data`` (a plan file, chapter files or a
    folder of them) to ``output``, or of its chapter ``chapter`` alone, its
    達成状況 rated by ``rating``; the path, and the 記入日 that are not real
    dates (written as the text they are)."""
    given = [Path(data)] if isinstance(data, (str, Path)) else [Path(d) for d in data]
    outputs = check_outputs([Path(output)], given, force)
    suffixes.require(output, suffixes.WORKBOOK)
    loaded = load_plan_with_lines(given)
    whole = loaded.document
    if chapter is not None:
        whole = only_chapter(whole, chapter, given[0])
    lay = loaded.layout_for(layout)
    written = generate_document(whole, Path(output), lay, force, outputs, load_scheme(rating))
    subjects = [data_subject(Path(path), doc, lines) for doc, (path, lines)
                in zip(loaded.document.chapters, loaded.sources)
                if whole.chapter(doc.chapter.number) is not None]
    return written, [problem for subject in subjects
                     for problem in unreal_dates(subject)
                     + not_in_layout(subject, lay)]


def only_chapter(whole: m.PlanDocument, number: int, source: Path) -> m.PlanDocument:
    """The plan with chapter ``number`` alone; a problem when there is none."""
    doc = whole.chapter(number)
    if doc is None:
        raise SheetkitError([Problem("no-such-chapter", Location(str(source)), {
            "number": str(number),
            "available": "、".join(str(d.chapter.number) for d in whole.chapters)})])
    return m.PlanDocument(whole.plan, (doc,))


def generate_document(doc: m.Document | m.PlanDocument, output: Path, layout: Layout,
                      force: bool = False, outputs: Outputs | None = None,
                      scheme: Scheme | None = None) -> Path:
    from sheetkit.writer import write_summary

    outputs = outputs or check_outputs([output], (), force)
    write_all(outputs, [(output, lambda tmp: write_summary(doc, layout, tmp, scheme=scheme))])
    return output


def template_path(folder: Path, doc: m.Document, section: m.Section, layout: Layout) -> Path:
    """Where the template of a 節 goes: 第1章第1節_地域コミュニティ.xlsx."""
    name = fill(layout.template.file, label_vars(doc.plan, doc.chapter, section))
    return folder / safe_filename(name)


def make_templates(data: str | Path | Sequence[str | Path], folder: str | Path,
                   sections: Iterable[int] | None = None, rows: int | None = None,
                   layout: str | None = None, force: bool = False,
                   chapter: int | None = None) -> list[Path]:
    """One blank workbook per 節 of the plan (of chapter ``chapter`` only, of
    its ``sections`` only) for its departments; returns the files written."""
    given = [Path(data)] if isinstance(data, (str, Path)) else [Path(d) for d in data]
    loaded = load_plan_with_lines(given)
    whole = loaded.document
    if chapter is not None:
        whole = only_chapter(whole, chapter, given[0])
    chosen = [(doc, s) for doc in whole.chapters for s in doc.sections]
    if sections is not None:
        if len(whole.chapters) > 1:
            raise SheetkitError([Problem("section-needs-chapter", Location(str(given[0])), {
                "chapters": "、".join(str(d.chapter.number) for d in whole.chapters)})])
        doc = whole.chapters[0]
        wanted = list(sections)
        missing = [n for n in wanted if doc.section(n) is None]
        if missing:
            raise SheetkitError([Problem("no-such-section", Location(str(given[0])), {
                "number": str(n), "available": "、".join(str(s.number) for s in doc.sections)})
                for n in missing])
        chosen = [(doc, s) for doc, s in chosen if s.number in wanted]
    lay = loaded.layout_for(layout)
    folder = Path(folder)
    targets = [(doc, s, template_path(folder, doc, s, lay)) for doc, s in chosen]
    outputs = check_outputs([t for _, _, t in targets], given, force)
    count = lay.template.rows if rows is None else rows
    from sheetkit.writer import write_template

    def writer(doc: m.Document, section: m.Section) -> Writer:
        return lambda tmp: write_template(doc, section, lay, tmp, count)
    return write_all(outputs, [(target, writer(d, s)) for d, s, target in targets])


def check_extract_output(workbook: str | Path, output: str | Path | None,
                         force: bool = False) -> None:
    """Refuse, before reading anything, an output extract may not write: an existing
    file without ``force``, the workbook itself, or a name that is not data (.yaml/.json)."""
    if output is not None:
        check_outputs([Path(output)], [Path(workbook)], force)
    suffixes.require(output, suffixes.DATA)


def data_format(output: str | Path | None) -> str:
    """The data format an output is written in: JSON for .json, else YAML (also on screen)."""
    return "json" if output is not None and Path(output).suffix.lower() == ".json" else "yaml"


def extract_text(workbook: str | Path, fmt: str = "yaml", layout: str | None = None
                 ) -> tuple[tuple[Extraction, ...], str]:
    """Read a workbook and render its document in the input format (yaml or
    json): a plan's 総括表 as the whole plan; the extraction of each chapter;
    with ``layout`` (a bundled name or a file) or else the layout it records."""
    path = Path(workbook)
    if path.suffix.lower() in DATA_SUFFIXES:
        raise SheetkitError([Problem("already-data", Location(str(path)), {"name": path.name})])
    found = extract_plan(workbook, layout=given_layout(layout))
    render = to_json if fmt == "json" else to_yaml
    whole = m.PlanDocument(found[0].document.plan, tuple(e.document for e in found))
    return found, render(whole, data_layout(found[0].layout))


def extract_notes(workbook: str | Path, extraction: Extraction | tuple[Extraction, ...]
                  ) -> list[Problem]:
    """What extract says besides the data: 記入日 that are not real dates, at their cells."""
    found = extraction if isinstance(extraction, tuple) else (extraction,)
    return [p for e in found for p in unreal_dates(workbook_subject(Path(workbook), e))]


def write_text(text: str, output: Path, force: bool = False, source: Path | None = None
               ) -> Path:
    """Write UTF-8 data text (YAML or JSON) atomically (never over ``source``)."""
    outputs = check_outputs([output], [source] if source else [], force)
    suffixes.require(output, suffixes.DATA)
    write_all(outputs, [(output, lambda tmp: tmp.write_text(text, encoding="utf-8"))])
    return output


ANNOTATED_SUFFIXES = (".xlsx", ".xlsm")


def check_validate_outputs(files: Iterable[Path], folder: Path | None, report: Path | None,
                           force: bool = False) -> Outputs:
    """The outputs validate may write, checked before any file is read: the
    annotated copy every workbook could get, and the report."""
    from sheetkit.annotate import annotated_name  # only with --annotate or --report

    files = [Path(f) for f in files]
    targets = [annotated_name(f, folder) for f in files
               if folder is not None and f.suffix.lower() in ANNOTATED_SUFFIXES]
    targets += [report] if report is not None else []
    outputs = check_outputs(targets, files, force, [folder] if folder is not None else [])
    suffixes.require(report, suffixes.WORKBOOK)
    return outputs


def write_validate_outputs(outputs: Outputs, report: Report, subjects: list[Subject],
                           folder: Path | None, report_path: Path | None,
                           lang: str = "ja") -> tuple[Report, list[Path]]:
    """Annotated copies of every readable workbook, and the report: one set.
    A workbook openpyxl cannot open to mark gets no copy but a finding of its
    own (the returned report has it); the others are still marked."""
    from sheetkit.annotate import annotated_name, marked_copy
    from sheetkit.report_book import write_report

    writers: list[tuple[Path, Writer]] = []
    if folder is not None:
        files = list(report.files)
        for at, (file_report, subject) in enumerate(zip(report.files, subjects)):
            if subject.kind in ("summary", "template") and subject.document is not None:
                source = Path(subject.path)
                fill = (subject.layout or load_layout()).input_fill
                try:
                    copy = marked_copy(source, file_report, lang, fill)
                except SheetkitError as exc:
                    files[at] = _with_problems(file_report, exc.problems)
                    continue
                writers.append((annotated_name(source, folder), bytes_writer(copy)))
        report = Report(tuple(files))
    if report_path is not None:
        marked = report
        writers.append((report_path, lambda tmp: write_report(marked, subjects, tmp, lang)))
    late = [t for t, _ in writers if t not in outputs.targets]   # inside folders given
    if late:
        check_outputs(late, [Path(s.path) for s in subjects], outputs.force,
                      [folder] if folder is not None else [])
    return report, write_all(Outputs(tuple(t for t, _ in writers), outputs.force), writers)


def _with_problems(file_report: FileReport, problems: Sequence[Problem]) -> FileReport:
    """``file_report`` with ``problems`` (about the whole file) first."""
    from sheetkit import codes

    found = tuple(Finding(p.code, codes.severity(p.code), p.location, params=dict(p.params))
                  for p in problems)
    return FileReport(file_report.path, found + file_report.findings)


def check_layout(layout: str | None) -> None:
    """Load and check the office's --layout before any file is read, so that a
    mistake in it stops the command (exit 2) instead of marking every file."""
    given_layout(layout)


def layouts() -> list[Layout]:
    """The bundled layouts, for ``sheetkit layouts``."""
    return bundled_layouts()


def load_base(data: str | Path) -> m.PlanDocument:
    """The planning office's plan (a plan file, a chapter file or a folder of
    them) that returns are compared with."""
    return load_plan(data)


def compare_with_base(report: Report, subjects: list[Subject],
                      base: m.Document | m.PlanDocument) -> Report:
    """``report`` with every workbook's fixed parts compared with ``base``
    (wrong chapter, renamed or moved indicators, forged identity …)."""
    from sheetkit.collect import with_base

    return with_base(report, subjects, base)


def gather(inputs: Iterable[str | Path]) -> Inputs:
    """The files named and those in the folders named; lock files set aside."""
    from sheetkit.intake import expand_inputs

    return expand_inputs(inputs)


def default_jobs() -> int:
    """How many files are read at once when not told: one per core this process may use."""
    from sheetkit.validate import default_jobs as cores

    return cores()


def validate(paths: Sequence[str | Path], *, jobs: int | None = None,
             progress: Progress | None = None, documents: bool = True,
             base: m.PlanDocument | None = None, layout: str | None = None
             ) -> tuple[Report, list[Subject]]:
    """Check files (returns, 総括表, data); the report, and what was read of each
    (its document only if ``documents``: for annotated copies, reports and --base).
    The 全節中順位 of all files are checked together, against the whole ``base``
    plan's chapters when it is given.  Workbooks are read with ``layout`` (a
    bundled name or a file) when given, else with the layout each records."""
    from sheetkit.validate import validate_paths

    return validate_paths(paths, jobs or default_jobs(), progress, documents=documents,
                          plan_chapters=None if base is None else
                          [d.chapter.number for d in base.chapters],
                          layout=given_layout(layout))


def status(base: str | Path, inputs: Sequence[str | Path], *, jobs: int | None = None,
           progress: Progress | None = None, layout: str | None = None) -> Collection:
    """Which return each 節 of ``base`` (a chapter or a whole plan: a file or a
    folder) has, by whom and with how many problems (workbooks read with
    ``layout`` when given, else with the layout each records)."""
    from sheetkit.collect import collect

    return collect(load_plan(base), inputs, jobs or default_jobs(), progress,
                   layout=given_layout(layout))


def status_text(collection: Collection, lang: str = "ja") -> str:
    """The status board as a table for the terminal."""
    from sheetkit import status as board

    return board.status_text(collection, lang)


def status_json(collection: Collection, lang: str = "ja") -> dict[str, Any]:
    """The status board as the data of its JSON document."""
    from sheetkit import status as board

    return board.status_json(collection, lang)


def merge(base: str | Path, inputs: Sequence[str | Path], output: str | Path, *,
          data: str | Path | None = None, csv_path: str | Path | None = None,
          prefer_newest: bool = False, allow_invalid: bool = False, jobs: int | None = None,
          progress: Progress | None = None, layout: str | None = None, force: bool = False,
          lang: str = "ja", rating: str | Path = DEFAULT_SCHEME) -> MergeResult:
    """Merge the returns into ``base`` and write the 総括表 (and the merged data and the
    indicators' CSV when asked), rated by ``rating``; see sheetkit.merge.merge."""
    from sheetkit import merge as merging

    return merging.merge(base, inputs, output, data=data, csv_path=csv_path,
                         prefer_newest=prefer_newest, allow_invalid=allow_invalid,
                         jobs=jobs or default_jobs(), progress=progress, layout=layout,
                         force=force, lang=lang, rating=rating)


def publish(source: str | Path, folder: str | Path, *, layout: str | None = None,
            force: bool = False, timeout: float = DEFAULT_TIMEOUT,
            rating: str | Path = DEFAULT_SCHEME) -> Publication:
    """The PDFs, open data and summaries of ``source`` in ``folder``, rated by ``rating``."""
    from sheetkit.publish import publish as publishing

    return publishing(source, folder, layout, force, timeout, rating)


def check_reminder_output(output: Path, inputs: Sequence[Path], force: bool = False
                          ) -> Outputs:
    """The 督促 list's output, checked before any return is read."""
    outputs = check_outputs([Path(output)], [Path(p) for p in inputs], force)
    suffixes.require(output, suffixes.WORKBOOK)
    return outputs


def write_reminders(collection: Collection, outputs: Outputs, output: Path,
                    lang: str = "ja") -> Path:
    """The 督促 list: each 関係所属's sections not returned or with errors."""
    from sheetkit.reminders import write_reminders as write

    def writer(tmp: Path) -> None:
        write(collection, tmp, lang)
    write_all(outputs, [(Path(output), writer)])
    return Path(output)
