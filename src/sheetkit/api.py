"""The library API behind the commands.  No printing, no exit codes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sheetkit import model as m
from sheetkit.annotate import annotate
from sheetkit.atomic import atomic_path, check_output
from sheetkit.findings import Report
from sheetkit.labels import fill, label_vars, safe_filename
from sheetkit.layout import DEFAULT_LAYOUT, Layout, load_layout
from sheetkit.loader import load_document
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.reader import Extraction, extract
from sheetkit.serialize import to_json, to_yaml
from sheetkit.subjects import Subject
from sheetkit.writer import write_summary, write_template


def generate(data: str | Path, output: str | Path, layout: str = DEFAULT_LAYOUT,
             force: bool = False) -> Path:
    """Write the whole 総括表 of ``data`` to ``output``."""
    doc = load_document(data)
    return generate_document(doc, Path(output), load_layout(layout), force)


def generate_document(doc: m.Document, output: Path, layout: Layout, force: bool = False) -> Path:
    with atomic_path(output, force) as tmp:
        write_summary(doc, layout, tmp)
    return output


def template_path(folder: Path, doc: m.Document, section: m.Section, layout: Layout) -> Path:
    """Where the template of a 節 goes: 第1章第1節_地域コミュニティ.xlsx."""
    name = fill(layout.template.file, label_vars(doc.plan, doc.chapter, section))
    return folder / safe_filename(name)


def make_templates(data: str | Path, folder: str | Path, sections: Iterable[int] | None = None,
                   rows: int | None = None, layout: str = DEFAULT_LAYOUT,
                   force: bool = False) -> list[Path]:
    """One blank workbook per 節 for its departments; returns the files written."""
    doc = load_document(data)
    chosen = doc.sections
    if sections is not None:
        wanted = list(sections)
        missing = [n for n in wanted if doc.section(n) is None]
        if missing:
            raise SheetkitError([Problem("no-such-section", Location(str(data)), {
                "number": str(n), "available": "、".join(str(s.number) for s in doc.sections)})
                for n in missing])
        chosen = tuple(s for s in doc.sections if s.number in wanted)
    lay = load_layout(layout)
    folder = Path(folder)
    targets = [(s, template_path(folder, doc, s, lay)) for s in chosen]
    for _, target in targets:
        check_output(target, force)
    written = []
    for section, target in targets:
        with atomic_path(target, force) as tmp:
            write_template(doc, section, lay, tmp, lay.template.rows if rows is None else rows)
        written.append(target)
    return written


def extract_text(workbook: str | Path, fmt: str = "yaml") -> tuple[Extraction, str]:
    """Read a workbook and render its document in the input format (yaml or json)."""
    extraction = extract(workbook)
    render = to_json if fmt == "json" else to_yaml
    return extraction, render(extraction.document)


def write_text(text: str, output: Path, force: bool = False) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(output, force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return output


def annotate_all(report: Report, subjects: list[Subject], folder: Path, lang: str = "ja",
                 force: bool = False) -> list[Path]:
    """Annotated copies of every readable workbook in ``report``."""
    written = []
    for file_report, subject in zip(report.files, subjects):
        if subject.kind in ("summary", "template") and subject.document is not None:
            written.append(annotate(Path(subject.path), file_report, Path(folder), lang, force))
    return written
