"""Messages, Japanese first, English available: a problem with its place, its
text from the registry of codes (sheetkit.codes), and click's usage errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sheetkit import codes
from sheetkit.problems import Location, Problem

LANGS = ("ja", "en")


class _UsageTexts(Mapping[str, str]):
    """click's usage errors in one language, read from the registry when first used
    (a command that runs without a usage error never reads them)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def _texts(self) -> dict[str, str]:
        return codes.usage_texts(self.lang)

    def __getitem__(self, key: str) -> str:
        return self._texts()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts())

    def __len__(self) -> int:
        return len(self._texts())


class _UsageDetails(Sequence[tuple[str, str]]):
    """click's English details and their Japanese, from the registry when first used."""

    def __getitem__(self, index: Any) -> Any:
        return codes.usage_details()[index]

    def __len__(self) -> int:
        return len(codes.usage_details())


# click's usage errors, in Japanese (click itself speaks English): schemas/findings.yaml `usage`
CLICK_JA: Mapping[str, str] = _UsageTexts("ja")
CLICK_EN: Mapping[str, str] = _UsageTexts("en")
CLICK_DETAILS_JA: Sequence[tuple[str, str]] = _UsageDetails()


def render(problem: Problem, lang: str = "ja") -> str:
    """The message alone, in ``lang``."""
    return codes.message(problem.code, problem.params, lang)


def severity_words(lang: str) -> dict[str, str]:
    """Each severity's word in ``lang`` ({'error': 'エラー', …}), from the registry."""
    return codes.severity_words(lang)


def where(location: Location, lang: str = "ja") -> str:
    """'data.yaml 12行目（sections[0].goal）' / 'data.yaml line 12 (sections[0].goal)'."""
    parts = [location.file or ""]
    if location.line is not None:
        parts.append(f"{location.line}行目" if lang == "ja" else f"line {location.line}")
    if location.sheet is not None:
        parts.append(f"{location.sheet}!{location.cell}" if location.cell else location.sheet)
    text = " ".join(p for p in parts if p)
    if location.field:
        text += f"（{location.field}）" if lang == "ja" else f" ({location.field})"
    return text


def line(problem: Problem, lang: str = "ja") -> str:
    """One line for the terminal: where, then what and what to do."""
    place = where(problem.location, lang)
    return f"{place}: {render(problem, lang)}" if place else render(problem, lang)
