"""The typer command line: parse arguments, call one action, exit with its status.

No domain logic lives here; see actions.py and the modules it calls.
"""

from __future__ import annotations

from typing import Annotated

import typer

from rvutool import __version__, actions

app = typer.Typer(
    name="rvutool",
    help="CMS work RVUs for CPT, HCPCS and CDT codes; a private procedure log; wRVU summaries.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
data_app = typer.Typer(help="Bundled and imported CMS releases.", no_args_is_help=True)
app.add_typer(data_app, name="data")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
DateOpt = Annotated[str | None, typer.Option("--date", help="Date of service: YYYY-MM-DD, today or yesterday.")]
YearOpt = Annotated[str | None, typer.Option("--year", help="Use the release in force at the end of this year.")]

# ---------------------------------------------------------------- period options (list, summary, export)
# A bare --month / --year is rewritten to --month=current / --year=current by periods.normalize_argv.
MonthOpt = Annotated[str | None, typer.Option(
    "--month", metavar="[YYYY-MM]", help="A calendar month; bare --month is this month (the default period).")]
WeekOpt = Annotated[bool, typer.Option("--week", help="This ISO week, Monday to Sunday.")]
YearPeriodOpt = Annotated[str | None, typer.Option(
    "--year", metavar="[YYYY]",
    help="A year; bare --year is this year. With fiscal_year_start set, the fiscal year ENDING in YYYY "
         "(fiscal_year_start=7: --year 2026 is 2025-07-01 to 2026-06-30).")]
FromOpt = Annotated[str | None, typer.Option(
    "--from", metavar="DATE", help="First day (YYYY-MM-DD); may be used alone.")]
ToOpt = Annotated[str | None, typer.Option(
    "--to", metavar="DATE", help="Last day (YYYY-MM-DD); may be used alone.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Everything in the log.")]


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


@app.command()
def lookup(
    codes: Annotated[list[str], typer.Argument(help="Codes, optionally with modifiers: 99213 71046-26 D1553.")],
    *,
    as_json: JsonOpt = False,
    date: DateOpt = None,
    year: YearOpt = None,
) -> None:
    """Show the CMS work RVU and indicators of each code. Example: rvutool lookup 99213 71046-26"""
    _exit(actions.guard(actions.lookup, codes, as_json=as_json, date_text=date, year_text=year))


@app.command()
def paths(*, as_json: JsonOpt = False) -> None:
    """Show where rvutool keeps each file. Example: rvutool paths"""
    _exit(actions.guard(actions.show_paths, as_json))


# typer 0.29 vendors click; older releases use click itself. Find the base class either way.
_CLICK_EXCEPTION = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def run(args: list[str]) -> int:
    """Run the typer app; usage errors become one line on stderr and exit status 2."""
    from rvutool import render

    from rvutool.periods import normalize_argv

    args = normalize_argv(args)
    try:
        status = app(args=args, prog_name="rvutool", standalone_mode=False)
    except typer.Abort:
        render.error("aborted; nothing was changed")
        return 1
    except _CLICK_EXCEPTION as exc:
        if not exc.format_message():  # bare `rvutool`: the help was already shown
            return int(getattr(exc, "exit_code", 2))
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        render.error(f"{exc.format_message()}{where}")
        return int(getattr(exc, "exit_code", 2))
    return status if isinstance(status, int) else 0
