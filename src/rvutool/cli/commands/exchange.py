"""Entries in and out of the log: export and import."""

from __future__ import annotations

import os
import sys

from rvutool.cli import inputs
from rvutool.errors import UsageError
from rvutool.view import messages, terminal


def export(*, month: str | None = None, week: bool = False, year: str | None = None, from_: str | None = None,
           to: str | None = None, all_: bool = False, fmt: str | None = None, output: str | None = None,
           provider: str | None = None) -> int:
    from pathlib import Path

    from rvutool import outfile
    from rvutool.log import export, location

    if fmt is None:  # the ending of -o, else CSV
        fmt = "json" if output is not None and Path(output).suffix.lower() == ".json" else "csv"
    fmt = fmt.strip().lower()
    if fmt not in {"csv", "json"}:
        raise UsageError(f"--format {fmt!r}: use csv or json")
    period = inputs.period(month, week, year, from_, to, all_, default_all=True)
    target = Path(output).expanduser() if output else None
    if target is not None:
        outfile.check(target, output or "")
    with location.reading(inputs.provider(provider)) as store:
        if target is None:
            done = export.export(store, period.start, period.end, fmt, sys.stdout, period.to_dict())
        else:
            with outfile.writing(target) as out:
                done = export.export(store, period.start, period.end, fmt, out, period.to_dict())
    if done.skipped:
        messages.warning(f"skipped {done.described()}; `rvutool doctor` names them")
    if target is not None:
        count = done.written
        messages.note(f"exported {count} {'entry' if count == 1 else 'entries'} ({period.label}) to {target}")
    return 0


def import_file(file: str, *, dry_run: bool = False, skip_bad: bool = False, allow_identifiers: bool = False,
                setting: str | None = None, allow_duplicates: bool = False, restore: bool = False,
                group_by_date: bool = False) -> int:
    from pathlib import Path

    from rvutool import dates, paths
    from rvutool.log import changes, import_files, location

    path = inputs.readable_path(file)
    ctx = import_files.ImportContext(today=dates.today(), allow_identifiers=allow_identifiers, skip_bad=skip_bad,
                                 options=inputs.encounter_options(inputs.default_setting(setting), None, None),
                                 policy=inputs.configured_policy(),
                                 group_by_date=group_by_date)
    source = import_files.open_source(path, ctx)
    outcome = changes.ImportOutcome(source=path.name, fmt=source.fmt, columns=source.columns,
                                    skipped=ctx.skipped)
    with location.reading() as store:
        exists = store is not None
        if dry_run:
            changes.apply_import(store, source.groups, outcome, allow_duplicates=allow_duplicates,
                                 restore=restore, dry_run=True, favourites=source.favourites)
    big = path.stat().st_size > 256_000  # a progress note only where an import takes a while

    def into(target: Path | None) -> None:
        with location.open_for_writing(target) as store, terminal.progress(None if big else 0,
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
                source = import_files.open_source(path, ctx)
                outcome = changes.ImportOutcome(source=path.name, fmt=source.fmt, columns=source.columns,
                                                skipped=ctx.skipped)
                into(None)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                scratch.with_name(scratch.name + suffix).unlink(missing_ok=True)
    elif not dry_run:
        into(None)
    for problem in ctx.skipped:
        messages.warning(f"skipped {problem}")
    for name, kept, theirs in outcome.favourites_kept:
        messages.warning(f"favourite {name}: kept the log's ({kept}); the file's ({theirs}) was not imported "
                       f"(`rvutool fav add {name} ... --replace` changes it)")
    if source.columns is not None:
        messages.columns_used(source.columns)
    messages.import_result(outcome, dry_run=dry_run)
    return 0
