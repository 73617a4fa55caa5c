"""Bare `rvutool log` in a terminal: a short question-and-answer entry of one encounter.

    items (blank line when done): 99213 71046-26
    items (blank line when done):
    date of service [today]:
    note (optional; no patient identifiers):
    ...the encounter table...
    save? [Y/n]

Each answer is checked as it is typed; a wrong one is asked again. The loop reads through
`ask` (a prompt -> answer function, `input` by default) so tests can script it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rvutool import render
from rvutool.errors import RvuError

Ask = Callable[[str], str]


class _Cancelled(Exception):
    pass


def _ask(ask: Ask, prompt: str) -> str:
    try:
        return ask(prompt)
    except EOFError:
        raise _Cancelled() from None


def _known(catalog: Any, code: str) -> bool:
    return any(catalog.rows(code, release) for release in catalog.releases)


def ask_items(ask: Ask, catalog: Any, check: Callable[[list[Any]], Any] | None = None) -> list[Any]:
    """Items until a blank line; `check(items)` (pricing them) refuses one that would fail at save, such as
    45378-52 without a --fraction, at its own prompt."""
    from rvutool.items import parse_item

    chosen: list[Any] = []
    while True:
        answer = _ask(ask, "items (blank line when done): ").strip()
        if not answer:
            if chosen:
                return chosen
            render.line("  give at least one item, such as 99213 or 71046-26 (Ctrl-D to cancel)")
            continue
        accepted = []
        for token in answer.replace(",", " ").split():
            try:
                item = parse_item(token)
            except RvuError as exc:
                render.line(f"  {exc.message}; type that one again")
                continue
            if not _known(catalog, item.code):
                nearest = ", ".join(catalog.suggest(item.code))
                render.line(f"  unknown code {item.code} (nearest: {nearest}); type it again")
                continue
            if check is not None:
                try:
                    check([*chosen, *accepted, item])
                except RvuError as exc:
                    render.line(f"  {exc.message}; type that one again")
                    continue
            accepted.append(item)
        chosen.extend(accepted)
        if accepted:
            render.line("  so far: " + " ".join(str(i) for i in chosen))


def ask_date(ask: Ask) -> Any:
    from rvutool import dates

    while True:
        answer = _ask(ask, "date of service [today]: ").strip() or "today"
        try:
            return dates.parse_date(answer, allow_future=False)
        except RvuError as exc:
            render.line(f"  {exc.message}")


def ask_note(ask: Ask, allow_identifiers: bool) -> str | None:
    from rvutool import inputs, phi

    while True:
        answer = _ask(ask, "note (optional; no patient identifiers): ").strip()
        if not answer:
            return None
        try:
            inputs.text(answer, "note")
            phi.check_note(answer, field="note", allow=allow_identifiers)
            return answer
        except RvuError as exc:
            render.line(f"  {exc.message}")


def run(*, date_text: str | None, note: str | None, case: str | None, options: Any, allow_identifiers: bool,
        policy: Any, ask: Ask | None = None) -> int:
    from rvutool import dates, inputs, log, rules
    from rvutool.codes import Catalog
    from rvutool.log import changes

    ask = ask or input
    catalog = Catalog()
    try:
        render.line("Log one encounter. Items are CODE[-MOD...][xN], such as 99213 71046-26 97110x4.")
        on_guess = inputs.service_date(date_text) if date_text is not None else dates.today()
        items = ask_items(ask, catalog, lambda chosen: rules.price_encounter(
            chosen, on_guess, catalog=catalog, policy=policy, options=options))
        on = inputs.service_date(date_text) if date_text is not None else ask_date(ask)
        if note is None:
            note = ask_note(ask, allow_identifiers)
        encounter = rules.price_encounter(items, on, catalog=catalog, policy=policy,
                                          options=options)
        warnings = [w for line in encounter.lines for w in line.warnings]
        render.logged(encounter, [], warnings, saved=False)
        answer = _ask(ask, "save? [Y/n] ").strip().lower()
    except _Cancelled:
        render.line("")
        render.line("Cancelled; nothing was saved.")
        return 1
    if answer not in {"", "y", "yes"}:
        render.line("Not saved.")
        return 1
    with log.open_for_writing() as store:
        entries = changes.add_encounter(store, encounter, note=note, case_label=case).entries
    render.line(f"Saved encounter {entries[0].encounter_id}: "
                + ", ".join(f"#{e.id} {e.label}" for e in entries)
                + f" ({render.rvu(encounter.credited_wrvu)} wRVU).")
    return 0
