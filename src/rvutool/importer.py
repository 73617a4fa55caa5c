"""`rvutool data import` and `rvutool data status`: the user's own CMS files.

Domain only (no typer, no rich). An import reads and checks the whole file first and
writes nothing until it has passed; then it writes each new file atomically, and the
list of imported releases (releases.json) last, so an interrupted import never lists a
release whose data is missing. Layout of the imports folder (paths.imports_dir()):

    releases.json            {"releases": [meta, ...]}: what codes.Catalog reads
    RVU26D.json              one release's rows, in the layout of data/codes.json
    descriptors.json         {"CODE": "text", ...}, one code per line (codes._Descriptors)
    descriptor_sources.json  which codes' text came from a HCPCS Level II file

Descriptor text is AMA/ADA copyright: it is stored here, on the user's machine, only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvutool import cmsfile, datafile, paths, taxonomy
from rvutool.errors import DatasetError, ImportFileError

if TYPE_CHECKING:
    from rvutool.codes import Catalog

# Called with a stage label and the fraction done (0..1); render draws it.
Progress = Callable[[str, float], None]

RELEASES_FILE = "releases.json"
DESCRIPTORS_FILE = "descriptors.json"
SOURCES_FILE = "descriptor_sources.json"
LOCK_FILE = ".lock"  # held while an import merges and writes (datafile.locked)
MAX_MEMBER_BYTES = 200 * 1024 * 1024  # a PPRRVU CSV is under 3 MB; refuse anything absurd
_ZIP_MAGIC = b"PK\x03\x04"
_PPRRVU_NAME = re.compile(r"PPRRVU.*\.csv", re.I)


@dataclass
class ImportReport:
    kind: str  # "release" or "hcpcs"
    source_file: str
    source_sha256: str
    member: str = ""  # the CSV used inside a zip
    release: dict[str, Any] = field(default_factory=dict)  # the releases.json entry (kind "release")
    replaced: bool = False  # an earlier import of the same release was replaced
    codes: int = 0
    rows: int = 0
    descriptors_from_file: int = 0
    descriptors_total: int = 0


def _no_progress(stage: str, done: float) -> None:
    pass


# ---------------------------------------------------------------- reading the user's file
def _read(path: Path) -> bytes:
    if not path.exists():
        raise ImportFileError(f"{path}: no such file")
    if path.is_dir():
        raise ImportFileError(f"{path} is a folder; give the CMS zip or the file inside it")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise ImportFileError(f"{path} is empty")
    return raw


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:65536]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control > len(sample) // 100


def _from_zip(raw: bytes, name: str) -> tuple[bytes, str]:
    """The PPRRVU CSV inside a CMS release zip: the non-QPP one when there are two."""
    import io
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = [m for m in archive.infolist()
                   if not m.is_dir() and _PPRRVU_NAME.fullmatch(m.filename.rsplit("/", 1)[-1])]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(f"{name} is not a readable zip file (damaged or truncated?)") from None
    if not members and any(m.filename == "[Content_Types].xml" for m in archive.infolist()):
        raise ImportFileError(f"{name} is a spreadsheet (.xlsx); import the CMS zip or its PPRRVU .csv")
    if not members:
        raise ImportFileError(f"{name} holds no PPRRVU*.csv; is it a CMS RVU release zip "
                              "(such as rvu26d-updated-08-26-2026.zip)?")
    base = {m.filename: m.filename.rsplit("/", 1)[-1].upper() for m in members}
    chosen = ([m for m in members if "NONQPP" in base[m.filename]]
              or [m for m in members if "QPP" not in base[m.filename]])
    if not chosen:
        raise ImportFileError(f"{name} holds only the QPP file; rvutool needs the non-QPP PPRRVU file "
                              "(the master list)")
    if len(chosen) > 1:
        listed = ", ".join(sorted(m.filename for m in chosen))
        raise ImportFileError(f"{name} holds several PPRRVU files ({listed}); unzip it and import one")
    member = chosen[0]
    if member.file_size > MAX_MEMBER_BYTES:
        raise ImportFileError(f"{name}: {member.filename} is {member.file_size:,} bytes, too large "
                              "for a PPRRVU file")
    try:
        return archive.read(member), member.filename
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(f"{name}: cannot read {member.filename} ({exc})") from None


def _is_qpp_only(name: str) -> bool:
    upper = name.upper()
    return "QPP" in upper and "NONQPP" not in upper


def _parse_csv(text: str, source: str, name: str) -> cmsfile.RvuFile:
    import csv

    try:
        return cmsfile.parse_pprrvu(text, source, fallback_id=cmsfile.release_id_from_name(name))
    except csv.Error as exc:
        raise ImportFileError(f"{source}: not a readable CSV ({exc})") from None


# ---------------------------------------------------------------- existing imports
def _load_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{what} {path} is damaged ({type(exc).__name__}); "
                           "move it aside and import again") from None


def _existing_releases(folder: Path) -> list[dict[str, Any]]:
    path = folder / RELEASES_FILE
    if not path.is_file():
        return []
    listed = _load_json(path, "the list of imported releases")
    if not isinstance(listed, dict) or not isinstance(listed.get("releases"), list):
        raise DatasetError(f"the list of imported releases {path} is damaged; move it aside and import again")
    return listed["releases"]


def load_descriptors(folder: Path | None = None) -> dict[str, str]:
    """Every imported descriptor (code -> text); {} when nothing was imported."""
    folder = folder if folder is not None else paths.imports_dir()
    return _load_dict(folder / DESCRIPTORS_FILE, "the imported descriptors file")


def _existing_sources(folder: Path) -> dict[str, Any]:
    return _load_dict(folder / SOURCES_FILE, "the descriptor source list")


def _load_dict(path: Path, what: str) -> dict[str, Any]:
    """A JSON object file of the imports folder; {} when absent, DatasetError when damaged."""
    if not path.is_file():
        return {}
    found = _load_json(path, what)
    if not isinstance(found, dict):
        raise DatasetError(f"{what} {path} is damaged; move it aside and import again")
    return found


def encode_descriptors(mapping: dict[str, str]) -> bytes:
    """One code per line, so codes._Descriptors finds a code with one byte search."""
    return json.dumps(mapping, indent=0, sort_keys=True, ensure_ascii=True).encode("ascii")


def _json_bytes(payload: Any) -> bytes:
    return (json.dumps(payload, indent=1, sort_keys=True, ensure_ascii=True) + "\n").encode("ascii")


# ---------------------------------------------------------------- import
def import_file(path: Path, *, progress: Progress | None = None, folder: Path | None = None,
                now: datetime | None = None) -> ImportReport:
    """Import a CMS RVU zip, a PPRRVU CSV or a HCPCS Level II annual file. Raises ImportFileError."""
    step = progress or _no_progress
    folder = folder if folder is not None else paths.imports_dir()
    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    step("reading", 0.0)
    raw = _read(path)
    sha = hashlib.sha256(raw).hexdigest()
    name, member = path.name, ""
    if raw.startswith(_ZIP_MAGIC):
        raw, member = _from_zip(raw, name)
    elif _is_qpp_only(name):
        raise ImportFileError(f"{name} is the QPP file; import the non-QPP PPRRVU file (the master list)")
    if _looks_binary(raw):
        raise ImportFileError(f"{member or name} is not a text file: expected a CMS PPRRVU CSV, "
                              "an RVU release zip or the HCPCS annual file")
    text = cmsfile.decode(raw)
    source = f"{name}:{member}" if member else name
    # Check what is already imported before parsing anything: a damaged index stops here.
    _existing_releases(folder), load_descriptors(folder), _existing_sources(folder)
    step("checking", 0.1)
    if not member and cmsfile.looks_like_hcpcs(text):
        return _import_hcpcs(text, source, sha, folder, stamp, step)
    return _import_release(text, source, name, member, sha, folder, stamp, step)


def _import_release(text: str, source: str, name: str, member: str, sha: str, folder: Path,
                    stamp: str, step: Progress) -> ImportReport:
    parsed = _parse_csv(text, source, member or name)
    rel = parsed.release
    step("building", 0.4)
    by_code: dict[str, list[tuple[str, str, list[str]]]] = {}
    for (code, modifier), values in parsed.rows.items():
        by_code.setdefault(code, []).append((rel.id, modifier, values))
    lines = []
    for i, code in enumerate(sorted(by_code)):
        rows = sorted(by_code[code], key=lambda r: r[1])
        lines.append(datafile.encode_code_line(code, taxonomy.category_of(code), rows))
        if i % 2000 == 0:
            step("building", 0.4 + 0.4 * i / len(by_code))
    meta: dict[str, Any] = {
        "id": rel.id,
        "year": rel.year,
        "released": rel.released,
        "quarter_start": rel.quarter_start,
        "applies_from": rel.quarter_start,
        "applies_to": f"{rel.year}-12-31",
        "conversion_factor": rel.conversion_factor,
        "file": f"{rel.id}.json",
        "source_file": name,
        "source_sha256": sha,
        "rows": parsed.data_rows,
        "codes": len(by_code),
        "imported_at": stamp,
    }
    if member:
        meta["source_member"] = member
    header = {"format": datafile.FORMAT, "fields": list(cmsfile.FIELD_NAMES), "releases": [meta]}
    payload = datafile.encode_file(header, lines)

    step("writing", 0.85)
    paths.ensure_private_dir(folder)
    with datafile.locked(folder / LOCK_FILE):
        # Another import may have finished since the first read: merge with what is there now.
        releases, descriptors, sources = (_existing_releases(folder), load_descriptors(folder),
                                          _existing_sources(folder))
        from_hcpcs = set(sources.get("hcpcs", {}).get("codes", []))
        merged = dict(descriptors)
        for code, text_ in parsed.descriptors.items():
            if code not in from_hcpcs:  # a HCPCS file's long text beats the PPRRVU short one
                merged[code] = text_
        replaced = any(r.get("id") == rel.id for r in releases)
        kept = [r for r in releases if r.get("id") != rel.id]
        index = {"releases": sorted([*kept, meta], key=lambda r: (r["quarter_start"], r["id"]))}
        datafile.write_atomic(folder / meta["file"], payload, mode=0o600)
        datafile.write_atomic(folder / DESCRIPTORS_FILE, encode_descriptors(merged), mode=0o600)
        datafile.write_atomic(folder / RELEASES_FILE, _json_bytes(index), mode=0o600)  # last
    step("done", 1.0)
    return ImportReport(kind="release", source_file=name, source_sha256=sha, member=member, release=meta,
                        replaced=replaced, codes=len(by_code), rows=parsed.data_rows,
                        descriptors_from_file=len(parsed.descriptors), descriptors_total=len(merged))


def _import_hcpcs(text: str, source: str, sha: str, folder: Path, stamp: str,
                  step: Progress) -> ImportReport:
    parsed = cmsfile.parse_hcpcs(text, source)
    step("writing", 0.7)
    paths.ensure_private_dir(folder)
    with datafile.locked(folder / LOCK_FILE):
        descriptors, sources = load_descriptors(folder), _existing_sources(folder)  # as they are now
        merged = dict(descriptors)
        merged.update(parsed.descriptors)
        earlier = set(sources.get("hcpcs", {}).get("codes", []))
        new_sources = dict(sources)
        new_sources["hcpcs"] = {"source_file": source, "source_sha256": sha, "imported_at": stamp,
                                "descriptors": len(parsed.descriptors),
                                "codes": sorted(earlier | set(parsed.descriptors))}
        datafile.write_atomic(folder / DESCRIPTORS_FILE, encode_descriptors(merged), mode=0o600)
        datafile.write_atomic(folder / SOURCES_FILE, _json_bytes(new_sources), mode=0o600)
    step("done", 1.0)
    return ImportReport(kind="hcpcs", source_file=source, source_sha256=sha, codes=len(parsed.descriptors),
                        descriptors_from_file=len(parsed.descriptors), descriptors_total=len(merged))


# ---------------------------------------------------------------- status
@dataclass
class ReleaseStatus:
    id: str
    origin: str
    year: int
    released: str
    applies_from: str
    applies_to: str
    rows: int
    codes: int
    conversion_factor: str
    descriptors: int  # codes of this release with imported descriptor text
    source_file: str
    imported_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DataStatus:
    releases: list[ReleaseStatus]
    descriptors: int
    hcpcs: dict[str, Any]
    imports_dir: str

    def to_dict(self) -> dict[str, Any]:
        hcpcs = {k: v for k, v in self.hcpcs.items() if k != "codes"} or None
        return {"releases": [r.to_dict() for r in self.releases],
                "descriptors": {"count": self.descriptors, "hcpcs_file": hcpcs},
                "imports_dir": self.imports_dir}


def status(catalog: Catalog | None = None) -> DataStatus:
    """Every release rvutool can use, with its provenance. Reads only; creates nothing."""
    from rvutool.codes import Catalog

    catalog = catalog or Catalog()
    folder = catalog.imports_path
    descriptors = load_descriptors(folder)
    imported_meta = {r.get("id"): r for r in _existing_releases(folder)}
    out = []
    for rel in catalog.releases:
        codes = [code for code, _ in catalog.index(rel)]
        meta = imported_meta.get(rel.id, {}) if rel.origin == "imported" else {}
        out.append(ReleaseStatus(
            id=rel.id, origin=rel.origin, year=rel.year, released=rel.released,
            applies_from=rel.applies_from.isoformat(), applies_to=rel.applies_to.isoformat(),
            rows=rel.rows, codes=len(codes), conversion_factor=str(rel.conversion_factor),
            descriptors=sum(1 for code in codes if code in descriptors),
            source_file=rel.source_file, imported_at=meta.get("imported_at", ""),
        ))
    return DataStatus(releases=out, descriptors=len(descriptors),
                      hcpcs=_existing_sources(folder).get("hcpcs", {}), imports_dir=str(folder))
