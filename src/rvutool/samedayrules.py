"""Same-encounter bundling that runs before the procedure rules (rules.py step 1b).

Two Medicare rules decide whether a line is paid at all when other services share its encounter:

- **status T** (domain-rules §1.4): injections and similar services are paid only when no other
  service payable under the fee schedule is billed; with one they are bundled into it
  (policy `status_t`);
- **the global surgical package** (§1.6, §2.1): an E/M visit on the day of a procedure with a
  000 or 010 global period is part of that procedure unless it carries -25 (a significant,
  separately identifiable service); with a 090 procedure it is part of the package unless it
  carries -57 (the decision for surgery) (policy `global_package`). -24 (an unrelated visit
  in an earlier procedure's post-operative period) is credited like any visit.

Which lines are E/M visits is read from the data: the E/M category of the code set (taxonomy's
range) with CMS's global-period indicator XXX. Which lines are procedures with a global package
is read from the global-period indicator (000, 010, 090) of rows Medicare pays from their RVUs.

A bundled line leaves the encounter's procedures: it is credited 0, flagged and explained,
and it neither ranks among multiple procedures nor opens a global package itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rvutool.codes import Row

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


def bundle(enc: Any, order: list[int]) -> set[int]:
    """The lines (indexes) these rules credit 0, with their adjustments, flags and warnings recorded."""
    bundled = _status_t(enc, order)
    return bundled | _global_package(enc, order, bundled)
