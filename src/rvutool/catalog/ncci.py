"""The NCCI edits the user imported: one indexed SQLite database under the data directory
(paths.ncci_file()), apart from the log, and the questions the checks ask it.

Each imported file is kept as a *part* of a quarter: (kind, first day in force, part), such as
(PTP, 2026-07-01, f1) or (MUE, 2026-04-01, ""). Importing a part again (a revision, r1 after r0)
replaces it; other quarters stay. A date of service is checked, part by part, against the newest
imported quarter that has started by that day (the earliest one before any has), so a newer quarter
replaces an older one only for the dates it covers; within a PTP quarter each edit's own effective
and deletion dates (both dates of service, the deletion date the last day in force) decide.

An import never changes the database in place: it builds a new one beside it (the parts kept, copied
over, then the new rows as they are read), and renames it over the old only when every row has passed,
so a bad or truncated file leaves what was imported before exactly as it was.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rvutool import paths
from rvutool.catalog import ncci_files
from rvutool.catalog.ncci_files import MUE, PTP, Quarter, quarter_label
from rvutool.errors import DatasetError, ImportFileError, RvuError

APPLICATION_ID = 0x4E434349  # "NCCI": marks the file as rvutool's NCCI database
SCHEMA_VERSION = 1
_BATCH = 20_000

_SCHEMA = """
CREATE TABLE parts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('ptp', 'mue')),
    quarter_start TEXT NOT NULL,        -- first day in force, YYYY-MM-DD
    part TEXT NOT NULL,                 -- 'f1'..'f9' for a PTP part; '' for a whole file
    version TEXT NOT NULL,              -- 'v32.2r0', or the MUE table's effective date
    source_file TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (kind, quarter_start, part)
);
CREATE TABLE rationales (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE ptp (
    part_id INTEGER NOT NULL,
    col1 TEXT NOT NULL,
    col2 TEXT NOT NULL,
    effective INTEGER NOT NULL,         -- YYYYMMDD
    deleted INTEGER,                    -- YYYYMMDD, the last day in force; NULL while in force
    modifier TEXT NOT NULL,             -- '0' never, '1' with an NCCI-associated modifier, '9' not applicable
    rationale INTEGER NOT NULL,
    PRIMARY KEY (part_id, col1, col2, effective)
) WITHOUT ROWID;
CREATE TABLE mue (
    part_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    value INTEGER NOT NULL,
    indicator TEXT NOT NULL,            -- '1' per line, '2' per day (policy), '3' per day (clinical)
    rationale INTEGER NOT NULL,
    PRIMARY KEY (part_id, code)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Part:
    """One imported file of edits."""

    id: int
    kind: str
    quarter_start: date
    part: str
    version: str
    source_file: str
    source_sha256: str
    rows: int
    imported_at: str

    @property
    def quarter(self) -> str:
        return quarter_label(self.quarter_start)

    @property
    def source(self) -> str:
        """The rule source a finding names: 'NCCI PTP edits v32.2r0 (2026 Q3)'."""
        if self.kind == PTP:
            return f"NCCI PTP edits {self.version} ({self.quarter})"
        return f"NCCI MUE table effective {self.quarter_start.isoformat()} ({self.quarter})"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "quarter": self.quarter, "quarter_start": self.quarter_start.isoformat(),
                "version": self.version, "part": self.part or None, "rows": self.rows,
                "source_file": self.source_file, "source_sha256": self.source_sha256, "imported_at": self.imported_at}


@dataclass(frozen=True)
class Edit:
    """A PTP edit: column 2 is not paid with column 1 (the same day, the same practitioner), unless the modifier
    indicator is 1 and an NCCI-associated modifier applies."""

    col1: str
    col2: str
    effective: date
    deleted: date | None
    modifier: str
    rationale: str
    part: Part

    def in_force(self, on: date) -> bool:
        return self.effective <= on and (self.deleted is None or on <= self.deleted)


@dataclass(frozen=True)
class Mue:
    code: str
    value: int
    indicator: str  # '1' per line; '2', '3' per day
    rationale: str
    part: Part

    @property
    def per_day(self) -> bool:
        return self.indicator in ("2", "3")


# ---------------------------------------------------------------- reading
def _ymd(value: int | None) -> date | None:
    return None if value is None else date(value // 10000, value // 100 % 100, value % 100)


class Ncci:
    """The imported edits, read-only; empty (and nothing created) when none were imported."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else paths.ncci_file()
        self._conn: sqlite3.Connection | None = None
        self._parts: list[Part] | None = None
        self._chosen: dict[tuple[str, date], list[Part]] = {}

    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is None and self.path.is_file():
            self._conn = open_database(self.path)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def parts(self) -> list[Part]:
        if self._parts is None:
            conn = self._connection()
            self._parts = [] if conn is None else [_part(row) for row in conn.execute(
                "SELECT id, kind, quarter_start, part, version, source_file, source_sha256, rows, imported_at "
                "FROM parts ORDER BY kind, part, quarter_start")]
        return self._parts

    def has(self, kind: str) -> bool:
        return any(p.kind == kind for p in self.parts)

    def chosen(self, kind: str, on: date) -> list[Part]:
        """For each part, the newest quarter started by `on` (the earliest when none has)."""
        key = (kind, on)
        if key not in self._chosen:
            by_part: dict[str, list[Part]] = {}
            for p in self.parts:
                if p.kind == kind:
                    by_part.setdefault(p.part, []).append(p)
            found = []
            for quarters in by_part.values():
                started = [p for p in quarters if p.quarter_start <= on]
                found.append(max(started, key=lambda p: p.quarter_start) if started else quarters[0])
            self._chosen[key] = found
        return self._chosen[key]

    def edits(self, codes: Iterable[str], on: date) -> list[Edit]:
        """The PTP edits between any two of `codes` in the quarter chosen for `on` (in force or not)."""
        wanted = sorted(set(codes))
        parts = {p.id: p for p in self.chosen(PTP, on)}
        conn = self._connection()
        if len(wanted) < 2 or not parts or conn is None:
            return []
        marks, ids = ",".join("?" * len(wanted)), ",".join("?" * len(parts))
        rows = conn.execute(
            f"SELECT e.part_id, e.col1, e.col2, e.effective, e.deleted, e.modifier, r.text FROM ptp e "
            f"JOIN rationales r ON r.id = e.rationale WHERE e.part_id IN ({ids}) AND e.col1 IN ({marks}) "
            f"AND e.col2 IN ({marks})", (*parts, *wanted, *wanted)).fetchall()
        return [Edit(c1, c2, _ymd(eff), _ymd(dele), mod, text, parts[pid])  # type: ignore[arg-type]
                for pid, c1, c2, eff, dele, mod, text in rows]

    def mues(self, codes: Iterable[str], on: date) -> dict[str, Mue]:
        """The MUE of each of `codes` in the table chosen for `on` (codes without one are left out)."""
        wanted = sorted(set(codes))
        parts = {p.id: p for p in self.chosen(MUE, on)}
        conn = self._connection()
        if not wanted or not parts or conn is None:
            return {}
        marks, ids = ",".join("?" * len(wanted)), ",".join("?" * len(parts))
        rows = conn.execute(
            f"SELECT m.part_id, m.code, m.value, m.indicator, r.text FROM mue m JOIN rationales r ON "
            f"r.id = m.rationale WHERE m.part_id IN ({ids}) AND m.code IN ({marks})", (*parts, *wanted)).fetchall()
        return {code: Mue(code, value, ind, text, parts[pid]) for pid, code, value, ind, text in rows}


def _part(row: tuple[Any, ...]) -> Part:
    pid, kind, start, part, version, source, sha, count, when = row
    return Part(pid, kind, date.fromisoformat(start), part, version, source, sha, count, when)


def open_database(path: Path, *, write: bool = False) -> sqlite3.Connection:
    """rvutool's NCCI database, checked to be one (DatasetError names it otherwise)."""
    from urllib.parse import quote

    try:
        conn = sqlite3.connect(path if write else f"file:{quote(str(path))}?mode=ro", uri=not write)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise DatasetError(f"the imported NCCI edits {path} are damaged ({exc}); move the file aside and "
                           "import the NCCI files again") from None
    if app_id != APPLICATION_ID:
        conn.close()
        raise DatasetError(f"{path} is not rvutool's NCCI database; move it aside and import the NCCI files again")
    if version > SCHEMA_VERSION:
        conn.close()
        raise DatasetError(f"the imported NCCI edits {path} were written by a newer rvutool (version {version})")
    return conn


# ---------------------------------------------------------------- status
@dataclass
class QuarterStatus:
    """One imported quarter of one kind, with the dates it decides."""

    kind: str
    quarter_start: date
    version: str
    parts: list[Part]
    covers_to: date | None  # the day before a newer quarter of every part starts; None: onward

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": ncci_files.KIND_NAMES[self.kind],
                "quarter": quarter_label(self.quarter_start), "quarter_start": self.quarter_start.isoformat(),
                "version": self.version, "covers_from": self.quarter_start.isoformat(),
                "covers_to": None if self.covers_to is None else self.covers_to.isoformat(), "rows": self.rows,
                "parts": [p.to_dict() for p in self.parts]}


def status(ncci: Ncci | None = None) -> list[QuarterStatus]:
    """Every imported quarter, oldest first within each kind. Reads only; creates nothing."""
    from datetime import timedelta

    ncci = ncci or Ncci()
    grouped: dict[tuple[str, date], list[Part]] = {}
    for p in ncci.parts:
        grouped.setdefault((p.kind, p.quarter_start), []).append(p)
    out = []
    for (kind, start), parts in sorted(grouped.items()):
        later = [s for k, s in grouped if k == kind and s > start]
        out.append(QuarterStatus(kind, start, ", ".join(sorted({p.version for p in parts})),
                                 sorted(parts, key=lambda p: p.part),
                                 min(later) - timedelta(days=1) if later else None))
    return out


# ---------------------------------------------------------------- import
@dataclass
class ImportedPart:
    member: str
    quarter: Quarter
    rows: int
    replaced: str | None  # the version this part replaced, if it was imported before


@dataclass
class NcciImport:
    """What `rvutool data import` of an NCCI file did."""

    kind: str
    source_file: str
    source_sha256: str
    parts: list[ImportedPart] = field(default_factory=list)
    database: str = ""

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "source_file": self.source_file, "source_sha256": self.source_sha256,
                "rows": self.rows, "database": self.database,
                "parts": [{"member": p.member, "quarter": p.quarter.label, "quarter_start": p.quarter.start.isoformat(),
                           "version": p.quarter.version, "part": p.quarter.part or None, "rows": p.rows,
                           "replaced": p.replaced} for p in self.parts]}


def _sha256(path: Path) -> str:
    import hashlib

    from rvutool.catalog.imports import open_regular

    digest = hashlib.sha256()
    with open_regular(path, max_bytes=ncci_files.MAX_ZIP_TOTAL) as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(path: Path, *, progress: Callable[[str, float], None] | None = None, database: Path | None = None,
                now: datetime | None = None) -> NcciImport:
    """Import a CMS NCCI PTP or MUE file (or a zip of them). Raises ImportFileError; changes nothing then."""
    from rvutool import dates
    from rvutool.catalog.imports import shown

    step = progress or (lambda stage, done: None)
    database = database if database is not None else paths.ncci_file()
    stamp = (now or dates.now()).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    step("reading", 0.0)
    kind, members = ncci_files.members(path)
    report = NcciImport(kind, shown(path.name), _sha256(path), database=str(database))
    folder = database.parent
    try:
        paths.ensure_private_dir(folder)
        from rvutool.catalog import datafile

        with datafile.locked(folder / ".ncci.lock"):
            _build(database, members, report, stamp, step)
    except OSError as exc:
        raise RvuError(f"cannot write {shown(str(database))}: {exc.strerror or exc}; nothing was imported and the "
                       "earlier NCCI imports are unchanged") from None
    step("done", 1.0)
    return report


def _build(database: Path, members: list[ncci_files.Member], report: NcciImport, stamp: str,
           step: Callable[[str, float], None]) -> None:
    """A new database beside the old: kept parts copied, the new rows added; renamed over the old at the end."""
    scratch = database.with_name(f".{database.name}.import-{os.getpid()}")
    for leftover in (scratch, Path(f"{scratch}-journal")):
        leftover.unlink(missing_ok=True)
    conn = sqlite3.connect(scratch, isolation_level=None)
    try:
        os.chmod(scratch, 0o600)
        conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32000;")
        conn.executescript(_SCHEMA + f"PRAGMA application_id = {APPLICATION_ID}; "
                                     f"PRAGMA user_version = {SCHEMA_VERSION};")
        earlier = _copy_kept(conn, database, members)
        conn.execute("BEGIN")
        rationales: dict[str, int] = dict(conn.execute("SELECT text, id FROM rationales"))
        next_part = (conn.execute("SELECT MAX(id) FROM parts").fetchone()[0] or 0) + 1
        total = sum(max(m.size, 1) for m in members)
        done_before, new_parts = 0, set()
        for member in members:
            reading = ncci_files.Reading(member, member.quarter)

            def progress(base: int = done_before, size: int = max(member.size, 1), r: Any = reading) -> None:
                step("reading", 0.05 + 0.85 * (base + r.done * size) / total)

            count = _load(conn, member, reading, next_part, rationales, progress)
            quarter = reading.quarter
            key = (quarter.kind, quarter.start, quarter.part)
            same = conn.execute("SELECT id, version FROM parts WHERE kind = ? AND quarter_start = ? AND part = ?",
                                (quarter.kind, quarter.start.isoformat(), quarter.part)).fetchone()
            if same is not None and same[0] in new_parts:
                raise ImportFileError(f"{report.source_file} holds {quarter.part or 'the'} {quarter.kind.upper()} "
                                      f"edits of {quarter.label} twice; import one at a time")
            if same is not None:  # kept because only the header named its quarter: replaced now
                for table in ("ptp", "mue"):
                    conn.execute(f"DELETE FROM {table} WHERE part_id = ?", (same[0],))
                conn.execute("DELETE FROM parts WHERE id = ?", (same[0],))
                earlier[key] = same[1]
            conn.execute("INSERT INTO parts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (next_part, quarter.kind, quarter.start.isoformat(), quarter.part, quarter.version,
                          member.shown, report.source_sha256, count, stamp))
            report.parts.append(ImportedPart(member.shown, quarter, count, earlier.get(key)))
            new_parts.add(next_part)
            next_part += 1
            done_before += max(member.size, 1)
        step("writing", 0.92)
        conn.execute("COMMIT")
        conn.execute("PRAGMA optimize")
        conn.close()
        _fsync(scratch)
        os.replace(scratch, database)
        _fsync_folder(database.parent)
    except BaseException:
        conn.close()
        scratch.unlink(missing_ok=True)
        raise


def _copy_kept(conn: sqlite3.Connection, database: Path, members: list[ncci_files.Member]) -> dict[tuple, str]:
    """Copy the parts the new file does not replace from the old database; the versions it replaces."""
    if not database.is_file():
        return {}
    open_database(database).close()  # a damaged or foreign file stops here, with its name
    conn.execute("ATTACH DATABASE ? AS old", (str(database),))
    try:
        conn.execute("BEGIN")
        old = [_part(r) for r in conn.execute("SELECT id, kind, quarter_start, part, version, source_file, "
                                              "source_sha256, rows, imported_at FROM old.parts")]
        named = {(m.quarter.kind, m.quarter.start, m.quarter.part) for m in members}
        replaced = {(p.kind, p.quarter_start, p.part): p.version for p in old
                    if (p.kind, p.quarter_start, p.part) in named}
        kept = [p.id for p in old if (p.kind, p.quarter_start, p.part) not in named]
        conn.execute("INSERT INTO rationales SELECT * FROM old.rationales")
        if kept:
            marks = ",".join("?" * len(kept))
            conn.execute(f"INSERT INTO parts SELECT * FROM old.parts WHERE id IN ({marks})", kept)
            conn.execute(f"INSERT INTO ptp SELECT * FROM old.ptp WHERE part_id IN ({marks})", kept)
            conn.execute(f"INSERT INTO mue SELECT * FROM old.mue WHERE part_id IN ({marks})", kept)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise DatasetError(f"the imported NCCI edits {database} are damaged ({exc}); move the file aside and "
                           "import the NCCI files again") from None
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE old")
    return replaced


def _load(conn: sqlite3.Connection, member: ncci_files.Member, reading: ncci_files.Reading, part_id: int,
          rationales: dict[str, int], progress: Callable[[], None]) -> int:
    """Stream one member's rows into the new database; how many there were."""
    from itertools import islice

    def rationale(text: str) -> int:
        found = rationales.get(text)
        if found is None:
            if len(rationales) >= ncci_files.MAX_RATIONALES:
                raise ImportFileError(f"{member.shown}: more than {ncci_files.MAX_RATIONALES:,} different rationale "
                                      "texts: not a CMS file")
            found = rationales[text] = len(rationales) + 1
            conn.execute("INSERT INTO rationales VALUES (?, ?)", (found, text))
        return found

    kind = member.quarter.kind
    rows = ncci_files.rows(member, reading)
    if kind == PTP:
        sql = "INSERT OR REPLACE INTO ptp VALUES (?, ?, ?, ?, ?, ?, ?)"
        shaped = ((part_id, c1, c2, eff, dele, mod, rationale(text)) for c1, c2, eff, dele, mod, text in rows)
    else:
        sql = "INSERT OR REPLACE INTO mue VALUES (?, ?, ?, ?, ?)"
        shaped = ((part_id, code, value, ind, rationale(text)) for code, value, ind, text in rows)
    count = 0
    while batch := list(islice(shaped, _BATCH)):
        conn.executemany(sql, batch)
        count += len(batch)
        progress()
    if count == 0:
        raise ImportFileError(f"{member.shown} holds no {ncci_files.KIND_NAMES[kind]} rows")
    return count


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    try:
        _fsync(folder)
    except OSError:  # not every system lets a folder be opened or synced
        pass
