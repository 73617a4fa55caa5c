"""Contracts, plans and benchmark tables: contract ..., plan, benchmark ...."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from rvutool.errors import RvuError, UsageError
from rvutool.view import messages

FEE_ROLES: dict[str, tuple[str, ...]] = {
    "code": ("code", "cdt", "cdt code", "ada code", "cpt", "hcpcs", "procedure code", "procedure", "proc code"),
    "fee": ("fee", "fees", "ucr", "ucr fee", "fee amount", "amount", "price", "charge", "office fee", "standard fee"),
    "lab": ("lab fee", "lab fees", "lab", "lab cost", "lab charge"),
}


def _settings() -> Any:
    from rvutool import config

    return config.load()


def _dollars(text: str, option: str, *, zero_ok: bool) -> Decimal:
    value_text = text.strip().lstrip("$").replace(",", "")
    try:
        value = Decimal(value_text) if value_text.isascii() and value_text else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or (value == 0 and not zero_ok) \
            or value >= Decimal(100_000_000) or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise UsageError(f"{option} {text!r}: give dollars such as 450000 or 12,345.67 (at most 2 decimals"
                         + (")" if zero_ok else ", above 0)"))
    return value


def _name_in_use(name: str | None) -> tuple[str, str]:
    """--contract NAME, else config `contract`: (name, where it came from)."""
    from rvutool.reports.contracts import check_name

    if name is not None:
        return check_name(name), ""
    configured = _settings().get("contract")
    if not configured:
        raise UsageError("name a contract with --contract NAME (or set a default: rvutool config set contract NAME)")
    return configured, "config contract"


# ---------------------------------------------------------------- add, check, list, show, remove
def add(file: str, *, name: str | None = None, replace: bool = False) -> int:
    from rvutool.catalog.codes import Catalog
    from rvutool.log import location
    from rvutool.reports import contracts, tables
    from rvutool.view import pay_text

    contract = contracts.read_file(file, name=contracts.check_name(name) if name is not None else None)
    notes = contracts.check_with_catalog(contract, Catalog(), tables.shown(file))
    effective = contract.effective_text
    when = f"effective {effective}" if effective else "with no effective date (from the start)"
    with location.open_for_writing() as store:
        same = [r for r in store.contract_rows(contract.name) if r.effective == effective]
        if same and same[0].source == contract.source:
            messages.line(f"Contract {contract.name} already has this version ({when}); nothing was changed.")
            return 0
        if same and not replace:
            raise RvuError(f"contract {contract.name} already has a version {when}; add --replace to replace it "
                           "(nothing was changed)")
        with store.transaction() as tx:
            tx.put_contract(contract.name, effective, contract.source)
        count = len(store.contract_rows(contract.name))
    verb = "Replaced" if same else "Added"
    messages.line(f"{verb} contract {contract.name}, version {when} ({count} version{'s' if count != 1 else ''}).")
    messages.line(pay_text.say(pay_text.describe(contract, _settings().fiscal_year_start)))
    for text in notes:
        messages.note(text)
    return 0


def check(file: str, *, name: str | None = None, as_json: bool = False) -> int:
    from rvutool.catalog.codes import Catalog
    from rvutool.reports import contracts, tables
    from rvutool.view import pay_text

    contract = contracts.read_file(file, name=contracts.check_name(name) if name is not None else None)
    notes = contracts.check_with_catalog(contract, Catalog(), tables.shown(file))
    if as_json:
        messages.print_json({"ok": True, "contract": contract.to_dict(), "notes": notes,
                           "meaning": pay_text.describe(contract, _settings().fiscal_year_start)})
        return 0
    messages.line(pay_text.say(pay_text.describe(contract, _settings().fiscal_year_start)))
    for text in notes:
        messages.note(text)
    messages.line(f"{tables.shown(file)} is a valid contract file.")
    return 0


def list_all(*, as_json: bool = False) -> int:
    from rvutool.log import location
    from rvutool.reports import standing
    from rvutool.view import pay_text
    from rvutool.view.text import columns

    default = _settings().get("contract")
    with location.reading() as store:
        names = sorted({r.name for r in store.contract_rows()}) if store is not None else []
        found = [standing.versions(store, n) for n in names]
    if as_json:
        messages.print_json([{"name": v.name, "default": v.name == default,
                            "versions": [c.to_dict() for c in v.versions]} for v in found])
        return 0
    if not found:
        messages.line("No contracts yet. Add one: rvutool contract add mercy-2026.toml (see the README's Contracts).")
        return 0
    rows = []
    for v in found:
        last = v.versions[-1]
        pays = (f"{pay_text.share(last.share)} of {'collections' if last.on_collections else 'production'}"
                if last.production else ("wRVU" if last.tiers else "salary"))
        rows.append([v.name + (" (default)" if v.name == default else ""),
                     ", ".join(c.effective_text or "from the start" for c in v.versions), pays, last.period])
    messages.line(columns(["Contract", "Versions (effective)", "Pays on", "Period"], rows, set()).rstrip("\n"))
    return 0


def show(name: str, *, as_json: bool = False) -> int:
    from rvutool.log import location
    from rvutool.reports import standing
    from rvutool.view import pay_text

    with location.reading() as store:
        found = standing.versions(store, name)
        added = {r.effective: r.added_at for r in store.contract_rows(found.name)} if store is not None else {}
    if as_json:
        messages.print_json({"name": found.name, "imported_fees": len(found.fees),
                           "versions": [{**c.to_dict(), "added_at": added.get(c.effective_text), "source": c.source}
                                        for c in found.versions]})
        return 0
    fiscal = _settings().fiscal_year_start
    out = []
    for i, version in enumerate(found.versions):
        until = found.until(i)
        span = f"{version.effective or 'the start'} to {until}" if until else f"{version.effective or 'the start'} on"
        out.append(f"Version {i + 1} of {len(found.versions)}: {span} (added {added.get(version.effective_text, '?')})")
        out += ["  " + line for line in pay_text.describe(version, fiscal)]
    if found.fees:
        out.append(f"Imported fee schedule: {len(found.fees):,} codes (the file's own fees come first).")
    messages.line(pay_text.say(out))
    return 0


def remove(name: str, *, effective: str | None = None) -> int:
    from rvutool import dates
    from rvutool.log import location
    from rvutool.reports.contracts import check_name

    name = check_name(name)
    when = dates.parse_date(effective).isoformat() if effective else None
    with location.open_for_writing() as store:
        with store.transaction() as tx:
            gone = tx.remove_contract(name, when)
    if not gone:
        raise RvuError(f"no contract {name}" + (f" with a version effective {when}" if when else "")
                       + " (see rvutool contract list)")
    what = f"the version effective {when} of" if when else f"{gone} version{'s' if gone != 1 else ''} of"
    messages.line(f"Removed {what} contract {name}" + ("" if when else " and its imported fees") + ".")
    if _settings().get("contract") == name and not when:
        messages.note(f"config contract still names {name}: rvutool config unset contract")
    return 0


# ---------------------------------------------------------------- fees and collections
def fees_import(file: str, *, contract: str | None = None) -> int:
    from rvutool.catalog.codes import Catalog
    from rvutool.cli import inputs
    from rvutool.log import location
    from rvutool.money import half_up, hundredths
    from rvutool.reports import standing, tables
    from rvutool.reports.contracts import MAX_MONEY, check_name

    if contract is None:
        raise UsageError("name the contract the fees belong to: --contract NAME")
    name = check_name(contract)
    path = inputs.readable_path(file)
    shown = tables.shown(path)
    numbered = tables.rows(path, "a fee schedule (CSV or .xlsx)")
    roles, header, _ = tables.find_columns(path, numbered, FEE_ROLES, ("code", "fee"), "a code column and a fee column")
    known = set(Catalog().all_codes())
    fees: dict[str, tuple[int, int | None]] = {}
    for line, cells in numbered:
        def cell(role: str, cells: list[Any] = cells) -> Any:
            return tables.pick(roles, cells, role)

        code = tables.cell_text(cell("code")).upper()
        if not code:
            continue
        if code not in known:
            raise RvuError(f"{shown} line {line}: {code[:12]!r} is not a code in any CMS release rvutool has; "
                           "nothing was imported")
        if code in fees:
            raise RvuError(f"{shown} line {line}: {code} is listed twice; nothing was imported")
        fee = tables.number(cell("fee"))
        if fee is None or fee <= 0 or fee >= MAX_MONEY:
            raise RvuError(f"{shown} line {line} ({code}): the fee is not an amount above 0; nothing was imported")
        lab_text = tables.cell_text(cell("lab"))
        lab = tables.number(cell("lab")) if lab_text else None
        if lab_text and (lab is None or lab < 0 or lab >= MAX_MONEY):
            raise RvuError(f"{shown} line {line} ({code}): the lab fee is not an amount; nothing was imported")
        fees[code] = (hundredths(half_up(fee)), None if lab is None else hundredths(half_up(lab)))
    if not fees:
        raise RvuError(f"{shown}: no fees under the header; nothing was imported")
    with location.open_for_writing() as store:
        versions = standing.versions(store, name)
        with store.transaction() as tx:
            before = tx.replace_contract_fees(name, sorted((c, f, lab) for c, (f, lab) in fees.items()))
    used = [header[c] for c in sorted(roles.values())]
    replaced = f" (replacing {before:,})" if before else ""
    messages.line(f"Imported {len(fees):,} fees for {name} from {shown}{replaced}; columns used: {', '.join(used)}.")
    if not any(v.production for v in versions.versions):
        messages.note(f"{name} pays on wRVU: its fees are kept, but only a production contract uses them")
    return 0


def collections(amount: str | None = None, *, month: str | None = None, as_json: bool = False) -> int:
    """Set a month's collections (`--month 2026-10 AMOUNT`), or list them."""
    from rvutool import dates
    from rvutool.log import location
    from rvutool.money import from_hundredths, hundredths
    from rvutool.periods import parse_month
    from rvutool.view.text import money

    if amount is not None:
        if month is None:
            raise UsageError("say which month the collections are for: --month 2026-10")
        year, number = parse_month(month, today=dates.today())
        key = f"{year:04d}-{number:02d}"
        value = _dollars(amount, "collections", zero_ok=True)
        with location.open_for_writing() as store:
            with store.transaction() as tx:
                tx.put_collection(key, hundredths(value))
        messages.line(f"Collections for {key}: {money(value)} (saved with the log).")
        return 0
    with location.reading() as store:
        found = [(m, from_hundredths(c)) for m, c in store.collections()] if store is not None else []
    if month is not None:
        year, number = parse_month(month, today=dates.today())
        found = [(m, c) for m, c in found if m == f"{year:04d}-{number:02d}"]
    if as_json:
        messages.print_json([{"month": m, "amount": c} for m, c in found])
    elif not found:
        messages.line("No collections entered. Enter a month's: rvutool contract collections --month 2026-10 AMOUNT")
    else:
        from rvutool.view.text import columns

        messages.line(columns(["Month", "Collections $"], [[m, f"{c:,.2f}"] for m, c in found], {1}).rstrip("\n"))
    return 0


# ---------------------------------------------------------------- compare and plan
def compare(a: str, b: str, period: str | None = None, *, month: str | None = None, week: bool = False,
            year: str | None = None, from_: str | None = None, to: str | None = None, all_: bool = False,
            as_json: bool = False, as_csv: bool = False) -> int:
    """The same logged work under contracts A and B, over a period: [PERIOD] (a year or a month, read as
    --year or --month) or the period options; this (fiscal) year by default."""
    from rvutool import dates
    from rvutool.cli import inputs
    from rvutool.log import location
    from rvutool.reports import compare as comparing
    from rvutool.reports import standing
    from rvutool.view import pay_text

    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    settings = _settings()
    today = dates.today()
    if period is not None:
        if any((month, week, year, from_, to, all_)):
            raise UsageError(f"give the period once: {period!r} or a period option, not both")
        text = period.strip()
        if text.isascii() and text.isdigit() and len(text) <= 5:  # 2026, or 02026 as --year reads it
            year = text
        else:
            month = text
    if not any((month, week, year, from_, to, all_)):
        year = "current"
    try:
        chosen = inputs.period(month, week, year, from_, to, all_, today=today,
                               fiscal_year_start=settings.fiscal_year_start)
    except UsageError:
        if period is None:
            raise
        raise UsageError(f"PERIOD {period!r}: give a year (2026) or a month (2026-10, oct, nov-2025)") from None
    with location.reading() as store:
        first, second = standing.versions(store, a), standing.versions(store, b)
        start, end = standing.bounds(store, chosen, today)
        result = comparing.compare(store, first, second, start, end, today=today,
                                   fiscal_year_start=settings.fiscal_year_start)
    if as_json:
        messages.print_json(result.to_dict())
    elif as_csv:
        import sys

        from rvutool import spreadsheet

        spreadsheet.Writer(sys.stdout).writerows(result.csv_rows())
    else:
        messages.line(pay_text.compare_text(result))
    return 0


def plan(*, contract: str | None = None, income: str | None = None, year: str | None = None,
         as_json: bool = False) -> int:
    from rvutool import dates, periods
    from rvutool.log import location
    from rvutool.reports import plan as planning
    from rvutool.reports import standing
    from rvutool.reports.pay import fiscal_year
    from rvutool.view import pay_text

    if income is None:
        raise UsageError("give the income to reach: --income 450000")
    value = _dollars(income, "--income", zero_ok=False)
    name, origin = _name_in_use(contract)
    settings = _settings()
    today = dates.today()
    fys = settings.fiscal_year_start
    number = periods.parse_year(year if year is not None else "current", today=today, fiscal_year_start=fys)
    chosen = fiscal_year(periods.year_period(number, fys).start, fys)
    with location.reading() as store:
        versions = standing.versions(store, name, origin=origin)
        result = planning.plan(store, versions, value, chosen, today=today, fiscal_year_start=fys)
    if as_json:
        messages.print_json(result.to_dict())
    else:
        messages.line(pay_text.plan_text(result))
    return 0


def _name_from(stem: str) -> str:
    name = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_")[:32].strip("-_")
    return name or "benchmark"


def import_benchmark(file: str, *, source: str | None = None, name: str | None = None, replace: bool = False) -> int:
    from rvutool import dates
    from rvutool.cli import inputs
    from rvutool.reports import benchmarks
    from rvutool.reports.contracts import check_name
    from rvutool.view import pay_text

    if source is None:
        raise UsageError("say where the figures come from: --source \"MGMA 2025 Provider Compensation\" (it is "
                         "printed beside every figure)")
    cited = benchmarks.check_source(source)
    path = inputs.readable_path(file)
    chosen = check_name(name, "benchmark table name") if name is not None else _name_from(path.stem)
    table = benchmarks.read_table(path, name=chosen, source=cited, today=dates.today())
    replaced = benchmarks.save(table, replace=replace)
    verb = "Replaced" if replaced else "Imported"
    messages.line(pay_text.say([f"{verb} benchmark table {pay_text.table_line(table)}"]))
    return 0


def list_benchmarks(*, as_json: bool = False) -> int:
    from rvutool.reports import benchmarks
    from rvutool.view import pay_text

    found = benchmarks.load_all()
    if as_json:
        messages.print_json([t.to_dict() for t in found])
    elif not found:
        messages.line("No benchmark tables yet. Import one you are licensed to use: rvutool benchmark import FILE "
                    "--source \"...\" (examples/benchmark-invented.csv holds invented figures to try it)")
    else:
        messages.line(pay_text.say([pay_text.table_line(t) for t in found]))
    return 0


def remove_benchmark(name: str) -> int:
    from rvutool.reports import benchmarks
    from rvutool.reports.contracts import check_name

    chosen = check_name(name, "benchmark table name")
    benchmarks.remove(chosen)
    messages.line(f"Removed benchmark table {chosen}.")
    return 0
