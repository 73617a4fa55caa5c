"""Pricing an encounter: which CMS row each item uses, its base wRVU, and its credited wRVU.

One `rvutool log` (or `calc`) call is one encounter. `price_encounter` is the single entry
point the log and calc use; it never writes anything.

The same-encounter rules run in Medicare's order (domain-rules §2.2), each one a policy
switch (§2.3) whose Medicare default can be turned off:

1. rows: -26, -TC and -53 select their own CMS rows (§1.5); then (sameday.py) a status T
   line billed with another fee-schedule service, and an E/M visit inside a procedure's global
   package (no -25 with a 000/010 procedure, no -57 with a 090 one), and an add-on code with no
   primary (G2211 by its own rules), are bundled: credited 0;
2. bilateral, by the bilateral indicator: -50, an RT+LT pair, or 2 units of an
   indicator-1 code (§1.9) that is not an add-on (an add-on's units count further levels,
   such as 64484x2 for two more epidural levels, so they are never folded into one);
3. endoscopy families: multiple-procedure indicator 3 grouped by endoscopic base (§1.8);
4. standard multiple procedures: indicator 1/2 lines and families ranked, as Medicare does, by
   the locality's fee schedule amount when a locality is given (else by the setting's total
   RVU), 100% then 50%, the 6th and later "by report" (§1.8);
5. surgeon roles (62, 66, 80, 81, 82, AS), split care (54, 55, 56, 78) and -52, on the
   already-reduced line (§2.1);
6. 5% off the professional component of the 2nd and later imaging studies (policy, on by default);
7. published-not-payable rows (status N, I, B, X with a '+'), credited or not by policy.

All arithmetic is Decimal; each line is rounded half up to the cent once, at the end (an RT+LT
pair is one procedure: rounded once, and the cents split between its two lines). When a
locality is given the same rules are applied to the line's Medicare fee schedule amount, which
gives an estimate of the Medicare allowed amount.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from rvutool.catalog.codes import Catalog, ReleaseInfo, Row
from rvutool.catalog.lookup import select_row
from rvutool.errors import FractionNeededError, UsageError
from rvutool.money import half_up, to_cents
from rvutool.pricing import items as items_mod
from rvutool.pricing import pairs, sameday
from rvutool.pricing.policy import Policy
from rvutool.pricing.priced import Adjustment, Options, PricedEncounter, PricedLine

SETTINGS = ("facility", "nonfacility")
ZERO = Decimal("0")
ONE = Decimal("1")
HALF = Decimal("0.5")

# Medicare's percentages (domain-rules §2.1 and §8); rules, not RVU data.
BILATERAL_FACTORS = {"1": Decimal("1.5"), "3": Decimal("2"), "0": ONE, "2": ONE}
MPPR_FIRST, MPPR_OTHERS, MPPR_FULL_RANKS = ONE, HALF, 5
IMAGING_PC_FACTOR = Decimal("0.95")
ROLE_FACTORS: dict[str, tuple[str, Decimal, str]] = {
    "62": ("co-surgeon", Decimal("0.625"), "co-surgeons: each is credited 62.5%"),
    "80": ("assistant", Decimal("0.16"), "assistant surgeon: 16%"),
    "81": ("assistant", Decimal("0.16"), "minimum assistant surgeon: 16%"),
    "82": ("assistant", Decimal("0.16"), "assistant surgeon, no resident available: 16%"),
    "AS": ("assistant", Decimal("0.136"), "assistant at surgery by a PA, NP or CNS: 85% of 16% = 13.6%"),
}
SPLIT_MODIFIERS = ("54", "55", "56", "78")
GLOBAL_PERIOD_DAYS = {"010": 10, "090": 90}
NOT_PAYABLE_STATUSES = frozenset("NIBX")
STAND_IN_FLAG = "stand-in-release"  # priced by another year's release: none for its own year was here


def _pct(factor: Decimal) -> str:
    return f"{(factor * 100).normalize():f}%"


def _num(value: Decimal) -> str:
    """A wRVU figure for an explanation: at least two decimals, no trailing noise."""
    text = f"{value.normalize():f}"
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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


# ------------------------------------------------------------------ amounts
@dataclass(frozen=True)
class _Amount:
    """What one unit (or part of one) is worth: work RVU, the ranking RVU and, with a
    locality, the fee schedule amount. Every rule scales all three alike."""

    work: Decimal
    rank: Decimal  # the setting's total RVU: what multiple procedures are ranked by
    pay: Decimal | None = None

    def scale(self, factor: Decimal) -> _Amount:
        return _Amount(self.work * factor, self.rank * factor, None if self.pay is None else self.pay * factor)

    def __add__(self, other: _Amount) -> _Amount:
        pay = None if self.pay is None or other.pay is None else self.pay + other.pay
        return _Amount(self.work + other.work, self.rank + other.rank, pay)

    def minus_floor(self, other: _Amount) -> _Amount:
        """self - other, never below zero, part by part."""
        pay = None if self.pay is None or other.pay is None else max(ZERO, self.pay - other.pay)
        return _Amount(max(ZERO, self.work - other.work), max(ZERO, self.rank - other.rank), pay)


NOTHING = _Amount(ZERO, ZERO, ZERO)


def _rescale(part: _Amount, before: _Amount, after: _Amount) -> _Amount:
    """A part's new amount when its procedure's total goes from `before` to `after`."""

    def one(p: Decimal, b: Decimal, a: Decimal) -> Decimal:
        return a * p / b if b else ZERO

    pay = None if part.pay is None or before.pay is None or after.pay is None \
        else one(part.pay, before.pay, after.pay)
    return _Amount(one(part.work, before.work, after.work), one(part.rank, before.rank, after.rank), pay)


@dataclass
class _Part:
    line: int
    amount: _Amount
    unit_label: str = ""  # "unit 2 of 3: " when a line's units are ranked separately


@dataclass
class _Proc:
    """One procedure as the multiple-procedure rules see it: a unit of a line, a bilateral
    pair, or (after step 3) a whole endoscopy family."""

    parts: list[_Part]
    mult_proc: str
    code: str
    sort_label: str
    family: str | None = None

    @property
    def amount(self) -> _Amount:
        total = _Amount(ZERO, ZERO, ZERO)
        for part in self.parts:
            total = total + part.amount
        if any(p.amount.pay is None for p in self.parts):
            total = replace(total, pay=None)
        return total



class _Encounter:
    """Working state of one pricing run."""

    def __init__(self, lines: list[PricedLine], catalog: Catalog, release: ReleaseInfo,
                 policy: Policy, options: Options, cf: Decimal | None) -> None:
        self.lines, self.catalog, self.release = lines, catalog, release
        self.policy, self.options, self.cf = policy, options, cf
        # Process lines in a canonical order so the order items were typed never matters.
        self.order = sorted(range(len(lines)), key=lambda i: self._line_key(i))
        self.pairs: list[tuple[int, int]] = []  # RT+LT lines priced as one procedure
        self.by_fee = False  # multiple procedures ranked by the locality's fee schedule amount

    def rank_key(self, proc: _Proc) -> tuple:
        amt = proc.amount
        value = amt.pay if self.by_fee and amt.pay is not None else amt.rank
        return (-value, -amt.rank, -amt.work, proc.code, proc.sort_label)

    def _line_key(self, i: int) -> tuple:
        item = self.lines[i].item
        return (item.code, item.modifiers, item.units)

    def unit_amount(self, row: Row) -> _Amount:
        pay = None
        if self.options.locality is not None and self.cf is not None:
            from rvutool.pricing import locality

            pay = locality.fee(row, self.options.locality, self.cf, self.options.setting)
        return _Amount(row.work_rvu, row.total(self.options.setting), pay)

    def adjust(self, i: int, rule: str, factor: Decimal, reason: str) -> None:
        adj = Adjustment(rule, factor, reason)
        if adj not in self.lines[i].adjustments:
            self.lines[i].adjustments.append(adj)

    def flag(self, i: int, marker: str) -> None:
        if marker not in self.lines[i].flags:
            self.lines[i].flags.append(marker)

    def warn(self, i: int, text: str) -> None:
        if text not in self.lines[i].warnings:
            self.lines[i].warnings.append(text)


# ------------------------------------------------------------------ checks
def _check_options(lines: list[PricedLine], policy: Policy, options: Options) -> None:
    if options.setting not in SETTINGS:
        raise UsageError(f"setting must be facility or nonfacility, not {options.setting!r}")
    policy.check()
    if options.fraction is not None and not ZERO < options.fraction <= ONE:
        raise UsageError(f"--fraction must be more than 0 and at most 1, not {options.fraction}")
    if options.postop_days is not None and options.postop_days < 1:
        raise UsageError(f"--postop-days must be a whole number of days from 1, not {options.postop_days}")
    uses_fraction = uses_postop = False
    for line in lines:
        item, row, mods = line.item, line.row, set(line.item.modifiers)
        label = str(item)
        if {"26", "TC"} <= mods:
            raise UsageError(f"{label}: -26 and -TC are the two halves of one service; give one")
        roles = sorted(mods & (set(ROLE_FACTORS) | {"66"}))
        if len(roles) > 1:
            raise UsageError(f"{label}: one surgeon-role modifier per line (got {', '.join(roles)})")
        splits = sorted(mods & set(SPLIT_MODIFIERS))
        if len(splits) > 1:
            raise UsageError(f"{label}: one of -54, -55, -56 and -78 per line (got {', '.join(splits)})")
        if {"52", "66"} <= mods:
            raise UsageError(f"{label}: -52 and -66 would each need their own --fraction; log them apart")
        if "50" in mods and item.units != 1:
            raise UsageError(f"{label}: -50 already means both sides; give 1 unit")
        if "50" in mods and mods & {"RT", "LT"}:
            raise UsageError(f"{label}: give -50 or RT/LT, not both")
        needs_fraction = "52" in mods or ("66" in mods and policy.cosurgeon == "medicare") or (
            "53" in mods and row.modifier != "53")
        if needs_fraction:
            uses_fraction = True
            if options.fraction is None:
                why = ("-52 (reduced service)" if "52" in mods else "-66 (team surgery, priced by report)"
                       if "66" in mods else f"-53 without a CMS -53 row for {item.code}")
                raise FractionNeededError(f"{label}: {why} needs --fraction F, the share of the service to "
                                 "credit (for example --fraction 0.5)")
        split = splits[0] if splits else None
        if split in {"54", "55", "56"} and row.values["global_days"] not in GLOBAL_PERIOD_DAYS:
            raise UsageError(f"{label}: -{split} splits a global surgical package, but {item.code} has "
                             f"global period {row.values['global_days']} (only 010 and 090 codes have "
                             "pre-, intra- and post-operative shares)")
        if split == "55":
            uses_postop = True
            if options.postop_days is not None:
                days = GLOBAL_PERIOD_DAYS[row.values["global_days"]]
                if options.postop_days > days:
                    raise UsageError(f"{label}: --postop-days {options.postop_days} is longer than "
                                     f"{item.code}'s {days}-day global period")
    if options.fraction is not None and not uses_fraction:
        raise UsageError("--fraction is not used by any item here: it is for -52, -66 (under policy "
                         "cosurgeon=medicare) and -53 on a code without a CMS -53 row")
    if options.postop_days is not None and not uses_postop:
        raise UsageError("--postop-days is only for items with -55 (post-operative care only)")


# ------------------------------------------------------------------ steps
BILATERAL_MEANING = {
    "0": "the 150% adjustment does not apply",
    "2": "the RVUs already cover both sides",
}


def _find_mate(enc: _Encounter, i: int, taken: set[int]) -> int | None:
    """The LT line that pairs with RT line i: same code, row and other modifiers, 1 unit each."""
    line = enc.lines[i]
    others = tuple(m for m in line.item.modifiers if m != "RT")
    for j in enc.order:
        other = enc.lines[j]
        if j in taken or j == i or other.item.code != line.item.code or other.item.units != 1:
            continue
        mods = other.item.modifiers
        if other.row.modifier == line.row.modifier and "LT" in mods and "RT" not in mods \
                and tuple(m for m in mods if m != "LT") == others:
            return j
    return None


def _rt_lt_pairs(enc: _Encounter, procs: list[_Proc]) -> set[int]:
    """RT+LT lines of one code: one bilateral procedure, shared evenly between the two lines."""
    paired: set[int] = set()
    for i in enc.order:
        line = enc.lines[i]
        mods, ind = set(line.item.modifiers), line.row.values["bilateral"]
        if i in paired or "RT" not in mods or "LT" in mods or line.item.units != 1 \
                or ind not in BILATERAL_FACTORS:
            continue
        mate = _find_mate(enc, i, paired)
        if mate is None:
            continue
        paired.update({i, mate})
        enc.pairs.append((i, mate))
        share = BILATERAL_FACTORS[ind] / 2
        code = line.item.code
        pair = f"{code}-RT with {code}-LT"
        if ind == "1":
            reason = (f"{pair}: one bilateral procedure (bilateral indicator 1) credited 150% of one side "
                      f"in total, {_pct(share)} on each side")
        elif ind == "3":
            reason = f"{pair}: bilateral indicator 3, each side credited in full (200% in total)"
        else:
            reason = (f"{pair}: bilateral indicator {ind} ({BILATERAL_MEANING[ind]}), both sides together "
                      f"are one procedure at 100%, {_pct(share)} on each side")
        unit = enc.unit_amount(line.row)
        for k in (i, mate):
            enc.adjust(k, "bilateral", share, reason)
            enc.flag(k, "bilateral")
            if ind in BILATERAL_MEANING:
                enc.warn(k, f"{code}: bilateral indicator {ind} ({BILATERAL_MEANING[ind]}); RT and LT "
                            "together are credited as one procedure")
        procs.append(_Proc([_Part(i, unit.scale(share)), _Part(mate, unit.scale(share))],
                           line.row.values["mult_proc"], code, f"{code}-RT-LT"))
    return paired


def _modifier_50(enc: _Encounter, i: int) -> Decimal:
    """The bilateral factor of a -50 line, with its explanation and any warning."""
    code, ind = enc.lines[i].item.code, enc.lines[i].row.values["bilateral"]
    factor = BILATERAL_FACTORS.get(ind, ONE)
    if ind == "1":
        reason = "-50 on bilateral indicator 1: 150% of the single code"
        enc.flag(i, "bilateral")
    elif ind == "3":
        reason = "-50 on bilateral indicator 3: each side in full, 200% of the single code"
        enc.flag(i, "bilateral")
    elif ind in BILATERAL_MEANING:
        reason = f"-50 on bilateral indicator {ind}: {BILATERAL_MEANING[ind]}; credited 100%"
        enc.warn(i, f"{code}-50: bilateral indicator {ind}, so -50 does not raise the credit")
    else:
        reason = f"-50 on bilateral indicator {ind or 'blank'}: the bilateral rule does not apply; credited 100%"
        enc.warn(i, f"{code}-50: the bilateral rule does not apply to this code (indicator {ind})")
    enc.adjust(i, "bilateral", factor, reason)
    return factor


def _bilateral(enc: _Encounter) -> list[_Proc]:
    """Step 2: turn lines into procedures, collapsing bilateral ones (domain-rules §1.9)."""
    procs: list[_Proc] = []
    medicare = enc.policy.bilateral == "medicare"
    paired = _rt_lt_pairs(enc, procs) if medicare else set()
    for i in enc.order:
        if i in paired:
            continue
        item, row = enc.lines[i].item, enc.lines[i].row
        mods, ind, mp = set(item.modifiers), row.values["bilateral"], row.values["mult_proc"]
        unit = enc.unit_amount(row)
        label = "-".join((item.code, *item.modifiers))
        if "50" in mods:
            if medicare:
                factor = _modifier_50(enc, i)
            else:
                factor = ONE
                enc.adjust(i, "bilateral", ONE, "-50 credited as entered (one unit at 100%): policy bilateral=none")
            procs.append(_Proc([_Part(i, unit.scale(factor))], mp, item.code, label))
            continue
        if item.units == 2 and ind == "1" and not mods & {"RT", "LT"} and row.values["global_days"] != "ZZZ":
            if medicare:
                enc.adjust(i, "bilateral", Decimal("0.75"),
                           f"2 units of {item.code} (bilateral indicator 1): one bilateral procedure, 150% "
                           "of one unit (75% of the 2 units entered)")
                enc.flag(i, "bilateral")
                enc.warn(i, f"{item.code}x2: counted as one bilateral procedure (150%); if these are two "
                            "procedures on one side, enter them as separate items (for example with -59)")
                procs.append(_Proc([_Part(i, unit.scale(Decimal("1.5")))], mp, item.code, label))
                continue
            enc.adjust(i, "bilateral", ONE, f"2 units of {item.code} credited as entered: policy bilateral=none")
        for u in range(item.units):
            unit_label = f"unit {u + 1} of {item.units}: " if item.units > 1 else ""
            procs.append(_Proc([_Part(i, unit, unit_label)], mp, item.code, f"{label}#{u}"))
    return procs


def _endoscopy(enc: _Encounter, procs: list[_Proc]) -> list[_Proc]:
    """Step 3: collapse each endoscopy family into one procedure (domain-rules §1.8)."""
    families: dict[str, list[_Proc]] = {}
    for proc in procs:
        row = enc.lines[proc.parts[0].line].row
        if proc.mult_proc == "3" and row.values["endo_base"]:
            families.setdefault(row.values["endo_base"], []).append(proc)
    if not families:
        return procs
    out = [p for p in procs if not (p.mult_proc == "3" and enc.lines[p.parts[0].line].row.values["endo_base"])]
    for base_code, members in sorted(families.items()):
        base_rows = enc.catalog.rows(base_code, enc.release)
        base_row = base_rows.get("")
        base_amount = enc.unit_amount(base_row) if base_row is not None else NOTHING
        base_work = base_row.work_rvu if base_row is not None else ZERO
        bases = [p for p in out if p.code == base_code and p.mult_proc in {"1", "2"}]
        out = [p for p in out if p not in bases]
        members.sort(key=enc.rank_key)
        first = members[0]
        first_code = first.code
        for part in first.parts:
            if len(members) + len(bases) > 1:
                enc.adjust(part.line, "endoscopy-family", ONE,
                           f"{part.unit_label}{first_code}: the highest-valued member of the endoscopy family "
                           f"with base {base_code} (multiple procedure indicator 3), credited in full")
        for proc in members[1:]:
            before = proc.amount
            after = before.minus_floor(base_amount)
            factor = half_up(after.work / before.work, "0.0001") \
                if before.work else ZERO
            for part in proc.parts:
                enc.adjust(part.line, "endoscopy-family", factor,
                           f"{part.unit_label}{proc.code} with base {base_code} (multiple procedure "
                           f"indicator 3): {proc.code}'s value minus base {base_code}'s "
                           f"({_num(before.work)} - {base_work} = {_num(after.work)})")
                part.amount = _rescale(part.amount, before, after)
        for proc in bases:
            for part in proc.parts:
                enc.adjust(part.line, "endoscopy-family", ZERO,
                           f"{base_code} is the endoscopic base of {', '.join(sorted({m.code for m in members}))} "
                           "billed with it: not credited separately (multiple procedure indicator 3)")
                enc.flag(part.line, "endoscopy-base")
                part.amount = part.amount.scale(ZERO)
        parts = [part for proc in members + bases for part in proc.parts]
        out.append(_Proc(parts, "2", first_code, f"family {base_code}", family=base_code))
    return out


def _multiple_procedures(enc: _Encounter, procs: list[_Proc]) -> None:
    """Step 4: rank indicator 1/2 procedures and families; 100% first, 50% after (domain-rules §1.8)."""
    subject = [p for p in procs if p.mult_proc in {"1", "2"}]
    if len(subject) < 2:
        return
    setting = enc.options.setting.replace("nonf", "non-f")
    loc = enc.options.locality
    ranked = sorted(subject, key=enc.rank_key)
    for n, proc in enumerate(ranked, start=1):
        what = f"endoscopy family {proc.family}" if proc.family else proc.code
        if enc.by_fee:
            by = f"{loc.name.title()} ({loc.id}) {setting} fee schedule amount (${to_cents(proc.amount.pay)}"
        else:
            why = "" if loc is None else ", as a line here has no fee schedule amount in this setting"
            by = f"{setting} total RVU ({to_cents(proc.amount.rank)}{why}"
        factor = MPPR_FIRST if n == 1 else MPPR_OTHERS
        for part in proc.parts:
            ind = enc.lines[part.line].row.values["mult_proc"]
            basis = (f"{what} ranked {_ordinal(n)} of {len(ranked)} by {by}; "
                     f"multiple procedure indicator {ind})")
            if n == 1:
                reason = f"{part.unit_label}{basis}: 100%"
            elif n <= MPPR_FULL_RANKS:
                reason = f"{part.unit_label}{basis}: 50%"
            else:
                reason = f"{part.unit_label}{basis}: by report, credited 50%"
                enc.flag(part.line, "by-report")
                enc.warn(part.line, f"{enc.lines[part.line].item.code}: the {_ordinal(n)} procedure of the "
                                    "encounter is priced by report under Medicare; credited at 50%")
            enc.adjust(part.line, "multiple-procedure", factor, reason)
            part.amount = part.amount.scale(factor)


def _imaging(enc: _Encounter, procs: list[_Proc]) -> None:
    """Step 6 (optional): 5% off the professional component of the 2nd and later studies."""
    studies = [p for p in procs if p.mult_proc == "4" and enc.lines[p.parts[0].line].row.modifier != "TC"
               and enc.lines[p.parts[0].line].row.work_rvu > 0]
    if len(studies) < 2:
        return
    studies.sort(key=lambda p: (-p.amount.work, p.code, p.sort_label))
    for n, proc in enumerate(studies, start=1):
        for part in proc.parts:
            if n == 1:
                enc.adjust(part.line, "imaging-pc", ONE,
                           f"{part.unit_label}{proc.code} ranked 1st of {len(studies)} imaging studies by work RVU "
                           "(multiple procedure indicator 4): professional component in full")
                continue
            enc.adjust(part.line, "imaging-pc", IMAGING_PC_FACTOR,
                       f"{part.unit_label}{proc.code} ranked {_ordinal(n)} of {len(studies)} imaging studies "
                       "(multiple procedure indicator 4): 5% off the professional component "
                       "(policy imaging_pc_reduction=on)")
            part.amount = replace(part.amount, work=part.amount.work * IMAGING_PC_FACTOR)


@dataclass(frozen=True)
class _RoleGate:
    """How one surgeon-role indicator gates its modifiers (domain-rules §1.10, §1.11)."""

    rule: str  # the adjustment's rule name, and the policy field (without the hyphen)
    column: str  # the row's indicator column
    name: str  # the indicator's name in explanations
    forbidden: str  # the indicator value under which Medicare pays nothing
    forbidden_why: str
    # indicator value -> (words after the modifier's meaning, flag, warn about it)
    notes: dict[str, tuple[str, str | None, bool]]


_ROLE_GATES = {
    "assistant": _RoleGate(
        "assistant", "assistant", "assistant at surgery", "1", "an assistant may not be paid",
        {"0": ("payable only with documented medical necessity", "needs-documentation", True),
         "2": ("payable", None, False),
         "9": ("the assistant concept does not apply to this code", "indicator-not-applicable", True)}),
    "co-surgeon": _RoleGate(
        "co-surgeon", "cosurgeon", "co-surgeon", "0", "co-surgeons are not permitted",
        {"1": ("permitted with documentation", "needs-documentation", False),
         "2": ("permitted", None, False),
         "9": ("the co-surgery concept does not apply to this code", None, True)}),
}


def _surgeon_role(enc: _Encounter, i: int, mod: str, amount: _Amount) -> _Amount:
    """-62, -80/-81/-82 or -AS on an already-reduced line, gated by the row's indicator."""
    kind, factor, meaning = ROLE_FACTORS[mod]
    gate = _ROLE_GATES[kind]
    code, ind = enc.lines[i].item.code, enc.lines[i].row.values[gate.column]
    policy_field = gate.rule.replace("-", "")
    if getattr(enc.policy, policy_field) != "medicare":
        enc.adjust(i, gate.rule, ONE, f"-{mod} credited in full: policy {policy_field}=none")
        return amount
    if ind == gate.forbidden:
        enc.adjust(i, gate.rule, ZERO, f"-{mod}: {gate.name} indicator {ind}, {gate.forbidden_why} for {code}; "
                                       "credited 0")
        enc.flag(i, "not-payable")
        enc.warn(i, f"{code}-{mod}: {gate.name} indicator {ind} (not payable); credited 0")
        return amount.scale(ZERO)
    words, flag, warn = gate.notes.get(ind, ("", None, False))
    note = f" ({gate.name} indicator {ind}: {words})" if words else ""
    if flag:
        enc.flag(i, flag)
    if warn:
        enc.warn(i, f"{code}-{mod}: {gate.name} indicator {ind}: {words}")
    enc.adjust(i, gate.rule, factor, f"-{mod} {meaning}{note}")
    return amount.scale(factor)


def _line_rules(enc: _Encounter, i: int, amount: _Amount) -> _Amount:
    """Steps 5 and 7: roles, split care, fractions and published-not-payable, on the reduced line."""
    line, policy, options = enc.lines[i], enc.policy, enc.options
    item, row, v = line.item, line.row, line.row.values
    mods = set(item.modifiers)
    code = item.code
    for mod in sorted(mods & set(ROLE_FACTORS)):
        amount = _surgeon_role(enc, i, mod, amount)
    if "66" in mods:
        ind = v["team"]
        if policy.cosurgeon != "medicare":
            enc.adjust(i, "team-surgery", ONE, "-66 credited in full: policy cosurgeon=none")
        elif ind in {"0", "9"}:
            enc.adjust(i, "team-surgery", ZERO, f"-66: team surgery indicator {ind}, team surgery is not "
                                                f"{'permitted' if ind == '0' else 'applicable'} for {code}; credited 0")
            enc.flag(i, "not-payable")
            enc.warn(i, f"{code}-66: team surgery indicator {ind} (not payable); credited 0")
            amount = amount.scale(ZERO)
        else:
            fraction = options.fraction or ONE
            enc.adjust(i, "team-surgery", fraction, f"-66 team surgery (team surgery indicator {ind}: "
                                                    f"priced by report): the fraction you gave, {fraction}")
            enc.flag(i, "by-report")
            amount = amount.scale(fraction)
    split = next((m for m in SPLIT_MODIFIERS if m in mods), None)
    if split is not None:
        pre, intra, post = (Decimal(v["pre_op"]), Decimal(v["intra_op"]), Decimal(v["post_op"]))
        glob = v["global_days"]
        if policy.split_care != "medicare":
            enc.adjust(i, "split-care", ONE, f"-{split} credited in full: policy split_care=none")
        elif split == "78" and glob not in GLOBAL_PERIOD_DAYS:
            enc.warn(i, f"{code}-78: global period {glob} has no intra-operative share; no split-care "
                        "adjustment")
        else:
            if split == "54":
                factor = pre + intra
                reason = f"-54 surgical care only: pre-op {pre} + intra-op {intra} = {factor} of the global package"
            elif split == "56":
                factor = pre
                reason = f"-56 pre-operative care only: pre-op share {pre}"
            elif split == "78":
                factor = intra
                reason = f"-78 return to the operating room: intra-op share {intra}"
            else:
                days_total = GLOBAL_PERIOD_DAYS[glob]
                days = options.postop_days or days_total
                factor = post * Decimal(days) / Decimal(days_total)
                reason = (f"-55 post-operative care only: post-op share {post} x {days}/{days_total} days "
                          f"(global {glob})")
                if options.postop_days is None:
                    reason += "; the whole period (give --postop-days for fewer days)"
            enc.adjust(i, "split-care", factor, reason)
            amount = amount.scale(factor)
    if "52" in mods:
        fraction = options.fraction or ONE
        enc.adjust(i, "reduced-service", fraction, f"-52 reduced service: the fraction you gave, {fraction}")
        enc.flag(i, "user-fraction")
        amount = amount.scale(fraction)
    if "53" in mods and row.modifier != "53":
        fraction = options.fraction or ONE
        enc.adjust(i, "discontinued", fraction, f"-53 discontinued: CMS has no -53 row for {code}; "
                                                f"the fraction you gave, {fraction}")
        enc.flag(i, "user-fraction")
        amount = amount.scale(fraction)
    if "53" in mods and row.modifier == "53":
        enc.adjust(i, "row", ONE, f"-53: CMS's own discontinued-procedure row for {code} "
                                  f"(work {row.work_rvu})")
    if row.not_used_for_medicare_payment or (v["status"] in NOT_PAYABLE_STATUSES and row.has_work_rvu):
        status = v["status"]
        if policy.published_not_payable == "exclude":
            enc.adjust(i, "published-not-payable", ZERO,
                       f"status {status}: RVUs published but not used for Medicare payment; "
                       "not credited (policy published_not_payable=exclude)")
            enc.flag(i, "excluded-by-policy")
            amount = amount.scale(ZERO)
        else:
            enc.adjust(i, "published-not-payable", ONE,
                       f"status {status}: RVUs published but not used for Medicare payment; credited "
                       "(policy published_not_payable=include)")
    return amount


def price_encounter(items: list[items_mod.Item], on: date, *, catalog: Catalog | None = None,
                    policy: Policy | None = None, options: Options | None = None,
                    release: ReleaseInfo | None = None) -> PricedEncounter:
    """Price every item of one encounter, in the release in force on its date (or the one given: what another
    release would credit). Raises (writing nothing) if any code is unknown."""
    catalog = catalog or Catalog()
    policy, options = policy or Policy(), options or Options()
    release, note = (release, None) if release is not None else catalog.release_for(on)
    lines = [base_line(item, catalog.require_rows(item.code, release)) for item in items]
    _check_options(lines, policy, options)
    cf = None
    if options.locality is not None:
        from rvutool.pricing import locality

        cf = locality.conversion_factor(release, options.qp)
    if options.locality is not None:
        from rvutool.pricing import locality

        options = replace(options, locality=locality.dated(options.locality, on, policy.work_gpci_floor))
    enc = _Encounter(lines, catalog, release, policy, options, cf.value if cf is not None else None)
    bundled = sameday.bundle(enc, enc.order, on)
    enc.order = [i for i in enc.order if i not in bundled]
    procs = _bilateral(enc)
    # Medicare ranks by fee schedule amount; without a locality (or when a procedure has no amount
    # in this setting) the setting's total RVU stands in for it.
    enc.by_fee = options.locality is not None and all(
        p.amount.pay is not None for p in procs if p.mult_proc in {"1", "2", "3"})
    if policy.multiple_procedure == "medicare":
        procs = _endoscopy(enc, procs)
        _multiple_procedures(enc, procs)
    else:
        subject = [p for p in procs if p.mult_proc in {"1", "2", "3"}]
        if len(subject) > 1:
            for proc in subject:
                for part in proc.parts:
                    enc.adjust(part.line, "multiple-procedure", ONE,
                               "credited in full: policy multiple_procedure=none (no multiple-procedure "
                               "or endoscopy-family reduction)")
    if policy.imaging_pc_reduction == "on":
        _imaging(enc, procs)
    totals: dict[int, _Amount] = {}
    unpriced: set[int] = set()
    for proc in procs:
        for part in proc.parts:
            if part.amount.pay is None:
                unpriced.add(part.line)
            totals[part.line] = totals[part.line] + part.amount if part.line in totals else part.amount
    amounts = [_line_rules(enc, i, totals.get(i, NOTHING)) for i in range(len(lines))]
    for i, line in enumerate(lines):
        amount = amounts[i]
        line.credited_wrvu = to_cents(amount.work)
        if cf is not None:
            line.priced = True
            unit = enc.unit_amount(line.row).pay
            line.base_payment = None if unit is None else to_cents(unit * line.item.units)
            line.payment = None if i in unpriced or amount.pay is None else to_cents(amount.pay)
            if line.payment is None:
                from rvutool.pricing import locality

                why = locality.why_unpriced(line.row, options.setting)
                enc.warn(i, f"{line.item.code}: no Medicare amount ({why})")
    for pair in enc.pairs:
        pairs.round_pair(enc, pair, amounts)
    if note is not None:  # another year's release priced it: `recalc --stand-ins` re-prices it later
        for i in range(len(lines)):
            enc.flag(i, STAND_IN_FLAG)
    return PricedEncounter(date=on, release=release, release_note=note, policy=policy,
                           options=options, lines=lines, conversion_factor=cf)
