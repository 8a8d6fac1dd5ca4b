"""The documents of many files as the tables validation checks: header fields,
取り組み rows, 課題 rows, indicators by period, figures, 基本方針 and 市民ニーズ.

Each row carries its file (index into the subjects) and the key of the value
it is about, so that every failed check can be mapped back to a cell or line.
A row is a tuple in the order of its table's COLUMNS, and its key a Key: made
into text only for the rows a check failed (most rows pass).  A row holds only
plain values (texts, numbers, Decimals, tuples, the model's values, functions
of sheetkit.keys): rows are sent between processes (validate's --jobs N)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sheetkit import keys
from sheetkit import model as m
from sheetkit.identity import TEMPLATE
from sheetkit.layout import Layout, load_layout
from sheetkit.problems import SheetkitError
from sheetkit.rates import achievement, rounded
from sheetkit.ratings import printed_rate
from sheetkit.subjects import Subject
from sheetkit.values import normalize_code, split_policy, squash

# a row's field key, made when a finding needs it (made_key): a function of
# sheetkit.keys and its arguments, a small tuple (cheaper to make and to send than a
# functools.partial; most are never made)
Key = tuple[Any, ...]
Row = tuple[Any, ...]             # every table's first column is the file
Rows = dict[str, list[Row]]
TABLES = ("headers", "initiatives", "challenges", "indicators", "values", "policies", "needs",
          "evaluations")
_ENTRY = ("file", "section", "key", "policy", "policy_code", "allowed", "policy_title",
          "expected_title", "expected_title_text")
# each table's columns, in the order of its rows; an indicator's rows (one a period) share
# its ``indicator``, a number unique in the chunk
COLUMNS: dict[str, tuple[str, ...]] = {
    "headers": ("file", "section", "key", "field", "value", "is_date"),
    "initiatives": (*_ENTRY, "initiative", "outcome"),
    "challenges": (*_ENTRY, "challenge", "direction"),
    "indicators": ("file", "section", "key", "indicator", "name", "unit", "direction",
                   "baseline", "plan_target", "analysis", "siblings", "template", "period_key",
                   "period", "is_review", "first_row", "absent", "target", "actual", "rate",
                   "rate_live", "rate_typed", "computed_shown", "rate_shown", "achieved"),
    "values": ("file", "section", "key", "raw", "kind", "unit", "number", "whole", "is_text",
               "allowed"),
    "policies": ("file", "section", "key", "code", "title", "printed", "used"),
    "needs": ("file", "section", "key", "rate", "rank", "whole_rank"),
    "evaluations": ("file", "section", "key", "name", "rating", "rate", "expected"),
}
# the tables of rows whose two texts go together: (the first, the one it needs)
PAIRED_TEXTS = {"initiatives": ("initiative", "outcome"), "challenges": ("challenge", "direction")}


def made_key(key: Key) -> str:
    """A row's Key as the field key it stands for."""
    return str(key[0](*key[1:]))


def row_of(table: str, row: Row) -> dict[str, Any]:
    """A row by column name, its key made (an indicator's period_key is left a
    Key: made_key, where a finding points at the period)."""
    named = dict(zip(COLUMNS[table], row))
    named["key"] = made_key(named["key"])
    return named


def _entries(rows: Rows, file: int, scope: keys.Scope, items: tuple[Any, ...],
             titles: dict[str, str] | None, kind: str) -> set[str | None]:
    """取り組み or 課題 rows (with their 基本方針 written, as code and title, and
    the section's list); the codes they name."""
    table = "initiatives" if kind == "initiatives" else "challenges"
    name = "highlights" if scope == keys.CHAPTER_SCOPE and kind == "initiatives" else kind
    allowed = None if titles is None else tuple(titles)
    out, used = rows[table], set()
    for index, item in enumerate(items):
        text = item.policy
        code, title = _split_policy(text) if text else (None, "")
        used.add(code)
        expected = titles.get(code) if titles is not None and code else None
        first, second = (item.initiative, item.outcome) if table == "initiatives" \
            else (item.challenge, item.direction)
        out.append((file, scope.section, (keys.Scope.row, scope, name, index), text, code,
                    allowed, squash(title) if title else None, squash(expected) if expected else None,
                    expected, first, second))
    return used


def _headers(rows: Rows, file: int, scope: keys.Scope, entry_date: m.DateValue,
             author: str | None, shown: Callable[[str], bool]) -> None:
    """記入日 and 記入者, each where the layout's sheet has a cell for it (or for data)."""
    owner = "chapter." if scope.section is None else "section."
    for name, value in (("entry_date", entry_date), ("author", author)):
        if shown(owner + name):
            rows["headers"].append((file, scope.section, (keys.Scope.key, scope, name), name,
                                    value, isinstance(value, dt.date)))


def _value(rows: Rows, file: int, section: int | None, raw: Any, kind: str, unit: str,
           key: Callable[..., str], *parts: Any) -> None:
    """A figure, rate or rank (at ``key(*parts)``); ``number`` is its Decimal (a
    rate's fraction), ``whole`` the whole number a rank holds.  ``unit``: stripped."""
    if raw is None:
        return
    number: Decimal | None
    if type(raw) is Decimal:                 # most values: a figure
        number, whole, text = raw, None, False
    else:
        number = raw.value if isinstance(raw, m.Rate) else raw if isinstance(raw, Decimal) \
            else None
        whole = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        text = isinstance(raw, str)
    rows["values"].append((file, section, (key, *parts), raw, kind, unit, number, whole,
                           text, None))


def _rates(direction: str, result: m.PeriodResult, live: bool) -> tuple[Any, Any, Any]:
    """A period's 達成率 as computed from its figures and as written, both
    rounded to the places written, and the level reached (computed, or else
    written).  A ``live`` rate (a workbook's formula, not typed over) is the
    figures' own: the two are compared only for a rate written by hand
    (checks.rate_consistent), so they are not worked out (None)."""
    computed = achievement(direction, result.target, result.actual)
    rate = result.rate
    if not isinstance(rate, m.Rate):
        return None, None, computed
    return (None if computed is None or live else rounded(computed, rate.places),
            None if live else rounded(rate.value, rate.places),
            computed if computed is not None else rate.value)


_NO_RESULT = m.PeriodResult()
_NO_PERIODS: tuple[tuple[None, None]] = ((None, None),)
# a 基本方針 as written in a 取り組み row: the same few texts come back in every row
# of a section (a dropdown's choices); and its code, in the section's list
_split_policy = lru_cache(maxsize=4096)(split_policy)
_normalize_code = lru_cache(maxsize=4096)(normalize_code)


def _indicators(rows: Rows, file: int, subject: Subject, plan: m.Plan,
                section: m.Section) -> None:
    names = tuple(i.name for i in section.indicators)
    template = subject.kind == TEMPLATE
    live = subject.kind != "data"   # in a workbook a 達成率 formula is live unless typed over
    review = subject.review_of(plan)
    typed = subject.typed_rates
    number, analysis = section.number, section.unmet_analysis
    out = rows["indicators"]
    for index, ind in enumerate(section.indicators):
        key = (keys.indicator, number, index)
        identity = len(out)              # the indicator's rows share their first row's number
        unit = (ind.unit or "").strip()
        name, direction, baseline, plan_target = ind.name, ind.direction, ind.baseline, \
            ind.plan_target
        _value(rows, file, number, baseline, "figure", unit, keys.indicator, number, index,
               "baseline")
        _value(rows, file, number, plan_target, "figure", unit, keys.indicator, number, index,
               "target_plan")
        periods = tuple(zip(plan.periods, ind.results)) or _NO_PERIODS
        for count, (period, result) in enumerate(periods):
            pkey = (keys.period, number, index, period.key) if period else key
            res = result or _NO_RESULT
            rate_typed = bool(typed) and keys.join(made_key(pkey), keys.RATE) in typed
            rate_live = live and not rate_typed
            out.append((file, number, key, identity, name, ind.unit, direction,
                        baseline, plan_target, analysis, names, template,
                        pkey, period.label if period else None,
                        period is not None and count == review, count == 0, result is None,
                        res.target, res.actual, res.rate, rate_live, rate_typed,
                        *_rates(direction, res, rate_live)))
            if result is not None and period is not None:
                _value(rows, file, number, res.target, "figure", unit, keys.period, number, index,
                       period.key, "target")
                _value(rows, file, number, res.actual, "figure", unit, keys.period, number, index,
                       period.key, "actual")
                _value(rows, file, number, res.rate, "rate", "", keys.period, number, index,
                       period.key, keys.RATE)


def _layout_of(subject: Subject) -> Layout | None:
    """The layout a workbook was read with (the office's --layout FILE too), else the
    bundled one it names (None for data, or a layout not at hand)."""
    if subject.identity is None:
        return None
    if subject.layout is not None:
        return subject.layout
    try:
        return load_layout(subject.identity.layout)
    except SheetkitError:
        return None


def _chapter_signed(chapter: m.Chapter, layout: Layout | None) -> bool:
    """Whether the chapter has a sheet of its own, with a 記入日 and 記入者 to check:
    as the layout says, or for data, when it holds more than its number and title
    (a 施策評価シート's chapter is only the 政策 its sections belong to)."""
    if layout is not None:
        return layout.chapter is not None
    return any((chapter.goal, chapter.sector_plans, chapter.challenges_and_direction,
                chapter.main_policies, chapter.entry_date, chapter.author,
                chapter.highlights, chapter.carried_over))


def _layout_choices(layout: Layout | None) -> dict[str, tuple[str, ...]]:
    """The dropdown lists of a layout's section sheet, by field (``section.evaluation``,
    and a table's column as ``section.projects.outlook``)."""
    found: dict[str, tuple[str, ...]] = {}
    if layout is None:
        return found
    for block in layout.section.blocks:
        for row in block.rows:
            for spec in row:
                if spec.kind == "choice" and spec.field:
                    found[spec.field] = spec.choices
        for spec in block.columns:
            if spec.kind == "choice" and block.table:
                found[keys.join(block.table, spec.field or "")] = spec.choices
    return found


def _optional_parts(rows: Rows, file: int, sec: m.Section, layout: Layout | None,
                    choices: dict[str, tuple[str, ...]]) -> None:
    """事業費, the choices from a layout's lists, SDGs goal numbers and typed 評価."""
    for index, project in enumerate(sec.projects):
        _value(rows, file, sec.number, project.cost, "figure", "", keys.section_field,
               sec.number, "projects", index, "cost")
        _choice(rows, file, sec.number, (keys.section_field, sec.number, "projects", index,
                                         "outlook"),
                project.outlook, choices.get("section.projects.outlook"))
    _choice(rows, file, sec.number, (keys.section_field, sec.number, "evaluation"),
            sec.evaluation, choices.get("section.evaluation"))
    if "section.evaluation" in choices:          # the layout asks for 施策の評価 and its reason
        for name, value in (("evaluation", sec.evaluation),
                            ("evaluation_reason", sec.evaluation_reason)):
            rows["headers"].append((file, sec.number, (keys.section_field, sec.number, name),
                                    name, value, False))
    for goal in sec.sdgs:
        rows["values"].append((file, sec.number, (keys.section_field, sec.number, "sdgs"),
                               goal, "sdg", "",
                               None, goal if isinstance(goal, int) else None,
                               isinstance(goal, str), None))
    scheme = layout.rating if layout is not None else None
    for index, ind in enumerate(sec.indicators):
        if ind.rating is None or scheme is None:
            continue
        rate = printed_rate(ind, len(ind.results) - 1)
        rows["evaluations"].append((file, sec.number,
                                    (keys.indicator, sec.number, index, keys.RATING),
                                    ind.name, ind.rating.strip(),
                                    None if rate is None else rate,
                                    None if rate is None else scheme.rate(rate)))


def _choice(rows: Rows, file: int, section: int, key: Key, value: str | None,
            allowed: tuple[str, ...] | None) -> None:
    if value is not None and allowed is not None:
        rows["values"].append((file, section, key, value, "choice", "", None, None, True,
                               allowed))


def build_rows(subjects: list[Subject]) -> Rows:
    """The rows of every table over all readable subjects."""
    rows: Rows = {name: [] for name in TABLES}
    shows: dict[tuple[int, str], bool] = {}         # a layout's answers, asked once a chunk
    choices: dict[int, dict[str, tuple[str, ...]]] = {}
    for file, subject in enumerate(subjects):
        doc = subject.document
        if doc is None:
            continue
        layout = _layout_of(subject)

        def shown(field: str, layout: Layout | None = layout) -> bool:
            if layout is None:
                return True
            if (id(layout), field) not in shows:
                shows[id(layout), field] = layout.shows(field)
            return shows[id(layout), field]

        if id(layout) not in choices:
            choices[id(layout)] = _layout_choices(layout)
        if subject.kind != TEMPLATE and _chapter_signed(doc.chapter, layout):
            ch = doc.chapter
            _headers(rows, file, keys.CHAPTER_SCOPE, ch.entry_date, ch.author, shown)
            _entries(rows, file, keys.CHAPTER_SCOPE, ch.highlights, None, "initiatives")
            _entries(rows, file, keys.CHAPTER_SCOPE, ch.carried_over, None, "carried_over")
        for sec in doc.sections:
            number = sec.number
            scope = keys.section(number)
            titles = {_normalize_code(b.code): b.title for b in sec.basic_policies}
            _headers(rows, file, scope, sec.entry_date, sec.author, shown)
            used = _entries(rows, file, scope, sec.initiatives, titles, "initiatives")
            _entries(rows, file, scope, sec.carried_over, titles, "carried_over")
            for index, bp in enumerate(sec.basic_policies):
                rows["policies"].append((file, number, (keys.basic_policy, number, index),
                                         _normalize_code(bp.code), bp.title, bp.code, used))
            needs = sec.citizen_needs
            _value(rows, file, number, needs.request_rate, "rate", "", keys.citizen_needs, number,
                   "request_rate")
            _value(rows, file, number, needs.rank_overall, "rank", "", keys.citizen_needs, number,
                   "rank_overall")
            _value(rows, file, number, needs.rank_in_chapter, "rank", "", keys.citizen_needs,
                   number, "rank_in_chapter")
            in_chapter = (keys.citizen_needs, number, "rank_in_chapter")
            rate = needs.request_rate.value if isinstance(needs.request_rate, m.Rate) else None
            rank = needs.rank_in_chapter
            rows["needs"].append((file, number, in_chapter,
                                  None if rate is None else float(rate), rank,
                                  rank if isinstance(rank, int) else None))
            _indicators(rows, file, subject, doc.plan, sec)
            _optional_parts(rows, file, sec, layout, choices[id(layout)])
    return rows
