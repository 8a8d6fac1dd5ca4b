"""The 達成率 rule: ↗ actual ÷ target, ↘ target ÷ actual, capped at 100%."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    Rounded,
    getcontext,
    localcontext,
)

from sheetkit.model import DOWN, UP, Figure, Rate


def achievement(direction: str, target: Figure, actual: Figure) -> Decimal | None:
    """The exact rate as a fraction, or None when it cannot be computed."""
    if not isinstance(target, Decimal) or not isinstance(actual, Decimal):
        return None
    if direction == UP and target != 0:
        return min(Decimal(1), actual / target)
    if direction == DOWN and actual != 0:
        return min(Decimal(1), target / actual)
    return None


def rounded(value: Decimal, places: int) -> Decimal:
    """The fraction as shown with ``places`` decimals of percent, rounded half up as Excel does.

    Worked out exactly whatever the places: a rate typed with more digits
    than Decimal's default 28 (「91.7000…0%」) would otherwise make
    quantize raise InvalidOperation.  Most rates are worked out in 60
    digits, in contexts made once, that trap any rounding of the product
    (then, as for more places, in a context as wide as the value needs)."""
    if 0 <= places < len(_STEPS):
        try:
            return _EXACT.divide(_EXACT.multiply(value, 100).quantize(
                _STEPS[places], rounding=ROUND_HALF_UP, context=_WIDE), 100)
        except (Inexact, Rounded, InvalidOperation):
            pass
    digits = max(len(value.as_tuple().digits), value.adjusted() + 1, 1)
    if digits + places + 4 <= getcontext().prec:     # exact as it is (most rates)
        return (value * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) / 100
    with localcontext() as exact:
        exact.prec = max(exact.prec, digits + places + 4)
        return (value * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) / 100


_WIDE = Context(prec=60)                 # rounding half up is quantize's own
_EXACT = Context(prec=60, traps=[InvalidOperation, Inexact, Rounded])
_STEPS = tuple(Decimal(1).scaleb(-places) for places in range(16))     # 1, 0.1, 0.01, …


def as_written(value: Decimal, places: int = 1) -> Rate:
    """The computed rate as it would be written with ``places`` decimals."""
    return Rate(rounded(value, places), places)


def formula(direction: str, target_cell: str, actual_cell: str) -> str:
    """The live 達成率 formula over two cells; blank when a figure is missing."""
    t, a = target_cell, actual_cell
    ratio = f"{a}/{t}" if direction == UP else f"{t}/{a}"
    return f'=IFERROR(IF(OR({t}="",{a}=""),"",MIN(1,{ratio})),"")'
