"""The SQLite log's tables, its application id and its migrations.

    entries      one row per logged line with its pricing snapshot (entries.Entry)
    changes      the undo journal: one row per log / edit / remove / import / recalc
    change_rows  before-images of every entry a change touched (NULL before = inserted)
    meta         facts about this log: its random id, the next encounter number
    day_totals   live entries added up by date, code and no-wRVU reason ('' for none), kept by triggers
    favourites   a name for items logged together (`rvutool fav add tka 27447`; `@tka`)
    contracts    each version of a contract file as written (reports/contracts.py), by name and effective date
    contract_fees  fee schedules imported for a contract (`rvutool contract fees import`), in cents
    collections  collections entered per month (`rvutool contract collections`), in cents

`PRAGMA application_id` marks the file as ours; `PRAGMA user_version` is the schema version.
MIGRATIONS[n] takes a log from version n to n + 1 inside one transaction. Append; never edit
a released step.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

APPLICATION_ID = 0x52565554  # "RVUT"


def _m001_create(conn: sqlite3.Connection) -> None:
    conn.execute("""
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            encounter_id INTEGER NOT NULL,
            service_date TEXT NOT NULL,
            code TEXT NOT NULL,
            modifiers TEXT NOT NULL DEFAULT '',
            units INTEGER NOT NULL,
            release TEXT NOT NULL,
            category TEXT NOT NULL,
            work_rvu_c INTEGER NOT NULL,
            base_wrvu_c INTEGER NOT NULL,
            credited_wrvu_c INTEGER NOT NULL,
            no_wrvu_reason TEXT,
            flags TEXT NOT NULL DEFAULT '[]',
            adjustments TEXT NOT NULL DEFAULT '[]',
            policy TEXT NOT NULL DEFAULT '{}',
            setting TEXT NOT NULL DEFAULT 'facility',
            options TEXT NOT NULL DEFAULT '{}',
            note TEXT,
            case_label TEXT,
            voided INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL,
            import_key TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX entries_date ON entries (voided, service_date)")
    conn.execute("CREATE INDEX entries_code ON entries (voided, code)")
    conn.execute("CREATE INDEX entries_encounter ON entries (encounter_id)")
    conn.execute("CREATE INDEX entries_import_key ON entries (import_key) WHERE import_key IS NOT NULL")
    conn.execute("CREATE INDEX entries_summary ON entries (voided, service_date, code, no_wrvu_reason, "
                 "category, units, base_wrvu_c, credited_wrvu_c)")
    conn.execute("CREATE INDEX entries_policy ON entries (voided, policy, service_date)")
    conn.execute("""
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            summary TEXT NOT NULL,
            created_at TEXT NOT NULL,
            undone_at TEXT
        )""")
    conn.execute("""
        CREATE TABLE change_rows (
            change_id INTEGER NOT NULL REFERENCES changes (id),
            entry_id INTEGER NOT NULL,
            before TEXT,
            PRIMARY KEY (change_id, entry_id)
        ) WITHOUT ROWID""")
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta (key, value) VALUES ('log_id', ?)", (uuid.uuid4().hex[:16],))


def _m002_service_keys(conn: sqlite3.Connection) -> None:
    """Import keys by meaning, not by raw cells; encounter numbers that are never reused.

    Version 1 stored a hash of every cell of an imported row (patient columns included) as
    `import_key`: it is dropped. Each entry gets a `service_key` (entries.service_keys), and
    the next encounter number is kept in `meta` so an undone encounter's number stays used.
    """
    from rvutool.log.entries import service_keys

    conn.execute("DROP INDEX entries_import_key")
    conn.execute("ALTER TABLE entries DROP COLUMN import_key")
    conn.execute("ALTER TABLE entries ADD COLUMN service_key TEXT NOT NULL DEFAULT ''")
    cols = ("id", "encounter_id", "service_date", "code", "modifiers", "units", "setting", "voided")
    last = conn.execute("SELECT COALESCE(MAX(encounter_id), 0) FROM entries").fetchone()[0]
    step = 5000  # encounters per batch: bounded memory on a big log
    for low in range(0, last + 1, step):
        rows = conn.execute(f"SELECT {', '.join(cols)} FROM entries WHERE encounter_id >= ? AND encounter_id < ? "
                            "ORDER BY encounter_id, id", (low, low + step)).fetchall()
        groups: dict[int, list[dict]] = {}
        for row in rows:
            line = dict(zip(cols, row, strict=True))
            groups.setdefault(line["encounter_id"], []).append(line)
        updates: list[tuple[str, int]] = []
        for group in groups.values():
            live = [line for line in group if not line["voided"]]
            if live:
                updates.extend((key, line["id"]) for line, key in zip(live, service_keys(live), strict=True))
            # a removed line keeps the key it had in its encounter
            updates.extend((service_keys([*live, line])[-1], line["id"]) for line in group if line["voided"])
        conn.executemany("UPDATE entries SET service_key = ? WHERE id = ?", updates)
    conn.execute("CREATE INDEX entries_service_key ON entries (service_key)")
    # Entries in encounter order within a day (export, recalc): read straight from the index, no sort.
    conn.execute("DROP INDEX entries_date")
    conn.execute("CREATE INDEX entries_order ON entries (voided, service_date, encounter_id)")
    conn.execute("INSERT OR REPLACE INTO meta (key, value) "
                 "SELECT 'next_encounter', COALESCE(MAX(encounter_id), 0) + 1 FROM entries")
    _day_totals(conn)


# The key of an entry's day_totals row: NULL no-wRVU reasons are kept as '' so the key is unique.
_KEY = "service_date = {r}.service_date AND code = {r}.code AND no_wrvu_reason = COALESCE({r}.no_wrvu_reason, '')"
_ADD = """
    INSERT INTO day_totals (service_date, code, no_wrvu_reason, category, entries, units, base_wrvu_c,
                            credited_wrvu_c)
    SELECT NEW.service_date, NEW.code, COALESCE(NEW.no_wrvu_reason, ''), NEW.category, 1, NEW.units,
           NEW.base_wrvu_c, NEW.credited_wrvu_c WHERE NEW.voided = 0
    ON CONFLICT (service_date, code, no_wrvu_reason) DO UPDATE SET
        category = MIN(category, excluded.category), entries = entries + 1, units = units + excluded.units,
        base_wrvu_c = base_wrvu_c + excluded.base_wrvu_c, credited_wrvu_c = credited_wrvu_c + excluded.credited_wrvu_c;
"""
# Triggers run AFTER the change, so the entries table already holds its final state: a row whose
# smallest category may have left is given the smallest category of the entries still there.
_SUBTRACT = f"""
    UPDATE day_totals SET entries = entries - 1, units = units - OLD.units, base_wrvu_c = base_wrvu_c - OLD.base_wrvu_c,
        credited_wrvu_c = credited_wrvu_c - OLD.credited_wrvu_c WHERE OLD.voided = 0 AND {_KEY.format(r="OLD")};
    DELETE FROM day_totals WHERE OLD.voided = 0 AND entries = 0 AND {_KEY.format(r="OLD")};
    UPDATE day_totals SET category = (
        SELECT MIN(e.category) FROM entries e WHERE e.voided = 0 AND e.service_date = OLD.service_date
        AND e.code = OLD.code AND COALESCE(e.no_wrvu_reason, '') = COALESCE(OLD.no_wrvu_reason, ''))
    WHERE OLD.voided = 0 AND category = OLD.category AND {_KEY.format(r="OLD")};
"""
_SUMMED = "voided, service_date, code, no_wrvu_reason, category, units, base_wrvu_c, credited_wrvu_c"


def _day_totals(conn: sqlite3.Connection) -> None:
    """Per day, code and no-wRVU reason totals of the live entries, so a summary reads a few thousand
    rows, not every entry. Triggers keep it in step with every insert, update and delete."""
    conn.execute("""
        CREATE TABLE day_totals (
            service_date TEXT NOT NULL,
            code TEXT NOT NULL,
            no_wrvu_reason TEXT NOT NULL,
            category TEXT NOT NULL,
            entries INTEGER NOT NULL,
            units INTEGER NOT NULL,
            base_wrvu_c INTEGER NOT NULL,
            credited_wrvu_c INTEGER NOT NULL,
            PRIMARY KEY (service_date, code, no_wrvu_reason)
        ) WITHOUT ROWID""")
    fill_day_totals(conn)
    conn.execute("DROP INDEX entries_summary")  # summaries read day_totals now
    conn.execute(f"CREATE TRIGGER day_totals_insert AFTER INSERT ON entries WHEN NEW.voided = 0 BEGIN {_ADD} END")
    conn.execute(f"CREATE TRIGGER day_totals_delete AFTER DELETE ON entries WHEN OLD.voided = 0 BEGIN {_SUBTRACT} END")
    conn.execute(f"CREATE TRIGGER day_totals_update AFTER UPDATE OF {_SUMMED} ON entries "
                 f"WHEN OLD.voided = 0 OR NEW.voided = 0 BEGIN {_SUBTRACT} {_ADD} END")


def fill_day_totals(conn: sqlite3.Connection) -> None:
    """day_totals worked out afresh from the entries (a migration, or a new log filled in bulk)."""
    conn.execute("DELETE FROM day_totals")
    conn.execute("""
        INSERT INTO day_totals SELECT service_date, code, COALESCE(no_wrvu_reason, ''), MIN(category), COUNT(*),
            SUM(units), SUM(base_wrvu_c), SUM(credited_wrvu_c)
        FROM entries WHERE voided = 0 GROUP BY service_date, code, COALESCE(no_wrvu_reason, '')""")


def _m003_favourites(conn: sqlite3.Connection) -> None:
    """Favourites live with the log, so they are exported, imported and backed up with it. `change_id`
    names the import that added one (undoing it removes the favourite again); NULL for `fav add`."""
    conn.execute("""
        CREATE TABLE favourites (
            name TEXT PRIMARY KEY,
            items TEXT NOT NULL,
            change_id INTEGER REFERENCES changes (id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX favourites_change ON favourites (change_id) WHERE change_id IS NOT NULL")


def _m_contracts(conn: sqlite3.Connection) -> None:
    """Contracts live with the log (issue 22): each version's file as written (`effective` '' when it applies from
    the start), the fee schedules imported for a contract, and collections entered per month. New tables only."""
    conn.execute("""
        CREATE TABLE contracts (
            name TEXT NOT NULL,
            effective TEXT NOT NULL,
            source TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (name, effective)
        ) WITHOUT ROWID""")
    conn.execute("""
        CREATE TABLE contract_fees (
            contract TEXT NOT NULL,
            code TEXT NOT NULL,
            fee_c INTEGER NOT NULL,
            lab_fee_c INTEGER,
            PRIMARY KEY (contract, code)
        ) WITHOUT ROWID""")
    conn.execute("""
        CREATE TABLE collections (
            month TEXT PRIMARY KEY,
            amount_c INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID""")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m001_create, _m002_service_keys, _m003_favourites,
                                                          _m_contracts]
SCHEMA_VERSION = len(MIGRATIONS)
FAVOURITES_SINCE = 3  # the schema version that added the favourites table
CONTRACTS_SINCE = MIGRATIONS.index(_m_contracts) + 1  # the schema version that added contracts
