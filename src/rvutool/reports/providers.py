"""Whose lines are compared: the physician's name in a report, and the providers of a practice's shared log.

On a shared log a manager sees every provider's entries. Compared with one doctor's report, the whole
practice's work would show as owed; so a manager names one provider (`--provider USER`) or compares each
provider with their own lines of the report (`--by provider`), or reconcile refuses in one line.

`--by provider` pairs the report's provider names with the log's users: `--provider-name USER=NAME` says
so outright; otherwise a user whose name, without a leading "dr" and anything but letters, is the
report name's surname, or its first name or initial and surname in either order ("SMITH, JOHN" is
smith, jsmith, johnsmith, smithj or drsmith), when exactly one user fits.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rvutool.errors import RvuError, UsageError

EVERYTHING = (date(1, 1, 1), date(9999, 12, 31))


def visible_providers(store: Any) -> list[str]:
    """The providers whose entries this connection sees on a shared log ([] on a personal log)."""
    from rvutool.log import location

    if store is None or location.url() is None:
        return []
    return [name for name, *_ in store.provider_totals(*EVERYTHING)]


def refuse_practice_wide(store: Any, providers: list[str]) -> None:
    """A manager's view of several providers, with neither --provider nor --by provider: one line."""
    me = store.user() if hasattr(store, "user") else ""
    others = [p for p in providers if p != me]
    if others:
        shown = ", ".join(providers[:8]) + (", ..." if len(providers) > 8 else "")
        raise UsageError(f"this shared log shows the entries of {len(providers)} providers ({shown}); an employer's "
                         "report is one provider's: name one with --provider USER, or compare each with their "
                         "own lines with --by provider")


def parse_names(texts: list[str] | None, by_provider: bool) -> tuple[str | None, dict[str, str]]:
    """--provider-name: (the physician's name, {}) or, with --by provider, (None, {user: name})."""
    texts = [t.strip() for t in texts or [] if t.strip()]
    if not by_provider:
        if len(texts) > 1:
            raise UsageError("--provider-name names one provider (the one the report is compared for); with "
                             "--by provider give USER=NAME for each")
        return (" ".join(texts[0].split()) if texts else None), {}
    pairs: dict[str, str] = {}
    for text in texts:
        user, eq, name = text.partition("=")
        if not eq or not user.strip() or not name.strip():
            raise UsageError(f"--provider-name {text!r}: with --by provider, give USER=NAME, such as "
                             "drsmith=\"SMITH, JOHN\"")
        pairs[user.strip()] = " ".join(name.split())
    return None, pairs


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _forms(name: str) -> set[str]:
    """The user names a report's provider name may stand for."""
    from rvutool.reports.employer import provider_key

    if "," in name:
        surname, _, rest = name.partition(",")
        given = rest.split()
    else:
        *given, surname = name.split() or [""]
    surname = _letters(surname)
    kept = [_letters(g) for g in given if _letters(g) and provider_key(g)]
    first = kept[0] if kept else ""
    forms = {surname}
    if first:
        forms |= {first + surname, first[0] + surname, surname + first[0], surname + first}
    return {f for f in forms if f}


def pair_users(report_names: list[str], users: list[str], explicit: dict[str, str]) -> dict[str, str]:
    """{user: report name} for every report name; refuses in one line a name no user (or several) fits."""
    from rvutool.reports.employer import provider_key

    unknown = [u for u in explicit if u not in users]
    if unknown:
        raise RvuError(f"--provider-name {unknown[0]}=...: {unknown[0]} has no entries in this shared log that you "
                       f"can see (its providers: {', '.join(users) or 'none'})")
    paired: dict[str, str] = {}
    named = {provider_key(n): u for u, n in explicit.items()}
    unmatched = []
    for name in report_names:
        user = named.get(provider_key(name))
        if user is None:
            forms = _forms(name)
            fits = [u for u in users if u not in explicit and _letters(u).removeprefix("dr") in forms
                    or _letters(u) in forms]
            user = fits[0] if len(set(fits)) == 1 else None
        if user is None or user in paired:
            unmatched.append(name)
            continue
        paired[user] = name
    if unmatched:
        raise RvuError(f"--by provider: the report's provider {'names' if len(unmatched) > 1 else 'name'} "
                       f"{'; '.join(unmatched[:5])} {'are' if len(unmatched) > 1 else 'is'} not matched to one user "
                       f"of the log ({', '.join(users) or 'none'}): say whose with --provider-name USER=NAME")
    return paired
