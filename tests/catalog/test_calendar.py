"""The fee-schedule calendar (issue 16): the QP conversion factor set once, a year with no release here (a
release stands in, said once), a new year's release arriving, and what another release does to logged work.

Real values used below (data/codes.json, from the CMS files):
  RVU26C (CY2026): non-QP CF 33.4009, QP CF 33.5675 (data/fee_schedule.toml)
    99213 work 1.30, total RVU non-facility 2.85, facility 1.72
    27447 work 19.11, facility total 34.71 (non-facility NA)
    47562 work 10.21, facility total 18.92
  RVU25D (CY2025): one CF for all, 32.3465
    27447 work 19.60, facility total 38.88; 47562 work 10.47, facility total 20.06
    37220 work 7.90 (deleted for 2026: not in RVU26C)
The CY2027 release here is a fixture in CMS's layout (tests/cms_fixtures.py): its numbers are made up and say so.
"""

from __future__ import annotations

import pytest
from cms_fixtures import FixtureRow, gpci_csv, pprrvu_csv, zip_of

# The clock matters to every test here: CI runs them again at a year's end, a new year and a leap day.
pytestmark = pytest.mark.clock

# A made-up CY2027 release (RVU27A): 99213's work 1.35 and 27447's 18.50 mark which release priced a line;
# 47562 is left out, as if CMS had deleted it. CF 32.8409 (non-QP) and 33.1693 (QP) are CMS's proposed CY2027
# factors (CMS-1848-P), used here only as fixture values.
RVU27A_ROWS = [
    FixtureRow("99213", "Fixture visit alpha", "1.35", "1.46", "0.33", "0.09"),  # totals 2.90 / 1.77
    FixtureRow("99214", "Fixture visit beta", "1.92"),
    FixtureRow("27447", "Fixture knee gamma", "18.50", "11.58", "11.58", "4.02", global_days="090",
               mult_proc="2"),  # facility total 34.10
]


def cy2027_zip(tmp_path):
    return zip_of(tmp_path / "rvu27a-updated-12-29-2026.zip", {
        "PPRRVU2027_Jan_nonQPP.csv": pprrvu_csv(RVU27A_ROWS, year=2027, month="January", released="12/29/2026",
                                                conversion_factor="32.8409"),
        "PPRRVU2027_Jan_QPP.csv": pprrvu_csv(RVU27A_ROWS[:1], year=2027, month="January", released="12/29/2026",
                                             conversion_factor="33.1693", pric="1"),
        # no work GPCI floor in CY2027: Alabama at its own 0.988
        "GPCI2027.csv": gpci_csv(2027, [("10112", "AL", "00", "ALABAMA", "0.988", "0.875", "0.566"),
                                        ("01182", "CA", "18", "LOS ANGELES", "1.041", "1.183", "0.664")]),
    })


# ---------------------------------------------------------------- qualifying APM participants
def test_qp_set_once_prices_every_dollar_figure(rvutool):
    assert rvutool("config", "set", "qp", "true").exit_code == 0
    [row] = rvutool("lookup", "99213", "--date", "2026-08-01", "--json").json()
    # national: 2.85 x 33.5675 = 95.6674 -> 95.67; 1.72 x 33.5675 = 57.7361 -> 57.74
    assert (row["conversion_factor"], row["qp"]) == (33.5675, True)
    assert (row["payment_nonfacility"], row["payment_facility"]) == (95.67, 57.74)
    text = rvutool("lookup", "99213", "--date", "2026-08-01").stdout
    assert "CF 33.5675, qualifying APM" in " ".join(text.replace("│", " ").split())
    # a locality's estimate in a summary: Los Angeles 27447 facility
    # (19.11 x 1.041 + 11.58 x 1.183 + 4.02 x 0.664) x 33.5675 = 36.26193 x 33.5675 = 1217.2223 -> 1217.22
    rvutool("log", "27447", "--date", "2026-08-03")
    medicare = rvutool("summary", "--month", "2026-08", "--locality", "01182-18", "--json").json()[
        "estimated_medicare_allowed"]
    assert medicare["amount"] == 1217.22 and medicare["conversion_factors"] == ["33.5675 (qualifying APM)"]
    # CY2025 had one CF for everyone: QP changes nothing there
    [old] = rvutool("lookup", "99213", "--date", "2025-06-01", "--json").json()
    assert old["conversion_factor"] == 32.3465
    assert rvutool("config", "set", "qp", "maybe").exit_code == 2


def test_qp_without_a_locality_gives_a_national_estimate_in_summary(rvutool):
    rvutool("log", "27447", "--date", "2026-08-03")
    medicare = rvutool("summary", "--month", "2026-08", "--qp", "--json").json()["estimated_medicare_allowed"]
    # 34.71 x 33.5675 = 1165.1279... -> 1165.13
    assert medicare["amount"] == 1165.13 and medicare["locality"].startswith("national")


# ---------------------------------------------------------------- a year with no release here
def test_a_year_without_a_release_says_once_which_stands_in(rvutool, monkeypatch):
    monkeypatch.setenv("RVUTOOL_TODAY", "2027-01-05")
    looked = rvutool("lookup", "99213", "27447")
    assert looked.exit_code == 0
    assert looked.stderr.count("Note:") == 1 and "no CMS release for 2027 here yet: RVU26C (CY2026) stands in" \
        in looked.stderr and "rvutool data import" in looked.stderr
    assert "standing in" in looked.stdout
    logged = rvutool("log", "99213", "--json")
    assert logged.stderr.count("stands in") == 1
    [entry] = logged.json()["lines"]
    assert entry["release"] == "RVU26C" and "stand-in-release" in entry["flags"]
    rvutool("log", "99214", "--date", "2026-12-30")  # its own year's release: not a stand-in
    data = rvutool("summary", "--from", "2026-12-01", "--to", "2027-01-31", "--json").json()
    assert data["stand_in_entries"] == 1 and data["stand_ins"] == [{"release": "RVU26C", "year": 2027, "entries": 1}]
    text = rvutool("summary", "--from", "2026-12-01", "--to", "2027-01-31").stdout
    assert "1 entry of 2027 priced by RVU26C" in " ".join(text.split())


def test_a_date_in_a_bundled_year_never_warns(rvutool):
    for day in ("2025-01-01", "2026-12-31"):
        result = rvutool("lookup", "99213", "--date", day)
        assert result.exit_code == 0 and result.stderr == ""


def test_the_new_years_release_ends_the_stand_in(rvutool, tmp_path, monkeypatch):
    monkeypatch.setenv("RVUTOOL_TODAY", "2027-01-05")
    imported = rvutool("data", "import", str(cy2027_zip(tmp_path)))
    assert imported.exit_code == 0, imported.stderr
    assert "QP CF 33.1693" in imported.stdout and "GPCIs of 2 localities" in imported.stdout
    looked = rvutool("lookup", "99213", "--json")
    assert looked.stderr == ""
    [row] = looked.json()
    assert (row["release"], row["work_rvu"], row["conversion_factor"]) == ("RVU27A", 1.35, 32.8409)
    # the zip's GPCI2027 is used, with no floor in 2027 (none in data/fee_schedule.toml):
    # (1.35 x 0.988 + 1.46 x 0.875 + 0.09 x 0.566) x 32.8409 = (1.3338 + 1.2775 + 0.05094) x 32.8409
    #   = 2.66224 x 32.8409 = 87.4303... -> 87.43
    [row] = rvutool("lookup", "99213", "--locality", "10112-00", "--json").json()
    assert row["locality"]["payment_nonfacility"] == 87.43 and row["locality"]["gpcis"]["work"] == 0.988
    # and its QPP file's factor for qualifying APM participants: 2.90 x 33.1693 = 96.1909... -> 96.19
    [row] = rvutool("lookup", "99213", "--qp", "--json").json()
    assert (row["conversion_factor"], row["payment_nonfacility"]) == (33.1693, 96.19)


# ---------------------------------------------------------------- what another release does to my work
def test_reprice_a_period_under_an_earlier_release_real_values(rvutool):
    rvutool("log", "27447", "--date", "2026-08-03")
    rvutool("log", "47562", "--date", "2026-08-04")
    data = rvutool("summary", "--month", "2026-08", "--reprice", "rvu25d", "--json").json()["reprice"]
    by_code = {c["code"]: c for c in data["codes"]}
    # 27447: 19.11 -> 19.60; national facility 34.71 x 33.4009 = 1159.3452 -> 1159.35, 38.88 x 32.3465 = 1257.63
    knee = by_code["27447"]
    assert (knee["wrvu_logged"], knee["wrvu_repriced"], knee["wrvu_change"]) == (19.11, 19.60, 0.49)
    assert (knee["amount_logged"], knee["amount_repriced"]) == (1159.35, 1257.63)
    # 47562: 10.21 -> 10.47; 18.92 x 33.4009 = 631.9450 -> 631.95, 20.06 x 32.3465 = 648.8708 -> 648.87
    gall = by_code["47562"]
    assert (gall["wrvu_repriced"], gall["amount_logged"], gall["amount_repriced"]) == (10.47, 631.95, 648.87)
    assert (data["wrvu_logged"], data["wrvu_repriced"]) == (29.32, 30.07)  # 19.11 + 10.21; 19.60 + 10.47
    assert data["where"].startswith("national") and data["called_out"] == []
    text = rvutool("summary", "--month", "2026-08", "--reprice", "RVU25D").stdout
    assert "Under RVU25D (CY2025)" in text and "$1,257.63" in text


def test_reprice_calls_out_a_code_the_other_release_deleted(rvutool):
    rvutool("log", "37220", "--date", "2025-05-05")  # 7.90 in RVU25D; gone from RVU26C
    data = rvutool("summary", "--month", "2025-05", "--reprice", "RVU26C", "--json").json()["reprice"]
    assert data["called_out"] == [{"code": "37220", "change": "deleted", "entries": 1}]
    [line] = data["codes"]
    assert (line["wrvu_logged"], line["wrvu_repriced"]) == (7.90, 0.0)
    text = rvutool("summary", "--month", "2025-05", "--reprice", "RVU26C").stdout
    assert "37220: not in RVU26C" in text


def test_a_new_release_shows_a_year_of_work_repriced(rvutool, tmp_path):
    for day in ("2026-03-02", "2026-06-15", "2026-09-21"):
        rvutool("log", "99213", "--date", day)
    rvutool("log", "47562", "--date", "2026-05-05")
    assert rvutool("data", "import", str(cy2027_zip(tmp_path))).exit_code == 0
    data = rvutool("summary", "--year", "2026", "--reprice", "RVU27A", "--json").json()["reprice"]
    by_code = {c["code"]: c for c in data["codes"]}
    # 99213 x3: 3 x 1.30 = 3.90 -> 3 x 1.35 = 4.05; facility 1.72 x 33.4009 = 57.45 each -> 172.35,
    # 1.77 x 32.8409 = 58.1284 -> 58.13 each -> 174.39
    visit = by_code["99213"]
    assert (visit["wrvu_logged"], visit["wrvu_repriced"], visit["amount_logged"], visit["amount_repriced"]) == \
        (3.90, 4.05, 172.35, 174.39)
    assert by_code["47562"]["change"] == "deleted" and by_code["47562"]["wrvu_repriced"] == 0
    assert data["conversion_factor_repriced"] == "32.8409 (non-QP)"


def test_reprice_usage(rvutool):
    assert rvutool("summary", "--reprice", "RVU99Z").exit_code == 2
    missing = rvutool("summary", "--reprice", "RVU24A")
    assert missing.exit_code == 1 and "no release RVU24A" in missing.stderr


def test_lookup_compare_side_by_side(rvutool):
    [row] = rvutool("lookup", "27447", "--date", "2026-08-01", "--compare", "RVU25D", "--json").json()
    assert (row["work_rvu"], row["compare"]["work_rvu"]) == (19.11, 19.60)
    assert (row["payment_facility"], row["compare"]["payment_facility"]) == (1159.35, 1257.63)
    text = " ".join(rvutool("lookup", "27447", "--date", "2026-08-01", "--compare", "RVU25D").stdout.split())
    assert "Work RVU 19.11 19.60 +0.49" in text
    [new] = rvutool("lookup", "37254", "--date", "2026-08-01", "--compare", "RVU25D", "--json").json()
    assert new["compare"] == {"code": "37254", "release": "RVU25D", "year": 2025, "found": False}
    assert "not in RVU25D" in rvutool("lookup", "37254", "--date", "2026-08-01", "--compare", "RVU25D").stdout


def test_recalc_stand_ins_reprices_exactly_those_once_the_release_is_here(rvutool, tmp_path, monkeypatch):
    monkeypatch.setenv("RVUTOOL_TODAY", "2027-01-05")
    rvutool("log", "99213", "--date", "2027-01-04")  # priced by RVU26C, standing in: 1.30
    rvutool("log", "27447", "--date", "2027-01-05")  # 19.11
    rvutool("log", "99213", "--date", "2026-12-30")  # its own year's release: not touched
    nothing = rvutool("recalc", "--stand-ins", "--yes")  # no CY2027 release yet: the same values again
    assert nothing.exit_code == 0 and "Recalculated" not in nothing.stdout
    imported = rvutool("data", "import", str(cy2027_zip(tmp_path)))
    assert "2 entries of 2027 were priced by another year's release" in imported.stderr
    done = rvutool("recalc", "--stand-ins", "--yes")
    assert done.exit_code == 0, done.stderr
    # 99213 1.30 -> 1.35 and 27447 19.11 -> 18.50 (the fixture's RVU27A): -0.56 in all
    assert "Recalculated 2 entries (-0.56 wRVU)" in done.stdout
    rows = {(e["date"], e["code"]): e for e in rvutool("list", "--all", "--json").json()["entries"]}
    assert rows[("2027-01-04", "99213")]["release"] == "RVU27A" and rows[("2027-01-04", "99213")]["flags"] == []
    assert rows[("2027-01-05", "27447")]["credited_wrvu"] == 18.50
    assert rows[("2026-12-30", "99213")]["release"] == "RVU26C"
    assert rvutool("summary", "--month", "2027-01", "--json").json()["stand_in_entries"] == 0
    assert rvutool("undo").exit_code == 0
    rows = {(e["date"], e["code"]): e for e in rvutool("list", "--all", "--json").json()["entries"]}
    assert rows[("2027-01-04", "99213")]["release"] == "RVU26C"
