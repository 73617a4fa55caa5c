"""What another CMS release does to logged work: the same entries priced under it (`--reprice RELEASE`).

Each encounter is priced again exactly as it was logged (its items, setting, options and stored payment
policy), with only the release changed, so the difference is the release's alone. Dollars are Medicare's
fee schedule amounts after the same rules: national (every GPCI 1.000) or in the configured locality, with
each side's own conversion factor. Identical encounters are priced once (a year of clinic visits repeats
the same few), so the cost grows with the entries read, not with pricing. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.errors import RvuError
from rvutool.money import from_hundredths, hundredths, to_cents

if TYPE_CHECKING:
    from rvutool.catalog.codes import Catalog, ReleaseInfo
    from rvutool.log.entries import Entry
    from rvutool.log.store import LogStore
    from rvutool.periods import Period
    from rvutool.pricing.locality import Locality

Place = Callable[[int], "Locality"]  # a year's locality (its GPCIs): the configured one, or national

# What the other release does to a code, beyond changing its value.
DELETED, UNVALUED, NEWLY_VALUED, UNPRICEABLE = "deleted", "no work RVU", "newly valued", "cannot be priced"


@dataclass
class RepricedCode:
    code: str
    entries: int = 0
    units: int = 0
    logged_c: int = 0  # credited wRVU as logged, in hundredths
    repriced_c: int = 0  # under the other release
    logged_amount: Decimal = Decimal("0.00")
    repriced_amount: Decimal = Decimal("0.00")
    unpriced_logged: int = 0  # entries with no Medicare amount as logged (NA setting, not paid from RVUs)
    unpriced_repriced: int = 0
    change: str = ""  # DELETED, UNVALUED, NEWLY_VALUED, UNPRICEABLE or ""
    why: str = ""  # for UNPRICEABLE: the other release's objection

    @property
    def logged(self) -> Decimal:
        return from_hundredths(self.logged_c)

    @property
    def repriced(self) -> Decimal:
        return from_hundredths(self.repriced_c)

    def to_dict(self) -> dict[str, Any]:
        from rvutool.names.table import short_name

        return {"code": self.code, "name": short_name(self.code), "entries": self.entries, "units": self.units,
                "wrvu_logged": self.logged, "wrvu_repriced": self.repriced,
                "wrvu_change": self.repriced - self.logged,
                "amount_logged": self.logged_amount, "amount_repriced": self.repriced_amount,
                "amount_change": self.repriced_amount - self.logged_amount,
                "unpriced_logged": self.unpriced_logged, "unpriced_repriced": self.unpriced_repriced,
                "change": self.change or None, **({"why": self.why} if self.why else {})}


@dataclass
class Repricing:
    release: ReleaseInfo  # the release the entries are priced under
    where: str  # "national (every GPCI 1.000)" or a locality's label
    logged_factors: list[str] = field(default_factory=list)  # the CFs the entries were priced with
    repriced_factor: str = ""
    codes: list[RepricedCode] = field(default_factory=list)

    def total(self, name: str) -> Any:
        return sum((getattr(c, name) for c in self.codes), Decimal(0) if "amount" in name else 0)

    @property
    def called_out(self) -> list[RepricedCode]:
        return [c for c in self.codes if c.change]

    def to_dict(self) -> dict[str, Any]:
        logged, repriced = from_hundredths(self.total("logged_c")), from_hundredths(self.total("repriced_c"))
        amount_logged, amount_repriced = self.total("logged_amount"), self.total("repriced_amount")
        return {"release": self.release.id, "year": self.release.year, "where": self.where,
                "conversion_factors_logged": self.logged_factors, "conversion_factor_repriced": self.repriced_factor,
                "entries": self.total("entries"),
                "wrvu_logged": logged, "wrvu_repriced": repriced, "wrvu_change": repriced - logged,
                "amount_logged": amount_logged, "amount_repriced": amount_repriced,
                "amount_change": amount_repriced - amount_logged,
                "codes": [c.to_dict() for c in self.codes],
                "called_out": [{"code": c.code, "change": c.change, "entries": c.entries} for c in self.called_out]}


def reprice(store: LogStore, period: Period, release_id: str, *, place: Place, qp: bool = False,
            gpci_floor: str = "by-date", catalog: Catalog | None = None) -> Repricing:
    """The period's live entries as logged and priced under `release_id`, per code."""
    from rvutool.catalog.codes import CachedCatalog
    from rvutool.log.entries import by_encounter
    from rvutool.pricing import locality

    catalog = catalog or CachedCatalog()
    target = catalog.release(release_id)
    target_cf = locality.conversion_factor(target, qp)
    result = Repricing(release=target, where=place(target.year).label, repriced_factor=target_cf.label)
    codes: dict[str, RepricedCode] = {}
    logged_side = _LoggedSide(catalog, place, qp, gpci_floor, result.logged_factors)
    repricer = _Repricer(catalog, target, place(target.year), target_cf.qp, gpci_floor)
    for members in by_encounter(store.entries(period.start, period.end)):
        lines = repricer.lines(members)
        for member, (credited_c, amount, change, why) in zip(members, lines, strict=True):
            line = codes.get(member.code) or codes.setdefault(member.code, RepricedCode(member.code))
            line.entries += 1
            line.units += member.units
            line.logged_c += member.credited_wrvu_c
            line.repriced_c += credited_c
            before = logged_side.amount(member)
            if before is None:
                line.unpriced_logged += 1
            else:
                line.logged_amount += before
            if amount is None:
                line.unpriced_repriced += 1
            else:
                line.repriced_amount += amount
            if change and not line.change:
                line.change, line.why = change, why
    result.codes = sorted(codes.values(), key=lambda c: (-abs(c.repriced_c - c.logged_c), -c.logged_c, c.code))
    return result


class _LoggedSide:
    """Each entry's Medicare amount as logged: its own release's row and CF, the GPCIs of its date."""

    def __init__(self, catalog: Catalog, place: Place, qp: bool, gpci_floor: str, labels: list[str]) -> None:
        self.catalog, self.place, self.qp, self.floor, self.labels = catalog, place, qp, gpci_floor, labels
        self.floors = catalog.floor_periods()
        self.memo: dict[tuple[Any, ...], Decimal | None] = {}

    def amount(self, entry: Entry) -> Decimal | None:
        from rvutool.pricing import locality

        floored = locality.floor_period(self.floors, entry.date) is not None
        key = (entry.code, entry.modifiers, entry.release, entry.setting, entry.units, entry.base_wrvu_c,
               entry.credited_wrvu_c, floored)
        if key in self.memo:
            return self.memo[key]
        found: Decimal | None = None
        try:
            release = self.catalog.release(entry.release)
        except RvuError:  # a release imported once and since removed: no amount to show
            release = None
        if release is not None:
            from rvutool.catalog.lookup import select_row
            from rvutool.pricing.items import Item

            rows = self.catalog.rows(entry.code, release)
            if rows:
                row = select_row(rows, Item(entry.code, tuple(entry.modifier_list)))[0]
                cf = locality.conversion_factor(release, self.qp)
                if cf.label not in self.labels:
                    self.labels.append(cf.label)
                loc = locality.dated(self.place(release.year), entry.date, self.floor)
                found = locality.logged_line_estimate(row, entry.units, entry.base_wrvu, entry.credited_wrvu,
                                                      loc, cf, entry.setting)
        self.memo[key] = found
        return found


class _Repricer:
    """Encounters priced under one release; identical encounters (items, setting, options, policy, and whether
    the GPCI floor applies on the date) are priced once."""

    def __init__(self, catalog: Catalog, release: ReleaseInfo, loc: Locality, qp: bool, gpci_floor: str) -> None:
        self.catalog, self.release, self.loc, self.qp, self.floor = catalog, release, loc, qp, gpci_floor
        self.floors = catalog.floor_periods()
        self.memo: dict[tuple[Any, ...], list[tuple[int, Decimal | None, str, str]]] = {}

    def lines(self, members: list[Entry]) -> list[tuple[int, Decimal | None, str, str]]:
        """(credited hundredths, amount, change, why) for each member, in order."""
        from rvutool.pricing import locality

        first = members[0]
        key = (tuple((m.code, m.modifiers, m.units, m.credited_wrvu_c > 0) for m in members), first.setting,
               first.options, first.policy, locality.floor_period(self.floors, first.date) is not None)
        if key not in self.memo:
            self.memo[key] = self._price(members)
        return self.memo[key]

    def _price(self, members: list[Entry]) -> list[tuple[int, Decimal | None, str, str]]:
        from dataclasses import replace

        from rvutool.log.entries import options_of, policy_of
        from rvutool.pricing.rules import price_encounter

        present = [m for m in members if self.catalog.rows(m.code, self.release)]
        out: dict[int, tuple[int, Decimal | None, str, str]] = {
            m.id: (0, None, DELETED, "") for m in members if m not in present}
        if present:
            options = replace(options_of(present[0]), locality=self.loc, qp=self.qp)
            try:
                priced = price_encounter([m.as_item() for m in present], present[0].date, catalog=self.catalog,
                                         policy=policy_of(present[0]), options=options, release=self.release)
            except RvuError as exc:
                out.update({m.id: (0, None, UNPRICEABLE, exc.message) for m in present})
            else:
                for member, line in zip(present, priced.lines, strict=True):
                    credited = hundredths(line.credited_wrvu)
                    change = ""
                    if not line.row.has_work_rvu and member.work_rvu_c > 0:
                        change = UNVALUED
                    elif line.row.has_work_rvu and member.work_rvu_c == 0:
                        change = NEWLY_VALUED
                    amount = to_cents(line.payment) if line.payment is not None else None
                    out[member.id] = (credited, amount, change, "")
        return [out[m.id] for m in members]
