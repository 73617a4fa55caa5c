"""Finding a code without reading the whole dataset: the sorted code lines are the index."""

from __future__ import annotations

import pytest
from cms_fixtures import rvu26d_csv, write

from rvutool import paths
from rvutool.catalog.datafile import FORMAT, DataFile, encode_code_line, encode_file
from rvutool.catalog.fields import FIELD_NAMES
from rvutool.errors import DatasetError

VALUES = ["A", "", *["0.00"] * (len(FIELD_NAMES) - 2)]


def tiny_dataset(path, codes):
    lines = [encode_code_line(code, "other", [("RVU26C", "", VALUES)]) for code in codes]
    path.write_bytes(encode_file({"format": FORMAT, "releases": []}, lines))
    return DataFile(path)


@pytest.fixture(scope="module")
def bundled():
    return DataFile(paths.bundled_dataset())


def test_every_bundled_code_is_found_including_the_first_and_the_last(bundled):
    codes = bundled.codes()
    assert codes == sorted(codes) and len(codes) > 17_000
    for code in codes:
        assert bundled.code_line(code)[0] == code
    assert bundled.code_line(codes[0])[0] == "0001F" and bundled.code_line(codes[-1])[0] == "V5364"


@pytest.mark.parametrize("code", ["00000", "0001E", "99999", "ZZZZZ", "99213"[:4] + "Z", "D0000"])
def test_codes_not_in_the_dataset_are_not_found(bundled, code):
    assert code in bundled.codes() or bundled.code_line(code) is None


@pytest.mark.parametrize("codes", [[], ["99213"], ["0001F", "99213"], [f"{n:05d}" for n in range(10_000, 13_000, 7)]])
def test_small_files_are_searched_the_same_way(tmp_path, codes):
    data = tiny_dataset(tmp_path / "codes.json", codes)
    assert data.codes() == codes
    for code in codes:
        assert data.code_line(code)[0] == code
    assert data.code_line("10001") is None and data.code_line("ZZZZZ") is None


def test_code_lines_must_be_written_in_order(tmp_path):
    with pytest.raises(ValueError, match="sorted"):
        tiny_dataset(tmp_path / "codes.json", ["99213", "0001F"])


def test_a_lookup_reads_a_few_pages_not_the_whole_file(bundled):
    touched = []

    class Counting:
        def __init__(self, real):
            self.real = real

        def __getitem__(self, key):
            touched.append(key.stop - key.start)
            return self.real[key]

        def __getattr__(self, name):
            return getattr(self.real, name)

        def __len__(self):
            return len(self.real)

    data = DataFile(paths.bundled_dataset())
    data._map = Counting(data._map)
    assert data.code_line("99213")[0] == "99213"
    assert sum(touched) < 2_000  # a few bytes per probe and one line, out of 5 MB


# ---------------------------------------------------------------- damaged files
def imported_release(rvutool, tmp_path, home):
    result = rvutool("data", "import", str(write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv())))
    assert result.exit_code == 0, result.stderr
    return home / "imported" / "RVU26D.json"


def one_error_line(result):
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.stderr + result.stdout
    return lines[0]


@pytest.mark.parametrize("damage, says", [
    (lambda raw: raw[:-10], "ends before its list of codes does"),
    (lambda raw: b"", "is empty"),
    (lambda raw: raw.replace(b'["99213","em",[', b'["99213","em",[}', 1), "damaged near code 99213"),
    (lambda raw: raw.replace(b'"codes":[', b'"codes":', 1), "damaged or not an rvutool dataset"),
    (lambda raw: raw.replace(b'"format":', b'"format"', 1), "its header is not JSON"),
])
def test_a_damaged_imported_release_is_one_clear_error_naming_the_file(rvutool, tmp_path, home, damage, says):
    path = imported_release(rvutool, tmp_path, home)
    path.write_bytes(damage(path.read_bytes()))
    result = rvutool("lookup", "99213", "--date", "2026-10-15")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert str(path) in line and says in line, line


def test_code_lines_out_of_shape_are_reported_not_misread(tmp_path):
    path = tiny_dataset(tmp_path / "codes.json", [f"{n:05d}" for n in range(10_000, 13_000, 7)]).path
    path.write_bytes(path.read_bytes().replace(b'\n["1', b'\n[ "1'))
    with pytest.raises(DatasetError, match="out of shape") as caught:
        DataFile(path).code_line("11001")
    assert str(path) in caught.value.message
