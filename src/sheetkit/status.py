"""The collection period at a glance: which 節 have been returned, by whom,
when, and with how many problems — by chapter, and by 関係所属."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sheetkit.collect import INVALID, MISSING, STATUS_LABELS, SUBMITTED, Collection, Return
from sheetkit.labels import chapter_name, section_name
from sheetkit.plain import one_line
from sheetkit.wareki import date_text


@dataclass(frozen=True)
class StatusRow:
    section: int
    title: str
    status: str
    label: str
    files: tuple[str, ...]
    author: str
    entry_date: str
    errors: int
    warnings: int
    set_aside: tuple[str, ...] = ()     # files of this section not used (a valid one is)
    chapter: int = 1
    departments: tuple[str, ...] = ()


def _counts(returns: tuple[Return, ...], chosen: Return | None) -> tuple[int, int]:
    """Errors and warnings of the return used, or of all when none is used."""
    counted = (chosen,) if chosen is not None else returns
    return (sum(r.report.count("error") for r in counted),
            sum(r.report.count("warning") for r in counted))


def _shown(state_returns: tuple[Return, ...], chosen: Return | None) -> Return | None:
    return chosen or (state_returns[-1] if state_returns else None)


def status_rows(collection: Collection, lang: str = "ja") -> list[StatusRow]:
    rows = []
    for state in collection.sections:
        shown = _shown(state.returns, state.chosen)
        rows.append(StatusRow(
            state.number, state.title, state.status, STATUS_LABELS[lang][state.status],
            tuple(r.subject.path for r in state.returns),
            (shown.author or "") if shown else "",
            date_text(shown.entry_date) if shown else "",
            *_counts(state.returns, state.chosen),
            tuple(r.subject.path for r in state.returns
                  if state.chosen is not None and r is not state.chosen),
            state.chapter, state.departments))
    return rows


PENDING = (MISSING, INVALID)        # what a department is reminded of


def by_department(rows: list[StatusRow]) -> dict[str, list[StatusRow]]:
    """The rows of each 関係所属 (a 節 of several departments under each), in
    the order departments first appear in the plan."""
    found: dict[str, list[StatusRow]] = {}
    for row in rows:
        for department in row.departments or ("",):
            found.setdefault(department, []).append(row)
    return found


def others(collection: Collection) -> list[Return]:
    """Inputs that are not a return of any 節 of the base."""
    return [r for r in collection.returns if r.section is None]


def status_json(collection: Collection, lang: str = "ja") -> dict[str, Any]:
    rows = status_rows(collection, lang)
    return {
        "sections": [{"chapter": r.chapter, "section": r.section, "title": r.title,
                      "status": r.status, "label": r.label, "files": list(r.files),
                      "author": r.author or None, "entry_date": r.entry_date or None,
                      "errors": r.errors, "warnings": r.warnings,
                      "not_used": list(r.set_aside), "departments": list(r.departments)}
                     for r in rows],
        "departments": [{"department": name, "sections": [
            {"chapter": r.chapter, "section": r.section, "status": r.status} for r in mine]}
            for name, mine in by_department(rows).items()],
        "others": [{"path": r.subject.path, "errors": r.report.count("error"),
                    "warnings": r.report.count("warning"),
                    "codes": sorted({f.code for f in r.findings})} for r in others(collection)],
    }


def _width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _department_lines(collection: Collection, lang: str) -> list[str]:
    """Each 関係所属 with the sections it has yet to return or correct."""
    labels = STATUS_LABELS[lang]
    lines = []
    for department, mine in by_department(status_rows(collection, lang)).items():
        pending = [r for r in mine if r.status in PENDING]
        done = sum(1 for r in mine if r.status == SUBMITTED)
        name = department or ("（関係所属なし）" if lang == "ja" else "(no department)")
        waiting = "、".join(f"{collection.section_name(r.chapter, r.section)}"
                           f"（{labels[r.status]}）" for r in pending) if lang == "ja" else \
            "; ".join(f"{collection.section_name(r.chapter, r.section, lang)} "
                      f"({labels[r.status]})" for r in pending)
        lines.append(one_line(f"  {name}：{labels[SUBMITTED]} {done}/{len(mine)}"
                              + (f"　待ち：{waiting}" if pending else "") if lang == "ja" else
                              f"  {name}: {labels[SUBMITTED]} {done}/{len(mine)}"
                              + (f"; waiting: {waiting}" if pending else "")))
    heading = "関係所属ごと：" if lang == "ja" else "By department:"
    return ["", heading, *lines] if lines else []


def status_text(collection: Collection, lang: str = "ja") -> str:
    labels = STATUS_LABELS[lang]
    heads = (["節", "名称", "状態", "記入者", "記入日", "エラー", "警告", "ファイル"] if lang == "ja"
             else ["sec", "title", "status", "author", "entry date", "errors", "warnings", "file"])
    table: list[list[str] | str] = [heads]
    chapter = None
    for row in status_rows(collection, lang):
        if collection.several and row.chapter != chapter:
            chapter = row.chapter
            doc = collection.base.chapter(chapter)
            title = doc.chapter.title if doc else ""
            table.append(one_line(f"{chapter_name(chapter)}　{title}" if lang == "ja" else
                                  f"{chapter_name(chapter, lang)}: {title}"))
        aside = "（不採用）" if lang == "ja" else " (not used)"
        files = [f + (aside if f in row.set_aside else "") for f in row.files]
        table.append([one_line(c) for c in (
            section_name(row.section, lang), row.title, row.label, row.author, row.entry_date,
            str(row.errors), str(row.warnings), "、".join(files))])
    widths = [max(_width(r[i]) for r in table if isinstance(r, list))
              for i in range(len(heads))]
    lines = [r if isinstance(r, str) else
             "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(r)).rstrip()
             for r in table]
    lines += _department_lines(collection, lang)
    rest = others(collection)
    if rest:
        lines.append("")
        lines.append("どの節にも当たらないファイル：" if lang == "ja" else "Files that are no section's:")
        for ret in rest:
            codes = "、".join(sorted({f.code for f in ret.findings}))
            lines.append(f"  {one_line(ret.subject.path)}  {codes}")
    counts = {s: sum(1 for r in collection.sections if r.status == s) for s in labels}
    rows = status_rows(collection, lang)
    errors, warnings = sum(r.errors for r in rows), sum(r.warnings for r in rows)
    counted = [f"{labels[s]} {n}" for s, n in counts.items()] + (
        [f"エラー {errors}", f"警告 {warnings}"] if lang == "ja"
        else [f"errors {errors}", f"warnings {warnings}"])
    summary = ("、" if lang == "ja" else ", ").join(counted)
    lines.append(("計：" if lang == "ja" else "Total: ") + summary)
    return "\n".join(lines)
