"""The documents of many files as the tables validation checks: header fields,
取り組み rows, 課題 rows, indicators by period, figures, 基本方針 and 市民ニーズ.

Each row carries its file (index into the subjects) and the key of the value
it is about, so that every failed check can be mapped back to a cell or line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sheetkit import keys
from sheetkit import model as m
from sheetkit.identity import TEMPLATE
from sheetkit.layout import Layout, load_layout
from sheetkit.problems import SheetkitError
from sheetkit.rates import achievement, rounded
from sheetkit.ratings import printed_rate
from sheetkit.subjects import Subject
from sheetkit.values import normalize_code, split_policy, squash

Rows = dict[str, list[dict[str, Any]]]
TABLES = ("headers", "initiatives", "challenges", "indicators", "values", "policies", "needs",
          "evaluations")
# the tables of rows whose two texts go together: (the first, the one it needs)
PAIRED_TEXTS = {"initiatives": ("initiative", "outcome"), "challenges": ("challenge", "direction")}


def _policy_columns(text: str | None, titles: dict[str, str] | None) -> dict[str, Any]:
    code, title = split_policy(text) if text else (None, "")
    expected = titles.get(code) if titles is not None and code else None
    return {"policy": text, "policy_code": code,
            "allowed": None if titles is None else tuple(titles),
            "policy_title": squash(title) if title else None,
            "expected_title": squash(expected) if expected else None,
            "expected_title_text": expected}


def _entries(rows: Rows, file: int, scope: keys.Scope, items: tuple[Any, ...],
             titles: dict[str, str] | None, kind: str) -> None:
    table = "initiatives" if kind == "initiatives" else "challenges"
    name = "highlights" if scope == keys.CHAPTER_SCOPE and kind == "initiatives" else kind
    for index, item in enumerate(items):
        row = {"file": file, "section": scope.section, "key": scope.row(name, index)}
        row |= {k: getattr(item, k) for k in item.__dataclass_fields__}
        row |= _policy_columns(item.policy, titles)
        rows[table].append(row)


def _headers(rows: Rows, file: int, scope: keys.Scope, entry_date: m.DateValue,
             author: str | None, layout: Layout | None) -> None:
    """記入日 and 記入者, each where the layout's sheet has a cell for it (or for data)."""
    owner = "chapter." if scope.section is None else "section."
    for name, value in (("entry_date", entry_date), ("author", author)):
        if layout is not None and not layout.shows(owner + name):
            continue
        rows["headers"].append({"file": file, "section": scope.section,
                                "key": scope.key(name),
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
    names = tuple(i.name for i in section.indicators)
    template = subject.kind == TEMPLATE
    review = subject.review_of(plan)
    for index, ind in enumerate(section.indicators):
        key = keys.indicator(section.number, index)
        base = {"file": file, "section": section.number, "key": key, "name": ind.name,
                "unit": ind.unit, "direction": ind.direction, "baseline": ind.baseline,
                "plan_target": ind.plan_target, "analysis": section.unmet_analysis,
                "siblings": names, "template": template}
        _value(rows, file, section.number, keys.indicator(section.number, index, "baseline"),
               ind.baseline, "figure", ind.unit)
        _value(rows, file, section.number, keys.indicator(section.number, index, "target_plan"),
               ind.plan_target, "figure", ind.unit)
        periods: list[tuple[m.Period | None, m.PeriodResult | None]] = \
            list(zip(plan.periods, ind.results)) or [(None, None)]
        for number, (period, result) in enumerate(periods):
            pkey = keys.period(section.number, index, period.key) if period else key
            res = result or m.PeriodResult()
            rows["indicators"].append(base | {
                "period_key": pkey, "period": period.label if period else None,
                "is_review": period is not None and number == review,
                "first_row": number == 0, "absent": result is None,
                "target": res.target, "actual": res.actual, "rate": res.rate,
                "rate_live": False,
                "rate_typed": keys.join(pkey, keys.RATE) in subject.typed_rates}
                | _rates(ind.direction, res))
            if result is not None:
                _value(rows, file, section.number, keys.join(pkey, "target"), res.target,
                       "figure", ind.unit)
                _value(rows, file, section.number, keys.join(pkey, "actual"), res.actual,
                       "figure", ind.unit)
                _value(rows, file, section.number, keys.join(pkey, keys.RATE), res.rate, "rate")
        if subject.kind != "data":
            # In a workbook a 達成率 formula is live unless a number was typed over it.
            for row in rows["indicators"][-len(periods):]:
                row["rate_live"] = not row["rate_typed"]


def _layout_of(subject: Subject) -> Layout | None:
    """The layout a workbook was read with (the office's --layout FILE too), else the
    bundled one it names (None for data, or a layout not at hand)."""
    if subject.identity is None:
        return None
    if subject.layout is not None:
        return subject.layout
    try:
        return load_layout(subject.identity.layout)
    except SheetkitError:
        return None


def _chapter_signed(chapter: m.Chapter, layout: Layout | None) -> bool:
    """Whether the chapter has a sheet of its own, with a 記入日 and 記入者 to check:
    as the layout says, or for data, when it holds more than its number and title
    (a 施策評価シート's chapter is only the 政策 its sections belong to)."""
    if layout is not None:
        return layout.chapter is not None
    return any((chapter.goal, chapter.sector_plans, chapter.challenges_and_direction,
                chapter.main_policies, chapter.entry_date, chapter.author,
                chapter.highlights, chapter.carried_over))


def _layout_choices(layout: Layout | None) -> dict[str, tuple[str, ...]]:
    """The dropdown lists of a layout's section sheet, by field (``section.evaluation``,
    and a table's column as ``section.projects.outlook``)."""
    found: dict[str, tuple[str, ...]] = {}
    if layout is None:
        return found
    for block in layout.section.blocks:
        for row in block.rows:
            for spec in row:
                if spec.kind == "choice" and spec.field:
                    found[spec.field] = spec.choices
        for spec in block.columns:
            if spec.kind == "choice" and block.table:
                found[keys.join(block.table, spec.field or "")] = spec.choices
    return found


def _optional_parts(rows: Rows, file: int, sec: m.Section, layout: Layout | None) -> None:
    """事業費, the choices from a layout's lists, SDGs goal numbers and typed 評価."""
    scope = keys.section(sec.number)
    choices = _layout_choices(layout)
    for index, project in enumerate(sec.projects):
        _value(rows, file, sec.number, scope.key("projects", index, "cost"), project.cost,
               "figure")
        _choice(rows, file, sec.number, scope.key("projects", index, "outlook"), project.outlook,
                choices.get("section.projects.outlook"))
    _choice(rows, file, sec.number, scope.key("evaluation"), sec.evaluation,
            choices.get("section.evaluation"))
    if "section.evaluation" in choices:          # the layout asks for 施策の評価 and its reason
        for name, value in (("evaluation", sec.evaluation),
                            ("evaluation_reason", sec.evaluation_reason)):
            rows["headers"].append({"file": file, "section": sec.number,
                                    "key": scope.key(name), "field": name, "value": value,
                                    "is_date": False})
    for goal in sec.sdgs:
        rows["values"].append({"file": file, "section": sec.number, "key": scope.key("sdgs"),
                               "raw": goal, "kind": "sdg", "unit": "", "number": None,
                               "whole": goal if isinstance(goal, int) else None,
                               "is_text": isinstance(goal, str)})
    scheme = layout.rating if layout is not None else None
    for index, ind in enumerate(sec.indicators):
        if ind.rating is None or scheme is None:
            continue
        rate = printed_rate(ind, len(ind.results) - 1)
        rows["evaluations"].append({"file": file, "section": sec.number,
                                "key": keys.indicator(sec.number, index, keys.RATING),
                                "name": ind.name,
                                "rating": ind.rating.strip(),
                                "rate": None if rate is None else rate,
                                "expected": None if rate is None else scheme.rate(rate)})


def _choice(rows: Rows, file: int, section: int, key: str, value: str | None,
            allowed: tuple[str, ...] | None) -> None:
    if value is not None and allowed is not None:
        rows["values"].append({"file": file, "section": section, "key": key, "raw": value,
                               "kind": "choice", "unit": "", "number": None, "whole": None,
                               "is_text": True, "allowed": allowed})


def build_rows(subjects: list[Subject]) -> Rows:
    """The rows of every table over all readable subjects."""
    rows: Rows = {name: [] for name in TABLES}
    for file, subject in enumerate(subjects):
        doc = subject.document
        if doc is None:
            continue
        layout = _layout_of(subject)
        if subject.kind != TEMPLATE and _chapter_signed(doc.chapter, layout):
            ch = doc.chapter
            _headers(rows, file, keys.CHAPTER_SCOPE, ch.entry_date, ch.author, layout)
            _entries(rows, file, keys.CHAPTER_SCOPE, ch.highlights, None, "initiatives")
            _entries(rows, file, keys.CHAPTER_SCOPE, ch.carried_over, None, "carried_over")
        for sec in doc.sections:
            scope = keys.section(sec.number)
            titles = {normalize_code(b.code): b.title for b in sec.basic_policies}
            _headers(rows, file, scope, sec.entry_date, sec.author, layout)
            _entries(rows, file, scope, sec.initiatives, titles, "initiatives")
            _entries(rows, file, scope, sec.carried_over, titles, "carried_over")
            used = {split_policy(r.policy)[0] for r in sec.initiatives if r.policy}
            for index, bp in enumerate(sec.basic_policies):
                rows["policies"].append({"file": file, "section": sec.number,
                                         "key": keys.basic_policy(sec.number, index),
                                         "code": normalize_code(bp.code), "title": bp.title,
                                         "printed": bp.code, "used": used})
            needs = sec.citizen_needs
            _value(rows, file, sec.number, keys.citizen_needs(sec.number, "request_rate"),
                   needs.request_rate, "rate")
            _value(rows, file, sec.number, keys.citizen_needs(sec.number, "rank_overall"),
                   needs.rank_overall, "rank")
            _value(rows, file, sec.number, keys.citizen_needs(sec.number, "rank_in_chapter"),
                   needs.rank_in_chapter, "rank")
            rate = needs.request_rate.value if isinstance(needs.request_rate, m.Rate) else None
            rank = needs.rank_in_chapter
            rows["needs"].append({"file": file, "section": sec.number,
                                  "key": keys.citizen_needs(sec.number, "rank_in_chapter"),
                                  "rate": None if rate is None else float(rate), "rank": rank,
                                  "whole_rank": rank if isinstance(rank, int) else None})
            _indicators(rows, file, subject, doc.plan, sec)
            _optional_parts(rows, file, sec, layout)
    return rows
