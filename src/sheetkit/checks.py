"""The domain checks, registered as pandera extensions so that the schemas in
schemas/*.yaml can name them.  Each takes a whole table (all files' rows) and
returns True for the rows that pass.  Imported lazily: pandas and pandera
cost start-up time."""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal

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


def _filled(series: pd.Series, blank: list[str] | None = None) -> pd.Series:
    """Present, and not only spaces or a blank mark such as 「－」."""
    text = series.astype("string").str.strip()
    return series.notna() & ~text.isin([*(blank or []), ""]).fillna(True).astype(bool)


def _within(series: pd.Series, test: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``test`` on the present values of an object column (exact Decimal
    arithmetic, element-wise in C); False where a value is absent."""
    present = series.notna()
    out = pd.Series(False, index=series.index)
    if present.any():
        out[present] = test(series[present]).astype(bool)
    return out


def _contains(items: pd.Series, values: pd.Series) -> pd.Series:
    """Whether each row's collection ``items`` holds that row's ``values``."""
    exploded = items.explode()
    hit = pd.Series(exploded.to_numpy() == values.reindex(exploded.index).to_numpy(),
                    index=exploded.index)
    return hit.groupby(level=0).any().reindex(items.index, fill_value=False).astype(bool)


@extensions.register_check_method(statistics=["fields"], check_type="vectorized")
def required_fields(df: pd.DataFrame, *, fields: list[str]) -> pd.Series:
    """A required header field is not empty."""
    return ~df["field"].isin(fields) | _filled(df["value"])


@extensions.register_check_method(statistics=["date_fields"], check_type="vectorized")
def real_date(df: pd.DataFrame, *, date_fields: list[str]) -> pd.Series:
    """A date field holds a real date (text left over means it was not one)."""
    return ~df["field"].isin(date_fields) | df["is_date"] | ~_filled(df["value"])


@extensions.register_check_method(statistics=["first", "second", "blank"],
                                  check_type="vectorized")
def pairs_complete(df: pd.DataFrame, *, first: str, second: str,
                   blank: list[str]) -> pd.Series:
    """Both halves of a row are written, or neither; 「－」 alone counts as blank."""
    return _filled(df[first], blank) == _filled(df[second], blank)


@extensions.register_check_method(check_type="vectorized")
def policy_known(df: pd.DataFrame) -> pd.Series:
    """A row's 基本方針 code is one of its section's codes."""
    return df["allowed"].isna() | df["policy"].isna() | _contains(df["allowed"],
                                                                  df["policy_code"])


@extensions.register_check_method(check_type="vectorized")
def policy_title_matches(df: pd.DataFrame) -> pd.Series:
    """The title written after a known code is the title of the 基本方針 list."""
    expected, title = df["expected_title"], df["policy_title"]
    return expected.isna() | title.isna() | title.eq(expected).fillna(False).astype(bool)


@extensions.register_check_method(check_type="vectorized")
def has_figures(df: pd.DataFrame) -> pd.Series:
    """An indicator has at least one figure in some period."""
    figures = df[["baseline", "plan_target", "target", "actual"]].notna().any(axis=1)
    return ~df["first_row"] | figures.groupby(df["indicator"]).transform("any")


@extensions.register_check_method(check_type="vectorized")
def actual_when_target(df: pd.DataFrame) -> pd.Series:
    """A period that has a target has an actual."""
    return df["target"].isna() | df["actual"].notna() | df["absent"]


@extensions.register_check_method(statistics=["tolerance_points"], check_type="vectorized")
def rate_consistent(df: pd.DataFrame, *, tolerance_points: float) -> pd.Series:
    """A written 達成率 equals the one its figures give, at the precision shown
    (both rounded as the rate is written: frames.py gives them)."""
    slack = Decimal(str(tolerance_points)) / 100
    both = df["computed_shown"].notna() & df["rate_shown"].notna()
    differs = pd.Series(False, index=df.index)
    if both.any():
        gap = (df.loc[both, "computed_shown"] - df.loc[both, "rate_shown"]).abs()
        differs[both] = (gap > slack).astype(bool)
    return df["rate_live"] | ~differs


@extensions.register_check_method(check_type="vectorized")
def formula_kept(df: pd.DataFrame) -> pd.Series:
    """A template's 達成率 still holds its formula."""
    return ~(df["template"] & df["rate_typed"])


@extensions.register_check_method(statistics=["similarity"], check_type="vectorized")
def unmet_analyzed(df: pd.DataFrame, *, similarity: float) -> pd.Series:
    """An indicator below 100% in the period under review is named in the analysis."""
    unmet = df["is_review"] & ~df["absent"] & _within(df["achieved"], lambda a: a < 1)
    if not unmet.any():
        return pd.Series(True, index=df.index)
    rows = df[unmet]
    # a text column marks an absent analysis NaN, not None
    mentions = Mentions(similarity)
    named = pd.Series([mentions.mentioned(name, analysis if isinstance(analysis, str) else None,
                                          siblings)
                       for name, analysis, siblings in zip(rows["name"], rows["analysis"],
                                                           rows["siblings"])],
                      index=rows.index, dtype=bool)
    return named.reindex(df.index, fill_value=True)


@extensions.register_check_method(check_type="vectorized")
def not_below_baseline(df: pd.DataFrame) -> pd.Series:
    """The reviewed actual is not worse than 策定時 in the indicator's direction,
    whatever its 達成率 (a rate can stay high while the figure went back)."""
    from sheetkit.ratings import worse_than
    reviewed = df["is_review"] & ~df["absent"]
    if not reviewed.any():
        return pd.Series(True, index=df.index)
    rows = df[reviewed]
    kept = pd.Series([not (isinstance(a, Decimal) and isinstance(b, Decimal)
                           and worse_than(a, b, d))
                      for a, b, d in zip(rows["actual"], rows["baseline"], rows["direction"])],
                     index=rows.index, dtype=bool)
    return kept.reindex(df.index, fill_value=True)


@extensions.register_check_method(check_type="vectorized")
def number_like(df: pd.DataFrame) -> pd.Series:
    """A figure or rate is a number (text that is not one was kept as text)."""
    return ~(df["kind"].isin(["figure", "rate"]) & df["is_text"])


@extensions.register_check_method(statistics=["minimum"], check_type="vectorized")
def at_least(df: pd.DataFrame, *, minimum: float) -> pd.Series:
    """No figure is below the minimum (no negative counts)."""
    return ~_within(df["number"], lambda n: n < Decimal(str(minimum)))


@extensions.register_check_method(statistics=["maximum", "units"], check_type="vectorized")
def percent_at_most(df: pd.DataFrame, *, maximum: float, units: list[str]) -> pd.Series:
    """A figure in ％ is at most 100."""
    over = _within(df["number"], lambda n: n > Decimal(str(maximum)))
    return ~(df["kind"].eq("figure") & df["unit"].isin(units) & over)


@extensions.register_check_method(check_type="vectorized")
def positive_whole(df: pd.DataFrame) -> pd.Series:
    """A rank is a whole number of 1 or more."""
    bad = df["raw"].notna() & ~_within(df["whole"], lambda n: n >= 1)
    return ~(df["kind"].eq("rank") & bad)


@extensions.register_check_method(check_type="vectorized")
def in_choices(df: pd.DataFrame) -> pd.Series:
    """A value chosen from a layout's dropdown is one of its list."""
    if "allowed" not in df:
        return pd.Series(True, index=df.index)
    ok = [kind != "choice" or str(raw).strip() in allowed
          for kind, raw, allowed in zip(df["kind"], df["raw"], df["allowed"])]
    return pd.Series(ok, index=df.index, dtype=bool)


@extensions.register_check_method(statistics=["lowest", "highest"], check_type="vectorized")
def sdg_goal(df: pd.DataFrame, *, lowest: int, highest: int) -> pd.Series:
    """A related SDG is a goal number (1–17)."""
    good = _within(df["whole"], lambda n: (n >= lowest) & (n <= highest))
    return ~df["kind"].eq("sdg") | good


@extensions.register_check_method(check_type="vectorized")
def rating_agrees(df: pd.DataFrame) -> pd.Series:
    """A typed 評価 is the one the bands give for the 達成率 (none to compare: passes)."""
    return df["expected"].isna() | (df["rating"] == df["expected"])


@extensions.register_check_method(check_type="vectorized")
def policy_used(df: pd.DataFrame) -> pd.Series:
    """Some 取り組み row names the 基本方針."""
    return _contains(df["used"], df["code"])


def expected_rank(rate: float, rates: list[float]) -> int:
    """The 分野中順位 that 要望率 ``rate`` should have among ``rates`` (highest first)."""
    return 1 + sum(1 for other in rates if other > rate)


def ranked(rate: object, rank: object) -> bool:
    """A row that takes part in the ranking: a 要望率 and a whole-number rank."""
    return rate is not None and isinstance(rank, int)


@extensions.register_check_method(check_type="vectorized")
def ranks_follow_rates(df: pd.DataFrame) -> pd.Series:
    """分野中順位 follows 要望率 (highest first) and no two sections share a rank."""
    ranked = df[df["rate"].notna() & df["whole_rank"].notna()]
    by_file = ranked.groupby("file")
    expected = by_file["rate"].rank(method="min", ascending=False)
    shared = ranked.duplicated(["file", "whole_rank"], keep=False)
    alone = by_file["rate"].transform("size") < 2
    ok = pd.Series(True, index=df.index)
    ok[ranked.index] = alone | (ranked["whole_rank"].eq(expected) & ~shared)
    return ok
