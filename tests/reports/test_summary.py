"""`rvutool summary`: totals from the real CMS values, the arithmetic shown, and SQL aggregation.

Work RVUs used below (RVU26C, in force for November 2026 dates of service):
    99213 1.30 · 99214 1.92 · 47562 10.21 · 20610 0.77 · D1553 / D6092 none (dental)
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvutool import paths

# the same tests on a practice's shared log (PostgreSQL), as a clinician: tests/conftest.py
pytestmark = pytest.mark.both_stores

TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("RVUTOOL_TODAY", TODAY.isoformat())


@pytest.fixture
def logged(rvutool):
    """Five entries in November 2026: 99213-57 + 47562 (one encounter: the visit was the decision for
    surgery, so it stays outside 47562's 090 global package), D1553, D6092 twice."""
    for args in (["99213-57", "47562"], ["D1553"], ["D6092"], ["D6092"]):
        out = rvutool("log", *args, "--date", "2026-11-02")
        assert out.exit_code == 0, out.stderr
    return rvutool


def test_absent_log_shows_zeros_and_creates_nothing(rvutool, home):
    out = rvutool("summary")
    assert out.exit_code == 0, out.stderr
    assert "Total: 0.00 wRVU credited from 0 entries" in out.stdout
    data = rvutool("summary", "--json").json()
    assert (data["entries"], data["total_wrvu"], data["groups"], data["flagged"]) == (0, 0, [], [])
    assert data["estimated_compensation"] is None
    assert not home.exists()


def test_totals_per_code_and_flagged(logged):
    data = logged("summary", "--json").json()
    assert (data["from"], data["to"]) == ("2026-11-01", "2026-11-30")
    assert data["entries"] == 5 and data["units"] == 5
    assert data["total_wrvu"] == 11.51  # 99213 (1.30) + 47562 (10.21) = 11.51; dental codes add 0
    assert data["base_wrvu"] == 11.51
    assert data["no_wrvu_entries"] == 3
    assert [(f["code"], f["count"]) for f in data["flagged"]] == [("D6092", 2), ("D1553", 1)]
    assert all("dental" in f["reason"] for f in data["flagged"])
    codes = {c["code"]: (c["entries"], c["wrvu"]) for c in data["codes"]}
    assert codes == {"47562": (1, 10.21), "99213": (1, 1.30), "D6092": (2, 0.0), "D1553": (1, 0.0)}
    assert data["groups"] == [{"key": "2026-11-02", "entries": 5, "units": 5, "base_wrvu": 11.51, "wrvu": 11.51}]
    assert data["policy"]["multiple_procedure"] == "medicare"


def test_text_view_shows_the_arithmetic(logged):
    out = logged("summary")
    assert out.exit_code == 0
    assert "Summary: November 2026 (2026-11-01 to 2026-11-30)" in out.stdout
    assert "Total: 11.51 wRVU credited from 5 entries (5 units)" in out.stdout
    assert "3 entries with no CMS work RVU: D6092 x2, D1553" in out.stdout
    assert "Policy: Medicare defaults" in out.stdout
    assert "Compensation" not in out.stdout  # no rate configured or given


def test_rate_option_and_config(logged):
    out = logged("summary", "--rate", "55")
    # 11.51 x 55 = 633.05
    assert "Compensation estimate: 11.51 wRVU x $55.00 = $633.05 (--rate)" in out.stdout
    assert logged("config", "set", "rate", "1.50").exit_code == 0
    data = logged("summary", "--json").json()
    # 11.51 x 1.50 = 17.265 -> 17.27 (half up; banker's rounding would give 17.26)
    assert data["estimated_compensation"] == 17.27 and data["rate_source"] == "config"
    assert logged("summary", "--rate", "55", "--json").json()["estimated_compensation"] == 633.05


def test_target_pace_and_needed(logged):
    logged("config", "set", "target.month", "600")
    out = logged("summary")
    # 11.51 / 600 = 1.918% -> 1.9%
    assert "Target (target.month): 11.51 of 600.00 wRVU = 1.9%" in out.stdout
    # 23 of November's 30 days have started (today included): 11.51 x 30 / 23 = 15.0130 -> 15.01
    assert "Pace: 11.51 wRVU in 23 of 30 days -> 15.01 projected (11.51 x 30 / 23)" in out.stdout
    # workdays left: Mon 23 - Fri 27 (5) and Mon 30 (1) = 6; (600 - 11.51) / 6 = 98.0816 -> 98.08
    assert "Needed: (600.00 - 11.51) / 6 remaining workdays = 98.08 wRVU per workday" in out.stdout
    progress = logged("summary", "--json").json()["progress"]
    assert progress["projected_total"] == 15.01 and progress["needed_per_workday"] == 98.08
    assert progress["remaining_workdays"] == 6 and progress["days_elapsed"] == 23


def test_target_option_and_reached(logged):
    out = logged("summary", "--target", "10")
    assert "Target (--target): 11.51 of 10.00 wRVU = 115.1%" in out.stdout  # 11.51 / 10 = 115.1%
    assert "Target reached: 11.51 of 10.00 wRVU (+1.51)" in out.stdout
    assert logged("summary", "--all", "--target", "10").exit_code == 2  # no end: no pace


def test_past_period_is_over(logged):
    logged("log", "99214", "--date", "2026-10-15")
    out = logged("summary", "--month", "2026-10", "--target", "100")
    assert "Period over: 98.08 wRVU short of the target" in out.stdout  # 100 - 1.92 = 98.08
    assert "Pace:" not in out.stdout


def test_year_target_and_fiscal_year(logged):
    logged("log", "20610", "--date", "2026-05-04")
    logged("config", "set", "target.year", "7200")
    data = logged("summary", "--year", "--json").json()
    assert (data["from"], data["to"], data["total_wrvu"]) == ("2026-01-01", "2026-12-31", 12.28)  # 11.51 + 0.77
    assert data["progress"]["target"] == 7200 and data["progress"]["target_source"] == "target.year"
    logged("config", "set", "fiscal_year_start", "july")
    fy27 = logged("summary", "--year", "--json").json()  # bare --year: the fiscal year holding today
    assert (fy27["from"], fy27["to"], fy27["total_wrvu"]) == ("2026-07-01", "2027-06-30", 11.51)
    fy26 = logged("summary", "--year", "2026", "--json").json()  # FY2026: Jul 2025 - Jun 2026
    assert (fy26["from"], fy26["to"], fy26["total_wrvu"]) == ("2025-07-01", "2026-06-30", 0.77)
    assert fy26["period"].startswith("FY2026")


@pytest.mark.parametrize(("by", "keys"), [
    ("day", ["2026-10-30", "2026-11-02"]),
    ("week", ["2026-W44", "2026-W45"]),  # Fri Oct 30 and Mon Nov 2 2026 are in consecutive ISO weeks
    ("month", ["2026-10", "2026-11"]),
    ("code", ["47562", "99214", "99213", "D6092", "D1553"]),  # by wRVU, then entries
    ("category", ["surgery-digestive", "em", "dental-implant", "dental-preventive"]),
])
def test_group_by(logged, by, keys):
    logged("log", "99214", "--date", "2026-10-30")
    data = logged("summary", "--from", "2026-10-01", "--to", "2026-11-30", "--by", by, "--json").json()
    assert data["by"] == by
    assert [g["key"] for g in data["groups"]] == keys
    assert sum(g["entries"] for g in data["groups"]) == data["entries"] == 6
    assert round(sum(g["wrvu"] for g in data["groups"]), 2) == data["total_wrvu"] == 13.43  # 11.51 + 1.92


def test_chart_and_groups_table(logged):
    logged("log", "99214", "--date", "2026-11-03")
    out = logged("summary", "--by", "day", "--chart")
    assert "By day" in out.stdout and "wRVU by day" in out.stdout
    bars = [line for line in out.stdout.splitlines() if line.startswith("2026-11-0") and "█" in line]
    assert len(bars) == 2
    # 11.51 is the biggest day: a full 40-block bar; 1.92 / 11.51 x 40 = 6.67 blocks -> 6 full + a 5/8 block
    assert bars[0].count("█") == 40 and bars[0].rstrip().endswith("11.51")
    assert bars[1].count("█") == 6 and "▋" in bars[1]


def test_csv_is_tidy(logged):
    out = logged("summary", "--by", "code", "--csv")
    lines = out.stdout.splitlines()
    assert lines[0] == "from,to,by,key,entries,units,base_wrvu,wrvu"
    assert lines[1] == "2026-11-01,2026-11-30,code,47562,1,1,10.21,10.21"
    assert len(lines) == 5


def test_removed_entries_do_not_count(logged):
    ids = [e["id"] for e in logged("list", "--json").json()["entries"] if e["code"] == "47562"]
    assert logged("remove", *map(str, ids)).exit_code == 0
    assert logged("summary", "--json").json()["total_wrvu"] == 1.30  # 11.51 - 10.21


def test_mixed_policies_are_reported(logged):
    logged("config", "set", "policy.bilateral", "none")
    logged("log", "99213", "--date", "2026-11-04")
    out = logged("summary")
    assert "credited under 2 different payment policies" in out.stdout
    assert "5 entries (2026-11-02 to 2026-11-02): Medicare defaults" in out.stdout
    assert "1 entry (2026-11-04 to 2026-11-04): Medicare defaults except bilateral none" in out.stdout
    data = logged("summary", "--json").json()
    assert data["policy"] is None and [p["entries"] for p in data["policies"]] == [5, 1]


def test_fast_path_and_typer_agree(logged, capsys):
    from rvutool.cli import app

    for args in (["summary", "--by", "week", "--json"], ["summary", "--year", "--csv"], ["summary", "--week"]):
        fast = logged(*args)
        capsys.readouterr()
        assert app.run(list(args)) == 0
        assert capsys.readouterr().out == fast.stdout


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--json", "--csv"], 2, "not both"),
    (["--by", "hour"], 2, "--by 'hour'"),
    (["--rate", "-5"], 2, "--rate '-5' is not valid"),
    (["--rate", "abc"], 2, "--rate 'abc' is not valid"),
    (["--target", "0"], 2, "--target '0' is not valid"),
    (["--month", "2026-13"], 2, "not a month"),
    (["--week", "--all"], 2, "give one period"),
    (["--from", "2026-12-01", "--to", "2026-11-01"], 2, "after --to"),
])
def test_bad_options(logged, args, code, words):
    out = logged("summary", *args)
    assert out.exit_code == code
    assert out.stderr.startswith("Error: ") and out.stderr.count("\n") == 1 and words in out.stderr


@pytest.mark.sqlite_only
def test_damaged_log_is_reported_not_touched(rvutool, home):
    home.mkdir()
    log = paths.log_file()
    log.write_bytes(b"this is not a database" * 100)
    before = log.read_bytes()
    out = rvutool("summary")
    assert out.exit_code == 1 and out.stderr.startswith("Error: ") and str(log) in out.stderr
    assert log.read_bytes() == before


# ---------------------------------------------------------------- SQL totals equal the entries' sum
def _insert(rows: list[tuple[str, str, int, int, int, int]]) -> None:
    """Rows (date, code, units, base_c, credited_c, voided) straight into a log made by logbook."""
    from rvutool.log import location

    location.open_for_writing().close()
    conn = sqlite3.connect(paths.log_file())
    with conn:
        conn.execute("DELETE FROM entries")
        conn.executemany(
            "INSERT INTO entries (encounter_id, service_date, code, units, release, category, work_rvu_c, "
            "base_wrvu_c, credited_wrvu_c, no_wrvu_reason, policy, voided, source, created_at, updated_at) "
            "VALUES (1, ?, ?, ?, 'RVU26C', 'em', 0, ?, ?, NULL, '{}', ?, 'cli', 'x', 'x')", rows)
    conn.close()


entry_rows = st.lists(st.tuples(
    st.dates(min_value=date(2026, 10, 1), max_value=date(2026, 12, 31)).map(date.isoformat),
    st.sampled_from(["99213", "99214", "47562"]), st.integers(1, 4), st.integers(0, 5000),
    st.integers(0, 5000), st.sampled_from([0, 0, 0, 1])), max_size=25)


@pytest.mark.sqlite_only  # SQLite's day_totals table against its entries
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=entry_rows, by=st.sampled_from(["day", "week", "month", "code", "category"]))
def test_sql_totals_match_the_entries(rvutool, rows, by):
    _insert(rows)
    data = rvutool("summary", "--month", "2026-11", "--by", by, "--json").json()
    live = [r for r in rows if r[5] == 0 and r[0].startswith("2026-11")]
    assert data["entries"] == len(live)
    assert data["units"] == sum(r[2] for r in live)
    assert round(data["base_wrvu"] * 100) == sum(r[3] for r in live)
    assert round(data["total_wrvu"] * 100) == sum(r[4] for r in live)
    assert sum(g["entries"] for g in data["groups"]) == len(live)
    assert sum(round(g["wrvu"] * 100) for g in data["groups"]) == sum(r[4] for r in live)


@pytest.mark.sqlite_only  # rows written straight into the SQLite file
def test_base_and_credited_both_shown(rvutool):
    # a -50 line credited at 150% by a plan's rule: 7.76 as entered, 11.64 credited (7.76 x 1.5)
    _insert([("2026-11-02", "49505", 1, 776, 1164, 0)])
    out = rvutool("summary")
    assert "As entered: 7.76 wRVU (CMS work RVU x units); the payment rules changed it by +3.88 -> 11.64" \
        in out.stdout
    data = rvutool("summary", "--json").json()
    assert (data["base_wrvu"], data["total_wrvu"], data["policy_difference"]) == (7.76, 11.64, 3.88)


def test_json_has_the_documented_fields(logged):
    data = logged("summary", "--json").json()
    for key in ("from", "to", "entries", "units", "total_wrvu", "no_wrvu_entries", "groups", "flagged",
                "estimated_compensation"):
        assert key in data
    assert set(data["groups"][0]) >= {"key", "entries", "wrvu"}
    assert set(data["flagged"][0]) >= {"code", "count", "reason"}
    json.dumps(data)


# ---------------------------------------------------------------- start-up and the big-log generator
@pytest.mark.clock
def test_summary_json_imports_neither_typer_nor_rich(logged):
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "rvutool", "summary", "--json"],
                          capture_output=True, text=True, env=dict(os.environ), check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert json.loads(done.stdout)["entries"] == 5
    assert not {"rich", "typer", "rvutool.pricing.rules", "rvutool.catalog.codes"} & imported


def test_bare_period_options_for_list_and_export(logged):
    assert logged("list", "--year", "--json").json()["period"]["kind"] == "year"
    assert logged("list", "--month", "--json").json()["period"]["from"] == "2026-11-01"


@pytest.mark.sqlite_only
def test_big_log_generator_makes_a_real_log(tmp_path, rvutool, home):
    import runpy
    from pathlib import Path

    from rvutool.log.schema import SCHEMA_VERSION

    make = runpy.run_path(str(Path(__file__).parents[2] / "scripts" / "make_big_log.py"))["make"]
    home.mkdir()
    make(300, paths.log_file())
    conn = sqlite3.connect(paths.log_file())
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    count, credited = conn.execute(
        "SELECT COUNT(*), SUM(credited_wrvu_c) FROM entries WHERE voided = 0").fetchone()
    # every generated line carries the real CMS work RVU: 99213 rows hold 130 hundredths (1.30)
    assert {r[0] for r in conn.execute("SELECT DISTINCT work_rvu_c FROM entries WHERE code = '99213'")} == {130}
    conn.close()
    data = rvutool("summary", "--year", "2026", "--json").json()
    assert data["entries"] == count and round(data["total_wrvu"] * 100) == credited


# ---------------------------------------------------------------- estimated Medicare allowed (locality payment)
def test_summary_estimates_medicare_allowed_in_a_locality(rvutool):
    for day in ("2026-11-02", "2026-11-03"):
        assert rvutool("log", "99213", "--date", day).exit_code == 0
    assert rvutool("log", "71046-TC", "--date", "2026-11-04").exit_code == 0
    data = rvutool("summary", "--month", "2026-11", "--locality", "01182-18", "--json").json()
    estimate = data["estimated_medicare_allowed"]
    # 99213 in Los Angeles (01182-18; GPCIs work 1.041, PE 1.183, MP 0.664), facility (the log's default):
    # (1.30 x 1.041 + 0.33 x 1.183 + 0.09 x 0.664) x 33.4009 = (1.3533 + 0.39039 + 0.05976) x 33.4009
    # = 1.80345 x 33.4009 = 60.2368... -> $60.24 per entry (rounded per line, as calc does), x 2 = $120.48
    assert estimate["amount"] == 120.48
    # 71046-TC: CMS flags its facility setting NA, so it has no Medicare amount
    assert (estimate["priced_entries"], estimate["unpriced_entries"]) == (2, 1)
    assert "01182-18" in estimate["locality"]


def test_the_configured_locality_is_used_and_no_locality_means_no_estimate(rvutool):
    assert rvutool("log", "99213", "--date", "2026-11-02").exit_code == 0
    assert rvutool("summary", "--month", "2026-11", "--json").json()["estimated_medicare_allowed"] is None
    assert rvutool("config", "set", "locality", "90012").exit_code == 0  # a ZIP in Los Angeles
    shown = rvutool("summary", "--month", "2026-11")
    assert "Estimated Medicare allowed: $60.24" in shown.stdout


# ---------------------------------------------------------------- day_totals stay equal to the entries
def _day_totals_and_entries() -> tuple[list[tuple], list[tuple]]:
    conn = sqlite3.connect(paths.log_file())
    try:
        # kept by date, code, no-wRVU reason, category, release and policy (schema version 4)
        kept = conn.execute("SELECT service_date, code, no_wrvu_reason, category, release, policy, entries, units, "
                            "base_wrvu_c, credited_wrvu_c FROM day_totals ORDER BY 1, 2, 3, 4, 5, 6").fetchall()
        summed = conn.execute(
            "SELECT service_date, code, COALESCE(no_wrvu_reason, ''), category, release, policy, COUNT(*), "
            "SUM(units), SUM(base_wrvu_c), SUM(credited_wrvu_c) FROM entries WHERE voided = 0 "
            "GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6").fetchall()
    finally:
        conn.close()
    return kept, summed


def _recategorised(export: str, category: str) -> str:
    """An export whose rows carry another category (the import keeps a file's category)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(export)))
    at = rows[0].index("category")
    for row in rows[1:]:
        row[at] = category
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


day_dates = st.sampled_from(["2026-11-02", "2026-11-03", "2026-10-30"])
log_steps = st.lists(st.one_of(
    st.tuples(st.just("log"), st.lists(st.sampled_from(["99213", "99214", "47562", "20610-50", "D1553"]),
                                       min_size=1, max_size=3), day_dates),
    st.tuples(st.just("units"), st.integers(1, 12), st.integers(1, 3)),
    st.tuples(st.just("date"), st.integers(1, 12), day_dates),
    st.tuples(st.just("code"), st.integers(1, 12), st.sampled_from(["99215", "47562", "D6092"])),
    st.tuples(st.just("remove"), st.integers(1, 12)),
    st.tuples(st.just("remove-encounter"), st.integers(1, 6)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("import"), st.sampled_from(["copy", "duplicates", "restore", "recategorised"])),
    st.tuples(st.just("recalc")),
), min_size=1, max_size=12)


@pytest.mark.sqlite_only  # SQLite's day_totals triggers
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=log_steps)
def test_day_totals_follow_every_change(rvutool, home, tmp_path_factory, steps):
    """The triggers keep day_totals equal to a GROUP BY over the live entries after any series of
    log, edit, remove, undo, import and recalc commands (commands that fail change nothing)."""
    for suffix in ("", "-wal", "-shm"):
        (home / f"log.sqlite3{suffix}").unlink(missing_ok=True)
    folder = tmp_path_factory.mktemp("exports")
    rvutool("log", "99213", "47562", "--date", "2026-11-02")
    for step in steps:
        kind = step[0]
        if kind == "log":
            out = rvutool("log", *step[1], "--date", step[2])
        elif kind == "units":
            out = rvutool("edit", str(step[1]), "--units", str(step[2]))
        elif kind == "date":
            out = rvutool("edit", str(step[1]), "--date", step[2])
        elif kind == "code":
            out = rvutool("edit", str(step[1]), "--code", step[2])
        elif kind == "remove":
            out = rvutool("remove", str(step[1]))
        elif kind == "remove-encounter":
            out = rvutool("remove", "--encounter", str(step[1]))
        elif kind == "undo":
            out = rvutool("undo")
        elif kind == "recalc":
            out = rvutool("recalc", "--year", "2026", "--yes")
        else:
            target = folder / f"export-{len(list(folder.iterdir()))}.csv"
            assert rvutool("export", "-o", str(target)).exit_code == 0
            if step[1] == "recategorised":
                target.write_text(_recategorised(target.read_text(encoding="utf-8"), "aaa"), encoding="utf-8")
            flags = {"duplicates": ["--allow-duplicates"], "recategorised": ["--allow-duplicates"],
                     "restore": ["--restore"]}.get(step[1], [])
            out = rvutool("import", str(target), *flags)
        assert out.exit_code in (0, 1, 2), (step, out.stderr)  # done, or refused (a user or usage error)
        kept, summed = _day_totals_and_entries()
        assert kept == summed, step
    data = rvutool("summary", "--month", "2026-11", "--by", "code", "--json").json()
    assert data["entries"] == sum(r[6] for r in summed if r[0].startswith("2026-11"))


def test_the_medicare_estimate_uses_the_work_gpci_in_force_on_each_date(rvutool, monkeypatch):
    monkeypatch.setenv("RVUTOOL_TODAY", "2027-01-05")
    # Alabama (10112-00), 99213 non-facility: the same line as `calc` prices it on each date.
    # Every 2026 date has the work GPCI floored at 1.000 ($87.79); a 2027 date, priced on CY2026 values
    # standing in, has no floor: 0.988 ($87.27): 1.30 x (1.000 - 0.988) x 33.4009 = 0.52 less.
    # Together: 87.79 + 87.27 = 175.06.
    for day in ("2026-12-31", "2027-01-04"):
        assert rvutool("log", "99213", "--setting", "nonfacility", "--date", day).exit_code == 0
        priced = rvutool("calc", "99213", "--setting", "nonfacility", "--date", day, "--locality", "alabama",
                         "--json").json()["locality"]["payment"]
        assert priced == {"2026-12-31": 87.79, "2027-01-04": 87.27}[day]
    data = rvutool("summary", "--from", "2026-12-01", "--to", "2027-01-31", "--locality", "alabama", "--json").json()
    assert data["estimated_medicare_allowed"]["amount"] == 175.06
    rvutool("config", "set", "policy.work_gpci_floor", "always")
    data = rvutool("summary", "--from", "2026-12-01", "--to", "2027-01-31", "--locality", "alabama", "--json").json()
    assert data["estimated_medicare_allowed"]["amount"] == 175.58  # 87.79 x 2
