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
LocalityOpt = Annotated[str | None, typer.Option(
    "--locality", help="Medicare locality for a payment estimate: an id such as 01182-18 or a name such as "
                       "'los angeles'.")]
ZipOpt = Annotated[str | None, typer.Option(
    "--zip", help="ZIP code where the service was rendered, for a payment estimate (instead of --locality).")]
QpOpt = Annotated[bool, typer.Option(
    "--qp", help="Use the conversion factor for qualifying APM participants (CY2026: QP CF).")]


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
    locality: LocalityOpt = None,
    zip_code: ZipOpt = None,
    qp: QpOpt = False,
) -> None:
    """Show the CMS work RVU and indicators of each code. Example: rvutool lookup 99213 71046-26"""
    _exit(actions.guard(actions.lookup, codes, as_json=as_json, date_text=date, year_text=year,
                        locality_text=locality, zip_text=zip_code, qp=qp))


# ---------------------------------------------------------------- calc (payment rules)
@app.command()
def calc(
    items: Annotated[list[str], typer.Argument(help="Items of one encounter: a code with any modifiers and "
                                                    "units, such as 47562 49505-50 11045x2.")],
    *,
    date: DateOpt = None,
    setting: Annotated[str, typer.Option(
        "--setting", help="facility or nonfacility: ranks multiple procedures by this total RVU.")] = "facility",
    fraction: Annotated[str | None, typer.Option(
        "--fraction", help="Share to credit for -52, -66 (and -53 where CMS has no -53 row), 0 < F <= 1.")] = None,
    postop_days: Annotated[str | None, typer.Option(
        "--postop-days", help="Days of post-operative care for -55 (default: the whole global period).")] = None,
    policy: Annotated[list[str] | None, typer.Option(
        "--policy", help="Try a policy without config: KEY=VALUE, such as multiple_procedure=none "
                         "(repeatable).")] = None,
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


@app.command()
def paths(*, as_json: JsonOpt = False) -> None:
    """Show where rvutool keeps each file. Example: rvutool paths"""
    _exit(actions.guard(actions.show_paths, as_json))


# ---------------------------------------------------------------- search and data
@app.command()
def search(
    text: Annotated[list[str], typer.Argument(help="A code, a code prefix, a category or descriptor words.")],
    *,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many hits (1-1000).")] = 20,
    as_json: JsonOpt = False,
    date: DateOpt = None,
    year: YearOpt = None,
) -> None:
    """Find codes by code prefix, category or imported descriptor words. Example: rvutool search 2744"""
    _exit(actions.guard(actions.search, " ".join(text), limit=limit, as_json=as_json, date_text=date,
                        year_text=year))


@data_app.command("import")
def data_import(
    path: Annotated[str, typer.Argument(help="A CMS RVU zip, a PPRRVU CSV or the HCPCS annual file.")],
) -> None:
    """Import your own CMS file: its release and descriptors. Example: rvutool data import rvu26d.zip"""
    _exit(actions.guard(actions.data_import, path))


@data_app.command("status")
def data_status(*, as_json: JsonOpt = False) -> None:
    """List the bundled and imported releases and the dates each covers. Example: rvutool data status"""
    _exit(actions.guard(actions.data_status, as_json))


# typer 0.29 vendors click; older releases use click itself. Find the base class either way.
_CLICK_EXCEPTION = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def run(args: list[str]) -> int:
    """Run the typer app; usage errors become one line on stderr and exit status 2."""
    from rvutool import render

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
