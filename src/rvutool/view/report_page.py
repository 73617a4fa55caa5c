"""`rvutool report`: one self-contained, printable HTML page (strings only: no rich, no scripts, nothing fetched).

Built from plain Summary objects (rvutool.reports.summary): the headline figures `summary` shows, a bar chart of
wRVU per day, week or month and one per category (inline SVG, hatched bars with their values written beside
them, so the page reads in black and white), the month x code table, the codes with no work RVU and why, the
payment policy and CMS releases behind the numbers, and what is estimated. Patient data never appears: the
summaries carry no notes or case labels. Every text is escaped.

Printing: the content is at most 180 mm wide and @page gives 14 mm margins, so Letter (216 mm) and A4
(210 mm) both print it without clipping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html import escape
from typing import Any

from rvutool.catalog import taxonomy
from rvutool.reports import report_parts
from rvutool.view.pdf import POLICY
from rvutool.view.text import money, rvu

MONTHS_PER_TABLE = 6  # the month x code table comes in slices of six months, so it never outgrows the page

CSS = """
@page { margin: 14mm; }
* { box-sizing: border-box; }
html { background: #fff; color: #111; font: 10pt/1.4 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
body { margin: 0; }
main { max-width: 180mm; margin: 0 auto; padding: 6mm 0; }
h1 { font-size: 17pt; margin: 0 0 2pt; }
h2 { font-size: 12pt; margin: 14pt 0 4pt; border-bottom: 1.5pt solid #111; break-after: avoid; }
p { margin: 3pt 0; }
.sub { color: #333; }
table { border-collapse: collapse; width: 100%; max-width: 100%; margin: 4pt 0; }
th, td { padding: 2pt 5pt; border-bottom: 0.5pt solid #999; text-align: left; vertical-align: top; }
th { border-bottom: 1pt solid #111; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.code { white-space: nowrap; font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; }
tr.total td { border-top: 1pt solid #111; font-weight: bold; }
table.pivot { font-size: 8.5pt; }
table.figures td:first-child { width: 72%; }
td.name { overflow-wrap: anywhere; }
figure { margin: 4pt 0; break-inside: avoid; }
svg { display: block; width: 100%; height: auto; max-width: 100%; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
ul { margin: 3pt 0; padding-left: 14pt; }
footer { margin-top: 14pt; font-size: 8.5pt; color: #333; border-top: 0.5pt solid #999; padding-top: 4pt; }
"""


@dataclass
class ReleaseUse:
    release: str
    released: str  # the date CMS printed, "" when unknown
    entries: int
    first: str
    last: str


@dataclass
class ReportData:
    summary: Any  # the Summary `rvutool summary` shows for the period (rate, target, Medicare estimate)
    chart: Any  # the same period grouped by chart_by(period)
    table: Any  # the same period by month, then code
    categories: list[Any]  # Groups per category
    releases: list[ReleaseUse] = field(default_factory=list)
    made: date | None = None
    version: str = ""
    findings: str = ""  # the period's `rvutool check` findings, as HTML (check_text.html); "" leaves the section out
    parts: Any = None  # reports.report_parts.Parts: the title's name, codes, providers, reconcile findings


def chart_by(period: Any) -> str:
    """Bars per day for a month or less, per week up to a quarter, per month beyond."""
    if period.bounded and period.days <= 31:
        return "day"
    if period.bounded and period.days <= 92:
        return "week"
    return "month"


def period_bars(chart: Any) -> list[tuple[str, Decimal]]:
    """wRVU per day, week or month; in a bounded period every one of them, those with nothing logged at 0."""
    found = {g.key: g.wrvu for g in chart.groups}
    period = chart.period
    if not period.bounded or chart.by not in {"day", "week", "month"}:
        return list(found.items())
    keys: list[str] = []
    day = period.start
    while day <= period.end:
        if chart.by == "day":
            key = day.isoformat()
        elif chart.by == "week":
            year, week, _ = day.isocalendar()
            key = f"{year}-W{week:02d}"
        else:
            key = day.isoformat()[:7]
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return [(key, found.get(key, Decimal("0.00"))) for key in keys]


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def headline(s: Any) -> list[tuple[str, str, str]]:
    """(figure id, label, value) rows: the figures `summary --json` gives, as shown in the report."""
    t = s.totals
    rows = [("total_wrvu", "Credited wRVU (after the payment rules)", rvu(t.wrvu)),
            ("base_wrvu", "As entered wRVU (CMS work RVU x units)", rvu(t.base_wrvu)),
            ("entries", "Entries (units)", f"{t.entries:,} ({t.units:,})")]
    if s.no_wrvu_entries:
        rows.append(("no_wrvu_entries", "Entries with no CMS work RVU (counted as 0)", f"{s.no_wrvu_entries:,}"))
    p = s.progress
    if p is not None:
        rows.append(("target", f"Target ({p.source})", f"{rvu(p.target)} wRVU: {p.percent:.1f}% reached"))
        if p.projected is not None:
            rows.append(("projected_total", f"Pace: projected for the period ({p.days_elapsed} of "
                         f"{p.days_total} days gone)", rvu(p.projected)))
        if p.needed_per_workday is not None:
            left = _count(p.remaining_workdays, "workday", "workdays")
            rows.append(("needed_per_workday", f"Needed per workday ({left} left, Mon-Fri)",
                         rvu(p.needed_per_workday)))
        elif p.state == "over" and p.shortfall:
            rows.append(("still_needed", "Short of the target at the period's end", rvu(p.shortfall)))
    # a figure that is not set is left out: the page is for an administrator, not a place for command hints
    if s.rate is not None:
        rows.append(("estimated_compensation", f"Compensation estimate (x {money(s.rate)} per wRVU)",
                     money(s.compensation)))
    if s.medicare is not None:
        rows.append(("estimated_medicare_allowed", f"Estimated Medicare allowed ({s.medicare.locality})",
                     money(s.medicare.amount)))
    return rows


LABEL_CHAR_W = 6.2  # the width of a character of the chart's 11px font, in the chart's units
LABEL_MAX_W = 300  # the label column at most: the bars keep the rest of the 680 units


def label_lines(label: str, room: float) -> list[str]:
    """A bar's label broken at spaces into lines of at most `room` units: never cut, never an ellipsis (a word
    longer than a line is a line of its own and widens the label column)."""
    per_line = max(1, int(room / LABEL_CHAR_W))
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def bar_chart(title: str, bars: list[tuple[str, Decimal]], ident: str) -> str:
    """Horizontal bars with the label left and the value written at the bar's end: readable without colour.
    A long label wraps onto more lines (its row grows), so no label is clipped at Letter or A4 width."""
    if not bars:
        return f'<p class="sub">{escape(title)}: nothing logged in this period.</p>'
    longest = max(len(label) for label, _ in bars)
    longest_word = max((len(w) for label, _ in bars for w in label.split()), default=1)
    label_w = min(LABEL_MAX_W, max(60, int(longest * LABEL_CHAR_W) + 10))
    label_w = max(label_w, int(longest_word * LABEL_CHAR_W) + 10)
    width, value_w, line_h = 680, 64, 13
    room = width - label_w - value_w
    biggest = max(value for _, value in bars) or Decimal(1)
    wrapped = [label_lines(label, label_w - 10) for label, _ in bars]
    heights = [max(18, 5 + line_h * len(lines)) for lines in wrapped]
    height = sum(heights) + 8
    out = [f'<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-labelledby="{ident}-title" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
           f'<title id="{ident}-title">{escape(title)}</title>',
           f'<defs><pattern id="{ident}-hatch" patternUnits="userSpaceOnUse" width="5" height="5" '
           'patternTransform="rotate(45)"><rect width="5" height="5" fill="#d9d9d9"/>'
           '<line x1="0" y1="0" x2="0" y2="5" stroke="#222" stroke-width="1.6"/></pattern></defs>']
    y = 4
    for (_, value), lines, row in zip(bars, wrapped, heights, strict=True):
        length = 0 if value <= 0 else max(1.0, float(value / biggest) * room)
        first = y + (row - line_h * (len(lines) - 1)) / 2 + 3.5
        spans = "".join(f'<tspan x="{label_w - 6}" y="{first + i * line_h:.1f}">{escape(text)}</tspan>'
                        for i, text in enumerate(lines))
        out.append(f'<text text-anchor="end">{spans}</text>')
        middle = y + row / 2
        if length:
            out.append(f'<rect x="{label_w}" y="{middle - 6.5:.1f}" width="{length:.1f}" height="13" '
                       f'fill="url(#{ident}-hatch)" stroke="#111" stroke-width="0.8"/>')
        out.append(f'<text x="{label_w + length + 4:.1f}" y="{middle + 4:.1f}">{escape(rvu(value))}</text>')
        y += row
    out.append(f'<line x1="{label_w}" y1="2" x2="{label_w}" y2="{height - 2}" stroke="#111" stroke-width="1"/>')
    out.append("</svg>")
    out.append(f"<figcaption class=\"sub\">{escape(title)}; the value is written at each bar's end.</figcaption>")
    out.append("</figure>")
    return "\n".join(out)


def month_code_tables(table: Any) -> str:
    """Codes down with rvutool's name of each, months across (six at a time), credited wRVU in the cells."""
    from rvutool.names.table import short_name

    months = [g.key for g in table.outer]
    if not months:
        return '<p class="sub">Nothing logged in this period.</p>'
    cells = {(g.key, g.key2): g for g in table.groups}
    codes = [c.code for c in table.codes]
    out: list[str] = []
    for start in range(0, len(months), MONTHS_PER_TABLE):
        part = months[start:start + MONTHS_PER_TABLE]
        last = start + MONTHS_PER_TABLE >= len(months)
        head = "".join(f'<th class="num">{escape(m)}</th>' for m in part) + (
            '<th class="num">Total</th>' if last else "")
        out.append(f'<table class="pivot"><thead><tr><th>Code</th><th>Name</th>{head}</tr></thead><tbody>')
        for line in table.codes:
            row = "".join('<td class="num">' + (escape(rvu(cells[(m, line.code)].wrvu)) if (m, line.code) in cells
                                                else "") + "</td>" for m in part)
            total = f'<td class="num">{escape(rvu(line.wrvu))}</td>' if last else ""
            name = escape(short_name(line.code) or "")
            out.append(f'<tr><td class="code">{escape(line.code)}</td><td class="name">{name}</td>{row}{total}</tr>')
        sums = {g.key: g for g in table.outer}
        foot = "".join(f'<td class="num">{escape(rvu(sums[m].wrvu))}</td>' for m in part) + (
            f'<td class="num">{escape(rvu(table.totals.wrvu))}</td>' if last else "")
        out.append(f'<tr class="total"><td>Total</td><td></td>{foot}</tr></tbody></table>')
    out.append(f'<p class="sub">Credited wRVU; {_count(len(codes), "code", "codes")}, largest total first. '
               "An empty cell: the code was not logged that month.</p>")
    return "\n".join(out)


def _flagged(s: Any) -> str:
    if not s.flagged:
        return "<p>Every code logged in this period has a CMS work RVU.</p>"
    from rvutool.names.table import short_name

    rows = "".join(f'<tr><td class="code">{escape(f.code)}</td><td class="name">{escape(short_name(f.code) or "")}'
                   f'</td><td class="num">{f.count:,}</td><td>{escape(f.reason)}</td></tr>' for f in s.flagged)
    return ('<table><thead><tr><th>Code</th><th>Name</th><th class="num">Entries</th>'
            '<th>Why there is no work RVU</th></tr>'
            f"</thead><tbody>{rows}</tbody></table><p class=\"sub\">These entries count as 0 wRVU.</p>")


def _sources(data: ReportData) -> str:
    s = data.summary
    out = []
    if s.policies:
        items = "".join(f"<li>{escape(p.description)}: {_count(p.entries, 'entry', 'entries')}, "
                        f"{escape(p.first)} to {escape(p.last)}</li>" for p in s.policies)
        out.append(f"<p>Payment policy the entries were credited under:</p><ul>{items}</ul>")
    else:
        out.append("<p>No entries, so no payment policy applied.</p>")
    if data.releases:
        items = "".join(f"<li>CMS release {escape(r.release)}"
                        + (f" (published {escape(r.released)})" if r.released else "")
                        + f": {_count(r.entries, 'entry', 'entries')}, {escape(r.first)} to {escape(r.last)}</li>"
                        for r in data.releases)
        out.append(f"<p>CMS Physician Fee Schedule releases the work RVUs come from:</p><ul>{items}</ul>")
    for stand_in in s.stand_ins:
        out.append(f"<p>{_count(stand_in.entries, 'entry', 'entries')} of {stand_in.year} priced by "
                   f"{escape(stand_in.release)}, standing in until the CY{stand_in.year} release is imported.</p>")
    return "\n".join(out)


def _repricing(s: Any) -> str:
    """`report --reprice RELEASE`: the period's entries as logged and under another release, per code."""
    rep = s.repricing
    if rep is None:
        return ""
    from rvutool.money import from_hundredths
    from rvutool.names.table import short_name

    other = escape(rep.release.id)

    def dollars(amount: Any, unpriced: int, entries: int) -> str:
        return "—" if unpriced == entries else money(amount)

    rows = "".join(
        f'<tr><td class="code">{escape(c.code)}</td><td class="name">{escape(short_name(c.code) or "")}</td>'
        f'<td class="num">{c.entries:,}</td><td class="num">{c.logged:.2f}</td><td class="num">{c.repriced:.2f}</td>'
        f'<td class="num">{c.repriced - c.logged:+.2f}</td>'
        f'<td class="num">{dollars(c.logged_amount, c.unpriced_logged, c.entries)}</td>'
        f'<td class="num">{dollars(c.repriced_amount, c.unpriced_repriced, c.entries)}</td>'
        f'<td>{escape(c.change)}</td></tr>' for c in rep.codes)
    logged, repriced = from_hundredths(rep.total("logged_c")), from_hundredths(rep.total("repriced_c"))
    total = (f'<tr class="total"><td>Total</td><td></td><td class="num">{rep.total("entries"):,}</td>'
             f'<td class="num">{logged:.2f}</td><td class="num">{repriced:.2f}</td>'
             f'<td class="num">{repriced - logged:+.2f}</td><td class="num">{money(rep.total("logged_amount"))}</td>'
             f'<td class="num">{money(rep.total("repriced_amount"))}</td><td></td></tr>')
    return (f'<section id="reprice">\n<h2>Under {other} (CY{rep.release.year})</h2>\n'
            f'<p class="sub">The same entries, each priced as it was logged with only the release changed. Dollars '
            f'{escape(rep.where)}; CF {escape(" and ".join(rep.logged_factors) or "—")} as logged, '
            f'{escape(rep.repriced_factor)} under {other}.</p>\n'
            '<table><thead><tr><th>Code</th><th>Name</th><th class="num">Entries</th><th class="num">wRVU logged</th>'
            f'<th class="num">wRVU {other}</th><th class="num">Change</th><th class="num">$ logged</th>'
            f'<th class="num">$ {other}</th><th>Note</th></tr></thead><tbody>{rows}{total}</tbody></table>\n'
            "</section>")


def _notes(s: Any) -> str:
    notes = ["Credited wRVU is the CMS work RVU x units after the payment rules (multiple procedures, "
             "bilateral, assistant, global package); as entered is before those rules. Removed entries never count.",
             "Codes with no CMS work RVU (dental codes, for example) count as 0."]
    if s.rate is not None:
        notes.append(f"The compensation estimate is credited wRVU x {money(s.rate)} "
                     f"({'the rate given with --rate' if s.rate_source == '--rate' else 'the configured rate'}); "
                     "an employer's formula may differ.")
    if s.progress is not None:
        notes.append("Pace is an estimate: the total so far x days in the period / days elapsed (today "
                     "included). Needed per workday counts Mondays to Fridays; holidays are not known.")
    m = s.medicare
    if m is not None:
        unpriced = f" {_count(m.unpriced_entries, 'entry has', 'entries have')} no Medicare amount." \
            if m.unpriced_entries else ""
        notes.append(f"The Medicare allowed amount is an estimate for {m.locality} at conversion factor "
                     f"{' and '.join(m.conversion_factors)}: each entry's fee schedule amount x credited / "
                     f"as-entered wRVU. Payers, deductibles and coinsurance are not considered.{unpriced}")
    return "<ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>"


def _findings(data: ReportData) -> str:
    if not data.findings:
        return ""
    return f'<section id="findings">\n<h2>What Medicare may not pay (rvutool check)</h2>\n{data.findings}\n</section>\n'


def standing_sections(s: Any) -> str:
    """The compensation section (`--contract` or config contract) and the benchmark bar (`--benchmark`), drawn by
    reports/pay_page.py from the same figures `summary` shows."""
    if s.pay is None and s.benchmark is None:
        return ""
    from rvutool.view import pay_page

    out = []
    if s.pay is not None:
        out.append(f'<section id="compensation">\n<h2>Compensation under {escape(s.pay.contract)}</h2>\n'
                   f"{pay_page.compensation(s.pay, s.today)}\n</section>")
    if s.benchmark is not None:
        out.append(f'<section id="benchmark">\n<h2>Benchmark</h2>\n{pay_page.benchmark(s.benchmark)}\n</section>')
    return "\n".join(out)


def _optional_sections(parts: Any) -> str:
    """A manager's table per provider, and the employer report's findings (--reconcile), when there are any."""
    out = []
    if parts.providers:
        out.append(f'<section id="providers">\n<h2>Credited wRVU by provider</h2>\n'
                   f"{report_parts.providers_html(parts)}\n</section>")
    if parts.reconciliations:
        out.append(f'<section id="reconcile">\n<h2>The employer\'s report: {escape(parts.report_file or "")}</h2>\n'
                   f"{report_parts.reconcile_html(parts)}\n</section>")
    return "\n".join(out)


def page(data: ReportData) -> str:
    s = data.summary
    period = s.period
    span = (f"{period.start} to {period.end}" if period.bounded else "everything in the log")
    made = (data.made or s.today).isoformat()
    figures = "".join(f'<tr><td>{escape(label)}</td><td class="num" data-figure="{escape(key)}">{escape(value)}</td>'
                      "</tr>" for key, label, value in headline(s))
    by = data.chart.by
    category_bars = [(taxonomy.label(g.key), g.wrvu) for g in data.categories]
    whose = f" · provider {escape(s.provider)}" if s.provider else ""
    empty = "" if s.totals.entries else f"<p><strong>No entries in {escape(period.label)}.</strong></p>"
    parts = data.parts if data.parts is not None else report_parts.Parts()
    title = report_parts.title_html(parts, period.label)
    made_line = escape(report_parts.made_text(parts, made, data.version))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
{POLICY}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wRVU report: {escape(period.label)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
{title}
<p class="sub">{escape(span)}{whose} · {made_line}</p>
</header>
{empty}
<section id="headline">
<h2>Headline figures</h2>
<table class="figures"><tbody>{figures}</tbody></table>
</section>
{standing_sections(s)}
<section id="by-{escape(by)}">
<h2>Credited wRVU by {escape(by)}</h2>
{bar_chart(f"Credited wRVU by {by}", period_bars(data.chart), "period")}
</section>
<section id="by-category">
<h2>Credited wRVU by category</h2>
{bar_chart("Credited wRVU by category", category_bars, "category")}
</section>
<section id="month-code">
<h2>Credited wRVU by month and code</h2>
{month_code_tables(data.table)}
</section>
<section id="codes">
<h2>Entries and cases per code</h2>
{report_parts.codes_html(parts)}
</section>
{_optional_sections(parts)}
<section id="no-wrvu">
<h2>Codes with no work RVU</h2>
{_flagged(s)}
</section>
{_repricing(s)}
{_findings(data)}<section id="sources">
<h2>Policy and CMS releases</h2>
{_sources(data)}
</section>
<section id="notes">
<h2>What is estimated</h2>
{_notes(s)}
</section>
<footer>Made {escape(made)} by rvutool {escape(data.version)}. No patient data: notes and case labels are
not printed. Work RVUs: CMS Medicare Physician Fee Schedule.</footer>
</main>
</body>
</html>
"""
