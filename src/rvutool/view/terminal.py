"""What is drawn with rich: panels, tables, charts and progress bars (the only module that imports rich, and only
inside the functions that draw, so commands that print JSON never pay for it). Plain lines, messages, JSON and
questions are messages.py's."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.view.messages import note, warning
from rvutool.view.text import (
    about_pointer,
    about_rows,
    clean,
    code_table,
    family_rows,
    grouped_text,
    locality_text,
    money,
    na,
    rvu,
    short_text,
    summary_lines,
)

if TYPE_CHECKING:
    from rich.console import Console

    from rvutool.catalog.imports import DataStatus, ImportReport
    from rvutool.catalog.lookup import LookupResult
    from rvutool.names.search import SearchResult
    from rvutool.pricing.rules import PricedEncounter


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    # markup=False: text from data files and users is never read as rich markup ("[demo project code only]"
    # stays, "[/]" cannot crash); styles are given as Text objects instead.
    return Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False)


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


class _Rows:
    """The lookup grid drawn line by line, as Table.grid(padding=(0, 2)) draws it with a bold label column
    of a fixed width and a value column that wraps: without a table's per-cell machinery, which costs more
    than the rest of a 50-code lookup."""

    def __init__(self, cells: list[tuple[_Cell, _Cell]], label_width: int, value_width: int) -> None:
        self.cells, self.label_width, self.value_width = cells, label_width, value_width

    def __rich_measure__(self, console: Console, options: Any) -> Any:
        from rich.measure import Measurement

        width = self.label_width + 2 + self.value_width
        return Measurement(width, width)

    def __rich_console__(self, console: Console, options: Any) -> Any:
        from rich.segment import Segment
        from rich.style import Style

        bold = Style(bold=True)
        gap = Segment("  ")
        label_options = options.update(width=self.label_width, no_wrap=True, overflow="ellipsis")
        value_options = options.update(width=self.value_width, overflow="ellipsis")
        blank = Segment(" " * self.label_width)
        for label, value in self.cells:
            labels = console.render_lines(label, label_options, style=bold, pad=True)
            values = console.render_lines(value, value_options, pad=True)
            for i, line in enumerate(values):
                yield from labels[i] if i < len(labels) else [blank]
                yield gap
                yield from line
                yield Segment.line()


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
    if fixed:
        return _Rows(cells, label_width, min(value_width, room - label_width - 2))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True, width=label_width if fixed else None)
    grid.add_column(width=min(value_width, room - label_width - 2) if fixed else None)  # values wrap to fit
    for label, value in cells:
        grid.add_row(label, value)
    return grid


def lookup(results: Iterable[LookupResult], abouts: dict[str, Any] | None = None, *, show_about: bool = False) -> None:
    from rich.panel import Panel
    from rich.text import Text

    from rvutool.catalog import taxonomy, vocab

    console = _console()
    families_shown: dict[str, str] = {}
    shared: dict[str, _Cell] = {}
    for result in results:
        row, v = result.row, result.row.values
        rows: list[tuple[Any, Any]] = _name_rows(result.naming)
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
            rows.append(("Descriptor", clean(result.description)))
        rows.append(("PE RVU", f"non-facility {na(v['pe_nonfacility'], row.na('nonfacility'))}"
                               f" · facility {na(v['pe_facility'], row.na('facility'))}"))
        rows += [("MP RVU", rvu(v["mp"])),
                 ("Total RVU", f"non-facility {rvu(v['total_nonfacility'])} · facility {rvu(v['total_facility'])}"),
                 ("Global", f"{v['global_days']}  {vocab.meaning(vocab.GLOBAL_DAYS, v['global_days'])}")]
        if v["global_days"] in {"010", "090"}:
            rows.append(("Shares", f"pre-op {rvu(v['pre_op'])} · intra-op {rvu(v['intra_op'])}"
                                   f" · post-op {rvu(v['post_op'])}"))
        rows += [(label, f"{value}  {text}") for label, (value, text) in _indicator_rows(result)]
        if v["endo_base"]:
            rows.append(("Endo base", v["endo_base"]))
        rows.append(("Medicare", f"national non-facility {money(result.national('nonfacility'))}"
                                 f" · facility {money(result.national('facility'))}  "
                                 f"(CF {result.conversion_factor_label})"))
        if result.locality is not None:
            rows.append(("Locality", locality_text(result.locality)))
        rows += family_rows(result.naming, result.row.code, families_shown)
        rows += [(f"-{mod}", meaning) for mod, meaning in result.modifier_notes]
        rows += [(Text("Warning", style="yellow"), text) for text in result.warnings]
        about = (abouts or {}).get(row.code)
        if about is not None and not show_about:
            rows.append(("About", about_pointer(row.code)))
        title = Text(f"{result.item.code}{''.join('-' + m for m in result.item.modifiers)}", style="bold")
        subtitle = f"{row.release.id} · CY{row.release.year}" + (" · standing in" if result.release_note else "")
        console.print(Panel(_grid(console, rows, shared), title=title, title_align="left", subtitle=subtitle,
                            subtitle_align="right", expand=False))
        if show_about:
            if about is None:
                console.print(Text(f"No \"about this code\" for {row.code} yet.", style="dim"))
            else:
                console.print(Panel(_grid(console, about_rows(about), shared), title=Text(
                    f"About {row.code}", style="bold"), title_align="left", expand=False))
    if any(r.description for r in results):
        console.print(Text("CPT codes and descriptions are copyright the American Medical Association; "
                           "CDT (D codes) copyright the American Dental Association. From your own CMS file.",
                           style="dim"))


_NAME_SOURCES = {"hcpcs": "  (CMS's HCPCS Level II description)", "family": "  (no name of its own: its family's)"}


def lookup_compared(results: Iterable[LookupResult]) -> None:
    """`lookup --compare`: each code in its own release and the other, side by side, with the change."""
    from rich.table import Table

    from rvutool.view.text import compare_rows

    console = _console()
    for result in results:
        other = result.compare.release.id
        table = Table(title=f"{result.item} {result.naming.get('name') or ''}".strip(), title_justify="left",
                      box=None, pad_edge=False)
        for header, justify in (("", "left"), (result.release.id, "right"), (other, "right"), ("Change", "right")):
            table.add_column(header, justify=justify)  # type: ignore[arg-type]
        for row in compare_rows(result):
            table.add_row(*row)
        console.print(table)


def _name_rows(naming: dict[str, Any]) -> list[tuple[Any, Any]]:
    """The name first and in bold, then what clinicians also call the code."""
    from rich.text import Text

    if not naming["name"]:
        return []
    name = Text(clean(naming["name"]), style="bold")
    if naming["name_source"] in _NAME_SOURCES:
        name.append(_NAME_SOURCES[naming["name_source"]], style="dim")
    rows: list[tuple[Any, Any]] = [("Name", name)]
    also = [a for a in naming["aliases"] if a.lower() != naming["name"].lower()]
    if also:
        rows.append(("Also known as", clean(", ".join(also))))
    return rows


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
    """The hits as a table: codes and numbers keep their width, the name wraps, the category is cut short."""
    from rich.table import Table
    from rich.text import Text

    from rvutool.catalog import taxonomy

    console = _console()
    described = any(hit.description for hit in result.hits)
    narrow = console.width < 80  # the category goes, "No CMS work RVU" gets shorter; codes and numbers stay
    rows = []
    for hit in result.hits:
        row = hit.row
        if row.has_work_rvu:
            work = Text(rvu(row.work_rvu), style="green")
            if row.not_used_for_medicare_payment:
                work.append(" +", style="yellow")
        else:
            work = Text("no wRVU" if narrow else "No CMS work RVU", style="bold red")
            work.append(f" · {row.no_work_reason_key}", style="red")
        name = Text(short_text(clean(hit.name.text)) if hit.name else "")  # lookup shows CMS's long text whole
        if hit.alias and (not hit.name or hit.alias.lower() not in hit.name.text.lower()):
            name.append(f" (aka {clean(hit.alias)})", style="dim")
        if hit.match == "descriptor":
            name.append(" (found in its CMS descriptor)", style="dim")
        where = taxonomy.label(row.category) + (f" · {hit.topic}" if hit.topic else "")
        rows.append([hit.code, work, name, where, clean(hit.description or "")])
    # Codes and numbers keep their width; the name wraps and the category is cut short, in what is left.
    shown = [0, 1, 2] + ([] if narrow else [3]) + ([4] if described else [])
    fixed = max(len("Work RVU"), *(len(r[1]) for r in rows)) + 5 + 4 * len(shown)
    room = max(console.width - fixed, 16)
    wanted = [max(len(r[i]) for r in rows) for i in (2, 3, 4)]
    category = 0 if narrow else min(wanted[1], max(12, room // (5 if described else 4)))
    descriptor = min(wanted[2], max(16, (room - category) // 2)) if described else 0
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    table.add_column("Code", no_wrap=True, style="bold")
    table.add_column("Work RVU", no_wrap=True, justify="right")
    table.add_column("Name", overflow="fold", width=max(12, min(wanted[0], room - category - descriptor)))
    if not narrow:
        table.add_column("Category", no_wrap=True, overflow="ellipsis", width=category)
    if described:
        table.add_column("Descriptor", overflow="fold", width=descriptor)
    for cells in rows:
        table.add_row(*(cells[i] for i in shown))
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
                 f" · CF {meta['conversion_factor']}"
                 + (f" · QP CF {meta['conversion_factor_qp']}" if meta.get("conversion_factor_qp") else "")),
        ("Rows", f"{report.rows:,} rows · {report.codes:,} codes"
                 + (f" · GPCIs of {meta['localities']} localities" if meta.get("localities") else "")),
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
    return f"×{value.normalize():f}"


def calc(encounter: PricedEncounter) -> None:
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console = _console()
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
    from rvutool.view.text import short_names

    named = short_names(line.item.code for line in encounter.lines)
    for line in encounter.lines:
        head = Text(line.item.code, style="bold")
        head.append(f"  {clean(named.get(line.item.code, ''))}".rstrip())
        parts: list[Any] = [head]
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
    console.print(Text.assemble(f"wRVU as entered {rvu(encounter.base_wrvu)} · credited ",
                                (rvu(encounter.credited_wrvu), "bold")))
    if priced:
        loc, cf = encounter.options.locality, encounter.conversion_factor
        console.print(Text.assemble(f"Estimated Medicare allowed, {loc.label}, {setting}, CF {cf.label}: ",
                                    (money(encounter.payment), "bold"),
                                    f" (before the same-encounter rules {money(encounter.base_payment)})"
                                    + (f"; {loc.gpci_note}" if loc.gpci_note else "")))
    changed = encounter.policy.differences()
    policy = ("Medicare defaults" if not changed
              else "Medicare defaults except " + ", ".join(f"{k}={v}" for k, v in changed.items()))
    console.print(Text(f"Policy: {policy}. Nothing was logged.", style="dim"))


class _Progress:
    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self._bar, self._task = total, label, None, None

    def __enter__(self) -> Any:
        if self.total is None or self.total >= 1000:
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


def progress(total: int | None, label: str) -> _Progress:
    """A progress bar on stderr for long imports (a one-line note when stderr is not a terminal)."""
    return _Progress(total, label)


# ---------------------------------------------------------------- summary and config (helper C's section)
def summary(s: Any, *, show_groups: bool = False, chart: bool = False) -> None:
    """Fits the terminal down to 60 columns: codes and numbers never shrink; categories end in "…"."""
    from rich.table import Table
    from rich.text import Text

    from rvutool.catalog import taxonomy

    console = _console()
    period = s.period
    span = "" if period.kind in {"all", "range", "week", "fiscal-year"} else f" ({period.start} to {period.end})"
    whose = f", {s.provider}" if s.provider else ""
    console.print(Text(f"Summary: {period.label}{span}{whose}", style="bold"))
    if not s.log_exists:
        console.print("Nothing logged yet: there is no log file. `rvutool log 99213` starts one.")
    elif not s.totals.entries:
        console.print(f"No entries in {period.label}.")

    def number(table: Any, header: str, footer: str = "") -> None:
        table.add_column(header, justify="right", no_wrap=True, footer=footer)

    if s.codes:
        headers, rows, footers, name, category = code_table(s, console.width)
        table = Table(box=None, pad_edge=False, show_footer=True)
        table.add_column("Code", footer="Total", no_wrap=True)
        table.add_column("Name", width=name, no_wrap=True, overflow="ellipsis")
        if category:
            table.add_column("Category", width=category, no_wrap=True, overflow="ellipsis")
        for header, footer in zip(headers[3:], footers[3:], strict=True):
            number(table, header, footer)
        for r in rows:
            table.add_row(*(r if category else r[:2] + r[3:]))
        console.print(table)
    if s.then and s.groups:  # two keys: a grouped list (first key with its subtotal, then its second keys)
        console.print(grouped_text(s, console.width), markup=False, highlight=False, soft_wrap=True)
    elif show_groups and s.groups and s.by != "code":  # by code: the table above already is the grouping
        table = Table(box=None, pad_edge=False, title=f"By {s.by}", title_justify="left")
        table.add_column(s.by.capitalize(), no_wrap=s.by != "category")
        for header in ("Entries", "Units", "wRVU"):
            number(table, header)
        for g in s.groups:
            key = taxonomy.label(g.key) if s.by == "category" else g.key
            table.add_row(key, f"{g.entries:,}", f"{g.units:,}", rvu(g.wrvu))
        console.print(table)
    if chart and s.groups:
        _bar_chart(console, s)
    for text in summary_lines(s):
        console.print(text, markup=False, highlight=False)  # wraps between words, never inside a number
    if s.repricing is not None:
        from rvutool.view.text import repricing_text

        console.print(repricing_text(s.repricing, console.width), markup=False, highlight=False, soft_wrap=True)


def _bar_chart(console: Any, s: Any) -> None:
    """One bar per group, scaled to the largest and to the terminal; eighth blocks give the bar ends."""
    from rvutool.catalog import taxonomy

    groups = s.first_level
    biggest = max(g.credited_c for g in groups)
    values = [rvu(g.wrvu) for g in groups]
    room = console.width - max(len(v) for v in values) - 2
    label_width = min(28, max(8, room // 3))
    labels = [taxonomy.label(g.key) if s.by == "category" else g.key for g in groups]
    labels = [label if len(label) <= label_width or s.by != "category" else label[: label_width - 1] + "…"
              for label in labels]
    pad = max(len(label) for label in labels)
    width = max(10, min(40, room - pad))
    console.print(f"wRVU by {s.by}", style="bold")
    blocks = " ▏▎▍▌▋▊▉█"
    for label, g, value in zip(labels, groups, values, strict=True):
        eighths = 0 if biggest <= 0 else round(g.credited_c * width * 8 / biggest)
        bar = "█" * (eighths // 8) + (blocks[eighths % 8] if eighths % 8 else "")
        console.print(f"{label:<{pad}} {bar:<{width}} {value}", markup=False, highlight=False,
                      soft_wrap=True)


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
