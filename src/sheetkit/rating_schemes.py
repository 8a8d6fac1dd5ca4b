"""Rating scheme files: a bundled scheme by name (schemas/ratings/<name>.yaml) or
a city's own file, read as untrusted input and checked, every problem with its
file and line (rating-invalid), or rating-not-found with the bundled names."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sheetkit.intake import Refused, read_limited
from sheetkit.loader import parse_text
from sheetkit.problems import Location, Problem, SheetkitError
from sheetkit.ratings import BASELINE_RULES, WITHIN, Band, Rule, Scheme

DEFAULT_SCHEME = "tassei"
MAX_SCHEME_BYTES = 64 * 1024
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def bundled_schemes() -> tuple[str, ...]:
    folder = resources.files("sheetkit.schemas") / "ratings"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


def load_scheme(spec: str | Path = DEFAULT_SCHEME) -> Scheme:
    """A bundled scheme by name (tassei, abcd, baseline) or a scheme file;
    SheetkitError naming the file and line of anything wrong in it."""
    text = str(spec)
    if text in bundled_schemes():
        return _bundled(text)
    path = Path(text)
    if path.suffix.lower() not in (".yaml", ".yml", ".json") and not path.exists():
        raise SheetkitError([Problem("rating-not-found", Location(text), {
            "name": text, **_available()})])
    return _from_file(path)


@cache
def _bundled(name: str) -> Scheme:
    resource = resources.files("sheetkit.schemas") / "ratings" / f"{name}.yaml"
    return scheme_from_text(resource.read_text(encoding="utf-8"), f"schemas/ratings/{name}.yaml")


def _from_file(path: Path) -> Scheme:
    try:
        raw = read_limited(path, MAX_SCHEME_BYTES)
    except Refused as refused:
        code = "rating-not-found" if refused.reason == "missing" else "rating-invalid"
        raise SheetkitError([Problem(code, Location(str(path)), {
            "name": str(path), **_available(),
            "detail": refused.reason if refused.reason in _REFUSED else "unreadable"})]) \
            from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetkitError([Problem("not-utf8", Location(str(path)))]) from None
    return scheme_from_text(text, str(path))


def _available() -> dict[str, str]:
    return _listed("available", bundled_schemes())


def _listed(name: str, words: tuple[str, ...]) -> dict[str, str]:
    """A list in a message's {name}: 、 between words in Japanese, a comma in English."""
    return {name: "、".join(words), f"{name}_en": ", ".join(words)}


# the reasons a file is refused that have their own words (registry: details)
_REFUSED = ("folder", "too-large", "permission")
Part = dict[str, str]       # the part of the file a detail names: {"part": "band", "band": "2"}
_TOP = ("name", "title", "bands", "unrated", "not_rated")
_BAND = ("label", "order", "colour", "rate_at_least", "baseline", "margin", "description")
_OTHER = ("label", "colour", "description")


class _SchemeReader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def bad(self, container: Any, at: str | int | None, detail: str, **params: str) -> None:
        """A rating-invalid problem on the line of ``at`` in ``container``; its
        words are the registry's ``detail`` (schemas/findings.yaml, details:)."""
        lines = getattr(container, "lines", None)
        line = getattr(container, "line", None)
        if isinstance(lines, dict):
            line = lines.get(at, line)
        elif isinstance(lines, list) and isinstance(at, int) and at < len(lines):
            line = lines[at]
        self.problems.append(Problem("rating-invalid", Location(self.source, line),
                                     {"detail": detail, **params}))

    def mapping(self, value: Any, parent: Any, key: str | int, allowed: tuple[str, ...],
                what: Part) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(parent, key, "not-mapping", **what)
            return None
        for name in value:
            if name not in allowed:
                self.bad(value, name, "unknown-key", key=str(name), **_listed("allowed", allowed))
        return value

    def text(self, data: dict[str, Any], key: str, what: Part, required: bool = True) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.bad(data, key, "missing-key", key=key, **what)
            return ""
        if isinstance(value, (dict, list)):
            self.bad(data, key, "not-text", key=key)
            return ""
        return str(value).strip()

    def colour(self, data: dict[str, Any], what: Part) -> str:
        value = self.text(data, "colour", what)
        if value and not _COLOUR.match(value):
            self.bad(data, "colour", "colour", value=value)
        return value.upper()

    def number(self, data: dict[str, Any], key: str, low: Decimal, high: Decimal) -> Decimal:
        value = data.get(key)
        text = "" if value is None or isinstance(value, (bool, dict, list)) else str(value).strip()
        try:
            number = Decimal(text.rstrip("%％")) / (100 if text.endswith(("%", "％")) else 1)
        except (InvalidOperation, ValueError):
            self.bad(data, key, "not-number", key=key)
            return low
        if not low <= number <= high:
            self.bad(data, key, "out-of-range", key=key, low=str(low), high=str(high))
        return number

    def band(self, value: Any, parent: Any, index: int) -> Band | None:
        what = {"part": "band", "band": str(index + 1)}
        data = self.mapping(value, parent, index, _BAND, what)
        if data is None:
            return None
        label = self.text(data, "label", what)
        order = data.get("order")
        if not isinstance(order, int) or isinstance(order, bool):
            self.bad(data, "order", "order", **what)
            order = 0
        colour = self.colour(data, what)
        has_rate, has_base = "rate_at_least" in data, "baseline" in data
        if has_rate == has_base:
            self.bad(parent, index, "one-rule", **what)
            return None
        if has_rate:
            if "margin" in data:
                self.bad(data, "margin", "margin-with-rate")
            rule = Rule(rate_at_least=self.number(data, "rate_at_least", Decimal(0),
                                                  Decimal(10)))
        else:
            kind = data.get("baseline")
            if kind not in BASELINE_RULES:
                self.bad(data, "baseline", "baseline-rule", allowed="・".join(BASELINE_RULES),
                         allowed_en=", ".join(BASELINE_RULES))
                return None
            if (kind == WITHIN) != ("margin" in data):
                self.bad(data, "baseline", "margin-within")
            margin = self.number(data, "margin", Decimal(0), Decimal(1)) \
                if "margin" in data else Decimal(0)
            rule = Rule(baseline=kind, margin=margin)
        return Band(label, order, colour, rule, self.text(data, "description", what, False))

    def other(self, data: Any, key: str, default: Callable[[], Band] | None) -> Band:
        value = data.get(key)
        if value is None and default is not None:
            return default()
        what = {"part": key}
        band = self.mapping(value, data, key, _OTHER, what)
        if band is None:
            return Band("", 0, "#000000")
        return Band(self.text(band, "label", what), 0, self.colour(band, what), None,
                    self.text(band, "description", what, False))

    def scheme(self, data: Any) -> Scheme | None:
        top = self.mapping(data, data, "name", _TOP, {"part": "file"})
        if top is None:
            return None
        name = self.text(top, "name", {"part": "scheme"})
        title = self.text(top, "title", {"part": "scheme"})
        items = top.get("bands")
        if not isinstance(items, list) or not items:
            self.bad(top, "bands", "no-bands")
            items = []
        bands = [b for i, item in enumerate(items) if (b := self.band(item, items, i))]
        unrated = self.other(top, "unrated", None)
        not_rated = self.other(top, "not_rated", _default_not_rated)
        labels = [b.label for b in (*bands, unrated, not_rated)]
        for label in sorted({x for x in labels if labels.count(x) > 1 and x}):
            self.bad(top, "bands", "label-twice", value=label)
        orders = [b.order for b in bands]
        for order in sorted({x for x in orders if orders.count(x) > 1}):
            self.bad(top, "bands", "order-twice", value=str(order))
        for band in (*bands, unrated, not_rated):
            if re.match(r"^[<>=]", band.label) or re.search(r"[*?~]", band.label):
                self.bad(top, "bands", "label-symbols", value=band.label)
        return Scheme(name, title, tuple(bands), unrated, not_rated)


def _default_not_rated() -> Band:
    """「評価せず」 of a scheme that does not name its own: the default scheme's."""
    return _bundled(DEFAULT_SCHEME).not_rated


def scheme_from_text(text: str, source: str) -> Scheme:
    data = parse_text(text, source, json_syntax=source.lower().endswith(".json"))
    reader = _SchemeReader(source)
    scheme = reader.scheme(data)
    if reader.problems or scheme is None:
        raise SheetkitError(reader.problems or [Problem("rating-invalid", Location(source), {
            "detail": "empty"})])
    return scheme
