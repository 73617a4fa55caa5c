"""Parts of `rvutool report` about whose work it is and what it holds: the title, entries and cases per code,
a manager's table per provider, and the findings of a reconcile with the employer's report (--reconcile).

Gathered from the log by `gather` (plain data, no SQL: the store's own readers), drawn by the `*_html`
functions as escaped HTML strings for view.report_page.page. Nothing here prints a command hint: a page for an
administrator shows figures, or leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from rvutool.view.text import rvu


@dataclass
class CodeCount:
    code: str
    entries: int = 0  # lines logged with the code
    cases: int | None = 0  # encounters (one `rvutool log`, one case) with the code; None: not counted
    hundredths: int = 0  # credited wRVU


@dataclass
class ProviderRow:
    provider: str
    entries: int
    units: int
    hundredths: int  # credited wRVU


@dataclass
class Parts:
    """What view.report_page.page draws besides the summary's own figures."""

    name: str | None = None  # the physician: config report.name, or the provider on a shared log
    made_by: str | None = None  # who made the page: the log's user on a shared log, else report.name
    codes: list[CodeCount] = field(default_factory=list)
    providers: list[ProviderRow] = field(default_factory=list)  # a manager's view of several providers
    reconciliations: list[Any] = field(default_factory=list)  # with --reconcile FILE
    report_file: str | None = None


# Cases (encounters holding a code) take a pass over the period's entries (0.3 s at 100k); entries and credit come
# from the day totals at any size. Past this many entries (a physician's year is 5,000 to 15,000; this is a
# practice of several) the report counts no cases and says so, so that a report costs the same however big the log.
CASES_MOST = 50_000


def code_counts(store: Any, start: Any, end: Any) -> list[CodeCount]:
    """Entries and cases (encounters holding the code) per code, largest credit first; cases are None past
    CASES_MOST entries."""
    if store is None:
        return []
    found: dict[str, CodeCount] = {}
    for total in store.day_code_totals(start, end):
        count = found.setdefault(total.code, CodeCount(total.code))
        count.entries += total.entries
        count.hundredths += total.credited_c
    if sum(c.entries for c in found.values()) <= CASES_MOST:
        for code, _, cases, _ in store.code_cases(start, end):
            found[code].cases = cases
    else:
        for count in found.values():
            count.cases = None
    return sorted(found.values(), key=lambda c: (-c.hundredths, -c.entries, c.code))


def provider_rows(store: Any, start: Any, end: Any) -> list[ProviderRow]:
    """Each provider's totals when this view of a shared log holds more than one provider, else []."""
    from rvutool.log import location

    if store is None or location.url() is None or getattr(store, "provider", None):
        return []
    rows = [ProviderRow(p, n, u, c) for p, n, u, _, c in store.provider_totals(start, end)]
    return rows if len(rows) > 1 else []


def title_html(parts: Parts, period_label: str) -> str:
    who = f"{parts.name} · " if parts.name else ""
    return f"<h1>Work RVU report: {escape(who)}{escape(period_label)}</h1>"


def made_text(parts: Parts, made: str, version: str) -> str:
    by = f" by {parts.made_by}" if parts.made_by else ""
    return f"made {made}{by} with rvutool {version}"


def _cases(count: CodeCount) -> str:
    return "—" if count.cases is None else f"{count.cases:,}"


def codes_html(parts: Parts) -> str:
    from rvutool.names.table import short_name

    if not parts.codes:
        return '<p class="sub">Nothing logged in this period.</p>'
    rows = "".join(f'<tr><td class="code">{escape(c.code)}</td><td class="name">{escape(short_name(c.code) or "")}'
                   f'</td><td class="num">{c.entries:,}</td><td class="num">{_cases(c)}</td>'
                   f'<td class="num">{escape(rvu(c.hundredths / 100))}</td></tr>' for c in parts.codes)
    entries = sum(c.entries for c in parts.codes)
    total = sum(c.hundredths for c in parts.codes)
    return ('<table class="counts"><thead><tr><th>Code</th><th>Name</th><th class="num">Entries</th>'
            '<th class="num">Cases</th><th class="num">Credited wRVU</th></tr></thead><tbody>'
            f'{rows}<tr class="total"><td>Total</td><td></td><td class="num">{entries:,}</td><td></td>'
            f'<td class="num">{escape(rvu(total / 100))}</td></tr></tbody></table>'
            '<p class="sub">An entry is one line of the log; a case is one encounter, however many lines of a '
            "code it holds."
            + (f" Cases are not counted over {CASES_MOST:,} entries." if parts.codes[0].cases is None else "")
            + "</p>")


def providers_html(parts: Parts) -> str:
    rows = "".join(f"<tr><td>{escape(p.provider)}</td><td class=\"num\">{p.entries:,}</td>"
                   f'<td class="num">{p.units:,}</td><td class="num">{escape(rvu(p.hundredths / 100))}</td></tr>'
                   for p in parts.providers)
    return ('<table><thead><tr><th>Provider</th><th class="num">Entries</th><th class="num">Units</th>'
            f'<th class="num">Credited wRVU</th></tr></thead><tbody>{rows}</tbody></table>')


def reconcile_html(parts: Parts) -> str:
    """The findings of the comparison with the employer's report: its totals, then the lines that differ."""
    from rvutool.view import reconcile_report

    out = []
    for result in parts.reconciliations:
        if len(parts.reconciliations) > 1:
            out.append(f"<h3>{escape(result.provider or '')}</h3>")
        cover = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>"
                        for k, v in reconcile_report.cover_rows(result, parts.report_file or ""))
        differing = [ln for ln in result.every_line() if ln.differs]
        out.append(f'<table class="figures"><tbody>{cover}</tbody></table>')
        out.append(_differing_table(differing) if differing else "<p>Every line matches.</p>")
    return "\n".join(out)


def _differing_table(lines: list[Any]) -> str:
    """The lines that differ, in seven columns that fit the page (the dispute summary has the full table)."""
    from rvutool.view.reconcile_report import STATUS_TEXT, item_text, report_item_text, signed, wrvu_text

    rows = []
    for ln in lines:
        days = [d for d in (ln.entry.service_date if ln.entry else "", ln.row.date.isoformat() if ln.row else "") if d]
        items = [i for i in (item_text(ln) if ln.entry else "", report_item_text(ln.row)) if i]
        rows.append(f"<tr><td>{escape(STATUS_TEXT[ln.status])}</td>"
                    f'<td class="code">{"<br>".join(escape(d) for d in dict.fromkeys(days))}</td>'
                    f'<td class="code">{" / ".join(escape(i) for i in dict.fromkeys(items))}</td>'
                    f'<td class="num">{escape(wrvu_text(ln.log_wrvu))}</td>'
                    f'<td class="num">{escape(wrvu_text(ln.report_wrvu))}</td>'
                    f'<td class="num">{escape(signed(ln.difference))}</td><td>{escape(ln.reason or "")}</td></tr>')
    return ('<table class="pivot"><thead><tr><th>Status</th><th>Date</th><th>Log / report item</th>'
            '<th class="num">Log</th><th class="num">Report</th><th class="num">Diff</th><th>Reason</th></tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table>'
            '<p class="sub">Two dates: the log\'s, then the report\'s.</p>')


def gather(store: Any, summary: Any, settings: Any) -> Parts:
    """The title's name and maker, entries and cases per code, and a manager's per-provider totals."""
    period = summary.period
    user = store.user() if store is not None and hasattr(store, "user") else None
    name = summary.provider or settings.get("report.name") or user
    return Parts(name=name, made_by=user or settings.get("report.name"),
                 codes=code_counts(store, period.start, period.end),
                 providers=provider_rows(store, period.start, period.end))
