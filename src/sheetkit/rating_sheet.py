"""The 達成状況 sheet: how many indicators fall in each band of a rating scheme,
for the whole plan, by chapter and by section (collapsible rows), for each
period; a native stacked-bar chart by chapter; and the indicators that went
back below 策定時 or are not rated, with reasons.

Every count is a live COUNTIFS over a hidden data sheet whose rows follow the
目標指標 sheets' cells by formula (figures, 達成率, and the band each gives), so
a clerk who corrects a figure sees the tallies follow; each formula carries the
value sheetkit computed, for programs that do not recalculate.

Written with xlsxwriter into a workbook the writer owns; pure otherwise."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sheetkit import model as m
from sheetkit.a1 import cell_name, quote_sheet
from sheetkit.identity import RATING_DATA_SHEET
from sheetkit.labels import chapter_name, period_title, place_name, section_name
from sheetkit.pages import DEFAULT_ROW_HEIGHT, page_breaks, text_lines
from sheetkit.rates import achievement, formula
from sheetkit.rating_data import (
    ACTUAL,
    BAND,
    BASE,
    BELOW,
    CH,
    DATA_HEADER,
    DIR,
    IND,
    LISTED,
    NAME,
    PER,
    PLACE,
    RATE,
    REASON,
    SEC,
    TARGET,
    WHY,
)
from sheetkit.ratings import BETTER, WITHIN, Band, Scheme, below_baseline, count, printed_rate

if TYPE_CHECKING:                     # the writer hands in its workbook
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet


Fmt = Callable[..., "Format"]

LABEL_COL, TOTAL_COL, FIRST_BAND_COL = 0, 1, 2
CHART_ROWS = 18
LABEL_WIDTH, COUNT_WIDTH = 30.0, 8.0
LIST_HEADER = ("章・節", "目標指標", "区分", "策定時", "実績値", "理由・内容")
LIST_SPANS = ((0, 0), (1, 4), (5, 5), (6, 6), (7, 7), (8, None))   # None: to the end


Cell = tuple[int, int]                  # (row, column), 0-based


@dataclass(frozen=True)
class PeriodCells:
    """Where one period's figures of an indicator are (no rate column: None)."""

    target: Cell
    actual: Cell
    rate: Cell | None = None


@dataclass(frozen=True)
class IndicatorCells:
    """Where the writer put one indicator on a 目標指標 sheet: its direction and
    策定時 cells (None where the layout has none), and each period's cells,
    None where the indicator did not exist in that period."""

    sheet: str
    direction: Cell | None
    baseline: Cell | None
    periods: tuple[PeriodCells | None, ...]


@dataclass(frozen=True)
class RatedChapter:
    """A chapter, its sections and where their indicators are in the workbook,
    keyed by (section number, indicator index)."""

    chapter: m.Chapter
    sections: tuple[m.Section, ...]
    cells: dict[tuple[int, int], IndicatorCells] = field(default_factory=dict)


@dataclass
class _Rows:
    """Heights and keep-together groups of the visible sheet, for page breaks."""

    heights: dict[int, float] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)      # outline level of a row
    keeps: list[tuple[int, int]] = field(default_factory=list)
    row: int = 0

    def take(self, height: float = DEFAULT_ROW_HEIGHT) -> int:
        row = self.row
        self.heights[row] = height
        self.row += 1
        return row


def _ref(sheet: str, row: int, col: int) -> str:
    return f"{quote_sheet(sheet)}!{cell_name(row, col, absolute=True)}"


def _follow(ref: str) -> str:
    """A cell's value, blank when it is blank (a bare reference would give 0)."""
    return f'=IF({ref}="","",{ref})'


def _number(value: Any) -> float | str:
    return float(value) if isinstance(value, Decimal) else ""


def _condition(band: Band, row: int) -> str:
    """The band's rule as an Excel condition on the data row (the same test as
    ratings.Rule.holds, on the cells the row follows)."""
    def c(col: int) -> str:
        return f"${cell_name(0, col)[:-1]}{row + 1}"
    rule = band.rule
    assert rule is not None
    if rule.rate_at_least is not None:
        return f"AND(ISNUMBER({c(RATE)}),ROUND(N({c(RATE)}),3)>={rule.rate_at_least})"
    both = f"ISNUMBER({c(ACTUAL)}),ISNUMBER({c(BASE)})"
    actual, base = f"N({c(ACTUAL)})", f"N({c(BASE)})"
    if rule.baseline == WITHIN:
        return f"AND({both},ABS({actual}-{base})<={rule.margin}*ABS({base}))"
    better = f'IF({c(DIR)}="{m.DOWN}",{actual}<{base},{actual}>{base})'
    worse = f'IF({c(DIR)}="{m.DOWN}",{actual}>{base},{actual}<{base})'
    return f"AND({both},{better if rule.baseline == BETTER else worse})"


def band_formula(scheme: Scheme, row: int) -> str:
    """The band label of data row ``row``: not rated, else the first rule that holds."""
    text = f'"{scheme.unrated.label}"'
    for band in reversed(scheme.rules):
        text = f'IF({_condition(band, row)},"{band.label}",{text})'
    reason = f"${cell_name(0, REASON)[:-1]}{row + 1}"
    return f'=IF({reason}<>"","{scheme.not_rated.label}",{text})'


def _at(row: int) -> Callable[[int], str]:
    """A data row's cell by column, as a formula names it: $M5."""
    return lambda col: f"${cell_name(0, col)[:-1]}{row + 1}"


def below_formula(row: int) -> str:
    c = _at(row)
    worse = f'IF({c(DIR)}="{m.DOWN}",N({c(ACTUAL)})>N({c(BASE)}),N({c(ACTUAL)})<N({c(BASE)}))'
    return f"=IF(AND(ISNUMBER({c(ACTUAL)}),ISNUMBER({c(BASE)}),{worse}),1,0)"


def why_formula(row: int) -> str:
    """_why as a formula on the data row: 評価せず and its reason, and/or how the
    actual went back below 策定時, with the 達成率 as printed."""
    c = _at(row)
    reason, below = f'{c(REASON)}<>""', f"{c(BELOW)}=1"
    rate = (f'IF(ISNUMBER({c(RATE)}),"。達成率は "&TEXT(ROUND({c(RATE)},3)*100,"0.0")&"%","")')
    went_back = (f'"実績値が策定時の値より後退（"&IF({c(DIR)}="{m.DOWN}","減少","増加")'
                 f'&"をめざす指標）"&{rate}')
    return (f'=IF({reason},"評価せず："&{c(REASON)},"")&IF(AND({reason},{below}),"。","")'
            f'&IF({below},{went_back},"")')


def listed_formula(row: int, review: int) -> str:
    """The row's number in the 達成状況 list (the reviewed period, below 策定時 or
    not rated), counting down the sheet; blank when it is not listed."""
    c = _at(row)
    above = f"${cell_name(0, LISTED)[:-1]}$1:{cell_name(0, LISTED)[:-1]}{row}"
    return (f'=IF(AND({c(PER)}={review + 1},OR({c(BELOW)}=1,{c(REASON)}<>"")),'
            f'MAX({above})+1,"")')


def _write_data(ws: Worksheet, plan: m.Plan, chapters: Sequence[RatedChapter], review: int,
                scheme: Scheme) -> int:
    """The hidden rows the tallies count; returns the last row used."""
    for col, head in enumerate(DATA_HEADER):
        ws.write_string(0, col, head)
    row = listed = 0
    for part in chapters:
        for section in part.sections:
            place = f"{place_name(part.chapter.number, section.number)}　{section.title}"
            for index, ind in enumerate(section.indicators):
                cells = part.cells.get((section.number, index))
                for period in range(len(plan.periods)):
                    row += 1
                    _data_row(ws, row, part.chapter.number, section.number, index, ind, period,
                              review, cells, scheme)
                    ws.write_string(row, PLACE, place)
                    if period != review:
                        continue
                    below = below_baseline(ind, review)
                    ws.write_formula(row, WHY, why_formula(row), None, _why(ind, review, below))
                    listed += 1 if below or ind.not_rated else 0
                    ws.write_formula(row, LISTED, listed_formula(row, review), None,
                                     listed if below or ind.not_rated else "")
    ws.hide()
    return row


def _data_row(ws: Worksheet, row: int, chapter: int, section: int, index: int,
              ind: m.Indicator, period: int, review: int, cells: IndicatorCells | None,
              scheme: Scheme) -> None:
    for col, value in ((CH, chapter), (SEC, section), (IND, index + 1), (PER, period + 1)):
        ws.write_number(row, col, value)
    ws.write_string(row, NAME, ind.name)
    result = ind.results[period] if period < len(ind.results) else None
    computed = None if result is None else achievement(ind.direction, result.target,
                                                       result.actual)
    rate: float | str = "" if result is None else (
        float(computed) if computed is not None else
        float(result.rate.value) if isinstance(result.rate, m.Rate) else "")
    if cells is None:                  # nowhere to follow: the values themselves
        _constants(ws, row, ind, result, rate)
    else:
        _references(ws, row, ind, result, rate, cells, period)
    if ind.not_rated and period == review:
        ws.write_string(row, REASON, ind.not_rated)
    ws.write_formula(row, BAND, band_formula(scheme, row), None,
                     scheme.rating(ind, period, review))
    ws.write_formula(row, BELOW, below_formula(row), None,
                     1 if below_baseline(ind, period) else 0)


def _constants(ws: Worksheet, row: int, ind: m.Indicator, result: m.PeriodResult | None,
               rate: float | str) -> None:
    ws.write_string(row, DIR, ind.direction)
    values = [(BASE, _number(ind.baseline))]
    if result is not None:
        values += [(TARGET, _number(result.target)), (ACTUAL, _number(result.actual)),
                   (RATE, rate)]
    for col, value in values:
        if isinstance(value, float):
            ws.write_number(row, col, value)


def _references(ws: Worksheet, row: int, ind: m.Indicator, result: m.PeriodResult | None,
                rate: float | str, cells: IndicatorCells, period: int) -> None:
    """The row's figures as formulas following the 目標指標 cells."""
    where = cells.periods[period] if period < len(cells.periods) else None
    if cells.direction is not None:
        ws.write_formula(row, DIR, _follow(_ref(cells.sheet, *cells.direction)), None,
                         ind.direction)
    if cells.baseline is not None:
        ws.write_formula(row, BASE, _follow(_ref(cells.sheet, *cells.baseline)), None,
                         _number(ind.baseline))
    if where is None or result is None:
        return
    target, actual = _ref(cells.sheet, *where.target), _ref(cells.sheet, *where.actual)
    ws.write_formula(row, TARGET, _follow(target), None, _number(result.target))
    ws.write_formula(row, ACTUAL, _follow(actual), None, _number(result.actual))
    rate_text = _follow(_ref(cells.sheet, *where.rate)) if where.rate is not None \
        else formula(ind.direction, target, actual)
    ws.write_formula(row, RATE, rate_text, None, rate)


def _countifs(last: int, band: str | None, **criteria: int) -> str:
    """COUNTIFS over the data sheet's rows 2..last+1."""
    def column(col: int) -> str:
        letter = cell_name(0, col)[:-1]
        return f"{quote_sheet(RATING_DATA_SHEET)}!${letter}$2:${letter}${last + 1}"
    cols = {"chapter": CH, "section": SEC, "period": PER}
    parts = [f"{column(cols[k])},{v}" for k, v in criteria.items()]
    if band is not None:
        escaped = band.replace('"', '""')
        parts.append(f'{column(BAND)},"{escaped}"')
    return f"=COUNTIFS({','.join(parts)})"


def write_rating_sheet(workbook: Workbook, ws: Worksheet, plan: m.Plan,
                       chapters: Sequence[RatedChapter], review: int, scheme: Scheme,
                       fmt: Fmt, capacity: float) -> int:
    """Fill ``ws`` (the workbook's first sheet, print setup done) and the hidden
    data sheet; returns the pages it prints on (``capacity``: a page's height
    in points)."""
    data = workbook.add_worksheet(RATING_DATA_SHEET)
    last = _write_data(data, plan, chapters, review, scheme)
    bands = scheme.all_bands
    rows = _Rows()
    width = FIRST_BAND_COL + 2 * len(bands) - 1
    ws.set_column(LABEL_COL, LABEL_COL, LABEL_WIDTH)
    ws.set_column(TOTAL_COL, width, COUNT_WIDTH)
    ws.outline_settings(True, False, True, False)       # the chapter row above its sections
    top = rows.take(24)
    ws.merge_range(top, 0, top, width, f"{plan.name}　{scheme.title}", fmt("title"))
    note = rows.take(3 * 15)
    ws.merge_range(note, 0, note, width, _legend(scheme), fmt("value"))
    order = [review, *(p for p in range(len(plan.periods)) if p != review)]
    chart_at: int | None = None
    for period in order:
        title = period_title(plan.periods[period])
        rows.take(8)
        first = _table(ws, rows, f"{title}　章別", bands, fmt, width)
        chapter_rows = []
        for part in chapters:
            chapter_rows.append(_count_row(ws, rows, part.chapter, None, period, review,
                                           part.sections, scheme, last, fmt))
        whole = _count_row(ws, rows, None, None, period, review,
                           [s for p in chapters for s in p.sections], scheme, last, fmt)
        rows.keeps.append((first, whole))
        if period == review:
            rows.take(8)
            chart_at = rows.row
            for _ in range(CHART_ROWS):
                rows.take()
            rows.keeps.append((chart_at, rows.row - 1))
            _chart(workbook, ws, chart_at, chapter_rows, bands, title, scheme)
        rows.take(8)
        first = _table(ws, rows, f"{title}　節別（章の行の［＋］［－］で節を開閉）", bands, fmt, width)
        for part in chapters:
            _count_row(ws, rows, part.chapter, None, period, review, part.sections, scheme,
                       last, fmt)
            for section in part.sections:
                _count_row(ws, rows, part.chapter, section, period, review, (section,),
                           scheme, last, fmt)
        rows.keeps.append((first, first + 1))
    rows.take(8)
    _list(ws, rows, plan, chapters, review, scheme, fmt, width, last)
    heights = [rows.heights.get(r, DEFAULT_ROW_HEIGHT) for r in range(rows.row)]
    for row, height in enumerate(heights):
        options = {"level": level} if (level := rows.levels.get(row)) else {}
        if not height:                  # a list row kept for a correction to fill
            options["hidden"] = True
        ws.set_row(row, height or DEFAULT_ROW_HEIGHT, None, options or None)
    breaks = page_breaks(heights, capacity, 0.0, rows.keeps)
    ws.set_h_pagebreaks(breaks)
    return len(breaks) + 1


def _legend(scheme: Scheme) -> str:
    parts = [f"{b.label}：{b.description}" if b.description else b.label
             for b in scheme.all_bands]
    return ("区分　" + "　".join(parts) + "\n"
            "数は目標指標シートの数値から計算する数式です（数値を直すと集計も変わります）。"
            "割合は各行の指標数に対するものです。")


def _table(ws: Worksheet, rows: _Rows, caption: str, bands: tuple[Band, ...], fmt: Fmt,
           width: int) -> int:
    """A caption and the header row; returns the caption's row."""
    first = rows.take()
    ws.merge_range(first, 0, first, width, caption, fmt("caption"))
    head = rows.take(30)
    ws.write_string(head, LABEL_COL, "区分", fmt("header"))
    ws.write_string(head, TOTAL_COL, "指標数", fmt("header"))
    for number, band in enumerate(bands):
        col = FIRST_BAND_COL + 2 * number
        ws.write_string(head, col, band.label, fmt("header"))
        ws.write_string(head, col + 1, "割合", fmt("header"))
    return first


def _count_row(ws: Worksheet, rows: _Rows, chapter: m.Chapter | None,
               section: m.Section | None, period: int, review: int,
               sections: Sequence[m.Section], scheme: Scheme, last: int, fmt: Fmt) -> int:
    """One row of counts and shares, live (a section's row one outline level
    below its chapter's); returns its row."""
    row = rows.take()
    if chapter is None:
        label, criteria = "計画全体", {}
    elif section is None:
        label, criteria = f"{chapter_name(chapter.number)}　{chapter.title}", {
            "chapter": chapter.number}
    else:
        label = f"　{section_name(section.number)}　{section.title}"
        criteria = {"chapter": chapter.number, "section": section.number}
    criteria["period"] = period + 1
    counts = count(sections, period, review, scheme)
    total = sum(n for _, n in counts)
    bold = section is None
    ws.write_string(row, LABEL_COL, label, fmt("label" if bold else "value"))
    ws.write_formula(row, TOTAL_COL, _countifs(last, None, **criteria), fmt("number", "0"),
                     total)
    total_cell = cell_name(row, TOTAL_COL, absolute=True)
    for number, (label_, n) in enumerate(counts):
        col = FIRST_BAND_COL + 2 * number
        ws.write_formula(row, col, _countifs(last, label_, **criteria), fmt("number", "0"), n)
        share = f"=IF({total_cell}=0,0,{cell_name(row, col)}/{total_cell})"
        ws.write_formula(row, col + 1, share, fmt("number", "0.0%"), n / total if total else 0)
    if section is not None:
        rows.levels[row] = 1
    return row


def _chart(workbook: Workbook, ws: Worksheet, at: int, chapter_rows: list[int],
           bands: tuple[Band, ...], title: str, scheme: Scheme) -> None:
    """One stacked bar per chapter, a series per band in the scheme's colours."""
    chart = workbook.add_chart({"type": "bar", "subtype": "stacked"})
    name = ws.get_name()
    first, last = chapter_rows[0], chapter_rows[-1]
    for number, band in enumerate(bands):
        col = FIRST_BAND_COL + 2 * number
        chart.add_series({
            "name": [name, first - 1, col],
            "categories": [name, first, LABEL_COL, last, LABEL_COL],
            "values": [name, first, col, last, col],
            "fill": {"color": band.colour}, "border": {"color": "#FFFFFF"},
            "gap": 60,
        })
    chart.set_title({"name": f"{scheme.title}（{title}）", "name_font": {"size": 12}})
    chart.set_x_axis({"name": "指標数", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 900, "height": int(CHART_ROWS * DEFAULT_ROW_HEIGHT * 4 / 3)})
    ws.insert_chart(at, 0, chart, {"x_offset": 4, "y_offset": 2})


def _list(ws: Worksheet, rows: _Rows, plan: m.Plan, chapters: Sequence[RatedChapter],
          review: int, scheme: Scheme, fmt: Fmt, width: int, last: int) -> None:
    """The indicators that went back below 策定時 or are not rated: live, the
    k-th row shows the data sheet's row numbered k (INDEX/MATCH), so that a
    corrected figure moves an indicator in or out as it moves the tallies.
    There is a row for every indicator; those not listed now are hidden, and a
    note under them asks to show them when a correction lists more."""
    period = plan.periods[review]
    caption = rows.take()
    ws.merge_range(caption, 0, caption, width,
                   f"策定時より後退した指標・評価しない指標（{period_title(period)}）",
                   fmt("caption"))
    head = rows.take(30)
    spans = [(first, width if last is None else last) for first, last in LIST_SPANS]
    for (first_col, last_col), text in zip(spans, LIST_HEADER):
        _put(ws, head, first_col, last_col, text, fmt("header"))
    now = [(f"{place_name(part.chapter.number, section.number)}　{section.title}", ind.name,
            scheme.rating(ind, review, review), _shown(ind.baseline),
            _shown(result.actual if (result := _result(ind, review)) else None),
            _why(ind, review, below))
           for part in chapters for section in part.sections for ind in section.indicators
           if (below := below_baseline(ind, review)) or ind.not_rated]
    total = sum(len(s.indicators) for part in chapters for s in part.sections)
    shown = max(len(now), 1)
    for number in range(1, max(total, 1) + 1):
        values = now[number - 1] if number <= len(now) else ("",) * len(spans)
        if number == 1 and not now:
            values = ("該当する指標はありません。", *values[1:])
        lines = max(text_lines(value, _span_width(first_col, last_col))
                    for (first_col, last_col), value in zip(spans, values))
        row = rows.take(max(lines, 2) * DEFAULT_ROW_HEIGHT + 4 if number <= shown else 0)
        for col, ((first_col, last_col), value) in enumerate(zip(spans, values)):
            _listed(ws, row, first_col, last_col, _list_formula(number, col, last), value,
                    fmt("number" if col in (3, 4) else "value"))
    note = rows.take()
    ws.merge_range(note, 0, note, width, "", fmt("value"))
    listed = f"{_data_column(LISTED, last)}"
    ws.write_formula(note, 0, f'=IF(MAX({listed})>{shown},"数値の訂正で、該当する指標が"'
                              f'&MAX({listed})&"件になりました。この上の隠れている行を再表示して'
                              f'ください（行番号を選んで右クリック→再表示）。","")',
                     fmt("value"), "")
    rows.keeps.append((caption, head + 1))


def _result(ind: m.Indicator, period: int) -> m.PeriodResult | None:
    return ind.results[period] if period < len(ind.results) else None


# what each column of the list shows from the data sheet; the figures as they print
_LIST_COLUMNS = (PLACE, NAME, BAND, BASE, ACTUAL, WHY)


def _data_column(col: int, last: int) -> str:
    letter = cell_name(0, col)[:-1]
    return f"{quote_sheet(RATING_DATA_SHEET)}!${letter}$2:${letter}${last + 1}"


def _list_formula(number: int, col: int, last: int) -> str:
    """The list's row ``number``, column ``col``: the data row numbered so, or blank
    (the first row says that there is none)."""
    found = f"INDEX({_data_column(_LIST_COLUMNS[col], last)},MATCH({number},"
    found += f"{_data_column(LISTED, last)},0))"
    if col in (3, 4):                  # a figure as typed: 1,254 or 61.9
        found = (f'IF(ISNUMBER({found}),IF({found}=INT({found}),TEXT({found},"#,##0"),'
                 f'TEXT({found},"#,##0.0###")),"")')
    else:
        found = f'IF({found}="","",{found})'
    none = '"該当する指標はありません。"' if number == 1 and col == 0 else '""'
    return f"=IFERROR({found},{none})"


def _listed(ws: Worksheet, row: int, first_col: int, last_col: int, formula: str, value: str,
            style: Format) -> None:
    if first_col < last_col:
        ws.merge_range(row, first_col, row, last_col, "", style)
    ws.write_formula(row, first_col, formula, style, value)


def _why(ind: m.Indicator, review: int, below: bool) -> str:
    """評価せず and its reason, and/or how the actual went back."""
    parts = [f"評価せず：{ind.not_rated}"] if ind.not_rated else []
    if below:
        rate = printed_rate(ind, review)
        aim = "減少" if ind.direction == m.DOWN else "増加"
        parts.append(f"実績値が策定時の値より後退（{aim}をめざす指標）"
                     + (f"。達成率は {rate * 100:.1f}%" if rate is not None else ""))
    return "。".join(parts)


def _span_width(first_col: int, last_col: int) -> float:
    return sum(LABEL_WIDTH if col == LABEL_COL else COUNT_WIDTH
               for col in range(first_col, last_col + 1))


def _shown(value: m.Figure) -> str:
    if isinstance(value, Decimal):
        return f"{value:,f}"
    return value or ""


def _put(ws: Worksheet, row: int, first_col: int, last_col: int, value: str,
         style: Format) -> None:
    if first_col < last_col:
        ws.merge_range(row, first_col, row, last_col, "", style)
    if value:
        ws.write_string(row, first_col, value, style)
    else:                               # an empty string is no cell to LibreOffice
        ws.write_blank(row, first_col, None, style)
