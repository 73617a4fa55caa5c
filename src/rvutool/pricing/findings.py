"""What `rvutool check` reports: a finding is one reason Medicare would not pay a service as logged (or
typed), with the rule's source, the entries it concerns, and what usually fixes it. Plain data, no I/O.

The log holds no patients. One encounter (one `rvutool log` call) is one patient on one day, so the
same-day rules compare services of one encounter; services of different encounters are taken for one
patient only when they carry the same case label, and never when their case labels differ. Rules that
span days (global periods) compare every encounter of the physician and say that the finding does not
hold when the services were for different patients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from rvutool.catalog.codes import Row

# kind -> what it is, in a few words (the count per kind of `rvutool check` over the log)
KINDS: dict[str, str] = {
    "modifier-not-allowed": "modifier the code's indicators do not allow",
    "em-with-minor-procedure": "E/M on the day of a 0- or 10-day procedure without -25",
    "em-with-major-surgery": "E/M the day before or of a 90-day surgery without -57",
    "em-in-postop": "E/M in a post-operative period without -24",
    "procedure-in-global": "procedure in an earlier surgery's global period without -58, -78 or -79",
    "add-on-without-primary": "add-on code without its primary procedure",
    "g2211-not-payable": "G2211 that Medicare does not pay",
    "ptp-not-allowed": "NCCI pair never paid together (modifier indicator 0)",
    "ptp-modifier-needed": "NCCI pair paid together only with a modifier (indicator 1)",
    "mue-line": "units above the MUE on one line",
    "mue-day": "units above the MUE for the day",
}


@dataclass(frozen=True)
class Line:
    """One service as the checks see it: an entry of the log, or an item typed to `rvutool check`."""

    number: int  # the entry id, or the item's place (1, 2, ...) among those typed
    encounter: int  # the encounter id; 0 for typed items (one encounter)
    on: date
    code: str
    modifiers: tuple[str, ...]
    units: int
    row: Row
    case: str | None = None
    logged: bool = True

    @property
    def text(self) -> str:
        return self.code + "".join(f"-{m}" for m in self.modifiers) + (f"x{self.units}" if self.units != 1 else "")

    @property
    def shown(self) -> str:
        """'#12 99213' for an entry, '99213' for a typed item."""
        return f"#{self.number} {self.text}" if self.logged else self.text

    @property
    def global_days(self) -> str:
        return self.row.values["global_days"]

    @cached_property
    def key(self) -> tuple[date, str]:
        return self.on, f"case:{self.case}" if self.case else f"encounter:{self.encounter}"

    def patient_key(self) -> tuple[date, str]:
        """Services with the same key are one patient's on one day: the encounter, or a shared case label."""
        return self.key


def maybe_same_patient(a: Line, b: Line) -> bool:
    """False only when the two services are known to be for different patients: other case labels."""
    return not (a.case and b.case and a.case != b.case)


@dataclass(frozen=True)
class Source:
    """Where a rule comes from: the bundled CMS release's indicators, a Medicare rule rvutool applies, or an
    imported NCCI quarter."""

    kind: str  # "bundled", "rule", "ncci-ptp" or "ncci-mue"
    name: str
    release: str | None = None  # the CMS PFS release of the indicators (bundled)
    quarter: str | None = None  # "2026 Q3" (NCCI)
    version: str | None = None  # "v32.2r0" (PTP) or the MUE table's effective date

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "release": self.release, "quarter": self.quarter,
                "version": self.version}


def bundled(row: Row) -> Source:
    return Source("bundled", f"CMS indicators, {row.release.id}", release=row.release.id)


@dataclass(frozen=True)
class Finding:
    kind: str
    on: date  # the date of the service the finding is about
    lines: tuple[Line, ...]  # the service it is about first, then the ones it is weighed against
    message: str
    fix: str
    source: Source

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def entries(self) -> list[int]:
        return [ln.number for ln in self.lines if ln.logged]

    @property
    def encounters(self) -> set[int]:
        return {ln.encounter for ln in self.lines if ln.logged}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "date": self.on.isoformat(),
                "rule_source": self.source.to_dict(), "entries": self.entries,
                "items": [ln.number for ln in self.lines if not ln.logged],
                "codes": [ln.text for ln in self.lines], "message": self.message, "fix": self.fix}

    def sort_key(self) -> tuple[Any, ...]:
        return (self.on, list(KINDS).index(self.kind), [ln.number for ln in self.lines])


def another_patient_note(lines: tuple[Line, ...] | list[Line]) -> str:
    """Said when a finding weighs services of different encounters: rvutool cannot tell patients apart."""
    if len({ln.encounter for ln in lines}) < 2:
        return ""
    return ("; rvutool keeps no patients: if these were different patients, nothing is wrong (give encounters a "
            "--case label to tell them apart)")
