"""Output of `rvutool check`, of an NCCI import and of the NCCI lines of `data status`, of the checks `log`
runs after saving, and the findings section of `report`'s HTML page. Plain strings: no rich, no patient
data (a finding holds codes, dates and entry numbers only; free text is cleaned before it is printed).
"""

from __future__ import annotations

import sys
from html import escape
from typing import Any

from rvutool.view.text import clean, terminal_width, wrap_text

_INDENT = "   "


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _wrapped(text: str, width: int, indent: str = _INDENT) -> list[str]:
    return [indent + piece for piece in wrap_text(clean(text), max(20, width - len(indent)))]


def finding_lines(findings: list[Any], width: int) -> list[str]:
    out = []
    for n, f in enumerate(findings, start=1):
        out.append(f"{n}. {f.on.isoformat()}  {f.label}")
        out += _wrapped(f.message, width)
        out += _wrapped(f"Fix: {f.fix}", width)
        out += _wrapped(f"Rule: {f.source.name}", width)
    return out


def _ncci_note(result: Any) -> str:
    if not result.ncci_imported:
        return ("NCCI pairs and MUEs not checked: no NCCI files imported (`rvutool data import` CMS's PTP and MUE "
                "files; see the README, Checking before you bill)")
    if not result.ncci:
        return "NCCI pairs and MUEs: none of the imported files covers these dates"
    return "Checked against " + "; ".join(p.source + (f" {p.part}" if p.part else "") for p in result.ncci)


def result(res: Any) -> None:
    """`rvutool check`: a heading, the count per kind (a period), each finding, and what was checked."""
    width = terminal_width()
    write = sys.stdout.write
    if res.period is not None:
        write(f"Checks for {clean(res.period.label)}: {_count(len(res.findings), 'finding', 'findings')} in "
              f"{_count(res.services, 'entry', 'entries')}\n")
        counts = res.counts()
        if counts:
            from rvutool.pricing.findings import KINDS

            longest = max(len(KINDS[k]) for k in counts)
            write("".join(f"  {KINDS[kind]:<{longest}}  {n:>5,}\n" for kind, n in counts.items()))
    else:
        write(f"Checked {_count(res.services, 'item', 'items')} on {res.on.isoformat()} ({res.release}): "
              f"{_count(len(res.findings), 'finding', 'findings')}\n")
    if res.findings:
        write("\n".join(finding_lines(res.findings, width)) + "\n")
    elif res.services:
        write("Nothing found: Medicare's rules rvutool knows would pay these as they stand.\n")
    for text in wrap_text(_ncci_note(res), width):
        write(text + "\n")


def warnings(checked: Any) -> None:
    """After `rvutool log`: one warning a finding on the encounter (saved whatever they say), and one line for
    the earlier entries it puts in a global period."""
    from rvutool.view import messages

    if checked is None:
        return
    for f in checked.findings:
        messages.warning(f"check: {f.message}. Fix: {f.fix} ({f.source.name})")
    if checked.others:
        first, last = min(f.on for f in checked.others), max(f.on for f in checked.others)
        messages.warning(f"check: {_count(len(checked.others), 'entry', 'entries')} logged before fall in this "
                       f"encounter's global period without the modifier that says so: `rvutool check --from "
                       f"{first.isoformat()} --to {last.isoformat()}` lists them")


# ---------------------------------------------------------------- NCCI imports and status
def import_report(report: Any) -> None:
    from rvutool.catalog.ncci_files import KIND_NAMES

    write = sys.stdout.write
    write(f"Imported {KIND_NAMES[report.kind]} from {clean(report.source_file)}: "
          f"{_count(report.rows, 'row', 'rows')}\n")
    for p in report.parts:
        q = p.quarter
        replaced = f" (replaces the earlier import of {p.replaced})" if p.replaced else ""
        part = f" part {q.part}" if q.part else ""
        write(f"  {q.label}{part}: {q.version}, in force from {q.start.isoformat()}, "
              f"{_count(p.rows, 'row', 'rows')}{replaced}\n")
    write(f"Kept in {clean(report.database)} (on this machine only)\n")


def status_lines(quarters: list[Any], database: str) -> list[str]:
    from rvutool.catalog.ncci_files import KIND_NAMES

    if not quarters:
        return ["No NCCI files imported: `rvutool data import` CMS's PTP and MUE files to check pairs and units"]
    out = [f"NCCI edits, kept in {clean(database)}:"]
    for q in quarters:
        to = f"to {q.covers_to.isoformat()}" if q.covers_to else "onward"
        parts = ", ".join(p.part for p in q.parts if p.part)
        out.append(f"  {KIND_NAMES[q.kind]} {q.version} · {q.to_dict()['quarter']} · dates from "
                   f"{q.quarter_start.isoformat()} {to} · {_count(q.rows, 'row', 'rows')}"
                   + (f" · parts {parts}" if parts else ""))
    return out


def status(quarters: list[Any], database: str) -> None:
    sys.stdout.write("\n".join(status_lines(quarters, database)) + "\n")


# ---------------------------------------------------------------- report
def html_too_many(services: int, most: int) -> str:
    """The findings section when the period holds more services than a report checks."""
    text = (f"Not checked: the period holds {services:,} services, more than the {most:,} this report checks "
            "against Medicare's rules.")
    return f"<p>{escape(text)}</p>"


def html(res: Any) -> str:
    """The findings section of `rvutool report` (escaped; codes, dates and entry numbers only)."""
    if not res.findings:
        text = "No findings: the checks rvutool has found nothing Medicare would refuse in this period."
        return f"<p>{escape(text)}</p><p class=\"sub\">{escape(_ncci_note(res))}</p>"
    from rvutool.pricing.findings import KINDS

    counts = "".join(f"<tr><td>{escape(KINDS[k])}</td><td class=\"num\">{n:,}</td></tr>"
                     for k, n in res.counts().items())
    rows = "".join(f"<tr><td class=\"code\">{escape(f.on.isoformat())}</td><td>{escape(f.label)}</td>"
                   f"<td>{escape(f.message)}<br><em>Fix:</em> {escape(f.fix)}</td></tr>" for f in res.findings)
    return (f"<table><thead><tr><th>Kind</th><th class=\"num\">Findings</th></tr></thead><tbody>{counts}"
            "</tbody></table>"
            f"<table><thead><tr><th>Date</th><th>Kind</th><th>Finding and fix</th></tr></thead><tbody>{rows}"
            f"</tbody></table><p class=\"sub\">{escape(_ncci_note(res))}</p>")
