"""The documents of many files as the tables validation checks: header fields,
取り組み rows, 課題 rows, indicators by period, figures, 基本方針 and 市民ニーズ.

Each row carries its file (index into the subjects) and the key of the value
it is about, so that every failed check can be mapped back to a cell or line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sheetkit import model as m
from sheetkit.identity import TEMPLATE
from sheetkit.rates import achievement, rounded
from sheetkit.subjects import Subject
from sheetkit.values import normalize_code, split_policy, squash

Rows = dict[str, list[dict[str, Any]]]
TABLES = ("headers", "initiatives", "challenges", "indicators", "values", "policies", "needs")


def _policy_columns(text: str | None, titles: dict[str, str] | None) -> dict[str, Any]:
    code, title = split_policy(text) if text else (None, "")
    expected = titles.get(code) if titles is not None and code else None
    return {"policy": text, "policy_code": code,
            "allowed": None if titles is None else tuple(titles),
            "policy_title": squash(title) if title else None,
            "expected_title": squash(expected) if expected else None,
            "expected_title_text": expected}


def _entries(rows: Rows, file: int, prefix: str, section: int | None,
             items: tuple[Any, ...], titles: dict[str, str] | None, kind: str) -> None:
    table = "initiatives" if kind == "initiatives" else "challenges"
    name = "highlights" if prefix == "chapter" and kind == "initiatives" else kind
    for index, item in enumerate(items):
        row = {"file": file, "section": section, "key": f"{prefix}.{name}.{index}"}
        row |= {k: getattr(item, k) for k in item.__dataclass_fields__}
        row |= _policy_columns(item.policy, titles)
        rows[table].append(row)


def _headers(rows: Rows, file: int, prefix: str, section: int | None,
             entry_date: m.DateValue, author: str | None) -> None:
    for name, value in (("entry_date", entry_date), ("author", author)):
        rows["headers"].append({"file": file, "section": section, "key": f"{prefix}.{name}",
                                "field": name, "value": value,
                                "is_date": isinstance(value, dt.date)})


def _value(rows: Rows, file: int, section: int | None, key: str, raw: Any, kind: str,
           unit: str | None = None) -> None:
    """A figure, rate or rank; ``number`` is its Decimal (a rate's fraction),
    ``whole`` the whole number a rank holds."""
    if raw is not None:
        number = raw.value if isinstance(raw, m.Rate) else raw if isinstance(raw, Decimal) \
            else None
        whole = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        rows["values"].append({"file": file, "section": section, "key": key, "raw": raw,
                               "kind": kind, "unit": (unit or "").strip(), "number": number,
                               "whole": whole, "is_text": isinstance(raw, str)})


def _rates(direction: str, result: m.PeriodResult) -> dict[str, Any]:
    """A period's 達成率 as computed from its figures and as written, both
    rounded to the places written, and the level reached (computed, or else
    written)."""
    computed = achievement(direction, result.target, result.actual)
    rate = result.rate if isinstance(result.rate, m.Rate) else None
    return {"computed_shown": None if rate is None or computed is None
            else rounded(computed, rate.places),
            "rate_shown": None if rate is None else rounded(rate.value, rate.places),
            "achieved": computed if computed is not None or rate is None else rate.value}


def _indicators(rows: Rows, file: int, subject: Subject, plan: m.Plan,
                section: m.Section) -> None:
    prefix = f"sections.{section.number}"
    names = tuple(i.name for i in section.indicators)
    template = subject.kind == TEMPLATE
    review = subject.review_of(plan)
    for index, ind in enumerate(section.indicators):
        key = f"{prefix}.indicators.{index}"
        base = {"file": file, "section": section.number, "key": key, "name": ind.name,
                "unit": ind.unit, "direction": ind.direction, "baseline": ind.baseline,
                "plan_target": ind.plan_target, "analysis": section.unmet_analysis,
                "siblings": names, "template": template}
        _value(rows, file, section.number, f"{key}.baseline", ind.baseline, "figure", ind.unit)
        _value(rows, file, section.number, f"{key}.target_plan", ind.plan_target, "figure",
               ind.unit)
        periods: list[tuple[m.Period | None, m.PeriodResult | None]] = \
            list(zip(plan.periods, ind.results)) or [(None, None)]
        for number, (period, result) in enumerate(periods):
            pkey = f"{key}.{period.key}" if period else key
            res = result or m.PeriodResult()
            rows["indicators"].append(base | {
                "period_key": pkey, "period": period.label if period else None,
                "is_review": period is not None and number == review,
                "first_row": number == 0, "absent": result is None,
                "target": res.target, "actual": res.actual, "rate": res.rate,
                "rate_live": False, "rate_typed": f"{pkey}.rate" in subject.typed_rates}
                | _rates(ind.direction, res))
            if result is not None:
                _value(rows, file, section.number, f"{pkey}.target", res.target, "figure",
                       ind.unit)
                _value(rows, file, section.number, f"{pkey}.actual", res.actual, "figure",
                       ind.unit)
                _value(rows, file, section.number, f"{pkey}.rate", res.rate, "rate")
        if subject.kind != "data":
            # In a workbook a 達成率 formula is live unless a number was typed over it.
            for row in rows["indicators"][-len(periods):]:
                row["rate_live"] = not row["rate_typed"]


def build_rows(subjects: list[Subject]) -> Rows:
    """The rows of every table over all readable subjects."""
    rows: Rows = {name: [] for name in TABLES}
    for file, subject in enumerate(subjects):
        doc = subject.document
        if doc is None:
            continue
        if subject.kind != TEMPLATE:
            ch = doc.chapter
            _headers(rows, file, "chapter", None, ch.entry_date, ch.author)
            _entries(rows, file, "chapter", None, ch.highlights, None, "initiatives")
            _entries(rows, file, "chapter", None, ch.carried_over, None, "carried_over")
        for sec in doc.sections:
            prefix = f"sections.{sec.number}"
            titles = {normalize_code(b.code): b.title for b in sec.basic_policies}
            _headers(rows, file, prefix, sec.number, sec.entry_date, sec.author)
            _entries(rows, file, prefix, sec.number, sec.initiatives, titles, "initiatives")
            _entries(rows, file, prefix, sec.number, sec.carried_over, titles, "carried_over")
            used = {split_policy(r.policy)[0] for r in sec.initiatives if r.policy}
            for index, bp in enumerate(sec.basic_policies):
                rows["policies"].append({"file": file, "section": sec.number,
                                         "key": f"{prefix}.basic_policies.{index}.policy",
                                         "code": normalize_code(bp.code), "title": bp.title,
                                         "printed": bp.code, "used": used})
            needs = sec.citizen_needs
            nkey = f"{prefix}.citizen_needs"
            _value(rows, file, sec.number, f"{nkey}.request_rate", needs.request_rate, "rate")
            _value(rows, file, sec.number, f"{nkey}.rank_overall", needs.rank_overall, "rank")
            _value(rows, file, sec.number, f"{nkey}.rank_in_chapter", needs.rank_in_chapter,
                   "rank")
            rate = needs.request_rate.value if isinstance(needs.request_rate, m.Rate) else None
            rank = needs.rank_in_chapter
            rows["needs"].append({"file": file, "section": sec.number,
                                  "key": f"{nkey}.rank_in_chapter",
                                  "rate": None if rate is None else float(rate), "rank": rank,
                                  "whole_rank": rank if isinstance(rank, int) else None})
            _indicators(rows, file, subject, doc.plan, sec)
    return rows
