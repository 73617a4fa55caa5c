"""Plain text for contracts, pay, benchmarks, compare and plan. Strings only: the commands print them.

Amounts are shown rounded half up to the cent ($1,234.50), wRVU to the hundredth; each sentence shows
the arithmetic it stands for, with the numbers it used.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.view.text import columns, money, rvu, terminal_width

if TYPE_CHECKING:
    from rvutool.reports.benchmarks import Position, Table
    from rvutool.reports.compare import Comparison
    from rvutool.reports.contracts import Contract
    from rvutool.reports.pay import Pay, TrueUp, Window
    from rvutool.reports.plan import Plan

PER = {"month": "a month", "quarter": "a quarter", "year": "a year"}


def say(lines: list[str], width: int | None = None) -> str:
    """Sentences wrapped to the terminal (between words; a line that goes on is indented); a table (text that
    holds line breaks) as it is."""
    import textwrap

    width = max(width or terminal_width(), 40)
    out = []
    for line in lines:
        if "\n" in line or len(line) <= width:
            out.append(line)
        else:
            lead = " " * (len(line) - len(line.lstrip(" ")))
            out += textwrap.wrap(line, width, initial_indent="", subsequent_indent=lead + "  ",
                                 break_on_hyphens=False, break_long_words=False)
    return "\n".join(out)


def amount(value: Decimal) -> str:
    """Dollars in a table cell: 1,234.50 (the column header says $)."""
    return f"{value:,.2f}"


def number(value: Decimal) -> str:
    """A figure from the contract as written: 300, 0.8, 52.5."""
    text = f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}".rstrip("0")
    return text.rstrip(".") if "." in text else text


def share(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def signed_money(value: Decimal) -> str:
    return f"-{money(-value)}" if value < 0 else money(value)


# ---------------------------------------------------------------- a contract in words (check, show)
def describe(c: Contract, fiscal_year_start: int = 1) -> list[str]:
    from rvutool.periods import MONTH_NAMES

    since = f"from {c.effective}" if c.effective else "from the first day there is (no effective date)"
    out = [f"Contract {c.name}, {since}."]
    if c.note:
        out.append(f"Note: {c.note}")
    year = "calendar year" if fiscal_year_start == 1 else \
        f"fiscal year starting in {MONTH_NAMES[fiscal_year_start - 1]}"
    kind = {"month": "each month", "quarter": "each quarter (of the " + year + ")", "year": "each " + year}[c.period]
    if c.production:
        on = "production" if not c.on_collections else "collections"
        daily = "day by day" if not c.on_collections else "on the collections entered per month"
        out.append(f"Pays {share(c.share)} of {on}, less lab fees, {daily}; totals {kind}.")
        if c.on_collections:
            out.append("Collections are entered per month: rvutool contract collections --month 2026-10 AMOUNT.")
        fees = f"{len(c.fees):,} fee{'s' if len(c.fees) != 1 else ''} in the file" if c.fees else "no fees in the file"
        out.append(f"Fees: {fees} (an imported schedule adds the codes it lacks: rvutool contract fees import).")
        if c.lab_fees:
            out.append("Lab fees deducted per unit: " + ", ".join(f"{k} {money(v)}" for k, v in c.lab_fees.items()))
        if c.daily_guarantee:
            out.append(f"Daily guarantee: {money(c.daily_guarantee)} for each day worked, when more than the share.")
    else:
        out.append(f"Pays on wRVU; the threshold and tiers start again {kind}.")
        if c.fte != 1:
            out.append(f"FTE {number(c.fte)}: the threshold and every tier's start are multiplied by {number(c.fte)}.")
        if c.threshold:
            scaled = c.threshold * c.fte
            out.append(f"Threshold: {number(c.threshold)} wRVU {PER[c.period]}"
                       + (f" x {number(c.fte)} = {rvu(scaled)}" if c.fte != 1 else "")
                       + ": wRVU up to it earn no productivity pay.")
        if c.flat_rate:
            above = " above the threshold" if c.threshold else ""
            out.append(f"Rate: {money(c.tiers[0].rate)} per wRVU{above}.")
        elif c.tiers:
            mode = ("marginal: each wRVU at the rate of its tier" if c.tier_mode == "marginal" else
                    "all: every wRVU above the threshold at the rate of the highest tier reached")
            out.append(f"Tiers ({mode}):")
            for tier in c.tiers:
                scaled = f" x {number(c.fte)} = {rvu(tier.start * c.fte)}" if c.fte != 1 else ""
                start = f"{number(tier.start)}{scaled}"
                out.append(f"  from {start} wRVU: {money(tier.rate)} per wRVU")
    if c.base:
        out.append(f"Base salary: {money(c.base)} a year ({money(c.base / 12)} a month), as written (not scaled by "
                   "FTE).")
    if c.quality_withhold:
        out.append(f"Quality withhold: {share(c.quality_withhold)} of productivity pay is held back (shown apart).")
    if c.draw:
        out.append(f"Draw: {money(c.draw)} a month, an advance against productivity pay, trued up at the end of each "
                   f"{year} (owed to you, or by you).")
    if c.credit_release:
        out.append(f"Credit: every encounter priced on {c.credit_release}'s values instead of those of the release in "
                   "force on its date of service.")
    if c.custom_wrvu:
        out.append("Custom credit for codes logged with no CMS work RVU: "
                   + ", ".join(f"{k} {number(v)} wRVU a unit" for k, v in c.custom_wrvu.items()) + ".")
    if c.policy:
        from rvutool.pricing.policy import describe as policy_words

        out.append(f"Credits modifiers under: {policy_words({**_defaults(), **c.policy})}.")
    return out


def _defaults() -> dict[str, str]:
    from rvutool.pricing.policy import defaults

    return defaults()


# ---------------------------------------------------------------- pay (summary)
def credit_lines(p: Pay) -> list[str]:
    c = p.credit
    logged, credited = c.total(p.period_start, p.period_end, logged=True), c.total(p.period_start, p.period_end)
    out = [f"Credited under {p.contract}: {credited:,.2f} wRVU ({p.period_start} to {p.period_end}; as logged "
           f"{logged:,.2f})"]
    for extra in c.custom(p.period_start, p.period_end):
        out.append(f"  custom credit {extra.code}: {extra.units:,} unit{'s' if extra.units != 1 else ''} x "
                   f"{number(extra.per_unit)} = {rvu(extra.wrvu)} wRVU (no CMS work RVU)")
    for r in c.repriced(p.period_start, p.period_end):
        what = f"priced on {r.on}'s values" if r.on != "policy" else "priced under the contract's payment policy"
        kept_text = f"; {r.kept:,} kept their logged credit (code not in {r.on})" if r.kept else ""
        out.append(f"  {r.entries:,} {'entry' if r.entries == 1 else 'entries'} {what}: "
                   f"{Decimal(r.change_c) / 100:+.2f} wRVU{kept_text}")
    return out


def tier_text(w: Window) -> str:
    if w.production is not None:
        part = w.production
        base = f"collections {money(part.collections or Decimal(0))}" if part.on_collections else \
            f"production {money(part.production)}"
        text = f"{share(part.share)} x ({base} - lab fees {money(part.lab)}) = {money(part.share_pay)}"
        if part.top_up:
            text += (f"; daily guarantee {money(part.guarantee)} x {part.days_worked} days worked"
                     if part.on_collections else f"; daily guarantee {money(part.guarantee)} on "
                     f"{part.guarantee_days} of {part.days_worked} days") + f": +{money(part.top_up)}"
        if part.missing_months:
            text += f"; no collections entered for {', '.join(part.missing_months)}"
        return text
    v = w.version
    parts = [f"threshold {rvu(w.threshold)}"] if w.threshold else []
    if w.top_rate is not None and w.tiers:
        t = w.tiers[0]
        parts.append(f"all {rvu(t.wrvu)} wRVU at {money(t.rate)} (highest tier reached, from {rvu(t.start)}) = "
                     f"{money(t.amount)}")
    else:
        paid = [t for t in w.tiers if t.wrvu]
        parts += [f"{rvu(t.wrvu)} x {money(t.rate)}" + (f" (from {rvu(t.start)})" if not v.flat_rate else "")
                  + f" = {money(t.amount)}" for t in paid]
        if not paid and v.tiers:
            parts.append("no wRVU above the threshold" if w.threshold else "nothing paid yet")
    if w.withhold:
        parts.append(f"withhold {share(v.quality_withhold)} = {money(w.withhold)}")
    return "; ".join(parts)


def pay_table(p: Pay, width: int | None = None) -> str:
    width = width or terminal_width()
    production = p.production
    header = ["Period", "wRVU", "Base $", "Production $" if production else "Productivity $", "Withheld $", "Earned $"]
    rows, details = [], []
    for w in p.shown:
        state = {"running": " *", "not started": " -"}.get(w.state, "")
        rows.append([w.label + state, amount(w.wrvu), amount(w.base), amount(w.productivity),
                     amount(-w.withhold) if w.withhold else "0.00", amount(w.earned)])
        details.append(tier_text(w))
    footer = ["Total", amount(p.total("wrvu")), amount(p.total("base")), amount(p.total("productivity")),
              amount(-p.total("withhold")) if p.total("withhold") else "0.00", amount(p.total("earned"))]
    lines = columns(header, rows, {1, 2, 3, 4, 5}, footer).splitlines()
    import textwrap

    out = [lines[0]]
    for line, detail in zip(lines[1:-1], details, strict=True):
        out.append(line)
        if detail:
            out += textwrap.wrap(detail, max(width - 2, 40), initial_indent="  ", subsequent_indent="    ")
    out.append(lines[-1])
    return "\n".join(out)


def true_up_line(t: TrueUp) -> str:
    when = "at its end" if t.final else "so far"
    owed = "owed to you" if t.amount >= 0 else "owed by you"
    return (f"Draw, {t.year.label} {when}: productivity earned {money(t.earned)} - draws {money(t.draws)} "
            f"({t.months} month{'s' if t.months != 1 else ''}) = true-up {signed_money(t.amount)} ({owed})")


def pay_text(p: Pay) -> str:
    kinds = sorted({w.period.kind for w in p.shown}, key=lambda k: ("month", "quarter", "year").index(k))
    by = {"month": "month by month", "quarter": "quarter by quarter", "year": "year by year"}
    effective = sorted({w.version.effective_text or "from the start" for w in p.shown})
    head = (f"Pay under {p.contract}, {' and '.join(by[k] for k in kinds) or 'by period'} (version"
            f"{'s' if len(effective) != 1 else ''} effective {', '.join(effective) or 'none'}):")
    out = ([] if p.shown and all(w.production is not None for w in p.shown) else credit_lines(p)) + [head]
    if not p.shown:
        out.append("  no version of the contract covers these dates")
    else:
        out.append(pay_table(p))
        if any(w.state != "over" for w in p.shown):
            out.append("* running: wRVU through today; - not started yet")
    if any(w.withhold for w in p.shown):
        out.append(f"Withheld (quality): {money(p.total('withhold'))}, shown apart: paid if the quality goals are met")
    out += [true_up_line(t) for t in p.true_ups]
    if p.production:
        out.append(production_table(p))
    out += [f"Note: {n}" for n in p.notes]
    return say(out)


def production_table(p: Pay) -> str:
    merged: dict[str, list[Any]] = {}
    for w in p.shown:
        if w.production is None:
            continue
        for code, line in w.production.codes.items():
            row = merged.setdefault(code, [line.fee, line.lab_fee, 0, 0, Decimal(0), Decimal(0)])
            row[2] += line.entries
            row[3] += line.units
            row[4] += line.production
            row[5] += line.lab
    rows = [[code, f"{u:,}", "—" if fee is None else amount(fee), amount(prod), amount(lab)]
            for code, (fee, _lab, _n, u, prod, lab) in sorted(merged.items(), key=lambda kv: (-kv[1][4], kv[0]))]
    total = ["Total", f"{sum(r[3] for r in merged.values()):,}", "", amount(sum((r[4] for r in merged.values()),
                                                                                 Decimal(0))),
             amount(sum((r[5] for r in merged.values()), Decimal(0)))]
    return f"Production by code ({p.contract}'s fees):\n" + columns(
        ["Code", "Units", "Fee $", "Production $", "Lab fees $"], rows, {1, 2, 3, 4}, total).rstrip("\n")


# ---------------------------------------------------------------- benchmark
def benchmark_line(b: Position) -> str:
    _, words = b.place()
    row = b.row
    what = ", ".join(x for x in (row.specialty, row.region, row.practice_type) if x)
    year = f", year {row.year}" if row.year else ""
    fte = f" / FTE {number(b.fte)} = {b.adjusted:,.2f}" if b.fte != 1 else ""
    return (f"Benchmark: {b.adjusted:,.2f} wRVU a year{' at 1.0 FTE' if b.fte != 1 else ''} is {words} for {what} "
            f"(source: {b.table.source}{year}; table {b.table.name}). Year to date {b.year_to_date:,.2f} wRVU "
            f"({b.start} to {b.through}) x {b.days_in_year} / {b.days_elapsed} days = {b.annualised:,.2f}{fte} "
            f"({b.fte_source}).")


def summary_text(s: Any) -> str:
    out = []
    if s.pay is not None:
        out.append(pay_text(s.pay))
    if s.benchmark is not None:
        out.append(say([benchmark_line(s.benchmark)]))
    return "\n".join(out)


# ---------------------------------------------------------------- compare and plan
def compare_text(c: Comparison) -> str:
    a, b = c.names
    if not c.rows:
        return "Nothing to compare."
    head = f"{a} and {b} on the same work, {c.rows[0].period.start} to {c.rows[-1].period.end} (by {c.kind}):"
    rows = [[r.period.label, amount(r.a.wrvu), amount(r.a.earned), amount(r.b.wrvu), amount(r.b.earned),
             f"{r.difference:+,.2f}"] for r in c.rows]
    total = ["Total", amount(c.total("a", "wrvu")), amount(c.total("a", "earned")), amount(c.total("b", "wrvu")),
             amount(c.total("b", "earned")), f"{c.total('b', 'earned') - c.total('a', 'earned'):+,.2f}"]
    table = columns(["Period", "A wRVU", "A $", "B wRVU", "B $", "B - A $"], rows, {1, 2, 3, 4, 5},
                    total).rstrip("\n")
    out = [head, f"A: {a}; B: {b}", table,
           "Pay is what each contract earns: base + productivity - withhold (draws are advances)."]
    difference = c.total("b", "earned") - c.total("a", "earned")
    better = b if difference > 0 else a
    if difference:
        out.append(f"{better} pays {money(abs(difference))} more for this work.")
    else:
        out.append("Both pay the same for this work.")
    for pay in (c.a, c.b):
        out += [true_up_line(t).replace("Draw,", f"{pay.contract} draw,") for t in pay.true_ups]
        out += [f"Note ({pay.contract}): {n}" for n in pay.notes]
    return say(out)


def plan_text(p: Plan) -> str:
    out = [f"Plan under {p.contract} for {p.year.label} ({p.year.start} to {p.year.end}), income {money(p.income)} "
           "(earned: base + productivity - withhold):",
           f"So far: {p.so_far_wrvu:,.2f} wRVU credited through {min(p.today, p.year.end)}; with no more work the year "
           f"earns {money(p.so_far_earned)}."]
    if p.reached:
        out.append(f"Reached: {money(p.so_far_earned)} is at least {money(p.income)} already.")
    elif not p.workdays:
        out.append("No workdays (Mon-Fri) are left in the year.")
    elif p.per_workday is None:
        out.append(f"Out of reach: even {rvu(Decimal(1000))} wRVU on each of the {p.workdays} remaining workdays would "
                   f"earn {money(p.best_earned or Decimal(0))}.")
    else:
        out.append(f"Needed: {p.per_workday:,.2f} wRVU per workday on the {p.workdays} remaining workdays (Mon-Fri, "
                   f"today included) = {p.more_wrvu:,.2f} more wRVU, {p.so_far_wrvu + p.more_wrvu:,.2f} for the "
                   f"year; the year then earns {money(p.projected_earned)}.")
    return say(out)


# ---------------------------------------------------------------- benchmark tables
def table_line(t: Table) -> str:
    specialties = len({r.specialty for r in t.rows})
    years = sorted({r.year for r in t.rows if r.year})
    points = sorted({p for r in t.rows for p in r.points})
    return (f"{t.name}: {len(t.rows):,} row{'s' if len(t.rows) != 1 else ''}, {specialties:,} specialt"
            f"{'y' if specialties == 1 else 'ies'}" + (f", year {', '.join(map(str, years))}" if years else "")
            + f"; percentiles {', '.join(f'p{p}' for p in points)}; source: {t.source}; imported {t.imported} "
            f"from {t.file}")
