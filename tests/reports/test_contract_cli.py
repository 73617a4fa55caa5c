"""A contract's pay on logged work (issue 22): `summary --contract` (and config contract) with every step in
`--json`, the report's compensation section, `contract compare`, `plan`, production pay with fees, lab fees,
collections and a daily guarantee, and D-codes logged under a production contract. Both stores.

Work RVUs (real CMS values): 27447 is 19.11 in RVU26C (CY2026) and 19.60 in RVU25D (CY2025); 47562 10.21,
49505 7.76 (RVU26C); D-codes have no CMS work RVU.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.both_stores

TIERED = """name = "tiered"
period = "month"
threshold = 300
tiers = [ { from = 300, rate = 50.0 }, { from = 350, rate = 55.0 } ]
"""
MERCY = """name = "mercy-2026"
effective = 2026-01-01
period = "month"
fte = 1.0
base = 250000
threshold = 300
tier_mode = "marginal"
tiers = [ { from = 300, rate = 50.0 }, { from = 350, rate = 55.0 } ]
quality_withhold = 0.05
draw = 20000
credit_release = "RVU25D"
custom_wrvu = { D6092 = 1.2 }
"""
SMILE = """name = "smile-dental"
effective = 2026-01-01
pay = "production"
production_share = 0.30
daily_guarantee = 400
fees = { D1110 = 120, D2740 = 1200 }
lab_fees = { D2740 = 250 }
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def add(rvutool, tmp_path: Path, text: str, name: str = "c.toml") -> None:
    out = rvutool("contract", "add", write(tmp_path, name, text))
    assert out.exit_code == 0, out.stderr


@pytest.fixture
def october(rvutool, tmp_path):
    """Twenty total knee replacements in October 2026, one a day (separate encounters): 20 x 19.11 = 382.20."""
    rows = "".join(f"2026-10-{d:02d},27447\n" for d in range(1, 21))
    out = rvutool("import", write(tmp_path, "october.csv", "date,code\n" + rows))
    assert out.exit_code == 0, out.stderr
    return rvutool


def test_threshold_and_marginal_tiers_on_logged_work(october, tmp_path):
    add(october, tmp_path, TIERED)
    out = october("summary", "--month", "2026-10", "--contract", "tiered")
    assert out.exit_code == 0, out.stderr
    assert "Credited under tiered: 382.20 wRVU (2026-10-01 to 2026-10-31; as logged 382.20)" in out.stdout
    # (350 - 300) x 50 + (382.20 - 350) x 55 = 2,500 + 1,771 = 4,271
    assert re.search(r"2026-10\s+382\.20\s+0\.00\s+4,271\.00\s+0\.00\s+4,271\.00", out.stdout)
    assert "50.00 x $50.00 (from 300.00) = $2,500.00; 32.20 x $55.00" in out.stdout


def test_every_step_is_in_the_json(october, tmp_path):
    add(october, tmp_path, MERCY)
    data = october("summary", "--month", "2026-10", "--contract", "mercy-2026", "--json").json()
    contract = data["contract"]
    assert contract["name"] == "mercy-2026" and contract["versions"] == ["2026-01-01"]
    # credited on RVU25D's values: 20 x 19.60 = 392.00, 9.80 more than logged (20 x 19.11 = 382.20)
    assert contract["credit"]["logged_wrvu"] == 382.20 and contract["credit"]["credited_wrvu"] == 392.00
    assert contract["credit"]["repriced"] == [{"on": "RVU25D", "entries": 20, "kept_logged_credit": 0,
                                               "change_wrvu": 9.80}]
    [period] = contract["periods"]
    assert (period["period"], period["state"], period["wrvu"], period["threshold"]) == ("2026-10", "over", 392.0, 300.0)
    # tiers: (350 - 300) x 50 = 2,500; (392 - 350) x 55 = 2,310; productivity 4,810; withhold 5% = 240.50
    assert [(t["wrvu"], t["amount"]) for t in period["tiers"]] == [(50.0, 2500.0), (42.0, 2310.0)]
    assert (period["base"], period["productivity"], period["withhold"]) == (20833.33, 4810.0, 240.5)
    assert period["earned"] == 25402.83  # 20,833.33 + 4,810 - 240.50
    [true_up] = contract["true_ups"]
    # 11 draws of 20,000 (January to November 2026) against 4,810 - 240.50 = 4,569.50 earned so far
    assert (true_up["draws"], true_up["productivity_earned"], true_up["true_up"]) == (220000.0, 4569.5, -215430.5)
    assert true_up["final"] is False and true_up["owed_to"] == "employer"
    assert data["benchmark"] is None


def test_custom_wrvu_credits_dental_codes_and_the_flag_stays(rvutool, tmp_path):
    add(rvutool, tmp_path, MERCY)
    assert rvutool("log", "D6092x2", "--date", "2026-11-02").exit_code == 0
    data = rvutool("summary", "--contract", "mercy-2026", "--json").json()
    assert data["total_wrvu"] == 0 and data["no_wrvu_entries"] == 1  # the wRVU total and its flag are as logged
    credit = data["contract"]["credit"]
    # 2 units x 1.2 = 2.40 wRVU under the contract
    assert credit["custom_wrvu"] == [{"code": "D6092", "wrvu_per_unit": 1.2, "entries": 1, "units": 2, "wrvu": 2.4}]
    assert credit["credited_wrvu"] == 2.40
    assert "custom credit D6092: 2 units x 1.2 = 2.40 wRVU" in rvutool("summary", "--contract", "mercy-2026").stdout


def test_the_contracts_payment_policy_credits_modifiers_its_way(rvutool, tmp_path):
    add(rvutool, tmp_path, 'name = "full"\nperiod = "month"\nrate = 10\n[policy]\nmultiple_procedure = "none"\n')
    assert rvutool("log", "47562", "49505", "--date", "2026-11-02").exit_code == 0
    data = rvutool("summary", "--contract", "full", "--json").json()
    # logged under Medicare's rule: 10.21 + 7.76 x 50% = 14.09; the contract credits both in full: 17.97
    assert data["total_wrvu"] == 14.09 and data["contract"]["credit"]["credited_wrvu"] == 17.97
    assert data["contract"]["periods"][0]["productivity"] == 179.70  # 17.97 x $10


def test_a_version_changing_mid_year_on_logged_work(rvutool, tmp_path):
    first = 'name = "y"\neffective = 2026-01-01\nperiod = "year"\nthreshold = 10\nrate = 100\n'
    second = 'name = "y"\neffective = 2026-07-01\nperiod = "year"\nthreshold = 10\nrate = 200\n'
    add(rvutool, tmp_path, first, "y1.toml")
    add(rvutool, tmp_path, second, "y2.toml")
    for day in ("2026-03-02", "2026-09-01"):
        assert rvutool("log", "27447", "--date", day).exit_code == 0
    data = rvutool("summary", "--year", "--contract", "y", "--json").json()
    before, after = data["contract"]["periods"]
    assert (before["from"], before["to"], before["split"]) == ("2026-01-01", "2026-06-30", True)
    # 181 of 365 days: threshold 10 x 181/365 = 4.96; (19.11 - 4.96) x 100 = 1,415
    assert (before["threshold"], before["productivity"]) == (4.96, 1415.0)
    # 184 days: threshold 10 x 184/365 = 5.04; (19.11 - 5.04) x 200 = 2,814
    assert (after["threshold"], after["productivity"]) == (5.04, 2814.0)
    assert data["contract"]["totals"]["earned"] == 4229.0


def test_the_default_contract_comes_from_config(october, tmp_path):
    add(october, tmp_path, TIERED)
    assert october("config", "set", "contract", "tiered").exit_code == 0
    assert october("summary", "--month", "2026-10", "--json").json()["contract"]["totals"]["earned"] == 4271.0
    assert "Pay under tiered, month by month (version effective from the start):" in october(
        "summary", "--month", "2026-10").stdout


def test_report_has_the_compensation_section_with_the_same_figures(october, tmp_path):
    add(october, tmp_path, MERCY)
    target = tmp_path / "october.html"
    out = october("report", "--month", "2026-10", "--contract", "mercy-2026", "-o", str(target))
    assert out.exit_code == 0, out.stderr
    page = target.read_text(encoding="utf-8")
    section = page[page.index('<section id="compensation">'):]
    section = section[:section.index("</section>")]
    assert "Compensation under mercy-2026" in section
    assert "$20,833.33" in section and "$4,810.00" in section and "$240.50" in section and "$25,402.83" in section
    assert "true-up -$215,430.50 (owed by you)" in section
    assert "<svg" in section and "cumulative" in section.lower() and 'stroke-dasharray="6 3"' in section  # threshold
    assert "392.00" in section  # the cumulative line's end value


def test_compare_two_contracts_on_the_same_work(october, tmp_path):
    add(october, tmp_path, TIERED, "a.toml")
    add(october, tmp_path, MERCY, "b.toml")
    out = october("contract", "compare", "tiered", "mercy-2026", "2026-10")
    assert out.exit_code == 0, out.stderr
    # tiered: 4,271.00 on 382.20 wRVU; mercy-2026: 25,402.83 on 392.00 (RVU25D); difference +21,131.83
    assert re.search(r"2026-10\s+382\.20\s+4,271\.00\s+392\.00\s+25,402\.83\s+\+21,131\.83", out.stdout)
    assert "mercy-2026 pays $21,131.83 more for this work." in out.stdout
    data = october("contract", "compare", "tiered", "mercy-2026", "2026-10", "--json").json()
    assert data["rows"] == [{"period": "2026-10", "from": "2026-10-01", "to": "2026-10-31",
                             "tiered": {"wrvu": 382.2, "pay": 4271.0}, "mercy-2026": {"wrvu": 392.0, "pay": 25402.83},
                             "difference": 21131.83}]
    csv = october("contract", "compare", "tiered", "mercy-2026", "--csv").stdout.splitlines()
    assert csv[0] == "period,from,to,tiered_wrvu,tiered_pay,mercy-2026_wrvu,mercy-2026_pay,difference"
    assert "2026-10,2026-10-01,2026-10-31,382.20,4271.00,392.00,25402.83,21131.83" in csv
    assert len(csv) == 13  # the year 2026, month by month
    bad = october("contract", "compare", "tiered", "mercy-2026", "soon")
    assert bad.exit_code == 2 and "PERIOD 'soon'" in bad.stderr


def test_compare_rows_follow_the_coarser_period(october, tmp_path):
    add(october, tmp_path, TIERED, "a.toml")
    add(october, tmp_path, 'name = "yearly"\nperiod = "year"\nthreshold = 300\nrate = 50\n', "b.toml")
    data = october("contract", "compare", "tiered", "yearly", "--json").json()
    assert data["rows_by"] == "year" and len(data["rows"]) == 1
    # tiered pays October's 4,271; yearly pays (382.20 - 300) x 50 = 4,110 for the year
    assert data["rows"][0]["tiered"]["pay"] == 4271.0 and data["rows"][0]["yearly"]["pay"] == 4110.0


def test_plan_the_wrvu_per_workday_to_reach_an_income(october, tmp_path):
    add(october, tmp_path, TIERED)
    out = october("plan", "--contract", "tiered", "--income", "20000")
    assert out.exit_code == 0, out.stderr
    # From Monday 2026-11-23: 6 workdays left in November, 23 in December (29). At 25.68 a workday November gets
    # 154.08 (below its 300 threshold: $0) and December 590.64: 50 x 50 + 240.64 x 55 = 15,735.20; with October's
    # 4,271 the year earns 20,006.20. At 25.67, December gets 590.41: 2,500 + 240.41 x 55 = 15,722.55, and the
    # year 19,993.55: short.
    assert "So far: 382.20 wRVU credited through 2026-11-23; with no more work the year earns $4,271.00." in out.stdout
    assert "Needed: 25.68 wRVU per workday on the 29 remaining workdays" in out.stdout
    data = october("plan", "--contract", "tiered", "--income", "20000", "--json").json()
    assert (data["needed_per_workday"], data["projected_earned"], data["remaining_workdays"]) == (25.68, 20006.2, 29)
    reached = october("plan", "--contract", "tiered", "--income", "4000")
    assert "Reached: $4,271.00 is at least $4,000.00 already." in reached.stdout
    far = october("plan", "--contract", "tiered", "--income", "99999999")
    assert "Out of reach" in far.stdout
    past = october("plan", "--contract", "tiered", "--income", "1000", "--year", "2025")
    assert past.exit_code == 1 and "2025 ended on 2025-12-31" in past.stderr
    bare = october("plan", "--contract", "tiered", "--income", "1000", "--year")
    assert bare.exit_code == 0 and "for 2026" in bare.stdout
    bad = october("plan", "--contract", "tiered", "--income", "lots")
    assert bad.exit_code == 2 and "--income 'lots'" in bad.stderr


def test_production_pay_with_fees_lab_fees_and_a_daily_guarantee(rvutool, tmp_path):
    add(rvutool, tmp_path, SMILE)
    assert rvutool("config", "set", "contract", "smile-dental").exit_code == 0
    day1 = rvutool("log", "D2740", "D1110x2", "--date", "2026-11-02")
    # a dentist's day logged with D-codes: no per-procedure warnings under a production contract with their fees
    assert day1.exit_code == 0 and "Warning" not in day1.stderr, day1.stderr
    assert rvutool("log", "D1110", "--date", "2026-11-03").exit_code == 0
    other = rvutool("log", "D6092", "--date", "2026-11-04")
    assert "D6092: no CMS work RVU" in other.stderr  # no fee for it in the contract: the warning stays
    data = rvutool("summary", "--json").json()
    assert data["no_wrvu_entries"] == 4 and data["total_wrvu"] == 0  # the flag stays for the wRVU totals
    [november] = data["contract"]["periods"]
    part = november["production"]
    # 11-02: 1,200 + 2 x 120 = 1,440, less lab 250: 30% x 1,190 = 357, below the 400 guarantee -> 400
    # 11-03: 120: 30% = 36 -> 400; 11-04: D6092 has no fee: 0 -> 400. Pay 3 x 400 = 1,200 (share 393 + top-up 807)
    assert (part["production"], part["lab_fees"], part["days_worked"]) == (1560.0, 250.0, 3)
    assert (part["share_pay"], part["guarantee_top_up"], part["pay"]) == (393.0, 807.0, 1200.0)
    codes = {c["code"]: (c["units"], c["production"]) for c in part["codes"]}
    assert codes == {"D2740": (1, 1200.0), "D1110": (3, 360.0), "D6092": (1, 0.0)}
    text = rvutool("summary").stdout
    assert "Production by code (smile-dental's fees):" in text
    assert re.search(r"D2740\s+1\s+1,200\.00\s+1,200\.00\s+250\.00", text)
    assert "no fee in smile-dental's schedule for D6092" in text


def test_fee_schedule_import_csv_and_xlsx(rvutool, tmp_path):
    add(rvutool, tmp_path, SMILE.replace("fees = { D1110 = 120, D2740 = 1200 }\n", ""))
    csv = write(tmp_path, "fees.csv", "Smile Dental fee schedule 2026\n\nCDT Code,Description,Fee,Lab Fee\n"
                                      "D1110,adult cleaning,$125.00,\nD2740,crown,\"1,150.00\",260\nD0120,exam,55,\n")
    out = rvutool("contract", "fees", "import", csv, "--contract", "smile-dental")
    assert out.exit_code == 0, out.stderr
    assert "Imported 3 fees for smile-dental" in out.stdout and "CDT Code, Fee, Lab Fee" in out.stdout
    assert rvutool("log", "D2740", "D0120", "--date", "2026-11-02").exit_code == 0
    part = rvutool("summary", "--contract", "smile-dental", "--json").json()["contract"]["periods"][0]["production"]
    # the file's lab_fees (D2740 250) come before the imported schedule's 260; fees from the schedule
    # 1,150 + 55 = 1,205 less 250: 30% x 955 = 286.50 -> the 400 guarantee
    assert (part["production"], part["lab_fees"], part["share_pay"], part["pay"]) == (1205.0, 250.0, 286.5, 400.0)
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Code", "UCR"])
    book.active.append(["D2740", 1300])
    book.save(tmp_path / "fees.xlsx")
    out = rvutool("contract", "fees", "import", str(tmp_path / "fees.xlsx"), "--contract", "smile-dental")
    assert out.exit_code == 0 and "(replacing 3)" in out.stdout
    bad = write(tmp_path, "bad.csv", "code,fee\nD2740,free\n")
    refused = rvutool("contract", "fees", "import", bad, "--contract", "smile-dental")
    assert refused.exit_code == 1 and "line 2 (D2740): the fee is not an amount" in refused.stderr
    unknown = rvutool("contract", "fees", "import", csv, "--contract", "nobody")
    assert unknown.exit_code == 1 and "no contract named nobody" in unknown.stderr


def test_collections_share_uses_the_collections_entered(rvutool, tmp_path):
    add(rvutool, tmp_path, SMILE.replace("production_share", "collections_share"))
    assert rvutool("log", "D2740", "--date", "2026-10-05").exit_code == 0
    out = rvutool("contract", "collections", "--month", "2026-10", "9000")
    assert out.exit_code == 0 and "Collections for 2026-10: $9,000.00" in out.stdout
    assert rvutool("contract", "collections", "--json").json() == [{"month": "2026-10", "amount": 9000.0}]
    data = rvutool("summary", "--month", "2026-10", "--contract", "smile-dental", "--json").json()
    part = data["contract"]["periods"][0]["production"]
    # 30% x (9,000 - 250 lab) = 2,625 (above 1 day x 400)
    assert (part["collections"], part["pay"]) == (9000.0, 2625.0)
    bad = rvutool("contract", "collections", "--month", "2026-10", "-5")
    assert bad.exit_code == 2


def test_plan_refuses_a_production_contract(rvutool, tmp_path):
    add(rvutool, tmp_path, SMILE)
    out = rvutool("plan", "--contract", "smile-dental", "--income", "100000")
    assert out.exit_code == 1 and "pays on production" in out.stderr
