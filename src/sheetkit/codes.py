"""The registry of codes, read from schemas/findings.yaml: each code's severity,
its messages in Japanese and English, and its row in the README.

Every problem and finding sheetkit reports has a registered code, and its
texts live only there.  ``severity`` and ``template`` refuse a code that is
not registered, so a new code cannot be emitted without its entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

DEFAULT = "default"
FINDING_TABLE = "findings"       # what validate, status and merge report (findings.yaml's section)
COMMAND_TABLE = "commands"       # problems that stop a command (findings.yaml's section)


@dataclass(frozen=True)
class Code:
    """One registered code."""

    code: str
    severity: str
    messages: dict[str, dict[str, str]]         # variant -> language -> template
    readme: dict[str, str]                      # language -> the README row's text
    table: str                                  # FINDING_TABLE or COMMAND_TABLE
    reported_as: tuple[str, str | None] | None = None   # validate's code (and variant) for it


@dataclass(frozen=True)
class Registry:
    codes: dict[str, Code]
    severity_words: dict[str, dict[str, str]]   # severity -> language -> word
    labels: dict[str, Any]                      # field names that messages print
    reasons: dict[str, dict[str, str]]          # a message's {reason}, by name
    units: dict[str, dict[str, str]]            # a reason's {what}
    kinds: dict[str, dict[str, str]]            # a message's {expected} kind of value
    details: dict[str, dict[str, Any]]          # code -> its {detail} texts and {part} names


class UnregisteredCode(KeyError):
    """A code that schemas/findings.yaml does not list: a bug, never a user's problem."""


@cache
def _load() -> dict[str, Any]:
    # imported here: parsing the command line and --help read no YAML
    from importlib import resources

    from sheetkit import parsed

    text = (resources.files("sheetkit.schemas") / "findings.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = parsed.load("findings", text)
    return data


@cache
def registry() -> Registry:
    data = _load()
    codes: dict[str, Code] = {}
    for table in (FINDING_TABLE, COMMAND_TABLE):
        for code, entry in data[table].items():
            messages = entry["variants"] if "variants" in entry else {DEFAULT: entry["message"]}
            reported = entry.get("reported_as")
            if isinstance(reported, dict):
                reported = (reported["code"], reported.get("variant"))
            elif reported is not None:
                reported = (reported, None)
            codes[code] = Code(code, entry["severity"], messages, entry["readme"], table,
                               reported)
    return Registry(codes, data["severities"], data["labels"], data["reasons"], data["units"],
                    data["kinds"], data.get("details", {}))


def get(code: str) -> Code:
    try:
        return registry().codes[code]
    except KeyError:
        raise UnregisteredCode(code) from None


def is_registered(code: str) -> bool:
    return code in registry().codes


def severity(code: str) -> str:
    """How serious a finding of ``code`` is: error, warning or info."""
    return get(code).severity


def template(code: str, variant: str | None, lang: str) -> str:
    """The message template of ``code`` (its ``variant``, else its default) in ``lang``
    (Japanese when there is none in ``lang``)."""
    messages = get(code).messages
    chosen = messages.get(variant or DEFAULT, messages[DEFAULT])
    return chosen.get(lang, chosen["ja"])


def message(code: str, params: Mapping[str, str], lang: str = "ja") -> str:
    """The message of a problem of ``code`` carrying ``params``, in ``lang``: its
    template filled, a named {reason} and {expected} kind put in words."""
    found = registry()
    values = dict(params)
    if values.get("reason") in found.reasons:
        reason = found.reasons[values["reason"]]
        unit = found.units.get(values.get("what", ""), {})
        values["reason"] = reason.get(lang, reason["ja"]).format(
            detail=values.get("detail", ""), what=unit.get(lang, ""),
            limit=values.get("limit", ""))
    if lang == "en":                 # a detail given in both languages ({detail}, {detail_en})
        values |= {k[:-3]: v for k, v in params.items() if k.endswith("_en") and k != "expected_en"}
    own = found.details.get(code, {})
    if values.get("detail") in own.get("texts", {}):
        values["detail"] = _detail(own, values, lang)
    if values.get("expected") in found.kinds:
        kind = found.kinds[values["expected"]]
        values["expected"], values["expected_en"] = kind["ja"], kind["en"]
    try:
        return template(code, values.get("variant"), lang).format(**values)
    except (KeyError, IndexError):
        return template(code, values.get("variant"), "ja")


def _detail(own: dict[str, Any], values: dict[str, str], lang: str) -> str:
    """A named {detail} in ``lang``, its {part} named too."""
    def text(entry: dict[str, str]) -> str:
        return entry.get(lang, entry["ja"]).format_map(values)
    part = values.get("part", "")
    values = values | {"part": text(own["parts"][part]) if part in own.get("parts", {})
                       else part}
    return text(own["texts"][values["detail"]])


@cache
def _usage() -> dict[str, Any]:
    return dict(_load()["usage"])


def usage_texts(lang: str) -> dict[str, str]:
    """What sheetkit prints for click's usage errors in ``lang`` (the registry's `usage`)."""
    return dict(_usage().get(lang, {}))


def usage_details() -> tuple[tuple[str, str], ...]:
    """click's English details (a regular expression each) and their Japanese."""
    return tuple((d["pattern"], d["ja"]) for d in _usage()["details"])


def reported_as(code: str) -> tuple[str, str | None]:
    """The code (and variant) under which validate reports a reading problem."""
    return get(code).reported_as or (code, None)


def severity_words(lang: str) -> dict[str, str]:
    """Each severity's word in ``lang``: {'error': 'エラー', …}."""
    return {name: words.get(lang, words["ja"])
            for name, words in registry().severity_words.items()}


def label(word: str, table: str = "") -> str:
    """The name messages print for a field: 'goal' -> 'まちづくりの目標';
    ``table`` picks a table's own meaning ('direction' of a 課題 is 今後の方針)."""
    labels = registry().labels
    own = labels.get(table)
    if isinstance(own, dict) and word in own:
        return str(own[word])
    found = labels.get(word, word)
    return found if isinstance(found, str) else word


def path_label(parts: tuple[str, ...] | list[str]) -> str:
    """The name of the field a path ends in: its last word that has a name
    ('indicators', '0', 'first_half', 'target' -> '目標値'), else its last word."""
    labels = registry().labels
    return next((str(labels[p]) for p in reversed(parts)
                 if isinstance(labels.get(p), str)), parts[-1] if parts else "")


def readme_table(table: str, lang: str) -> str:
    """The README's table of codes (Markdown), as registered."""
    head = ("| コード | 重要度 | 内容 |\n|---|---|---|" if lang == "ja" else
            "| Code | Severity | What it means |\n|---|---|---|")
    words = severity_words(lang)
    rows = [f"| `{c.code}` | {words[c.severity]} | {c.readme[lang]} |"
            for c in registry().codes.values() if c.table == table]
    return "\n".join([head, *rows])
