"""Issue 21.2: credit rules Medicare applies that rvutool did not: G2211 (the visit complexity add-on) only with
the visits it belongs to, and an add-on code (global ZZZ) only with a primary procedure in its encounter.
calc, log, summary and recalc all see them, with the rule named in the explanation.

Real values (`rvutool lookup CODE --json`), RVU26C for 2026 dates, RVU25D for 2025 (and, as the nearest
year, 2024):

    code   work  global  what
    99213  1.30  XXX     office visit, established patient (E/M)
    99341  1.00  XXX     home or residence visit (E/M)
    99223  3.50  XXX     hospital inpatient visit      99285 4.00 XXX emergency visit
    99306  3.50  XXX     nursing facility visit
    G2211  0.33  ZZZ     visit complexity add-on
    G0439  1.92  XXX     annual wellness visit, subsequent
    90471  0.17  XXX     vaccine administration
    69210  0.59  000     cerumen removal (a minor procedure, not a preventive service)
    20610  0.77  000     joint injection, major joint
    22612 22.94  090     lumbar fusion                 22614 6.27 ZZZ its add-on, each further level
    64483  1.85  000     transforaminal epidural       64484 0.98 ZZZ its add-on, each further level
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from rvutool import paths
from rvutool.catalog.codes import Catalog
from rvutool.pricing import rules, sameday
from rvutool.pricing.items import parse_item

D = Decimal


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def price(catalog, *tokens, on=date(2026, 8, 1), policy=None):
    pol = rules.Policy()
    for text in policy or []:
        pol = pol.with_setting(text)
    return rules.price_encounter([parse_item(t) for t in tokens], on, catalog=catalog, policy=pol)


def credited(enc):
    return [line.credited_wrvu for line in enc.lines]


def reasons(line, rule):
    return [a.reason for a in line.adjustments if a.rule == rule]


# ------------------------------------------------------------------ G2211
def test_g2211_with_an_office_visit_is_paid(catalog):
    # 1.30 + 0.33 = 1.63
    enc = price(catalog, "99213", "G2211")
    assert credited(enc) == [D("1.30"), D("0.33")] and enc.credited_wrvu == D("1.63")
    assert enc.lines[1].flags == []


def test_g2211_with_a_minus_25_visit_beside_a_minor_procedure_is_not_paid(catalog):
    # domain-rules "Added 2026-12-06": 99213-25 + G2211 + 69210: G2211 is not paid; 1.30 + 0 + 0.59 = 1.89
    enc = price(catalog, "99213-25", "G2211", "69210")
    assert credited(enc) == [D("1.30"), D("0"), D("0.59")]
    g2211 = enc.lines[1]
    assert g2211.flags == ["g2211-not-payable"]
    reason = reasons(g2211, "g2211")[0]
    assert "reported with -25 (99213-25)" in reason and "69210" in reason and "preventive" in reason
    assert any(w.startswith("G2211 is not paid") for w in g2211.warnings)


@pytest.mark.parametrize("other, what", [
    ("G0439", "annual wellness visit"),  # 1.30 + 0.33 + 1.92 = 3.55
    ("90471", "vaccine administration"),  # 1.30 + 0.33 + 0.17 = 1.80
])
def test_g2211_with_a_minus_25_visit_beside_a_preventive_service_is_paid_since_2025(catalog, other, what):
    enc = price(catalog, "99213-25", "G2211", other)
    assert enc.lines[1].credited_wrvu == D("0.33") and enc.lines[1].flags == []
    assert what in reasons(enc.lines[1], "g2211")[0]


def test_before_2025_a_minus_25_visit_never_kept_g2211(catalog):
    # the exception starts 2025-01-01 (data/g2211_rules.json); 2024 is priced with RVU25D, the nearest year
    enc = price(catalog, "99213-25", "G2211", "G0439", on=date(2024, 12, 2))
    assert credited(enc) == [D("1.30"), D("0"), D("1.92")]
    assert "before 2025-01-01" in reasons(enc.lines[1], "g2211")[0]
    assert price(catalog, "99213-25", "G2211", "G0439", on=date(2025, 1, 2)).lines[1].credited_wrvu == D("0.33")


@pytest.mark.parametrize("visit, what", [
    ("99223", "hospital inpatient or observation visit"),
    ("99285", "emergency department visit"),
    ("99306", "nursing facility visit"),
])
def test_g2211_is_not_paid_with_hospital_emergency_or_nursing_facility_visits(catalog, visit, what):
    enc = price(catalog, visit, "G2211")
    assert enc.lines[1].credited_wrvu == 0 and enc.lines[1].flags == ["g2211-not-payable"]
    assert f"{visit} ({what})" in reasons(enc.lines[1], "g2211")[0]


def test_g2211_with_a_home_visit_is_paid_from_2026(catalog):
    # CY2026 final rule: 99341-99350 from 2026-01-01 (data/g2211_rules.json)
    assert credited(price(catalog, "99341", "G2211")) == [D("1.00"), D("0.33")]
    assert credited(price(catalog, "99341", "G2211", on=date(2025, 8, 1))) == [D("1.00"), D("0")]


def test_g2211_alone_or_with_a_bundled_visit_is_not_paid(catalog):
    assert credited(price(catalog, "G2211")) == [D("0")]
    # 99213 without -25 on the day of 20610 is in its global package (credited 0), so G2211 has no visit
    enc = price(catalog, "99213", "G2211", "20610")
    assert credited(enc) == [D("0"), D("0"), D("0.77")]
    assert "99213 is not paid here" in reasons(enc.lines[1], "g2211")[0]


def test_policy_add_on_none_credits_g2211_in_full(catalog):
    enc = price(catalog, "99213-25", "G2211", "69210", policy=["add_on=none"])
    assert credited(enc) == [D("1.30"), D("0.33"), D("0.59")]
    assert "policy add_on=none" in reasons(enc.lines[1], "g2211")[0]


# ------------------------------------------------------------------ add-on codes
def test_an_add_on_alone_is_credited_0_with_a_flag(catalog):
    enc = price(catalog, "22614")
    assert credited(enc) == [D("0")] and enc.lines[0].flags == ["add-on-without-primary"]
    assert "add-on code (global ZZZ)" in reasons(enc.lines[0], "add-on")[0]
    # 64484x2 alone: 0; with its primary 64483: 1.85 + 0.98 x 2 = 3.81
    assert credited(price(catalog, "64484x2")) == [D("0")]
    assert price(catalog, "64483", "64484x2").credited_wrvu == D("3.81")


def test_an_add_on_with_its_primary_is_credited(catalog):
    # 22612 ranks alone (22614 is multiple procedure indicator 0): 22.94 + 6.27 = 29.21
    assert price(catalog, "22612", "22614").credited_wrvu == D("29.21")


def test_policy_add_on_none_credits_the_add_on(catalog):
    assert credited(price(catalog, "22614", policy=["add_on=none"])) == [D("6.27")]


def test_the_preventive_list_names_codes_of_the_bundled_release(catalog):
    # every code of data/g2211_rules.json is a real code: a typo there would silently never match
    found = sameday.g2211_rules()
    release, _ = catalog.release_for(date(2026, 8, 1))
    for code in [*found.preventive, *found.visits_on(date(2026, 8, 1)), *(c for codes, _ in found.never_with
                                                                         for c in codes)]:
        assert catalog.rows(code, release), code
    raw = json.loads(paths.bundled_g2211_rules().read_text(encoding="utf-8"))
    assert raw["sources"] and all("CMS" in s for s in raw["sources"])


# ------------------------------------------------------------------ through the command line
def test_calc_log_list_and_summary_see_the_rules(rvutool):
    calc = rvutool("calc", "99213-25", "G2211", "69210", "--json")
    assert calc.exit_code == 0 and calc.json()["total_wrvu"] == 1.89  # 1.30 + 0 + 0.59
    assert "G2211 is not paid with a visit reported with -25" in calc.stderr
    logged = rvutool("log", "99213-25", "G2211", "69210", "--date", "2026-11-20", "--json", "--no-check")
    assert logged.exit_code == 0 and logged.json()["total_wrvu"] == 1.89
    g2211 = logged.json()["lines"][1]
    assert g2211["credited_wrvu"] == 0 and g2211["flags"] == ["g2211-not-payable"]
    assert [a["rule"] for a in g2211["adjustments"]] == ["g2211"]
    assert rvutool("summary", "--month", "2026-11", "--json").json()["total_wrvu"] == 1.89
    assert "g2211" in rvutool("list", "--month", "2026-11", "--explain").stdout.lower()


def test_recalc_applies_the_rules_to_old_entries(rvutool):
    # logged under policy add_on=none (as an older rvutool credited it): 6.27; recalc under today's policy: 0
    rvutool("config", "set", "policy.add_on", "none")
    assert rvutool("log", "22614", "--date", "2026-11-02", "--json", "--no-check").json()["total_wrvu"] == 6.27
    rvutool("config", "unset", "policy.add_on")
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 6.27  # the snapshot stays until asked
    done = rvutool("recalc", "--month", "2026-11", "--yes")
    assert done.exit_code == 0, done.stderr
    entry = rvutool("list", "--all", "--json").json()["entries"][0]
    assert entry["credited_wrvu"] == 0 and entry["flags"] == ["add-on-without-primary"]
