"""Message templates, Japanese first, English available.

Every code is stable (kebab-case); a template may use the parameters that
the code's problems carry, and always says what to do."""

from __future__ import annotations

from sheetkit.problems import Location, Problem

LANGS = ("ja", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "file-not-found": {
        "ja": "ファイルが見つかりません。ファイル名と場所を確かめてください。",
        "en": "The file does not exist. Check the file name and folder.",
    },
    "unsupported-format": {
        "ja": "この種類のファイル（{suffix}）は読めません。.yaml・.yml・.json・.xlsx のいずれかを指定してください。",
        "en": "Cannot read this kind of file ({suffix}). Give a .yaml, .yml, .json or .xlsx file.",
    },
    "yaml-syntax": {
        "ja": "YAML の書き方に誤りがあります（{detail}）。この行とその前の行の字下げ・記号を確かめてください。",
        "en": "The YAML is not well formed ({detail}). Check the indentation and symbols on this line and the one before.",
    },
    "json-syntax": {
        "ja": "JSON の書き方に誤りがあります（{detail}）。括弧・引用符・カンマを確かめてください。",
        "en": "The JSON is not well formed ({detail}). Check the brackets, quotes and commas.",
    },
    "not-utf8": {
        "ja": "文字コードが UTF-8 ではありません。UTF-8 で保存し直してください。",
        "en": "The file is not UTF-8. Save it again as UTF-8.",
    },
    "missing-key": {
        "ja": "「{key}」がありません。この項目を書き加えてください。",
        "en": "'{key}' is missing. Add it.",
    },
    "unknown-key": {
        "ja": "「{key}」という項目はありません。綴りを確かめるか、この行を削除してください（使える項目：{allowed}）。",
        "en": "There is no item '{key}'. Check the spelling or remove the line (allowed: {allowed}).",
    },
    "duplicate-key": {
        "ja": "「{key}」が2回書かれています。どちらか一方を削除してください。",
        "en": "'{key}' is written twice. Remove one of them.",
    },
    "wrong-type": {
        "ja": "「{key}」には{expected}を書いてください（今は「{value}」）。",
        "en": "'{key}' must be {expected_en} (it is '{value}').",
    },
    "invalid-direction": {
        "ja": "指標のめざす方向「{value}」は使えません。↗（増やす）か ↘（減らす）を書いてください。",
        "en": "The indicator direction '{value}' is not allowed. Write ↗ (increase) or ↘ (decrease).",
    },
    "output-exists": {
        "ja": "出力先「{path}」はすでにあります。上書きするときは --force を付けてください。",
        "en": "The output '{path}' already exists. Add --force to replace it.",
    },
    "output-failed": {
        "ja": "出力先「{path}」に書き込めません（{detail}）。フォルダーと書き込み権限を確かめてください。",
        "en": "Cannot write '{path}' ({detail}). Check the folder and permissions.",
    },
    "no-such-section": {
        "ja": "第{number}節はデータにありません（あるのは：{available}）。節の番号を確かめてください。",
        "en": "There is no section {number} in the data (there are: {available}). Check the number.",
    },
    "internal-error": {
        "ja": "予期しないエラーが起きました（{detail}）。入力ファイルを添えて担当者に連絡してください。",
        "en": "An unexpected error occurred ({detail}). Please report it with the input file.",
    },
    "not-sheetkit": {
        "ja": "sheetkit で作った総括表・記入様式ではありません（隠しシート _sheetkit がありません）。配布した様式に記入して提出してもらってください。",
        "en": "This is not a 総括表 or template made by sheetkit (no hidden _sheetkit sheet). Ask for the distributed template to be filled in.",
    },
    "layout-mismatch": {
        "ja": "様式の形が崩れていて「{detail}」の欄が見つかりません。見出しや欄を消さずに、配布した様式に記入し直してください。",
        "en": "The sheet's structure is broken: '{detail}' cannot be found. Fill in the distributed template again without deleting headings or blocks.",
    },
    "unreadable-file": {
        "ja": "ファイルを開けません（{detail}）。Excel で開けるか確かめ、.xlsx 形式で保存し直してください。",
        "en": "The file cannot be opened ({detail}). Check that Excel can open it and save it again as .xlsx.",
    },
    "layout-invalid": {
        "ja": "レイアウト定義「{layout}」に誤りがあります（{detail}）。templates/ のファイルを直してください。",
        "en": "The layout '{layout}' is invalid ({detail}). Fix the file in templates/.",
    },
    "layout-not-found": {
        "ja": "レイアウト「{layout}」が見つかりません（使えるもの：{available}）。",
        "en": "No layout '{layout}' (available: {available}).",
    },
}

EXPECTED = {
    "mapping": ("「項目: 値」の組", "a mapping of keys to values"),
    "list": ("「- 」で始まる並び", "a list"),
    "text": ("文字", "text"),
    "whole-number": ("整数", "a whole number"),
}


def render(problem: Problem, lang: str = "ja") -> str:
    """The message alone, in ``lang``."""
    templates = MESSAGES.get(problem.code)
    if templates is None:
        return problem.code
    params = dict(problem.params)
    if "expected" in params and params["expected"] in EXPECTED:
        ja, en = EXPECTED[params["expected"]]
        params["expected"], params["expected_en"] = ja, en
    try:
        return templates[lang if lang in templates else "ja"].format(**params)
    except (KeyError, IndexError):
        return templates["ja"]


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
