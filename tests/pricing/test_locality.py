"""Medicare payment by locality: GPCIs, ZIP codes, conversion factors, NA flags."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from rvutool import paths
from rvutool.catalog.codes import Catalog
from rvutool.errors import RvuError, UsageError
from rvutool.pricing import locality

SRC = Path(__file__).resolve().parents[2] / "src" / "rvutool"


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def test_worked_example_los_angeles_99213(catalog):
    """domain-rules §3.3 worked example 2, on the bundled RVU26C values and CY2026 GPCIs."""
    loc = locality.find("01182-18", 2026, catalog)
    assert (loc.work_gpci, loc.pe_gpci, loc.mp_gpci) == (Decimal("1.041"), Decimal("1.183"), Decimal("0.664"))
    release = catalog.release("RVU26C")
    row = catalog.rows("99213", release)[""]
    cf = locality.conversion_factor(release)
    assert cf.value == Decimal("33.4009") and not cf.qp
    out = locality.payment(row, loc, cf)
    # non-facility: (1.30 x 1.041 + 1.46 x 1.183 + 0.09 x 0.664) x 33.4009
    #             = (1.3533 + 1.72718 + 0.05976) x 33.4009 = 3.14024 x 33.4009 = 104.8868... -> 104.89
    # facility:     (1.3533 + 0.33 x 1.183 + 0.05976) x 33.4009 = 1.80345 x 33.4009 = 60.2369... -> 60.24
    assert out["payment_nonfacility"] == 104.89
    assert out["payment_facility"] == 60.24


def test_qp_conversion_factor_only_with_qp(catalog):
    release = catalog.release("RVU26C")
    assert locality.conversion_factor(release, qp=False).value == Decimal("33.4009")
    qp = locality.conversion_factor(release, qp=True)
    assert qp.qp and qp.value == release.conversion_factor_qp == Decimal("33.5675")
    row = catalog.rows("99213", release)[""]
    loc = locality.find("los angeles", 2026, catalog)
    # 3.14024 x 33.5675 = 105.4105... -> 105.41; 1.80345 x 33.5675 = 60.5373... -> 60.54
    out = locality.payment(row, loc, qp)
    assert (out["payment_nonfacility"], out["payment_facility"]) == (105.41, 60.54)
    # 2025 had one CF for everyone: --qp changes nothing
    assert locality.conversion_factor(catalog.release("RVU25D"), qp=True).value == Decimal("32.3465")


def test_conversion_factors_are_data_not_code():
    # The QP CF lives in data/fee_schedule.toml (with its source), the non-QP one in each PPRRVU file;
    # no module types either.
    hits = [p.name for p in SRC.rglob("*.py") if re.search(r"33\.5675|33\.4009|32\.3465", p.read_text("utf-8"))]
    assert hits == []
    calendar = (SRC.parents[1] / "data" / "fee_schedule.toml").read_text(encoding="utf-8")
    assert len(re.findall(r"33\.5675", calendar)) == 1


def test_na_setting_has_no_amount(catalog):
    release = catalog.release("RVU26C")
    row = catalog.rows("27447", release)[""]  # non-facility PE flagged NA
    out = locality.payment(row, locality.find("01182-18", 2026, catalog), locality.conversion_factor(release))
    assert out["payment_nonfacility"] is None
    assert "NA" in out["nonfacility_note"]
    # facility: (19.11 x 1.041 + 11.58 x 1.183 + 4.02 x 0.664) x 33.4009
    #         = (19.89351 + 13.69914 + 2.66928) x 33.4009 = 36.26193 x 33.4009 = 1211.1810... -> 1211.18
    assert out["payment_facility"] == 1211.18


def test_locality_search(catalog):
    assert locality.find("LOS ANGELES", 2026, catalog).id == "01182-18"
    assert locality.find("alabama", 2026, catalog).id == "10112-00"
    with pytest.raises(RvuError, match="matches 2 localities.*01112-05.*01112-52"):
        locality.find("san francisco", 2026, catalog)
    with pytest.raises(RvuError, match="no Medicare locality matches"):
        locality.find("atlantis", 2026, catalog)
    with pytest.raises(RvuError, match="no Medicare locality 99999-99"):
        locality.find("99999-99", 2026, catalog)


def test_zip_to_locality(catalog):
    assert locality.from_zip("90012", 2026, catalog).id == "01182-18"
    assert locality.from_zip("90012-1234", 2026, catalog).id == "01182-18"
    with pytest.raises(RvuError, match="spans more than one Medicare locality"):
        locality.from_zip("01434", 2026, catalog)  # a ZIP with CMS's +4 flag
    with pytest.raises(RvuError, match="not in CMS's ZIP"):
        locality.from_zip("00000", 2026, catalog)
    with pytest.raises(UsageError, match="not a ZIP"):
        locality.from_zip("9001", 2026, catalog)
    with pytest.raises(UsageError, match="not both"):
        locality.resolve("01182-18", "90012", 2026, catalog)


def test_every_zip_carrier_locality_is_a_gpci_locality(catalog):
    """The ZIP file's carrier numbers match the GPCI files' MAC column as they are (§3.4)."""
    zips = json.loads(paths.bundled_zip_localities().read_text())["zips"]
    pairs = {f"{carrier}-{number}" for carrier, number, _ in zips.values()}
    for year in (2025, 2026):
        ids = {loc.id for loc in locality.localities(year, catalog)}
        assert pairs == ids  # 109 localities both ways
    assert len(pairs) == 109


def test_lookup_with_locality(rvutool):
    result = rvutool("lookup", "99213", "--locality", "01182-18", "--date", "2026-08-01", "--json")
    assert result.exit_code == 0, result.stderr
    [row] = result.json()
    loc = row["locality"]
    assert loc["id"] == "01182-18" and loc["gpcis"] == {"work": 1.041, "pe": 1.183, "mp": 0.664}
    assert (loc["payment_nonfacility"], loc["payment_facility"], loc["conversion_factor"]) == (104.89, 60.24, 33.4009)
    table = rvutool("lookup", "99213", "--zip", "90012", "--date", "2026-08-01")
    assert "$104.89" in table.stdout and "$60.24" in table.stdout


def test_lookup_locality_errors(rvutool):
    result = rvutool("lookup", "99213", "--locality", "san francisco")
    assert result.exit_code == 1 and result.stderr.startswith("Error: 'san francisco' matches 2")
    result = rvutool("lookup", "99213", "--zip", "01434")
    assert result.exit_code == 1 and "--locality" in result.stderr


def test_lookup_qp_2026(rvutool):
    [row] = rvutool("lookup", "99213", "--zip", "90012", "--qp", "--date", "2026-08-01", "--json").json()
    assert row["locality"]["conversion_factor"] == 33.5675 and row["locality"]["qp"] is True
    assert row["locality"]["payment_nonfacility"] == 105.41  # 3.14024 x 33.5675 = 105.4105 -> 105.41
    # the national amount uses the QP CF too: total 2.85 x 33.5675 = 95.6674 -> 95.67; 1.72 x 33.5675 -> 57.74
    assert (row["conversion_factor"], row["qp"]) == (33.5675, True)
    assert (row["payment_nonfacility"], row["payment_facility"]) == (95.67, 57.74)


def test_lookup_uses_the_year_gpcis(rvutool):
    [row] = rvutool("lookup", "99213", "--locality", "01182-18", "--date", "2025-06-01", "--json").json()
    # RVU25D 99213: work 1.30, non-facility PE 1.35, MP 0.10; CY2025 LA GPCIs 1.042 / 1.194 / 0.690, CF 32.3465:
    # (1.30 x 1.042 + 1.35 x 1.194 + 0.10 x 0.690) x 32.3465 = (1.3546 + 1.6119 + 0.069) x 32.3465
    #   = 3.0355 x 32.3465 = 98.1878... -> 98.19
    assert (row["work_rvu"], row["pe_nonfacility"], row["mp"]) == (1.30, 1.35, 0.10)
    assert row["locality"]["gpcis"] == {"work": 1.042, "pe": 1.194, "mp": 0.69}
    assert row["locality"]["payment_nonfacility"] == 98.19


def test_logged_line_estimate(catalog):
    release = catalog.release("RVU26C")
    row = catalog.rows("49505", release)[""]
    loc, cf = locality.find("01182-18", 2026, catalog), locality.conversion_factor(release)
    # 49505 LA facility fee 15.82756 x 33.4009 = 528.6547...; logged as the 2nd procedure
    # (base 7.76, credited 3.88): 528.6547... x 3.88 / 7.76 = 264.3274... -> 264.33, as calc gives
    estimate = locality.logged_line_estimate(row, 1, Decimal("7.76"), Decimal("3.88"), loc, cf, "facility")
    assert estimate == Decimal("264.33")
    assert locality.logged_line_estimate(row, 1, Decimal("7.76"), Decimal("3.88"), loc, cf, "nonfacility") is None


def test_lookup_fast_path_takes_the_locality_options(capsys):
    from rvutool.cli import fastpath
    from rvutool.cli.guard import guard

    plain = fastpath.plain(["lookup", "99213", "--locality", "01182-18", "--qp", "--date", "2026-08-01", "--json"])
    assert plain is not None  # handled without typer (None would mean "fall back to the typer app")
    assert guard(*plain) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["locality"]["payment_facility"] == 60.54  # 1.80345 x 33.5675 = 60.5373... -> 60.54
