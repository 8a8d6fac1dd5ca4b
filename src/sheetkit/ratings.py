"""達成状況: how each indicator is rated, and the counts per chapter and section.

A rating scheme is data (schemas/ratings/<name>.yaml, or a city's own file):
bands with a label, a colour and a printed order, each with a rule — a
達成率 of at least some value, or the reviewed actual compared with the
策定時 value (better, worse, within a margin).  The rules are tried in the
file's order; an indicator that no rule can rate (no figures) gets the
scheme's ``unrated`` band, and one that carries ``not_rated: 理由`` gets
「評価せず」 and is counted apart.  Everything here is pure;
rating_schemes.py reads the scheme files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sheetkit import model as m
from sheetkit.rates import achievement, as_written

DEFAULT_SCHEME = "tassei"
BETTER, WORSE, WITHIN = "better", "worse", "within"
BASELINE_RULES = (BETTER, WORSE, WITHIN)


@dataclass(frozen=True)
class Rule:
    """When a band applies: a printed 達成率 of at least ``rate_at_least``, or
    the actual ``baseline``-compared (better / worse than 策定時, or within
    ``margin`` of it, as a fraction of the 策定時 value)."""

    rate_at_least: Decimal | None = None
    baseline: str | None = None
    margin: Decimal = Decimal(0)

    def holds(self, rate: Decimal | None, actual: Decimal | None, base: Decimal | None,
              direction: str) -> bool:
        if self.rate_at_least is not None:
            return rate is not None and rate >= self.rate_at_least
        if actual is None or base is None:
            return False
        if self.baseline == WITHIN:
            return abs(actual - base) <= self.margin * abs(base)
        if self.baseline == BETTER:
            return worse_than(base, actual, direction)
        return worse_than(actual, base, direction)


def worse_than(value: Decimal, other: Decimal, direction: str) -> bool:
    """``value`` is worse than ``other`` for an indicator of ``direction``
    (below it for ↗, above it for ↘)."""
    return value > other if direction == m.DOWN else value < other


@dataclass(frozen=True)
class Band:
    label: str
    order: int
    colour: str
    rule: Rule | None = None           # None: the unrated and not-rated bands
    description: str = ""

    @property
    def lower(self) -> Decimal | None:
        """The 達成率 the band starts at, for bands on 達成率."""
        return None if self.rule is None else self.rule.rate_at_least


@dataclass(frozen=True)
class Scheme:
    """Bands tried in ``rules`` order; ``bands`` is their printed order."""

    name: str
    title: str
    rules: tuple[Band, ...]
    unrated: Band
    not_rated: Band

    @property
    def bands(self) -> tuple[Band, ...]:
        return tuple(sorted(self.rules, key=lambda b: b.order))

    @property
    def all_bands(self) -> tuple[Band, ...]:
        """Every band a count is given for: the rated ones, unrated, not rated."""
        return (*self.bands, self.unrated, self.not_rated)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(b.label for b in self.all_bands)

    def rate(self, value: Decimal | None) -> str:
        """The band of a 達成率 alone (bands on 達成率 only; unrated without one)."""
        return next((b.label for b in self.rules if b.lower is not None and value is not None
                     and value >= b.lower), self.unrated.label)

    def rating(self, indicator: m.Indicator, period: int, review: int) -> str:
        """The band label of ``indicator`` for the plan's ``period`` (``review``:
        the reviewed period, where ``not_rated`` applies)."""
        if indicator.not_rated and period == review:
            return self.not_rated.label
        result = indicator.results[period] if period < len(indicator.results) else None
        if result is None:
            return self.unrated.label
        rate = printed_rate(indicator, period)
        actual = result.actual if isinstance(result.actual, Decimal) else None
        base = indicator.baseline if isinstance(indicator.baseline, Decimal) else None
        return next((b.label for b in self.rules
                     if b.rule is not None and b.rule.holds(rate, actual, base,
                                                           indicator.direction)),
                    self.unrated.label)


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


def below_baseline(indicator: m.Indicator, period: int) -> bool:
    """The actual of ``period`` is worse than 策定時 in the indicator's direction."""
    result = indicator.results[period] if period < len(indicator.results) else None
    if result is None or not isinstance(result.actual, Decimal) \
            or not isinstance(indicator.baseline, Decimal):
        return False
    return worse_than(result.actual, indicator.baseline, indicator.direction)


# -- tallies -------------------------------------------------------------------

@dataclass(frozen=True)
class Tally:
    """How many indicators of a chapter (or one of its sections) fall in each band."""

    chapter: m.Chapter
    period: m.Period
    counts: tuple[tuple[str, int], ...]       # (label, count) in the scheme's order

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


ChapterPart = tuple[m.Chapter, Sequence[m.Section]]


def count(sections: Iterable[m.Section], period: int, review: int,
          scheme: Scheme) -> tuple[tuple[str, int], ...]:
    """(label, count) of every band for the indicators of ``sections``."""
    found = [scheme.rating(ind, period, review) for s in sections for ind in s.indicators]
    return tuple((label, found.count(label)) for label in scheme.labels)


def tally_chapter(plan: m.Plan, part: ChapterPart, period: int, review: int,
                  scheme: Scheme) -> Tally:
    chapter, sections = part
    return Tally(chapter, plan.periods[period], count(sections, period, review, scheme))


def tally(doc: m.Document, period: int, scheme: Scheme, review: int | None = None) -> Tally:
    """The 達成状況 of every indicator of ``doc`` for the plan's ``period``, as the
    reviewed period unless ``review`` names another."""
    return tally_chapter(doc.plan, (doc.chapter, doc.sections), period,
                         period if review is None else review, scheme)
