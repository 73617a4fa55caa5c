"""Bilateral RT+LT pairs as one amount (domain-rules §1.9; issue 9.5).

rules.py prices an RT+LT pair as one procedure shared between its two lines. Rounding each
half to the cent could credit the pair a cent more than the procedure (27395: 11.93 / 2 =
5.965 -> 5.97 twice = 11.94), so the pair is rounded once and the cents split: the first line
takes the half rounded up, the second the rest, and both lines' explanations say so.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rvutool.money import to_cents

ONE = Decimal("1")


def split(total: Decimal) -> tuple[Decimal, Decimal]:
    """A pair's amount, rounded once, as two cents figures: the first half rounded up, the rest."""
    first = to_cents(total / 2)
    return first, total - first


def round_pair(enc: Any, pair: tuple[int, int], amounts: list[Any]) -> None:
    """An RT+LT pair is one procedure: its wRVU (and amount) is rounded once and split in cents,
    so the two lines never add up to a cent more than the procedure."""
    i, mate = pair
    line, other = enc.lines[i], enc.lines[mate]
    total = to_cents(amounts[i].work + amounts[mate].work)
    line.credited_wrvu, other.credited_wrvu = split(total)
    code = line.item.code
    note = (f"{code}-RT with {code}-LT rounded once as one procedure: {total} wRVU = "
            f"{line.credited_wrvu} ({line.item}) + {other.credited_wrvu} ({other.item})")
    if line.payment is not None and other.payment is not None:
        pay = to_cents(amounts[i].pay + amounts[mate].pay) if amounts[i].pay is not None \
            and amounts[mate].pay is not None else line.payment + other.payment
        line.payment, other.payment = split(pay)
        note += f"; ${pay} = ${line.payment} + ${other.payment}"
    for k in pair:
        enc.adjust(k, "bilateral-rounding", ONE, note)
