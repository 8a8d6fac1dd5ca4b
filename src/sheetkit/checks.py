"""The domain checks, registered as pandera extensions so that the schemas in
schemas/*.yaml can name them.  Each takes a whole table (all files' rows) and
returns True for the rows that pass.  Imported lazily: pandas and pandera
cost start-up time."""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable
from decimal import Decimal
from itertools import repeat

import numpy as np
import pandas as pd


def _without_hypothesis() -> None:
    """Load pandera's data-synthesis strategies (which registering a check
    imports) as if hypothesis were not installed: they would import it, 0.1 s
    of start-up, though validation never synthesises data.  A process that
    already imported hypothesis (the tests) keeps it."""
    if "hypothesis" in sys.modules:
        return
    sys.modules["hypothesis"] = None  # type: ignore[assignment]  # import fails: "not installed"
    try:
        import pandera.strategies.pandas_strategies  # noqa: F401
    finally:
        del sys.modules["hypothesis"]


_without_hypothesis()

from pandera import extensions  # noqa: E402  (after the strategies above)

from sheetkit.mention import Mentions  # noqa: E402


def _by_position(passed: np.ndarray) -> pd.Series:
    """A check's answer for each row of the table, by position (0, 1, …).
    validate numbers a table's rows from 1, so pandera, which cannot line the
    two up, reports a failed check without copying its failing rows out
    (about 2 ms for each failed check of each chunk, which was most of the
    checks' cost); validate reads the failing rows from the answer itself."""
    return pd.Series(np.asarray(passed, dtype=bool))


def _flags(df: pd.DataFrame, column: str) -> np.ndarray:
    return df[column].to_numpy(dtype=bool)


def _present(df: pd.DataFrame, column: str) -> np.ndarray:
    """Where a column has a value (not None, not NaN)."""
    return ~pd.isna(df[column].to_numpy())


def _filled(df: pd.DataFrame, column: str, blank: list[str] | None = None) -> np.ndarray:
    """Present, and not only spaces or a blank mark such as 「－」 (str.strip,
    mapped in C over the present values)."""
    values = df[column].to_numpy()
    out = ~pd.isna(values)
    if out.any():
        texts = np.fromiter(map(str.strip, map(str, values[out])), dtype=object,
                            count=int(out.sum()))
        out[out] = ~np.isin(texts, [*(blank or []), ""])
    return out


def _within(df: pd.DataFrame, column: str,
            test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``test`` on the present values of a column (exact Decimal arithmetic,
    element-wise in C over an object array); False where a value is absent."""
    values = df[column].to_numpy()
    out = ~pd.isna(values)
    if out.any():
        out[out] = np.asarray(test(values[out]), dtype=bool)
    return out


def _contains(df: pd.DataFrame, items: str, values: str) -> np.ndarray:
    """Whether each row's collection ``items`` holds that row's ``values``
    (False where it has none)."""
    collections, wanted = df[items].to_numpy(), df[values].to_numpy()
    out = ~pd.isna(collections)
    if out.any():
        out[out] = np.fromiter(map(operator.contains, collections[out], wanted[out]),
                               dtype=bool, count=int(out.sum()))
    return out


def _is(df: pd.DataFrame, column: str, *words: str) -> np.ndarray:
    """Whether a text column is one of ``words``."""
    return np.isin(df[column].to_numpy(), words)


@extensions.register_check_method(statistics=["fields"], check_type="vectorized")
def required_fields(df: pd.DataFrame, *, fields: list[str]) -> pd.Series:
    """A required header field is not empty."""
    return _by_position(~_is(df, "field", *fields) | _filled(df, "value"))


@extensions.register_check_method(statistics=["date_fields"], check_type="vectorized")
def real_date(df: pd.DataFrame, *, date_fields: list[str]) -> pd.Series:
    """A date field holds a real date (text left over means it was not one)."""
    return _by_position(~_is(df, "field", *date_fields) | _flags(df, "is_date")
                 | ~_filled(df, "value"))


@extensions.register_check_method(statistics=["first", "second", "blank"],
                                  check_type="vectorized")
def pairs_complete(df: pd.DataFrame, *, first: str, second: str,
                   blank: list[str]) -> pd.Series:
    """Both halves of a row are written, or neither; 「－」 alone counts as blank."""
    return _by_position(_filled(df, first, blank) == _filled(df, second, blank))


@extensions.register_check_method(check_type="vectorized")
def policy_known(df: pd.DataFrame) -> pd.Series:
    """A row's 基本方針 code is one of its section's codes."""
    return _by_position(~_present(df, "allowed") | ~_present(df, "policy")
                 | _contains(df, "allowed", "policy_code"))


@extensions.register_check_method(check_type="vectorized")
def policy_title_matches(df: pd.DataFrame) -> pd.Series:
    """The title written after a known code is the title of the 基本方針 list."""
    expected, title = _present(df, "expected_title"), _present(df, "policy_title")
    same = df["expected_title"].to_numpy() == df["policy_title"].to_numpy()
    return _by_position(~expected | ~title | same)


@extensions.register_check_method(check_type="vectorized")
def has_figures(df: pd.DataFrame) -> pd.Series:
    """An indicator has at least one figure in some period."""
    figures = (_present(df, "baseline") | _present(df, "plan_target")
               | _present(df, "target") | _present(df, "actual"))
    indicator = df["indicator"].to_numpy(dtype=np.intp)    # each indicator's rows: one number
    some = np.bincount(indicator, weights=figures, minlength=len(df)) > 0
    return _by_position(~_flags(df, "first_row") | some[indicator])


@extensions.register_check_method(check_type="vectorized")
def actual_when_target(df: pd.DataFrame) -> pd.Series:
    """A period that has a target has an actual."""
    return _by_position(~_present(df, "target") | _present(df, "actual") | _flags(df, "absent"))


@extensions.register_check_method(statistics=["tolerance_points"], check_type="vectorized")
def rate_consistent(df: pd.DataFrame, *, tolerance_points: float) -> pd.Series:
    """A written 達成率 equals the one its figures give, at the precision shown
    (both rounded as the rate is written: frames.py gives them)."""
    slack = Decimal(str(tolerance_points)) / 100
    both = _present(df, "computed_shown") & _present(df, "rate_shown")
    differs = np.zeros(len(df), dtype=bool)
    if both.any():
        gap = df["computed_shown"].to_numpy()[both] - df["rate_shown"].to_numpy()[both]
        differs[both] = np.asarray(np.abs(gap) > slack, dtype=bool)
    return _by_position(_flags(df, "rate_live") | ~differs)


@extensions.register_check_method(check_type="vectorized")
def formula_kept(df: pd.DataFrame) -> pd.Series:
    """A template's 達成率 still holds its formula."""
    return _by_position(~(_flags(df, "template") & _flags(df, "rate_typed")))


@extensions.register_check_method(statistics=["similarity"], check_type="vectorized")
def unmet_analyzed(df: pd.DataFrame, *, similarity: float) -> pd.Series:
    """An indicator below 100% in the period under review is named in the analysis."""
    unmet = _flags(df, "is_review") & ~_flags(df, "absent") & _within(
        df, "achieved", lambda a: a < 1)
    named = np.ones(len(df), dtype=bool)
    if unmet.any():
        mentions = Mentions(similarity)
        # an analysis that is no text (none written) names nothing
        named[unmet] = [mentions.mentioned(name, analysis if isinstance(analysis, str) else None,
                                           siblings)
                        for name, analysis, siblings in zip(df["name"].to_numpy()[unmet],
                                                            df["analysis"].to_numpy()[unmet],
                                                            df["siblings"].to_numpy()[unmet])]
    return _by_position(named)


@extensions.register_check_method(check_type="vectorized")
def not_below_baseline(df: pd.DataFrame) -> pd.Series:
    """The reviewed actual is not worse than 策定時 in the indicator's direction,
    whatever its 達成率 (a rate can stay high while the figure went back)."""
    from sheetkit.ratings import worse_than
    actual, baseline = df["actual"].to_numpy(), df["baseline"].to_numpy()
    compared = _flags(df, "is_review") & ~_flags(df, "absent") & _numbers(actual) \
        & _numbers(baseline)
    worse = np.zeros(len(df), dtype=bool)
    if compared.any():
        worse[compared] = np.asarray(np.frompyfunc(worse_than, 3, 1)(
            actual[compared], baseline[compared], df["direction"].to_numpy()[compared]),
            dtype=bool)
    return _by_position(~worse)


def _numbers(values: np.ndarray) -> np.ndarray:
    """Where an object column holds a Decimal (a figure that is a number)."""
    return np.fromiter(map(isinstance, values, repeat(Decimal)), dtype=bool, count=len(values))


@extensions.register_check_method(check_type="vectorized")
def number_like(df: pd.DataFrame) -> pd.Series:
    """A figure or rate is a number (text that is not one was kept as text)."""
    return _by_position(~(_is(df, "kind", "figure", "rate") & _flags(df, "is_text")))


@extensions.register_check_method(statistics=["minimum"], check_type="vectorized")
def at_least(df: pd.DataFrame, *, minimum: float) -> pd.Series:
    """No figure is below the minimum (no negative counts)."""
    return _by_position(~_within(df, "number", lambda n: n < Decimal(str(minimum))))


@extensions.register_check_method(statistics=["maximum", "units"], check_type="vectorized")
def percent_at_most(df: pd.DataFrame, *, maximum: float, units: list[str]) -> pd.Series:
    """A figure in ％ is at most 100."""
    over = _within(df, "number", lambda n: n > Decimal(str(maximum)))
    return _by_position(~(_is(df, "kind", "figure") & _is(df, "unit", *units) & over))


@extensions.register_check_method(check_type="vectorized")
def positive_whole(df: pd.DataFrame) -> pd.Series:
    """A rank is a whole number of 1 or more."""
    bad = _present(df, "raw") & ~_within(df, "whole", lambda n: n >= 1)
    return _by_position(~(_is(df, "kind", "rank") & bad))


@extensions.register_check_method(check_type="vectorized")
def in_choices(df: pd.DataFrame) -> pd.Series:
    """A value chosen from a layout's dropdown is one of its list."""
    chosen = _is(df, "kind", "choice")
    ok = np.ones(len(df), dtype=bool)
    if chosen.any():
        ok[chosen] = [str(raw).strip() in allowed for raw, allowed in
                      zip(df["raw"].to_numpy()[chosen], df["allowed"].to_numpy()[chosen])]
    return _by_position(ok)


@extensions.register_check_method(statistics=["lowest", "highest"], check_type="vectorized")
def sdg_goal(df: pd.DataFrame, *, lowest: int, highest: int) -> pd.Series:
    """A related SDG is a goal number (1–17)."""
    good = _within(df, "whole", lambda n: (n >= lowest) & (n <= highest))
    return _by_position(~_is(df, "kind", "sdg") | good)


@extensions.register_check_method(check_type="vectorized")
def rating_agrees(df: pd.DataFrame) -> pd.Series:
    """A typed 評価 is the one the bands give for the 達成率 (none to compare: passes)."""
    same = df["rating"].to_numpy() == df["expected"].to_numpy()
    return _by_position(~_present(df, "expected") | same)


@extensions.register_check_method(check_type="vectorized")
def policy_used(df: pd.DataFrame) -> pd.Series:
    """Some 取り組み row names the 基本方針."""
    return _by_position(_contains(df, "used", "code"))


def expected_rank(rate: float, rates: list[float]) -> int:
    """The 分野中順位 that 要望率 ``rate`` should have among ``rates`` (highest first)."""
    return 1 + sum(1 for other in rates if other > rate)


def ranked(rate: object, rank: object) -> bool:
    """A row that takes part in the ranking: a 要望率 and a whole-number rank."""
    return rate is not None and isinstance(rank, int)


@extensions.register_check_method(check_type="vectorized")
def ranks_follow_rates(df: pd.DataFrame) -> pd.Series:
    """分野中順位 follows 要望率 (highest first) and no two sections share a rank:
    among a file's ranked rows, a rank is 1 + the rows of a higher 要望率, and
    no other row has it (a file with one ranked row passes)."""
    rate, rank = _floats(df, "rate"), _floats(df, "whole_rank")
    rows = np.flatnonzero(~np.isnan(rate) & ~np.isnan(rank))
    file, rate, rank = df["file"].to_numpy(dtype=np.intp)[rows], rate[rows], rank[rows]
    ok = np.ones(len(df), dtype=bool)
    if len(rows):
        by_rate = np.lexsort((-rate, file))          # each file's rows, highest rate first
        expected = np.empty(len(rows))
        expected[by_rate] = 1 + _run_starts(file[by_rate], rate[by_rate]) \
            - _run_starts(file[by_rate])
        by_rank = np.lexsort((rank, file))
        starts = _run_starts(file[by_rank], rank[by_rank])
        shared = np.empty(len(rows), dtype=bool)     # another row of the file has the rank
        shared[by_rank] = np.bincount(starts, minlength=len(rows))[starts] > 1
        ok[rows] = (np.bincount(file)[file] < 2) | ((rank == expected) & ~shared)
    return _by_position(ok)


def _floats(df: pd.DataFrame, column: str) -> np.ndarray:
    """A column of numbers or None as floats, NaN where absent."""
    return np.fromiter((np.nan if v is None else float(v) for v in df[column].to_numpy()),
                       dtype=float, count=len(df))


def _run_starts(*columns: np.ndarray) -> np.ndarray:
    """For rows sorted by ``columns``: the position of the first row of each
    row's run of rows equal in every column."""
    count = len(columns[0])
    new = np.ones(count, dtype=bool)
    new[1:] = np.logical_or.reduce([c[1:] != c[:-1] for c in columns])
    return np.maximum.accumulate(np.where(new, np.arange(count), 0))
