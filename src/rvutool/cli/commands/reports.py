"""Where the user stands: summary, report and reconcile."""

from __future__ import annotations

from typing import Any

from rvutool.errors import RvuError, UsageError
from rvutool.view import messages, terminal


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
        messages.print_json(result.to_dict())
    elif as_csv:
        messages.summary_csv(result)
    else:
        terminal.summary(result, show_groups=by is not None, chart=chart)
        if result.pay is not None or result.benchmark is not None:
            from rvutool.view import pay_text

            messages.line(pay_text.summary_text(result))
    return 0


def summary_result(*, month: str | None = None, week: bool = False, year: str | None = None,
                   from_: str | None = None, to: str | None = None, all_: bool = False, by: str | None = None,
                   rate: str | None = None, target: str | None = None, locality_text: str | None = None,
                   zip_text: str | None = None, qp: bool = False, provider: str | None = None,
                   reprice: str | None = None, contract: str | None = None, benchmark: str | None = None) -> Any:
    """The Summary `summary` shows (and `report` prints): period, totals, groups, rate, target, Medicare; with
    `reprice` the same entries under another release; a contract's pay and a benchmark when asked for (or
    configured)."""
    from rvutool import config, dates
    from rvutool.cli import inputs
    from rvutool.log import location
    from rvutool.reports import summary as summaries

    settings = config.load()
    today = dates.today()
    period = inputs.period(month, week, year, from_, to, all_, today=today,
                           fiscal_year_start=settings.fiscal_year_start)
    first, then = summaries.parse_by(by) if by is not None else (None, None)
    release_id = inputs.release_id(reprice) if reprice is not None else None
    if release_id is not None:
        from rvutool.catalog.codes import Catalog

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
    place = inputs.place(locality_text, zip_text, settings.get("locality"))

    def where(year: int) -> Any:  # the locality asked for or configured, else national amounts
        from rvutool.pricing import locality

        if place == (None, None):
            return locality.national(year)
        return locality.resolve(place[0], place[1], year)

    floor = settings.policy().work_gpci_floor
    who = inputs.provider(provider)
    with location.reading(who) as store:
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

    from rvutool import __version__, config, outfile
    from rvutool.catalog.codes import Catalog
    from rvutool.cli import inputs
    from rvutool.cli.commands import check
    from rvutool.log import location
    from rvutool.reports import employer, report_parts
    from rvutool.reports import summary as summaries
    from rvutool.view import pdf, report_page

    if not output:
        raise UsageError("give the file to write: -o report.html, or -o report.pdf")
    target_path = Path(output).expanduser()
    kind = target_path.suffix.lower()
    if kind not in {".html", ".htm", ".pdf"}:
        raise UsageError(f"-o {output}: the file name must end in .html or .pdf")
    outfile.check(target_path, output)
    chromium = pdf.find() if kind == ".pdf" else None
    if kind == ".pdf" and chromium is None:
        raise RvuError(pdf.HOW_TO_GET)
    if reconcile_file is None and (mapping or sheet or provider_name):
        raise UsageError("--map, --sheet and --provider-name read the employer's report: give it with --reconcile FILE")
    columns_map = employer.parse_map(mapping)
    s = summary_result(month=month, week=week, year=year, from_=from_, to=to, all_=all_, rate=rate, target=target,
                       locality_text=locality_text, zip_text=zip_text, qp=qp, provider=provider, reprice=reprice,
                       contract=contract, benchmark=benchmark)
    period, today = s.period, s.today
    settings = config.load()
    with location.reading(s.provider) as store:
        chart = summaries.summarize(store, period, today=today, by=report_page.chart_by(period))
        table = summaries.summarize(store, period, today=today, by="month", then="code")
        counts = store.release_counts(period.start, period.end) if store is not None else []
        findings = check.report_section(store, period, s.provider)
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
        releases.append(report_page.ReleaseUse(count.release, released or "", count.entries, count.first,
                                               count.last))
    page = report_page.page(report_page.ReportData(
        summary=s, chart=chart, table=table, categories=summaries.category_groups(table.codes),
        releases=releases, made=today, version=__version__, findings=findings, parts=parts))
    payload = pdf.print_pdf(page, chromium=chromium) if kind == ".pdf" else page.encode("utf-8")
    outfile.write_bytes(target_path, payload)
    messages.note(f"report for {period.label} ({s.totals.entries:,} entries, {s.totals.wrvu:.2f} wRVU) "
                  f"written to {target_path}")
    return 0


def reconcile(file: str, *, month: str | None = None, week: bool = False, year: str | None = None,
              from_: str | None = None, to: str | None = None, all_: bool = False, as_json: bool = False,
              as_csv: bool = False, output: list[str] | None = None, mapping: list[str] | None = None,
              rate: str | None = None, provider: str | None = None, provider_name: list[str] | None = None,
              by: str | None = None, sheet: str | None = None, contract: str | None = None) -> int:
    """`rvutool reconcile FILE`: the log against an employer's report. Reads the log; never changes it. -o FILE
    (once per file; --csv FILE and --html FILE say the same) writes it too: .csv every line, .html a printable
    dispute summary; --all lists every line on the screen."""
    import sys
    from pathlib import Path

    from rvutool import __version__, config, dates, outfile
    from rvutool.cli import inputs
    from rvutool.reports import employer
    from rvutool.view import reconcile_report

    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    settings = config.load()
    today = dates.today()
    period = None
    if any((month, week, year, from_, to)):
        period = inputs.period(month, week, year, from_, to, today=today,
                               fiscal_year_start=settings.fiscal_year_start)
    rate_value = settings.rate if rate is None else config.parse_value("rate", rate, option="--rate")
    columns_map = employer.parse_map(mapping)
    by_provider = _by_provider(by, provider)
    targets: list[tuple[Path, str]] = []
    for named in output or []:  # -o FILE (once for each): its ending picks the format
        target = Path(named).expanduser()
        written = {".csv": "csv", ".html": "html", ".htm": "html"}.get(target.suffix.lower(), "")
        if not written:
            raise UsageError(f"-o {named}: the file name must end in .csv (every line) or .html (a dispute summary)")
        if any(target == other for other, _ in targets):
            raise UsageError(f"-o {named} is given twice")
        outfile.check(target, named)
        targets.append((target, written))
    if sheet is not None:
        sheet = inputs.text(sheet, "--sheet").strip()
    report = employer.read(inputs.readable_path(file), columns_map, sheet=sheet)
    results = reconcile_results(report, period, rate=rate_value, today=today, provider=provider,
                                provider_name=provider_name, by_provider=by_provider, settings=settings,
                                contract=contract, rate_given=rate is not None)
    for target, written in targets:
        with outfile.writing(target) as out:
            if written == "csv":
                reconcile_report.write_csv(results, out, by_provider=by_provider)
            else:
                out.write(reconcile_report.html(results, report_name=report.path.name, version=__version__))
        messages.note(f"wrote {target}")
    if as_json:
        reconcile_report.print_json(results, by_provider)
    elif as_csv:
        reconcile_report.write_csv(results, sys.stdout, by_provider=by_provider)
    elif by_provider:
        reconcile_report.tables(results, report_name=report.path.name, show_all=all_)
    else:
        reconcile_report.table(results[0], report_name=report.path.name, show_all=all_)
    return 0


def _explain_and_price(result: Any, store: Any, provider: str | None, settings: Any,
                       contract: str | None, rate_given: bool, today: Any) -> None:
    """The check findings that explain lines the employer credited less; and, with a contract (--contract or
    config contract) and no --rate, the difference priced pay period by pay period under it."""
    from rvutool.cli.commands import check
    from rvutool.pricing import checks
    from rvutool.reports import reconcile as reconciling

    if (store is not None and any(ln.entry is not None and ln.differs for ln in result.lines)
            and checks.services_beyond_a_report(store, result.period) is None):
        reconciling.mark_findings(result, check.period_findings(store, result.period, provider).findings)
    name = contract if contract is not None else (None if rate_given else settings.get("contract"))
    if name:
        from rvutool.reports import standing

        versions = standing.versions(store, name, origin="" if contract is not None else "config contract")
        reconciling.price_by_contract(result, store, versions, fiscal_year_start=settings.fiscal_year_start,
                                      today=today)


def _by_provider(by: str | None, provider: str | None) -> bool:
    if by is None:
        return False
    if by.strip().lower() != "provider":
        raise UsageError(f"--by {by!r}: reconcile compares by provider only (--by provider, on a shared log)")
    if provider is not None:
        raise UsageError("give --provider USER (one provider) or --by provider (each in turn), not both")
    return True


def reconcile_results(report: Any, period: Any, *, rate: Any, today: Any, provider: str | None,
                      provider_name: list[str] | None, by_provider: bool, settings: Any,
                      contract: str | None = None, rate_given: bool = False) -> list[Any]:
    """The Reconciliation of the report with the log (one per provider with --by provider). On a shared log
    a manager names one provider or compares each in turn: the practice's whole log is never compared with
    one doctor's report (reports/providers.py)."""
    from rvutool.catalog.codes import Catalog
    from rvutool.cli import inputs
    from rvutool.log import location
    from rvutool.reports import providers
    from rvutool.reports import reconcile as reconciling

    name, pairs = providers.parse_names(provider_name, by_provider)
    if name is None and not by_provider:
        name = settings.get("report.provider")
    who = inputs.provider(provider)
    catalog = Catalog()
    with location.reading(who) as store:
        seen = providers.visible_providers(store) if who is None else []
        if not by_provider:
            if seen:
                providers.refuse_practice_wide(store, seen)
            result = reconciling.reconcile(store, report, period, catalog=catalog, rate=rate, today=today,
                                           provider_name=name)
            result.provider = who
            _explain_and_price(result, store, who, settings, contract, rate_given, today)
            return [result]
    from rvutool.log import location

    if location.url() is None:
        from rvutool.errors import NeedsSharedLogError

        raise NeedsSharedLogError("--by provider")
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
        with location.reading(user) as store:
            result = reconciling.reconcile(store, report, period, catalog=catalog, rate=rate, today=today,
                                           provider_name=paired.get(user), strict=False)
            _explain_and_price(result, store, user, settings, None, True, today)  # each at the flat rate
        result.provider = user
        if result.line_count or user in paired:
            results.append(result)
    return results
