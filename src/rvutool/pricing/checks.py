"""`rvutool check`: will Medicare pay it? Every check on a set of services, and where the services come from:
items typed on the command line (one encounter), the encounter just logged (weighed against the log around
it), or a period of the log.

    check              runs the bundled checks (bundled_checks.py) and, when NCCI files were imported,
                       the PTP and MUE checks (ncci_checks.py); findings sorted by date and kind
    findings_for_items         `rvutool check CODE...`
    findings_after_logging     `rvutool log`: the findings that concern the entries just saved
    findings_for_period        `rvutool check --month`, and `report` (and, later, `reconcile`)

Reads the log through its store (live entries of one physician: on a shared log the connected user's own, or
the one `--provider` names) and never changes it; reads the NCCI database only when it exists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rvutool.errors import RvuError
from rvutool.pricing import bundled_checks
from rvutool.pricing.findings import KINDS, Finding, Line

if TYPE_CHECKING:
    from rvutool.catalog.codes import Catalog
    from rvutool.catalog.ncci import Ncci, Part
    from rvutool.log.entries import Entry
    from rvutool.log.store import LogStore
    from rvutool.periods import Period
    from rvutool.pricing.items import Item

REACH = 90  # days a global period reaches: the longest post-operative period
CHUNK = 120  # days of a period checked at once (each with REACH days before it): memory stays bounded
# A report (and reconcile's explanations) checks a period of at most this many services: checking costs about
# 0.15 ms a service, and a page of thousands of findings helps no one; `rvutool check` checks any period.
MOST_FOR_A_REPORT = 20_000


def check(lines: list[Line], ncci: Ncci | None = None, focus: set[int] | None = None) -> list[Finding]:
    """Every finding on one physician's services. `focus`: only the findings that concern these lines
    (their numbers): the same-day checks then look at their patients' days alone."""
    def wanted(found: Iterable[Finding]) -> list[Finding]:
        return [f for f in found if focus is None or any(ln.logged and ln.number in focus for ln in f.lines)]

    mine = lines if focus is None else [ln for ln in lines if ln.number in focus]
    days = {ln.patient_key() for ln in mine}
    same_day = [ln for ln in lines if ln.patient_key() in days]
    out = wanted(bundled_checks.modifier_findings(mine))
    out += wanted(bundled_checks.global_findings(lines, focus))
    out += wanted(bundled_checks.add_on_findings(_encounters(same_day)))
    if ncci is not None and ncci.parts:
        from rvutool.pricing import ncci_checks

        if ncci.has("ptp"):
            out += wanted(ncci_checks.ptp_findings(same_day, ncci))
        if ncci.has("mue"):
            out += wanted(ncci_checks.mue_findings(same_day, ncci))
    return sorted(out, key=Finding.sort_key)


def _encounters(lines: Iterable[Line]) -> list[list[Line]]:
    groups: dict[tuple[date, int], list[Line]] = {}
    for ln in lines:
        groups.setdefault((ln.on, ln.encounter), []).append(ln)
    return list(groups.values())


# ---------------------------------------------------------------- results
@dataclass
class CheckResult:
    findings: list[Finding]
    services: int  # how many services were checked (typed items, or entries of the period)
    on: date | None = None  # typed items: their date of service
    release: str | None = None  # typed items: the CMS release of their indicators
    period: Any = None  # periods.Period for a check of the log
    ncci: list[Part] = field(default_factory=list)  # the NCCI quarters the dates were checked against
    ncci_imported: bool = False

    def counts(self) -> dict[str, int]:
        found = Counter(f.kind for f in self.findings)
        return {kind: found[kind] for kind in KINDS if found[kind]}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"findings": [f.to_dict() for f in self.findings], "counts": self.counts(),
                               "services": self.services,
                               "ncci": [p.to_dict() for p in self.ncci] if self.ncci_imported else None}
        if self.period is not None:
            out["period"] = self.period.to_dict()
        if self.on is not None:
            out["date"], out["release"] = self.on.isoformat(), self.release
        return out


def _quarters(ncci: Ncci | None, days: Iterable[date]) -> list[Part]:
    if ncci is None:
        return []
    found = {p.id: p for on in sorted(set(days)) for kind in ("ptp", "mue") for p in ncci.chosen(kind, on)}
    return sorted(found.values(), key=lambda p: (p.kind, p.quarter_start, p.part))


# ---------------------------------------------------------------- typed items
def findings_for_items(items: list[Item], on: date, *, catalog: Catalog | None = None,
                       ncci: Ncci | None = None) -> CheckResult:
    """One encounter typed on the command line (the `calc` grammar). Raises for an unknown code."""
    from rvutool.catalog.codes import Catalog
    from rvutool.catalog.lookup import select_row

    catalog = catalog or Catalog()
    release, _ = catalog.release_for(on)
    lines = []
    for n, item in enumerate(items, start=1):
        row, _ = select_row(catalog.require_rows(item.code, release), item)
        lines.append(Line(n, 0, on, item.code, tuple(item.modifiers), item.units, row, logged=False))
    return CheckResult(check(lines, ncci), len(lines), on=on, release=release.id, ncci=_quarters(ncci, [on]),
                       ncci_imported=bool(ncci and ncci.parts))


# ---------------------------------------------------------------- the log
def _line(entry: Entry, catalog: Catalog) -> Line | None:
    from rvutool.catalog.lookup import select_row

    try:
        try:
            release = catalog.release(entry.release)
        except RvuError:  # an imported release since removed: the one in force that day
            release, _ = catalog.release_for(entry.date)
        rows = catalog.rows(entry.code, release)
        if not rows:
            return None
        item = entry.as_item()
        row, _ = select_row(rows, item)
    except RvuError:
        return None
    return Line(entry.id, entry.encounter_id, entry.date, entry.code, tuple(item.modifiers), entry.units, row,
                case=entry.case_label)


def _entries(store: LogStore, start: date, end: date, provider: str | None) -> Iterator[Entry]:
    """One physician's live entries: the provider named, or the connected user's own."""
    return store.entries(start, end) if provider is not None else store.own_entries(start, end)


def _shift(day: date, days: int) -> date:
    """`days` later (earlier when negative), held to the calendar's ends (an open period's start or end)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max


def findings_for_period(store: LogStore | None, period: Period, *, provider: str | None = None,
                        catalog: Catalog | None = None, ncci: Ncci | None = None) -> CheckResult:
    """Every finding dated in the period, each service weighed against the REACH days before it and the day
    after it. A plain function: `rvutool check --month`, `report` and `reconcile` call it."""
    from rvutool.catalog.codes import CachedCatalog

    catalog = catalog or CachedCatalog()
    result = CheckResult([], 0, period=period, ncci_imported=bool(ncci and ncci.parts))
    if store is None:
        return result
    start, days = period.start, set()
    while start <= period.end:
        end = min(period.end, _shift(start, CHUNK - 1))
        lines = [ln for e in _entries(store, _shift(start, -REACH), _shift(end, 1), provider)
                 if (ln := _line(e, catalog)) is not None]
        inside = [ln for ln in lines if start <= ln.on <= end]
        if inside:
            result.services += len(inside)
            days.update(ln.on for ln in inside)
            result.findings += [f for f in check(lines, ncci, focus={ln.number for ln in inside})
                                if start <= f.on <= end]
        if end >= period.end:
            break
        start = end + timedelta(days=1)
    result.findings.sort(key=Finding.sort_key)
    result.ncci = _quarters(ncci, days)
    return result


def services_beyond_a_report(store: LogStore | None, period: Period) -> int | None:
    """The number of services in the period when there are more than a report checks (None when it checks
    them): counted from the day totals, so asking costs nothing however big the log."""
    if store is None:
        return None
    count = sum(t.entries for t in store.day_code_totals(period.start, period.end))
    return count if count > MOST_FOR_A_REPORT else None


@dataclass
class AfterLogging:
    """The checks on an encounter just saved: findings about its own services, and those about services
    logged before it that it changes (a surgery logged late puts earlier visits in its global period)."""

    findings: list[Finding] = field(default_factory=list)
    others: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"findings": [f.to_dict() for f in self.findings],
                "other_entries": {"count": len(self.others), "counts": dict(Counter(f.kind for f in self.others)),
                                  "from": min((f.on for f in self.others), default=None),
                                  "to": max((f.on for f in self.others), default=None)}}


def findings_after_logging(store: LogStore, entries: list[Entry], *, catalog: Catalog | None = None,
                           ncci: Ncci | None = None) -> AfterLogging:
    """The findings that concern an encounter just saved, weighed against the physician's log around it."""
    found = _after_logging(store, entries, catalog, ncci)
    ids = {e.id for e in entries}
    return AfterLogging([f for f in found if f.lines[0].number in ids], [f for f in found if f.lines[0].number
                                                                          not in ids])


def _after_logging(store: LogStore, entries: list[Entry], catalog: Catalog | None, ncci: Ncci | None) -> list[Finding]:
    from rvutool.catalog.codes import CachedCatalog

    catalog = catalog or CachedCatalog()
    new = [ln for e in entries if (ln := _line(e, catalog)) is not None]
    if not new:
        return []
    ids = {ln.number for ln in new}
    runs, only = _days_that_matter(store, catalog, new)
    lines = [ln for first, last in runs for e in store.own_entries(first, last)
             if e.id not in ids and (e.date not in only or e.code in only[e.date])
             and (ln := _line(e, catalog)) is not None]
    return check(lines + new, ncci, focus=ids)


def _days_that_matter(store: LogStore, catalog: Catalog, new: list[Line]
                      ) -> tuple[list[tuple[date, date]], dict[date, set[str]]]:
    """The days (runs of them) whose entries a new encounter can be weighed against: its own day; the day
    after, for a visit (surgery the next day), and the day before, for a surgery (the visit that decided it);
    the days of earlier surgeries whose global periods reach it; for a new surgery, the days of visits and
    procedures in its global period. Found from the day totals, so a long log is read only where it matters;
    of an earlier surgery's day only those surgeries matter (the second value: day -> their codes), so a busy
    log's other services on those days are not priced and checked again."""
    from rvutool.pricing import sameday

    on = new[0].on
    visit = any(sameday.is_em_visit(ln.row) for ln in new)
    procedure = any(bundled_checks.is_procedure(ln) for ln in new)
    reach = max((bundled_checks.POSTOP_DAYS.get(ln.global_days, 0) for ln in new if bundled_checks.is_procedure(ln)),
                default=0)
    days = {on} | ({_shift(on, 1)} if visit else set()) | ({_shift(on, -1)} if procedure else set())
    surgeries: dict[date, set[str]] = {}
    if visit or procedure:
        for total in store.day_code_totals(_shift(on, -REACH), _shift(on, max(reach, 1))):
            day = date.fromisoformat(total.day)
            if day in days:
                continue
            row = catalog.rows(total.code, catalog.release_for(day)[0]).get("")
            if row is None:
                continue
            probe = Line(0, -1, day, total.code, (), 1, row)
            if day < on and bundled_checks.is_procedure(probe) and \
                    on <= _shift(day, bundled_checks.POSTOP_DAYS.get(probe.global_days, -1)):
                surgeries.setdefault(day, set()).add(total.code)  # an earlier surgery reaching the encounter
            elif on < day <= _shift(on, reach) and (bundled_checks.is_procedure(probe)
                                                    or sameday.is_em_visit(row)):
                days.add(day)  # a service in the new surgery's global period
    runs: list[tuple[date, date]] = []
    for day in sorted(days | set(surgeries)):
        if runs and day == _shift(runs[-1][1], 1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs, {day: codes for day, codes in surgeries.items() if day not in days}
