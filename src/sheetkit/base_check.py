"""A return compared with the planning office's base: the fixed parts it
answers must be the base's, not only those recorded in its own hidden sheet
(which a sender can rewrite).

Indicators are matched by name only, never by position, so that a 実績値 can
never land on another indicator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sheetkit import codes, keys
from sheetkit import model as m
from sheetkit.findings import Finding
from sheetkit.identity import blank_section, changes, fixed_parts, open_fields
from sheetkit.labels import section_name
from sheetkit.layout import Inputs
from sheetkit.subjects import Subject
from sheetkit.values import squash

CODE = "base-mismatch"
_COMPARED_APART = (keys.INDICATORS, "number")    # indicators by name; the 節 by placing it


@dataclass(frozen=True)
class BaseComparison:
    """What differs between a return and the base's section of the same number.

    ``foreign``: the return's title and goal are both another section's
    (a forged or mislabelled identity), so it is no return of this section.
    ``placeable``: every indicator with a figure in the return has a
    same-name indicator in the base, so no figure can be lost or moved."""

    findings: tuple[Finding, ...]
    foreign: bool
    placeable: bool


def indicator_key(name: str | None) -> str:
    """How indicator names are matched: spacing and width folded, nothing else."""
    return squash(name or "")


def _plain(parts: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(parts, ensure_ascii=False, default=str))


def compare(subject: Subject, returned: m.Section, base: m.Document, review: int,
            inputs: Inputs, severity: str) -> BaseComparison:
    """Every difference between ``returned``'s fixed parts and the base's, as
    findings; ``inputs`` is what its layout lets the department fill in (the
    when-empty fields open are those the base leaves empty: the base, not the
    return's own hidden sheet, says so)."""
    number = returned.number
    mine = base.section(number)
    assert mine is not None
    open_ = open_fields(mine, inputs)

    def finding(key: str, variant: str, value: Any = "", expected: Any = "",
                **params: str) -> Finding:
        """``key`` is relative to the section: 'goal', 'indicators.0.name'."""
        return Finding(CODE, severity, subject.where(keys.section_field(number, key)),
                       number, "" if value is None else str(value),
                       "" if expected is None else str(expected),
                       {"variant": variant, **params})

    theirs_parts = _plain(fixed_parts(base.plan, base.chapter, returned, review, open_,
                                      inputs)["section"])
    base_parts = _plain(fixed_parts(base.plan, base.chapter, blank_section(mine, review, inputs),
                                    review, open_, inputs)["section"])
    found: list[Finding] = []
    if returned.title != mine.title and returned.goal != mine.goal:
        other = next((s for s in base.sections if s.number != number and (
            s.title == returned.title or (s.goal and s.goal == returned.goal))), None)
        hint = f"{section_name(other.number)}「{other.title}」" if other else "?"
        return BaseComparison((finding("title", "identity", returned.title, mine.title,
                                       looks_like=hint),), True, False)
    fixed = [*base_parts, *(key for key in theirs_parts if key not in base_parts)]
    for key in fixed:                 # every part its layout leaves fixed
        if key in _COMPARED_APART:
            continue
        before, now = base_parts.get(key), theirs_parts.get(key)
        if before == now:
            continue
        where = key
        if key == keys.BASIC_POLICIES:
            changed = next((i for i, (a, b) in enumerate(zip(before or [], now or []))
                            if a != b), 0)
            where = keys.join(keys.BASIC_POLICIES, changed, "policy")
        found.append(finding(where, "field", _show(now), _show(before), label=codes.label(key)))
    found.extend(_indicators(finding, returned, mine, theirs_parts.get(keys.INDICATORS, []),
                             base_parts.get(keys.INDICATORS, []), review))
    placeable = _placeable(returned, mine, review)
    return BaseComparison(tuple(found), False, placeable)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(_show(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_show(v) for v in value.values() if v is not None)
    return str(value)


def _indicators(finding: Any, returned: m.Section, mine: m.Section,
                theirs_parts: list[dict[str, Any]], base_parts: list[dict[str, Any]],
                review: int) -> list[Finding]:
    found: list[Finding] = []
    base_index = {indicator_key(i.name): n for n, i in enumerate(mine.indicators)}
    their_index = {indicator_key(i.name): n for n, i in enumerate(returned.indicators)}
    for index, ind in enumerate(returned.indicators):
        at = base_index.get(indicator_key(ind.name))
        if at is None:
            missing = [i.name for i in mine.indicators if indicator_key(i.name) not in their_index]
            found.append(finding(keys.join(keys.INDICATORS, index, "name"), "indicator-unknown",
                                 ind.name, "、".join(missing) or "（なし）"))
            continue
        if at != index:
            found.append(finding(keys.join(keys.INDICATORS, index, "name"), "indicator-moved",
                                 ind.name, str(at + 1), position=str(index + 1)))
        for path, old, new in changes(base_parts[at], theirs_parts[index], ""):
            field = path.lstrip(".")
            label = codes.path_label(keys.split(field))
            found.append(finding(keys.join(keys.INDICATORS, index, field), "indicator-field",
                                 new, old,
                                 label=label, name=ind.name))
    for ind in mine.indicators:
        if indicator_key(ind.name) not in their_index:
            found.append(finding(keys.INDICATORS, "indicator-missing", ind.name))
    return found


def _placeable(returned: m.Section, mine: m.Section, review: int) -> bool:
    """Every reported figure has a same-name indicator in the base."""
    names = {indicator_key(i.name) for i in mine.indicators}
    for ind in returned.indicators:
        result = ind.results[review] if review < len(ind.results) else None
        if result is not None and result.actual is not None and \
                indicator_key(ind.name) not in names:
            return False
    return True
