"""概要.txt and 概要.html: each chapter's 達成状況 in plain sentences with numbers,
to paste beside the links to the PDFs (JIS X 8341-3: a text alternative to the
PDF's tables).  Text only, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from sheetkit.labels import chapter_name, period_title
from sheetkit.ratings import Scheme, Tally


@dataclass(frozen=True)
class ChapterLink:
    """A chapter's tally and the name of its PDF."""

    tally: Tally
    pdf: str


def _percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def band_rules(scheme: Scheme) -> dict[str, str]:
    """Each band's rule in words: 達成率100%, 達成率80%以上100%未満, 達成率80%未満;
    a band on the baseline says its own (the scheme file's description)."""
    rules: dict[str, str] = {}
    upper: Decimal | None = None
    for band in scheme.bands:
        lower = band.lower
        if lower is None:
            rules[band.label] = band.description
            continue
        if upper is None:
            rules[band.label] = "達成率" + (_percent(lower) if lower == 1 else
                                         f"{_percent(lower)}以上")
        elif lower == 0:
            rules[band.label] = f"達成率{_percent(upper)}未満"
        else:
            rules[band.label] = f"達成率{_percent(lower)}以上{_percent(upper)}未満"
        upper = lower
    return rules


def sentence(tally: Tally, scheme: Scheme) -> str:
    """第1章の目標指標15件について、後期基本計画（H27～H30）の達成状況は …"""
    counts = dict(tally.counts)
    rules = band_rules(scheme)
    unrated, not_rated = counts[scheme.unrated.label], counts[scheme.not_rated.label]
    rated = tally.total - unrated - not_rated
    parts = "、".join(f"「{b.label}」（{rules[b.label]}）が{counts[b.label]}件"
                      for b in scheme.bands)
    period = tally.period
    text = (f"{chapter_name(tally.chapter.number)}「{tally.chapter.title}」の目標指標{tally.total}件のうち、"
            f"{period_title(period)}に評価できた{rated}件は、"
            f"{parts}です。")
    if unrated:
        text += (f"{unrated}件は「{scheme.unrated.label}」です"
                 f"（その期間に指標がない、または数値がそろっていないため）。")
    if not_rated:
        text += f"{not_rated}件は理由を示して「{scheme.not_rated.label}」としました。"
    return text


def overview_text(plan_name: str, chapters: Sequence[ChapterLink], scheme: Scheme) -> str:
    lines = [f"{plan_name} 総括表　{scheme.title}の概要", ""]
    for link in chapters:
        lines += [f"{chapter_name(link.tally.chapter.number)}「{link.tally.chapter.title}」"
                  f"（PDF：{link.pdf}）", sentence(link.tally, scheme), ""]
    return "\r\n".join(lines)


def overview_html(plan_name: str, chapters: Sequence[ChapterLink], scheme: Scheme) -> str:
    """An accessible page: lang="ja", headings, a captioned table with th scope."""
    title = escape(f"{plan_name} 総括表　{scheme.title}の概要")
    rules = band_rules(scheme)
    out = ['<!DOCTYPE html>', '<html lang="ja">', "<head>", '<meta charset="utf-8">',
           f"<title>{title}</title>", "</head>", "<body>", "<main>", f"<h1>{title}</h1>"]
    for link in chapters:
        tally = link.tally
        heading = escape(f"{chapter_name(tally.chapter.number)}「{tally.chapter.title}」")
        period = escape(period_title(tally.period))
        out += ["<section>", f"<h2>{heading}</h2>", f"<p>{escape(sentence(tally, scheme))}</p>",
                "<table>", f"<caption>{heading}の{escape(scheme.title)}：{period}</caption>",
                "<thead><tr><th scope=\"col\">区分</th><th scope=\"col\">基準</th>"
                "<th scope=\"col\">指標の数</th></tr></thead>", "<tbody>"]
        for label, count in tally.counts:
            rule = rules.get(label) or next(
                (b.description for b in scheme.all_bands if b.label == label), "")
            out.append(f"<tr><th scope=\"row\">{escape(label)}</th><td>{escape(rule)}</td>"
                       f"<td>{count}件</td></tr>")
        out += ["</tbody>", f"<tfoot><tr><th scope=\"row\">合計</th><td></td>"
                f"<td>{tally.total}件</td></tr></tfoot>", "</table>",
                f"<p><a href=\"{escape(link.pdf)}\">{heading}の総括表（PDF）</a></p>",
                "</section>"]
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)
