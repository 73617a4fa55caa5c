"""`rvutool import FILE`: turn a file into rows for the log, all checked before anything is written.

rvutool's own exports (CSV or JSON) keep their snapshot as it was saved. Other CSV layouts
(a generic one with date/code/modifier/units columns, and the RVU Wallet export) are read by
csvformats.py and priced here, encounter by encounter, like `rvutool log` would.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvutool import logbook
from rvutool.codes import Catalog
from rvutool.errors import ImportFileError, RvuError

if TYPE_CHECKING:
    from rvutool.codes import ReleaseInfo, Row
    from rvutool.rules import Options, Policy

MAX_FILE_BYTES = 200 * 1024 * 1024


class CachedCatalog(Catalog):
    """A catalog that reads each code's rows once: an import prices the same codes many times."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[tuple[str, str], dict[str, Row]] = {}

    def rows(self, code: str, release: ReleaseInfo) -> dict[str, Row]:
        key = (code, release.id + str(release.file))
        if key not in self._rows:
            self._rows[key] = super().rows(code, release)
        return self._rows[key]


def read_plan(path: Path, *, skip_bad: bool, allow_identifiers: bool, options: Options,
              policy: Policy, today: date | None = None) -> logbook.ImportPlan:
    from rvutool import dates

    today = today or dates.today()
    if not path.exists():
        raise RvuError(f"no such file: {path}")
    if path.is_dir():
        raise RvuError(f"{path} is a directory; give a CSV or JSON file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(f"{path} is {size // 1024 // 1024} MB; rvutool imports files up to "
                                  f"{MAX_FILE_BYTES // 1024 // 1024} MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise RvuError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise ImportFileError(f"{path} is empty; nothing was imported")
    own = logbook.read_own_file(path, raw, today=today, allow_identifiers=allow_identifiers, skip_bad=skip_bad)
    if own is not None:
        return own
    return _external(path, skip_bad=skip_bad, allow_identifiers=allow_identifiers, options=options,
                     policy=policy, today=today)


def _external(path: Path, *, skip_bad: bool, allow_identifiers: bool, options: Options, policy: Policy,
              today: date) -> logbook.ImportPlan:
    from rvutool import csvformats
    from rvutool.rules import price_encounter

    if skip_bad:
        records, problems = csvformats.read_records(path, skip_bad=True)
        skipped = [str(getattr(p, "message", p)) for p in problems]
    else:
        records, skipped = csvformats.read_records(path), []
    layout = csvformats.detect_layout(path)
    fmt = {"rvuwallet": "RVU Wallet export", "generic": "CSV with date and code columns"}.get(layout, "CSV")
    plan = logbook.ImportPlan(source=path, fmt=fmt, rows=[], skipped=skipped)
    catalog = CachedCatalog()
    for index, record in enumerate(records):
        try:
            if record.date > today:
                raise RvuError(f"{record.date} is in the future")
            note = (record.note or "").strip() or None
            if note is not None:
                logbook.check_free_text(note, field="note", allow=allow_identifiers)
            priced = price_encounter(list(record.items), record.date, catalog=catalog, policy=policy,
                                     options=options)
        except RvuError as exc:
            message = f"line {record.line}: {exc.message}"
            if skip_bad:
                plan.skipped.append(message)
                continue
            raise ImportFileError(f"{path} {message}; nothing was imported") from None
        rows: list[dict[str, Any]] = logbook.snapshot(priced, note=note, source="import")
        for n, row in enumerate(rows, 1):
            row["import_key"] = f"{record.source_key}#{n}"
            row["_encounter"] = index
        plan.rows.extend(rows)
    return plan
