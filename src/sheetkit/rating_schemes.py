"""Rating scheme files: a bundled scheme by name (schemas/ratings/<name>.yaml) or
a city's own file, read as untrusted input and checked, every problem with its
file and line (rating-invalid), or rating-not-found with the bundled names."""

from __future__ import annotations

import re
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
            "name": text, "available": "、".join(bundled_schemes())})])
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
            "name": str(path), "available": "、".join(bundled_schemes()),
            "detail": _REFUSED.get(refused.reason, ("読めないファイルです", ""))[0],
            "detail_en": _REFUSED.get(refused.reason, ("", "the file cannot be read"))[1]})]) \
            from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetkitError([Problem("not-utf8", Location(str(path)))]) from None
    return scheme_from_text(text, str(path))


_REFUSED = {"folder": ("フォルダーです。ファイルを指定してください", "a folder, not a file"),
            "too-large": ("大きすぎます（64 KB まで）", "too large (at most 64 KB)"),
            "permission": ("読み取りの権限がありません", "no permission to read it")}
_TOP = ("name", "title", "bands", "unrated", "not_rated")
_BAND = ("label", "order", "colour", "rate_at_least", "baseline", "margin", "description")
_OTHER = ("label", "colour", "description")


class _SchemeReader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def bad(self, container: Any, key: str | int | None, ja: str, en: str) -> None:
        lines = getattr(container, "lines", None)
        line = getattr(container, "line", None)
        if isinstance(lines, dict):
            line = lines.get(key, line)
        elif isinstance(lines, list) and isinstance(key, int) and key < len(lines):
            line = lines[key]
        self.problems.append(Problem("rating-invalid", Location(self.source, line),
                                     {"detail": ja, "detail_en": en}))

    def mapping(self, value: Any, parent: Any, key: str | int, allowed: tuple[str, ...],
                what: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(parent, key, f"{what}は「項目: 値」の形で書いてください",
                     f"write {what} as 'key: value' pairs")
            return None
        for name in value:
            if name not in allowed:
                self.bad(value, name, f"「{name}」は使えません。使える項目：{'、'.join(allowed)}",
                         f"'{name}' is not allowed; allowed: {', '.join(allowed)}")
        return value

    def text(self, data: dict[str, Any], key: str, what: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.bad(data, key, f"{what}に「{key}」がありません",
                         f"'{key}' is missing in {what}")
            return ""
        if isinstance(value, (dict, list)):
            self.bad(data, key, f"「{key}」は文字で書いてください", f"'{key}' must be text")
            return ""
        return str(value).strip()

    def colour(self, data: dict[str, Any], what: str) -> str:
        value = self.text(data, "colour", what)
        if value and not _COLOUR.match(value):
            self.bad(data, "colour", f"色「{value}」は #RRGGBB（例：#2E7D32）で書いてください",
                     f"write the colour '{value}' as #RRGGBB (e.g. #2E7D32)")
        return value.upper()

    def number(self, data: dict[str, Any], key: str, low: Decimal, high: Decimal) -> Decimal:
        value = data.get(key)
        text = "" if value is None or isinstance(value, (bool, dict, list)) else str(value).strip()
        try:
            number = Decimal(text.rstrip("%％")) / (100 if text.endswith(("%", "％")) else 1)
        except (InvalidOperation, ValueError):
            self.bad(data, key, f"「{key}」は数（例：0.8 または 80%）で書いてください",
                     f"'{key}' must be a number (e.g. 0.8 or 80%)")
            return low
        if not low <= number <= high:
            self.bad(data, key, f"「{key}」は {low} から {high} の間にしてください",
                     f"'{key}' must be between {low} and {high}")
        return number

    def band(self, value: Any, parent: Any, index: int) -> Band | None:
        what = f"bands の{index + 1}番目"
        data = self.mapping(value, parent, index, _BAND, what)
        if data is None:
            return None
        label = self.text(data, "label", what)
        order = data.get("order")
        if not isinstance(order, int) or isinstance(order, bool):
            self.bad(data, "order", f"{what}の「order」は整数で書いてください",
                     f"'order' of band {index + 1} must be a whole number")
            order = 0
        colour = self.colour(data, what)
        has_rate, has_base = "rate_at_least" in data, "baseline" in data
        if has_rate == has_base:
            self.bad(parent, index, f"{what}には rate_at_least と baseline のどちらか一方を書いてください",
                     f"band {index + 1} needs exactly one of rate_at_least and baseline")
            return None
        if has_rate:
            if "margin" in data:
                self.bad(data, "margin", "margin は baseline: within のときだけ書けます",
                         "margin goes only with baseline: within")
            rule = Rule(rate_at_least=self.number(data, "rate_at_least", Decimal(0),
                                                  Decimal(10)))
        else:
            kind = data.get("baseline")
            if kind not in BASELINE_RULES:
                self.bad(data, "baseline", f"baseline は {'・'.join(BASELINE_RULES)} のどれかです",
                         f"baseline is one of {', '.join(BASELINE_RULES)}")
                return None
            if (kind == WITHIN) != ("margin" in data):
                self.bad(data, "baseline", "margin（例：0.1）は baseline: within のときに必ず書き、"
                                           "それ以外では書きません",
                         "margin (e.g. 0.1) goes with baseline: within, and only there")
            margin = self.number(data, "margin", Decimal(0), Decimal(1)) \
                if "margin" in data else Decimal(0)
            rule = Rule(baseline=kind, margin=margin)
        return Band(label, order, colour, rule, self.text(data, "description", what, False))

    def other(self, data: Any, key: str, default: tuple[str, str] | None) -> Band:
        value = data.get(key)
        if value is None and default is not None:
            return Band(default[0], 0, default[1], None, "")
        band = self.mapping(value, data, key, _OTHER, key)
        if band is None:
            return Band("", 0, "#000000")
        return Band(self.text(band, "label", key), 0, self.colour(band, key), None,
                    self.text(band, "description", key, False))

    def scheme(self, data: Any) -> Scheme | None:
        top = self.mapping(data, data, "name", _TOP, "評価方法のファイル")
        if top is None:
            return None
        name = self.text(top, "name", "評価方法")
        title = self.text(top, "title", "評価方法")
        items = top.get("bands")
        if not isinstance(items, list) or not items:
            self.bad(top, "bands", "bands に区分を1つ以上、「- 」で始めて並べてください",
                     "list one or more bands under bands, each starting with '- '")
            items = []
        bands = [b for i, item in enumerate(items) if (b := self.band(item, items, i))]
        unrated = self.other(top, "unrated", None)
        not_rated = self.other(top, "not_rated", ("評価せず", "#BFBFBF"))
        labels = [b.label for b in (*bands, unrated, not_rated)]
        for label in sorted({x for x in labels if labels.count(x) > 1 and x}):
            self.bad(top, "bands", f"区分の名前「{label}」が2回使われています",
                     f"the band name '{label}' is used twice")
        orders = [b.order for b in bands]
        for order in sorted({x for x in orders if orders.count(x) > 1}):
            self.bad(top, "bands", f"order {order} が2回使われています",
                     f"order {order} is used twice")
        for band in (*bands, unrated, not_rated):
            if re.match(r"^[<>=]", band.label) or re.search(r"[*?~]", band.label):
                self.bad(top, "bands", f"区分の名前「{band.label}」には記号 < > = * ? ~ を"
                                       "使えません（集計の数式が読み違えます）",
                         f"the band name '{band.label}' cannot use < > = * ? ~ "
                         "(the tally formulas would misread it)")
        return Scheme(name, title, tuple(bands), unrated, not_rated)


def scheme_from_text(text: str, source: str) -> Scheme:
    data = parse_text(text, source, json_syntax=source.lower().endswith(".json"))
    reader = _SchemeReader(source)
    scheme = reader.scheme(data)
    if reader.problems or scheme is None:
        raise SheetkitError(reader.problems or [Problem("rating-invalid", Location(source), {
            "detail": "空のファイルです", "detail_en": "the file is empty"})])
    return scheme
