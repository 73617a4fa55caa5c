"""`rvutool data import` and `rvutool data status`: real CMS files, own fixtures, and bad input."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest
from cms_fixtures import (
    HCPCS_RECORDS,
    PREAMBLE_LINES,
    RVU26D_CODES,
    RVU26D_ROWS,
    FixtureRow,
    gpci_csv,
    hcpcs_file,
    hcpcs_record,
    pprrvu_csv,
    rvu26d_csv,
    write,
    zip_of,
)
from conftest import cms_file


def snapshot(folder):
    """Every file under a folder and its bytes; None when the folder does not exist."""
    if not folder.exists():
        return None
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def imports(home):
    return home / "imported"


def one_error_line(result):
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


# ---------------------------------------------------------------- real CMS files
@pytest.fixture(scope="module")
def real_rvu26c(tmp_path_factory):
    """The real RVU26C CSV imported once (domain call); tests copy the result into their home."""
    from rvutool.catalog.imports import import_file

    folder = tmp_path_factory.mktemp("real") / "imported"
    report = import_file(cms_file("PPRRVU2026_Jul_nonQPP.csv"), folder=folder)
    return folder, report


def test_real_rvu26c_import_through_the_cli(rvutool, home):
    result = rvutool("data", "import", str(cms_file("PPRRVU2026_Jul_nonQPP.csv")))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    out = result.stdout
    assert "RVU26C" in out and "CY2026" in out and "CMS released 2026-06-30" in out
    # SOURCES.md: 19,356 data rows, 17,096 distinct codes
    assert "19,356 rows" in out and "17,096 codes" in out
    assert "2026-07-01 to 2026-12-31" in out  # the July release takes effect at its quarter start
    [meta] = json.loads((imports(home) / "releases.json").read_text())["releases"]
    assert (meta["id"], meta["rows"], meta["codes"], meta["conversion_factor"]) == ("RVU26C", 19356, 17096, "33.4009")
    assert meta["source_sha256"] == "b7d197e73211ef6854c213c267d5fa9dec8df995db8e1ee7d44c0556ad7cee21"
    assert meta["file"] == "RVU26C.json" and meta["source_file"] == "PPRRVU2026_Jul_nonQPP.csv"


def test_real_import_brings_descriptors_to_lookup_and_search(rvutool, home, real_rvu26c):
    folder, report = real_rvu26c
    assert (report.rows, report.codes, report.descriptors_from_file) == (19356, 17096, 17096)
    shutil.copytree(folder, imports(home))
    [row] = rvutool("lookup", "99213", "--json").json()
    assert isinstance(row["description"], str) and row["description"]
    assert row["work_rvu"] == 1.30  # same CMS value as the bundled RVU26C
    text = rvutool("lookup", "99213")
    assert "Descriptor" in text.stdout and "American Medical Association" in text.stdout
    # "perq": CMS's short descriptors abbreviate percutaneous so; rvutool's own names never do
    hits = rvutool("search", "perq", "--year", "2026", "--limit", "1000", "--json").json()
    described = [h for h in hits if h["match"] == "descriptor"]
    assert described and all(h["description"] for h in described)
    # rvutool's names and aliases rank first, then CMS descriptor matches, then families and the
    # plain-language topic ("office visits"), then words found only in CMS's long Level II descriptions
    order = ["alias", "name", "descriptor", "family", "topic", "hcpcs"]
    assert {h["match"] for h in hits} <= set(order)
    assert [h["match"] for h in hits] == sorted((h["match"] for h in hits), key=order.index)
    assert all(h["match"] != "descriptor" or "PERQ" in h["description"].upper() for h in hits)


def test_real_hcpcs_file_adds_level_ii_descriptors(rvutool, home, real_rvu26c):
    shutil.copytree(real_rvu26c[0], imports(home))
    [before] = rvutool("lookup", "G0121", "--json").json()
    result = rvutool("data", "import", str(cms_file("HCPC2026_JAN_ANWEB_01122026.txt")))
    assert result.exit_code == 0, result.stderr
    # SOURCES.md: 8,623 codes (+ 383 modifiers, which are not codes)
    assert "8,623 Level II codes" in result.stdout
    [after] = rvutool("lookup", "G0121", "--json").json()
    # The HCPCS file's long description replaces the PPRRVU short one for Level II codes.
    assert after["description"] and after["description"] != before["description"]
    assert len(after["description"]) > len(before["description"])
    # Importing the PPRRVU file again keeps the long text.
    assert rvutool("data", "import", str(cms_file("PPRRVU2026_Jul_nonQPP.csv"))).exit_code == 0
    [again] = rvutool("lookup", "G0121", "--json").json()
    assert again["description"] == after["description"]
    status = rvutool("data", "status", "--json").json()
    assert status["descriptors"]["hcpcs_file"]["descriptors"] == 8623
    assert "codes" not in status["descriptors"]["hcpcs_file"]


def test_real_hcpcs_file_alone(rvutool):
    result = rvutool("data", "import", str(cms_file("HCPC2026_JAN_ANWEB_01122026.txt")))
    assert result.exit_code == 0, result.stderr
    [row] = rvutool("lookup", "G0121", "--json").json()
    assert row["description"] and row["release"] == "RVU26C"  # bundled numbers, imported words
    [dental] = rvutool("lookup", "D6010", "--json").json()
    assert dental["description"] is None  # the HCPCS file has no D codes


# ---------------------------------------------------------------- own fixture: a fake RVU26D
def test_fixture_release_takes_effect_from_its_quarter(rvutool, tmp_path):
    source = write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv())
    result = rvutool("data", "import", str(source))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "RVU26D" in out and "CMS released 2026-08-26" in out and "CF 33.4009" in out
    assert f"{len(RVU26D_ROWS)} rows · {RVU26D_CODES} codes" in out
    assert "2026-10-01 to 2026-12-31" in out

    [oct15] = rvutool("lookup", "99213", "--date", "2026-10-15", "--json").json()
    # fixture row: work 1.31 + PE 1.46 + MP 0.09 = 2.86; 2.86 x 33.4009 = 95.5266 -> 95.53
    assert (oct15["release"], oct15["work_rvu"], oct15["total_nonfacility"]) == ("RVU26D", 1.31, 2.86)
    assert oct15["payment_nonfacility"] == 95.53
    assert oct15["description"] == "Fixture visit alpha"
    [sep30] = rvutool("lookup", "99213", "--date", "2026-09-30", "--json").json()
    assert (sep30["release"], sep30["work_rvu"]) == ("RVU26C", 1.30)  # CMS RVU26C, still in force
    [by_year] = rvutool("lookup", "99213", "--year", "2026", "--json").json()
    assert by_year["release"] == "RVU26D"  # the newest release of the year
    text = rvutool("lookup", "99213", "--date", "2026-10-15")
    assert "Fixture visit alpha" in text.stdout and "RVU26D" in text.stdout
    assert "American Medical Association" in text.stdout


def test_reimporting_a_release_replaces_it(rvutool, tmp_path, home):
    source = write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv())
    assert rvutool("data", "import", str(source)).exit_code == 0
    again = rvutool("data", "import", str(source))
    assert again.exit_code == 0 and "replaces the earlier import" in again.stdout
    listed = json.loads((imports(home) / "releases.json").read_text())["releases"]
    assert [r["id"] for r in listed] == ["RVU26D"]
    # (.lock is the lock an import holds while it merges and writes)
    assert sorted(p.name for p in imports(home).iterdir()) == [".lock", "RVU26D.json", "descriptors.json",
                                                               "releases.json"]


def test_zip_with_qpp_and_non_qpp_files_uses_non_qpp(rvutool, tmp_path):
    qpp_rows = [FixtureRow("99213", "Fixture visit alpha", "9.99", "1.46", "0.33", "0.09")]
    archive = zip_of(tmp_path / "rvu26d-updated-08-26-2026.zip", {
        "PPRRVU2026_Oct_QPP.csv": pprrvu_csv(qpp_rows, conversion_factor="33.5675", pric="1"),
        "PPRRVU2026_Oct_nonQPP.csv": rvu26d_csv(),
        "GPCI2026.csv": gpci_csv(2026, [("10112", "AL", "00", "ALABAMA", "1.000", "0.875", "0.566")]),
    })
    result = rvutool("data", "import", str(archive))
    assert result.exit_code == 0, result.stderr
    assert "PPRRVU2026_Oct_nonQPP.csv" in result.stdout
    # the QPP file's rows are not read, its CONV FACTOR is: the QP CF of the release
    assert "QP CF 33.5675" in result.stdout and "GPCIs of 1 localities" in result.stdout
    [row] = rvutool("lookup", "99213", "--date", "2026-10-15", "--json").json()
    assert (row["work_rvu"], row["conversion_factor"]) == (1.31, 33.4009)
    status = rvutool("data", "status", "--json").json()
    imported = [r for r in status["releases"] if r["origin"] == "imported"]
    assert [r["source_file"] for r in imported] == ["rvu26d-updated-08-26-2026.zip"]


def test_cy2025_layout_imports(rvutool, tmp_path):
    payload = pprrvu_csv(RVU26D_ROWS, year=2025, month="July", released="06/13/2025", conversion_factor="32.3465")
    assert payload.splitlines()[PREAMBLE_LINES - 1].count(b",") == 30  # 31 columns, no PRIC IND
    result = rvutool("data", "import", str(write(tmp_path / "PPRRVU25_JUL.csv", payload)))
    assert result.exit_code == 0, result.stderr
    assert "RVU25C" in result.stdout and "2025-07-01 to 2025-12-31" in result.stdout
    [aug] = rvutool("lookup", "99213", "--date", "2025-08-01", "--json").json()
    assert (aug["release"], aug["work_rvu"]) == ("RVU25C", 1.31)
    # From 2025-10-01 the bundled October release (RVU25D) is newer: CMS's 1.30 again.
    [nov] = rvutool("lookup", "99213", "--date", "2025-11-01", "--json").json()
    assert (nov["release"], nov["work_rvu"]) == ("RVU25D", 1.30)


def test_own_hcpcs_fixture_joins_records_and_wins_for_level_ii(rvutool, tmp_path):
    assert rvutool("data", "import", str(write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv()))).exit_code == 0
    result = rvutool("data", "import", str(write(tmp_path / "HCPC2026_JAN_ANWEB.txt", hcpcs_file(HCPCS_RECORDS))))
    assert result.exit_code == 0, result.stderr
    assert "2 Level II codes" in result.stdout
    expected = "Fixture long screening text that goes on and ends on a second record"
    [g] = rvutool("lookup", "G0121", "--date", "2026-10-15", "--json").json()
    assert g["description"] == expected
    assert rvutool("data", "import", str(tmp_path / "PPRRVU2026_Oct_nonQPP.csv")).exit_code == 0
    [g] = rvutool("lookup", "G0121", "--date", "2026-10-15", "--json").json()
    assert g["description"] == expected  # the PPRRVU short text does not replace it
    [visit] = rvutool("lookup", "99213", "--date", "2026-10-15", "--json").json()
    assert visit["description"] == "Fixture visit alpha"


def test_descriptor_file_layout_and_privacy(rvutool, tmp_path, home):
    from rvutool.catalog.imports import encode_descriptors

    assert rvutool("data", "import", str(write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv()))).exit_code == 0
    raw = (imports(home) / "descriptors.json").read_bytes()
    mapping = json.loads(raw)
    assert raw == json.dumps(mapping, indent=0, sort_keys=True, ensure_ascii=True).encode()
    assert raw == encode_descriptors(mapping)
    assert b'\n"99213": "Fixture visit alpha",\n' in raw  # one code per line
    assert stat.S_IMODE(os.stat(imports(home)).st_mode) == 0o700
    for name in ("descriptors.json", "releases.json", "RVU26D.json"):
        assert stat.S_IMODE(os.stat(imports(home) / name).st_mode) == 0o600


# ---------------------------------------------------------------- data status
def test_status_before_any_import_creates_nothing(rvutool, home):
    result = rvutool("data", "status", "--json")
    assert result.exit_code == 0, result.stderr
    status = result.json()
    assert [(r["id"], r["origin"], r["year"]) for r in status["releases"]] == [
        ("RVU25D", "bundled", 2025), ("RVU26C", "bundled", 2026)]
    rvu26c = status["releases"][1]
    assert (rvu26c["rows"], rvu26c["codes"], rvu26c["conversion_factor"]) == (19356, 17096, "33.4009")
    assert (rvu26c["applies_from"], rvu26c["applies_to"], rvu26c["released"]) == (
        "2026-01-01", "2026-12-31", "2026-06-30")
    assert rvu26c["descriptors"] == 0 and status["descriptors"]["count"] == 0
    text = rvutool("data", "status")
    assert text.exit_code == 0 and "no descriptors" in text.stdout and "RVU25D" in text.stdout
    assert not home.exists()


def test_status_after_import(rvutool, tmp_path):
    assert rvutool("data", "import", str(write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv()))).exit_code == 0
    status = rvutool("data", "status", "--json").json()
    [imported] = [r for r in status["releases"] if r["origin"] == "imported"]
    assert imported["id"] == "RVU26D" and imported["rows"] == len(RVU26D_ROWS)
    assert (imported["applies_from"], imported["applies_to"]) == ("2026-10-01", "2026-12-31")
    assert imported["descriptors"] == RVU26D_CODES and imported["imported_at"].endswith("Z")
    bundled_26c = next(r for r in status["releases"] if r["id"] == "RVU26C")
    assert bundled_26c["descriptors"] == RVU26D_CODES  # descriptors belong to codes, not releases
    text = rvutool("data", "status")
    assert "imported" in text.stdout and "dates 2026-10-01 to 2026-12-31" in text.stdout


# ---------------------------------------------------------------- bad input changes nothing
def _truncated_csv() -> bytes:
    payload = rvu26d_csv()
    return payload[: payload.rindex(b"\r\n", 0, len(payload) - 2) + 20]  # cut inside the last row


def _bad_totals() -> bytes:
    rows = list(RVU26D_ROWS)
    rows[1] = FixtureRow("99214", "Fixture visit after 99213", "1.92", total_nonfacility="9.99")
    return pprrvu_csv(rows)


BAD_FILES = {
    "empty": (lambda p: write(p / "PPRRVU2026_Oct_nonQPP.csv", b""), "is empty"),
    "blank": (lambda p: write(p / "PPRRVU2026_Oct_nonQPP.csv", b" \r\n\r\n"), "is empty"),
    "binary": (lambda p: write(p / "junk.csv", bytes(range(256)) * 40), "not a text file"),
    "no header": (lambda p: write(p / "notes.csv", b"a,b,c\r\n1,2,3\r\n"), "no header row starting with HCPCS"),
    "totals": (lambda p: write(p / "PPRRVU2026_Oct_nonQPP.csv", _bad_totals()),
               f"line {PREAMBLE_LINES + 2}: 99214 work 1.92"),
    "truncated": (lambda p: write(p / "PPRRVU2026_Oct_nonQPP.csv", _truncated_csv()), "truncated file?"),
    "zip without PPRRVU": (lambda p: zip_of(p / "rvu26d.zip", {"GPCI2026.csv": b"x\r\n"}), "holds no PPRRVU"),
    "spreadsheet": (lambda p: zip_of(p / "PPRRVU2026_Oct_nonQPP.xlsx", {
        "[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}), "is a spreadsheet"),
    "truncated zip": (lambda p: write(p / "rvu26d.zip", zip_of(p / "whole.zip", {
        "PPRRVU2026_Oct_nonQPP.csv": rvu26d_csv()}).read_bytes()[:300]), "not a readable zip"),
    "qpp only": (lambda p: write(p / "PPRRVU2026_Oct_QPP.csv", rvu26d_csv()), "is the QPP file"),
    "hcpcs truncated": (lambda p: write(p / "HCPC2026.txt", hcpcs_file(HCPCS_RECORDS)[:-200]),
                        "expected 320 (truncated file?)"),
    "hcpcs bad code": (lambda p: write(p / "HCPC2026.txt", hcpcs_file(
        [*HCPCS_RECORDS, hcpcs_record("9921X", 100, "3", "Fixture bad code")])), "is not a HCPCS Level II code"),
    "missing": (lambda p: p / "nowhere.csv", "no such file"),
    "folder": (lambda p: p, "is a folder"),
}


@pytest.mark.parametrize("already_imported", [False, True], ids=["fresh home", "after an import"])
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_one_error_line_and_changes_nothing(rvutool, tmp_path, home, case, already_imported):
    if already_imported:
        good = write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv())
        assert rvutool("data", "import", str(good)).exit_code == 0
    before = snapshot(imports(home))
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    make, message = BAD_FILES[case]
    result = rvutool("data", "import", str(make(bad_dir)))
    assert result.exit_code == 1
    assert message in one_error_line(result)
    assert snapshot(imports(home)) == before
    if not already_imported:
        assert not home.exists()


def test_damaged_release_list_is_reported_not_overwritten(rvutool, tmp_path, home):
    source = write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv())
    assert rvutool("data", "import", str(source)).exit_code == 0
    (imports(home) / "releases.json").write_text("{not json")
    before = snapshot(imports(home))
    result = rvutool("data", "import", str(source))
    assert result.exit_code == 1 and "releases.json" in one_error_line(result)
    assert snapshot(imports(home)) == before


def test_a_crash_before_the_release_list_is_written_lists_nothing(tmp_path, home, monkeypatch, rvutool):
    """releases.json is written last: if the import dies just before it, no release is listed."""
    from rvutool.catalog import imports as importing
    from rvutool.catalog.codes import Catalog

    real_stage = importing.datafile.stage

    def dies_on_the_index(path, payload, mode=0o644):
        if path.name == "releases.json":
            raise KeyboardInterrupt
        return real_stage(path, payload, mode)

    monkeypatch.setattr(importing.datafile, "stage", dies_on_the_index)
    with pytest.raises(KeyboardInterrupt):
        importing.import_file(write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv()))
    monkeypatch.setattr(importing.datafile, "stage", real_stage)
    assert [r.origin for r in Catalog().releases] == ["bundled", "bundled"]
    # the files written before it were staged beside their targets, and removed: nothing is left
    assert sorted(p.name for p in imports(home).iterdir()) == [".lock"]
    [row] = rvutool("lookup", "99213", "--date", "2026-10-15", "--json").json()
    assert (row["release"], row["work_rvu"]) == ("RVU26C", 1.30)


def test_progress_bar_path_runs_when_stderr_is_a_terminal(rvutool, tmp_path, monkeypatch):
    import sys

    source = write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv())
    original = sys.stderr
    monkeypatch.setattr(sys, "stderr", original)  # restored after the test
    monkeypatch.setattr(type(sys.stderr), "isatty", lambda self: True, raising=False)
    result = rvutool("data", "import", str(source))
    assert result.exit_code == 0, result.stderr
    assert "Error" not in result.stderr and "RVU26D" in result.stdout


def test_two_imports_at_once_both_land(home, tmp_path):
    """A release import and a HCPCS import racing each other: both are recorded."""
    import os
    import subprocess
    import sys

    hcpcs = cms_file("HCPC2026_JAN_ANWEB_01122026.txt")
    rvu = cms_file("PPRRVU2025_Oct.csv")
    env = dict(os.environ, RVUTOOL_HOME=str(home))
    procs = [subprocess.Popen([sys.executable, "-m", "rvutool", "data", "import", str(path)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for path in (rvu, hcpcs)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    status = json.loads(subprocess.run([sys.executable, "-m", "rvutool", "data", "status", "--json"], env=env,
                                       capture_output=True, text=True, check=True).stdout)
    text = json.dumps(status)
    assert "RVU25D" in text and "imported" in text
    from rvutool.catalog.imports import load_descriptors

    descriptors = load_descriptors(imports(home))
    assert "G0121" in descriptors and "99213" in descriptors  # from the HCPCS file and from the PPRRVU file
