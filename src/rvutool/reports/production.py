"""Pay on production (dentists and others paid outside wRVUs): a share of what the work bills, or of what was
collected, less lab fees, with a daily guarantee.

For one pay period (or the part a version covers):
    production (a day) = each logged code's fee (the contract's `fees`, else its imported schedule) x units
    lab fees (a day)   = each code's lab fee x units
    on production:  pay a day = production_share x (production - lab fees), rounded to the cent; with a
                    daily_guarantee, the greater of the guarantee and that, for every day worked (a day with
                    anything logged)
    on collections: pay = collections_share x (collections - lab fees), the collections entered for the
                    period's months (a month split between versions counts by its days); with a
                    daily_guarantee, the greater of the guarantee x days worked and that
Codes with no fee count $0 and are listed. The no-work-RVU flag stays on logged dental codes (their wRVU
count 0 in wRVU totals); under a production contract they are simply paid by their fee. `window` is a
reports.pay.Window (pay.py calls in here; this module does not import it back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.money import half_up

if TYPE_CHECKING:
    from rvutool.reports.contracts import Versions
    from rvutool.reports.credit import Credit

ZERO = Decimal("0.00")


@dataclass
class CodeProduction:
    code: str
    fee: Decimal | None
    lab_fee: Decimal
    entries: int = 0
    units: int = 0

    @property
    def production(self) -> Decimal:
        return ZERO if self.fee is None else self.fee * self.units

    @property
    def lab(self) -> Decimal:
        return self.lab_fee * self.units

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "fee": self.fee, "lab_fee": self.lab_fee, "entries": self.entries,
                "units": self.units, "production": self.production, "lab_fees": self.lab}


@dataclass
class ProductionPart:
    """What a production window adds up: its codes, days worked, and the share and guarantee arithmetic."""

    on_collections: bool
    share: Decimal
    guarantee: Decimal
    codes: dict[str, CodeProduction] = field(default_factory=dict)
    days_worked: int = 0
    collections: Decimal | None = None
    missing_months: list[str] = field(default_factory=list)  # months over with no collections entered
    share_pay: Decimal = ZERO  # the share alone
    top_up: Decimal = ZERO  # what the guarantee added
    guarantee_days: int = 0  # days (production) the guarantee was the greater

    @property
    def production(self) -> Decimal:
        return sum((c.production for c in self.codes.values()), ZERO)

    @property
    def lab(self) -> Decimal:
        return sum((c.lab for c in self.codes.values()), ZERO)

    @property
    def pay(self) -> Decimal:
        return self.share_pay + self.top_up

    @property
    def unpriced(self) -> list[CodeProduction]:
        return [c for c in self.codes.values() if c.fee is None]

    def to_dict(self) -> dict[str, Any]:
        return {"on": "collections" if self.on_collections else "production", "share": self.share,
                "production": self.production, "lab_fees": self.lab, "collections": self.collections,
                "missing_collections": self.missing_months, "days_worked": self.days_worked,
                "daily_guarantee": self.guarantee, "share_pay": self.share_pay, "guarantee_top_up": self.top_up,
                "guarantee_days": self.guarantee_days, "pay": self.pay,
                "codes": [c.to_dict() for c in sorted(self.codes.values(), key=lambda c: (-c.production, c.code))]}


def pay(window: Any, versions: Versions, credit: Credit, collections: dict[str, Decimal], today: date) -> None:
    v = window.version
    part = ProductionPart(v.on_collections, v.share, v.daily_guarantee)
    low, high = window.start.isoformat(), min(window.end, today).isoformat()
    by_day: dict[str, tuple[Decimal, Decimal]] = {}
    for day, code, entries, units in credit.day_codes:
        if not low <= day <= high:
            continue
        line = part.codes.get(code)
        if line is None:
            line = part.codes[code] = CodeProduction(code, versions.fee(v, code), versions.lab_fee(v, code))
        line.entries += entries
        line.units += units
        production, lab = by_day.get(day, (ZERO, ZERO))
        fee = line.fee or ZERO
        by_day[day] = (production + fee * units, lab + line.lab_fee * units)
    part.days_worked = len(by_day)
    if v.on_collections:
        _collections(window, part, collections, today)
    else:
        for production, lab in by_day.values():
            share = half_up(v.share * (production - lab))
            part.share_pay += share
            if v.daily_guarantee > share:
                part.top_up += v.daily_guarantee - share
                part.guarantee_days += 1
    window.production = part
    window.productivity = part.pay


def _collections(window: Any, part: ProductionPart, collections: dict[str, Decimal], today: date) -> None:
    total = ZERO
    month = date(window.start.year, window.start.month, 1)
    while month <= window.end:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        days_in = (following - month).days
        overlap = (min(window.end, following - timedelta(days=1)) - max(window.start, month)).days + 1
        key = month.strftime("%Y-%m")
        if key in collections:
            amount = collections[key]
            total += amount if overlap == days_in else half_up(amount * overlap / days_in)
        elif following - timedelta(days=1) < today:
            part.missing_months.append(key)
        month = following
    part.collections = total
    share = half_up(part.share * (total - part.lab))
    part.share_pay = share
    floor = part.guarantee * part.days_worked
    if floor > share:
        part.top_up = floor - share
        part.guarantee_days = part.days_worked
