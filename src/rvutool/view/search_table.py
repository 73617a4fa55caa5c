"""The hits of `rvutool search`, drawn with rich (render.search calls it with its console): split from render.py
by job, as the lookup view is the other big part of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rvutool.view.text import clean, rvu, short_text

if TYPE_CHECKING:
    from rvutool.names.search import SearchResult

_DESCRIPTOR_NOTICE = ("CPT codes and descriptions are copyright the American Medical Association; "
                      "CDT (D codes) copyright the American Dental Association. From your own CMS file.")


def hits(result: SearchResult, console: Any) -> None:
    """The hits as a table: codes and numbers keep their width, the name wraps, the category is cut short."""
    from rich.table import Table
    from rich.text import Text

    from rvutool.catalog import taxonomy

    described = any(hit.description for hit in result.hits)
    narrow = console.width < 80  # the category goes, "No CMS work RVU" gets shorter; codes and numbers stay
    rows = []
    for hit in result.hits:
        row = hit.row
        if row.has_work_rvu:
            work = Text(rvu(row.work_rvu), style="green")
            if row.not_used_for_medicare_payment:
                work.append(" +", style="yellow")
        else:
            work = Text("no wRVU" if narrow else "No CMS work RVU", style="bold red")
            work.append(f" · {row.no_work_reason_key}", style="red")
        name = Text(short_text(clean(hit.name.text)) if hit.name else "")  # lookup shows CMS's long text whole
        if hit.alias and (not hit.name or hit.alias.lower() not in hit.name.text.lower()):
            name.append(f" (aka {clean(hit.alias)})", style="dim")
        if hit.match == "descriptor":
            name.append(" (found in its CMS descriptor)", style="dim")
        where = taxonomy.label(row.category) + (f" · {hit.topic}" if hit.topic else "")
        rows.append([hit.code, work, name, where, clean(hit.description or "")])
    # Codes and numbers keep their width; the name wraps and the category is cut short, in what is left.
    shown = [0, 1, 2] + ([] if narrow else [3]) + ([4] if described else [])
    fixed = max(len("Work RVU"), *(len(r[1]) for r in rows)) + 5 + 4 * len(shown)
    room = max(console.width - fixed, 16)
    wanted = [max(len(r[i]) for r in rows) for i in (2, 3, 4)]
    category = 0 if narrow else min(wanted[1], max(12, room // (5 if described else 4)))
    descriptor = min(wanted[2], max(16, (room - category) // 2)) if described else 0
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    table.add_column("Code", no_wrap=True, style="bold")
    table.add_column("Work RVU", no_wrap=True, justify="right")
    table.add_column("Name", overflow="fold", width=max(12, min(wanted[0], room - category - descriptor)))
    if not narrow:
        table.add_column("Category", no_wrap=True, overflow="ellipsis", width=category)
    if described:
        table.add_column("Descriptor", overflow="fold", width=descriptor)
    for cells in rows:
        table.add_row(*(cells[i] for i in shown))
    console.print(table)
    shown, total = len(result.hits), result.total
    plural = "hit" if total == 1 else "hits"
    footer = f"{total:,} {plural} for {result.query!r} in {result.release.id} (CY{result.release.year})"
    footer += f" · showing {shown:,} of {total:,}"
    console.print(Text(footer, style="dim"))
    if described:
        console.print(Text(_DESCRIPTOR_NOTICE, style="dim"))
