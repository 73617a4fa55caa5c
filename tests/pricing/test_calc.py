"""`rvutool calc`: an encounter priced by the same-encounter rules, without writing anything."""

from __future__ import annotations


def test_calc_json_shape_and_totals(rvutool, home):
    result = rvutool("calc", "45378", "45380", "45385", "47562", "22614", "--date", "2026-08-01", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    # 47562 10.21 + family at 50% (45385 4.46 x 0.5 = 2.23; 45380 0.29 x 0.5 = 0.145 -> 0.15; 45378 0)
    # + add-on 22614 6.27 = 18.86; as entered 3.18 + 3.47 + 4.46 + 10.21 + 6.27 = 27.59
    assert data["total_wrvu"] == 18.86
    assert data["base_wrvu"] == 27.59
    assert [line["credited_wrvu"] for line in data["lines"]] == [0.0, 0.15, 2.23, 10.21, 6.27]
    for line in data["lines"]:
        assert {"code", "modifiers", "units", "base_wrvu", "credited_wrvu", "adjustments", "flags"} <= set(line)
        for adj in line["adjustments"]:
            assert set(adj) == {"rule", "factor", "reason"}
    assert data["lines"][1]["adjustments"][0]["rule"] == "endoscopy-family"
    assert not home.exists()  # nothing written


def test_calc_table(rvutool):
    result = rvutool("calc", "49505", "47562", "--date", "2026-08-01")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "multiple-procedure" in out and "ranked 2nd of 2" in out
    assert "wRVU as entered 17.97 · credited 14.09" in out  # 7.76 + 10.21; 3.88 + 10.21
    assert "Policy: Medicare defaults" in out


def test_calc_policy_option(rvutool):
    data = rvutool("calc", "49505", "47562", "--date", "2026-08-01", "--policy", "multiple_procedure=none",
                   "--json").json()
    assert data["total_wrvu"] == 17.97  # 7.76 + 10.21, no reduction
    assert data["policy"]["multiple_procedure"] == "none"
    table = rvutool("calc", "49505", "47562", "--date", "2026-08-01", "--policy", "multiple_procedure=none")
    assert "except multiple_procedure=none" in table.stdout


def test_calc_setting_changes_ranking(rvutool):
    data = rvutool("calc", "10030", "69436", "--date", "2026-08-01", "--setting", "nonfacility", "--json").json()
    # non-facility totals 10030 18.59 > 69436 4.33: 2.68 + 1.96 x 0.5 = 2.68 + 0.98 = 3.66
    assert data["total_wrvu"] == 3.66
    assert data["setting"] == "nonfacility"


def test_calc_fraction_and_postop_days(rvutool):
    data = rvutool("calc", "27447-52", "--fraction", "0.5", "--date", "2026-08-01", "--json").json()
    assert data["total_wrvu"] == 9.56  # 19.11 x 0.5 = 9.555 -> 9.56
    data = rvutool("calc", "27447-55", "--postop-days", "30", "--date", "2026-08-01", "--json").json()
    assert data["total_wrvu"] == 1.34  # 19.11 x 0.21 x 30/90 = 1.3377 -> 1.34


def test_calc_with_locality(rvutool):
    data = rvutool("calc", "99213", "--locality", "los angeles", "--setting", "nonfacility",
                   "--date", "2026-08-01", "--json").json()
    # (1.30 x 1.041 + 1.46 x 1.183 + 0.09 x 0.664) x 33.4009 = 104.89 (domain-rules §3.3)
    assert data["locality"]["id"] == "01182-18"
    assert data["locality"]["payment"] == 104.89
    assert data["lines"][0]["payment"] == 104.89


def test_calc_locality_payment_follows_the_rules(rvutool):
    data = rvutool("calc", "49505", "47562", "--zip", "90012", "--date", "2026-08-01", "--json").json()
    # LA (01182-18) facility fee schedule amounts, CF 33.4009, the same rules as the wRVUs:
    # 47562: (10.21 x 1.041 + 6.04 x 1.183 + 2.67 x 0.664) x 33.4009
    #      = (10.62861 + 7.14532 + 1.77288) x 33.4009 = 19.54681 x 33.4009 = 652.8810... -> 652.88, 1st: in full
    # 49505: (7.76 x 1.041 + 5.40 x 1.183 + 2.05 x 0.664) x 33.4009
    #      = (8.07816 + 6.38820 + 1.36120) x 33.4009 = 15.82756 x 33.4009 = 528.6547... -> 528.65 as entered;
    #      2nd at 50%: 528.6547... x 0.5 = 264.3274... -> 264.33 (rounded once, not 528.65 / 2 = 264.325)
    lines = {line["code"]: line for line in data["lines"]}
    assert (lines["47562"]["base_payment"], lines["47562"]["payment"]) == (652.88, 652.88)
    assert (lines["49505"]["base_payment"], lines["49505"]["payment"]) == (528.65, 264.33)
    assert data["locality"]["payment"] == 917.21  # 652.88 + 264.33


def test_calc_warnings_go_to_stderr(rvutool):
    result = rvutool("calc", "47562-50", "--date", "2026-08-01")
    assert result.exit_code == 0
    assert "Warning: 47562-50: bilateral indicator 0" in result.stderr


def test_calc_usage_errors(rvutool):
    for args, needle in [
        (("27447-52",), "--fraction"),
        (("27447-66",), "--fraction"),
        (("27447-ZZ",), "unknown modifier ZZ"),
        (("27447", "--setting", "garage"), "--setting"),
        (("27447", "--policy", "bilateral=half"), "medicare or none"),
        (("27447", "--fraction", "abc"), "--fraction"),
        (("27447-55", "--postop-days", "x"), "--postop-days"),
        (("45378-54",), "global period 000"),
        (("99213", "--qp"), "--qp"),
    ]:
        result = rvutool("calc", *args, "--date", "2026-08-01")
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("Error: ") and needle in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_calc_unknown_code_is_exit_1(rvutool):
    result = rvutool("calc", "99999", "--date", "2026-08-01")
    assert result.exit_code == 1
    assert "unknown code 99999" in result.stderr
