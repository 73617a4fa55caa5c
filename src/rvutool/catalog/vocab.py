"""What CMS's status codes and indicators mean, in rvutool's own words."""

from __future__ import annotations

STATUS: dict[str, str] = {
    "A": "active: paid separately under the fee schedule when covered",
    "B": "bundled: payment is included in another service; never paid separately",
    "C": "contractor-priced: the Medicare contractor sets the amount case by case",
    "D": "deleted, with a grace period",
    "E": "excluded from the fee schedule by regulation",
    "F": "deleted, no grace period",
    "G": "not valid for Medicare, grace period",
    "H": "deleted modifier or component",
    "I": "not valid for Medicare: another code is used instead",
    "J": "anesthesia: priced by base units and time, not by RVUs",
    "M": "measurement code: reported for quality programs only",
    "N": "not covered by Medicare",
    "P": "bundled or excluded",
    "R": "restricted coverage: paid only in special cases, then contractor-priced",
    "T": "injection: paid only when no other fee-schedule service is billed that day",
    "X": "statutory exclusion: not a physician service under the fee schedule",
}

GLOBAL_DAYS: dict[str, str] = {
    "000": "0-day global: pre- and post-operative work on the day of the procedure only",
    "010": "10-day global: day of the procedure plus 10 days of post-operative care",
    "090": "90-day global: one day before, the day of, and 90 days after",
    "MMM": "maternity care: the usual global period does not apply",
    "XXX": "no global period",
    "YYY": "the contractor sets the global period",
    "ZZZ": "add-on code: falls within the primary procedure's global period",
}

PCTC: dict[str, str] = {
    "0": "physician service: no professional/technical split",
    "1": "separate professional (-26) and technical (-TC) components",
    "2": "professional-component-only code",
    "3": "technical-component-only code",
    "4": "global test only: its parts are billed with separate codes",
    "5": "incident-to service",
    "6": "laboratory physician interpretation: -26 only",
    "7": "therapy service not payable to an independent therapist for hospital patients",
    "8": "physician interpretation of an abnormal smear",
    "9": "professional/technical split does not apply",
}

MULT_PROC: dict[str, str] = {
    "0": "no multiple-procedure reduction (add-on or exempt)",
    "1": "older multiple-procedure rule (100/50/25%)",
    "2": "standard multiple-procedure rule: 100% highest, 50% for the 2nd to 5th",
    "3": "endoscopy family rule (shares an endoscopic base code)",
    "4": "diagnostic imaging reduction (technical 50%, professional 5%)",
    "5": "therapy reduction of practice expense only",
    "6": "cardiovascular reduction of the technical component only",
    "7": "ophthalmology reduction of the technical component only",
    "9": "multiple-procedure rule does not apply",
}

BILATERAL: dict[str, str] = {
    "0": "-50 does not raise payment (100%)",
    "1": "bilateral: 150% with -50, RT+LT or 2 units",
    "2": "already valued as bilateral (100%)",
    "3": "each side paid in full (200% for both)",
    "9": "bilateral rule does not apply",
}

ASSISTANT: dict[str, str] = {
    "0": "assistant paid only with documented necessity",
    "1": "assistant at surgery may not be paid",
    "2": "assistant at surgery may be paid",
    "9": "assistant concept does not apply",
}

COSURGEON: dict[str, str] = {
    "0": "co-surgeons not permitted",
    "1": "co-surgeons permitted with documentation",
    "2": "co-surgeons permitted",
    "9": "co-surgeon concept does not apply",
}

TEAM: dict[str, str] = {
    "0": "team surgery not permitted",
    "1": "team surgery permitted with documentation, priced by report",
    "2": "team surgery permitted, priced by report",
    "9": "team concept does not apply",
}

# Why a code has no CMS work RVU, by class.
NO_WORK_REASONS: dict[str, str] = {
    "dental": "dental (CDT) code: CMS assigns no work RVU; dental services are priced by payers",
    "contractor": "contractor-priced: the Medicare contractor prices it case by case",
    "anesthesia": "anesthesia: priced by base units and time, not by RVUs",
    "excluded": "excluded, non-covered or bundled: CMS publishes no work RVU",
    "measurement": "quality measurement code: reporting only, no work RVU",
    "technical": "technical component: equipment, staff and supplies, no physician work",
    "supply": "supply, drug or incident-to service: no physician work",
    "restricted": "restricted coverage: contractor-priced when covered",
    "zero": "CMS publishes 0.00 work RVU for this service",
}


def meaning(table: dict[str, str], value: str) -> str:
    return table.get(value, f"indicator {value!r}" if value else "not given")
