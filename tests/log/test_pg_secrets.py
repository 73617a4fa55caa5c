"""Secrets in connection strings (issue 17, finding 7): never stored, never shown, never echoed.

libpq takes a password in the user part of a URI (where a raw '/' or '@' changes how the rest is read), in the
query (`password`, `passfile`, `sslpassword`, a key percent-encoded as `%70assword`) and in keyword/value
strings. Every shape below carries the marker SECRET somewhere a secret goes; every command that prints or
stores a connection string runs with it, and the marker (in any spelling) never comes out.
"""

from __future__ import annotations

import os

import pytest
from pg_practice import PASSWORD, Practice, make_practice

pytest.importorskip("psycopg")

SECRET = "Zq7wX"
# the spellings the marker may take on its way out: as typed, percent-encoded, or cut at a raw '/', '@' or '&'
SPELLINGS = (SECRET, "Zq7w", "%5Aq7w", "%5aq7w", "%5A%71%37%77", "%5a%71%37%77")


def shapes(socket: str, db: str) -> list[str]:
    here = f"host={socket}"
    return [
        f"postgresql://alice:{SECRET}@/{db}?{here}",
        f"postgres://alice:{SECRET}@/{db}?{here}",
        f"POSTGRESQL://alice:{SECRET}@/{db}?{here}",
        f"postgresql://alice:{SECRET}%2Fx@/{db}?{here}",
        f"postgresql://alice:{SECRET}/x@/{db}?{here}",  # a raw '/' in the password
        f"postgresql://alice:x/{SECRET}@/{db}?{here}",
        f"postgresql://alice:{SECRET}@x@/{db}?{here}",  # a raw '@' in the password
        f"postgresql://alice:x@{SECRET}@/{db}?{here}",
        f"postgresql://alice:{SECRET}/{SECRET}@{SECRET}@/{db}?{here}",
        f"postgresql://alice:sec%zz{SECRET}@/{db}?{here}",  # a bad %-escape
        f"postgresql://alice:{SECRET} ret@/{db}?{here}",  # a space
        f"postgresql://alice:{SECRET}\tx@/{db}?{here}",  # a tab
        f"postgresql://alice:%5A%71%37%77X@/{db}?{here}",  # every character encoded
        f"postgresql://alice:{SECRET}:more@/{db}?{here}",
        f"postgresql://alice:{SECRET}?x@/{db}?{here}",
        f"postgresql://alice:{SECRET}#x@/{db}?{here}",
        f"postgresql://alice:{SECRET}%00@/{db}?{here}",
        f"postgresql://alice:{SECRET}%40x@/{db}?{here}",
        f"postgresql://:{SECRET}@/{db}?{here}",
        f"postgresql://alice:{SECRET}@/{db}?host=/nonexistent-socket-folder",
        f"postgresql://alice:{SECRET}@/{db}?{here}&port=notaport",
        f"postgresql://alice:{SECRET}@/{db}?{here}&foo=bar",
        f"postgresql://alice:{SECRET}@[::1/{db}",
        f"postgresql://alice@/{db}?{here}&password={SECRET}",
        f"postgresql://alice@/{db}?password={SECRET}&{here}",
        f"postgresql://alice@/{db}?%70assword={SECRET}&{here}",
        f"postgresql://alice@/{db}?pass%77ord={SECRET}&{here}",
        f"postgresql://alice@/{db}?%70%61%73%73%77%6F%72%64={SECRET}&{here}",
        f"postgresql://alice@/{db}?PASSWORD={SECRET}&{here}",
        f"postgresql://alice@/{db}?{here}&passfile=/tmp/{SECRET}/pgpass",
        f"postgresql://alice@/{db}?{here}&sslpassword={SECRET}",
        f"postgresql://alice@/{db}?{here}&password={SECRET}&x",
        f"postgresql://alice@/{db}?{here}&password=x&{SECRET}",  # a raw '&' in the password
        f"postgresql://alice@/{db}?{here}&password=x&{SECRET}=y",
        f"postgresql://alice@/{db}?{here}&password={SECRET}%zz",
        f"postgresql://alice@/{db}?{here}&password={SECRET}%26more",
        f"postgresql://alice@/{db}?{here}&password= {SECRET}",
        f"postgresql://alice@/{db}?{here}&password",
        f"postgresql://alice@/{db}?{here}&%zz={SECRET}",
        f"host={socket} dbname={db} user=alice password={SECRET}",
        f"host={socket} password='{SECRET} x' dbname={db}",
        f"password={SECRET}",
        f"postgresql://alice@/{db}?{here}&options=-c%20password%3D{SECRET}",
    ]


def leaked(text: str) -> list[str]:
    return [s for s in SPELLINGS if s in text]


@pytest.fixture(scope="module")
def target(pg_server) -> tuple[str, str]:
    return pg_server.socket_dir, "postgres"


def test_there_are_thirty_and_more_shapes(target):
    assert len(shapes(*target)) >= 30


@pytest.mark.parametrize("number", range(43))
def test_no_command_shows_or_stores_a_secret(number, target, rvutool, monkeypatch, tmp_path, home):
    url = shapes(*target)[number]
    pw = tmp_path / "pw"
    pw.write_text("new-user-password\n")
    outputs: list[str] = []

    def run(*args: str) -> None:
        out = rvutool(*args)
        outputs.append(f"$ {' '.join(args[:2])}\n{out.stdout}{out.stderr}")
        assert "Traceback" not in out.stderr and "internal error" not in out.stderr, (args, out.stderr)
        if out.exit_code:
            assert len(out.stderr.strip().splitlines()) <= 2, (args, out.stderr)  # a warning, then the error

    # given on the command line
    run("db", "init", url)
    run("db", "add-user", "carol_secret_test", "--password-file", str(pw), "--url", url)
    run("db", "push", "--url", url)
    # stored: refused when it carries a secret, so nothing is written
    run("config", "set", "log.url", url)
    for found in home.rglob("config.toml"):
        assert not leaked(found.read_text()), url
    # in the environment
    monkeypatch.setenv("RVUTOOL_LOG_URL", url)
    for command in (["paths"], ["paths", "--json"], ["doctor"], ["doctor", "--json"], ["list"], ["summary"],
                    ["log", "99213", "--date", "2026-03-02"], ["undo"], ["export"], ["fav", "list"],
                    ["config", "list"], ["config", "get", "log.url"]):
        run(*command)
    # in a settings file written by hand
    monkeypatch.delenv("RVUTOOL_LOG_URL")
    from rvutool import paths

    settings = paths.config_file()
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f"[log]\nurl = {_toml(url)}\n")
    for command in (["config", "list"], ["config", "get", "log.url"], ["paths"], ["doctor"], ["list"]):
        run(*command)
    found = leaked("\n".join(outputs))
    assert not found, f"{url!r} leaked {found}:\n" + "\n".join(o for o in outputs if leaked(o))


def _toml(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a TOML basic string (these hold no control characters but \t)


def test_a_secret_free_url_is_stored_and_shown_as_it_is(rvutool):
    url = "postgresql://alice@db.example:5432/practice?sslmode=require&application_name=front%20desk"
    assert rvutool("config", "set", "log.url", url).exit_code == 0
    assert rvutool("config", "get", "log.url").stdout.strip() == url
    assert rvutool("paths", "--json").json()["log"] == url


def test_a_url_with_a_secret_is_refused_by_config_set_naming_the_part(rvutool):
    for url, part in ((f"postgresql://alice:{SECRET}@db/practice", "password"),
                      (f"postgresql://alice@db/practice?%70assword={SECRET}", "password"),
                      (f"postgresql://alice@db/practice?passfile=/x/{SECRET}", "passfile"),
                      (f"postgresql://alice@db/practice?sslpassword={SECRET}", "sslpassword")):
        out = rvutool("config", "set", "log.url", url)
        assert out.exit_code == 2 and part in out.stderr and "pgpass" in out.stderr
        assert not leaked(out.stderr)
    out = rvutool("config", "set", "log.url", f"postgresql://alice@db/practice?x=sec%zz{SECRET}")
    assert out.exit_code == 2 and not leaked(out.stderr) and "%" in out.stderr


def test_a_password_on_the_command_line_is_warned_about_in_one_line(pg_server, rvutool, tmp_path):
    practice = make_practice(pg_server, rvutool, tmp_path, "warned")
    out = rvutool("db", "init", practice.url("owner"))
    assert out.exit_code == 0
    warnings = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and "command line" in warnings[0] and ".pgpass" in warnings[0]
    assert "owner-secret" not in out.stderr


def test_a_pgpass_others_can_read_gets_a_hint(pg_server, rvutool, tmp_path, monkeypatch):
    practice = make_practice(pg_server, rvutool, tmp_path, "pgpass")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:{practice.db}:{practice.users['alice']}:{PASSWORD}\n")
    pgpass.chmod(0o640)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    monkeypatch.setenv("RVUTOOL_LOG_URL", _without_password(practice, "alice"))
    out = rvutool("list")
    assert out.exit_code == 1 and len(out.stderr.strip().splitlines()) == 1
    assert "chmod 600" in out.stderr and str(pgpass) in out.stderr and PASSWORD not in out.stderr
    pgpass.chmod(0o600)
    assert rvutool("list").exit_code == 0


def _without_password(practice: Practice, who: str) -> str:
    return f"postgresql://{practice.users[who]}@/{practice.db}?host={practice.server.socket_dir}"


def test_masking_knows_every_form(target):
    from rvutool import conninfo

    for url in shapes(*target):
        assert not leaked(conninfo.masked(url)), url
        assert not leaked(conninfo.shown(url)), url
        if not url.startswith(("host=", "password=")) and "options=" not in url:
            assert conninfo.has_password(url) or conninfo.problem(url), url
    assert conninfo.masked("postgresql://alice:pw@db/x?sslmode=require") == \
        "postgresql://alice:***@db/x?sslmode=require"
    assert conninfo.masked("host=db password='a b\\' c' user=x") == "host=db password=*** user=x"
    assert not conninfo.has_password("postgresql://db.example:5432/x?user=alice@corp")
    assert os.sep  # (the shapes run on this machine's socket folder)
