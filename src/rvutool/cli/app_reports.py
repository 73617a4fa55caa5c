"""The commands of issue 22 on the typer command line: `contract` (add, check, list, show, remove, compare,
collections, fees import), `plan` and `benchmark` (import, list, remove). cli.py registers them with its own
command classes (so help names values, not Python types); each calls one action (reports/contract_actions.py,
reports/benchmark_actions.py) through actions.guard. No domain logic lives here.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from rvutool.cli import actions

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]
NameOpt = Annotated[str | None, typer.Option("--name", metavar="NAME", help="Use this name instead of the file's.")]
ReplaceOpt = Annotated[bool, typer.Option("--replace", help="Replace the one stored under the same name (and date).")]
ContractArg = Annotated[str, typer.Argument(metavar="NAME", help="A contract's name, such as mercy-2026.")]
ContractFileArg = Annotated[str, typer.Argument(metavar="FILE", help="A contract file, TOML (README: Contracts).")]
TableNameArg = Annotated[str, typer.Argument(metavar="NAME", help="A benchmark table's name (rvutool benchmark list).")]


def _exit(status: int) -> None:
    if status:
        raise typer.Exit(status)


def _contract_actions() -> Any:
    from rvutool.cli import contract_actions

    return contract_actions


def _benchmark_actions() -> Any:
    from rvutool.cli import benchmark_actions

    return benchmark_actions


def register(app: typer.Typer, group: Any, command: Any) -> None:
    """Add the contract and benchmark groups and the plan command to `app`."""
    contract_app = typer.Typer(cls=group, no_args_is_help=True,
                               help="Contracts: what your work pays (wRVU tiers, base, draw, production).")
    app.add_typer(contract_app, name="contract")
    fees_app = typer.Typer(cls=group, no_args_is_help=True, help="A production contract's fee schedule.")
    contract_app.add_typer(fees_app, name="fees")
    benchmark_app = typer.Typer(cls=group, no_args_is_help=True,
                                help="Benchmark tables you are licensed to use (wRVU percentiles by specialty).")
    app.add_typer(benchmark_app, name="benchmark")

    @contract_app.command("add", cls=command)
    def contract_add(file: ContractFileArg, *, name: NameOpt = None, replace: ReplaceOpt = False) -> None:
        """Store a contract (a later `effective` date adds a version). Example: rvutool contract add mercy.toml"""
        _exit(actions.guard(_contract_actions().add, file, name=name, replace=replace))

    @contract_app.command("check", cls=command)
    def contract_check(file: ContractFileArg, *, name: NameOpt = None, as_json: JsonOpt = False) -> None:
        """Check a contract file and say what it means, storing nothing. Example: rvutool contract check offer.toml"""
        _exit(actions.guard(_contract_actions().check, file, name=name, as_json=as_json))

    @contract_app.command("list", cls=command)
    def contract_list(*, as_json: JsonOpt = False) -> None:
        """List your contracts and their versions. Example: rvutool contract list"""
        _exit(actions.guard(_contract_actions().list_all, as_json=as_json))

    @contract_app.command("show", cls=command)
    def contract_show(name: ContractArg, *, as_json: JsonOpt = False) -> None:
        """Show every version of a contract in words. Example: rvutool contract show mercy-2026"""
        _exit(actions.guard(_contract_actions().show, name, as_json=as_json))

    @contract_app.command("remove", cls=command)
    def contract_remove(name: ContractArg, *, effective: Annotated[str | None, typer.Option(
            "--effective", metavar="DATE", help="Remove only the version effective on this date.")] = None) -> None:
        """Remove a contract (or one version); logged work is not touched. Example: rvutool contract remove offer"""
        _exit(actions.guard(_contract_actions().remove, name, effective=effective))

    @contract_app.command("compare", cls=command)
    def contract_compare(
        first: Annotated[str, typer.Argument(metavar="A", help="A contract's name.")],
        second: Annotated[str, typer.Argument(metavar="B", help="Another contract's name.")],
        period: Annotated[str | None, typer.Argument(
            metavar="[PERIOD]", help="A year (2026) or a month (2026-10, oct); default: this (fiscal) year.")] = None,
        *,
        as_json: JsonOpt = False,
        as_csv: CsvOpt = False,
    ) -> None:
        """The same logged work under two contracts: credited wRVU and pay per period, and the difference.
        Example: rvutool contract compare mercy-2026 offer-2027 2026"""
        _exit(actions.guard(_contract_actions().compare, first, second, period, as_json=as_json, as_csv=as_csv))

    @contract_app.command("collections", cls=command)
    def contract_collections(
        amount: Annotated[str | None, typer.Argument(
            metavar="[AMOUNT]", help="Dollars collected in the month; none: list what was entered.")] = None,
        *,
        month: Annotated[str | None, typer.Option("--month", metavar="YYYY-MM",
                                                  help="The month (2026-10, oct).")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Enter a month's collections (for a collections_share contract), or list them.
        Example: rvutool contract collections --month 2026-10 41250"""
        _exit(actions.guard(_contract_actions().collections, amount, month=month, as_json=as_json))

    @fees_app.command("import", cls=command)
    def contract_fees_import(
        file: Annotated[str, typer.Argument(metavar="FILE", help="A CSV or .xlsx with a code and a fee column "
                                                                 "(and optionally a lab fee column).")],
        *,
        contract: Annotated[str | None, typer.Option("--contract", metavar="NAME",
                                                     help="The contract the fees belong to.")] = None,
    ) -> None:
        """Import a fee schedule for a production contract (replaces its earlier one).
        Example: rvutool contract fees import fees.csv --contract smile-dental"""
        _exit(actions.guard(_contract_actions().fees_import, file, contract=contract))

    @app.command(cls=command)
    def plan(
        *,
        contract: Annotated[str | None, typer.Option(
            "--contract", metavar="NAME", help="The contract (default: config contract).")] = None,
        income: Annotated[str | None, typer.Option(
            "--income", metavar="DOLLARS", help="The year's earnings to reach, such as 450000.")] = None,
        year: Annotated[str | None, typer.Option(
            "--year", metavar="YYYY", help="The (fiscal) year; bare --year or none: this one.")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """The wRVUs per remaining workday that reach an income under a contract.
        Example: rvutool plan --contract mercy-2026 --income 450000"""
        _exit(actions.guard(_contract_actions().plan, contract=contract, income=income, year=year, as_json=as_json))

    @benchmark_app.command("import", cls=command)
    def benchmark_import(
        file: Annotated[str, typer.Argument(metavar="FILE", help="A CSV or .xlsx: specialty, p10 p25 p50 p75 p90 "
                                                                 "(two or more); optional year, region, practice "
                                                                 "type, FTE basis.")],
        *,
        source: Annotated[str | None, typer.Option(
            "--source", metavar="SOURCE", help="Where the figures come from (shown beside every figure).")] = None,
        name: Annotated[str | None, typer.Option("--name", metavar="NAME",
                                                 help="The table's name (default: from the file's name).")] = None,
        replace: ReplaceOpt = False,
    ) -> None:
        """Import a table of annual wRVU percentiles by specialty.
        Example: rvutool benchmark import mgma-2025.xlsx --source "MGMA 2025 Provider Compensation" """
        _exit(actions.guard(_benchmark_actions().import_table, file, source=source, name=name, replace=replace))

    @benchmark_app.command("list", cls=command)
    def benchmark_list(*, as_json: JsonOpt = False) -> None:
        """List the benchmark tables you imported, with their sources. Example: rvutool benchmark list"""
        _exit(actions.guard(_benchmark_actions().list_all, as_json=as_json))

    @benchmark_app.command("remove", cls=command)
    def benchmark_remove(name: TableNameArg) -> None:
        """Remove a benchmark table. Example: rvutool benchmark remove mgma-2025"""
        _exit(actions.guard(_benchmark_actions().remove, name))
