"""The user's own CMS files: data import (releases, descriptors, NCCI edits) and data status."""

from __future__ import annotations

from rvutool.errors import RvuError
from rvutool.view import messages, terminal


# ---------------------------------------------------------------- data import / status
def data_import(path_text: str) -> int:
    from pathlib import Path

    from rvutool.catalog.imports import import_file

    path = Path(path_text).expanduser()  # importer._read refuses names the system cannot take
    from rvutool.catalog import ncci_files

    if ncci_files.recognise(path) is not None:  # CMS's NCCI PTP or MUE file: its own database (issue 21)
        from rvutool.cli.commands import check

        return check.import_ncci(path)
    with terminal.import_progress() as progress:
        report = import_file(path, progress=progress)
    terminal.import_report(report)
    if report.kind == "release":
        _point_to_stand_ins(int(report.release["year"]))
    return 0


def _point_to_stand_ins(year: int) -> None:
    """After a year's release arrives: say how many entries of that year another year's release priced."""
    from datetime import date

    from rvutool.log import location
    from rvutool.periods import Period
    from rvutool.reports import summary as summaries

    try:
        with location.reading() as store:
            if store is None:
                return
            found = summaries.stand_ins(store, Period(date(year, 1, 1), date(year, 12, 31), f"CY{year}"))
    except RvuError:  # the log cannot be read now: the import itself is done
        return
    count = sum(s.entries for s in found if s.year == year)
    if count:
        messages.note(f"{count:,} {'entry' if count == 1 else 'entries'} of {year} were priced by another year's "
                    f"release while none for {year} was here: rvutool recalc --stand-ins re-prices them "
                    "(rvutool undo reverts it)")


def data_status(as_json: bool = False) -> int:
    from rvutool.catalog.imports import status
    from rvutool.cli.commands import check

    found = status()
    if as_json:
        messages.print_json({**found.to_dict(), "ncci": check.status(as_json=True)})
    else:
        terminal.data_status(found)
        check.status()
    return 0
