"""Read a generated 総括表, a blank template or a returned one back into the
document model, driven by the same Layout as the writer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sheetkit import keys
from sheetkit import model as m
from sheetkit.a1 import cell_name, parse_cell
from sheetkit.codec import decode, figure_of, policy_of, rate_of, unpattern
from sheetkit.fastgrid import Unsupported
from sheetkit.grid import FAST, FULL, Book, Grid, Sheets, read_book
from sheetkit.identity import (
    META_SHEET,
    PROVENANCE_SHEET,
    RATING_DATA_SHEET,
    RATING_SHEET,
    RESULT_SHEET,
    TEMPLATE,
    Identity,
    copied,
)
from sheetkit.labels import fill, label_vars, safe_sheet_name, sheet_title
from sheetkit.layout import (
    Block,
    CellSpec,
    IndicatorLayout,
    Layout,
    SheetLayout,
    resolve_layout,
)
from sheetkit.loader import plan_from_data
from sheetkit.memo import Memo
from sheetkit.model_paths import build
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.rates import achievement, as_written
from sheetkit.rating_data import with_not_rated
from sheetkit.values import squash

_cell_name = lru_cache(maxsize=8192)(cell_name)   # every file of a layout names the same cells
_parse_cell = lru_cache(maxsize=1024)(parse_cell)


@dataclass(frozen=True)
class Extraction:
    """A document read from a workbook, and where each value came from.

    ``sources`` keys are paths such as ``chapter.entry_date`` or
    ``sections.1.indicators.0.second_half.actual``; ``typed_rates`` holds the
    paths of 達成率 cells that held a typed value instead of the formula."""

    document: m.Document
    identity: Identity
    layout: Layout                               # the layout it was read with
    sources: Mapping[str, Location] = field(default_factory=dict)   # sheet and cell
    typed_rates: frozenset[str] = frozenset()
    external_links: tuple[str, ...] = ()
    sheets: tuple[str, ...] = ()                 # in the workbook's tab order
    notices: tuple[Problem, ...] = ()            # text outside the inputs, formulas typed in
    sha256: str = ""                             # of the bytes read
    review: int = -1                             # the period under review, as the layout says


_KEPT_ROWS = 1024         # the rows a plan keeps the places of (_by_row)
MAX_OUTSIDE = 20          # text-outside-input findings per sheet, then one for the rest
QUOTED = 200              # characters of a cell's text or formula a finding quotes


class Sources(Mapping[str, Location]):
    """Where each value of a workbook came from: key -> its sheet and cell.

    A reader records ~70 cells a file, and validation looks up the few with a
    finding: each cell is kept as (sheet, row, col) under its section's root and
    the rest of its key (keys.rooted; the rest is the read plan's text, made
    once a run), and a key's text and Location are made only when asked for."""

    __slots__ = ("_roots",)

    def __init__(self) -> None:
        self._roots: dict[str, dict[str, tuple[str, int, int]]] = {}

    def under(self, root: str) -> dict[str, tuple[str, int, int]]:
        """The cells recorded under ``root`` (a section's), by the rest of
        their keys (never empty), to add to."""
        cells = self._roots.get(root)
        if cells is None:
            cells = self._roots[root] = {}
        return cells

    def put(self, key: str, sheet: str, row: int, col: int) -> None:
        """The cell the value at ``key`` came from."""
        root, rest = keys.rooted(key)
        self.under(root)[rest] = (sheet, row, col)

    def _cell(self, key: object) -> tuple[str, int, int] | None:
        if not isinstance(key, str):
            return None
        root, rest = keys.rooted(key)
        cells = self._roots.get(root)
        return None if cells is None else cells.get(rest)

    def __getitem__(self, key: str) -> Location:
        cell = self._cell(key)
        if cell is None:
            raise KeyError(key)
        return Location(None, None, cell[0], _cell_name(cell[1], cell[2]))

    def get(self, key: str, default: Any = None) -> Any:
        cell = self._cell(key)
        return default if cell is None else Location(None, None, cell[0],
                                                     _cell_name(cell[1], cell[2]))

    def __contains__(self, key: object) -> bool:
        return self._cell(key) is not None

    def __iter__(self) -> Iterator[str]:
        for root, cells in self._roots.items():
            for rest in cells:
                yield keys.under(root, rest)

    def __len__(self) -> int:
        return sum(map(len, self._roots.values()))

    def __repr__(self) -> str:
        return f"Sources({dict(self)!r})"


class _Collector:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sources = Sources()
        self.typed_rates: set[str] = set()
        self.looked: dict[str, set[tuple[int, int]]] = {}
        self.notices: list[Problem] = []

    def look(self, grid: Grid, row: int, col: int) -> None:
        """A cell the layout reads (a label or a field), even when empty."""
        self.seen(grid).add((row, col))

    def seen(self, grid: Grid) -> set[tuple[int, int]]:
        """The cells of ``grid`` the layout reads, to add to."""
        return self.looked.setdefault(grid.name, set())

    def note(self, key: str, grid: Grid, row: int, col: int) -> None:
        """The cell a field's value came from."""
        self.seen(grid).add((row, col))
        self.source(key, grid, row, col)

    def source(self, key: str, grid: Grid, row: int, col: int) -> None:
        """The cell a field's value came from, already counted as seen; a
        formula typed into a field the sheet does not compute is a notice."""
        self.sources.put(key, grid.name, row, col)
        if grid.holds_formula(row, col):
            self.formula_at(key, grid, row, col)

    def formula_at(self, key: str, grid: Grid, row: int, col: int) -> None:
        """A notice if the cell of ``key`` holds a formula where the sheet computes none."""
        cell = grid.get(row, col)
        if cell.formula is not None and not keys.parse(key).is_computed:
            self.notices.append(Problem("formula-in-input", Location(
                str(self.path), sheet=grid.name, cell=cell_name(row, col), field=key),
                {"value": (cell.formula or "")[:QUOTED], "expected": "" if cell.value is None
                 else str(cell.value)[:QUOTED]}))

    def outside(self, grid: Grid, skip: frozenset[tuple[int, int]] = frozenset()) -> None:
        """Every non-empty cell of ``grid`` that the layout does not read."""
        stray = sorted(grid.filled() - self.looked.get(grid.name, set()) - skip)
        for row, col in stray[:MAX_OUTSIDE]:
            cell = grid.get(row, col)
            value = cell.formula if cell.value is None else cell.value
            self.notices.append(Problem("text-outside-input", Location(
                str(self.path), sheet=grid.name, cell=cell_name(row, col)),
                {"value": str(value)[:QUOTED]}))
        if len(stray) > MAX_OUTSIDE:
            self.notices.append(Problem("text-outside-input", Location(
                str(self.path), sheet=grid.name), {"variant": "more",
                                                   "count": str(len(stray) - MAX_OUTSIDE)}))

    def fail(self, code: str, sheet: str | None = None, **params: str) -> SheetkitError:
        return SheetkitError([Problem(code, Location(str(self.path), sheet=sheet), params)])


def _identity_rows(book: Book) -> dict[str, str]:
    """The hidden identity sheet's rows, name -> text."""
    grid = book.grids.get(META_SHEET)
    if grid is None:
        raise SheetkitError([Problem("not-sheetkit", Location(str(book.path)))])
    rows = {}
    at = grid.values().get
    for row in range(grid.max_row + 1):
        name = at((row, 0))
        if name is not None:
            rows[str(name)] = str(at((row, 1)) or "")
    return rows


def _identity(book: Book, rows: dict[str, str]) -> Identity:
    try:
        return Identity.from_rows(rows)
    except (KeyError, ValueError, TypeError):
        raise SheetkitError([Problem("not-sheetkit", Location(str(book.path)))]) from None


# How a field's value is decoded (see _decoded): text as it is, a list, a
# figure or a 達成率 (a number keeps its number format), text in a pattern, a
# whole number or a rank (without a pattern, in one), a 基本方針, any other kind.
_PLAIN, _LIST, _FIGURE_OF, _RATE_OF, _PATTERNED, _WHOLE, _WHOLE_IN, _POLICY, _OTHER = range(9)
_SDGS = -1          # the 関連するSDGs row: read by _read_goals


def _how(spec: CellSpec) -> int:
    if spec.kind == "sdgs":
        return _SDGS
    if spec.kind == "list":
        return _LIST
    if spec.kind == "figure":
        return _FIGURE_OF
    if spec.kind == "rate":
        return _RATE_OF
    if spec.kind in ("text", "policy-choice", "choice", "rating"):
        return _PATTERNED if spec.pattern else _PLAIN
    if spec.kind in ("int", "rank"):
        return _WHOLE_IN if spec.pattern else _WHOLE
    if spec.kind == "policy":
        return _POLICY
    return _OTHER


def _decoded(grid: Grid, row: int, col: int, spec: CellSpec, how: int, value: Any) -> Any:
    """codec.decode of the cell at (row, col), holding ``value``: its number
    format looked up only where decode uses it (a number in a figure or rate)."""
    if value is None:
        return () if how == _LIST else None
    kind = value.__class__
    if kind is str:
        if how == _PLAIN:
            return value if value.strip() else None
        if not value.strip():
            return () if how == _LIST else None
        if how == _PATTERNED:
            return unpattern(spec.pattern, value)
        if how in (_WHOLE, _WHOLE_IN):
            number = unpattern(spec.pattern, value).rstrip("位")
            if number.isascii() and number.isdigit() and len(number) <= 18:
                return int(number)      # decode's: parse_number of ASCII digits
        elif how == _POLICY:
            return policy_of(value.strip())
    elif kind is float or kind is int:         # a number (not a bool)
        if how == _FIGURE_OF:
            return figure_of(value, grid.number_format(row, col))
        if how == _RATE_OF:
            return rate_of(value, grid.number_format(row, col))
        if how == _WHOLE and kind is float and value.is_integer() and -1e15 < value < 1e15:
            return int(value)       # decode's: its text (repr, '38.0' as '38') parsed
    elif how in (_FIGURE_OF, _RATE_OF) and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        return decode(spec, value, grid.number_format(row, col))
    return decode(spec, value)


# The read plan's classes are plain (slotted) classes, not dataclasses: each
# frozen dataclass costs about half a millisecond of start-up to define.

Places = tuple[tuple[int, int], ...]


def _by_row(make: Callable[[int], Places]) -> Memo[int, Places]:
    """The (row, col) places ``make`` makes from a row number (a table row's
    cells, a block's fixed cells when it starts there): a function of the row
    number alone, and a layout's files have their tables in the same rows, so
    kept once a run (_KEPT_ROWS rows at most a plan)."""
    return Memo(make, _KEPT_ROWS)


class _BlockPlan:
    """One block of a sheet layout, as every file of a run reads it: its anchor
    labels filled and squashed, its cells and field keys worked out."""

    __slots__ = ("block", "anchor", "labels", "expected", "height", "looks", "fields", "table",
                 "columns", "cols", "rests", "places", "looked")

    def __init__(self, block: Block, anchor: int | None, labels: tuple[CellSpec, ...],
                 expected: tuple[tuple[int, str], ...], looks: tuple[tuple[int, int], ...],
                 fields: tuple[tuple[int, int, str, str, bool, CellSpec, int], ...],
                 columns: tuple[tuple[int, str, CellSpec, int], ...]) -> None:
        self.block = block
        self.anchor = anchor            # row offset of its anchor labels (None: none)
        self.labels = labels            # the anchor labels
        self.expected = expected        # (col, label filled and squashed)
        self.height = len(block.rows)   # its fixed rows
        self.looks = looks              # (row offset, col) of every fixed cell
        # its single fields: row offset, col, layout field, key part, whether the
        # key is inside the sheet's scope, the spec and how it is decoded
        self.fields = fields
        self.table = "" if block.table is None else keys.split(block.table)[-1]  # its last word
        self.columns = columns          # col, field, spec, how decoded
        self.cols = tuple(col for col, _, _, _ in columns)
        self.rests: list[tuple[str, ...]] = []      # row i's column key parts
        # the (row, col) of the table's columns in a row, of the fixed cells for a start
        self.places = _by_row(lambda row: tuple([(row, col) for col in self.cols]))
        self.looked = _by_row(lambda start: tuple([(start + offset, col)
                                                  for offset, col in self.looks]))

    def row_rests(self, index: int) -> tuple[str, ...]:
        """The key parts of row ``index``'s columns, under the sheet's scope."""
        rests = self.rests
        while len(rests) <= index:
            number = len(rests)
            rests.append(tuple(keys.join(self.table, number, name)
                               for _, name, _, _ in self.columns))
        return rests[index]


class _SheetPlan:
    """A chapter or section sheet layout compiled for one run's labels."""

    __slots__ = ("vars", "blocks")

    def __init__(self, vars_: dict[str, Any], blocks: tuple[_BlockPlan, ...]) -> None:
        self.vars, self.blocks = vars_, blocks


def _sheet_plan(sheet: SheetLayout, vars_: dict[str, Any], in_section: bool) -> _SheetPlan:
    """``in_section``: a section sheet (keys inside sections.N), else the chapter's."""
    plans = []
    for block in sheet.blocks:
        anchor = _anchor(block)
        labels = () if anchor is None else anchor[1]
        looks = [] if block.side is None else [(0, block.side.first_col)]
        fields = []
        for offset, row_specs in enumerate(block.rows):
            for spec in row_specs:
                looks.append((offset, spec.first_col))
                if spec.field is None:
                    continue
                head, _, rest = spec.field.partition(keys.SEP)
                inside = head == keys.LAYOUT_SECTION or in_section
                part = rest if head == keys.LAYOUT_SECTION else spec.field
                fields.append((offset, spec.first_col, spec.field, part, inside, spec,
                               _how(spec)))
        plans.append(_BlockPlan(
            block, None if anchor is None else anchor[0], labels,
            tuple(_expected(labels, vars_)), tuple(looks), tuple(fields),
            tuple((spec.first_col, spec.field or "", spec, _how(spec))
                  for spec in block.columns)))
    return _SheetPlan(vars_, tuple(plans))


class _IndicatorPlan:
    """The 目標指標 sheet compiled for one run's plan and labels."""

    __slots__ = ("layout", "expected", "analysis_label", "periods", "fields", "period_keys",
                 "rests", "heads", "groups")

    def __init__(self, layout: IndicatorLayout, expected: tuple[tuple[int, str], ...],
                 analysis_label: str, periods: tuple[tuple[int, int, int | None, bool], ...],
                 fields: tuple[tuple[str, CellSpec], ...], period_keys: tuple[str, ...]) -> None:
        self.layout = layout
        self.expected = expected                # the header's labels
        self.analysis_label = analysis_label    # filled and squashed
        # the target, actual and rate columns of each period, and whether its rate is computed
        self.periods = periods
        self.fields = fields            # name, unit, direction, baseline, plan target
        self.period_keys = period_keys
        self.rests: list[tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]] = []
        self.heads = _by_row(self._head_places)
        self.groups = _by_row(self._group_places)

    def _head_places(self, start: int) -> Places:
        """The (row, col) of the title column above the header and of the
        header's labels, for a header in row ``start``."""
        ind = self.layout
        places = [(row, ind.title.first_col) for row in range(start)]
        for offset, row_specs in enumerate(ind.header):
            places += [(start + offset, spec.first_col) for spec in row_specs]
        return tuple(places)

    def _group_places(self, row: int) -> Places:
        """The (row, col) of the group column in the rows below the first of
        an indicator in row ``row`` (a layout with a group column)."""
        group = self.layout.group
        return () if group is None else tuple(
            [(row + extra, group.first_col) for extra in range(1, self.layout.rows)])

    def indicator_rests(self, index: int) -> tuple[tuple[str, ...],
                                                   tuple[tuple[str, str, str], ...]]:
        """Indicator ``index``'s key parts, under its section: one for each of
        ``fields``, and target, actual and 達成率 of each period."""
        rests = self.rests
        while len(rests) <= index:
            number = len(rests)
            rests.append((tuple(keys.join(keys.INDICATORS, number, name)
                                for name, _ in self.fields),
                          tuple((keys.join(keys.INDICATORS, number, key, "target"),
                                 keys.join(keys.INDICATORS, number, key, "actual"),
                                 keys.join(keys.INDICATORS, number, key, keys.RATE))
                                for key in self.period_keys)))
        return rests[index]


def _indicator_plan(ind: IndicatorLayout, plan: m.Plan, vars_: dict[str, Any]
                    ) -> _IndicatorPlan:
    header = tuple(c for c in ind.header[0] if c.text is not None)
    specs = {"name": ind.name, "unit": ind.unit, "direction": ind.direction,
             "baseline": ind.baseline, "plan_target": ind.plan_target}
    periods = tuple(zip(plan.periods, ind.periods))
    return _IndicatorPlan(
        ind, tuple(_expected(header, vars_)), squash(fill(ind.analysis_label.text or "", vars_)),
        tuple((cols.target, cols.actual, cols.rate,
               keys.parse(keys.period(1, 0, period.key, keys.RATE)).is_computed)
              for period, cols in periods),
        tuple((k, spec) for k, spec in specs.items() if spec is not None),
        tuple(period.key for period, _ in periods))


class _Context:
    """What reading a file needs that depends only on its layout and plan,
    worked out once a run for every file made with them."""

    __slots__ = ("layout", "plan", "vars", "review_vars", "review", "section", "chapter",
                 "indicators", "names", "own")

    def __init__(self, layout: Layout, plan: m.Plan, review: int) -> None:
        self.layout, self.plan = layout, plan
        self.vars = label_vars(plan)                            # the plan's label values
        self.review = review                                    # the period under review
        self.review_vars = label_vars(plan, review=review)      # and its labels
        self.section = _sheet_plan(layout.section, self.review_vars, True)
        self.chapter = None if layout.chapter is None else \
            _sheet_plan(layout.chapter, self.review_vars, False)
        self.indicators = None if layout.indicators is None else _indicator_plan(
            layout.indicators, plan,
            label_vars(plan, review=layout.indicators.review_index(len(plan.periods))))
        # sheet names by (chapter, prefix, a template's section)
        self.names: dict[tuple[int, str, int | None],
                         tuple[str | None, str | None, tuple[str, ...]]] = {}
        self.own: dict[bool, frozenset[str]] = {}      # see own_sheets

    def own_sheets(self, template: bool) -> frozenset[str]:
        """sheetkit's own sheets in a template (else a 総括表) of this layout,
        but a template's 提出前チェック (see _outside): made the first time."""
        known = self.own.get(template)
        if known is None:
            layout = self.layout
            own = {META_SHEET, RESULT_SHEET, PROVENANCE_SHEET, RATING_SHEET, RATING_DATA_SHEET,
                   layout.template.instructions_title}
            if layout.overview is not None and not template:
                own.add(safe_sheet_name(fill(layout.overview.sheet, self.vars)))
            known = self.own[template] = frozenset(own)
        return known


_CONTEXTS: dict[tuple[int, str], _Context] = {}
_MAX_CONTEXTS = 64


def _context(layout: Layout, identity: Identity, plan_text: str, source: str) -> _Context:
    """The read plan of a file in ``layout`` whose identity holds the plan
    ``plan_text`` (parsed as ``identity.plan``)."""
    known = _CONTEXTS.get((id(layout), plan_text))
    if known is not None and known.layout is layout:
        return known
    plan = plan_from_data(identity.plan, source)
    context = _Context(layout, plan, layout.review_index(len(plan.periods)))
    if len(_CONTEXTS) >= _MAX_CONTEXTS:
        _CONTEXTS.clear()
    _CONTEXTS[(id(layout), plan_text)] = context
    return context


def extract(path: str | Path, engine: str = FAST, layout: Layout | None = None) -> Extraction:
    """Read a workbook made by sheetkit (and perhaps filled in) into a Document,
    with ``layout`` (the office's --layout) or else the bundled layout its
    hidden sheet names (see layout.resolve_layout).

    Whatever is wrong with the file, the answer is a SheetkitError naming the
    problem, never another exception: the file is untrusted input.  A 総括表
    of several chapters is read by extract_plan."""
    found = extract_plan(path, engine, layout)
    if len(found) > 1:
        raise SheetkitError([Problem("several-chapters", Location(str(path)), {
            "chapters": "、".join(str(e.document.chapter.number) for e in found)})])
    return found[0]


def _sheet_names(book: Book, context: _Context, identity: Identity, out: _Collector,
                 number: int, prefix: str) -> tuple[str | None, str | None]:
    """The chapter and 目標指標 sheet names of chapter ``number`` (None where the
    layout has no such sheet).  A template must have its section and 目標指標
    sheets, a 総括表 its chapter (or front overview) and 目標指標 sheets."""
    template_section = identity.section if identity.kind == TEMPLATE else None
    named = context.names.get((number, prefix, template_section))
    if named is None:
        named = context.names[(number, prefix, template_section)] = _names_of(
            context, number, prefix, template_section)
    chapter, indicators, needed = named
    for name in needed:
        if name not in book.grids:
            raise out.fail("layout-mismatch", sheet=name, detail=name)
    return chapter, indicators


def _names_of(context: _Context, number: int, prefix: str, template_section: int | None
              ) -> tuple[str | None, str | None, tuple[str, ...]]:
    """The chapter and 目標指標 sheet names, and the sheets a file must have."""
    layout = context.layout
    vars_ = context.review_vars | {"chapter": number}
    chapter = None if layout.chapter is None else sheet_title(layout.chapter.sheet, vars_, prefix)
    indicators = None if layout.indicators is None else \
        sheet_title(layout.indicators.sheet, vars_, prefix)
    needed = [] if indicators is None else [indicators]
    if template_section is not None:
        needed.append(safe_sheet_name(fill(layout.section.sheet,
                                           vars_ | {"section": template_section})))
    elif chapter is not None:
        needed.append(chapter)
    elif layout.overview is not None:
        needed.append(safe_sheet_name(fill(layout.overview.sheet, vars_)))
    return chapter, indicators, tuple(needed)


def _precheck_kept(book: Book, identity: Identity, out: _Collector) -> None:
    """A template's 提出前チェック sheet and its formulas are part of its fixed
    structure: a deleted sheet or formula is a broken layout (template-modified).
    Its content is never read: validate is the authority."""
    if identity.precheck is None:
        return
    sheet = str(identity.precheck.get("sheet", ""))
    cells = identity.precheck.get("cells", ())
    verdict = identity.precheck.get("verdict")
    if _formulas_kept(book, sheet, cells, values=False) and (
            not verdict or _formulas_kept(book, str(verdict[0]), [str(verdict[1])])):
        return              # most files; else the loop below names the first one missing
    places = [(sheet, cell) for cell in cells]
    if verdict:
        places.append((str(verdict[0]), str(verdict[1])))
    grids: dict[str, Grid | None] = {}
    for name, cell in places:
        grid = grids[name] if name in grids else grids.setdefault(name, book.grids.get(name))
        if grid is None or not grid.holds_formula(*_parse_cell(cell)):
            raise out.fail("layout-mismatch", sheet=name,
                           detail=name if grid is None else f"{name}!{cell}")


def _formulas_kept(book: Book, sheet: str, cells: Any, values: bool = True) -> bool:
    """Whether sheet ``sheet`` holds a formula in every cell of ``cells`` (A1
    names): at once, for the usual file; False also where a name is no cell.
    ``values``: whether that sheet's values are read too (else its formulas
    are found without them where the sheets can: Sheets.formulas_of)."""
    grids = book.grids
    if not isinstance(cells, (list, tuple)) or sheet not in grids:
        return False
    formulas = grids.formulas_of(sheet) if not values and isinstance(grids, Sheets) \
        else grids[sheet].formulas()
    try:
        return all(map(formulas.__contains__, _PLACES[tuple(cells)]))
    except Exception:  # noqa: BLE001 - not a cell name: _precheck_kept's loop says what
        return False


# A template's list of A1 names (提出前チェック's formula cells) -> their (row,
# col), worked out once a run: the same list in every file made from one
# layout.  A name that is no cell raises, as _parse_cell.
_PLACES: Memo[tuple[str, ...], Places] = Memo(lambda names: tuple(map(_parse_cell, names)), 64)


def extract_plan(path: str | Path, engine: str = FAST, layout: Layout | None = None,
                 digest: bool = True) -> tuple[Extraction, ...]:
    """Every chapter of a workbook, each with the cells its values came from
    (one for a template or a one-chapter 総括表).  Whatever is wrong with the
    file, the answer is a SheetkitError naming the problem, never another
    exception: the file is untrusted input.  ``layout``: the office's --layout,
    else the bundled layout its hidden sheet names (layout.resolve_layout).
    ``digest``: with the SHA-256 of the bytes read (``Extraction.sha256``)."""
    path = Path(path)
    try:
        book = read_book(path, engine=engine, digest=digest)
    except Unsupported:
        return extract_plan(path, FULL, layout, digest)
    try:
        extractions = _extract_all(book, layout)
        book.read_rest()                # a damaged sheet nobody looked at: a damaged file
        return extractions
    except SheetkitError:
        raise
    except Exception as exc:  # noqa: BLE001 - a file built to confuse the reader is "damaged"
        if isinstance(exc, Unsupported) and engine != FULL:
            return extract_plan(path, FULL, layout, digest)   # met in a sheet first read here
        raise SheetkitError([Problem("unreadable-file", Location(str(path)),
                                     {"reason": "damaged"})]) from None


def _extract_all(book: Book, given: Layout | None) -> tuple[Extraction, ...]:
    path = book.path
    rows = _identity_rows(book)
    identity = _identity(book, rows)
    layout = resolve_layout(identity.layout, identity.version, identity.layout_sha256, given,
                            str(path))
    context = _context(layout, identity, rows["plan"], str(path))
    if identity.kind == TEMPLATE or not identity.chapters:
        outs = [_Collector(path)]
        docs = [_read_chapter(book, context, identity, identity.chapter, "", outs[0])]
    else:
        outs = [_Collector(path) for _ in identity.chapters]
        docs = [_read_chapter(book, context, identity, number, "" if layout.chapter is None
                              else safe_sheet_name(fill(layout.chapter.sheet,
                                                        context.vars | {"chapter": number})),
                              out)
                for number, out in zip(identity.chapters, outs)]
        for other in outs[1:]:
            for sheet, cells in other.looked.items():
                outs[0].looked.setdefault(sheet, set()).update(cells)
    _outside(book, context, identity, outs[0])
    return tuple(Extraction(doc, identity, layout, out.sources, frozenset(out.typed_rates),
                            book.external_links, tuple(book.grids), tuple(out.notices),
                            book.sha256, context.review) for doc, out in zip(docs, outs))


def _read_chapter(book: Book, context: _Context, identity: Identity, number: int,
                  prefix: str, out: _Collector) -> m.Document:
    """Chapter ``number`` of the workbook: its sheets' names begin with ``prefix``
    in a 総括表 of several chapters."""
    layout, plan = context.layout, context.plan
    chapter_sheet, indicator_sheet = _sheet_names(book, context, identity, out, number, prefix)
    _precheck_kept(book, identity, out)
    chapter_fields: dict[str, Any] = {"chapter.number": number}
    if chapter_sheet is not None and context.chapter is not None \
            and chapter_sheet in book.grids:
        chapter_fields |= _read_blocks(book.grids[chapter_sheet], context.chapter, out,
                                       keys.CHAPTER_SCOPE)
    read: list[tuple[int, dict[str, Any]]] = []
    section_pattern = layout.section.sheet.replace("{chapter}", str(number))
    if prefix and "{chapter}" not in layout.section.sheet:
        section_pattern = prefix + section_pattern
    for name in book.grids:
        section_number = _sheet_number(section_pattern, name)
        if section_number is None:
            continue
        fields = _read_blocks(book.grids[name], context.section, out,
                              keys.section(section_number), plan)
        if not chapter_fields.get("chapter.title"):
            chapter_fields["chapter.title"] = fields.get("chapter.title")
        read.append((section_number, fields))
    if indicator_sheet is not None and context.indicators is not None:
        ind = context.indicators.layout    # its indicators and analysis text, by section
        found = _read_indicators(book.grids[indicator_sheet], context.indicators, out,
                                 tuple(n for n, _ in read))
        read = [(n, fields | ({keys.join(keys.LAYOUT_SECTION, keys.INDICATORS): found[n][0],
                               ind.analysis_text.field or "": found[n][1]} if n in found else {}))
                for n, fields in read]
    sections = tuple(sorted((_section(fields, n) for n, fields in read), key=lambda s: s.number))
    chapter = _chapter(chapter_fields, number)
    doc = m.Document(plan, chapter, sections)
    return with_not_rated(doc, book.grids.get(RATING_DATA_SHEET))


def _outside(book: Book, context: _Context, identity: Identity, out: _Collector) -> None:
    """Text typed where the reader does not look: in the sheets it reads, any
    non-empty cell it does not read; and any sheet a department added.
    sheetkit's own sheets (identity, instructions, 提出前チェック, 検証結果, 出典,
    the front overview made from the sections) are not the department's answers
    and are not looked at."""
    own = context.own_sheets(identity.kind == TEMPLATE)
    checks: str | None = None          # the 提出前チェック sheet, and its verdict cell
    verdict: tuple[str, tuple[int, int]] | None = None
    if identity.precheck:
        checks = str(identity.precheck.get("sheet", ""))
        if identity.precheck.get("verdict"):
            sheet, cell = identity.precheck["verdict"][:2]
            verdict = (str(sheet), _parse_cell(str(cell)))
    for name in book.grids:               # sheetkit's own sheets are never read
        if name not in own and name != checks:
            out.outside(book.grids[name], frozenset((verdict[1],))
                        if verdict is not None and verdict[0] == name else frozenset())


@lru_cache(maxsize=256)
def _sheet_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(pattern).replace(r"\{section\}", r"(\d+)").replace(
        r"\{chapter\}", r"\d+") + "$")


def _sheet_number(pattern: str, name: str) -> int | None:
    match = _sheet_regex(pattern).match(name)
    return int(match.group(1)) if match else None


def _anchor(block: Block) -> tuple[int, tuple[CellSpec, ...]] | None:
    """The row offset of a block's identifying labels, and those labels."""
    if block.anchor is not None:
        return block.anchor, tuple(c for c in block.rows[block.anchor] if c.text is not None)
    if block.side is not None:
        return len(block.rows), (block.side,)
    return None


def _expected(labels: tuple[CellSpec, ...], vars_: dict[str, Any]) -> list[tuple[int, str]]:
    """Each label's column and its text as it is compared (filled and squashed)."""
    return [(spec.first_col, squash(fill(spec.text or "", vars_))) for spec in labels]


def _matches(values: Mapping[tuple[int, int], Any], row: int,
             expected: tuple[tuple[int, str], ...]) -> bool:
    """Whether row ``row`` holds the ``expected`` labels (``values``: the grid's)."""
    for col, label in expected:
        text = values.get((row, col))
        if not isinstance(text, str) or squash(text) != label:
            return False
    return True


def _anchor_row(values: Mapping[tuple[int, int], Any], first: int, end: int,
                expected: tuple[tuple[int, str], ...]) -> int | None:
    """The first row from ``first`` (to ``end``) that holds the ``expected``
    labels: _matches, with the first label's cell looked at in this loop."""
    if not expected:
        return first if first < end else None
    col, label = expected[0]
    get, rest = values.get, expected[1:]
    for row in range(first, end):
        text = get((row, col))
        if isinstance(text, str) and squash(text) == label \
                and (not rest or _matches(values, row, rest)):
            return row
    return None


def _locate(grid: Grid, sheet: _SheetPlan, out: _Collector) -> list[int]:
    """The first row of every block, found by its anchor labels in order."""
    starts: list[int] = []
    cursor = 0
    values, end = grid.values(), grid.max_row + 1
    for block in sheet.blocks:
        if block.anchor is None:
            start = cursor
        else:
            offset, expected = block.anchor, block.expected
            row = _anchor_row(values, cursor + offset, end, expected)
            if row is None:
                raise out.fail("layout-mismatch", sheet=grid.name,
                               detail=fill(block.labels[0].text or "", sheet.vars))
            start = row - offset
        starts.append(start)
        cursor = start + block.height
    return starts


def _read_blocks(grid: Grid, sheet: _SheetPlan, out: _Collector,
                 scope: keys.Scope, plan: m.Plan | None = None) -> dict[str, Any]:
    """Every field of a chapter or section sheet, by model path."""
    starts = _locate(grid, sheet, out)
    fields: dict[str, Any] = {}
    seen = out.seen(grid)
    root, under = scope.root, keys.under
    at, holds = grid.values().get, grid.formulas().__contains__
    sheet_name, sources = grid.name, out.sources
    # a section sheet's cells are recorded by the rest of their keys under its
    # root (every field of it is inside the section); a chapter sheet's by key
    cells = sources.under(root) if scope.section is not None else None
    for index, (plan_of, start) in enumerate(zip(sheet.blocks, starts)):
        seen.update(plan_of.looked[start])
        for offset, col, name, part, inside, spec, how in plan_of.fields:
            row = start + offset
            if how == _SDGS:
                fields[name] = _read_goals(grid, spec, row, out,
                                           under(root, part) if inside else part)
                continue
            place = (row, col)
            value = at(place)
            if value.__class__ is str and how == _PLAIN:       # _decoded's, for most fields
                fields[name] = value if value.strip() else None
            else:
                fields[name] = _decoded(grid, row, col, spec, how, value)
            if cells is not None and part:
                cells[part] = (sheet_name, row, col)
            else:
                sources.put(under(root, part) if inside else part, sheet_name, row, col)
            if holds(place):
                out.formula_at(under(root, part) if inside else part, grid, row, col)
        block = plan_of.block
        if block.table is None:
            continue
        end = starts[index + 1] if index + 1 < len(starts) else grid.max_row + 1
        if block.table.endswith(".indicators") and plan is not None:
            fields[block.table] = _indicator_rows(grid, block, plan, start + len(block.rows),
                                                  end, out, scope)
            continue
        items: list[dict[str, Any]] = []
        columns, width, rests = plan_of.columns, len(plan_of.cols), plan_of.rests
        kept = plan_of.places
        for row in range(start + plan_of.height, end):
            places = kept[row]
            seen.update(places)
            found = list(map(at, places))
            if found.count(None) == width:
                continue
            number = len(items)
            values: dict[str, Any] = {}
            for (col, name, spec, how), part, v, place in zip(
                    columns, rests[number] if number < len(rests) else plan_of.row_rests(number),
                    found, places):
                if v is None:                                   # _decoded's, inline
                    values[name] = () if how == _LIST else None
                elif v.__class__ is str and how == _PLAIN:
                    values[name] = v if v.strip() else None
                else:
                    values[name] = _decoded(grid, row, col, spec, how, v)
                if cells is not None:
                    cells[part] = (sheet_name, row, col)
                else:
                    sources.put(under(root, part), sheet_name, row, col)
                if holds(place):
                    out.formula_at(under(root, part), grid, row, col)
            items.append(values)
        fields[block.table] = items
    return fields


def _read_goals(grid: Grid, spec: CellSpec, row: int, out: _Collector,
                key: str) -> tuple[int, ...]:
    """関連するSDGs: the goals marked in the row under the goal numbers."""
    goals = []
    for goal in m.SDG_GOALS:
        col = spec.first_col + goal - 1
        out.look(grid, row, col)
        for extra in range(1, spec.rows):
            out.look(grid, row + extra, col)
            if grid.value(row + extra, col) is not None \
                    and str(grid.value(row + extra, col)).strip():
                goals.append(goal)
    out.sources.put(key, grid.name, row + spec.rows - 1, spec.first_col)
    return tuple(dict.fromkeys(goals))


def _indicator_rows(grid: Grid, block: Block, plan: m.Plan, first: int, end: int,
                    out: _Collector, scope: keys.Scope) -> tuple[m.Indicator, ...]:
    """A section sheet's own indicator table: one row per indicator, a target
    and an actual per period, the reviewed period's 達成率 and 評価."""
    specs = {(c.field or "", c.period): c for c in block.columns}
    last = len(plan.periods) - 1
    sheet = _IndicatorSheet(grid, out, out.seen(grid))
    found: list[m.Indicator] = []
    for row in range(first, end):
        for spec in block.columns:
            out.look(grid, row, spec.first_col)
        name_spec = specs.get(("name", None))
        if name_spec is None or grid.value(row, name_spec.first_col) is None:
            continue
        index = len(found)

        def value(spec: CellSpec, path: str, r: int = row) -> Any:
            cell = grid.get(r, spec.first_col)
            out.note(path, grid, r, spec.first_col)
            return decode(spec, cell.value, cell.num_format)

        text = {k: value(specs[(k, None)], scope.key(keys.INDICATORS, index, k))
                if (k, None) in specs else None
                for k in ("name", "unit", "direction")}
        direction = str(text["direction"] or "").strip()
        baseline = value(specs[("baseline", None)],
                         scope.key(keys.INDICATORS, index, "baseline")) \
            if ("baseline", None) in specs else None
        results: list[m.PeriodResult | None] = []
        for number, period in enumerate(plan.periods):
            target_spec, actual_spec = specs.get(("target", number)), specs.get(("actual", number))
            if target_spec is None or actual_spec is None:
                results.append(m.PeriodResult())
                continue
            shown = grid.value(row, target_spec.first_col)
            if isinstance(shown, str) and shown.strip() == block.absent:
                results.append(None)
                continue
            target = value(target_spec, scope.key(keys.INDICATORS, index, period.key, "target"))
            actual = value(actual_spec, scope.key(keys.INDICATORS, index, period.key, "actual"))
            rate_key = scope.key(keys.INDICATORS, index, period.key, keys.RATE)
            rate: m.RateValue = None
            rate_spec = specs.get(("rate", None))
            if number == last and rate_spec is not None:
                root, rest = keys.rooted(rate_key)
                rate = _read_rate(sheet, row, rate_spec.first_col, root, out.sources.under(root),
                                  rest, direction, target, actual,
                                  keys.parse(rate_key).is_computed)
            results.append(m.PeriodResult(target, actual, rate))
        rating = None
        rating_spec = specs.get(("rating", None))
        if rating_spec is not None:
            rating_cell = grid.get(row, rating_spec.first_col)
            rating_key = scope.key(keys.INDICATORS, index, keys.RATING)
            out.note(rating_key, grid, row, rating_spec.first_col)
            if not rating_cell.is_formula:
                rating = decode(rating_spec, rating_cell.value)
                if rating is not None:
                    out.typed_rates.add(rating_key)
        found.append(m.Indicator(name=str(text["name"]).strip(),
                                 unit=None if text["unit"] is None else str(text["unit"]).strip(),
                                 direction=direction, baseline=baseline,
                                 results=tuple(results), rating=rating))
    return tuple(found)


def _read_rate(sheet: _IndicatorSheet, row: int, col: int, root: str,
               cells: dict[str, tuple[str, int, int]], rest: str, direction: str,
               target: m.Figure, actual: m.Figure, computed: bool) -> m.RateValue:
    """A 達成率 cell (its key: ``rest`` under ``root``, keys.rooted; ``cells``:
    the sources recorded under ``root``): its formula's result recomputed from
    the figures, or the rate typed over it (recorded, so that validation can
    compare it with the figures).  ``computed``: keys.parse(key).is_computed,
    known before."""
    grid, out, place = sheet.grid, sheet.out, (row, col)
    sheet.seen.add(place)
    cells[rest] = (grid.name, row, col)
    if sheet.holds(place):
        if not computed:
            out.formula_at(keys.under(root, rest), grid, row, col)
        result = achievement(direction, target, actual)
        return None if result is None else as_written(result)
    rate = _decoded(grid, row, col, _RATE, _RATE_OF, sheet.at(place))
    if rate is not None:
        out.typed_rates.add(keys.under(root, rest))
    return rate


def _chapter(fields: dict[str, Any], number: int) -> m.Chapter:
    """The chapter from every ``chapter.…`` field its layout reads."""
    written = fields.get("chapter.number")
    chapter: m.Chapter = build(m.Chapter, fields, keys.LAYOUT_CHAPTER,
                               number=written if isinstance(written, int) else number,
                               title=fields.get("chapter.title") or "")
    return chapter


def _section(fields: dict[str, Any], number: int) -> m.Section:
    """The 節 from every ``section.…`` field its layout reads: a field the
    layout names lands in the model, one it does not keeps its default."""
    section: m.Section = build(m.Section, fields, keys.LAYOUT_SECTION, number=number,
                               title=fields.get("section.title") or "")
    return section


_FIGURE = CellSpec(0, 0, kind="figure")
_RATE = CellSpec(0, 0, kind="rate")


def _read_indicators(grid: Grid, plan_of: _IndicatorPlan, out: _Collector,
                     numbers: tuple[int, ...] = ()
                     ) -> dict[int, tuple[tuple[m.Indicator, ...], str | None]]:
    """Indicators and 未達成指標の理由・分析 of every section group.  A group is
    named in the group column; a layout without one takes ``numbers`` (the
    sections in sheet order) in turn, each group ending with its analysis."""
    ind = plan_of.layout
    values = grid.values()
    at = values.get
    start = _anchor_row(values, 0, grid.max_row + 1, plan_of.expected)
    if start is None:
        raise out.fail("layout-mismatch", sheet=grid.name, detail=ind.header[0][0].text or "")
    seen = out.seen(grid)
    seen.update(plan_of.heads[start])
    analysis_label = plan_of.analysis_label
    group, label_col, name_col = ind.group, ind.analysis_label.first_col, ind.name.first_col
    groups: dict[int, tuple[list[m.Indicator], list[str | None]]] = {}
    unnamed = iter(numbers)
    current: int | None = None if group is not None else next(unnamed, None)
    sheet = _IndicatorSheet(grid, out, seen)
    row = start + len(ind.header)
    while row <= grid.max_row:
        if group is not None:
            seen.add((row, group.first_col))
            group_text = at((row, group.first_col))
            if isinstance(group_text, str) and group_text.strip():
                number = unpattern(group.pattern, group_text)
                current = int(number) if number.isdigit() else current
        label = at((row, label_col))
        name = at((row, name_col))
        if current is None or (name is None and label is None):
            row += 1
            continue
        indicators, analysis = groups.setdefault(current, ([], [None]))
        if isinstance(label, str) and squash(label) == analysis_label:
            seen.add((row, label_col))
            if group is not None:
                seen.add((row + 1, group.first_col))
            text_col = ind.analysis_text.first_col
            analysis[0] = decode(ind.analysis_text, at((row + 1, text_col)))
            out.note(keys.unmet_analysis(current), grid, row + 1, text_col)
            row += 2
            if group is None:
                current = next(unnamed, None)
            continue
        if name is None:
            row += 1
            continue
        if group is not None:
            seen.update(plan_of.groups[row])
        indicators.append(_indicator(sheet, plan_of, row, current, len(indicators)))
        row += ind.rows
    return {n: (tuple(inds), analysis[0]) for n, (inds, analysis) in groups.items()}


def _text(value: Any) -> str | None:
    return None if value is None else str(value).strip() or None


class _IndicatorSheet:
    """What reading each indicator of a 目標指標 sheet needs, looked up once a
    sheet: the grid, its values and formula cells, where the reader notes what
    it read, and the section whose cells it last recorded."""

    __slots__ = ("grid", "at", "holds", "out", "seen", "number", "root", "cells")

    def __init__(self, grid: Grid, out: _Collector, seen: set[tuple[int, int]]) -> None:
        self.grid, self.out, self.seen = grid, out, seen
        self.at, self.holds = grid.values().get, grid.formulas().__contains__
        self.number: int | None = None
        self.root = ""
        self.cells: dict[str, tuple[str, int, int]] = {}

    def section(self, number: int) -> tuple[str, dict[str, tuple[str, int, int]]]:
        """Section ``number``'s root and its cells recorded by the rest of their keys."""
        if number != self.number:
            self.number, self.root = number, keys.section(number).root
            self.cells = self.out.sources.under(self.root)
        return self.root, self.cells


_NO_INDICATOR = m.Indicator("", None, "", None, ())


def _figure(grid: Grid, row: int, col: int, value: Any) -> Any:
    """_decoded of a figure cell: a float (most numbers) decoded here."""
    if value.__class__ is float:
        return figure_of(value, grid.number_format(row, col))
    return _decoded(grid, row, col, _FIGURE, _FIGURE_OF, value)


def _indicator(sheet: _IndicatorSheet, plan_of: _IndicatorPlan, row: int, number: int,
               index: int) -> m.Indicator:
    ind = plan_of.layout
    grid, at, holds, out, seen = sheet.grid, sheet.at, sheet.holds, sheet.out, sheet.seen
    root, cells = sheet.section(number)       # cells recorded by the rest of the key
    name = grid.name
    field_rests, period_rests = plan_of.indicator_rests(index)
    direction = _text(at((row, ind.direction.first_col))) or ""
    bottom = row + ind.rows - 1
    absent = ind.absent
    results: list[m.PeriodResult | None] = []
    for (target_col, actual_col, rate_col, computed), (target_rest, actual_rest, rate_rest) \
            in zip(plan_of.periods, period_rests):
        place = (row, target_col)
        shown = at(place)
        seen.add(place)
        if isinstance(shown, str) and shown.strip() == absent:
            results.append(None)
            continue
        cells[target_rest] = (name, row, target_col)
        if holds(place):
            out.formula_at(keys.under(root, target_rest), grid, row, target_col)
        target = None if shown is None else _figure(grid, row, target_col, shown)
        place = (bottom, actual_col)
        seen.add(place)
        cells[actual_rest] = (name, bottom, actual_col)
        if holds(place):
            out.formula_at(keys.under(root, actual_rest), grid, bottom, actual_col)
        actual = at(place)
        if actual is not None:
            actual = _figure(grid, bottom, actual_col, actual)
        rate: m.RateValue = None
        if rate_col is not None:
            rate = _read_rate(sheet, row, rate_col, root, cells, rate_rest, direction, target,
                              actual, computed)
        # m.PeriodResult(target, actual, rate), made as identity.copied makes a copy:
        # without __init__ (copied's own call costs ~50 K instructions a file here)
        result_of = object.__new__(m.PeriodResult)
        result_of.__dict__.update(target=target, actual=actual, rate=rate)
        results.append(result_of)
    read: dict[str, Any] = {}
    for (what, spec), part in zip(plan_of.fields, field_rests):
        col = spec.first_col
        place = (row, col)
        read[what] = at(place)
        seen.add(place)
        cells[part] = (name, row, col)
        if holds(place):
            out.formula_at(keys.under(root, part), grid, row, col)
    baseline, plan_target = ind.baseline, ind.plan_target
    return copied(
        _NO_INDICATOR, name=_text(read["name"]) or "", unit=_text(read["unit"]),
        direction=direction,
        baseline=None if baseline is None or read["baseline"] is None
        else _figure(grid, row, baseline.first_col, read["baseline"]),
        results=tuple(results),
        plan_target=None if plan_target is None or read["plan_target"] is None
        else _figure(grid, row, plan_target.first_col, read["plan_target"]))
