"""Output of `rvutool reconcile`: the terminal view, the JSON and CSV (streamed, every line) and the printable
HTML dispute summary. Plain strings; no rich, no patient data (a Reconciliation holds none).

The terminal view puts the totals first, then the lines that differ grouped by status with their reasons
(at most TERMINAL_GROUP of a status; --all lists every line), then one line counting the matches, the rows
skipped as not services, other providers' lines left out, and the columns read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from html import escape
from typing import IO, Any

from rvutool.names.table import short_name
from rvutool.view.messages import json_default
from rvutool.view.pdf import POLICY
from rvutool.view.text import clean, columns, money, rvu, terminal_width

STATUS_TEXT = {"match": "match", "different": "different", "recoded": "recoded", "date_shifted": "date shifted",
               "credited_to_other": "credited to another provider", "missing_from_report": "missing from report",
               "not_in_log": "not in log"}
CSV_HEADER = ["status", "date", "report_date", "code", "name", "modifiers", "units", "report_code",
              "report_modifiers", "report_units", "report_provider", "log_wrvu", "report_wrvu", "difference_wrvu",
              "reason", "check"]
TERMINAL_GROUP = 200  # lines of one status shown in the terminal before "... and N more"
_CHUNK = 1000  # rows laid out at a time when every line is listed


def wrvu_text(value: Any) -> str:
    return "" if value is None else rvu(value)


def signed(value: Any) -> str:
    return f"{value:+.2f}" if value else "0.00"


def _dollars(value: Any) -> str:
    return ("-" if value < 0 else "") + money(abs(value))


def _mods(mods: list[str]) -> str:
    return "-".join(mods)


def item_text(line: Any) -> str:
    mods = _mods(line.modifiers)
    return line.code + (f"-{mods}" if mods else "") + (f"x{line.units}" if line.units != 1 else "")


def report_item_text(row: Any) -> str:
    if row is None:
        return ""
    mods = _mods(list(row.modifiers))
    return row.code + (f"-{mods}" if mods else "") + (f"x{row.units}" if row.units != 1 else "")


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def counts_line(result: Any) -> str:
    return ", ".join(f"{n:,} {STATUS_TEXT[s]}" for s, n in result.counts.items() if n) or "no lines"


def totals_lines(result: Any) -> list[str]:
    whose = f" (credited to {result.provider_name})" if result.provider_name and result.provider_column else ""
    out = [
        f"Log total      {rvu(result.log_total):>10} wRVU",
        f"Report total   {rvu(result.report_total):>10} wRVU{clean(whose)}",
        f"Difference     {signed(result.difference):>10} wRVU (log minus report)",
    ]
    if result.contract_pay is not None:
        out.append(f"Under {clean(result.contract_pay.name)}  {_dollars(result.dollars)} ({contract_text(result)})")
    elif result.dollars is not None:
        out.append(f"At ${result.rate:,.2f}/wRVU  {_dollars(result.dollars)}")
    out.append(f"Lines: {counts_line(result)}")
    if result.explained:
        out.append(f"Explained by Medicare's rules: {_plural(result.explained, 'line')} (see check: below; "
                   "rvutool check names the fix)")
    return out


def contract_text(result: Any) -> str:
    """Each pay period's share of the difference in dollars, as the contract pays it."""
    parts = [f"{p.label}: {signed(p.difference)} wRVU on {rvu(p.credited)} credited = {_dollars(p.dollars)}"
             for p in result.contract_pay.periods if p.difference]
    return "; ".join(parts) or "no difference in any pay period"


def skipped_text(result: Any) -> str | None:
    """'Skipped 4 rows that are not services: 2 title rows above the header, 1 total (line 15), ...'"""
    from rvutool.reports.employer_file import ROW_KINDS

    if not result.skipped:
        return None
    parts = []
    for kind, what in ROW_KINDS.items():
        n = result.skipped.get(kind, 0)
        if not n:
            continue
        lines = result.skipped_lines.get(kind, [])
        listed = ", ".join(map(str, lines)) + (", ..." if n > len(lines) else "")
        at = f" ({'line' if len(lines) == 1 else 'lines'} {listed})" if lines else ""
        parts.append(f"{n:,} {what[0] if n == 1 else what[1]}{at}")
    total = sum(result.skipped.values())
    return f"Skipped {_plural(total, 'row')} that {'is' if total == 1 else 'are'} not services: " + "; ".join(parts)


def others_text(result: Any) -> str | None:
    if not result.others:
        return None
    parts = [f"{clean(name) or '(no name)'} {_plural(n, 'line')}, {c / 100:.2f} wRVU"
             for name, (n, c) in sorted(result.others.items())]
    return "Other providers' lines, left out: " + "; ".join(parts)


def source_text(result: Any, report_name: str) -> str:
    text = f"Report: {clean(report_name)}"
    if result.sheet:
        text += f", sheet {clean(result.sheet)}"
        if result.sheets_skipped:
            text += " (skipped: " + ", ".join(f"{clean(n)}, {clean(w)}" for n, w in result.sheets_skipped) + ")"
    return text


def _rows_of(lines: Iterable[Any], with_status: bool) -> Iterator[list[str]]:
    for ln in lines:
        report_date = ln.row.date.isoformat() if ln.row is not None else ""
        day = ln.entry.service_date if ln.entry is not None else ""
        item = item_text(ln) if ln.entry is not None else ""
        about = " · ".join(part for part in (clean(short_name(ln.code) or ""), clean(ln.explanation)) if part)
        yield ([STATUS_TEXT[ln.status]] if with_status else []) + [
            day, report_date, item, report_item_text(ln.row), wrvu_text(ln.log_wrvu), wrvu_text(ln.report_wrvu),
            signed(ln.difference), about]


_HEAD = ["Log date", "Report date", "Log item", "Report item", "Log", "Report", "Diff", "Name · reason"]


def _write_table(lines: Iterable[Any], write: Any, *, with_status: bool = False) -> None:
    """Lines as aligned columns, a chunk of _CHUNK at a time (every line of a huge report never sits in one
    string); the Status column only when the lines are not grouped by status."""
    head = (["Status"] if with_status else []) + _HEAD
    shift = len(head) - len(_HEAD)
    numbers, texts = {4 + shift, 5 + shift, 6 + shift}, frozenset({7 + shift})
    width = terminal_width()
    batch: list[list[str]] = []
    widths: list[int] | None = None
    first = True
    for row in _rows_of(lines, with_status):
        batch.append(row)
        if len(batch) == _CHUNK:
            text = columns(head, batch, numbers, width=width, wrap=texts, at_least=widths, show_header=first)
            write(text)
            if widths is None:
                widths = [0 if i in texts else max([len(h), *(len(r[i]) for r in batch)])
                          for i, h in enumerate(head)]
            first, batch = False, []
    if batch or first:
        write(columns(head, batch, numbers, width=width, wrap=texts, at_least=widths, show_header=first))


def table(result: Any, *, report_name: str = "", show_all: bool = False, title: str | None = None) -> None:
    """The terminal view: totals first, then what differs by status, then the count of matches."""
    write = sys.stdout.write
    write(f"{title or 'Reconciliation'}: {clean(result.period.label)}\n")
    if report_name:
        write(source_text(result, report_name) + "\n")
    write("\n".join(totals_lines(result)) + "\n")
    if show_all:
        write("\nEvery line\n")
        _write_table(result.every_line(), write, with_status=True)
    else:
        from rvutool.reports.reconcile import STATUSES

        counts = result.counts
        for status in STATUSES:
            if status == "match" or not counts[status]:
                continue
            shown = result.lines_of(status, TERMINAL_GROUP)
            write(f"\n{STATUS_TEXT[status].capitalize()} ({counts[status]:,})\n")
            _write_table(shown, write)
            if counts[status] > len(shown):
                write(f"... and {counts[status] - len(shown):,} more {STATUS_TEXT[status]}: --all, --csv or --json "
                      "lists every line\n")
        matches = result.counts["match"]
        write("\n" + (f"{_plural(matches, 'line')} {'matches' if matches == 1 else 'match'} (--all lists them)."
                      if matches else "No line matches.") + "\n")
    for text in (skipped_text(result), others_text(result)):
        if text:
            write(text + "\n")
    write(f"Columns used: {', '.join(clean(c) for c in result.used)}; ignored (never read or stored): "
          f"{', '.join(clean(c) for c in result.ignored) or 'none'}\n")


def tables(results: list[Any], *, report_name: str, show_all: bool = False) -> None:
    """--by provider: each provider's view, then the practice's totals."""
    from decimal import Decimal

    for i, result in enumerate(results):
        if i:
            sys.stdout.write("\n")
        who = f"Provider {result.provider}" + (f" ({clean(result.provider_name)})" if result.provider_name else "")
        table(result, report_name=report_name if i == 0 else "", show_all=show_all, title=who)
    log = sum((r.log_total for r in results), Decimal(0))
    report = sum((r.report_total for r in results), Decimal(0))
    sys.stdout.write(f"\nAll providers: log {rvu(log)} wRVU, report {rvu(report)} wRVU, difference "
                     f"{signed(log - report)} wRVU (log minus report)\n")


# ---------------------------------------------------------------- JSON, streamed
def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, default=json_default, ensure_ascii=False)


def _indented(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.splitlines())


def write_json(result: Any, out: IO[str], *, indent: int = 0) -> None:
    """The same JSON as json.dumps(result.to_dict(), indent=2), written a line at a time."""
    head = _dumps({**result.summary_dict(), "lines": []})
    assert head.endswith('"lines": []\n}')
    head = head[: -len("[]\n}")]
    out.write(_indented(head, indent).lstrip(" ") if indent else head)
    first = True
    for ln in result.every_line():
        out.write(("[\n" if first else ",\n") + _indented(_dumps(ln.to_dict()), indent + 4))
        first = False
    out.write(("[]" if first else "\n" + " " * (indent + 2) + "]") + "\n" + " " * indent + "}")


def print_json(results: list[Any], by_provider: bool) -> None:
    out = sys.stdout
    if not by_provider:
        write_json(results[0], out)
        out.write("\n")
        return
    from decimal import Decimal

    log = sum((r.log_total for r in results), Decimal(0))
    report = sum((r.report_total for r in results), Decimal(0))
    out.write('{\n  "by": "provider",\n  "log_total_wrvu": ' + _dumps(log) + ',\n  "report_total_wrvu": '
              + _dumps(report) + ',\n  "difference_wrvu": ' + _dumps(log - report) + ',\n  "providers": [')
    for i, result in enumerate(results):
        out.write(("\n" if i == 0 else ",\n") + "    ")
        write_json(result, out, indent=4)
    out.write(("\n  ]" if results else "]") + "\n}\n")


# ---------------------------------------------------------------- CSV, streamed
def write_csv(results: Any, out: IO[str], *, by_provider: bool = False) -> None:
    from rvutool import spreadsheet

    results = results if isinstance(results, list) else [results]
    writer = spreadsheet.Writer(out)
    writer.writerow((["provider"] if by_provider else []) + CSV_HEADER)
    for result in results:
        prefix = [result.provider or ""] if by_provider else []
        for ln in result.every_line():
            d = ln.to_dict()
            writer.writerow(prefix + [d["status"], d["date"] or "", d["report_date"] or "", d["code"], d["name"] or "",
                                      _mods(d["modifiers"]), d["units"], d["report_code"] or "",
                                      _mods(d["report_modifiers"] or []),
                                      "" if d["report_units"] is None else d["report_units"],
                                      d["report_provider"] or "", wrvu_text(d["log_wrvu"]), wrvu_text(d["report_wrvu"]),
                                      rvu(d["difference_wrvu"]), d["reason"] or "",
                                      "" if d["check"] is None else f"{d['check']['label']}: {d['check']['fix']}"])


# ---------------------------------------------------------------- HTML
_CSS = """
@page{margin:14mm}*{box-sizing:border-box}
body{font-family:Helvetica,Arial,sans-serif;font-size:10.5pt;color:#111;margin:0 auto;padding:6mm 0;max-width:180mm}
h1{font-size:16pt;margin-bottom:.2em}h2{font-size:13pt;margin-top:1.6em;border-bottom:1px solid #999}
h3{font-size:11.5pt;margin:1.2em 0 .3em}
table{border-collapse:collapse;width:100%;margin:.5em 0;font-size:9pt}th,td{border:1px solid #bbb;padding:2px 4px;
text-align:left;vertical-align:top;overflow-wrap:anywhere}th{background:#eee}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.d{white-space:nowrap}
.totals td,.totals th{font-size:11pt}.muted{color:#555;font-size:9pt}tr.differs td{background:#fff6e0}
@media print{body{padding:0}h2{page-break-after:avoid}tr{page-break-inside:avoid}}
"""


def _cell(value: Any, numeric: bool = False) -> str:
    cls = ' class="n"' if numeric else ""
    return f"<td{cls}>{escape(str(value))}</td>"


def lines_table(lines: Iterable[Any]) -> str:
    """Lines in eight columns that fit a printed page: a line's two dates and two items share a cell (the log's
    first, then the report's when it differs)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in ("Status", "Date", "Item", "Name", "Log wRVU", "Report wRVU",
                                                      "Difference", "Reason"))
    body = []
    for ln in lines:
        days = dict.fromkeys(d for d in (ln.entry.service_date if ln.entry else "",
                                         ln.row.date.isoformat() if ln.row else "") if d)
        items = dict.fromkeys(i for i in (item_text(ln) if ln.entry else "", report_item_text(ln.row)) if i)
        cells = [_cell(STATUS_TEXT[ln.status]), f'<td class="d">{"<br>".join(escape(d) for d in days)}</td>',
                 f'<td class="d">{" / ".join(escape(i) for i in items)}</td>', _cell(short_name(ln.code) or ""),
                 _cell(wrvu_text(ln.log_wrvu), True), _cell(wrvu_text(ln.report_wrvu), True),
                 _cell(signed(ln.difference), True), _cell(ln.explanation)]
        cls = ' class="differs"' if ln.differs else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def cover_rows(result: Any, report_name: str) -> list[tuple[str, str]]:
    rows = [("Period", result.period.label), ("Employer report", report_name)]
    if result.sheet:
        rows.append(("Sheet", result.sheet))
    if result.provider:
        rows.append(("Provider", result.provider))
    if result.provider_name and result.provider_column:
        rows.append((f"Report's {result.provider_column}", result.provider_name))
    rows += [("Log total", f"{rvu(result.log_total)} wRVU"), ("Report total", f"{rvu(result.report_total)} wRVU"),
             ("Difference (log minus report)", f"{signed(result.difference)} wRVU")]
    if result.contract_pay is not None:
        rows.append((f"Worth under contract {result.contract_pay.name}",
                     f"{_dollars(result.dollars)} ({contract_text(result)})"))
    elif result.dollars is not None:
        rows.append((f"Estimated at ${result.rate:,.2f} per wRVU", _dollars(result.dollars)))
    rows.append(("Lines", counts_line(result)))
    if result.explained:
        rows.append(("Explained by Medicare's rules", _plural(result.explained, "line")))
    for label, text in (("Skipped", skipped_text(result)), ("Left out", others_text(result))):
        if text:
            rows.append((label, text.split(": ", 1)[1]))
    return rows


def _section(result: Any, report_name: str, level: str = "h2") -> list[str]:
    cover = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in cover_rows(result, report_name))
    differing = [ln for ln in result.every_line() if ln.differs]
    return [f'<table class="totals">{cover}</table>',
            f"<{level}>Lines that differ ({len(differing):,})</{level}>",
            lines_table(differing) if differing else "<p>None: every line matches.</p>",
            f"<{level}>All lines ({result.line_count:,})</{level}>", lines_table(result.every_line())]


def html(results: Any, *, report_name: str, version: str) -> str:
    """A self-contained, printable dispute summary: cover totals, the lines that differ, then every line,
    the release and policy used and the date made (each provider in turn with --by provider). Every text is
    escaped."""
    from rvutool.pricing import policy

    results = results if isinstance(results, list) else [results]
    first = results[0]
    parts = [
        "<!DOCTYPE html>", f'<html lang="en"><head><meta charset="utf-8">{POLICY}',
        f"<title>{escape('wRVU reconciliation, ' + first.period.label)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>wRVU reconciliation: procedure log and employer report</h1>",
        f'<p class="muted">Made {escape(first.made.isoformat() if first.made else "")} with rvutool '
        f"{escape(version)} from the physician's own procedure log and the employer's productivity report. "
        "No patient data is included.</p>",
    ]
    if len(results) == 1:
        parts += _section(first, report_name)
    else:
        for result in results:
            who = f"Provider {result.provider}" + (f" ({result.provider_name})" if result.provider_name else "")
            parts += [f"<h2>{escape(who)}</h2>", *_section(result, report_name, "h3")]
    releases = sorted({r for result in results for r in result.releases})
    policies = sorted({policy.describe(policy.completed(p)) for result in results for p in result.policies}) \
        or ["Medicare defaults"]
    parts += [
        "<h2>Basis</h2><ul>",
        f"<li>CMS release(s) in the log: {escape(', '.join(releases) or 'none')}</li>",
        f"<li>Payment policy: {escape('; '.join(policies))}</li>",
        f"<li>Report columns used: {escape(', '.join(first.used))}; ignored, never read: "
        f"{escape(', '.join(first.ignored) or 'none')}</li>",
        "<li>Matching: same date, code, modifiers and units; then same date and code; then same code within "
        "3 days (date shifted); then the same date and code family (recoded). Informational modifiers (51, 59, "
        "X{EPSU}, RT, LT, 76, 77, 79...) are ignored. A log entry the report credits to another provider "
        "counts as owed.</li>",
        "</ul></body></html>",
    ]
    return "\n".join(parts) + "\n"
