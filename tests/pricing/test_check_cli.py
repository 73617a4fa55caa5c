"""Issue 21.5 and its "done when": `rvutool check CODE...`, `rvutool check [PERIOD]` over the log, the checks
`rvutool log` runs after saving, `report`'s list of findings; on the SQLite log and on a practice's shared
log (as the clinician alice).

Real values (RVU26C): 27447 total knee replacement, 090 global; 99213 an E/M visit; 20610 000; the real MUE
table of 2026 Q2 (99213: 2 units a day, adjudication indicator 3). The 29881/29877 PTP row is written by the
test in CMS's layout (the real excerpt holds no pair of codes in the bundled release): it is not CMS's.
"""

from __future__ import annotations

import pytest
from conftest import cms_file

pytestmark = pytest.mark.both_stores

MUE_Q2 = "ncci/MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"
PAIR = "29881\t29877\t\t20020101\t*\t1\tStandards of medical / surgical practice"


@pytest.fixture
def ptp(tmp_path):
    head = b"".join(line + b"\n" for line in cms_file("ncci/ccipra-v322r0-f1-excerpt.txt").read_bytes()
                    .split(b"\n")[:6])
    path = tmp_path / "ccipra-v322r0-f1.txt"
    path.write_bytes(head + PAIR.encode() + b"\r\n")
    return path


def kinds(result):
    return [f["kind"] for f in result.json()["findings"]]


# ---------------------------------------------------------------- the "done when"
def test_done_when_units_above_the_mue_are_flagged(rvutool):
    assert rvutool("data", "import", str(cms_file(MUE_Q2))).exit_code == 0
    result = rvutool("check", "99213x3", "--date", "2026-11-20")
    assert result.exit_code == 0, result.stderr
    assert "1 finding" in result.stdout and "units above the MUE for the day" in result.stdout
    assert "99213x3: 3 units of 99213 on 2026-11-20, above its MUE of 2 units a day" in " ".join(result.stdout.split())
    assert kinds(rvutool("check", "99213x2", "--date", "2026-11-20", "--json")) == []


def test_done_when_a_ptp_pair_is_flagged_and_passes_with_59(rvutool, ptp):
    assert rvutool("data", "import", str(ptp)).exit_code == 0
    flagged = rvutool("check", "29881", "29877")
    assert flagged.exit_code == 0 and "NCCI pair paid together only with a modifier (indicator 1)" in flagged.stdout
    assert "Rule: NCCI PTP edits v32.2r0 (2026 Q3)" in flagged.stdout
    passed = rvutool("check", "29881", "29877-59")
    assert "0 findings" in passed.stdout and "Nothing found" in passed.stdout


def test_done_when_an_em_visit_20_days_after_surgery_without_24_is_flagged_by_check_month(rvutool):
    assert rvutool("log", "27447", "--date", "2026-10-30", "--no-check").exit_code == 0
    assert rvutool("log", "99213", "--date", "2026-11-19", "--no-check").exit_code == 0
    result = rvutool("check", "--month")  # November 2026 (the tests' today is 2026-11-23)
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Checks for November 2026: 1 finding in 1 entry" in text
    assert "E/M in a post-operative period without -24 1" in text
    assert "is an E/M visit on post-operative day 20 of #1 27447 (2026-10-30, 90-day global)" in text
    assert "log it as 99024" in text
    out = rvutool("check", "--month", "--json").json()
    assert out["counts"] == {"em-in-postop": 1} and out["services"] == 1
    finding = out["findings"][0]
    assert finding["entries"] == [2, 1] and finding["codes"] == ["99213", "27447"]
    assert finding["rule_source"]["kind"] == "bundled" and finding["rule_source"]["release"] == "RVU26C"
    assert out["period"]["from"] == "2026-11-01"
    # with -24 it passes
    rvutool("edit", "2", "--modifiers", "24")
    assert rvutool("check", "--month", "--json").json()["findings"] == []


# ---------------------------------------------------------------- the log
def test_log_prints_the_findings_after_saving_and_never_blocks(rvutool):
    rvutool("log", "27447", "--date", "2026-10-30")
    result = rvutool("log", "99213", "--date", "2026-11-09")
    assert result.exit_code == 0 and "Saved encounter 2" in result.stdout
    assert "Warning: check: #2 99213 on 2026-11-09 is an E/M visit on post-operative day 10 of #1 27447" in \
        result.stderr
    logged = rvutool("log", "99214", "--date", "2026-11-10", "--json")
    assert [f["kind"] for f in logged.json()["findings"]] == ["em-in-postop"]
    quiet = rvutool("log", "99214", "--date", "2026-11-11", "--no-check", "--json")
    assert "findings" not in quiet.json() and "check:" not in quiet.stderr
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 19.11 + 1.30 + 1.92 * 2


def test_a_surgery_logged_late_reports_the_visits_it_reaches_in_one_line(rvutool):
    rvutool("log", "99213", "--date", "2026-11-09")
    rvutool("log", "99214", "--date", "2026-11-10")
    result = rvutool("log", "27447", "--date", "2026-10-30")
    assert ("Warning: check: 2 entries logged before fall in this encounter's global period without the modifier "
            "that says so: `rvutool check --from 2026-11-09 --to 2026-11-10` lists them") in result.stderr
    assert rvutool("log", "27447", "--date", "2026-10-29", "--json").json()["other_entries"]["count"] == 3


def test_different_case_labels_are_different_patients(rvutool):
    rvutool("log", "27447", "--date", "2026-10-30", "--case", "case 1")
    other = rvutool("log", "99213", "--date", "2026-11-09", "--case", "case 2", "--json")
    assert other.json()["findings"] == []
    same = rvutool("log", "99213", "--date", "2026-11-10", "--case", "case 1", "--json")
    assert [f["kind"] for f in same.json()["findings"]] == ["em-in-postop"]
    assert "rvutool keeps no patients" in same.json()["findings"][0]["message"]


def test_same_day_rules_look_at_one_encounter(rvutool):
    # 99213 in one encounter, 20610 in another the same day: two patients, as far as rvutool can tell
    rvutool("log", "20610", "--date", "2026-11-09")
    assert rvutool("log", "99213", "--date", "2026-11-09", "--json").json()["findings"] == []
    both = rvutool("log", "99214", "20610", "--date", "2026-11-10", "--json").json()
    assert [f["kind"] for f in both["findings"]] == ["em-with-minor-procedure"]


def test_the_interactive_log_checks_too(rvutool, capsys):
    from rvutool.cli import prompt
    from rvutool.pricing.policy import Policy
    from rvutool.pricing.rules import Options

    rvutool("log", "27447", "--date", "2026-10-30")
    answers = iter(["2026-11-09", "", "99213", "", "", "", "y"])  # date, setting, item, end, note, case, save
    status = prompt.run(date_text=None, note=None, case=None, options=Options(), allow_identifiers=False,
                             policy=Policy(), ask=lambda prompt: next(answers))
    assert status == 0
    assert "Warning: check: #2 99213 on 2026-11-09 is an E/M visit on post-operative day 10" in capsys.readouterr().err


# ---------------------------------------------------------------- usage
@pytest.mark.parametrize("args, says", [
    (["check", "99213", "--month", "2026-11"], "give items to check"),
    (["check", "--date", "2026-11-01"], "--date is the date of service of items to check"),
    (["check", "99213-26"], "-26"),
])
def test_usage_errors_are_one_line(rvutool, args, says):
    result = rvutool(*args)
    assert result.exit_code == 2 and says in result.stderr and len(result.stderr.splitlines()) == 1


def test_an_unknown_code_is_an_error(rvutool):
    result = rvutool("check", "99999")
    assert result.exit_code == 1 and result.stderr.startswith("Error: unknown code 99999")


def test_check_without_ncci_files_says_what_was_not_checked(rvutool):
    result = rvutool("check", "99213", "20610")
    assert "NCCI pairs and MUEs not checked: no NCCI files imported" in " ".join(result.stdout.split())
    assert rvutool("check", "99213", "--json").json()["ncci"] is None


def test_a_damaged_ncci_database_never_stops_log(rvutool, home):
    home.mkdir(parents=True, exist_ok=True)
    (home / "ncci.sqlite3").write_bytes(b"not a database at all" * 100)
    logged = rvutool("log", "99213", "--date", "2026-11-09")
    assert logged.exit_code == 0 and "Saved encounter 1" in logged.stdout
    assert "the encounter is saved, but was not checked: the imported NCCI edits" in logged.stderr
    checked = rvutool("check", "99213")
    assert checked.exit_code == 1 and len(checked.stderr.splitlines()) == 1
    status = rvutool("data", "status", "--json")  # the releases are still listed; the damage is named
    assert status.exit_code == 0 and "are damaged" in status.json()["ncci"]["error"]


def test_an_empty_log_has_nothing_to_check(rvutool):
    out = rvutool("check", "--month", "--json").json()
    assert out["findings"] == [] and out["services"] == 0


def test_a_surgery_logged_after_the_visit_the_day_before_finds_it(rvutool):
    # the visit where surgery was decided, logged first, without -57: the surgery logged next finds it
    rvutool("log", "99214", "--date", "2026-10-29", "--no-check")
    others = rvutool("log", "27447", "--date", "2026-10-30", "--json").json()["other_entries"]
    assert (others["count"], others["counts"], others["from"]) == (1, {"em-with-major-surgery": 1}, "2026-10-29")


# ---------------------------------------------------------------- report
def test_report_lists_the_periods_findings(rvutool, tmp_path):
    rvutool("log", "27447", "--date", "2026-10-30")
    rvutool("log", "99213", "--date", "2026-11-19")
    out = tmp_path / "november.html"
    assert rvutool("report", "--month", "2026-11", "-o", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert '<section id="findings">' in page and "E/M in a post-operative period without -24" in page
    assert "post-operative day 20 of #1 27447" in page


def test_a_report_of_more_services_than_it_checks_says_so_and_checks_nothing(rvutool, tmp_path, monkeypatch):
    from rvutool.pricing import checks

    rvutool("log", "27447", "--date", "2026-10-30")
    rvutool("log", "99213", "--date", "2026-11-19")
    monkeypatch.setattr(checks, "MOST_FOR_A_REPORT", 1)  # 2 services, more than 1: a year of 100k, in small
    monkeypatch.setattr(checks, "findings_for_period", lambda *a, **k: pytest.fail("checked anyway"))
    out = tmp_path / "year.html"
    assert rvutool("report", "--year", "2026", "-o", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "Not checked: the period holds 2 services, more than the 1 this report checks" in page
    assert "post-operative" not in page


@pytest.mark.shared_log_only
def test_on_a_shared_log_the_checks_look_at_one_physician(rvutool, request, monkeypatch):
    practice = request.getfixturevalue("shared_log")
    rvutool("log", "27447", "--date", "2026-10-30", "--no-check")  # alice's surgery
    monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url("bob"))
    # bob's visit 20 days later is not in alice's global period: another physician
    assert rvutool("log", "99213", "--date", "2026-11-19", "--json").json()["findings"] == []
    monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url("alice"))
    rvutool("log", "99213", "--date", "2026-11-19", "--no-check")
    monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url("boss"))  # the manager: his own log, or --provider's
    assert rvutool("check", "--month", "--json").json()["findings"] == []
    alice = rvutool("check", "--month", "--provider", practice.users["alice"], "--json").json()
    assert alice["counts"] == {"em-in-postop": 1} and alice["services"] == 1
    bob = rvutool("check", "--month", "--provider", practice.users["bob"], "--json").json()
    assert bob["findings"] == [] and bob["services"] == 1
