"""Plain output, no rich: messages on stderr (Error, Warning, Note), lines, JSON and CSV on stdout, the questions
asked in a terminal, and the plain-text tables of the log (laid out by text.py)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.view.text import (
    clean,
    doctor_text,
    import_result_text,
    item_text,
    listing,
    rvu,
    terminal_width,
)

if TYPE_CHECKING:
    from rvutool.names.search import SearchResult


def _to_stderr(kind: str, message: str) -> None:
    # One line: a newline, terminal escape or lone surrogate (non-UTF-8 byte) echoed from an argument is escaped
    # a lone surrogate (a non-UTF-8 byte of an argument) is shown escaped, terminal control sequences go,
    # and other unprintable characters are shown escaped
    message = clean("".join(repr(c)[1:-1] if "\ud800" <= c <= "\udfff" else c for c in message))
    text = message if message.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    sys.stderr.write(f"{kind}: {text}\n")


def error(message: str) -> None:
    _to_stderr("Error", message)


def warning(message: str) -> None:
    _to_stderr("Warning", message)


def note(message: str) -> None:
    _to_stderr("Note", message)


def json_default(value: Any) -> Any:
    """What json.dumps writes for rvutool's values: Decimals as numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=json_default, ensure_ascii=False) + "\n")


def no_match(result: SearchResult, *, offers: bool = True) -> None:
    """Nothing matched: one line on stderr; up to three "did you mean" lines on stdout, each marked as such."""
    from rvutool.view.text import did_you_mean

    error(result.message)
    for text in did_you_mean(result.suggestions) if offers else ():
        line(text)


# ---------------------------------------------------------------- the procedure log (log, list, edit, remove,
# undo, recalc, import)
def line(text: str) -> None:
    sys.stdout.write(clean(text) + "\n")


def choose_code(phrase: str, hits: list[Any]) -> str | None:
    """In a terminal: the candidates of a phrase that is not one code, numbered; the code picked, or None."""
    from rvutool.view.prompt_lines import choices

    sys.stdout.write(f"{phrase!r} is not one code:\n{choices(hits)}\npick 1-{len(hits)} (Enter: none): ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip()
    if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(hits):
        return str(hits[int(answer) - 1].code)
    return None


def confirm(question: str, *, default: bool = False) -> bool:
    """Ask yes or no; Enter gives the default ([y/N] or [Y/n]), which never discards work."""
    sys.stdout.write(f"{question} {'[Y/n]' if default else '[y/N]'} ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in {"y", "yes"} or (default and answer not in {"n", "no"})


def logged(encounter: Any, entries: list[Any], warnings: list[str], *, saved: bool = True) -> None:
    """The encounter just logged (or about to be): one row per line and the total, fitting the terminal (the
    name and flags wrap, or move under their row; items and numbers are never cut)."""
    from rvutool.view.text import logged_table

    sys.stdout.write(logged_table(encounter, entries, terminal_width()))
    where = f"{encounter.date.isoformat()}, {encounter.release.id}, {encounter.options.setting}"
    if saved and entries:
        line(f"Saved encounter {entries[0].encounter_id} ({where}).")
    elif not saved:
        line(f"Not saved yet ({where}).")
    for text in warnings:
        warning(text)


def entries_table(entries: Iterable[Any], title: str, *, explain: bool = False) -> None:
    """The `list` table (text.listing: a long listing is written chunk by chunk)."""
    for text in listing(entries, title, terminal_width(), explain=explain):
        sys.stdout.write(text)


def entries_csv(entries: Iterable[Any]) -> None:
    from rvutool import spreadsheet
    from rvutool.names.table import short_name

    writer = spreadsheet.Writer(sys.stdout)
    writer.writerow(["id", "date", "code", "name", "modifiers", "units", "credited_wrvu", "flags", "note", "case"])
    for e in entries:
        writer.writerow([e.id, e.service_date, e.code, short_name(e.code) or "", e.modifiers, e.units,
                         rvu(e.credited_wrvu),
                         " ".join(e.flag_list + (["removed"] if e.voided else [])), e.note or "",
                         e.case_label or ""])


def _others(change: Any) -> None:
    """Every other line whose credit changed because its encounter was priced again, and the net change."""
    for old, new in change.others:
        line(f"  also re-priced #{new.id} {item_text(new)} on {new.service_date}: "
             f"{rvu(old.credited_wrvu)} -> {rvu(new.credited_wrvu)} wRVU")
    if change.others_more:
        line(f"  and {change.others_more:,} more re-priced entries")
    line(f"Net change: {change.net:+.2f} wRVU.")


def change(change: Any) -> None:
    """An edit: the entries as they are now, the other re-priced lines, the net change."""
    entries_table(change.entries, change.summary, explain=False)
    _others(change)


def removed(change: Any) -> None:
    for e in change.entries:
        line(f"Removed #{e.id} {item_text(e)} on {e.service_date} ({rvu(e.credited_wrvu)} wRVU as credited).")
    _others(change)
    line("`rvutool undo` brings " + ("it" if len(change.entries) == 1 else "them") + " back.")


def undone(change: Any) -> None:
    line(f"Undid the {change.summary}.")
    _others(change)


def doctor(where: str, exists: bool, problems: list[str], *, shared: bool = False) -> None:
    sys.stdout.write(doctor_text(where, exists, problems, shared=shared))


def ask_split(entry: Any) -> bool:
    """Ask whether a new date moves the whole encounter (False) or splits the line off (True)."""
    sys.stdout.write(f"Entry #{entry.id} is one line of encounter {entry.encounter_id}. Move the whole encounter "
                     "to the new date, or split this line off? [M/s] ")
    sys.stdout.flush()
    return sys.stdin.readline().strip().lower() in {"s", "split"}


def columns_used(columns: dict[str, list[str]]) -> None:
    ignored = ", ".join(columns["ignored"]) or "none"
    note(f"columns used: {', '.join(columns['used'])}; ignored (never read or stored): {ignored}")


def recalc_plan(plan: Any) -> None:
    from rvutool.money import from_hundredths as from_c

    count = plan.entries
    line(f"{plan.label}: {count} {'entry' if count == 1 else 'entries'}, "
         f"{rvu(from_c(plan.old_total_c))} wRVU as saved, {rvu(from_c(plan.new_total_c))} wRVU with today's "
         f"data and settings; {plan.changed} would change.")
    if plan.others:
        line(f"{plan.others} {'entry of another provider' if plan.others == 1 else 'entries of other providers'} "
             f"would change too; only {'its owner' if plan.others == 1 else 'their owners'} can recalc "
             f"{'it' if plan.others == 1 else 'them'}.")
    if not plan.changed:
        line("Nothing to change.")


def import_result(outcome: Any, *, dry_run: bool) -> None:
    line(import_result_text(outcome, dry_run=dry_run))


def summary_csv(s: Any) -> None:
    """Tidy rows: one per group of the chosen --by (or pair of keys), with the period on every row."""
    from rvutool import spreadsheet

    writer = spreadsheet.Writer(sys.stdout)
    for row in s.csv_rows():
        writer.writerow(row)
