"""Import: entries read from files, rvutool's own exports (export.py) and other programs' CSV (layouts.py), through
a small registry of readers. An import reads, checks and hands over encounter by encounter, so a million entries
never sit in memory at once. rvutool's own export keeps each entry's snapshot as it was saved (nothing is priced
again); other layouts are priced encounter by encounter as `rvutool log` would.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvutool import spreadsheet
from rvutool.errors import ImportFileError, RvuError
from rvutool.log import layouts
from rvutool.log.entries import snapshot
from rvutool.log.export import (
    EXPORT_CSV_COLUMNS,
    EXPORT_JSON_FORMAT,
    FAVOURITE_COLUMN,
    FAVOURITES_CSV_COLUMNS,
    JSON_FIELDS,
    Canonical,
    export_cells,
)
from rvutool.log.favourites import Favourite

if TYPE_CHECKING:
    from rvutool.log.store import LogStore
    from rvutool.pricing.policy import Policy
    from rvutool.pricing.rules import Options

# The export's columns (export.py) read back; earlier exports had no `name`, the first ones began with `key`.
_UNNAMED_CSV_COLUMNS = tuple(c for c in EXPORT_CSV_COLUMNS if c != "name")
_LEGACY_CSV_COLUMNS = ("key", *_UNNAMED_CSV_COLUMNS)
_OWN_CSV_HEADERS = {EXPORT_CSV_COLUMNS, _UNNAMED_CSV_COLUMNS, _LEGACY_CSV_COLUMNS, FAVOURITES_CSV_COLUMNS}
MAX_WRVU = Decimal(100000)


# ---------------------------------------------------------------- import: what readers hand over
@dataclass
class ImportContext:
    today: date
    allow_identifiers: bool
    skip_bad: bool
    options: Options
    policy: Policy
    group_by_date: bool = False
    skipped: list[str] = field(default_factory=list)

    def problem(self, path: Path, where: str, message: str) -> None:
        """A bad row: recorded with --skip-bad, otherwise the whole import stops."""
        if self.skip_bad:
            self.skipped.append(f"{where}: {message}")
            return
        raise ImportFileError(f"{path} {where}: {message}; nothing was imported")


@dataclass
class Source:
    """A file being read: its format, the columns it uses, and its encounters (stored row values)."""

    path: Path
    fmt: str
    groups: Iterator[list[dict[str, Any]]]
    columns: dict[str, list[str]] | None = None
    # The file's favourites, checked; a CSV export lists them after its entries, so this fills as `groups` is read.
    favourites: list[Favourite] = field(default_factory=list)


Reader = Callable[[Path, bytes, ImportContext], "Source | None"]


def phi_shown(text: str) -> str:
    from rvutool import phi

    return phi.shown(text)


def check_text(value: str, name: str, ctx: ImportContext) -> None:
    from rvutool import phi

    phi.check_note(value, field=name, allow=ctx.allow_identifiers)


# ---------------------------------------------------------------- rvutool's own files
def _amount(text: Any, name: str) -> int:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{name} {text!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > MAX_WRVU or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{name} {text!r} is not an amount of wRVU with at most 2 decimals")
    return int(value * 100)


_JSON_MEMO: dict[tuple[str, str], str] = {}


def _json_cell(value: Any, name: str) -> str:
    kind = JSON_FIELDS[name]
    if isinstance(value, str):
        memo = _JSON_MEMO.get((name, value))
        if memo is not None:
            return memo
        try:
            parsed = json.loads(value) if value.strip() else kind()
        except ValueError:
            raise ValueError(f"{name} is not valid JSON") from None
        text = json.dumps(_shaped(parsed, name), sort_keys=kind is dict)
        if len(_JSON_MEMO) < 10_000:
            _JSON_MEMO[(name, value)] = text
        return text
    return json.dumps(_shaped(value, name), sort_keys=kind is dict)


def _shaped(value: Any, name: str) -> Any:
    """The JSON cell if it has the shape rvutool writes; ValueError naming what is wrong otherwise, so a
    crafted file can never be stored and break `list`, `edit` or `recalc` later."""
    from rvutool import phi
    from rvutool.cli import inputs
    from rvutool.pricing import policy as policies

    def bad(what: str) -> ValueError:
        return ValueError(f"{name} {what}")

    if not isinstance(value, JSON_FIELDS[name]):
        raise bad(f"should be a JSON {JSON_FIELDS[name].__name__}")
    if name == "flags":
        if not all(isinstance(f, str) and 0 < len(f) <= 40 and f.isascii() for f in value):
            raise bad("should be a list of short words such as \"no-wrvu\"")
    elif name == "adjustments":
        for adj in value:
            if not isinstance(adj, dict) or set(adj) - {"rule", "factor", "reason"} or \
                    not isinstance(adj.get("rule"), str) or not isinstance(adj.get("reason", ""), str):
                raise bad("should be a list of {rule, factor, reason} objects")
            try:
                factor = Decimal(str(adj.get("factor")))
            except (InvalidOperation, ValueError):
                raise bad(f"has a factor that is not a number: {str(adj.get('factor'))[:20]!r}") from None
            if not factor.is_finite() or not 0 <= factor <= 10:
                raise bad("has a factor outside 0 to 10")
            if len(adj["rule"]) > 40 or len(adj.get("reason", "")) > 500:
                raise bad("has a rule or reason that is too long")
            phi.check_free_text(adj.get("reason", ""), field="an adjustment reason", allow=False)
    elif name == "options":
        if set(value) - {"fraction", "postop_days"}:
            raise bad(f"has unknown keys: {', '.join(sorted(set(value) - {'fraction', 'postop_days'}))[:60]}")
        try:
            if "fraction" in value:
                inputs.fraction(str(value["fraction"]))
            if "postop_days" in value:
                if isinstance(value["postop_days"], bool) or not isinstance(value["postop_days"], int):
                    raise bad("postop_days should be a whole number")
                inputs.postop_days(str(value["postop_days"]))
        except RvuError as exc:
            raise bad(exc.message) from None
    elif name == "policy":
        for key, chosen in value.items():
            if key not in policies.CHOICES or chosen not in policies.CHOICES[key]:
                raise bad(f"has an unknown setting {str(key)[:30]}={str(chosen)[:30]}")
    return value


_CHECKED: dict[tuple[str, str], Any] = {}


def _checked(kind: str, text: str, check: Callable[[str], Any]) -> Any:
    """check(text), remembered: an export repeats the same dates, codes and amounts on many rows. A bad
    value's message quotes the cell only where the privacy guard passes it (phi.shown)."""
    key = (kind, text)
    found = _CHECKED.get(key, _CHECKED)
    if found is _CHECKED:
        try:
            found = check(text)  # a bad value raises, and is not remembered
        except (ValueError, RvuError) as exc:
            message = exc.message if isinstance(exc, RvuError) else str(exc)
            raise ValueError(layouts.scrubbed(message, text)) from None
        if len(_CHECKED) < 50_000:
            _CHECKED[key] = found
    return found


def _check_known_code(text: str) -> str:
    """A code of some CMS release rvutool has (bundled or imported): an unknown one could not be priced."""
    from rvutool.catalog.codes import Catalog
    from rvutool.pricing import items

    code = items.check_code(text)
    catalog = _CATALOG.get("catalog") or _CATALOG.setdefault("catalog", Catalog())
    if not any(catalog.rows(code, release) for release in catalog.releases):
        raise ValueError(f"{code} is not in any CMS release rvutool has")
    return code


_CATALOG: dict[str, Any] = {}


def _check_category(text: str) -> str:
    from rvutool.catalog import taxonomy

    if text not in taxonomy.CATEGORIES:
        raise ValueError(f"category {text[:40]!r} is not one of rvutool's categories")
    return text


def _check_reason(text: str) -> str:
    from rvutool import phi

    if len(text) > 500:
        raise ValueError("no_wrvu_reason is too long")
    phi.check_note(text, field="no_wrvu_reason", allow=False)
    return text


def _check_date(text: str) -> date:
    from rvutool import dates

    try:
        return dates.parse_date(text)
    except RvuError as exc:
        raise ValueError(exc.message) from None


def _check_modifiers(text: str) -> str:
    from rvutool.pricing import items

    return "-".join(items.check_modifier(m) for m in text.split("-") if m)


def _check_units(text: str) -> int:

    from rvutool.pricing import values

    try:
        values.units(text)
    except ValueError as exc:
        raise ValueError(f"units {text!r} {exc}") from None
    return int(text)


def _check_release(text: str) -> str:
    release = text.upper()
    if not _RELEASE.fullmatch(release):
        raise ValueError(f"release {release[:12]!r} is not a CMS release id such as RVU26C")
    return release


_RELEASE = re.compile(r"RVU[0-9]{2}[A-Z]R?")  # the log's own domain of release ids (its CHECK constraints)


def _check_setting(text: str) -> str:
    from rvutool.pricing import values

    try:
        return values.setting(text or "facility")  # read as --setting reads it
    except ValueError:
        raise ValueError(f"setting {text!r} must be facility or nonfacility") from None


def _check_stamp(text: str) -> str:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a timestamp") from None
    return text


def own_record(rec: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    """Validate one exported entry and turn it into stored values (its snapshot is kept)."""
    from rvutool.catalog import taxonomy

    get = rec.get

    def text(name: str) -> str:
        value = get(name)
        return "" if value is None else str(value).strip()

    on = _checked("date", text("date"), _check_date)
    if on > ctx.today:
        raise ValueError(f"{on} is in the future")
    code = _checked("code", text("code"), _check_known_code)
    note, case = get("note") or None, get("case") or None
    for name, value in (("note", note), ("case", case)):
        if value is not None:
            check_text(str(value), name, ctx)
    source = text("source") or "import"
    category = text("category")
    row = {
        "service_date": on.isoformat(), "code": code,
        "modifiers": _checked("modifiers", text("modifiers"), _check_modifiers),
        "units": _checked("units", text("units"), _check_units),
        "release": _checked("release", text("release"), _check_release),
        "category": _checked("category", category, _check_category) if category else
        _checked("category of", code, taxonomy.category_of),
        "work_rvu_c": _checked("work_rvu", text("work_rvu") or "0", lambda t: _amount(t, "work_rvu")),
        "base_wrvu_c": _checked("base_wrvu", text("base_wrvu"), lambda t: _amount(t, "base_wrvu")),
        "credited_wrvu_c": _checked("credited_wrvu", text("credited_wrvu"), lambda t: _amount(t, "credited_wrvu")),
        "no_wrvu_reason": _checked("reason", text("no_wrvu_reason"), _check_reason) or None,
        "flags": _json_cell(get("flags", "[]"), "flags"),
        "adjustments": _json_cell(get("adjustments", "[]"), "adjustments"),
        "policy": _json_cell(get("policy", "{}"), "policy"),
        "setting": _checked("setting", text("setting"), _check_setting),
        "options": _json_cell(get("options", "{}"), "options"),
        "note": None if note is None else str(note), "case_label": None if case is None else str(case),
        "voided": 0, "source": source if source in {"cli", "import"} else "import",
        "created_at": None, "updated_at": None,
    }
    for stamp in ("created_at", "updated_at"):
        value = text(stamp)
        if value:
            try:
                row[stamp] = _checked("stamp", value, _check_stamp)
            except ValueError:
                raise ValueError(f"{stamp} ({phi_shown(value)}) is not a timestamp") from None
    return row


def _own_groups(path: Path, records: Iterator[tuple[str, dict[str, Any]]],
                ctx: ImportContext) -> Iterator[list[dict[str, Any]]]:
    """Rows grouped by the export's encounter column; an export is sorted by date, so a group is
    complete when the date changes."""
    open_groups: dict[str, list[dict[str, Any]]] = {}
    current_date = None
    for where, rec in records:
        try:
            if not isinstance(rec, dict):
                raise ValueError("an entry is not an object")
            row = own_record(rec, ctx)
        except (ValueError, RvuError) as exc:
            ctx.problem(path, where, exc.message if isinstance(exc, RvuError) else str(exc))
            continue
        if row["service_date"] != current_date:
            yield from open_groups.values()
            open_groups, current_date = {}, row["service_date"]
        label = str(rec.get("encounter") or "").strip() or f"line:{where}"
        open_groups.setdefault(label, []).append(row)
    yield from open_groups.values()


def log_groups(store: LogStore, where: Path, ctx: ImportContext) -> Iterator[list[dict[str, Any]]]:
    """Another log's live entries as an import's encounters (`rvutool db push`): each entry is checked as
    a row of an export would be, so a damaged personal log cannot carry bad values into a shared one."""
    canonical = Canonical()
    records = ((f"entry #{e.id}", dict(zip(EXPORT_CSV_COLUMNS, export_cells(e, canonical), strict=True)))
               for e in store.entries())
    return _own_groups(where, records, ctx)


def _decoded(path: Path, raw_lines: Iterator[bytes]) -> Iterator[str]:
    for number, raw in enumerate(raw_lines, 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportFileError(f"{path} line {number}: not UTF-8 text; save the file as UTF-8 and import it "
                                  "again; nothing was imported") from None
        if "\x00" in text:
            raise ImportFileError(f"{path} line {number}: holds a NUL byte; it is not a CSV text file; "
                                  "nothing was imported")
        yield text.lstrip("\ufeff") if number == 1 else text


def _csv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of a UTF-8 CSV file, read as it goes; problems name the line. The delimiter
    (comma, semicolon or tab) is sniffed from the first line."""
    try:
        with path.open("rb") as fh:
            lines = _decoded(path, fh)
            first = next(lines, "")
            reader = csv.reader(itertools.chain([first], lines), delimiter=layouts.sniff_delimiter(first),
                                strict=True)
            try:
                for cells in reader:
                    if any(c.strip() for c in cells):
                        yield reader.line_num, cells
            except csv.Error as exc:
                raise ImportFileError(f"{path} line {reader.line_num}: the CSV is damaged ({exc}); it may be "
                                      "truncated; nothing was imported") from None
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def own_favourite(name: Any, items: Any, ctx: ImportContext) -> Favourite:
    """A favourite of an export, checked as `rvutool fav add` checks one; ValueError or RvuError otherwise."""
    from rvutool.log import favourites

    if not isinstance(name, str) or not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError("a favourite should be {\"name\": text, \"items\": [item texts]}")
    catalog = _CATALOG.get("catalog")
    if catalog is None:
        from rvutool.catalog.codes import Catalog

        catalog = _CATALOG.setdefault("catalog", Catalog())
    checked = favourites.check_name(name, allow_identifiers=ctx.allow_identifiers)
    return Favourite(checked, favourites.check_items(items, catalog))


def _checked_favourites(path: Path, found: dict[str, tuple[str, list[str]]], ctx: ImportContext,
                        into: list[Favourite]) -> None:
    """found: name as written -> (where it was first seen, its item texts)."""
    for name, (where, items) in found.items():
        try:
            into.append(own_favourite(name, items, ctx))
        except (ValueError, RvuError) as exc:
            why = exc.message if isinstance(exc, RvuError) else str(exc)
            ctx.problem(path, f"{where} (favourite {phi_shown(name)})", layouts.scrubbed(why, name))


def _item_text(rec: dict[str, Any]) -> str:
    code, mods, units = (str(rec.get(k) or "").strip() for k in ("code", "modifiers", "units"))
    return code + "".join(f"-{m}" for m in mods.split("-") if m) + (f"x{units}" if units not in {"", "1"} else "")


def read_own_csv(path: Path, head: bytes, ctx: ImportContext) -> Source | None:
    first = head.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace").split(",")
    if tuple(first[:4]) not in {header[:4] for header in _OWN_CSV_HEADERS}:
        return None
    favourites: list[Favourite] = []

    def records() -> Iterator[tuple[str, dict[str, Any]]]:
        lines = _csv_lines(path)
        _, header = next(lines)
        if tuple(header) not in _OWN_CSV_HEADERS:
            missing = [c for c in _UNNAMED_CSV_COLUMNS if c not in header]
            raise ImportFileError(f"{path} line 1: the header is not rvutool's export header (missing: "
                                  f"{', '.join(missing) or 'order'}); nothing was imported")
        found: dict[str, tuple[str, list[str]]] = {}
        for line, cells in lines:
            if len(cells) != len(header):
                ctx.problem(path, f"line {line}", f"has {len(cells)} cells, expected {len(header)} "
                                                  "(a truncated or damaged row)")
                continue
            rec = dict(zip(header, map(spreadsheet.restore, cells), strict=True))
            name = rec.pop(FAVOURITE_COLUMN, "")
            if name:  # an item of a favourite, not an entry
                found.setdefault(name, (f"line {line}", []))[1].append(_item_text(rec))
                continue
            yield f"line {line}", rec
        _checked_favourites(path, found, ctx, favourites)

    return Source(path, "rvutool CSV export", _own_groups(path, records(), ctx), favourites=favourites)


def read_own_json(path: Path, head: bytes, ctx: ImportContext) -> Source | None:
    if not head.lstrip().startswith(b"{"):
        return None
    try:
        with path.open("r", encoding="utf-8") as fh:
            first = fh.readline()
            streamed = first.rstrip().endswith('"entries": [') and '"format"' in first
            if streamed:
                meta = json.loads(first.rstrip()[: -len(', "entries": [')] + "}")
            else:
                fh.seek(0)
                meta = json.load(fh)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path}: is not UTF-8 text (byte {exc.start}); nothing was imported") from None
    except ValueError as exc:
        where = f" line {exc.lineno}" if hasattr(exc, "lineno") else ""
        raise ImportFileError(f"{path}{where}: is not valid JSON ({str(exc.args[0]).split(':')[0]}); "
                              "nothing was imported") from None
    if not isinstance(meta, dict) or meta.get("format") != EXPORT_JSON_FORMAT:
        raise ImportFileError(f"{path}: is JSON but not an rvutool export (expected format "
                              f"{EXPORT_JSON_FORMAT}); nothing was imported")
    if not streamed and not isinstance(meta.get("entries"), list):
        raise ImportFileError(f"{path}: has no list of entries; nothing was imported")
    listed = meta.get("favourites", [])
    if not isinstance(listed, list):
        raise ImportFileError(f"{path}: its favourites are not a list; nothing was imported")
    found: dict[str, tuple[str, list[str]]] = {}
    for index, fav in enumerate(listed, 1):
        where, name = f"favourite {index}", fav.get("name") if isinstance(fav, dict) else None
        items = fav.get("items") if isinstance(fav, dict) else None
        if not isinstance(name, str) or not isinstance(items, list) or name in found:
            ctx.problem(path, where, "should be {\"name\": text, \"items\": [item texts]}, one per name")
            continue
        found[name] = (where, items)
    favourites: list[Favourite] = []
    _checked_favourites(path, found, ctx, favourites)

    def records() -> Iterator[tuple[str, Any]]:
        if not streamed:
            for index, rec in enumerate(meta["entries"], 1):
                yield f"entry {index}", rec
            return
        closed = False
        with path.open("r", encoding="utf-8") as fh:
            fh.readline()
            for number, text in enumerate(fh, 2):
                text = text.strip().rstrip(",")
                if closed and text:
                    raise ImportFileError(f"{path} line {number}: text after the end of the entries; "
                                          "nothing was imported")
                if text in {"", "]}"}:
                    closed = closed or text == "]}"
                    continue
                try:
                    yield f"line {number}", json.loads(text)
                except ValueError:
                    ctx.problem(path, f"line {number}", "is not valid JSON")
        if not closed:
            raise ImportFileError(f"{path}: is not valid JSON (it ends before its list of entries is closed: "
                                  "truncated?); nothing was imported")

    return Source(path, "rvutool JSON export", _own_groups(path, records(), ctx), favourites=favourites)


# ---------------------------------------------------------------- other programs' CSV files
def read_other_csv(path: Path, head: bytes, ctx: ImportContext) -> Source | None:
    from rvutool.catalog.codes import CachedCatalog
    from rvutool.pricing.rules import price_encounter

    lines = _csv_lines(path)
    try:
        _, header = next(lines)
    except StopIteration:
        raise ImportFileError(f"{path} is empty; nothing was imported") from None
    layout = layouts.detect(header, path, group_by_date=ctx.group_by_date)
    catalog = CachedCatalog()

    def groups() -> Iterator[list[dict[str, Any]]]:
        records = layout.records(lines, lambda line, message: ctx.problem(path, f"line {line}", message))
        for record in records:
            try:
                if record.date > ctx.today:
                    raise RvuError(f"{record.date} is in the future")
                if record.note is not None:
                    check_text(record.note, "note", ctx)
                priced = price_encounter(record.items, record.date, catalog=catalog, policy=ctx.policy,
                                         options=ctx.options)
            except RvuError as exc:
                ctx.problem(path, f"line {record.line}", exc.message)
                continue
            yield snapshot(priced, note=record.note, source="import")

    return Source(path, layout.name, groups(), {"used": layout.used, "ignored": layout.ignored})


# Tried in order: the first reader that recognises the file reads it.
READERS: list[Reader] = [read_own_json, read_own_csv, read_other_csv]


def open_source(path: Path, ctx: ImportContext) -> Source:
    """The reader for a file, ready to hand over its encounters."""
    if not path.exists():
        raise RvuError(f"no such file: {path}")
    if path.is_dir():
        raise RvuError(f"{path} is a directory; give a CSV or JSON file")
    if not path.is_file():
        raise RvuError(f"{path} is not a regular file; give a CSV or JSON file")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise RvuError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head.strip():
        raise ImportFileError(f"{path} is empty; nothing was imported")
    for reader in READERS:
        source = reader(path, head, ctx)
        if source is not None:
            return source
    raise ImportFileError(f"{path}: not a file rvutool can import; nothing was imported")  # pragma: no cover
