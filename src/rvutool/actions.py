"""What each command does once its arguments are parsed.

Shared by the typer CLI (cli.py) and the start-up fast path (fastpath.py), so the
two can never disagree. Each function returns an exit status; RvuError is turned
into a message by entry.main.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from rvutool import render
from rvutool.errors import RvuError, UsageError


def guard(action: Callable[..., int], *args: Any, **kwargs: Any) -> int:
    """Run an action; the one place an RvuError becomes a message and an exit status. Notices the core
    recorded (a release standing in for a year) are said once, on stderr, when the command succeeds; a
    command that fails, even in part, says only what went wrong."""
    from rvutool import notices

    try:
        status = action(*args, **kwargs)
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
    finally:
        said = notices.take()
    if status == 0:  # a command that reports errors says only those
        for text in said:
            render.note(text)
    return status


def typed_items(tokens: list[str], *, on: Any = None, allow_units: bool = True, ask: bool = True,
                catalog: Any = None) -> list[Any]:
    """Items from what was typed where codes go: codes, @favourites, and words naming a code (`tka`, "total
    knee"-RT), each phrase named in a note on stderr. A phrase that is not one code lists its candidates on one
    line (exit 1); in a terminal (unless `ask` is off, as with --json) they are a numbered choice."""
    from rvutool import resolver
    from rvutool.fav_actions import expanded
    from rvutool.items import looks_like_words, parse_item

    tokens = expanded(tokens)
    if not any(looks_like_words(token) for token in tokens):  # the usual case: no search is loaded
        return [parse_item(token, allow_units=allow_units) for token in tokens]
    choose = render.choose_code if ask and _terminal() else None
    items, named = resolver.resolve_items(tokens, on=on, catalog=catalog, allow_units=allow_units, choose=choose)
    for found in named:
        if not found.chosen:
            render.note(str(found))
    return items


def _terminal() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def lookup(tokens: list[str], *, as_json: bool = False, date_text: str | None = None,
           year_text: str | None = None, locality_text: str | None = None,
           zip_text: str | None = None, qp: bool = False, compare: str | None = None, about: bool = False) -> int:
    from rvutool import inputs
    from rvutool.items import looks_like_words
    from rvutool.lookup import compare_with, lookup_many

    on, year = inputs.when(date_text, year_text)
    if not tokens:
        raise UsageError("give at least one code, such as: rvutool lookup 99213")
    if any(looks_like_words(token) for token in tokens):  # words: the codes they name (lookup tka)
        tokens = [str(item) for item in typed_items(tokens, on=on, allow_units=False, ask=not as_json)]
    results, errors = lookup_many(tokens, on=on, year=year)
    if results:
        settings = _saved_config()
        qp = qp or bool(settings is not None and settings.get("qp"))
        if qp:  # else each release's own (non-QP) CF, without loading the locality module
            from rvutool import locality

            for result in results:
                result.cf = locality.conversion_factor(result.release, qp)
        if compare is not None:
            compare_with(results, inputs.release_id(compare), qp)
        add_locality_payments(results, locality_text, zip_text, qp, on, settings)
    abouts = {r.row.code: about_of(r.row.code) for r in results}
    if as_json:
        render.print_json([{**r.to_dict(), "has_about": abouts[r.row.code] is not None,
                            **({"about": abouts[r.row.code]} if about else {})} for r in results])
    elif results and compare is not None:
        render.lookup_compared(results)
    elif results:
        render.lookup(results, abouts, show_about=about)
    return report_all(errors)


def _saved_config() -> Any:
    """The settings when a settings file exists, else None, without importing config (lookup stays quick)."""
    from rvutool import paths

    try:
        os.stat(paths.config_file())
    except FileNotFoundError:
        return None
    return _config()


def about_of(code: str) -> dict[str, Any] | None:
    """"About this code" (what is done, context, documentation, denials, Q&A) from the names data, or None.
    The reader is the names data's (nametable.about, issue 20 item 6); without it, nothing is shown."""
    from rvutool import nametable

    reader = getattr(nametable, "about", None)
    return reader(code) if reader is not None else None


# ---------------------------------------------------------------- calc and locality payment
def add_locality_payments(results: list[Any], locality_text: str | None, zip_text: str | None,
                          qp: bool, on: Any = None, settings: Any = None) -> None:
    """Each result's payment in the locality asked for (or the configured one), with the work GPCI of the date."""
    if locality_text is None and zip_text is None and (settings is None or not settings.get("locality")):
        return  # no locality asked for or configured: load no GPCIs
    from datetime import date

    from rvutool import dates, inputs, locality, policy

    configured_locality = str(settings.get("locality")) if settings is not None and settings.get("locality") else None
    release = results[0].release
    loc = inputs.locality(locality_text, zip_text, qp, release.year, configured_locality)
    if loc is None:
        return
    floor = str(settings.get("policy.work_gpci_floor")) if settings is not None else policy.default("work_gpci_floor")
    if on is None:  # a --year without a date: today if it falls in that year, else its last day
        today = dates.today()
        on = today if today.year == release.year else date(release.year, 12, 31)
    loc = locality.dated(loc, on, floor)
    for result in results:
        result.locality = locality.payment(result.row, loc, locality.conversion_factor(result.release, qp))


def calc(tokens: list[str], *, date_text: str | None = None, setting: str | None = None,
         fraction_text: str | None = None, postop_days_text: str | None = None,
         policy_settings: list[str] | None = None, locality_text: str | None = None,
         zip_text: str | None = None, qp: bool = False, as_json: bool = False) -> int:
    """Price one encounter exactly as `log` would, without writing anything."""
    from rvutool import dates, inputs, rules
    from rvutool.codes import Catalog

    if not tokens:
        raise UsageError("give at least one item, such as: rvutool calc 47562 49505")
    cfg = _config()
    on = dates.parse_date(date_text) if date_text is not None else dates.today()
    parsed = typed_items(tokens, on=on, ask=not as_json)
    options = inputs.encounter_options(setting if setting is not None else cfg.get("setting"), fraction_text,
                                       postop_days_text)
    policy = cfg.policy()
    for text in policy_settings or []:
        policy = policy.with_setting(text)
    catalog = Catalog()
    release, _ = catalog.release_for(on)
    configured_locality = str(cfg.get("locality")) if cfg.get("locality") else None
    loc = inputs.locality(locality_text, zip_text, qp, release.year, configured_locality, catalog)
    if qp and loc is None:
        raise UsageError("calc shows dollars for a locality: with --qp give --locality or --zip "
                         "(or set one with: rvutool config set locality 01182-18)")
    qp = qp or bool(cfg.get("qp"))
    options = rules.Options(setting=options.setting, fraction=options.fraction, postop_days=options.postop_days,
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
    from rvutool.log import location

    shared = location.url()
    if shared:
        found["log"] = location.shown(shared)
    if as_json:
        render.print_json(found)
    else:
        render.key_values(found.items())
    return 0


# ---------------------------------------------------------------- search
def search(text: str, *, limit: int | str = 20, as_json: bool = False, date_text: str | None = None,
           year_text: str | None = None) -> int:
    from rvutool import inputs
    from rvutool.search import search as find

    on, year = inputs.when(date_text, year_text)
    result = find(text, limit=inputs.limit(limit), on=on, year=year)
    if not result.hits:  # nothing sure enough: say so, and offer the nearest as "did you mean"
        if as_json:
            render.print_json(result.to_dict())
        render.no_match(result, offers=not as_json)  # the JSON carries the offers
        return 1
    if as_json:
        render.print_json([hit.to_dict() for hit in result.hits])
    else:
        render.search(result)
    return 0


# ---------------------------------------------------------------- data import / status
def data_import(path_text: str) -> int:
    from pathlib import Path

    from rvutool.importer import import_file

    path = Path(path_text).expanduser()  # importer._read refuses names the system cannot take
    from rvutool.catalog import ncci_files

    if ncci_files.recognise(path) is not None:  # CMS's NCCI PTP or MUE file: its own database (issue 21)
        from rvutool import check_actions

        return check_actions.import_ncci(path)
    with render.import_progress() as progress:
        report = import_file(path, progress=progress)
    render.import_report(report)
    if report.kind == "release":
        _point_to_stand_ins(int(report.release["year"]))
    return 0


def _point_to_stand_ins(year: int) -> None:
    """After a year's release arrives: say how many entries of that year another year's release priced."""
    from datetime import date

    from rvutool import log
    from rvutool.log import summary as summaries
    from rvutool.periods import Period

    try:
        with log.reading() as store:
            if store is None:
                return
            found = summaries.stand_ins(store, Period(date(year, 1, 1), date(year, 12, 31), f"CY{year}"))
    except RvuError:  # the log cannot be read now: the import itself is done
        return
    count = sum(s.entries for s in found if s.year == year)
    if count:
        render.note(f"{count:,} {'entry' if count == 1 else 'entries'} of {year} were priced by another year's "
                    f"release while none for {year} was here: rvutool recalc --stand-ins re-prices them "
                    "(rvutool undo reverts it)")


def data_status(as_json: bool = False) -> int:
    from rvutool import check_actions
    from rvutool.importer import status

    found = status()
    if as_json:
        render.print_json({**found.to_dict(), "ncci": check_actions.status(as_json=True)})
    else:
        render.data_status(found)
        check_actions.status()
    return 0


def _config() -> Any:
    from rvutool import config

    return config.load()


# ---------------------------------------------------------------- summary and config
def summary(*, month: str | None = None, week: bool = False, year: str | None = None,
            from_: str | None = None, to: str | None = None, all_: bool = False, by: str | None = None,
            rate: str | None = None, target: str | None = None, as_json: bool = False,
            as_csv: bool = False, chart: bool = False, locality_text: str | None = None,
            zip_text: str | None = None, qp: bool = False, provider: str | None = None,
            reprice: str | None = None, contract: str | None = None, benchmark: str | None = None) -> int:
    """`rvutool summary`: totals for a period, with the arithmetic behind them."""
    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    result = summary_result(month=month, week=week, year=year, from_=from_, to=to, all_=all_, by=by, rate=rate,
                            target=target, locality_text=locality_text, zip_text=zip_text, qp=qp, provider=provider,
                            reprice=reprice, contract=contract, benchmark=benchmark)
    if as_json:
        render.print_json(result.to_dict())
    elif as_csv:
        render.summary_csv(result)
    else:
        render.summary(result, show_groups=by is not None, chart=chart)
        if result.pay is not None or result.benchmark is not None:
            from rvutool.reports import payview

            render.line(payview.summary_text(result))
    return 0


def summary_result(*, month: str | None = None, week: bool = False, year: str | None = None,
                   from_: str | None = None, to: str | None = None, all_: bool = False, by: str | None = None,
                   rate: str | None = None, target: str | None = None, locality_text: str | None = None,
                   zip_text: str | None = None, qp: bool = False, provider: str | None = None,
                   reprice: str | None = None, contract: str | None = None, benchmark: str | None = None) -> Any:
    """The Summary `summary` shows (and `report` prints): period, totals, groups, rate, target, Medicare; with
    `reprice` the same entries under another release; a contract's pay and a benchmark when asked for (or
    configured)."""
    from rvutool import config, dates, inputs, log
    from rvutool.log import summary as summaries

    settings = config.load()
    today = dates.today()
    period = inputs.period(month, week, year, from_, to, all_, today=today,
                           fiscal_year_start=settings.fiscal_year_start)
    first, then = summaries.parse_by(by) if by is not None else (None, None)
    release_id = inputs.release_id(reprice) if reprice is not None else None
    if release_id is not None:
        from rvutool.codes import Catalog

        Catalog().release(release_id)  # an unknown release is refused before the log is read
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
    explicit_qp, qp = qp, qp or bool(settings.get("qp"))
    place = (locality_text, zip_text) if locality_text or zip_text else (settings.get("locality"), None)

    def where(year: int) -> Any:  # the locality asked for or configured, else national amounts
        from rvutool import locality

        if place == (None, None):
            return locality.national(year)
        return locality.resolve(place[0], place[1], year)

    floor = settings.policy().work_gpci_floor
    who = inputs.provider(provider)
    with log.reading(who) as store:
        result = summaries.summarize(store, period, today=today, by=first, then=then, rate=rate_value,
                                     rate_source=rate_source, target=target_value, target_source=target_source)
        result.provider = who
        if place != (None, None) or explicit_qp:  # --qp alone: national amounts with the QP CF
            result.medicare = summaries.medicare_estimate(store, period, where, qp=qp, gpci_floor=floor)
        if release_id is not None and store is not None:
            from rvutool.reports import repricing

            result.repricing = repricing.reprice(store, period, release_id, place=where, qp=qp, gpci_floor=floor)
        _standing(result, store, settings, contract, benchmark)
    return result


def _standing(result: Any, store: Any, settings: Any, contract: str | None, benchmark: str | None) -> None:
    """--contract (or config contract): the pay arithmetic; --benchmark (or config benchmark.specialty): where the
    year stands."""
    name = contract if contract is not None else settings.get("contract")
    specialty = benchmark if benchmark is not None else settings.get("benchmark.specialty")
    if not name and not specialty:
        return
    from rvutool.reports import standing

    fiscal = settings.fiscal_year_start
    if name:
        result.pay = standing.contract_pay(store, name, result.period, today=result.today, fiscal_year_start=fiscal,
                                           origin="" if contract is not None else "config contract")
    if specialty:
        result.benchmark = standing.benchmark_position(
            store, specialty, result.period, today=result.today, fiscal_year_start=fiscal,
            contract=result.pay.versions if result.pay is not None else None)


def report(*, output: str | None = None, month: str | None = None, week: bool = False, year: str | None = None,
           from_: str | None = None, to: str | None = None, all_: bool = False, rate: str | None = None,
           target: str | None = None, locality_text: str | None = None, zip_text: str | None = None,
           qp: bool = False, provider: str | None = None, reprice: str | None = None, contract: str | None = None,
           benchmark: str | None = None, reconcile_file: str | None = None, mapping: list[str] | None = None,
           sheet: str | None = None, provider_name: list[str] | None = None) -> int:
    """`rvutool report -o FILE`: the period's summary as a printable HTML page, or that page printed to PDF;
    with --reconcile FILE, the findings of the employer's report for the period too."""
    from pathlib import Path

    from rvutool import __version__, browser, config, employer, inputs, log, outfile, report_html
    from rvutool.codes import Catalog
    from rvutool.log import summary as summaries
    from rvutool.reports import report_parts

    if not output:
        raise UsageError("give the file to write: -o report.html, or -o report.pdf")
    target_path = Path(output).expanduser()
    kind = target_path.suffix.lower()
    if kind not in {".html", ".htm", ".pdf"}:
        raise UsageError(f"-o {output}: the file name must end in .html or .pdf")
    outfile.check(target_path, output)
    chromium = browser.find() if kind == ".pdf" else None
    if kind == ".pdf" and chromium is None:
        raise RvuError(browser.HOW_TO_GET)
    if reconcile_file is None and (mapping or sheet or provider_name):
        raise UsageError("--map, --sheet and --provider-name read the employer's report: give it with --reconcile FILE")
    columns_map = employer.parse_map(mapping)
    s = summary_result(month=month, week=week, year=year, from_=from_, to=to, all_=all_, rate=rate, target=target,
                       locality_text=locality_text, zip_text=zip_text, qp=qp, provider=provider, reprice=reprice,
                       contract=contract, benchmark=benchmark)
    period, today = s.period, s.today
    settings = config.load()
    with log.reading(s.provider) as store:
        chart = summaries.summarize(store, period, today=today, by=report_html.chart_by(period))
        table = summaries.summarize(store, period, today=today, by="month", then="code")
        counts = store.release_counts(period.start, period.end) if store is not None else []
        from rvutool import check_actions

        findings = check_actions.report_section(store, period, s.provider)
        parts = report_parts.gather(store, s, settings)
    if reconcile_file is not None:
        found = employer.read(inputs.readable_path(reconcile_file), columns_map,
                              sheet=None if sheet is None else inputs.text(sheet, "--sheet").strip())
        parts.reconciliations = reconcile_results(found, period if period.bounded else None, rate=s.rate,
                                                  today=today, provider=s.provider, provider_name=provider_name,
                                                  by_provider=False, settings=settings)
        parts.report_file = found.path.name
    catalog = Catalog() if counts else None
    releases = []
    for count in counts:
        try:
            released = catalog.release(count.release).released if catalog else ""
        except RvuError:  # a release imported once and since removed: its id is still right
            released = ""
        releases.append(report_html.ReleaseUse(count.release, released or "", count.entries, count.first,
                                               count.last))
    page = report_html.page(report_html.ReportData(
        summary=s, chart=chart, table=table, categories=summaries.category_groups(table.codes),
        releases=releases, made=today, version=__version__, findings=findings, parts=parts))
    payload = browser.print_pdf(page, chromium=chromium) if kind == ".pdf" else page.encode("utf-8")
    outfile.write_bytes(target_path, payload)
    render.note(f"report for {period.label} ({s.totals.entries:,} entries, {s.totals.wrvu:.2f} wRVU) "
                f"written to {target_path}")
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
    value = settings.shown(spec.name)
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


def reconcile(file: str, *, month: str | None = None, week: bool = False, year: str | None = None,
              from_: str | None = None, to: str | None = None, as_json: bool = False, csv_out: str | None = None,
              html_out: str | None = None, mapping: list[str] | None = None, rate: str | None = None,
              provider: str | None = None, provider_name: list[str] | None = None, by: str | None = None,
              sheet: str | None = None, show_all: bool = False) -> int:
    """`rvutool reconcile FILE`: the log against an employer's report. Reads the log; never changes it."""
    from pathlib import Path

    from rvutool import __version__, config, dates, employer, inputs, outfile, reconcile_view

    settings = config.load()
    today = dates.today()
    period = None
    if any((month, week, year, from_, to)):
        period = inputs.period(month, week, year, from_, to, today=today,
                               fiscal_year_start=settings.fiscal_year_start)
    rate_value = settings.rate if rate is None else config.parse_value("rate", rate, option="--rate")
    columns_map = employer.parse_map(mapping)
    by_provider = _by_provider(by, provider)
    targets = {}
    for option, typed in (("--csv", csv_out), ("--html", html_out)):
        if typed is not None:
            targets[option] = Path(typed).expanduser()
            outfile.check(targets[option], typed)
    if sheet is not None:
        sheet = inputs.text(sheet, "--sheet").strip()
    report = employer.read(inputs.readable_path(file), columns_map, sheet=sheet)
    results = reconcile_results(report, period, rate=rate_value, today=today, provider=provider,
                                provider_name=provider_name, by_provider=by_provider, settings=settings)
    for option, target in targets.items():
        with outfile.writing(target) as out:
            if option == "--csv":
                reconcile_view.write_csv(results, out, by_provider=by_provider)
            else:
                out.write(reconcile_view.html(results, report_name=report.path.name, version=__version__))
        render.note(f"wrote {target}")
    if as_json:
        reconcile_view.print_json(results, by_provider)
    elif by_provider:
        reconcile_view.tables(results, report_name=report.path.name, show_all=show_all)
    else:
        reconcile_view.table(results[0], report_name=report.path.name, show_all=show_all)
    return 0


def _by_provider(by: str | None, provider: str | None) -> bool:
    if by is None:
        return False
    if by.strip().lower() != "provider":
        raise UsageError(f"--by {by!r}: reconcile compares by provider only (--by provider, on a shared log)")
    if provider is not None:
        raise UsageError("give --provider USER (one provider) or --by provider (each in turn), not both")
    return True


def reconcile_results(report: Any, period: Any, *, rate: Any, today: Any, provider: str | None,
                      provider_name: list[str] | None, by_provider: bool, settings: Any) -> list[Any]:
    """The Reconciliation of the report with the log (one per provider with --by provider). On a shared log
    a manager names one provider or compares each in turn: the practice's whole log is never compared with
    one doctor's report (reports/providers.py)."""
    from rvutool import inputs, log
    from rvutool import reconcile as reconciling
    from rvutool.codes import Catalog
    from rvutool.reports import providers

    name, pairs = providers.parse_names(provider_name, by_provider)
    if name is None and not by_provider:
        name = settings.get("report.provider")
    who = inputs.provider(provider)
    catalog = Catalog()
    with log.reading(who) as store:
        seen = providers.visible_providers(store) if who is None else []
        if not by_provider:
            if seen:
                providers.refuse_practice_wide(store, seen)
            result = reconciling.reconcile(store, report, period, catalog=catalog, rate=rate, today=today,
                                           provider_name=name)
            result.provider = who
            return [result]
    from rvutool.log import location

    if location.url() is None:
        raise UsageError("--by provider needs a practice's shared log (set RVUTOOL_LOG_URL or log.url); a "
                         "personal log holds one clinician's work")
    if report.provider_column is None:
        raise RvuError(f"{report.path}: --by provider needs a report with a provider column (Billing Provider, "
                       "Rendering Provider, Provider...); name it with --map provider=HEADER")
    start, end = (period.start, period.end) if period is not None else (report.first, report.last)
    positions = report.in_period(start, end) if start is not None else []
    named = sorted({report.providers[report.provider_id(i)] for i in positions}, key=str.lower)
    if "" in named:
        blank = sum(1 for i in positions if not report.providers[report.provider_id(i)])
        raise RvuError(f"{report.path}: {blank:,} of its lines name no provider in its {report.provider_column} "
                       "column, so --by provider cannot tell whose they are; nothing was compared")
    paired = providers.pair_users(named, seen, pairs)
    results = []
    for user in sorted(set(paired) | set(seen)):
        with log.reading(user) as store:
            result = reconciling.reconcile(store, report, period, catalog=catalog, rate=rate, today=today,
                                           provider_name=paired.get(user), strict=False)
        result.provider = user
        if result.line_count or user in paired:
            results.append(result)
    return results
