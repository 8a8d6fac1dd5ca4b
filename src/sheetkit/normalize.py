"""Canonical form of a document, for comparing what was written with what was read."""

from __future__ import annotations

from dataclasses import replace

from sheetkit import model as m
from sheetkit.rates import achievement, as_written, rounded


def canonical_rate(direction: str, result: m.PeriodResult) -> m.PeriodResult:
    """A written 達成率 that its figures give (at its own precision) becomes the
    computed rate at one decimal, as a live formula shows it."""
    computed = achievement(direction, result.target, result.actual)
    if computed is None:
        return result
    rate = result.rate
    if rate is None or (isinstance(rate, m.Rate) and rounded(computed, rate.places) == rate.value):
        return replace(result, rate=as_written(computed))
    return result


def normalize(doc: m.Document) -> m.Document:
    """The document with every consistent 達成率 in canonical form."""
    sections = tuple(replace(sec, indicators=tuple(
        replace(ind, results=tuple(None if r is None else canonical_rate(ind.direction, r)
                                   for r in ind.results))
        for ind in sec.indicators)) for sec in doc.sections)
    return replace(doc, sections=sections)
