"""`rvutool report` as a page for an administrator: the physician's name in the title, the period and who made
it; no command hints; entries and cases per code; a manager's table per provider on a shared log; the
employer report's findings with --reconcile; and, in a real headless Chromium at the printable width of
Letter and of A4, no label clipped and nothing wider than the page.

Work RVUs (RVU26C): 99213 1.30 · 99214 1.92 · 47562 10.21 · 20610 0.77; J9045 and D1110 have none.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from browser import chromium_or_skip

from rvutool.view import pdf

NOVEMBER = [("99214", "99214", "--date", "2026-11-02"),  # one case, two entries: 1.92 x 2 = 3.84
            ("99213", "--date", "2026-11-03"), ("99213", "--date", "2026-11-04"),  # two cases: 1.30 x 2 = 2.60
            ("47562", "--date", "2026-11-05"),  # 10.21
            ("J9045", "--date", "2026-11-06"),  # HCPCS J: the longest category label
            ("D1110", "--date", "2026-11-09"), ("20610", "--date", "2026-11-10")]  # 0.77


@pytest.fixture
def logged(rvutool):
    for args in NOVEMBER:
        out = rvutool("log", *args)
        assert out.exit_code == 0, out.stderr
    return rvutool


def text_of(path: Path) -> str:
    import html

    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<style>.*?</style>", " ", raw, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", raw)))


def test_the_title_names_the_physician_the_period_and_who_made_it(logged, tmp_path):
    assert logged("config", "set", "report.name", "Dr Jane Smith").exit_code == 0
    page = tmp_path / "r.html"
    assert logged("report", "--month", "2026-11", "-o", str(page)).exit_code == 0
    raw = page.read_text(encoding="utf-8")
    assert "<h1>Work RVU report: Dr Jane Smith · November 2026</h1>" in raw
    assert "made 2026-11-23 by Dr Jane Smith with rvutool" in text_of(page)


def test_no_command_hints_and_unset_figures_left_out(logged, tmp_path):
    page = tmp_path / "r.html"
    assert logged("report", "--month", "2026-11", "-o", str(page)).exit_code == 0
    text = text_of(page)
    assert "rvutool config" not in text and "config set" not in text and "none set" not in text
    assert 'data-figure="target"' not in page.read_text() and "Compensation estimate" not in text
    assert "<h1>Work RVU report: November 2026</h1>" in page.read_text()  # no name set: none shown


def test_entries_and_cases_per_code(logged, tmp_path):
    page = tmp_path / "r.html"
    assert logged("report", "--month", "2026-11", "-o", str(page)).exit_code == 0
    raw = page.read_text(encoding="utf-8")
    section = raw.split('<section id="codes">', 1)[1].split("</section>", 1)[0]
    rows = {m[0]: (m[1], m[2], m[3]) for m in re.findall(
        r'<td class="code">(\w+)</td><td class="name">[^<]*</td><td class="num">(\d+)</td>'
        r'<td class="num">(\d+)</td><td class="num">([\d.]+)</td>', section)}
    assert rows["99214"] == ("2", "1", "3.84")  # two lines of one encounter: 2 entries, 1 case
    assert rows["99213"] == ("2", "2", "2.60")  # two visits
    assert rows["47562"] == ("1", "1", "10.21")
    assert rows["J9045"] == ("1", "1", "0.00")


def test_past_its_limit_a_report_counts_entries_but_no_cases(logged, tmp_path, monkeypatch):
    from rvutool.reports import report_parts

    monkeypatch.setattr(report_parts, "CASES_MOST", 5)  # November's 8 entries are more: a huge log, in small
    page = tmp_path / "r.html"
    assert logged("report", "--month", "2026-11", "-o", str(page)).exit_code == 0
    section = page.read_text(encoding="utf-8").split('<section id="codes">', 1)[1].split("</section>", 1)[0]
    assert '<td class="code">99214</td>' in section and '<td class="num">2</td><td class="num">—</td>' in section
    assert "Cases are not counted over 5 entries." in section


def test_report_reconcile_adds_the_employers_findings(rvutool, tmp_path):
    from conftest import REPO

    for args in (("47562", "49505", "--date", "2026-10-05"), ("99214", "--date", "2026-10-06"),
                 ("29881-RT", "--date", "2026-10-07"), ("99204", "--date", "2026-10-08"),
                 ("20610-RT", "--date", "2026-10-09"), ("99213", "--date", "2026-10-12"),
                 ("99215", "--date", "2026-10-14")):
        assert rvutool("log", *args).exit_code == 0
    page = tmp_path / "r.html"
    export = REPO / "examples" / "hospital-productivity-2026-10.csv"
    out = rvutool("report", "--month", "2026-10", "-o", str(page), "--reconcile", str(export), "--provider-name",
                  "SMITH, JOHN")
    assert out.exit_code == 0, out.stderr
    text = text_of(page)
    assert "The employer's report: hospital-productivity-2026-10.csv" in text
    assert "Difference (log minus report) +5.69 wRVU" in text  # 30.33 - 24.64, as reconcile says
    assert "credited to another provider" in text and "PATEL, ANIL" in text and "downcoded" in text
    assert "TEST PATIENT" not in page.read_text()
    out = rvutool("report", "-o", str(page), "--map", "code=CPT")
    assert out.exit_code == 2 and "--reconcile FILE" in out.stderr


def test_a_managers_report_has_a_section_per_provider(rvutool, shared_log, monkeypatch, tmp_path):
    for who, args in (("alice", ("99214", "--date", "2026-11-02")), ("bob", ("47562", "--date", "2026-11-05"))):
        monkeypatch.setenv("RVUTOOL_LOG_URL", shared_log.url(who))
        assert rvutool("log", *args).exit_code == 0
    monkeypatch.setenv("RVUTOOL_LOG_URL", shared_log.url("boss"))
    page = tmp_path / "practice.html"
    assert rvutool("report", "--month", "2026-11", "-o", str(page)).exit_code == 0
    text = text_of(page)
    assert "Credited wRVU by provider" in text
    assert "alice_t 1 1 1.92" in text and "bob_t 1 1 10.21" in text
    assert "made 2026-11-23 by boss_t" in text
    one = tmp_path / "alice.html"
    assert rvutool("report", "--month", "2026-11", "--provider", "alice_t", "-o", str(one)).exit_code == 0
    assert "Credited wRVU by provider" not in text_of(one)
    assert "<h1>Work RVU report: alice_t · November 2026</h1>" in one.read_text()


# ---------------------------------------------------------------- in a real browser, at Letter and A4 width
CHECK = """<script>
const W = window.innerWidth, bad = [];
for (const svg of document.querySelectorAll("svg")) {
  const box = svg.viewBox.baseVal;
  for (const t of svg.querySelectorAll("text")) {
    const b = t.getBBox();
    if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5) bad.push("svg text: " + t.textContent);
  }
}
for (const el of document.querySelectorAll("td, th, p, h1, h2, li, figcaption, table, figure")) {
  if (el.scrollWidth > el.clientWidth + 1) bad.push("overflows: " + el.textContent.slice(0, 50));
  if (el.getBoundingClientRect().right > W + 0.5) bad.push("beyond the page: " + el.textContent.slice(0, 50));
}
document.body.setAttribute("data-check", JSON.stringify({width: W, scroll: document.documentElement.scrollWidth,
  ellipsis: document.body.textContent.includes("\\u2026"), bad: bad}));
</script>"""
# the printable width: the paper less @page's 14 mm margins, at 96 px to the inch
WIDTHS = {"Letter": round((215.9 - 28) / 25.4 * 96), "A4": round((210 - 28) / 25.4 * 96)}



@pytest.mark.parametrize("paper", sorted(WIDTHS))
@pytest.mark.parametrize("content", ["a year", "a reconcile", "a dispute summary"])
def test_nothing_is_clipped_at_letter_and_a4_width(logged, tmp_path, paper, content):
    from conftest import REPO

    chromium = chromium_or_skip()
    page = tmp_path / "r.html"
    export = str(REPO / "examples" / "hospital-productivity-2026-10.csv")
    if content == "a year":  # twelve months: the widest month x code tables
        assert logged("report", "--year", "2026", "-o", str(page)).exit_code == 0
    else:  # the employer's findings, with long reasons; and reconcile's own printable page
        for args in (("47562", "49505", "--date", "2026-10-05"), ("99214", "--date", "2026-10-06")):
            assert logged("log", *args).exit_code == 0
        command = ["report", "--month", "2026-10", "-o", str(page), "--reconcile", export] if content == "a reconcile" \
            else ["reconcile", export, "--month", "2026-10", "--html", str(page)]
        assert logged(*command, "--provider-name", "SMITH, JOHN").exit_code == 0
    raw = page.read_text(encoding="utf-8")
    assert "…" not in raw  # no label is cut short on the page itself
    probe = tmp_path / "probe.html"
    probe.write_text(raw.replace(pdf.POLICY, "").replace("</body>", CHECK + "</body>"), encoding="utf-8")
    with __import__("tempfile").TemporaryDirectory() as profile:
        done = subprocess.run([chromium, *pdf.FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                               f"--window-size={WIDTHS[paper]},2400", probe.as_uri()],
                              capture_output=True, text=True, timeout=120)
    found = re.search(r'data-check="([^"]*)"', done.stdout)
    assert found, done.stderr[-500:]
    import html

    check = json.loads(html.unescape(found[1]))
    assert check["width"] == WIDTHS[paper]
    assert check["scroll"] <= check["width"], check
    assert check["bad"] == [] and not check["ellipsis"], check
