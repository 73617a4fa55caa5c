"""Issue 9: the global surgical package, status T, bilateral pairs as one amount, ranking by local fee,
the dated work GPCI floor, placeholder codes, and the issue's own checks.

Every figure is a real value from the bundled files (RVU26C for 2026 dates, GPCI2026), with the
arithmetic written out; `rvutool lookup CODE --json` shows each one. RVU26C values used here:

    code   status work  global  PC/TC mult bilat  facility total  note
    99213  A      1.30  XXX     0      0    0     1.72            E/M (category em, 99202-99499)
    99024  B      0.00  XXX     9      9    9     0.00            post-op visit: no work RVU
    20610  A      0.77  000     0      2    1     1.19
    10060  A      1.19  010     0      2    0     3.01            facility PE 1.69, MP 0.13
    64483  A      1.85  000     0      2    1     2.98            facility PE 0.96, MP 0.17
    27395  A     11.93  090     0      2    2    24.62
    47562  A     10.21  090     0      2    0
    36598  T      0.72  000     9      2    1     0.91            status T
    70450  A      0.83  XXX     1      4    0                     -26 row work 0.83
    71250  A      1.05  XXX     1      4    0                     -26 row work 1.05
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rvutool.catalog.codes import Catalog
from rvutool.pricing import locality, rules
from rvutool.pricing.items import parse_item

ON = date(2026, 8, 1)  # RVU26C
D = Decimal


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def price(catalog, *tokens, policy=None, on=ON, **options):
    pol = rules.Policy()
    for text in policy or []:
        pol = pol.with_setting(text)
    return rules.price_encounter([parse_item(t) for t in tokens], on, catalog=catalog, policy=pol,
                                 options=rules.Options(**options))


def credited(enc):
    return [line.credited_wrvu for line in enc.lines]


def reasons(line):
    return [a.reason for a in line.adjustments]


# ------------------------------------------------------------------ 9: the issue's checks, end to end
@pytest.mark.parametrize("items, total", [
    # 36598 is status T: billed with 99213 (status A, payable) it is bundled: 0 + 1.30 = 1.30
    (["36598", "99213"], 1.30),
    # 99213 without -25 on the day of 20610 (global 000): inside its package: 0 + 0.77 = 0.77
    (["99213", "20610"], 0.77),
    # with -25 the visit is separately identifiable: 1.30 + 0.77 = 2.07
    (["99213-25", "20610"], 2.07),
    # imaging PC rule on by default: 71250-26 1.05 in full + 70450-26 0.83 x 0.95 = 0.7885 -> 0.79; 1.84
    (["70450-26", "71250-26"], 1.84),
    # bilateral indicator 2: RT+LT are one procedure at 100% of 11.93, rounded once: 11.93 (not 5.97 x 2 = 11.94)
    (["27395-RT", "27395-LT"], 11.93),
    # bilateral indicator 1: 150% of 1.85 = 2.775 -> 2.78 once, split 1.39 + 1.39
    (["64483-RT", "64483-LT"], 2.78),
])
def test_the_issue_checks(rvutool, items, total):
    out = rvutool("calc", *items, "--date", "2026-08-01", "--json")
    assert out.exit_code == 0, out.stderr
    assert out.json()["total_wrvu"] == total


def test_the_flag_on_a_visit_inside_a_minor_procedures_package(rvutool):
    out = rvutool("calc", "99213", "20610", "--date", "2026-08-01")
    assert out.exit_code == 0
    assert ("99213: included in the procedure's global package; add -25 if it was a significant, "
            "separately identifiable service") in " ".join(out.stderr.split())


# ------------------------------------------------------------------ 1: global surgical package
def test_em_with_a_000_or_010_procedure_needs_25(catalog):
    enc = price(catalog, "99213", "20610")
    # 99213 (E/M) with 20610 (global 000), no -25: 0; 20610 0.77
    assert credited(enc) == [D("0.00"), D("0.77")]
    assert "global-package" in enc.lines[0].flags
    assert enc.lines[0].adjustments[0].rule == "global-package" and enc.lines[0].adjustments[0].factor == 0
    enc = price(catalog, "99213", "10060")
    # 10060 has a 010 global: the same rule; 0 + 1.19
    assert credited(enc) == [D("0.00"), D("1.19")]
    enc = price(catalog, "99213-25", "10060")
    # with -25: 1.30 + 1.19 = 2.49
    assert credited(enc) == [D("1.30"), D("1.19")] and enc.credited_wrvu == D("2.49")
    assert "-25: significant, separately identifiable" in reasons(enc.lines[0])[0]


def test_em_with_a_090_procedure_needs_57(catalog):
    enc = price(catalog, "99213", "27395")
    # 27395 global 090; 99213 without -57: 0 + 11.93
    assert credited(enc) == [D("0.00"), D("11.93")]
    assert any("add -57 if this visit was the decision for surgery" in w for w in enc.lines[0].warnings)
    # -25 is the minor-procedure modifier: it does not take a visit out of a 090 package
    assert credited(price(catalog, "99213-25", "27395")) == [D("0.00"), D("11.93")]
    enc = price(catalog, "99213-57", "27395")
    # -57: 1.30 + 11.93 = 13.23
    assert credited(enc) == [D("1.30"), D("11.93")] and enc.credited_wrvu == D("13.23")
    assert "-57: the decision for surgery" in reasons(enc.lines[0])[0]


def test_24_is_accepted_and_99024_keeps_its_reason(catalog):
    # -24: an unrelated visit in an earlier procedure's post-operative period: 1.30 in full
    enc = price(catalog, "99213-24")
    assert credited(enc) == [D("1.30")] and enc.lines[0].flags == []
    # 99024 (post-operative visit, status B) has no work RVU and keeps saying why; it is not an E/M
    # visit by the data (category medicine), so the package rule leaves it alone
    enc = price(catalog, "99024", "27395")
    assert credited(enc) == [D("0.00"), D("11.93")]
    assert "no-wrvu" in enc.lines[0].flags and "global-package" not in enc.lines[0].flags
    assert enc.lines[0].no_work_reason


def test_em_visits_are_read_from_the_data(catalog):
    from rvutool.pricing import sameday

    release = catalog.release("RVU26C")
    em = [code for code in catalog.all_codes()
          if (row := catalog.rows(code, release).get("")) is not None and sameday.is_em_visit(row)]
    assert "99213" in em and "99291" in em and "99024" not in em and "20610" not in em
    assert all(code.startswith("99") for code in em)


def test_global_package_policy_none_credits_as_entered(catalog):
    enc = price(catalog, "99213", "20610", policy=["global_package=none"])
    # 1.30 + 0.77 = 2.07, as entered
    assert credited(enc) == [D("1.30"), D("0.77")]
    assert "policy global_package=none" in reasons(enc.lines[0])[0]


def test_a_bundled_visit_does_not_rank_among_procedures(catalog):
    # 99213 bundled into 47562 (090); 47562 10.21 and 49505 7.76 ranked as before: 10.21 + 3.88 = 14.09
    enc = price(catalog, "99213", "47562", "49505")
    assert credited(enc) == [D("0.00"), D("10.21"), D("3.88")]


# ------------------------------------------------------------------ 2: status T
def test_status_t_alone_is_credited_in_full(catalog):
    enc = price(catalog, "36598")
    assert credited(enc) == [D("0.72")]
    assert "alone here, credited in full" in reasons(enc.lines[0])[0]


def test_status_t_with_another_payable_service_is_bundled(catalog):
    enc = price(catalog, "36598", "99213")
    # 36598 0 (bundled), 99213 1.30; 36598 is not a procedure then, so it opens no global package for 99213
    assert credited(enc) == [D("0.00"), D("1.30")]
    assert "status-t-bundled" in enc.lines[0].flags
    assert any("status T" in w for w in enc.lines[0].warnings)
    enc = price(catalog, "36598", "20610")
    # with 20610: 0 + 0.77; 36598 does not take the multiple-procedure 1st place
    assert credited(enc) == [D("0.00"), D("0.77")]
    enc = price(catalog, "36598", "99213", policy=["status_t=none"])
    # policy status_t=none: 36598 (global 000) is credited 0.72, and so it is a procedure whose
    # package takes in 99213 (no -25): 0.72 + 0; with the package rule off as well, 0.72 + 1.30 = 2.02
    assert credited(enc) == [D("0.72"), D("0.00")]
    enc = price(catalog, "36598", "99213", policy=["status_t=none", "global_package=none"])
    assert credited(enc) == [D("0.72"), D("1.30")] and enc.credited_wrvu == D("2.02")


# ------------------------------------------------------------------ 5: a bilateral pair is one amount
def test_an_rt_lt_pair_is_rounded_once(catalog):
    enc = price(catalog, "27395-RT", "27395-LT")
    # 27395 bilateral indicator 2: both sides one procedure at 100%: 11.93 in total, never 11.94;
    # split 11.93 / 2 = 5.965 -> 5.97 on the first line, 11.93 - 5.97 = 5.96 on the other
    assert credited(enc) == [D("5.97"), D("5.96")] and enc.credited_wrvu == D("11.93")
    note = "27395-RT with 27395-LT rounded once as one procedure: 11.93 wRVU = 5.97 (27395-RT) + 5.96 (27395-LT)"
    assert note in reasons(enc.lines[0]) and note in reasons(enc.lines[1])
    # -50 on the one line: 100% of 11.93
    assert credited(price(catalog, "27395-50")) == [D("11.93")]
    enc = price(catalog, "64483-RT", "64483-LT")
    # 64483 bilateral indicator 1: 150% of 1.85 = 2.775 -> 2.78 once; 1.39 + 1.39
    assert credited(enc) == [D("1.39"), D("1.39")] and enc.credited_wrvu == D("2.78")
    assert credited(price(catalog, "64483-50")) == [D("2.78")]


def test_an_rt_lt_pair_amount_is_rounded_once_too(catalog):
    loc = locality.find("01182-18", 2026, catalog)
    enc = price(catalog, "27395-RT", "27395-LT", locality=loc)
    # one 27395 in Los Angeles (GPCIs 1.041, 1.183, 0.664), facility (PE 10.15, MP 2.54 in RVU26C):
    # (11.93 x 1.041 + 10.15 x 1.183 + 2.54 x 0.664) x 33.4009 = (12.41913 + 12.00745 + 1.68656) x 33.4009
    # = 26.11314 x 33.4009 = 872.2024... -> 872.20, split 436.10 + 436.10
    assert (enc.lines[0].payment, enc.lines[1].payment) == (D("436.10"), D("436.10"))
    assert enc.payment == D("872.20")


# ------------------------------------------------------------------ 7: ranking by local fee
def test_with_a_locality_procedures_rank_by_its_fee_schedule_amount(rvutool):
    # By facility total RVU 10060 (3.01) outranks 64483 (2.98): 1.19 + 1.85 x 0.5 = 0.925 -> 0.93; 2.12
    data = rvutool("calc", "10060", "64483", "--date", "2026-08-01", "--json").json()
    assert data["total_wrvu"] == 2.12
    assert "by facility total RVU (3.01" in data["lines"][0]["adjustments"][0]["reason"]
    # Alaska (02102-01: work GPCI 1.500, PE 1.065, MP 0.551), CF 33.4009, facility:
    # 10060 (1.19 x 1.5 + 1.69 x 1.065 + 0.13 x 0.551) x 33.4009 = 3.65648 x 33.4009 = 122.13
    # 64483 (1.85 x 1.5 + 0.96 x 1.065 + 0.17 x 0.551) x 33.4009 = 3.89107 x 33.4009 = 129.97
    # so 64483 ranks first there: 1.85 + 1.19 x 0.5 = 0.595 -> 0.60; 2.45
    data = rvutool("calc", "10060", "64483", "--date", "2026-08-01", "--locality", "02102-01", "--json").json()
    assert data["total_wrvu"] == 2.45
    assert [line["credited_wrvu"] for line in data["lines"]] == [0.60, 1.85]
    assert "ranked 2nd of 2 by Alaska (02102-01) facility fee schedule amount ($122.13" in \
        data["lines"][0]["adjustments"][0]["reason"]
    # a configured locality does the same
    rvutool("config", "set", "locality", "02102-01")
    assert rvutool("calc", "10060", "64483", "--date", "2026-08-01", "--json").json()["total_wrvu"] == 2.45


# ------------------------------------------------------------------ 6: dated work GPCI floor
def test_the_work_gpci_floor_holds_for_every_2026_date_of_service(catalog):
    # H.R. 7148 section 6208 extended the floor through January 1, 2027 (data/fee_schedule.toml); CMS's
    # GPCI file for RVU26B-D carries only the floored column. No law extends it into 2027.
    loc = locality.find("10112-00", 2026, catalog)  # Alabama: 1.000 with the floor, 0.988 without
    assert (loc.work_gpci, loc.work_gpci_unfloored) == (D("1.000"), D("0.988"))
    for day in (date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 1), date(2026, 8, 1), date(2026, 12, 31)):
        assert locality.dated(loc, day).work_gpci == D("1.000"), day
    assert locality.dated(loc, date(2027, 1, 1)).work_gpci == D("0.988")  # CY2026 GPCIs standing in for 2027
    assert locality.dated(loc, date(2027, 3, 1), "always").work_gpci == D("1.000")
    assert locality.dated(loc, date(2026, 8, 1), "never").work_gpci == D("0.988")
    # Los Angeles is above the floor: both columns 1.041, nothing to choose
    la = locality.find("01182-18", 2026, catalog)
    assert locality.dated(la, date(2026, 8, 1)) == la


def test_a_law_moving_the_floor_is_one_line_of_data(tmp_path):
    from rvutool import build

    calendar = (build.DEFAULT_CALENDAR).read_text(encoding="utf-8")
    assert "through = 2026-12-31" in calendar
    moved = tmp_path / "fee_schedule.toml"
    moved.write_text(calendar.replace("through = 2026-12-31", "through = 2027-09-30"), encoding="utf-8")
    periods = tuple((date.fromisoformat(p["from"]), date.fromisoformat(p["through"]), p["law"])
                    for p in build.read_calendar(moved)["work_gpci_floor"])
    loc = locality.Locality("10112", "00", "AL", "ALABAMA", D("1.000"), D("0.875"), D("0.566"), 2026,
                            work_gpci_unfloored=D("0.988"), floor_periods=periods)
    assert locality.dated(loc, date(2027, 9, 30)).work_gpci == D("1.000")
    assert locality.dated(loc, date(2027, 10, 1)).work_gpci == D("0.988")


@pytest.mark.parametrize("broken, says", [
    ("through = 2026-12-31", "work_gpci_floor period 1 needs"),
    ('value = "33.5675"', "qp_conversion_factor 2026"),
])
def test_a_broken_calendar_stops_the_build(tmp_path, broken, says):
    from rvutool import build

    calendar = build.DEFAULT_CALENDAR.read_text(encoding="utf-8")
    bad = tmp_path / "fee_schedule.toml"
    bad.write_text(calendar.replace(broken, broken.replace("2026-12-31", "2025-12-31").replace("33.5675", "x")),
                   encoding="utf-8")
    with pytest.raises(build.CalendarError, match=says):
        build.read_calendar(bad)


def test_calc_and_lookup_say_which_work_gpci_applied(rvutool):
    # Alabama, 99213 non-facility (work 1.30, PE 1.46, MP 0.09; PE GPCI 0.875, MP 0.566), CF 33.4009:
    # any 2026 date, with the floor: (1.30 x 1.000 + 1.46 x 0.875 + 0.09 x 0.566) x 33.4009
    #                                = (1.30 + 1.2775 + 0.05094) x 33.4009 = 2.62844 x 33.4009 = 87.79
    # a 2027 date on CY2026 values, no floor: (1.30 x 0.988 + 1.2775 + 0.05094) = 2.61284 x 33.4009 = 87.27
    jan = rvutool("calc", "99213", "--date", "2026-01-31", "--locality", "10112-00", "--setting", "nonfacility",
                  "--json").json()["locality"]
    aug = rvutool("calc", "99213", "--date", "2026-08-01", "--locality", "10112-00", "--setting", "nonfacility",
                  "--json").json()["locality"]
    assert (jan["payment"], aug["payment"]) == (87.79, 87.79)
    assert aug["work_gpci_floor"].startswith("work GPCI 1.000 with the 1.0 floor") and "H.R. 7148" in \
        aug["work_gpci_floor"]
    [row] = rvutool("lookup", "99213", "--date", "2026-08-01", "--locality", "10112-00", "--json").json()
    assert row["locality"]["payment_nonfacility"] == 87.79 and "with the 1.0 floor" in \
        row["locality"]["work_gpci_floor"]
    text = rvutool("lookup", "99213", "--date", "2026-12-31", "--locality", "10112-00").stdout
    assert "with the 1.0 floor" in " ".join(text.replace("│", " ").split())
    later = rvutool("calc", "99213", "--date", "2027-03-01", "--locality", "10112-00", "--setting", "nonfacility",
                    "--json")
    assert later.json()["locality"]["payment"] == 87.27
    assert later.json()["locality"]["work_gpci_floor"].startswith("work GPCI 0.988 without the 1.0 floor")
    rvutool("config", "set", "policy.work_gpci_floor", "always")
    data = rvutool("calc", "99213", "--date", "2027-03-01", "--locality", "10112-00", "--setting", "nonfacility",
                   "--json").json()
    assert data["locality"]["payment"] == 87.79 and "policy work_gpci_floor=always" in \
        data["locality"]["work_gpci_floor"]


# ------------------------------------------------------------------ 8: placeholder codes
def test_placeholder_codes_are_codes(rvutool):
    # GXXX1 is a row of RVU26C (status X, work 0.00): looked up and logged like any other
    [row] = rvutool("lookup", "GXXX1", "--date", "2026-08-01", "--json").json()
    assert row["code"] == "GXXX1" and row["status"] == "X" and row["work_rvu"] == 0.0
    out = rvutool("log", "GXXX1", "--date", "2026-08-01")
    assert out.exit_code == 0, out.stderr
    assert [e["code"] for e in rvutool("list", "--all", "--json").json()["entries"]] == ["GXXX1"]
    # a code no release has is still refused, as unknown rather than malformed
    out = rvutool("lookup", "GXXX9")
    assert out.exit_code == 1 and "is not a code" not in out.stderr


# ------------------------------------------------------------------ 4: imaging default, snapshots and recalc
def test_logs_keep_their_policy_and_recalc_applies_the_new_default(rvutool):
    rvutool("config", "set", "policy.imaging_pc_reduction", "off")
    rvutool("log", "70450-26", "71250-26", "--date", "2026-08-03")
    # logged under the old default: 0.83 + 1.05 = 1.88
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 1.88
    rvutool("config", "unset", "policy.imaging_pc_reduction")
    # the snapshot stays until asked
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 1.88
    out = rvutool("recalc", "--from", "2026-08-01", "--to", "2026-08-31", "--yes")
    assert out.exit_code == 0, out.stderr
    # the new default: 1.05 + 0.83 x 0.95 = 0.7885 -> 0.79; 1.84
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 1.84


# ------------------------------------------------------------------ every rule has its policy key
def test_config_list_shows_every_rule_key(rvutool):
    text = " ".join(rvutool("config", "list").stdout.split())
    for key in ("policy.global_package", "policy.status_t", "policy.imaging_pc_reduction",
                "policy.work_gpci_floor", "policy.multiple_procedure", "policy.bilateral"):
        assert key in text
    assert rvutool("config", "get", "policy.imaging_pc_reduction").stdout.strip() == "on"
    assert rvutool("config", "get", "policy.work_gpci_floor").stdout.strip() == "by-date"
