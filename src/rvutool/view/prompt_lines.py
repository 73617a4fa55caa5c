"""Plain text for the log prompt (cli/prompt.py): numbered matches, recent codes, the encounter so far,
and its help. Strings only; the prompt prints them."""

from __future__ import annotations

from typing import Any

HELP = """\
  Type what you did, one or more to a line:
    99213  27447-RT  97110x2   codes, with -modifiers and xUNITS, as on the command line
    @tka  @knee-scope-RT       a favourite (rvutool fav add); its -modifiers go to each of its items
    total knee                 words: pick from the numbered matches (1, or 1-RT, 2x3, 1 3)
    recent                     the codes you logged last (also: Enter before the first item)
    drop 2                     remove item 2 (undo: remove the last one)
    Enter                      done: then a note, and save or not
    Ctrl-D or Ctrl-C           cancel: nothing is saved
  Up and down arrows recall what you typed before; Tab completes codes, @favourites and commands."""


def fit(text: str) -> str:
    """A sentence of the prompt wrapped to the terminal, its further lines indented as its first."""
    import textwrap

    from rvutool.view.text import terminal_width

    indent = text[: len(text) - len(text.lstrip())]
    return "\n".join(textwrap.wrap(text, max(terminal_width(), 40), subsequent_indent=indent + "  ",
                                    break_on_hyphens=False))


def intro() -> str:
    return fit(INTRO_TEXT)


INTRO_TEXT = ("Log one encounter: codes (99213, 27447-RT, 97110x2), @favourites, or words to search (total knee). "
              "? for help, Ctrl-D to cancel.")


def _wrvu(row: Any) -> str:
    from rvutool.view.text import rvu

    return f"{rvu(row.work_rvu)} wRVU" if row.has_work_rvu else "no wRVU"


def _numbered(rows: list[list[str]]) -> str:
    from rvutool.view.text import columns, terminal_width

    table = columns(["", "Code", "Name", "Work RVU"], rows, {0, 3}, width=terminal_width() - 2,  # indented by 2
                    wrap=frozenset({2}), show_header=False)
    return "\n".join("  " + line for line in table.splitlines())


def choices(hits: list[Any]) -> str:
    """Search hits, numbered, each with its name and work RVU."""
    from rvutool.catalog import taxonomy
    from rvutool.view.text import short_names

    named = short_names(hit.code for hit in hits)
    rows = [[f"{n}.", hit.code, named.get(hit.code) or hit.description or taxonomy.label(hit.row.category),
             _wrvu(hit.row)] for n, hit in enumerate(hits, 1)]
    return _numbered(rows)


def matches(result: Any) -> str:
    """A search's hits, numbered, each with its name and work RVU; when nothing matched, its "did you mean"
    offers, numbered the same way and marked as such."""
    if not result.hits:
        head = f"  {result.message.split(';')[0]}"
        return head + (":\n  did you mean one of these?\n" + choices(result.suggestions) if result.suggestions else "")
    more = f"  ({result.total} matches, {len(result.hits)} shown: more words narrow them)" \
        if result.total > len(result.hits) else ""
    return choices(result.hits) + ("\n" + more if more else "")


def recent(items: list[str], catalog: Any, on: Any) -> str:
    """The codes logged last, numbered, with their names and work RVU on the encounter's date."""
    from rvutool.catalog import taxonomy
    from rvutool.pricing.items import parse_item
    from rvutool.view.text import short_names

    release, _ = catalog.release_for(on)
    codes = [parse_item(text).code for text in items]
    named = short_names(codes)
    rows = []
    for n, (text, code) in enumerate(zip(items, codes, strict=True), 1):
        found = catalog.rows(code, release)
        row = found.get("") or (found[sorted(found)[0]] if found else None)
        label = named.get(code) or (taxonomy.label(row.category) if row else "")
        rows.append([f"{n}.", text, label, _wrvu(row) if row else "not in " + release.id])
    return "  Recently logged:\n" + _numbered(rows)


def encounter_lines(encounter: Any) -> str:
    """The items so far, numbered as `drop N` takes them, each with its name and credited wRVU (and what changed
    it), then the total."""
    from rvutool.pricing.priced import adjustment_label
    from rvutool.view.text import columns, rvu, short_names, terminal_width

    named = short_names(line.item.code for line in encounter.lines)
    rows = []
    for n, line in enumerate(encounter.lines, 1):
        why = [label for adj in line.adjustments if (label := adjustment_label(adj.to_dict()))]
        why += ["no wRVU" if flag == "no-wrvu" else flag for flag in line.flags
                if not any(w.startswith(flag.replace("-", " ")) for w in why)]
        credited = rvu(line.credited_wrvu)
        if line.credited_wrvu != line.base_wrvu:
            credited = f"{rvu(line.base_wrvu)} -> {credited}"
        rows.append([str(n), str(line.item), named.get(line.item.code, ""), credited, ", ".join(why)])
    header, footer = ["#", "Item", "Name", "wRVU", ""], ["", "Total", "", rvu(encounter.credited_wrvu), ""]
    if not named:  # no names to show: no empty column
        header, footer, rows = header[:2] + header[3:], footer[:2] + footer[3:], [r[:2] + r[3:] for r in rows]
    table = columns(header, rows, {0, len(header) - 2}, footer, width=terminal_width() - 2,
                    wrap=frozenset({2, 4} if named else {3}))
    return "\n".join("  " + line for line in table.splitlines())


def completions(word: str, favourites: dict[str, Any]) -> list[str]:
    """What Tab offers at the prompt: @favourites, commands, codes by prefix (and modifiers after CODE-)."""
    from rvutool.cli.completion import code_offers

    if word.startswith("@"):
        return [f"@{name}" for name in sorted(favourites) if name.startswith(word[1:].lower())]
    if word.isalpha():
        return [c for c in ("recent", "drop", "undo", "help") if c.startswith(word.lower())]
    return [value for value, _ in code_offers(word, with_favourites=False)]
