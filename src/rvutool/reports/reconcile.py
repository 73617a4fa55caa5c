"""Comparing the log with an employer's productivity report (`rvutool reconcile`). Reads only.

The pairing (reports/matching.py) is one-to-one, in passes over the report's lines credited to the
physician: same date, code, credit-changing modifiers and units; same date and code; same code within
DATE_SLACK days (`date_shifted`); same date and code family, another code (`recoded`: downcoded or
upcoded). A log entry still unpaired that the report credits to another provider (same date and code) is
`credited_to_other`, and counts as owed. What is left is `missing_from_report` (in the log only) or
`not_in_log` (in the report only); other providers' lines that pair with nothing are left out, and counted.

A matched pair with a different credit gets a `reason` where recomputing the line finds one:
another CMS release's value, a reduction one side applied and the other did not, other units.

The report's lines stay in its arrays: a Line is made for each log entry, and for a report-only line only
when it is shown or written, so a report of millions of lines is compared in bounded memory.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.errors import RvuError
from rvutool.money import ZERO, to_cents
from rvutool.names.table import short_name
from rvutool.reports.line_pairing import DATE_SLACK, credit_modifiers, family_key  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    from rvutool.catalog.codes import Catalog
    from rvutool.log.entries import Entry
    from rvutool.periods import Period
    from rvutool.pricing.findings import Finding
    from rvutool.reports.contracts import Versions
    from rvutool.reports.employer import Report, ReportRow

# In the order the terminal view groups them: what differs first, matches last.
STATUSES = ("match", "different", "recoded", "date_shifted", "credited_to_other", "missing_from_report",
            "not_in_log")
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
@dataclass
class Line:
    status: str
    entry: Entry | None = None
    row: ReportRow | None = None
    reason: str | None = None
    finding: Finding | None = None  # a check finding that explains why the employer credited less (mark_findings)

    @property
    def explanation(self) -> str:
        """The reason, and the check finding that explains the line, in words."""
        check = f"check: {self.finding.label}" if self.finding is not None else ""
        return " · ".join(part for part in (self.reason, check) if part)

    @property
    def log_wrvu(self) -> Decimal | None:
        return None if self.entry is None else self.entry.credited_wrvu

    @property
    def report_wrvu(self) -> Decimal | None:
        return None if self.row is None else self.row.wrvu

    @property
    def counted_report_wrvu(self) -> Decimal | None:
        """What the report credits to this physician for the line: nothing when it credits someone else."""
        return None if self.status == "credited_to_other" else self.report_wrvu

    @property
    def difference(self) -> Decimal:
        return (self.log_wrvu or ZERO) - (self.counted_report_wrvu or ZERO)

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
            "report_code": None if self.row is None else self.row.code,
            "report_modifiers": None if self.row is None else list(self.row.modifiers),
            "report_units": None if self.row is None else self.row.units,
            "report_provider": None if self.row is None or not self.row.provider else self.row.provider,
            "log_wrvu": self.log_wrvu,
            "report_wrvu": self.report_wrvu,
            "difference_wrvu": self.difference,
            "reason": self.reason,
            "check": None if self.finding is None else {"kind": self.finding.kind, "label": self.finding.label,
                                                         "message": self.finding.message, "fix": self.finding.fix},
        }


def _sort_key(ln: Line) -> tuple[Any, ...]:
    return (ln.day, ln.code, STATUSES.index(ln.status), ln.entry.id if ln.entry else 0, ln.row.line if ln.row else 0)


@dataclass
class Reconciliation:
    period: Period
    lines: list[Line]  # every line with a log entry, and the report's lines that could have paired
    used: list[str]
    ignored: list[str]
    rate: Decimal | None = None
    releases: list[str] = field(default_factory=list)  # the log's releases in the period
    policies: list[str] = field(default_factory=list)  # the log's stored policies in the period (JSON)
    made: date | None = None
    provider: str | None = None  # --provider: one provider's entries of a shared log
    provider_name: str | None = None  # the physician's name as the report writes it
    report: Report | None = None  # where report_only's lines are
    report_only: array = field(default_factory=lambda: array("I"))  # not_in_log lines, as positions in `report`
    others: dict[str, list[int]] = field(default_factory=dict)  # provider -> [lines, hundredths], left out
    skipped: dict[str, int] = field(default_factory=dict)  # rows that are not services, by kind
    skipped_lines: dict[str, list[int]] = field(default_factory=dict)
    sheet: str | None = None
    sheets_skipped: list[tuple[str, str]] = field(default_factory=list)
    provider_column: str | None = None
    contract_pay: ContractPay | None = None  # the difference priced under the contract (price_by_contract)
    explained: int = 0  # differing lines a check finding explains (mark_findings)
    _report_only_c: int | None = field(default=None, repr=False)

    @property
    def log_total(self) -> Decimal:
        return sum((ln.log_wrvu for ln in self.lines if ln.log_wrvu is not None), ZERO)

    @property
    def report_total(self) -> Decimal:
        counted = sum((ln.counted_report_wrvu for ln in self.lines if ln.counted_report_wrvu is not None), ZERO)
        if self.report is None or not self.report_only:
            return counted
        if self._report_only_c is None:  # summed once: a million lines
            hundredths = self.report.hundredths
            self._report_only_c = sum(hundredths(i) for i in self.report_only)
        return counted + Decimal(self._report_only_c) / 100

    @property
    def difference(self) -> Decimal:
        return self.log_total - self.report_total

    @property
    def dollars(self) -> Decimal | None:
        """The difference in dollars: under the contract when there is one, else at the flat rate."""
        if self.contract_pay is not None:
            return self.contract_pay.dollars
        return None if self.rate is None else to_cents(self.difference * self.rate)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for ln in self.lines:
            out[ln.status] += 1
        out["not_in_log"] += len(self.report_only)
        return out

    @property
    def line_count(self) -> int:
        return len(self.lines) + len(self.report_only)

    def every_line(self) -> Iterator[Line]:
        """Every line, by date and code: the lines held, and the report's others made one at a time."""
        held = iter(sorted(self.lines, key=_sort_key))
        if self.report is None or not self.report_only:
            yield from held
            return
        report = self.report
        rest = (Line("not_in_log", row=report.row(i)) for i in report.sorted_positions(self.report_only))
        import heapq

        yield from heapq.merge(held, rest, key=_sort_key)

    def lines_of(self, status: str, limit: int) -> list[Line]:
        """The first `limit` lines of one status, in order; only those are made (the terminal view shows a few
        of a report's million lines)."""
        held = sorted((ln for ln in self.lines if ln.status == status), key=_sort_key)
        if status != "not_in_log" or self.report is None or not self.report_only:
            return held[:limit]
        report = self.report
        rest = [Line("not_in_log", row=report.row(i)) for i in report.sorted_positions(self.report_only, limit)]
        import heapq

        return list(heapq.merge(held, rest, key=_sort_key))[:limit]

    def summary_dict(self) -> dict[str, Any]:
        """Everything but the lines (`to_dict` adds them; the JSON view streams them)."""
        return {
            "period": self.period.to_dict(),
            "provider": self.provider,
            "provider_name": self.provider_name,
            "log_total_wrvu": self.log_total,
            "report_total_wrvu": self.report_total,
            "difference_wrvu": self.difference,
            "rate": None if self.contract_pay is not None else self.rate,
            "estimated_dollars": self.dollars,
            "contract": None if self.contract_pay is None else self.contract_pay.to_dict(),
            "explained_by_checks": self.explained,
            "counts": self.counts,
            "columns": {"used": self.used, "ignored": self.ignored},
            "sheet": self.sheet,
            "sheets_skipped": [{"sheet": name, "why": why} for name, why in self.sheets_skipped],
            "skipped_rows": {kind: {"rows": n, "first_lines": self.skipped_lines.get(kind, [])}
                             for kind, n in self.skipped.items()},
            "other_providers": [{"provider": name, "rows": n, "wrvu": Decimal(c) / 100}
                                for name, (n, c) in sorted(self.others.items())],
            "releases": self.releases,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary_dict(), "lines": [ln.to_dict() for ln in self.every_line()]}


# ---------------------------------------------------------------- matching
def match(entries: list[Entry], rows: list[ReportRow]) -> list[Line]:
    """Every entry and every row in exactly one line, paired one-to-one pass by pass (reports/matching.py)."""
    from pathlib import Path

    from rvutool.reports.employer import Report

    report = Report(Path("."), [], [])
    for row in sorted(rows, key=lambda r: (r.date, r.line)):
        report.add(row.line, row.date, row.code, row.modifiers, row.units, int(row.wrvu * 100), row.provider)
    lines = paired_lines(entries, report, array("I", range(len(report))))
    return sorted(lines, key=_sort_key)


def paired_lines(entries: list[Entry], report: Report, positions: array) -> list[Line]:
    """The Lines of a pairing: one per entry (paired, or missing from the report), and one per line of the
    report paired with nothing."""
    from rvutool.reports import line_pairing as matching

    found = matching.pair(entries, report, positions)
    lines = _lines_of(found, report)
    lines.extend(Line("not_in_log", row=report.row(i)) for i in found.left)
    return lines


def _lines_of(found: Any, report: Report) -> list[Line]:
    lines: list[Line] = []
    for entry, i, how in found.pairs:
        row = report.row(i)
        if how == "recoded":
            lines.append(Line("recoded", entry, row, recoded_reason(entry, row)))
        else:
            same = entry.credited_wrvu == row.wrvu
            lines.append(Line("date_shifted" if how == "shifted" else "match" if same else "different", entry, row))
    lines.extend(Line("missing_from_report", entry=e) for e in found.unpaired)
    return lines


def recoded_reason(entry: Entry, row: ReportRow) -> str:
    log, report = entry.credited_wrvu, row.wrvu
    way = "downcoded" if report < log else "upcoded" if report > log else "recoded"
    gap = abs(log - report)
    return (f"{way}: the report has {row.code} ({_f(report)}) where the log has {entry.code} ({_f(log)})"
            + (f", {_f(gap)} wRVU {'less' if report < log else 'more'}" if gap else ""))


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
    from rvutool.pricing.priced import adjustment_label

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
def own_rows(report: Report, positions: array, provider_name: str | None,
             strict: bool = True) -> tuple[array, array, str | None]:
    """(the physician's lines, other providers' lines, the name used) among `positions`. Without a provider
    column every line is the physician's. With one, a report that credits several providers needs to be
    told which is the physician (--provider-name, or config report.provider); a name no line carries is
    refused, so the wrong person is never compared in silence. A line with no provider counts as theirs.
    Not `strict` (each provider of a shared log in turn): no name means no line is theirs, and a name no line
    carries is an empty report for them."""
    from rvutool.reports.employer import provider_key

    if report.provider_column is None:
        return positions, array("I"), provider_name
    provider_id = report.provider_id
    names = report.providers
    present = sorted({names[i] for i in report.provider_ids(positions)} - {""}, key=str.lower)
    if provider_name is None and not strict:
        return array("I"), positions, None
    if provider_name is None:
        if len(present) > 1:
            shown = "; ".join(present[:6]) + ("; ..." if len(present) > 6 else "")
            raise RvuError(f"{report.path}: its {report.provider_column} column credits {len(present)} providers "
                           f"({shown}): say which one is you with --provider-name \"NAME\" (or rvutool config set "
                           "report.provider \"NAME\"); nothing was compared")
        return positions, array("I"), present[0] if present else None
    wanted = provider_key(provider_name)
    own_ids = {i for i, name in enumerate(names) if not name or provider_key(name) == wanted}
    if strict and present and not any(provider_key(name) == wanted for name in present):
        shown = "; ".join(present[:6]) + ("; ..." if len(present) > 6 else "")
        raise RvuError(f"{report.path}: no line of the period is credited to {provider_name} (its "
                       f"{report.provider_column} column names {shown}); check --provider-name or "
                       "config report.provider; nothing was compared")
    as_written = next((name for name in present if provider_key(name) == wanted), provider_name)
    if all(names.index(name) in own_ids for name in present):  # every line of the period is theirs
        return positions, array("I"), as_written
    mine, theirs = array("I"), array("I")
    for i in positions:
        (mine if provider_id(i) in own_ids else theirs).append(i)
    return mine, theirs, as_written


def _credited_to_others(lines: list[Line], report: Report, theirs: array) -> dict[str, list[int]]:
    """Pair the entries still missing with other providers' lines (reports/matching.pair_with_others); every
    other line of theirs is left out and counted by provider."""
    from rvutool.reports import line_pairing as matching

    missing = {id(ln.entry): ln for ln in lines if ln.status == "missing_from_report"}
    pairs, left = matching.pair_with_others([ln.entry for ln in missing.values()], report, theirs)  # type: ignore
    for entry, i in pairs:
        ln = missing[id(entry)]
        ln.status, ln.row = "credited_to_other", report.row(i)
        ln.reason = f"the report credits this service to {ln.row.provider}"
    others: dict[str, list[int]] = {}
    for i in left:
        name = report.providers[report.provider_id(i)]
        found = others.setdefault(name, [0, 0])
        found[0] += 1
        found[1] += report.hundredths(i)
    return others


def reconcile(store: Any, report: Report, period: Period | None, *, catalog: Catalog | None = None,
              rate: Decimal | None = None, today: date | None = None, provider_name: str | None = None,
              strict: bool = True) -> Reconciliation:
    """Compare the log's live entries of the period (the report's own dates without one) with the report's
    lines credited to the physician (`provider_name`; see own_rows)."""
    from rvutool.periods import Period as PeriodType

    if period is None:
        if report.first is None:
            raise RvuError(f"{report.path} holds no service lines; give a period with --month or --from/--to")
        label = f"{report.first.isoformat()} to {report.last.isoformat()} (the report's dates)"  # type: ignore[union-attr]
        period = PeriodType(report.first, report.last, label, "range")  # type: ignore[arg-type]
    positions = report.in_period(period.start, period.end)
    mine, theirs, name = own_rows(report, positions, provider_name, strict)
    entries = [] if store is None else list(store.entries(period.start, period.end))
    from rvutool.reports import line_pairing as matching

    found = matching.pair(entries, report, mine)
    lines, rest = _lines_of(found, report), found.left
    for ln in lines:
        if ln.entry is not None and ln.row is not None and ln.status in {"different", "date_shifted"}:
            ln.reason = explain(ln.entry, ln.row, catalog)
    others = _credited_to_others(lines, report, theirs)
    releases = sorted({e.release for e in entries})
    policies = sorted({e.policy for e in entries})
    return Reconciliation(period, lines, report.used, report.ignored, rate, releases, policies, today,
                          provider_name=name, report=report, report_only=rest, others=others,
                          skipped=dict(report.skipped), skipped_lines=report.skipped_lines, sheet=report.sheet,
                          sheets_skipped=report.sheets_skipped, provider_column=report.provider_column)


def shifted_by(line: Line) -> timedelta | None:
    if line.entry is None or line.row is None:
        return None
    return line.row.date - line.entry.date


# ---------------------------------------------------------------- what the lines' differences are worth, and why
EXPLAINABLE = frozenset({"different", "missing_from_report", "date_shifted", "recoded"})


def mark_findings(result: Reconciliation, findings: Iterable[Finding]) -> None:
    """Mark each line the employer credited less (or not at all) that a check finding is about, when the
    finding is about one patient's care (_one_patient): Medicare's rules would not pay it as logged, which is
    likely why (pricing/checks.py's findings for the period)."""
    about: dict[int, Finding] = {}
    for found in findings:
        first = found.lines[0]  # the service the finding is about; the others are what it is weighed against
        if first.logged and _one_patient(found):
            about.setdefault(first.number, found)
    result.explained = 0
    for ln in result.lines:
        if ln.entry is not None and ln.status in EXPLAINABLE and ln.difference > 0:
            ln.finding = about.get(ln.entry.id)
            if ln.finding is not None:
                result.explained += 1
                if ln.reason == UNEXPLAINED:
                    ln.reason = None  # Medicare's rules do explain it


def _one_patient(found: Finding) -> bool:
    """Whether the finding is about one patient's care: its services are in one encounter, or share a case label.
    rvutool keeps no patients, so a visit beside another encounter's surgery may be another patient's: the check
    says so, and it explains nothing here."""
    logged = [ln for ln in found.lines if ln.logged]
    if len({ln.encounter for ln in logged}) <= 1:
        return True
    cases = {ln.case for ln in logged}
    return len(cases) == 1 and None not in cases and "" not in cases


@dataclass
class PeriodWorth:
    """One pay period of the contract: the employer's credit in it, the difference, and what that is worth."""

    label: str
    start: date
    end: date
    credited: Decimal  # what the employer credited in the pay period (the log's credit outside the report's dates)
    difference: Decimal
    dollars: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.label, "from": self.start, "to": self.end, "employer_credited_wrvu": self.credited,
                "difference_wrvu": self.difference, "dollars": self.dollars}


@dataclass
class ContractPay:
    name: str
    periods: list[PeriodWorth]

    @property
    def dollars(self) -> Decimal:
        return sum((p.dollars for p in self.periods), ZERO)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "dollars": self.dollars, "periods": [p.to_dict() for p in self.periods],
                "how": "each pay period's productivity pay on the employer's credit plus the difference, minus "
                       "the same on the employer's credit (tiers and threshold as the contract sets them; before "
                       "any quality withhold)"}


def price_by_contract(result: Reconciliation, store: Any, versions: Versions, *, fiscal_year_start: int,
                      today: date) -> None:
    """Price the difference pay period by pay period under the contract: what the contract's productivity pay
    would be on the employer's credit plus the difference, less what it is on the employer's credit. A
    threshold not reached makes a disputed wRVU worth nothing; one that crosses a tier is paid at both rates.
    Days of a pay period outside the report's dates count as credited as logged. A production (dentist's)
    contract is not priced per wRVU: the flat rate stays."""
    from bisect import bisect_right

    from rvutool.reports import pay

    found = [w for w in pay.windows(versions, result.period.start, result.period.end, fiscal_year_start, today)
             if not w.version.production]
    if not found:
        return
    starts = [w.start for w in found]
    credited = [ZERO] * len(found)
    difference = [ZERO] * len(found)
    for ln in result.every_line():
        i = bisect_right(starts, ln.day) - 1
        if i < 0 or ln.day > found[i].end:
            continue
        credited[i] += ln.counted_report_wrvu or ZERO
        difference[i] += ln.difference
    periods = []
    for i, window in enumerate(found):
        for start, end in ((window.start, result.period.start - timedelta(days=1)),
                           (result.period.end + timedelta(days=1), window.end)):
            if start <= end and store is not None:  # the pay period's days the report does not cover: as logged
                credited[i] += Decimal(sum(t.credited_c for t in store.day_code_totals(start, end))) / 100
        before = _productivity(window, credited[i])
        after = _productivity(window, credited[i] + difference[i])
        periods.append(PeriodWorth(window.label, window.start, window.end, credited[i], difference[i],
                                   to_cents(after - before)))
    result.contract_pay = ContractPay(versions.name, periods)


def _productivity(window: Any, wrvu: Decimal) -> Decimal:
    from dataclasses import replace

    from rvutool.reports import pay

    trial = replace(window, wrvu=max(wrvu, ZERO), tiers=[], top_rate=None)
    pay.wrvu_pay(trial)
    return trial.productivity
