"""What validation looks at: a document read from one file, with where each
value came from, or the reason the file could not be read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sheetkit import codes, keys
from sheetkit import model as m
from sheetkit.grid import FAST
from sheetkit.identity import SUMMARY, TEMPLATE, Identity, copied
from sheetkit.layout import Layout
from sheetkit.loader import load_plan_with_lines
from sheetkit.plan_checks import Ranked, ranked_sections
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.reader import Extraction, extract_plan

DATA_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Subject:
    """One input file as validation sees it."""

    path: str
    kind: str                                 # "data", "summary" or "template"
    document: m.Document | None = None
    sources: Mapping[str, Location] = field(default_factory=dict)   # reader.Sources, or lines
    identity: Identity | None = None
    typed_rates: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()        # why it could not be read
    external_links: tuple[str, ...] = ()
    sheets: tuple[str, ...] = ()              # the workbook's tab order
    notices: tuple[Problem, ...] = ()         # read, but worth a finding (formula typed in …)
    sha256: str = ""                          # of the exact bytes read (workbooks)
    review: int | None = None                 # the period under review; None: the last
    layout: Layout | None = None              # the layout a workbook was read with
    in_plan_file: int | None = None           # its chapter's number, in a plan-form data file
    # a file of several 章 (a plan's data or 総括表): this is its first chapter,
    # ``more`` the others, each a subject of the same file
    more: tuple[Subject, ...] = ()
    ranked: tuple[Ranked, ...] = ()           # its 全節中順位, for the plan-wide check

    @property
    def chapters(self) -> tuple[Subject, ...]:
        """The subject of each chapter of the file."""
        return (self, *self.more)

    def slim(self, keep: Callable[[Subject, str], bool] | None = None,
             document: bool = True) -> Subject:
        """This subject with only the sources ``keep`` wants (none by default),
        and without its document and identity unless ``document``.  Its sheets stay:
        findings added later (the plan-wide 全節中順位) are ordered by them."""
        more = tuple(s.slim(keep, document) for s in self.more)
        if not document:        # Subject(path, kind, problems=…, …), made as workbook_subject makes it
            return copied(_WORKBOOK, path=self.path, kind=self.kind, sources={},
                          problems=self.problems, more=more, ranked=self.ranked,
                          sheets=self.sheets)
        # (with nothing to keep, its sources are never walked: each would be made
        # into its key and Location first, some 1.4 M instructions a workbook)
        kept = {} if keep is None else {k: self.sources[k] for k in self.sources if keep(self, k)}
        return copied(self, sources=kept, more=more)

    def review_of(self, plan: m.Plan) -> int:
        """The index of the period under review in ``plan``: as the workbook's
        layout declares, or the last."""
        count = len(plan.periods)
        return self.review if self.review is not None and 0 <= self.review < count else count - 1

    def where(self, key: str | None) -> Location:
        """The cell or line of ``key``, or of the nearest enclosing value."""
        probe = key
        while probe:
            found = self.sources.get(probe)
            if found is not None:
                return Location(self.path, found.line, found.sheet, found.cell, self.shown(key))
            probe = keys.parent(probe)
        return Location(self.path, field=self.shown(key))

    def shown(self, key: str | None) -> str | None:
        """``key`` as the file spells it: in a plan file, with its chapter
        ('chapters.2.sections.1.goal')."""
        if key is None or self.in_plan_file is None:
            return key
        return keys.of_chapter(key, self.in_plan_file)


def read_subject(path: str | Path, engine: str = FAST, layout: Layout | None = None,
                 digest: bool = True) -> Subject:
    """Load a YAML/JSON document or read a workbook; never raises for bad input.
    ``engine`` chooses the workbook read path (grid.FAST or grid.FULL);
    ``layout`` is the office's --layout (else the one the workbook names);
    ``digest``: a workbook's ``sha256`` made (what merge records of a return)."""
    path = Path(path)
    if path.suffix.lower() in DATA_SUFFIXES:
        try:
            loaded = load_plan_with_lines(path)
        except SheetkitError as exc:
            return Subject(str(path), "data", problems=exc.problems)
        return _chapters([replace(data_subject(path, doc, lines), in_plan_file=(
            doc.chapter.number if source in loaded.plan_files else None))
            for doc, (source, lines) in zip(loaded.document.chapters, loaded.sources)])
    try:
        found = extract_plan(path, engine, layout, digest)
    except SheetkitError as exc:
        return Subject(str(path), "workbook", problems=exc.problems)
    return _chapters([workbook_subject(path, extraction) for extraction in found])


def _chapters(subjects: list[Subject]) -> Subject:
    """The subject of a file of one or more chapters, with its 全節中順位."""
    subjects = [copied(s, ranked=ranked_sections(s.document, s.where)) for s in subjects]
    return copied(subjects[0], more=tuple(subjects[1:])) if len(subjects) > 1 else subjects[0]


def workbook_subject(path: Path, extraction: Extraction) -> Subject:
    kind = TEMPLATE if extraction.identity.kind == TEMPLATE else SUMMARY
    return copied(_WORKBOOK, path=str(path), kind=kind, document=extraction.document,
                  sources=extraction.sources, identity=extraction.identity,
                  typed_rates=extraction.typed_rates, external_links=extraction.external_links,
                  sheets=extraction.sheets, notices=extraction.notices,
                  sha256=extraction.sha256, review=extraction.review,
                  layout=extraction.layout)


# what workbook_subject and Subject.slim leave as Subject's defaults (copied:
# Subject's __init__ sets 18 fields, for every file)
_WORKBOOK = Subject("", SUMMARY, sources={})


def data_subject(path: Path, doc: m.Document, lines: dict[str, int]) -> Subject:
    return Subject(str(path), "data", doc, {k: Location(line=v) for k, v in lines.items()})


def not_in_layout(subject: Subject, layout: Layout) -> list[Problem]:
    """Values of the data that the layout's 目標指標 table has no column for
    (a baseline, a plan target, a typed 達成率 of a period shown without one),
    each at its line: generate says so rather than dropping them unseen."""
    doc = subject.document
    if doc is None:
        return []
    found = []
    baseline, plan_target, rates = _value_columns(layout, len(doc.plan.periods))
    for section in doc.sections:
        for index, ind in enumerate(section.indicators):
            values: list[tuple[str, str, object, object]] = [
                ("baseline", keys.indicator(section.number, index, "baseline"), ind.baseline,
                 baseline),
                ("target_plan", keys.indicator(section.number, index, "target_plan"),
                 ind.plan_target, plan_target)]
            values += [(keys.RATE, keys.period(section.number, index, period.key, keys.RATE),
                        result.rate,
                        rate) for period, result, rate
                       in zip(doc.plan.periods, ind.results, rates)
                       if result is not None]
            found += [Problem("not-in-layout", subject.where(path), {
                "value": value.text if isinstance(value, m.Rate) else str(value),
                "layout": layout.name} | ({} if what == keys.RATE else {"variant": what}))
                for what, path, value, column in values if value is not None and column is None]
    return found


def _value_columns(layout: Layout, count: int) -> tuple[object, object, list[object]]:
    """Where the layout shows an indicator's baseline, plan target and each period's
    達成率 (None where it has no column): on the 目標指標 sheet, or in the section
    sheet's own indicator table (a rate for the reviewed period only)."""
    if layout.indicators is not None:
        ind = layout.indicators
        return ind.baseline, ind.plan_target, [p.rate for p in ind.periods]
    columns = layout.indicator_columns
    review = layout.review_index(count)
    return (columns.get(("baseline", None)), columns.get(("plan_target", None)),
            [columns.get(("rate", None)) if i == review else None for i in range(count)])


def unreal_dates(subject: Subject) -> list[Problem]:
    """記入日 that are not real, plausible dates (kept as the text written),
    each at its line or cell: for the commands that do not validate
    (generate, extract) to say so, as validate does."""
    doc = subject.document
    if doc is None:
        return []
    dated = [(keys.chapter_field("entry_date"), doc.chapter.entry_date)] + [
        (keys.section_field(s.number, "entry_date"), s.entry_date) for s in doc.sections]
    return [Problem("invalid-date", subject.where(key),
                    {"value": value, "label": codes.label("entry_date")})
            for key, value in dated if isinstance(value, str) and value.strip()]
