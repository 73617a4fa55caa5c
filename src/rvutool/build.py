"""Build data/codes.json, data/zip_localities.json and the name files from the raw CMS files and data/names.

    python -m rvutool.build [--cms DIR] [--names DIR] [--out DIR]

Same inputs, same bytes. CPT and CDT descriptor text is read by the parser but never written; the names
are rvutool's own (data/names/*.tsv, checked by namesbuild.py), and CMS's public HCPCS Level II text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from decimal import Decimal
from pathlib import Path

from rvutool import aboutbuild, cmsfile, datafile, namesbuild, taxonomy
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
HCPCS_SOURCE = "HCPC2026_JAN_ANWEB_01122026.txt"
DEFAULT_NAMES = REPO / "data" / "names"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(cms_dir: Path, names_dir: Path = DEFAULT_NAMES) -> dict[str, bytes]:
    """Every file the build writes (file name -> bytes)."""
    releases = []
    scope = namesbuild.Scope()
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
            work = Decimal(0) if modifier == "TC" else Decimal(values[cmsfile.FIELD_NAMES.index("work")])
            scope.add(code, work, parsed.descriptors.get(code),
                      status=values[cmsfile.FIELD_NAMES.index("status")], release=rel.id)
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

    hcpcs_path = cms_dir / HCPCS_SOURCE
    hcpcs = cmsfile.parse_hcpcs(cmsfile.decode(hcpcs_path.read_bytes()), HCPCS_SOURCE)
    names = namesbuild.build(names_dir, scope, hcpcs.descriptors, hcpcs_path)
    about = aboutbuild.build(names_dir.parent / "about", names_dir, scope)  # data/about beside data/names
    return {"codes.json": codes_json, "zip_localities.json": zip_json, **names, **about}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rvutool.build", description=__doc__.splitlines()[0])
    parser.add_argument("--cms", type=Path, default=DEFAULT_CMS, help="folder with the raw CMS files")
    parser.add_argument("--names", type=Path, default=DEFAULT_NAMES,
                        help="folder with rvutool's name files (cpt1.tsv .. aliases.tsv)")
    parser.add_argument("--out", type=Path, default=REPO / "data", help="where to write the dataset")
    args = parser.parse_args(argv)
    try:
        files = build(args.cms, args.names)
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
