"""The shared log's schema, version by version: each step's tables, row-level security, constraints and triggers.

PG_MIGRATIONS[n] takes the schema from version n to n + 1 inside one transaction (pg_schema.init runs them);
append, never change what a released step does. The tables are described in pg_schema.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import psycopg

SCHEMA = "rvutool"
TABLES = ("entries", "changes", "change_rows", "meta", "migrations", "favourites", "day_totals", "writers",
          "set_aside", "contracts", "contract_fees", "collections", "change_ranges", "incoming")


class GroupRoles(NamedTuple):
    clinician: str
    manager: str


# Versions 1 to 3 made one pair of group roles per server, shared by every practice on it; version 4 moves a
# practice to roles of its own.
LEGACY_ROLES = GroupRoles("rvutool_clinician", "rvutool_manager")


@dataclass
class InitOutcome:
    """What `db init` did, for its report."""

    before: int
    after: int
    roles: GroupRoles
    carried: list[str] = field(default_factory=list)  # users of the server-wide roles moved to this practice's
    left_out: list[str] = field(default_factory=list)  # users of the server-wide roles with no work in this log
    set_aside: int = 0  # entries outside the domains, moved to rvutool.set_aside
    unhooked: int = 0  # journal rows (and favourites' links) that named another provider's change


def _m001(r: GroupRoles) -> str:
    return f"""
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
GRANT USAGE ON SCHEMA {SCHEMA} TO {r.clinician}, {r.manager};
GRANT SELECT ON {SCHEMA}.meta, {SCHEMA}.migrations TO {r.clinician}, {r.manager};
GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.entries, {SCHEMA}.changes, {SCHEMA}.change_rows
    TO {r.clinician}, {r.manager};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {r.clinician}, {r.manager};
""" + "".join(f"""
ALTER TABLE {SCHEMA}.{table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON {SCHEMA}.{table} FOR ALL TO {r.clinician}, {r.manager}
    USING (provider = current_user) WITH CHECK (provider = current_user);
CREATE POLICY manager_reads ON {SCHEMA}.{table} FOR SELECT TO {r.manager} USING (true);
""" for table in ("entries", "changes", "change_rows"))  # row-level security: own rows; all, for a manager

# Version 2: favourites, one provider's own, under the same row-level security as entries. `change_id` names
# the import that added one (undoing it removes the favourite again); NULL for `fav add`.
def _m002(r: GroupRoles) -> str:
    return f"""
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
GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.favourites TO {r.clinician}, {r.manager};
ALTER TABLE {SCHEMA}.favourites ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON {SCHEMA}.favourites FOR ALL TO {r.clinician}, {r.manager}
    USING (provider = current_user) WITH CHECK (provider = current_user);
CREATE POLICY manager_reads ON {SCHEMA}.favourites FOR SELECT TO {r.manager} USING (true);
"""

# Version 3: day_totals, the live entries added up by provider, date, code, no-wRVU reason ('' for none) and
# policy, so a summary reads a few thousand rows, not every entry (as SQLite's day_totals does). Statement
# triggers keep it: one set-based step per statement, however many rows an import or undo moves. Their function
# runs as the log's owner (SECURITY DEFINER) because users may only read day_totals, under the same policies.
_KEY = "(t.provider, t.service_date, t.code, t.no_wrvu_reason, t.policy)"
_GROUPED = """SELECT provider, service_date, code, COALESCE(no_wrvu_reason, '') AS reason, policy,
           MIN(category) AS category, COUNT(*) AS n, SUM(units) AS u, SUM(base_wrvu_c) AS b,
           SUM(credited_wrvu_c) AS c FROM {rows} WHERE voided = 0 GROUP BY 1, 2, 3, 4, 5"""
def _m003(r: GroupRoles) -> str:
    return f"""
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
GRANT SELECT ON {SCHEMA}.day_totals TO {r.clinician}, {r.manager};
ALTER TABLE {SCHEMA}.day_totals ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON {SCHEMA}.day_totals FOR SELECT TO {r.clinician}, {r.manager} USING (provider = current_user);
CREATE POLICY manager_reads ON {SCHEMA}.day_totals FOR SELECT TO {r.manager} USING (true);
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

# ---------------------------------------------------------------- version 4: the practice's own, and held to it
# What rvutool writes, column by column (the domains the SQLite log's CHECK constraints hold too). A bound is as
# wide as what rvutool itself writes: notes up to phi.MAX_TEXT characters, a date of service from 1900 to 2999
# (the one range every date option takes: periods.parse_date).
def _domains(json_type: Callable[[str], str], is_date: Callable[[str], str]) -> dict[str, str]:
    amounts = " AND ".join(f"{c} BETWEEN 0 AND 100000000" for c in ("work_rvu_c", "base_wrvu_c", "credited_wrvu_c"))
    return {
        "code": "code ~ '^[A-Z0-9]{4,5}$'",
        "modifiers": "modifiers ~ '^([A-Z0-9]{2}(-[A-Z0-9]{2})*)?$'",
        "units": "units BETWEEN 1 AND 999",
        "amounts": amounts,
        "service_date": f"CASE WHEN service_date ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN {is_date('service_date')} "
                        "ELSE false END",
        "flags": f"{json_type('flags')} = 'array'",
        "adjustments": f"{json_type('adjustments')} = 'array'",
        "policy": f"{json_type('policy')} = 'object'",
        "options": f"{json_type('options')} = 'object'",
        "setting": "setting IN ('facility', 'nonfacility')",
        "voided": "voided IN (0, 1)",
        "release": "release ~ '^RVU[0-9]{2}[A-Z]R?$'",
        "note": "pg_catalog.char_length(note) <= 500",
        "case_label": "pg_catalog.char_length(case_label) <= 500",
    }


DOMAINS = _domains(lambda c: f"pg_catalog.jsonb_typeof({c}::pg_catalog.jsonb)",
                   lambda c: f"{c}::pg_catalog.date BETWEEN '1900-01-01' AND '2999-12-31'")
# the same, asked without raising (an upgrade looks for rows outside them): each distinct text is judged once
_TEXTS = "pg_temp.rvutool_texts"
_SCANNED = _domains(lambda c: f"COALESCE((SELECT t.json_type FROM {_TEXTS} t WHERE t.v = {c}), '')",
                    lambda c: f"COALESCE((SELECT t.is_date FROM {_TEXTS} t WHERE t.v = {c}), false)")
_JUDGE_TEXTS = f"""
CREATE OR REPLACE FUNCTION pg_temp.rvutool_json_type(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN RETURN pg_catalog.jsonb_typeof(t::pg_catalog.jsonb); EXCEPTION WHEN others THEN RETURN NULL; END $fn$;
CREATE OR REPLACE FUNCTION pg_temp.rvutool_is_date(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN RETURN t::pg_catalog.date BETWEEN '1900-01-01' AND '2999-12-31'; EXCEPTION WHEN others THEN RETURN false; END
$fn$;
CREATE TEMPORARY TABLE rvutool_texts ON COMMIT DROP AS
    SELECT v, pg_temp.rvutool_json_type(v) AS json_type, pg_temp.rvutool_is_date(v) AS is_date
    FROM (SELECT flags FROM {SCHEMA}.entries UNION SELECT adjustments FROM {SCHEMA}.entries
          UNION SELECT policy FROM {SCHEMA}.entries UNION SELECT options FROM {SCHEMA}.entries
          UNION SELECT service_date FROM {SCHEMA}.entries) AS texts (v);
CREATE INDEX ON {_TEXTS} USING hash (v);  -- (a b-tree refuses texts of a few kilobytes)
"""


def _own_rows(table: str, r: GroupRoles, *, manager_reads: bool, check: str = "") -> str:
    """Row-level security on a table: each role's own rows (`check`: more a new row must meet), and every row for
    a manager to read."""
    also = f" AND {check}" if check else ""
    return f"""
DROP POLICY IF EXISTS own_rows ON {SCHEMA}.{table};
DROP POLICY IF EXISTS manager_reads ON {SCHEMA}.{table};
ALTER TABLE {SCHEMA}.{table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON {SCHEMA}.{table} FOR ALL TO {r.clinician}, {r.manager}
    USING (provider = current_user) WITH CHECK (provider = current_user{also});
""" + (f"CREATE POLICY manager_reads ON {SCHEMA}.{table} FOR SELECT TO {r.manager} USING (true);\n"
       if manager_reads else "")


def _m004_sql(r: GroupRoles) -> str:
    both = f"{r.clinician}, {r.manager}"
    own_change = (f"EXISTS (SELECT 1 FROM {SCHEMA}.changes c WHERE c.id = change_id "
                  "AND c.provider = current_user)")
    return f"""
CREATE TABLE {SCHEMA}.writers (provider TEXT PRIMARY KEY DEFAULT current_user, taken_at TIMESTAMPTZ);
CREATE TABLE {SCHEMA}.set_aside (LIKE {SCHEMA}.entries, reason TEXT NOT NULL,
    set_aside_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now());
REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM {both};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM {both};
GRANT USAGE ON SCHEMA {SCHEMA} TO {both};
GRANT SELECT ON {SCHEMA}.meta, {SCHEMA}.migrations, {SCHEMA}.day_totals, {SCHEMA}.set_aside TO {both};
GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.entries, {SCHEMA}.changes, {SCHEMA}.change_rows,
    {SCHEMA}.favourites TO {both};
-- the lock row: no table-wide UPDATE, so no one may LOCK TABLE it in a mode that would stop another's writes
GRANT SELECT, INSERT ON {SCHEMA}.writers TO {both};
GRANT UPDATE (taken_at) ON {SCHEMA}.writers TO {both};
GRANT USAGE ON SEQUENCE {SCHEMA}.encounter_numbers TO {both};
""" + _own_rows("entries", r, manager_reads=True) + _own_rows("changes", r, manager_reads=False) \
        + _own_rows("change_rows", r, manager_reads=False, check=own_change) \
        + _own_rows("favourites", r, manager_reads=True) + _own_rows("writers", r, manager_reads=False) \
        + _own_rows("set_aside", r, manager_reads=True) + f"""
DROP POLICY IF EXISTS own_rows ON {SCHEMA}.day_totals;
DROP POLICY IF EXISTS manager_reads ON {SCHEMA}.day_totals;
CREATE POLICY own_rows ON {SCHEMA}.day_totals FOR SELECT TO {both} USING (provider = current_user);
CREATE POLICY manager_reads ON {SCHEMA}.day_totals FOR SELECT TO {r.manager} USING (true);
INSERT INTO {SCHEMA}.meta (key, value) VALUES ('clinician_role', '{r.clinician}'), ('manager_role', '{r.manager}')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
"""


_JOURNAL_KEYS = f"""
ALTER TABLE {SCHEMA}.changes ADD CONSTRAINT changes_id_provider UNIQUE (id, provider);
ALTER TABLE {SCHEMA}.change_rows DROP CONSTRAINT IF EXISTS change_rows_change_id_fkey;
ALTER TABLE {SCHEMA}.change_rows ADD CONSTRAINT change_rows_change FOREIGN KEY (change_id, provider)
    REFERENCES {SCHEMA}.changes (id, provider);
ALTER TABLE {SCHEMA}.favourites DROP CONSTRAINT IF EXISTS favourites_change_id_fkey;
ALTER TABLE {SCHEMA}.favourites ADD CONSTRAINT favourites_change FOREIGN KEY (change_id, provider)
    REFERENCES {SCHEMA}.changes (id, provider);
"""
_FOREIGN_CHANGE = (f"NOT EXISTS (SELECT 1 FROM {SCHEMA}.changes c WHERE c.id = {{t}}.change_id "
                   "AND c.provider = {t}.provider)")


def _m004(conn: psycopg.Connection, roles: GroupRoles, outcome: InitOutcome) -> None:
    """Version 4 (issue 17): the practice's own group roles instead of the server's; journal rows keyed to their
    own provider's change; a writer lock row no one else can take; CHECK constraints on every column's domain,
    the entries outside them set aside first (kept, with their values and why)."""
    _leave_legacy_roles(conn, roles, outcome)
    # rows a user attached to another's change (foreign keys ignore row-level security) are not that change's
    outcome.unhooked = conn.execute(f"DELETE FROM {SCHEMA}.change_rows r WHERE "
                                    f"{_FOREIGN_CHANGE.format(t='r')}").rowcount
    outcome.unhooked += conn.execute(f"UPDATE {SCHEMA}.favourites f SET change_id = NULL WHERE change_id IS NOT NULL "
                                     f"AND {_FOREIGN_CHANGE.format(t='f')}").rowcount
    conn.execute(_JOURNAL_KEYS)
    conn.execute(_m004_sql(roles))
    conn.execute(_JUDGE_TEXTS)
    why = ", ".join(f"CASE WHEN NOT COALESCE({check}, true) THEN '{name}' END" for name, check in _SCANNED.items())
    outside = " OR ".join(f"NOT COALESCE({check}, true)" for check in _SCANNED.values())
    outcome.set_aside = conn.execute(f"INSERT INTO {SCHEMA}.set_aside SELECT e.*, pg_catalog.concat_ws(', ', {why}) "
                                     f"FROM {SCHEMA}.entries e WHERE {outside}").rowcount
    if outcome.set_aside:
        conn.execute(f"DELETE FROM {SCHEMA}.entries WHERE id IN (SELECT id FROM {SCHEMA}.set_aside)")
    conn.execute(f"ALTER TABLE {SCHEMA}.entries " + ", ".join(
        f"ADD CONSTRAINT entries_{name} CHECK ({check})" for name, check in DOMAINS.items()))


def _leave_legacy_roles(conn: psycopg.Connection, roles: GroupRoles, outcome: InitOutcome) -> None:
    """Members of the server-wide roles who have work in this log join its own roles; the server-wide roles lose
    every right here (_m004_sql replaces the policies that named them). Others are left out, and named: they may
    belong to another practice on the server."""
    from psycopg import sql

    if roles == LEGACY_ROLES:
        return
    for legacy, own in zip(LEGACY_ROLES, roles, strict=True):
        if not conn.execute("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s", (legacy,)).fetchone():
            continue
        members = conn.execute(
            "SELECT m.rolname, EXISTS (SELECT 1 FROM rvutool.entries WHERE provider = m.rolname) OR EXISTS "
            "(SELECT 1 FROM rvutool.changes WHERE provider = m.rolname) OR EXISTS (SELECT 1 FROM rvutool.favourites "
            "WHERE provider = m.rolname) FROM pg_catalog.pg_auth_members a JOIN pg_catalog.pg_roles g ON "
            "g.oid = a.roleid JOIN pg_catalog.pg_roles m ON m.oid = a.member WHERE g.rolname = %s ORDER BY 1",
            (legacy,)).fetchall()
        for member, works_here in members:
            if works_here:
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(own), sql.Identifier(member)))
                outcome.carried.append(member)
            else:
                outcome.left_out.append(member)
        conn.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM {legacy}")
        conn.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM {legacy}")
        conn.execute(f"REVOKE ALL ON SCHEMA {SCHEMA} FROM {legacy}")


Step = Callable[["psycopg.Connection", GroupRoles, InitOutcome], None]


def _sql(step: Callable[[GroupRoles], str]) -> Step:
    def run(conn: psycopg.Connection, roles: GroupRoles, outcome: InitOutcome) -> None:
        conn.execute(step(roles))  # type: ignore[arg-type]

    return run


# ---------------------------------------------------------------- version 5: contracts (issue 22)
def _m005(r: GroupRoles) -> str:
    """Each provider's contract versions, the fee schedules imported for them and the collections entered per
    month, under the same row-level security as favourites, and held to their domains like the entries (the
    bounds of reports/contracts.py: names, $100M, contract files of 4 MiB)."""
    return f"""
CREATE TABLE {SCHEMA}.contracts (
    provider TEXT NOT NULL DEFAULT current_user,
    name TEXT NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{{0,31}}$'),
    effective TEXT NOT NULL CHECK (effective = '' OR (effective ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'
                                                      AND effective::pg_catalog.date IS NOT NULL)),
    source TEXT NOT NULL CHECK (pg_catalog.octet_length(source) <= 4194304),
    added_at TEXT NOT NULL CHECK (pg_catalog.char_length(added_at) <= 40),
    PRIMARY KEY (provider, name, effective)
);
CREATE TABLE {SCHEMA}.contract_fees (
    provider TEXT NOT NULL DEFAULT current_user,
    contract TEXT NOT NULL CHECK (contract ~ '^[a-z0-9][a-z0-9_-]{{0,31}}$'),
    code TEXT NOT NULL CHECK (code ~ '^[A-Z0-9]{{4,5}}$'),
    fee_c BIGINT NOT NULL CHECK (fee_c BETWEEN 0 AND 10000000000),
    lab_fee_c BIGINT CHECK (lab_fee_c BETWEEN 0 AND 10000000000),
    PRIMARY KEY (provider, contract, code)
);
CREATE TABLE {SCHEMA}.collections (
    provider TEXT NOT NULL DEFAULT current_user,
    month TEXT NOT NULL CHECK (month ~ '^[0-9]{{4}}-(0[1-9]|1[0-2])$'),
    amount_c BIGINT NOT NULL CHECK (amount_c BETWEEN 0 AND 10000000000),
    updated_at TEXT NOT NULL CHECK (pg_catalog.char_length(updated_at) <= 40),
    PRIMARY KEY (provider, month)
);
""" + "".join(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.{table} TO {r.clinician}, {r.manager};\n"
              + _own_rows(table, r, manager_reads=True) for table in ("contracts", "contract_fees", "collections"))


# ---------------------------------------------------------------- version 6: writes at scale (issue 16)
# The totals keyed as the SQLite log's (schema.TOTALS_KEY), by provider too: each entry belongs to exactly one row,
# so a statement's effect on the totals is a sum of differences by key, applied from its transition tables, and
# no trigger reads entries or recomputes a row. An entry's columns, as version 6 has them (what a COPY carries).
TOTALS_KEY = ("provider", "service_date", "code", "no_wrvu_reason", "category", "release", "policy")
ENTRY_TYPES = {"encounter_id": "bigint", "service_date": "text", "code": "text", "modifiers": "text",
               "units": "integer", "release": "text", "category": "text", "work_rvu_c": "bigint",
               "base_wrvu_c": "bigint", "credited_wrvu_c": "bigint", "no_wrvu_reason": "text", "flags": "text",
               "adjustments": "text", "policy": "text", "setting": "text", "options": "text", "note": "text",
               "case_label": "text", "voided": "integer", "source": "text", "service_key": "text",
               "created_at": "text", "updated_at": "text"}
_KEYS = ", ".join(TOTALS_KEY)
_SUMS = ("entries", "units", "base_wrvu_c", "credited_wrvu_c")


def _signed(rows: str, sign: str) -> str:
    """Each live row of a transition table as its key and its share of the totals (negative for rows that left)."""
    key = ", ".join("COALESCE(no_wrvu_reason, '') AS no_wrvu_reason" if c == "no_wrvu_reason" else c
                    for c in TOTALS_KEY)
    return (f"SELECT {key}, {sign}1 AS entries, {sign}units AS units, {sign}base_wrvu_c AS base_wrvu_c, "
            f"{sign}credited_wrvu_c AS credited_wrvu_c FROM {rows} WHERE voided = 0")


def _apply(*parts: str) -> str:
    """One upsert of the summed differences, then the rows that reached zero removed (only keys rows left)."""
    sums = ", ".join(f"SUM({c})" for c in _SUMS)
    moved = " OR ".join(f"SUM({c}) <> 0" for c in _SUMS)
    upsert = (f"INSERT INTO {SCHEMA}.day_totals AS t ({_KEYS}, {', '.join(_SUMS)}) SELECT {_KEYS}, {sums} FROM "
              f"({' UNION ALL '.join(parts)}) d GROUP BY {_KEYS} HAVING {moved} ON CONFLICT ({_KEYS}) DO UPDATE SET "
              + ", ".join(f"{c} = t.{c} + excluded.{c}" for c in _SUMS))
    left = [p for p in parts if "old_rows" in p]
    if not left:
        return f"EXECUTE $q${upsert}$q$;"
    same = " AND ".join(f"t.{c} = k.{c}" for c in TOTALS_KEY)
    empty = (f"DELETE FROM {SCHEMA}.day_totals t USING (SELECT DISTINCT {_KEYS} FROM ({left[0]}) o) k "
             f"WHERE {same} AND t.entries = 0")
    return f"EXECUTE $q${upsert}$q$;\n    EXECUTE $q${empty}$q$;"


def _totals_trigger(name: str, event: str, tables: str, *parts: str) -> str:
    """A statement trigger and its function. The function runs as the log's owner (users may only read the totals)
    with a pinned search_path; its statements are planned afresh for each call (EXECUTE), with the transition
    tables' real sizes, and never by a sequential scan of day_totals (a probe by key instead), nor compiled."""
    return f"""
CREATE FUNCTION {SCHEMA}.{name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET enable_seqscan = off SET jit = off AS $fn$
BEGIN
    {_apply(*parts)}
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION {SCHEMA}.{name}() FROM PUBLIC;
CREATE TRIGGER {name} AFTER {event} ON {SCHEMA}.entries REFERENCING {tables}
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.{name}();
"""


def _m006(r: GroupRoles) -> str:
    """Version 6 (issue 16): day_totals rebuilt from the entries with the new key, kept by one upsert of differences
    per statement; change_ranges for the entries a change inserted, keyed and guarded as change_rows; incoming, where
    a COPY of new entries lands (COPY cannot write a table under row-level security), and take_incoming, which moves
    the caller's own transaction's rows into entries (as the owner: the rows' provider is the one the database gave
    them, current_user, a column no user may write; CHECK constraints and the totals' trigger hold as for any insert).
    Users may only insert into incoming: no one reads, changes or locks another's rows there."""
    both = f"{r.clinician}, {r.manager}"
    columns = ", ".join(ENTRY_TYPES)
    own_change = f"EXISTS (SELECT 1 FROM {SCHEMA}.changes c WHERE c.id = change_id AND c.provider = current_user)"
    return f"""
DROP TRIGGER day_totals_insert ON {SCHEMA}.entries;
DROP TRIGGER day_totals_update ON {SCHEMA}.entries;
DROP TRIGGER day_totals_delete ON {SCHEMA}.entries;
DROP FUNCTION {SCHEMA}.keep_day_totals();
DROP TABLE {SCHEMA}.day_totals;
CREATE TABLE {SCHEMA}.day_totals ({", ".join(f"{c} TEXT NOT NULL" for c in TOTALS_KEY)},
    {", ".join(f"{c} BIGINT NOT NULL" for c in _SUMS)}, PRIMARY KEY ({_KEYS}));
CREATE INDEX day_totals_date ON {SCHEMA}.day_totals (service_date);
INSERT INTO {SCHEMA}.day_totals SELECT {_KEYS.replace("no_wrvu_reason", "COALESCE(no_wrvu_reason, '')")},
    COUNT(*), SUM(units), SUM(base_wrvu_c), SUM(credited_wrvu_c) FROM {SCHEMA}.entries WHERE voided = 0
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
GRANT SELECT ON {SCHEMA}.day_totals TO {both};
ALTER TABLE {SCHEMA}.day_totals ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON {SCHEMA}.day_totals FOR SELECT TO {both} USING (provider = current_user);
CREATE POLICY manager_reads ON {SCHEMA}.day_totals FOR SELECT TO {r.manager} USING (true);
""" + _totals_trigger("day_totals_insert", "INSERT", "NEW TABLE AS new_rows", _signed("new_rows", "")) \
        + _totals_trigger("day_totals_update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                          _signed("new_rows", ""), _signed("old_rows", "-")) \
        + _totals_trigger("day_totals_delete", "DELETE", "OLD TABLE AS old_rows", _signed("old_rows", "-")) + f"""
CREATE TABLE {SCHEMA}.change_ranges (
    change_id BIGINT NOT NULL,
    provider TEXT NOT NULL DEFAULT current_user,
    first_id BIGINT NOT NULL,
    last_id BIGINT NOT NULL CHECK (last_id >= first_id),
    PRIMARY KEY (change_id, first_id),
    FOREIGN KEY (change_id, provider) REFERENCES {SCHEMA}.changes (id, provider)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.change_ranges TO {both};
""" + _own_rows("change_ranges", r, manager_reads=False, check=own_change) + f"""
CREATE UNLOGGED TABLE {SCHEMA}.incoming (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    loader pg_catalog.xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    provider TEXT NOT NULL DEFAULT current_user,
    {", ".join(f"{c} {t}" for c, t in ENTRY_TYPES.items())}
);
CREATE INDEX incoming_loader ON {SCHEMA}.incoming (loader, seq);
GRANT INSERT ({columns}) ON {SCHEMA}.incoming TO {both};
CREATE FUNCTION {SCHEMA}.take_incoming(taken BIGINT, OUT last_seq BIGINT, OUT ids BIGINT[]) LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $fn$
    WITH moved AS (DELETE FROM {SCHEMA}.incoming WHERE loader = pg_catalog.pg_current_xact_id() AND seq > taken
                   RETURNING *),
         added AS (INSERT INTO {SCHEMA}.entries (provider, {columns})
                   SELECT provider, {columns} FROM moved ORDER BY seq RETURNING id)
    SELECT (SELECT pg_catalog.max(seq) FROM moved), (SELECT pg_catalog.array_agg(id) FROM added)
$fn$;
REVOKE ALL ON FUNCTION {SCHEMA}.take_incoming(BIGINT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {SCHEMA}.take_incoming(BIGINT) TO {both};
"""


PG_MIGRATIONS: list[Step] = [_sql(_m001), _sql(_m002), _sql(_m003), _m004, _sql(_m005), _sql(_m006)]
PG_SCHEMA_VERSION = len(PG_MIGRATIONS)
