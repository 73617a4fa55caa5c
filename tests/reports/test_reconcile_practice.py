"""`rvutool reconcile` on a practice's shared log: a manager's practice-wide reconcile can never compare the
wrong people. A manager names one provider (--provider), or compares each provider with their own lines of
the report (--by provider), or reconcile refuses in one line.

The practice (tests/pg_practice.py) has clinicians alice_t (SMITH, JOHN in the hospital's export) and bob_t
(PATEL, ANIL), and the manager boss_t. Work RVUs: RVU26C, as in tests/reports/test_reconcile.py.
"""

from __future__ import annotations

import pytest

from rvutool.errors import RvuError
from rvutool.reports import providers

ALICE = [("47562", "49505", "--date", "2026-10-05"),  # 10.21 + 7.76 x 50% = 3.88
         ("99214", "--date", "2026-10-06"),  # 1.92 (the report: 99213)
         ("29881-RT", "--date", "2026-10-07"),  # 6.85 (the report credits it to PATEL, ANIL)
         ("99204", "--date", "2026-10-08"),  # 2.60
         ("20610-RT", "--date", "2026-10-09"),  # 0.77
         ("99213", "--date", "2026-10-12"),  # 1.30
         ("99215", "--date", "2026-10-14")]  # 2.80
BOB = [("99214", "--date", "2026-10-15")]  # 1.92


@pytest.fixture
def practice(shared_log, rvutool, monkeypatch):
    from conftest import REPO

    for who, work in (("alice", ALICE), ("bob", BOB)):
        monkeypatch.setenv("RVUTOOL_LOG_URL", shared_log.url(who))
        for args in work:
            out = rvutool("log", *args)
            assert out.exit_code == 0, out.stderr
    monkeypatch.setenv("RVUTOOL_LOG_URL", shared_log.url("boss"))
    return REPO / "examples" / "hospital-productivity-2026-10.csv"


def test_a_managers_practice_wide_reconcile_is_refused(practice, rvutool):
    out = rvutool("reconcile", str(practice), "--month", "2026-10", "--provider-name", "SMITH, JOHN")
    assert out.exit_code == 2 and out.stderr.count("\n") == 1
    assert "shows the entries of 2 providers (alice_t, bob_t)" in out.stderr
    assert "--provider USER" in out.stderr and "--by provider" in out.stderr


def test_a_manager_names_one_provider(practice, rvutool):
    out = rvutool("reconcile", str(practice), "--month", "2026-10", "--provider", "alice_t", "--provider-name",
                  "SMITH, JOHN", "--json")
    assert out.exit_code == 0, out.stderr
    got = out.json()
    # as for Dr Smith alone: log 30.33, his lines of the report 24.64; bob_t's 99214 is not compared
    assert (got["provider"], got["log_total_wrvu"], got["report_total_wrvu"], got["difference_wrvu"]) == (
        "alice_t", 30.33, 24.64, 5.69)


def test_a_manager_compares_each_provider_with_their_own_lines(practice, rvutool, tmp_path):
    csv_out = tmp_path / "lines.csv"
    args = ["reconcile", str(practice), "--month", "2026-10", "--by", "provider",
            "--provider-name", "alice_t=SMITH, JOHN", "--provider-name", "bob_t=Patel, Anil"]
    out = rvutool(*args, "--json", "--csv", str(csv_out))
    assert out.exit_code == 0, out.stderr
    got = out.json()
    assert got["by"] == "provider"
    alice, bob = got["providers"]
    assert (alice["provider"], alice["provider_name"], alice["difference_wrvu"]) == ("alice_t", "SMITH, JOHN", 5.69)
    assert alice["counts"]["credited_to_other"] == 1  # her 29881, credited to PATEL, ANIL
    # bob_t: log 1.92; his lines of the report 6.85 (the 29881 he did not do) + 1.92 = 8.77
    assert (bob["provider"], bob["provider_name"], bob["log_total_wrvu"], bob["report_total_wrvu"]) == (
        "bob_t", "PATEL, ANIL", 1.92, 8.77)
    assert bob["counts"]["match"] == 1 and bob["counts"]["not_in_log"] == 1
    # the practice: log 30.33 + 1.92 = 32.25, report 24.64 + 8.77 = 33.41
    assert (got["log_total_wrvu"], got["report_total_wrvu"], got["difference_wrvu"]) == (32.25, 33.41, -1.16)
    lines = csv_out.read_text().splitlines()
    assert lines[0].startswith("provider,status,") and any(ln.startswith("bob_t,match,") for ln in lines)
    text = rvutool(*args).stdout
    assert "Provider alice_t (SMITH, JOHN)" in text and "Provider bob_t (PATEL, ANIL)" in text
    assert "All providers: log 32.25 wRVU, report 33.41 wRVU, difference -1.16 wRVU" in text


def test_by_provider_refuses_names_it_cannot_pair(practice, rvutool):
    out = rvutool("reconcile", str(practice), "--month", "2026-10", "--by", "provider",
                  "--provider-name", "alice_t=SMITH, JOHN")
    assert out.exit_code == 1 and out.stderr.count("\n") == 1
    assert "PATEL, ANIL is not matched to one user of the log (alice_t, bob_t)" in out.stderr
    out = rvutool("reconcile", str(practice), "--by", "provider", "--provider-name", "carol=SMITH, JOHN")
    assert out.exit_code == 1 and "carol has no entries" in out.stderr


def test_a_clinician_reconciles_their_own_lines_without_naming_themselves(practice, rvutool, monkeypatch,
                                                                          shared_log):
    monkeypatch.setenv("RVUTOOL_LOG_URL", shared_log.url("alice"))
    out = rvutool("reconcile", str(practice), "--month", "2026-10", "--provider-name", "SMITH, JOHN", "--json")
    assert out.exit_code == 0, out.stderr
    assert out.json()["difference_wrvu"] == 5.69  # she sees only her own entries


def test_lines_with_no_provider_cannot_be_shared_out(practice, rvutool, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(practice.read_text().replace('"SMITH, JOHN",CLINIC 2', ",CLINIC 2", 1))
    out = rvutool("reconcile", str(export), "--by", "provider", "--provider-name", "alice_t=SMITH, JOHN",
                  "--provider-name", "bob_t=PATEL, ANIL")
    assert out.exit_code == 1 and "1 of its lines name no provider" in out.stderr


@pytest.mark.parametrize(("users", "paired"), [
    (["drsmith", "apatel", "office"], {"drsmith": "SMITH, JOHN", "apatel": "PATEL, ANIL"}),
    (["jsmith", "patela", "kim"], {"jsmith": "SMITH, JOHN", "patela": "PATEL, ANIL"}),
    (["john_smith", "anil_patel"], {"john_smith": "SMITH, JOHN", "anil_patel": "PATEL, ANIL"}),
])
def test_report_names_pair_with_user_names(users, paired):
    assert providers.pair_users(["SMITH, JOHN", "PATEL, ANIL"], users, {}) == paired


def test_a_name_two_users_could_be_is_not_guessed():
    with pytest.raises(RvuError) as err:
        providers.pair_users(["SMITH, JOHN"], ["jsmith", "smithj"], {})
    assert "SMITH, JOHN is not matched" in err.value.message
    assert providers.pair_users(["SMITH, JOHN"], ["jsmith", "smithj"], {"smithj": "John Smith"}) == {
        "smithj": "SMITH, JOHN"}
