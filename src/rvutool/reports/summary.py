"""Where you stand: totals of the log over a period, computed in SQL and shown with their arithmetic.

`summarize(store, period, ...)` folds the totals the store adds up (per day and code, never a
Python loop over entries) into a plain `Summary`. Drawing it is the view's job. All amounts are
integer hundredths of a wRVU from the log, so every total is exact; Decimal arithmetic derives the rest, and rounding
(half up) happens only when a number is shown.

Definitions (also in the README):
  - total wRVU = the credited wRVU (after the payment-policy rules); "as entered" = the
    CMS work RVU x units before those rules. Removed (voided) entries never count.
  - compensation estimate = credited total x rate ($/wRVU).
  - target: a month period uses target.month, a (fiscal) year uses target.year; other
    periods have a target only when --target is given.
  - pace = total x (days in the period / days elapsed), where days elapsed counts the
    period's first day through today, both included.
  - needed per workday = (target - total) / remaining workdays, where remaining
    workdays are the Mondays to Fridays from today (included: work done today still
    counts) to the period's last day. Holidays are not known to rvutool.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.errors import UsageError
from rvutool.money import HUNDRED, half_up
from rvutool.money import from_hundredths as wrvu
from rvutool.names.table import short_name
from rvutool.pricing import policy as policies

if TYPE_CHECKING:
    from rvutool.log.store import LogStore
    from rvutool.periods import Period

BY_CHOICES = ("day", "week", "month", "code", "category", "provider")  # provider: a shared log only


@dataclass
class Totals:
    entries: int = 0
    units: int = 0
    base_c: int = 0
    credited_c: int = 0

    def add(self, entries: int, units: int, base_c: int, credited_c: int) -> None:
        self.entries += entries
        self.units += units
        self.base_c += base_c
        self.credited_c += credited_c

    @property
    def base_wrvu(self) -> Decimal:
        return wrvu(self.base_c)

    @property
    def wrvu(self) -> Decimal:
        return wrvu(self.credited_c)


@dataclass
class CodeLine(Totals):
    code: str = ""
    category: str = ""


@dataclass
class Group(Totals):
    key: str = ""
    key2: str = ""  # the second key of a two-level --by (month,code); "" with one


@dataclass
class Flagged:
    code: str
    count: int
    units: int
    reason: str


@dataclass
class PolicyUse:
    policy: dict[str, str]
    entries: int
    first: str
    last: str

    @property
    def description(self) -> str:
        return policies.describe(self.policy)


@dataclass
class Progress:
    target: Decimal
    source: str  # "target.month", "target.year" or "--target"
    total: Decimal
    days_total: int
    days_elapsed: int  # 0 before the period starts; days_total once it is over
    remaining_workdays: int

    @property
    def percent(self) -> Decimal:
        return half_up(self.total * HUNDRED / self.target, "0.1")

    @property
    def state(self) -> str:
        if self.days_elapsed == 0:
            return "not started"
        return "over" if self.days_elapsed >= self.days_total else "running"

    @property
    def projected(self) -> Decimal | None:
        """Pace: the total the period will reach if work continues at the rate so far."""
        if self.state != "running":
            return None
        return half_up(self.total * self.days_total / self.days_elapsed)

    @property
    def shortfall(self) -> Decimal:
        return max(self.target - self.total, Decimal("0.00"))

    @property
    def needed_per_workday(self) -> Decimal | None:
        if self.state == "over" or self.shortfall == 0 or self.remaining_workdays == 0:
            return None
        return half_up(self.shortfall / self.remaining_workdays)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target, "target_source": self.source, "percent": self.percent,
            "state": self.state, "days_total": self.days_total, "days_elapsed": self.days_elapsed,
            "projected_total": self.projected, "remaining_workdays": self.remaining_workdays,
            "still_needed": self.shortfall, "needed_per_workday": self.needed_per_workday,
        }


@dataclass
class MedicareEstimate:
    """Estimated Medicare allowed for the period's entries in one locality (issue: locality payment)."""

    locality: str
    conversion_factors: list[str]
    amount: Decimal = Decimal("0.00")
    priced_entries: int = 0
    unpriced_entries: int = 0  # NA setting, or a code Medicare does not pay from RVUs

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "locality": self.locality, "conversion_factors": self.conversion_factors,
                "priced_entries": self.priced_entries, "unpriced_entries": self.unpriced_entries}


@dataclass
class StandIns:
    """Entries of one year priced by another year's release, because none of their own was here."""

    release: str
    year: int
    entries: int


@dataclass
class Summary:
    period: Period
    today: date
    by: str
    totals: Totals = field(default_factory=Totals)
    codes: list[CodeLine] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    flagged: list[Flagged] = field(default_factory=list)
    policies: list[PolicyUse] = field(default_factory=list)
    rate: Decimal | None = None
    rate_source: str | None = None  # "--rate" or "config"
    progress: Progress | None = None
    log_exists: bool = True
    medicare: MedicareEstimate | None = None
    then: str | None = None  # the second key of a two-level --by
    outer: list[Group] = field(default_factory=list)  # with `then`: subtotals per first key
    provider: str | None = None  # --provider: one provider's entries of a shared log
    stand_ins: list[StandIns] = field(default_factory=list)
    repricing: Any = None  # reports.repricing.Repricing: the same entries under another release (--reprice)
    pay: Any = None  # --contract: the contract's pay arithmetic (reports/pay.py)
    benchmark: Any = None  # --benchmark: where the year stands in a benchmark table (reports/benchmarks.py)

    @property
    def first_level(self) -> list[Group]:
        """One group per first key: the groups, or with two keys their subtotals."""
        return self.outer if self.then else self.groups

    @property
    def no_wrvu_entries(self) -> int:
        return sum(f.count for f in self.flagged)

    @property
    def compensation(self) -> Decimal | None:
        """Exact product; rounded half up to the cent for display."""
        return None if self.rate is None else half_up(self.totals.wrvu * self.rate)

    @property
    def mixed_policies(self) -> bool:
        return len(self.policies) > 1

    def flagged_text(self) -> str:
        """'3 entries with no CMS work RVU: D6092 x2, D1553'."""
        n = self.no_wrvu_entries
        parts = ", ".join(f.code + (f" x{f.count}" if f.count > 1 else "") for f in self.flagged)
        return f"{n} {'entry' if n == 1 else 'entries'} with no CMS work RVU: {parts}"

    def to_dict(self) -> dict[str, Any]:
        t = self.totals
        period = self.period.to_dict()
        return {
            "from": period["from"], "to": period["to"], "period": self.period.label,
            "kind": self.period.kind, "today": self.today.isoformat(), "provider": self.provider,
            "entries": t.entries, "units": t.units,
            "total_wrvu": t.wrvu, "base_wrvu": t.base_wrvu, "policy_difference": t.wrvu - t.base_wrvu,
            "no_wrvu_entries": self.no_wrvu_entries,
            "codes": [{"code": c.code, "name": short_name(c.code), "category": c.category, "entries": c.entries,
                       "units": c.units, "base_wrvu": c.base_wrvu, "wrvu": c.wrvu} for c in self.codes],
            **self._groups_dict(),
            "flagged": [{"code": f.code, "count": f.count, "units": f.units, "reason": f.reason}
                        for f in self.flagged],
            "policy": self.policies[0].policy if len(self.policies) == 1 else None,
            "policies": [{"policy": p.policy, "description": p.description, "entries": p.entries,
                          "first": p.first, "last": p.last} for p in self.policies],
            "rate": self.rate, "rate_source": self.rate_source,
            "estimated_compensation": self.compensation,
            "progress": self.progress.to_dict() if self.progress else None,
            "estimated_medicare_allowed": self.medicare.to_dict() if self.medicare else None,
            "stand_in_entries": sum(s.entries for s in self.stand_ins),
            "stand_ins": [{"release": s.release, "year": s.year, "entries": s.entries} for s in self.stand_ins],
            "reprice": self.repricing.to_dict() if self.repricing is not None else None,
            "contract": self.pay.to_dict() if self.pay is not None else None,
            "benchmark": self.benchmark.to_dict() if self.benchmark is not None else None,
        }


    def _groups_dict(self) -> dict[str, Any]:
        def numbers(g: Group) -> dict[str, Any]:
            return {"entries": g.entries, "units": g.units, "base_wrvu": g.base_wrvu, "wrvu": g.wrvu}

        if self.then is None:
            return {"by": self.by, "groups": [{"key": g.key, **numbers(g)} for g in self.groups]}
        return {"by": [self.by, self.then],
                "groups": [{self.by: g.key, self.then: g.key2, **numbers(g)} for g in self.groups],
                "subtotals": [{self.by: g.key, **numbers(g)} for g in self.outer]}

    def csv_rows(self) -> list[list[Any]]:
        """Tidy rows: one per group (with two keys, one per pair), the period on every row."""
        from rvutool.view.text import rvu

        period = self.period.to_dict()
        start, end = period["from"] or "", period["to"] or ""
        if self.then is None:
            return [["from", "to", "by", "key", "entries", "units", "base_wrvu", "wrvu"],
                    *([start, end, self.by, g.key, g.entries, g.units, rvu(g.base_wrvu), rvu(g.wrvu)]
                      for g in self.groups)]
        return [["from", "to", "by", self.by, self.then, "entries", "units", "base_wrvu", "wrvu"],
                *([start, end, f"{self.by},{self.then}", g.key, g.key2, g.entries, g.units, rvu(g.base_wrvu),
                   rvu(g.wrvu)] for g in self.groups)]


def parse_by(text: str) -> tuple[str, str | None]:
    """--by day | week | month | code | category, or two of them: month,code."""
    parts = [part.strip().lower() for part in text.split(",")]
    for part in parts:
        if part not in BY_CHOICES:
            shown = part if len(parts) > 1 else text.strip().lower()
            raise UsageError(f"--by {shown!r}: choose one of {', '.join(BY_CHOICES)} (or two, such as month,code)")
    if len(parts) > 2:
        raise UsageError(f"--by {text.strip()!r}: give one key or two, such as --by month,code")
    if len(parts) == 2 and parts[0] == parts[1]:
        raise UsageError(f"--by {text.strip()!r}: give two different keys, such as --by month,code")
    if len(parts) == 2 and "provider" in parts:
        raise UsageError("--by provider stands alone: it takes no second key")
    return parts[0], (parts[1] if len(parts) == 2 else None)


def default_by(period: Period) -> str:
    return "day" if period.bounded and period.days <= 31 else "month"


def _week_key(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def summarize(store: LogStore | None, period: Period, *, today: date, by: str | None = None,
              rate: Decimal | None = None, rate_source: str | None = None,
              target: Decimal | None = None, target_source: str | None = None,
              then: str | None = None) -> Summary:
    """Totals, per-code lines, groups (by one key, or by `by` then `then`), flagged codes and the
    policies used, for one period."""
    by = by or default_by(period)
    for key in (by, then):
        if key is not None and key not in BY_CHOICES:
            raise UsageError(f"--by {key!r}: choose one of {', '.join(BY_CHOICES)}")
    result = Summary(period=period, today=today, by=by, rate=rate, rate_source=rate_source,
                     log_exists=store is not None, then=then)
    if store is not None:
        _aggregate(store, period, result)
    if target is not None and period.bounded:
        result.progress = progress(result.totals.wrvu, target, target_source or "--target", period, today)
    return result


def _aggregate(store: LogStore, period: Period, result: Summary) -> None:
    # One pass over the period: one row per (day, code, no-wRVU reason); everything else folds from it.
    rows = store.day_code_totals(period.start, period.end)
    codes: dict[str, CodeLine] = {}
    groups: dict[tuple[str, str], Group] = {}
    outer: dict[str, Group] = {}
    flagged: dict[tuple[str, str], Flagged] = {}
    week_of: dict[str, str] = {}
    by, then = result.by, result.then

    def key_of(kind: str, day: str, code: str, category: str) -> str:
        if kind == "day":
            return day
        if kind == "week":
            return week_of.get(day) or week_of.setdefault(day, _week_key(day))
        if kind == "month":
            return day[:7]
        return code if kind == "code" else category

    for day, code, reason, category, n, units, base_c, credited_c in rows:
        result.totals.add(n, units, base_c, credited_c)
        line = codes.get(code)
        if line is None:
            line = codes[code] = CodeLine(code=code, category=category)
        line.add(n, units, base_c, credited_c)
        key = key_of(by, day, code, category)
        key2 = key_of(then, day, code, category) if then else ""
        group = groups.get((key, key2))
        if group is None:
            group = groups[(key, key2)] = Group(key=key, key2=key2)
        group.add(n, units, base_c, credited_c)
        if then:
            sub = outer.get(key)
            if sub is None:
                sub = outer[key] = Group(key=key)
            sub.add(n, units, base_c, credited_c)
        if reason is not None:
            found = flagged.get((code, reason))
            if found is None:
                found = flagged[(code, reason)] = Flagged(code, 0, 0, reason)
            found.count += n
            found.units += units
    result.codes = sorted(codes.values(), key=lambda c: (-c.credited_c, -c.entries, c.code))
    if by == "provider":  # a shared log: the store adds up each provider's entries
        groups = {}
        for provider, n, units, base_c, credited_c in store.provider_totals(period.start, period.end):
            groups[provider] = Group(key=provider)
            groups[provider].add(n, units, base_c, credited_c)
    if then is None:
        result.groups = _ordered(by, groups.values(), lambda g: g.key)
    else:
        result.outer = _ordered(by, outer.values(), lambda g: g.key)
        place = {g.key: i for i, g in enumerate(result.outer)}
        inner = _ordered(then, groups.values(), lambda g: g.key2)
        result.groups = sorted(inner, key=lambda g: place[g.key])  # stable: each first key's inner order kept
    result.flagged = sorted(flagged.values(), key=lambda f: (-f.count, f.code, f.reason))
    if rows:
        days = [row[0] for row in rows]
        result.policies = _policies(store, period, (result.totals.entries, min(days), max(days)))
        result.stand_ins = stand_ins(store, period)


def stand_ins(store: LogStore, period: Period) -> list[StandIns]:
    """Entries priced by another year's release (a stand-in: no release of their own year was here), by year.
    Reads the release counts only; a year is counted apart only when a release's dates leave its own year."""
    from rvutool.log.entries import release_year

    found: list[StandIns] = []
    for count in store.release_counts(period.start, period.end):
        own = release_year(count.release)
        years = range(int(count.first[:4]), int(count.last[:4]) + 1)
        if list(years) == [own]:
            continue
        for year in years:
            if year == own:
                continue
            start, end = max(period.start, date(year, 1, 1)), min(period.end, date(year, 12, 31))
            n = sum(c.entries for c in store.release_counts(start, end) if c.release == count.release)
            if n:
                found.append(StandIns(count.release, year, n))
    return sorted(found, key=lambda s: (s.year, s.release))


def _ordered(kind: str, groups: Any, key: Any) -> list[Group]:
    """Codes and categories by wRVU, largest first; days, weeks and months in time order."""
    if kind in {"code", "category", "provider"}:
        return sorted(groups, key=lambda g: (-g.credited_c, -g.entries, key(g)))
    return sorted(groups, key=key)


def category_groups(codes: list[CodeLine]) -> list[Group]:
    """Per-category totals folded from the per-code lines, largest first."""
    found: dict[str, Group] = {}
    for c in codes:
        found.setdefault(c.category, Group(key=c.category)).add(c.entries, c.units, c.base_c, c.credited_c)
    return _ordered("category", found.values(), lambda g: g.key)


def _policies(store: LogStore, period: Period, only: tuple[int, str, str]) -> list[PolicyUse]:
    """The payment policies the period's entries were credited under (usually exactly one, which
    costs a few index look-ups; only a period with mixed policies pays for counting each)."""
    present = store.distinct_policies(period.start, period.end)
    if len(present) == 1:
        return [PolicyUse(policies.completed(present[0]), *only)]
    uses: dict[str, PolicyUse] = {}
    for text, n, first, last in store.policy_counts(period.start, period.end):
        policy = policies.completed(text)
        key = json.dumps(policy, sort_keys=True)  # '{}' and the spelled-out defaults are one policy
        if key in uses:
            use = uses[key]
            use.entries += n
            use.first, use.last = min(use.first, first), max(use.last, last)
        else:
            uses[key] = PolicyUse(policy, n, first, last)
    return sorted(uses.values(), key=lambda u: (u.first, -u.entries))


# ---------------------------------------------------------------- targets
def progress(total: Decimal, target: Decimal, source: str, period: Period, today: date) -> Progress:
    from rvutool.periods import workdays

    if today < period.start:
        elapsed = 0
    elif today > period.end:
        elapsed = period.days
    else:
        elapsed = (today - period.start).days + 1
    remaining = workdays(max(today, period.start), period.end)
    return Progress(target=target, source=source, total=total, days_total=period.days,
                    days_elapsed=elapsed, remaining_workdays=remaining)


def target_for(period: Period, targets: dict[str, Decimal | None]) -> tuple[Decimal | None, str | None]:
    """The configured target that applies to a period: month -> target.month, year -> target.year."""
    if period.kind == "month" and targets.get("month") is not None:
        return targets["month"], "target.month"
    if period.kind in {"year", "fiscal-year"} and targets.get("year") is not None:
        return targets["year"], "target.year"
    return None, None


# ---------------------------------------------------------------- estimated Medicare allowed
def medicare_estimate(store: LogStore | None, period: Period, locate: Any, qp: bool = False,
                      catalog: Any = None, gpci_floor: str = "by-date") -> MedicareEstimate | None:
    """Estimated Medicare allowed for the period's entries, in the locality `locate(year)` returns.

    Identical entries (same code, modifiers, release, setting, units and credit) are grouped by
    the store; each entry's amount is rounded to the cent as `calc` rounds a line
    (locality.logged_line_estimate), then multiplied by the group's count. The work GPCI is the one in
    force on the entries' dates (`gpci_floor`: policy work_gpci_floor), so groups never span the floor's end.
    """
    from rvutool.catalog.codes import Catalog
    from rvutool.catalog.lookup import select_row
    from rvutool.pricing import locality
    from rvutool.pricing.items import Item

    if store is None:
        return None
    catalog = catalog or Catalog()
    groups = store.payment_groups(period.start, period.end, locality.price_changes(catalog))
    estimate: MedicareEstimate | None = None
    labels: list[str] = []
    for code, modifiers, release_id, setting, n, units, base_c, credited_c, first in groups:
        release = catalog.release(release_id)
        loc = locality.dated(locate(release.year), date.fromisoformat(first), gpci_floor)
        cf = locality.conversion_factor(release, qp)
        if estimate is None:
            estimate = MedicareEstimate(locality=loc.label, conversion_factors=[])
        if cf.label not in labels:
            labels.append(cf.label)
        rows = catalog.rows(code, release)
        row = select_row(rows, Item(code, tuple(m for m in modifiers.split("-") if m)))[0] if rows else None
        amount = None if row is None else locality.logged_line_estimate(
            row, units, wrvu(base_c), wrvu(credited_c), loc, cf, setting)
        if amount is None:
            estimate.unpriced_entries += n
        else:
            estimate.amount += amount * n
            estimate.priced_entries += n
    if estimate is not None:
        estimate.conversion_factors = labels
    return estimate
