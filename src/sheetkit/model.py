"""The 総括表 document model: immutable, typed, no I/O.

Figures are ``Decimal`` when they are numbers.  A value that a person typed
but that is not a number (or not a real date) is kept as the ``str`` they
typed, so that validation can point at it instead of losing it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sheetkit import keys

UP = "↗"
DOWN = "↘"
DIRECTIONS = (UP, DOWN)

Figure = Decimal | str | None
DateValue = dt.date | str | None


@dataclass(frozen=True)
class Rate:
    """A percentage as written: ``value`` is the fraction, ``places`` the
    number of digits shown after the decimal point of the percent form."""

    value: Decimal
    places: int = 1

    @property
    def text(self) -> str:
        percent = self.value * 100
        return f"{percent:.{self.places}f}%"


RateValue = Rate | str | None


@dataclass(frozen=True)
class Milestone:
    """The plan's baseline: 策定時 label and its year such as H22."""

    label: str
    year: str


PERIODS = "periods"      # the data's list of periods, and its part of a field key


def period_key(index: int) -> str:
    """The key of the period at ``index`` of a ``periods:`` list, as field keys
    use it: ``sections.1.indicators.0.periods.2.actual``."""
    return keys.join(PERIODS, index)


@dataclass(frozen=True)
class Period:
    """One period of the plan, such as 前期基本計画 H23～H26 or 令和5年度 R5.

    ``key`` is ``first_half``/``second_half`` when the data gave the two-period
    form, or ``periods.N`` when it gave a ``periods:`` list."""

    key: str
    label: str
    start: str
    end: str

    @property
    def listed(self) -> bool:
        return self.key.startswith(f"{PERIODS}.")


@dataclass(frozen=True)
class Plan:
    name: str
    baseline: Milestone | None
    periods: tuple[Period, ...]
    successor: str | None = None
    survey: str | None = None


@dataclass(frozen=True)
class Initiative:
    """A 取り組み / 成果 / 基本方針 (or 主な方針) row."""

    initiative: str | None
    outcome: str | None
    policy: str | None


@dataclass(frozen=True)
class Challenge:
    """A 課題 / 今後の方針 / 基本方針 (or 主な方針) row."""

    challenge: str | None
    direction: str | None
    policy: str | None


@dataclass(frozen=True)
class BasicPolicy:
    """A 基本方針 such as ``1-1-2 地域コミュニティの支援`` (code as printed)."""

    code: str
    title: str


@dataclass(frozen=True)
class CitizenNeeds:
    """施策に対する市民ニーズ: 要望率, 全節中順位, 分野中順位."""

    request_rate: RateValue = None
    rank_overall: int | str | None = None
    rank_in_chapter: int | str | None = None

    @property
    def is_empty(self) -> bool:
        return self.request_rate is None and self.rank_overall is None \
            and self.rank_in_chapter is None


@dataclass(frozen=True)
class PeriodResult:
    """上段：目標値 / 下段：実績値 and the 達成率 of one period."""

    target: Figure = None
    actual: Figure = None
    rate: RateValue = None


@dataclass(frozen=True)
class Indicator:
    """A 目標指標.  ``results`` follows ``Plan.periods``; None where the
    indicator did not exist in that period."""

    name: str
    unit: str | None
    direction: str
    baseline: Figure
    results: tuple[PeriodResult | None, ...]
    plan_target: Figure = None
    rating: str | None = None    # a 評価 (A–D) typed where the layout rates by formula
    not_rated: str | None = None       # 評価せず and why, for the reviewed period


@dataclass(frozen=True)
class Project:
    """A 主な取り組み row of a 施策評価シート: 事業名, 事業費（千円）, 取り組み内容と成果
    and 今後の方向性 (a choice from the layout's list)."""

    name: str | None
    cost: Figure
    content: str | None
    outlook: str | None


SDG_GOALS = range(1, 18)       # the 17 Sustainable Development Goals


@dataclass(frozen=True)
class Section:
    """A 節 and its sheet."""

    number: int
    title: str
    goal: str | None = None
    basic_policies: tuple[BasicPolicy, ...] = ()
    departments: tuple[str, ...] = ()
    citizen_needs: CitizenNeeds = field(default_factory=CitizenNeeds)
    entry_date: DateValue = None
    author: str | None = None
    initiatives: tuple[Initiative, ...] = ()
    carried_over: tuple[Challenge, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    unmet_analysis: str | None = None
    # Optional parts, used by layouts such as shisaku-hyoka (施策評価シート):
    projects: tuple[Project, ...] = ()             # 主な取り組み
    evaluation: str | None = None                  # 施策の評価 (A–D)
    evaluation_reason: str | None = None           # 評価の理由
    sdgs: tuple[int | str, ...] = ()               # 関連するSDGs: goal numbers (text if not one)


@dataclass(frozen=True)
class Chapter:
    """A 章 and its sheet."""

    number: int
    title: str
    goal: str | None = None
    sector_plans: tuple[str, ...] = ()
    challenges_and_direction: str | None = None
    main_policies: tuple[str, ...] = ()
    entry_date: DateValue = None
    author: str | None = None
    highlights: tuple[Initiative, ...] = ()
    carried_over: tuple[Challenge, ...] = ()


@dataclass(frozen=True)
class Document:
    """A whole 総括表 of one chapter."""

    plan: Plan
    chapter: Chapter
    sections: tuple[Section, ...] = ()

    def section(self, number: int) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)


@dataclass(frozen=True)
class PlanDocument:
    """A whole 総合計画: every 章, each a Document of the same ``plan``, in
    chapter order.  A 節 is known on a plan by (章番号, 節番号)."""

    plan: Plan
    chapters: tuple[Document, ...]

    def chapter(self, number: int) -> Document | None:
        return next((d for d in self.chapters if d.chapter.number == number), None)

    def section(self, chapter: int, number: int) -> Section | None:
        doc = self.chapter(chapter)
        return doc.section(number) if doc is not None else None

    @property
    def sections(self) -> tuple[tuple[int, Section], ...]:
        """Every 節 of the plan with its 章番号, in plan order."""
        return tuple((d.chapter.number, s) for d in self.chapters for s in d.sections)


def as_plan(doc: Document | PlanDocument) -> PlanDocument:
    """A plan of one chapter from a chapter's Document; a plan as it is."""
    return doc if isinstance(doc, PlanDocument) else PlanDocument(doc.plan, (doc,))
