"""Credited wRVU under a contract's credit rules, day by day (what its pay arithmetic starts from).

The log keeps what each entry was credited when it was logged. A contract may credit differently:
  - `custom_wrvu`: codes logged with no CMS work RVU (dental codes, anesthesia by base units) are credited
    the contract's wRVU per unit;
  - `credit_release`: every encounter priced again on another release's values (reports/release_credit.py);
  - `[policy]`: every encounter priced again with some payment-policy keys changed (how the employer credits
    modifiers).
Without a release or a policy, everything comes from the store's day totals (no entry is read). With one,
the period's entries are streamed and priced again encounter by encounter, for the days that version covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.money import from_hundredths

if TYPE_CHECKING:
    from rvutool.log.store import LogStore
    from rvutool.reports.contracts import Versions


@dataclass
class CustomCredit:
    code: str
    per_unit: Decimal
    entries: int = 0
    units: int = 0

    @property
    def wrvu(self) -> Decimal:
        return self.per_unit * self.units

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "wrvu_per_unit": self.per_unit, "entries": self.entries, "units": self.units,
                "wrvu": self.wrvu}


@dataclass
class Repriced:
    """Entries priced again on one release's values ("RVU25D"), or under the contract's policy ("policy")."""

    on: str
    entries: int = 0
    kept: int = 0  # kept their logged credit (a code the release does not have)
    change_c: int = 0  # credited minus logged, hundredths of a wRVU

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on, "entries": self.entries, "kept_logged_credit": self.kept,
                "change_wrvu": from_hundredths(self.change_c)}


@dataclass
class Credit:
    """Per day: credited wRVU under the contract, and as logged; what the contract's rules changed."""

    days: dict[str, Decimal] = field(default_factory=dict)  # YYYY-MM-DD -> wRVU under the contract
    logged: dict[str, Decimal] = field(default_factory=dict)  # YYYY-MM-DD -> wRVU as logged
    day_codes: list[tuple[str, str, int, int]] = field(default_factory=list)  # (day, code, entries, units)
    custom_days: list[tuple[str, str, Decimal, int, int]] = field(default_factory=list)  # day, code, per unit, n, units
    repriced_days: list[tuple[str, str, int, int, int]] = field(default_factory=list)  # day, on, n, kept, change_c

    def total(self, start: date, end: date, *, logged: bool = False) -> Decimal:
        table = self.logged if logged else self.days
        low, high = start.isoformat(), end.isoformat()
        return sum((v for d, v in table.items() if low <= d <= high), Decimal("0.00"))

    def add(self, day: str, wrvu: Decimal) -> None:
        """A day's wRVU as if logged (`plan`: work still to come)."""
        self.days[day] = self.days.get(day, Decimal("0.00")) + wrvu
        self.logged[day] = self.logged.get(day, Decimal("0.00")) + wrvu

    def copy(self) -> Credit:
        return Credit(dict(self.days), dict(self.logged), self.day_codes, self.custom_days, self.repriced_days)

    def custom(self, start: date, end: date) -> list[CustomCredit]:
        """What custom_wrvu added from start to end, per code."""
        low, high = start.isoformat(), end.isoformat()
        found: dict[tuple[str, Decimal], CustomCredit] = {}
        for day, code, per_unit, n, units in self.custom_days:
            if low <= day <= high:
                line = found.setdefault((code, per_unit), CustomCredit(code, per_unit))
                line.entries += n
                line.units += units
        return list(found.values())

    def repriced(self, start: date, end: date) -> list[Repriced]:
        """What pricing again changed from start to end, per release (or the contract's policy)."""
        low, high = start.isoformat(), end.isoformat()
        found: dict[str, Repriced] = {}
        for day, on, n, kept, change_c in self.repriced_days:
            if low <= day <= high:
                line = found.setdefault(on, Repriced(on))
                line.entries += n
                line.kept += kept
                line.change_c += change_c
        return list(found.values())

    def to_dict(self, start: date, end: date) -> dict[str, Any]:
        return {
            "logged_wrvu": self.total(start, end, logged=True), "credited_wrvu": self.total(start, end),
            "custom_wrvu": [c.to_dict() for c in self.custom(start, end)],
            "repriced": [r.to_dict() for r in self.repriced(start, end)],
        }


def credit(store: LogStore | None, versions: Versions, start: date, end: date, catalog: Any = None) -> Credit:
    """Credited wRVU of the log's live entries from `start` to `end` under the contract's versions."""
    found = Credit()
    if store is None:
        return found
    for day, code, reason, _category, n, units, _base_c, credited_c in store.day_code_totals(start, end):
        wrvu = from_hundredths(credited_c)
        found.logged[day] = found.logged.get(day, Decimal("0.00")) + wrvu
        found.day_codes.append((day, code, n, units))
        version = versions.at(date.fromisoformat(day))
        if version is not None and reason is not None and code in version.custom_wrvu:
            found.custom_days.append((day, code, version.custom_wrvu[code], n, units))
            wrvu += version.custom_wrvu[code] * units
        found.days[day] = found.days.get(day, Decimal("0.00")) + wrvu
    found.day_codes.sort()
    if any(v.reprices for v in versions.versions):
        _reprice(store, versions, start, end, catalog, found)
    return found


def _reprice(store: LogStore, versions: Versions, start: date, end: date, catalog: Any, found: Credit) -> None:
    """Each encounter priced again under the release or policy of the version in force on its date."""
    from rvutool.catalog.codes import CachedCatalog
    from rvutool.reports.release_credit import credit_on_release, credit_under_policy, encounters

    catalog = catalog or CachedCatalog()
    for group in encounters(store.entries(start, end)):
        version = versions.at(group[0].date)
        if version is None or not version.reprices:
            continue
        if version.credit_release is not None:
            credited = credit_on_release(group, version.credit_release, catalog=catalog, policy=version.policy)
            key = version.credit_release
        else:
            credited = credit_under_policy(group, version.policy, catalog=catalog)
            key = "policy"
        n = kept = change_c = 0
        for entry in group:
            if entry.voided or entry.id not in credited:
                continue
            change = credited[entry.id] - entry.credited_wrvu
            n, kept, change_c = n + 1, kept + (entry.id in credited.kept), change_c + int(change * 100)
            if change:
                found.days[entry.service_date] += change
        found.repriced_days.append((group[0].service_date, key, n, kept, change_c))
