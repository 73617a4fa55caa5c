"""Checks from the NCCI files the user imported (catalog/ncci.py), for one patient's services of one day
(an encounter, or encounters sharing a case label: findings.Line.patient_key).

- PTP pairs: column 2 is not paid with column 1 when the edit is in force on the date of service and its
  modifier indicator is 0 (whatever the modifier), or 1 without an NCCI-associated modifier on either line:
  59, XE, XS, XP, XU, 24, 25, 57, 58, 78, 79, 91, or anatomic modifiers that name different sites (RT on one
  line, LT on the other; E1-E4, FA-F9, TA-T9, LC/LD/LM/RC/RI). Indicator 9: the edit does not apply.
- MUEs: units of a code on one line above its value (adjudication indicator 1), or on the day (2: policy,
  absolute; 3: clinical, appealable with documentation).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from rvutool.pricing.findings import Finding, Line, Source

if TYPE_CHECKING:
    from rvutool.catalog.ncci import Edit, Mue, Ncci

NCCI_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU", "24", "25", "57", "58", "78", "79", "91"})
ANATOMIC_MODIFIERS = frozenset({"E1", "E2", "E3", "E4", "FA", *(f"F{i}" for i in range(1, 10)), "TA",
                                *(f"T{i}" for i in range(1, 10)), "LT", "RT", "LC", "LD", "LM", "RC", "RI"})


def _source(part: object, kind: str) -> Source:
    return Source(kind, part.source, quarter=part.quarter, version=part.version)  # type: ignore[attr-defined]


def bypass(a: Line, b: Line) -> str | None:
    """The NCCI-associated modifier that lets an indicator-1 pair be paid, in words; None when there is none."""
    plain = sorted((set(a.modifiers) | set(b.modifiers)) & NCCI_MODIFIERS)
    if plain:
        return f"-{plain[0]}"
    sites_a, sites_b = set(a.modifiers) & ANATOMIC_MODIFIERS, set(b.modifiers) & ANATOMIC_MODIFIERS
    if sites_a and sites_b and sites_a.isdisjoint(sites_b):
        return f"-{min(sites_a)} and -{min(sites_b)}"
    return None


def _days(lines: Iterable[Line]) -> Iterator[tuple[date, list[list[Line]]]]:
    """Each day, with its patients' services (one list per patient): the database is asked once a day."""
    groups: dict[date, dict[str, list[Line]]] = {}
    for ln in lines:
        on, patient = ln.patient_key()
        groups.setdefault(on, {}).setdefault(patient, []).append(ln)
    for on in sorted(groups):
        yield on, [groups[on][patient] for patient in sorted(groups[on])]


def ptp_findings(lines: Iterable[Line], ncci: Ncci) -> list[Finding]:
    out = []
    for on, patients in _days(lines):
        patients = [group for group in patients if len({ln.code for ln in group}) > 1]
        if not patients:
            continue
        edits: dict[tuple[str, str], Edit] = {}
        for edit in ncci.edits({ln.code for group in patients for ln in group}, on):
            if edit.in_force(on) and edit.modifier != "9" and edit.col1 != edit.col2:
                edits[(edit.col1, edit.col2)] = edit
        for group in patients:
            out.extend(_pairs(group, edits))
    return out


def _pairs(group: list[Line], edits: dict[tuple[str, str], Edit]) -> list[Finding]:
    out = []
    codes = {ln.code for ln in group}
    for (col1, col2), edit in sorted(edits.items()):
        if col1 in codes and col2 in codes:
            for a in (ln for ln in group if ln.code == col1):
                for b in (ln for ln in group if ln.code == col2):
                    found = _pair(a, b, edit)
                    if found is not None:
                        out.append(found)
    return out


def _pair(a: Line, b: Line, edit: Edit) -> Finding | None:
    since = f"in force since {edit.effective.isoformat()}"
    why = f"; CMS's rationale: {edit.rationale}" if edit.rationale else ""
    if edit.modifier == "0":
        return Finding("ptp-not-allowed", b.on, (b, a),
                       f"{b.shown} is not paid with {a.shown} on the same day: an NCCI pair (column 1 {a.code}, "
                       f"column 2 {b.code}, {since}) with modifier indicator 0, so no modifier makes it payable{why}",
                       f"bill {a.code} alone: {b.code} is included in it", _source(edit.part, "ncci-ptp"))
    if bypass(a, b) is not None:
        return None
    return Finding("ptp-modifier-needed", b.on, (b, a),
                   f"{b.shown} is bundled into {a.shown}: an NCCI pair (column 1 {a.code}, column 2 {b.code}, {since}) "
                   f"with modifier indicator 1, paid together only with an NCCI-associated modifier{why}",
                   f"if {b.code} was a separate service (another site or structure, another session, another lesion), "
                   f"add the modifier that says so to {b.code}: -XS, -XE, -XP, -XU or -59, or RT/LT and the other "
                   f"anatomic modifiers; if it was not, it is part of {a.code}: drop it",
                   _source(edit.part, "ncci-ptp"))


def mue_findings(lines: Iterable[Line], ncci: Ncci) -> list[Finding]:
    out = []
    for on, patients in _days(lines):
        mues = ncci.mues({ln.code for group in patients for ln in group}, on)
        for group in patients:
            for code, mue in sorted(mues.items()):
                mine = [ln for ln in group if ln.code == code]
                if mue.per_day:
                    total = sum(ln.units for ln in mine)
                    if total > mue.value:
                        out.append(_day(mine, total, mue))
                else:
                    out.extend(_line(ln, mue) for ln in mine if ln.units > mue.value)
    return out


def _limit(mue: Mue) -> str:
    return f"{mue.value} {'unit' if mue.value == 1 else 'units'}"


def _line(ln: Line, mue: Mue) -> Finding:
    return Finding("mue-line", ln.on, (ln,),
                   f"{ln.shown}: {ln.units} units of {ln.code} on one line, above its MUE of {_limit(mue)} per line "
                   f"(adjudication indicator 1: the line is denied); CMS's rationale: {mue.rationale}",
                   f"bill at most {_limit(mue)} on a line; more units on the same day, when they were really given, go "
                   "on further lines with a modifier such as -76, -91 or an anatomic one",
                   _source(mue.part, "ncci-mue"))


def _day(lines: list[Line], total: int, mue: Mue) -> Finding:
    kind = "policy: absolute" if mue.indicator == "2" else "clinical: appealable with documentation"
    fix = (f"bill at most {_limit(mue)} of {mue.code} a day: above it every unit of the day is denied"
           if mue.indicator == "2" else
           f"bill at most {_limit(mue)} of {mue.code} a day, or appeal with records showing the units were needed: "
           "the whole day's units are denied first")
    shown = ", ".join(ln.shown for ln in lines)
    return Finding("mue-day", lines[0].on, tuple(lines),
                   f"{shown}: {total} units of {mue.code} on {lines[0].on.isoformat()}, above its MUE of "
                   f"{_limit(mue)} a day (adjudication indicator {mue.indicator}, {kind}); CMS's rationale: "
                   f"{mue.rationale}", fix, _source(mue.part, "ncci-mue"))
