"""What each output must be called: its extension says what is written in it.

An output named otherwise (``generate -o x.csv``) would be a workbook that
nothing opens by its name, so it is refused before any work."""

from __future__ import annotations

from pathlib import Path

from sheetkit.problems import Location, Problem, SheetkitError

WORKBOOK = (".xlsx",)
DATA = (".yaml", ".yml", ".json")
CSV = (".csv",)
_EXAMPLES = {WORKBOOK: "総括表.xlsx", DATA: "第1章.yaml", CSV: "目標指標.csv"}


def require(path: str | Path | None, allowed: tuple[str, ...]) -> None:
    """SheetkitError (wrong-extension) unless ``path`` ends in one of ``allowed``."""
    if path is None or Path(path).suffix.lower() in allowed:
        return
    raise SheetkitError([Problem("wrong-extension", Location(str(path)), {
        "path": str(path), "allowed": "・".join(allowed), "example": _EXAMPLES[allowed]})])
