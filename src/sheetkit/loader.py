"""Load a 総括表 document from YAML or JSON, with line numbers in every problem."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sheetkit import keys
from sheetkit import model as m
from sheetkit.guard import default_limits
from sheetkit.intake import Refused, read_limited
from sheetkit.layout import DEFAULT_LAYOUT, Layout, available_layouts, load_layout
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.values import parse_number, parse_rate
from sheetkit.wareki import DateError, parse_date, plausible

if TYPE_CHECKING:
    import yaml

LAYOUT = "layout"     # a data file may name the bundled layout its sheets are in
PERIOD_KEYS = ("first_half", "second_half")   # the two-period form: still loads, as two periods
PERIODS = m.PERIODS                          # the list form: any number of periods


class _Map(dict[str, Any]):
    """A mapping that remembers the line of each key."""

    line: int = 0
    lines: dict[str, int]


class _Seq(list[Any]):
    """A list that remembers the line of each item."""

    line: int = 0
    lines: list[int]


MAX_DEPTH = 64         # a document nests about 6 levels; far deeper is not one


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Alias(Exception):
    """A node met twice: an alias (*name), which the format never needs."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _build(node: yaml.Node, loader: Any, seen: set[int],
           duplicates: list[tuple[str, int]], depth: int = 0) -> Any:
    """Plain data from a composed node, remembering lines; aliases refused
    (nested aliases can make a small file expand beyond any memory), and so
    is nesting deeper than MAX_DEPTH."""
    if id(node) in seen:
        raise _Alias(node.start_mark.line + 1)
    if depth > MAX_DEPTH:
        raise _TooDeep(node.start_mark.line + 1)
    seen.add(id(node))
    depth += 1
    kind = getattr(node, "id", None)            # told apart without importing yaml here
    if kind == "mapping":                       # a yaml.MappingNode
        result = _Map()
        result.line, result.lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            try:
                key = str(_build(key_node, loader, seen, duplicates, depth))
                value = _build(value_node, loader, seen, duplicates, depth)
            except _Alias:
                raise _Alias(key_node.start_mark.line + 1) from None
            if key in result:
                duplicates.append((key, key_node.start_mark.line + 1))
            result[key] = value
            result.lines[key] = key_node.start_mark.line + 1
        return result
    if kind == "sequence":                      # a yaml.SequenceNode
        items = _Seq()
        items.line, items.lines = node.start_mark.line + 1, []
        for child in node.value:
            try:
                items.append(_build(child, loader, seen, duplicates, depth))
            except _Alias:
                raise _Alias(node.start_mark.line + 1) from None
            items.lines.append(child.start_mark.line + 1)
        return items
    return loader.construct_object(node)


def parse_text(text: str, source: str, json_syntax: bool = False) -> Any:
    """YAML (or JSON) text to plain data that remembers its lines."""
    # imported here: a run that reads no data file needs no PyYAML (sheetkit.parsed)
    import yaml

    if json_syntax:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise SheetkitError([Problem("json-syntax", Location(source, exc.lineno),
                                         {"detail": exc.msg})]) from None
        except RecursionError:
            pass                  # nested too deep: the pass below says where
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)   # libyaml when available
    duplicates: list[tuple[str, int]] = []
    try:
        node = loader.get_single_node()
        data = None if node is None else _build(node, loader, set(), duplicates)
    except _TooDeep as deep:
        raise SheetkitError([Problem("too-deep", Location(source, deep.line),
                                     {"limit": str(MAX_DEPTH)})]) from None
    except _Alias as alias:
        raise SheetkitError([Problem("yaml-syntax", Location(source, alias.line),
                                     {"detail": "aliases (*name) are not allowed"})]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        if "nesting depth" in str(exc.problem):          # libyaml's own limit
            raise SheetkitError([Problem("too-deep", Location(source, line),
                                         {"limit": str(MAX_DEPTH)})]) from None
        raise SheetkitError([Problem("yaml-syntax", Location(source, line),
                                     {"detail": exc.problem or str(exc)})]) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise SheetkitError([Problem("yaml-syntax", Location(source),
                                     {"detail": type(exc).__name__})]) from None
    finally:
        loader.dispose()
    if duplicates:
        raise SheetkitError([Problem("duplicate-key", Location(source, line), {"key": key})
                             for key, line in duplicates])
    return data


def line_of(container: Any, key: str | int) -> int | None:
    """The line of ``key`` in a mapping or list from parse_text (else the
    container's own line)."""
    if isinstance(container, _Map):
        return container.lines.get(str(key), container.line)
    if isinstance(container, _Seq) and isinstance(key, int) and key < len(container.lines):
        return container.lines[key]
    return getattr(container, "line", None)


def load_document(path: str | Path) -> m.Document:
    """Read a YAML or JSON file into a Document; SheetkitError when it can't."""
    return load_document_with_lines(path)[0]


def load_document_with_lines(path: str | Path) -> tuple[m.Document, dict[str, int]]:
    """The Document, and the line of each value by path such as
    ``sections.1.indicators.0.second_half.actual`` (sections by number)."""
    path = Path(path)
    data = _read_data(path)
    doc = document_from_data(data, str(path))
    lines: dict[str, int] = {}
    _collect_lines(data, "", lines)
    return doc, lines


def _read_data(path: Path) -> Any:
    raw = read_data_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetkitError([Problem("not-utf8", Location(str(path)))]) from None
    return parse_text(text, str(path), json_syntax=path.suffix.lower() == ".json")


@dataclass(frozen=True)
class LoadedPlan:
    """A plan read from one or more files, and for each chapter the file it
    came from and the line of each value by its key on that chapter
    (``chapter.title``, ``sections.1.goal`` …, as in a one-chapter file)."""

    document: m.PlanDocument
    sources: tuple[tuple[str, dict[str, int]], ...]
    layout: str | None = None       # the layout the files name (``layout:``), if any
    layout_at: Location | None = None   # where the first file names it
    plan_files: frozenset[str] = frozenset()   # the files in plan form (chapters: …)

    def layout_for(self, given: str | None) -> Layout:
        """The layout to write this plan in: the office's --layout (a name or a
        file), else the bundled layout the data names, else the default."""
        if given is not None or self.layout is None:
            return load_layout(given)
        if self.layout not in available_layouts():
            raise SheetkitError([Problem("layout-not-found", self.layout_at or Location(), {
                "layout": self.layout, "available": "、".join(available_layouts()),
                "variant": "data"})])
        return load_layout(self.layout)


DATA_SUFFIXES = (".yaml", ".yml", ".json")


def data_files(paths: Sequence[str | Path]) -> list[Path]:
    """The data files named: a folder stands for the YAML/JSON files directly in
    it (in name order; hidden and lock files left out)."""
    found: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            inside = sorted(p for p in given.iterdir() if p.suffix.lower() in DATA_SUFFIXES
                            and not p.name.startswith((".", "~$")) and p.is_file())
            if not inside:
                raise SheetkitError([Problem("no-data-files", Location(str(given)),
                                             {"name": given.name})])
            found += inside
        else:
            found.append(given)
    return found


def load_plan(paths: str | Path | Sequence[str | Path]) -> m.PlanDocument:
    """A plan from a plan file, a chapter file, several of them or a folder."""
    return load_plan_with_lines(paths).document


def load_plan_with_lines(paths: str | Path | Sequence[str | Path]) -> LoadedPlan:
    """As load_plan, with where each value came from.  The files' ``plan``
    blocks must agree, and no chapter may be given twice; every file's
    problems are reported together."""
    files = data_files([paths] if isinstance(paths, (str, Path)) else paths)
    problems: list[Problem] = []
    parts: list[tuple[Path, Any, m.PlanDocument]] = []
    named: list[tuple[Path, int | None, str | None]] = []
    for path in files:
        try:
            data = _read_data(path)
            reader = _Reader(str(path))
            plan_doc = reader.plan_document(data)
        except SheetkitError as exc:
            problems += exc.problems
            continue
        problems += reader.problems
        if plan_doc is not None and not reader.problems:
            parts.append((path, data, plan_doc))
            named.append((path, line_of(data, LAYOUT) if LAYOUT in data else None,
                          reader.layout))
    problems += _disagreements(parts) + _layout_disagreements(named)
    if problems:
        raise SheetkitError(problems)
    chapters: list[tuple[m.Document, str, dict[str, int]]] = []
    plan_files = frozenset(str(path) for path, data, _ in parts
                           if isinstance(data, dict) and "chapters" in data)
    for path, data, plan_doc in parts:
        lines: dict[str, int] = {}
        _collect_lines(data, "", lines)
        plan_form = isinstance(data, dict) and "chapters" in data
        for doc in plan_doc.chapters:
            mine = _chapter_lines(lines, doc.chapter.number) if plan_form else lines
            chapters.append((doc, str(path), mine))
    chapters.sort(key=lambda c: c[0].chapter.number)
    plan = parts[0][2].plan
    return LoadedPlan(m.PlanDocument(plan, tuple(replace(d, plan=plan) for d, _, _ in chapters)),
                      tuple((p, lines) for _, p, lines in chapters),
                      named[0][2], Location(str(named[0][0]), named[0][1], field=LAYOUT),
                      plan_files)


def _layout_disagreements(named: list[tuple[Path, int | None, str | None]]) -> list[Problem]:
    """Files naming another layout than the first file (no ``layout:`` is the default)."""
    if not named:
        return []
    first_path, first_line, first = named[0]
    return [Problem("layout-disagrees", Location(str(path), line, field=LAYOUT), {
        "first": f"{first_path.name}:{first_line or 1}", "second": f"{path.name}:{line or 1}"})
        for path, line, layout in named[1:]
        if (layout or DEFAULT_LAYOUT) != (first or DEFAULT_LAYOUT)]


def _disagreements(parts: list[tuple[Path, Any, m.PlanDocument]]) -> list[Problem]:
    """Files whose ``plan`` blocks differ from the first file's, and chapters
    given in two files: each names both files and lines."""
    problems: list[Problem] = []
    if not parts:
        return problems
    first_path, first_data, first = parts[0]
    seen: dict[int, tuple[Path, int | None]] = {}
    for path, data, plan_doc in parts:
        if plan_doc.plan != first.plan:
            key = _differing(first_data.get("plan"), data.get("plan"))
            problems.append(Problem("plan-mismatch", Location(
                str(path), _line_of(data, key), field=key), {
                "first": f"{first_path.name}:{_line_of(first_data, key)}",
                "second": f"{path.name}:{_line_of(data, key)}", "key": key}))
        for doc in plan_doc.chapters:
            number = doc.chapter.number
            line = _chapter_line(data, number)
            if number in seen and seen[number][0] != path:
                problems.append(Problem("duplicate-chapter", Location(str(path), line), {
                    "number": str(number), "first": f"{seen[number][0].name}:{seen[number][1]}",
                    "second": f"{path.name}:{line}"}))
            seen.setdefault(number, (path, line))
    return problems


def _line_of(data: Any, key: str) -> int | None:
    """The line of ``plan`` or of a key of it such as ``plan.successor``."""
    head, _, rest = key.partition(".")
    if not isinstance(data, _Map):
        return None
    inner = data.get(head)
    if rest and isinstance(inner, _Map) and rest in inner.lines:
        return inner.lines[rest]
    return data.lines.get(head)


def _differing(first: Any, second: Any) -> str:
    """The first key of two ``plan`` blocks whose values differ (``plan`` if none)."""
    if isinstance(first, dict) and isinstance(second, dict):
        for key in [*first, *(k for k in second if k not in first)]:
            if first.get(key) != second.get(key):
                return f"plan.{key}"
    return "plan"


def _chapter_line(data: Any, number: int) -> int | None:
    """The line of chapter ``number`` in a plan file, or of ``chapter`` in a chapter file."""
    if not isinstance(data, _Map):
        return None
    items = data.get("chapters")
    if isinstance(items, _Seq):
        for item, line in zip(items, items.lines):
            if isinstance(item, dict) and item.get("number") == number:
                return line
    return data.lines.get("chapter")


def _chapter_lines(lines: dict[str, int], number: int) -> dict[str, int]:
    """A plan file's lines of one chapter, keyed as in a one-chapter file."""
    mine: dict[str, int] = {k: v for k, v in lines.items() if keys.parse(k).root == "plan"}
    for key, line in lines.items():
        inside = keys.in_chapter(key, number)
        if inside is not None:
            mine[inside] = line
    return mine


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xls", ".ods")
ZIP_MAGIC = b"PK\x03\x04"


def read_data_bytes(path: Path) -> bytes:
    """A YAML/JSON file's bytes, read through intake (a regular file of at most
    max_data_bytes); a workbook given where data is wanted is named as such."""
    limit = default_limits().max_data_bytes
    try:
        raw = read_limited(path, limit)
    except Refused as refused:
        code = {"missing": "file-not-found", "permission": "no-permission",
                "too-large": "data-too-large", "folder": "not-a-file",
                "not-regular": "not-a-file"}.get(refused.reason, "file-unreadable")
        raise SheetkitError([Problem(code, Location(str(path)),
                                     {"size": refused.detail, "limit": f"{limit:,}"})]) from None
    if path.suffix.lower() in WORKBOOK_SUFFIXES or raw.startswith(ZIP_MAGIC):
        raise SheetkitError([Problem("workbook-as-data", Location(str(path)),
                                     {"name": path.name, "stem": path.stem})])
    return raw


def _collect_lines(node: Any, prefix: str, lines: dict[str, int]) -> None:
    if isinstance(node, _Map):
        for key, value in node.items():
            path = keys.join(prefix, key)
            lines[path] = node.lines[key]
            _collect_lines(value, path, lines)
    elif isinstance(node, _Seq):
        for index, (item, line) in enumerate(zip(node, node.lines)):
            label = item.get("number", index) if keys.numbered(prefix) and \
                isinstance(item, dict) else index
            lines[keys.join(prefix, label)] = line
            _collect_lines(item, keys.join(prefix, label), lines)


def document_from_data(data: Any, source: str | None = None) -> m.Document:
    """Plain data (as in the input YAML) to a Document; SheetkitError listing
    every problem when the structure is wrong."""
    reader = _Reader(source)
    doc = reader.document(data)
    if reader.problems:
        raise SheetkitError(reader.problems)
    assert doc is not None
    return doc


def plan_from_data(data: Any, source: str | None = None) -> m.Plan:
    """The ``plan`` part of a document alone (as kept in a workbook's identity)."""
    reader = _Reader(source)
    plan = reader.plan(data, None)
    if reader.problems or plan is None:
        raise SheetkitError(reader.problems or [Problem("missing-key", Location(source),
                                                        {"key": "plan"})])
    return plan


class _Reader:
    """Walks the data, building the model and collecting problems."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self._plan_line: int | None = None
        self.layout: str | None = None

    def _layout(self, top: dict[str, Any]) -> None:
        """``layout:``: the name of the layout the sheets are in (a bundled one,
        or a city's own, which is then given with --layout)."""
        self.layout = self._text(top, LAYOUT, "")

    # -- reporting -------------------------------------------------------
    def _problem(self, code: str, line: int | None, path: str, **params: str) -> None:
        self.problems.append(Problem(code, Location(self.source, line, field=path or None),
                                     params))

    _line = staticmethod(line_of)

    def _mapping(self, value: Any, path: str, allowed: tuple[str, ...],
                 line: int | None) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self._problem("wrong-type", line, path, key=path, expected="mapping",
                          value=_show(value))
            return None
        for key in value:
            if key not in allowed:
                self._problem("unknown-key", self._line(value, key), keys.join(path, key),
                              key=key, allowed="、".join(allowed))
        return value

    def _get(self, mapping: dict[str, Any], key: str, path: str, required: bool) -> Any:
        if key not in mapping and required:
            self._problem("missing-key", getattr(mapping, "line", None), keys.join(path, key),
                          key=key)
        return mapping.get(key)

    # -- scalars ---------------------------------------------------------
    def _text(self, mapping: dict[str, Any], key: str, path: str,
              required: bool = False) -> str | None:
        value = self._get(mapping, key, path, required)
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            self._problem("wrong-type", self._line(mapping, key), keys.join(path, key), key=key,
                          expected="text", value=_show(value))
            return None
        return _as_text(value)

    def _int(self, mapping: dict[str, Any], key: str, path: str) -> int | None:
        value = self._get(mapping, key, path, True)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = parse_number(value) if isinstance(value, str) else None
        if number is not None and number == number.to_integral_value():
            return int(number)
        self._problem("wrong-type", self._line(mapping, key), keys.join(path, key), key=key,
                      expected="whole-number", value=_show(value))
        return None

    def _list(self, mapping: dict[str, Any], key: str, path: str) -> list[Any]:
        value = self._get(mapping, key, path, False)
        if value is None:
            return []
        if not isinstance(value, list):
            self._problem("wrong-type", self._line(mapping, key), keys.join(path, key), key=key,
                          expected="list", value=_show(value))
            return []
        return value

    def _texts(self, mapping: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        items = self._list(mapping, key, path)
        return tuple(_as_text(item) for item in items if item is not None)

    # -- structure -------------------------------------------------------
    def document(self, data: Any) -> m.Document | None:
        top = self._mapping(data, "", (LAYOUT, "plan", "chapter", "sections"),
                            getattr(data, "line", 1))
        if top is None:
            return None
        self._layout(top)
        plan_data = self._get(top, "plan", "", True)
        chapter_data = self._get(top, "chapter", "", True)
        plan = self.plan(plan_data, self._line(top, "plan")) if plan_data is not None else None
        chapter = (self.chapter(chapter_data, self._line(top, "chapter"))
                   if chapter_data is not None else None)
        keys = tuple(p.key for p in plan.periods) if plan else PERIOD_KEYS
        sections = self._items(top, "sections", "", lambda v, p, ln: self.section(v, p, ln, keys))
        self._unique_numbers(top.get("sections"), sections)
        if plan is None or chapter is None:
            return None
        return m.Document(plan, chapter, tuple(s for s in sections if s is not None))

    def plan_document(self, data: Any) -> m.PlanDocument | None:
        """A whole plan (``plan`` and ``chapters``), or one chapter in today's
        form (``plan``, ``chapter``, ``sections``) as a plan of one chapter."""
        if not (isinstance(data, dict) and "chapters" in data):
            doc = self.document(data)
            return None if doc is None else m.PlanDocument(doc.plan, (doc,))
        top = self._mapping(data, "", (LAYOUT, "plan", "chapters"), getattr(data, "line", 1))
        assert top is not None
        self._layout(top)
        plan_data = self._get(top, "plan", "", True)
        plan = self.plan(plan_data, self._line(top, "plan")) if plan_data is not None else None
        keys = tuple(p.key for p in plan.periods) if plan else PERIOD_KEYS
        chapters = self._items(top, "chapters", "",
                               lambda v, p, ln: self._plan_chapter(v, p, ln, keys))
        self._unique_numbers(top.get("chapters"), [c and c[0] for c in chapters],
                             "duplicate-chapter", "chapters")
        if not chapters:
            self._problem("missing-key", self._line(top, "chapters"), "chapters", key="chapters")
        if plan is None or any(c is None for c in chapters):
            return None
        return m.PlanDocument(plan, tuple(
            m.Document(plan, chapter, sections)
            for chapter, sections in sorted(chapters, key=lambda c: c[0].number)))

    def _plan_chapter(self, data: Any, path: str, line: int | None,
                      period_keys: tuple[str, ...]
                      ) -> tuple[m.Chapter, tuple[m.Section, ...]] | None:
        """One item of ``chapters``: the chapter's fields and its ``sections``."""
        chapter = self.chapter(data, line, path, ("sections",))
        if chapter is None:
            return None
        sections = self._items(data, "sections", path,
                               lambda v, p, ln: self.section(v, p, ln, period_keys))
        self._unique_numbers(data.get("sections"), sections, path=keys.join(path, keys.SECTIONS))
        return chapter, tuple(s for s in sections if s is not None)

    def _items(self, mapping: dict[str, Any], key: str, path: str,
               build: Callable[[Any, str, int | None], Any]) -> list[Any]:
        items = self._list(mapping, key, path)
        return [build(item, keys.item(keys.join(path, key), i), self._line(items, i))
                for i, item in enumerate(items)]

    def _number(self, mapping: dict[str, Any], path: str) -> int:
        """A 章 or 節 number: a whole number from 1 to max_section_number."""
        number = self._int(mapping, "number", path)
        limit = default_limits().max_section_number
        if number is not None and not 1 <= number <= limit:
            self._problem("implausible-number", self._line(mapping, "number"),
                          keys.join(path, "number"), value=_show(number), limit=str(limit))
            return 0
        return number or 0

    def _unique_numbers(self, items: Any, sections: list[m.Section | None] | list[Any],
                        code: str = "duplicate-section", path: str = "sections") -> None:
        """Each 節 (or 章) number once: a second one names both lines."""
        first: dict[int, int | None] = {}
        for index, section in enumerate(sections):
            if section is None or not section.number:
                continue
            line = self._line(items[index], "number")
            if section.number in first:
                variant = {"variant": "lines"} if code == "duplicate-chapter" else {}
                self._problem(code, line, keys.join(keys.item(path, index), "number"),
                              number=str(section.number), first=str(first[section.number]),
                              second=str(line), **variant)
            else:
                first[section.number] = line

    def plan(self, data: Any, line: int | None) -> m.Plan | None:
        allowed = ("name", "baseline", "successor", "survey", PERIODS, *PERIOD_KEYS)
        plan = self._mapping(data, "plan", allowed, line)
        if plan is None:
            return None
        baseline = None
        if plan.get("baseline") is not None:
            base = self._mapping(plan["baseline"], "plan.baseline", ("label", "year"),
                                 self._line(plan, "baseline"))
            if base is not None:
                baseline = m.Milestone(self._text(base, "label", "plan.baseline", True) or "",
                                       self._text(base, "year", "plan.baseline", True) or "")
        if PERIODS in plan:
            self._plan_line = self._line(plan, PERIODS)
            for key in PERIOD_KEYS:
                if key in plan:
                    self._problem("mixed-periods", self._line(plan, key),
                                  keys.join("plan", key), key=key)
            periods = [self.period(item, m.period_key(i),
                                   keys.item(keys.join("plan", PERIODS), i),
                                   self._line(self._list(plan, PERIODS, "plan"), i))
                       for i, item in enumerate(self._list(plan, PERIODS, "plan"))]
        else:
            periods = [self.period(plan[key], key, keys.join("plan", key),
                                   self._line(plan, key))
                       for key in PERIOD_KEYS if plan.get(key) is not None]
        return m.Plan(self._text(plan, "name", "plan", True) or "", baseline,
                      tuple(p for p in periods if p is not None),
                      self._text(plan, "successor", "plan"), self._text(plan, "survey", "plan"))

    def period(self, data: Any, key: str, path: str, line: int | None) -> m.Period | None:
        """One period: {label, from, to}, or {label, year} for a single year, or
        the year alone (R5), which is also its label."""
        if isinstance(data, (str, int)) and not isinstance(data, bool):
            year = _as_text(data)
            return m.Period(key, year, year, year)
        allowed = ("label", "year") if isinstance(data, dict) and "year" in data \
            else ("label", "from", "to")
        period = self._mapping(data, path, allowed, line)
        if period is None:
            return None
        label = self._text(period, "label", path, True) or ""
        if "year" in period:
            year = self._text(period, "year", path, True) or ""
            return m.Period(key, label, year, year)
        return m.Period(key, label, self._text(period, "from", path, True) or "",
                        self._text(period, "to", path, True) or "")

    def chapter(self, data: Any, line: int | None, p: str = "chapter",
                extra: tuple[str, ...] = ()) -> m.Chapter | None:
        allowed = ("number", "title", "goal", "sector_plans", "challenges_and_direction",
                   "main_policies", "entry_date", "author", "highlights", "carried_over", *extra)
        ch = self._mapping(data, p, allowed, line)
        if ch is None:
            return None
        return m.Chapter(
            number=self._number(ch, p),
            title=self._text(ch, "title", p, True) or "",
            goal=self._text(ch, "goal", p),
            sector_plans=self._texts(ch, "sector_plans", p),
            challenges_and_direction=self._text(ch, "challenges_and_direction", p),
            main_policies=self._texts(ch, "main_policies", p),
            entry_date=self._date(ch, "entry_date", p),
            author=self._text(ch, "author", p),
            highlights=tuple(self._items(ch, "highlights", p, self.initiative)),
            carried_over=tuple(self._items(ch, "carried_over", p, self.challenge)),
        )

    def section(self, data: Any, path: str, line: int | None,
                period_keys: tuple[str, ...]) -> m.Section | None:
        allowed = ("number", "title", "goal", "basic_policies", "departments", "citizen_needs",
                   "entry_date", "author", "initiatives", "carried_over", "indicators",
                   "unmet_analysis", "projects", "evaluation", "evaluation_reason", "sdgs")
        sec = self._mapping(data, path, allowed, line)
        if sec is None:
            return None
        return m.Section(
            number=self._number(sec, path),
            title=self._text(sec, "title", path, True) or "",
            goal=self._text(sec, "goal", path),
            basic_policies=tuple(b for b in self._items(sec, "basic_policies", path,
                                                        self.basic_policy) if b),
            departments=self._texts(sec, "departments", path),
            citizen_needs=self.citizen_needs(sec, path),
            entry_date=self._date(sec, "entry_date", path),
            author=self._text(sec, "author", path),
            initiatives=tuple(self._items(sec, "initiatives", path, self.initiative)),
            carried_over=tuple(self._items(sec, "carried_over", path, self.challenge)),
            indicators=tuple(i for i in self._items(
                sec, "indicators", path,
                lambda v, p, ln: self.indicator(v, p, ln, period_keys)) if i),
            unmet_analysis=self._text(sec, "unmet_analysis", path),
            projects=tuple(self._items(sec, "projects", path, self.project)),
            evaluation=self._text(sec, "evaluation", path),
            evaluation_reason=self._text(sec, "evaluation_reason", path),
            sdgs=tuple(_goal(item) for item in self._list(sec, "sdgs", path)
                       if item is not None),
        )

    def project(self, data: Any, path: str, line: int | None) -> m.Project:
        row = self._mapping(data, path, ("name", "cost", "content", "outlook"), line) or {}
        return m.Project(self._text(row, "name", path), _figure(row.get("cost")),
                         self._text(row, "content", path), self._text(row, "outlook", path))

    def basic_policy(self, data: Any, path: str, line: int | None) -> m.BasicPolicy | None:
        bp = self._mapping(data, path, ("code", "title"), line)
        if bp is None:
            return None
        return m.BasicPolicy(self._text(bp, "code", path, True) or "",
                             self._text(bp, "title", path, True) or "")

    def initiative(self, data: Any, path: str, line: int | None) -> m.Initiative:
        row = self._mapping(data, path, ("initiative", "outcome", "policy"), line) or {}
        return m.Initiative(self._text(row, "initiative", path), self._text(row, "outcome", path),
                            self._text(row, "policy", path))

    def challenge(self, data: Any, path: str, line: int | None) -> m.Challenge:
        row = self._mapping(data, path, ("challenge", "direction", "policy"), line) or {}
        return m.Challenge(self._text(row, "challenge", path), self._text(row, "direction", path),
                           self._text(row, "policy", path))

    def citizen_needs(self, sec: dict[str, Any], path: str) -> m.CitizenNeeds:
        data = sec.get("citizen_needs")
        if data is None:
            return m.CitizenNeeds()
        p = keys.join(path, keys.CITIZEN_NEEDS)
        needs = self._mapping(data, p, ("request_rate", "rank_overall", "rank_in_chapter"),
                              self._line(sec, "citizen_needs"))
        if needs is None:
            return m.CitizenNeeds()
        return m.CitizenNeeds(_rate(needs.get("request_rate")), _rank(needs.get("rank_overall")),
                              _rank(needs.get("rank_in_chapter")))

    def indicator(self, data: Any, path: str, line: int | None,
                  period_keys: tuple[str, ...]) -> m.Indicator | None:
        listed = any(k.startswith(f"{PERIODS}.") for k in period_keys) \
            or (not period_keys and PERIODS in (data if isinstance(data, dict) else {}))
        allowed = ("name", "unit", "direction", "baseline", "target_plan", "rating",
                   "not_rated", *((PERIODS,) if listed else PERIOD_KEYS))
        ind = self._mapping(data, path, allowed, line)
        if ind is None:
            return None
        direction = self._text(ind, "direction", path, True)
        if direction is not None and direction.strip() not in m.DIRECTIONS:
            self._problem("invalid-direction", self._line(ind, "direction"),
                          keys.join(path, "direction"), value=direction)
        if listed:
            results = self._listed_results(ind, path, len(period_keys))
        else:
            results = [self.result(ind.get(key), keys.join(path, key), self._line(ind, key))
                       for key in period_keys]
        return m.Indicator(
            name=self._text(ind, "name", path, True) or "",
            unit=self._text(ind, "unit", path),
            direction=(direction or "").strip(),
            baseline=_figure(ind.get("baseline")),
            results=tuple(results),
            plan_target=_figure(ind.get("target_plan")),
            rating=self._text(ind, "rating", path),
            not_rated=self._text(ind, "not_rated", path),
        )

    def result(self, value: Any, path: str, line: int | None) -> m.PeriodResult | None:
        """One period of an indicator: {target, actual, rate}; None (null) when the
        indicator did not exist in that period."""
        if value is None:
            return None
        res = self._mapping(value, path, ("target", "actual", "rate"), line)
        return None if res is None else m.PeriodResult(
            _figure(res.get("target")), _figure(res.get("actual")), _rate(res.get("rate")))

    def _listed_results(self, ind: dict[str, Any], path: str, count: int
                        ) -> list[m.PeriodResult | None]:
        """An indicator's ``periods:`` list, one item per period of the plan."""
        items = self._list(ind, PERIODS, path)
        if PERIODS in ind and isinstance(ind[PERIODS], list) and len(items) != count:
            self._problem("period-count", self._line(ind, PERIODS), keys.join(path, PERIODS),
                          count=str(len(items)), expected=str(count),
                          plan=str(self._plan_line or ""))
        results = [self.result(item, keys.item(keys.join(path, PERIODS), i), self._line(items, i))
                   for i, item in enumerate(items[:count])]
        return results + [None] * (count - len(results))

    def _date(self, mapping: dict[str, Any], key: str, path: str) -> m.DateValue:
        value = self._get(mapping, key, path, False)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):            # YAML reads 2019-12-20 as a date itself
            return value if plausible(value) else _as_text(value)
        try:
            return parse_date(_as_text(value))
        except DateError:
            return _as_text(value)


def _show(value: Any) -> str:
    text = "（空）" if value is None else str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _as_text(value: Any) -> str:
    """A scalar as the text it was written as; YAML's trailing newline dropped."""
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value).rstrip("\r\n")


def _figure(value: Any) -> m.Figure:
    if value is None:
        return None
    number = parse_number(value)
    if number is not None:
        return number
    return _as_text(value) if _as_text(value).strip() else None


def _rate(value: Any) -> m.RateValue:
    if value is None:
        return None
    rate = parse_rate(value)
    if rate is not None:
        return rate
    return _as_text(value) if _as_text(value).strip() else None


def _goal(value: Any) -> int | str:
    """An SDG goal number (1–17 is checked by validate); text kept as written."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = parse_number(_as_text(value).strip())
    if number is not None and number == number.to_integral_value():
        return int(number)
    return _as_text(value)


def _rank(value: Any) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = parse_number(_as_text(value).strip().rstrip("位"))
    if number is not None and number == number.to_integral_value():
        return int(number)
    return _as_text(value)
