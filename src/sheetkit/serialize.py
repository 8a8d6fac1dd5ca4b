"""A Document as plain data in the input format, and as YAML or JSON text."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import cache
from typing import Any

from sheetkit import model as m
from sheetkit.values import places_of
from sheetkit.wareki import format_date


def _figure(value: m.Figure) -> Any:
    """A figure as plain data: a whole number as int, a number a float writes
    back the same as float, any other as its text."""
    if type(value) is Decimal:           # most figures, told from their text alone
        text = str(value)
        if "." not in text and "E" not in text:
            return int(value)
        as_float = float(value)
        if repr(as_float) == text:
            return as_float
    if isinstance(value, Decimal):
        places = places_of(value)
        if places == 0:
            return int(value)
        as_float = float(value)
        back = Decimal(repr(as_float))
        return as_float if back == value and places_of(back) == places else str(value)
    return value


def _rate(value: m.RateValue) -> Any:
    return value.text if isinstance(value, m.Rate) else value


def _date(value: m.DateValue) -> Any:
    return format_date(value) if isinstance(value, dt.date) else value


def plan_data(plan: m.Plan) -> dict[str, Any]:
    data: dict[str, Any] = {"name": plan.name}
    if plan.baseline:
        data["baseline"] = {"label": plan.baseline.label, "year": plan.baseline.year}
    if any(p.listed for p in plan.periods):
        data[m.PERIODS] = [{"label": p.label, "year": p.start} if p.start == p.end
                           else {"label": p.label, "from": p.start, "to": p.end}
                           for p in plan.periods]
    else:
        data |= {p.key: {"label": p.label, "from": p.start, "to": p.end} for p in plan.periods}
    if plan.successor is not None:
        data["successor"] = plan.successor
    if plan.survey is not None:
        data["survey"] = plan.survey
    return data


def _rows(rows: tuple[Any, ...], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{k: getattr(r, k) for k in keys} for r in rows]


def _indicator(ind: m.Indicator, periods: tuple[str, ...] | None, rates: bool
               ) -> dict[str, Any]:
    """An indicator as data; ``periods``: the keys its results are written under,
    or None for the plan's ``periods:`` list (see _period_keys)."""
    data: dict[str, Any] = {"name": ind.name, "unit": ind.unit, "direction": ind.direction,
                            "baseline": _figure(ind.baseline)}
    results = [None if result is None else {
        "target": _figure(result.target), "actual": _figure(result.actual),
        "rate": _rate(result.rate)} for result in ind.results] if rates else [
        None if result is None else {
            "target": _figure(result.target), "actual": _figure(result.actual)}
        for result in ind.results]
    if periods is None:
        data[m.PERIODS] = results
    else:
        data |= dict(zip(periods, results))
    data["target_plan"] = _figure(ind.plan_target)
    if ind.rating is not None:
        data["rating"] = ind.rating
    if ind.not_rated is not None:
        data["not_rated"] = ind.not_rated
    return data


def _optional_parts(sec: m.Section) -> dict[str, Any]:
    """The optional parts a layout such as shisaku-hyoka uses, only when present:
    a document without them serialises exactly as before."""
    data: dict[str, Any] = {}
    if sec.projects:
        data["projects"] = [{"name": p.name, "cost": _figure(p.cost), "content": p.content,
                             "outlook": p.outlook} for p in sec.projects]
    if sec.evaluation is not None:
        data["evaluation"] = sec.evaluation
    if sec.evaluation_reason is not None:
        data["evaluation_reason"] = sec.evaluation_reason
    if sec.sdgs:
        data["sdgs"] = list(sec.sdgs)
    return data


def _period_keys(plan: m.Plan) -> tuple[str, ...] | None:
    """The keys an indicator's results are written under (first_half, …), or
    None when the plan gave its periods as a list."""
    return None if any(p.listed for p in plan.periods) else tuple(p.key for p in plan.periods)


def section_data(sec: m.Section, plan: m.Plan, rates: bool = True) -> dict[str, Any]:
    """A section as data; without its indicators' 達成率 unless ``rates``
    (a template's fixed parts leave them out)."""
    needs = sec.citizen_needs
    periods = _period_keys(plan)
    return {
        "number": sec.number, "title": sec.title, "goal": sec.goal,
        "basic_policies": [{"code": b.code, "title": b.title} for b in sec.basic_policies],
        "departments": list(sec.departments),
        "citizen_needs": None if needs.is_empty else {
            "request_rate": _rate(needs.request_rate), "rank_overall": needs.rank_overall,
            "rank_in_chapter": needs.rank_in_chapter},
        "entry_date": _date(sec.entry_date), "author": sec.author,
        "initiatives": _rows(sec.initiatives, ("initiative", "outcome", "policy")),
        "carried_over": _rows(sec.carried_over, ("challenge", "direction", "policy")),
        "indicators": [_indicator(i, periods, rates) for i in sec.indicators],
        "unmet_analysis": sec.unmet_analysis,
    } | _optional_parts(sec)


def chapter_data(ch: m.Chapter) -> dict[str, Any]:
    return {
        "number": ch.number, "title": ch.title, "goal": ch.goal,
        "sector_plans": list(ch.sector_plans),
        "challenges_and_direction": ch.challenges_and_direction,
        "main_policies": list(ch.main_policies),
        "entry_date": _date(ch.entry_date), "author": ch.author,
        "highlights": _rows(ch.highlights, ("initiative", "outcome", "policy")),
        "carried_over": _rows(ch.carried_over, ("challenge", "direction", "policy")),
    }


def document_data(doc: m.Document | m.PlanDocument, layout: str | None = None
                  ) -> dict[str, Any]:
    """The document in the same shape as the input YAML: a plan of one chapter
    as ``plan``, ``chapter``, ``sections``; of several as ``plan``, ``chapters``;
    first the ``layout`` its sheets are in, when one is named."""
    named: dict[str, Any] = {} if layout is None else {"layout": layout}
    if isinstance(doc, m.PlanDocument):
        if len(doc.chapters) != 1:
            return named | {"plan": plan_data(doc.plan), "chapters": [
                chapter_data(d.chapter) | {"sections": [section_data(s, doc.plan)
                                                        for s in d.sections]}
                for d in doc.chapters]}
        doc = doc.chapters[0]
    return named | {
        "plan": plan_data(doc.plan),
        "chapter": chapter_data(doc.chapter),
        "sections": [section_data(s, doc.plan) for s in doc.sections],
    }


@cache
def _dumper() -> Any:
    """PyYAML's safe dumper, writing a text of several lines as a block (|);
    made when first used: validate reads and checks without PyYAML."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return Dumper


def to_yaml(doc: m.Document | m.PlanDocument, layout: str | None = None) -> str:
    import yaml

    return yaml.dump(document_data(doc, layout), Dumper=_dumper(), allow_unicode=True,
                     sort_keys=False, width=10_000)


def to_json(doc: m.Document | m.PlanDocument, layout: str | None = None) -> str:
    return json.dumps(document_data(doc, layout), ensure_ascii=False, indent=2) + "\n"
