"""Benchmark tables the user is licensed to use (issue 22): `rvutool benchmark import | list | remove`, and where
the year's wRVU falls: annualised from the days elapsed, divided by the contract's FTE, placed by linear
interpolation, "below p10" / "above p90" outside the table, with the source and year on the same line.

Today is Monday 2026-11-23 (tests/conftest.py): 327 days of 2026 have elapsed (304 to the end of October + 23).
"""

from __future__ import annotations

import os
import stat
from decimal import Decimal
from pathlib import Path

import pytest

from rvutool import paths
from rvutool.reports.benchmarks import percentile


def flat(text: str) -> str:
    """Output as one line: sentences wrap at the terminal's width."""
    return " ".join(text.split())

D = Decimal
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "benchmark-invented.csv"
POINTS = {10: D(3400), 25: D(4100), 50: D(4900), 75: D(5700), 90: D(6600)}
SMALL = "Specialty,Year,p10,p25,p50,p75,p90\nTest Medicine,2026,100,200,400,600,800\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- interpolation
def test_at_a_point():
    assert percentile(D(4900), POINTS) == (D(50), "at p50")
    assert percentile(D(3400), POINTS) == (D(10), "at p10")
    assert percentile(D(6600), POINTS) == (D(90), "at p90")


def test_between_points():
    # 25 + (4,500 - 4,100) / (4,900 - 4,100) x (50 - 25) = 25 + 400/800 x 25 = 37.5
    assert percentile(D(4500), POINTS) == (D("37.5"), "percentile 37.5 (between p25 and p50)")
    # 75 + (6,000 - 5,700) / 900 x 15 = 75 + 5 = 80.0
    assert percentile(D(6000), POINTS)[0] == D("80.0")
    # 10 + (3,500 - 3,400) / 700 x 15 = 12.142... -> 12.1
    assert percentile(D(3500), POINTS)[0] == D("12.1")


def test_outside_the_range_is_never_extrapolated():
    assert percentile(D("3399.99"), POINTS) == (None, "below p10")
    assert percentile(D(9000), POINTS) == (None, "above p90")
    partial = {25: D(4100), 75: D(5700)}
    assert percentile(D(4000), partial) == (None, "below p25")
    assert percentile(D(4900), partial) == (D("50.0"), "percentile 50.0 (between p25 and p75)")


# ---------------------------------------------------------------- import, list, remove
def test_import_the_invented_example_and_list_it(rvutool):
    out = rvutool("benchmark", "import", str(EXAMPLE), "--source", "invented figures (rvutool examples)")
    assert out.exit_code == 0, out.stderr
    assert flat(out.stdout).startswith("Imported benchmark table benchmark-invented: 6 rows, 6 specialties, year 2025; "
                                 "percentiles p10, p25, p50, p75, p90; source: invented figures (rvutool examples)")
    [table] = rvutool("benchmark", "list", "--json").json()
    assert table["source"] == "invented figures (rvutool examples)" and table["imported"] == "2026-11-23"
    assert table["rows"][0] == {"specialty": "Family Medicine", "year": 2025, "region": "All", "practice_type": None,
                                "fte_basis": "1.0 FTE", "p10": 3400, "p25": 4100, "p50": 4900, "p75": 5700,
                                "p90": 6600}
    stored = paths.benchmarks_dir() / "benchmark-invented.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.benchmarks_dir().stat().st_mode) == 0o700
    again = rvutool("benchmark", "import", str(EXAMPLE), "--source", "x")
    assert again.exit_code == 1 and "add --replace" in again.stderr
    assert rvutool("benchmark", "import", str(EXAMPLE), "--source", "x", "--replace").exit_code == 0
    assert rvutool("benchmark", "remove", "benchmark-invented").exit_code == 0
    assert rvutool("benchmark", "list", "--json").json() == []
    gone = rvutool("benchmark", "remove", "benchmark-invented")
    assert gone.exit_code == 1 and "no benchmark table named benchmark-invented" in gone.stderr


def test_the_example_says_its_figures_are_invented():
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("INVENTED FIGURES") and "not survey data" in first


def test_an_xlsx_table_with_median_and_other_headers(rvutool, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["My licensed survey, 2025 edition"])
    sheet.append(["Physician Specialty", "Survey Year", "25th Percentile", "Median", "75th Percentile"])
    sheet.append(["Cardiology", 2025, 6100, 7300, 8800])
    book.save(tmp_path / "survey.xlsx")
    out = rvutool("benchmark", "import", str(tmp_path / "survey.xlsx"), "--source", "my survey", "--name", "cardio")
    assert out.exit_code == 0, out.stderr
    [table] = rvutool("benchmark", "list", "--json").json()
    assert table["name"] == "cardio" and table["rows"][0]["p50"] == 7300 and "p10" not in table["rows"][0]


@pytest.mark.parametrize(("text", "says"), [
    ("Specialty,p10,p25,p50\nFamily Medicine,3400,5100,4900\n",
     "line 2 (Family Medicine): p50 4,900 is not above p25 5,100: a table's percentiles must increase"),
    ("Specialty,p10,p25\nFamily Medicine,3400,3400\n", "p25 3,400 is not above p10 3,400"),
    ("Specialty,p10,p50\nFamily Medicine,3400,lots\n", "line 2 (Family Medicine): p50 'lots' is not a number"),
    ("Specialty,p10,p50\nFamily Medicine,-1,4900\n", "p10 '-1' is not a number of wRVU above 0"),
    ("Specialty,p10,p50\nFamily Medicine,3400,\n", "fewer than two percentiles given"),
    ("Specialty,p50\nFamily Medicine,4900\n", "at least two of p10, p25"),
    ("Name,p10,p50\nFamily Medicine,3400,4900\n", "no header row naming a specialty column"),
    ("Specialty,Year,p10,p50\nFM,2025,3400,4900\nFM,2025,3500,5000\n", "line 3: FM (2025) is in the table twice"),
    ("Specialty,Year,p10,p50\nFM,25,3400,4900\n", "year '25' is not a year"),
    ("Specialty,p10,p50\n", "no rows under the header"),
])
def test_a_bad_table_is_refused_and_nothing_is_imported(rvutool, tmp_path, text, says):
    out = rvutool("benchmark", "import", write(tmp_path, "bad.csv", text), "--source", "test")
    assert out.exit_code == 1 and len(out.stderr.splitlines()) == 1 and says in out.stderr, out.stderr
    assert rvutool("benchmark", "list", "--json").json() == []


def test_hostile_files_and_a_missing_source(rvutool, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    out = rvutool("benchmark", "import", str(fifo), "--source", "x")
    assert out.exit_code == 1 and "is not a regular file" in out.stderr
    bomb = tmp_path / "bomb.xlsx"
    import zipfile

    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (130 << 20))
    out = rvutool("benchmark", "import", str(bomb), "--source", "x")
    assert out.exit_code == 1 and "a compressed bomb?" in out.stderr
    no_source = rvutool("benchmark", "import", str(EXAMPLE))
    assert no_source.exit_code == 2 and "--source" in no_source.stderr


# ---------------------------------------------------------------- where the year stands
@pytest.fixture
def october(rvutool, tmp_path):
    """Twenty total knee replacements in October 2026 (20 x 19.11 = 382.20 wRVU), and a small table."""
    rows = "".join(f"2026-10-{d:02d},27447\n" for d in range(1, 21))
    assert rvutool("import", write(tmp_path, "october.csv", "date,code\n" + rows)).exit_code == 0
    assert rvutool("benchmark", "import", write(tmp_path, "small.csv", SMALL), "--source", "test table").exit_code == 0
    return rvutool


@pytest.mark.both_stores
def test_summary_places_the_year_annualised(october):
    data = october("summary", "--benchmark", "test medicine", "--json").json()["benchmark"]
    # 382.20 x 365 / 327 = 426.6146... -> 426.61 a year; between p50 (400) and p75 (600):
    # 50 + (426.61 - 400) / 200 x 25 = 50 + 3.32625 = 53.3
    assert (data["year_to_date_wrvu"], data["days_elapsed"], data["days_in_year"]) == (382.2, 327, 365)
    assert (data["annualised_wrvu"], data["fte"], data["fte_adjusted_wrvu"]) == (426.61, 1.0, 426.61)
    assert (data["percentile"], data["placement"]) == (53.3, "percentile 53.3 (between p50 and p75)")
    assert data["source"] == "test table" and data["fte_source"] == "no contract: FTE 1.0"
    line = flat(october("summary", "--benchmark", "Test Medicine").stdout.split("Benchmark:")[1])
    assert line.startswith("426.61 wRVU a year is percentile 53.3 (between p50 and p75) for Test Medicine "
                           "(source: test table, year 2026; table small).")
    assert "Year to date 382.20 wRVU (2026-01-01 to 2026-11-23) x 365 / 327 days = 426.61" in line


@pytest.mark.both_stores
def test_the_contracts_fte_divides_the_annual_wrvu(october, tmp_path):
    text = 'name = "part-time"\nfte = 0.8\nrate = 50\n'
    assert october("contract", "add", write(tmp_path, "pt.toml", text)).exit_code == 0
    data = october("summary", "--benchmark", "test medicine", "--contract", "part-time", "--json").json()["benchmark"]
    # 426.61 / 0.8 = 533.2625 -> 533.26; 50 + (533.26 - 400) / 200 x 25 = 50 + 16.6575 = 66.7
    assert (data["fte"], data["fte_adjusted_wrvu"], data["percentile"]) == (0.8, 533.26, 66.7)
    assert data["fte_source"] == "contract part-time"
    line = flat(october("summary", "--benchmark", "test medicine", "--contract", "part-time").stdout)
    assert "533.26 wRVU a year at 1.0 FTE is percentile 66.7" in line and "= 426.61 / FTE 0.8 = 533.26" in line


@pytest.mark.both_stores
def test_below_and_above_the_table(october, tmp_path):
    high = "Specialty,p10,p90\nHigh,1000,2000\nLow,10,20\n"
    assert october("benchmark", "import", write(tmp_path, "hl.csv", high), "--source", "x").exit_code == 0
    assert october("summary", "--benchmark", "high", "--json").json()["benchmark"]["placement"] == "below p10"
    assert october("summary", "--benchmark", "low", "--json").json()["benchmark"]["placement"] == "above p90"


@pytest.mark.both_stores
def test_config_benchmark_specialty_and_the_report_bar(october, tmp_path):
    assert october("config", "set", "benchmark.specialty", "Test Medicine").exit_code == 0
    assert october("summary", "--json").json()["benchmark"]["percentile"] == 53.3
    target = tmp_path / "r.html"
    assert october("report", "--year", "-o", str(target)).exit_code == 0
    page = target.read_text(encoding="utf-8")
    section = page[page.index('<section id="benchmark">'):]
    section = section[:section.index("</section>")]
    assert "percentile 53.3" in section and "source: test table" in section
    assert "you: 426.61" in section and "p50" in section and "p90" in section


def test_which_row_a_specialty_finds(rvutool, tmp_path):
    text = ("Specialty,Year,Region,p10,p90\nFM,2024,All,1,2\nFM,2025,All,3,4\nFM,2025,West,5,6\nFM,2025,East,7,8\n"
            "GS,2025,West,1,2\nGS,2025,East,3,4\n")
    assert rvutool("benchmark", "import", write(tmp_path, "t.csv", text), "--source", "x").exit_code == 0
    from rvutool.reports.benchmarks import find_row, load_all

    tables = load_all()
    assert find_row("FM", tables)[1].points[10] == 3  # the newest year, then the row with no region ("All")
    assert find_row("fm, west", tables)[1].points[10] == 5
    assert find_row("FM, 2024", tables)[1].points[10] == 1
    from rvutool.errors import RvuError

    with pytest.raises(RvuError) as several:
        find_row("GS", tables)
    assert "matches several benchmark rows" in several.value.message and "GS, West" in several.value.message
    with pytest.raises(RvuError) as none:
        find_row("Cardiology", tables)
    assert "no benchmark row for 'Cardiology'" in none.value.message
