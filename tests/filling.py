"""Filling a template the way a department does, with openpyxl as the 'hands'."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from sheetkit.model import Section
from sheetkit.values import normalize_code as normalize
from sheetkit.wareki import format_date


def find_row(ws, col: int, text: str, start: int = 1) -> int:
    for row in range(start, ws.max_row + 1):
        if ws.cell(row, col).value == text:
            return row
    raise AssertionError(f"{text!r} not in column {col} of {ws.title}")


def insert_rows(ws, index: int, amount: int) -> None:
    """Insert rows as Excel does: cells and merged ranges below move down, and
    the workbook's defined names over this sheet move or grow with them.
    (openpyxl alone moves cells only; formulas elsewhere keep their references,
    which is why the 提出前チェック formulas reach input cells by defined names.)"""
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row >= index:
            merged.shift(row_shift=amount)
    ws.insert_rows(index, amount)
    _move_names(ws, index - 1, amount)


def _move_names(ws, first: int, amount: int) -> None:
    """Defined names over ``ws``: ranges at or below 0-based row ``first`` move
    down, ranges across it grow."""
    from sheetkit.a1 import sheet_ref, split_sheet_ref

    for defined in ws.parent.defined_names.values():
        text = defined.attr_text or ""
        if "," in text or "!" not in text:
            continue
        sheet, (r1, c1, r2, c2) = split_sheet_ref(text)
        if sheet != ws.title or r2 < first:
            continue
        top = r1 + amount if r1 >= first else r1
        defined.attr_text = sheet_ref(sheet, top, c1, r2 + amount, c2)


def _write_table(ws, header: str, rows: list[tuple[Any, Any, Any]], extra: int) -> None:
    head = find_row(ws, 1, header)
    first = head + 1
    if extra:
        insert_rows(ws, first + 2, extra)
    for i, (a, b, c) in enumerate(rows):
        for col, value in ((1, a), (6, b), (10, c)):
            ws.cell(first + i, col).value = value


def fill(template: Path, out: Path, section: Section, *, extra_rows: int = 0,
         date_as_text: bool = False, numbers_as_text: bool = False,
         typed_rate: tuple[str, float] | None = None) -> Path:
    """Type ``section``'s department content into ``template`` and save as ``out``."""
    wb = openpyxl.load_workbook(template)
    ws = wb[f"第{section.number}節"]
    _write_table(ws, "取り組み", [(r.initiative, r.outcome, r.policy)
                                  for r in section.initiatives], extra_rows)
    _write_table(ws, "課題", [(r.challenge, r.direction, r.policy)
                            for r in section.carried_over], 0)
    row = find_row(ws, 1, "記入日")
    if isinstance(section.entry_date, dt.date):
        ws.cell(row, 3).value = (format_date(section.entry_date) if date_as_text
                                 else dt.datetime.combine(section.entry_date, dt.time()))
    ws.cell(row, 8).value = section.author
    ind = wb["目標指標"]
    for indicator in section.indicators:
        top = find_row(ind, 2, indicator.name)
        last = indicator.results[-1]
        if last is not None and last.actual is not None:
            value: Any = float(last.actual)
            if numbers_as_text:
                value = str(last.actual).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
            ind.cell(top + 1, 9).value = value
        if typed_rate and typed_rate[0] == indicator.name:
            ind.cell(top, 10).value = typed_rate[1]
    label = find_row(ind, 2, "後期基本計画に係る未達成指標の理由・分析")
    ind.cell(label + 1, 2).value = section.unmet_analysis
    wb.save(out)
    return out


def renumbered(section: Section, number: int) -> Section:
    """The section as 節 ``number``: its 基本方針 codes become 1-<number>-k and every
    row's 基本方針 follows, titles kept."""
    from dataclasses import replace

    from sheetkit.model import BasicPolicy
    from sheetkit.values import split_policy

    def code(text: str | None) -> str | None:
        found, title = split_policy(text) if text else (None, "")
        return text if found is None else f"1-{number}-{found.split('-')[-1]} {title}"

    policies = tuple(BasicPolicy(f"1-{number}-{normalize(p.code).split('-')[-1]}", p.title)
                     for p in section.basic_policies)
    return replace(section, number=number, title=f"{section.title}{number}",
                   basic_policies=policies,
                   initiatives=tuple(replace(r, policy=code(r.policy)) for r in section.initiatives),
                   carried_over=tuple(replace(r, policy=code(r.policy))
                                      for r in section.carried_over))


def many_returns(folder: Path, example, count: int,  # type: ignore[no-untyped-def]
                 broken_every: int = 0, models: tuple[int, ...] | None = None,
                 ) -> tuple[Path, list[Path], object]:
    """A base of ``count`` sections (the example's ``models``, by default all of
    them, renumbered in turn), and a filled return of each; every
    ``broken_every``-th return misses a 成果."""
    from dataclasses import replace

    from sheetkit.api import make_templates
    from sheetkit.identity import blank_section
    from sheetkit.serialize import to_yaml

    pool = [example.sections[i] for i in (models or range(len(example.sections)))]
    sections = [renumbered(pool[(n - 1) % len(pool)], n) for n in range(1, count + 1)]
    full = replace(example, sections=tuple(sections))
    base = folder / "base.yaml"
    base.write_text(to_yaml(replace(full, sections=tuple(blank_section(s, 1)
                                                         for s in sections))), "utf-8")
    make_templates(base, folder / "blank")
    returns = folder / "returns"
    returns.mkdir()
    paths = []
    for section in sections:
        source = next((folder / "blank").glob(f"第1章第{section.number}節_*.xlsx"))
        path = fill(source, returns / source.name, section)
        if broken_every and section.number % broken_every == 0:
            wb = openpyxl.load_workbook(path)
            ws = wb[f"第{section.number}節"]
            ws.cell(find_row(ws, 1, "取り組み") + 1, 6).value = None
            wb.save(path)
        paths.append(path)
    return base, paths, full


def blank_base(path: Path, doc, sections=None) -> Path:  # type: ignore[no-untyped-def]
    """The planning office's base: ``doc`` (or its ``sections``) with only the
    fixed parts, as the templates were made from, written as YAML to ``path``."""
    from dataclasses import replace

    from sheetkit.identity import blank_section
    from sheetkit.serialize import to_yaml

    blank = tuple(blank_section(s, 1) for s in (doc.sections if sections is None else sections))
    path.write_text(to_yaml(replace(doc, sections=blank)), encoding="utf-8")
    return path
