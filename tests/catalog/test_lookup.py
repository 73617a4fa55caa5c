"""`rvutool lookup`: real CMS values, the no-work-RVU flag, modifiers, years and errors."""

from __future__ import annotations

import pytest

# Answers here move with today: CI runs this module again at other dates (tests/conftest.py).
pytestmark = pytest.mark.clock


def test_dental_codes_show_the_no_work_rvu_flag(rvutool):
    for code, section in (("D1553", "preventive"), ("D6092", "implant")):
        result = rvutool("lookup", code)
        assert result.exit_code == 0, result.stderr
        assert "No CMS work RVU" in result.stdout
        assert "dental" in result.stdout.lower()
        assert "R  restricted coverage" in result.stdout
        assert section in result.stdout.lower()


def test_dental_json_says_why_there_is_no_work_rvu(rvutool):
    [d1553] = rvutool("lookup", "d1553", "--json").json()
    assert d1553["code"] == "D1553"
    assert d1553["status"] == "R"
    assert d1553["work_rvu"] == 0
    assert d1553["has_work_rvu"] is False
    assert "dental" in d1553["no_work_rvu_reason"]
    assert d1553["category"] == "dental-preventive"
    assert d1553["payment_nonfacility"] is None  # contractor-priced: no national amount, not $0


def test_99213_in_2026(rvutool):
    [row] = rvutool("lookup", "99213", "--date", "2026-03-15", "--json").json()
    assert row["release"] == "RVU26C" and row["year"] == 2026
    assert row["work_rvu"] == 1.30
    assert row["has_work_rvu"] is True and row["no_work_rvu_reason"] is None
    # RVU26C: non-facility PE 1.46, facility PE 0.33, MP 0.09
    # total non-facility 1.30 + 1.46 + 0.09 = 2.85; facility 1.30 + 0.33 + 0.09 = 1.72
    assert (row["pe_nonfacility"], row["pe_facility"], row["mp"]) == (1.46, 0.33, 0.09)
    assert (row["total_nonfacility"], row["total_facility"]) == (2.85, 1.72)
    # national payment = total x CF 33.4009: 2.85 x 33.4009 = 95.1926 -> 95.19; 1.72 x 33.4009 = 57.4495 -> 57.45
    assert (row["payment_nonfacility"], row["payment_facility"]) == (95.19, 57.45)
    assert row["description"] is None  # nothing imported


def test_default_date_is_today_which_is_2026(rvutool):
    [row] = rvutool("lookup", "99213", "--json").json()
    assert row["release"] == "RVU26C"


def test_the_date_of_service_picks_the_year(rvutool):
    [y2025] = rvutool("lookup", "27447", "--date", "2025-06-01", "--json").json()
    [y2026] = rvutool("lookup", "27447", "--date", "2026-06-01", "--json").json()
    assert (y2025["release"], y2025["work_rvu"]) == ("RVU25D", 19.60)
    # CY2026 applies the -2.5% efficiency adjustment: 19.60 x 0.975 = 19.11
    assert (y2026["release"], y2026["work_rvu"]) == ("RVU26C", 19.11)
    [by_year] = rvutool("lookup", "27447", "--year", "2025", "--json").json()
    assert by_year["work_rvu"] == 19.60


def test_a_year_outside_the_bundle_uses_the_nearest_and_says_so(rvutool):
    result = rvutool("lookup", "27447", "--date", "2024-02-29")
    assert result.exit_code == 0 and "RVU25D · CY2025 · standing in" in result.stdout
    # said once, on stderr, with how to import the real one
    assert result.stderr.count("Note:") == 1
    assert "no CMS release for 2024 here: RVU25D (CY2025) stands in" in result.stderr
    assert "rvutool data import" in result.stderr
    later = rvutool("lookup", "27447", "99213", "--year", "2031", "--json")
    rows = later.json()
    assert [row["release"] for row in rows] == ["RVU26C", "RVU26C"] and "2031" in rows[0]["release_note"]
    assert later.stderr.count("no CMS release for 2031") == 1


def test_component_rows(rvutool):
    pc, tc = rvutool("lookup", "71046-26", "71046-TC", "--json").json()
    assert (pc["modifier"], pc["work_rvu"], pc["has_work_rvu"]) == ("26", 0.21, True)
    assert (tc["modifier"], tc["work_rvu"], tc["has_work_rvu"]) == ("TC", 0.00, False)
    assert "technical component" in tc["no_work_rvu_reason"]
    # the TC row is NA in the facility setting: no facility payment
    assert tc["pe_facility_na"] is True and tc["payment_facility"] is None


def test_discontinued_colonoscopy_has_its_own_row(rvutool):
    [full] = rvutool("lookup", "45378", "--json").json()
    [cut] = rvutool("lookup", "45378-53", "--json").json()
    assert cut["row_modifier"] == "53"
    assert 0 < cut["work_rvu"] < full["work_rvu"]


def test_other_modifiers_are_explained_but_use_the_base_row(rvutool):
    result = rvutool("lookup", "27447-62")
    assert result.exit_code == 0
    assert "19.11" in result.stdout and "62.5%" in result.stdout
    [row] = rvutool("lookup", "27447-62", "--json").json()
    assert row["modifier"] == "62" and row["work_rvu"] == 19.11 and row["row_modifier"] is None


@pytest.mark.parametrize("command", ["lookup", "calc", "log"])
def test_a_component_modifier_the_pctc_indicator_forbids_is_refused(rvutool, command):
    # 99213: PC/TC indicator 0, "modifiers 26 and TC cannot be used" (RVU25D.pdf Attachment A)
    out = rvutool(command, "99213-26")
    assert out.exit_code == 2 and out.stderr.count("\n") == 1
    assert out.stderr.startswith("Error: 99213-26: -26 cannot be used with 99213: its PC/TC indicator is 0")
    assert command != "log" or not rvutool("list", "--all", "--json").json()["entries"]


def test_lab_interpretation_codes_take_26_not_tc(rvutool):
    # 86153: PC/TC indicator 6 ("modifier TC cannot be used"), a -26 row with work 0.67;
    # 85060: indicator 8 (no TC billing)
    [row] = rvutool("lookup", "86153-26", "--json").json()
    assert row["row_modifier"] == "26" and row["work_rvu"] == 0.67
    for token, pctc in (("86153-TC", "6"), ("85060-TC", "8")):
        out = rvutool("lookup", token)
        assert out.exit_code == 2 and f"PC/TC indicator is {pctc}" in out.stderr


def test_published_but_not_used_for_medicare_payment(rvutool):
    [row] = rvutool("lookup", "99385", "--json").json()
    assert row["status"] == "N" and row["has_work_rvu"] is True
    assert row["not_used_for_medicare_payment"] is True
    assert row["payment_nonfacility"] is None
    assert "not used for Medicare payment" in rvutool("lookup", "99385").stdout


@pytest.mark.parametrize("code, reason", [
    ("00100", "anesthesia"),
    ("0001F", "excluded"),
])
def test_no_work_rvu_reasons_by_class(rvutool, code, reason):
    [row] = rvutool("lookup", code, "--json").json()
    assert row["has_work_rvu"] is False and reason in row["no_work_rvu_reason"]


def test_unknown_code_exits_1_with_suggestions(rvutool):
    result = rvutool("lookup", "99219")
    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "99219" in line and "nearest" in line and "9921" in line


@pytest.mark.parametrize("bad", ["99", "ABCDEFG", "99213-ZZZ", "99213-ZZ", "9921$", "", "99213x2", "--"])
def test_malformed_input_exits_2_with_one_line(rvutool, bad):
    result = rvutool("lookup", bad)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_known_codes_still_print_beside_bad_ones(rvutool):
    result = rvutool("lookup", "99213", "99219", "--json")
    assert result.exit_code == 1
    assert [r["code"] for r in result.json()] == ["99213"]
    assert "99219" in result.stderr


def test_a_code_missing_from_the_chosen_year_says_where_it_is(rvutool):
    result = rvutool("lookup", "1026T", "--date", "2025-05-01")
    assert result.exit_code == 1
    assert "RVU26C" in result.stderr


@pytest.mark.parametrize("args", [
    ["--date", "2026-02-30"], ["--date", "tomorrowish"], ["--year", "20x6"], ["--date", "2026-01-01", "--year", "2026"],
])
def test_bad_dates_are_usage_errors(rvutool, args):
    result = rvutool("lookup", "99213", *args)
    assert result.exit_code == 2 and result.stderr.startswith("Error:")
