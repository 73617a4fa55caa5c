"""Bare `rvutool log` in a terminal: one encounter, asked for a line at a time.

    date of service [today]:
    setting, facility or nonfacility [facility]:
    item 1 (code, @favourite or words; ? for help): total knee
      1. 27447  total knee replacement   19.11 wRVU
      ...
    pick a number (Enter: none): 1
      #  Item   Name                     wRVU
      1  27447  total knee replacement  19.11
    item 2 (Enter when done): drop 1
    ...
    note (optional; no patient identifiers):
    case label (optional, such as case 3):
    ...the encounter table...
    save? [Y/n]

Items are typed as on the command line (27447-RT, 97110x2, @knee-scope-RT), or found by words
(the search module's own matching) and picked by number; `recent` (or Enter on an empty list)
offers the codes logged last. Each change prices the encounter again with the rules `calc` uses,
and an item that needs a share (-52, -66) or post-operative days (-55) asks for it: nothing
needs a command-line flag. Answers come through `ask` (prompt -> line; EOFError is Ctrl-D), so
tests can script it; in a terminal it is line_editing.Terminal (readline: editing, history).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from rvutool.errors import FractionNeededError, RvuError
from rvutool.view import messages, prompt_lines
from rvutool.view.text import rvu

Ask = Callable[[str], str]
FIRST_ITEM = "item 1 (code, @favourite or words; ? for help): "
CASE_PROMPT = "case label (optional, such as case 3): "
PICKS = 9  # matches shown for words, and recent codes offered
COMMANDS = ("?", "help", "undo", "drop", "recent")


class _Cancelled(Exception):
    pass


def _ask(ask: Ask, prompt: str) -> str:
    try:
        return ask(prompt)
    except EOFError:
        raise _Cancelled() from None


@dataclass
class Session:
    """The encounter being entered: its date, options and items, priced again after every change."""

    on: date
    options: Any
    policy: Any
    catalog: Any
    favourites: dict[str, Any] = field(default_factory=dict)
    recent: list[str] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    encounter: Any = None
    asked_postop: bool = False  # the days of post-operative care for -55 were asked (Enter: the whole period)

    def price(self, items: list[Any], options: Any = None) -> Any:
        from rvutool.pricing import rules

        return rules.price_encounter(items, self.on, catalog=self.catalog, policy=self.policy,
                                     options=options or self.options)

    def known(self, code: str) -> bool:
        return any(self.catalog.rows(code, release) for release in self.catalog.releases)


# ---------------------------------------------------------------- adding, dropping and pricing items
def _needs(session: Session, items: list[Any], ask: Ask) -> Any:
    """The options these items need: the share of the service for -52/-66 (asked once), the days of post-operative
    care for -55 (asked once; Enter is the whole period); None when the user declines the share."""
    options = session.options
    split = any("55" in item.modifiers for item in items)
    if not split:
        options, session.asked_postop = replace(options, postop_days=None), False
    try:
        session.price(items, replace(options, fraction=None, postop_days=None))
        options = replace(options, fraction=None)
    except FractionNeededError as exc:
        if options.fraction is None:
            messages.line(f"  {exc.message.split(' needs --fraction')[0]} is credited at a share of the service")
            share = _fraction(ask)
            if share is None:
                return None
            options = replace(options, fraction=share)
    if split and not session.asked_postop:
        options, session.asked_postop = replace(options, postop_days=_postop_days(ask)), True
    return options


def _fraction(ask: Ask) -> Any:
    from rvutool.cli import inputs

    while True:
        answer = _ask(ask, "  share of the service to credit, above 0 and up to 1, such as 0.5 (Enter: drop it): ")
        if not answer.strip():
            return None
        try:
            return inputs.fraction(answer)
        except RvuError as exc:
            messages.line(f"  {exc.message.replace('--fraction ', '')}")


def _postop_days(ask: Ask) -> int | None:
    from rvutool.cli import inputs

    while True:
        answer = _ask(ask, "  days of post-operative care for -55 (Enter: the whole global period): ").strip()
        if not answer:
            return None
        try:
            return inputs.postop_days(answer)
        except RvuError as exc:
            messages.line(f"  {exc.message.replace('--postop-days ', '')}")


def add(session: Session, texts: list[str], ask: Ask) -> bool:
    """Add typed items (codes or @favourites) one by one; each refused one says why. True if any was added."""
    from rvutool.log import favourites
    from rvutool.pricing.items import parse_item

    added = False
    for token in texts:
        try:
            expanded = favourites.resolve(token, session.favourites) if favourites.is_reference(token) else [token]
            new = [parse_item(text) for text in expanded]
        except RvuError as exc:
            messages.line(f"  {exc.message}; type that one again")
            continue
        unknown = [item.code for item in new if not session.known(item.code)]
        if unknown:
            nearest = ", ".join(session.catalog.suggest(unknown[0]))
            messages.line(f"  unknown code {unknown[0]} (nearest: {nearest}); type it again")
            continue
        candidate = [*session.items, *new]
        try:
            options = _needs(session, candidate, ask)
            if options is None:
                messages.line(f"  {token} was not added")
                continue
            session.encounter = session.price(candidate, options)
        except RvuError as exc:
            messages.line(f"  {exc.message}; type that one again")
            continue
        session.items, session.options, added = candidate, options, True
    return added


def drop(session: Session, numbers: list[int], ask: Ask) -> bool:
    keep = [item for i, item in enumerate(session.items, 1) if i not in numbers]
    if not keep:
        session.items, session.encounter, session.asked_postop = [], None, False
        session.options = replace(session.options, fraction=None, postop_days=None)
        return True
    try:
        options = _needs(session, keep, ask)
        if options is None:
            return False
        session.encounter = session.price(keep, options)
    except RvuError as exc:  # the rest cannot stand alone as they are (rare): keep them all
        messages.line(f"  {exc.message}; nothing was dropped")
        return False
    session.items, session.options = keep, options
    return True


def _drop_command(session: Session, answer: str, ask: Ask) -> None:
    words = answer.split()
    if words[0] == "undo":
        if not session.items:
            messages.line("  nothing to undo yet")
        elif drop(session, [len(session.items)], ask):
            _show(session)
        return
    numbers = words[1:]
    if not numbers or not all(n.isascii() and n.isdigit() and 1 <= int(n) <= len(session.items) for n in numbers):
        shown = f"1 to {len(session.items)}" if session.items else "none yet"
        messages.line(f"  drop takes item numbers from the list ({shown}), such as: drop 2")
        return
    if drop(session, [int(n) for n in numbers], ask):
        _show(session)


# ---------------------------------------------------------------- choosing from numbered lists
def pick(session: Session, choices: list[str], ask: Ask) -> None:
    """Numbers (each with any -modifiers or xN, such as 1-RT or 2x3) choose from a shown list."""
    while True:
        answer = _ask(ask, f"pick 1-{len(choices)}, with any -MOD or xN (Enter: none): ").strip()
        if not answer:
            return
        texts = []
        for word in answer.replace(",", " ").split():
            number = "".join(c for c in word[:2] if c.isdigit() and c.isascii())
            if not number or not 1 <= int(number) <= len(choices):
                texts = []
                messages.line(f"  {word}: give a number from 1 to {len(choices)}")
                break
            texts.append(choices[int(number) - 1] + word[len(number):])
        if texts:
            if add(session, texts, ask):
                _show(session)
            return


def search_words(session: Session, text: str, ask: Ask) -> None:
    from rvutool.names.search import search

    try:
        result = search(text, limit=PICKS, on=session.on, catalog=session.catalog)
    except RvuError as exc:
        messages.line(f"  {exc.message}")
        return
    messages.line(prompt_lines.matches(result))
    offered = result.hits or result.suggestions
    if offered:
        pick(session, [hit.code for hit in offered], ask)


def offer_recent(session: Session, ask: Ask) -> None:
    if not session.recent:
        messages.line(prompt_lines.fit("  nothing logged yet to offer; type a code such as 99213, or words such as "
                                   "office visit"))
        return
    messages.line(prompt_lines.recent(session.recent, session.catalog, session.on))
    pick(session, session.recent, ask)


def _show(session: Session) -> None:
    messages.line(prompt_lines.encounter_lines(session.encounter) if session.items else "  (no items yet)")


# ---------------------------------------------------------------- the questions
def ask_items(session: Session, ask: Ask, remember: Callable[[str], None]) -> None:
    """Items until Enter on a line of its own (with at least one item)."""
    from rvutool.pricing.items import looks_like_code

    while True:
        prompt = FIRST_ITEM if not session.items else f"item {len(session.items) + 1} (Enter when done): "
        answer = _ask(ask, prompt).strip()
        command = answer.split()[0].lower() if answer else ""
        if not answer:
            if session.items:
                return
            offer_recent(session, ask)
        elif command in {"?", "help"}:
            messages.line(prompt_lines.HELP)
        elif command in {"undo", "drop"}:
            _drop_command(session, answer.lower(), ask)
        elif command == "recent":
            offer_recent(session, ask)
        else:
            remember(answer)
            tokens = answer.replace(",", " ").split()
            if any(t.startswith("@") or looks_like_code(t) for t in tokens):  # else: words to search
                if add(session, tokens, ask):
                    _show(session)
            else:
                search_words(session, answer, ask)


def ask_date(ask: Ask) -> date:
    from rvutool import dates

    while True:
        answer = _ask(ask, "date of service [today]: ").strip() or "today"
        try:
            return dates.parse_date(answer, allow_future=False)
        except RvuError as exc:
            messages.line(f"  {exc.message}")


def ask_setting(ask: Ask, default: str) -> str:
    from rvutool.pricing import values

    while True:
        answer = _ask(ask, f"setting, facility or nonfacility [{default}]: ").strip()
        if not answer:
            return default
        try:
            return values.setting(answer)  # read as --setting reads it
        except ValueError:
            pass
        messages.line("  type facility (a hospital, ASC or SNF) or nonfacility (an office); f or n will do")


def ask_note(ask: Ask, allow_identifiers: bool, field: str = "note",
             prompt: str = "note (optional; no patient identifiers): ") -> str | None:
    """A note or a case label, checked by the privacy guard as --note and --case are; Enter for none."""
    from rvutool import phi
    from rvutool.cli import inputs

    while True:
        answer = _ask(ask, prompt).strip()
        if not answer:
            return None
        try:
            inputs.text(answer, field)
            phi.check_note(answer, field=field, allow=allow_identifiers)
            return answer
        except RvuError as exc:
            messages.line(f"  {exc.message}")


def _start(date_text: str | None, options: Any, policy: Any, setting_given: bool, ask: Ask) -> Session:
    from rvutool.catalog.codes import Catalog
    from rvutool.cli import inputs
    from rvutool.log import location

    on = inputs.service_date(date_text) if date_text is not None else ask_date(ask)
    if not setting_given:
        options = replace(options, setting=ask_setting(ask, options.setting))
    with location.reading() as store:
        recent = [] if store is None else store.recent_codes(PICKS)
    from rvutool.cli.commands import fav

    return Session(on=on, options=options, policy=policy, catalog=Catalog(), favourites=fav.known(),
                   recent=[code + "".join(f"-{m}" for m in mods.split("-") if m) for code, mods in recent])


def run(*, date_text: str | None, note: str | None, case: str | None, options: Any, allow_identifiers: bool,
        policy: Any, setting_given: bool = False, ask: Ask | None = None,
        remember: Callable[[str], None] | None = None, check: bool = True) -> int:
    from rvutool.log import changes, double_entry, location
    from rvutool.view.text import double_entry_text

    terminal = None
    if ask is None:
        from rvutool.cli.line_editing import Terminal

        terminal = Terminal()
        ask, remember = terminal.ask, terminal.remember
    try:
        messages.line(prompt_lines.intro())
        session = _start(date_text, options, policy, setting_given, ask)
        if terminal is not None:
            terminal.complete_with(lambda word: prompt_lines.completions(word, session.favourites))
        ask_items(session, ask, remember or (lambda _: None))
        if note is None:
            note = ask_note(ask, allow_identifiers)
        if case is None:
            case = ask_note(ask, allow_identifiers, "case label", CASE_PROMPT)
        encounter = session.encounter
        warnings = [w for line in encounter.lines for w in line.warnings]
        messages.logged(encounter, [], warnings, saved=False)
        with location.reading() as store:
            again = double_entry.likely(store, encounter, case, note)
        if again:
            messages.warning(double_entry_text(again))
        answer = _ask(ask, "save? [Y/n] ").strip().lower()
    except (_Cancelled, KeyboardInterrupt) as stop:
        messages.line("")
        messages.line("Cancelled; nothing was saved.")
        return 130 if isinstance(stop, KeyboardInterrupt) else 1
    if answer not in {"", "y", "yes"}:
        messages.line("Not saved.")
        return 1
    with location.open_for_writing() as store:
        entries = changes.add_encounter(store, encounter, note=note, case_label=case).entries
        if check:  # issue 21: what Medicare would refuse, as warnings once saved
            from rvutool.cli.commands import check
            from rvutool.view import check_text

            findings = check.after_logging(store, entries)
    if terminal is not None:  # the lines typed are kept with the encounter; a cancelled one leaves nothing
        terminal.save()
    messages.line(prompt_lines.fit(f"Saved encounter {entries[0].encounter_id}: "
                               + ", ".join(f"#{e.id} {e.label}" for e in entries)
                               + f" ({rvu(encounter.credited_wrvu)} wRVU)."))
    if check:
        check_text.warnings(findings)
    return 0
