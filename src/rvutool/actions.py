"""What each command does once its arguments are parsed.

Shared by the typer CLI (cli.py) and the start-up fast path (fastpath.py), so the
two can never disagree. Each function returns an exit status; RvuError is turned
into a message by entry.main.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from typing import Any

from rvutool import render
from rvutool.errors import RvuError, UsageError


def guard(action: Callable[..., int], *args: Any, **kwargs: Any) -> int:
    """Run an action; the one place an RvuError becomes a message and an exit status."""
    try:
        return action(*args, **kwargs)
    except RvuError as err:
        render.error(err.message)
        return err.exit_code
    except KeyboardInterrupt:
        render.error("interrupted; nothing was changed by the unfinished command")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so plainly, traceback only on request
        if os.environ.get("RVUTOOL_DEBUG"):
            raise
        render.error(f"internal error ({type(exc).__name__}: {exc}); set RVUTOOL_DEBUG=1 for details "
                     "and please report it")
        return 1


def parse_when(date_text: str | None, year_text: str | None) -> tuple[date | None, int | None]:
    from rvutool import dates

    if date_text is not None and year_text is not None:
        raise UsageError("give --date or --year, not both")
    on = dates.parse_date(date_text) if date_text is not None else None
    year = dates.parse_year(year_text) if year_text is not None else None
    return on, year


def lookup(tokens: list[str], *, as_json: bool = False, date_text: str | None = None,
           year_text: str | None = None, locality_text: str | None = None,
           zip_text: str | None = None, qp: bool = False) -> int:
    from rvutool.lookup import lookup_many

    on, year = parse_when(date_text, year_text)
    if not tokens:
        raise UsageError("give at least one code, such as: rvutool lookup 99213")
    results, errors = lookup_many(tokens, on=on, year=year)
    if results:
        add_locality_payments(results, locality_text, zip_text, qp)
    if as_json:
        render.print_json([r.to_dict() for r in results])
    elif results:
        render.lookup(results)
    return report_all(errors)


# ---------------------------------------------------------------- calc and locality payment
def configured() -> tuple[Any, str | None]:
    """The payment policy and locality from the config file (Medicare defaults without one)."""
    cfg = _config()
    value = cfg.get("locality")
    return cfg.policy(), (str(value) if value else None)


def choose_locality(locality_text: str | None, zip_text: str | None, qp: bool, year: int,
                    configured_locality: str | None, catalog: Any = None) -> Any:
    """--locality / --zip, else the configured locality, else None; --qp needs one of them."""
    from rvutool import locality

    loc = locality.resolve(locality_text, zip_text, year, catalog)
    if loc is None and configured_locality:
        loc = locality.resolve(configured_locality, None, year, catalog)
    if qp and loc is None:
        raise UsageError("--qp prices a locality's payment: give --locality or --zip "
                         "(or set one with: rvutool config set locality 01182-18)")
    return loc


def add_locality_payments(results: list[Any], locality_text: str | None, zip_text: str | None,
                          qp: bool) -> None:
    configured_locality = None
    if locality_text is None and zip_text is None:
        if not qp:
            from rvutool import paths

            try:
                os.stat(paths.config_file())
            except FileNotFoundError:
                return  # no locality asked for and no settings file: load neither config nor GPCIs
        value = _config().get("locality")  # the locality alone: lookup needs no payment policy
        configured_locality = str(value) if value else None
    from rvutool import locality

    release = results[0].release
    loc = choose_locality(locality_text, zip_text, qp, release.year, configured_locality)
    if loc is None:
        return
    for result in results:
        cf = locality.conversion_factor(result.release, qp)
        result.locality = locality.payment(result.row, loc, cf)


def calc(tokens: list[str], *, date_text: str | None = None, setting: str = "facility",
         fraction_text: str | None = None, postop_days_text: str | None = None,
         policy_settings: list[str] | None = None, locality_text: str | None = None,
         zip_text: str | None = None, qp: bool = False, as_json: bool = False) -> int:
    """Price one encounter exactly as `log` would, without writing anything."""
    from decimal import Decimal, InvalidOperation

    from rvutool import dates, items, rules
    from rvutool.codes import Catalog

    if not tokens:
        raise UsageError("give at least one item, such as: rvutool calc 47562 49505")
    parsed = [items.parse_item(token) for token in tokens]
    on = dates.parse_date(date_text) if date_text is not None else dates.today()
    setting = setting.strip().lower().replace("-", "").replace("_", "")
    if setting not in rules.SETTINGS:
        raise UsageError(f"--setting must be facility or nonfacility, not {setting!r}")
    fraction = None
    if fraction_text is not None:
        try:
            fraction = Decimal(fraction_text.strip())
        except InvalidOperation:
            raise UsageError(f"--fraction must be a number such as 0.5, not {fraction_text!r}") from None
        if not fraction.is_finite():
            raise UsageError(f"--fraction must be a number such as 0.5, not {fraction_text!r}")
    postop_days = None
    if postop_days_text is not None:
        if not postop_days_text.strip().isdigit():
            raise UsageError(f"--postop-days must be a whole number of days, not {postop_days_text!r}")
        postop_days = int(postop_days_text)
    policy, configured_locality = configured()
    for text in policy_settings or []:
        policy = policy.with_setting(text)
    catalog = Catalog()
    release, _ = catalog.release_for(on)
    if locality_text is not None or zip_text is not None:
        configured_locality = None
    loc = choose_locality(locality_text, zip_text, qp, release.year, configured_locality, catalog)
    options = rules.Options(setting=setting, fraction=fraction, postop_days=postop_days,
                            locality=loc, qp=qp)
    encounter = rules.price_encounter(parsed, on, catalog=catalog, policy=policy, options=options)
    if as_json:
        render.print_json(encounter.to_dict())
    else:
        render.calc(encounter)
    for text in encounter.warnings:
        render.warning(text)
    return 0


def report_all(errors: list[RvuError]) -> int:
    """Print each error on its own line; usage errors outrank the rest (2 over 1)."""
    for err in errors:
        render.error(err.message)
    return max((err.exit_code for err in errors), default=0)


def show_paths(as_json: bool = False) -> int:
    from rvutool import paths

    found = {name: str(path) for name, path in paths.all_paths().items()}
    if as_json:
        render.print_json(found)
    else:
        render.key_values(found.items())
    return 0


# ---------------------------------------------------------------- search
def search(text: str, *, limit: int | str = 20, as_json: bool = False, date_text: str | None = None,
           year_text: str | None = None) -> int:
    from rvutool.search import search as find

    on, year = parse_when(date_text, year_text)
    try:
        limit = int(limit)
    except ValueError:
        raise UsageError(f"--limit must be a whole number, not {limit!r}") from None
    result = find(text, limit=limit, on=on, year=year)
    if as_json:
        render.print_json([hit.to_dict() for hit in result.hits])
    else:
        render.search(result)
    return 0


# ---------------------------------------------------------------- data import / status
def data_import(path_text: str) -> int:
    from pathlib import Path

    from rvutool.importer import import_file

    with render.import_progress() as progress:
        report = import_file(Path(path_text).expanduser(), progress=progress)
    render.import_report(report)
    return 0


def data_status(as_json: bool = False) -> int:
    from rvutool.importer import status

    found = status()
    if as_json:
        render.print_json(found.to_dict())
    else:
        render.data_status(found)
    return 0


# ---------------------------------------------------------------- the procedure log (log, list, edit, remove,
# undo, recalc, export, import): storage in logbook.py, output in render.py
def _config() -> Any:
    from rvutool import config

    return config.load()


def encounter_options(setting: str | None, fraction: str | None, postop_days: str | None) -> Any:
    """rules.Options from --setting, --fraction and --postop-days, validated."""
    from decimal import Decimal, InvalidOperation

    from rvutool.rules import SETTINGS, Options

    setting = (setting or "facility").strip().lower()
    if setting not in SETTINGS:
        raise UsageError(f"--setting {setting!r}: use facility or nonfacility")
    value = None
    if fraction is not None:
        try:
            value = Decimal(fraction.strip())
        except (InvalidOperation, ValueError):
            raise UsageError(f"--fraction {fraction!r} is not a number: give one above 0 and up to 1, "
                             "such as 0.5") from None
        if not value.is_finite() or not Decimal(0) < value <= Decimal(1):
            raise UsageError(f"--fraction {fraction!r} must be above 0 and at most 1, such as 0.5")
    days = None
    if postop_days is not None:
        text = postop_days.strip()
        if not text.isdigit() or not 1 <= int(text) <= 90:
            raise UsageError(f"--postop-days {postop_days!r} must be a whole number of days from 1 to 90")
        days = int(text)
    return Options(setting=setting, fraction=value, postop_days=days)


def _free_text(note: str | None, case: str | None, allow: bool) -> tuple[str | None, str | None]:
    from rvutool import logbook

    out = []
    for field, value in (("--note", note), ("--case", case)):
        if value is not None:
            value = value.strip()
            logbook.check_free_text(value, field=field, allow=allow)
        out.append(value or None)
    return out[0], out[1]


def price(tokens: list[str], date_text: str | None, options: Any, catalog: Any = None) -> Any:
    """Parse the items and date of one encounter and price them (nothing is written)."""
    from rvutool import dates, rules
    from rvutool.items import parse_item

    parsed = [parse_item(t) for t in tokens]
    on = dates.parse_date(date_text if date_text is not None else "today", allow_future=False)
    return rules.price_encounter(parsed, on, catalog=catalog, policy=_config().policy(), options=options)


def log(tokens: list[str], *, date_text: str | None = None, note: str | None = None, case: str | None = None,
        as_json: bool = False, setting: str | None = None, fraction: str | None = None,
        postop_days: str | None = None, allow_identifiers: bool = False) -> int:
    import sys

    from rvutool import logbook

    options = encounter_options(setting, fraction, postop_days)
    note, case = _free_text(note, case, allow_identifiers)
    if not tokens:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError("give at least one item, such as: rvutool log 99213 71046-26 "
                             "(interactive entry needs a terminal)")
        from rvutool import interactive

        return interactive.run(date_text=date_text, note=note, case=case, options=options,
                               allow_identifiers=allow_identifiers)
    encounter = price(tokens, date_text, options)
    with logbook.open_for_writing() as book:
        entries = book.add_encounter(encounter, note=note, case_label=case)
    warnings = [w for line in encounter.lines for w in line.warnings]
    if as_json:
        render.print_json(logged_json(encounter, entries))
        for text in warnings:
            render.warning(text)
    else:
        render.logged(encounter, entries, warnings)
    return 0


def logged_json(encounter: Any, entries: list[Any]) -> dict[str, Any]:
    return {
        "encounter": entries[0].encounter_id if entries else None,
        "date": encounter.date.isoformat(),
        "release": encounter.release.id,
        "release_note": encounter.release_note,
        "total_wrvu": encounter.credited_wrvu,
        "base_wrvu": encounter.base_wrvu,
        "lines": [e.to_dict() for e in entries],
    }


def _period(month: str | None, week: bool, year: str | None, from_: str | None, to: str | None,
            all_: bool, *, default_all: bool = False) -> Any:
    from rvutool import dates, periods

    if default_all and not any((month, week, year, from_, to, all_)):
        all_ = True
    return periods.from_options(month, week, year, from_, to, all_, today=dates.today(),
                                fiscal_year_start=_config().fiscal_year_start)


def list_entries(*, month: str | None = None, week: bool = False, year: str | None = None,
                 from_: str | None = None, to: str | None = None, all_: bool = False, code: str | None = None,
                 as_json: bool = False, as_csv: bool = False, explain: bool = False,
                 removed: bool = False) -> int:
    from rvutool import logbook
    from rvutool.items import check_code

    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    period = _period(month, week, year, from_, to, all_)
    code = check_code(code) if code is not None else None
    with logbook.reading() as book:
        entries = [] if book is None else book.entries(period.start, period.end, code=code,
                                                       include_voided=removed)
    if as_json:
        render.print_json({"period": period.to_dict(), "entries": [e.to_dict() for e in entries],
                           "total_wrvu": logbook.from_c(sum(e.credited_wrvu_c for e in entries if not e.voided))})
    elif as_csv:
        render.entries_csv(entries)
    else:
        render.entries_table(entries, period.label, explain=explain)
    return 0


def _entry_id(text: str) -> int:
    value = text.strip().lstrip("#")
    if not value.isdigit() or len(value) > 12 or int(value) < 1:
        raise UsageError(f"{text!r} is not an entry id: use the number shown by `rvutool list`, such as 12")
    return int(value)


def edit(id_text: str, *, date_text: str | None = None, units: str | None = None, modifiers: str | None = None,
         note: str | None = None, case: str | None = None, allow_identifiers: bool = False) -> int:
    from rvutool import dates, items, logbook

    entry_id = _entry_id(id_text)
    if all(v is None for v in (date_text, units, modifiers, note, case)):
        raise UsageError("say what to change: --date, --units, --modifiers, --note or --case")
    on = dates.parse_date(date_text, allow_future=False) if date_text is not None else None
    new_units = None
    if units is not None:
        text = units.strip()
        if not text.isdigit() or not 1 <= int(text) <= items.MAX_UNITS:
            raise UsageError(f"--units {units!r} must be a whole number from 1 to {items.MAX_UNITS}")
        new_units = int(text)
    mods = None
    if modifiers is not None:
        parts = [m for m in modifiers.replace(",", "-").replace(" ", "-").split("-") if m]
        mods = tuple(items.check_modifier(m) for m in parts)
        if len(set(mods)) != len(mods):
            raise UsageError(f"--modifiers {modifiers!r}: a modifier is repeated")
    clean_note, clean_case = _free_text(note, case, allow_identifiers)
    with logbook.reading() as book:
        if book is None:
            raise NoSuchEntry(entry_id)
    with logbook.open_for_writing() as book:
        after = book.edit(entry_id, on=on, units=new_units, modifiers=mods, note=clean_note, case_label=clean_case,
                          set_note=note is not None, set_case=case is not None)
    render.entries_table([after], f"entry #{entry_id} after the edit", explain=False)
    return 0


def NoSuchEntry(entry_id: int) -> RvuError:  # noqa: N802 - reads as the error it builds
    from rvutool.errors import NoSuchEntryError

    return NoSuchEntryError(f"no entry #{entry_id} in the log (see `rvutool list --all`)")


def remove(id_texts: list[str]) -> int:
    from rvutool import logbook

    if not id_texts:
        raise UsageError("give the id of each entry to remove, such as: rvutool remove 12")
    ids = [_entry_id(t) for t in id_texts]
    with logbook.reading() as book:
        if book is None:
            raise NoSuchEntry(ids[0])
    with logbook.open_for_writing() as book:
        gone = book.remove(ids)
    render.removed(gone)
    return 0


def undo() -> int:
    from rvutool import logbook

    with logbook.reading() as book:
        if book is None:
            raise RvuError("nothing to undo: the log is empty")
    with logbook.open_for_writing() as book:
        done = book.undo()
    render.undone(done)
    return 0


def recalc(*, month: str | None = None, week: bool = False, year: str | None = None, from_: str | None = None,
           to: str | None = None, all_: bool = False, yes: bool = False) -> int:
    import sys

    from rvutool import logbook

    period = _period(month, week, year, from_, to, all_)
    if not yes and not sys.stdin.isatty():
        raise UsageError("recalc rewrites saved entries: confirm with --yes (no terminal to ask in)")
    policy = _config().policy()
    with logbook.reading() as book:
        if book is None:
            render.line(f"Nothing logged in {period.label}; nothing to recalculate.")
            return 0
        plan = book.plan_recalc(period.start, period.end, period.label, policy)
    render.recalc_plan(plan)
    if not plan.changed:
        return 0
    if not yes and not render.confirm("Save the new values?"):
        render.line("Nothing was changed.")
        return 1
    with logbook.open_for_writing() as book:
        count = book.apply_recalc(plan)
    render.line(f"Recalculated {count} {'entry' if count == 1 else 'entries'}; `rvutool undo` reverts it.")
    return 0


def export(*, month: str | None = None, week: bool = False, year: str | None = None, from_: str | None = None,
           to: str | None = None, all_: bool = False, fmt: str = "csv", output: str | None = None) -> int:
    import sys
    from pathlib import Path

    from rvutool import datafile, logbook, paths

    fmt = fmt.strip().lower()
    if fmt not in {"csv", "json"}:
        raise UsageError(f"--format {fmt!r}: use csv or json")
    period = _period(month, week, year, from_, to, all_, default_all=True)
    target = Path(output).expanduser() if output else None
    if target is not None:
        log_path = paths.log_file()
        if target.resolve() in {log_path.resolve(), *(Path(str(log_path) + s).resolve() for s in ("-wal", "-shm"))}:
            raise UsageError(f"-o {output}: that is the log itself; choose another file")
        if target.is_dir():
            raise UsageError(f"-o {output} is a directory; give a file name")
        if not target.parent.is_dir():
            raise RvuError(f"cannot write {target}: folder {target.parent} does not exist")
    with logbook.reading() as book:
        records = [] if book is None else book.export_records(period.start, period.end)
    text = logbook.export_csv(records) if fmt == "csv" else logbook.export_json(records, period.to_dict())
    if target is None:
        sys.stdout.write(text)
    else:
        try:
            datafile.write_atomic(target, text.encode("utf-8"), mode=0o600)
        except OSError as exc:
            raise RvuError(f"cannot write {target}: {exc.strerror or exc}") from None
        render.note(f"exported {len(records)} {'entry' if len(records) == 1 else 'entries'} "
                    f"({period.label}) to {target}")
    return 0


def import_file(file: str, *, dry_run: bool = False, skip_bad: bool = False, allow_identifiers: bool = False,
                setting: str | None = None) -> int:
    from pathlib import Path

    from rvutool import logbook, logimport

    path = Path(file).expanduser()
    options = encounter_options(setting, None, None)
    plan = logimport.read_plan(path, skip_bad=skip_bad, allow_identifiers=allow_identifiers, options=options,
                               policy=_config().policy())
    for problem in plan.skipped:
        render.warning(f"skipped {problem}")
    with logbook.reading() as book:
        if book is not None:
            plan = book.dedupe(plan)
    if dry_run or not plan.rows:
        render.import_result(plan, [], dry_run=dry_run)
        return 0
    with logbook.open_for_writing() as book:
        with render.progress(len(plan.rows), f"Importing {len(plan.rows)} entries from {path.name}") as step:
            ids = book.apply_import(plan, progress=step)
    render.import_result(plan, ids, dry_run=False)
    return 0


# ---------------------------------------------------------------- summary and config (helper C)
def summary(*, month: str | None = None, week: bool = False, year: str | None = None,
            from_: str | None = None, to: str | None = None, all_: bool = False, by: str | None = None,
            rate: str | None = None, target: str | None = None, as_json: bool = False,
            as_csv: bool = False, chart: bool = False, locality_text: str | None = None,
            zip_text: str | None = None, qp: bool = False) -> int:
    """`rvutool summary`: totals for a period, with the arithmetic behind them."""
    from rvutool import config, dates, logbook, periods
    from rvutool import summary as summaries

    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    settings = config.load()
    today = dates.today()
    period = periods.from_options(month, week, year, from_, to, all_, today=today,
                                  fiscal_year_start=settings.fiscal_year_start)
    if by is not None:
        by = by.strip().lower()
        if by not in summaries.BY_CHOICES:
            raise UsageError(f"--by {by!r}: choose one of {', '.join(summaries.BY_CHOICES)}")
    rate_value, rate_source = settings.rate, ("config" if settings.rate is not None else None)
    if rate is not None:
        rate_value, rate_source = config.parse_value("rate", rate, option="--rate"), "--rate"
    if target is not None:
        if not period.bounded:
            raise UsageError("--target needs a period with a start and an end")
        target_value, target_source = config.parse_value("target.month", target, option="--target"), "--target"
    else:
        target_value, target_source = summaries.target_for(
            period, {"month": settings.target("month"), "year": settings.target("year")})
    conn = logbook.connect_readonly()
    try:
        result = summaries.summarize(conn, period, today=today, by=by, rate=rate_value, rate_source=rate_source,
                                     target=target_value, target_source=target_source)
        place = (locality_text, zip_text) if locality_text or zip_text else (settings.get("locality"), None)
        if place != (None, None):
            from rvutool import locality

            result.medicare = summaries.medicare_estimate(
                conn, period, lambda year: locality.resolve(place[0], place[1], year), qp=qp)
        elif qp:
            raise UsageError("--qp prices a locality's payment: give --locality or --zip "
                             "(or set one with: rvutool config set locality 01182-18)")
    finally:
        if conn is not None:
            conn.close()
    if as_json:
        render.print_json(result.to_dict())
    elif as_csv:
        render.summary_csv(result)
    else:
        render.summary(result, show_groups=by is not None, chart=chart)
    return 0


def config_list(as_json: bool = False) -> int:
    from rvutool import config

    settings = config.load()
    if as_json:
        render.print_json({"file": str(settings.path),
                           "settings": {key: {"value": value, "set": is_set, "help": meaning}
                                        for key, value, is_set, meaning in settings.rows()}})
    else:
        render.config_rows(settings.rows(), str(settings.path), settings.unknown)
    return 0


def config_get(key: str) -> int:
    """Print the value in force; a default is marked as such on stderr, an unset key with no default exits 1."""
    from rvutool import config

    spec = config.check_key(key)
    settings = config.load()
    value = settings.get(spec.name)
    if value is None:
        render.note(f"{spec.name} is not set (`rvutool config set {spec.name} VALUE` sets it)")
        return 1
    render.line(str(value))
    if not settings.is_set(spec.name):
        render.note(f"{spec.name} is not set; {value} is the default")
    return 0


def config_set(key: str, value: str) -> int:
    from rvutool import config

    spec = config.check_key(key)
    settings = config.set_value(spec.name, value)
    render.line(f"{spec.name} = {settings.get(spec.name)}  (saved in {settings.path})")
    return 0


def config_unset(key: str) -> int:
    from rvutool import config

    spec = config.check_key(key)
    if config.unset(spec.name):
        default = config.KEYS[spec.name].default
        render.line(f"{spec.name} removed" + (f"; the default {default} applies" if default is not None else ""))
    else:
        render.line(f"{spec.name} was not set; nothing changed")
    return 0
