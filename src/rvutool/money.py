"""Amounts and rounding, in one place.

wRVU and dollars are Decimal and round half up to the cent, once, where a figure is final
(a priced line, a shown total). The log stores wRVU as integer hundredths (1.30 -> 130) so
sums are exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def half_up(value: Decimal, places: str | Decimal = CENT) -> Decimal:
    """Round half up to `places` (a hundredth by default)."""
    return value.quantize(Decimal(places), ROUND_HALF_UP)


def to_cents(value: Decimal) -> Decimal:
    """Round half up to a hundredth (of a wRVU or a dollar)."""
    return value.quantize(CENT, ROUND_HALF_UP)


def hundredths(value: Decimal) -> int:
    """A wRVU amount as integer hundredths for storage (rounded half up first)."""
    return int(to_cents(Decimal(value)) * 100)


def from_hundredths(count: int) -> Decimal:
    """Integer hundredths back to an exact two-place Decimal."""
    return (Decimal(count) / HUNDRED).quantize(CENT)
