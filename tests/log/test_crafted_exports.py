"""A crafted rvutool export is refused at import, cell by cell: well-formed JSON of the wrong shape, codes no
CMS release has, unknown categories, identifiers in any text cell. Nothing is written."""

from __future__ import annotations

import csv
import io

import pytest

from rvutool import paths


@pytest.fixture
def exported(rvutool, tmp_path):
    rvutool("log", "47562", "49505", "--date", "2026-05-01")
    text = rvutool("export").stdout
    rvutool("remove", "--encounter", "1")
    return text


def crafted(tmp_path, text: str, **cells: str):
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0].update(cells)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "crafted.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize(("cells", "words"), [
    ({"flags": '[{"a":2}]'}, "flags should be a list of short words"),
    ({"adjustments": "[1,2,3]"}, "adjustments should be a list of {rule, factor, reason}"),
    ({"adjustments": '[{"rule":"x","factor":"abc","reason":"y"}]'}, "factor that is not a number"),
    ({"options": '{"fraction":"abc"}'}, "--fraction 'abc'"),
    ({"options": '{"colour":"blue"}'}, "unknown keys: colour"),
    ({"policy": '{"multiple_procedure":"double"}'}, "unknown setting multiple_procedure=double"),
    ({"code": "99999"}, "99999 is not in any CMS release"),
    ({"category": "mystery"}, "category (not shown: it may hold patient data) is not one of rvutool's categories"),
    ({"no_wrvu_reason": "pt John Smith DOB 3/14/1962"}, "no_wrvu_reason looks like"),
    ({"adjustments": '[{"rule":"assistant","factor":"0.16","reason":"MRN 12345678"}]'}, "adjustment reason"),
])
def test_a_crafted_cell_is_refused_by_line_and_nothing_is_written(rvutool, tmp_path, exported, cells, words):
    before = paths.log_file().read_bytes()
    out = rvutool("import", str(crafted(tmp_path, exported, **cells)), "--restore")
    assert out.exit_code == 1, out.stdout
    assert "line 2" in out.stderr and words in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert paths.log_file().read_bytes() == before


def test_the_untouched_export_still_restores(rvutool, tmp_path, exported):
    out = rvutool("import", str(crafted(tmp_path, exported)), "--restore")
    assert out.exit_code == 0, out.stderr
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 14.09  # 10.21 + 7.76 x 50%
    assert rvutool("recalc", "--all", "--yes").exit_code == 0 and rvutool("list", "--all", "--explain").exit_code == 0
