"""What a workbook is: the hidden identity sheet, the fixed parts of a
template and their fingerprint."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from sheetkit import keys
from sheetkit import model as m
from sheetkit.guard import default_limits
from sheetkit.layout import IndicatorLayout
from sheetkit.serialize import plan_data, section_data

META_SHEET = "_sheetkit"
RESULT_SHEET = "検証結果"          # added by validate --annotate
PROVENANCE_SHEET = "出典"          # added by merge
RATING_SHEET = "達成状況"          # the first sheet of a 総括表: the tallies and chart
RATING_DATA_SHEET = "_達成状況データ"   # hidden: the rows the tallies count
SUMMARY = "summary"
TEMPLATE = "template"


@dataclass(frozen=True)
class Identity:
    """Written to the hidden sheet of every workbook sheetkit makes."""

    kind: str
    layout: str
    version: int
    plan: dict[str, Any]
    chapter: int
    section: int | None = None
    review_period: int | None = None
    fingerprint: str | None = None
    open_needs: bool = False     # 市民ニーズ was left for the department to fill in
    fixed: dict[str, Any] | None = None      # the fixed parts themselves, to say what changed
    # 提出前チェック: its sheet, the cells there that hold formulas, and the
    # section sheet's verdict cell — part of the template's fixed structure
    precheck: dict[str, Any] | None = None
    chapters: tuple[int, ...] = ()        # a 総括表 of several 章: their numbers
    layout_sha256: str = ""      # of the layout's text: which layout exactly, not only its name

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("kind", self.kind), ("layout", self.layout), ("layout_version", str(self.version)),
            ("layout_sha256", self.layout_sha256),
            ("plan", json.dumps(self.plan, ensure_ascii=False, sort_keys=True)),
            ("chapter", str(self.chapter)),
            ("section", "" if self.section is None else str(self.section)),
            ("review_period", "" if self.review_period is None else str(self.review_period)),
            ("fingerprint", self.fingerprint or ""),
            ("open_needs", "yes" if self.open_needs else "no"),
            ("fixed", "" if self.fixed is None else json.dumps(self.fixed, ensure_ascii=False,
                                                               sort_keys=True, default=str)),
        ] + ([] if self.precheck is None else
             [("precheck", json.dumps(self.precheck, ensure_ascii=False, sort_keys=True))]) + (
                [("chapters", ",".join(map(str, self.chapters)))] if self.chapters else [])

    @classmethod
    def from_rows(cls, rows: dict[str, str]) -> Identity:
        """Raises KeyError or ValueError when the sheet is not a sheetkit identity."""
        def optional_int(key: str) -> int | None:
            return int(rows[key]) if rows.get(key) else None

        limit = default_limits().max_section_number
        chapter, section = int(rows["chapter"]), optional_int("section")
        chapters = tuple(int(n) for n in rows["chapters"].split(",")) \
            if rows.get("chapters") else ()
        if not all(1 <= n <= limit for n in (chapter, *chapters)) or \
                (section is not None and not 1 <= section <= limit):
            raise ValueError("a 章 or 節 number out of range")
        if len(set(chapters)) != len(chapters) or len(chapters) > limit:
            raise ValueError("a 章 given twice")
        return cls(kind=rows["kind"], layout=rows["layout"], version=int(rows["layout_version"]),
                   plan=json.loads(rows["plan"]), chapter=chapter,
                   section=section, review_period=optional_int("review_period"),
                   fingerprint=rows.get("fingerprint") or None,
                   open_needs=rows.get("open_needs") == "yes",
                   fixed=json.loads(rows["fixed"]) if rows.get("fixed") else None,
                   precheck=json.loads(rows["precheck"]) if rows.get("precheck") else None,
                   chapters=chapters,
                   layout_sha256=rows.get("layout_sha256", ""))


def review_index(plan: m.Plan, indicators: IndicatorLayout | None) -> int:
    """The period whose actuals a department reports: the one the layout's
    indicator table declares (``review:``), by default the plan's last."""
    if indicators is None:                 # indicators on the section sheets: the last
        return len(plan.periods) - 1
    return indicators.review_index(len(plan.periods))


def blank_section(section: m.Section, review: int) -> m.Section:
    """The section as a department receives it: only the fixed parts filled."""
    indicators = tuple(replace(ind, rating=None, results=tuple(
        None if r is None else (replace(r, actual=None, rate=None) if i == review else r)
        for i, r in enumerate(ind.results))) for ind in section.indicators)
    return replace(section, entry_date=None, author=None, initiatives=(), carried_over=(),
                   indicators=indicators, unmet_analysis=None, projects=(), evaluation=None,
                   evaluation_reason=None)


def fixed_parts(plan: m.Plan, chapter: m.Chapter, section: m.Section, review: int,
                open_needs: bool = False) -> dict[str, Any]:
    """Everything in a template that a department must not change (市民ニーズ
    only when the template did not leave it open)."""
    data = section_data(blank_section(section, review), plan)
    for ind in data["indicators"]:
        ind.pop("not_rated", None)      # the office's call in the 総括表, not on the template
        results = ind.get(m.PERIODS) or [ind.get(period.key) for period in plan.periods]
        for result in results:
            if result:
                result.pop("rate", None)
    if open_needs:
        data.pop("citizen_needs")
    for key in ("entry_date", "author", "initiatives", "carried_over", "unmet_analysis"):
        data.pop(key)
    return {"plan": plan_data(plan), "chapter": {"number": chapter.number, "title": chapter.title},
            "section": data}


def changes(old: Any, new: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Where two sets of fixed parts differ: (path, value before, value now)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [c for key in sorted(old.keys() | new.keys())
                for c in changes(old.get(key), new.get(key), keys.join(path, key))]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for index, (a, b) in enumerate(zip(old, new))
                for c in changes(a, b, keys.join(path, index))]
    return [] if old == new else [(path, old, new)]


def fingerprint(parts: dict[str, Any]) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
