"""Output of `rvutool reconcile`: the terminal table, the CSV (through spreadsheet.Writer) and the
printable HTML dispute summary. Plain strings; no rich, no patient data (a Reconciliation holds none).
"""

from __future__ import annotations

import sys
from html import escape
from typing import IO, Any

from rvutool.browser import POLICY
from rvutool.nametable import short_name
from rvutool.plaintext import clean, columns, money, rvu, terminal_width

STATUS_TEXT = {"match": "match", "different": "different", "date_shifted": "date shifted",
               "missing_from_report": "missing from report", "not_in_log": "not in log"}
CSV_HEADER = ["status", "date", "report_date", "code", "name", "modifiers", "units", "report_modifiers",
              "report_units", "log_wrvu", "report_wrvu", "difference_wrvu", "reason"]


def _n(value: Any) -> str:
    return "" if value is None else rvu(value)


def _signed(value: Any) -> str:
    return f"{value:+.2f}" if value else "0.00"


def _dollars(value: Any) -> str:
    return ("-" if value < 0 else "") + money(abs(value))


def _mods(mods: list[str]) -> str:
    return "-".join(mods)


def _item(line: Any) -> str:
    mods = _mods(line.modifiers)
    return line.code + (f"-{mods}" if mods else "") + (f"x{line.units}" if line.units != 1 else "")


def totals_lines(result: Any) -> list[str]:
    counts = result.counts
    out = [
        f"Log total      {rvu(result.log_total):>10} wRVU",
        f"Report total   {rvu(result.report_total):>10} wRVU",
        f"Difference     {_signed(result.difference):>10} wRVU (log minus report)",
    ]
    if result.dollars is not None:
        out.append(f"At ${result.rate:,.2f}/wRVU  {_dollars(result.dollars)}")
    out.append(", ".join(f"{n} {STATUS_TEXT[s]}" for s, n in counts.items()))
    return out


def table(result: Any) -> None:
    """The terminal view: every line, the totals, and the columns read."""
    write = sys.stdout.write
    write(f"Reconciliation: {clean(result.period.label)}\n")
    rows = []
    for ln in result.lines:
        report_date = ln.row.date.isoformat() if ln.row is not None else ""
        day = ln.entry.service_date if ln.entry is not None else ""
        rows.append([STATUS_TEXT[ln.status], day, report_date, _item(ln), _n(ln.log_wrvu), _n(ln.report_wrvu),
                     _signed(ln.difference), clean(short_name(ln.code) or ""), ln.reason or ""])
    if rows:
        write(columns(["Status", "Log date", "Report date", "Item", "Log", "Report", "Diff", "Name", "Reason"], rows,
                      {4, 5, 6}, width=terminal_width(), wrap=frozenset({7, 8})))
    else:
        write("No lines in the log or the report for this period.\n")
    write("\n".join(totals_lines(result)) + "\n")
    write(f"Columns used: {', '.join(clean(c) for c in result.used)}; ignored (never read or stored): "
          f"{', '.join(clean(c) for c in result.ignored) or 'none'}\n")


def write_csv(result: Any, out: IO[str]) -> None:
    from rvutool import spreadsheet

    writer = spreadsheet.Writer(out)
    writer.writerow(CSV_HEADER)
    for ln in result.lines:
        d = ln.to_dict()
        writer.writerow([d["status"], d["date"] or "", d["report_date"] or "", d["code"], d["name"] or "",
                         _mods(d["modifiers"]),
                         d["units"], _mods(d["report_modifiers"] or []),
                         "" if d["report_units"] is None else d["report_units"], _n(d["log_wrvu"]),
                         _n(d["report_wrvu"]), rvu(d["difference_wrvu"]), d["reason"] or ""])


_CSS = """
body{font-family:Helvetica,Arial,sans-serif;font-size:11pt;color:#111;margin:2em;max-width:60em}
h1{font-size:16pt;margin-bottom:.2em}h2{font-size:13pt;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:3px 6px;
text-align:left;vertical-align:top}th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}
.totals td{font-size:12pt}.muted{color:#555;font-size:9pt}tr.differs td{background:#fff6e0}
@media print{body{margin:0}h2{page-break-after:avoid}tr{page-break-inside:avoid}}
"""


def _cell(value: Any, numeric: bool = False) -> str:
    cls = ' class="n"' if numeric else ""
    return f"<td{cls}>{escape(str(value))}</td>"


def _lines_table(lines: list[Any]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in ("Status", "Log date", "Report date", "Item", "Name",
                                                      "Report item", "Log wRVU", "Report wRVU", "Difference",
                                                      "Reason"))
    body = []
    for ln in lines:
        report_item = ""
        if ln.row is not None:
            mods = _mods(list(ln.row.modifiers))
            report_item = ln.row.code + (f"-{mods}" if mods else "") + (f"x{ln.row.units}" if ln.row.units != 1
                                                                         else "")
        cells = [_cell(STATUS_TEXT[ln.status]), _cell(ln.entry.service_date if ln.entry else ""),
                 _cell(ln.row.date.isoformat() if ln.row else ""), _cell(_item(ln) if ln.entry else ""),
                 _cell(short_name(ln.code) or ""), _cell(report_item), _cell(_n(ln.log_wrvu), True),
                 _cell(_n(ln.report_wrvu), True),
                 _cell(_signed(ln.difference), True), _cell(ln.reason or "")]
        cls = ' class="differs"' if ln.differs else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def html(result: Any, *, report_name: str, version: str) -> str:
    """A self-contained, printable dispute summary: cover totals, the lines that differ, then every line,
    the release and policy used and the date made. Every text is escaped."""
    from rvutool import policy

    rows = [("Period", result.period.label), ("Employer report", report_name),
            ("Log total", f"{rvu(result.log_total)} wRVU"), ("Report total", f"{rvu(result.report_total)} wRVU"),
            ("Difference (log minus report)", f"{_signed(result.difference)} wRVU")]
    if result.provider:
        rows.insert(1, ("Provider", result.provider))
    if result.dollars is not None:
        rows.append((f"Estimated at ${result.rate:,.2f} per wRVU", _dollars(result.dollars)))
    counts = ", ".join(f"{n} {STATUS_TEXT[s]}" for s, n in result.counts.items())
    rows.append(("Lines", counts))
    cover = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    differing = [ln for ln in result.lines if ln.differs]
    policies = sorted({policy.describe(policy.completed(p)) for p in result.policies}) or ["Medicare defaults"]
    made = result.made.isoformat() if result.made else ""
    parts = [
        "<!DOCTYPE html>", f'<html lang="en"><head><meta charset="utf-8">{POLICY}',
        f"<title>{escape('wRVU reconciliation, ' + result.period.label)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>wRVU reconciliation: procedure log and employer report</h1>",
        f'<p class="muted">Made {escape(made)} with rvutool {escape(version)} from the physician\'s own procedure '
        "log and the employer's productivity report. No patient data is included.</p>",
        f'<table class="totals">{cover}</table>',
        f"<h2>Lines that differ ({len(differing)})</h2>",
        _lines_table(differing) if differing else "<p>None: every line matches.</p>",
        f"<h2>All lines ({len(result.lines)})</h2>", _lines_table(result.lines),
        "<h2>Basis</h2><ul>",
        f"<li>CMS release(s) in the log: {escape(', '.join(result.releases) or 'none')}</li>",
        f"<li>Payment policy: {escape('; '.join(policies))}</li>",
        f"<li>Report columns used: {escape(', '.join(result.used))}; ignored, never read: "
        f"{escape(', '.join(result.ignored) or 'none')}</li>",
        "<li>Matching: same date, code, modifiers and units; then same date and code; then same code within "
        "3 days (date shifted). Informational modifiers (51, 59, X{EPSU}, RT, LT, 76, 77, 79...) are ignored.</li>",
        "</ul></body></html>",
    ]
    return "\n".join(parts) + "\n"
