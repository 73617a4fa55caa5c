"""Build data/codes.json (and data/zip_localities.json) from the raw CMS files.

    python -m rvutool.build [--cms DIR] [--out DIR]

Same inputs, same bytes. Descriptor text is read by the parser but never written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from rvutool import cmsfile, datafile, taxonomy
from rvutool.errors import RvuError

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CMS = REPO.parent / "shared" / "data" / "cms"

# The two bundled releases. Each is used for every date of its calendar year:
# it is the newest release of that year rvutool ships.
SOURCES = (
    ("PPRRVU2025_Oct.csv", "GPCI2025.csv"),
    ("PPRRVU2026_Jul_nonQPP.csv", "GPCI2026.csv"),
)
ZIP_SOURCE = "ZIP5_OCT2025.txt"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(cms_dir: Path) -> tuple[bytes, bytes]:
    releases = []
    localities: dict[str, list[list[str]]] = {}
    by_code: dict[str, list[tuple[str, str, list[str]]]] = {}
    for rvu_name, gpci_name in SOURCES:
        rvu_path, gpci_path = cms_dir / rvu_name, cms_dir / gpci_name
        parsed = cmsfile.parse_pprrvu(cmsfile.decode(rvu_path.read_bytes()), rvu_name)
        rel = parsed.release
        releases.append({
            "id": rel.id,
            "year": rel.year,
            "released": rel.released,
            "quarter_start": rel.quarter_start,
            "applies_from": f"{rel.year}-01-01",
            "applies_to": f"{rel.year}-12-31",
            "conversion_factor": rel.conversion_factor,
            "source_file": rvu_name,
            "source_sha256": sha256(rvu_path),
            "gpci_file": gpci_name,
            "gpci_sha256": sha256(gpci_path),
            "rows": parsed.data_rows,
            "codes": len({code for code, _ in parsed.rows}),
        })
        for (code, modifier), values in parsed.rows.items():
            by_code.setdefault(code, []).append((rel.id, modifier, values))
        gpci = cmsfile.parse_gpci(cmsfile.decode(gpci_path.read_bytes()), gpci_name)
        localities[str(rel.year)] = [loc.as_row() for loc in gpci]
    header = {
        "format": datafile.FORMAT,
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
    return codes_json, zip_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rvutool.build", description=__doc__.splitlines()[0])
    parser.add_argument("--cms", type=Path, default=DEFAULT_CMS, help="folder with the raw CMS files")
    parser.add_argument("--out", type=Path, default=REPO / "data", help="where to write the dataset")
    args = parser.parse_args(argv)
    try:
        codes_json, zip_json = build(args.cms)
    except (RvuError, OSError) as exc:
        print(f"build failed: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    datafile.write_atomic(args.out / "codes.json", codes_json)
    datafile.write_atomic(args.out / "zip_localities.json", zip_json)
    print(f"wrote {args.out / 'codes.json'} ({len(codes_json):,} bytes) and zip_localities.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
