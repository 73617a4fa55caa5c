"""The typer command line: parse arguments, call one action, exit with its status.

No domain logic lives here; see actions.py and the modules it calls.
"""

from __future__ import annotations

from typing import Annotated

import typer

from rvutool import __version__, actions, log_actions
from rvutool.errors import RvuError, UsageError


# ---------------------------------------------------------------- help that names values, not Python types
# typer 0.29 writes `<bool>`, `<str>`, `<list[str]>` and `{codes}...` in --help. These classes make every
# value show its metavar (DATE, CODE..., ID) and flags show nothing; tests/test_help.py keeps it so.
class _Argument(typer.core.TyperArgument):
    def display_type_rich(self, ctx: typer.Context) -> str | None:
        return None

    def get_usage_pieces(self, ctx: typer.Context) -> list[str]:
        name = self.metavar or self.name.upper()
        return [name if self.required else f"[{name}]"]


class _Option(typer.core.TyperOption):
    def display_type_rich(self, ctx: typer.Context) -> str | None:
        return None if self.is_flag else self.metavar


def _plain(params: list) -> list:
    for param in params:
        if type(param) is typer.core.TyperArgument:
            param.__class__ = _Argument
        elif type(param) is typer.core.TyperOption:
            param.__class__ = _Option
    return params


class _Command(typer.core.TyperCommand):
    def get_params(self, ctx: typer.Context) -> list:
        return _plain(super().get_params(ctx))


class _Group(typer.core.TyperGroup):
    def get_params(self, ctx: typer.Context) -> list:
        return _plain(super().get_params(ctx))


app = typer.Typer(
    cls=_Group,
    name="rvutool",
    help="CMS work RVUs for CPT, HCPCS and CDT codes; a private procedure log; wRVU summaries.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=True,  # --install-completion, --show-completion; completions are answered in completion.py
    context_settings={"help_option_names": ["-h", "--help"]},
)
data_app = typer.Typer(cls=_Group, help="Bundled and imported CMS releases.", no_args_is_help=True)
app.add_typer(data_app, name="data")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
DateOpt = Annotated[str | None, typer.Option(
    "--date", metavar="DATE", help="Date of service: YYYY-MM-DD, today or yesterday.")]
YearOpt = Annotated[str | None, typer.Option(
    "--year", metavar="YYYY", help="Use the release in force at the end of this year.")]
LocalityOpt = Annotated[str | None, typer.Option(
    "--locality", metavar="LOCALITY",
    help="Medicare locality for a payment estimate: an id such as 01182-18 or a name such as 'los angeles'.")]
ZipOpt = Annotated[str | None, typer.Option(
    "--zip", metavar="ZIP",
    help="ZIP code where the service was rendered, for a payment estimate (instead of --locality).")]
QpOpt = Annotated[bool, typer.Option(
    "--qp", help="Dollar figures with the conversion factor of qualifying APM participants (config: qp).")]
RepriceOpt = Annotated[str | None, typer.Option(
    "--reprice", metavar="RELEASE",
    help="Price the same entries under another CMS release too, such as RVU27A: per code and in total.")]

# ---------------------------------------------------------------- period options (list, summary, export)
# A bare --month / --year is rewritten to --month=current / --year=current by periods.normalize_argv.
MonthOpt = Annotated[str | None, typer.Option(
    "--month", metavar="YYYY-MM",
    help="A calendar month: 2026-02, or a name such as nov or november (this year's); bare --month is this "
         "month (the default period).")]
WeekOpt = Annotated[bool, typer.Option("--week", help="This ISO week, Monday to Sunday.")]
YearPeriodOpt = Annotated[str | None, typer.Option(
    "--year", metavar="YYYY",
    help="A year; bare --year is this year. With fiscal_year_start set, the fiscal year ENDING in YYYY "
         "(fiscal_year_start=7: --year 2026 is 2025-07-01 to 2026-06-30).")]
FromOpt = Annotated[str | None, typer.Option(
    "--from", metavar="DATE", help="First day (YYYY-MM-DD); may be used alone.")]
ToOpt = Annotated[str | None, typer.Option(
    "--to", metavar="DATE", help="Last day (YYYY-MM-DD); may be used alone.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Everything in the log.")]
RateOpt = Annotated[str | None, typer.Option("--rate", metavar="DOLLARS",
                                             help="$ per wRVU for dollar figures (overrides config rate).")]
ProviderOpt = Annotated[str | None, typer.Option(
    "--provider", metavar="NAME",
    help="A shared log only: this provider's entries (a manager may name anyone; a clinician only themselves).")]
ContractOpt = Annotated[str | None, typer.Option(
    "--contract", metavar="NAME",
    help="Show the pay arithmetic under this contract (rvutool contract add); default: config contract.")]
BenchmarkOpt = Annotated[str | None, typer.Option(
    "--benchmark", metavar="SPECIALTY",
    help="Place the year's wRVU in your benchmark table for this specialty (rvutool benchmark import); "
         "default: config benchmark.specialty.")]


def _exit(status: int) -> None:
    if status:
        raise typer.Exit(status)


def _version(value: bool) -> None:
    if value:
        print(f"rvutool {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """rvutool: what a code is worth, what you did, where you stand."""


@app.command(cls=_Command)
def lookup(
    codes: Annotated[list[str], typer.Argument(
        metavar="CODE...", help="Codes, optionally with modifiers: 99213 71046-26 D1553; or words naming one: tka.")],
    *,
    as_json: JsonOpt = False,
    date: DateOpt = None,
    year: YearOpt = None,
    locality: LocalityOpt = None,
    zip_code: ZipOpt = None,
    qp: QpOpt = False,
    compare: Annotated[str | None, typer.Option(
        "--compare", metavar="RELEASE",
        help="Show each code beside its values in another release, such as RVU25D or RVU27A.")] = None,
    about: Annotated[bool, typer.Option(
        "--about", help="Also explain the code: what is done, documentation, common denials, questions.")] = False,
) -> None:
    """Show the CMS work RVU and indicators of each code. Example: rvutool lookup 99213 71046-26"""
    _exit(actions.guard(actions.lookup, codes, as_json=as_json, date_text=date, year_text=year,
                        locality_text=locality, zip_text=zip_code, qp=qp, compare=compare, about=about))


# ---------------------------------------------------------------- calc (payment rules)
@app.command(cls=_Command)
def calc(
    items: Annotated[list[str], typer.Argument(
        metavar="ITEM...",
        help="Items of one encounter: a code with any modifiers and units, such as 47562 49505-50 11045x2, "
             "or a favourite, @tka-RT.")],
    *,
    date: DateOpt = None,
    setting: Annotated[str | None, typer.Option(
        "--setting", metavar="facility|nonfacility",
        help="facility or nonfacility: ranks multiple procedures by this total RVU (default: config "
             "setting, else facility).")] = None,
    fraction: Annotated[str | None, typer.Option(
        "--fraction", metavar="F",
        help="Share to credit for -52, -66 (and -53 where CMS has no -53 row), 0 < F <= 1.")] = None,
    postop_days: Annotated[str | None, typer.Option(
        "--postop-days", metavar="N",
        help="Days of post-operative care for -55 (default: the whole global period).")] = None,
    policy: Annotated[list[str] | None, typer.Option(
        "--policy", metavar="KEY=VALUE",
        help="Try a policy without config: KEY=VALUE, such as multiple_procedure=none (repeatable).")] = None,
    locality: LocalityOpt = None,
    zip_code: ZipOpt = None,
    qp: QpOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Credit an encounter by the same-encounter rules, as log would, without logging it.
    Example: rvutool calc 45378 45380 45385"""
    _exit(actions.guard(actions.calc, items, date_text=date, setting=setting, fraction_text=fraction,
                        postop_days_text=postop_days, policy_settings=policy, locality_text=locality,
                        zip_text=zip_code, qp=qp, as_json=as_json))


@app.command(cls=_Command)
def paths(*, as_json: JsonOpt = False) -> None:
    """Show where rvutool keeps each file. Example: rvutool paths"""
    _exit(actions.guard(actions.show_paths, as_json))


# ---------------------------------------------------------------- search and data
@app.command(cls=_Command)
def search(
    text: Annotated[list[str], typer.Argument(
        metavar="QUERY...", help="Clinical words (total knee replacement, lap chole), a code or code prefix, "
                                 "or a category.")],
    *,
    limit: Annotated[str, typer.Option("--limit", metavar="N", help="Show at most this many hits (1-1000).")] = "20",
    as_json: JsonOpt = False,
    date: DateOpt = None,
    year: YearOpt = None,
) -> None:
    """Find codes by clinical words, alias, code prefix or category. Example: rvutool search total knee replacement"""
    _exit(actions.guard(actions.search, " ".join(text), limit=limit, as_json=as_json, date_text=date,
                        year_text=year))


@data_app.command("import", cls=_Command)
def data_import(
    path: Annotated[str, typer.Argument(metavar="FILE", help="A CMS RVU zip, a PPRRVU CSV, the HCPCS annual file, "
                                                             "or an NCCI PTP or MUE file (or zip).")],
) -> None:
    """Import your own CMS file: a release and descriptors, or NCCI edits. Example: rvutool data import rvu26d.zip"""
    _exit(actions.guard(actions.data_import, path))


@data_app.command("status", cls=_Command)
def data_status(*, as_json: JsonOpt = False) -> None:
    """List the bundled and imported releases and the dates each covers. Example: rvutool data status"""
    _exit(actions.guard(actions.data_status, as_json))
# ---------------------------------------------------------------- the procedure log (helper B)
NoteOpt = Annotated[str | None, typer.Option("--note", metavar="NOTE", help="A short note (no patient identifiers).")]
CaseOpt = Annotated[str | None, typer.Option(
    "--case", metavar="LABEL", help="A case label such as 'case 3' (no patient identifiers).")]
AllowIdOpt = Annotated[bool, typer.Option("--allow-identifiers",
                                          help="Save a note that looks like an identifier but is not one.")]
SettingOpt = Annotated[str | None, typer.Option(
    "--setting", metavar="facility|nonfacility",
    help="Where the work was done (ranks multiple procedures); default: config setting, else facility.")]


@app.command(cls=_Command)
def log(
    items: Annotated[list[str] | None, typer.Argument(
        metavar="ITEM...", help="Items: a code, optional -modifiers, optional xUNITS: 99213 71046-26 49505-50 97110x4; "
             "a favourite: @tka-RT; words naming a code: 'total knee'-RT. None: ask interactively.")] = None,
    *,
    date: DateOpt = None,
    note: NoteOpt = None,
    case: CaseOpt = None,
    as_json: JsonOpt = False,
    setting: SettingOpt = None,
    fraction: Annotated[str | None, typer.Option("--fraction", metavar="F",
                                                 help="Share credited for -52 or -66, above 0 and up to 1.")] = None,
    postop_days: Annotated[str | None, typer.Option("--postop-days", metavar="N",
                                                    help="Days of post-operative care for -55 (1-90).")] = None,
    allow_identifiers: AllowIdOpt = False,
    yes: Annotated[bool, typer.Option(
        "--yes", help="Log without asking, even the same items saved a few minutes ago (a likely double).")] = False,
    no_check: Annotated[bool, typer.Option(
        "--no-check", help="Do not run `rvutool check` on the encounter after saving it.")] = False,
) -> None:
    """Log one encounter (every item shares its date). Example: rvutool log 99213 71046-26"""
    _exit(actions.guard(log_actions.log, items or [], date_text=date, note=note, case=case, as_json=as_json,
                        setting=setting, fraction=fraction, postop_days=postop_days,
                        allow_identifiers=allow_identifiers, yes=yes, no_check=no_check))


@app.command("list", cls=_Command)
def list_(
    *,
    month: MonthOpt = None,
    week: WeekOpt = False,
    year: YearPeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    all_: AllOpt = False,
    code: Annotated[str | None, typer.Option("--code", metavar="CODE", help="Only this code.")] = None,
    encounter: Annotated[str | None, typer.Option("--encounter", metavar="N",
                                                  help="Only this encounter (as in list --json).")] = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show each entry's adjustments.")] = False,
    removed: Annotated[bool, typer.Option("--removed", help="Include removed entries.")] = False,
    provider: ProviderOpt = None,
) -> None:
    """List logged entries (this month by default). Example: rvutool list --month 2026-02"""
    _exit(actions.guard(log_actions.list_entries, month=month, week=week, year=year, from_=from_, to=to, all_=all_,
                        code=code, encounter=encounter, as_json=as_json, as_csv=as_csv, explain=explain,
                        removed=removed, provider=provider))


@app.command(cls=_Command)
def edit(
    entry_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Entry id, as shown by rvutool list.")] = None,
    *,
    encounter: Annotated[str | None, typer.Option(
        "--encounter", metavar="N",
        help="Change a whole encounter (its date, note or case) instead of one entry.")] = None,
    date: DateOpt = None,
    code: Annotated[str | None, typer.Option("--code", metavar="CODE",
                                             help="Another code, such as 29880 or 71046-26 (its modifiers "
                                                  "replace the old ones).")] = None,
    units: Annotated[str | None, typer.Option("--units", metavar="N", help="Units, 1-99.")] = None,
    modifiers: Annotated[str | None, typer.Option(
        "--modifiers", metavar="MODIFIERS", help="All modifiers, such as 26 or 50-RT; '' for none.")] = None,
    note: NoteOpt = None,
    case: CaseOpt = None,
    split: Annotated[bool, typer.Option("--split", help="With --date: move only this line, as an encounter "
                                                        "of its own.")] = False,
    whole: Annotated[bool, typer.Option("--whole", help="With --date: move the whole encounter (the default; "
                                                        "no question asked).")] = False,
    allow_identifiers: AllowIdOpt = False,
) -> None:
    """Change an entry or an encounter; each encounter it touches is priced again. Example: rvutool edit 12 --units 2"""
    _exit(actions.guard(log_actions.edit, entry_id, date_text=date, units=units, modifiers=modifiers, code=code,
                        note=note, case=case, encounter=encounter, split=split, whole=whole,
                        allow_identifiers=allow_identifiers))


@app.command(cls=_Command)
def remove(
    entry_ids: Annotated[list[str] | None, typer.Argument(metavar="[ID]...",
                                                          help="Entry ids, as shown by rvutool list.")] = None,
    *,
    encounter: Annotated[str | None, typer.Option("--encounter", metavar="N",
                                                  help="Remove every line of this encounter.")] = None,
) -> None:
    """Remove entries (undo brings them back); the rest of each encounter is priced again.
    Example: rvutool remove 12 13"""
    _exit(actions.guard(log_actions.remove, entry_ids or [], encounter=encounter))


@app.command(cls=_Command)
def doctor(*, as_json: JsonOpt = False) -> None:
    """Check the log thoroughly: pages, indexes and its own invariants. Example: rvutool doctor"""
    _exit(actions.guard(log_actions.doctor, as_json=as_json))


@app.command(cls=_Command)
def undo() -> None:
    """Revert the last log, edit, remove, import or recalc; again goes further back. Example: rvutool undo"""
    _exit(actions.guard(log_actions.undo))


@app.command(cls=_Command)
def recalc(
    *,
    month: MonthOpt = None,
    week: WeekOpt = False,
    year: YearPeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    all_: AllOpt = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    stand_ins: Annotated[bool, typer.Option(
        "--stand-ins", help="Only entries another year's release priced (none of their year's was here then); "
                            "every year that has some unless a period is given.")] = False,
) -> None:
    """Price a period's entries again with today's data and settings. Example: rvutool recalc --year 2026"""
    _exit(actions.guard(log_actions.recalc, month=month, week=week, year=year, from_=from_, to=to, all_=all_, yes=yes,
                        stand_ins=stand_ins))


@app.command(cls=_Command)
def export(
    *,
    month: MonthOpt = None,
    week: WeekOpt = False,
    year: YearPeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    all_: AllOpt = False,
    fmt: Annotated[str, typer.Option("--format", metavar="csv|json", help="File format.")] = "csv",
    output: Annotated[str | None, typer.Option("-o", "--output", metavar="FILE",
                                               help="Write to FILE instead of the screen.")] = None,
    provider: ProviderOpt = None,
) -> None:
    """Export entries (everything by default) to re-import or keep. Example: rvutool export -o log.csv"""
    _exit(actions.guard(log_actions.export, month=month, week=week, year=year, from_=from_, to=to, all_=all_,
                        fmt=fmt, output=output, provider=provider))


@app.command("import", cls=_Command)
def import_(
    file: Annotated[str, typer.Argument(metavar="FILE", help="An rvutool export, a CSV with date and code "
                                                             "columns, or an RVU Wallet export.")],
    *,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count; write nothing.")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Report bad rows and import the rest.")] = False,
    setting: SettingOpt = None,
    allow_duplicates: Annotated[bool, typer.Option(
        "--allow-duplicates", help="Import every row, even services the log already holds.")] = False,
    restore: Annotated[bool, typer.Option(
        "--restore", help="Bring back removed entries the file holds (they are skipped otherwise).")] = False,
    group_by_date: Annotated[bool, typer.Option(
        "--group-by-date", help="Make one encounter of each date (other programs' CSV files).")] = False,
    allow_identifiers: AllowIdOpt = False,
) -> None:
    """Import entries; services the log already holds are skipped. Example: rvutool import old-log.csv --dry-run"""
    _exit(actions.guard(log_actions.import_file, file, dry_run=dry_run, skip_bad=skip_bad, setting=setting,
                        allow_duplicates=allow_duplicates, restore=restore, group_by_date=group_by_date,
                        allow_identifiers=allow_identifiers))


# ---------------------------------------------------------------- check: will Medicare pay it? (issue 21)
@app.command(cls=_Command)
def check(
    items: Annotated[list[str] | None, typer.Argument(
        metavar="ITEM...", help="Items of one encounter, as calc takes them: 29881 29877-59 99213-25 G2211. "
                                  "None: check the log over a period.")] = None,
    *,
    date: DateOpt = None,
    month: MonthOpt = None,
    week: WeekOpt = False,
    year: YearPeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    all_: AllOpt = False,
    provider: ProviderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What Medicare would not pay: NCCI pairs and MUEs (imported), global periods, modifiers, add-ons.
    Example: rvutool check 29881 29877, or rvutool check --month"""
    from rvutool import check_actions

    _exit(actions.guard(check_actions.check, items or [], date_text=date, month=month, week=week, year=year,
                        from_=from_, to=to, all_=all_, provider=provider, as_json=as_json))


# ---------------------------------------------------------------- reconcile (issue 11)
@app.command(cls=_Command)
def reconcile(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The employer's productivity report: CSV (comma, "
                                                             "semicolon, tab or |; any common encoding) or Excel "
                                                             ".xlsx.")],
    *,
    month: MonthOpt = None,
    week: WeekOpt = False,
    year: YearPeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    as_json: JsonOpt = False,
    csv_out: Annotated[str | None, typer.Option(
        "--csv", metavar="OUT", help="Also write every line to a CSV file.")] = None,
    html_out: Annotated[str | None, typer.Option(
        "--html", metavar="OUT", help="Also write a printable dispute summary (HTML).")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", metavar="ROLE=HEADER,...",
        help="Name the report's columns: date=DOS,code=CPT,wrvu=Work RVUs,units=Qty,modifiers=Mod1+Mod2,"
             "provider=Billing Provider.")] = None,
    rate: RateOpt = None,
    provider: ProviderOpt = None,
    provider_name: Annotated[list[str] | None, typer.Option(
        "--provider-name", metavar="NAME",
        help="Your name as the report's provider column writes it (default: config report.provider); lines "
             "credited to anyone else are theirs. With --by provider: USER=NAME for each.")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", metavar="KEY[,KEY]",
        help="provider (the only key here), on a shared log: compare each provider with their own lines of the "
             "report.")] = None,
    sheet: Annotated[str | None, typer.Option(
        "--sheet", metavar="NAME", help="The workbook's sheet to read (default: the first visible sheet with a "
                                        "header row).")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="List every line, matches too.")] = False,
) -> None:
    """Compare the log with an employer's report (the report's dates by default); changes nothing.
    Example: rvutool reconcile october.xlsx --month 2026-10"""
    _exit(actions.guard(actions.reconcile, file, month=month, week=week, year=year, from_=from_, to=to,
                        as_json=as_json, csv_out=csv_out, html_out=html_out, mapping=mapping, rate=rate,
                        provider=provider, provider_name=provider_name, by=by, sheet=sheet, show_all=show_all))


# ---------------------------------------------------------------- summary and config (helper C)
config_app = typer.Typer(cls=_Group, help="Settings: rate, targets, fiscal year, payment policy.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@app.command(cls=_Command)
def summary(
    *,
    month: MonthOpt = None,
    week: WeekOpt = False,
    year: YearPeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    all_: AllOpt = False,
    by: Annotated[str | None, typer.Option(
        "--by", metavar="KEY[,KEY]",
        help="Group totals by day, week, month, code or category (default: day for a month or shorter, month "
             "otherwise); two keys, such as month,code, group within groups; provider (alone) on a shared "
             "log.")] = None,
    rate: RateOpt = None,
    target: Annotated[str | None, typer.Option(
        "--target", metavar="WRVU", help="wRVU goal for this period (overrides target.month / target.year).")] = None,
    chart: Annotated[bool, typer.Option("--chart", help="Draw a bar chart of wRVU per group.")] = False,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print one CSV row per group.")] = False,
    locality: LocalityOpt = None,
    zip_code: ZipOpt = None,
    qp: QpOpt = False,
    provider: ProviderOpt = None,
    reprice: RepriceOpt = None,
    contract: ContractOpt = None,
    benchmark: BenchmarkOpt = None,
) -> None:
    """Total wRVU for a period (default: this month), with estimate and pace. Example: rvutool summary --year"""
    _exit(actions.guard(actions.summary, month=month, week=week, year=year, from_=from_, to=to, all_=all_,
                        by=by, rate=rate, target=target, as_json=as_json, as_csv=as_csv, chart=chart,
                        locality_text=locality, zip_text=zip_code, qp=qp, provider=provider, reprice=reprice,
                        contract=contract, benchmark=benchmark))


@app.command(cls=_Command)
def report(
    *,
    output: Annotated[str | None, typer.Option(
        "-o", "--output", metavar="FILE",
        help="The report to write: FILE.html (always), or FILE.pdf (printed with headless Chromium).")] = None,
    month: MonthOpt = None,
    week: WeekOpt = False,
    year: YearPeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    all_: AllOpt = False,
    rate: RateOpt = None,
    target: Annotated[str | None, typer.Option(
        "--target", metavar="WRVU", help="wRVU goal for this period (overrides target.month / target.year).")] = None,
    locality: LocalityOpt = None,
    zip_code: ZipOpt = None,
    qp: QpOpt = False,
    provider: ProviderOpt = None,
    reprice: RepriceOpt = None,
    contract: ContractOpt = None,
    benchmark: BenchmarkOpt = None,
    reconcile_file: Annotated[str | None, typer.Option(
        "--reconcile", metavar="FILE", help="Add the findings of the employer's report FILE for the period "
                                            "(as rvutool reconcile FILE).")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", metavar="ROLE=HEADER,...", help="With --reconcile: name the report's columns (as reconcile --map).")
    ] = None,
    sheet: Annotated[str | None, typer.Option(
        "--sheet", metavar="NAME", help="With --reconcile: the workbook's sheet to read.")] = None,
    provider_name: Annotated[list[str] | None, typer.Option(
        "--provider-name", metavar="NAME", help="With --reconcile: your name as the report's provider column "
                                                "writes it (default: config report.provider).")] = None,
) -> None:
    """A printable productivity report for a period (default: this month), with charts; no patient data.
    Example: rvutool report --year -o 2026.pdf"""
    _exit(actions.guard(actions.report, output=output, month=month, week=week, year=year, from_=from_, to=to,
                        all_=all_, rate=rate, target=target, locality_text=locality, zip_text=zip_code, qp=qp,
                        provider=provider, reprice=reprice, contract=contract, benchmark=benchmark,
                        reconcile_file=reconcile_file, mapping=mapping, sheet=sheet, provider_name=provider_name))


KeyArg = Annotated[str, typer.Argument(
    metavar="KEY", help="A setting, such as rate, target.month or fiscal_year_start.")]


@config_app.command("list", cls=_Command)
def config_list(*, as_json: JsonOpt = False) -> None:
    """Show every setting with its value or default. Example: rvutool config list"""
    _exit(actions.guard(actions.config_list, as_json))


@config_app.command("get", cls=_Command)
def config_get(key: KeyArg) -> None:
    """Print one setting. Example: rvutool config get rate"""
    _exit(actions.guard(actions.config_get, key))


@config_app.command("set", cls=_Command)
def config_set(key: KeyArg, value: Annotated[str, typer.Argument(metavar="VALUE", help="The new value.")]) -> None:
    """Change one setting. Example: rvutool config set rate 55"""
    _exit(actions.guard(actions.config_set, key, value))


@config_app.command("unset", cls=_Command)
def config_unset(key: KeyArg) -> None:
    """Remove one setting (its default applies again). Example: rvutool config unset rate"""
    _exit(actions.guard(actions.config_unset, key))


# ---------------------------------------------------------------- db: a practice's shared log (PostgreSQL)
db_app = typer.Typer(cls=_Group, no_args_is_help=True,
                     help="A practice's shared log on PostgreSQL: create it, add users, push a personal log in.")
app.add_typer(db_app, name="db")
UrlOpt = Annotated[str | None, typer.Option(
    "--url", metavar="URL", help="The database (default: RVUTOOL_LOG_URL or the log.url setting).")]


@db_app.command("init", cls=_Command)
def db_init(url_arg: Annotated[str | None, typer.Argument(
        metavar="URL", help="postgresql://owner@host/database (default: RVUTOOL_LOG_URL or log.url).")] = None,
            *, url: UrlOpt = None) -> None:
    """Create the log's tables and roles in a database you own (safe to run again). Example: rvutool db init"""
    from rvutool import db_actions

    _exit(actions.guard(db_actions.init, url or url_arg))


@db_app.command("add-user", cls=_Command)
def db_add_user(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The new login, such as drsmith.")],
    *,
    manager: Annotated[bool, typer.Option(
        "--manager", help="Reads every provider's entries (changes only their own).")] = False,
    password_file: Annotated[str | None, typer.Option(
        "--password-file", metavar="FILE", help="The password is this file's first line (else it is asked).")] = None,
    url: UrlOpt = None,
) -> None:
    """Add a clinician (or --manager) to the practice's log. Example: rvutool db add-user drsmith"""
    from rvutool import db_actions

    _exit(actions.guard(db_actions.add_user, name, manager=manager, password_file=password_file, url=url))


@db_app.command("push", cls=_Command)
def db_push(
    *,
    from_: Annotated[str | None, typer.Option(
        "--from", metavar="PATH",
        help="The personal log file to copy (default: your own, as `rvutool paths` shows).")] = None,
    url: UrlOpt = None,
    allow_identifiers: AllowIdOpt = False,
) -> None:
    """Copy your personal log into the practice's log, as you; services already there are not added again.
    Example: rvutool db push"""
    from rvutool import db_actions

    _exit(actions.guard(db_actions.push, from_, url=url, allow_identifiers=allow_identifiers))


# ---------------------------------------------------------------- fav: favourites (@name)
fav_app = typer.Typer(cls=_Group, help="Favourites: a name for items you log together, used as @NAME.",
                      no_args_is_help=True)
app.add_typer(fav_app, name="fav")
FavNameArg = Annotated[str, typer.Argument(
    metavar="NAME", help="1-32 lower-case letters, digits, - or _, such as tka or knee-scope.")]


@fav_app.command("add", cls=_Command)
def fav_add(
    name: FavNameArg,
    items: Annotated[list[str], typer.Argument(
        metavar="ITEM...", help="Items as log takes them (29881 29877-59 97110x2), or other @favourites.")],
    *,
    replace: Annotated[bool, typer.Option("--replace", help="Replace a favourite of that name.")] = False,
    allow_identifiers: Annotated[bool, typer.Option(
        "--allow-identifiers", help="Save a name that looks like an identifier but is not one.")] = False,
) -> None:
    """Name items you log together; log them with @NAME. Example: rvutool fav add knee-scope 29881 29877-59"""
    from rvutool import fav_actions

    _exit(actions.guard(fav_actions.add, name, items, replace=replace, allow_identifiers=allow_identifiers))


@fav_app.command("list", cls=_Command)
def fav_list(*, as_json: JsonOpt = False) -> None:
    """Show your favourites and their items. Example: rvutool fav list"""
    from rvutool import fav_actions

    _exit(actions.guard(fav_actions.list_all, as_json=as_json))


@fav_app.command("remove", cls=_Command)
def fav_remove(name: FavNameArg) -> None:
    """Remove a favourite (logged entries stay as they are). Example: rvutool fav remove tka"""
    from rvutool import fav_actions

    _exit(actions.guard(fav_actions.remove, name))


# ---------------------------------------------------------------- contracts, plan and benchmarks (issue 22)
def _reports_commands() -> None:
    from rvutool import cli_reports

    cli_reports.register(app, _Group, _Command)


_reports_commands()


# typer 0.29 vendors click; older releases use click itself. Find the base class either way.
_CLICK_EXCEPTION = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def run(args: list[str]) -> int:
    """Run the typer app. Its errors become RvuErrors, so actions.guard (around this call in entry.main)
    prints them like every other error: one line on stderr; usage errors exit 2."""
    from rvutool.periods import normalize_argv

    args = normalize_argv(args)
    try:
        status = app(args=args, prog_name="rvutool", standalone_mode=False)
    except typer.Abort:
        raise RvuError("aborted; nothing was changed") from None
    except _CLICK_EXCEPTION as exc:
        message = " ".join(exc.format_message().split()).removesuffix(".")
        if not message:  # bare `rvutool` or `rvutool data`: the help was already shown
            return 2
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        raise UsageError(f"{message}{where}") from None
    return status if isinstance(status, int) else 0
