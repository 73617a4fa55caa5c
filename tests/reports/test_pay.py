"""The pay arithmetic of a contract (reports/pay.py, production.py), each rule alone and combined, with the
arithmetic written out. These tests feed credited wRVU per day straight in; tests/reports/test_contract_cli.py runs the
same rules on logged work, through the command line and both stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rvutool.reports import contracts, pay
from rvutool.reports.credit import Credit

D = Decimal
TODAY = date(2026, 11, 23)


def versions(*files: str) -> contracts.Versions:
    parsed = [contracts.parse(text, origin="test.toml") for text in files]
    return contracts.Versions(parsed[0].name, parsed)


def credited(days: dict[str, str], codes: list[tuple[str, str, int]] = ()) -> Credit:
    """wRVU per day; codes: (day, code, units) logged (for production)."""
    found = Credit()
    for day, wrvu in days.items():
        found.add(day, D(wrvu))
    found.day_codes = sorted((day, code, 1, units) for day, code, units in codes)
    return found


def run(contract: contracts.Versions, days: Credit, start: str, end: str, *, today: date = TODAY,
        fiscal: int = 1, collections: dict[str, Decimal] | None = None) -> pay.Pay:
    return pay.compute(contract, days, date.fromisoformat(start), date.fromisoformat(end), today=today,
                       fiscal_year_start=fiscal, collections=collections)


MONTHLY = """name = "mercy-2026"
effective = 2026-01-01
period = "month"
threshold = 300
tiers = [ { from = 300, rate = 50.0 }, { from = 350, rate = 55.0 } ]
"""


def test_threshold_with_marginal_tiers():
    result = run(versions(MONTHLY), credited({"2026-10-05": "200", "2026-10-20": "180"}), "2026-10-01", "2026-10-31")
    [october] = result.shown
    assert october.wrvu == D("380.00") and october.threshold == D("300.00")
    # (350 - 300) x $50 + (380 - 350) x $55 = 2,500 + 1,650 = 4,150
    assert [(t.wrvu, t.amount) for t in october.tiers] == [(D("50.00"), D("2500.00")), (D("30.00"), D("1650.00"))]
    assert october.productivity == D("4150.00") and october.earned == D("4150.00")
    assert october.state == "over"


def test_below_the_threshold_nothing_is_paid():
    result = run(versions(MONTHLY), credited({"2026-10-05": "299.99"}), "2026-10-01", "2026-10-31")
    assert result.shown[0].productivity == D("0.00")


def test_all_tiers_pay_every_wrvu_at_the_top_tier_reached():
    contract = versions(MONTHLY.replace('period = "month"', 'period = "month"\ntier_mode = "all"'))
    result = run(contract, credited({"2026-10-05": "380"}), "2026-10-01", "2026-10-31")
    [october] = result.shown
    # every wRVU above the threshold at the highest tier reached (from 350: $55): (380 - 300) x 55 = 4,400
    assert october.top_rate == D("55.0") and october.productivity == D("4400.00")
    # at 340 only the first tier is reached: (340 - 300) x 50 = 2,000
    lower = run(contract, credited({"2026-10-05": "340"}), "2026-10-01", "2026-10-31").shown[0]
    assert lower.productivity == D("2000.00")


def test_a_flat_rate_above_a_threshold():
    contract = versions('name = "flat"\nperiod = "month"\nthreshold = 300\nrate = 52.50\n')
    result = run(contract, credited({"2026-10-05": "410.40"}), "2026-10-01", "2026-10-31")
    assert result.shown[0].productivity == D("5796.00")  # (410.40 - 300) x 52.50 = 110.40 x 52.50 = 5,796.00


def test_quarterly_reset():
    contract = versions('name = "q"\nperiod = "quarter"\nthreshold = 900\nrate = 50\n')
    days = credited({"2026-07-10": "500", "2026-09-10": "500", "2026-10-10": "950", "2026-11-10": "100"})
    result = run(contract, days, "2026-07-01", "2026-12-31")
    third, fourth = result.shown
    assert (third.period.label, fourth.period.label) == ("2026-Q3", "2026-Q4")
    # Q3: 500 + 500 = 1,000; (1,000 - 900) x 50 = 5,000. Q4 starts from zero: 950 + 100 = 1,050; 150 x 50 = 7,500
    assert (third.wrvu, third.productivity) == (D("1000.00"), D("5000.00"))
    assert (fourth.wrvu, fourth.productivity) == (D("1050.00"), D("7500.00"))
    assert fourth.state == "running"


def test_fiscal_quarters_follow_the_fiscal_year():
    july = pay.period_of("quarter", date(2026, 11, 23), 7)
    assert (july.start, july.end, july.label) == (date(2026, 10, 1), date(2026, 12, 31), "FY2027-Q2")
    year = pay.period_of("year", date(2026, 11, 23), 7)
    assert (year.start, year.end, year.label) == (date(2026, 7, 1), date(2027, 6, 30), "FY2027")


def test_fte_scales_the_threshold_and_tier_starts():
    contract = versions(MONTHLY.replace("threshold = 300", "threshold = 300\nfte = 0.8"))
    result = run(contract, credited({"2026-10-05": "300"}), "2026-10-01", "2026-10-31")
    [october] = result.shown
    # threshold 300 x 0.8 = 240; tiers from 300 x 0.8 = 240 and 350 x 0.8 = 280
    # (280 - 240) x 50 + (300 - 280) x 55 = 2,000 + 1,100 = 3,100
    assert october.threshold == D("240.00")
    assert [t.start for t in october.tiers] == [D("240.00"), D("280.00")]
    assert october.productivity == D("3100.00")


def test_quality_withhold_is_shown_apart():
    contract = versions(MONTHLY + "quality_withhold = 0.05\nbase = 250000\n")
    result = run(contract, credited({"2026-10-05": "380"}), "2026-10-01", "2026-10-31")
    [october] = result.shown
    # base 250,000 / 12 = 20,833.33; withhold 5% of 4,150 = 207.50; earned 20,833.33 + 4,150 - 207.50 = 24,775.83
    assert (october.base, october.withhold, october.earned) == (D("20833.33"), D("207.50"), D("24775.83"))


def test_draw_with_a_negative_true_up():
    contract = versions('name = "d"\nperiod = "month"\nthreshold = 300\nrate = 50\ndraw = 5000\n')
    days = credited({f"2025-{m:02d}-10": "360" for m in range(1, 13)})
    result = run(contract, days, "2025-01-01", "2025-12-31")
    [true_up] = result.true_ups
    # each month (360 - 300) x 50 = 3,000 earned; 12 x 3,000 = 36,000 against 12 draws of 5,000 = 60,000:
    # the physician owes 36,000 - 60,000 = -24,000
    assert (true_up.earned, true_up.draws, true_up.months, true_up.final) == (D("36000.00"), D("60000.00"), 12, True)
    assert true_up.amount == D("-24000.00") and true_up.to_dict()["owed_to"] == "employer"


def test_draw_true_up_so_far_in_a_running_year():
    contract = versions('name = "d"\nperiod = "month"\nthreshold = 300\nrate = 50\ndraw = 2000\n')
    result = run(contract, credited({"2026-10-10": "400"}), "2026-10-01", "2026-10-31")
    [true_up] = result.true_ups
    # draws for January to November 2026 (11 months started by 2026-11-23) = 22,000; earned (400 - 300) x 50 = 5,000
    assert (true_up.months, true_up.draws, true_up.earned, true_up.final) == (11, D("22000.00"), D("5000.00"), False)
    assert true_up.amount == D("-17000.00")


def test_a_version_changing_mid_year_splits_the_year_at_its_date():
    first = 'name = "y"\neffective = 2026-01-01\nperiod = "year"\nthreshold = 3650\nrate = 50\nbase = 365000\n'
    second = 'name = "y"\neffective = 2026-07-01\nperiod = "year"\nthreshold = 4000\nrate = 60\nbase = 400000\n'
    days = credited({"2026-03-01": "2000", "2026-09-01": "2500"})
    result = run(versions(first, second), days, "2026-01-01", "2026-12-31")
    before, after = result.shown
    assert (before.start, before.end, after.start, after.end) == (date(2026, 1, 1), date(2026, 6, 30),
                                                                  date(2026, 7, 1), date(2026, 12, 31))
    # 181 of 365 days under the first: threshold 3,650 x 181/365 = 1,810.00; base 365,000 x 181/365 = 181,000.00
    assert (before.threshold, before.base) == (D("1810.00"), D("181000.00"))
    assert before.productivity == D("9500.00")  # (2,000 - 1,810) x 50
    # 184 days under the second: threshold 4,000 x 184/365 = 2,016.438... -> 2,016.44; base 400,000 x 184/365
    # = 201,643.835... -> 201,643.84; (2,500 - 2,016.44) x 60 = 483.56 x 60 = 29,013.60
    assert (after.threshold, after.base, after.productivity) == (D("2016.44"), D("201643.84"), D("29013.60"))
    assert before.label == "2026 (2026-01-01 to 2026-06-30)"


def test_a_monthly_version_change_on_the_first_of_a_month_needs_no_split():
    first = MONTHLY
    second = MONTHLY.replace("effective = 2026-01-01", "effective = 2026-10-01").replace("rate = 55.0", "rate = 60.0")
    result = run(versions(first, second), credited({"2026-09-05": "400", "2026-10-05": "400"}), "2026-09-01",
                 "2026-10-31")
    september, october = result.shown
    assert not september.split and not october.split
    assert september.productivity == D("5250.00")  # 50 x 50 + 50 x 55
    assert october.productivity == D("5500.00")  # 50 x 50 + 50 x 60


def test_combined_rules():
    contract = versions(MONTHLY + 'fte = 0.8\nbase = 240000\nquality_withhold = 0.10\ndraw = 1000\n')
    result = run(contract, credited({"2026-10-05": "330"}), "2026-10-01", "2026-10-31")
    [october] = result.shown
    # tiers from 240 and 280 (x 0.8): (280 - 240) x 50 + (330 - 280) x 55 = 2,000 + 2,750 = 4,750
    # withhold 10% = 475; base 240,000 / 12 = 20,000; earned 20,000 + 4,750 - 475 = 24,275
    assert (october.productivity, october.withhold, october.base, october.earned) == (
        D("4750.00"), D("475.00"), D("20000.00"), D("24275.00"))
    # the draw is an advance on productivity: 11 x 1,000 drawn against 4,750 - 475 = 4,275 earned
    assert result.true_ups[0].amount == D("-6725.00")


def test_marginal_rate_for_reconcile():
    contract = versions(MONTHLY)
    on = date(2026, 10, 15)
    assert pay.marginal_rate(contract, on, D("250")) == 0  # below the threshold
    assert pay.marginal_rate(contract, on, D("320")) == D("50.0")
    assert pay.marginal_rate(contract, on, D("360")) == D("55.0")
    assert pay.marginal_rate(contract, date(2025, 12, 31), D("360")) is None  # no version in force yet


SMILE = """name = "smile-dental"
effective = 2026-01-01
pay = "production"
production_share = 0.30
daily_guarantee = 400
fees = { D1110 = 120, D2740 = 1200 }
lab_fees = { D2740 = 250 }
"""


def test_production_with_fees_lab_fees_and_a_daily_guarantee():
    codes = [("2026-10-05", "D2740", 2), ("2026-10-05", "D1110", 3), ("2026-10-06", "D1110", 2),
             ("2026-10-07", "D9999", 1)]
    result = run(versions(SMILE), credited({}, codes), "2026-10-01", "2026-10-31")
    [october] = result.shown
    part = october.production
    # 10-05: production 2 x 1,200 + 3 x 120 = 2,760, lab 2 x 250 = 500: 30% x 2,260 = 678 (above the 400 guarantee)
    # 10-06: 2 x 120 = 240: 30% = 72, the guarantee pays 400 (top-up 328)
    # 10-07: D9999 has no fee: 0, the guarantee pays 400 (top-up 400)
    assert (part.production, part.lab, part.days_worked) == (D("3000"), D("500"), 3)
    assert (part.share_pay, part.top_up, part.guarantee_days) == (D("750.00"), D("728.00"), 2)
    assert october.productivity == D("1478.00")  # 678 + 400 + 400
    assert [c.code for c in part.unpriced] == ["D9999"]
    assert result.notes and "D9999" in result.notes[0]


def test_production_on_collections():
    contract = versions(SMILE.replace("production_share", "collections_share"))
    codes = [("2026-10-05", "D2740", 1), ("2026-10-06", "D1110", 1)]
    result = run(contract, credited({}, codes), "2026-09-01", "2026-10-31",
                 collections={"2026-10": D("9000")})
    september, october = result.shown
    # October: 30% x (9,000 collected - 250 lab) = 2,625; guarantee 2 days x 400 = 800 is less
    assert (october.production.collections, october.productivity) == (D("9000"), D("2625.00"))
    assert september.production.missing_months == ["2026-09"]


def test_window_states_and_period_labels():
    result = run(versions(MONTHLY), credited({}), "2026-11-01", "2026-12-31")
    assert [(w.period.label, w.state) for w in result.shown] == [("2026-11", "running"), ("2026-12", "not started")]


@pytest.mark.parametrize("kind", ["month", "quarter", "year"])
def test_periods_cover_the_year_without_gaps(kind):
    contract = versions(f'name = "k"\nperiod = "{kind}"\nrate = 1\n')
    found = pay.windows(contract, date(2026, 1, 1), date(2026, 12, 31), 1, TODAY)
    assert found[0].start == date(2026, 1, 1) and found[-1].end == date(2026, 12, 31)
    assert all((b.start - a.end).days == 1 for a, b in zip(found, found[1:], strict=False))
