"""Comparing the log with an employer's productivity report (`rvutool reconcile`). Reads only.

Matching is one-to-one, in passes: (1) same date, code, credit-changing modifiers and units;
(2) same date and code; (3) same code within DATE_SLACK days (`date_shifted`). What is left is
`missing_from_report` (in the log only) or `not_in_log` (in the report only). Informational
modifiers (51, 59, XS, RT, LT, 76, 79...) never prevent a match.

A matched pair with a different credit gets a `reason` where recomputing the line finds one:
another CMS release's value, a reduction one side applied and the other did not, other units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.money import ZERO, to_cents
from rvutool.names.table import short_name

if TYPE_CHECKING:
    from rvutool.catalog.codes import Catalog
    from rvutool.log.entries import Entry
    from rvutool.periods import Period
    from rvutool.reports.employer import Report, ReportRow

DATE_SLACK = 3
STATUSES = ("match", "different", "date_shifted", "missing_from_report", "not_in_log")
UNEXPLAINED = "not explained by CMS values or Medicare rules"
# Reductions an employer may apply that the log did not: factor -> what it is called.
KNOWN_FACTORS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("0.5"), "a 50% multiple-procedure reduction"),
    (Decimal("1.5"), "bilateral 150%"),
    (Decimal("0.625"), "a co-surgeon 62.5% share"),
    (Decimal("0.16"), "an assistant-surgeon 16% share"),
    (Decimal("0.136"), "a non-physician assistant (AS) 13.6% share"),
    (Decimal("0.25"), "a 25% reduction (bilateral or multiple procedure, each side)"),
    (Decimal("0.75"), "bilateral 150% split over two lines (75% each)"),
    (Decimal("2"), "double credit (bilateral 200% or the line counted twice)"),
)
_RULE_NAMES = {"multiple-procedure": "multiple-procedure", "endoscopy-family": "endoscopy-family",
               "bilateral": "bilateral", "assistant": "assistant-surgeon", "co-surgeon": "co-surgeon",
               "team-surgery": "team-surgery", "split-care": "split-care", "reduced-service": "reduced-service",
               "imaging-pc": "imaging professional-component"}


def credit_modifiers(modifiers: Iterable[str]) -> tuple[str, ...]:
    """The modifiers that can change a line's credit (26, TC, 53, 50, 52, 54-56, 62, 66, 78, 80-82, AS),
    sorted; informational ones (and RT/LT, 51, 59, X{EPSU}, 76, 77, 79, unknown ones) are left out."""
    from rvutool.pricing import modifiers as known

    out = []
    for mod in modifiers:
        found = known.get(mod)
        if found is not None and found.kind != "info" and found.code not in {"RT", "LT"}:
            out.append(found.code)
    return tuple(sorted(set(out)))


@dataclass
class Line:
    status: str
    entry: Entry | None = None
    row: ReportRow | None = None
    reason: str | None = None

    @property
    def log_wrvu(self) -> Decimal | None:
        return None if self.entry is None else self.entry.credited_wrvu

    @property
    def report_wrvu(self) -> Decimal | None:
        return None if self.row is None else self.row.wrvu

    @property
    def difference(self) -> Decimal:
        return (self.log_wrvu or ZERO) - (self.report_wrvu or ZERO)

    @property
    def day(self) -> date:
        return self.entry.date if self.entry is not None else self.row.date  # type: ignore[union-attr]

    @property
    def code(self) -> str:
        return self.entry.code if self.entry is not None else self.row.code  # type: ignore[union-attr]

    @property
    def modifiers(self) -> list[str]:
        if self.entry is not None:
            return self.entry.modifier_list
        return list(self.row.modifiers)  # type: ignore[union-attr]

    @property
    def units(self) -> int:
        return self.entry.units if self.entry is not None else self.row.units  # type: ignore[union-attr]

    @property
    def differs(self) -> bool:
        return self.status != "match"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "date": None if self.entry is None else self.entry.service_date,
            "report_date": None if self.row is None else self.row.date.isoformat(),
            "code": self.code,
            "name": short_name(self.code),  # rvutool's name of the code (the report's own text is never read)
            "modifiers": self.modifiers,
            "units": self.units,
            "report_modifiers": None if self.row is None else list(self.row.modifiers),
            "report_units": None if self.row is None else self.row.units,
            "log_wrvu": self.log_wrvu,
            "report_wrvu": self.report_wrvu,
            "difference_wrvu": self.difference,
            "reason": self.reason,
        }


@dataclass
class Reconciliation:
    period: Period
    lines: list[Line]
    used: list[str]
    ignored: list[str]
    rate: Decimal | None = None
    releases: list[str] = field(default_factory=list)  # the log's releases in the period
    policies: list[str] = field(default_factory=list)  # the log's stored policies in the period (JSON)
    made: date | None = None
    provider: str | None = None  # --provider: one provider's entries of a shared log

    @property
    def log_total(self) -> Decimal:
        return sum((ln.log_wrvu for ln in self.lines if ln.log_wrvu is not None), ZERO)

    @property
    def report_total(self) -> Decimal:
        return sum((ln.report_wrvu for ln in self.lines if ln.report_wrvu is not None), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.log_total - self.report_total

    @property
    def dollars(self) -> Decimal | None:
        return None if self.rate is None else to_cents(self.difference * self.rate)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for ln in self.lines:
            out[ln.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "provider": self.provider,
            "log_total_wrvu": self.log_total,
            "report_total_wrvu": self.report_total,
            "difference_wrvu": self.difference,
            "rate": self.rate,
            "estimated_dollars": self.dollars,
            "counts": self.counts,
            "columns": {"used": self.used, "ignored": self.ignored},
            "releases": self.releases,
            "lines": [ln.to_dict() for ln in self.lines],
        }


# ---------------------------------------------------------------- matching
def match(entries: list[Entry], rows: list[ReportRow]) -> list[Line]:
    """Every entry and every row in exactly one line, paired one-to-one pass by pass."""
    left_entries = sorted(entries, key=lambda e: (e.service_date, e.id))
    left_rows = sorted(rows, key=lambda r: (r.date, r.line))
    paired: list[tuple[Entry, ReportRow, bool]] = []  # (entry, row, shifted)

    for key_of_entry, key_of_row in (
        (lambda e: (e.date, e.code, credit_modifiers(e.modifier_list), e.units),
         lambda r: (r.date, r.code, credit_modifiers(r.modifiers), r.units)),
        (lambda e: (e.date, e.code), lambda r: (r.date, r.code)),
    ):
        waiting: dict[Any, list[ReportRow]] = defaultdict(list)
        for row in left_rows:
            waiting[key_of_row(row)].append(row)
        unmatched = []
        taken: set[int] = set()
        for entry in left_entries:
            queue = waiting.get(key_of_entry(entry))
            if queue:
                row = queue.pop(0)
                taken.add(id(row))
                paired.append((entry, row, False))
            else:
                unmatched.append(entry)
        left_entries = unmatched
        left_rows = [r for r in left_rows if id(r) not in taken]

    by_code: dict[str, list[ReportRow]] = defaultdict(list)
    for row in left_rows:
        by_code[row.code].append(row)
    still = []
    for entry in left_entries:
        near = [r for r in by_code.get(entry.code, []) if abs((r.date - entry.date).days) <= DATE_SLACK]
        if not near:
            still.append(entry)
            continue
        row = min(near, key=lambda r: (abs((r.date - entry.date).days), r.date, r.line))
        by_code[entry.code].remove(row)
        paired.append((entry, row, True))
    left_rows = [r for rows_ in by_code.values() for r in rows_]

    lines: list[Line] = []
    for entry, row, shifted in paired:
        same = entry.credited_wrvu == row.wrvu
        lines.append(Line("date_shifted" if shifted else "match" if same else "different", entry, row))
    lines.extend(Line("missing_from_report", entry=e) for e in still)
    lines.extend(Line("not_in_log", row=r) for r in left_rows)
    lines.sort(key=lambda ln: (ln.day, ln.code, STATUSES.index(ln.status),
                               ln.entry.id if ln.entry else 0, ln.row.line if ln.row else 0))
    return lines


# ---------------------------------------------------------------- reasons
def _f(value: Decimal) -> str:
    return f"{to_cents(value):.2f}"


def _factors(entry: Entry) -> list[tuple[str, Decimal, dict[str, Any]]]:
    out = []
    for adj in entry.adjustment_list:
        factor = Decimal(str(adj.get("factor", 1)))
        if factor != 1:
            out.append((str(adj.get("rule", "")), factor, adj))
    return out


def _product(values: Iterable[Decimal]) -> Decimal:
    out = Decimal(1)
    for v in values:
        out *= v
    return out


def explain(entry: Entry, row: ReportRow, catalog: Catalog | None) -> str | None:
    """Why the report's credit for this line differs from the log's; None when they agree."""
    from rvutool.log.entries import adjustment_label

    log, report = entry.credited_wrvu, row.wrvu
    if log == report:
        return None
    base, factors = entry.base_wrvu, _factors(entry)
    all_factors = _product(f for _, f, _ in factors)

    # another release's value
    if catalog is not None:
        reason = _other_release(entry, report, catalog, all_factors)
        if reason:
            return reason
    # a reduction the log applied that the report did not
    for i, (rule, factor, adj) in enumerate(factors):
        others = _product(f for j, (_, f, _) in enumerate(factors) if j != i)
        if factor < 1 and to_cents(base * others) == report:
            label = adjustment_label(adj) or rule
            return (f"the report did not apply the {_RULE_NAMES.get(rule, rule)} reduction: it credits "
                    f"{_f(report)}, the log {_f(base)} x {factor.normalize():f} ({label}) = {_f(log)}")
    if factors and base == report:
        names = ", ".join(dict.fromkeys(_RULE_NAMES.get(r, r) for r, _, _ in factors))
        return f"the report credits the full {_f(base)}: it did not apply the {names} rule the log applied"
    # other units
    if entry.units and log:
        per_unit = log / entry.units
        if row.units != entry.units and to_cents(per_unit * row.units) == report:
            return (f"the report counts {row.units} units, the log {entry.units}: "
                    f"{_f(per_unit)} x {row.units} = {_f(report)}")
        counted = report / per_unit
        if counted == counted.to_integral_value() and counted > 0 and int(counted) != entry.units:
            return (f"the report credits {int(counted)} units' worth, the log {entry.units}: "
                    f"{_f(per_unit)} x {int(counted)} = {_f(report)}")
    # a reduction the report applied that the log did not
    for factor, name in KNOWN_FACTORS:
        if to_cents(log * factor) == report:
            return f"the report applied {name} that the log did not: {_f(log)} x {factor.normalize():f} = {_f(report)}"
    return UNEXPLAINED


def _other_release(entry: Entry, report: Decimal, catalog: Catalog, all_factors: Decimal) -> str | None:
    from rvutool.pricing.modifiers import ROW_MODIFIERS

    row_mod = next((m for m in entry.modifier_list if m in ROW_MODIFIERS), "")
    seen = {entry.release}
    for release in catalog.releases:
        if release.id in seen:
            continue
        seen.add(release.id)
        rows = catalog.rows(entry.code, release)
        found = rows.get(row_mod) or rows.get("")
        if found is None or found.work_rvu == entry.work_rvu:
            continue
        plain = to_cents(found.work_rvu * entry.units)
        reduced = to_cents(plain * all_factors)
        for value, how in ((plain, ""), (reduced, f" x {all_factors.normalize():f}")):
            if value == report:
                return (f"the report uses {release.id}'s value: {entry.code} work RVU {_f(found.work_rvu)} x "
                        f"{entry.units}{how} = {_f(report)}; the log uses {entry.release}'s {_f(entry.work_rvu)}")
    return None


# ---------------------------------------------------------------- the whole comparison
def reconcile(store: Any, report: Report, period: Period | None, *, catalog: Catalog | None = None,
              rate: Decimal | None = None, today: date | None = None) -> Reconciliation:
    """Compare the log's live entries of the period (the report's own dates without one) with the report."""
    from rvutool.periods import Period as PeriodType

    if period is None:
        if report.first is None:
            from rvutool.errors import RvuError

            raise RvuError(f"{report.path} holds no service lines; give a period with --month or --from/--to")
        label = f"{report.first.isoformat()} to {report.last.isoformat()} (the report's dates)"  # type: ignore[union-attr]
        period = PeriodType(report.first, report.last, label, "range")  # type: ignore[arg-type]
    rows = [r for r in report.rows if period.start <= r.date <= period.end]
    entries = [] if store is None else list(store.entries(period.start, period.end))
    lines = match(entries, rows)
    for ln in lines:
        if ln.entry is not None and ln.row is not None and ln.status != "match":
            ln.reason = explain(ln.entry, ln.row, catalog)
    releases = sorted({e.release for e in entries})
    policies = sorted({e.policy for e in entries})
    return Reconciliation(period, lines, report.used, report.ignored, rate, releases, policies, today)


def shifted_by(line: Line) -> timedelta | None:
    if line.entry is None or line.row is None:
        return None
    return line.row.date - line.entry.date
