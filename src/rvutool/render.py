"""All terminal output. rich is imported here and only inside functions that draw,
so commands that print JSON never pay for it."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from rvutool.lookup import LookupResult


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


# ---------------------------------------------------------------- the procedure log (log, list, edit, remove,
# undo, recalc, import)
def line(text: str) -> None:
    sys.stdout.write(text + "\n")


def confirm(question: str) -> bool:
    sys.stdout.write(f"{question} [y/N] ")
    sys.stdout.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in {"y", "yes"}


def _item_text(entry: Any) -> str:
    return entry.item_text + (f" x{entry.units}" if entry.units != 1 else "")


def _flag_text(flags: list[str], voided: bool = False) -> str:
    words = {"no-wrvu": "no wRVU", "not-used-for-medicare": "not used by Medicare"}
    out = [words.get(f, f) for f in flags]
    if voided:
        out.insert(0, "REMOVED")
    return ", ".join(out)


def logged(encounter: Any, entries: list[Any], warnings: list[str], *, saved: bool = True) -> None:
    """The encounter just logged (or about to be): one row per line and the total."""
    from rich.table import Table

    console = _console()
    if encounter.release_note:
        console.print(f"Note: {encounter.release_note}", style="yellow")
    table = Table(title=None, show_footer=True, box=None, pad_edge=False)
    table.add_column("#", footer="", justify="right")
    table.add_column("Item", footer="Total")
    table.add_column("Units", justify="right")
    table.add_column("Base wRVU", justify="right", footer=rvu(encounter.base_wrvu))
    table.add_column("Credited", justify="right", footer=rvu(encounter.credited_wrvu))
    table.add_column("Flags")
    rows = entries if entries else [None] * len(encounter.lines)
    for entry, priced in zip(rows, encounter.lines, strict=True):
        item = priced.item
        table.add_row("" if entry is None else str(entry.id),
                      item.code + "".join(f"-{m}" for m in item.modifiers), str(item.units),
                      rvu(priced.base_wrvu), rvu(priced.credited_wrvu), _flag_text(list(priced.flags)))
    console.print(table)
    where = f"{encounter.date.isoformat()}, {encounter.release.id}, {encounter.options.setting}"
    if saved and entries:
        console.print(f"Saved encounter {entries[0].encounter_id} ({where}).")
    elif not saved:
        console.print(f"Not saved yet ({where}).")
    for text in warnings:
        warning(text)


def entries_table(entries: list[Any], title: str, *, explain: bool = False) -> None:
    from rich.table import Table

    console = _console()
    if not entries:
        console.print(f"No entries in {title}.")
        return
    table = Table(title=f"Log: {title}", title_justify="left", show_footer=True, box=None, pad_edge=False)
    table.add_column("#", justify="right", footer="")
    table.add_column("Date", footer="Total")
    table.add_column("Item")
    table.add_column("Units", justify="right")
    active = [e for e in entries if not e.voided]
    total = sum((e.credited_wrvu for e in active), Decimal("0.00"))
    table.add_column("wRVU", justify="right", footer=rvu(total))
    table.add_column("Flags")
    table.add_column("Note")
    for entry in entries:
        note_text = " · ".join(t for t in (entry.case_label, entry.note) if t)
        table.add_row(str(entry.id), entry.service_date, entry.item_text, str(entry.units),
                      rvu(entry.credited_wrvu), _flag_text(entry.flag_list, bool(entry.voided)), note_text,
                      style="dim" if entry.voided else None)
    console.print(table)
    count = len(active)
    console.print(f"{count} {'entry' if count == 1 else 'entries'}, {rvu(total)} wRVU credited.")
    if explain:
        console.print("How each credit was reached:")
        for entry in entries:
            console.print(f"  #{entry.id} {_item_text(entry)} ({entry.release}, {entry.setting}): "
                          f"base {rvu(entry.work_rvu)} x {entry.units} = {rvu(entry.base_wrvu)}")
            for adj in entry.adjustment_list:
                console.print(f"      {adj.get('rule')}: x{adj.get('factor')}  {adj.get('reason')}")
            if not entry.adjustment_list:
                console.print(f"      no adjustment: credited {rvu(entry.credited_wrvu)}")
            if entry.no_wrvu_reason:
                console.print(f"      no CMS work RVU: {entry.no_wrvu_reason}")


def entries_csv(entries: list[Any]) -> None:
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "date", "code", "modifiers", "units", "credited_wrvu", "flags", "note", "case"])
    for e in entries:
        writer.writerow([e.id, e.service_date, e.code, e.modifiers, e.units, rvu(e.credited_wrvu),
                         " ".join(e.flag_list + (["removed"] if e.voided else [])), e.note or "",
                         e.case_label or ""])


def removed(entries: list[Any]) -> None:
    for e in entries:
        line(f"Removed #{e.id} {_item_text(e)} on {e.service_date} ({rvu(e.credited_wrvu)} wRVU).")
    line("`rvutool undo` brings them back.")


def undone(done: Any) -> None:
    line(f"Undid the {done.summary} (made {done.created_at}).")


def recalc_plan(plan: Any) -> None:
    from rvutool.logbook import from_c

    count = len(plan.entries)
    line(f"{plan.label}: {count} {'entry' if count == 1 else 'entries'}, "
         f"{rvu(from_c(plan.old_total_c))} wRVU as saved, {rvu(from_c(plan.new_total_c))} wRVU with today's "
         f"data and settings; {plan.changed} would change.")
    if not plan.changed:
        line("Nothing to change.")


class _Progress:
    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self._bar, self._task = total, label, None, None

    def __enter__(self) -> Any:
        if self.total >= 1000:
            if sys.stderr.isatty():
                from rich.progress import Progress

                self._bar = Progress(console=_console(stderr=True), transient=True)
                self._bar.start()
                self._task = self._bar.add_task(self.label, total=self.total)
            else:
                note(f"{self.label}...")
                sys.stderr.flush()
        return self.step

    def step(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def progress(total: int, label: str) -> _Progress:
    """A progress bar on stderr for long imports (a one-line note when stderr is not a terminal)."""
    return _Progress(total, label)


def import_result(plan: Any, ids: list[int], *, dry_run: bool) -> None:
    count = len(plan.rows)
    parts = [f"{plan.duplicates} already in the log"] if plan.duplicates else []
    if plan.skipped:
        parts.append(f"{len(plan.skipped)} bad {'row' if len(plan.skipped) == 1 else 'rows'} skipped")
    extra = f" ({'; '.join(parts)})" if parts else ""
    noun = "entry" if count == 1 else "entries"
    if dry_run:
        line(f"Dry run: {plan.source.name} ({plan.fmt}) would add {count} {noun} in {plan.encounters} "
             f"encounters{extra}; nothing was written.")
    elif not ids:
        line(f"Nothing to import from {plan.source.name}{extra}.")
    else:
        line(f"Imported {len(ids)} {'entry' if len(ids) == 1 else 'entries'} (#{ids[0]}-#{ids[-1]}) in "
             f"{plan.encounters} encounters from {plan.source.name}{extra}. `rvutool undo` reverts it.")
