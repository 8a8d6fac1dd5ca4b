"""Messages, Japanese first, English available: a problem with its place, its
text from the registry of codes (sheetkit.codes), and click's usage errors."""

from __future__ import annotations

from sheetkit import codes
from sheetkit.problems import Location, Problem

LANGS = ("ja", "en")

# click's usage errors, in Japanese (click itself speaks English)
CLICK_JA = {
    "missing": "{name} を指定してください。",
    "no-such-option": "{name} というオプションはありません。",
    "did-you-mean": "（もしかして：{names}）",
    "needs-value": "{name} の後に値を書いてください。",
    "bad-value": "{name} の値が正しくありません：{detail}",
    "no-such-command": "「{name}」というコマンドはありません（generate・template・validate・status・merge・extract のどれかです）。",
    "extra-arguments": "余分な引数があります（{args}）。",
    "other": "使い方に誤りがあります（{detail}）。",
    "try-help": "詳しくは「{command} --help」を見てください。",
    "error": "エラー：{message}",
    "bad-env": "環境変数 SHEETKIT_LANG の値「{value}」は使えません。ja か en にしてください（--lang でも指定できます）。",
}
CLICK_EN = {
    "bad-env": "The environment variable SHEETKIT_LANG is '{value}', which is not a language sheetkit speaks. Set it to ja or en (or give --lang).",
}
CLICK_DETAILS_JA = (
    (r"'(.*)' is not one of (.*)\.$", "「{0}」は使えません。次のどれかを指定してください：{1}。"),
    (r"'(.*)' is not (?:a valid )?one of (.*)\.$", "「{0}」は使えません。次のどれかを指定してください：{1}。"),
    (r"File '(.*)' is a directory\.$", "「{0}」はフォルダーです。ファイルを指定してください。"),
    (r"Directory '(.*)' is a file\.$", "「{0}」はファイルです。フォルダーを指定してください。"),
    (r"(?:File|Path|Directory) '(.*)' does not exist\.$", "「{0}」が見つかりません。"),
    (r"(.*) is not in the range (.*)\.$", "{0} は範囲（{1}）の外です。"),
    (r"'(.*)' is not a valid integer(?: range)?\.$", "「{0}」は整数ではありません。"),
)

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
