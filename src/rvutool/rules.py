"""Pricing an encounter: which CMS row each item uses, its base wRVU, and its credited wRVU.

One `rvutool log` (or `calc`) call is one encounter. `price_encounter` is the single entry
point the log and calc use; it never writes anything.

This first version applies the row rules only (-26, -TC and -53 select their own rows) and
credits base x units. The same-encounter payment rules (bilateral, multiple procedures,
endoscopy families, surgeon roles, split care) arrive with the payment-rules issue and keep
this interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from rvutool import items as items_mod
from rvutool.codes import Catalog, ReleaseInfo, Row
from rvutool.lookup import select_row

CENT = Decimal("0.01")
SETTINGS = ("facility", "nonfacility")


def to_cents(value: Decimal) -> Decimal:
    """Round half up to a hundredth of a wRVU, once per line."""
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Policy:
    """How a compensation plan credits modifiers; the defaults mirror Medicare."""

    multiple_procedure: str = "medicare"  # medicare | none
    bilateral: str = "medicare"
    assistant: str = "medicare"
    cosurgeon: str = "medicare"
    split_care: str = "medicare"
    imaging_pc_reduction: str = "off"  # off | on
    published_not_payable: str = "include"  # include | exclude

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Options:
    """Per-encounter inputs some modifiers need."""

    setting: str = "facility"  # ranks multiple procedures by this setting's total RVUs
    fraction: Decimal | None = None  # -52 and -66
    postop_days: int | None = None  # -55


@dataclass(frozen=True)
class Adjustment:
    rule: str
    factor: Decimal
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "factor": float(self.factor), "reason": self.reason}


@dataclass
class PricedLine:
    item: items_mod.Item
    row: Row
    base_wrvu: Decimal  # the row's work RVU x units, as entered
    credited_wrvu: Decimal  # after every adjustment, rounded to the cent
    adjustments: list[Adjustment] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # short machine-readable markers
    warnings: list[str] = field(default_factory=list)  # sentences for people

    @property
    def no_work_reason(self) -> str | None:
        return self.row.no_work_reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.item.code,
            "modifiers": list(self.item.modifiers),
            "units": self.item.units,
            "row_modifier": self.row.modifier or None,
            "release": self.row.release.id,
            "work_rvu": float(self.row.work_rvu),
            "base_wrvu": float(self.base_wrvu),
            "credited_wrvu": float(self.credited_wrvu),
            "adjustments": [a.to_dict() for a in self.adjustments],
            "flags": list(self.flags),
            "warnings": list(self.warnings),
            "no_work_rvu_reason": self.no_work_reason,
        }


@dataclass
class PricedEncounter:
    date: date
    release: ReleaseInfo
    release_note: str | None
    policy: Policy
    options: Options
    lines: list[PricedLine]

    @property
    def base_wrvu(self) -> Decimal:
        return sum((line.base_wrvu for line in self.lines), Decimal("0.00"))

    @property
    def credited_wrvu(self) -> Decimal:
        return sum((line.credited_wrvu for line in self.lines), Decimal("0.00"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "release": self.release.id,
            "release_note": self.release_note,
            "setting": self.options.setting,
            "policy": self.policy.to_dict(),
            "total_wrvu": float(self.credited_wrvu),
            "base_wrvu": float(self.base_wrvu),
            "lines": [line.to_dict() for line in self.lines],
        }


def base_line(item: items_mod.Item, rows: dict[str, Row]) -> PricedLine:
    """A line before any same-encounter rule: its row, base wRVU and flags."""
    row, warnings = select_row(rows, item)
    base = to_cents(row.work_rvu * item.units)
    flags = []
    if not row.has_work_rvu:
        flags.append("no-wrvu")
        warnings.append(f"{item.code}: no CMS work RVU ({row.no_work_reason}); credited 0")
    if row.not_used_for_medicare_payment:
        flags.append("not-used-for-medicare")
    return PricedLine(item=item, row=row, base_wrvu=base, credited_wrvu=base, flags=flags, warnings=warnings)


def price_encounter(items: list[items_mod.Item], on: date, *, catalog: Catalog | None = None,
                    policy: Policy | None = None, options: Options | None = None) -> PricedEncounter:
    """Price every item of one encounter. Raises (writing nothing) if any code is unknown."""
    catalog = catalog or Catalog()
    policy, options = policy or Policy(), options or Options()
    release, note = catalog.release_for(on)
    lines = [base_line(item, catalog.require_rows(item.code, release)) for item in items]
    return PricedEncounter(date=on, release=release, release_note=note, policy=policy,
                           options=options, lines=lines)
