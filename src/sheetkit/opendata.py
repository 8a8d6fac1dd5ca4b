"""Open data beside the published PDF: the indicators as a long CSV (one datum per
cell, units and direction in their own columns, 西暦 next to 和暦, no merged
cells, numbers without units) and the document as JSON.

Text only, no I/O; no text cell can run as a formula (plain.csv_value)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from sheetkit import model as m
from sheetkit.identity import review_index
from sheetkit.plain import csv_value
from sheetkit.ratings import Scheme, printed_rate
from sheetkit.wareki import fiscal_year_label, format_date, western_year

DIRECTION_WORDS = {m.UP: "増加をめざす", m.DOWN: "減少をめざす"}
COLUMNS = ("章", "章の名称", "節", "節の名称", "指標番号", "目標指標", "指標のめざす方向",
           "方向の意味", "時点", "年度（和暦）", "年度（西暦）", "区分", "値", "単位", "達成状況",
           "記入日（和暦）", "記入日（西暦）", "備考")


def _number(value: Decimal) -> Decimal:
    """A number as plain digits (never 1E+2), so that the CSV cell reads as a number."""
    return Decimal(format(value, "f"))


def _dates(day: m.DateValue) -> tuple[str, str]:
    if isinstance(day, dt.date):
        return format_date(day), day.isoformat()
    return "", ""


def _figure(value: m.Figure) -> tuple[Decimal | str, str]:
    """(値, 備考): a number goes in 値; typed text that is not a number in 備考."""
    if isinstance(value, Decimal):
        return _number(value), ""
    return "", value or ""


def _rows(doc: m.Document, scheme: Scheme) -> Iterator[tuple[Any, ...]]:
    plan, chapter = doc.plan, doc.chapter
    review = review_index(plan, None)
    for section in doc.sections:
        written = _dates(section.entry_date)
        for number, ind in enumerate(section.indicators, start=1):
            head = (chapter.number, chapter.title, section.number, section.title, number,
                    ind.name, ind.direction, DIRECTION_WORDS.get(ind.direction, ""))

            def row(when: str, year: str, kind: str, value: tuple[Decimal | str, str],
                    unit: str, rating: str = "", head: tuple[Any, ...] = head,
                    written: tuple[str, str] = written) -> tuple[Any, ...]:
                western = western_year(year)
                return (*head, when, fiscal_year_label(year), "" if western is None else western,
                        kind, value[0], unit, rating, *written, value[1])

            unit = ind.unit or ""
            if plan.baseline is not None and ind.baseline is not None:
                yield row(plan.baseline.label, plan.baseline.year, "基準値", _figure(ind.baseline),
                          unit)
            for index, (period, result) in enumerate(zip(plan.periods, ind.results)):
                if result is None:
                    continue
                yield row(period.label, period.end, "目標値", _figure(result.target), unit)
                yield row(period.label, period.end, "実績値", _figure(result.actual), unit)
                rate = printed_rate(ind, index)
                rating = scheme.rating(ind, index, review)
                note = ind.not_rated if rating == scheme.not_rated.label else ""
                yield row(period.label, period.end, "達成率",
                          (_number((rate * 100).normalize()) if rate is not None else "",
                           note or ""), "%" if rate is not None else "", rating)
            if ind.plan_target is not None and plan.periods:
                yield row("計画全体", plan.periods[-1].end, "計画目標値",
                          _figure(ind.plan_target), unit)


def indicators_csv(docs: Sequence[m.Document], scheme: Scheme) -> str:
    """The indicators of every chapter in long form, for UTF-8 with BOM and CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for doc in docs:
        for values in _rows(doc, scheme):
            writer.writerow([csv_value(v) for v in values])
    return out.getvalue()
