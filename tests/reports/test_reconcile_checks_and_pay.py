"""Reconcile explains lines with the check's findings (issue 21) and prices the difference under the
physician's contract (issue 22), pay period by pay period. Both stores.

Work RVUs (real CMS values, RVU26C): 27447 19.11 (90-day global), 99214 1.92, 99213 1.30.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

pytestmark = pytest.mark.both_stores

TIERED = """name = "tiered"
period = "month"
threshold = 300
tiers = [ { from = 300, rate = 50.0 }, { from = 350, rate = 55.0 } ]
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def logged(rvutool, tmp_path: Path, rows: str) -> None:
    out = rvutool("import", write(tmp_path, "work.csv", "date,code\n" + rows))
    assert out.exit_code == 0, out.stderr


def test_a_line_the_employer_left_out_is_explained_by_the_check_that_finds_it(rvutool, tmp_path):
    # case 3: 27447 on 10-06 and a 99214 the day after (post-operative day 1, no -24): one patient's care.
    # A 99213 on 10-08 with no case label may be another patient's: the check warns, it explains nothing here.
    # A 99213 on 10-01, five days before the surgery: no finding.
    for args in (["27447", "--date", "2026-10-06", "--case", "case 3"], ["99214", "--date", "2026-10-07", "--case",
                 "case 3"], ["99213", "--date", "2026-10-08"], ["99213", "--date", "2026-10-01"]):
        assert rvutool("log", *args).exit_code == 0
    report = write(tmp_path, "employer.csv", "Service Date,CPT Code,Units,wRVU\n2026-10-06,27447,1,19.11\n")
    out = rvutool("reconcile", report, "--month", "2026-10", "--json")
    assert out.exit_code == 0, out.stderr
    data = out.json()
    lines = {line["date"]: line for line in data["lines"]}
    assert lines["2026-10-07"]["status"] == "missing_from_report"
    assert lines["2026-10-07"]["check"]["kind"] == "em-in-postop" and "-24" in lines["2026-10-07"]["check"]["fix"]
    assert lines["2026-10-08"]["status"] == "missing_from_report" and lines["2026-10-08"]["check"] is None
    assert lines["2026-10-01"]["status"] == "missing_from_report" and lines["2026-10-01"]["check"] is None
    assert lines["2026-10-06"]["check"] is None  # a match is never marked
    assert data["explained_by_checks"] == 1
    # 1.92 + 1.30 + 1.30 = 4.52 wRVU not credited
    assert data["difference_wrvu"] == 4.52

    screen = rvutool("reconcile", report, "--month", "2026-10")
    assert "Explained by Medicare's rules: 1 line" in screen.stdout
    assert "check: E/M in a post-operative period without -24" in " ".join(screen.stdout.split())

    lines_csv = tmp_path / "lines.csv"
    assert rvutool("reconcile", report, "--month", "2026-10", "--csv", str(lines_csv)).exit_code == 0
    rows = {row["date"]: row for row in csv.DictReader(io.StringIO(lines_csv.read_text(encoding="utf-8")))}
    assert rows["2026-10-07"]["check"].startswith("E/M in a post-operative period without -24: add -24")
    assert rows["2026-10-08"]["check"] == rows["2026-10-01"]["check"] == ""


@pytest.fixture
def october(rvutool, tmp_path):
    """Twenty total knee replacements in October 2026 (20 x 19.11 = 382.20 wRVU); the employer credits 18 of them
    (18 x 19.11 = 343.98): 2 x 19.11 = 38.22 wRVU short."""
    logged(rvutool, tmp_path, "".join(f"2026-10-{d:02d},27447\n" for d in range(1, 21)))
    rows = "".join(f"2026-10-{d:02d},27447,1,19.11\n" for d in range(1, 19))
    out = rvutool("contract", "add", write(tmp_path, "tiered.toml", TIERED))
    assert out.exit_code == 0, out.stderr
    return write(tmp_path, "employer.csv", "Service Date,CPT Code,Units,wRVU\n" + rows)


def test_the_difference_is_priced_at_the_contracts_tiers_for_that_pay_period(rvutool, october):
    data = rvutool("reconcile", october, "--month", "2026-10", "--contract", "tiered", "--json").json()
    assert data["difference_wrvu"] == 38.22
    # The contract's productivity on 382.20 wRVU: (350 - 300) x 50 + (382.20 - 350) x 55 = 2,500 + 1,771 = 4,271.00;
    # on the 343.98 credited: (343.98 - 300) x 50 = 2,199.00. The 38.22 wRVU are worth 4,271.00 - 2,199.00 = 2,072.00
    # (at a flat $50 they would be 1,911.00): part at the first tier, part at the second.
    assert data["estimated_dollars"] == 2072.00 and data["rate"] is None
    [period] = data["contract"]["periods"]
    assert (period["period"], period["employer_credited_wrvu"], period["difference_wrvu"], period["dollars"]) == \
        ("2026-10", 343.98, 38.22, 2072.00)
    screen = rvutool("reconcile", october, "--month", "2026-10", "--contract", "tiered")
    assert "Under tiered  $2,072.00 (2026-10: +38.22 wRVU on 343.98 credited = $2,072.00)" in screen.stdout


def test_the_default_contract_prices_it_and_an_explicit_rate_wins(rvutool, october):
    assert rvutool("config", "set", "contract", "tiered").exit_code == 0
    assert rvutool("reconcile", october, "--month", "2026-10", "--json").json()["estimated_dollars"] == 2072.00
    # --rate 50: the flat rate asked for, 38.22 x 50 = 1,911.00
    flat = rvutool("reconcile", october, "--month", "2026-10", "--rate", "50", "--json").json()
    assert (flat["estimated_dollars"], flat["rate"], flat["contract"]) == (1911.00, 50.0, None)


def test_below_the_threshold_a_disputed_wrvu_earns_nothing(rvutool, tmp_path, october):
    # November: 10 x 27447 = 191.10 wRVU logged, 9 credited (171.99): the 19.11 missing stay below the 300
    # threshold, worth 0.00 under the contract (a flat rate would call them 19.11 x 50 = 955.50)
    logged(rvutool, tmp_path, "".join(f"2026-11-{d:02d},27447\n" for d in range(1, 11)))
    report = write(tmp_path, "november.csv", "Service Date,CPT Code,Units,wRVU\n"
                   + "".join(f"2026-11-{d:02d},27447,1,19.11\n" for d in range(1, 10)))
    data = rvutool("reconcile", report, "--month", "2026-11", "--contract", "tiered", "--json").json()
    [period] = data["contract"]["periods"]
    assert (period["employer_credited_wrvu"], period["difference_wrvu"], period["dollars"]) == (171.99, 19.11, 0.0)
    # a report of one October day: the month's other 19 days count as credited as logged (19 x 19.11 = 363.09),
    # so the one day's 19.11, missing, is worth 382.20's productivity less 363.09's:
    # 4,271.00 - ((350 - 300) x 50 + (363.09 - 350) x 55 = 2,500 + 719.95 = 3,219.95) = 1,051.05
    day = write(tmp_path, "day.csv", "Service Date,CPT Code,Units,wRVU\n2026-10-02,27447,1,19.11\n")
    data = rvutool("reconcile", day, "--from", "2026-10-01", "--to", "2026-10-02", "--contract", "tiered",
                   "--json").json()
    [period] = data["contract"]["periods"]
    assert (period["employer_credited_wrvu"], period["difference_wrvu"], period["dollars"]) == \
        (363.09, 19.11, 1051.05)


def test_an_unknown_contract_is_one_line(rvutool, october):
    out = rvutool("reconcile", october, "--contract", "nobody")
    assert out.exit_code == 1 and out.stderr.count("\n") == 1 and "no contract named nobody" in out.stderr
