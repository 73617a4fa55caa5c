"""Export: a log's entries (and favourites) written to a file rvutool reads back, CSV or JSON, entry by entry, so
a million entries never sit in memory. Each entry keeps the snapshot it was saved with (nothing is priced again).

Favourites travel with the log. A JSON export lists them in its header line (`"favourites": [{"name",
"items"}]`); a CSV export that has any adds a last column, `favourite`, and one row per item of each
favourite after the entries (its name in `favourite`, the item in `code`, `modifiers` and `units`, the
code's name in `name` as for an entry, every other cell empty). A log without favourites has no such column.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from rvutool import spreadsheet
from rvutool.log.entries import Entry, Readable, now_utc
from rvutool.log.favourites import Favourite
from rvutool.money import from_hundredths
from rvutool.names.table import short_name

if TYPE_CHECKING:
    from rvutool.log.store import LogStore

# The columns of `rvutool export --format csv`, in order. `name` (rvutool's name of the code, for people
# reading the file) is never read back. Earlier exports had no `name`, and the first ones began with a `key`
# column; they import too (import_files.py).
EXPORT_CSV_COLUMNS = (
    "id", "encounter", "date", "code", "name", "modifiers", "units", "release", "category",
    "work_rvu", "base_wrvu", "credited_wrvu", "no_wrvu_reason", "flags", "adjustments",
    "policy", "setting", "options", "note", "case", "source", "created_at", "updated_at",
)
FAVOURITE_COLUMN = "favourite"  # last, only in an export that carries favourites
FAVOURITES_CSV_COLUMNS = (*EXPORT_CSV_COLUMNS, FAVOURITE_COLUMN)
EXPORT_JSON_FORMAT = "rvutool-log/1"
JSON_FIELDS = {"flags": list, "adjustments": list, "policy": dict, "options": dict}  # JSON inside an entry


class Canonical:
    """Each distinct stored JSON value re-encoded once (the policy cell repeats on every row)."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def __call__(self, text: str, kind: type) -> str:
        found = self._seen.get(text)
        if found is None:
            value = json.loads(text or ("[]" if kind is list else "{}"))
            found = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            if len(self._seen) < 100_000:
                self._seen[text] = found
        return found


_AMOUNTS: dict[int, str] = {}


def _amount_text(hundredths: int) -> str:
    found = _AMOUNTS.get(hundredths)
    if found is None:
        found = str(from_hundredths(hundredths))
        if len(_AMOUNTS) < 100_000:
            _AMOUNTS[hundredths] = found
    return found


def _same(text: str) -> str:
    return text


def export_cells(entry: Entry, canonical: Canonical, text: Callable[[str], str] = _same) -> list[Any]:
    """One entry's cells. `text` is applied to the free-text cells (name, category, reason, note, case): the
    others are numbers, codes, dates and canonical JSON, which never start like a formula."""
    return [entry.id, entry.encounter_id, entry.service_date, entry.code, text(short_name(entry.code) or ""),
            entry.modifiers, entry.units,
            entry.release, text(entry.category), _amount_text(entry.work_rvu_c),
            _amount_text(entry.base_wrvu_c), _amount_text(entry.credited_wrvu_c),
            text(entry.no_wrvu_reason or ""), canonical(entry.flags, list), canonical(entry.adjustments, list),
            canonical(entry.policy, dict), entry.setting, canonical(entry.options, dict), text(entry.note or ""),
            text(entry.case_label or ""), entry.source, entry.created_at, entry.updated_at]


def _favourite_rows(favourites: list[Favourite]) -> Iterator[list[Any]]:
    """One CSV row per item of each favourite: the item in code, modifiers and units (the code's name in name, as
    for an entry, for people reading the file), the favourite's name last."""
    from rvutool.pricing.items import parse_item

    blank = [""] * len(EXPORT_CSV_COLUMNS)
    at = {name: i for i, name in enumerate(EXPORT_CSV_COLUMNS)}
    for favourite in favourites:
        for text in favourite.items:
            item = parse_item(text)
            row = list(blank)
            row[at["code"]], row[at["modifiers"]], row[at["units"]] = item.code, "-".join(item.modifiers), item.units
            row[at["name"]] = spreadsheet.neutralise(short_name(item.code) or "")
            yield [*row, favourite.name]


def write_csv(entries: Iterator[Entry], out: IO[str], favourites: list[Favourite] | None = None) -> int:
    """Formula-safe for spreadsheets (spreadsheet.py); the own-CSV reader restores each cell exactly."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FAVOURITES_CSV_COLUMNS if favourites else EXPORT_CSV_COLUMNS)
    tail = [""] if favourites else []
    canonical, count, batch = Canonical(), 0, []
    for entry in entries:
        batch.append(export_cells(entry, canonical, spreadsheet.neutralise) + tail)
        if len(batch) >= 2000:
            writer.writerows(batch)
            count += len(batch)
            batch = []
    writer.writerows(batch)
    writer.writerows(_favourite_rows(favourites or []))
    return count + len(batch)


def write_json(entries: Iterator[Entry], out: IO[str], period: dict[str, Any],
               favourites: list[Favourite] | None = None) -> int:
    """One entry per line between a header and a footer, so the file can be read back line by line."""
    meta: dict[str, Any] = {"format": EXPORT_JSON_FORMAT, "exported_at": now_utc(), "period": period}
    if favourites:
        meta["favourites"] = [f.to_dict() for f in favourites]
    head = json.dumps(meta, ensure_ascii=False)
    out.write(head[:-1] + ', "entries": [\n')
    canonical, count = Canonical(), 0
    for entry in entries:
        cells = dict(zip(EXPORT_CSV_COLUMNS, export_cells(entry, canonical), strict=True))
        for name in JSON_FIELDS:
            cells[name] = _Raw(cells[name])
        for name in ("name", "no_wrvu_reason", "note", "case"):
            cells[name] = cells[name] or None
        out.write(("" if count == 0 else ",\n") + _encode(cells))
        count += 1
    out.write("\n]}\n")
    return count


class _Raw(str):
    """JSON text already encoded (a canonical cell), spliced in as it is."""


def _encode(record: dict[str, Any]) -> str:
    parts = []
    for key, value in record.items():
        text = value if isinstance(value, _Raw) else json.dumps(value, ensure_ascii=False)
        parts.append(f'"{key}": {text}')
    return "{" + ", ".join(parts) + "}"


def export(store: LogStore | None, start: date, end: date, fmt: str, out: IO[str], period: dict[str, Any]) -> Readable:
    """The period's entries and, whatever the period, every favourite. Entries that cannot be read are left out;
    the result counts what was written (`written`) and what was skipped."""
    from rvutool.log.favourites import from_text

    favourites = [] if store is None else [from_text(row.name, row.items) for row in store.favourites()]
    entries = Readable(iter(()) if store is None else store.entries(start, end))
    stream = iter(entries)
    entries.written = write_csv(stream, out, favourites) if fmt == "csv" else \
        write_json(stream, out, period, favourites)
    return entries


