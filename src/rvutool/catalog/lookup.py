"""`rvutool lookup`: what a code is worth in the release in force on a date of service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rvutool import dates
from rvutool.catalog import taxonomy, vocab
from rvutool.catalog.codes import Catalog, ReleaseInfo, Row
from rvutool.errors import RvuError, UsageError
from rvutool.names import table
from rvutool.pricing import items, modifiers
from rvutool.records import Record


class LookupResult(Record):
    _fields = ("item", "row", "release_note", "warnings", "description", "locality", "naming", "cf", "compare")

    def __init__(self, item: items.Item, row: Row, release_note: str | None = None,
                 warnings: list[str] | None = None, description: str | None = None,
                 locality: dict[str, Any] | None = None, naming: dict[str, Any] | None = None) -> None:
        self.item = item
        self.row = row
        self.release_note = release_note
        self.warnings = [] if warnings is None else warnings
        self.description = description
        self.locality = locality  # locality.payment(...) when --locality/--zip is given
        # name, name_source, aliases, family (table.described): rvutool's names, not CMS's
        self.naming = naming if naming is not None else table.described(row.code)
        self.cf: Any = None  # locality.ConversionFactor for dollar figures; None: the release's non-QP CF
        self.compare: Any = None  # the same code in another release (`lookup --compare`): a LookupResult

    @property
    def conversion_factor(self) -> Decimal:
        return self.cf.value if self.cf is not None else self.row.release.conversion_factor

    @property
    def conversion_factor_label(self) -> str:
        return f"{self.cf.value}, {self.cf.kind}" if self.cf is not None else f"{self.row.release.conversion_factor}"

    def national(self, setting: str) -> Decimal | None:
        return self.row.national_payment(setting, self.conversion_factor)

    @property
    def release(self) -> ReleaseInfo:
        return self.row.release

    @property
    def modifier_notes(self) -> list[tuple[str, str]]:
        return [(m, modifiers.MODIFIERS[m].meaning) for m in self.item.modifiers]

    def indicators(self) -> dict[str, tuple[str, str]]:
        v = self.row.values
        return {
            "pctc": (v["pctc"], vocab.meaning(vocab.PCTC, v["pctc"])),
            "mult_proc": (v["mult_proc"], vocab.meaning(vocab.MULT_PROC, v["mult_proc"])),
            "bilateral": (v["bilateral"], vocab.meaning(vocab.BILATERAL, v["bilateral"])),
            "assistant": (v["assistant"], vocab.meaning(vocab.ASSISTANT, v["assistant"])),
            "cosurgeon": (v["cosurgeon"], vocab.meaning(vocab.COSURGEON, v["cosurgeon"])),
            "team": (v["team"], vocab.meaning(vocab.TEAM, v["team"])),
        }

    def to_dict(self) -> dict[str, Any]:
        row, v = self.row, self.row.values
        pay_nf, pay_f = self.national("nonfacility"), self.national("facility")
        return {
            "code": row.code,
            "modifier": "-".join(self.item.modifiers) or None,
            "row_modifier": row.modifier or None,
            "release": row.release.id,
            "year": row.release.year,
            "release_note": self.release_note,
            **self.naming,
            "status": v["status"],
            "status_meaning": vocab.meaning(vocab.STATUS, v["status"]),
            "work_rvu": float(row.work_rvu),
            "has_work_rvu": row.has_work_rvu,
            "no_work_rvu_reason": row.no_work_reason,
            "not_used_for_medicare_payment": row.not_used_for_medicare_payment,
            "pe_nonfacility": float(v["pe_nonfacility"]),
            "pe_nonfacility_na": row.na("nonfacility"),
            "pe_facility": float(v["pe_facility"]),
            "pe_facility_na": row.na("facility"),
            "mp": float(v["mp"]),
            "total_nonfacility": float(v["total_nonfacility"]),
            "total_facility": float(v["total_facility"]),
            "global_days": v["global_days"],
            "global_days_meaning": vocab.meaning(vocab.GLOBAL_DAYS, v["global_days"]),
            "pre_op": float(v["pre_op"]),
            "intra_op": float(v["intra_op"]),
            "post_op": float(v["post_op"]),
            "indicators": {k: {"value": val, "meaning": text} for k, (val, text) in self.indicators().items()},
            "endo_base": v["endo_base"] or None,
            "imaging_family": v["imaging_family"],
            "category": row.category,
            "category_label": taxonomy.label(row.category),
            "description": self.description,
            "conversion_factor": float(self.conversion_factor),
            "qp": bool(self.cf is not None and self.cf.qp),
            "payment_nonfacility": float(pay_nf) if pay_nf is not None else None,
            "payment_facility": float(pay_f) if pay_f is not None else None,
            "modifiers": [{"code": m, "meaning": text} for m, text in self.modifier_notes],
            "warnings": self.warnings,
            **({"locality": self.locality} if self.locality is not None else {}),
            **({"compare": self.compare.to_dict()} if self.compare is not None else {}),
            "found": True,
        }


# The PC/TC indicators under which CMS allows each component modifier (RVU25D.pdf Attachment A,
# domain-rules §1.5): -26 and -TC on 1; -26 alone on 6 ("modifier TC cannot be used"). The
# others (0, 2, 3, 4, 5: "modifiers 26 and TC cannot be used"; 7, 8, 9) allow neither.
COMPONENT_INDICATORS = {"26": frozenset("16"), "TC": frozenset("1")}


def check_components(rows: dict[str, Row], item: items.Item) -> None:
    """Refuse -26 or -TC on a code whose PC/TC indicator does not allow it (a UsageError, one line)."""
    base = rows.get("") or rows[sorted(rows)[0]]
    pctc = base.values["pctc"]
    for mod in item.modifiers:
        if mod in COMPONENT_INDICATORS and mod not in rows and pctc not in COMPONENT_INDICATORS[mod]:
            raise UsageError(f"{item}: -{mod} cannot be used with {item.code}: its PC/TC indicator is {pctc} "
                             f"({vocab.meaning(vocab.PCTC, pctc)}), so CMS has no -{mod} component")


def select_row(rows: dict[str, Row], item: items.Item) -> tuple[Row, list[str]]:
    """The CMS row for an item: its -26/-TC/-53 row when one exists, else the base row."""
    warnings: list[str] = []
    check_components(rows, item)
    for mod in item.modifiers:
        if mod in modifiers.ROW_MODIFIERS:
            if mod in rows:
                return rows[mod], warnings
            warnings.append(f"{item.code} has no -{mod} row in this release "
                            f"(PC/TC indicator {rows[next(iter(rows))].values['pctc']}); base row used")
    if "" in rows:
        return rows[""], warnings
    # A code published only as components (rare): fall back to its first row, and say so.
    first = rows[sorted(rows)[0]]
    warnings.append(f"{item.code} has no global row; showing its -{first.modifier} row")
    return first, warnings


def choose_release(catalog: Catalog, on: date | None, year: int | None) -> tuple[ReleaseInfo, str | None]:
    if year is not None:
        return catalog.release_for_year(year)
    return catalog.release_for(on or dates.today())


def lookup_one(catalog: Catalog, token: str, release: ReleaseInfo, note: str | None) -> LookupResult:
    item = items.parse_item(token, allow_units=False)
    rows = catalog.require_rows(item.code, release)
    row, warnings = select_row(rows, item)
    return LookupResult(item=item, row=row, release_note=note, warnings=warnings,
                        description=catalog.descriptors.get(item.code))


def lookup_many(tokens: list[str], *, on: date | None = None, year: int | None = None,
                catalog: Catalog | None = None) -> tuple[list[LookupResult], list[RvuError]]:
    """Look up every token; known codes are returned even when others fail."""
    # Validate every token's shape first: a typo is a usage error, reported before any data is read.
    errors: list[RvuError] = []
    catalog = catalog or Catalog()
    release, note = choose_release(catalog, on, year)
    results = []
    for token in tokens:
        try:
            results.append(lookup_one(catalog, token, release, note))
        except RvuError as exc:
            errors.append(exc)
    return results, errors


def compare_with(results: list[LookupResult], release_id: str, qp: bool = False,
                 catalog: Catalog | None = None) -> None:
    """Give each result the same code in another release (`lookup --compare RVU27A`): its row there, or a
    result whose row is None when that release does not have the code (deleted, or not yet created)."""
    from rvutool.pricing import locality

    catalog = catalog or Catalog()
    other = catalog.release(release_id)
    cf = locality.conversion_factor(other, qp)
    for result in results:
        rows = catalog.rows(result.item.code, other)
        if not rows:
            result.compare = Missing(result.item.code, other)
            continue
        row, warnings = select_row(rows, result.item)
        found = LookupResult(item=result.item, row=row, warnings=warnings, naming=result.naming)
        found.cf = cf
        result.compare = found


class Missing(Record):
    """A code another release does not have."""

    _fields = ("code", "release")

    def __init__(self, code: str, release: ReleaseInfo) -> None:
        self.code, self.release = code, release

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "release": self.release.id, "year": self.release.year, "found": False}
