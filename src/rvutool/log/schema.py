"""The SQLite log's tables, its application id and its migrations.

    entries      one row per logged line with its pricing snapshot (entries.Entry); CHECK constraints
                 hold every column to its domain (ENTRY_DOMAINS)
    changes      the undo journal: one row per log / edit / remove / import / recalc
    change_rows  before-images of every entry a change updated (NULL before = inserted, before version 4)
    change_ranges  the entries a change inserted, as ranges of ids
    meta         facts about this log: its random id, the next encounter number
    day_totals   live entries added up by date, code, no-wRVU reason ('' for none), category, release and
                 policy, kept by triggers that each probe one row by its key
    favourites   a name for items logged together (`rvutool fav add tka 27447`; `@tka`)
    quarantined_entries  rows that broke a domain when the log was upgraded to version 4, kept as they were
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
    _fill_day_totals_v3(conn)
    conn.execute("DROP INDEX entries_summary")  # summaries read day_totals now
    conn.execute(f"CREATE TRIGGER day_totals_insert AFTER INSERT ON entries WHEN NEW.voided = 0 BEGIN {_ADD} END")
    conn.execute(f"CREATE TRIGGER day_totals_delete AFTER DELETE ON entries WHEN OLD.voided = 0 BEGIN {_SUBTRACT} END")
    conn.execute(f"CREATE TRIGGER day_totals_update AFTER UPDATE OF {_SUMMED} ON entries "
                 f"WHEN OLD.voided = 0 OR NEW.voided = 0 BEGIN {_SUBTRACT} {_ADD} END")


def _fill_day_totals_v3(conn: sqlite3.Connection) -> None:
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


# ---------------------------------------------------------------- version 4
# What each entries column may hold, checked by the database itself (a plain INSERT cannot store anything
# else). The shared log (pg_schema) puts the same domains on its entries. Each bound is at least as wide
# as what rvutool writes: notes and case labels up to phi.MAX_TEXT characters, a release id as CMS names its
# releases (RVU26C, a correction RVU26AR), as an import of rvutool's own export checks it too.
_MODIFIERS = (
    # '' or two-character modifiers joined by '-': only A-Z0-9 and '-', as many '-' as a run of pairs has,
    # no empty part, and no part of one character; so every part has exactly two
    "modifiers = '' OR (length(modifiers) % 3 = 2 AND modifiers NOT GLOB '*[^A-Z0-9-]*' "
    "AND length(modifiers) - length(replace(modifiers, '-', '')) = (length(modifiers) - 2) / 3 "
    "AND modifiers NOT GLOB '-*' AND modifiers NOT GLOB '*-' AND modifiers NOT GLOB '*--*' "
    "AND modifiers NOT GLOB '?-*' AND modifiers NOT GLOB '*-?' AND modifiers NOT GLOB '*-?-*')")


def _amount(column: str) -> str:
    return f"typeof({column}) = 'integer' AND {column} BETWEEN 0 AND 100000000"


def _json(column: str, kind: str) -> str:
    return f"CASE WHEN json_valid({column}) THEN json_type({column}) = '{kind}' ELSE 0 END"


ENTRY_DOMAINS: tuple[tuple[str, str], ...] = (
    ("code", "length(code) BETWEEN 4 AND 5 AND code NOT GLOB '*[^A-Z0-9]*'"),
    ("modifiers", _MODIFIERS),
    ("units", "typeof(units) = 'integer' AND units BETWEEN 1 AND 999"),
    ("work_rvu_c", _amount("work_rvu_c")),
    ("base_wrvu_c", _amount("base_wrvu_c")),
    ("credited_wrvu_c", _amount("credited_wrvu_c")),
    ("service_date", "service_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' "
                     "AND date(service_date, '+0 days') IS service_date "  # (a modifier makes SQLite carry 02-30 over)
                     "AND service_date BETWEEN '1900-01-01' AND '2999-12-31'"),
    ("flags", _json("flags", "array")),
    ("adjustments", _json("adjustments", "array")),
    ("policy", _json("policy", "object")),
    ("options", _json("options", "object")),
    ("setting", "setting IN ('facility', 'nonfacility')"),
    ("voided", "voided IN (0, 1)"),
    ("release", "release GLOB 'RVU[0-9][0-9][A-Z]' OR release GLOB 'RVU[0-9][0-9][A-Z]R'"),
    ("note", "note IS NULL OR length(note) <= 500"),
    ("case_label", "case_label IS NULL OR length(case_label) <= 500"),
)
_ENTRY_COLUMNS = """
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
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    service_key TEXT NOT NULL DEFAULT ''"""


def _m004_checked_entries(conn: sqlite3.Connection) -> None:
    """Entries whose every column is checked by the database; day totals kept by key probes; inserts
    journaled as ranges of ids.

    `entries` is rebuilt with a CHECK constraint per column (ENTRY_DOMAINS), keeping every id, encounter
    number, index and the id counter. A row an older rvutool or a hand edit left outside a domain is not
    lost: it moves, with its values, to `quarantined_entries`, which `rvutool doctor` reports.
    `day_totals` gains the entries' category, release and policy in its key, so a trigger applies each
    change as a difference to the one row it belongs to (no trigger reads entries), and the report's
    releases and policies are counted from the totals. `change_ranges` holds the ids a change inserted
    as ranges (an import inserts one run of ids), where change_rows held a row per entry.
    """
    from rvutool.log.entries import now_utc

    kept_indexes = [sql for (sql,) in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries' AND sql IS NOT NULL")]
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'entries'").fetchone()
    counter = max(int(row[0]) if row else 0, conn.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0])
    checks = ",\n".join(f"    CONSTRAINT {column}_domain CHECK ({rule})" for column, rule in ENTRY_DOMAINS)
    conn.execute(f"CREATE TABLE entries_checked ({_ENTRY_COLUMNS},\n{checks}\n)")
    columns = [r[1] for r in conn.execute("PRAGMA table_info(entries)")]
    listed = ", ".join(columns)
    # OR IGNORE skips a row that breaks a CHECK (or NOT NULL) constraint: the database decides, after the
    # column affinities have converted what they convert, exactly as for any later INSERT
    conn.execute(f"INSERT OR IGNORE INTO entries_checked ({listed}) SELECT {listed} FROM entries ORDER BY id")
    conn.execute(f"CREATE TABLE quarantined_entries ({_ENTRY_COLUMNS.replace(' PRIMARY KEY AUTOINCREMENT', '')},"
                 "\n    quarantined_at TEXT NOT NULL)")
    conn.execute(f"INSERT INTO quarantined_entries ({listed}, quarantined_at) SELECT {listed}, ? FROM entries e "
                 "WHERE NOT EXISTS (SELECT 1 FROM entries_checked c WHERE c.id = e.id)", (now_utc(),))
    conn.execute("DROP TABLE entries")  # its indexes and triggers go with it
    conn.execute("ALTER TABLE entries_checked RENAME TO entries")
    for sql in kept_indexes:
        conn.execute(sql)
    conn.execute("DELETE FROM sqlite_sequence WHERE name = 'entries'")
    conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('entries', ?)", (counter,))
    conn.execute("DROP TABLE day_totals")
    _day_totals_v4(conn)
    conn.execute("""
        CREATE TABLE change_ranges (
            change_id INTEGER NOT NULL REFERENCES changes (id),
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL CHECK (last_id >= first_id),
            PRIMARY KEY (change_id, first_id)
        ) WITHOUT ROWID""")


# The day_totals row of an entry (NULL no-wRVU reasons are kept as '' so the key is unique), found by
# its primary key: each trigger statement is one probe, whatever the size of the log.
TOTALS_KEY = ("service_date", "code", "no_wrvu_reason", "category", "release", "policy")


def _is_row_of(r: str) -> str:
    return " AND ".join(f"{c} = " + (f"COALESCE({r}.{c}, '')" if c == "no_wrvu_reason" else f"{r}.{c}")
                        for c in TOTALS_KEY)


_ADD_V4 = f"""
    INSERT INTO day_totals ({', '.join(TOTALS_KEY)}, entries, units, base_wrvu_c, credited_wrvu_c)
    SELECT NEW.service_date, NEW.code, COALESCE(NEW.no_wrvu_reason, ''), NEW.category, NEW.release, NEW.policy,
           1, NEW.units, NEW.base_wrvu_c, NEW.credited_wrvu_c WHERE NEW.voided = 0
    ON CONFLICT ({', '.join(TOTALS_KEY)}) DO UPDATE SET entries = entries + 1, units = units + excluded.units,
        base_wrvu_c = base_wrvu_c + excluded.base_wrvu_c, credited_wrvu_c = credited_wrvu_c + excluded.credited_wrvu_c;
"""
_SUBTRACT_V4 = f"""
    UPDATE day_totals SET entries = entries - 1, units = units - OLD.units, base_wrvu_c = base_wrvu_c - OLD.base_wrvu_c,
        credited_wrvu_c = credited_wrvu_c - OLD.credited_wrvu_c WHERE OLD.voided = 0 AND {_is_row_of("OLD")};
    DELETE FROM day_totals WHERE OLD.voided = 0 AND entries = 0 AND {_is_row_of("OLD")};
"""
_SUMMED_V4 = "voided, units, base_wrvu_c, credited_wrvu_c, " + ", ".join(TOTALS_KEY)


def _day_totals_v4(conn: sqlite3.Connection) -> None:
    """Live entries added up by date, code, no-wRVU reason, category, release and policy; triggers keep it."""
    conn.execute(f"""
        CREATE TABLE day_totals (
            service_date TEXT NOT NULL,
            code TEXT NOT NULL,
            no_wrvu_reason TEXT NOT NULL,
            category TEXT NOT NULL,
            release TEXT NOT NULL,
            policy TEXT NOT NULL,
            entries INTEGER NOT NULL,
            units INTEGER NOT NULL,
            base_wrvu_c INTEGER NOT NULL,
            credited_wrvu_c INTEGER NOT NULL,
            PRIMARY KEY ({', '.join(TOTALS_KEY)})
        ) WITHOUT ROWID""")
    fill_day_totals(conn)
    conn.execute(f"CREATE TRIGGER day_totals_insert AFTER INSERT ON entries WHEN NEW.voided = 0 BEGIN {_ADD_V4} END")
    conn.execute(f"CREATE TRIGGER day_totals_delete AFTER DELETE ON entries WHEN OLD.voided = 0 "
                 f"BEGIN {_SUBTRACT_V4} END")
    conn.execute(f"CREATE TRIGGER day_totals_update AFTER UPDATE OF {_SUMMED_V4} ON entries "
                 f"WHEN OLD.voided = 0 OR NEW.voided = 0 BEGIN {_SUBTRACT_V4} {_ADD_V4} END")


def fill_day_totals(conn: sqlite3.Connection) -> None:
    """day_totals worked out afresh from the entries (a migration, or a new log filled in bulk)."""
    conn.execute("DELETE FROM day_totals")
    conn.execute("""
        INSERT INTO day_totals SELECT service_date, code, COALESCE(no_wrvu_reason, ''), category, release, policy,
            COUNT(*), SUM(units), SUM(base_wrvu_c), SUM(credited_wrvu_c)
        FROM entries WHERE voided = 0 GROUP BY 1, 2, 3, 4, 5, 6""")


def _m005_contracts(conn: sqlite3.Connection) -> None:
    """Contracts live with the log (issue 22): each version's file as written (`effective` '' when it applies from
    the start), the fee schedules imported for a contract, and collections entered per month. New tables only."""
    name = "GLOB '[a-z0-9]*' AND {c} NOT GLOB '*[^a-z0-9_-]*' AND length({c}) <= 32"  # reports/contracts.NAME
    money = "typeof({c}) = 'integer' AND {c} BETWEEN 0 AND 10000000000"  # cents, to $100M (contracts.MAX_MONEY)
    conn.execute(f"""
        CREATE TABLE contracts (
            name TEXT NOT NULL CHECK (name {name.format(c="name")}),
            effective TEXT NOT NULL CHECK (effective = '' OR date(effective, '+0 days') IS effective),
            source TEXT NOT NULL CHECK (length(CAST(source AS BLOB)) <= 4194304),
            added_at TEXT NOT NULL,
            PRIMARY KEY (name, effective)
        ) WITHOUT ROWID""")
    conn.execute(f"""
        CREATE TABLE contract_fees (
            contract TEXT NOT NULL CHECK (contract {name.format(c="contract")}),
            code TEXT NOT NULL CHECK (length(code) BETWEEN 4 AND 5 AND code NOT GLOB '*[^A-Z0-9]*'),
            fee_c INTEGER NOT NULL CHECK ({money.format(c="fee_c")}),
            lab_fee_c INTEGER CHECK (lab_fee_c IS NULL OR {money.format(c="lab_fee_c")}),
            PRIMARY KEY (contract, code)
        ) WITHOUT ROWID""")
    conn.execute(f"""
        CREATE TABLE collections (
            month TEXT PRIMARY KEY CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'
                                          AND substr(month, 6, 2) BETWEEN '01' AND '12'),
            amount_c INTEGER NOT NULL CHECK ({money.format(c="amount_c")}),
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID""")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _m001_create, _m002_service_keys, _m003_favourites, _m004_checked_entries, _m005_contracts]
SCHEMA_VERSION = len(MIGRATIONS)
FAVOURITES_SINCE = 3  # the schema version that added the favourites table
CONTRACTS_SINCE = MIGRATIONS.index(_m005_contracts) + 1  # the schema version that added contracts
