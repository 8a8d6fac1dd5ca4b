"""Checks that look at a chapter as part of its plan, or at the whole plan.

- 全節中順位 (rank_overall) ranks each 節 among all sections of the plan: a
  higher 要望率 must not have a worse rank, and with every chapter of the plan
  present no two sections share a rank; with only some chapters, only the
  order is checked.
- 基本方針 codes belong to their chapter and section: 2-1-3 is chapter 2, section 1.
- A chapter's 顕著な成果 and 引き継がれる課題 rows cite one of its ≪主な方針≫.

Each check returns problems as plain values (code, where, parameters); the
caller turns them into findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sheetkit import keys
from sheetkit import model as m
from sheetkit.labels import place_name
from sheetkit.problems import Location
from sheetkit.values import normalize_code, squash


@dataclass(frozen=True)
class Ranked:
    """A 節 that takes part in the plan-wide ranking."""

    chapter: int
    section: int
    rate: m.Rate
    rank: int
    where: Location


@dataclass(frozen=True)
class Issue:
    """A problem found by a plan check, before it becomes a finding."""

    code: str
    key: str
    section: int | None
    value: str | None = None
    expected: str | None = None
    params: tuple[tuple[str, str], ...] = ()


def ranked_sections(doc: m.Document | None, where: Callable[[str], Location]
                    ) -> tuple[Ranked, ...]:
    """The sections of ``doc`` that have a 要望率 and a whole-number 全節中順位."""
    if doc is None:
        return ()
    found = []
    for section in doc.sections:
        needs = section.citizen_needs
        if isinstance(needs.request_rate, m.Rate) and isinstance(needs.rank_overall, int) \
                and not isinstance(needs.rank_overall, bool):
            found.append(Ranked(doc.chapter.number, section.number, needs.request_rate,
                                needs.rank_overall,
                                where(keys.citizen_needs(section.number, "rank_overall"))))
    return tuple(found)


def _name(item: Ranked) -> str:
    return place_name(item.chapter, item.section)


def overall_rank_issues(items: Sequence[Ranked], complete: bool
                        ) -> list[tuple[Ranked, Issue]]:
    """全節中順位 against 要望率 over every section given: a section whose rank
    is not worse than that of one with a lower 要望率 is out of order; with
    ``complete`` (every chapter of the plan is among them) no two sections
    may share a rank either.  The section named is the worst-ranked one of
    another 節 with a higher 要望率 (the highest 要望率 among those, then the
    first given), or the first other one sharing the rank."""
    issues = []
    key = "citizen_needs.rank_overall"
    above = _best_above(items)
    sharing = _first_of_each_rank(items) if complete else {}
    for item, best in zip(items, above):
        shared = _other_place(sharing.get(item.rank, ()), item)
        if best is not None and best.rank >= item.rank:
            issues.append((item, Issue("rank-inconsistent", key, item.section, str(item.rank),
                                       None, (("variant", "overall-order"),
                                              ("other", _name(best)),
                                              ("other_rate", best.rate.text),
                                              ("other_rank", str(best.rank))))))
        elif shared is not None:
            issues.append((item, Issue("rank-inconsistent", key, item.section, str(item.rank),
                                       None, (("variant", "overall-shared"),
                                              ("other", _name(shared))))))
    return issues


def _place(item: Ranked) -> tuple[int, int]:
    return item.chapter, item.section


def _other_place(candidates: Sequence[Ranked], item: Ranked) -> Ranked | None:
    """The first of ``candidates`` in another 節 than ``item``: the first, or the
    one after it from another 節 than the first (the two are all it takes)."""
    return next((c for c in candidates if _place(c) != _place(item)), None)


def _best_above(items: Sequence[Ranked]) -> list[Ranked | None]:
    """For each item, the best-ranked of the items of another 節 with a higher
    要望率 (the worst rank, then the highest 要望率, then the first given), in one
    pass by falling 要望率 (comparing every pair took a second for 3,000 files).
    The best so far is kept with the best of another 節 than its own."""
    def best(index: int) -> tuple[int, Decimal, int]:
        return items[index].rank, items[index].rate.value, -index

    found: list[Ranked | None] = [None] * len(items)
    top: list[int] = []
    by_rate = sorted(range(len(items)), key=lambda i: items[i].rate.value, reverse=True)
    start = 0
    while start < len(by_rate):          # a run of equal 要望率: none of them is above another
        rate = items[by_rate[start]].rate.value
        end = start
        while end < len(by_rate) and items[by_rate[end]].rate.value == rate:
            end += 1
        run = by_rate[start:end]
        for index in run:
            found[index] = _other_place([items[t] for t in top], items[index])
        ranked = sorted([*top, *run], key=best, reverse=True)
        second = next((i for i in ranked if _place(items[i]) != _place(items[ranked[0]])), None)
        top = [ranked[0]] if second is None else [ranked[0], second]
        start = end
    return found


def _first_of_each_rank(items: Sequence[Ranked]) -> dict[int, tuple[Ranked, ...]]:
    """For each rank, its first item and the first after it from another 節."""
    found: dict[int, tuple[Ranked, ...]] = {}
    for item in items:
        first = found.get(item.rank, ())
        if not first or (len(first) == 1 and _place(item) != _place(first[0])):
            found[item.rank] = (*first, item)
    return found


def chapter_issues(doc: m.Document) -> list[Issue]:
    """A chapter's own plan checks: its sections' 基本方針 codes name the chapter
    and section, and its 顕著な成果 and 引き継がれる課題 rows cite one of its ≪主な方針≫."""
    issues = []
    number = doc.chapter.number
    for section in doc.sections:
        for index, policy in enumerate(section.basic_policies):
            parts = normalize_code(policy.code).split("-")
            wanted = [str(number), str(section.number)]
            if len(parts) == 3 and all(p.isdigit() for p in parts) and \
                    [str(int(p)) for p in parts[:2]] != wanted:
                issues.append(Issue("policy-code-misplaced",
                                    keys.basic_policy(section.number, index),
                                    section.number, policy.code,
                                    f"{number}-{section.number}-…"))
    return issues + _cited(doc.chapter)


def _cited(chapter: m.Chapter) -> list[Issue]:
    main = {squash(p) for p in chapter.main_policies}
    rows: Iterable[tuple[str, m.Initiative | m.Challenge]] = [
        *((keys.CHAPTER_SCOPE.row("highlights", i), r) for i, r in enumerate(chapter.highlights)),
        *((keys.CHAPTER_SCOPE.row("carried_over", i), r)
          for i, r in enumerate(chapter.carried_over))]
    return [Issue("unknown-main-policy", keys.join(key, "policy"), None, row.policy,
                  "、".join(chapter.main_policies))
            for key, row in rows
            if row.policy and row.policy.strip() and squash(row.policy) not in main]
