"""Will Medicare pay it: rvutool check, the checks after log, and imported NCCI files."""

from __future__ import annotations

from typing import Any

from rvutool.errors import RvuError, UsageError
from rvutool.view import check_text, messages, terminal


def check(tokens: list[str], *, date_text: str | None = None, month: str | None = None, week: bool = False,
          year: str | None = None, from_: str | None = None, to: str | None = None, all_: bool = False,
          provider: str | None = None, as_json: bool = False) -> int:
    """`rvutool check CODE...` (one encounter, as calc takes it) or `rvutool check [PERIOD]` (the log).
    Findings are what it reports, not errors: the exit status is 0 either way."""
    from rvutool.catalog.ncci import Ncci
    from rvutool.pricing import checks

    period_given = any((month, week, year, from_, to, all_))
    if tokens and (period_given or provider is not None):
        raise UsageError("give items to check (rvutool check 29881 29877) or a period of the log "
                         "(rvutool check --month), not both")
    ncci = Ncci()
    try:
        if tokens:
            from rvutool import dates
            from rvutool.cli.commands.fav import expanded
            from rvutool.pricing import items

            parsed = [items.parse_item(token) for token in expanded(tokens)]
            on = dates.parse_date(date_text) if date_text is not None else dates.today()
            result = checks.findings_for_items(parsed, on, ncci=ncci)
        else:
            if date_text is not None:
                raise UsageError("--date is the date of service of items to check; for the log give a period, "
                                 "such as --month or --from 2026-11-01")
            from rvutool.cli import inputs
            from rvutool.log import location

            period = inputs.period(month, week, year, from_, to, all_)
            who = inputs.provider(provider)
            with location.reading(who) as store:
                result = checks.findings_for_period(store, period, provider=who, ncci=ncci)
    finally:
        ncci.close()
    if as_json:
        messages.print_json(result.to_dict())
    else:
        check_text.result(result)
    return 0


def _imported_ncci() -> Any:
    """The imported NCCI edits, or None when there are none (then the database code is not even loaded: `log`
    runs these checks on every call)."""
    from rvutool import paths

    if not paths.ncci_file().exists():
        return None
    from rvutool.catalog.ncci import Ncci

    return Ncci()


def after_logging(store: Any, entries: list[Any]) -> Any:
    """The findings on an encounter just saved (checks.AfterLogging). Never stops the command: a check that
    cannot run (a damaged NCCI database) is one warning, and the encounter stays saved."""
    from rvutool.pricing import checks

    ncci = _imported_ncci()
    try:
        return checks.findings_after_logging(store, entries, ncci=ncci)
    except RvuError as err:
        messages.warning(f"the encounter is saved, but was not checked: {err.message}")
        return checks.AfterLogging()
    finally:
        if ncci is not None:
            ncci.close()


def report_section(store: Any, period: Any, provider: str | None) -> str:
    """The findings section of `rvutool report` for the period (HTML)."""
    from rvutool.pricing import checks

    beyond = checks.services_beyond_a_report(store, period)
    if beyond is not None:
        return check_text.html_too_many(beyond, checks.MOST_FOR_A_REPORT)
    return check_text.html(period_findings(store, period, provider))


def period_findings(store: Any, period: Any, provider: str | None) -> Any:
    """The checks over a period of the log, with the NCCI edits the user imported (report, reconcile)."""
    from rvutool.catalog.ncci import Ncci
    from rvutool.pricing import checks

    ncci = Ncci()
    try:
        return checks.findings_for_period(store, period, provider=provider, ncci=ncci)
    finally:
        ncci.close()


def import_ncci(path: Any) -> int:
    """`rvutool data import` of a CMS NCCI PTP or MUE file (or a zip of them)."""
    from rvutool.catalog import ncci

    with terminal.import_progress() as progress:
        report = ncci.import_file(path, progress=progress)
    check_text.import_report(report)
    return 0


def status(as_json: bool = False) -> Any:
    """The NCCI part of `data status`: the JSON value, or the lines printed."""
    from rvutool import paths
    from rvutool.catalog import ncci

    store = ncci.Ncci()
    try:
        quarters, problem = ncci.status(store), None
    except RvuError as err:  # a damaged database: the releases above are still listed
        quarters, problem = [], err.message
    finally:
        store.close()
    if as_json:
        return {"database": str(paths.ncci_file()), "quarters": [q.to_dict() for q in quarters], "error": problem}
    if problem is not None:
        messages.warning(problem)
    else:
        check_text.status(quarters, str(paths.ncci_file()))
    return None
