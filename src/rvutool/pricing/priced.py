"""What pricing an encounter returns: each line's row, base and credited wRVU, and the adjustments
behind them (rules.py computes them). Plain data with the JSON shape of `calc --json`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from rvutool.catalog.codes import ReleaseInfo, Row
from rvutool.names.table import short_name
from rvutool.pricing.items import Item
from rvutool.pricing.policy import Policy


@dataclass(frozen=True)
class Options:
    """Per-encounter inputs some modifiers need."""

    setting: str = "facility"  # ranks multiple procedures by this setting's total RVUs
    fraction: Decimal | None = None  # -52 and -66 (and -53 where CMS has no -53 row)
    postop_days: int | None = None  # -55
    locality: Any = None  # locality.Locality: also price each line in dollars
    qp: bool = False  # with a locality: the qualifying-APM conversion factor


@dataclass(frozen=True)
class Adjustment:
    rule: str
    factor: Decimal
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "factor": float(self.factor), "reason": self.reason}


@dataclass
class PricedLine:
    item: Item
    row: Row
    base_wrvu: Decimal  # the row's work RVU x units, as entered
    credited_wrvu: Decimal  # after every adjustment, rounded to the cent
    adjustments: list[Adjustment] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # short machine-readable markers
    warnings: list[str] = field(default_factory=list)  # sentences for people
    # With a locality: the Medicare fee schedule amount as entered and after the same rules
    # (None where the setting is NA or Medicare does not pay from RVUs).
    priced: bool = False
    base_payment: Decimal | None = None
    payment: Decimal | None = None

    @property
    def no_work_reason(self) -> str | None:
        return self.row.no_work_reason

    def to_dict(self) -> dict[str, Any]:
        out = {
            "code": self.item.code,
            "name": short_name(self.item.code),
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
        if self.priced:
            out["base_payment"] = None if self.base_payment is None else float(self.base_payment)
            out["payment"] = None if self.payment is None else float(self.payment)
        return out


@dataclass
class PricedEncounter:
    date: date
    release: ReleaseInfo
    release_note: str | None
    policy: Policy
    options: Options
    lines: list[PricedLine]
    conversion_factor: Any = None  # locality.ConversionFactor when a locality was given

    @property
    def base_wrvu(self) -> Decimal:
        return sum((line.base_wrvu for line in self.lines), Decimal("0.00"))

    @property
    def credited_wrvu(self) -> Decimal:
        return sum((line.credited_wrvu for line in self.lines), Decimal("0.00"))

    @property
    def warnings(self) -> list[str]:
        """Every line's warnings, each once, in line order."""
        return list(dict.fromkeys(w for line in self.lines for w in line.warnings))

    @property
    def payment(self) -> Decimal | None:
        amounts = [line.payment for line in self.lines if line.payment is not None]
        return sum(amounts, Decimal("0.00")) if amounts else None

    @property
    def base_payment(self) -> Decimal | None:
        amounts = [line.base_payment for line in self.lines if line.base_payment is not None]
        return sum(amounts, Decimal("0.00")) if amounts else None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "date": self.date.isoformat(),
            "release": self.release.id,
            "release_note": self.release_note,
            "setting": self.options.setting,
            "policy": self.policy.to_dict(),
            "total_wrvu": float(self.credited_wrvu),
            "base_wrvu": float(self.base_wrvu),
            "lines": [line.to_dict() for line in self.lines],
        }
        if self.options.locality is not None:
            pay, base = self.payment, self.base_payment
            out["locality"] = {
                **self.options.locality.to_dict(),
                "setting": self.options.setting,
                "conversion_factor": float(self.conversion_factor.value),
                "qp": self.conversion_factor.qp,
                "payment": None if pay is None else float(pay),
                "base_payment": None if base is None else float(base),
                "unpriced_lines": sum(1 for line in self.lines if line.payment is None),
            }
        return out


# ---------------------------------------------------------------- an adjustment in a few words
def _percent(factor: Any) -> str:
    value = (Decimal(str(factor)) * 100).quantize(Decimal("0.01")).normalize()
    return f"{value:f}%"


_RULE_LABELS = {"multiple-procedure": "multiple procedure", "endoscopy-family": "endoscopy family",
                "imaging-pc": "imaging PC", "split-care": "split care", "reduced-service": "reduced service",
                "team-surgery": "team surgery", "co-surgeon": "co-surgeon", "assistant": "assistant",
                "published-not-payable": "not paid by Medicare",
                "row": "CMS row", "g2211": "G2211 not paid", "add-on": "add-on without primary"}


def reduction_labels(adjustments: list[dict[str, Any]]) -> list[str]:
    """What changed a line's credit, in a few words each ("2nd procedure 50%", "assistant 16%")."""
    return [label for adj in adjustments if (label := adjustment_label(adj))]


def adjustment_label(adjustment: dict[str, Any]) -> str | None:
    """A few words for an adjustment that changed the credit: "2nd procedure 50%", "assistant 16%",
    "bilateral 150%", "co-surgeon 62.5%"; None when it left the credit as it was (x1)."""
    rule, factor = str(adjustment.get("rule", "")), Decimal(str(adjustment.get("factor", 1)))
    if factor == 1:
        return None
    name = _RULE_LABELS.get(rule, rule.replace("-", " "))
    if rule == "multiple-procedure":
        ranked = re.search(r"ranked (\d+(?:st|nd|rd|th))", str(adjustment.get("reason", "")))
        name = f"{ranked.group(1)} procedure" if ranked else name
    elif rule == "endoscopy-family" and factor == 0:
        name = "endoscopy base"
    elif rule == "bilateral" and factor < 1:
        return f"bilateral {_percent(factor)} each"  # each side (RT and LT) or each of 2 units
    return f"{name} {_percent(factor)}"
