"""Merge returned section workbooks into the base document and write the 総括表
with the same writer as generate, plus a 出典 (provenance) sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sheetkit import codes, keys, suffixes
from sheetkit import model as m
from sheetkit.atomic import bytes_writer, check_outputs, write_all
from sheetkit.base_check import indicator_key
from sheetkit.collect import (
    DUPLICATE,
    INVALID,
    MISSING,
    STATUS_LABELS,
    Collection,
    Return,
    SectionState,
    collect,
)
from sheetkit.findings import Finding
from sheetkit.identity import (
    PROVENANCE_SHEET,
    blank_section,
    open_fields,
    review_index,
    value_at,
    with_value,
)
from sheetkit.intake import expand_inputs
from sheetkit.labels import period_title, place_name, section_name
from sheetkit.layout import Inputs, data_layout
from sheetkit.loader import load_plan_with_lines
from sheetkit.plain import csv_value
from sheetkit.plan_checks import ranked_sections
from sheetkit.problems import Location
from sheetkit.rates import achievement, as_written
from sheetkit.rating_schemes import DEFAULT_SCHEME, load_scheme
from sheetkit.ratings import Scheme
from sheetkit.serialize import to_json, to_yaml
from sheetkit.subjects import Subject
from sheetkit.validate import Progress, validate_subjects
from sheetkit.wareki import date_text

if TYPE_CHECKING:
    from sheetkit.writer import ExtraSheet

# 出典 columns: 節, 名称, 状態, ファイル, SHA-256 (two lines), 記入者, 記入日, 受け入れた指摘;
# the files left out sit under the columns of the same kind, so that nothing overflows.
PROVENANCE_WIDTHS = (7, 18, 10, 30, 36, 16, 16, 50)
LEFT_OUT_COLUMNS = (0, 3, 4, 7)


@dataclass(frozen=True)
class MergeResult:
    document: m.PlanDocument
    collection: Collection
    findings: tuple[Finding, ...]          # about the merged plan as a whole
    left_out: tuple[Return, ...]

    @property
    def complete(self) -> bool:
        """Every input was used."""
        return not self.left_out

    @property
    def let_in(self) -> tuple[Return, ...]:
        """Returns merged although they have errors (--allow-invalid)."""
        return tuple(s.chosen for s in self.collection.sections
                     if s.chosen is not None and not s.chosen.valid)

    @property
    def merged(self) -> int:
        """How many 節 have a return merged in."""
        return sum(1 for s in self.collection.sections if s.chosen is not None)

    def why_left_out(self, ret: Return) -> tuple[Finding, ...]:
        """What kept ``ret`` out: its errors, or that it duplicates another return."""
        return tuple(f for f in ret.findings
                     if f.severity == "error" or f.code == "duplicate-return")

    def used_instead(self, ret: Return) -> Return | None:
        """The return of the same section that was used instead of ``ret``."""
        state = self.collection.state(ret.chapter, ret.section)
        return state.chosen if state is not None and state.chosen is not ret else None


def merge_section(base: m.Section, returned: m.Section, review: int,
                  inputs: Inputs) -> m.Section:
    """The base section with the department's content where its layout says
    the department fills in (``inputs``): the input fields and tables, the
    when-empty fields the base leaves empty, and the reviewed period's
    実績値 (with its 達成率 and a typed 評価).  Indicators are matched by name
    only: a figure never moves to another one."""
    merged = base
    for path in (*inputs.always, *inputs.tables):
        merged = with_value(merged, path, value_at(returned, path))
    for path in open_fields(base, inputs):
        merged = with_value(merged, path, value_at(returned, path))
    by_name = {indicator_key(ind.name): ind for ind in returned.indicators}
    indicators = []
    for ind in base.indicators:
        theirs = by_name.get(indicator_key(ind.name))
        results = list(ind.results)
        mine = results[review] if review < len(results) else None
        got = theirs.results[review] if theirs is not None and review < len(theirs.results) \
            else None
        if theirs is not None and mine is not None and got is not None:
            results[review] = replace(mine, actual=got.actual, rate=got.rate)
            ind = replace(ind, rating=theirs.rating)
        indicators.append(replace(ind, results=tuple(results)))
    return replace(merged, indicators=tuple(indicators))


MARKS = {"ja": {MISSING: "未提出", INVALID: "差し戻し中", DUPLICATE: "重複のため未統合"},
         "en": {MISSING: "not returned", INVALID: "sent back", DUPLICATE: "duplicate, not merged"}}


def merged_document(collection: Collection, review: int, inputs: Inputs) -> m.PlanDocument:
    """The base plan with every chosen return merged in: what its department
    filled in, as the layout the return was read with says.  A section that
    was not merged keeps only its fixed parts, as ``inputs`` (the summary's
    layout) has them: the base's answers (last period's 記入日, 記入者, 実績値 …)
    are never shown as if they were this period's.  ``review``: the index of
    the period under review."""
    base = collection.base
    chapters = []
    for chapter in base.chapters:
        sections = []
        for section in chapter.sections:
            state = collection.state(chapter.chapter.number, section.number)
            chosen = state.chosen if state else None
            returned = chosen.returned if chosen else None
            if chosen is not None and returned is not None:
                read_with = chosen.subject.layout
                sections.append(merge_section(section, returned, review, inputs
                                              if read_with is None else read_with.inputs))
            else:
                sections.append(blank_section(section, review, inputs))
        chapters.append(replace(chapter, sections=tuple(sections)))
    return replace(base, chapters=tuple(chapters))


def unmerged_marks(collection: Collection, lang: str = "ja") -> dict[tuple[int, int], str]:
    """The mark on the sheet and 目標指標 rows of each section not merged, by (章, 節)."""
    return {(s.chapter, s.number): MARKS[lang][s.status] for s in collection.sections
            if s.chosen is None}



def rejected_errors(state: SectionState) -> int:
    """The errors that kept a section's returns out (the fewest of any return)."""
    return min((r.report.count("error") for r in state.returns), default=0)


def status_label(state: SectionState, lang: str = "ja") -> str:
    """提出済, 未提出, 差し戻し（エラー N 件）, 重複 …"""
    if state.status == INVALID and state.chosen is None:
        count = rejected_errors(state)
        return f"差し戻し（エラー {count} 件）" if lang == "ja" else \
            f"rejected ({count} error{'s' if count != 1 else ''})"
    return STATUS_LABELS[lang][state.status]


def _plan_findings(doc: m.PlanDocument, collection: Collection, base_path: str
                   ) -> list[Finding]:
    """Cross-section checks on the merged plan: ranks in each chapter and
    among all sections, and sections not returned."""
    from sheetkit.validate import plan_wide

    subjects = [Subject(base_path, "data", chapter) for chapter in doc.chapters]
    subjects = [replace(s, ranked=ranked_sections(s.document, s.where)) for s in subjects]
    report = validate_subjects(subjects, tables=("needs",))
    report, _ = plan_wide(report, subjects, [d.chapter.number for d in doc.chapters])
    found = []
    for chapter, file in zip(doc.chapters, report.files):
        for finding in file.findings:
            state = collection.state(chapter.chapter.number, finding.section)
            if state is not None and state.chosen is not None:
                finding = replace(finding, location=state.chosen.subject.where(
                    finding.location.field))
            found.append(finding)
    for state in collection.sections:
        if state.chosen is None:
            variant = {MISSING: "default", INVALID: "rejected", DUPLICATE: "duplicate"}
            # the message names the chapter too when there are several
            name = partial(place_name, state.chapter) if collection.several else section_name
            found.append(Finding("section-missing", codes.severity("section-missing"),
                                 Location(base_path), state.number, state.title,
                                 params={"variant": variant[state.status],
                                         "count": str(rejected_errors(state)),
                                         "section_name": name(state.number),
                                         "section_name_en": name(state.number, "en")}))
    return found


def provenance(collection: Collection, lang: str = "ja") -> ExtraSheet:
    """The 出典 sheet: where every section came from, and what was left out."""
    from sheetkit.writer import ExtraSheet, Table  # status reads collections, never writes
    rows = []
    for state in collection.sections:
        chosen = state.chosen
        accepted = "\n".join(f"{f.code}: {f.message(lang)}" for f in chosen.findings) \
            if chosen else ""
        rows.append((collection.section_name(state.chapter, state.number), state.title,
                     status_label(state, lang),
                     chosen.subject.path if chosen else "", chosen.sha256 if chosen else "",
                     (chosen.author or "") if chosen else "",
                     date_text(chosen.entry_date) if chosen else "", accepted))
    left = []
    for ret in collection.left_out():
        reasons = "\n".join(f"{f.code}: {f.message(lang)}" for f in ret.findings
                            if f.severity == "error") or (
            "より新しい提出を採用" if lang == "ja" else "a newer return was used")
        left.append((collection.section_name(ret.chapter, ret.section), ret.subject.path,
                     ret.sha256, reasons))
    if lang == "ja":
        tables = (Table("節ごとの出典", ("節", "名称", "状態", "ファイル", "SHA-256", "記入者",
                                     "記入日", "受け入れた指摘"), tuple(rows)),
                  Table("取り込まなかったファイル", ("節", "ファイル", "SHA-256", "理由"),
                        tuple(left), LEFT_OUT_COLUMNS))
    else:
        tables = (Table("Source of each section", ("section", "title", "status", "file",
                                                   "SHA-256", "author", "entry date",
                                                   "accepted findings"), tuple(rows)),
                  Table("Files left out", ("section", "file", "SHA-256", "reason"),
                        tuple(left), LEFT_OUT_COLUMNS))
    return ExtraSheet(PROVENANCE_SHEET, tables, PROVENANCE_WIDTHS)


def indicators_csv(whole: m.PlanDocument, collection: Collection,
                   sources: Sequence[tuple[str, dict[str, int]]], review: int,
                   scheme: Scheme | None = None) -> str:
    """Indicators in long form: one row per indicator × period × kind; each
    period's 達成率 row carries the indicator's rating in ``scheme`` (and the
    reason when it is not rated).
    ``sources``: for each chapter, the base file and the line of each value;
    the actual and rate of period ``review`` come from the return."""
    scheme = scheme or load_scheme()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def put(row: list[object]) -> None:
        """Every cell through csv_value: no cell runs as a formula."""
        writer.writerow([csv_value(v) for v in row])

    put(["章", "節", "節の名称", "目標指標", "単位", "指標のめざす方向", "期間", "区分",
                     "値", "出典", "達成状況", "評価しない理由"])
    chosen = {(s.chapter, s.number): s.chosen for s in collection.sections}
    for doc, (base_path, base_lines) in zip(whole.chapters, sources):
        _chapter_rows(put, doc, chosen, base_path, base_lines, review, scheme)
    return out.getvalue()


def _chapter_rows(put: Callable[[list[object]], None], doc: m.Document,
                  chosen: dict[tuple[int, int], Return | None], base_path: str,
                  base_lines: dict[str, int], review: int, scheme: Scheme) -> None:
    baseline = doc.plan.baseline
    for section in doc.sections:
        ret = chosen.get((doc.chapter.number, section.number))

        def source(key: str, from_return: bool, ret: Return | None = ret) -> str:
            if from_return and ret is not None:
                loc = ret.subject.where(key)
                if loc.sheet:
                    return f"{ret.subject.path}:{loc.sheet}!{loc.cell}"
            line = base_lines.get(key)
            return f"{base_path}:{line}" if line else base_path

        key = partial(keys.indicator, section.number)
        for index, ind in enumerate(section.indicators):
            common = [doc.chapter.number, section.number, section.title, ind.name,
                      ind.unit or "", ind.direction]
            if ind.baseline is not None and baseline is not None:
                put([*common, f"{baseline.label}（{baseline.year}）", "実績値",
                     ind.baseline, source(key(index, "baseline"), False), "", ""])
            for number, (period, result) in enumerate(zip(doc.plan.periods, ind.results)):
                if result is None:
                    continue
                computed = achievement(ind.direction, result.target, result.actual)
                rate = as_written(computed).text if computed is not None else (
                    result.rate.text if isinstance(result.rate, m.Rate) else result.rate or "")
                label = period_title(period, str)
                rating = scheme.rating(ind, number, review)
                reason = (ind.not_rated or "") if rating == scheme.not_rated.label else ""
                for kind, value, field, returned in (
                        ("目標値", result.target, "target", False),
                        ("実績値", result.actual, "actual", number == review),
                        ("達成率", rate, "rate", number == review)):
                    rated = [rating, reason] if field == "rate" else ["", ""]
                    put([*common, label, kind, "" if value is None else value,
                         source(key(index, period.key, field), returned), *rated])


def merge(base_path: str | Path, inputs: Sequence[str | Path], output: str | Path, *,
          data: str | Path | None = None, csv_path: str | Path | None = None,
          prefer_newest: bool = False, allow_invalid: bool = False, jobs: int = 1,
          progress: Progress | None = None, layout: str | None = None, force: bool = False,
          lang: str = "ja", rating: str | Path = DEFAULT_SCHEME) -> MergeResult:
    """Merge the returns into the base and write the summary (and optional YAML and CSV).
    ``layout`` (a bundled name or a file) reads the returns and writes the
    summary; when None, each return is read with the layout it names and the
    summary is written with the default layout.

    Nothing is written until everything has been read and the workbook built
    in memory; each output then appears whole or not at all."""
    outputs = check_outputs([Path(p) for p in (output, data, csv_path) if p is not None],
                            [Path(base_path), *map(Path, inputs),
                             *expand_inputs(inputs).paths], force)
    suffixes.require(output, suffixes.WORKBOOK)
    suffixes.require(data, suffixes.DATA)
    suffixes.require(csv_path, suffixes.CSV)
    loaded = load_plan_with_lines(base_path)
    lay, scheme = loaded.layout_for(layout), load_scheme(rating)
    collection = collect(loaded.document, inputs, jobs, progress, prefer_newest, allow_invalid,
                         lay if layout else None)
    review = review_index(loaded.document.plan, lay.indicators)
    doc = merged_document(collection, review, lay.inputs)
    findings = _plan_findings(doc, collection, str(base_path))
    from sheetkit.writer import write_summary

    buffer = io.BytesIO()
    write_summary(doc, lay, buffer, (provenance(collection, lang),),
                  unmerged_marks(collection, lang), scheme)
    texts: list[tuple[Path, bytes]] = [(Path(output), buffer.getvalue())]
    if data is not None:
        render = to_json if Path(data).suffix.lower() == ".json" else to_yaml
        texts.append((Path(data), render(doc, data_layout(lay)).encode("utf-8")))
    if csv_path is not None:
        texts.append((Path(csv_path), indicators_csv(doc, collection, loaded.sources,
                                                     review, scheme).encode("utf-8-sig")))
    write_all(outputs, [(path, bytes_writer(content)) for path, content in texts])
    return MergeResult(doc, collection, tuple(findings), tuple(collection.left_out()))
