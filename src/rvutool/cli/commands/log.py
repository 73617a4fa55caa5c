"""The log: log, list, edit, remove, undo, recalc and doctor."""

from __future__ import annotations

import sys
from typing import Any

from rvutool.cli import inputs
from rvutool.errors import NoSuchEntryError, RvuError, UsageError
from rvutool.view import messages


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def log(tokens: list[str], *, date_text: str | None = None, note: str | None = None, case: str | None = None,
        as_json: bool = False, setting: str | None = None, fraction: str | None = None,
        postop_days: str | None = None, allow_identifiers: bool = False, yes: bool = False,
        no_check: bool = False) -> int:
    from rvutool.cli.commands.codes import typed_items
    from rvutool.log import changes, double_entry, location
    from rvutool.pricing import rules

    options = inputs.encounter_options(inputs.default_setting(setting), fraction, postop_days)
    note, case = inputs.free_text(note, case, allow_identifiers)
    if not tokens:
        if not _interactive():
            raise UsageError("give at least one item, such as: rvutool log 99213 71046-26 "
                             "(interactive entry needs a terminal)")
        from rvutool.cli import prompt

        return prompt.run(date_text=date_text, note=note, case=case, options=options,
                               allow_identifiers=allow_identifiers, policy=inputs.configured_policy(),
                               setting_given=setting is not None, check=not no_check)
    on = inputs.service_date(date_text)
    items = typed_items(tokens, on=on, ask=not as_json)  # words too: rvutool log "total knee"-RT
    encounter = rules.price_encounter(items, on, policy=inputs.configured_policy(), options=options)
    with location.open_for_writing() as store:
        again = double_entry.likely(store, encounter, case, note)
        if again and not confirm_double_entry(again, yes=yes):
            return 1
        change = changes.add_encounter(store, encounter, note=note, case_label=case)
        checked = None if no_check else _checked(store, change.entries)
        unvalued = {line.item.code for line in encounter.lines if "no-wrvu" in line.flags}
        if unvalued:  # under a production contract (config contract) a dental code is paid by its fee
            from rvutool.reports.standing import fee_paid

            unvalued = fee_paid(store, unvalued, encounter.date)
    warnings = [w for line in encounter.lines for w in line.warnings
                if not (line.item.code in unvalued and w.startswith(f"{line.item.code}: no CMS work RVU"))]
    if as_json:
        messages.print_json({**logged_json(encounter, change.entries), **(checked.to_dict() if checked else {})})
        for text in warnings:
            messages.warning(text)
    else:
        messages.logged(encounter, change.entries, warnings)
    from rvutool.view import check_text

    check_text.warnings(checked)
    return 0


def _checked(store: Any, entries: list[Any]) -> Any:
    """`rvutool check` on the encounter just saved (issue 21): warnings only, never a refusal."""
    from rvutool.cli.commands import check

    return check.after_logging(store, entries)


def confirm_double_entry(again: list[Any], *, yes: bool = False) -> bool:
    """Warn that these items were just saved; in a terminal ask, Enter keeping the new entry (--yes: no question)."""
    from rvutool.view.text import double_entry_text

    messages.warning(double_entry_text(again))
    if yes or not _interactive():
        return True
    if messages.confirm("Log it again (a second visit)?", default=True):
        return True
    messages.line("Nothing was saved.")
    return False


def logged_json(encounter: Any, entries: list[Any]) -> dict[str, Any]:
    return {
        "encounter": entries[0].encounter_id if entries else None,
        "date": encounter.date.isoformat(),
        "release": encounter.release.id,
        "release_note": encounter.release_note,
        "total_wrvu": encounter.credited_wrvu,
        "base_wrvu": encounter.base_wrvu,
        "lines": [e.to_dict() for e in entries],
    }


def list_entries(*, month: str | None = None, week: bool = False, year: str | None = None,
                 from_: str | None = None, to: str | None = None, all_: bool = False, code: str | None = None,
                 encounter: str | None = None, as_json: bool = False, as_csv: bool = False, explain: bool = False,
                 removed: bool = False, provider: str | None = None) -> int:
    from rvutool.log import location
    from rvutool.log.entries import Readable
    from rvutool.money import from_hundredths
    from rvutool.pricing.items import check_code

    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    number = inputs.encounter_number(encounter) if encounter is not None else None
    period = inputs.period(month, week, year, from_, to, all_, default_all=number is not None)
    code = check_code(code) if code is not None else None
    with location.reading(inputs.provider(provider)) as store:
        entries = Readable(iter(()) if store is None else store.entries(period.start, period.end, code=code,
                                                                        encounter=number, include_voided=removed))
        title = period.label if number is None else f"encounter {number}"
        if as_csv:
            messages.entries_csv(entries)
        elif as_json:
            found = list(entries)
            total = from_hundredths(sum(e.credited_wrvu_c for e in found if not e.voided))
            messages.print_json({"period": period.to_dict(), "entries": [e.to_dict() for e in found],
                               "total_wrvu": total})
        else:
            messages.entries_table(entries, title, explain=explain)
    if entries.skipped:
        messages.warning(f"skipped {entries.described()}; `rvutool doctor` names them")
    return 0


def _existing_store() -> Any:
    from rvutool.log import location

    with location.reading() as store:
        if store is None:
            raise NoSuchEntryError("the log is empty: nothing has been logged yet")
    return location.open_for_writing()


def edit(id_text: str | None, *, date_text: str | None = None, units: str | None = None,
         modifiers: str | None = None, code: str | None = None, note: str | None = None, case: str | None = None,
         encounter: str | None = None, split: bool = False, whole: bool = False,
         allow_identifiers: bool = False) -> int:
    from rvutool.log import changes
    from rvutool.pricing.items import parse_item

    if (id_text is None) == (encounter is None):
        raise UsageError("give an entry id (rvutool edit 12 ...) or --encounter N, not both")
    if split and whole:
        raise UsageError("give --split or --whole, not both")
    if all(v is None for v in (date_text, units, modifiers, code, note, case)):
        raise UsageError("say what to change: --date, --code, --units, --modifiers, --note or --case")
    clean_note, clean_case = inputs.free_text(note, case, allow_identifiers)
    request = changes.EditRequest(
        on=inputs.service_date(date_text) if date_text is not None else None,
        units=inputs.units(units), modifiers=inputs.modifiers(modifiers),
        code=parse_item(code, allow_units=False) if code is not None else None,
        note=clean_note, case_label=clean_case, set_note=note is not None, set_case=case is not None, split=split)
    if encounter is not None:
        if split:
            raise UsageError("--split moves one line; with --encounter the whole encounter moves")
        with _existing_store() as store:
            change = changes.edit_encounter(store, inputs.encounter_number(encounter), request)
        messages.change(change)
        return 0
    entry_id = inputs.entry_id(id_text or "")
    with _existing_store() as store:
        if request.on is not None and not (split or whole):
            entry = store.get(entry_id)
            if request.on != entry.date and changes.encounter_size(store, entry_id) > 1 and _interactive():
                request = changes.EditRequest(**{**request.__dict__, "split": messages.ask_split(entry)})
        change = changes.edit(store, entry_id, request)
    messages.change(change)
    return 0


def remove(id_texts: list[str], *, encounter: str | None = None) -> int:
    from rvutool.log import changes

    if bool(id_texts) == (encounter is not None):
        raise UsageError("give the id of each entry to remove (rvutool remove 12 13) or --encounter N")
    with _existing_store() as store:
        if encounter is not None:
            change = changes.remove_encounter(store, inputs.encounter_number(encounter))
        else:
            change = changes.remove(store, [inputs.entry_id(t) for t in id_texts])
    messages.removed(change)
    return 0


def undo() -> int:
    from rvutool.log import changes, location

    with location.reading() as store:
        if store is None:
            raise RvuError("nothing to undo: the log is empty")
    with location.open_for_writing() as store:
        change = changes.undo(store)
    messages.undone(change)
    return 0


def recalc(*, month: str | None = None, week: bool = False, year: str | None = None, from_: str | None = None,
           to: str | None = None, all_: bool = False, yes: bool = False, stand_ins: bool = False) -> int:
    """Price a period's entries again; with `stand_ins`, only those another year's release priced (by default
    in every year that has some)."""
    from rvutool.log import changes, location

    asked = any((month, week, year, from_, to, all_))
    period = inputs.period(month, week, year, from_, to, all_, default_all=stand_ins)
    if not yes and not sys.stdin.isatty():
        raise UsageError("recalc rewrites saved entries: confirm with --yes (no terminal to ask in)")
    policy = inputs.configured_policy()
    with location.reading() as store:
        if store is None:
            messages.line(f"Nothing logged in {period.label}; nothing to recalculate.")
            return 0
        if stand_ins and not asked:
            period = _stand_in_years(store, period)
            if period is None:
                messages.line("No entry was priced by a stand-in release; nothing to recalculate.")
                return 0
    only = changes.priced_by_stand_in if stand_ins else None
    with location.open_for_writing() as store:
        store.check_before_big_write()
        plan = changes.plan_recalc(store, period.start, period.end, period.label, policy, only=only)
        messages.recalc_plan(plan)
        if not plan.changed:
            return 0
        if not yes and not messages.confirm("Save the new values?"):
            messages.line("Nothing was changed.")
            return 1
        change = changes.apply_recalc(store, plan)
    messages.line(f"Recalculated {plan.changed} {'entry' if plan.changed == 1 else 'entries'} "
                f"({change.net:+} wRVU); `rvutool undo` reverts it.")
    return 0


def _stand_in_years(store: Any, everything: Any) -> Any:
    """The years holding stand-in entries, as one period (None when there are none)."""
    from datetime import date

    from rvutool.periods import Period
    from rvutool.reports import summary as summaries

    years = [s.year for s in summaries.stand_ins(store, everything)]
    if not years:
        return None
    first, last = min(years), max(years)
    return Period(date(first, 1, 1), date(last, 12, 31), f"the stand-in entries of {first}"
                  + (f" to {last}" if last != first else ""))


def _unreadable(store: Any, problems: list[str]) -> list[str]:
    """Every entry read as list and export read them: the ones that cannot be, counted and named by id. (A log
    already found damaged may fail to read at all; that is said already.)"""
    from rvutool.log.entries import Readable

    readable = Readable(store.entries(include_voided=True))
    try:
        for _ in readable:
            pass
    except RvuError:
        if problems:
            return []
        raise
    if not readable.skipped:
        return []
    return [f"{readable.described()}; list and export skip {'it' if readable.skipped == 1 else 'them'}"]


def doctor(*, as_json: bool = False) -> int:
    """Check the log thoroughly; exit 1 when anything is wrong. It never changes the log."""
    from rvutool import paths
    from rvutool.errors import CorruptLogError, LogVersionError
    from rvutool.log import location

    where = str(paths.log_file())
    try:
        with location.reading() as store:
            where = where if store is None else store.where
            problems = [] if store is None else store.problems()
            exists = store is not None
            if store is not None:
                problems += _unreadable(store, problems)
    except (CorruptLogError, LogVersionError) as exc:
        problems, exists = [exc.message], True
    if as_json:
        messages.print_json({"log": where, "exists": exists, "ok": not problems, "problems": problems})
    else:
        messages.doctor(where, exists, problems, shared=location.url() is not None)
    return 1 if problems else 0
