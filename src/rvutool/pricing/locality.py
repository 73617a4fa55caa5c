"""Medicare payment by locality: GPCIs, the ZIP to locality map, conversion factors.

    payment = [(work x work GPCI) + (PE x PE GPCI) + (MP x MP GPCI)] x CF

for the facility and non-facility settings (domain-rules §3.3), with the GPCIs of the
release's year (bundled in data/codes.json) and CMS's NA flags honoured: a setting flagged
NA has no amount. No typer, no rich. Everything here reads; nothing writes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rvutool import paths
from rvutool.catalog.codes import Catalog, ReleaseInfo, Row
from rvutool.errors import DatasetError, RvuError, UsageError
from rvutool.money import to_cents

SETTINGS = ("nonfacility", "facility")

# The conversion factors (non-QP and QP) and the work GPCI floor's periods are data: each release's
# CFs, and data/fee_schedule.toml through the build (codes.Catalog.calendar, floor_periods).
FloorPeriod = tuple[date, date, str]  # from, through, the law

_ID = re.compile(r"^(?P<mac>[0-9]{5})-(?P<number>[0-9]{2})$")
_ZIP = re.compile(r"^(?P<zip>[0-9]{5})(?:-?[0-9]{4})?$")


@dataclass(frozen=True)
class Locality:
    mac: str
    number: str
    state: str
    name: str
    work_gpci: Decimal
    pe_gpci: Decimal
    mp_gpci: Decimal
    year: int
    work_gpci_unfloored: Decimal | None = None  # when the GPCI file publishes both work columns
    gpci_note: str = ""  # which work GPCI applied, once dated() has chosen
    floor_periods: tuple[FloorPeriod, ...] = ()  # when the 1.0 work GPCI floor applies (the calendar)

    @property
    def id(self) -> str:
        return f"{self.mac}-{self.number}"

    @property
    def label(self) -> str:
        if not self.mac:
            return "national (every GPCI 1.000)"
        return f"{self.name.title()}, {self.state} ({self.id})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "mac": self.mac, "locality": self.number, "state": self.state,
            "name": self.name, "gpci_year": self.year,
            "gpcis": {"work": float(self.work_gpci), "pe": float(self.pe_gpci), "mp": float(self.mp_gpci)},
            **({"work_gpci_floor": self.gpci_note} if self.gpci_note else {}),
        }


def floor_period(periods: tuple[FloorPeriod, ...], on: date) -> FloorPeriod | None:
    return next((p for p in periods if p[0] <= on <= p[1]), None)


def dated(loc: Locality, on: date, mode: str = "by-date") -> Locality:
    """The locality with the work GPCI that applies on a date of service: the 1.0-floored value on a
    date inside one of the floor's periods (the calendar's), the unfloored one on any other date
    (policy work_gpci_floor: by-date, always or never). Localities whose file has one work column,
    or whose two agree, are kept."""
    floored, unfloored = loc.work_gpci, loc.work_gpci_unfloored
    if unfloored is None or unfloored == floored:
        return loc
    period = floor_period(loc.floor_periods, on)
    if mode == "always" or (mode == "by-date" and period is not None):
        why = ("policy work_gpci_floor=always" if mode == "always" or period is None
               else f"floor in force {period[0]} to {period[1]}: {period[2]}")
        return replace(loc, gpci_note=f"work GPCI {floored} with the 1.0 floor ({why}; without it {unfloored})")
    why = "policy work_gpci_floor=never" if mode == "never" else f"no floor on {on}: no law extends it"
    return replace(loc, work_gpci=unfloored,
                   gpci_note=f"work GPCI {unfloored} without the 1.0 floor ({why}; with it {floored})")


def price_changes(catalog: Catalog) -> tuple[date, ...]:
    """Dates after which a locality's prices change within one release's rows (a floor period ending or
    starting): summaries group entries so that no group spans one."""
    return tuple(sorted({d for start, through, _ in catalog.floor_periods()
                         for d in (start - timedelta(days=1), through)}))


@dataclass(frozen=True)
class ConversionFactor:
    value: Decimal
    qp: bool
    year: int

    one_for_all: bool = False  # the year had one CF for everyone (before CY2026)

    @property
    def kind(self) -> str:
        if self.one_for_all:
            return f"CY{self.year}: one CF for all"
        return "qualifying APM" if self.qp else "non-QP"

    @property
    def label(self) -> str:
        return f"{self.value} ({self.kind})"


def localities(year: int, catalog: Catalog | None = None) -> list[Locality]:
    """Every locality with the GPCIs of a year (the nearest bundled year if it is absent)."""
    catalog = catalog or Catalog()
    table = catalog.gpci_tables
    if not table:
        raise DatasetError("the bundled dataset has no GPCI table: rebuild it with python -m rvutool.build")
    gpci_year = year if str(year) in table else int(min(table, key=lambda y: abs(int(y) - year)))
    floors = catalog.floor_periods()
    return [Locality(mac=r[0], number=r[1], state=r[2], name=r[3], work_gpci=Decimal(r[4]),
                     pe_gpci=Decimal(r[5]), mp_gpci=Decimal(r[6]), year=gpci_year,
                     work_gpci_unfloored=Decimal(r[7]) if len(r) > 7 and r[7] else None, floor_periods=floors)
            for r in table[str(gpci_year)]]


def national(year: int) -> Locality:
    """No locality: every GPCI 1.000, so an amount is total RVUs x CF, as CMS's national amounts are."""
    one = Decimal("1.000")
    return Locality(mac="", number="", state="", name="national", work_gpci=one, pe_gpci=one, mp_gpci=one,
                    year=year)


def find(query: str, year: int, catalog: Catalog | None = None) -> Locality:
    """A locality by id (`01182-18`) or by a case-insensitive piece of its name ("los angeles")."""
    text = " ".join(query.split())
    if not text:
        raise UsageError("--locality needs a locality id such as 01182-18 or a name such as 'los angeles'")
    known = localities(year, catalog)
    match = _ID.match(text)
    if match:
        for loc in known:
            if loc.id == text:
                return loc
        raise RvuError(f"no Medicare locality {text} in the CY{known[0].year} GPCI file "
                       "(ids are MAC-LL, such as 01182-18; or search by name)")
    needle = text.upper()
    exact = [loc for loc in known if loc.name.upper() == needle]
    found = exact or [loc for loc in known if needle in f"{loc.name} {loc.state}".upper()]
    if len(found) == 1:
        return found[0]
    if not found:
        raise RvuError(f"no Medicare locality matches {text!r}: give part of a name (such as "
                       "'los angeles' or 'rest of texas') or an id such as 01182-18")
    listed = "; ".join(f"{loc.id} {loc.name} ({loc.state})" for loc in found[:12])
    more = f"; and {len(found) - 12} more" if len(found) > 12 else ""
    raise RvuError(f"{text!r} matches {len(found)} localities: {listed}{more}. Give one id with --locality")


def _zip_table() -> dict[str, list[str]]:
    path = paths.bundled_zip_localities()
    try:
        payload = json.loads(path.read_text(encoding="ascii"))
        return payload["zips"]
    except FileNotFoundError:
        raise DatasetError(f"the bundled ZIP to locality file {path} is missing") from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise DatasetError(f"the bundled ZIP to locality file {path} is damaged") from None


def from_zip(zip_text: str, year: int, catalog: Catalog | None = None) -> Locality:
    """The locality CMS's ZIP file assigns to a ZIP code (where the service was rendered)."""
    match = _ZIP.match(zip_text.strip())
    if not match:
        raise UsageError(f"{zip_text!r} is not a ZIP code: give 5 digits, such as 90012")
    zip5 = match.group("zip")
    entry = _zip_table().get(zip5)
    if entry is None:
        raise RvuError(f"ZIP {zip5} is not in CMS's ZIP code to locality file: give --locality instead")
    carrier, number, plus4 = entry
    known = {loc.id: loc for loc in localities(year, catalog)}
    loc = known.get(f"{carrier}-{number}")
    if loc is None:  # never seen: every ZIP file carrier-locality pair is in the GPCI files
        raise RvuError(f"ZIP {zip5} maps to carrier {carrier} locality {number}, which the "
                       f"CY{year} GPCI file does not list: give --locality instead")
    if plus4 == "1":
        raise RvuError(f"ZIP {zip5} spans more than one Medicare locality (CMS needs the ZIP+4 there; "
                       f"its 5-digit entry says {loc.id} {loc.name}): give --locality with the right id")
    return loc


def resolve(locality_text: str | None, zip_text: str | None, year: int,
            catalog: Catalog | None = None) -> Locality | None:
    """--locality or --zip (not both), or None when neither is given."""
    if locality_text is not None and zip_text is not None:
        raise UsageError("give --locality or --zip, not both")
    if zip_text is not None:
        return from_zip(zip_text, year, catalog)
    if locality_text is not None:
        # A configured `locality` may be a ZIP code as well as an id or name.
        if _ZIP.match(locality_text.strip()) and not _ID.match(locality_text.strip()):
            return from_zip(locality_text, year, catalog)
        return find(locality_text, year, catalog)
    return None


def conversion_factor(release: ReleaseInfo, qp: bool = False) -> ConversionFactor:
    """The release's CF (non-QP from 2026), or the qualifying APM participants' CF when asked for."""
    one = release.one_conversion_factor
    if not qp or one:
        return ConversionFactor(release.conversion_factor, qp and one, release.year, one)
    if release.conversion_factor_qp is None:
        raise RvuError(f"rvutool does not know the CY{release.year} conversion factor for qualifying APM "
                       f"participants ({release.id} does not carry it): import CMS's release zip, whose QPP file "
                       "has it, or turn qp off (rvutool config set qp false)")
    return ConversionFactor(release.conversion_factor_qp, True, release.year)


def priced(row: Row, setting: str) -> bool:
    """Whether Medicare pays this row from its RVUs in this setting (not NA, status A/R/T, no '+')."""
    return row.priced_by_rvus and not row.na(setting) and row.total(setting) > 0


def fee(row: Row, loc: Locality, cf: Decimal, setting: str) -> Decimal | None:
    """One unit's fee schedule amount in a setting, unrounded; None where Medicare has none."""
    if not priced(row, setting):
        return None
    v = row.values
    pe = Decimal(v[f"pe_{setting}"])
    return (row.work_rvu * loc.work_gpci + pe * loc.pe_gpci + Decimal(v["mp"]) * loc.mp_gpci) * cf


def why_unpriced(row: Row, setting: str) -> str:
    if row.na(setting):
        return f"CMS flags the {setting.replace('nonf', 'non-f')} setting NA: rarely or never done there"
    if not row.priced_by_rvus:
        return f"status {row.values['status']}: Medicare does not pay this code from its RVUs"
    return "no RVUs to price"


def payment(row: Row, loc: Locality, cf: ConversionFactor, units: int = 1) -> dict[str, Any]:
    """Both settings' amounts for a row (x units), rounded once, for lookup output."""
    out: dict[str, Any] = {**loc.to_dict(), "conversion_factor": float(cf.value), "qp": cf.qp}
    for setting in SETTINGS:
        amount = fee(row, loc, cf.value, setting)
        out[f"payment_{setting}"] = float(to_cents(amount * units)) if amount is not None else None
        if amount is None:
            out[f"{setting}_note"] = why_unpriced(row, setting)
    return out


def logged_line_estimate(row: Row, units: int, base_wrvu: Decimal, credited_wrvu: Decimal,
                         loc: Locality, cf: ConversionFactor, setting: str) -> Decimal | None:
    """Estimated Medicare allowed for a line already in the log, without re-pricing its encounter.

    The fee schedule amount (x units) scaled by the line's credited/base wRVU ratio. This is
    exact for every multiplicative rule (multiple procedures, bilateral, roles, split care,
    fractions) and approximate for endoscopy-family members and the imaging PC rule, whose
    reductions rules.price_encounter works out on each amount separately. Lines without a work
    RVU (technical components, for instance) keep their full amount. None where Medicare has
    no amount (NA setting, not paid from RVUs).
    """
    amount = fee(row, loc, cf.value, setting)
    if amount is None:
        return None
    amount *= units
    if base_wrvu > 0:
        amount = amount * credited_wrvu / base_wrvu
    return to_cents(amount)
