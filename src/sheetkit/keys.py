"""Field keys: the one module that knows how the place of a value is named.

A key names one value of a document the way the data file nests it, with
sections by number and rows by index from 0:

    chapter.entry_date                          a chapter field
    chapter.highlights.0.outcome                a row of a chapter table
    sections.1.goal                             a section field
    sections.1.chapter.title                    a chapter field printed on a section sheet
    sections.1.basic_policies.0.policy          a 基本方針 row
    sections.1.citizen_needs.rank_overall       市民ニーズ
    sections.1.initiatives.2.policy             a row of a section table
    sections.1.indicators.0.name                an indicator field
    sections.1.indicators.0.second_half.actual  an indicator's figure in one period
    sections.1.unmet_analysis                   未達成指標の理由・分析

Keys are what a reader records for each cell it reads (``Extraction.sources``),
what the data loader records for each line, what a finding's ``field`` says,
and what ``Subject.where`` looks up.  Build them only with the functions here,
and take them apart only with :func:`parse`: no other module writes a key's
words or dots itself (tests/test_keys.py checks).  A new level (a chapter
number in front of ``sections``, say) is added here, in :class:`Scope`,
:func:`parse` and :class:`FieldKey`, and every caller follows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat

SEP = "."
CHAPTER = "chapter"
CHAPTERS = "chapters"           # a plan file's list of chapters, by number
SECTIONS = "sections"
INDICATORS = "indicators"
BASIC_POLICIES = "basic_policies"
CITIZEN_NEEDS = "citizen_needs"
UNMET_ANALYSIS = "unmet_analysis"
TITLE = "title"
RATE = "rate"
RATING = "rating"

# the layout's field paths: 'section.goal' is a field of the sheet's section,
# 'chapter.title' a field of the chapter (see templates/*.yaml)
LAYOUT_SECTION = "section"
LAYOUT_CHAPTER = CHAPTER

Part = str | int


@lru_cache(maxsize=65536, typed=True)
def join(*parts: Part) -> str:
    """Parts (words, numbers, or keys themselves) joined into one key; empty
    parts are left out.  The only place a key's separator is written.  Cached:
    every file of a layout names the same keys."""
    return SEP.join(str(p) for p in parts if p != "")


def under(root: str, rest: str) -> str:
    """``rest`` (a key or part of one, made with :func:`join`) inside ``root``:
    ``join(root, rest)`` for a reader that made ``rest`` once for every file."""
    return root + SEP + rest if rest and root else root or rest


def rooted(key: str) -> tuple[str, str]:
    """``key`` as its section's root and the rest, the inverse of :func:`under`:
    'sections.1.goal' -> ('sections.1', 'goal'); a key in no section
    ('chapter.title', 'sections.1' itself) -> ('', key)."""
    if key.startswith(SECTIONS + SEP):
        number, sep, rest = key[len(SECTIONS) + 1:].partition(SEP)
        if sep and rest and number.isdigit():
            return key[:len(key) - len(rest) - 1], rest
    return "", key


def within(key: str, path: str) -> bool:
    """Whether ``key`` names a value inside ``path`` (a group), not ``path`` itself:
    'sections.1.citizen_needs.rank' is within 'sections.1.citizen_needs'."""
    return key.startswith(path) and key[len(path):len(path) + 1] == SEP


def any_within(found: Iterable[str], path: str) -> bool:
    """Whether any of the keys ``found`` is :func:`within` ``path``."""
    return any(map(str.startswith, found, repeat(path + SEP)))


def split(key: str) -> tuple[str, ...]:
    """A key's parts: 'sections.1.goal' -> ('sections', '1', 'goal')."""
    return tuple(key.split(SEP)) if key else ()


def parent(key: str) -> str:
    """The key of the value that holds ``key`` ('' at the top)."""
    return key.rpartition(SEP)[0]


def item(path: str, index: int) -> str:
    """An item of a list in a data file's own notation, for problems found
    while loading it: 'sections[0]' (by position: numbers are not known yet)."""
    return f"{path}[{index}]"


def numbered(path: str) -> bool:
    """Whether the items of the list at ``path`` are keyed by their number, not
    their position: a plan file's chapters and every chapter's sections."""
    parts = split(path)
    return parts in ((SECTIONS,), (CHAPTERS,)) or (
        len(parts) == 3 and parts[0] == CHAPTERS and parts[2] == SECTIONS)


def in_chapter(key: str, number: int) -> str | None:
    """A plan file's key inside chapter ``number`` as the key of a one-chapter
    file: 'chapters.2' -> 'chapter', 'chapters.2.title' -> 'chapter.title',
    'chapters.2.sections.1.goal' -> 'sections.1.goal'; None for another place."""
    parts = split(key)
    if parts[:2] != (CHAPTERS, str(number)):
        return None
    rest = parts[2:]
    if rest[:1] == (SECTIONS,):
        return join(*rest)
    return join(CHAPTER, *rest)


def of_chapter(key: str, number: int) -> str:
    """A one-chapter key as a plan file spells it in chapter ``number`` (the
    inverse of in_chapter): 'sections.1.goal' -> 'chapters.2.sections.1.goal',
    'chapter.title' -> 'chapters.2.title'; a plan-wide key ('plan.name') is kept."""
    parts = split(key)
    if parts[:1] == (SECTIONS,):
        return join(CHAPTERS, number, *parts)
    if parts[:1] == (CHAPTER,):
        return join(CHAPTERS, number, *parts[1:])
    return key


@dataclass(frozen=True)
class Scope:
    """Where a sheet's fields live: the chapter (``section`` None) or one section."""

    section: int | None = None
    root: str = field(init=False, repr=False, compare=False)    # 'chapter' or 'sections.1'

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", CHAPTER if self.section is None
                           else join(SECTIONS, self.section))

    def key(self, *parts: Part) -> str:
        """A key inside this scope: ``Scope(1).key('goal')`` -> 'sections.1.goal'."""
        return join(self.root, *parts)

    def row(self, table: str, index: int, column: str = "") -> str:
        """A table row or one of its cells: 'sections.1.initiatives.0.outcome'."""
        return self.key(table, index, column)


CHAPTER_SCOPE = Scope()


@lru_cache(maxsize=4096, typed=True)
def section(number: int) -> Scope:
    """The scope of section ``number`` (shared: a Scope is immutable)."""
    return Scope(number)


def chapter_field(name: str) -> str:
    """'chapter.entry_date'."""
    return CHAPTER_SCOPE.key(name)


def section_field(number: int, *path: Part) -> str:
    """'sections.1.goal'; with no path, the section itself ('sections.1')."""
    return section(number).key(*path)


def indicator(number: int, index: int, *path: Part) -> str:
    """'sections.1.indicators.0' and its fields: 'sections.1.indicators.0.name'."""
    return section(number).key(INDICATORS, index, *path)


def period(number: int, index: int, period_key: str, field: str = "") -> str:
    """An indicator's figure in one period: 'sections.1.indicators.0.second_half.actual'."""
    return indicator(number, index, period_key, field)


def basic_policy(number: int, index: int) -> str:
    """'sections.1.basic_policies.0.policy'."""
    return section(number).row(BASIC_POLICIES, index, "policy")


def citizen_needs(number: int, field: str = "") -> str:
    """'sections.1.citizen_needs.request_rate'."""
    return section(number).key(CITIZEN_NEEDS, field)


def unmet_analysis(number: int) -> str:
    """'sections.1.unmet_analysis'."""
    return section(number).key(UNMET_ANALYSIS)


def from_layout(field_path: str, scope: Scope) -> str:
    """A layout field on the sheet of ``scope``: 'section.goal' on the 第1節
    sheet -> 'sections.1.goal'; a chapter field repeated on a section sheet ->
    'sections.1.chapter.title'; on the chapter sheet 'chapter.title'."""
    head, _, rest = field_path.partition(SEP)
    if head == LAYOUT_SECTION:
        return scope.key(rest)
    return scope.key(field_path) if scope.section is not None else field_path


def from_fixed_part(path: str, number: int) -> str:
    """The key of the cell holding a template's fixed part (a path into
    ``identity.fixed_parts``): 'section.indicators.0.first_half.target' ->
    'sections.1.indicators.0.first_half.target', 'chapter.title' ->
    'sections.1.chapter.title'.  A 基本方針 is one cell, 関係所属 one cell,
    and a plan-wide part points at the section's title."""
    parts = split(path)
    if not parts or parts[0] not in (CHAPTER, LAYOUT_SECTION):
        return section_field(number, TITLE)
    if parts[0] == CHAPTER:
        return section_field(number, *parts)
    rest = parts[1:]
    if rest[:1] == ("departments",):
        rest = rest[:1]
    elif rest[:1] == (BASIC_POLICIES,) and len(rest) > 1 and rest[1].isdigit():
        return basic_policy(number, int(rest[1]))
    return section_field(number, *rest)


@dataclass(frozen=True)
class FieldKey:
    """A key taken apart: its section (None for the chapter or outside any
    section) and the path below it."""

    root: str                     # 'chapter', 'sections', or a data file's other top key
    section: int | None
    path: tuple[str, ...]         # ('indicators', '0', 'second_half', 'actual')

    @property
    def text(self) -> str:
        if self.section is not None:
            return section_field(self.section, *self.path)
        return join(self.root, *self.path)

    @property
    def field(self) -> str:
        """The last word: 'actual', 'goal', 'rate' …"""
        return self.path[-1] if self.path else self.root

    @property
    def table(self) -> str | None:
        """The table a row key is in ('initiatives', 'highlights', 'indicators' …)."""
        if len(self.path) > 1 and self.path[1].isdigit():
            return self.path[0]
        return None

    @property
    def row(self) -> int | None:
        return int(self.path[1]) if self.table is not None else None

    @property
    def period(self) -> str | None:
        """The period of an indicator figure: the words between the indicator
        and the field ('second_half', or 'periods.0' in the list form)."""
        if self.table == INDICATORS and len(self.path) >= 4:
            return join(*self.path[2:-1])
        return None

    @property
    def is_rate(self) -> bool:
        """An indicator's 達成率 in one period."""
        return self.period is not None and self.field == RATE

    @property
    def is_computed(self) -> bool:
        """A value the sheet may compute with a formula: an indicator's 達成率
        in a period, or its 評価 ('sections.1.indicators.0.rating')."""
        return self.is_rate or (self.table == INDICATORS and self.path[2:] == (RATING,))


@lru_cache(maxsize=65536)
def parse(key: str) -> FieldKey:
    """A key taken apart; any key a reader or loader recorded parses (cached:
    a FieldKey is immutable)."""
    parts = split(key)
    if len(parts) >= 2 and parts[0] == SECTIONS and parts[1].isdigit():
        return FieldKey(SECTIONS, int(parts[1]), parts[2:])
    return FieldKey(parts[0] if parts else "", None, parts[1:])
