"""Two-level summaries (`summary --by month,code`) and `rvutool report`: the HTML page checked against
`summary --json`, and the page loaded in a real headless Chromium (screenshot and PDF).

Work RVUs (RVU26C): 99213 1.30 · 99214 1.92 · 47562 10.21 · 20610 0.77 · D6092 none (dental).
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import chromium_or_skip

from rvutool.view import pdf

TODAY = date(2026, 11, 23)  # a Monday
REPO = Path(__file__).resolve().parents[2]
NOTE, CASE = "knee follow-up secret", "bed 7 left"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("RVUTOOL_TODAY", TODAY.isoformat())


@pytest.fixture
def logged(rvutool):
    """October and November 2026, several days, a note and a case label that must never be printed."""
    for args in (["99214-25", "20610", "--date", "2026-10-06"], ["47562", "--date", "2026-10-20"],
                 ["99213", "--date", "2026-11-02", "--note", NOTE, "--case", CASE],
                 ["99214", "99214", "--date", "2026-11-03"], ["47562", "--date", "2026-11-10"],
                 ["D6092", "--date", "2026-11-12"], ["20610", "--date", "2026-11-17"]):
        out = rvutool("log", *args)
        assert out.exit_code == 0, out.stderr
    return rvutool


# ---------------------------------------------------------------- summary --by KEY,KEY
def test_two_keys_json_csv_and_text(logged):
    data = logged("summary", "--from", "2026-10-01", "--to", "2026-11-30", "--by", "month,code", "--json").json()
    assert data["by"] == ["month", "code"]
    pairs = {(g["month"], g["code"]): (g["entries"], g["wrvu"]) for g in data["groups"]}
    assert pairs == {("2026-10", "47562"): (1, 10.21), ("2026-10", "99214"): (1, 1.92),
                     ("2026-10", "20610"): (1, 0.77), ("2026-11", "47562"): (1, 10.21),
                     ("2026-11", "99214"): (2, 3.84), ("2026-11", "99213"): (1, 1.30),
                     ("2026-11", "20610"): (1, 0.77), ("2026-11", "D6092"): (1, 0.0)}
    # months in time order, codes within a month by wRVU, largest first
    assert [(g["month"], g["code"]) for g in data["groups"]][:3] == [
        ("2026-10", "47562"), ("2026-10", "99214"), ("2026-10", "20610")]
    assert [(s["month"], s["wrvu"]) for s in data["subtotals"]] == [("2026-10", 12.9), ("2026-11", 16.12)]
    assert round(sum(g["wrvu"] for g in data["groups"]), 2) == data["total_wrvu"]

    csv = logged("summary", "--from", "2026-10-01", "--to", "2026-11-30", "--by", "month,code", "--csv").stdout
    lines = csv.splitlines()
    assert lines[0] == "from,to,by,month,code,entries,units,base_wrvu,wrvu"
    assert '2026-10-01,2026-11-30,"month,code",2026-11,99214,2,2,3.84,3.84' in lines
    assert len(lines) == 1 + len(data["groups"])

    text = logged("summary", "--from", "2026-10-01", "--to", "2026-11-30", "--by", "month,code").stdout
    assert "By month, then code" in text
    block = text.split("By month, then code", 1)[1]
    assert "2026-10" in block and "2026-11" in block and "16.12" in block and "D6092" in block


@pytest.mark.parametrize("width", ["60", "100"])
def test_two_keys_fit_the_terminal_without_cutting_codes_or_numbers(logged, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", width)
    out = logged("summary", "--month", "2026-11", "--by", "category,code")
    assert out.exit_code == 0, out.stderr
    block = out.stdout.split("By category, then code", 1)[1].split("\nTotal:", 1)[0]
    assert all(len(line) <= int(width) for line in block.splitlines())
    for code in ("47562", "99214", "99213", "20610", "D6092"):
        assert code in block
    assert "10.21" in block and "3.84" in block


def test_single_by_output_unchanged(logged):
    data = logged("summary", "--month", "2026-11", "--by", "code", "--json").json()
    assert data["by"] == "code" and "subtotals" not in data
    assert set(data["groups"][0]) == {"key", "entries", "units", "base_wrvu", "wrvu"}
    csv = logged("summary", "--month", "2026-11", "--by", "week", "--csv").stdout.splitlines()
    assert csv[0] == "from,to,by,key,entries,units,base_wrvu,wrvu"


@pytest.mark.parametrize(("by", "message"), [
    ("month,month", "two different keys"), ("month,code,day", "one key or two"), ("month,bogus", "'bogus'"),
    ("bogus", "choose one of day, week, month, code, category")])
def test_bad_two_keys(rvutool, by, message):
    out = rvutool("summary", "--by", by)
    assert out.exit_code == 2
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- report: the HTML
class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.figures: dict[str, str] = {}
        self.text: list[str] = []
        self._figure: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._figure = dict(attrs).get("data-figure")

    def handle_data(self, data):
        self.text.append(data)
        if self._figure:
            self.figures[self._figure] = data
            self._figure = None


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_report_html_matches_summary_json(logged, tmp_path):
    target = tmp_path / "november.html"
    args = ["--month", "2026-11", "--rate", "55.50", "--target", "40", "--locality", "01182-18"]
    out = logged("report", *args, "-o", str(target))
    assert out.exit_code == 0, out.stderr
    assert str(target) in out.stderr and out.stdout == ""
    data = logged("summary", *args, "--json").json()
    page = parse(target)
    text = " ".join(page.text)
    assert page.figures["total_wrvu"] == f"{data['total_wrvu']:.2f}"
    assert page.figures["base_wrvu"] == f"{data['base_wrvu']:.2f}"
    assert page.figures["entries"] == f"{data['entries']} ({data['units']})"
    assert page.figures["estimated_compensation"] == f"${data['estimated_compensation']:,.2f}"
    assert page.figures["estimated_medicare_allowed"] == f"${data['estimated_medicare_allowed']['amount']:,.2f}"
    progress = data["progress"]
    assert page.figures["projected_total"] == f"{progress['projected_total']:.2f}"
    assert page.figures["needed_per_workday"] == f"{progress['needed_per_workday']:.2f}"
    assert page.figures["target"].startswith(f"{progress['target']:.2f} wRVU: {progress['percent']:.1f}%")
    # two inline SVG charts, nothing that runs or is fetched
    assert page.tags.count("svg") == 2 and "pattern" in page.tags
    assert not {"script", "iframe", "img", "link", "object", "embed"} & set(page.tags)
    raw = target.read_text(encoding="utf-8")
    assert "http://" not in raw.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in raw
    assert "@page" in raw and "max-width: 180mm" in raw
    # no patient data
    assert NOTE not in raw and "secret" not in raw and CASE not in raw
    # the month x code table, the no-wRVU code with its reason, the policy and release, the date made
    for code in ("47562", "99214", "99213", "20610", "D6092"):
        assert code in text
    assert "dental" in text and "RVU26C" in text and "Medicare defaults" in text
    assert "made 2026-11-23" in text
    assert "estimate" in text.lower()


def test_report_year_table_comes_in_slices_and_is_escaped(logged, tmp_path):
    target = tmp_path / "year.HTML"
    assert logged("report", "--year", "2026", "-o", str(target)).exit_code == 0
    raw = target.read_text(encoding="utf-8")
    assert "Credited wRVU by month" in raw and raw.count("<svg") == 2
    assert "Evaluation and management (E/M)" in raw  # a category label, escaped where needed
    assert "<E/M>" not in raw
    # twelve months in the bar chart; the table has the two months logged
    assert raw.count(">2026-0") + raw.count(">2026-1") >= 12


def test_empty_log_report(rvutool, tmp_path, home):
    target = tmp_path / "empty.html"
    out = rvutool("report", "-o", str(target))
    assert out.exit_code == 0, out.stderr
    assert "No entries in November 2026" in target.read_text(encoding="utf-8")
    assert not home.exists()


@pytest.mark.parametrize(("args", "status", "message"), [
    ([], 2, "give the file to write"),
    (["-o", "report.txt"], 2, "must end in .html or .pdf"),
    (["-o", "/nonexistent-folder/r.html"], 1, "does not exist"),
    (["-o", "r.html", "--month", "2026-13"], 2, "2026-13"),
])
def test_report_refusals(rvutool, tmp_path, monkeypatch, args, status, message):
    monkeypatch.chdir(tmp_path)
    out = rvutool("report", *args)
    assert out.exit_code == status
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


def test_pdf_without_chromium_says_how_to_get_it(rvutool, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "find", lambda: None)
    out = rvutool("report", "-o", str(tmp_path / "r.pdf"))
    assert out.exit_code == 1
    assert out.stderr.count("\n") == 1 and "Chromium" in out.stderr and "apt-get install chromium" in out.stderr
    assert not (tmp_path / "r.pdf").exists()


# ---------------------------------------------------------------- report: in a real browser
def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """A tiny PNG reader (8-bit RGB or RGBA, not interlaced): width, height and the unfiltered rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows



def test_report_in_a_real_browser(logged, tmp_path):
    chromium = chromium_or_skip()
    page = tmp_path / "report.html"
    args = ["--month", "2026-11", "--rate", "55", "--target", "40"]
    assert logged("report", *args, "-o", str(page)).exit_code == 0
    shot = tmp_path / "report.png"
    pdf.run(page, f"--screenshot={shot}", "--window-size=900,1400", chromium=chromium)
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (900, 1400)
    colours = {row[i:i + 3] for row in rows[::7] for i in range(0, len(row), 3 * 5)}
    assert len(colours) > 4, "the screenshot is blank"
    dark = sum(1 for row in rows[::7] for i in range(0, len(row), 15) if sum(row[i:i + 3]) < 200)
    assert dark > 100, "no text or bars drawn"
    if os.environ.get("RVUTOOL_SAVE_SCREENSHOT"):  # refreshes the README's picture
        shutil.copyfile(shot, REPO / "docs" / "report.png")

    printed = tmp_path / "november.pdf"
    out = logged("report", *args, "-o", str(printed))
    assert out.exit_code == 0, out.stderr
    payload = printed.read_bytes()
    assert payload.startswith(b"%PDF") and len(payload) > 1024


def test_the_dispute_summary_in_a_real_browser(logged, tmp_path):
    """reconcile --html: loaded in headless Chromium, drawn (screenshot not blank) and printed to PDF."""
    chromium = chromium_or_skip()
    employer = tmp_path / "employer.csv"
    # the employer counts 47562 on 10-20 as 7.76 (a wrong value) and misses the 10-06 visit
    employer.write_text("DOS,CPT,Modifier,Units,Work RVUs,Patient Name\n"
                        "2026-10-06,20610,,1,0.77,Jane Roe\n2026-10-20,47562,,1,7.76,John Doe\n", encoding="utf-8")
    page = tmp_path / "dispute.html"
    out = logged("reconcile", str(employer), "--month", "2026-10", "--html", str(page))
    assert out.exit_code == 0, out.stderr
    assert "Roe" not in page.read_text(encoding="utf-8")
    shot = tmp_path / "dispute.png"
    pdf.run(page, f"--screenshot={shot}", "--window-size=900,1200", chromium=chromium)
    _, _, rows = png_pixels(shot.read_bytes())
    assert sum(1 for row in rows[::7] for i in range(0, len(row), 15) if sum(row[i:i + 3]) < 200) > 50
    printed = pdf.print_pdf(page.read_text(encoding="utf-8"), chromium=chromium)
    assert printed.startswith(b"%PDF") and len(printed) > 1024
