"""A practice's shared log on PostgreSQL: its tables, roles, row-level security and migrations.

    rvutool.entries      one row per logged line (as in SQLite), plus `provider`: the login role that
                         logged it, current_user by default and never typed
    rvutool.changes      the undo journal, one row per change, per provider
    rvutool.change_rows  before-images of the entries a change touched (NULL before = inserted)
    rvutool.meta         facts about this log (its random id)
    rvutool.favourites   each provider's favourites (`rvutool fav add tka 27447`), by provider and name
    rvutool.day_totals   live entries added up by provider, date, code, reason and policy (kept by triggers)
    rvutool.contracts, contract_fees, collections   each provider's contracts, their imported fee schedules
                         and the collections entered per month (issue 22)
    rvutool.migrations   the schema versions applied
    rvutool.encounter_numbers  a sequence: a number handed out is never handed out again

Group roles: rvutool_clinician reads and writes only rows whose provider is themselves;
rvutool_manager reads every provider's rows and writes only their own. The owner (who ran
`rvutool db init`) is not bound by the policies. PG_MIGRATIONS[n] takes the schema from
version n to n + 1 inside one transaction; append, never edit a released step.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from rvutool.errors import RvuError, UsageError

if TYPE_CHECKING:
    import psycopg

SCHEMA = "rvutool"
CLINICIAN = "rvutool_clinician"
MANAGER = "rvutool_manager"
TABLES = ("entries", "changes", "change_rows", "meta", "migrations", "favourites", "day_totals", "contracts",
          "contract_fees", "collections")

_M001 = f"""
CREATE TABLE {SCHEMA}.entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider TEXT NOT NULL DEFAULT current_user,
    encounter_id BIGINT NOT NULL,
    service_date TEXT NOT NULL,
    code TEXT NOT NULL,
    modifiers TEXT NOT NULL DEFAULT '',
    units INTEGER NOT NULL,
    release TEXT NOT NULL,
    category TEXT NOT NULL,
    work_rvu_c BIGINT NOT NULL,
    base_wrvu_c BIGINT NOT NULL,
    credited_wrvu_c BIGINT NOT NULL,
    no_wrvu_reason TEXT,
    flags TEXT NOT NULL DEFAULT '[]',
    adjustments TEXT NOT NULL DEFAULT '[]',
    policy TEXT NOT NULL DEFAULT '{{}}',
    setting TEXT NOT NULL DEFAULT 'facility',
    options TEXT NOT NULL DEFAULT '{{}}',
    note TEXT,
    case_label TEXT,
    voided INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    service_key TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX entries_order ON {SCHEMA}.entries (provider, voided, service_date, encounter_id);
CREATE INDEX entries_date ON {SCHEMA}.entries (voided, service_date);
CREATE INDEX entries_encounter ON {SCHEMA}.entries (encounter_id);
CREATE INDEX entries_service_key ON {SCHEMA}.entries (service_key);
CREATE TABLE {SCHEMA}.changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider TEXT NOT NULL DEFAULT current_user,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX changes_provider ON {SCHEMA}.changes (provider, id);
CREATE TABLE {SCHEMA}.change_rows (
    change_id BIGINT NOT NULL REFERENCES {SCHEMA}.changes (id),
    entry_id BIGINT NOT NULL,
    provider TEXT NOT NULL DEFAULT current_user,
    before TEXT,
    PRIMARY KEY (change_id, entry_id)
);
CREATE TABLE {SCHEMA}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE SEQUENCE {SCHEMA}.encounter_numbers;
GRANT USAGE ON SCHEMA {SCHEMA} TO {CLINICIAN}, {MANAGER};
GRANT SELECT ON {SCHEMA}.meta, {SCHEMA}.migrations TO {CLINICIAN}, {MANAGER};
GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.entries, {SCHEMA}.changes, {SCHEMA}.change_rows
    TO {CLINICIAN}, {MANAGER};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {CLINICIAN}, {MANAGER};
"""
# Row-level security: each table's own rows for everyone; every row, for reading, for a manager.
_RLS = "".join(f"""
ALTER TABLE {SCHEMA}.{table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON {SCHEMA}.{table} FOR ALL TO {CLINICIAN}, {MANAGER}
    USING (provider = current_user) WITH CHECK (provider = current_user);
CREATE POLICY manager_reads ON {SCHEMA}.{table} FOR SELECT TO {MANAGER} USING (true);
""" for table in ("entries", "changes", "change_rows"))

# Version 2: favourites, one provider's own, under the same row-level security as entries. `change_id` names
# the import that added one (undoing it removes the favourite again); NULL for `fav add`.
_M002 = f"""
CREATE TABLE {SCHEMA}.favourites (
    provider TEXT NOT NULL DEFAULT current_user,
    name TEXT NOT NULL,
    items TEXT NOT NULL,
    change_id BIGINT REFERENCES {SCHEMA}.changes (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (provider, name)
);
CREATE INDEX favourites_change ON {SCHEMA}.favourites (change_id) WHERE change_id IS NOT NULL;
GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.favourites TO {CLINICIAN}, {MANAGER};
ALTER TABLE {SCHEMA}.favourites ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON {SCHEMA}.favourites FOR ALL TO {CLINICIAN}, {MANAGER}
    USING (provider = current_user) WITH CHECK (provider = current_user);
CREATE POLICY manager_reads ON {SCHEMA}.favourites FOR SELECT TO {MANAGER} USING (true);
"""

# Version 3: day_totals, the live entries added up by provider, date, code, no-wRVU reason ('' for none) and
# policy, so a summary reads a few thousand rows, not every entry (as SQLite's day_totals does). Statement
# triggers keep it: one set-based step per statement, however many rows an import or undo moves. Their function
# runs as the log's owner (SECURITY DEFINER) because users may only read day_totals, under the same policies.
_KEY = "(t.provider, t.service_date, t.code, t.no_wrvu_reason, t.policy)"
_GROUPED = """SELECT provider, service_date, code, COALESCE(no_wrvu_reason, '') AS reason, policy,
           MIN(category) AS category, COUNT(*) AS n, SUM(units) AS u, SUM(base_wrvu_c) AS b,
           SUM(credited_wrvu_c) AS c FROM {rows} WHERE voided = 0 GROUP BY 1, 2, 3, 4, 5"""
_M003 = f"""
CREATE TABLE {SCHEMA}.day_totals (
    provider TEXT NOT NULL,
    service_date TEXT NOT NULL,
    code TEXT NOT NULL,
    no_wrvu_reason TEXT NOT NULL,
    policy TEXT NOT NULL,
    category TEXT NOT NULL,
    entries BIGINT NOT NULL,
    units BIGINT NOT NULL,
    base_wrvu_c BIGINT NOT NULL,
    credited_wrvu_c BIGINT NOT NULL,
    PRIMARY KEY (provider, service_date, code, no_wrvu_reason, policy)
);
CREATE INDEX day_totals_date ON {SCHEMA}.day_totals (service_date);
INSERT INTO {SCHEMA}.day_totals {_GROUPED.format(rows=f"{SCHEMA}.entries")};
GRANT SELECT ON {SCHEMA}.day_totals TO {CLINICIAN}, {MANAGER};
ALTER TABLE {SCHEMA}.day_totals ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON {SCHEMA}.day_totals FOR SELECT TO {CLINICIAN}, {MANAGER} USING (provider = current_user);
CREATE POLICY manager_reads ON {SCHEMA}.day_totals FOR SELECT TO {MANAGER} USING (true);
CREATE FUNCTION {SCHEMA}.keep_day_totals() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE {SCHEMA}.day_totals t SET entries = t.entries - g.n, units = t.units - g.u,
            base_wrvu_c = t.base_wrvu_c - g.b, credited_wrvu_c = t.credited_wrvu_c - g.c
        FROM ({_GROUPED.format(rows="old_rows")}) g
        WHERE {_KEY} = (g.provider, g.service_date, g.code, g.reason, g.policy);
        DELETE FROM {SCHEMA}.day_totals t WHERE t.entries <= 0 AND {_KEY} IN
            (SELECT provider, service_date, code, COALESCE(no_wrvu_reason, ''), policy FROM old_rows);
        -- a key whose smallest category left takes the smallest of the entries still there
        UPDATE {SCHEMA}.day_totals t SET category = (SELECT MIN(e.category) FROM {SCHEMA}.entries e
            WHERE e.voided = 0 AND e.provider = t.provider AND e.service_date = t.service_date AND e.code = t.code
            AND COALESCE(e.no_wrvu_reason, '') = t.no_wrvu_reason AND e.policy = t.policy)
        WHERE {_KEY} IN (SELECT provider, service_date, code, COALESCE(no_wrvu_reason, ''), policy FROM old_rows
                         WHERE voided = 0 AND category = t.category);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO {SCHEMA}.day_totals AS t {_GROUPED.format(rows="new_rows")}
        ON CONFLICT (provider, service_date, code, no_wrvu_reason, policy) DO UPDATE SET
            category = LEAST(t.category, excluded.category), entries = t.entries + excluded.entries,
            units = t.units + excluded.units, base_wrvu_c = t.base_wrvu_c + excluded.base_wrvu_c,
            credited_wrvu_c = t.credited_wrvu_c + excluded.credited_wrvu_c;
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION {SCHEMA}.keep_day_totals() FROM PUBLIC;
CREATE TRIGGER day_totals_insert AFTER INSERT ON {SCHEMA}.entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.keep_day_totals();
CREATE TRIGGER day_totals_update AFTER UPDATE ON {SCHEMA}.entries REFERENCING OLD TABLE AS old_rows
    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.keep_day_totals();
CREATE TRIGGER day_totals_delete AFTER DELETE ON {SCHEMA}.entries REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.keep_day_totals();
"""

# Contracts (issue 22): each provider's own contract versions, the fee schedules imported for them, and the
# collections they enter per month, under the same row-level security as favourites. New tables only.
_M_CONTRACTS = f"""
CREATE TABLE {SCHEMA}.contracts (
    provider TEXT NOT NULL DEFAULT current_user,
    name TEXT NOT NULL,
    effective TEXT NOT NULL,
    source TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (provider, name, effective)
);
CREATE TABLE {SCHEMA}.contract_fees (
    provider TEXT NOT NULL DEFAULT current_user,
    contract TEXT NOT NULL,
    code TEXT NOT NULL,
    fee_c BIGINT NOT NULL,
    lab_fee_c BIGINT,
    PRIMARY KEY (provider, contract, code)
);
CREATE TABLE {SCHEMA}.collections (
    provider TEXT NOT NULL DEFAULT current_user,
    month TEXT NOT NULL,
    amount_c BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (provider, month)
);
""" + "".join(f"""
GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.{table} TO {CLINICIAN}, {MANAGER};
ALTER TABLE {SCHEMA}.{table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON {SCHEMA}.{table} FOR ALL TO {CLINICIAN}, {MANAGER}
    USING (provider = current_user) WITH CHECK (provider = current_user);
CREATE POLICY manager_reads ON {SCHEMA}.{table} FOR SELECT TO {MANAGER} USING (true);
""" for table in ("contracts", "contract_fees", "collections"))

PG_MIGRATIONS: list[str] = [_M001 + _RLS, _M002, _M003, _M_CONTRACTS]
PG_SCHEMA_VERSION = len(PG_MIGRATIONS)

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def version(conn: psycopg.Connection) -> int | None:
    """The schema version of this database's log; None when it holds no rvutool log."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.migrations",)).fetchone()
    if not row or not row[0]:
        return None
    found = conn.execute(f"SELECT COALESCE(MAX(version), 0) FROM {SCHEMA}.migrations").fetchone()
    return int(found[0]) if found else 0


def init(conn: psycopg.Connection) -> tuple[int, int]:
    """Create (or bring up to date) the log's schema, tables and group roles; (version before, after).
    Refuses a database whose `rvutool` schema holds tables that are not a log's."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('rvutool db init'))")
        before = version(conn)
        if before is None:
            taken = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
                (SCHEMA,)).fetchall()]
            if taken:
                raise RvuError(f"this database already has a schema {SCHEMA} with other tables "
                               f"({', '.join(taken[:5])}); nothing was changed. Use another database")
        for role in (CLINICIAN, MANAGER):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(f"CREATE ROLE {role} NOLOGIN")
        if before is None:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(f"CREATE TABLE {SCHEMA}.migrations (version INTEGER PRIMARY KEY, "
                         "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            before = 0
        if before > PG_SCHEMA_VERSION:
            raise RvuError(f"this log's schema (version {before}) is newer than this rvutool knows "
                           f"({PG_SCHEMA_VERSION}); upgrade rvutool")
        for step in range(before, PG_SCHEMA_VERSION):
            conn.execute(PG_MIGRATIONS[step])  # type: ignore[arg-type]
            conn.execute(f"INSERT INTO {SCHEMA}.migrations (version) VALUES (%s)", (step + 1,))
        if not before:
            conn.execute(f"INSERT INTO {SCHEMA}.meta (key, value) VALUES ('log_id', %s)", (uuid.uuid4().hex[:16],))
    return before, PG_SCHEMA_VERSION


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.match(name):
        raise UsageError(f"user name {name!r}: use lower-case letters, digits and _ (starting with a letter)")
    if name.startswith("rvutool_") or name.startswith("pg_"):
        raise UsageError(f"user name {name!r} is reserved; choose another")
    return name


def add_user(conn: psycopg.Connection, name: str, password: str, *, manager: bool) -> None:
    """A login role in the clinician (or manager) group."""
    from psycopg import sql

    check_role_name(name)
    group = MANAGER if manager else CLINICIAN
    with conn.transaction():
        if version(conn) is None:
            raise RvuError("this database holds no rvutool log; run `rvutool db init` first")
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
            raise RvuError(f"a user {name} already exists in this database server; nothing was changed")
        # libpq hashes the password here (SCRAM-SHA-256): only the verifier reaches the server, so the
        # password never appears in a statement, the server's log or pg_stat_statements
        verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode()
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
            sql.Identifier(name), sql.Literal(verifier), sql.Identifier(group)))
