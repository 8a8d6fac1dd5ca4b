"""From a set of returned files to the state of every 節 the base document
expects: who returned what, which return is used, and why others are not."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from sheetkit import codes, keys
from sheetkit import model as m
from sheetkit.base_check import compare
from sheetkit.findings import FileReport, Finding, Report
from sheetkit.guard import default_limits
from sheetkit.identity import TEMPLATE
from sheetkit.intake import Refused, expand_inputs, read_limited
from sheetkit.labels import chapter_name, chapters_name, place_name, section_name
from sheetkit.layout import Layout
from sheetkit.problems import Location
from sheetkit.subjects import Subject
from sheetkit.validate import Progress, validate_paths

SUBMITTED, MISSING, INVALID, DUPLICATE = "submitted", "missing", "invalid", "duplicate"
STATUS_LABELS = {"ja": {SUBMITTED: "提出済", MISSING: "未提出", INVALID: "エラーあり",
                        DUPLICATE: "重複"},
                 "en": {SUBMITTED: "submitted", MISSING: "not returned", INVALID: "has errors",
                        DUPLICATE: "duplicate"}}


@dataclass(frozen=True)
class Return:
    """One input file: what it is, how it validated, and its own cross-file problems."""

    subject: Subject
    report: FileReport
    sha256: str
    mtime: float
    section: int | None
    valid: bool          # readable, for this chapter, and without errors of its own
    placeable: bool = True   # its figures all have a same-name indicator in the base
    chapter: int | None = None   # the 章 of ``section`` in the base plan

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.report.findings

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.report.findings if f.severity == "error")

    @property
    def returned(self) -> m.Section | None:
        """The 節 this file returns, as the department filled it in."""
        doc = self.subject.document
        return doc.section(self.section) if doc and self.section is not None else None

    @property
    def entry_date(self) -> m.DateValue:
        return self.returned.entry_date if self.returned else None

    @property
    def author(self) -> str | None:
        return self.returned.author if self.returned else None


@dataclass(frozen=True)
class SectionState:
    number: int
    title: str
    status: str
    returns: tuple[Return, ...]
    chosen: Return | None = None
    chapter: int = 1
    departments: tuple[str, ...] = ()      # 関係所属, from the base


@dataclass(frozen=True)
class Collection:
    base: m.PlanDocument
    returns: tuple[Return, ...]
    sections: tuple[SectionState, ...]      # every 節 of the plan, in plan order
    skipped: tuple[Path, ...] = ()          # lock files, never read

    @property
    def several(self) -> bool:
        """The base has more than one chapter: a 節 is named with its 章."""
        return len(self.base.chapters) > 1

    def section_name(self, chapter: int | None, number: int | None, lang: str = "ja") -> str:
        """第3節, or 第2章第3節 when the base has several chapters (in ``lang``)."""
        if number is None:
            return ""
        return place_name(chapter or 1, number, lang) if self.several \
            else section_name(number, lang)

    def state(self, chapter: int | None, number: int | None) -> SectionState | None:
        return next((s for s in self.sections
                     if s.chapter == chapter and s.number == number), None)

    def left_out(self) -> list[Return]:
        """Inputs that are not used: unreadable, foreign, invalid, or a losing duplicate."""
        used = {id(s.chosen) for s in self.sections if s.chosen is not None}
        return [r for r in self.returns if id(r) not in used]


def merge_keeps(subject: Subject, key: str) -> bool:
    """The sources a merge needs after validation: the fixed parts to compare
    with the base, figures for the CSV, and 市民ニーズ for cross-section
    findings — every place of a 節 but the rows of its input tables (as the
    layout the file was read with marks them)."""
    tables = subject.layout.inputs.tables if subject.layout is not None else ()
    parsed = keys.parse(key)
    return parsed.section is not None and parsed.table not in tables


def _digest(path: Path) -> tuple[str, float]:
    try:
        data = read_limited(path, default_limits().max_file_bytes)
        return hashlib.sha256(data).hexdigest(), path.stat().st_mtime
    except (Refused, OSError):
        return "", 0.0


def _belongs(subject: Subject, base: m.PlanDocument
             ) -> tuple[m.Document | None, int | None, Finding | None]:
    """The chapter and 節 of the base a return is for, or why it is not one of the base's."""
    identity, doc = subject.identity, subject.document
    if identity is None or doc is None or subject.kind != TEMPLATE or not doc.sections:
        return None, None, None
    plan_name = identity.plan.get("name")
    number = doc.sections[0].number
    chapter = base.chapter(identity.chapter)
    if plan_name != base.plan.name or chapter is None or chapter.section(number) is None:
        found = f"{plan_name} {chapter_name(identity.chapter)}{section_name(number)}"
        wanted = f"{base.plan.name} {chapters_name(d.chapter.number for d in base.chapters)}"
        return None, None, Finding("wrong-chapter", codes.severity("wrong-chapter"),
                                   Location(subject.path), number, found, wanted)
    return chapter, number, None


@dataclass(frozen=True)
class Placement:
    """Where a file belongs in the base: its 節 (None when it is no return of the
    base's) and 章, the findings that say why not or what differs, and whether
    every figure it holds has a same-name indicator in the base."""

    section: int | None
    findings: tuple[Finding, ...]
    placeable: bool = True
    chapter: int | None = None


def place(subject: Subject, base: m.Document | m.PlanDocument) -> Placement:
    """Compare a file with the base: the chapter it answers, and every fixed
    part it carries (a forged or outdated identity is caught here, whatever
    its own hidden sheet says)."""
    chapter, number, problem = _belongs(subject, m.as_plan(base))
    if problem is not None:
        return Placement(None, (problem,))
    if chapter is None or number is None or subject.document is None or not subject.identity \
            or subject.layout is None:
        return Placement(number, ())
    against = compare(subject, subject.document.sections[0], chapter,
                      subject.review_of(chapter.plan), subject.layout.inputs,
                      codes.severity("base-mismatch"))
    return Placement(None if against.foreign else number, against.findings,
                     against.placeable, None if against.foreign else chapter.chapter.number)


def with_base(report: Report, subjects: Sequence[Subject],
              base: m.Document | m.PlanDocument) -> Report:
    """A validation report with each file's comparison with the base added."""
    files = []
    for subject, file_report in zip(subjects, report.files):
        extra = place(subject, base).findings
        files.append(FileReport(file_report.path, (*extra, *file_report.findings))
                     if extra else file_report)
    return Report(tuple(files))


def collect(base: m.Document | m.PlanDocument, inputs: Sequence[str | Path], jobs: int = 1,
            progress: Progress | None = None, prefer_newest: bool = False,
            allow_invalid: bool = False, layout: Layout | None = None) -> Collection:
    """Read and validate every input and decide, for each 節 of ``base`` (a
    chapter or a whole plan), which return is used; workbooks are read with
    ``layout`` (the office's --layout) or the layout each records."""
    base = m.as_plan(base)
    gathered = expand_inputs(inputs)
    paths = gathered.paths
    report, subjects = validate_paths(paths, jobs, progress, keep=merge_keeps,
                                      plan_chapters=[d.chapter.number for d in base.chapters],
                                      layout=layout)
    returns = []
    for path, subject, file_report in zip(paths, subjects, report.files):
        placement = place(subject, base)
        if placement.findings:
            file_report = FileReport(file_report.path, (*placement.findings,
                                                        *file_report.findings))
        sha, mtime = _digest(path)
        sha = subject.sha256 or sha          # what was read and merged, not a second read
        returns.append(Return(subject, file_report, sha, mtime, placement.section,
                              not file_report.fails("error"), placement.placeable,
                              placement.chapter))
    if not prefer_newest:
        returns = _mark_duplicates(returns, allow_invalid, codes.severity("duplicate-return"),
                                   len(base.chapters) > 1)
    states = []
    for chapter, section in base.sections:
        mine = tuple(r for r in returns if (r.chapter, r.section) == (chapter, section.number))
        usable = [r for r in mine if (r.valid or allow_invalid) and r.placeable]
        state = SectionState(section.number, section.title, MISSING, (), None, chapter,
                             section.departments)
        if not mine:
            states.append(state)
        elif not usable:
            states.append(replace(state, status=INVALID, returns=mine))
        elif len(usable) > 1 and not prefer_newest:
            states.append(replace(state, status=DUPLICATE, returns=mine))
        else:
            chosen = max(usable, key=_recency) if prefer_newest else usable[0]
            status = SUBMITTED if chosen.valid else INVALID
            states.append(replace(state, status=status, returns=mine, chosen=chosen))
    return Collection(base, tuple(returns), tuple(states), gathered.skipped)


def _mark_duplicates(returns: list[Return], allow_invalid: bool, severity: str,
                     several: bool = False) -> list[Return]:
    """Two usable returns of one 節 are a conflict: say so on each of them."""
    by_section: dict[tuple[int | None, int], list[Return]] = {}
    for ret in returns:
        if ret.section is not None and (ret.valid or allow_invalid) and ret.placeable:
            by_section.setdefault((ret.chapter, ret.section), []).append(ret)
    marked = []
    for ret in returns:
        rivals = by_section.get((ret.chapter, ret.section), []) \
            if ret.section is not None else []
        if ret.section is not None and len(rivals) > 1 and any(r is ret for r in rivals):
            names = "、".join(Path(r.subject.path).name for r in rivals)
            # the message names the chapter too when the base has several
            name = partial(place_name, ret.chapter or 1) if several else section_name
            finding = Finding("duplicate-return", severity, Location(ret.subject.path),
                              ret.section, names, params={
                                  "section_name": name(ret.section),
                                  "section_name_en": name(ret.section, "en")})
            ret = replace(ret, report=FileReport(ret.report.path,
                                                 (finding, *ret.report.findings)))
        marked.append(ret)
    return marked


def _recency(ret: Return) -> tuple[str, float, str]:
    """Later 記入日 first, then the newer file, then the name (for a stable choice)."""
    day = ret.entry_date
    return (day.isoformat() if isinstance(day, dt.date) else "", ret.mtime,
            ret.subject.path)
