"""The pay arithmetic of a contract, period by period (README "Contracts").

Pay periods are the contract's `period` (month, quarter, or the (fiscal) year from config; quarters are
fiscal quarters, so they nest in the year). A period that spans two versions of the contract is split at
the date: each part is paid under its own version, and its base, threshold and tier boundaries are that
version's for the period times the part's share of the period's days.

For one pay period (or part) with W credited wRVU:
    base         = base per year x months in the period / 12 x the part's share (rounded so that a version's
                   periods in one (fiscal) year add up to its base per year exactly)
    threshold    = threshold x fte x the part's share (wRVU up to it are not paid)
    tier i       = from x fte x the part's share; "marginal": each wRVU above the threshold at the rate of the
                   tier it falls in; "all": every wRVU above the threshold at the rate of the highest tier
                   reached (W at or above its start); `rate = R` is one tier from 0
    productivity = the sum of the tiers' amounts (or a production contract's pay: reports/production.py)
    withhold     = productivity x quality_withhold (held back, shown apart)
    earned       = base + productivity - withhold
A draw (per month) is an advance against productivity: at the end of each (fiscal) year, the true-up is
the productivity earned (after the withhold) minus the draws of the months that have started. Amounts are
Decimal, rounded half up to the cent where shown (and summed as shown); thresholds and tier boundaries to
the hundredth of a wRVU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.money import half_up
from rvutool.reports.contracts import MONTHS_IN

if TYPE_CHECKING:
    from rvutool.reports.contracts import Contract, Versions
    from rvutool.reports.credit import Credit
    from rvutool.reports.production import ProductionPart

ZERO = Decimal("0.00")
ORDER = {"month": 0, "quarter": 1, "year": 2}


# ---------------------------------------------------------------- pay periods
@dataclass(frozen=True)
class PayPeriod:
    kind: str
    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_start(year: int, month: int) -> date:
    year += (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def period_of(kind: str, day: date, fiscal_year_start: int = 1) -> PayPeriod:
    """The month, (fiscal) quarter or (fiscal) year containing `day`."""
    from rvutool.periods import fiscal_year_of, year_period

    if kind == "month":
        start = date(day.year, day.month, 1)
        end = _month_start(day.year, day.month + 1) - timedelta(days=1)
        return PayPeriod(kind, start, end, start.strftime("%Y-%m"))
    fiscal = fiscal_year_of(day, fiscal_year_start)
    year = year_period(fiscal, fiscal_year_start)
    name = str(fiscal) if fiscal_year_start == 1 else f"FY{fiscal}"
    if kind == "year":
        return PayPeriod(kind, year.start, year.end, name)
    offset = (day.year - year.start.year) * 12 + day.month - year.start.month
    quarter = offset // 3
    start = _month_start(year.start.year, year.start.month + 3 * quarter)
    end = _month_start(start.year, start.month + 3) - timedelta(days=1)
    return PayPeriod(kind, start, end, f"{name}-Q{quarter + 1}")


def fiscal_year(day: date, fiscal_year_start: int) -> PayPeriod:
    return period_of("year", day, fiscal_year_start)


# ---------------------------------------------------------------- one period's arithmetic
@dataclass
class TierLine:
    start: Decimal  # boundary in this window (scaled by fte and the part's share)
    end: Decimal | None
    rate: Decimal
    wrvu: Decimal
    amount: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start, "to": self.end, "rate": self.rate, "wrvu": self.wrvu, "amount": self.amount}


@dataclass
class Window:
    """One pay period, or the part of one that a version of the contract covers."""

    version: Contract
    period: PayPeriod
    start: date  # the part's first day
    end: date  # the part's last day
    state: str  # "over", "running" (today inside it) or "not started"
    wrvu: Decimal = ZERO
    base: Decimal = ZERO
    threshold: Decimal = ZERO
    tiers: list[TierLine] = field(default_factory=list)
    top_rate: Decimal | None = None  # tier_mode "all": the rate of the highest tier reached
    production: ProductionPart | None = None
    productivity: Decimal = ZERO
    withhold: Decimal = ZERO

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def split(self) -> bool:
        return (self.start, self.end) != (self.period.start, self.period.end)

    @property
    def share(self) -> Decimal:
        """The part's share of the period's days (1 when the period is whole)."""
        return Decimal(self.days) / Decimal(self.period.days)

    @property
    def label(self) -> str:
        return self.period.label + (f" ({self.start} to {self.end})" if self.split else "")

    @property
    def earned(self) -> Decimal:
        return self.base + self.productivity - self.withhold

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "period": self.period.label, "kind": self.period.kind, "from": self.start, "to": self.end,
            "period_from": self.period.start, "period_to": self.period.end, "split": self.split,
            "days": self.days, "period_days": self.period.days, "state": self.state,
            "contract_effective": self.version.effective_text or None, "wrvu": self.wrvu, "base": self.base,
        }
        if self.production is not None:
            out["production"] = self.production.to_dict()
        else:
            out.update({"threshold": self.threshold, "tier_mode": self.version.tier_mode,
                        "tiers": [t.to_dict() for t in self.tiers], "top_rate": self.top_rate})
        out.update({"productivity": self.productivity, "quality_withhold": self.version.quality_withhold,
                    "withhold": self.withhold, "earned": self.earned})
        return out


def scaled(value: Decimal, version: Contract, share: Decimal) -> Decimal:
    """A threshold or tier boundary in one window: x fte x the part's share, to the hundredth of a wRVU."""
    return half_up(value * version.fte * share)


def wrvu_pay(window: Window) -> None:
    """Threshold and tiers: the productivity of a wRVU window."""
    v, share, w = window.version, window.share, window.wrvu
    window.threshold = scaled(v.threshold, v, share)
    starts = [scaled(t.start, v, share) for t in v.tiers]
    if v.tier_mode == "all" and len(v.tiers) > 1:
        reached = [i for i, s in enumerate(starts) if w >= s and w > window.threshold]
        if reached:
            top = reached[-1]
            paid = w - window.threshold
            window.top_rate = v.tiers[top].rate
            window.tiers = [TierLine(starts[top], None, v.tiers[top].rate, paid, half_up(paid * v.tiers[top].rate))]
    else:
        for i, tier in enumerate(v.tiers):
            low = max(starts[i], window.threshold)
            high = starts[i + 1] if i + 1 < len(starts) else None
            paid = max(ZERO, (w if high is None else min(w, high)) - low)
            if high is not None and high <= low:
                paid = ZERO
            window.tiers.append(TierLine(low, high, tier.rate, paid, half_up(paid * tier.rate)))
    window.productivity = sum((t.amount for t in window.tiers), ZERO)


def finish(window: Window, year_share_before: Decimal) -> Decimal:
    """Base and withhold, once the productivity is known. The base is the year's base x the window's share of the
    year, rounded so that the windows of one version in one (fiscal) year add up to the year's base exactly (twelve
    months of 250,000 are 20,833.33, 20,833.34, 20,833.33, ...). Returns the year's share up to the window's end."""
    v = window.version
    share = Decimal(MONTHS_IN[window.period.kind]) / 12 * window.share
    after = year_share_before + share
    window.base = half_up(v.base * after) - half_up(v.base * year_share_before)
    window.withhold = half_up(window.productivity * v.quality_withhold)
    return after


# ---------------------------------------------------------------- windows over a span
def windows(versions: Versions, start: date, end: date, fiscal_year_start: int, today: date) -> list[Window]:
    """The pay periods (split by version) from the one containing `start` to the one containing `end`."""
    found: list[Window] = []
    for i, version in enumerate(versions.versions):
        v_from = max(version.effective or start, start)
        v_to = min(versions.until(i) or end, end)
        if version.effective is not None and version.effective > end:
            continue
        day = v_from
        while day <= v_to:
            period = period_of(version.period, day, fiscal_year_start)
            part_start = max(period.start, version.effective or period.start)
            part_end = min(period.end, versions.until(i) or period.end)
            state = "over" if part_end < today else ("not started" if part_start > today else "running")
            found.append(Window(version, period, part_start, part_end, state))
            day = period.end + timedelta(days=1)
    found.sort(key=lambda w: w.start)
    return found


@dataclass
class TrueUp:
    """A draw's reckoning for one (fiscal) year."""

    year: PayPeriod
    final: bool  # the year is over
    draws: Decimal
    months: int
    earned: Decimal  # productivity after the withhold

    @property
    def amount(self) -> Decimal:
        """Positive: owed to the physician; negative: owed by the physician."""
        return self.earned - self.draws

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year.label, "from": self.year.start, "to": self.year.end, "final": self.final,
                "months_drawn": self.months, "draws": self.draws, "productivity_earned": self.earned,
                "true_up": self.amount, "owed_to": "physician" if self.amount >= 0 else "employer"}


def true_ups(versions: Versions, found: list[Window], fiscal_year_start: int, today: date) -> list[TrueUp]:
    years: dict[date, list[Window]] = {}
    for window in found:
        years.setdefault(fiscal_year(window.start, fiscal_year_start).start, []).append(window)
    out: list[TrueUp] = []
    for first, members in sorted(years.items()):
        year = fiscal_year(first, fiscal_year_start)
        draws, months = ZERO, 0
        month = year.start
        while month <= min(year.end, today):
            version = versions.at(month)
            if version is not None and version.draw:
                draws += half_up(version.draw)
                months += 1
            month = _month_start(month.year, month.month + 1)
        if months:
            earned = sum((w.productivity - w.withhold for w in members), ZERO)
            out.append(TrueUp(year, year.end < today, draws, months, earned))
    return out


# ---------------------------------------------------------------- the whole computation
@dataclass
class Pay:
    """A contract's pay over the pay periods that overlap a summary's period (whole (fiscal) years computed,
    for the draw's true-up)."""

    contract: str
    versions: Versions
    windows: list[Window]  # every window computed
    shown: list[Window]  # those overlapping the period asked for
    true_ups: list[TrueUp]
    credit: Credit
    period_start: date
    period_end: date

    @property
    def notes(self) -> list[str]:
        """Codes with no fee, in the periods shown (a production contract)."""
        missing = sorted({c.code for w in self.shown if w.production is not None for c in w.production.unpriced})
        if not missing:
            return []
        return [f"no fee in {self.contract}'s schedule for {', '.join(missing)}: their production counts $0 "
                f"(rvutool contract fees import FILE --contract {self.contract})"]

    def total(self, what: str) -> Decimal:
        return sum((getattr(w, what) for w in self.shown), ZERO)

    @property
    def production(self) -> bool:
        return any(w.production is not None for w in self.shown)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.contract,
            "versions": [v.effective_text or None for v in self.versions.versions],
            "credit": self.credit.to_dict(self.period_start, self.period_end),
            "periods": [w.to_dict() for w in self.shown],
            "totals": {k: self.total(k) for k in ("wrvu", "base", "productivity", "withhold", "earned")},
            "true_ups": [t.to_dict() for t in self.true_ups],
            "notes": self.notes,
        }


def compute(versions: Versions, credit: Credit, start: date, end: date, *, today: date, fiscal_year_start: int,
            collections: dict[str, Decimal] | None = None, span: tuple[date, date] | None = None) -> Pay:
    """Pay for the periods overlapping start..end; `span` is the whole range computed (default: the (fiscal)
    years containing start and end)."""
    from rvutool.reports import production

    first, last = span or (fiscal_year(start, fiscal_year_start).start, fiscal_year(end, fiscal_year_start).end)
    found = windows(versions, first, last, fiscal_year_start, today)
    year_shares: dict[tuple[date, int], Decimal] = {}  # (fiscal year, version) -> its share of the year so far
    for window in found:
        window.wrvu = credit.total(window.start, min(window.end, today))
        if window.version.production:
            production.pay(window, versions, credit, collections or {}, today)
        else:
            wrvu_pay(window)
        key = (fiscal_year(window.start, fiscal_year_start).start, id(window.version))
        year_shares[key] = finish(window, year_shares.get(key, Decimal(0)))
    shown = [w for w in found if w.end >= start and w.start <= end]
    return Pay(versions.name, versions, found, shown, true_ups(versions, found, fiscal_year_start, today), credit,
               start, end)


def marginal_rate(versions: Versions, day: date, credited_so_far: Decimal, fiscal_year_start: int = 1
                  ) -> Decimal | None:
    """Dollars per wRVU the contract pays for the next wRVU on `day`, when `credited_so_far` wRVU are already
    credited in its pay period (for `reconcile`: a disputed wRVU's worth). 0 below the threshold or the first
    tier; "all" tiers: the rate of the highest tier reached. None for a production contract or no contract
    in force. Withhold not deducted."""
    version = versions.at(day)
    if version is None or version.production:
        return None
    window = next((w for w in windows(versions, day, day, fiscal_year_start, day) if w.start <= day <= w.end), None)
    if window is None:
        return None
    threshold = scaled(version.threshold, version, window.share)
    if credited_so_far < threshold:
        return Decimal(0)
    rate = Decimal(0)
    for tier in version.tiers:
        if credited_so_far >= scaled(tier.start, version, window.share):
            rate = tier.rate
    return rate
