"""Crediting logged work on another CMS release's values: an employer that credits CY2026 work on the
frozen CY2025 values (a contract's `credit_release`), or `summary --reprice RELEASE`.

`credit_on_release(entries, release)` prices every logged encounter again, exactly as `rvutool log` priced
it (its items, setting, fraction and post-op days, and the payment policy it was logged under, unless
`policy` names keys the employer credits otherwise), but with the release's rows instead of those of the
release in force on the date of service. The log is never changed. An encounter is priced as a whole,
because the multiple-procedure, bilateral and endoscopy rules depend on all of its lines; a code the
release does not have (a code new since) keeps the credit it was logged with, and so does an encounter the
release cannot price.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.errors import RvuError

if TYPE_CHECKING:
    from rvutool.catalog.codes import Catalog, ReleaseInfo
    from rvutool.log.entries import Entry


class Credited(dict[int, Decimal]):
    """Entry id -> credited wRVU under the release; `kept` holds the ids that kept their logged credit."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: set[int] = set()


class _Pinned:
    """A catalog whose release for every date of service is one release."""

    def __init__(self, catalog: Catalog, release: ReleaseInfo) -> None:
        self._catalog, self._release = catalog, release

    def release_for(self, on: date) -> tuple[ReleaseInfo, str | None]:
        return self._release, None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._catalog, name)


def encounters(entries: Iterable[Entry]) -> Iterator[list[Entry]]:
    """Consecutive entries of one encounter together (the store streams them by date, encounter and id)."""
    group: list[Entry] = []
    for entry in entries:
        if group and entry.encounter_id != group[0].encounter_id:
            yield group
            group = []
        group.append(entry)
    if group:
        yield group


def credit_on_release(entries: Iterable[Entry], release: ReleaseInfo | str, *, catalog: Catalog | None = None,
                      policy: dict[str, str] | None = None) -> Credited:
    """The credited wRVU of each live entry (by id) when its encounter is priced under `release`."""
    from rvutool.catalog.codes import CachedCatalog

    catalog = catalog or CachedCatalog()
    pinned = catalog.release(release) if isinstance(release, str) else release
    found = Credited()
    for group in encounters(e for e in entries if not e.voided):
        _price(group, pinned, catalog, policy or {}, found)
    return found


def _price(group: list[Entry], release: ReleaseInfo, catalog: Catalog, overrides: dict[str, str],
           found: Credited) -> None:
    from rvutool.log.entries import options_of, policy_of
    from rvutool.pricing.rules import price_encounter

    present = [e for e in group if catalog.rows(e.code, release)]
    held = {e.id for e in present}
    for entry in group:
        if entry.id not in held:
            found[entry.id] = entry.credited_wrvu
            found.kept.add(entry.id)
    if not present:
        return
    first = present[0]
    policy = replace(policy_of(first), **overrides) if overrides else policy_of(first)
    try:
        priced = price_encounter([e.as_item() for e in present], first.date, catalog=_Pinned(catalog, release),
                                 policy=policy, options=options_of(first))
    except RvuError:  # say, a -53 line the release has no row for: the logged credit stands
        for entry in present:
            found[entry.id] = entry.credited_wrvu
            found.kept.add(entry.id)
        return
    for entry, line in zip(present, priced.lines, strict=True):
        found[entry.id] = line.credited_wrvu


def credit_under_policy(entries: Iterable[Entry], policy: dict[str, str], *, catalog: Catalog | None = None
                        ) -> Credited:
    """The credited wRVU of each live entry priced again under its own release, with some policy keys changed
    (a contract's [policy]: how the employer credits modifiers)."""
    from rvutool.catalog.codes import CachedCatalog

    catalog = catalog or CachedCatalog()
    found = Credited()
    for group in encounters(e for e in entries if not e.voided):
        try:
            release = catalog.release(group[0].release)
        except RvuError:  # an imported release since removed: the one in force on the date stands in
            release, _ = catalog.release_for(group[0].date)
        _price(group, release, catalog, policy, found)
    return found
