"""Build data/codes.json, data/zip_localities.json and the name files from the raw CMS files and data/names.

    python -m rvutool.build [--cms DIR] [--names DIR] [--calendar FILE] [--out DIR]

Same inputs, same bytes. CPT and CDT descriptor text is read by the parser but never written; the names
are rvutool's own (data/names/*.tsv, checked by names/build.py), and CMS's public HCPCS Level II text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rvutool.catalog import cmsfile, datafile, taxonomy
from rvutool.errors import RvuError
from rvutool.names import about_build
from rvutool.names import build as names_build

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CMS = REPO.parent / "shared" / "data" / "cms"



@dataclass(frozen=True)
class Source:
    """One bundled release: its PPRRVU file and the GPCI file shipped with it. `unfloored_from` names an
    earlier edition of the GPCI file that also published the work GPCI without the 1.0 floor: its values
    serve dates of service outside every floor period (a later year standing in on the same GPCIs)."""

    pprrvu: str
    gpci: str
    unfloored_from: str = ""


# The two bundled releases. Each is used for every date of its calendar year:
# it is the newest release of that year rvutool ships. RVU26C shipped the RVU26B-D edition of the GPCI
# file (only the floored work GPCI); the RVU26A edition published both columns.
SOURCES = (
    Source("PPRRVU2025_Oct.csv", "GPCI2025.csv"),
    Source("PPRRVU2026_Jul_nonQPP.csv", "rvu26d/GPCI2026.csv", unfloored_from="GPCI2026.csv"),
)
ZIP_SOURCE = "ZIP5_OCT2025.txt"
HCPCS_SOURCE = "HCPC2026_JAN_ANWEB_01122026.txt"
DEFAULT_NAMES = REPO / "data" / "names"
DEFAULT_CALENDAR = REPO / "data" / "fee_schedule.toml"


class CalendarError(RvuError):
    """data/fee_schedule.toml breaks a rule; the message names the entry."""


def read_calendar(path: Path) -> dict:
    """The fee-schedule calendar (fee_schedule.toml) as the dataset header stores it: QP conversion
    factors by year, and the work GPCI floor's periods, each checked."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CalendarError(f"{path.name}: cannot read it ({exc})") from None
    factors: dict[str, str] = {}
    for year, entry in sorted(raw.get("qp_conversion_factor", {}).items()):
        try:
            value = Decimal(str(entry["value"]))
        except (KeyError, TypeError, InvalidOperation):
            raise CalendarError(f"{path.name}: qp_conversion_factor {year} needs a decimal value") from None
        if not (year.isdigit() and len(year) == 4) or not value.is_finite() or not 0 < value < 1000:
            raise CalendarError(f"{path.name}: qp_conversion_factor {year} = {entry['value']!r} is not a year and CF")
        if not str(entry.get("source", "")).strip():
            raise CalendarError(f"{path.name}: qp_conversion_factor {year} names no source")
        factors[year] = f"{value}"
    floors = []
    for n, period in enumerate(raw.get("work_gpci_floor", []), 1):
        start, through, law = period.get("from"), period.get("through"), str(period.get("law", "")).strip()
        if not (isinstance(start, date) and isinstance(through, date)) or start > through or not law:
            raise CalendarError(f"{path.name}: work_gpci_floor period {n} needs from <= through dates and a law")
        floors.append({"from": start.isoformat(), "through": through.isoformat(), "law": law})
    floors.sort(key=lambda p: p["from"])
    for a, b in zip(floors, floors[1:], strict=False):
        if b["from"] <= a["through"]:
            raise CalendarError(f"{path.name}: work_gpci_floor periods {a['from']} and {b['from']} overlap")
    return {"qp_conversion_factors": factors, "work_gpci_floor": floors}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def gpci_rows(cms_dir: Path, source: Source) -> list[list[str]]:
    """The localities of a release's GPCI file, with the unfloored work GPCI from an earlier edition
    when one is named; the two editions must agree on everything else."""
    gpci = cmsfile.parse_gpci(cmsfile.decode((cms_dir / source.gpci).read_bytes()), source.gpci)
    rows = [loc.as_row() for loc in gpci]
    if not source.unfloored_from:
        return rows
    earlier = cmsfile.parse_gpci(cmsfile.decode((cms_dir / source.unfloored_from).read_bytes()),
                                 source.unfloored_from)
    unfloored = {tuple(loc.as_row()[:7]): loc.work_gpci_unfloored for loc in earlier}
    for row in rows:
        key = tuple(row[:7])
        if not unfloored.get(key):
            raise CalendarError(f"{source.unfloored_from} has no locality {row[0]}-{row[1]} with the GPCIs of "
                                f"{source.gpci}: the two editions disagree")
        row[7] = unfloored[key]
    return rows


def build(cms_dir: Path, names_dir: Path = DEFAULT_NAMES, calendar_path: Path = DEFAULT_CALENDAR) -> dict[str, bytes]:
    """Every file the build writes (file name -> bytes)."""
    releases = []
    scope = names_build.Scope()
    localities: dict[str, list[list[str]]] = {}
    by_code: dict[str, list[tuple[str, str, list[str]]]] = {}
    calendar = read_calendar(calendar_path)
    for source in SOURCES:
        rvu_path, gpci_path = cms_dir / source.pprrvu, cms_dir / source.gpci
        parsed = cmsfile.parse_pprrvu(cmsfile.decode(rvu_path.read_bytes()), source.pprrvu)
        rel = parsed.release
        qp_factor = calendar["qp_conversion_factors"].get(str(rel.year))
        releases.append({
            "id": rel.id,
            "year": rel.year,
            "released": rel.released,
            "quarter_start": rel.quarter_start,
            "applies_from": f"{rel.year}-01-01",
            "applies_to": f"{rel.year}-12-31",
            "conversion_factor": rel.conversion_factor,
            **({"conversion_factor_qp": qp_factor} if qp_factor else {}),
            "source_file": source.pprrvu,
            "source_sha256": sha256(rvu_path),
            "gpci_file": source.gpci,
            "gpci_sha256": sha256(gpci_path),
            **({"gpci_unfloored_file": source.unfloored_from,
                "gpci_unfloored_sha256": sha256(cms_dir / source.unfloored_from)} if source.unfloored_from else {}),
            "rows": parsed.data_rows,
            "codes": len({code for code, _ in parsed.rows}),
        })
        for (code, modifier), values in parsed.rows.items():
            by_code.setdefault(code, []).append((rel.id, modifier, values))
            work = Decimal(0) if modifier == "TC" else Decimal(values[cmsfile.FIELD_NAMES.index("work")])
            scope.add(code, work, parsed.descriptors.get(code),
                      status=values[cmsfile.FIELD_NAMES.index("status")], release=rel.id)
        localities[str(rel.year)] = gpci_rows(cms_dir, source)
    header = {
        "format": datafile.FORMAT,
        "calendar": calendar,
        "about": "Work, practice-expense and malpractice RVUs with payment indicators from the CMS "
                 "National Physician Fee Schedule Relative Value Files. Numbers and indicators only: "
                 "no CPT (AMA) or CDT (ADA) descriptor text. Built by rvutool.build.",
        "fields": list(cmsfile.FIELD_NAMES),
        "locality_fields": ["mac", "locality", "state", "name", "work_gpci", "pe_gpci", "mp_gpci",
                            "work_gpci_unfloored"],
        "releases": releases,
        "localities": localities,
    }
    order = {r["id"]: i for i, r in enumerate(releases)}
    lines = []
    for code in sorted(by_code):
        rows = sorted(by_code[code], key=lambda r: (order[r[0]], r[1]))
        lines.append(datafile.encode_code_line(code, taxonomy.category_of(code), rows))
    codes_json = datafile.encode_file(header, lines)

    zip_path = cms_dir / ZIP_SOURCE
    zips = cmsfile.parse_zip5(zip_path.read_text(encoding="latin-1").splitlines())
    zip_json = json.dumps(
        {"format": "rvutool-zip/1", "source_file": ZIP_SOURCE, "source_sha256": sha256(zip_path),
         "fields": ["carrier", "locality", "plus4"], "zips": zips},
        sort_keys=True, separators=(",", ":"),
    ).encode("ascii") + b"\n"

    hcpcs_path = cms_dir / HCPCS_SOURCE
    hcpcs = cmsfile.parse_hcpcs(cmsfile.decode(hcpcs_path.read_bytes()), HCPCS_SOURCE)
    names = names_build.build(names_dir, scope, hcpcs.descriptors, hcpcs_path)
    about = about_build.build(names_dir.parent / "about", names_dir, scope)  # data/about beside data/names
    return {"codes.json": codes_json, "zip_localities.json": zip_json, **names, **about}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rvutool.build", description=__doc__.splitlines()[0])
    parser.add_argument("--cms", type=Path, default=DEFAULT_CMS, help="folder with the raw CMS files")
    parser.add_argument("--names", type=Path, default=DEFAULT_NAMES,
                        help="folder with rvutool's name files (cpt1.tsv .. aliases.tsv)")
    parser.add_argument("--calendar", type=Path, default=DEFAULT_CALENDAR,
                        help="the fee-schedule calendar (QP conversion factors, work GPCI floor periods)")
    parser.add_argument("--out", type=Path, default=REPO / "data", help="where to write the dataset")
    args = parser.parse_args(argv)
    try:
        files = build(args.cms, args.names, args.calendar)
    except (RvuError, OSError) as exc:
        print(f"build failed: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    datafile.write_all_atomic([(args.out / name, payload, 0o644) for name, payload in files.items()])
    print(f"wrote {', '.join(f'{name} ({len(payload):,} bytes)' for name, payload in files.items())} "
          f"in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
