"""Where a problem is, what it is, and the one exception for 'cannot proceed'."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """A file, and inside it a line (YAML/JSON) or a sheet and cell (workbook)."""

    file: str | None = None
    line: int | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class Problem:
    """A stable kebab-case code, its location and the values its message needs."""

    code: str
    location: Location
    params: dict[str, str] = field(default_factory=dict, hash=False, compare=True)


class SheetkitError(Exception):
    """sheetkit cannot go on (a file that can't be read or loaded).

    Carries the problems found; the CLI renders them in the user's language."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.code for p in problems))
        self.problems = tuple(problems)


def debugging() -> bool:
    """A developer asked for tracebacks (SHEETKIT_DEBUG=1) instead of findings."""
    return os.environ.get("SHEETKIT_DEBUG") == "1"
