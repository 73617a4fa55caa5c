"""What the log commands do once their arguments are parsed: log, list, edit, remove, undo,
recalc, export and import. Shared by the typer CLI and the fast path; storage is the `log`
package, output is render.py. Each function returns an exit status.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from rvutool import render
from rvutool.errors import NoSuchEntryError, RvuError, UsageError


def _policy() -> Any:
    from rvutool import config

    return config.load().policy()


def default_setting(setting: str | None) -> str | None:
    """--setting as typed, else the configured `setting` (facility unless set)."""
    from rvutool import config

    return setting if setting is not None else config.load().get("setting")


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def log(tokens: list[str], *, date_text: str | None = None, note: str | None = None, case: str | None = None,
        as_json: bool = False, setting: str | None = None, fraction: str | None = None,
        postop_days: str | None = None, allow_identifiers: bool = False, yes: bool = False,
        no_check: bool = False) -> int:
    from rvutool import double_entry, inputs, log, rules
    from rvutool.actions import typed_items
    from rvutool.log import changes

    options = inputs.encounter_options(default_setting(setting), fraction, postop_days)
    note, case = inputs.free_text(note, case, allow_identifiers)
    if not tokens:
        if not _interactive():
            raise UsageError("give at least one item, such as: rvutool log 99213 71046-26 "
                             "(interactive entry needs a terminal)")
        from rvutool import interactive

        return interactive.run(date_text=date_text, note=note, case=case, options=options,
                               allow_identifiers=allow_identifiers, policy=_policy(),
                               setting_given=setting is not None, check=not no_check)
    on = inputs.service_date(date_text)
    items = typed_items(tokens, on=on, ask=not as_json)  # words too: rvutool log "total knee"-RT
    encounter = rules.price_encounter(items, on, policy=_policy(), options=options)
    with log.open_for_writing() as store:
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
        render.print_json({**logged_json(encounter, change.entries), **(checked.to_dict() if checked else {})})
        for text in warnings:
            render.warning(text)
    else:
        render.logged(encounter, change.entries, warnings)
    from rvutool import check_view

    check_view.warnings(checked)
    return 0


def _checked(store: Any, entries: list[Any]) -> Any:
    """`rvutool check` on the encounter just saved (issue 21): warnings only, never a refusal."""
    from rvutool import check_actions

    return check_actions.after_logging(store, entries)


def confirm_double_entry(again: list[Any], *, yes: bool = False) -> bool:
    """Warn that these items were just saved; in a terminal ask, Enter keeping the new entry (--yes: no question)."""
    from rvutool.plaintext import double_entry_text

    render.warning(double_entry_text(again))
    if yes or not _interactive():
        return True
    if render.confirm("Log it again (a second visit)?", default=True):
        return True
    render.line("Nothing was saved.")
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
    from rvutool import inputs, log
    from rvutool.items import check_code
    from rvutool.log.entries import Readable
    from rvutool.money import from_hundredths

    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    number = inputs.encounter_number(encounter) if encounter is not None else None
    period = inputs.period(month, week, year, from_, to, all_, default_all=number is not None)
    code = check_code(code) if code is not None else None
    with log.reading(inputs.provider(provider)) as store:
        entries = Readable(iter(()) if store is None else store.entries(period.start, period.end, code=code,
                                                                        encounter=number, include_voided=removed))
        title = period.label if number is None else f"encounter {number}"
        if as_csv:
            render.entries_csv(entries)
        elif as_json:
            found = list(entries)
            total = from_hundredths(sum(e.credited_wrvu_c for e in found if not e.voided))
            render.print_json({"period": period.to_dict(), "entries": [e.to_dict() for e in found],
                               "total_wrvu": total})
        else:
            render.entries_table(entries, title, explain=explain)
    if entries.skipped:
        render.warning(f"skipped {entries.described()}; `rvutool doctor` names them")
    return 0


def _existing_store() -> Any:
    from rvutool import log

    with log.reading() as store:
        if store is None:
            raise NoSuchEntryError("the log is empty: nothing has been logged yet")
    return log.open_for_writing()


def edit(id_text: str | None, *, date_text: str | None = None, units: str | None = None,
         modifiers: str | None = None, code: str | None = None, note: str | None = None, case: str | None = None,
         encounter: str | None = None, split: bool = False, whole: bool = False,
         allow_identifiers: bool = False) -> int:
    from rvutool import inputs
    from rvutool.items import parse_item
    from rvutool.log import changes

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
        render.change(change)
        return 0
    entry_id = inputs.entry_id(id_text or "")
    with _existing_store() as store:
        if request.on is not None and not (split or whole):
            entry = store.get(entry_id)
            if request.on != entry.date and changes.encounter_size(store, entry_id) > 1 and _interactive():
                request = changes.EditRequest(**{**request.__dict__, "split": render.ask_split(entry)})
        change = changes.edit(store, entry_id, request)
    render.change(change)
    return 0


def remove(id_texts: list[str], *, encounter: str | None = None) -> int:
    from rvutool import inputs
    from rvutool.log import changes

    if bool(id_texts) == (encounter is not None):
        raise UsageError("give the id of each entry to remove (rvutool remove 12 13) or --encounter N")
    with _existing_store() as store:
        if encounter is not None:
            change = changes.remove_encounter(store, inputs.encounter_number(encounter))
        else:
            change = changes.remove(store, [inputs.entry_id(t) for t in id_texts])
    render.removed(change)
    return 0


def undo() -> int:
    from rvutool import log
    from rvutool.log import changes

    with log.reading() as store:
        if store is None:
            raise RvuError("nothing to undo: the log is empty")
    with log.open_for_writing() as store:
        change = changes.undo(store)
    render.undone(change)
    return 0


def recalc(*, month: str | None = None, week: bool = False, year: str | None = None, from_: str | None = None,
           to: str | None = None, all_: bool = False, yes: bool = False, stand_ins: bool = False) -> int:
    """Price a period's entries again; with `stand_ins`, only those another year's release priced (by default
    in every year that has some)."""
    from rvutool import inputs, log
    from rvutool.log import changes

    asked = any((month, week, year, from_, to, all_))
    period = inputs.period(month, week, year, from_, to, all_, default_all=stand_ins)
    if not yes and not sys.stdin.isatty():
        raise UsageError("recalc rewrites saved entries: confirm with --yes (no terminal to ask in)")
    policy = _policy()
    with log.reading() as store:
        if store is None:
            render.line(f"Nothing logged in {period.label}; nothing to recalculate.")
            return 0
        if stand_ins and not asked:
            period = _stand_in_years(store, period)
            if period is None:
                render.line("No entry was priced by a stand-in release; nothing to recalculate.")
                return 0
    only = changes.priced_by_stand_in if stand_ins else None
    with log.open_for_writing() as store:
        store.check_before_big_write()
        plan = changes.plan_recalc(store, period.start, period.end, period.label, policy, only=only)
        render.recalc_plan(plan)
        if not plan.changed:
            return 0
        if not yes and not render.confirm("Save the new values?"):
            render.line("Nothing was changed.")
            return 1
        change = changes.apply_recalc(store, plan)
    render.line(f"Recalculated {plan.changed} {'entry' if plan.changed == 1 else 'entries'} "
                f"({change.net:+} wRVU); `rvutool undo` reverts it.")
    return 0


def _stand_in_years(store: Any, everything: Any) -> Any:
    """The years holding stand-in entries, as one period (None when there are none)."""
    from datetime import date

    from rvutool.log import summary as summaries
    from rvutool.periods import Period

    years = [s.year for s in summaries.stand_ins(store, everything)]
    if not years:
        return None
    first, last = min(years), max(years)
    return Period(date(first, 1, 1), date(last, 12, 31), f"the stand-in entries of {first}"
                  + (f" to {last}" if last != first else ""))


def export(*, month: str | None = None, week: bool = False, year: str | None = None, from_: str | None = None,
           to: str | None = None, all_: bool = False, fmt: str = "csv", output: str | None = None,
           provider: str | None = None) -> int:
    from pathlib import Path

    from rvutool import inputs, log, outfile
    from rvutool.log import exchange

    fmt = fmt.strip().lower()
    if fmt not in {"csv", "json"}:
        raise UsageError(f"--format {fmt!r}: use csv or json")
    period = inputs.period(month, week, year, from_, to, all_, default_all=True)
    target = Path(output).expanduser() if output else None
    if target is not None:
        outfile.check(target, output or "")
    with log.reading(inputs.provider(provider)) as store:
        if target is None:
            done = exchange.export(store, period.start, period.end, fmt, sys.stdout, period.to_dict())
        else:
            with outfile.writing(target) as out:
                done = exchange.export(store, period.start, period.end, fmt, out, period.to_dict())
    if done.skipped:
        render.warning(f"skipped {done.described()}; `rvutool doctor` names them")
    if target is not None:
        count = done.written
        render.note(f"exported {count} {'entry' if count == 1 else 'entries'} ({period.label}) to {target}")
    return 0


def import_file(file: str, *, dry_run: bool = False, skip_bad: bool = False, allow_identifiers: bool = False,
                setting: str | None = None, allow_duplicates: bool = False, restore: bool = False,
                group_by_date: bool = False) -> int:
    from pathlib import Path

    from rvutool import dates, inputs, log, paths
    from rvutool.log import changes, exchange

    path = inputs.readable_path(file)
    ctx = exchange.ImportContext(today=dates.today(), allow_identifiers=allow_identifiers, skip_bad=skip_bad,
                                 options=inputs.encounter_options(default_setting(setting), None, None),
                                 policy=_policy(),
                                 group_by_date=group_by_date)
    source = exchange.open_source(path, ctx)
    outcome = changes.ImportOutcome(source=path.name, fmt=source.fmt, columns=source.columns,
                                    skipped=ctx.skipped)
    with log.reading() as store:
        exists = store is not None
        if dry_run:
            changes.apply_import(store, source.groups, outcome, allow_duplicates=allow_duplicates,
                                 restore=restore, dry_run=True, favourites=source.favourites)
    big = path.stat().st_size > 256_000  # a progress note only where an import takes a while

    def into(target: Path | None) -> None:
        with log.open_for_writing(target) as store, render.progress(None if big else 0,
                                                                    f"Importing from {path.name}") as step:
            if target is not None:
                store.filling()
            else:
                store.check_before_big_write()
            changes.apply_import(store, source.groups, outcome, allow_duplicates=allow_duplicates,
                                 restore=restore, progress=step, new_log=target is not None,
                                 favourites=source.favourites)
            if target is not None:
                store.filled()
            store.checkpoint()

    if not dry_run and not exists:
        # No log yet: build it beside where it goes and link it into place only when the whole
        # file went in, so a bad file leaves no trace (and a log made meanwhile is never replaced).
        final = paths.log_file()
        paths.ensure_private_dir(final.parent)
        scratch = final.with_name(f".{final.name}.import-{os.getpid()}")
        try:
            into(scratch)
            try:
                os.link(scratch, final)
            except FileExistsError:  # another command created the log meanwhile: import into it
                ctx.skipped.clear()
                source = exchange.open_source(path, ctx)
                outcome = changes.ImportOutcome(source=path.name, fmt=source.fmt, columns=source.columns,
                                                skipped=ctx.skipped)
                into(None)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                scratch.with_name(scratch.name + suffix).unlink(missing_ok=True)
    elif not dry_run:
        into(None)
    for problem in ctx.skipped:
        render.warning(f"skipped {problem}")
    for name, kept, theirs in outcome.favourites_kept:
        render.warning(f"favourite {name}: kept the log's ({kept}); the file's ({theirs}) was not imported "
                       f"(`rvutool fav add {name} ... --replace` changes it)")
    if source.columns is not None:
        render.columns_used(source.columns)
    render.import_result(outcome, dry_run=dry_run)
    return 0


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
    from rvutool import log, paths
    from rvutool.errors import CorruptLogError, LogVersionError
    from rvutool.log import location

    where = str(paths.log_file())
    try:
        with log.reading() as store:
            where = where if store is None else store.where
            problems = [] if store is None else store.problems()
            exists = store is not None
            if store is not None:
                problems += _unreadable(store, problems)
    except (CorruptLogError, LogVersionError) as exc:
        problems, exists = [exc.message], True
    if as_json:
        render.print_json({"log": where, "exists": exists, "ok": not problems, "problems": problems})
    else:
        render.doctor(where, exists, problems, shared=location.url() is not None)
    return 1 if problems else 0
