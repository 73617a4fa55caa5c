"""The bundled dataset: complete, exact, reproducible, and free of descriptor text."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from decimal import Decimal

import pytest
from conftest import CMS, REPO, cms_file

from rvutool import paths
from rvutool.catalog import taxonomy
from rvutool.catalog.datafile import DataFile

FIELDS_WITH_AMOUNTS = ("work", "pe_nonfacility", "pe_facility", "mp", "total_nonfacility", "total_facility")


@pytest.fixture(scope="module")
def dataset():
    return DataFile(paths.bundled_dataset())


def test_every_row_of_both_releases_is_present(dataset):
    rows = Counter(raw[0] for line in dataset.iter_lines() for raw in line[2])
    assert rows == {"RVU26C": 19_356, "RVU25D": 19_090}
    releases = {r["id"]: r for r in dataset.header["releases"]}
    assert releases["RVU26C"]["rows"] == 19_356 and releases["RVU25D"]["rows"] == 19_090
    assert releases["RVU26C"]["conversion_factor"] == "33.4009"
    assert releases["RVU25D"]["conversion_factor"] == "32.3465"
    assert releases["RVU26C"]["released"] == "2026-06-30"
    assert (releases["RVU26C"]["applies_from"], releases["RVU26C"]["applies_to"]) == ("2026-01-01", "2026-12-31")


def test_rows_are_unique_and_add_up(dataset):
    fields = dataset.header["fields"]
    seen = set()
    for code, category, rows in dataset.iter_lines():
        assert category == taxonomy.category_of(code) and category in taxonomy.CATEGORIES
        for release, modifier, *values in rows:
            key = (code, modifier, release)
            assert key not in seen
            seen.add(key)
            row = dict(zip(fields, values, strict=True))
            assert all(Decimal(row[f]) >= 0 for f in FIELDS_WITH_AMOUNTS)
            assert row["work"] + row["pe_nonfacility"] + row["mp"] == row["total_nonfacility"]
            assert row["work"] + row["pe_facility"] + row["mp"] == row["total_facility"]


def test_localities_for_both_years(dataset):
    localities = dataset.header["localities"]
    assert len(localities["2025"]) == 109 and len(localities["2026"]) == 109
    la = next(row for row in localities["2026"] if row[:2] == ["01182", "18"])
    # work (floored), PE and MP GPCI, 2026, then the work GPCI without the floor (the same in LA)
    assert la[4:] == ["1.041", "1.183", "0.664", "1.041"]
    alabama = next(row for row in localities["2026"] if row[2] == "AL")
    assert alabama[4] == "1.000" and alabama[7] == "0.988"  # the 1.0 work floor, and the value without it
    # the CY2025 file publishes one work column (with the floor): nothing kept beside it
    assert all(row[7] == "" for row in localities["2025"])


@pytest.mark.parametrize("code, key", [
    ("99213", "em"), ("00100", "anesthesia"), ("27447", "surgery-musculoskeletal"),
    ("47562", "surgery-digestive"), ("71046", "radiology"), ("80053", "pathology-lab"),
    ("90471", "medicine"), ("0001F", "category-ii"), ("0591T", "category-iii"),
    ("G0121", "hcpcs-g"), ("J1100", "hcpcs-j"), ("D0120", "dental-diagnostic"),
    ("D1510", "dental-preventive"), ("D2740", "dental-restorative"), ("D3310", "dental-endodontics"),
    ("D4341", "dental-periodontics"), ("D5110", "dental-removable-prosthodontics"),
    ("D5986", "dental-maxillofacial-prosthetics"), ("D6010", "dental-implant"),
    ("D6240", "dental-fixed-prosthodontics"), ("D7140", "dental-oral-surgery"),
    ("D8080", "dental-orthodontics"), ("D9110", "dental-adjunctive"),
])
def test_taxonomy(code, key):
    assert taxonomy.category_of(code) == key


def test_rebuilding_reproduces_the_committed_files(tmp_path):
    """codes.json and zip_localities.json from the CMS files; the name files from data/names/*.tsv and the
    HCPCS file: same inputs, same bytes."""
    cms_file("PPRRVU2026_Jul_nonQPP.csv")
    done = subprocess.run([sys.executable, "-m", "rvutool.build", "--cms", str(CMS), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    for name in ("codes.json", "zip_localities.json", "names.txt", "families.txt", "name_index.txt"):
        assert (tmp_path / name).read_bytes() == (REPO / "data" / name).read_bytes(), name


def test_no_descriptor_text_in_the_repository():
    checker = REPO.parent / "shared" / "tools" / "check_no_descriptors.py"
    if not checker.exists():
        pytest.skip(f"{checker} is absent")
    done = subprocess.run([sys.executable, str(checker), str(REPO)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
