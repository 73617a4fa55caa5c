"""Plain text for render.py: numbers as shown, aligned columns, the summary's sentences.

Strings only: no rich and no printing (render.py decides what is printed, and where).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def rvu(value: Decimal | float | str) -> str:
    return f"{Decimal(str(value)):.2f}"


def terminal_width() -> int:
    """The width plain-text output fits: $COLUMNS, else the terminal's, else 80 (as rich decides)."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def _pieces(text: str) -> list[str]:
    """A cell's parts that stay on one line if they can: "2nd procedure 50%, by-report" is two."""
    return [p for p in text.replace(" · ", " ·\0").replace(", ", ",\0").split("\0") if p]


def wrap_text(text: str, width: int) -> list[str]:
    """Lines of at most `width`, broken after a comma where possible, else between words."""
    import textwrap

    lines: list[str] = []
    for piece in _pieces(text):
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        elif lines and len(piece) > 20:  # a long note: fill the line, then go on
            lines[-1:] = textwrap.wrap(f"{lines[-1]} {piece}", width, break_on_hyphens=False)
        else:  # a short part (a reason, a flag) starts a line rather than break
            lines += textwrap.wrap(piece, width, break_on_hyphens=False) or [""]
    return lines


def columns(header: list[str], rows: list[list[str]], right: set[int], footer: list[str] | None = None, *,
            width: int | None = None, wrap: frozenset[int] = frozenset(), at_least: list[int] | None = None,
            show_header: bool = True) -> str:
    """Aligned columns, two spaces apart, without rich: a month of a busy log is thousands of rows,
    and rich's table measures every cell (about a millisecond a row).

    Within `width`, the `wrap` columns (text, never codes or numbers) wrap inside their column; when
    even that cannot fit, they move under their row, joined by " · ", so no code or number is ever cut.
    A long listing comes in chunks: `at_least` keeps a chunk's columns as wide as the first chunk's.
    """
    table = [header, *rows, *([footer] if footer else [])]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    if at_least is not None:
        widths = [max(w, least) for w, least in zip(widths, at_least, strict=True)]
    limit = width if width is not None and wrap else None
    stacked: list[int] = []
    if limit is not None and sum(widths) + 2 * (len(widths) - 1) > limit:
        room = limit - sum(w for i, w in enumerate(widths) if i not in wrap) - 2 * (len(widths) - 1)
        least = {i: max(len(header[i]), min(12, widths[i]),  # narrower than 12 reads badly: move it under
                        min(20, max((len(w) for r in table for w in _pieces(r[i])), default=0))) for i in wrap}
        if sum(least.values()) > room:
            stacked = sorted(wrap)
        else:
            order = sorted(wrap, key=lambda k: (widths[k], k))  # narrowest first; the widest gets what is left
            for n, i in enumerate(order):
                widths[i] = min(widths[i], room - sum(least[k] for k in order[n + 1:]))
                room -= widths[i]
    shown = [i for i in range(len(header)) if i not in stacked]
    indent = " " * (widths[shown[0]] + 2)

    def fmt(row: list[str]) -> list[str]:
        if not stacked and all(len(row[i]) <= widths[i] for i in wrap):  # the usual row: one line
            return ["  ".join(row[i].rjust(widths[i]) if i in right else row[i].ljust(widths[i])
                              for i in shown).rstrip()]
        cells = [(wrap_text(row[i], widths[i]) or [""]) if i in wrap else [row[i]] for i in shown]
        lines = []
        for k in range(max(len(c) for c in cells)):
            parts = [c[k] if k < len(c) else "" for c in cells]
            lines.append("  ".join(p.rjust(widths[i]) if i in right else p.ljust(widths[i])
                                   for i, p in zip(shown, parts, strict=True)).rstrip())
        extra = " · ".join(row[i] for i in stacked if row[i])
        if extra:
            lines += [indent + part for part in wrap_text(extra, max(limit - len(indent), 20))]
        return lines

    return "".join(line + "\n" for r in (table if show_header else table[1:]) for line in fmt(r))


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


def grouped_text(s: Any, width: int) -> str:
    """A two-level --by as a grouped list: each first key on its own row with its subtotal, its second
    keys indented under it. Reads in 60 columns whatever the number of codes (a pivot with a column per
    code would not); codes and numbers never shrink, only category names wrap."""
    from rvutool import taxonomy

    def name(kind: str, key: str) -> str:
        return taxonomy.label(key) if kind == "category" else key

    rows: list[list[str]] = []
    inner: dict[str, list[Any]] = {}
    for g in s.groups:
        inner.setdefault(g.key, []).append(g)
    for sub in s.outer:
        rows.append([name(s.by, sub.key), "", f"{sub.entries:,}", f"{sub.units:,}", rvu(sub.wrvu)])
        rows.extend(["", name(s.then, g.key2), f"{g.entries:,}", f"{g.units:,}", rvu(g.wrvu)]
                    for g in inner[sub.key])
    wrap = frozenset(i for i, kind in enumerate((s.by, s.then)) if kind == "category")
    table = columns([s.by.capitalize(), s.then.capitalize(), "Entries", "Units", "wRVU"], rows, {2, 3, 4},
                    width=width, wrap=wrap)
    return f"By {s.by}, then {s.then}\n{table}"


_CONTROL = None


def clean(text: str) -> str:
    """Text without terminal control sequences or control characters (tabs and newlines kept), so a file's
    cell or an argument echoed back can never drive the terminal."""
    global _CONTROL
    if _CONTROL is None:
        import re

        _CONTROL = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])?"
                              r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]|[\ud800-\udfff]")
    return _CONTROL.sub("", text)


def item_text(entry: Any) -> str:
    return entry.item_text + (f" x{entry.units}" if entry.units != 1 else "")


def duplicate_text(already: list[Any]) -> str:
    first = already[0]
    codes = ", ".join(dict.fromkeys(e.code for e in already))
    label = f" with case label {first.case_label!r}" if first.case_label else ""
    ids = ", ".join(f"#{e.id}" for e in already[:5]) + (" ..." if len(already) > 5 else "")
    return f"{codes} already logged on {first.service_date}{label} ({ids}); is this a second, separate service?"


def explanations(entries: list[Any], width: int) -> str:
    """`list --explain`: how each credit was reached, wrapped to the width."""
    import textwrap

    said = []
    for entry in entries:
        said.append(("  ", f"#{entry.id} {item_text(entry)} ({entry.release}, {entry.setting}): "
                           f"base {rvu(entry.work_rvu)} x {entry.units} = {rvu(entry.base_wrvu)}"))
        for adj in entry.adjustment_list:
            said.append(("      ", f"{adj.get('rule')}: x{adj.get('factor')}  {adj.get('reason')}"))
        if not entry.adjustment_list:
            said.append(("      ", f"no adjustment: credited {rvu(entry.credited_wrvu)}"))
        if entry.no_wrvu_reason:
            said.append(("      ", f"no CMS work RVU: {entry.no_wrvu_reason}"))
    out = ["How each credit was reached:\n"]
    for indent, text in said:
        out.extend(f"{part}\n" for part in textwrap.wrap(
            text, max(width, 40), initial_indent=indent, subsequent_indent=indent + "  ",
            break_on_hyphens=False, break_long_words=False))
    return "".join(out)


def import_result_text(outcome: Any, *, dry_run: bool) -> str:
    """What an import did (or a dry run would do), in one sentence."""
    count, encounters = outcome.added, outcome.encounters
    parts = [f"{outcome.duplicates} already in the log"] if outcome.duplicates else []
    if outcome.favourites_held:
        parts.append(_count(outcome.favourites_held, "favourite", "favourites") + " already in the log")
    if outcome.skipped:
        parts.append(f"{len(outcome.skipped)} bad {'row' if len(outcome.skipped) == 1 else 'rows'} skipped")
    extra = f" ({'; '.join(parts)})" if parts else ""
    noun = "entry" if count == 1 else "entries"
    enc = f"{encounters} {'encounter' if encounters == 1 else 'encounters'}"
    names = outcome.favourites_added
    favs = (_count(len(names), "favourite", "favourites") + f" ({', '.join(names)})") if names else ""
    if dry_run:
        also = f" and {favs}" if favs else ""
        return (f"Dry run: {outcome.source} ({outcome.fmt}) would add {count} {noun} in {enc}, "
                f"{outcome.net:+.2f} wRVU{also}{extra}; nothing was written.")
    if not count and not favs:
        return f"Nothing to import from {outcome.source}{extra}."
    if not count:
        return f"Imported {favs} from {outcome.source}{extra}. `rvutool undo` reverts it."
    also = f" and {favs}" if favs else ""
    return (f"Imported {count} {noun} (#{outcome.first_id}-#{outcome.last_id}) in {enc}{also} from "
            f"{outcome.source}{extra}. Net change: {outcome.net:+.2f} wRVU. `rvutool undo` reverts it.")


def doctor_text(where: str, exists: bool, problems: list[str]) -> str:
    """`rvutool doctor`: the verdict, each problem, and what to do about them."""
    if not exists:
        return f"No log yet at {where}: nothing to check.\n"
    if not problems:
        return f"The log {where} is sound: every page, index and invariant checked.\n"
    out = [f"The log {where} has problems:", *(f"  - {problem}" for problem in problems)]
    out.append("Keep a copy of the file; move it aside, then `rvutool import` your latest export into a new log "
               "(`--restore` brings back removed entries).")
    return "".join(f"{text}\n" for text in out)
