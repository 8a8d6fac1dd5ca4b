"""Placeholders in layout labels: {plan_name}, {span_start}, {p1_label} …

Period labels and years always come from the document, never from code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from sheetkit.model import Chapter, Period, Plan, Section
from sheetkit.wareki import fiscal_year_label

# how lists, titles and messages name a 章 and a 節, by language; every other
# module names them through these functions (tests/test_labels.py keeps it so)
_NAMES = {
    "ja": {"chapter": "第{chapter}章", "section": "第{section}節", "place": "第{chapter}章第{section}節",
           "chapters": "第{chapters}章", "list": "、"},
    "en": {"chapter": "Chapter {chapter}", "section": "Section {section}",
           "place": "Chapter {chapter}, section {section}", "chapters": "Chapters {chapters}",
           "list": ", "},
}


def _names(lang: str) -> dict[str, str]:
    return _NAMES.get(lang, _NAMES["ja"])


def chapter_name(number: int, lang: str = "ja") -> str:
    """'第1章' / 'Chapter 1'."""
    return _names(lang)["chapter"].format(chapter=number)


def section_name(number: int, lang: str = "ja") -> str:
    """'第3節' / 'Section 3'."""
    return _names(lang)["section"].format(section=number)


def place_name(chapter: int, section: int, lang: str = "ja") -> str:
    """A 節 with its 章: '第2章第3節' / 'Chapter 2, section 3'."""
    return _names(lang)["place"].format(chapter=chapter, section=section)


def chapters_name(numbers: Iterable[int], lang: str = "ja") -> str:
    """Several 章 at once: '第1、2章' / 'Chapters 1, 2'."""
    names = _names(lang)
    return names["chapters"].format(chapters=names["list"].join(str(n) for n in numbers))


def period_span(period: Period, years: Callable[[str], str] = fiscal_year_label) -> str:
    """The years of a period as printed: '平成27年度～平成30年度', or '令和7年度'
    alone for a period of one year; ``years`` prints a year (str: as written, H27)."""
    start, end = years(period.start), years(period.end)
    return start if start == end else f"{start}～{end}"


def period_title(period: Period, years: Callable[[str], str] = fiscal_year_label) -> str:
    """A period with its years: '後期基本計画（平成27年度～平成30年度）'; a period of
    one year that its label already names is printed once: '令和7年度'."""
    span = period_span(period, years)
    if period.start == period.end and period.label in (span, fiscal_year_label(period.start)):
        return period.label
    return f"{period.label}（{span}）"


class _Missing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def label_vars(plan: Plan, chapter: Chapter | None = None,
               section: Section | None = None, review: int | None = None) -> dict[str, Any]:
    """The values a layout label may use; ``review``: the index of the period
    under review (None: the last)."""
    values: dict[str, Any] = {
        "plan_name": plan.name,
        "successor": plan.successor or "",
        "survey": plan.survey or "",
        "baseline_label": plan.baseline.label if plan.baseline else "",
        "baseline_year": plan.baseline.year if plan.baseline else "",
        "span_start": fiscal_year_label(plan.periods[0].start) if plan.periods else "",
        "span_end": fiscal_year_label(plan.periods[-1].end) if plan.periods else "",
        "last_label": plan.periods[-1].label if plan.periods else "",
    }
    for i, period in enumerate(plan.periods, start=1):
        values |= {f"p{i}_label": period.label, f"p{i}_start": period.start,
                   f"p{i}_end": period.end}
    if plan.periods:
        reviewed = plan.periods[review if review is not None and 0 <= review < len(plan.periods)
                                else -1]
        values |= {"review_label": reviewed.label, "review_start": reviewed.start,
                   "review_end": reviewed.end}
    if chapter is not None:
        values |= {"chapter": chapter.number, "chapter_title": chapter.title}
    if section is not None:
        values |= {"section": section.number, "title": section.title}
    return values


def fill(text: str, values: dict[str, Any]) -> str:
    """A label with its placeholders filled; unknown ones become empty."""
    return text.format_map(_Missing(values))


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}


MAX_NAME_BYTES = 200     # file systems allow 255 bytes; the temporary name adds about 20


def safe_filename(name: str) -> str:
    """A file name made from data, with no path separators or reserved names,
    shortened to MAX_NAME_BYTES of UTF-8 (never inside a character) with its
    extension kept."""
    clean = _UNSAFE.sub("_", name).strip().strip(".")
    stem = clean.split(".")[0].upper()
    if not clean or stem in _RESERVED:
        clean = "_" + clean
    base, dot, extension = clean.rpartition(".")
    if not dot or len(extension) > 8 or not base:
        base, extension = clean, ""
    suffix = f".{extension}" if extension else ""
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    short = base.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
    return short + suffix


def defined_name(sheet: str, suffix: str) -> str:
    """The workbook-level name of an input region of ``sheet``: 第1節_記入日.
    Characters a name may not hold (施策1-1's "-", spaces …) become "_"."""
    return re.sub(r"[^\w.\\]", "_", f"{sheet}_{suffix}")


def safe_sheet_name(name: str) -> str:
    """A worksheet name Excel accepts: no []:*?/\\ and at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31] or "Sheet"


def sheet_title(pattern: str, values: dict[str, Any], prefix: str = "") -> str:
    """A sheet's name from its layout pattern.  In a workbook of several chapters
    ``prefix`` (the chapter sheet's own name, 第2章) goes before every name that
    does not already name the chapter: 第2章第1節, 第2章目標指標."""
    return safe_sheet_name(("" if "{chapter}" in pattern else prefix) + fill(pattern, values))
