"""A practice's shared log on PostgreSQL: setting it up (`db init`, its group roles, its users) and what it holds.

    rvutool.entries      one row per logged line (as in SQLite), plus `provider`: the login role that
                         logged it, current_user by default and never typed; CHECK constraints hold every
                         column to the values rvutool writes (the same domains as the SQLite log's)
    rvutool.changes      the undo journal, one row per change, per provider
    rvutool.change_rows  before-images of the entries a change touched (NULL before = inserted), keyed by
                         (change_id, provider) to the change: no one can attach a row to another's change
    rvutool.meta         facts about this log (its random id, its two group roles)
    rvutool.favourites   each provider's favourites (`rvutool fav add tka 27447`), by provider and name
    rvutool.day_totals   live entries added up by provider, date, code, reason, category, release and policy,
                         kept by statement triggers that apply each statement's differences by key
    rvutool.change_ranges  the entries a change inserted, as ranges of ids, keyed to the change as change_rows
    rvutool.incoming     rows on their way into entries (a COPY lands here; rvutool.take_incoming moves them)
    rvutool.writers      one row per provider, locked by that provider's write transaction (the writer lock)
    rvutool.set_aside    entries an upgrade found outside those domains, kept with their values
    rvutool.contracts, contract_fees, collections   each provider's contracts, their imported fee schedules
                         and the collections entered per month (issue 22)
    rvutool.migrations   the schema versions applied
    rvutool.encounter_numbers  a sequence: a number handed out is never handed out again

Group roles belong to one database, and are named from it (rvutool_<database>_clinician and _manager):
a clinician reads and writes only rows whose provider is themselves; a manager also reads every provider's
entries, totals and favourites (never their journal), and writes only their own. Only the practice's roles
may connect. The owner (who ran `rvutool db init`) is not bound by the policies. The schema's versions, each
step's SQL, are pg_migrations.py's; init applies those a database lacks.

Every connection pins search_path to pg_catalog, pg_temp (pg_store.connect), so nothing a user creates in
another schema can stand in for a function rvutool calls; `db init` still refuses a database where PUBLIC
may create objects, because other programs' connections do not pin theirs.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import TYPE_CHECKING

from rvutool.errors import RvuError, UsageError
from rvutool.log.pg_migrations import LEGACY_ROLES, PG_MIGRATIONS, PG_SCHEMA_VERSION, SCHEMA, GroupRoles, InitOutcome

if TYPE_CHECKING:
    import psycopg


_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def roles_named_for(database: str) -> GroupRoles:
    """rvutool_<database>_clinician and _manager; a name that is not plain lower-case letters, digits and _ (or is
    long) is shortened and gets a few characters of its hash, so two databases never share roles."""
    slug = re.sub(r"[^a-z0-9_]", "_", database.lower())
    if slug != database or len(slug) > 40:
        slug = f"{slug[:32]}_{hashlib.blake2b(database.encode(), digest_size=3).hexdigest()}"
    return GroupRoles(f"rvutool_{slug}_clinician", f"rvutool_{slug}_manager")


def group_roles(conn: psycopg.Connection) -> GroupRoles:
    """This practice's group roles: those its log recorded (version 4 on), else the ones named for its database."""
    if _exists(conn, f"{SCHEMA}.meta"):
        rows = dict(conn.execute(f"SELECT key, value FROM {SCHEMA}.meta WHERE key IN ('clinician_role', "
                                 "'manager_role')").fetchall())
        if len(rows) == 2:
            return GroupRoles(rows["clinician_role"], rows["manager_role"])
    (database,), = conn.execute("SELECT pg_catalog.current_database()").fetchall()
    return roles_named_for(database)


def _exists(conn: psycopg.Connection, table: str) -> bool:
    row = conn.execute("SELECT pg_catalog.to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    return bool(row and row[0])


def version(conn: psycopg.Connection) -> int | None:
    """The schema version of this database's log; None when it holds no rvutool log."""
    if not _exists(conn, f"{SCHEMA}.migrations"):
        return None
    found = conn.execute(f"SELECT COALESCE(MAX(version), 0) FROM {SCHEMA}.migrations").fetchone()
    return int(found[0]) if found else 0


def init(conn: psycopg.Connection, lock_wait: int = 30) -> InitOutcome:
    """Create (or bring up to date) the log's schema, tables and group roles, and let only the practice's roles
    connect. Refuses a database whose `rvutool` schema holds tables that are not a log's, or where PUBLIC may
    create objects in a schema."""
    with conn.transaction():
        # whatever connection it is given (pg_store.connect pins these already): nothing planted elsewhere runs
        conn.execute("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true), "
                     "pg_catalog.set_config('lock_timeout', %s, true)", (f"{lock_wait}s",))
        if _exists(conn, f"{SCHEMA}.migrations"):  # one init at a time; a user's reads never block this lock
            conn.execute(f"LOCK TABLE {SCHEMA}.migrations IN SHARE ROW EXCLUSIVE MODE")
        _refuse_public_create(conn)
        before = version(conn)
        if before is None:
            taken = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
                (SCHEMA,)).fetchall()]
            if taken:
                raise RvuError(f"this database already has a schema {SCHEMA} with other tables "
                               f"({', '.join(taken[:5])}); nothing was changed. Use another database")
        if before is not None and before > PG_SCHEMA_VERSION:
            raise RvuError(f"this log's schema (version {before}) is newer than this rvutool knows "
                           f"({PG_SCHEMA_VERSION}); upgrade rvutool")
        roles = group_roles(conn)
        _create_roles(conn, roles, fresh=before is None)
        if before is None:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(f"CREATE TABLE {SCHEMA}.migrations (version INTEGER PRIMARY KEY, "
                         "applied_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now())")
            before = 0
        outcome = InitOutcome(before, PG_SCHEMA_VERSION, roles)
        for step in range(before, PG_SCHEMA_VERSION):
            PG_MIGRATIONS[step](conn, roles, outcome)
            conn.execute(f"INSERT INTO {SCHEMA}.migrations (version) VALUES (%s)", (step + 1,))
        if not before:
            conn.execute(f"INSERT INTO {SCHEMA}.meta (key, value) VALUES ('log_id', %s)", (uuid.uuid4().hex[:16],))
        _secure_database(conn, roles)
    return outcome


def _refuse_public_create(conn: psycopg.Connection) -> None:
    """A schema where anyone may create objects lets a user plant a function that beats pg_catalog's on argument
    types, which any connection that does not pin its search_path then runs with its caller's rights."""
    open_to_all = [r[0] for r in conn.execute(
        "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' "
        "AND pg_catalog.has_schema_privilege('public', oid, 'CREATE') ORDER BY 1").fetchall()]
    if open_to_all:
        name = open_to_all[0]
        raise RvuError(f"any user may create objects in schema {name} of this database (PostgreSQL's default "
                       "before version 15), so one could plant functions that others' sessions run; nothing was "
                       f"changed. Close it first, as the database's owner: REVOKE CREATE ON SCHEMA {name} FROM PUBLIC")


def _create_roles(conn: psycopg.Connection, roles: GroupRoles, *, fresh: bool) -> None:
    for role in roles:
        found = conn.execute("SELECT r.oid, (SELECT pg_catalog.count(*) FROM pg_catalog.pg_auth_members m "
                             "WHERE m.roleid = r.oid) FROM pg_catalog.pg_roles r WHERE r.rolname = %s",
                             (role,)).fetchone()
        if found is None:
            conn.execute(f"CREATE ROLE {role} NOLOGIN")
        elif fresh and found[1] and roles != LEGACY_ROLES:
            raise RvuError(f"the group role {role} already exists with {found[1]} members (left by an earlier "
                           "database of this name?); nothing was changed. Drop it first, or use another database")


def _secure_database(conn: psycopg.Connection, roles: GroupRoles) -> None:
    """Only the practice's roles (and the owner) may connect; no one else may make temporary objects here."""
    from psycopg import sql

    (database,), = conn.execute("SELECT pg_catalog.current_database()").fetchall()
    conn.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}").format(
        sql.Identifier(database), sql.Identifier(roles.clinician), sql.Identifier(roles.manager)))


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.match(name):
        raise UsageError(f"user name {name!r}: use lower-case letters, digits and _ (starting with a letter)")
    if name.startswith("rvutool_") or name.startswith("pg_"):
        raise UsageError(f"user name {name!r} is reserved; choose another")
    return name


def user_status(conn: psycopg.Connection, name: str) -> str:
    """'new' (no such role on the server), 'elsewhere' (a login of this server, not of this practice yet),
    'here' (already a user of this practice) or 'not a login'."""
    if version(conn) is None:
        raise RvuError("this database holds no rvutool log; run `rvutool db init` first")
    roles = group_roles(conn)
    row = conn.execute("SELECT rolcanlogin, pg_catalog.pg_has_role(oid, %s, 'MEMBER') OR "
                       "pg_catalog.pg_has_role(oid, %s, 'MEMBER') FROM pg_catalog.pg_roles WHERE rolname = %s",
                       (*roles, name)).fetchone()
    if row is None:
        return "new"
    return "here" if row[1] else ("elsewhere" if row[0] else "not a login")


def add_user(conn: psycopg.Connection, name: str, password: str | None, *, manager: bool) -> None:
    """A login role in the clinician (or manager) group; `password` None: an existing login of this server joins
    the practice, its password unchanged."""
    from psycopg import sql

    check_role_name(name)
    with conn.transaction():
        status = user_status(conn, name)
        group = group_roles(conn)[1 if manager else 0]
        if status == "here":
            raise RvuError(f"a user {name} already exists in this practice's log; nothing was changed")
        if status == "not a login":
            raise RvuError(f"{name} is a role of this server that cannot log in; choose another name")
        if status == "elsewhere" or password is None:
            if status != "elsewhere":
                raise RvuError(f"there is no user {name} on this server to add")
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(name)))
            return
        # libpq hashes the password here (SCRAM-SHA-256): only the verifier reaches the server, so the
        # password never appears in a statement, the server's log or pg_stat_statements
        verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode()
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
            sql.Identifier(name), sql.Literal(verifier), sql.Identifier(group)))
