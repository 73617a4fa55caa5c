"""`rvutool plan --contract NAME --income N [--year YYYY]`: the wRVUs per remaining workday that reach an income.

From the (fiscal) year so far: the wRVU credited under the contract up to today, then the same number R of
wRVU on every remaining workday (Monday to Friday, today included, to the year's last day; holidays are not
known). R is the smallest, to the hundredth, for which the year's earnings under the contract (base +
productivity - withhold, period by period with the contract's own thresholds, tiers and resets) reach the
income. The draw does not change what is earned (it is an advance), so it does not enter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.errors import RvuError
from rvutool.money import HUNDRED

if TYPE_CHECKING:
    from rvutool.log.store import LogStore
    from rvutool.reports.contracts import Versions
    from rvutool.reports.credit import Credit
    from rvutool.reports.pay import PayPeriod

MOST_PER_DAY = Decimal(1000)  # wRVU a workday: past this, the income is out of reach


@dataclass
class Plan:
    contract: str
    year: PayPeriod
    income: Decimal
    today: date
    so_far_wrvu: Decimal
    so_far_earned: Decimal  # the year's earnings with no more work
    workdays: int
    per_workday: Decimal | None  # None: already reached, or out of reach
    reached: bool
    projected_earned: Decimal  # at per_workday (or with no more work)
    best_earned: Decimal | None = None  # out of reach: what MOST_PER_DAY a workday would earn

    @property
    def more_wrvu(self) -> Decimal:
        return (self.per_workday or Decimal(0)) * self.workdays

    def to_dict(self) -> dict[str, Any]:
        return {"contract": self.contract, "year": self.year.label, "from": self.year.start, "to": self.year.end,
                "today": self.today, "income": self.income, "wrvu_so_far": self.so_far_wrvu,
                "earned_without_more_work": self.so_far_earned, "remaining_workdays": self.workdays,
                "reached": self.reached, "needed_per_workday": self.per_workday, "more_wrvu": self.more_wrvu,
                "year_wrvu": self.so_far_wrvu + self.more_wrvu, "projected_earned": self.projected_earned,
                "reachable": self.per_workday is not None or self.reached}


def remaining_workdays(start: date, end: date) -> list[str]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def plan(store: LogStore | None, versions: Versions, income: Decimal, year: PayPeriod, *, today: date,
         fiscal_year_start: int, catalog: Any = None) -> Plan:
    from rvutool.reports import credit

    if year.end < today:
        raise RvuError(f"{year.label} ended on {year.end}: a plan looks ahead; `rvutool summary --year "
                       f"{year.label.removeprefix('FY')} --contract {versions.name}` shows what it paid")
    if any(v.production for v in versions.versions):
        raise RvuError(f"{versions.name} pays on production: plan counts wRVU (see its summary for production)")
    credited = credit.credit(store, versions, year.start, year.end, catalog)
    days = remaining_workdays(max(today, year.start), year.end)

    def earned(per_day: Decimal) -> Decimal:
        return _earned(versions, credited, days, per_day, year, fiscal_year_start)

    so_far = credited.total(year.start, min(today, year.end))
    now = earned(Decimal(0))
    result = Plan(versions.name, year, income, today, so_far, now, len(days), None, now >= income, now)
    if result.reached or not days:
        return result
    best = earned(MOST_PER_DAY)
    if best < income:
        result.best_earned = best
        return result
    low, high = 0, int(MOST_PER_DAY * HUNDRED)  # hundredths of a wRVU a workday: earned(high) >= income
    while low < high:
        middle = (low + high) // 2
        if earned(Decimal(middle) / HUNDRED) >= income:
            high = middle
        else:
            low = middle + 1
    result.per_workday = Decimal(low) / HUNDRED
    result.projected_earned = earned(result.per_workday)
    return result


def _earned(versions: Versions, credited: Credit, days: list[str], per_day: Decimal, year: PayPeriod,
            fiscal_year_start: int) -> Decimal:
    from rvutool.reports.pay import compute

    future = credited.copy()
    if per_day:
        for day in days:
            future.add(day, per_day)
    pay = compute(versions, future, year.start, year.end, today=year.end, fiscal_year_start=fiscal_year_start,
                  span=(year.start, year.end))
    return pay.total("earned")
