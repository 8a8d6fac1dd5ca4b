"""What a workbook is: the hidden identity sheet, the fixed parts of a
template and their fingerprint."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sheetkit import keys
from sheetkit import model as m
from sheetkit.guard import default_limits
from sheetkit.layout import IndicatorLayout, Inputs
from sheetkit.memo import Memo
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
    open_needs: bool = False     # a when-empty field (市民ニーズ) was left for the department
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
        identity = object.__new__(cls)      # as __init__ makes it (see copied), for every file
        identity.__dict__.update(
            kind=rows["kind"], layout=rows["layout"], version=int(rows["layout_version"]),
            plan=_PLAN_WIDE[rows["plan"]], chapter=chapter,
            section=section, review_period=optional_int("review_period"),
            fingerprint=rows.get("fingerprint") or None,
            open_needs=rows.get("open_needs") == "yes",
            fixed=json.loads(rows["fixed"]) if rows.get("fixed") else None,
            precheck=_PLAN_WIDE[rows["precheck"]] if rows.get("precheck") else None,
            chapters=chapters,
            layout_sha256=rows.get("layout_sha256", ""))
        return identity


# The JSON of an identity row that is the same in every workbook made from one
# plan and layout (``plan``, ``precheck``) -> its value, parsed once a run: the
# template's content, not a department's (``fixed``, the section's own, is
# parsed for every file).  The values are shared by the identities read from
# those workbooks: read them, never change them.  A run reads one plan's
# workbooks: a few kept.
_PLAN_WIDE: Memo[str, Any] = Memo(json.loads, 16)


def review_index(plan: m.Plan, indicators: IndicatorLayout | None) -> int:
    """The period whose actuals a department reports: the one the layout's
    indicator table declares (``review:``), by default the plan's last."""
    if indicators is None:                 # indicators on the section sheets: the last
        return len(plan.periods) - 1
    return indicators.review_index(len(plan.periods))


def value_at(item: Any, path: str) -> Any:
    """The value at a path inside a model object (``citizen_needs.request_rate``)."""
    for name in keys.split(path):
        item = getattr(item, name)
    return item


def with_value(item: Any, path: str, value: Any) -> Any:
    """A copy of a model object with ``value`` at a path inside it."""
    name, *rest = keys.split(path)
    return replace(item, **{name: with_value(getattr(item, name), keys.join(*rest), value)
                            if rest else value})


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == ()


def _emptied(item: Any, path: str) -> Any:
    return with_value(item, path, () if isinstance(value_at(item, path), tuple) else None)


def blank_section(section: m.Section, review: int, inputs: Inputs) -> m.Section:
    """The section as a department receives it: everything its layout marks
    as theirs (``inputs``) emptied — when-empty
    fields keep what the plan has — and the reviewed period's 実績値 with
    what is computed from it (達成率, 評価)."""
    section = _without(section, (*inputs.always, *inputs.tables))
    indicators = tuple(copied(ind, rating=None, results=tuple(
        None if r is None else (copied(r, actual=None, rate=None) if i == review else r)
        for i, r in enumerate(ind.results)))
        for ind in section.indicators)
    return copied(section, indicators=indicators)


def _without(section: m.Section, paths: tuple[str, ...]) -> m.Section:
    """The section with the values at ``paths`` emptied (None, or () for a list)."""
    fields: dict[str, Any] = {}         # the section's own fields, emptied in one copy
    for path in paths:
        name, *inside = keys.split(path)
        if inside or name in fields:
            section = _emptied(replace(section, **fields), path)
            fields = {}
        else:
            fields[name] = () if isinstance(getattr(section, name), tuple) else None
    return copied(section, **fields)


T = TypeVar("T")


def copied(item: T, **changes: Any) -> T:
    """``dataclasses.replace`` for frozen dataclasses that set every field in
    ``__init__`` and check nothing after it (the model's, subjects.Subject,
    problems.Location): the copy is made without running ``__init__`` again
    (a validated template's blank section, a file's subject, the places of a
    section sheet's cells, are made for every file)."""
    copy = object.__new__(type(item))
    copy.__dict__.update(item.__dict__, **changes)
    return copy


def open_fields(section: m.Section, inputs: Inputs) -> tuple[str, ...]:
    """The when-empty fields the plan leaves empty: the department's to fill."""
    return tuple(p for p in inputs.when_empty if is_empty(value_at(section, p)))


def fixed_parts(plan: m.Plan, chapter: m.Chapter, section: m.Section, review: int,
                open_: bool | tuple[str, ...], inputs: Inputs,
                recorded: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything in a template that a department must not change: the parts
    of the section its layout shows, but what the layout marks as theirs
    (``inputs``), the when-empty fields the
    template left open (``open_``; True: all of them) and the 達成率.

    ``recorded``: the fixed parts a template recorded; the parts compared are
    then the ones it recorded (a template made before, and so fingerprinted
    by, another rule of what is fixed still validates as it did)."""
    theirs = (*inputs.always, *inputs.tables)
    # the section as blank_section makes it, its indicators emptied in the data
    # (fewer copies: this runs for every return validate reads)
    data = section_data(_without(section, theirs), plan, rates=False)
    for ind in data[keys.INDICATORS]:
        ind.pop("not_rated", None)      # the office's call in the 総括表, not on the template
        ind.pop("rating", None)         # the department's 評価
        results = ind.get(m.PERIODS) or [ind.get(period.key) for period in plan.periods]
        if 0 <= review < len(results) and results[review]:
            results[review]["actual"] = None    # and its 実績値 of the reviewed period
    for path in theirs:
        _drop(data, keys.split(path))
    like = recorded.get("section") if isinstance(recorded, dict) else None
    if isinstance(like, dict):        # as recorded: the when-empty fields left open are not in it
        data = _shaped(data, like)
    else:
        for path in inputs.when_empty if open_ is True else \
                [p for p in inputs.when_empty if p in (open_ or ())]:
            _drop(data, keys.split(path))
        data = {key: value for key, value in data.items() if key in inputs.shown}
    return {"plan": plan_data(plan), "chapter": {"number": chapter.number, "title": chapter.title},
            "section": data}


def _drop(data: dict[str, Any], names: tuple[str, ...]) -> None:
    """Remove a path from section data; a group left empty (or empty as a
    whole, written as null) goes with it."""
    head, rest = names[0], names[1:]
    inner = data.get(head)
    if rest and isinstance(inner, dict):
        _drop(inner, rest)
        if inner:
            return
    data.pop(head, None)


def _shaped(data: dict[str, Any], like: dict[str, Any]) -> dict[str, Any]:
    """``data`` with only the keys ``like`` has, group by group."""
    return {key: _shaped(value, like[key])
            if isinstance(value, dict) and isinstance(like[key], dict) else value
            for key, value in data.items() if key in like}


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
