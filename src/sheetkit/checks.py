"""The domain checks, registered as pandera extensions so that the schemas in
schemas/*.yaml can name them.  Each takes a whole table (all files' rows) and
returns True for the rows that pass.  Imported lazily: pandas and pandera
cost start-up time."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
from pandera import extensions

from sheetkit import model as m
from sheetkit.mention import mentioned
from sheetkit.rates import achievement, rounded


def _absent(value: object) -> bool:
    """None, or the NaN that pandas puts in its place."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _filled(series: pd.Series, blank: list[str] | None = None) -> pd.Series:
    marks = set(blank or []) | {""}
    return series.map(lambda v: not _absent(v) and str(v).strip() not in marks)


@extensions.register_check_method(statistics=["fields"], check_type="vectorized")
def required_fields(df: pd.DataFrame, *, fields: list[str]) -> pd.Series:
    """A required header field is not empty."""
    return ~df["field"].isin(fields) | _filled(df["value"])


@extensions.register_check_method(statistics=["date_fields"], check_type="vectorized")
def real_date(df: pd.DataFrame, *, date_fields: list[str]) -> pd.Series:
    """A date field holds a real date (text left over means it was not one)."""
    return ~df["field"].isin(date_fields) | df["value"].map(
        lambda v: _absent(v) or isinstance(v, dt.date) or not str(v).strip())


@extensions.register_check_method(statistics=["first", "second", "blank"],
                                  check_type="vectorized")
def pairs_complete(df: pd.DataFrame, *, first: str, second: str,
                   blank: list[str]) -> pd.Series:
    """Both halves of a row are written, or neither; 「－」 alone counts as blank."""
    return _filled(df[first], blank) == _filled(df[second], blank)


@extensions.register_check_method(check_type="vectorized")
def policy_known(df: pd.DataFrame) -> pd.Series:
    """A row's 基本方針 code is one of its section's codes."""
    return pd.Series([_absent(allowed) or _absent(text) or code in allowed
                      for allowed, text, code in zip(df["allowed"], df["policy"],
                                                     df["policy_code"])], index=df.index)


@extensions.register_check_method(check_type="vectorized")
def policy_title_matches(df: pd.DataFrame) -> pd.Series:
    """The title written after a known code is the title of the 基本方針 list."""
    return pd.Series([_absent(expected) or _absent(title) or title == expected
                      for expected, title in zip(df["expected_title"], df["policy_title"])],
                     index=df.index)


@extensions.register_check_method(check_type="vectorized")
def has_figures(df: pd.DataFrame) -> pd.Series:
    """An indicator has at least one figure in some period."""
    figures = df[["baseline", "plan_target", "target", "actual"]].map(lambda v: not _absent(v))
    any_figure = figures.any(axis=1).groupby([df["file"], df["key"]]).transform("any")
    return ~df["first_row"] | any_figure


@extensions.register_check_method(check_type="vectorized")
def actual_when_target(df: pd.DataFrame) -> pd.Series:
    """A period that has a target has an actual."""
    return df["target"].map(_absent) | ~df["actual"].map(_absent) | df["absent"]


def _computed(row: pd.Series) -> Decimal | None:
    return achievement(row["direction"], row["target"], row["actual"])


@extensions.register_check_method(statistics=["tolerance_points"], check_type="vectorized")
def rate_consistent(df: pd.DataFrame, *, tolerance_points: float) -> pd.Series:
    """A written 達成率 equals the one its figures give, at the precision shown."""
    slack = Decimal(str(tolerance_points)) / 100

    def ok(row: pd.Series) -> bool:
        rate = row["rate"]
        if row["rate_live"] or not isinstance(rate, m.Rate):
            return True
        computed = _computed(row)
        shown = rounded(rate.value, rate.places)      # a cell may hold more than it shows
        return computed is None or abs(rounded(computed, rate.places) - shown) <= slack
    return df.apply(ok, axis=1).astype(bool) if len(df) else pd.Series([], dtype=bool)


@extensions.register_check_method(check_type="vectorized")
def formula_kept(df: pd.DataFrame) -> pd.Series:
    """A template's 達成率 still holds its formula."""
    return ~(df["template"] & df["rate_typed"])


@extensions.register_check_method(statistics=["similarity"], check_type="vectorized")
def unmet_analyzed(df: pd.DataFrame, *, similarity: float) -> pd.Series:
    """An indicator below 100% in the plan's last period is named in the analysis."""
    def ok(row: pd.Series) -> bool:
        if not row["is_last"] or row["absent"]:
            return True
        rate = _computed(row)
        if rate is None and isinstance(row["rate"], m.Rate):
            rate = row["rate"].value
        if rate is None or rate >= 1:
            return True
        return mentioned(row["name"], row["analysis"], row["siblings"], similarity)
    return df.apply(ok, axis=1).astype(bool) if len(df) else pd.Series([], dtype=bool)


@extensions.register_check_method(check_type="vectorized")
def number_like(df: pd.DataFrame) -> pd.Series:
    """A figure or rate is a number (text that is not one was kept as text)."""
    return ~(df["kind"].isin(["figure", "rate"]) & df["raw"].map(lambda v: isinstance(v, str)))


def _number(value: object) -> Decimal | None:
    if isinstance(value, m.Rate):
        return value.value
    return value if isinstance(value, Decimal) else None


@extensions.register_check_method(statistics=["minimum"], check_type="vectorized")
def at_least(df: pd.DataFrame, *, minimum: float) -> pd.Series:
    """No figure is below the minimum (no negative counts)."""
    floor = Decimal(str(minimum))
    return df["raw"].map(lambda v: _number(v) is None or _number(v) >= floor).astype(bool)


@extensions.register_check_method(statistics=["maximum", "units"], check_type="vectorized")
def percent_at_most(df: pd.DataFrame, *, maximum: float, units: list[str]) -> pd.Series:
    """A figure in ％ is at most 100."""
    ceiling = Decimal(str(maximum))
    over = df["raw"].map(lambda v: isinstance(v, Decimal) and v > ceiling)
    return ~(df["kind"].eq("figure") & df["unit"].isin(units) & over)


@extensions.register_check_method(check_type="vectorized")
def positive_whole(df: pd.DataFrame) -> pd.Series:
    """A rank is a whole number of 1 or more."""
    bad = df["raw"].map(lambda v: not _absent(v) and not (isinstance(v, int) and v >= 1))
    return ~(df["kind"].eq("rank") & bad)


@extensions.register_check_method(check_type="vectorized")
def policy_used(df: pd.DataFrame) -> pd.Series:
    """Some 取り組み row names the 基本方針."""
    return pd.Series([code in used for code, used in zip(df["code"], df["used"])],
                     index=df.index)


def expected_rank(rate: float, rates: list[float]) -> int:
    """The 分野中順位 that 要望率 ``rate`` should have among ``rates`` (highest first)."""
    return 1 + sum(1 for other in rates if other > rate)


def ranked(rate: object, rank: object) -> bool:
    """A row that takes part in the ranking: a 要望率 and a whole-number rank."""
    return not _absent(rate) and isinstance(rank, int)


@extensions.register_check_method(check_type="vectorized")
def ranks_follow_rates(df: pd.DataFrame) -> pd.Series:
    """分野中順位 follows 要望率 (highest first) and no two sections share a rank."""
    ok = pd.Series(True, index=df.index)
    for _, group in df.groupby("file"):
        rows = group[[ranked(rate, rank) for rate, rank in zip(group["rate"], group["rank"])]]
        if len(rows) < 2:
            continue
        rates = [float(r) for r in rows["rate"]]
        expected = [expected_rank(r, rates) for r in rates]
        duplicated = rows["rank"].duplicated(keep=False)
        ok.loc[rows.index] = (rows["rank"] == expected) & ~duplicated
    return ok
