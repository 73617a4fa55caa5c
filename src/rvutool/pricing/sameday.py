"""Same-encounter bundling that runs before the procedure rules (rules.py step 1b).

Two Medicare rules decide whether a line is paid at all when other services share its encounter:

- **status T** (domain-rules §1.4): injections and similar services are paid only when no other
  service payable under the fee schedule is billed; with one they are bundled into it
  (policy `status_t`);
- **the global surgical package** (§1.6, §2.1): an E/M visit on the day of a procedure with a
  000 or 010 global period is part of that procedure unless it carries -25 (a significant,
  separately identifiable service); with a 090 procedure it is part of the package unless it
  carries -57 (the decision for surgery) (policy `global_package`). -24 (an unrelated visit
  in an earlier procedure's post-operative period) is credited like any visit;
- **add-on codes** (§1.6, "Added 2026-12-06"; policy `add_on`): an add-on (global ZZZ) is paid only
  with a primary service in the encounter; G2211 only with the visits it adds to (office or
  outpatient, and home from 2026), never with a hospital, emergency or nursing-facility visit, and
  with a visit reported with -25 only when the other services are Part B preventive ones (an
  annual wellness visit, a vaccine administration...: the list and its sources are
  data/g2211_rules.json).

Which lines are E/M visits is read from the data: the E/M category of the code set (taxonomy's
range) with CMS's global-period indicator XXX. Which lines are procedures with a global package
is read from the global-period indicator (000, 010, 090) of rows Medicare pays from their RVUs.

A bundled line leaves the encounter's procedures: it is credited 0, flagged and explained,
and it neither ranks among multiple procedures nor opens a global package itself.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from rvutool.catalog.codes import Row

ZERO, ONE = Decimal("0"), Decimal("1")
MINOR_GLOBALS = ("000", "010")
MAJOR_GLOBALS = ("090",)
EM_CATEGORY = "em"


def is_em_visit(row: Row) -> bool:
    """An E/M visit: the E/M range of the code set, and no global period of its own."""
    return row.category == EM_CATEGORY and row.values["global_days"] == "XXX"


def payable_under_fee_schedule(row: Row) -> bool:
    """A service Medicare pays from its RVUs (status A, R or T, no '+') with some RVUs in a setting."""
    return row.priced_by_rvus and (row.total("facility") > 0 or row.total("nonfacility") > 0)


def _status_t(enc: Any, order: list[int]) -> set[int]:
    lines, bundled = enc.lines, set()
    others = [i for i in order if lines[i].row.values["status"] != "T" and payable_under_fee_schedule(lines[i].row)]
    for i in order:
        row = lines[i].row
        if row.values["status"] != "T":
            continue
        code = lines[i].item.code
        if not others:
            enc.adjust(i, "status-t", ONE, f"{code}: status T (paid only when no other fee-schedule service is "
                                           "billed in the encounter); alone here, credited in full")
            continue
        with_codes = ", ".join(sorted({lines[j].item.code for j in others}))
        if _zero_or_full(enc, i, "status-t", enc.policy.status_t == "medicare",
                         f"{code}: status T billed with {with_codes}; credited in full (policy status_t=none)",
                         f"{code}: status T, paid only when no other fee-schedule service is billed; bundled into "
                         f"{with_codes}, credited 0", "status-t-bundled",
                         f"{code}: status T service billed with {with_codes}: bundled, credited 0 (Medicare pays "
                         "it only when it is the encounter's only fee-schedule service)"):
            bundled.add(i)
    return bundled


def _zero_or_full(enc: Any, i: int, rule: str, medicare: bool, full_reason: str, zero_reason: str, flag: str,
                  warning: str) -> bool:
    """Credit line i 0 under Medicare's rule (flagged and warned), or in full when the policy says none."""
    if not medicare:
        enc.adjust(i, rule, ONE, full_reason)
        return False
    enc.adjust(i, rule, ZERO, zero_reason)
    enc.flag(i, flag)
    enc.warn(i, warning)
    return True


def _procedure_text(enc: Any, procs: list[int]) -> str:
    return ", ".join(sorted({f"{enc.lines[j].item.code}, global {enc.lines[j].row.values['global_days']}"
                             for j in procs}))


def _global_package(enc: Any, order: list[int], bundled: set[int]) -> set[int]:
    lines, out = enc.lines, set()
    procs = [j for j in order if j not in bundled and payable_under_fee_schedule(lines[j].row)
             and lines[j].row.has_work_rvu]
    minor = [j for j in procs if lines[j].row.values["global_days"] in MINOR_GLOBALS]
    major = [j for j in procs if lines[j].row.values["global_days"] in MAJOR_GLOBALS]
    if not minor and not major:
        return out
    for i in order:
        line = lines[i]
        if i in bundled or not is_em_visit(line.row):
            continue
        code, mods = line.item.code, set(line.item.modifiers)
        missing = []
        if minor and "25" not in mods:
            missing.append((minor, "-25", "if it was a significant, separately identifiable service"))
        if major and "57" not in mods:
            missing.append((major, "-57", "if this visit was the decision for surgery"))
        if not missing:
            kept = []
            if minor:
                kept.append("-25: significant, separately identifiable from the procedure "
                            f"({_procedure_text(enc, minor)})")
            if major:
                kept.append(f"-57: the decision for surgery ({_procedure_text(enc, major)})")
            enc.adjust(i, "global-package", ONE, f"{code}: " + "; ".join(kept) + "; credited in full")
            continue
        with_text = _procedure_text(enc, [j for group, _, _ in missing for j in group])
        advice = "; ".join(f"add {mod} {why}" for _, mod, why in missing)
        if _zero_or_full(enc, i, "global-package", enc.policy.global_package == "medicare",
                         f"{code}: E/M visit with a procedure ({with_text}); credited as entered "
                         "(policy global_package=none)",
                         f"{code}: E/M visit included in the procedure's global package ({with_text}); credited 0; "
                         f"{advice}", "global-package",
                         f"{code}: included in the procedure's global package; {advice} (procedure: {with_text})"):
            out.add(i)
    return out


# ------------------------------------------------------------------ add-on codes and G2211
@dataclass(frozen=True)
class G2211Rules:
    """data/g2211_rules.json, read once."""

    code: str
    adds_to: tuple[tuple[date, frozenset[str], str], ...]  # (from, visit codes, what they are)
    never_with: tuple[tuple[frozenset[str], str], ...]
    exception_from: date  # from this date a -25 visit with only preventive services keeps G2211
    preventive: dict[str, str]  # code -> the preventive service it is

    def visits_on(self, on: date) -> dict[str, str]:
        return {code: what for start, codes, what in self.adds_to if start <= on for code in codes}


def _codes(spans: list[str]) -> frozenset[str]:
    """["99202-99205", "G0438"] -> every code named, a numeric range expanded."""
    found: set[str] = set()
    for span in spans:
        low, _, high = span.partition("-")
        if high:
            found.update(f"{n:05d}" for n in range(int(low), int(high) + 1))
        else:
            found.add(low)
    return frozenset(found)


@cache
def g2211_rules() -> G2211Rules:
    import json

    from rvutool import paths

    raw = json.loads(paths.bundled_g2211_rules().read_text(encoding="utf-8"))
    return G2211Rules(
        code=raw["code"],
        adds_to=tuple((date.fromisoformat(r["from"]), _codes(r["codes"]), r["what"]) for r in raw["adds_to"]),
        never_with=tuple((_codes(r["codes"]), r["what"]) for r in raw["never_with"]),
        exception_from=date.fromisoformat(raw["modifier_25_exception_from"]),
        preventive={code: group["what"] for group in raw["preventive"] for code in _codes(group["codes"])})


@dataclass(frozen=True)
class Verdict:
    """What the add-on rules say of one line: paid or not, why, and what usually fixes it."""

    paid: bool
    rule: str  # "g2211" or "add-on"
    reason: str
    fix: str = ""

    @property
    def flag(self) -> str:
        return "g2211-not-payable" if self.rule == "g2211" else "add-on-without-primary"


def _item_text(item: Any) -> str:
    return item.code + "".join(f"-{m}" for m in item.modifiers)


def _g2211(lines: Sequence[tuple[Any, Row]], live: list[int], i: int, on: date, rules: G2211Rules) -> Verdict:
    code = rules.code
    visits_allowed = rules.visits_on(on)
    kinds = "an " + ", or ".join(dict.fromkeys(visits_allowed.values()))
    visits = [j for j in live if lines[j][0].code in visits_allowed]
    if not visits:
        unpaid = [j for j in range(len(lines)) if j not in live and lines[j][0].code in visits_allowed]
        barred = [(j, what) for j in live for codes, what in rules.never_with if lines[j][0].code in codes]
        if barred:
            shown = ", ".join(f"{lines[j][0].code} ({what})" for j, what in barred)
            why = f"{code} is not paid with a hospital, emergency or nursing-facility visit: {shown}"
        elif unpaid:
            why = f"{code} adds to a visit, and {', '.join(_item_text(lines[j][0]) for j in unpaid)} is not paid here"
        else:
            why = f"{code} adds only to {kinds}, and the encounter has none"
        return Verdict(False, "g2211", why, f"log {code} only with the {kinds} it belongs to")
    if any("25" not in lines[j][0].modifiers for j in visits):
        return Verdict(True, "g2211", "")
    with_25 = ", ".join(_item_text(lines[j][0]) for j in visits)
    others = [j for j in live if j != i and j not in visits and lines[j][0].code != code
              and payable_under_fee_schedule(lines[j][1])]
    not_preventive = sorted({lines[j][0].code for j in others if lines[j][0].code not in rules.preventive})
    fix = (f"if the visit was not separate from {', '.join(not_preventive) or 'the other service'}, drop {code}; "
           "Medicare pays it with a -25 visit only beside preventive services")
    if others and on < rules.exception_from:
        return Verdict(False, "g2211", f"{code} is not paid with a visit reported with -25 ({with_25}) before "
                                       f"{rules.exception_from.isoformat()}", fix)
    if not_preventive:
        return Verdict(False, "g2211", f"{code} is not paid with a visit reported with -25 ({with_25}) beside "
                                       f"{', '.join(not_preventive)}, which is not an annual wellness visit, a "
                                       "vaccine administration or another Part B preventive service", fix)
    if not others:
        return Verdict(True, "g2211", "")
    shown = "; ".join(sorted({f"{lines[j][0].code}, {rules.preventive[lines[j][0].code]}" for j in others}))
    return Verdict(True, "g2211", f"{code} with {with_25}: paid, as every other service here is a Part B "
                                  f"preventive service ({shown})")


def add_on_verdicts(lines: Sequence[tuple[Any, Row]], on: date, skip: Collection[int] = ()) -> dict[int, Verdict]:
    """The add-on rules on one encounter's lines, (item, row) each; `skip`: lines already credited 0 by
    another rule (they are no primary service). Only lines the rules speak of are in the answer."""
    rules = g2211_rules()
    live = [i for i in range(len(lines)) if i not in skip]
    out: dict[int, Verdict] = {}
    for i in live:
        item, row = lines[i]
        if item.code == rules.code:
            out[i] = _g2211(lines, live, i, on, rules)
        elif row.values["global_days"] == "ZZZ" and row.has_work_rvu:
            primary = [j for j in live if j != i and lines[j][1].values["global_days"] != "ZZZ"
                       and payable_under_fee_schedule(lines[j][1])]
            if not primary:
                out[i] = Verdict(False, "add-on", f"{item.code} is an add-on code (global ZZZ), paid only with the "
                                                  "primary procedure it adds to; the encounter has none",
                                 f"log {item.code} in the same encounter as its primary procedure")
    return out


def _add_ons(enc: Any, order: list[int], bundled: set[int], on: date) -> set[int]:
    lines = [(line.item, line.row) for line in enc.lines]
    skip = bundled | (set(range(len(lines))) - set(order))
    out = set()
    for i, verdict in add_on_verdicts(lines, on, skip).items():
        if verdict.paid:
            if verdict.reason:
                enc.adjust(i, verdict.rule, ONE, verdict.reason)
            continue
        if _zero_or_full(enc, i, verdict.rule, enc.policy.add_on == "medicare",
                         f"{verdict.reason}; credited in full (policy add_on=none)",
                         f"{verdict.reason}; credited 0", verdict.flag, f"{verdict.reason}; credited 0"):
            out.add(i)
    return out


def bundle(enc: Any, order: list[int], on: date) -> set[int]:
    """The lines (indexes) these rules credit 0, with their adjustments, flags and warnings recorded."""
    bundled = _status_t(enc, order)
    bundled |= _global_package(enc, order, bundled)
    return bundled | _add_ons(enc, order, bundled, on)
