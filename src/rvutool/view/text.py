"""Plain text for the view: numbers as shown, aligned columns, the summary's sentences.

Strings only: no rich and no printing (messages.py and terminal.py decide what is printed, and where).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any


def na(value: Any, is_na: bool) -> str:
    return f"{rvu(value)} (NA)" if is_na else rvu(value)


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def rvu(value: Decimal | float | str) -> str:
    return f"{Decimal(str(value)):.2f}"


def terminal_width() -> int:
    """The width plain-text output fits: $COLUMNS, else the terminal's, else 80 (as rich decides)."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def _pieces(text: str) -> list[str]:
    """A cell's parts that stay on one line if they can: "2nd procedure 50%, by-report" is two."""
    return [p for p in text.replace(" · ", " ·\0").replace(", ", ",\0").split("\0") if p]


def wrap_text(text: str, width: int) -> list[str]:
    """Lines of at most `width`, broken after a comma where possible, else between words."""
    import textwrap

    lines: list[str] = []
    for piece in _pieces(text):
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        elif lines and len(piece) > 20:  # a long note: fill the line, then go on
            lines[-1:] = textwrap.wrap(f"{lines[-1]} {piece}", width, break_on_hyphens=False)
        else:  # a short part (a reason, a flag) starts a line rather than break
            lines += textwrap.wrap(piece, width, break_on_hyphens=False) or [""]
    return lines


def columns(header: list[str], rows: list[list[str]], right: set[int], footer: list[str] | None = None, *,
            width: int | None = None, wrap: frozenset[int] = frozenset(), at_least: list[int] | None = None,
            show_header: bool = True) -> str:
    """Aligned columns, two spaces apart, without rich: a month of a busy log is thousands of rows,
    and rich's table measures every cell (about a millisecond a row).

    Within `width`, the `wrap` columns (text, never codes or numbers) wrap inside their column; when
    even that cannot fit, they move under their row, joined by " · ", so no code or number is ever cut.
    A long listing comes in chunks: `at_least` keeps a chunk's columns as wide as the first chunk's.
    """
    table = [header, *rows, *([footer] if footer else [])]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    if at_least is not None:
        widths = [max(w, least) for w, least in zip(widths, at_least, strict=True)]
    limit = width if width is not None and wrap else None
    stacked: list[int] = []
    if limit is not None and sum(widths) + 2 * (len(widths) - 1) > limit:
        room = limit - sum(w for i, w in enumerate(widths) if i not in wrap) - 2 * (len(widths) - 1)
        least = {i: max(len(header[i]), min(12, widths[i]),  # narrower than 12 reads badly: move it under
                        min(20, max((len(w) for r in table for w in _pieces(r[i])), default=0))) for i in wrap}
        if sum(least.values()) > room:
            stacked = sorted(wrap)
        else:
            order = sorted(wrap, key=lambda k: (widths[k], k))  # narrowest first; the widest gets what is left
            for n, i in enumerate(order):
                widths[i] = min(widths[i], room - sum(least[k] for k in order[n + 1:]))
                room -= widths[i]
    shown = [i for i in range(len(header)) if i not in stacked]
    indent = " " * (widths[shown[0]] + 2)

    def fmt(row: list[str]) -> list[str]:
        if not stacked and all(len(row[i]) <= widths[i] for i in wrap):  # the usual row: one line
            return ["  ".join(row[i].rjust(widths[i]) if i in right else row[i].ljust(widths[i])
                              for i in shown).rstrip()]
        cells = [(wrap_text(row[i], widths[i]) or [""]) if i in wrap else [row[i]] for i in shown]
        lines = []
        for k in range(max(len(c) for c in cells)):
            parts = [c[k] if k < len(c) else "" for c in cells]
            lines.append("  ".join(p.rjust(widths[i]) if i in right else p.ljust(widths[i])
                                   for i, p in zip(shown, parts, strict=True)).rstrip())
        extra = " · ".join(row[i] for i in stacked if row[i])
        if extra:
            lines += [indent + part for part in wrap_text(extra, max(limit - len(indent), 20))]
        return lines

    return "".join(line + "\n" for r in (table if show_header else table[1:]) for line in fmt(r))


def _pct(value: Decimal) -> str:
    return f"{value:.1f}%"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def summary_lines(s: Any) -> list[str]:
    """The arithmetic under a summary's totals, as plain sentences (shared by the text view)."""
    t = s.totals
    out = [f"Total: {rvu(t.wrvu)} wRVU credited from {_count(t.entries, 'entry', 'entries')} "
           f"({_count(t.units, 'unit', 'units')})"]
    difference = t.wrvu - t.base_wrvu
    if difference:
        out.append(f"As entered: {rvu(t.base_wrvu)} wRVU (CMS work RVU x units); the payment rules changed "
                   f"it by {difference:+.2f} -> {rvu(t.wrvu)} credited")
    elif t.entries:
        out.append(f"As entered: {rvu(t.base_wrvu)} wRVU (CMS work RVU x units); the payment rules changed "
                   "nothing")
    if s.flagged:
        out.append("* " + s.flagged_text())
        reasons: dict[str, list[str]] = {}
        for f in s.flagged:
            reasons.setdefault(f.reason, []).append(f.code)
        for reason, codes in reasons.items():
            out.append(f"  {', '.join(codes)}: {reason}; counted as 0")
    for stand_in in s.stand_ins:
        out.append(f"* {_count(stand_in.entries, 'entry', 'entries')} of {stand_in.year} priced by "
                   f"{stand_in.release}, standing in for a CY{stand_in.year} release not here yet: once you have "
                   "imported it (rvutool data import FILE.zip), rvutool recalc --stand-ins re-prices them")
    if s.rate is not None:
        source = " (--rate)" if s.rate_source == "--rate" else " (rate from config)"
        out.append(f"Compensation estimate: {rvu(t.wrvu)} wRVU x {money(s.rate)} = {money(s.compensation)}"
                   f"{source}")
    m = s.medicare
    if m is not None:
        unpriced = (f"; {_count(m.unpriced_entries, 'entry has', 'entries have')} no Medicare amount "
                    "(NA setting or not paid from RVUs)" if m.unpriced_entries else "")
        out.append(f"Estimated Medicare allowed: {money(m.amount)} in {m.locality}, CF "
                   f"{' and '.join(m.conversion_factors)}: each entry's fee schedule amount x credited / "
                   f"as-entered wRVU{unpriced}")
    p = s.progress
    if p is not None:
        out.append(f"Target ({p.source}): {rvu(p.total)} of {rvu(p.target)} wRVU = {_pct(p.percent)}")
        if p.state == "not started":
            out.append(f"Pace: the period starts on {s.period.start}")
        elif p.state == "running":
            out.append(f"Pace: {rvu(p.total)} wRVU in {p.days_elapsed} of {p.days_total} days -> "
                       f"{rvu(p.projected)} projected ({rvu(p.total)} x {p.days_total} / {p.days_elapsed})")
        if p.shortfall == 0:
            out.append(f"Target reached: {rvu(p.total)} of {rvu(p.target)} wRVU "
                       f"({p.total - p.target:+.2f})")
        elif p.state == "over":
            out.append(f"Period over: {rvu(p.shortfall)} wRVU short of the target")
        elif p.needed_per_workday is None:
            out.append(f"Needed: {rvu(p.shortfall)} wRVU, with no workdays (Mon-Fri) left in the period")
        else:
            out.append(f"Needed: ({rvu(p.target)} - {rvu(p.total)}) / "
                       f"{_count(p.remaining_workdays, 'remaining workday', 'remaining workdays')} = "
                       f"{rvu(p.needed_per_workday)} wRVU per workday (Mon-Fri, today included)")
    if len(s.policies) == 1:
        out.append(f"Policy: {s.policies[0].description}")
    elif s.policies:
        out.append(f"Policies: the entries of this period were credited under {len(s.policies)} "
                   "different payment policies:")
        for use in s.policies:
            out.append(f"  {_count(use.entries, 'entry', 'entries')} ({use.first} to {use.last}): "
                       f"{use.description}")
        out.append("  `rvutool recalc` re-credits a period under the current settings.")
    return out


def code_table(s: Any, width: int) -> tuple[list[str], list[list[str]], list[str], int, int]:
    """The summary's table of codes: headers, rows, footers, and the widths of the name and category
    columns in `width`. Codes and numbers keep their width; the name, then the category, give way (ending
    in "…"); a category narrower than 8 is left out (width 0)."""
    from rvutool.catalog import taxonomy
    from rvutool.names.table import short_name

    flagged = {f.code for f in s.flagged}
    headers = ["Code", "Name", "Category", "Entries", "Units", "As entered", "wRVU"]
    footers = ["Total", "", "", f"{s.totals.entries:,}", f"{s.totals.units:,}", rvu(s.totals.base_wrvu),
               rvu(s.totals.wrvu)]
    rows = [[c.code, clean(short_name(c.code) or ""), taxonomy.label(c.category), f"{c.entries:,}", f"{c.units:,}",
             rvu(c.base_wrvu), f"{rvu(c.wrvu)} *" if c.code in flagged else rvu(c.wrvu)] for c in s.codes]
    widths = [max(len(r[i]) for r in [headers, footers, *rows]) for i in range(len(headers))]
    room = width - sum(widths[i] for i in (0, 3, 4, 5, 6)) - 2 * (len(headers) - 1)
    category = min(widths[2], 34, max(0, room - min(widths[1], 40)))
    if category < 8:  # too narrow for both: the name stays, the category goes
        category = 0
    name = max(6, min(widths[1], room - (category + 2 if category else 0)))
    return headers, rows, footers, name, category


def grouped_text(s: Any, width: int) -> str:
    """A two-level --by as a grouped list: each first key on its own row with its subtotal, its second
    keys indented under it. Reads in 60 columns whatever the number of codes (a pivot with a column per
    code would not); codes and numbers never shrink, only category names wrap."""
    from rvutool.catalog import taxonomy

    def name(kind: str, key: str) -> str:
        return taxonomy.label(key) if kind == "category" else key

    rows: list[list[str]] = []
    inner: dict[str, list[Any]] = {}
    for g in s.groups:
        inner.setdefault(g.key, []).append(g)
    for sub in s.outer:
        rows.append([name(s.by, sub.key), "", f"{sub.entries:,}", f"{sub.units:,}", rvu(sub.wrvu)])
        rows.extend(["", name(s.then, g.key2), f"{g.entries:,}", f"{g.units:,}", rvu(g.wrvu)]
                    for g in inner[sub.key])
    wrap = frozenset(i for i, kind in enumerate((s.by, s.then)) if kind == "category")
    table = columns([s.by.capitalize(), s.then.capitalize(), "Entries", "Units", "wRVU"], rows, {2, 3, 4},
                    width=width, wrap=wrap)
    return f"By {s.by}, then {s.then}\n{table}"


_CONTROL = None


SHORT = 60  # a name beside a code in a confirmation or a pick list: CMS's long Level II text is cut to this
LONGEST_NAME = 70  # names of our own are at most this long (namesbuild.MAX_NAME), and are never cut


def short_text(text: str, limit: int = SHORT) -> str:
    """A name as confirmations and pick lists show it: whole when it is a name (at most 70 characters), else
    cut at a word before `limit` with "…" (CMS's long description of G2211 is 170 characters; lookup shows it
    whole)."""
    text = " ".join(text.split())
    if len(text) <= LONGEST_NAME:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:(- ")
    return cut + "…"


def short_names(codes: Iterable[str]) -> dict[str, str]:
    """Each code's name as shown beside it everywhere but lookup (names.table.short_name, cut by short_text)."""
    from rvutool.names.table import short_name

    return {code: short_text(name) for code in dict.fromkeys(codes) if (name := short_name(code))}


def clean(text: str) -> str:
    """Text without terminal control sequences or control characters (tabs and newlines kept), so a file's
    cell or an argument echoed back can never drive the terminal."""
    global _CONTROL
    if _CONTROL is None:
        import re

        _CONTROL = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])?"
                              r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]|[\ud800-\udfff]")
    return _CONTROL.sub("", text)


def flag_text(flags: list[str], voided: bool = False) -> str:
    words = {"no-wrvu": "no wRVU", "not-used-for-medicare": "not used by Medicare",
             "g2211-not-payable": "G2211 not paid", "add-on-without-primary": "add-on without primary"}
    out = [words.get(f, f) for f in flags]
    if voided:
        out.insert(0, "REMOVED")
    return ", ".join(out)


_WHY: dict[tuple[str, str, int], str] = {}


def _why(entry: Any) -> str:
    """The Flags cell: what changed the credit, then the flags those words do not already say.
    Worked out once per distinct (adjustments, flags): a month of a busy log repeats a few dozen."""
    from rvutool.pricing.priced import reduction_labels

    key = (entry.adjustments, entry.flags, entry.voided)
    found = _WHY.get(key)
    if found is None:
        labels = reduction_labels(entry.adjustment_list)
        flags = [f for f in flag_text(entry.flag_list, bool(entry.voided)).split(", ") if f]
        flags = [f for f in flags if not any(label.startswith(f.replace("-", " ")) for label in labels)]
        found = _WHY[key] = ", ".join(labels + flags)
    return found


LIST_CHUNK = 5000
NAME_MIN = 12  # a name cut shorter than this says too little


def fit(text: str, width: int) -> str:
    """Text cut to `width` characters, ending in "…" when it was cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)].rstrip() + "…"


def listing(entries: Iterable[Any], title: str, width: int, *, explain: bool = False) -> Iterator[str]:
    """The `list` table, chunk by chunk (a million entries never sit in memory), each chunk at least as
    wide as the first, so the columns stay aligned. Names shrink and wrap; codes and numbers never do."""
    import itertools

    from rvutool.names.table import short_name

    stream = iter(entries)
    chunk = list(itertools.islice(stream, LIST_CHUNK))
    if not chunk:
        yield f"No entries in {title}.\n"
        return
    header = ["#", "Date", "Item", "Units", "wRVU", "Name", "Flags", "Note"]
    yield f"Log: {title}\n"
    total, count, least, first = Decimal("0.00"), 0, None, True
    explained: list[Any] = []
    while chunk:
        following = list(itertools.islice(stream, LIST_CHUNK))
        active = [e for e in chunk if not e.voided]
        total += sum((e.credited_wrvu for e in active), Decimal("0.00"))
        count += len(active)
        rows = [[str(e.id), e.service_date, e.item_text, str(e.units), rvu(e.credited_wrvu),
                 clean(short_name(e.code) or ""), _why(e), " · ".join(t for t in (e.case_label, e.note) if t)]
                for e in chunk]
        if least is None:
            least = [max([len(header[i]), *(len(r[i]) for r in rows)]) for i in range(len(header))]
            if following:  # a long listing: room for the larger ids and the total to come
                least[0], least[4] = max(least[0], 7), max(least[4], 9)
            # the name takes the room the other columns leave, 12 at least; only then do flags and notes wrap
            others = sum(least[:5]) + least[6] + least[7] + 2 * (len(header) - 1)
            least[5] = max(len(header[5]), min(least[5], max(NAME_MIN, width - others)))
        for r in rows:
            r[5] = fit(r[5], least[5])
        footer = None if following else ["", "Total", "", "", rvu(total), "", "", ""]
        yield columns(header, rows, {0, 3, 4}, footer, width=width, wrap=frozenset({6, 7}), at_least=least,
                      show_header=first)
        first = False
        if explain:
            explained.extend(chunk)
        chunk = following
    yield f"{count} {'entry' if count == 1 else 'entries'}, {rvu(total)} wRVU credited.\n"
    if explain:
        yield explanations(explained, width)


def item_text(entry: Any) -> str:
    return entry.item_text + (f" x{entry.units}" if entry.units != 1 else "")


def logged_table(encounter: Any, entries: list[Any], width: int) -> str:
    """The table of an encounter logged (entries) or about to be (none): #, item, units, base and credited wRVU,
    name and flags, and the total."""
    named = short_names(line.item.code for line in encounter.lines)
    ids = [str(entry.id) for entry in entries] if entries else [""] * len(encounter.lines)
    rows = [[number, priced.item.code + "".join(f"-{m}" for m in priced.item.modifiers), str(priced.item.units),
             rvu(priced.base_wrvu), rvu(priced.credited_wrvu),
             clean(named.get(priced.item.code, "")), flag_text(list(priced.flags))]
            for number, priced in zip(ids, encounter.lines, strict=True)]
    footer = ["", "Total", "", rvu(encounter.base_wrvu), rvu(encounter.credited_wrvu), "", ""]
    return columns(["#", "Item", "Units", "Base wRVU", "Credited", "Name", "Flags"], rows, {0, 2, 3, 4}, footer,
                   width=width, wrap=frozenset({5, 6}))


def did_you_mean(suggestions: list[Any]) -> list[str]:
    """Each suggestion of a search that found nothing, marked as a guess: "  did you mean 11104 punch biopsy...?"."""
    return [f"  did you mean {hit.code} {clean(hit.name.text if hit.name else '')}".rstrip() + "?"
            for hit in suggestions]


def double_entry_text(again: list[Any]) -> str:
    """The warning for the same items saved again within minutes (double_entry.py)."""
    first = again[0]
    items = ", ".join(dict.fromkeys(e.label for e in again))
    label = f" with case label {first.case_label!r}" if first.case_label else ""
    ids = ", ".join(f"#{e.id}" for e in again[:5]) + (" ..." if len(again) > 5 else "")
    return (f"{items} already logged on {first.service_date}{label} ({ids}) a few minutes ago: "
            "the same items again, typed twice?")


def explanations(entries: list[Any], width: int) -> str:
    """`list --explain`: how each credit was reached, wrapped to the width."""
    import textwrap

    said = []
    for entry in entries:
        said.append(("  ", f"#{entry.id} {item_text(entry)} ({entry.release}, {entry.setting}): "
                           f"base {rvu(entry.work_rvu)} x {entry.units} = {rvu(entry.base_wrvu)}"))
        for adj in entry.adjustment_list:
            said.append(("      ", f"{adj.get('rule')}: x{adj.get('factor')}  {adj.get('reason')}"))
        if not entry.adjustment_list:
            said.append(("      ", f"no adjustment: credited {rvu(entry.credited_wrvu)}"))
        if entry.no_wrvu_reason:
            said.append(("      ", f"no CMS work RVU: {entry.no_wrvu_reason}"))
    out = ["How each credit was reached:\n"]
    for indent, text in said:
        out.extend(f"{part}\n" for part in textwrap.wrap(
            text, max(width, 40), initial_indent=indent, subsequent_indent=indent + "  ",
            break_on_hyphens=False, break_long_words=False))
    return "".join(out)


def import_result_text(outcome: Any, *, dry_run: bool) -> str:
    """What an import did (or a dry run would do), in one sentence."""
    count, encounters = outcome.added, outcome.encounters
    parts = [f"{outcome.duplicates} already in the log"] if outcome.duplicates else []
    if outcome.favourites_held:
        parts.append(_count(outcome.favourites_held, "favourite", "favourites") + " already in the log")
    if outcome.skipped:
        parts.append(f"{len(outcome.skipped)} bad {'row' if len(outcome.skipped) == 1 else 'rows'} skipped")
    extra = f" ({'; '.join(parts)})" if parts else ""
    noun = "entry" if count == 1 else "entries"
    enc = f"{encounters} {'encounter' if encounters == 1 else 'encounters'}"
    names = outcome.favourites_added
    favs = (_count(len(names), "favourite", "favourites") + f" ({', '.join(names)})") if names else ""
    if dry_run:
        also = f" and {favs}" if favs else ""
        return (f"Dry run: {outcome.source} ({outcome.fmt}) would add {count} {noun} in {enc}, "
                f"{outcome.net:+.2f} wRVU{also}{extra}; nothing was written.")
    if not count and not favs:
        return f"Nothing to import from {outcome.source}{extra}."
    if not count:
        return f"Imported {favs} from {outcome.source}{extra}. `rvutool undo` reverts it."
    also = f" and {favs}" if favs else ""
    return (f"Imported {count} {noun} (#{outcome.first_id}-#{outcome.last_id}) in {enc}{also} from "
            f"{outcome.source}{extra}. Net change: {outcome.net:+.2f} wRVU. `rvutool undo` reverts it.")


def doctor_text(where: str, exists: bool, problems: list[str], *, shared: bool = False) -> str:
    """`rvutool doctor`: the verdict, each problem, and what to do about them, for the log it checked (a file of
    yours, or a practice's shared database, which PostgreSQL keeps and only its owner repairs)."""
    if not exists:
        return f"No log yet at {where}: nothing to check.\n"
    if not problems:
        if shared:
            return f"The log {where} is sound: its invariants, totals and every entry's values checked.\n"
        return f"The log {where} is sound: every page, index and invariant checked.\n"
    out = [f"The log {where} has problems:", *(f"  - {problem}" for problem in problems)]
    if shared:
        out.append("The log is the practice's database, not a file of yours: its owner looks at these with psql "
                   "and fixes or removes them. Meanwhile `rvutool export` writes every entry that can be read.")
    else:
        out.append("Keep a copy of the file; move it aside, then `rvutool import` your latest export into a new log "
                   "(`--restore` brings back removed entries).")
    return "".join(f"{text}\n" for text in out)


# ---------------------------------------------------------------- lookup's lines under the numbers
def family_rows(naming: dict[str, Any], code: str, shown: dict[str, str]) -> list[tuple[str, str]]:
    """Under the numbers: the code's family, who usually bills it, and a tip. A family already shown for an
    earlier code of the same lookup is named once more, not described again (`shown`: family -> that code)."""
    family = naming["family"]
    if family is None:
        return []
    name = clean(family["name"])
    if name in shown:
        return [("Family", f"{name} (as {shown[name]} above)")]
    shown[name] = code
    rows: list[tuple[str, str]] = []
    if naming["name_source"] != "family":
        rows.append(("Family", name))
    if family["specialties"]:
        rows.append(("Billed by", clean(family["specialties"])))
    if family["note"]:
        rows.append(("Tip", clean(family["note"])))
    return rows


def about_pointer(code: str) -> str:
    return f"rvutool lookup {code} --about: what is done, documentation, common denials, questions"


def about_rows(about: dict[str, Any]) -> list[tuple[str, str]]:
    """"About this code" as lookup's label and value rows: the family it is written for, what is done, the
    clinical context, then each documentation point, common denial, and question with its answer."""
    rows = [("Family", clean(about["family"]))] if about.get("family") else []
    rows += [("What is done", clean(about["what"])), ("Context", clean(about["context"]))]
    for label, key in (("Documentation", "documentation"), ("Denied when", "denials")):
        rows += [("" if i else label, f"• {clean(point)}") for i, point in enumerate(about.get(key) or [])]
    for question, answer in about.get("faq") or []:
        rows += [("Q", clean(question)), ("A", clean(answer))]
    return rows


def locality_text(loc: dict[str, Any]) -> str:
    def amount(setting: str) -> str:
        value = loc[f"payment_{setting}"]
        if value is None:
            return f"— ({loc.get(setting + '_note', 'not priced')})"
        return money(Decimal(str(value)))

    g = loc["gpcis"]
    return (f"{loc['name'].title()}, {loc['state']} ({loc['id']}): non-facility {amount('nonfacility')}"
            f" · facility {amount('facility')}  (GPCIs work {g['work']:.3f}, PE {g['pe']:.3f}, "
            f"MP {g['mp']:.3f}; CF {loc['conversion_factor']}{' QP' if loc.get('qp') else ''})"
            + (f"; {loc['work_gpci_floor']}" if loc.get("work_gpci_floor") else ""))


# ---------------------------------------------------------------- lookup --compare
def _change(a: Decimal | None, b: Decimal | None) -> str:
    if a is None or b is None or a == b:
        return "" if a == b else "—"
    return f"{b - a:+.2f}"


def compare_rows(result: Any) -> list[tuple[str, str, str, str]]:
    """(what, in the code's own release, in the other, the change) for `lookup --compare`."""
    own, other = result, result.compare
    if not hasattr(other, "row"):  # lookup.Missing: the other release lacks the code
        return [("In release", own.release.id, f"not in {other.release.id}", "deleted or not yet created")]
    rows: list[tuple[str, str, str, str]] = []

    def amounts(label: str, pick: Callable[[Any], Decimal | None], show: Callable[[Decimal | None], str]) -> None:
        a, b = pick(own), pick(other)
        rows.append((label, show(a), show(b), _change(a, b)))

    def number(value: Decimal | None) -> str:
        return "—" if value is None else rvu(value)

    rows.append(("Release", f"{own.release.id} (CY{own.release.year})", f"{other.release.id} (CY{other.release.year})",
                 ""))
    rows.append(("Status", own.row.values["status"], other.row.values["status"],
                 "" if own.row.values["status"] == other.row.values["status"] else "changed"))
    def work(r: Any) -> str:
        return rvu(r.row.work_rvu) if r.row.has_work_rvu else f"none ({r.row.no_work_reason_key})"

    rows.append(("Work RVU", work(own), work(other), _change(own.row.work_rvu, other.row.work_rvu)))
    for setting, label in (("nonfacility", "non-facility"), ("facility", "facility")):
        amounts(f"PE RVU {label}", lambda r, s=setting: Decimal(r.row.values[f"pe_{s}"]), number)
    amounts("MP RVU", lambda r: Decimal(r.row.values["mp"]), number)
    for setting, label in (("nonfacility", "non-facility"), ("facility", "facility")):
        amounts(f"Total RVU {label}", lambda r, s=setting: r.row.total(s), number)
    rows.append(("Global", own.row.values["global_days"], other.row.values["global_days"],
                 "" if own.row.values["global_days"] == other.row.values["global_days"] else "changed"))
    rows.append(("CF", own.conversion_factor_label, other.conversion_factor_label, _change(
        own.conversion_factor, other.conversion_factor)))
    for setting, label in (("nonfacility", "non-facility"), ("facility", "facility")):
        amounts(f"Medicare {label}", lambda r, s=setting: r.national(s), money)
    return rows


# ---------------------------------------------------------------- summary --reprice
def repricing_text(rep: Any, width: int) -> str:
    """`--reprice RELEASE`: per code, wRVU and dollars as logged and under the other release, and what the
    other release does to codes beyond their value (deleted, no work RVU)."""
    from rvutool.money import from_hundredths

    other = rep.release.id
    noted = any(c.change for c in rep.codes)
    header = ["Code", "Entries", "wRVU logged", f"wRVU {other}", "Change", "$ logged", f"$ {other}", "Change",
              *(["Note"] if noted else [])]

    def dollars(amount: Decimal, unpriced: int, entries: int) -> str:
        return "—" if unpriced == entries else money(amount)

    rows = [[c.code, f"{c.entries:,}", rvu(c.logged), rvu(c.repriced), f"{c.repriced - c.logged:+.2f}",
             dollars(c.logged_amount, c.unpriced_logged, c.entries),
             dollars(c.repriced_amount, c.unpriced_repriced, c.entries),
             f"{c.repriced_amount - c.logged_amount:+,.2f}", *([c.change] if noted else [])] for c in rep.codes]
    logged, repriced = from_hundredths(rep.total("logged_c")), from_hundredths(rep.total("repriced_c"))
    amount_logged, amount_repriced = rep.total("logged_amount"), rep.total("repriced_amount")
    footer = ["Total", f"{rep.total('entries'):,}", rvu(logged), rvu(repriced), f"{repriced - logged:+.2f}",
              money(amount_logged), money(amount_repriced), f"{amount_repriced - amount_logged:+,.2f}",
              *([""] if noted else [])]
    out = [f"Under {other} (CY{rep.release.year}): the same entries, each priced as it was logged with only the "
           f"release changed; dollars {rep.where}, CF {' and '.join(rep.logged_factors) or '—'} as logged, "
           f"{rep.repriced_factor} under {other}"]
    table = columns(header, rows, set(range(1, 8)), footer, width=width, wrap=frozenset({8} if noted else ()))
    lines = [*wrap_text(out[0], width), table.rstrip("\n")]
    for c in rep.called_out:
        what = {"deleted": f"not in {other}: credited 0 there", "no work RVU": f"no work RVU in {other}",
                "newly valued": f"has a work RVU in {other} (none as logged)",
                "cannot be priced": f"{other} refuses it as logged ({c.why})"}[c.change]
        lines += wrap_text(f"* {c.code}: {what} ({_count(c.entries, 'entry', 'entries')})", width)
    return "\n".join(lines)
