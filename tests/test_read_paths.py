"""The fast read path (python-calamine + zip parts) and the full one (openpyxl)
give the same document and the same findings, on every workbook the tests make."""

import shutil
from pathlib import Path

import corpus
import pytest
from damage import damage_steps, mutate
from edits import MUTATIONS, edit
from filling import fill
from hypothesis import HealthCheck, given, settings
from resave import resave_with_libreoffice

from sheetkit.grid import FAST, FULL, read_book
from sheetkit.problems import SheetkitError
from sheetkit.reader import extract
from sheetkit.subjects import read_subject
from sheetkit.validate import validate_subjects


@pytest.fixture(scope="module")
def workbooks(summary_path, template_dir, example_doc, tmp_path_factory):
    """Every kind of workbook: generated, blank, filled, edited, re-saved, hostile."""
    folder = tmp_path_factory.mktemp("paths")
    books = [summary_path, *sorted(template_dir.iterdir())]
    filled = []
    for section in example_doc.sections:
        source = template_dir / f"第1章第{section.number}節_{section.title}.xlsx"
        filled.append(fill(source, folder / f"filled{section.number}.xlsx", section,
                           extra_rows=2, date_as_text=section.number == 2,
                           numbers_as_text=section.number == 3,
                           typed_rate=("自治会・町内会への加入率", 0.9) if section.number == 1
                           else None))
    books += filled
    books += [edit(filled[0], folder / f"edit-{code}.xlsx", change)
              for code, change in MUTATIONS.items()]
    books += list(corpus.build(folder / "bad", filled[0]).values())
    if shutil.which("soffice"):
        books += resave_with_libreoffice([summary_path, *filled], folder)
    return books


def outcome(path: Path, engine: str):
    try:
        x = extract(path, engine)
    except SheetkitError as error:
        return ("error", [(p.code, dict(p.params)) for p in error.problems])
    return (x.document, x.sources, x.typed_rates, x.external_links, x.identity)


def test_same_documents(workbooks):
    assert len(workbooks) > 40
    for path in workbooks:
        assert outcome(path, FAST) == outcome(path, FULL), path.name


def test_same_findings(workbooks):
    fast = validate_subjects([read_subject(p, FAST) for p in workbooks])
    full = validate_subjects([read_subject(p, FULL) for p in workbooks])
    assert fast == full
    assert sum(len(f.findings) for f in fast.files) > 50


def test_fast_path_falls_back_for_shared_formulas(workbooks, tmp_path):
    source = next(p for p in workbooks if p.name == "filled1.xlsx")
    shared = corpus.rewrite_zip(source, tmp_path / "shared.xlsx", lambda n, d: d.replace(
        b'<f>IFERROR(IF(OR(F6="",F7=""),"",MIN(1,F7/F6)),"")</f>',
        b'<f t="shared" ref="G6" si="0">IFERROR(IF(OR(F6="",F7=""),"",MIN(1,F7/F6)),"")</f>')
        if n.endswith("sheet3.xml") else d)
    assert outcome(shared, FAST) == outcome(shared, FULL)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=damage_steps())
def test_same_answer_for_damaged_files(workbooks, tmp_path, steps):
    source = next(p for p in workbooks if p.name == "filled1.xlsx")
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(mutate(source.read_bytes(), steps))
    fast, full = outcome(path, FAST), outcome(path, FULL)
    if fast[0] == "error" or full[0] == "error":
        # Both refuse, though a parser may name the damage differently.
        assert fast[0] == full[0] == "error", (fast, full)
    else:
        assert fast == full


def test_the_fast_path_reads_ordinary_files_itself(workbooks):
    """The fallback gives the same answers, so check it is not silently taken:
    the fast path itself (no Unsupported) gives the openpyxl path's cells."""
    from sheetkit.fastgrid import FastSheets
    from sheetkit.guard import default_limits, inspect

    ordinary = [p for p in workbooks if p.suffix == ".xlsx" and "bad" not in p.parts]
    assert len(ordinary) > 20
    for path in ordinary:
        inspection = inspect(path)
        fast = FastSheets(path, default_limits(), inspection.parts, inspection.data)
        full = read_book(path, engine=FULL).grids
        assert list(fast) == list(full), path.name
        for name in fast:
            assert fast[name].cells == full[name].cells, (path.name, name)
            assert fast[name].max_row == full[name].max_row, (path.name, name)
        assert sum(len(fast[name].cells) for name in fast) > 100, path.name
