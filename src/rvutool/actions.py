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
    from rvutool import paths, rules

    if not paths.config_file().is_file():
        return rules.Policy(), None
    try:
        from rvutool import config as config_mod  # the config helper's module, when present
    except ImportError:
        return rules.Policy(), None
    cfg = config_mod.load()
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
    from rvutool import locality

    configured_locality = None
    if locality_text is None and zip_text is None:
        _, configured_locality = configured()
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
