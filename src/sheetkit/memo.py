"""One bounded memo for what a run works out once and looks up for every file."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """``key`` -> ``make(key)``, made the first time it is asked for and then
    looked up in C (``memo[key]`` is a dict lookup).  At most ``limit`` kept:
    when full it is emptied and fills again, so a hostile file that makes
    keys without end costs time, never memory.  Its values are shared by
    every caller: read them, never change them."""

    __slots__ = ("make", "limit")

    def __init__(self, make: Callable[[K], V], limit: int) -> None:
        super().__init__()
        self.make, self.limit = make, limit

    def __missing__(self, key: K) -> V:
        value = self.make(key)
        if len(self) >= self.limit:
            self.clear()
        if self.limit:                  # (a limit of 0 keeps nothing: made every time)
            self[key] = value
        return value
