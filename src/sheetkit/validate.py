"""Validation: read every file, check all files' rows with one pandera call per
table, and turn each failed check into a finding that points at a cell or line."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, is_dataclass, replace
from decimal import Decimal
from functools import cache, partial
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sheetkit import codes, keys, parsed
from sheetkit import model as m
from sheetkit.findings import FileReport, Finding, Report
from sheetkit.frames import COLUMNS, PAIRED_TEXTS, TABLES, Row, Rows, build_rows, made_key, row_of
from sheetkit.identity import TEMPLATE, changes, fingerprint, fixed_parts
from sheetkit.layout import Layout, available_layouts, load_layout
from sheetkit.problems import Location, Problem, SheetkitError, debugging
from sheetkit.rates import achievement, as_written
from sheetkit.subjects import Subject, read_subject

if TYPE_CHECKING:
    from sheetkit.plan_checks import Issue
    from sheetkit.workers import Died

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Rules:
    checks: dict[str, dict[str, str]]      # table -> failed check -> finding code


@cache
def load_rules() -> Rules:
    text = (resources.files("sheetkit.schemas") / "rules.yaml").read_text(encoding="utf-8")
    data = parsed.load("rules", text)
    return Rules({k: dict(v) for k, v in data["checks"].items()})


@cache
def load_schema(table: str) -> Any:
    """The pandera schema of a table, from schemas/<table>.yaml."""
    from pandera.io.pandas_io import deserialize_schema

    from sheetkit import checks  # noqa: F401  (registers the domain checks)
    text = (resources.files("sheetkit.schemas") / f"{table}.yaml").read_text(encoding="utf-8")
    # pandera's own from_yaml parses with pure-Python PyYAML, ten times slower than
    # libyaml, which is some 20 times slower than reading the cached parse
    return deserialize_schema(parsed.load(f"schema-{table}", text))


@cache
def prepare() -> None:
    """Read the rules and every table's schema, importing pandas and pandera,
    once per process and before any file is read (or any worker forks).

    pandera's backends for DataFrames, which it imports and registers at its
    first validate, are registered here too: workers forked after have them
    (each would do it again at its first chunk else: ~17 M instructions).

    Those imports leave some 10^5 objects that live as long as the process
    and no garbage, so the cyclic garbage collector is paused meanwhile (it
    would walk them again and again: about 50 ms of start-up) and, after,
    told to pass them over for good (gc.freeze)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        load_rules()
        for table in TABLES:
            load_schema(table)
        import pandas

        load_schema(TABLES[0]).get_backend(check_type=pandas.DataFrame)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def default_jobs() -> int:
    """The processes to read and check files in: the cores this process may
    use; one where the system cannot fork (Windows), as validate_paths runs."""
    if not _forks():
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def _forks() -> bool:
    """Whether this system can fork a process (the workers are forked)."""
    return hasattr(os, "fork")


Keep = Callable[[Subject, str], bool]     # the sources of a subject to keep
CHUNK = 256       # files read and checked together: one pandera call per table per chunk
# Young objects (allocated, not yet freed) after which a chunk's reading collects
# them: a file read by the fast path leaves some 100 (its findings, its slimmed
# subject), one read by openpyxl (an array formula, say) some 9,000 in the
# cycles of its workbook (~1 MiB), which only the cyclic collector frees.
YOUNG_LIMIT = 50_000


def _check_chunk(paths: Iterable[str | Path], keep: Keep | None,
                 documents: bool = True, layout: Layout | None = None
                 ) -> list[tuple[FileReport, Subject]]:
    """Read and validate a chunk of files (one pandera call per table; each
    taken as it goes), and return their findings with each subject slimmed to
    what the caller keeps.

    An unexpected error (sheetkit's fault, or a case it does not know) in
    reading or checking some files costs only those: each is named as unread,
    to be reported.  When every file of the chunk meets one, it is sheetkit's
    own fault, not the files': the run stops with it, as it always did.

    The cyclic garbage collector is paused over the whole chunk, reading and
    checking: what a chunk allocates is young and mostly freed by reference
    counting, and each collection walked it again.  It collects once after
    (the chunk's own garbage cycles), and while reading whenever more than
    YOUNG_LIMIT young objects are left (files read by openpyxl), so memory
    stays flat in the number of files and in the size of a chunk."""
    with _collector_paused(collect=True):
        return _read_and_check(paths, keep, documents, layout)


@contextmanager
def _collector_paused(collect: bool = False) -> Iterator[None]:
    """The cyclic garbage collector paused meanwhile (where it ran), and then,
    if ``collect``, the young generation collected once: all that was
    allocated meanwhile is young, for it was never collected."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            if collect:
                gc.collect(0)


def _read_and_check(paths: Iterable[str | Path], keep: Keep | None, documents: bool,
                    layout: Layout | None) -> list[tuple[FileReport, Subject]]:
    faults: dict[str, Exception] = {}
    subjects = _read_all(paths, layout, faults, documents)
    chapters = [c for s in subjects for c in s.chapters]   # a plan's file: each chapter
    found = iter(_checked(chapters, faults))
    _stop_if_all(faults, [s.path for s in subjects])
    files = [FileReport(s.path, tuple(_of_chapter(f, part, bool(s.more)) for part in s.chapters
                                      for f in next(found).findings))
             for s in subjects]
    return [(file, s.slim(keep, documents)) for file, s in zip(files, subjects)]


def _read_all(paths: Iterable[str | Path], layout: Layout | None, faults: dict[str, Exception],
              documents: bool) -> list[Subject]:
    subjects = []
    for path in paths:
        subjects.append(_read(path, layout, faults, documents))
        if gc.get_count()[0] > YOUNG_LIMIT:
            gc.collect(0)       # a file read by openpyxl leaves its workbook in cycles
    return subjects


def _stop_if_all(faults: dict[str, Exception], paths: Iterable[str | Path],
                 also: Iterable[str] = ()) -> None:
    """Stop the run with the first unexpected error when a developer asks for
    it, or when it met every file of the chunk (sheetkit's fault, not theirs)."""
    if faults and (debugging() or len(faults.keys() | set(also)) == len({str(p) for p in paths})):
        raise next(iter(faults.values()))


def _read(path: str | Path, layout: Layout | None, faults: dict[str, Exception],
          documents: bool = True) -> Subject:
    try:     # a file's digest is kept only with its document (Subject.slim)
        return read_subject(path, layout=layout, digest=documents)
    except Exception as fault:  # noqa: BLE001 - one file never stops a run
        faults.setdefault(str(path), fault)
        return _unchecked(path)


def _checked(chapters: list[Subject], faults: dict[str, Exception]) -> list[FileReport]:
    """The findings of each chapter; when a check meets an unexpected error,
    each chapter is checked alone, and the ones it meets are named as unread."""
    try:
        return list(validate_subjects(chapters).files)
    except Exception as fault:  # noqa: BLE001 - one file never stops a run
        if len(chapters) > 1:
            return [report for chapter in chapters for report in _checked([chapter], faults)]
        faults.setdefault(chapters[0].path, fault)
        return list(validate_subjects([_unchecked(chapters[0].path)]).files)


def _unchecked(path: str | Path, reason: str = "internal") -> Subject:
    """A file named as unread: an unexpected error met it (``internal``), or
    the process reading it died (``crashed``)."""
    problem = Problem("unreadable-file", Location(str(path)), {"reason": reason})
    return Subject(str(path), "workbook", problems=(problem,))


def _of_chapter(finding: Finding, part: Subject, several: bool) -> Finding:
    """A finding of a file of several chapters, marked with the one it is in."""
    if not several or part.document is None:
        return finding
    return replace(finding, chapter=part.document.chapter.number)


def _died(died: Died) -> tuple[FileReport, Subject]:
    """The file whose reading process died: unreadable, named alone."""
    subject = _unchecked(str(died.item), "crashed")
    return validate_subjects([subject]).files[0], subject


# The reader of --jobs N that starts before pandas and pandera are imported (see
# _in_processes) runs every check but the tables' and sends back what this process
# needs to check the tables and name their findings: the rows (their keys still to be
# made: made, they cost ~0.2 ms a file, most never asked for), where each value is (a
# workbook's reader.Sources, compact) and plain values, not its subjects (a Subject
# pickles in ~0.3 ms and unpickles in ~0.4-0.9 ms a file; this in ~0.2 and ~0.1 ms).
_GIVEN = "--layout"         # a chapter read with the office's --layout (no bundled name)


class _Part(NamedTuple):
    """A chapter as a reader process sends it: what naming its table findings
    needs (see _stand_in), and its findings so far."""

    path: str
    kind: str
    sheets: tuple[str, ...]
    in_plan_file: int | None
    layout: str | None              # _GIVEN, the bundled layout's name, or None (data)
    chapter: int | None             # its 章, marked on its findings in a file of several
    sources: Mapping[str, Location]
    found: list[Finding]


class _Read(NamedTuple):
    """A chunk as a reader process sends it back."""

    files: list[Subject]            # each file's subject, slimmed as the caller keeps it
    parts: list[_Part]              # their chapters, in order
    rows: Rows                      # the chapters' table rows (a key: a tuple, frames.made_key)
    faulted: set[str]               # the files an unexpected error met


def _read_chunk(paths: Iterable[str | Path], keep: Keep | None, documents: bool = True,
                layout: Layout | None = None, named: Any = None) -> list[_Read]:
    """In a reader process: read files (taking each as it goes) and run every
    check but the tables'; the bundled layout the first file was read with is
    written to ``named`` (shared bytes), if given, as soon as it is read."""
    with _collector_paused(collect=True):
        faults: dict[str, Exception] = {}
        paths = iter(paths)
        subjects = _read_all(islice(paths, 1), layout, faults, documents)
        if named is not None:
            named.value = next((c.layout.source.encode()[:255] for s in subjects
                                for c in s.chapters
                                if c.layout is not None and c.layout is not layout), b"")
        subjects += _read_all(paths, layout, faults, documents)
        chapters = [c for s in subjects for c in s.chapters]
        found, rows = _untabled(chapters, faults)
        _stop_if_all(faults, [s.path for s in subjects])
        each = iter(found)
        parts = [_part(chapter, next(each), layout, bool(subject.more))
                 for subject in subjects for chapter in subject.chapters]
        return [_Read([s.slim(keep, documents) for s in subjects], parts, rows, set(faults))]


def _untabled(chapters: list[Subject], faults: dict[str, Exception]
              ) -> tuple[list[list[Finding]], Rows]:
    """Each chapter's findings but the tables', and the tables' rows; as _checked,
    a chapter that an unexpected error meets is named as unread, with no rows."""
    rules = load_rules()
    try:
        return [_first_findings(c, rules) for c in chapters], build_rows(chapters)
    except Exception as fault:  # noqa: BLE001 - one file never stops a run
        if len(chapters) == 1:
            faults.setdefault(chapters[0].path, fault)
            return [_first_findings(_unchecked(chapters[0].path), rules)], build_rows([])
    found: list[list[Finding]] = []
    rows: Rows = {table: [] for table in TABLES}
    for index, chapter in enumerate(chapters):
        (alone,), its = _untabled([chapter], faults)
        found.append(alone)
        for table, more in its.items():
            rows[table].extend((index, *row[1:]) for row in more)
    return found, rows


def _part(chapter: Subject, found: list[Finding], given: Layout | None, several: bool) -> _Part:
    layout = chapter.layout
    name = None if layout is None else _GIVEN if layout is given else (
        chapter.identity.layout if chapter.identity else None)
    number = chapter.document.chapter.number if several and chapter.document else None
    return _Part(chapter.path, chapter.kind, chapter.sheets, chapter.in_plan_file, name, number,
                 chapter.sources, found)


def _stand_in(part: _Part, layouts: dict[str | None, Layout | None]) -> Subject:
    """A subject with what the table checks' findings ask of it: its path,
    sheets, layout and where each value is."""
    if part.layout not in layouts:
        layouts[part.layout] = load_layout(part.layout)   # a bundled name, read once a run
    return Subject(part.path, part.kind, sheets=part.sheets, in_plan_file=part.in_plan_file,
                   layout=layouts[part.layout], sources=part.sources)


def _check_read(read: _Read, layout: Layout | None) -> list[tuple[FileReport, Subject]]:
    """In the checking process: the table checks of a chunk a reader sent, and
    its files' findings with their subjects."""
    with _collector_paused(collect=True):
        rules = load_rules()
        layouts: dict[str | None, Layout | None] = {None: None, _GIVEN: layout}
        stand_ins = [_stand_in(part, layouts) for part in read.parts]
        found = [list(part.found) for part in read.parts]
        faults: dict[str, Exception] = {}
        _tabled(read.rows, stand_ins, found, faults, rules)
        _stop_if_all(faults, [s.path for s in read.files], read.faulted)
        chapters = iter(zip(read.parts, found))
        out = []
        for subject in read.files:
            findings: list[Finding] = []
            for part, its in (next(chapters) for _ in subject.chapters):
                findings.extend(f if part.chapter is None else replace(f, chapter=part.chapter)
                                for f in _in_order(its, part.sheets))
            out.append((FileReport(subject.path, tuple(findings)), subject))
        return out


def _tabled(rows: Rows, subjects: list[Subject], found: list[list[Finding]],
            faults: dict[str, Exception], rules: Rules) -> None:
    """Add the table checks' findings of each chapter to ``found``; as
    _checked, when they meet an unexpected error each chapter is checked
    alone, and the ones it meets are named as unread."""
    before = [list(f) for f in found]
    try:
        _add_table_findings(rows, subjects, TABLES, found, rules)
        return
    except Exception as fault:  # noqa: BLE001 - one file never stops a run
        if len(subjects) == 1:
            faults.setdefault(subjects[0].path, fault)
            found[0] = _first_findings(_unchecked(subjects[0].path), rules)
            return
    for index, subject in enumerate(subjects):
        alone = [list(before[index])]
        _tabled({table: [(0, *row[1:]) for row in items if row[0] == index]
                 for table, items in rows.items()}, [subject], alone, faults, rules)
        found[index] = alone[0]


def validate_paths(paths: Sequence[str | Path], jobs: int = 1, progress: Progress | None = None,
                   keep: Keep | None = None, documents: bool = True,
                   plan_chapters: Iterable[int] | None = None, layout: Layout | None = None
                   ) -> tuple[Report, list[Subject]]:
    """Validate files; the report, and the subjects read (their sources only
    where ``keep`` says so, their documents only if ``documents``); workbooks
    are read with ``layout`` (the office's --layout) or the one they name.  Files are
    read and checked in chunks, in parallel when ``jobs`` > 1 (on a system
    that can fork: else in this process), so that memory
    does not grow with their number; the workers return findings (and
    documents when asked), never cell grids.  The 全節中順位 of all files are
    checked together; ``plan_chapters``: the chapters of the whole plan (its
    base), so that with all of them present each rank is checked exactly."""
    total = len(paths)
    chunks = _chunks(paths, jobs)
    results: list[tuple[FileReport, Subject]] = []

    def collect(done: list[tuple[FileReport, Subject]]) -> None:
        results.extend(done)
        if progress:
            progress(len(results), total)

    if jobs > 1 and len(chunks) > 1 and _forks():
        results = _in_processes(paths, jobs, progress, keep, documents, layout)
    else:
        prepare()                     # pandas and pandera, imported once
        for chunk in chunks:
            collect(_check_chunk(chunk, keep, documents, layout))
    return plan_wide(Report(tuple(f for f, _ in results)), [s for _, s in results],
                     plan_chapters)


def _chunks(paths: Sequence[str | Path], jobs: int) -> list[list[str | Path]]:
    """``paths`` in chunks: a multiple of ``jobs``, at most CHUNK files each."""
    size = _chunk_size(len(paths), jobs)
    return [list(paths[i:i + size]) for i in range(0, len(paths), size)]


def _chunk_size(total: int, jobs: int) -> int:
    """Files in a chunk of ``total``: at most CHUNK, and as many chunks as a
    multiple of ``jobs`` (so that memory stays as flat as ever: a worker
    holds one chunk's subjects at a time)."""
    count = jobs * -(-total // (jobs * CHUNK))
    return max(1, -(-total // max(count, 1)))


def _slow_start() -> bool:
    """Whether pandas and pandera are still to be imported (some 0.3 s)."""
    return "pandera" not in sys.modules


def _in_processes(paths: Sequence[str | Path], jobs: int, progress: Progress | None,
                  keep: Keep | None, documents: bool, layout: Layout | None
                  ) -> list[tuple[FileReport, Subject]]:
    """Read and check files in fenced worker processes, ``jobs`` at a time.

    Where pandas and pandera are still to be imported, a reader process is
    forked first (from a small process: a few ms) and reads files from the
    first, running every check but the tables', while this process imports
    them: one core would wait else.  Once they are imported it takes no more
    files; the workers, forked then, read and check the rest (each taking the
    next file as it is ready, the tables checked a chunk at a time), and
    meanwhile this process checks the tables of what the reader sent."""
    from sheetkit.workers import Ahead, Died, map_fenced  # processes only when asked for

    total = len(paths)
    named = _shared_name()
    ahead = Ahead(partial(_read_chunk, keep=keep, documents=documents, layout=layout,
                          named=named), paths) if _slow_start() else None
    early: list[tuple[FileReport, Subject]] = []
    done: dict[int, tuple[FileReport, Subject]] = {}

    def report() -> None:
        if progress:
            progress(len(early) + len(done), total)

    def check_early() -> None:
        if ahead is not None:
            early.extend(pair for item in ahead.results() for pair in (
                [_died(item)] if isinstance(item, Died) else _check_read(item, layout)))
            report()

    try:
        prepare()
        _load_named(named)
        if ahead is None or ahead.taking():
            _first_uses()       # while the reader still reads: the workers fork as soon as it stops
        rest = paths[ahead.stop() if ahead else 0:]
        if rest:
            size = _chunk_size(len(rest), jobs)
            for indices, results in map_fenced(
                    partial(_check_chunk, keep=keep, documents=documents, layout=layout), rest,
                    min(jobs, -(-len(rest) // size)), size, meanwhile=check_early):
                for index, result in zip(indices, results):
                    done[index] = _died(result) if isinstance(result, Died) else result
                report()
        else:
            check_early()
    finally:
        if ahead is not None:
            ahead.close()
    return early + [done[index] for index in range(len(rest))]   # each file, in order


def _first_uses() -> None:
    """What every worker's first file would set up, set up here once before they
    fork, so that they inherit it: the guard's limits, the finding codes (this
    process needs them too), pandera's check backends (likewise) and the
    sheetData grammar (compiled: ~2 ms).  About 5 ms a worker.  Any of them that
    fails is left to fail where it is used, on a file, as before.  Also the
    modules that fork the workers (map_fenced's: ~2 ms), imported here while the
    early reader still reads rather than after it has stopped."""
    from sheetkit.guard import default_limits
    from sheetkit.sheet_grammar import proven_content

    with suppress(Exception):
        default_limits()
        codes.registry()
        proven_content(b"<sheetData></sheetData>", 0, 11, False)
        import pandera.backends.register_checks  # noqa: F401
    import multiprocessing.connection  # noqa: F401


def _shared_name() -> Any:
    """Bytes shared with a process forked after: where the early reader writes
    the name of the bundled layout it read its first workbook with."""
    from sheetkit.workers import SharedBytes

    return SharedBytes(256)


def _load_named(named: Any) -> None:
    """The bundled layout the early reader named (in ``named``), loaded (as
    _check_read would, later) before the workers fork: they inherit it, and
    each would load and check it again at its first file else (~40 M
    instructions).  The name is a workbook's: only a bundled one is loaded."""
    text = named.value.decode("ascii", "replace")
    if text in available_layouts():
        with suppress(SheetkitError):   # a bundled layout in error: each file read says so
            load_layout(text)


def plan_wide(report: Report, subjects: list[Subject], plan_chapters: Iterable[int] | None
              ) -> tuple[Report, list[Subject]]:
    """``report`` with the 全節中順位 of every file's sections checked together."""
    from sheetkit.plan_checks import overall_rank_issues

    owner = {id(item): index for index, subject in enumerate(subjects)
             for part in subject.chapters for item in part.ranked}
    items = [item for subject in subjects for part in subject.chapters for item in part.ranked]
    complete = plan_chapters is not None and set(plan_chapters) <= {i.chapter for i in items}
    added: dict[int, list[Finding]] = {}
    rules = load_rules()
    for item, issue in overall_rank_issues(items, complete):
        finding = _issue_finding(rules, issue, item.where)
        if subjects[owner[id(item)]].more:
            finding = replace(finding, chapter=item.chapter)
        added.setdefault(owner[id(item)], []).append(finding)
    if not added:
        return report, subjects
    files = tuple(FileReport(f.path, _in_order((*f.findings, *added[i]), subjects[i].sheets))
                  if i in added else f for i, f in enumerate(report.files))
    return Report(files), subjects


def _issue_finding(rules: Rules, issue: Issue, where: Location) -> Finding:
    return Finding(issue.code, codes.severity(issue.code), where, issue.section,
                   issue.value, issue.expected, dict(issue.params))


def _chapter_findings(subject: Subject, rules: Rules) -> list[Finding]:
    """The checks of a chapter as part of its plan (基本方針 codes, ≪主な方針≫),
    on the office's own data and 総括表: a template's fixed parts are compared
    with the base instead (base-mismatch), which says what a relabelled one is."""
    from sheetkit.plan_checks import chapter_issues

    if subject.document is None or subject.kind == TEMPLATE:
        return []
    return [_issue_finding(rules, issue, subject.where(issue.key))
            for issue in chapter_issues(subject.document)]


def validate_subjects(subjects: list[Subject], tables: Sequence[str] = TABLES) -> Report:
    """Findings of every subject; ``tables`` limits the checks to some tables.

    The cyclic garbage collector is paused meanwhile: the rows and frames of
    a chunk are many young objects, each collection walked them again (the
    few cycles pandas and pandera leave are collected once it runs again)."""
    with _collector_paused():
        return _validate_subjects(subjects, tables)


def _validate_subjects(subjects: list[Subject], tables: Sequence[str]) -> Report:
    rules = load_rules()
    found: list[list[Finding]] = [[] for _ in subjects]
    if tables == TABLES:
        for index, subject in enumerate(subjects):
            found[index].extend(_first_findings(subject, rules))
    _add_table_findings(build_rows(subjects), subjects, tables, found, rules)
    return Report(tuple(FileReport(s.path, _in_order(f, s.sheets))
                        for s, f in zip(subjects, found)))


def _first_findings(subject: Subject, rules: Rules) -> list[Finding]:
    """A chapter's findings but the tables': the file's own, and the chapter's in its plan."""
    return _file_findings(subject, rules) + _chapter_findings(subject, rules)


def _add_table_findings(rows: Rows, subjects: list[Subject], tables: Sequence[str],
                        found: list[list[Finding]], rules: Rules) -> None:
    for table in tables:
        for file, finding in _table_findings(table, rows[table], subjects, rules):
            found[file].append(finding)


def _in_order(findings: Iterable[Finding], sheets: tuple[str, ...]) -> tuple[Finding, ...]:
    """A file's findings, each once, in the order a person reads them (_order)."""
    return tuple(sorted(set(findings), key=_order(sheets)))


def _order(sheets: tuple[str, ...]) -> Callable[[Finding], tuple[Any, ...]]:
    """Findings of a file: sheets in tab order, then top to bottom, then left to right
    (two findings at one place with one value, such as two indicators' unmet-not-analyzed
    on one analysis, by what else they say, not in the order of their hashes)."""
    def key(finding: Finding) -> tuple[Any, ...]:
        loc = finding.location
        row, col = 0, ""
        if loc.cell:
            letters = loc.cell.rstrip("0123456789")
            row, col = int(loc.cell[len(letters):] or 0), letters.rjust(3)
        tab = sheets.index(loc.sheet) if loc.sheet in sheets else len(sheets)
        return (tab, loc.sheet or "", loc.line or 0, row, col, finding.code, loc.field or "",
                finding.value or "", finding.expected or "", sorted((k, str(v)) for k, v in finding.params.items()))
    return key


def _finding(rules: Rules, code: str, location: Location, section: int | None = None,
             value: Any = None, expected: Any = None, **params: str) -> Finding:
    return Finding(code, codes.severity(code), location, section,
                   None if value is None else _text(value),
                   None if expected is None else _text(expected), params)


def _text(value: Any) -> str:
    if isinstance(value, m.Rate):
        return value.text
    return str(value)


def _file_findings(subject: Subject, rules: Rules) -> list[Finding]:
    """Findings about the file itself: unreadable, not a template, outdated, edited."""
    out = []
    for problem in subject.problems:
        code, variant = codes.reported_as(problem.code)
        params: dict[str, Any] = dict(problem.params)
        if variant is not None:
            params["variant"] = variant
        location = Location(subject.path, problem.location.line, problem.location.sheet,
                            problem.location.cell, problem.location.field)
        out.append(_finding(rules, code, location, **params))
    for link in subject.external_links:
        out.append(_finding(rules, "external-link", Location(subject.path), value=link))
    for notice in subject.notices:
        params = dict(notice.params)
        value, expected = params.pop("value", None), params.pop("expected", None)
        out.append(_finding(rules, notice.code, notice.location, None, value, expected,
                            **params))
    out.extend(_long_texts(subject, rules))
    identity, doc, layout = subject.identity, subject.document, subject.layout
    if identity is None or doc is None or layout is None or subject.kind != TEMPLATE:
        return out
    if identity.version < layout.version:
        out.append(_finding(rules, "template-outdated", Location(subject.path),
                            value=identity.version, expected=layout.version))
    elif identity.fingerprint:
        for section in doc.sections:
            parts = fixed_parts(doc.plan, doc.chapter, section, identity.review_period or 0,
                                identity.open_needs, layout.inputs, identity.fixed)
            # parts equal to the ones recorded (plain data, as serialize writes it) differ
            # in no field, whatever the fingerprint: nothing to hash, nothing to report
            if parts != identity.fixed and fingerprint(parts) != identity.fingerprint:
                out.extend(_modified(subject, section.number, identity.fixed, parts, rules))
    return out


EXCEL_TEXT_LIMIT = 32_767       # characters in one cell


def _long_texts(subject: Subject, rules: Rules) -> list[Finding]:
    """Text longer than a cell can hold: Excel would cut it in the 総括表."""
    doc = subject.document
    if doc is None or not _may_hold_long_text(doc):
        return []
    from sheetkit.serialize import document_data, section_data
    chapter = document_data(replace(doc, sections=()))["chapter"]
    roots = [(keys.CHAPTER, chapter, None)] + [
        (keys.section_field(s.number), section_data(s, doc.plan), s.number)
        for s in doc.sections]
    found = []
    for prefix, data, number in roots:
        for key, text in _strings(data, prefix):
            if len(text) > EXCEL_TEXT_LIMIT:
                found.append(_finding(rules, "text-too-long", subject.where(key), number,
                                      text[:40] + "…", count=f"{len(text):,}",
                                      limit=f"{EXCEL_TEXT_LIMIT:,}"))
    return found


def _may_hold_long_text(doc: m.Document) -> bool:
    """Whether some value of the document could be written as a text over the
    limit: a text, or the digits of a number or 達成率, that long.  Most
    documents hold none, and are passed without being written out as data."""
    stack: list[Iterable[Any]] = [(doc,)]         # groups of values: a tuple, an object's fields
    pop, push, kinds = stack.pop, stack.append, _KINDS
    while stack:
        for value in pop():
            if type(value) is str:                  # most values: looked at where they are
                if len(value) > EXCEL_TEXT_LIMIT:
                    return True
                continue
            kind = kinds.get(type(value))
            if kind is None:
                kind = kinds[type(value)] = _kind(type(value))
            if kind == _FIELDS:
                push(vars(value).values())
            elif kind == _ITEMS:
                push(value)
            elif kind == _TEXT:
                if len(value) > EXCEL_TEXT_LIMIT:
                    return True
            elif kind == _NUMBER:
                if len(str(value)) > EXCEL_TEXT_LIMIT:
                    return True
            elif kind == _RATE and (            # written "{value × 100:.{places}f}%"
                    value.places + max(value.value.adjusted(), 0) + 8 > EXCEL_TEXT_LIMIT):
                push((value.text,))
    return False


# what a value of the document model is, for _may_hold_long_text: numbers, dates and
# None (short), a text, a tuple, a Decimal (written with all its digits), a 達成率, or a
# model object
_OTHER, _TEXT, _ITEMS, _NUMBER, _RATE, _FIELDS = range(6)
_KINDS: dict[type, int] = {str: _TEXT, tuple: _ITEMS, Decimal: _NUMBER, m.Rate: _RATE,
                           type(None): _OTHER, int: _OTHER}


def _kind(kind: type) -> int:
    for base, found in ((str, _TEXT), (tuple, _ITEMS), (Decimal, _NUMBER), (m.Rate, _RATE)):
        if issubclass(kind, base):
            return found
    return _FIELDS if is_dataclass(kind) else _OTHER


def _strings(data: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, keys.join(path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, keys.join(path, index))


def _modified(subject: Subject, number: int, before: dict[str, Any] | None,
              now: dict[str, Any], rules: Rules) -> list[Finding]:
    """template-modified findings, one per edited fixed field where the template
    recorded its fixed parts (else one for the section).  Recorded parts equal in
    value are not modified, though their fingerprint differ: a layout's figure
    format with decimals ('#,##0.0') reads 500 back as 500.0."""
    found = []
    if before is not None:
        for path, old, new in changes(before, json.loads(json.dumps(now, default=str)), ""):
            key = keys.from_fixed_part(path.lstrip("."), number)
            label = codes.path_label([p for p in keys.split(path) if not p.isdigit()])
            found.append(_finding(rules, "template-modified", subject.where(key), number,
                                  "" if new is None else new, "" if old is None else old,
                                  variant="field", label=label))
    return found if before is not None else [
        _finding(rules, "template-modified", subject.where(keys.section_field(number, keys.TITLE)),
                 number)]


@cache
def _runnable(table: str) -> Any:
    """The table's schema, set to leave the failing rows where its checks
    said so (each check's output, read by _failed_rows): pandera need not copy
    them out row by row, nor OR every check with "the whole row is empty",
    which no row of ours ever is (each names its file and key)."""
    schema = load_schema(table)
    for check in schema.checks:
        check.ignore_na = False
        check.n_failure_cases = 0
    for column in schema.columns.values():
        for check in column.checks:
            check.n_failure_cases = 0
    return schema


def _failed_rows(errors: Any) -> Iterable[tuple[str, int]]:
    """(check name, row position) of every row a check failed, check by check,
    from each check's own answer: a domain check answers by position
    (checks._by_position), a built-in check of a column (isin) by the row's
    number, which counts from 1."""
    for error in errors.schema_errors:
        output, check = error.check_output, error.check
        if output is None or check is None:
            continue
        name = check if isinstance(check, str) else check.error or check.name or str(check)
        first = 0 if error.column_name is None else 1
        for index in output.index[~output.to_numpy(dtype=bool)]:
            yield name.split("(")[0], int(index) - first


def _table_findings(table: str, rows: list[Row], subjects: list[Subject],
                    rules: Rules) -> Iterable[tuple[int, Finding]]:
    """Run the table's schema over all files' rows at once; map failures to findings."""
    if not rows:
        return
    import pandas as pd
    import pandera.errors

    # every column as the objects the rows hold (None where absent): no type
    # inferred column by column, no text copied into a string array
    frame = pd.DataFrame(rows, columns=COLUMNS[table], dtype=object)
    frame.index = pd.RangeIndex(1, len(rows) + 1)      # numbered from 1: checks._by_position
    schema = _runnable(table)
    try:
        schema.validate(frame, lazy=True, inplace=True)
        return
    except pandera.errors.SchemaErrors as errors:
        broken = [e for e in errors.schema_errors
                  if e.reason_code == pandera.errors.SchemaErrorReason.CHECK_ERROR]
        if broken:     # a check that crashed found nothing: a bug, never a clean file
            raise RuntimeError(f"check {broken[0].check} of {table} failed: "
                               f"{broken[0].failure_cases}") from None
        failed = list(_failed_rows(errors))
    except pandera.errors.SchemaError as error:      # pragma: no cover - lazy gives SchemaErrors
        raise SheetkitError([Problem("internal-error", Location(),
                                     {"detail": str(error)})]) from None
    seen: set[tuple[str, int]] = set()
    codes = rules.checks[table]
    peers = cache(partial(_ranked_rates, rows)) if table == "needs" else _no_peers
    for name, index in failed:
        if (name, index) in seen or name not in codes:
            continue
        seen.add((name, index))
        row = row_of(table, rows[index])
        subject = subjects[row["file"]]
        yield row["file"], _describe(codes[name], name, table, row, subject, rules, peers)


def _ranked_rates(rows: list[Row]) -> dict[int, list[float]]:
    """The 要望率 of each file's ranked rows of the needs table (gathered once a
    table, for all its failed rows: a failed row of a file once looked at all rows)."""
    from sheetkit.checks import ranked  # loaded: a check just ran

    file, rate, rank = (COLUMNS["needs"].index(c) for c in ("file", "rate", "rank"))
    found: dict[int, list[float]] = {}
    for row in rows:
        if ranked(row[rate], row[rank]):
            found.setdefault(row[file], []).append(row[rate])
    return found


def _no_peers() -> dict[int, list[float]]:
    return {}


def _describe(code: str, check: str, table: str, row: dict[str, Any], subject: Subject,
              rules: Rules, peers: Callable[[], dict[int, list[float]]]) -> Finding:
    """A failed check on one row, as a finding with its place and values;
    ``peers``: each file's ranked 要望率 (_ranked_rates), for a row of needs."""
    section = row.get("section")
    key = row["key"]
    if table == "headers":               # named as the sheet names it, else as the registry does
        owner = "section." if row.get("section") else "chapter."
        label = ((subject.layout.label_of(owner + row["field"]) if subject.layout else None)
                 or codes.label(row["field"]))
        value = row["value"] if code == "invalid-date" else None
        return _finding(rules, code, subject.where(key), section, value, label=label)
    if table in PAIRED_TEXTS:
        first, second = PAIRED_TEXTS[table]
        if code in ("missing-outcome", "missing-direction"):
            blank = _blank_marks(table)
            first_filled = row[first] is not None and str(row[first]).strip() not in blank
            present, missing = (first, second) if first_filled else (second, first)
            return _finding(rules, code, subject.where(keys.join(key, missing)), section,
                            "" if row[missing] is None else row[missing],
                            present_label=codes.label(present, table),
                            missing_label=codes.label(missing, table))
        if code == "unknown-policy":
            return _finding(rules, code, subject.where(keys.join(key, "policy")), section,
                            row["policy"], "、".join(row["allowed"] or ()))
        return _finding(rules, code, subject.where(keys.join(key, "policy")), section,
                        row["policy"], f"{row['policy_code']} {row['expected_title_text']}")
    if table == "policies":
        return _finding(rules, code, subject.where(key), section,
                        f"{row['printed']} {row['title']}")
    if table == "values":
        reason = {"number_like": "not-number", "at_least": "negative",
                  "percent_at_most": "over-100", "positive_whole": "rank",
                  "in_choices": "choice", "sdg_goal": "sdg"}[check]
        allowed = row.get("allowed")
        detail = "・".join(allowed) if isinstance(allowed, tuple) else ""
        return _finding(rules, code, subject.where(key), section, row["raw"], reason=reason,
                        detail=detail)
    if table == "evaluations":
        rate = m.Rate(row["rate"]) if row["rate"] is not None else None
        return _finding(rules, code, subject.where(key), section, row["rating"],
                        row["expected"], name=row["name"], detail=_text(rate))
    if table == "needs":
        from sheetkit.checks import expected_rank  # loaded: a check just ran
        rates = peers().get(row["file"], [])
        expected = expected_rank(row["rate"], rates) if row["rate"] is not None else None
        return _finding(rules, code, subject.where(key), section, row["rank"], expected)
    return _describe_indicator(code, check, row, subject, rules)


def _describe_indicator(code: str, check: str, row: dict[str, Any], subject: Subject,
                        rules: Rules) -> Finding:
    section, key = row["section"], row["key"]
    name, period = row["name"], row["period"] or ""
    if check == "isin":
        return _finding(rules, code, subject.where(keys.join(key, "direction")), section,
                        row["direction"], "↗、↘", reason="direction")
    if check == "has_figures":
        return _finding(rules, code, subject.where(keys.join(key, "name")), section, name=name,
                        variant="no-figures")
    pkey = made_key(row["period_key"])
    if check == "actual_when_target":
        return _finding(rules, code, subject.where(keys.join(pkey, "actual")), section, name=name,
                        period=period, variant="actual")
    if check == "not_below_baseline":
        return _finding(rules, code, subject.where(keys.join(pkey, "actual")), section, row["actual"],
                        row["baseline"], name=name, period=period,
                        variant="down" if row["direction"] == m.DOWN else "default")
    computed = achievement(row["direction"], row["target"], row["actual"])
    if check in ("rate_consistent", "formula_kept"):
        places = row["rate"].places if isinstance(row["rate"], m.Rate) else 1
        expected = as_written(computed, places) if computed is not None else None
        return _finding(rules, code, subject.where(keys.join(pkey, keys.RATE)), section,
                        row["rate"],
                        expected, name=name, period=period)
    rate = as_written(computed) if computed is not None else row["rate"]
    return _finding(rules, code, subject.where(keys.unmet_analysis(section)), section,
                    rate, name=name, period=period)


@cache
def _blank_marks(table: str) -> frozenset[str]:
    schema = load_schema(table)
    for check in schema.checks:
        if check.name == "pairs_complete":
            return frozenset(check.statistics.get("blank", ())) | {""}
    return frozenset({""})
