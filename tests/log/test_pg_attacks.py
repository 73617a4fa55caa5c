"""The shared log under attack (issue 17): every clinician is an attacker with psql.

Each test plays one finding the way it was found: plain SQL through psycopg as the clinician or manager,
then rvutool as the victim, on a practice set up through the command line (`db init`, `db add-user`) on the
throwaway server of tests/pg_practice.py. Each failed before the fix; each keeps its hole closed.
"""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from pg_practice import PASSWORD, SUPER_PASSWORD, Practice, as_older_rvutool, make_practice

psycopg = pytest.importorskip("psycopg")
_legacy = itertools.count(1)


@pytest.fixture
def practice(pg_server, rvutool, tmp_path, monkeypatch) -> Practice:
    found = make_practice(pg_server, rvutool, tmp_path, "attack")
    monkeypatch.setenv("RVUTOOL_LOG_URL", found.url("alice"))
    return found


def as_user(monkeypatch, practice: Practice, who: str) -> None:
    monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url(who))


def owner_rows(practice: Practice, sql: str, params: tuple = ()) -> list[tuple]:
    with practice.connect("owner") as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def attempt(conn, sql: str, params: tuple = ()) -> bool:
    """Run one statement in a transaction of its own: True when the database let it through."""
    try:
        with conn.transaction():
            conn.execute(sql, params)
        return True
    except psycopg.Error:
        return False


def entries_of(practice: Practice, provider: str) -> list[tuple]:
    return owner_rows(practice, "SELECT id, code, units, note, voided FROM rvutool.entries WHERE provider = %s "
                      "ORDER BY id", (provider,))


# ---------------------------------------------------------------- 1. planted undo rows
def test_planted_undo_rows_never_reach_the_managers_undo(practice, rvutool, monkeypatch):
    """alice plants journal rows under boss's newest change (ids are sequential; foreign keys ignore row-level
    security): one that would delete boss's earlier entry, one whose before-image rewrites it, one naming her own
    entry. The database refuses them all, and boss's undo takes back only what boss did."""
    alice, boss = practice.users["alice"], practice.users["boss"]
    assert rvutool("log", "99212", "--date", "2026-03-01").exit_code == 0  # alice's entry
    as_user(monkeypatch, practice, "boss")
    assert rvutool("log", "99213", "--date", "2026-03-02").exit_code == 0
    assert rvutool("log", "27447", "--date", "2026-03-03").exit_code == 0
    assert rvutool("log", "99214", "--date", "2026-03-04").exit_code == 0
    (mine,), = owner_rows(practice, "SELECT id FROM rvutool.entries WHERE provider = %s", (alice,))
    earlier, knee, newest = (r[0] for r in entries_of(practice, boss))
    (change,), = owner_rows(practice, "SELECT MAX(id) FROM rvutool.changes WHERE provider = %s", (boss,))
    before = entries_of(practice, boss)
    image = json.dumps({"code": "99999", "note": "alice was here", "credited_wrvu_c": 0})
    with practice.connect("alice") as conn:
        planted = [
            attempt(conn, "INSERT INTO rvutool.change_rows (change_id, entry_id, before) VALUES (%s, %s, NULL)",
                    (change, earlier)),
            attempt(conn, "INSERT INTO rvutool.change_rows (change_id, entry_id, before) VALUES (%s, %s, %s)",
                    (change, knee, image)),
            attempt(conn, "INSERT INTO rvutool.change_rows (change_id, entry_id, before) VALUES (%s, %s, %s)",
                    (change, mine, image)),
            attempt(conn, "INSERT INTO rvutool.change_rows (change_id, entry_id, provider, before) "
                    "VALUES (%s, %s, %s, NULL)", (change, earlier, boss)),
            # her favourite pinned to boss's change: his undo would remove it (or fail on it)
            attempt(conn, "INSERT INTO rvutool.favourites (name, items, change_id, created_at, updated_at) "
                    "VALUES ('x', '99213', %s, 'x', 'x')", (change,)),
        ]
    assert planted == [False] * 5
    out = rvutool("undo")
    assert out.exit_code == 0, out.stderr
    after = entries_of(practice, boss)
    assert after == [row for row in before if row[0] != newest]  # only boss's own newest entry went
    assert [r[1] for r in entries_of(practice, alice)] == ["99212"]
    # and the manager reads no one's journal: it is each provider's own
    with practice.connect("boss") as conn:
        assert conn.execute("SELECT DISTINCT provider FROM rvutool.changes").fetchall() == [(boss,)]
        assert conn.execute("SELECT COUNT(*) FROM rvutool.change_rows WHERE provider <> %s",
                            (boss,)).fetchone()[0] == 0


def test_a_before_image_is_checked_as_an_edit_would_be(practice, rvutool, monkeypatch):
    """A before-image that is not one rvutool could have written (an unknown code, a note holding an identifier,
    a removed flag of 7) is refused by undo, in one line, and the log stays as it is."""
    assert rvutool("log", "27447", "--date", "2026-03-03").exit_code == 0
    assert rvutool("edit", "1", "--note", "left knee").exit_code == 0
    alice = practice.users["alice"]
    (change,), = owner_rows(practice, "SELECT MAX(id) FROM rvutool.changes WHERE provider = %s", (alice,))
    (good,), = owner_rows(practice, "SELECT before FROM rvutool.change_rows WHERE change_id = %s", (change,))
    for bad in ({"code": "99999"}, {"note": "SSN 123-45-6789"}, {"case_label": "MRN 12345678"},
                {"units": 0}, {"flags": "not json"}, {"service_date": "garbage"}, {"voided": 7}):
        with practice.connect("alice") as conn:  # her own journal row, edited by hand
            if not attempt(conn, "UPDATE rvutool.change_rows SET before = %s WHERE change_id = %s",
                           (json.dumps({**json.loads(good), **bad}), change)):
                continue  # the database itself refuses it: even better
        out = rvutool("undo")
        assert out.exit_code == 1 and len(out.stderr.strip().splitlines()) == 1, (bad, out.stderr)
        assert "Traceback" not in out.stderr and "123-45-6789" not in out.stderr
        assert entries_of(practice, alice) == [(1, "27447", 1, "left knee", 0)]
    with practice.connect("alice") as conn:
        conn.execute("UPDATE rvutool.change_rows SET before = %s WHERE change_id = %s", (good, change))
    assert rvutool("undo").exit_code == 0
    assert entries_of(practice, alice) == [(1, "27447", 1, None, 0)]


def test_planted_ranges_never_let_an_undo_touch_another_providers_entries(practice, rvutool, monkeypatch):
    """Since schema version 6 a change's inserted entries are journaled as ranges of ids (change_ranges), keyed
    (change_id, provider) to the change as change_rows is. alice cannot attach a range to boss's change, as herself
    or in his name; a range she widens over others' entries under her own change, or one the manager widens under
    his, makes an undo delete only the undoer's own entries."""
    alice, bob, boss = (practice.users[w] for w in ("alice", "bob", "boss"))
    as_user(monkeypatch, practice, "bob")
    assert rvutool("log", "99213", "--date", "2026-03-01").exit_code == 0  # 1
    as_user(monkeypatch, practice, "boss")
    assert rvutool("log", "27447", "--date", "2026-03-02").exit_code == 0  # 2
    as_user(monkeypatch, practice, "alice")
    assert rvutool("log", "99212", "--date", "2026-03-03").exit_code == 0  # 3
    (bosses,), = owner_rows(practice, "SELECT MAX(id) FROM rvutool.changes WHERE provider = %s", (boss,))
    with practice.connect("alice") as conn:
        planted = [
            attempt(conn, "INSERT INTO rvutool.change_ranges (change_id, first_id, last_id) VALUES (%s, 1, 3)",
                    (bosses,)),
            attempt(conn, "INSERT INTO rvutool.change_ranges (change_id, provider, first_id, last_id) "
                    "VALUES (%s, %s, 1, 3)", (bosses, boss)),
            attempt(conn, "UPDATE rvutool.change_ranges SET change_id = %s", (bosses,)),
            attempt(conn, "UPDATE rvutool.change_ranges SET provider = %s", (boss,)),
        ]
        assert planted == [False] * 4
        # her own change's range, widened over bob's and boss's entries: the database lets her (it is her journal)
        assert attempt(conn, "UPDATE rvutool.change_ranges SET first_id = 1")
    out = rvutool("undo")
    assert out.exit_code == 0 and "Undid the log of 1 entry" in out.stdout, out.stdout + out.stderr
    assert owner_rows(practice, "SELECT id, provider FROM rvutool.entries ORDER BY id") == [(1, bob), (2, boss)]
    with practice.connect("boss") as conn:  # the manager reads everyone's entries, but only his own journal
        assert conn.execute("SELECT DISTINCT provider FROM rvutool.change_ranges").fetchall() == [(boss,)]
        assert attempt(conn, "UPDATE rvutool.change_ranges SET first_id = 1, last_id = 3")
    as_user(monkeypatch, practice, "boss")
    out = rvutool("undo")
    assert out.exit_code == 0 and "Undid the log of 1 entry" in out.stdout, out.stdout + out.stderr
    assert owner_rows(practice, "SELECT id, provider FROM rvutool.entries ORDER BY id") == [(1, bob)]


def test_rows_on_their_way_in_are_no_one_elses(practice, rvutool, monkeypatch, tmp_path):
    """A bulk insert COPYs into rvutool.incoming (COPY refuses a table under row-level security, so entries itself
    cannot take one), then take_incoming moves the rows into entries. Users may only insert there, never naming a
    provider or a transaction of their own choosing; take_incoming moves only rows its caller's own transaction put
    there, so a row planted (and committed) there, or another's rows on their way in, are never anyone's entries."""
    columns = ", ".join(_GOOD)
    row = "\t".join(str(v) for v in _GOOD.values())
    bob = practice.users["bob"]
    with practice.connect("alice") as conn:
        for sql in ("SELECT * FROM rvutool.incoming", "DELETE FROM rvutool.incoming",
                    "UPDATE rvutool.incoming SET note = 'x'", "TRUNCATE rvutool.incoming",
                    "LOCK TABLE rvutool.incoming IN ACCESS EXCLUSIVE MODE"):
            assert not attempt(conn, sql), sql
        assert not attempt(conn, f"INSERT INTO rvutool.incoming (provider, {columns}) VALUES (%s, "
                           f"{', '.join(['%s'] * len(_GOOD))})", (bob, *_GOOD.values()))
        assert not attempt(conn, f"INSERT INTO rvutool.incoming (loader, {columns}) VALUES (pg_current_xact_id(), "
                           f"{', '.join(['%s'] * len(_GOOD))})", tuple(_GOOD.values()))
        with pytest.raises(psycopg.errors.FeatureNotSupported), conn.transaction(), conn.cursor() as cur:
            with cur.copy(f"COPY rvutool.entries ({columns}) FROM STDIN") as copy:
                copy.write(row + "\n")
        assert attempt(conn, f"INSERT INTO rvutool.incoming ({columns}) VALUES ({', '.join(['%s'] * len(_GOOD))})",
                       tuple(_GOOD.values()))  # planted, and committed
    with practice.connect("bob") as bobs, practice.connect("alice") as hers:
        bobs.execute("BEGIN")  # bob's rows on their way in, not yet moved
        with bobs.cursor() as cur, cur.copy(f"COPY rvutool.incoming ({columns}) FROM STDIN") as copy:
            copy.write(row + "\n")
        assert hers.execute("SELECT * FROM rvutool.take_incoming(0)").fetchone() == (None, None)
        _, ids = bobs.execute("SELECT * FROM rvutool.take_incoming(0)").fetchone()
        bobs.execute("COMMIT")
    assert len(ids) == 1
    as_user(monkeypatch, practice, "bob")  # and an import of bob's through COPY: 60 rows, all his and only his
    big = tmp_path / "visits.csv"
    big.write_text("date,code\n" + "".join(f"2026-04-{1 + i % 28:02d},99213\n" for i in range(60)))
    assert "Imported 60 entries" in rvutool("import", str(big)).stdout
    assert owner_rows(practice, "SELECT provider, COUNT(*) FROM rvutool.entries GROUP BY 1") == [(bob, 61)]
    assert owner_rows(practice, "SELECT provider FROM rvutool.incoming") == [(practice.users["alice"],)]


# ---------------------------------------------------------------- 2. one server, two practices
def test_two_practices_on_one_server_never_reach_each_other(pg_server, rvutool, tmp_path, monkeypatch):
    one = make_practice(pg_server, rvutool, tmp_path, "clinic")
    two = make_practice(pg_server, rvutool, tmp_path, "clinic")
    roles = {r[0] for r in owner_rows(one, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'rvutool%%'")}
    assert {f"rvutool_{one.db}_clinician", f"rvutool_{one.db}_manager", f"rvutool_{two.db}_clinician",
            f"rvutool_{two.db}_manager"} <= roles
    as_user(monkeypatch, two, "alice")
    assert rvutool("log", "99213", "--date", "2026-03-02", "--note", "clinic two").exit_code == 0
    # practice one's manager and clinician, with their own passwords, on practice two's database
    for who in ("boss", "alice"):
        url = pg_server.url(one.users[who], PASSWORD, two.db)
        with pytest.raises(psycopg.OperationalError, match="CONNECT|permission denied"):
            psycopg.connect(url).close()
        monkeypatch.setenv("RVUTOOL_LOG_URL", url)
        out = rvutool("list", "--all")
        assert out.exit_code == 1 and len(out.stderr.strip().splitlines()) == 1
        assert "clinic two" not in out.stdout + out.stderr and PASSWORD not in out.stderr
    # even given CONNECT by mistake, practice one's manager reads nothing of practice two
    owner_rows(two, f"GRANT CONNECT ON DATABASE {two.db} TO {one.users['boss']}")
    with psycopg.connect(pg_server.url(one.users["boss"], PASSWORD, two.db), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT note FROM rvutool.entries").fetchall()
    # PUBLIC may not connect to either; each practice's own roles may
    for practice in (one, two):
        assert owner_rows(practice, "SELECT has_database_privilege('public', current_database(), 'CONNECT'), "
                          "has_database_privilege(%s, current_database(), 'CONNECT')",
                          (f"rvutool_{practice.db}_clinician",)) == [(False, True)]
    as_user(monkeypatch, two, "boss")
    assert [e["note"] for e in rvutool("list", "--all", "--json").json()["entries"]] == ["clinic two"]


def test_db_init_moves_a_practice_off_the_server_wide_roles(pg_server, rvutool, tmp_path, monkeypatch):
    """A log made by rvutool before version 4 used rvutool_clinician and rvutool_manager, one pair per server.
    `db init` gives it roles of its own: users with work in this log keep their access through them, the
    server-wide roles lose theirs here, and PUBLIC may no longer connect."""
    from rvutool.log import pg_schema

    db = f"legacy{next(_legacy)}"
    with pg_server.admin() as admin:
        admin.execute(f"CREATE DATABASE {db}")
    owner = pg_server.url("postgres", SUPER_PASSWORD, db)
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    with monkeypatch.context() as old:  # rvutool before this fix: schema version 3, server-wide roles
        as_older_rvutool(old, 3)
        old.setattr(pg_schema, "group_roles", lambda conn: pg_schema.LEGACY_ROLES)
        old.setattr(pg_schema, "_secure_database", lambda conn, roles: None)
        assert rvutool("db", "init", owner).exit_code == 0
        alice, boss, idle = (f"{who}_{db}" for who in ("alice", "boss", "idle"))
        for name, extra in ((alice, []), (boss, ["--manager"]), (idle, [])):
            out = rvutool("db", "add-user", name, *extra, "--password-file", str(pw), "--url", owner)
            assert out.exit_code == 0, out.stderr
        old.setenv("RVUTOOL_LOG_URL", pg_server.url(alice, PASSWORD, db))
        assert rvutool("log", "99213", "--date", "2026-03-02").exit_code == 0
        old.setenv("RVUTOOL_LOG_URL", pg_server.url(boss, PASSWORD, db))
        assert rvutool("fav", "add", "tka", "27447").exit_code == 0
    out = rvutool("db", "init", owner)
    assert out.exit_code == 0, out.stderr
    assert "from schema version 3 to" in out.stdout and idle in out.stdout
    practice = Practice(pg_server, db, {"alice": alice, "boss": boss, "idle": idle})
    member = "SELECT pg_has_role(%s, %s, 'MEMBER')"
    assert owner_rows(practice, member, (alice, f"rvutool_{db}_clinician"))[0][0]
    assert owner_rows(practice, member, (boss, f"rvutool_{db}_manager"))[0][0]
    assert not owner_rows(practice, member, (idle, f"rvutool_{db}_clinician"))[0][0]
    assert not owner_rows(practice, "SELECT has_table_privilege('rvutool_clinician', 'rvutool.entries', 'SELECT')"
                          )[0][0]
    assert not owner_rows(practice, "SELECT has_database_privilege('public', current_database(), 'CONNECT')")[0][0]
    as_user(monkeypatch, practice, "boss")
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 1.30  # 99213, alice's
    assert [f["name"] for f in rvutool("fav", "list", "--json").json()] == ["tka"]
    monkeypatch.setenv("RVUTOOL_LOG_URL", pg_server.url(idle, PASSWORD, db))
    assert rvutool("list").exit_code == 1  # not carried over: the owner adds them again if they belong here
    out = rvutool("db", "add-user", idle, "--url", owner)
    assert out.exit_code == 0 and "password is unchanged" in out.stdout, out.stderr
    assert rvutool("list", "--all", "--json").json()["entries"] == []
    assert rvutool("db", "init", owner).stdout.count("up to date") == 1


# ---------------------------------------------------------------- 3. search_path hijack
def test_search_path_hijacks_no_longer_run(practice, rvutool, monkeypatch):
    """On a database with the pre-15 default (PUBLIC may create in public), alice plants public.nextval(text) and
    public.pg_advisory_xact_lock(integer), which beat pg_catalog's on argument types: one copies every provider's
    entries into her table, the other makes her a manager when the owner runs it. Neither runs any more, and
    `db init` refuses such a database with the fix in one line."""
    alice, boss = practice.users["alice"], practice.users["boss"]
    owner_rows(practice, "GRANT CREATE ON SCHEMA public TO PUBLIC")
    manager_role = owner_rows(practice, "SELECT value FROM rvutool.meta WHERE key = 'manager_role'")
    manager_role = manager_role[0][0] if manager_role else "rvutool_manager"
    with practice.connect("alice") as conn:
        conn.execute("CREATE TABLE public.loot (provider text, code text, note text)")
        conn.execute("GRANT INSERT ON public.loot TO PUBLIC")
        conn.execute("""CREATE FUNCTION public.nextval(text) RETURNS bigint LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO public.loot SELECT provider, code, note FROM rvutool.entries;
                RETURN pg_catalog.nextval($1::regclass);
            END $$""")
        conn.execute(f"""CREATE FUNCTION public.pg_advisory_xact_lock(integer) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO public.loot VALUES (current_user, 'lock', NULL);
                BEGIN EXECUTE 'GRANT {manager_role} TO {alice}'; EXCEPTION WHEN OTHERS THEN NULL; END;
                PERFORM pg_catalog.pg_advisory_xact_lock($1::bigint);
            END $$""")
        conn.execute("GRANT EXECUTE ON FUNCTION public.nextval(text), public.pg_advisory_xact_lock(integer) "
                     "TO PUBLIC")
    as_user(monkeypatch, practice, "bob")
    assert rvutool("log", "99213", "--date", "2026-03-02", "--note", "bob's visit").exit_code == 0
    as_user(monkeypatch, practice, "boss")
    assert rvutool("log", "27447", "--date", "2026-03-03").exit_code == 0
    assert rvutool("list", "--all").exit_code == 0
    assert rvutool("undo").exit_code == 0
    out = rvutool("db", "init", practice.url("owner"))
    assert out.exit_code == 1 and "REVOKE CREATE ON SCHEMA public FROM PUBLIC" in out.stderr
    assert len([line for line in out.stderr.splitlines() if not line.startswith("Warning:")]) == 1
    owner_rows(practice, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    assert rvutool("db", "init", practice.url("owner")).exit_code == 0
    assert owner_rows(practice, "SELECT COUNT(*) FROM public.loot") == [(0,)]
    assert not owner_rows(practice, "SELECT pg_has_role(%s, %s, 'MEMBER')", (alice, manager_role))[0][0]
    assert boss  # boss's own work went on as usual
    as_user(monkeypatch, practice, "alice")
    assert rvutool("list", "--all", "--json").json()["entries"] == []


def test_every_connection_pins_its_search_path(practice):
    """Even a connection string that asks for another search_path (its own `options`) gets the pinned one."""
    from rvutool.log import pg_store

    for url in (practice.url("alice"), practice.url("alice") + "&options=-c%20search_path%3Dpublic"):
        conn = pg_store.connect(url)
        try:
            assert conn.execute("SHOW search_path").fetchone()[0].replace(" ", "") == "pg_catalog,pg_temp"
            assert conn.execute("SHOW lock_timeout").fetchone()[0] == f"{pg_store.LOCK_WAIT_SECONDS}s"
        finally:
            conn.close()


def test_db_init_refuses_roles_left_by_an_earlier_database_of_the_same_name(pg_server, rvutool):
    """A database dropped and made again under the same name would inherit its old roles' members."""
    from pg_practice import SUPER_PASSWORD

    db = f"reborn{next(_legacy)}"
    with pg_server.admin() as admin:
        admin.execute(f"CREATE DATABASE {db}")
        admin.execute(f"CREATE ROLE rvutool_{db}_clinician NOLOGIN")
        admin.execute(f"CREATE ROLE leftover_{db} LOGIN IN ROLE rvutool_{db}_clinician")
    out = rvutool("db", "init", pg_server.url("postgres", SUPER_PASSWORD, db))
    assert out.exit_code == 1 and f"rvutool_{db}_clinician already exists with 1 members" in out.stderr
    with pg_server.admin(db) as conn:
        assert conn.execute("SELECT to_regclass('rvutool.entries')").fetchone()[0] is None


def test_the_new_tables_hold_under_row_level_security(practice, rvutool, monkeypatch):
    """The writer rows, the set-aside entries and the journal, attacked in plain SQL by a clinician and the manager."""
    alice, bob = practice.users["alice"], practice.users["bob"]
    assert rvutool("log", "99213", "--date", "2026-03-02").exit_code == 0
    as_user(monkeypatch, practice, "bob")
    assert rvutool("log", "99214", "--date", "2026-03-02").exit_code == 0
    owner_rows(practice, "INSERT INTO rvutool.set_aside SELECT e.*, 'test', now() FROM rvutool.entries e")
    with practice.connect("alice") as conn:
        assert conn.execute("SELECT provider FROM rvutool.writers").fetchall() == [(alice,)]
        assert conn.execute("SELECT provider FROM rvutool.set_aside").fetchall() == [(alice,)]
        assert not attempt(conn, "INSERT INTO rvutool.set_aside SELECT * FROM rvutool.set_aside")
        assert not attempt(conn, "UPDATE rvutool.writers SET provider = %s", (bob,))
        assert not attempt(conn, "DELETE FROM rvutool.writers")
        assert not attempt(conn, "SELECT pg_catalog.nextval('rvutool.entries_id_seq')")
        assert not attempt(conn, "LOCK TABLE rvutool.writers IN SHARE MODE")
        assert not attempt(conn, "INSERT INTO rvutool.changes (provider, kind, summary, created_at) "
                           "VALUES (%s, 'log', 'x', 'x')", (bob,))
        assert not attempt(conn, "CREATE TEMPORARY TABLE t (x int)")
    with practice.connect("boss") as conn:
        assert conn.execute("SELECT COUNT(*) FROM rvutool.set_aside").fetchone()[0] == 2  # a manager reads them
        assert conn.execute("SELECT COUNT(*) FROM rvutool.writers").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM rvutool.changes").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM rvutool.change_rows").fetchone()[0] == 0
        assert not attempt(conn, "UPDATE rvutool.set_aside SET note = 'x'")
        assert not attempt(conn, "DELETE FROM rvutool.set_aside")


# ---------------------------------------------------------------- 4. the writer lock
def test_no_one_can_take_another_providers_writer_lock(practice, rvutool, monkeypatch):
    """alice tries every way at bob's writer lock while bob logs: the old advisory key, his lock row, the lock
    table itself. None of it holds bob up, and his lock row is not even visible to her."""
    bob = practice.users["bob"]
    owner_rows(practice, f"ALTER ROLE {bob} SET statement_timeout = '20s'")  # the old lock waited forever
    with practice.connect("alice") as conn:
        conn.execute("BEGIN")
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('rvutool:' || %s))", (bob,))
        for sql in ("SELECT * FROM rvutool.writers FOR UPDATE", "UPDATE rvutool.writers SET provider = provider",
                    f"INSERT INTO rvutool.writers (provider) VALUES ('{bob}')",
                    "LOCK TABLE rvutool.writers IN EXCLUSIVE MODE"):
            conn.execute("SAVEPOINT s")
            try:
                conn.execute(sql)
            except psycopg.Error:
                conn.execute("ROLLBACK TO SAVEPOINT s")
        as_user(monkeypatch, practice, "bob")
        out = rvutool("log", "99213", "--date", "2026-03-02")
        assert out.exit_code == 0, out.stderr
        conn.execute("ROLLBACK")
    with practice.connect("alice") as conn:
        assert conn.execute("SELECT COUNT(*) FROM rvutool.writers").fetchone()[0] == 0  # bob's row is not hers


def test_waiting_for_a_writer_gives_up_in_one_line(practice, rvutool, monkeypatch):
    """Writers of one provider still queue; a wait longer than the lock timeout ends in one line that names it,
    and nothing is written. A colleague holding a table lock (psql can) is named the same way."""
    from rvutool.log import pg_store

    monkeypatch.setattr(pg_store, "LOCK_WAIT_SECONDS", 1)
    store = pg_store.open_store(practice.url("alice"))
    try:
        with store.transaction():  # alice's other command, writing
            out = rvutool("log", "99213", "--date", "2026-03-02")
    finally:
        store.close()
    assert out.exit_code == 1 and len(out.stderr.strip().splitlines()) == 1
    assert "waited 1 s" in out.stderr and "another rvutool command" in out.stderr
    with practice.connect("bob") as conn:
        conn.execute("BEGIN")
        conn.execute("LOCK TABLE rvutool.entries IN ACCESS EXCLUSIVE MODE")
        out = rvutool("log", "99213", "--date", "2026-03-02")
        conn.execute("ROLLBACK")
    assert out.exit_code == 1 and len(out.stderr.strip().splitlines()) == 1 and "waited 1 s" in out.stderr
    assert rvutool("log", "99213", "--date", "2026-03-02").exit_code == 0
    assert [e["code"] for e in rvutool("list", "--all", "--json").json()["entries"]] == ["99213"]


# ---------------------------------------------------------------- 5. poisoned rows
POISON = {  # column -> a value no rvutool writes
    "flags": "not json", "adjustments": '{"a": 1}', "policy": "[]", "options": "7",
    "units": -5, "work_rvu_c": 9_200_000_000_000_000_000 // 1000, "credited_wrvu_c": 9_200_000_000_000_000_000,
    "base_wrvu_c": -1, "service_date": "garbage", "code": "x';--", "modifiers": "ZZZ", "setting": "outdoors",
    "voided": 2, "release": "FOO", "note": "n" * 501, "case_label": "c" * 501,
}
_GOOD = {"encounter_id": 999, "service_date": "2026-03-02", "code": "99213", "modifiers": "", "units": 1,
         "release": "RVU26C", "category": "em", "work_rvu_c": 130, "base_wrvu_c": 130, "credited_wrvu_c": 130,
         "flags": "[]", "adjustments": "[]", "policy": "{}", "setting": "facility", "options": "{}",
         "voided": 0, "source": "cli", "service_key": "k", "created_at": "2026-03-02T00:00:00",
         "updated_at": "2026-03-02T00:00:00"}


def _insert(conn, values: dict) -> None:
    names = ", ".join(values)
    conn.execute(f"INSERT INTO rvutool.entries ({names}) VALUES ({', '.join(['%s'] * len(values))})",
                 tuple(values.values()))


def test_the_database_refuses_every_value_rvutool_never_writes(practice):
    with practice.connect("alice") as conn:
        assert attempt(conn, "SELECT 1") and _try_insert(conn, _GOOD)
        refused = [column for column, bad in POISON.items() if not _try_insert(conn, {**_GOOD, column: bad})]
    assert refused == list(POISON)
    with practice.connect("owner") as conn:  # the owner is held to them too
        assert not _try_insert(conn, {**_GOOD, "flags": "not json"})


def _try_insert(conn, values: dict) -> bool:
    try:
        with conn.transaction():
            _insert(conn, values)
        return True
    except psycopg.Error:
        return False


def test_rows_poisoned_before_the_upgrade_are_set_aside_and_the_rest_reads(pg_server, rvutool, tmp_path,
                                                                            monkeypatch):
    """alice poisoned her own rows while the log had no CHECK constraints. `db init` sets them aside (kept, with
    their values) so the constraints hold; a row whose JSON has the right type but the wrong shape is skipped
    with a count by list and export; doctor names both and gives advice for a shared log."""

    with monkeypatch.context() as old:
        as_older_rvutool(old, 3)
        practice = make_practice(pg_server, rvutool, tmp_path, "poisoned")
        as_user(old, practice, "alice")
        assert rvutool("log", "99213", "--date", "2026-03-02").exit_code == 0
        with practice.connect("alice") as conn:
            for column in ("flags", "units", "credited_wrvu_c", "service_date"):
                _insert(conn, {**_GOOD, column: POISON[column]})
            _insert(conn, {**_GOOD, "flags": "[1, 2]", "service_date": "2026-03-05"})  # JSON, of a wrong shape
            long = json.dumps([{"rule": "x", "factor": "1", "reason": "r" * 3000}])  # sound, and kilobytes long
            _insert(conn, {**_GOOD, "adjustments": long, "voided": 1})
    out = rvutool("db", "init", practice.url("owner"))
    assert out.exit_code == 0, out.stderr
    assert "set aside 4 entries" in out.stdout
    assert owner_rows(practice, "SELECT COUNT(*) FROM rvutool.set_aside") == [(4,)]
    as_user(monkeypatch, practice, "boss")
    for command in (["list", "--all"], ["list", "--all", "--json"], ["list", "--all", "--csv"], ["export"],
                    ["export", "--format", "json"]):
        out = rvutool(*command)
        assert out.exit_code == 0, (command, out.stderr)
        assert "skipped 1 entry" in out.stderr and "doctor" in out.stderr, (command, out.stderr)
        assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 1.30
    summary = rvutool("summary", "--all", "--by", "provider", "--json").json()
    assert summary["total_wrvu"] == 2.60  # 99213 + the wrong-shaped row's 1.30: its amounts are sound
    out = rvutool("doctor")
    assert out.exit_code == 1
    assert "4 entries" in out.stdout and "1 entry" in out.stdout
    assert "move it aside" not in out.stdout and "set_aside" in out.stdout
    with practice.connect("alice") as conn:
        assert not _try_insert(conn, {**_GOOD, "flags": "not json"})


def test_doctor_advice_fits_the_shared_log(practice, rvutool):
    out = rvutool("doctor")
    assert out.exit_code == 0 and "sound" in out.stdout and "page" not in out.stdout


# ---------------------------------------------------------------- 6. a manager's recalc
def test_a_managers_recalc_plans_and_saves_their_own_entries(practice, rvutool, monkeypatch):
    alice, boss = practice.users["alice"], practice.users["boss"]
    assert rvutool("log", "99213", "--date", "2026-03-02").exit_code == 0
    as_user(monkeypatch, practice, "boss")
    assert rvutool("log", "99214", "--date", "2026-03-03").exit_code == 0
    # both saved at a credit today's data would not give (the owner's hand, or an older release)
    owner_rows(practice, "UPDATE rvutool.entries SET credited_wrvu_c = credited_wrvu_c + 1")
    out = rvutool("recalc", "--all", "--yes")
    assert out.exit_code == 0, out.stderr
    assert "1 entry of another provider would change too; only its owner can recalc it" in out.stdout
    assert "Recalculated 1 entry" in out.stdout
    assert owner_rows(practice, "SELECT provider, credited_wrvu_c FROM rvutool.entries ORDER BY id") == [
        (alice, 131), (boss, 192)]  # alice's 1.30 + 0.01 untouched; boss's back to 99214's 1.92


# ---------------------------------------------------------------- 8. what a clinician can still learn
def test_what_a_clinician_still_sees_is_what_the_readme_says(practice, rvutool, monkeypatch):
    """Activity, not content: counts and connections are visible to every login, notes and codes are not."""
    from pathlib import Path

    as_user(monkeypatch, practice, "bob")
    assert rvutool("log", "99213", "--date", "2026-03-02", "--note", "bob's visit").exit_code == 0
    with practice.connect("bob") as bob_session, practice.connect("alice") as conn:
        bob_session.execute("SELECT 1")
        (inserted,), = conn.execute("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'entries' "
                                    "AND schemaname = 'rvutool'").fetchall()
        assert inserted >= 0  # an activity count: visible
        seen = conn.execute("SELECT usename, query FROM pg_stat_activity WHERE usename = %s",
                            (practice.users["bob"],)).fetchall()
        assert seen and all(query == "<insufficient privilege>" for _, query in seen)  # who, never what
        assert conn.execute("SELECT COUNT(*) FROM rvutool.entries").fetchone()[0] == 0
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Security", 1)[1].split("\n## ", 1)[0].lower()
    for words in ("pg_stat_activity", "pg_stat_user_tables", "pg_locks", "encounter number", "two practices"):
        assert words in section


# ---------------------------------------------------------------- threads: one writer at a time still holds
def test_one_providers_writers_still_queue(practice):
    from rvutool.log import pg_store

    order: list[str] = []
    first = pg_store.open_store(practice.url("alice"))
    second = pg_store.open_store(practice.url("alice"))
    try:
        with first.transaction():
            worker = threading.Thread(target=lambda: _write(second, order))
            worker.start()
            worker.join(0.5)
            order.append("first done")
        worker.join(10)
    finally:
        first.close()
        second.close()
    assert order == ["first done", "second"]


def _write(store, order: list[str]) -> None:
    with store.transaction():
        order.append("second")
