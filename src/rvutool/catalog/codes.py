"""The code catalog: CMS releases (bundled and imported), release choice by date, and rows.

No typer, no rich. Everything here reads; nothing writes.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from rvutool import notices, paths
from rvutool.catalog import taxonomy, vocab
from rvutool.catalog.datafile import DataFile
from rvutool.catalog.fields import FIELD_NAMES
from rvutool.errors import DatasetError, RvuError, UnknownCodeError
from rvutool.money import to_cents
from rvutool.records import FrozenRecord

PAID_STATUSES = frozenset("ART")  # the only statuses whose RVUs Medicare pays from


class ReleaseInfo(FrozenRecord):
    _fields = ("id", "year", "released", "quarter_start", "applies_from", "applies_to", "conversion_factor",
               "origin", "file", "source_file", "rows", "conversion_factor_qp")

    def __init__(self, id: str, year: int, released: str, quarter_start: date, applies_from: date,
                 applies_to: date, conversion_factor: Decimal, origin: str, file: Path, source_file: str = "",
                 rows: int = 0, conversion_factor_qp: Decimal | None = None) -> None:
        # origin is "bundled" or "imported"; conversion_factor is the non-QP CF (the PPRRVU file's),
        # conversion_factor_qp the one for qualifying APM participants, when known
        self.__dict__.update(id=id, year=year, released=released, quarter_start=quarter_start,
                             applies_from=applies_from, applies_to=applies_to,
                             conversion_factor=conversion_factor, origin=origin, file=file,
                             source_file=source_file, rows=rows, conversion_factor_qp=conversion_factor_qp)

    @classmethod
    def from_header(cls, meta: dict[str, Any], origin: str, file: Path,
                    qp_factors: dict[str, str] | None = None) -> ReleaseInfo:
        qp = meta.get("conversion_factor_qp") or (qp_factors or {}).get(str(meta["year"]))
        return cls(
            id=meta["id"], year=int(meta["year"]), released=meta.get("released", ""),
            quarter_start=date.fromisoformat(meta["quarter_start"]),
            applies_from=date.fromisoformat(meta["applies_from"]),
            applies_to=date.fromisoformat(meta["applies_to"]),
            conversion_factor=Decimal(meta["conversion_factor"]), origin=origin, file=file,
            source_file=meta.get("source_file", ""), rows=int(meta.get("rows", 0)),
            conversion_factor_qp=Decimal(qp) if qp else None,
        )

    @property
    def one_conversion_factor(self) -> bool:
        """Whether everyone was paid with one CF in this release's year (before CY2026)."""
        return self.conversion_factor_qp == self.conversion_factor


class Row(FrozenRecord):
    """One (code, modifier) row of one release."""

    _fields = ("code", "modifier", "category", "release", "values")
    _compare = ("code", "modifier", "category", "release")  # not the values

    def __init__(self, code: str, modifier: str, category: str, release: ReleaseInfo,
                 values: dict[str, Any]) -> None:
        self.__dict__.update(code=code, modifier=modifier, category=category, release=release, values=values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def key(self) -> str:
        return self.code + (f"-{self.modifier}" if self.modifier else "")

    @property
    def work_rvu(self) -> Decimal:
        # A technical component is equipment, staff and supplies: never physician work (domain-rules
        # §1.5), whatever an imported file prints.
        return Decimal(0) if self.modifier == "TC" else Decimal(self.values["work"])

    @property
    def has_work_rvu(self) -> bool:
        return self.work_rvu > 0

    @property
    def not_used_for_medicare_payment(self) -> bool:
        return self.values["not_used"] == "+"

    @property
    def no_work_reason_key(self) -> str | None:
        return no_work_reason(self)

    @property
    def no_work_reason(self) -> str | None:
        key = no_work_reason(self)
        return vocab.NO_WORK_REASONS[key] if key else None

    def na(self, setting: str) -> bool:
        return self.values[f"pe_{setting}_na"] == "NA"

    def total(self, setting: str) -> Decimal:
        return Decimal(self.values[f"total_{setting}"])

    @property
    def priced_by_rvus(self) -> bool:
        """Medicare pays from these RVUs: status A, R or T with a non-zero total."""
        return self.values["status"] in PAID_STATUSES and not self.not_used_for_medicare_payment

    def national_payment(self, setting: str, conversion_factor: Decimal | None = None) -> Decimal | None:
        """Total RVUs x conversion factor (the release's non-QP one unless given); None where CMS flags the
        setting NA or does not pay from RVUs."""
        if self.na(setting) or not self.priced_by_rvus or self.total(setting) == 0:
            return None
        return to_cents(self.total(setting) * (conversion_factor or self.release.conversion_factor))


def no_work_reason(row: Row) -> str | None:
    """Which class of 'no CMS work RVU' a row falls in; None when it has one."""
    if row.has_work_rvu:
        return None
    status = row.values["status"]
    if taxonomy.is_dental(row.code):
        return "dental"
    if status == "C":
        return "contractor"
    if status == "J":
        return "anesthesia"
    if status == "M":
        return "measurement"
    if status in {"B", "E", "I", "N", "P", "X", "D", "F", "G", "H"}:
        return "excluded"
    if row.modifier == "TC" or row.values["pctc"] == "3":
        return "technical"
    if row.values["pctc"] == "5" or not row.code[0].isdigit():
        return "supply"
    if status == "R":
        return "restricted"
    return "zero"


def stand_in_note(year: int, chosen: ReleaseInfo) -> str:
    """What a command says when a year has no release here and another year's stands in for it."""
    if year > chosen.year:
        return (f"no CMS release for {year} here yet: {chosen.id} (CY{chosen.year}) stands in. When CMS posts "
                f"RVU{year % 100:02d}A (late December), import its zip from cms.gov: rvutool data import FILE.zip, "
                "then rvutool recalc --stand-ins")
    return (f"no CMS release for {year} here: {chosen.id} (CY{chosen.year}) stands in. Import CMS's CY{year} "
            "zip from cms.gov: rvutool data import FILE.zip")


class _Descriptors:
    """Descriptor text the user imported, one code per line so a lookup reads one line."""

    def __init__(self, path: Path) -> None:
        self._bytes = path.read_bytes() if path.is_file() else b""

    def get(self, code: str) -> str | None:
        if not self._bytes:
            return None
        needle = b'\n"' + code.encode("ascii") + b'":'
        start = self._bytes.find(needle)
        if start < 0:
            return None
        end = self._bytes.find(b"\n", start + 1)
        raw = self._bytes[start + 1: end if end > 0 else None].rstrip().rstrip(b",")
        try:
            value = json.loads(b"{" + raw + b"}")
        except ValueError:
            return None
        text = value.get(code)
        return text if isinstance(text, str) else None

    def __bool__(self) -> bool:
        return bool(self._bytes)


class Catalog:
    """Every release rvutool can use: the bundled ones, then any the user imported."""

    def __init__(self, bundled: Path | None = None, imports: Path | None = None) -> None:
        self.bundled_path = bundled or paths.bundled_dataset()
        self.imports_path = imports if imports is not None else paths.imports_dir()
        self._files: dict[Path, DataFile] = {}
        bundled_file = self._file(self.bundled_path)
        self.bundled_header = bundled_file.header
        # The fee-schedule calendar (data/fee_schedule.toml, through the build): QP CFs, GPCI floor periods.
        self.calendar: dict[str, Any] = self.bundled_header.get("calendar", {})
        qp_factors = self.calendar.get("qp_conversion_factors", {})
        self.releases: list[ReleaseInfo] = [
            ReleaseInfo.from_header(meta, "bundled", self.bundled_path, qp_factors)
            for meta in bundled_file.header["releases"]
        ]
        self.releases.extend(self._imported_releases(qp_factors))

    # -- files -------------------------------------------------------------
    def _file(self, path: Path) -> DataFile:
        if path not in self._files:
            self._files[path] = DataFile(path)
        return self._files[path]

    def _imported_releases(self, qp_factors: dict[str, str]) -> list[ReleaseInfo]:
        index = self.imports_path / "releases.json"
        if not index.is_file():
            return []
        try:
            listed = json.loads(index.read_text(encoding="utf-8"))["releases"]
            return [ReleaseInfo.from_header(meta, "imported", self.imports_path / meta["file"], qp_factors)
                    for meta in listed]
        except (ValueError, KeyError, TypeError):
            raise DatasetError(f"the list of imported releases {index} is damaged; "
                               "remove it and import again") from None

    @cached_property
    def descriptors(self) -> _Descriptors:
        return _Descriptors(self.imports_path / "descriptors.json")

    # -- releases ----------------------------------------------------------
    def release(self, release_id: str) -> ReleaseInfo:
        matches = [r for r in self.releases if r.id == release_id.upper()]
        if not matches:
            raise RvuError(f"no release {release_id}: see `rvutool data status`")
        return max(matches, key=lambda r: r.origin == "imported")

    def release_for(self, on: date) -> tuple[ReleaseInfo, str | None]:
        """The release in force on a date of service, and a note when none covers it."""
        covering = [r for r in self.releases if r.applies_from <= on <= r.applies_to]
        if covering:
            started = [r for r in covering if r.quarter_start <= on]
            if started:
                best = max(started, key=lambda r: (r.quarter_start, r.released, r.origin == "imported"))
            else:
                best = min(covering, key=lambda r: (r.quarter_start, r.origin != "imported"))
            return best, None
        years = sorted({r.year for r in self.releases})
        nearest = min(years, key=lambda y: (abs(y - on.year), -y))
        anchor = date(nearest, 12, 31) if nearest < on.year else date(nearest, 1, 1)
        chosen, _ = self.release_for(anchor)
        note = stand_in_note(on.year, chosen)
        notices.once(f"stand-in {on.year}", note)
        return chosen, note

    def release_for_year(self, year: int) -> tuple[ReleaseInfo, str | None]:
        """The newest release of a calendar year (the values in force at its end)."""
        return self.release_for(date(year, 12, 31))

    # -- rows --------------------------------------------------------------
    def _line(self, code: str, release: ReleaseInfo) -> list[Any] | None:
        return self._file(release.file).code_line(code)

    def rows(self, code: str, release: ReleaseInfo) -> dict[str, Row]:
        """Rows of a code in one release, keyed by modifier ('' for the base row)."""
        line = self._line(code, release)
        if line is None:
            return {}
        _, category, raw_rows = line
        out = {}
        for raw in raw_rows:
            if raw[0] != release.id:
                continue
            values = dict(zip(FIELD_NAMES, raw[2:], strict=True))
            out[raw[1]] = Row(code=code, modifier=raw[1], category=category, release=release, values=values)
        return out

    def require_rows(self, code: str, release: ReleaseInfo) -> dict[str, Row]:
        found = self.rows(code, release)
        if found:
            return found
        elsewhere = [r.id for r in self.releases if r is not release and self.rows(code, r)]
        if elsewhere:
            raise RvuError(f"{code} is not in {release.id} (CY{release.year}); it is in "
                           f"{', '.join(sorted(set(elsewhere)))}: check the date of service")
        raise UnknownCodeError(code, self.suggest(code))

    def all_codes(self) -> list[str]:
        seen: set[str] = set()
        for path in {r.file for r in self.releases}:
            seen.update(self._file(path).codes())
        return sorted(seen)

    def index(self, release: ReleaseInfo) -> list[tuple[str, str]]:
        """(code, category) of every code in one release, cheaply (for search)."""
        return list(self._file(release.file).iter_index(release.id))

    def suggest(self, code: str, limit: int = 5) -> list[str]:
        """Existing codes closest to a mistyped one: longest shared prefix, then nearest number."""
        code = code.upper()

        def score(other: str) -> tuple[int, int, int, str]:
            prefix = 0
            for a, b in zip(code, other, strict=False):
                if a != b:
                    break
                prefix += 1
            mismatches = sum(a != b for a, b in zip(code, other, strict=False))
            digits_a, digits_b = "".join(filter(str.isdigit, code)), "".join(filter(str.isdigit, other))
            distance = abs(int(digits_a or 0) - int(digits_b or 0))
            return (-prefix, mismatches, distance, other)

        return sorted(self.all_codes(), key=score)[:limit]

    @cached_property
    def gpci_tables(self) -> dict[str, list[list[str]]]:
        """Localities with their GPCIs by year: the bundled years, then any an imported release zip carried
        (a CY2027 zip brings GPCI2027), the newest import of a year winning."""
        tables = dict(self.bundled_header.get("localities", {}))
        for release in sorted((r for r in self.releases if r.origin == "imported"), key=lambda r: r.quarter_start):
            tables.update(self._file(release.file).header.get("localities", {}))
        return tables

    def floor_periods(self) -> tuple[tuple[date, date, str], ...]:
        """The work GPCI floor's periods of service dates (from, through, law), from the calendar."""
        return tuple((date.fromisoformat(p["from"]), date.fromisoformat(p["through"]), p["law"])
                     for p in self.calendar.get("work_gpci_floor", []))


class CachedCatalog(Catalog):
    """A catalog that reads each code's rows once: an import or a recalc prices the same codes many times."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[tuple[str, str], dict[str, Row]] = {}

    def rows(self, code: str, release: ReleaseInfo) -> dict[str, Row]:
        key = (code, release.id + str(release.file))
        if key not in self._rows:
            self._rows[key] = super().rows(code, release)
        return self._rows[key]
