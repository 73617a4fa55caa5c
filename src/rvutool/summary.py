"""Where you stand: totals of the log over a period, computed in SQL and shown with their arithmetic.

`summarize(conn, period, ...)` runs aggregate queries (SUM / COUNT ... GROUP BY) over the
`entries` table, never a Python loop over entries, and returns a plain `Summary`.
Rendering lives in render.py. All amounts are integer hundredths of a wRVU from the
log, so every total is exact; Decimal arithmetic derives the rest, and rounding
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
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from rvutool.errors import UsageError

if TYPE_CHECKING:
    import sqlite3

    from rvutool.periods import Period

BY_CHOICES = ("day", "week", "month", "code", "category")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def wrvu(cents: int) -> Decimal:
    """Integer hundredths -> an exact Decimal with two places."""
    return (Decimal(cents) / HUNDRED).quantize(CENT)


def half_up(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), ROUND_HALF_UP)


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
        return describe_policy(self.policy)


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
            "kind": self.period.kind, "today": self.today.isoformat(),
            "entries": t.entries, "units": t.units,
            "total_wrvu": t.wrvu, "base_wrvu": t.base_wrvu, "policy_difference": t.wrvu - t.base_wrvu,
            "no_wrvu_entries": self.no_wrvu_entries,
            "codes": [{"code": c.code, "category": c.category, "entries": c.entries, "units": c.units,
                       "base_wrvu": c.base_wrvu, "wrvu": c.wrvu} for c in self.codes],
            "by": self.by,
            "groups": [{"key": g.key, "entries": g.entries, "units": g.units,
                        "base_wrvu": g.base_wrvu, "wrvu": g.wrvu} for g in self.groups],
            "flagged": [{"code": f.code, "count": f.count, "units": f.units, "reason": f.reason}
                        for f in self.flagged],
            "policy": self.policies[0].policy if len(self.policies) == 1 else None,
            "policies": [{"policy": p.policy, "description": p.description, "entries": p.entries,
                          "first": p.first, "last": p.last} for p in self.policies],
            "rate": self.rate, "rate_source": self.rate_source,
            "estimated_compensation": self.compensation,
            "progress": self.progress.to_dict() if self.progress else None,
            "estimated_medicare_allowed": self.medicare.to_dict() if self.medicare else None,
        }


# ---------------------------------------------------------------- policy wording
_POLICY_WORDS = {
    "multiple_procedure": "multiple procedures", "bilateral": "bilateral", "assistant": "assistant",
    "cosurgeon": "co-surgeon", "split_care": "split care", "imaging_pc_reduction": "imaging PC reduction",
    "published_not_payable": "published-not-payable codes",
}


def _default_policy() -> dict[str, str]:
    """rules.Policy's defaults, read from the settings table (importing rules costs ~100 ms;
    tests/test_config.py checks that the two agree)."""
    from rvutool.config import KEYS

    return {name.split(".", 1)[1]: str(spec.default) for name, spec in KEYS.items()
            if name.startswith("policy.")}


def policy_dict(text: str | None) -> dict[str, str]:
    """A stored policy JSON, completed with the defaults for keys it lacks ('{}' = defaults)."""
    merged = _default_policy()
    try:
        stored = json.loads(text or "{}")
    except ValueError:
        stored = {}
    if isinstance(stored, dict):
        merged.update({str(k): str(v) for k, v in stored.items()})
    return merged


def describe_policy(policy: dict[str, str]) -> str:
    default = _default_policy()
    changed = [f"{_POLICY_WORDS.get(k, k)} {v}" for k, v in policy.items() if default.get(k) != v]
    return "Medicare defaults" if not changed else "Medicare defaults except " + ", ".join(changed)


# ---------------------------------------------------------------- queries
_LIVE = "voided = 0 AND service_date BETWEEN ? AND ?"


_NEEDED = {"voided", "service_date", "code", "no_wrvu_reason", "category", "units", "base_wrvu_c",
           "credited_wrvu_c"}


def _indexes(conn: sqlite3.Connection) -> list[list[str]]:
    """The column lists of the entries table's indexes (a few PRAGMA reads)."""
    out = []
    for row in conn.execute("PRAGMA index_list(entries)").fetchall():
        out.append([info[2] for info in conn.execute(f"PRAGMA index_info({row[1]!r})").fetchall()])
    return out


def _plan(conn: sqlite3.Connection, period: Period, indexes: list[list[str]]) -> str:
    """How to read the period's entries: a table hint for the FROM clause.

    With a covering index on (voided, service_date, ...) SQLite streams the groups in
    order without touching the table: leave the choice to it. Without one, fetching
    each row through the (voided, service_date) index costs a random read, about five
    times a sequential scan, so a period that holds most of the log is read straight.
    """
    if any(cols[:2] == ["voided", "service_date"] and _NEEDED <= set(cols) for cols in indexes):
        return ""
    lo = conn.execute("SELECT MIN(service_date) FROM entries WHERE voided = 0").fetchone()[0]
    hi = conn.execute("SELECT MAX(service_date) FROM entries WHERE voided = 0").fetchone()[0]
    if lo is None:
        return ""
    first, last = date.fromisoformat(lo), date.fromisoformat(hi)
    span = (last - first).days + 1
    inside = (min(last, period.end) - max(first, period.start)).days + 1
    return " NOT INDEXED" if inside * 2 >= span else ""


def default_by(period: Period) -> str:
    return "day" if period.bounded and period.days <= 31 else "month"


def _week_key(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def summarize(conn: sqlite3.Connection | None, period: Period, *, today: date, by: str | None = None,
              rate: Decimal | None = None, rate_source: str | None = None,
              target: Decimal | None = None, target_source: str | None = None) -> Summary:
    """Totals, per-code lines, groups, flagged codes and the policies used, for one period."""
    by = by or default_by(period)
    if by not in BY_CHOICES:
        raise UsageError(f"--by {by!r}: choose one of {', '.join(BY_CHOICES)}")
    result = Summary(period=period, today=today, by=by, rate=rate, rate_source=rate_source,
                     log_exists=conn is not None)
    if conn is not None:
        _aggregate(conn, period, result)
    if target is not None and period.bounded:
        result.progress = progress(result.totals.wrvu, target, target_source or "--target", period, today)
    return result


def _aggregate(conn: sqlite3.Connection, period: Period, result: Summary) -> None:
    bounds = (period.start.isoformat(), period.end.isoformat())
    indexes = _indexes(conn)
    hint = _plan(conn, period, indexes)
    # One pass over the period: one row per (day, code, no-wRVU reason); everything else folds from it.
    rows = conn.execute(
        f"SELECT service_date, code, no_wrvu_reason, MIN(category), COUNT(*), SUM(units), "
        f"SUM(base_wrvu_c), SUM(credited_wrvu_c) FROM entries{hint} WHERE {_LIVE} "
        f"GROUP BY service_date, code, no_wrvu_reason", bounds).fetchall()
    codes: dict[str, CodeLine] = {}
    groups: dict[str, Group] = {}
    flagged: dict[tuple[str, str], Flagged] = {}
    week_of: dict[str, str] = {}
    by = result.by
    for day, code, reason, category, n, units, base_c, credited_c in rows:
        result.totals.add(n, units, base_c, credited_c)
        line = codes.get(code)
        if line is None:
            line = codes[code] = CodeLine(code=code, category=category)
        line.add(n, units, base_c, credited_c)
        if by == "day":
            key = day
        elif by == "week":
            key = week_of.get(day) or week_of.setdefault(day, _week_key(day))
        elif by == "month":
            key = day[:7]
        elif by == "code":
            key = code
        else:
            key = category
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(key=key)
        group.add(n, units, base_c, credited_c)
        if reason is not None:
            found = flagged.get((code, reason))
            if found is None:
                found = flagged[(code, reason)] = Flagged(code, 0, 0, reason)
            found.count += n
            found.units += units
    result.codes = sorted(codes.values(), key=lambda c: (-c.credited_c, -c.entries, c.code))
    if by in {"code", "category"}:
        result.groups = sorted(groups.values(), key=lambda g: (-g.credited_c, -g.entries, g.key))
    else:
        result.groups = sorted(groups.values(), key=lambda g: g.key)
    result.flagged = sorted(flagged.values(), key=lambda f: (-f.count, f.code, f.reason))
    if rows:
        days = [row[0] for row in rows]
        only = (result.totals.entries, min(days), max(days))
        result.policies = _policies(conn, bounds, hint, only, indexes)


def _policies(conn: sqlite3.Connection, bounds: tuple[str, str], hint: str,
              only: tuple[int, str, str], indexes: list[list[str]]) -> list[PolicyUse]:
    """The payment policies the period's entries were credited under (usually exactly one).

    With an index on (voided, policy, ...) the distinct policies are found by skipping
    through the index (a few look-ups per policy). Otherwise one scan without sorting
    checks that every entry shares the first entry's policy. Only a period with mixed
    policies pays for a GROUP BY.
    """
    if any(cols[:2] == ["voided", "policy"] for cols in indexes):
        present = []
        text = conn.execute("SELECT MIN(policy) FROM entries WHERE voided = 0").fetchone()[0]
        while text is not None and len(present) < 2:
            if conn.execute("SELECT 1 FROM entries WHERE voided = 0 AND policy = ? AND service_date "
                            "BETWEEN ? AND ? LIMIT 1", (text, *bounds)).fetchone():
                present.append(text)
            text = conn.execute("SELECT MIN(policy) FROM entries WHERE voided = 0 AND policy > ?",
                                (text,)).fetchone()[0]
        if len(present) == 1:
            return [PolicyUse(policy_dict(present[0]), *only)]
    else:
        sample = conn.execute(f"SELECT policy FROM entries WHERE {_LIVE} LIMIT 1", bounds).fetchone()[0]
        others = conn.execute(f"SELECT COUNT(*) FROM entries{hint} WHERE {_LIVE} AND policy != ?",
                              (*bounds, sample)).fetchone()[0]
        if not others:
            return [PolicyUse(policy_dict(sample), *only)]
    uses: dict[str, PolicyUse] = {}
    for text, n, first, last in conn.execute(
            f"SELECT policy, COUNT(*), MIN(service_date), MAX(service_date) FROM entries{hint} "
            f"WHERE {_LIVE} GROUP BY policy", bounds):
        policy = policy_dict(text)
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
def medicare_estimate(conn: sqlite3.Connection | None, period: Period, locate: Any, qp: bool = False,
                      catalog: Any = None) -> MedicareEstimate | None:
    """Estimated Medicare allowed for the period's entries, in the locality `locate(year)` returns.

    Identical entries (same code, modifiers, release, setting, units and credit) are grouped in
    SQL; each entry's amount is rounded to the cent as `calc` rounds a line
    (locality.logged_line_estimate), then multiplied by the group's count.
    """
    from rvutool import locality
    from rvutool.codes import Catalog
    from rvutool.items import Item
    from rvutool.lookup import select_row

    if conn is None:
        return None
    catalog = catalog or Catalog()
    bounds = (period.start.isoformat(), period.end.isoformat())
    groups = conn.execute(
        f"SELECT code, modifiers, release, setting, COUNT(*), units, base_wrvu_c, credited_wrvu_c FROM entries "
        f"WHERE {_LIVE} GROUP BY code, modifiers, release, setting, units, base_wrvu_c, credited_wrvu_c",
        bounds).fetchall()
    estimate: MedicareEstimate | None = None
    labels: list[str] = []
    for code, modifiers, release_id, setting, n, units, base_c, credited_c in groups:
        release = catalog.release(release_id)
        loc = locate(release.year)
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
