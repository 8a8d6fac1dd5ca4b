"""Publication: the 総括表 as the city puts it on its website — one PDF per
chapter and one for the whole plan, printed by LibreOffice; the indicators as
CSV and the document as JSON beside them; 概要.txt / 概要.html for the page.

Everything is made and checked in a work folder first, then written as one
output set (atomic.write_all): the outputs appear whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sheetkit import model as m
from sheetkit.atomic import check_outputs, failure, write_all
from sheetkit.identity import SUMMARY, review_index
from sheetkit.labels import chapter_name, safe_filename
from sheetkit.layout import Layout, load_layout
from sheetkit.loader import load_plan_with_lines
from sheetkit.opendata import indicators_csv
from sheetkit.overview import ChapterLink, overview_html, overview_text
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.rating_schemes import DEFAULT_SCHEME, load_scheme
from sheetkit.ratings import Scheme, tally
from sheetkit.reader import extract_plan
from sheetkit.serialize import to_json
from sheetkit.soffice import DEFAULT_TIMEOUT, check_pages, convert_to_pdf, find_soffice
from sheetkit.writer import write_summary

CSV_NAME = "目標指標.csv"
TEXT_NAME = "概要.txt"
HTML_NAME = "概要.html"


@dataclass(frozen=True)
class Publication:
    folder: Path
    files: tuple[Path, ...]
    pages: dict[str, int]           # PDF name -> pages


def chapter_stem(doc: m.Document) -> str:
    """第1章_コミュニティ"""
    return safe_filename(f"{chapter_name(doc.chapter.number)}_{doc.chapter.title}")


def whole_stem(docs: Sequence[m.Document]) -> str:
    """全体_第５次所沢市総合計画"""
    return safe_filename(f"全体_{docs[0].plan.name}")


def load_chapters(source: str | Path, layout: Layout | None = None
                  ) -> tuple[list[m.Document], Layout]:
    """The chapters to publish and the layout to print them in: a data file
    (YAML/JSON) of a chapter or a whole plan, in the layout it names, or a
    総括表 .xlsx (of a chapter or a plan) read back in the layout it records;
    ``layout``, the office's --layout, wins over both."""
    path = Path(source)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        found = extract_plan(path, layout=layout)
        if found[0].identity.kind != SUMMARY:        # a department's template: one 節, blank
            raise SheetkitError([Problem("publish-needs-summary", Location(str(path)))])
        return [extraction.document for extraction in found], layout or found[0].layout
    loaded = load_plan_with_lines(path)
    return list(loaded.document.chapters), layout or loaded.layout_for(None)


def _names(docs: Sequence[m.Document]) -> list[str]:
    stems = [chapter_stem(d) for d in docs]
    return [*(f"{s}.pdf" for s in stems), f"{whole_stem(docs)}.pdf", CSV_NAME,
            *(f"{s}.json" for s in stems), TEXT_NAME, HTML_NAME]


def publish(source: str | Path, folder: str | Path, layout: str | None = None,
            force: bool = False, timeout: float = DEFAULT_TIMEOUT,
            rating: str | Path = DEFAULT_SCHEME) -> Publication:
    """Write the publication of ``source`` into ``folder``, rated by ``rating``
    (a bundled scheme's name or a scheme file)."""
    scheme = load_scheme(rating)
    docs, lay = load_chapters(source, load_layout(layout) if layout else None)
    soffice = find_soffice()
    folder = Path(folder)
    names = _names(docs)
    outputs = check_outputs([folder / n for n in names], [Path(source)], force, [folder])
    work = Path(tempfile.mkdtemp(prefix="sheetkit-publish-")).resolve()
    try:
        pages = _make(docs, lay, scheme, soffice, work, timeout)
        written = write_all(outputs, [(folder / n, partial(shutil.copyfile, work / "out" / n))
                                      for n in names])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Publication(folder, tuple(written), pages)


def _make(docs: Sequence[m.Document], lay: Layout, scheme: Scheme, soffice: str, work: Path,
          timeout: float) -> dict[str, int]:
    """Every output in ``work/out``; returns the pages of each PDF by name."""
    stage = work / "out"
    try:
        stage.mkdir()
        pages = _print(docs, lay, scheme, soffice, work, stage, timeout)
        (stage / CSV_NAME).write_bytes(indicators_csv(docs, scheme).encode("utf-8-sig"))
        for doc in docs:
            (stage / f"{chapter_stem(doc)}.json").write_text(to_json(doc), encoding="utf-8")
        links = [ChapterLink(tally(doc, review_index(doc.plan, lay.indicators), scheme),
                             f"{chapter_stem(doc)}.pdf") for doc in docs]
        plan_name = docs[0].plan.name
        (stage / TEXT_NAME).write_bytes(
            overview_text(plan_name, links, scheme).encode("utf-8-sig"))
        (stage / HTML_NAME).write_text(overview_html(plan_name, links, scheme),
                                       encoding="utf-8")
    except OSError as exc:                 # the work folder: a full /tmp says so
        raise failure(work, exc) from None
    return pages


def _print(docs: Sequence[m.Document], lay: Layout, scheme: Scheme, soffice: str, work: Path,
           stage: Path, timeout: float) -> dict[str, int]:
    """The chapters' PDFs and the whole plan's in ``stage``, each with the pages its
    print setup plans; returns the pages of each PDF by name.  The whole plan's
    is printed from the plan's own 総括表: one 達成状況 of the plan (with its
    chapter and section rows), then every chapter's sheets."""
    books, planned = [], []
    (work / "books").mkdir()
    for number, doc in enumerate(docs, start=1):
        book = work / "books" / f"chapter-{number}.xlsx"
        planned.append(sum(write_summary(doc, lay, book, scheme=scheme).values()))
        books.append(book)
    plan_book = work / "books" / "plan.xlsx"
    plan_pages = planned[0] if len(docs) == 1 else sum(write_summary(
        m.PlanDocument(docs[0].plan, tuple(docs)), lay, plan_book, scheme=scheme).values())
    pdfs = convert_to_pdf(soffice, books if len(docs) == 1 else [*books, plan_book], work,
                          timeout)
    pages: dict[str, int] = {}
    chapter_pdfs = []
    for doc, book, expected in zip(docs, books, planned):
        check_pages(pdfs[book], expected)
        target = stage / f"{chapter_stem(doc)}.pdf"
        os.replace(pdfs[book], target)
        chapter_pdfs.append(target)
        pages[target.name] = expected
    whole = stage / f"{whole_stem(docs)}.pdf"
    if len(docs) == 1:
        shutil.copyfile(chapter_pdfs[0], whole)
    else:
        check_pages(pdfs[plan_book], plan_pages)
        os.replace(pdfs[plan_book], whole)
    pages[whole.name] = plan_pages
    return pages
