"""Reading procedure lists other programs write, for `rvutool import FILE.csv`.

Three layouts are recognised from the header row (names are matched without regard to
case, spaces, underscores or a UTF-8 byte-order mark):

  rvutool    rvutool's own `export --format csv` (logbook.EXPORT_CSV_COLUMNS)
  rvuwallet  the RVU Wallet export: Date, Encounter ID, Reference ID, Location, Codes,
             Total Work RVUs, Total Adjusted Work RVUs; "Codes" holds a list such as
             "19301, 38525-51" and one row is one encounter
  generic    any CSV with a date column (date, service date, date of service, DOS) and a
             code column (code, CPT, HCPCS, CDT, procedure), optionally modifier(s),
             units / qty and note; one row is one encounter, unless an encounter column
             (encounter, encounter id, visit) groups rows

Dates may be YYYY-MM-DD or M/D/YYYY. Only the shape of each code is checked here;
whether CMS knows it is decided when the record is priced. Every problem names the
file and the line; nothing here writes anything.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, overload

from rvutool.errors import ImportFileError, RvuError
from rvutool.items import Item, parse_item

_DATE_ALIASES = ("date", "service date", "date of service", "dos", "service_date", "servicedate")
_CODE_ALIASES = ("code", "cpt", "hcpcs", "cpt code", "hcpcs code", "cdt", "cdt code", "procedure",
                 "procedure code", "cpt/hcpcs", "item")
_MOD_ALIASES = ("modifier", "modifiers", "mod", "mods")
_UNIT_ALIASES = ("units", "unit", "qty", "quantity")
_NOTE_ALIASES = ("note", "notes")
_ENCOUNTER_ALIASES = ("encounter", "encounter id", "visit", "visit id")
_WALLET = ("date", "encounter id", "reference id", "location", "codes", "total work rvus",
           "total adjusted work rvus")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Record:
    """One encounter read from a file: what `rvutool log` would be given."""

    line: int
    date: date
    items: list[Item]
    note: str | None
    source_key: str  # stable across re-imports of the same file, for de-duplication


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return self.message


class _RowError(Exception):
    pass


def _norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").replace("_", " ").strip().lower().split())


def parse_day(text: str) -> date:
    value = text.strip()
    try:
        if len(value) == 10 and value[4] == "-":
            return date.fromisoformat(value)
        match = _US_DATE.match(value)
        if match:
            month, day, year = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise _RowError(f"{text!r} is not a date (use YYYY-MM-DD or M/D/YYYY)")


def _item(token: str, modifiers: list[str] = (), units: str | None = None) -> Item:  # type: ignore[assignment]
    text = re.sub(r"\s*-\s*", "-", token.strip())  # "38525 - 51" -> "38525-51"
    if not text:
        raise _RowError("the code is empty")
    if modifiers:
        text += "".join(f"-{m}" for m in modifiers)
    if units is not None and units.strip():
        if not units.strip().isdigit():
            raise _RowError(f"units {units!r} is not a whole number")
        text += f"x{int(units.strip())}"
    try:
        return parse_item(text)
    except RvuError as exc:
        raise _RowError(exc.message) from None


def _split_modifiers(cell: str) -> list[str]:
    return [m for m in re.split(r"[\s,;/-]+", cell.strip()) if m]


@dataclass
class _Layout:
    name: str
    index: dict[str, int]  # role -> column
    width: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _detect(header: list[str], path: Path) -> _Layout:
    names = [_norm(h) for h in header]
    from rvutool import logbook

    own = tuple(_norm(c) for c in getattr(logbook, "EXPORT_CSV_COLUMNS", ()))
    if own and tuple(names) == own:
        index = {role: names.index(col) for role, col in (("date", "date"), ("code", "code"),
                                                          ("modifiers", "modifiers"), ("units", "units"),
                                                          ("note", "note"), ("key", "key"))}
        return _Layout("rvutool", index, len(names))
    if all(col in names for col in ("date", "encounter id", "codes")) and \
            sum(col in names for col in _WALLET) >= 5:
        index = {"date": names.index("date"), "codes": names.index("codes"),
                 "encounter": names.index("encounter id")}
        if "reference id" in names:
            index["reference"] = names.index("reference id")
        return _Layout("rvuwallet", index, len(names))

    def find(aliases: tuple[str, ...]) -> int | None:
        return next((names.index(a) for a in aliases if a in names), None)

    index = {}
    for role, aliases in (("date", _DATE_ALIASES), ("code", _CODE_ALIASES), ("modifiers", _MOD_ALIASES),
                          ("units", _UNIT_ALIASES), ("note", _NOTE_ALIASES),
                          ("encounter", _ENCOUNTER_ALIASES)):
        found = find(aliases)
        if found is not None:
            index[role] = found
    missing = [what for role, what in (("date", "a date column (date, service date or DOS)"),
                                       ("code", "a code column (code, CPT or HCPCS)")) if role not in index]
    if missing:
        shown = ", ".join(h.strip() for h in header[:8]) or "(none)"
        raise ImportFileError(f"{path} line 1: not a layout rvutool can read: it needs {' and '.join(missing)}; "
                              f"its columns are: {shown}")
    return _Layout("generic", index, len(names))


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    import csv
    import io

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFileError(f"{path} line {line}: not UTF-8 text (byte {exc.start}); save the file as "
                              "UTF-8 and import it again") from None
    if "\x00" in text:
        raise ImportFileError(f"{path} line {text[:text.index(chr(0))].count(chr(10)) + 1}: "
                              "holds a NUL byte; it is not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ImportFileError(f"{path} line {reader.line_num}: the CSV is damaged ({exc}); "
                              "it may be truncated") from None
    rows = [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]
    if not rows:
        raise ImportFileError(f"{path} is empty; nothing was imported")
    return rows[0][1], rows[1:]


def _key(layout: str, cells: list[str], seen: dict[str, int]) -> str:
    digest = hashlib.sha256("\x1f".join(c.strip() for c in cells).encode("utf-8")).hexdigest()[:16]
    seen[digest] = seen.get(digest, 0) + 1
    # identical rows are different procedures (two patients, same code, same day): number them
    return f"{layout}:{digest}:{seen[digest]}"


def _cell(cells: list[str], layout: _Layout, role: str) -> str | None:
    col = layout.index.get(role)
    if col is None:
        return None
    return cells[col] if col < len(cells) else ""


def _records(layout: _Layout, rows: list[tuple[int, list[str]]], path: Path,
             problems: list[Problem] | None) -> list[Record]:
    out: list[Record] = []
    seen: dict[str, int] = {}
    groups: dict[tuple[date, str], int] = {}  # generic rows sharing an encounter column
    for line, cells in rows:
        try:
            if len(cells) < layout.width:
                needed = max(layout.index.values()) + 1
                if len(cells) < needed:
                    raise _RowError(f"has {len(cells)} of {layout.width} columns; the file may be truncated")
            day = parse_day(_cell(cells, layout, "date") or "")
            note = (_cell(cells, layout, "note") or "").strip() or None
            if layout.name == "rvuwallet":
                tokens = [t for t in re.split(r"[,;]", _cell(cells, layout, "codes") or "") if t.strip()]
                if not tokens:
                    raise _RowError("the Codes cell is empty")
                items = [_item(t) for t in tokens]
                ident = (_cell(cells, layout, "encounter") or "").strip()
                key = f"rvuwallet:{ident}" if ident else _key("rvuwallet", cells, seen)
                out.append(Record(line, day, items, None, key))
                continue
            modifiers = _split_modifiers(_cell(cells, layout, "modifiers") or "")
            item = _item(_cell(cells, layout, "code") or "", modifiers, _cell(cells, layout, "units"))
            if layout.name == "rvutool":
                key = (_cell(cells, layout, "key") or "").strip() or _key("rvutool", cells, seen)
                out.append(Record(line, day, [item], note, key))
                continue
            encounter = (_cell(cells, layout, "encounter") or "").strip()
            if encounter and (day, encounter) in groups:
                first = out[groups[(day, encounter)]]
                first.items.append(item)
                continue
            record = Record(line, day, [item], note, _key("csv", cells, seen))
            if encounter:
                groups[(day, encounter)] = len(out)
            out.append(record)
        except _RowError as exc:
            message = f"line {line}: {exc}"
            if problems is None:
                raise ImportFileError(f"{path} {message}; nothing was imported") from None
            problems.append(Problem(line, message))
    return out


@overload
def read_records(path: Path, *, skip_bad: Literal[False] = ...) -> list[Record]: ...
@overload
def read_records(path: Path, *, skip_bad: Literal[True]) -> tuple[list[Record], list[Problem]]: ...


def read_records(path: Path, *, skip_bad: bool = False) -> Any:
    """The encounters in a CSV file. With skip_bad, bad rows become Problems instead of an error."""
    path = Path(path)
    header, rows = _read_rows(path)
    layout = _detect(header, path)
    problems: list[Problem] | None = [] if skip_bad else None
    records = _records(layout, rows, path, problems)
    if skip_bad:
        return records, problems
    return records


def detect_layout(path: Path) -> str:
    """'rvutool', 'rvuwallet' or 'generic' (raises ImportFileError for anything else)."""
    header, _ = _read_rows(Path(path))
    return _detect(header, Path(path)).name
