"""All terminal output. rich is imported here and only inside functions that draw,
so commands that print JSON never pay for it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from rvutool.importer import DataStatus, ImportReport
    from rvutool.lookup import LookupResult
    from rvutool.rules import PricedEncounter
    from rvutool.search import SearchResult


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def error(message: str) -> None:
    sys.stderr.write(f"Error: {message}\n")


def warning(message: str) -> None:
    sys.stderr.write(f"Warning: {message}\n")


def note(message: str) -> None:
    sys.stderr.write(f"Note: {message}\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=_json_default, ensure_ascii=False) + "\n")


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def rvu(value: Decimal | float | str) -> str:
    return f"{Decimal(str(value)):.2f}"


# ---------------------------------------------------------------- lookup
def lookup(results: Iterable[LookupResult]) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from rvutool import taxonomy, vocab

    console = _console()
    notes_shown: set[str] = set()
    for result in results:
        row, v = result.row, result.row.values
        if result.release_note and result.release_note not in notes_shown:
            notes_shown.add(result.release_note)
            console.print(Text(f"Note: {result.release_note}", style="yellow"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        if row.has_work_rvu:
            work = Text(rvu(row.work_rvu), style="bold green")
            if row.not_used_for_medicare_payment:
                work.append("  published, but not used for Medicare payment (+)", style="yellow")
            grid.add_row("Work RVU", work)
        else:
            flag = Text("No CMS work RVU", style="bold white on red")
            flag.append(f"  {row.no_work_reason}", style="red")
            grid.add_row("Work RVU", flag)
        grid.add_row("Status", f"{v['status']}  {vocab.meaning(vocab.STATUS, v['status'])}")
        grid.add_row("Category", taxonomy.label(row.category))
        if result.description:
            grid.add_row("Descriptor", result.description)
        grid.add_row("PE RVU", f"non-facility {_na(v['pe_nonfacility'], row.na('nonfacility'))}"
                               f" · facility {_na(v['pe_facility'], row.na('facility'))}")
        grid.add_row("MP RVU", rvu(v["mp"]))
        grid.add_row("Total RVU", f"non-facility {rvu(v['total_nonfacility'])} · facility {rvu(v['total_facility'])}")
        grid.add_row("Global", f"{v['global_days']}  {vocab.meaning(vocab.GLOBAL_DAYS, v['global_days'])}")
        if v["global_days"] in {"010", "090"}:
            grid.add_row("Shares", f"pre-op {rvu(v['pre_op'])} · intra-op {rvu(v['intra_op'])}"
                                   f" · post-op {rvu(v['post_op'])}")
        for label, (value, text) in _indicator_rows(result):
            grid.add_row(label, f"{value}  {text}")
        if v["endo_base"]:
            grid.add_row("Endo base", v["endo_base"])
        cf = row.release.conversion_factor
        grid.add_row("Medicare", f"national non-facility {money(row.national_payment('nonfacility'))}"
                                 f" · facility {money(row.national_payment('facility'))}  (CF {cf})")
        if result.locality is not None:
            grid.add_row("Locality", _locality_text(result.locality))
        for mod, meaning in result.modifier_notes:
            grid.add_row(f"-{mod}", meaning)
        for text in result.warnings:
            grid.add_row(Text("Warning", style="yellow"), text)
        title = f"[bold]{result.item.code}{''.join('-' + m for m in result.item.modifiers)}[/bold]"
        subtitle = f"{row.release.id} · CY{row.release.year}"
        console.print(Panel(grid, title=title, title_align="left", subtitle=subtitle,
                            subtitle_align="right", expand=False))
    if any(r.description for r in results):
        console.print(Text("CPT codes and descriptions are copyright the American Medical Association; "
                           "CDT (D codes) copyright the American Dental Association. From your own CMS file.",
                           style="dim"))


def _locality_text(loc: dict[str, Any]) -> str:
    def amount(setting: str) -> str:
        value = loc[f"payment_{setting}"]
        if value is None:
            return f"— ({loc.get(setting + '_note', 'not priced')})"
        return money(Decimal(str(value)))

    g = loc["gpcis"]
    return (f"{loc['name'].title()}, {loc['state']} ({loc['id']}): non-facility {amount('nonfacility')}"
            f" · facility {amount('facility')}  (GPCIs work {g['work']:.3f}, PE {g['pe']:.3f}, "
            f"MP {g['mp']:.3f}; CF {loc['conversion_factor']}{' QP' if loc.get('qp') else ''})")


def _na(value: Any, is_na: bool) -> str:
    return f"{rvu(value)} (NA)" if is_na else rvu(value)


def _indicator_rows(result: LookupResult) -> list[tuple[str, tuple[str, str]]]:
    ind = result.indicators()
    rows = [("PC/TC", ind["pctc"])]
    surgical = result.row.values["global_days"] in {"000", "010", "090", "ZZZ"} or ind["mult_proc"][0] != "9"
    if surgical:
        rows += [("Multiple", ind["mult_proc"]), ("Bilateral", ind["bilateral"]),
                 ("Assistant", ind["assistant"]), ("Co-surgeon", ind["cosurgeon"]), ("Team", ind["team"])]
    return rows


# ---------------------------------------------------------------- paths
def key_values(pairs: Iterable[tuple[str, str]]) -> None:
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in pairs:
        table.add_row(key, value)
    _console().print(table)


# ---------------------------------------------------------------- search
_DESCRIPTOR_NOTICE = ("CPT codes and descriptions are copyright the American Medical Association; "
                      "CDT (D codes) copyright the American Dental Association. From your own CMS file.")


def search(result: SearchResult) -> None:
    from rich.table import Table
    from rich.text import Text

    from rvutool import taxonomy

    console = _console()
    if result.release_note:
        console.print(Text(f"Note: {result.release_note}", style="yellow"))
    described = any(hit.description for hit in result.hits)
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    table.add_column("Code", no_wrap=True, style="bold")
    table.add_column("Work RVU", no_wrap=True, justify="right")
    table.add_column("Category", overflow="fold")
    if described:
        table.add_column("Descriptor", overflow="fold")
    for hit in result.hits:
        row = hit.row
        if row.has_work_rvu:
            work = Text(rvu(row.work_rvu), style="green")
            if row.not_used_for_medicare_payment:
                work.append(" +", style="yellow")
        else:
            work = Text("No CMS work RVU", style="bold red")
            work.append(f" · {row.no_work_reason_key}", style="red")
        where = taxonomy.label(row.category) + (f" · {hit.topic}" if hit.topic else "")
        cells: list[Any] = [hit.code, work, where]
        if described:
            cells.append(hit.description or "")
        table.add_row(*cells)
    console.print(table)
    shown, total = len(result.hits), result.total
    plural = "hit" if total == 1 else "hits"
    footer = f"{total:,} {plural} for {result.query!r} in {result.release.id} (CY{result.release.year})"
    footer += f" · showing {shown:,} of {total:,}"
    console.print(Text(footer, style="dim"))
    if described:
        console.print(Text(_DESCRIPTOR_NOTICE, style="dim"))


# ---------------------------------------------------------------- data import / status
@contextmanager
def import_progress() -> Iterator[Callable[[str, float], None]]:
    """A progress bar on stderr while an import runs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield lambda stage, done: None
        return
    from rich.progress import BarColumn, Progress, TextColumn

    bar = Progress(TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                   console=_console(stderr=True), transient=True)
    with bar:
        task = bar.add_task("reading", total=100)

        def update(stage: str, done: float) -> None:
            bar.update(task, description=stage, completed=round(done * 100))

        yield update


def import_report(report: ImportReport) -> None:
    if report.kind == "hcpcs":
        key_values([
            ("Imported", f"HCPCS Level II descriptors from {report.source_file}"),
            ("Codes", f"{report.codes:,} Level II codes (no D codes in this file)"),
            ("Descriptors", f"{report.descriptors_from_file:,} from this file · "
                            f"{report.descriptors_total:,} stored in all, on this machine only"),
        ])
        return
    meta = report.release
    source = report.source_file + (f" ({report.member})" if report.member else "")
    key_values([
        ("Imported", f"{meta['id']}{' (replaces the earlier import)' if report.replaced else ''}"
                     f" from {source}"),
        ("Year", f"CY{meta['year']} · CMS released {meta['released'] or 'date not given in the file'}"
                 f" · CF {meta['conversion_factor']}"),
        ("Rows", f"{report.rows:,} rows · {report.codes:,} codes"),
        ("Descriptors", f"{report.descriptors_from_file:,} from this file · "
                        f"{report.descriptors_total:,} stored in all, on this machine only"),
        ("Covers", f"dates of service {meta['applies_from']} to {meta['applies_to']}"),
    ])


def data_status(status: DataStatus) -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console()
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for rel in status.releases:
        described = (f"descriptors for {rel.descriptors:,} of {rel.codes:,} codes" if rel.descriptors
                     else f"{rel.codes:,} codes, no descriptors")
        table.add_row(rel.id, f"{rel.origin} · CY{rel.year} · CMS released {rel.released or '(not given)'}"
                              f" · CF {rel.conversion_factor} · {rel.rows:,} rows")
        table.add_row("", f"dates {rel.applies_from} to {rel.applies_to} · {described}")
    console.print(table)
    if status.descriptors:
        line = f"{status.descriptors:,} descriptors imported, kept in {status.imports_dir}"
        if status.hcpcs:
            line += (f"; Level II text from {status.hcpcs.get('source_file', '?')}"
                     f" ({status.hcpcs.get('descriptors', 0):,} codes)")
        console.print(Text(line, style="dim"))
    else:
        console.print(Text("No descriptors: `rvutool data import` your own CMS file to see them", style="dim"))
# ---------------------------------------------------------------- calc
def _factor(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return f"×{text}"


def calc(encounter: PricedEncounter) -> None:
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console = _console()
    if encounter.release_note:
        console.print(Text(f"Note: {encounter.release_note}", style="yellow"))
    setting = encounter.options.setting.replace("nonf", "non-f")
    priced = encounter.options.locality is not None
    table = Table(title=f"Encounter {encounter.date.isoformat()} · {encounter.release.id} · {setting}",
                  title_justify="left", show_footer=True, expand=False)
    table.add_column("Code (how it was credited)", footer="Total", overflow="fold", ratio=1)
    table.add_column("Modifiers", no_wrap=True)
    table.add_column("Units", justify="right", no_wrap=True)
    table.add_column("Base", justify="right", footer=rvu(encounter.base_wrvu), no_wrap=True)
    table.add_column("Credited", justify="right", footer=Text(rvu(encounter.credited_wrvu), style="bold"),
                     no_wrap=True)
    if priced:
        table.add_column("Medicare", justify="right", footer=money(encounter.payment), no_wrap=True)
    for line in encounter.lines:
        parts: list[Any] = [Text(line.item.code, style="bold")]
        for adj in line.adjustments:
            text = Text(f"{_factor(adj.factor)} {adj.rule}: ", style="cyan")
            text.append(adj.reason, style="dim")
            parts.append(Padding(text, (0, 0, 0, 2)))
        if not line.row.has_work_rvu:
            parts.append(Padding(Text(f"no CMS work RVU: {line.no_work_reason}", style="yellow"), (0, 0, 0, 2)))
        cell = Group(*parts)
        credited = Text(rvu(line.credited_wrvu), style="bold" if line.credited_wrvu != line.base_wrvu else "")
        cells = [cell, " ".join(line.item.modifiers) or "—", str(line.item.units), rvu(line.base_wrvu), credited]
        if priced:
            cells.append(money(line.payment))
        table.add_row(*cells)
    console.print(table)
    console.print(f"wRVU as entered {rvu(encounter.base_wrvu)} · credited "
                  f"[bold]{rvu(encounter.credited_wrvu)}[/bold]")
    if priced:
        loc, cf = encounter.options.locality, encounter.conversion_factor
        console.print(f"Estimated Medicare allowed, {loc.label}, {setting}, CF {cf.label}: "
                      f"[bold]{money(encounter.payment)}[/bold] (before the same-encounter rules "
                      f"{money(encounter.base_payment)})")
    changed = encounter.policy.differences()
    policy = ("Medicare defaults" if not changed
              else "Medicare defaults except " + ", ".join(f"{k}={v}" for k, v in changed.items()))
    console.print(Text(f"Policy: {policy}. Nothing was logged.", style="dim"))
