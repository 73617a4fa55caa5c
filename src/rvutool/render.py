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
class _Cell:
    """A grid cell drawn exactly as rich draws it, but measured once and drawn once per width: rich
    converts (markup, emoji) and measures a str cell on every pass, and values repeat across codes."""

    def __init__(self, text: Any) -> None:
        self.text, self._measured, self._drawn = text, None, {}

    def __rich_measure__(self, console: Console, options: Any) -> Any:
        if self._measured is None:  # Text measures the same at any width
            self._measured = self.text.__rich_measure__(console, options)
        return self._measured

    def __rich_console__(self, console: Console, options: Any) -> Any:
        key = (options.max_width, options.justify, options.overflow, options.no_wrap)
        if key not in self._drawn:
            self._drawn[key] = list(console.render(self.text, options))
        return self._drawn[key]


def _grid(console: Console, rows: list[tuple[Any, Any]], shared: dict[str, _Cell]) -> Any:
    """Bold labels and values, 2 spaces apart, in a panel at most as wide as the console. The column
    widths rich would work out are given up front, so it does not measure every cell again."""
    from rich.table import Table

    for content in {c for row in rows for c in row if isinstance(c, str)} - shared.keys():
        shared[content] = _Cell(console.render_str(content, highlight=False))
    cells = [tuple(shared[c] if isinstance(c, str) else _Cell(c) for c in row) for row in rows]
    options = console.options
    label_width, value_width = (max(c[i].__rich_measure__(console, options).maximum for c in cells) for i in (0, 1))
    room = options.max_width - 4  # panel border and padding
    fixed = label_width + 2 < room  # else rich squeezes both columns: let it work that out
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True, width=label_width if fixed else None)
    grid.add_column(width=min(value_width, room - label_width - 2) if fixed else None)  # values wrap to fit
    for label, value in cells:
        grid.add_row(label, value)
    return grid


def lookup(results: Iterable[LookupResult]) -> None:
    from rich.panel import Panel
    from rich.text import Text

    from rvutool import taxonomy, vocab

    console = _console()
    notes_shown: set[str] = set()
    shared: dict[str, _Cell] = {}
    for result in results:
        row, v = result.row, result.row.values
        if result.release_note and result.release_note not in notes_shown:
            notes_shown.add(result.release_note)
            console.print(Text(f"Note: {result.release_note}", style="yellow"))
        rows: list[tuple[Any, Any]] = []
        if row.has_work_rvu:
            work = Text(rvu(row.work_rvu), style="bold green")
            if row.not_used_for_medicare_payment:
                work.append("  published, but not used for Medicare payment (+)", style="yellow")
            rows.append(("Work RVU", work))
        else:
            flag = Text("No CMS work RVU", style="bold white on red")
            flag.append(f"  {row.no_work_reason}", style="red")
            rows.append(("Work RVU", flag))
        rows += [("Status", f"{v['status']}  {vocab.meaning(vocab.STATUS, v['status'])}"),
                 ("Category", taxonomy.label(row.category))]
        if result.description:
            rows.append(("Descriptor", result.description))
        rows.append(("PE RVU", f"non-facility {_na(v['pe_nonfacility'], row.na('nonfacility'))}"
                               f" · facility {_na(v['pe_facility'], row.na('facility'))}"))
        rows += [("MP RVU", rvu(v["mp"])),
                 ("Total RVU", f"non-facility {rvu(v['total_nonfacility'])} · facility {rvu(v['total_facility'])}"),
                 ("Global", f"{v['global_days']}  {vocab.meaning(vocab.GLOBAL_DAYS, v['global_days'])}")]
        if v["global_days"] in {"010", "090"}:
            rows.append(("Shares", f"pre-op {rvu(v['pre_op'])} · intra-op {rvu(v['intra_op'])}"
                                   f" · post-op {rvu(v['post_op'])}"))
        rows += [(label, f"{value}  {text}") for label, (value, text) in _indicator_rows(result)]
        if v["endo_base"]:
            rows.append(("Endo base", v["endo_base"]))
        cf = row.release.conversion_factor
        rows.append(("Medicare", f"national non-facility {money(row.national_payment('nonfacility'))}"
                                 f" · facility {money(row.national_payment('facility'))}  (CF {cf})"))
        if result.locality is not None:
            rows.append(("Locality", _locality_text(result.locality)))
        rows += [(f"-{mod}", meaning) for mod, meaning in result.modifier_notes]
        rows += [(Text("Warning", style="yellow"), text) for text in result.warnings]
        title = f"[bold]{result.item.code}{''.join('-' + m for m in result.item.modifiers)}[/bold]"
        subtitle = f"{row.release.id} · CY{row.release.year}"
        console.print(Panel(_grid(console, rows, shared), title=title, title_align="left", subtitle=subtitle,
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
    # Surgical indicators matter for procedures: a global period, or a multiple-procedure rule.
    surgical = (result.row.values["global_days"] in {"000", "010", "090", "ZZZ", "MMM"}
                or ind["mult_proc"][0] in {"1", "2", "3", "4"})
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


def columns(header: list[str], rows: list[list[str]], right: set[int], footer: list[str] | None = None) -> str:
    """Aligned columns, two spaces apart, without rich: a month of a busy log is thousands of rows,
    and rich's table measures every cell (about a millisecond a row)."""
    table = [header, *rows, *([footer] if footer else [])]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(cells).rstrip()

    return "\n".join(fmt(r) for r in table) + "\n"


def entries_table(entries: list[Any], title: str, *, explain: bool = False) -> None:
    if not entries:
        line(f"No entries in {title}.")
        return
    active = [e for e in entries if not e.voided]
    total = sum((e.credited_wrvu for e in active), Decimal("0.00"))
    rows = [[str(e.id), e.service_date, e.item_text, str(e.units), rvu(e.credited_wrvu),
             _flag_text(e.flag_list, bool(e.voided)), " · ".join(t for t in (e.case_label, e.note) if t)]
            for e in entries]
    out = [f"Log: {title}\n",
           columns(["#", "Date", "Item", "Units", "wRVU", "Flags", "Note"], rows, {0, 3, 4},
                   ["", "Total", "", "", rvu(total), "", ""])]
    count = len(active)
    out.append(f"{count} {'entry' if count == 1 else 'entries'}, {rvu(total)} wRVU credited.\n")
    if explain:
        out.append("How each credit was reached:\n")
        for entry in entries:
            out.append(f"  #{entry.id} {_item_text(entry)} ({entry.release}, {entry.setting}): "
                       f"base {rvu(entry.work_rvu)} x {entry.units} = {rvu(entry.base_wrvu)}\n")
            for adj in entry.adjustment_list:
                out.append(f"      {adj.get('rule')}: x{adj.get('factor')}  {adj.get('reason')}\n")
            if not entry.adjustment_list:
                out.append(f"      no adjustment: credited {rvu(entry.credited_wrvu)}\n")
            if entry.no_wrvu_reason:
                out.append(f"      no CMS work RVU: {entry.no_wrvu_reason}\n")
    sys.stdout.write("".join(out))


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
    line("`rvutool undo` brings " + ("it" if len(entries) == 1 else "them") + " back.")


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
             f"{'encounter' if plan.encounters == 1 else 'encounters'}{extra}; nothing was written.")
    elif not ids:
        line(f"Nothing to import from {plan.source.name}{extra}.")
    else:
        line(f"Imported {len(ids)} {'entry' if len(ids) == 1 else 'entries'} (#{ids[0]}-#{ids[-1]}) in "
             f"{plan.encounters} {'encounter' if plan.encounters == 1 else 'encounters'} from "
             f"{plan.source.name}{extra}. `rvutool undo` reverts it.")


# ---------------------------------------------------------------- summary and config (helper C's section)
def _pct(value: Decimal) -> str:
    return f"{value:.1f}%"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def summary_lines(s: Any) -> list[str]:
    """The arithmetic under a summary's totals, as plain sentences (shared by the text view)."""
    t = s.totals
    out = [f"Total: {rvu(t.wrvu)} wRVU credited from {_count(t.entries, 'entry', 'entries')} "
           f"({_count(t.units, 'unit', 'units')})"]
    difference = t.wrvu - t.base_wrvu
    if difference:
        out.append(f"As entered: {rvu(t.base_wrvu)} wRVU (CMS work RVU x units); the payment rules changed "
                   f"it by {difference:+.2f} -> {rvu(t.wrvu)} credited")
    elif t.entries:
        out.append(f"As entered: {rvu(t.base_wrvu)} wRVU (CMS work RVU x units); the payment rules changed "
                   "nothing")
    if s.flagged:
        out.append("* " + s.flagged_text())
        reasons: dict[str, list[str]] = {}
        for f in s.flagged:
            reasons.setdefault(f.reason, []).append(f.code)
        for reason, codes in reasons.items():
            out.append(f"  {', '.join(codes)}: {reason}; counted as 0")
    if s.rate is not None:
        source = " (--rate)" if s.rate_source == "--rate" else " (rate from config)"
        out.append(f"Compensation estimate: {rvu(t.wrvu)} wRVU x {money(s.rate)} = {money(s.compensation)}"
                   f"{source}")
    m = s.medicare
    if m is not None:
        unpriced = (f"; {_count(m.unpriced_entries, 'entry has', 'entries have')} no Medicare amount "
                    "(NA setting or not paid from RVUs)" if m.unpriced_entries else "")
        out.append(f"Estimated Medicare allowed: {money(m.amount)} in {m.locality}, CF "
                   f"{' and '.join(m.conversion_factors)}: each entry's fee schedule amount x credited / "
                   f"as-entered wRVU{unpriced}")
    p = s.progress
    if p is not None:
        out.append(f"Target ({p.source}): {rvu(p.total)} of {rvu(p.target)} wRVU = {_pct(p.percent)}")
        if p.state == "not started":
            out.append(f"Pace: the period starts on {s.period.start}")
        elif p.state == "running":
            out.append(f"Pace: {rvu(p.total)} wRVU in {p.days_elapsed} of {p.days_total} days -> "
                       f"{rvu(p.projected)} projected ({rvu(p.total)} x {p.days_total} / {p.days_elapsed})")
        if p.shortfall == 0:
            out.append(f"Target reached: {rvu(p.total)} of {rvu(p.target)} wRVU "
                       f"({p.total - p.target:+.2f})")
        elif p.state == "over":
            out.append(f"Period over: {rvu(p.shortfall)} wRVU short of the target")
        elif p.needed_per_workday is None:
            out.append(f"Needed: {rvu(p.shortfall)} wRVU, with no workdays (Mon-Fri) left in the period")
        else:
            out.append(f"Needed: ({rvu(p.target)} - {rvu(p.total)}) / "
                       f"{_count(p.remaining_workdays, 'remaining workday', 'remaining workdays')} = "
                       f"{rvu(p.needed_per_workday)} wRVU per workday (Mon-Fri, today included)")
    if len(s.policies) == 1:
        out.append(f"Policy: {s.policies[0].description}")
    elif s.policies:
        out.append(f"Policies: the entries of this period were credited under {len(s.policies)} "
                   "different payment policies:")
        for use in s.policies:
            out.append(f"  {_count(use.entries, 'entry', 'entries')} ({use.first} to {use.last}): "
                       f"{use.description}")
        out.append("  `rvutool recalc` re-credits a period under the current settings.")
    return out


def summary(s: Any, *, show_groups: bool = False, chart: bool = False) -> None:
    from rich.table import Table

    from rvutool import taxonomy

    console = _console()
    period = s.period
    span = "" if period.kind in {"all", "range", "week", "fiscal-year"} else f" ({period.start} to {period.end})"
    console.print(f"[bold]Summary: {period.label}{span}[/bold]")
    if not s.log_exists:
        console.print("Nothing logged yet: there is no log file. `rvutool log 99213` starts one.")
    elif not s.totals.entries:
        console.print(f"No entries in {period.label}.")
    if s.codes:
        table = Table(box=None, pad_edge=False, show_footer=True)
        table.add_column("Code", footer="Total")
        table.add_column("Category", max_width=34, overflow="ellipsis", no_wrap=True)
        table.add_column("Entries", justify="right", footer=f"{s.totals.entries:,}")
        table.add_column("Units", justify="right", footer=f"{s.totals.units:,}")
        table.add_column("As entered", justify="right", footer=rvu(s.totals.base_wrvu))
        table.add_column("wRVU", justify="right", footer=rvu(s.totals.wrvu))
        for c in s.codes:
            table.add_row(c.code, taxonomy.label(c.category), f"{c.entries:,}", f"{c.units:,}",
                          rvu(c.base_wrvu), rvu(c.wrvu) if not _is_flagged(s, c.code) else f"{rvu(c.wrvu)} *")
        console.print(table)
    if show_groups and s.groups:
        table = Table(box=None, pad_edge=False, title=f"By {s.by}", title_justify="left")
        table.add_column(s.by.capitalize())
        table.add_column("Entries", justify="right")
        table.add_column("Units", justify="right")
        table.add_column("wRVU", justify="right")
        for g in s.groups:
            key = taxonomy.label(g.key) if s.by == "category" else g.key
            table.add_row(key, f"{g.entries:,}", f"{g.units:,}", rvu(g.wrvu))
        console.print(table)
    if chart and s.groups:
        _bar_chart(console, s)
    for text in summary_lines(s):
        console.print(text, markup=False, highlight=False, soft_wrap=True)


def _is_flagged(s: Any, code: str) -> bool:
    return any(f.code == code for f in s.flagged)


def _bar_chart(console: Any, s: Any, width: int = 40) -> None:
    """One bar per group, scaled to the largest; eighth blocks give the bar ends."""
    from rvutool import taxonomy

    biggest = max(g.credited_c for g in s.groups)
    labels = [taxonomy.label(g.key)[:28] if s.by == "category" else g.key for g in s.groups]
    pad = max(len(label) for label in labels)
    console.print(f"wRVU by {s.by}", style="bold")
    blocks = " ▏▎▍▌▋▊▉█"
    for label, g in zip(labels, s.groups, strict=True):
        eighths = 0 if biggest <= 0 else round(g.credited_c * width * 8 / biggest)
        bar = "█" * (eighths // 8) + (blocks[eighths % 8] if eighths % 8 else "")
        console.print(f"{label:<{pad}} {bar:<{width}} {rvu(g.wrvu)}", markup=False, highlight=False,
                      soft_wrap=True)


def summary_csv(s: Any) -> None:
    """Tidy rows: one per group of the chosen --by, with the period on every row."""
    import csv

    period = s.period.to_dict()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["from", "to", "by", "key", "entries", "units", "base_wrvu", "wrvu"])
    for g in s.groups:
        writer.writerow([period["from"] or "", period["to"] or "", s.by, g.key, g.entries, g.units,
                         rvu(g.base_wrvu), rvu(g.wrvu)])


def config_rows(rows: list[tuple[str, Any, bool, str]], path: str, unknown: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    table.add_column("Key", no_wrap=True)
    table.add_column("Value", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("Meaning", overflow="fold")
    for key, value, is_set, meaning in rows:
        shown = "(not set)" if value is None else str(value)
        table.add_row(key, shown, "" if is_set else "default", meaning)
    console = _console()
    console.print(table)
    console.print(f"Settings file: {path}", markup=False, highlight=False)
    for key in unknown:
        warning(f"{path}: {key} is not a setting rvutool knows; it is kept but ignored")
