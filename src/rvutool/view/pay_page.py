"""The report's compensation and benchmark sections (report_page.page adds them): strings only, every text
escaped, inline SVG drawn to read in black and white (solid, dashed and dotted lines; values written out).

    compensation  the credit lines, the pay arithmetic period by period (the same table `summary --contract`
                  prints, from the same Pay), the withhold and the draw's true-up, and a cumulative chart: credited
                  wRVU day by day within each pay period, against its threshold and tier starts
    benchmark     the FTE-adjusted annual wRVU as a bar against the table's percentiles, with its source
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from rvutool.view.text import money, rvu

if TYPE_CHECKING:
    from rvutool.reports.benchmarks import Position
    from rvutool.reports.pay import Pay

WIDTH, LEFT, RIGHT, TOP, BOTTOM = 680, 56, 70, 10, 34


def compensation(p: Pay, today: date) -> str:
    from rvutool.view import pay_text

    credit = "".join(f"<li>{escape(line.strip())}</li>" for line in pay_text.credit_lines(p))
    rows = []
    for w in p.shown:
        state = {"running": " (running)", "not started": " (not started)"}.get(w.state, "")
        rows.append(f'<tr><td>{escape(w.label + state)}</td><td class="num">{rvu(w.wrvu)}</td>'
                    f'<td class="num">{money(w.base)}</td><td class="num">{money(w.productivity)}</td>'
                    f'<td class="num">{money(w.withhold)}</td><td class="num">{money(w.earned)}</td></tr>'
                    f'<tr class="detail"><td colspan="6" class="sub">{escape(pay_text.tier_text(w))}</td></tr>')
    total = (f'<tr class="total"><td>Total</td><td class="num">{rvu(p.total("wrvu"))}</td>'
             f'<td class="num">{money(p.total("base"))}</td><td class="num">{money(p.total("productivity"))}</td>'
             f'<td class="num">{money(p.total("withhold"))}</td><td class="num">{money(p.total("earned"))}</td></tr>')
    kind = "Production" if p.production else "Productivity"
    table = ('<table id="pay-table"><thead><tr><th>Pay period</th><th class="num">wRVU</th><th class="num">Base</th>'
             f'<th class="num">{kind}</th><th class="num">Withheld</th><th class="num">Earned</th></tr></thead>'
             f'<tbody>{"".join(rows)}{total}</tbody></table>') if p.shown else \
        "<p>No version of the contract covers these dates.</p>"
    after = [pay_text.true_up_line(t) for t in p.true_ups] + list(p.notes)
    if p.total("withhold"):
        after.insert(0, f"Withheld for quality: {money(p.total('withhold'))}, paid if the quality goals are met.")
    chart = "" if p.production else cumulative_chart(p, today)
    return (f'<ul>{credit}</ul>{table}'
            + "".join(f"<p>{escape(text)}</p>" for text in after)
            + chart
            + '<p class="sub">Earned = base + productivity - withhold; a draw is an advance against productivity, '
              "trued up at the year's end. The arithmetic is the same as <code>rvutool summary --contract</code>.</p>")


def cumulative_chart(p: Pay, today: date) -> str:
    """Credited wRVU added up day by day within each pay period (solid), its threshold (dashed) and tier starts
    (dotted), one pay period after another along the days."""
    if not p.shown:
        return ""
    first, last = p.shown[0].start, p.shown[-1].end
    days = (last - first).days + 1
    lines: list[tuple[list[tuple[int, Decimal]], object]] = []
    top = Decimal(1)
    for w in p.shown:
        run, points, day = Decimal(0), [], w.start
        while day <= min(w.end, today):
            run += p.credit.days.get(day.isoformat(), Decimal(0))
            points.append(((day - first).days, run))
            day += timedelta(days=1)
        lines.append((points, w))
        top = max([top, run, w.threshold, *(t.start for t in w.tiers)])
    step = _step(top * Decimal("1.05") / 4)
    top = step * 4
    height = 220
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM

    def x(offset: float) -> float:
        return LEFT + plot_w * offset / max(days, 1)

    def y(value: Decimal) -> float:
        return TOP + plot_h - float(value / top) * plot_h

    out = [f'<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
           'aria-labelledby="cumulative-title" font-family="DejaVu Sans, Arial, sans-serif" font-size="10">',
           '<title id="cumulative-title">Credited wRVU within each pay period, against the threshold and tier '
           'starts</title>',
           f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#111"/>',
           f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#111"/>']
    for k in range(5):
        value = step * k
        out.append(f'<text x="{LEFT - 4}" y="{y(value) + 3:.1f}" text-anchor="end">{value:,.0f}</text>')
    for points, w in lines:
        x0, x1 = x((w.start - first).days), x((w.end - first).days + 1)
        out.append(f'<line x1="{x0:.1f}" y1="{TOP}" x2="{x0:.1f}" y2="{TOP + plot_h}" stroke="#bbb" '
                   'stroke-width="0.5"/>')
        label = w.period.label if x1 - x0 >= len(w.period.label) * 6.2 + 4 else w.period.label.rsplit("-", 1)[-1]
        out.append(f'<text x="{x0 + 2:.1f}" y="{TOP + plot_h + 12}">{escape(label)}</text>')
        if w.threshold:
            out.append(f'<line x1="{x0:.1f}" y1="{y(w.threshold):.1f}" x2="{x1:.1f}" y2="{y(w.threshold):.1f}" '
                       'stroke="#111" stroke-dasharray="6 3" stroke-width="1"/>')
        for tier in w.tiers:
            if tier.start > w.threshold:
                out.append(f'<line x1="{x0:.1f}" y1="{y(tier.start):.1f}" x2="{x1:.1f}" y2="{y(tier.start):.1f}" '
                           'stroke="#111" stroke-dasharray="1.5 2.5" stroke-width="1.2"/>')
        if points:
            path = " ".join(f"{x(d + 1):.1f},{y(v):.1f}" for d, v in points)
            out.append(f'<polyline points="{x0:.1f},{y(Decimal(0)):.1f} {path}" fill="none" stroke="#111" '
                       'stroke-width="1.8"/>')
            d, v = points[-1]
            out.append(f'<text x="{x(d + 1) + 2:.1f}" y="{y(v) - 3:.1f}">{rvu(v)}</text>')
    out.append(f'<text x="{LEFT}" y="{height - 4}">solid: credited wRVU added up within each pay period · dashed: '
               'threshold · dotted: tier starts</text>')
    out.append("</svg><figcaption class=\"sub\">Cumulative credited wRVU under the contract, each pay period from "
               "zero, against its threshold and tier starts (scaled by FTE and, for a split period, by its "
               "days).</figcaption></figure>")
    return "\n".join(out)


def _step(quarter: Decimal) -> Decimal:
    """A round step for an axis with four steps: 1, 2 or 5 x a power of ten, at least `quarter`."""
    power = Decimal(1)
    while power * 10 <= quarter:
        power *= 10
    while power > quarter and power > Decimal("0.01"):
        power /= 10
    return next(power * k for k in (1, 2, 5, 10) if power * k >= quarter)


def benchmark(b: Position) -> str:
    """A bar of the FTE-adjusted annual wRVU on a scale marked with the table's percentiles."""
    from rvutool.view import pay_text

    points = sorted(b.row.points.items())
    top = max([b.adjusted, *(v for _, v in points)]) * Decimal("1.1")
    height, plot_w = 100, WIDTH - LEFT - RIGHT

    def x(value: Decimal) -> float:
        return LEFT + float(value / top) * plot_w

    out = [f'<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
           'aria-labelledby="benchmark-title" font-family="DejaVu Sans, Arial, sans-serif" font-size="10">',
           f'<title id="benchmark-title">{escape(b.row.label)}: your annual wRVU against the percentiles</title>',
           '<defs><pattern id="bench-hatch" patternUnits="userSpaceOnUse" width="5" height="5" '
           'patternTransform="rotate(45)"><rect width="5" height="5" fill="#d9d9d9"/>'
           '<line x1="0" y1="0" x2="0" y2="5" stroke="#222" stroke-width="1.6"/></pattern></defs>',
           f'<rect x="{LEFT}" y="34" width="{x(b.adjusted) - LEFT:.1f}" height="18" fill="url(#bench-hatch)" '
           'stroke="#111" stroke-width="0.8"/>',
           f'<text x="{x(b.adjusted):.1f}" y="92" text-anchor="middle">you: {b.adjusted:,.2f}</text>',
           f'<line x1="{LEFT}" y1="58" x2="{LEFT + plot_w}" y2="58" stroke="#111"/>']
    for p, v in points:
        out.append(f'<line x1="{x(v):.1f}" y1="26" x2="{x(v):.1f}" y2="62" stroke="#111" stroke-dasharray="2 2"/>')
        out.append(f'<text x="{x(v):.1f}" y="22" text-anchor="middle">p{p}</text>')
        out.append(f'<text x="{x(v):.1f}" y="74" text-anchor="middle">{int(v):,}</text>')
    out.append('</svg><figcaption class="sub">Annual wRVU (FTE-adjusted) as a hatched bar, its value written under '
               "its end; dashed lines: the table's percentiles.</figcaption></figure>")
    return f"<p>{escape(pay_text.benchmark_line(b))}</p>" + "\n".join(out)
