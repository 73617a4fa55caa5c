"""What a code is worth: lookup, calc, search (and words typed where a code goes)."""

from __future__ import annotations

import os
from typing import Any

from rvutool.errors import RvuError, UsageError
from rvutool.view import messages, terminal


def typed_items(tokens: list[str], *, on: Any = None, allow_units: bool = True, ask: bool = True,
                catalog: Any = None) -> list[Any]:
    """Items from what was typed where codes go: codes, @favourites, and words naming a code (`tka`, "total
    knee"-RT), each phrase named in a note on stderr. A phrase that is not one code lists its candidates on one
    line (exit 1); in a terminal (unless `ask` is off, as with --json) they are a numbered choice."""
    from rvutool.cli.commands.fav import expanded
    from rvutool.names import resolver
    from rvutool.pricing.items import looks_like_words, parse_item

    tokens = expanded(tokens)
    if not any(looks_like_words(token) for token in tokens):  # the usual case: no search is loaded
        return [parse_item(token, allow_units=allow_units) for token in tokens]
    choose = messages.choose_code if ask and _terminal() else None
    items, named = resolver.resolve_items(tokens, on=on, catalog=catalog, allow_units=allow_units, choose=choose)
    for found in named:
        if not found.chosen:
            messages.note(str(found))
    return items


def _terminal() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def lookup(tokens: list[str], *, as_json: bool = False, date_text: str | None = None,
           year: str | None = None, locality_text: str | None = None,
           zip_text: str | None = None, qp: bool = False, compare: str | None = None, about: bool = False) -> int:
    from rvutool.catalog.lookup import compare_with, lookup_many
    from rvutool.cli import inputs
    from rvutool.pricing.items import looks_like_words

    on = inputs.when(date_text, year)
    if not tokens:
        raise UsageError("give at least one code, such as: rvutool lookup 99213")
    if any(looks_like_words(token) for token in tokens):  # words: the codes they name (lookup tka)
        tokens = [str(item) for item in typed_items(tokens, on=on, allow_units=False, ask=not as_json)]
    results, errors = lookup_many(tokens, on=on)
    if results:
        settings = _saved_config()
        qp = qp or bool(settings is not None and settings.get("qp"))
        if qp:  # else each release's own (non-QP) CF, without loading the locality module
            from rvutool.pricing import locality

            for result in results:
                result.cf = locality.conversion_factor(result.release, qp)
        if compare is not None:
            compare_with(results, inputs.release_id(compare), qp)
        add_locality_payments(results, locality_text, zip_text, qp, on, settings)
    abouts = {r.row.code: about_of(r.row.code) for r in results}
    if as_json:
        messages.print_json([{**r.to_dict(), "has_about": abouts[r.row.code] is not None,
                            **({"about": abouts[r.row.code]} if about else {})} for r in results])
    elif results and compare is not None:
        terminal.lookup_compared(results)
    elif results:
        terminal.lookup(results, abouts, show_about=about)
    return report_all(errors)


def _saved_config() -> Any:
    """The settings when a settings file exists, else None, without importing config (lookup stays quick)."""
    from rvutool import paths

    try:
        os.stat(paths.config_file())
    except FileNotFoundError:
        return None
    from rvutool import config

    return config.load()


def about_of(code: str) -> dict[str, Any] | None:
    """"About this code" (what is done, context, documentation, denials, Q&A) from the names data, or None.
    The reader is the names data's (names.table.about, issue 20 item 6); without it, nothing is shown."""
    from rvutool.names import table

    reader = getattr(table, "about", None)
    return reader(code) if reader is not None else None


# ---------------------------------------------------------------- calc and locality payment
def add_locality_payments(results: list[Any], locality_text: str | None, zip_text: str | None,
                          qp: bool, on: Any = None, settings: Any = None) -> None:
    """Each result's payment in the locality asked for (or the configured one), with the work GPCI of the date."""
    if locality_text is None and zip_text is None and (settings is None or not settings.get("locality")):
        return  # no locality asked for or configured: load no GPCIs
    from datetime import date

    from rvutool import dates
    from rvutool.cli import inputs
    from rvutool.pricing import locality, policy

    configured_locality = str(settings.get("locality")) if settings is not None and settings.get("locality") else None
    release = results[0].release
    loc = inputs.locality(locality_text, zip_text, qp, release.year, configured_locality)
    if loc is None:
        return
    floor = str(settings.get("policy.work_gpci_floor")) if settings is not None else policy.default("work_gpci_floor")
    if on is None:  # a --year without a date: today if it falls in that year, else its last day
        today = dates.today()
        on = today if today.year == release.year else date(release.year, 12, 31)
    loc = locality.dated(loc, on, floor)
    for result in results:
        result.locality = locality.payment(result.row, loc, locality.conversion_factor(result.release, qp))


def calc(tokens: list[str], *, date_text: str | None = None, setting: str | None = None,
         fraction: str | None = None, postop_days: str | None = None,
         policy_settings: list[str] | None = None, locality_text: str | None = None,
         zip_text: str | None = None, qp: bool = False, as_json: bool = False) -> int:
    """Price one encounter exactly as `log` would, without writing anything."""
    from rvutool import dates
    from rvutool.catalog.codes import Catalog
    from rvutool.cli import inputs
    from rvutool.pricing import rules

    if not tokens:
        raise UsageError("give at least one item, such as: rvutool calc 47562 49505")
    from rvutool import config

    cfg = config.load()
    on = dates.parse_date(date_text) if date_text is not None else dates.today()
    parsed = typed_items(tokens, on=on, ask=not as_json)
    options = inputs.encounter_options(setting if setting is not None else cfg.get("setting"), fraction,
                                       postop_days)
    policy = cfg.policy()
    for text in policy_settings or []:
        policy = policy.with_setting(text)
    catalog = Catalog()
    release, _ = catalog.release_for(on)
    configured_locality = str(cfg.get("locality")) if cfg.get("locality") else None
    loc = inputs.locality(locality_text, zip_text, qp, release.year, configured_locality, catalog)
    if qp and loc is None:
        raise UsageError("calc shows dollars for a locality: with --qp give --locality or --zip "
                         "(or set one with: rvutool config set locality 01182-18)")
    qp = qp or bool(cfg.get("qp"))
    options = rules.Options(setting=options.setting, fraction=options.fraction, postop_days=options.postop_days,
                            locality=loc, qp=qp)
    encounter = rules.price_encounter(parsed, on, catalog=catalog, policy=policy, options=options)
    if as_json:
        messages.print_json(encounter.to_dict())
    else:
        terminal.calc(encounter)
    for text in encounter.warnings:
        messages.warning(text)
    return 0


def report_all(errors: list[RvuError]) -> int:
    """Print each error on its own line; usage errors outrank the rest (2 over 1)."""
    for err in errors:
        messages.error(err.message)
    return max((err.exit_code for err in errors), default=0)


# ---------------------------------------------------------------- search
def search(words: list[str], *, limit: int | str | None = None, as_json: bool = False, date_text: str | None = None,
           year: str | None = None) -> int:
    from rvutool.cli import inputs
    from rvutool.names.search import search as find

    text = " ".join(words)
    on = inputs.when(date_text, year)
    result = find(text, limit=inputs.limit(limit if limit is not None else 20), on=on)
    if not result.hits:  # nothing sure enough: say so, and offer the nearest as "did you mean"
        if as_json:
            messages.print_json(result.to_dict())
        messages.no_match(result, offers=not as_json)  # the JSON carries the offers
        return 1
    if as_json:
        messages.print_json([hit.to_dict() for hit in result.hits])
    else:
        terminal.search(result)
    return 0
