"""Layouts: where each block and field of a 総括表 sits, read from templates/*.yaml.

The same Layout drives the writer and the reader."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sheetkit.a1 import col_index, parse_span
from sheetkit.guard import default_limits
from sheetkit.intake import Refused, read_limited
from sheetkit.problems import Location, Problem, SheetkitError

DEFAULT_LAYOUT = "tokorozawa"
KINDS = ("text", "int", "figure", "date", "rate", "rank", "list", "policy", "policy-choice")


@dataclass(frozen=True)
class CellSpec:
    """One cell (possibly merged) of a layout."""

    first_col: int
    last_col: int
    rows: int = 1
    text: str | None = None
    field: str | None = None
    kind: str = "text"
    pattern: str | None = None
    join: str = "\n"
    prefix: str = ""
    style: str = "value"
    input: str = "no"          # "no", "yes" or "when-empty"
    hint: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Block:
    """Fixed rows (labels, captions, single fields) and, for a table, its data rows.

    ``anchor`` is the index of the fixed row whose labels identify the block;
    a table without fixed rows is identified by its ``side`` label."""

    rows: tuple[tuple[CellSpec, ...], ...] = ()
    anchor: int | None = None
    side: CellSpec | None = None
    table: str | None = None
    columns: tuple[CellSpec, ...] = ()
    name: str | None = None
    input: bool = False


@dataclass(frozen=True)
class SheetLayout:
    sheet: str
    widths: tuple[tuple[int, float], ...]
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class PeriodColumns:
    value: int
    rate: int


@dataclass(frozen=True)
class IndicatorLayout:
    sheet: str
    widths: tuple[tuple[int, float], ...]
    title: CellSpec
    header: tuple[tuple[CellSpec, ...], ...]
    group: CellSpec
    name: CellSpec
    unit: CellSpec
    direction: CellSpec
    baseline: CellSpec
    plan_target: CellSpec
    periods: tuple[PeriodColumns, ...]
    actual_hint: str
    analysis_label: CellSpec
    analysis_text: CellSpec

    @property
    def last_col(self) -> int:
        return max(c.last_col for row in self.header for c in row)


@dataclass(frozen=True)
class TemplateSettings:
    file: str
    rows: int
    instructions_title: str
    intro: tuple[str, ...]
    fields_heading: str
    verdict_col: int | None = None     # 提出前チェック's verdict, right of the section sheet's title
    verdict_width: float = 40


@dataclass(frozen=True)
class Layout:
    name: str
    version: int
    description: str
    font: dict[str, Any]
    line_height: float
    input_fill: str
    styles: dict[str, dict[str, Any]]
    formats: dict[str, str]
    print: dict[str, Any]
    chapter: SheetLayout
    section: SheetLayout
    indicators: IndicatorLayout
    template: TemplateSettings


def available_layouts() -> list[str]:
    """Names of the layouts bundled in sheetkit.templates."""
    folder = resources.files("sheetkit.templates")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def bundled_layout(name: object, source: str | None = None) -> Layout:
    """The layout a workbook names: only a bundled one, by plain name (no
    path, no ``..``, no ``.yaml``).  A workbook is untrusted: no file is ever
    opened because it said so.  SheetkitError (not-sheetkit) otherwise,
    echoing nothing."""
    if not isinstance(name, str) or not _PLAIN_NAME.fullmatch(name) \
            or name not in available_layouts():
        raise SheetkitError([Problem("not-sheetkit", Location(source))])
    return load_layout(name)


@cache
def load_layout(name_or_path: str = DEFAULT_LAYOUT) -> Layout:
    """A bundled layout by name, or a layout file by path (read once per run);
    a path is for the office's own --layout, never for a name read from a workbook."""
    import yaml

    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        try:
            raw = read_limited(path, default_limits().max_data_bytes)
        except Refused as refused:
            raise SheetkitError([Problem("layout-invalid", Location(str(path)), {
                "layout": str(path), "detail": refused.reason})]) from None
        text, label = raw.decode("utf-8", "replace"), str(path)
    else:
        resource = resources.files("sheetkit.templates") / f"{name_or_path}.yaml"
        if not resource.is_file():
            raise SheetkitError([Problem("layout-not-found", Location(), {
                "layout": name_or_path, "available": "、".join(available_layouts())})])
        text, label = resource.read_text(encoding="utf-8"), name_or_path
    try:
        return _build(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise SheetkitError([Problem("layout-invalid", Location(label),
                                     {"layout": label, "detail": f"{type(exc).__name__}: {exc}"})]
                            ) from None


def _cell(data: dict[str, Any], column_only: bool = False) -> CellSpec:
    if column_only and isinstance(data, str):
        data = {"span": data}
    first, last = parse_span(str(data["span"]))
    kind = data.get("kind", "text")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    raw_input = data.get("input", False)
    input_mode = "when-empty" if raw_input == "when-empty" else ("yes" if raw_input else "no")
    return CellSpec(first, last, int(data.get("rows", 1)), data.get("text"), data.get("field"),
                    kind, data.get("pattern"), data.get("join", "\n"), data.get("prefix", ""),
                    data.get("style", "value"), input_mode, data.get("hint"), data.get("name"))


def _widths(data: dict[str, Any]) -> tuple[tuple[int, float], ...]:
    return tuple((col_index(k), float(v)) for k, v in data.items())


def _sheet(data: dict[str, Any]) -> SheetLayout:
    blocks = []
    for b in data["blocks"]:
        rows = tuple(tuple(_cell(c) for c in row) for row in b.get("rows", ()))
        blocks.append(Block(
            rows=rows, anchor=b.get("anchor"),
            side=_cell(b["side"]) if "side" in b else None,
            table=b.get("table"), columns=tuple(_cell(c) for c in b.get("columns", ())),
            name=b.get("name"), input=bool(b.get("input", False))))
    return SheetLayout(data["sheet"], _widths(data["widths"]), tuple(blocks))


def _build(data: dict[str, Any]) -> Layout:
    ind = data["indicators"]
    indicators = IndicatorLayout(
        sheet=ind["sheet"], widths=_widths(ind["widths"]), title=_cell(ind["title"]),
        header=tuple(tuple(_cell(c) for c in row) for row in ind["header"]),
        group=_cell(ind["group"]), name=_cell(ind["name"]), unit=_cell(ind["unit"]),
        direction=_cell(ind["direction"]), baseline=_cell(ind["baseline"]),
        plan_target=_cell(ind["plan_target"]),
        periods=tuple(PeriodColumns(col_index(p["value"]), col_index(p["rate"]))
                      for p in ind["periods"]),
        actual_hint=ind["actual_hint"],
        analysis_label=_cell(ind["analysis"]["label"]),
        analysis_text=_cell(ind["analysis"]["text"]))
    tpl = data["template"]
    verdict = tpl.get("precheck", {}).get("verdict")
    template = TemplateSettings(tpl["file"], int(tpl["rows"]), tpl["instructions"]["title"],
                                tuple(tpl["instructions"]["intro"]),
                                tpl["instructions"]["fields_heading"],
                                None if verdict is None else col_index(verdict["span"]),
                                float(verdict.get("width", 40)) if verdict else 40)
    return Layout(
        name=data["name"], version=int(data["version"]), description=data.get("description", ""),
        font=dict(data["font"]), line_height=float(data["line_height"]),
        input_fill=data["input_fill"], styles=dict(data["styles"]), formats=dict(data["formats"]),
        print=dict(data["print"]), chapter=_sheet(data["chapter"]), section=_sheet(data["section"]),
        indicators=indicators, template=template)
