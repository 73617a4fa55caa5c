"""Contract files (issue 22): `rvutool contract add | check | list | show | remove`, versions by effective date,
every key the README names, and bad files refused in one line naming the key and the problem. Contracts live
with the log, so the commands run on both stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.both_stores

MERCY = """name = "mercy-2026"
effective = 2026-01-01
period = "month"              # month | quarter | year (a fiscal year from config)
fte = 1.0
base = 250000                 # per year
threshold = 300               # wRVUs per period before productivity pay (prorated by fte)
tier_mode = "marginal"        # or "all"
tiers = [ { from = 300, rate = 50.0 }, { from = 350, rate = 55.0 } ]   # or: rate = 52.0
quality_withhold = 0.05
draw = 20000                  # per month, trued up at the year's end
credit_release = "RVU25D"     # optional: credit on another release's values
custom_wrvu = { D6092 = 1.2 }
"""
SMILE = """name = "smile-dental"
effective = 2026-01-01
pay = "production"
production_share = 0.30       # of production (or collections_share for collections)
daily_guarantee = 400
fees = { D1110 = 120, D2740 = 1200 }   # or imported with `contract fees import`
lab_fees = { D2740 = 250 }
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_issue_examples_are_valid_as_written(rvutool, tmp_path):
    for name, text in (("mercy.toml", MERCY), ("smile.toml", SMILE)):
        out = rvutool("contract", "check", write(tmp_path, name, text))
        assert out.exit_code == 0, out.stderr
        assert "is a valid contract file" in out.stdout


def test_check_says_what_the_contract_means(rvutool, tmp_path):
    out = rvutool("contract", "check", write(tmp_path, "mercy.toml", MERCY)).stdout
    assert "Contract mercy-2026, from 2026-01-01." in out
    assert "Pays on wRVU; the threshold and tiers start again each month." in out
    assert "Threshold: 300 wRVU a month: wRVU up to it earn no productivity pay." in out
    assert "from 300 wRVU: $50.00 per wRVU" in out and "from 350 wRVU: $55.00 per wRVU" in out
    assert "Base salary: $250,000.00 a year ($20,833.33 a month)" in out
    assert "Quality withhold: 5% of productivity pay is held back" in out
    assert "Draw: $20,000.00 a month, an advance against productivity pay" in out
    assert "priced on RVU25D's values" in out and "D6092 1.2 wRVU a unit" in out
    data = rvutool("contract", "check", write(tmp_path, "mercy.toml", MERCY), "--json").json()
    assert data["contract"]["tiers"] == [{"from": 300, "rate": 50.0}, {"from": 350, "rate": 55.0}]
    assert data["contract"]["credit_release"] == "RVU25D" and data["ok"] is True


def test_check_scales_by_fte_in_words(rvutool, tmp_path):
    text = MERCY.replace("fte = 1.0", "fte = 0.8")
    out = rvutool("contract", "check", write(tmp_path, "m.toml", text)).stdout
    assert "FTE 0.8: the threshold and every tier's start are multiplied by 0.8." in out
    assert "Threshold: 300 wRVU a month x 0.8 = 240.00" in out
    assert "from 350 x 0.8 = 280.00 wRVU: $55.00 per wRVU" in out


def test_check_stores_nothing(rvutool, tmp_path, home, log_backend):
    rvutool("contract", "check", write(tmp_path, "mercy.toml", MERCY))
    if log_backend == "sqlite":
        assert not home.exists()
    assert "No contracts yet" in rvutool("contract", "list").stdout


def test_add_list_show_remove(rvutool, tmp_path):
    out = rvutool("contract", "add", write(tmp_path, "mercy.toml", MERCY))
    assert out.exit_code == 0, out.stderr
    assert "Added contract mercy-2026, version effective 2026-01-01 (1 version)." in out.stdout
    assert rvutool("contract", "add", write(tmp_path, "smile.toml", SMILE)).exit_code == 0
    listing = rvutool("contract", "list").stdout
    assert "mercy-2026" in listing and "30% of production" in listing
    data = rvutool("contract", "list", "--json").json()
    assert [c["name"] for c in data] == ["mercy-2026", "smile-dental"]
    shown = rvutool("contract", "show", "mercy-2026")
    assert "Version 1 of 1: 2026-01-01 on" in shown.stdout and "Tiers (marginal" in shown.stdout
    assert rvutool("contract", "show", "mercy-2026", "--json").json()["versions"][0]["source"] == MERCY
    removed = rvutool("contract", "remove", "smile-dental")
    assert "Removed 1 version of contract smile-dental" in removed.stdout
    assert [c["name"] for c in rvutool("contract", "list", "--json").json()] == ["mercy-2026"]
    missing = rvutool("contract", "show", "smile-dental")
    assert missing.exit_code == 1 and "no contract named smile-dental" in missing.stderr


def test_a_later_effective_date_adds_a_version_and_keeps_the_old(rvutool, tmp_path):
    rvutool("contract", "add", write(tmp_path, "v1.toml", MERCY))
    later = MERCY.replace("effective = 2026-01-01", "effective = 2026-07-01").replace("rate = 55.0", "rate = 60.0")
    out = rvutool("contract", "add", write(tmp_path, "v2.toml", later))
    assert "(2 versions)" in out.stdout
    shown = rvutool("contract", "show", "mercy-2026").stdout
    assert "Version 1 of 2: 2026-01-01 to 2026-06-30" in shown and "Version 2 of 2: 2026-07-01 on" in shown
    assert rvutool("contract", "remove", "mercy-2026", "--effective", "2026-07-01").exit_code == 0
    assert "Version 1 of 1" in rvutool("contract", "show", "mercy-2026").stdout


def test_the_same_effective_date_needs_replace(rvutool, tmp_path):
    rvutool("contract", "add", write(tmp_path, "v1.toml", MERCY))
    again = rvutool("contract", "add", write(tmp_path, "v1.toml", MERCY))
    assert again.exit_code == 0 and "already has this version" in again.stdout
    changed = write(tmp_path, "v1b.toml", MERCY.replace("base = 250000", "base = 260000"))
    refused = rvutool("contract", "add", changed)
    assert refused.exit_code == 1 and "add --replace" in refused.stderr
    assert "$250,000.00" in rvutool("contract", "show", "mercy-2026").stdout  # nothing was changed
    assert rvutool("contract", "add", changed, "--replace").exit_code == 0
    assert "$260,000.00" in rvutool("contract", "show", "mercy-2026").stdout


def test_name_option_wins_over_the_file(rvutool, tmp_path):
    out = rvutool("contract", "add", write(tmp_path, "offer.toml", MERCY), "--name", "offer-2027")
    assert out.exit_code == 0 and "Added contract offer-2027" in out.stdout
    nameless = write(tmp_path, "nameless.toml", 'rate = 50\n')
    assert rvutool("contract", "add", nameless, "--name", "plain").exit_code == 0
    refused = rvutool("contract", "add", nameless)
    assert refused.exit_code == 1 and "name: missing" in refused.stderr


@pytest.mark.parametrize(("text", "says"), [
    ("name = \"x\"\nrate = 50\ntresh = 300\n", "tresh: unknown key"),
    ("name = \"x\"\nrate = 50\ntier_mode = \"top\"\n", "tier_mode: expected 'marginal' or 'all'; got 'top'"),
    ("name = \"x\"\ntiers = [ { from = 350, rate = 55 }, { from = 300, rate = 50 } ]\n",
     "tiers[2].from: tiers must start at increasing wRVUs: 300 is not above 350"),
    ("name = \"x\"\ntiers = [ { from = 300 } ]\n", "tiers[1]: a tier needs both `from` (wRVUs) and `rate`"),
    ("name = \"x\"\nrate = 50\nfte = 1.2\n", "fte: expected a full-time equivalent above 0, at most 1; it must be at "
                                            "most 1"),
    ("name = \"x\"\nrate = 50\nfte = 0\n", "fte: expected a full-time equivalent above 0, at most 1; it must be "
                                          "above 0"),
    ("name = \"x\"\nrate = 50\ntiers = [ { from = 0, rate = 50 } ]\n", "rate: give `rate` (one rate) or `tiers`"),
    ("name = \"x\"\nrate = \"$52\"\n", "rate: expected dollars per wRVU, a number such as 52.50; got '$52'"),
    ("name = \"x\"\nrate = -5\n", "rate: expected dollars per wRVU; it must be above 0"),
    ("name = \"x\"\nrate = 50\nquality_withhold = 5\n", "quality_withhold: expected a share between 0 and 1"),
    ("name = \"x\"\nrate = 50\nperiod = \"week\"\n", "period: expected 'month' or 'quarter' or 'year'"),
    ("name = \"x\"\nrate = 50\neffective = 2026-13-01\n", "not valid TOML"),
    ("name = \"x\"\nrate = 50\neffective = \"soon\"\n", "effective: expected a date such as 2026-01-01"),
    ("name = \"x\"\nthreshold = 300\n", "rate: no pay rule"),
    ("name = \"x\"\nbase = 100000\nthreshold = 300\n", "threshold: a threshold needs a rate or tiers"),
    ("name = \"x\"\npay = \"production\"\n", "production_share: missing"),
    ("name = \"x\"\npay = \"production\"\nproduction_share = 0.3\nthreshold = 10\n",
     "threshold: a production contract (pay = \"production\") pays a share of production"),
    ("name = \"x\"\nrate = 50\nfees = { D1110 = 120 }\n", "fees: only a production contract uses it"),
    ("name = \"x\"\nrate = 50\ncustom_wrvu = { D60 = 1 }\n", "custom_wrvu.D60: expected a 5-character CPT"),
    ("name = \"x\"\nrate = 50\ncustom_wrvu = { D0001 = 1 }\n", "custom_wrvu.D0001: not a code in any CMS release"),
    ("name = \"x\"\nrate = 50\ncredit_release = \"RVU19A\"\n", "credit_release: no release RVU19A"),
    ("name = \"x\"\nrate = 50\ncredit_release = \"last year\"\n", "credit_release: expected a CMS release id"),
    ("name = \"x\"\nrate = 50\n[policy]\nmultiple_procedures = \"none\"\n", "policy.multiple_procedures: unknown"),
    ("name = \"x\"\nrate = 50\n[policy]\nmultiple_procedure = \"half\"\n",
     "policy.multiple_procedure: expected 'medicare' or 'none'"),
    ("name = \"Mercy Hospital\"\nrate = 50\n", "name: use 1 to 32 lower-case letters"),
    ("name = \"x\"\nrate = 50\nbase = 1e12\n", "base: expected a dollar amount; it must be below 100,000,000"),
])
def test_a_bad_file_is_one_line_naming_the_key_and_the_problem(rvutool, tmp_path, text, says):
    path = write(tmp_path, "bad.toml", text)
    for command in ("check", "add"):
        out = rvutool("contract", command, path)
        assert out.exit_code == 1, (command, out.stdout)
        assert out.stdout == "" and len(out.stderr.splitlines()) == 1
        assert out.stderr.startswith(f"Error: {path}: ") and says in out.stderr, out.stderr
    assert "No contracts yet" in rvutool("contract", "list").stdout


def test_hostile_files_are_refused_by_name(rvutool, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * (5 << 20) + b"\n")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"name = \"\xff\xfe\"\n")
    for path, says in ((folder, "is a folder"), (fifo, "is not a regular file"), ("/dev/zero", "is not a regular file"),
                       (big, "more than the 4,194,304-byte limit"), (binary, "not UTF-8 text"),
                       (tmp_path / "absent.toml", "no such file")):
        out = rvutool("contract", "check", str(path))
        assert out.exit_code == 1 and len(out.stderr.splitlines()) == 1 and says in out.stderr, (path, out.stderr)


def test_custom_wrvu_for_a_code_cms_values_is_noted(rvutool, tmp_path):
    text = 'name = "c"\nrate = 50\ncustom_wrvu = { 99213 = 2 }\n'
    out = rvutool("contract", "check", write(tmp_path, "c.toml", text))
    assert out.exit_code == 0
    assert "custom_wrvu: 99213 has a CMS work RVU; custom credit applies only to entries logged with none" in out.stderr


def test_the_default_contract_is_a_setting(rvutool):
    assert rvutool("config", "set", "contract", "mercy-2026").exit_code == 0
    assert rvutool("config", "get", "contract").stdout.strip() == "mercy-2026"
    bad = rvutool("config", "set", "contract", "Mercy Hospital")
    assert bad.exit_code == 2 and "expected a contract's name" in bad.stderr
    missing = rvutool("summary")
    assert missing.exit_code == 1 and "no contract named mercy-2026 (config contract)" in missing.stderr


@pytest.mark.sqlite_only  # sets up a practice's shared log itself, with three people
def test_on_a_shared_log_each_provider_has_their_own_contracts(rvutool, tmp_path, shared_log, monkeypatch):
    psycopg = pytest.importorskip("psycopg")
    alice, bob = shared_log.users["alice"], shared_log.users["bob"]
    monkeypatch.setenv("RVUTOOL_LOG_URL", shared_log.url("alice"))
    assert rvutool("contract", "add", write(tmp_path, "mercy.toml", MERCY)).exit_code == 0
    assert rvutool("contract", "collections", "--month", "2026-10", "1000").exit_code == 0
    monkeypatch.setenv("RVUTOOL_LOG_URL", shared_log.url("bob"))
    assert "No contracts yet" in rvutool("contract", "list").stdout
    assert rvutool("contract", "collections", "--json").json() == []
    assert rvutool("contract", "add", write(tmp_path, "smile.toml", SMILE)).exit_code == 0
    assert [c["name"] for c in rvutool("contract", "list", "--json").json()] == ["smile-dental"]
    with shared_log.connect("bob") as conn:  # row-level security, whatever program connects
        assert conn.execute("SELECT provider, name FROM rvutool.contracts").fetchall() == [(bob, "smile-dental")]
        assert conn.execute("UPDATE rvutool.contracts SET source = '' WHERE provider = %s", (alice,)).rowcount == 0
        assert conn.execute("DELETE FROM rvutool.collections").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO rvutool.contracts (provider, name, effective, source, added_at) "
                         "VALUES (%s, 'x', '', 'rate = 1', 'now')", (alice,))
    monkeypatch.setenv("RVUTOOL_LOG_URL", shared_log.url("boss"))  # a manager reads a provider's contract
    out = rvutool("summary", "--provider", alice, "--contract", "mercy-2026", "--json")
    assert out.exit_code == 0, out.stderr
    assert out.json()["contract"]["name"] == "mercy-2026"
    assert rvutool("contract", "list", "--json").json() == []  # the manager's own: none


@pytest.mark.sqlite_only  # the SQLite file's own migration
def test_an_older_log_gains_the_contract_tables_and_keeps_its_entries(rvutool, tmp_path):
    import sqlite3

    from rvutool import paths
    from rvutool.log import schema

    rvutool("log", "99213", "--date", "2026-03-02")
    rvutool("fav", "add", "tka", "27447")
    with sqlite3.connect(paths.log_file()) as db:
        for table in ("contracts", "contract_fees", "collections"):
            db.execute(f"DROP TABLE {table}")
        db.execute(f"PRAGMA user_version = {schema.CONTRACTS_SINCE - 1}")
    assert "No contracts yet" in rvutool("contract", "list").stdout  # a reading command migrates once
    assert rvutool("contract", "add", write(tmp_path, "mercy.toml", MERCY)).exit_code == 0
    with sqlite3.connect(paths.log_file()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert len(rvutool("list", "--all", "--json").json()["entries"]) == 1
    assert [f["name"] for f in rvutool("fav", "list", "--json").json()] == ["tka"]
    assert rvutool("doctor").exit_code == 0
