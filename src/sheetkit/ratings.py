"""達成状況: each indicator's 達成率 for the reviewed period rated in bands
(達成 / 概ね達成 / 未達成), and the counts per chapter.

The bands are data (schemas/ratings/*.yaml); the tally is pure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from sheetkit import model as m
from sheetkit.rates import achievement, as_written

DEFAULT_SCHEME = "tassei"


@dataclass(frozen=True)
class Band:
    label: str
    lower: Decimal
    order: int


@dataclass(frozen=True)
class Scheme:
    """Bands in order, the first whose lower bound a rate reaches wins."""

    name: str
    title: str
    bands: tuple[Band, ...]
    unrated: str

    def rate(self, value: Decimal | None) -> str:
        if value is None:
            return self.unrated
        return next((b.label for b in self.bands if value >= b.lower), self.unrated)

    @property
    def labels(self) -> tuple[str, ...]:
        return (*(b.label for b in self.bands), self.unrated)


@cache
def load_scheme(name: str = DEFAULT_SCHEME) -> Scheme:
    """A bundled rating scheme by name (schemas/ratings/<name>.yaml)."""
    import yaml

    text = (resources.files("sheetkit.schemas") / "ratings" / f"{name}.yaml").read_text(
        encoding="utf-8")
    data = yaml.safe_load(text)
    bands = sorted((Band(str(b["label"]), Decimal(str(b["lower"])), int(b["order"]))
                    for b in data["bands"]), key=lambda b: b.order)
    return Scheme(data["name"], data["title"], tuple(bands), data["unrated"])


def printed_rate(indicator: m.Indicator, period: int) -> Decimal | None:
    """The 達成率 of ``period`` as the 総括表 prints it (one decimal of percent):
    computed from the target and actual, else the rate as written, else None."""
    result = indicator.results[period] if period < len(indicator.results) else None
    if result is None:
        return None
    computed = achievement(indicator.direction, result.target, result.actual)
    if computed is not None:
        return as_written(computed).value
    return result.rate.value if isinstance(result.rate, m.Rate) else None


@dataclass(frozen=True)
class Tally:
    """How many indicators of a chapter fall in each band of a scheme."""

    chapter: m.Chapter
    period: m.Period
    counts: tuple[tuple[str, int], ...]       # (label, count) in the scheme's order

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def tally(doc: m.Document, period: int, scheme: Scheme) -> Tally:
    """The 達成状況 of every indicator of ``doc`` for the plan's ``period``."""
    found = [scheme.rate(printed_rate(ind, period)) for s in doc.sections for ind in s.indicators]
    return Tally(doc.chapter, doc.plan.periods[period],
                 tuple((label, found.count(label)) for label in scheme.labels))
