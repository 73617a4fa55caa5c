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
    from rvutool import config, dates, log
    from rvutool.cli import inputs
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
           benchmark: str | None = None) -> int:
    """`rvutool report -o FILE`: the period's summary as a printable HTML page, or that page printed to PDF."""
    from pathlib import Path

    from rvutool import __version__, log, paths
    from rvutool.catalog import datafile
    from rvutool.catalog.codes import Catalog
    from rvutool.reports import summary as summaries
    from rvutool.view import pdf, report_page

    if not output:
        raise UsageError("give the file to write: -o report.html, or -o report.pdf")
    target_path = Path(output).expanduser()
    kind = target_path.suffix.lower()
    if kind not in {".html", ".htm", ".pdf"}:
        raise UsageError(f"-o {output}: the file name must end in .html or .pdf")
    paths.check_export_target(target_path, output)
    chromium = pdf.find() if kind == ".pdf" else None
    if kind == ".pdf" and chromium is None:
        raise RvuError(pdf.HOW_TO_GET)
    s = summary_result(month=month, week=week, year=year, from_=from_, to=to, all_=all_, rate=rate, target=target,
                       locality_text=locality_text, zip_text=zip_text, qp=qp, provider=provider, reprice=reprice,
                       contract=contract, benchmark=benchmark)
    period, today = s.period, s.today
    with log.reading(s.provider) as store:
        chart = summaries.summarize(store, period, today=today, by=report_page.chart_by(period))
        table = summaries.summarize(store, period, today=today, by="month", then="code")
        counts = store.release_counts(period.start, period.end) if store is not None else []
        from rvutool.cli.commands import check

        findings = check.report_section(store, period, s.provider)
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
        releases=releases, made=today, version=__version__, findings=findings))
    payload = pdf.print_pdf(page, chromium=chromium) if kind == ".pdf" else page.encode("utf-8")
    try:
        datafile.write_atomic(target_path, payload)
    except OSError as exc:
        raise RvuError(f"cannot write {target_path}: {exc.strerror or exc}") from None
    messages.note(f"report for {period.label} ({s.totals.entries:,} entries, {s.totals.wrvu:.2f} wRVU) "
                f"written to {target_path}")
    return 0


def reconcile(file: str, *, month: str | None = None, week: bool = False, year: str | None = None,
              from_: str | None = None, to: str | None = None, as_json: bool = False, as_csv: bool = False,
              output: str | None = None, mapping: list[str] | None = None, rate: str | None = None,
              provider: str | None = None) -> int:
    """`rvutool reconcile FILE`: the log against an employer's report. Reads the log; never changes it."""
    from pathlib import Path

    from rvutool import __version__, config, dates, log, paths
    from rvutool.catalog import datafile
    from rvutool.catalog.codes import Catalog
    from rvutool.cli import inputs
    from rvutool.reports import employer
    from rvutool.reports import reconcile as reconciling
    from rvutool.view import reconcile_report

    settings = config.load()
    today = dates.today()
    period = None
    if any((month, week, year, from_, to)):
        period = inputs.period(month, week, year, from_, to, today=today,
                               fiscal_year_start=settings.fiscal_year_start)
    rate_value = settings.rate if rate is None else config.parse_value("rate", rate, option="--rate")
    columns_map = employer.parse_map(mapping)
    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    targets = {}
    for typed in [output] if output is not None else []:  # -o FILE: its ending picks the format
        target = Path(typed).expanduser()
        kind = {".csv": "--csv", ".html": "--html", ".htm": "--html"}.get(target.suffix.lower())
        if kind is None:
            raise UsageError(f"-o {typed}: the file name must end in .csv (every line) or .html (a dispute summary)")
        paths.check_export_target(target, typed)
        targets[target] = kind
    who = inputs.provider(provider)
    report = employer.read(inputs.readable_path(file), columns_map)
    with log.reading(who) as store:
        result = reconciling.reconcile(store, report, period, catalog=Catalog(), rate=rate_value, today=today)
    result.provider = who
    for target, option in targets.items():
        try:
            with datafile.atomic_text(target, mode=0o600) as out:
                if option == "--csv":
                    reconcile_report.write_csv(result, out)
                else:
                    out.write(reconcile_report.html(result, report_name=report.path.name, version=__version__))
        except OSError as exc:
            raise RvuError(f"cannot write {target}: {exc.strerror or exc}") from None
        messages.note(f"wrote {target}")
    if as_json:
        messages.print_json(result.to_dict())
    elif as_csv:
        import sys

        reconcile_report.write_csv(result, sys.stdout)
    else:
        reconcile_report.table(result)
    return 0
