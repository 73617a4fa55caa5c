"""`rvutool data import` refuses bad CMS files (issue 8): out-of-range years and amounts,
decimals that are not finite, zip bombs, files that are not regular files, a full disk.

Every refusal is one line on stderr naming the file (and the line and code where there is
one), exit status 1, and the imports folder byte-identical to what it was before.
"""

from __future__ import annotations

import errno
import io
import json
import os
import struct
import zipfile
from datetime import UTC, datetime

import pytest
from cms_fixtures import HCPCS_RECORDS, RVU26D_ROWS, FixtureRow, hcpcs_file, pprrvu_csv, rvu26d_csv, write, zip_of
from conftest import cms_file
from test_data_import import imports, one_error_line, snapshot

NAME = "PPRRVU2026_Oct_nonQPP.csv"
ROW_LINE = 12  # 99214, the second data row of the fixture (data starts on line 11)


def _with_row(row: FixtureRow, **overrides) -> bytes:
    rows = list(RVU26D_ROWS)
    rows[1] = row
    return pprrvu_csv(rows, **overrides)


def _visit(**values) -> FixtureRow:
    """99214 with the given cells; the totals are given outright so that nothing adds the bad values."""
    cells = {"work": "1.92", "total_nonfacility": "2.47", "total_facility": "2.17", **values}
    return FixtureRow("99214", "Fixture visit after 99213", **cells)


def _title(year: str) -> bytes:
    return rvu26d_csv().replace(b"2026 National Physician", year.encode() + b" National Physician", 1)


def _released(stamp: str) -> bytes:
    return rvu26d_csv().replace(b"RELEASED 08/26/2026", b"RELEASED " + stamp.encode(), 1)


# (file contents, fragments the one error line must hold)
BAD_VALUES = {
    "work Infinity": (_with_row(_visit(work="Infinity")), ["line 12: 99214", "work RVU 'Infinity'", "not a"]),
    "work -Infinity": (_with_row(_visit(work="-Infinity")), ["line 12: 99214", "'-Infinity'"]),
    "work NaN": (_with_row(_visit(work="NaN")), ["line 12: 99214", "work RVU 'NaN'"]),
    "work sNaN": (_with_row(_visit(work="sNaN")), ["line 12: 99214", "work RVU 'sNaN'"]),
    "work 1e20": (_with_row(_visit(work="1e20")), ["line 12: 99214", "work RVU '1e20'"]),
    "work 1_0": (_with_row(_visit(work="1_0")), ["line 12: 99214", "work RVU '1_0'"]),
    "work negative": (_with_row(_visit(work="-1.92", total_nonfacility="-1.37", total_facility="-1.67")),
                      ["line 12: 99214", "work RVU -1.92", "negative"]),
    "work above the ceiling": (_with_row(_visit(work="1500.00", total_nonfacility="1500.55",
                                                total_facility="1500.25")),
                               ["line 12: 99214", "work RVU 1500.00", "above"]),
    "PE sNaN": (_with_row(_visit(pe_nonfacility="sNaN")), ["line 12: 99214", "non-facility PE RVU 'sNaN'"]),
    "facility PE NaN": (_with_row(_visit(pe_facility="NaN")), ["line 12: 99214", "facility PE RVU 'NaN'"]),
    "MP Infinity": (_with_row(_visit(mp="Infinity")), ["line 12: 99214", "MP RVU 'Infinity'"]),
    "MP negative": (_with_row(_visit(mp="-0.05", total_nonfacility="2.37", total_facility="2.07")),
                    ["line 12: 99214", "MP RVU -0.05", "negative"]),
    "total sNaN": (_with_row(_visit(total_nonfacility="sNaN")), ["line 12: 99214", "non-facility total 'sNaN'"]),
    "total above the ceiling": (_with_row(_visit(pe_nonfacility="1998.00", total_nonfacility="2000.00")),
                                ["line 12: 99214", "above"]),
    "facility total off": (_with_row(_visit(total_facility="2.18")),
                           ["line 12: 99214 work 1.92", "facility total 2.18"]),
    "pre-op fraction NaN": (_with_row(_visit(pre_op="NaN")), ["line 12: 99214", "pre-op 'NaN'"]),
    "post-op fraction above 1": (_with_row(_visit(post_op="1.50")), ["line 12: 99214", "post-op 1.50", "above"]),
    "conversion factor NaN": (rvu26d_csv(conversion_factor="NaN"), ["line 11: 99213", "conversion factor 'NaN'"]),
    "conversion factor sNaN": (rvu26d_csv(conversion_factor="sNaN"), ["line 11: 99213", "conversion factor"]),
    "conversion factor zero": (rvu26d_csv(conversion_factor="0"), ["line 11: 99213", "conversion factor 0"]),
    "conversion factor negative": (rvu26d_csv(conversion_factor="-33.4009"), ["line 11: 99213", "negative"]),
    "title year 0000": (_title("0000"), [f"{NAME} line 1:", "year 0000", "1992"]),
    "title year 9999": (_title("9999"), [f"{NAME} line 1:", "year 9999"]),
    "title year 1926": (_title("1926"), [f"{NAME} line 1:", "year 1926"]),
    "released year 0000": (_released("08/26/0000"), [f"{NAME} line 5:", "0000"]),
    "released not a date": (_released("13/45/2026"), [f"{NAME} line 5:", "13/45/2026", "not a date"]),
    "released years away from the title": (_released("08/26/2031"), [f"{NAME} line 5:", "2031", "CY2026"]),
}


def _run_bad(rvutool, tmp_path, home, make, already_imported):
    if already_imported:
        good = write(tmp_path / NAME, rvu26d_csv())
        assert rvutool("data", "import", str(good)).exit_code == 0
    before = snapshot(imports(home))
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir(exist_ok=True)
    result = rvutool("data", "import", str(make(bad_dir)))
    assert result.exit_code == 1, result.stdout + result.stderr
    line = one_error_line(result)
    assert "internal error" not in line
    assert snapshot(imports(home)) == before
    if not already_imported:
        assert not home.exists()
    return line


@pytest.mark.parametrize("already_imported", [False, True], ids=["fresh home", "after an import"])
@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_bad_value_is_refused_by_file_line_and_code(rvutool, tmp_path, home, case, already_imported):
    payload, fragments = BAD_VALUES[case]
    line = _run_bad(rvutool, tmp_path, home, lambda d: write(d / NAME, payload), already_imported)
    assert NAME in line
    for fragment in fragments:
        assert fragment in line


def test_bad_value_inside_a_zip_names_the_zip_and_member(rvutool, tmp_path, home):
    payload = _with_row(_visit(work="sNaN"))
    line = _run_bad(rvutool, tmp_path, home, lambda d: zip_of(d / "rvu26d.zip", {NAME: payload}), False)
    assert f"rvu26d.zip:{NAME} line {ROW_LINE}: 99214 work RVU 'sNaN'" in line


def test_release_year_taken_from_the_file_name_is_checked_too(rvutool, tmp_path, home):
    untitled = rvu26d_csv().replace(b"2026 National Physician Fee Schedule Relative Value File October Release",
                                    b"", 1)
    line = _run_bad(rvutool, tmp_path, home, lambda d: write(d / "PPRRVU99_OCT.csv", untitled), False)
    assert "PPRRVU99_OCT.csv" in line and "2099" in line and "file name" in line


def test_the_year_window_follows_the_date_not_a_constant(tmp_path):
    """Up to two years ahead of the import date: 2028 in 2026; 2033 in 2031."""
    from rvutool.catalog.imports import import_file
    from rvutool.errors import ImportFileError

    in_2026, in_2031 = datetime(2026, 11, 29, tzinfo=UTC), datetime(2031, 1, 2, tzinfo=UTC)
    ahead = write(tmp_path / "PPRRVU2028_Oct_nonQPP.csv", _title("2028").replace(b"08/26/2026", b"08/26/2028"))
    assert import_file(ahead, folder=tmp_path / "a", now=in_2026).release["id"] == "RVU28D"
    too_far = write(tmp_path / "PPRRVU2033_Oct_nonQPP.csv", _title("2033").replace(b"08/26/2026", b"08/26/2033"))
    with pytest.raises(ImportFileError, match=r"line 1: release year 2033 is outside 1992\.\.2028"):
        import_file(too_far, folder=tmp_path / "b", now=in_2026)
    assert not (tmp_path / "b").exists()
    assert import_file(too_far, folder=tmp_path / "c", now=in_2031).release["id"] == "RVU33D"


def test_gpci_file_with_a_value_that_is_not_finite_is_refused():
    """The build reads GPCI files with the same number rule."""
    from rvutool.catalog import cmsfile
    from rvutool.errors import ImportFileError

    text = cmsfile.decode(cms_file("GPCI2026.csv").read_bytes())
    first = next(line for line in text.splitlines() if line[:5].strip(",").isdigit())
    cells = first.split(",")
    cells[-1] = "sNaN"
    with pytest.raises(ImportFileError, match="sNaN"):
        cmsfile.parse_gpci(text.replace(first, ",".join(cells), 1), "GPCI2026.csv")


def test_rows_and_preamble_are_bounded(tmp_path, monkeypatch):
    """What a file can make the parser hold is bounded: data rows, and lines before the header."""
    from rvutool.catalog import cmsfile
    from rvutool.errors import ImportFileError

    monkeypatch.setattr(cmsfile, "MAX_DATA_ROWS", 3)
    with pytest.raises(ImportFileError, match=f"{NAME} line 14: more than 3 data rows"):
        cmsfile.parse_pprrvu(rvu26d_csv().decode("latin-1"), NAME)
    padded = b"\r\n".join([b"note,,"] * cmsfile.MAX_PREAMBLE_ROWS) + b"\r\n" + rvu26d_csv()
    with pytest.raises(ImportFileError, match="no header row starting with HCPCS in the first 100 lines"):
        cmsfile.parse_pprrvu(padded.decode("latin-1"), NAME)


# ---------------------------------------------------------------- zips: bombs and oversized directories
def _declare_sizes(payload: bytes, sizes: dict[str, int]) -> bytes:
    """The zip with the uncompressed sizes its central directory declares changed (data untouched)."""
    out = bytearray(payload)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_len, extra_len, comment_len = struct.unpack("<HHH", out[at + 28:at + 34])
        name = out[at + 46:at + 46 + name_len].decode()
        if name in sizes:
            out[at + 24:at + 28] = struct.pack("<I", sizes[name])
        at = out.find(b"PK\x01\x02", at + 46 + name_len + extra_len + comment_len)
    return bytes(out)


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def _bomb(folder):
    """A PPRRVU member just over the cap that compresses to a few dozen kB."""
    from rvutool.catalog.imports import MAX_MEMBER_BYTES

    filler = b",\r\n" * ((MAX_MEMBER_BYTES + 1024) // 3)
    payload = _zip_bytes({NAME: rvu26d_csv() + filler})
    assert len(payload) < MAX_MEMBER_BYTES // 100
    return write(folder / "rvu26d.zip", payload)


def _declares_huge(folder):
    payload = _zip_bytes({NAME: rvu26d_csv(), "GPCI2026.csv": b"x\r\n"})
    return write(folder / "rvu26d.zip", _declare_sizes(payload, {"GPCI2026.csv": 0xFFFFFFF0}))


def _declares_too_much_in_all(folder):
    from rvutool.catalog.imports import MAX_MEMBER_BYTES, MAX_ZIP_TOTAL_BYTES

    extras = {f"extra{i}.txt": b"x" for i in range(MAX_ZIP_TOTAL_BYTES // MAX_MEMBER_BYTES + 1)}
    payload = _zip_bytes({NAME: rvu26d_csv(), **extras})
    return write(folder / "rvu26d.zip", _declare_sizes(payload, dict.fromkeys(extras, MAX_MEMBER_BYTES)))


def _many_members(folder):
    from rvutool.catalog.imports import MAX_ZIP_MEMBERS

    extras = {f"extra{i}.txt": b"x" for i in range(MAX_ZIP_MEMBERS)}
    return write(folder / "rvu26d.zip", _zip_bytes({NAME: rvu26d_csv(), **extras}))


BAD_ZIPS = {
    "bomb": (_bomb, ["rvu26d.zip", NAME, "more than", "too large"]),
    "declares a huge member": (_declares_huge, ["rvu26d.zip", "GPCI2026.csv", "declares", "too large"]),
    "declares too much in all": (_declares_too_much_in_all, ["rvu26d.zip", "declare ", "in all", "too large"]),
    "too many members": (_many_members, ["rvu26d.zip", "members", "too many"]),
}


@pytest.mark.parametrize("already_imported", [False, True], ids=["fresh home", "after an import"])
@pytest.mark.parametrize("case", sorted(BAD_ZIPS))
def test_zip_bombs_are_refused(rvutool, tmp_path, home, case, already_imported):
    make, fragments = BAD_ZIPS[case]
    line = _run_bad(rvutool, tmp_path, home, make, already_imported)
    for fragment in fragments:
        assert fragment in line


def test_member_is_read_with_a_running_total():
    """Even if a member's declared size lies, reading stops at the cap."""
    from rvutool.catalog.imports import _read_capped
    from rvutool.errors import ImportFileError

    assert _read_capped(io.BytesIO(b"x" * 10), 10, "f.zip:m.csv") == b"x" * 10
    with pytest.raises(ImportFileError, match="f.zip:m.csv: more than 10 bytes"):
        _read_capped(io.BytesIO(b"x" * 11), 10, "f.zip:m.csv")


def test_real_files_are_far_below_the_caps():
    from rvutool.catalog.imports import MAX_FILE_BYTES, MAX_MEMBER_BYTES

    for name in ("PPRRVU2026_Jul_nonQPP.csv", "PPRRVU2025_Oct.csv", "HCPC2026_JAN_ANWEB_01122026.txt"):
        assert cms_file(name).stat().st_size * 3 < MAX_MEMBER_BYTES <= MAX_FILE_BYTES


# ---------------------------------------------------------------- not a regular file, names too long
def _fifo(folder):
    path = folder / "PPRRVU2026_Oct_nonQPP.csv"
    os.mkfifo(path)
    return path


def _dev_zero_link(folder):
    path = folder / "PPRRVU2026_Oct_nonQPP.csv"
    path.symlink_to("/dev/zero")
    return path


def _huge_sparse(folder):
    from rvutool.catalog.imports import MAX_FILE_BYTES

    path = folder / "PPRRVU2026_Oct_nonQPP.csv"
    with open(path, "wb") as fh:
        fh.write(rvu26d_csv())
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    return path


def _long_component(folder):
    return folder / ("P" * 300 + ".csv")


def _long_path(folder):
    return folder.joinpath(*(["d" * 200] * 30), NAME)


NOT_REGULAR = {
    "/dev/zero": (lambda d: __import__("pathlib").Path("/dev/zero"), ["/dev/zero", "not a regular file"]),
    "fifo": (_fifo, [NAME, "not a regular file"]),
    "symlink to /dev/zero": (_dev_zero_link, [NAME, "not a regular file"]),
    "folder": (lambda d: d, ["is a folder"]),
    "name too long": (_long_component, ["PPPP", "file name too long"]),
    "path too long": (_long_path, ["dddd", "file name too long"]),
    "regular but huge": (_huge_sparse, [NAME, "too large"]),
}


@pytest.mark.parametrize("case", sorted(NOT_REGULAR))
def test_not_a_regular_file_is_refused_without_reading(rvutool, tmp_path, home, case):
    make, fragments = NOT_REGULAR[case]
    line = _run_bad(rvutool, tmp_path, home, make, True)
    for fragment in fragments:
        assert fragment in line
    assert len(line) < 400  # an overlong name is shortened for display


def test_control_characters_in_a_file_name_stay_on_one_line(rvutool, tmp_path, home):
    line = _run_bad(rvutool, tmp_path, home, lambda d: write(d / "bad\nname.csv", b"a,b\r\n"), False)
    assert "bad\\nname.csv" in line


# ---------------------------------------------------------------- a full disk
def _full_disk_after(monkeypatch, good_writes):
    """os.fsync as the datafile writer sees it: the first `good_writes` succeed, then ENOSPC."""
    from rvutool.catalog import datafile

    real_fsync, calls = datafile.os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > good_writes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(datafile.os, "fsync", fsync)
    return calls, lambda: monkeypatch.setattr(datafile.os, "fsync", real_fsync)


@pytest.mark.parametrize("good_writes", [0, 1, 2], ids=["release file", "descriptors", "release list"])
def test_full_disk_during_a_release_import_keeps_the_earlier_imports(rvutool, tmp_path, home, monkeypatch,
                                                                      good_writes):
    assert rvutool("data", "import", str(write(tmp_path / NAME, rvu26d_csv()))).exit_code == 0
    before = snapshot(imports(home))
    changed = [FixtureRow("99213", "Fixture visit changed", "2.31", "1.46", "0.33", "0.09"), *RVU26D_ROWS[1:]]
    (tmp_path / "newer").mkdir()
    newer = write(tmp_path / "newer" / NAME, pprrvu_csv(changed))
    calls, disk_freed = _full_disk_after(monkeypatch, good_writes)
    result = rvutool("data", "import", str(newer))
    assert len(calls) == good_writes + 1
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "No space left on device" in line and "internal error" not in line
    assert snapshot(imports(home)) == before
    assert not [p.name for p in imports(home).iterdir() if p.name.endswith(".tmp")]
    disk_freed()
    [row] = rvutool("lookup", "99213", "--date", "2026-10-15", "--json").json()
    assert (row["release"], row["work_rvu"]) == ("RVU26D", 1.31)  # the earlier import, intact


@pytest.mark.parametrize("good_writes", [0, 1], ids=["descriptors", "source list"])
def test_full_disk_during_a_hcpcs_import_keeps_the_earlier_imports(rvutool, tmp_path, home, monkeypatch,
                                                                    good_writes):
    assert rvutool("data", "import", str(write(tmp_path / NAME, rvu26d_csv()))).exit_code == 0
    before = snapshot(imports(home))
    calls, _ = _full_disk_after(monkeypatch, good_writes)
    result = rvutool("data", "import", str(write(tmp_path / "HCPC2026_JAN_ANWEB.txt", hcpcs_file(HCPCS_RECORDS))))
    assert len(calls) == good_writes + 1
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "No space left on device" in line and "internal error" not in line
    assert snapshot(imports(home)) == before


# ---------------------------------------------------------------- real CMS files in release zips
def _code_lines(folder, release_id):
    raw = (folder / f"{release_id}.json").read_bytes()
    return raw[raw.index(b'\n"codes":['):]


@pytest.mark.parametrize("csv_name, others, release_id, rows", [
    ("PPRRVU2026_Jul_nonQPP.csv", ["GPCI2026.csv"], "RVU26C", 19356),
    ("PPRRVU2025_Oct.csv", ["GPCI2025.csv", "ANES2025.csv", "25LOCCO.csv", "RVU25D.pdf"], "RVU25D", 19090),
], ids=["RVU26C", "RVU25D"])
def test_real_release_zip_imports_as_its_csv_does(tmp_path, csv_name, others, release_id, rows):
    """The real CMS files, packed as in CMS's release zip, import exactly as the bare CSV does."""
    from rvutool.catalog.imports import import_file

    members = {name: cms_file(name).read_bytes() for name in [csv_name, *others]}
    archive = zip_of(tmp_path / f"{release_id.lower()}.zip", members)
    from_zip = import_file(archive, folder=tmp_path / "zip")
    from_csv = import_file(cms_file(csv_name), folder=tmp_path / "csv")
    assert (from_zip.member, from_zip.rows, from_zip.release["id"]) == (csv_name, rows, release_id)
    assert from_zip.codes == from_csv.codes
    assert _code_lines(tmp_path / "zip", release_id) == _code_lines(tmp_path / "csv", release_id)
    assert (tmp_path / "zip" / "descriptors.json").read_bytes() == (tmp_path / "csv" / "descriptors.json").read_bytes()
    listed = json.loads((tmp_path / "zip" / "releases.json").read_text())["releases"]
    assert [r["source_member"] for r in listed] == [csv_name]
