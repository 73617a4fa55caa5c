"""Checks that need no import: they read the bundled CMS release's indicators (domain-rules §1.6-§1.11) and
the rules of "Added 2026-12-06".

- modifiers the code's indicators do not allow: -50 (bilateral indicator 0, 2 or 9), -80/-81/-82/-AS
  (assistant at surgery indicator 1), -62 (co-surgery 0 or 9), -66 (team surgery 0 or 9);
- global periods, per physician: an E/M visit on the day of a 000 or 010 procedure without -25 (one
  patient: the same encounter, or a shared case label); an E/M the day before or the day of a 090
  surgery without -57; an E/M in an earlier surgery's post-operative days without -24; a procedure in an
  earlier surgery's global period without -58, -78 or -79 (across encounters: the finding says it does
  not hold for different patients);
- add-on codes with no primary in their encounter, and G2211 where Medicare does not pay it
  (sameday.add_on_verdicts, the same rules that credit them 0).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date, timedelta

from rvutool.pricing import sameday
from rvutool.pricing.findings import Finding, Line, Source, another_patient_note, bundled, maybe_same_patient

POSTOP_DAYS = {"010": 10, "090": 90}
MINOR, MAJOR = ("000", "010"), ("090",)
ASSISTANTS = ("80", "81", "82", "AS")
NEW_PERIOD_MODIFIERS = ("58", "78", "79")

_BILATERAL = {
    "0": ("the 150% bilateral adjustment does not apply to it",
          "bill one side with RT or LT; if both sides were done and each is a separate procedure, two lines "
          "with RT and LT"),
    "2": ("its RVUs already cover both sides", "drop -50: the code already means both sides"),
    "9": ("the bilateral concept does not apply to it", "drop -50"),
}


# ---------------------------------------------------------------- modifiers
def modifier_findings(lines: Iterable[Line]) -> list[Finding]:
    out = []
    for ln in lines:
        mods, v, code = set(ln.modifiers), ln.row.values, ln.code
        if "50" in mods and v["bilateral"] in _BILATERAL:
            meaning, fix = _BILATERAL[v["bilateral"]]
            out.append(Finding("modifier-not-allowed", ln.on, (ln,),
                               f"{ln.shown}: -50 on {code}, whose bilateral surgery indicator is {v['bilateral']}: "
                               f"{meaning}", fix, bundled(ln.row)))
        for mod in sorted(mods & set(ASSISTANTS)):
            if v["assistant"] == "1":
                out.append(Finding("modifier-not-allowed", ln.on, (ln,),
                                   f"{ln.shown}: Medicare never pays an assistant at surgery on {code} (assistant "
                                   "at surgery indicator 1)",
                                   f"drop the -{mod} line: no assistant is paid on {code}", bundled(ln.row)))
        if "62" in mods and v["cosurgeon"] in ("0", "9"):
            why = "co-surgeons are not permitted" if v["cosurgeon"] == "0" else "the co-surgery concept does not apply"
            out.append(Finding("modifier-not-allowed", ln.on, (ln,),
                               f"{ln.shown}: {why} on {code} (co-surgery indicator {v['cosurgeon']})",
                               "bill it as the one surgeon (drop -62), or as an assistant (-80/-82) if the second "
                               "surgeon assisted", bundled(ln.row)))
        if "66" in mods and v["team"] in ("0", "9"):
            why = "team surgery is not permitted" if v["team"] == "0" else "the team surgery concept does not apply"
            out.append(Finding("modifier-not-allowed", ln.on, (ln,),
                               f"{ln.shown}: {why} on {code} (team surgery indicator {v['team']})",
                               "drop -66 and bill the surgeon's own part", bundled(ln.row)))
    return out


# ---------------------------------------------------------------- global periods
def is_procedure(ln: Line) -> bool:
    """A procedure with a global package Medicare pays from its RVUs (as samedayrules counts them)."""
    return ln.global_days in MINOR + MAJOR and sameday.payable_under_fee_schedule(ln.row) \
        and ln.row.has_work_rvu


class _ByDate:
    """Procedures of one kind (by global period) in date order, sliced by a range of days."""

    def __init__(self, procs: Iterable[Line]) -> None:
        self.procs = sorted(procs, key=lambda p: (p.on, p.encounter, p.number))
        self.days = [p.on for p in self.procs]

    def between(self, first: date, last: date) -> list[Line]:
        return self.procs[bisect_left(self.days, first):bisect_right(self.days, last)]


class _Procedures:
    """One physician's procedures, by global period: what a service on a day is weighed against."""

    def __init__(self, procs: list[Line]) -> None:
        self.by_global = {g: _ByDate(p for p in procs if p.global_days == g) for g in MINOR + MAJOR}

    def on(self, first: date, last: date, globals_: tuple[str, ...]) -> list[Line]:
        return [p for g in globals_ for p in self.by_global[g].between(first, last)]

    def reaching(self, ln: Line) -> tuple[list[Line], int]:
        """Earlier 010/090 procedures whose post-operative days hold `ln`'s date (each kind is a slice: every
        procedure of the last N days reaches it), patients known apart left out: the latest three, and how many."""
        found = [self.by_global[g].between(ln.on - timedelta(days=days), ln.on - timedelta(days=1))
                 for g, days in POSTOP_DAYS.items()]
        if ln.case:
            found = [[p for p in group if maybe_same_patient(ln, p)] for group in found]
        latest = sorted((p for group in found for p in group[-3:]), key=lambda p: (p.on, p.encounter, p.number),
                        reverse=True)
        return latest[:3], sum(len(group) for group in found)


def _listed(procs: list[Line], limit: int = 3) -> str:
    shown = ", ".join(f"{p.shown} on {p.on.isoformat()}" for p in procs[:limit])
    return shown + (f" and {len(procs) - limit} more" if len(procs) > limit else "")


def _reached(lines: list[Line], focus: set[int]) -> set[int]:
    """Services (numbers) outside `focus` that a focus surgery's global reaches, from the day before it to its
    last post-operative day: a surgery logged late makes findings of visits logged before it."""
    reach = sorted((p.on - timedelta(days=1), p.on + timedelta(days=POSTOP_DAYS.get(p.global_days, 0)))
                   for p in lines if p.number in focus and is_procedure(p))
    merged: list[tuple[date, date]] = []
    for first, last in reach:
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    starts = [first for first, _ in merged]

    def inside(on: date) -> bool:
        i = bisect_right(starts, on) - 1
        return i >= 0 and on <= merged[i][1]

    return {ln.number for ln in lines if ln.number not in focus and inside(ln.on)}


def global_findings(lines: list[Line], focus: set[int] | None = None) -> list[Finding]:
    """The global-period rules over one physician's services (any dates, any encounters). With `focus`, only
    findings about the services in focus, or about others weighed against a procedure in focus."""
    procs = [ln for ln in lines if is_procedure(ln)]
    if not procs:
        return []
    every = _Procedures(procs)
    reached = _reached(lines, focus) if focus is not None else set()
    mine = _Procedures([p for p in procs if p.number in focus]) if reached else every
    out = []
    for ln in lines:
        if focus is not None and ln.number not in focus and ln.number not in reached:
            continue
        against = every if focus is None or ln.number in focus else mine
        if sameday.is_em_visit(ln.row):
            out.extend(_visit(ln, against))
        elif is_procedure(ln):
            out.extend(_procedure(ln, against))
    return out


def _visit(v: Line, procs: _Procedures) -> list[Finding]:
    out, mods = [], set(v.modifiers)
    minor = [p for p in procs.on(v.on, v.on, MINOR) if p.patient_key() == v.patient_key()]
    if minor and "25" not in mods:
        out.append(Finding(
            "em-with-minor-procedure", v.on, (v, *minor),
            f"{v.shown} is an E/M visit on the day of {_listed(minor)} (global {minor[0].global_days}); without -25 "
            "Medicare pays the visit as part of the procedure", "add -25 if the visit was significant and "
            "separately identifiable from the procedure (and documented on its own); if not, it is part of the "
            "procedure", bundled(minor[0].row)))
    major = [p for p in procs.on(v.on, v.on + timedelta(days=1), MAJOR)
             if (p.patient_key() == v.patient_key() if p.on == v.on else maybe_same_patient(v, p))]
    if major and "57" not in mods:
        when = "the day of" if all(p.on == v.on for p in major) else "the day before"
        out.append(Finding(
            "em-with-major-surgery", v.on, (v, *major[:3]),
            f"{v.shown} is an E/M visit {when} {_listed(major)} (90-day global); without -57 Medicare pays it as "
            f"the surgery's pre-operative visit{another_patient_note([v, *major])}",
            "add -57 if this visit was where the decision for surgery was made; if not, it is part of the surgery",
            bundled(major[0].row)))
    earlier, count = procs.reaching(v) if "24" not in mods else ([], 0)
    if earlier:
        p = earlier[0]
        others = f" (and {count - 1} other procedures' post-operative periods)" if count > 1 else ""
        out.append(Finding(
            "em-in-postop", v.on, (v, *earlier[:3]),
            f"{v.shown} on {v.on.isoformat()} is an E/M visit on post-operative day {(v.on - p.on).days} of "
            f"{p.shown} ({p.on.isoformat()}, {POSTOP_DAYS[p.global_days]}-day global){others}; without -24 Medicare "
            f"pays it as part of the surgery's post-operative care{another_patient_note([v, p])}",
            "add -24 if the visit was for a problem unrelated to the surgery; a routine post-operative visit is part "
            "of the surgery: log it as 99024 (the post-operative visit: no work RVU, recorded for tracking)",
            bundled(p.row)))
    return out


def _procedure(q: Line, procs: _Procedures) -> list[Finding]:
    if set(q.modifiers) & set(NEW_PERIOD_MODIFIERS):
        return []
    earlier, count = procs.reaching(q)
    if not earlier:
        return []
    p = earlier[0]
    others = f" (and {count - 1} other procedures' global periods)" if count > 1 else ""
    return [Finding(
        "procedure-in-global", q.on, (q, *earlier[:3]),
        f"{q.shown} on {q.on.isoformat()} falls on day {(q.on - p.on).days} of the "
        f"{POSTOP_DAYS[p.global_days]}-day global period of {p.shown} ({p.on.isoformat()}){others}; without "
        f"-58, -78 or -79 Medicare pays it as part of that surgery{another_patient_note([q, p])}",
        "add -58 if it was staged or planned, -78 if it was an unplanned return to the operating room for a "
        "complication (credited at the intra-operative share), or -79 if it was unrelated", bundled(p.row))]


# ---------------------------------------------------------------- add-on codes and G2211
def add_on_findings(encounters: Iterable[list[Line]]) -> list[Finding]:
    """The add-on rules on each encounter, as samedayrules credits them."""
    out = []
    for group in encounters:
        verdicts = sameday.add_on_verdicts([(ln, ln.row) for ln in group], group[0].on)
        for i, verdict in sorted(verdicts.items()):
            if verdict.paid:
                continue
            ln = group[i]
            message = ln.shown + verdict.reason.removeprefix(ln.code)  # "#12 G2211 is not paid with..."
            out.append(Finding(verdict.flag, ln.on, (ln,), message, verdict.fix,
                               Source("rule", "Medicare add-on code rules (G2211: data/g2211_rules.json)")))
    return out
