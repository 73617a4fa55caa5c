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

import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rvutool import dates, paths
from rvutool.catalog import cmsfile, datafile, taxonomy
from rvutool.errors import DatasetError, ImportFileError, RvuError

if TYPE_CHECKING:
    from rvutool.catalog.codes import Catalog

# Called with a stage label and the fraction done (0..1); view.terminal draws it.
Progress = Callable[[str, float], None]

RELEASES_FILE = "releases.json"
DESCRIPTORS_FILE = "descriptors.json"
SOURCES_FILE = "descriptor_sources.json"
LOCK_FILE = ".lock"  # held while an import merges and writes (datafile.locked)
# Caps on what an import reads, so that no file (a zip bomb, /dev/zero) can exhaust memory. The real
# files measured in the CMS data folder: the PPRRVU CSVs of RVU25D and RVU26C (members of their release
# zips) are 2.5 and 2.6 MB, the largest of them; the HCPCS annual file 5.4 MB. The other members of a
# release zip (the fixed-width PPRRVU .txt, about 3.9 MB by its 200-character record layout; the .xlsx;
# GPCI, LOCCO, ANES, OPPSCAP; the layout document) are smaller or of that order.
MAX_MEMBER_BYTES = 16 * 1024 * 1024  # one file, unzipped: six times the PPRRVU CSV, three the HCPCS file
MAX_ZIP_TOTAL_BYTES = 64 * 1024 * 1024  # what all members of a zip declare together
MAX_ZIP_MEMBERS = 100  # a release zip holds about a dozen files
MAX_FILE_BYTES = 64 * 1024 * 1024  # the file given, zip or not (a text file is held to MAX_MEMBER_BYTES)
_ZIP_DIRECTORY_BYTES = MAX_ZIP_MEMBERS * 1024  # the zip's central directory, read before it is parsed
_CHUNK = 1024 * 1024
_SHOWN = 160  # longest file name an error message repeats in full
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
def shown(name: str) -> str:
    """A file name fit for a one-line message: control characters escaped, an overlong name cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    if len(text) > _SHOWN:
        text = f"{text[:_SHOWN // 2]}...{text[-_SHOWN // 2 + 3:]}"
    return text


_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a pipe (FIFO)"),
          (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a plain file")


def open_regular(path: Path, max_bytes: int = MAX_FILE_BYTES) -> IO[bytes]:
    """The file opened for reading, only when stat says it is a regular file of at most `max_bytes`
    (never a folder, device, pipe or socket)."""
    name = shown(str(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ImportFileError(f"{name}: no such file") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise ImportFileError(f"{name}: file name too long for this system") from None
        raise ImportFileError(f"cannot read {name}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportFileError(f"{name} is a folder; give the CMS zip or the file inside it")
    if not stat.S_ISREG(info.st_mode):
        raise ImportFileError(f"{name} is not a regular file ({_kind(info.st_mode)}); give the CMS zip or "
                              "the file inside it")
    if info.st_size > max_bytes:
        raise _too_large(name, info.st_size, max_bytes)
    try:
        # O_NONBLOCK: should the name now be a FIFO after all, opening it does not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ImportFileError(f"cannot read {name}: {exc.strerror or exc}") from None
    fh = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
        fh.close()
        raise ImportFileError(f"{name} is not a regular file; give the CMS zip or the file inside it")
    return fh


def _read(path: Path) -> bytes:
    """The whole file, read only when stat says it is a regular file of a sane size."""
    name = shown(str(path))
    with open_regular(path) as fh:
        try:
            raw = _read_capped(fh, MAX_FILE_BYTES, name)
        except OSError as exc:
            raise ImportFileError(f"cannot read {name}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise ImportFileError(f"{name} is empty")
    return raw


def _too_large(what: str, size: int, cap: int) -> ImportFileError:
    return ImportFileError(f"{what} is {size:,} bytes, more than the {cap:,}-byte limit: too large for a "
                           "CMS file")


def _read_capped(stream: IO[bytes], cap: int, what: str) -> bytes:
    """Read a stream to its end, keeping a running total: refuse once it passes `cap` bytes."""
    chunks, total = [], 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > cap:
            raise ImportFileError(f"{what}: more than {cap:,} bytes uncompressed: too large for a CMS file "
                                  "(a zip bomb?)")
        chunks.append(chunk)
    return b"".join(chunks)


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:65536]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control > len(sample) // 100


def _check_zip_directory(raw: bytes, name: str) -> None:
    """Count a zip's members from its end record before zipfile parses them all."""
    import struct

    end = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 22 - 0xFFFF))
    if end < 0 or end + 22 > len(raw):
        return  # not a zip zipfile can read either: it says so
    members, directory = struct.unpack_from("<HI", raw, end + 10)
    if members > MAX_ZIP_MEMBERS:
        raise ImportFileError(f"{name} has {members:,} members, too many for a CMS release zip "
                              f"(at most {MAX_ZIP_MEMBERS})")
    if directory > _ZIP_DIRECTORY_BYTES:
        raise ImportFileError(f"{name}: its list of members is {directory:,} bytes, too many members for "
                              "a CMS release zip")


def _check_zip_sizes(infos: list[Any], name: str, member_cap: int = MAX_MEMBER_BYTES,
                     total_cap: int = MAX_ZIP_TOTAL_BYTES) -> None:
    """Refuse a zip (or .xlsx) whose members declare too much, before any is decompressed. The caps may
    be a member's own (`member_cap` a number, or a function of the member's name)."""
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ImportFileError(f"{name} has {len(infos):,} members, too many for a CMS release zip "
                              f"(at most {MAX_ZIP_MEMBERS})")
    for info in infos:
        cap = member_cap(info.filename) if callable(member_cap) else member_cap
        if info.file_size > cap:
            raise ImportFileError(f"{name}: {shown(info.filename)} declares {info.file_size:,} bytes, more than "
                                  f"the {cap:,}-byte limit: too large for a CMS file (a zip bomb?)")
    total = sum(info.file_size for info in infos)
    if total > total_cap:
        raise ImportFileError(f"{name}: its members declare {total:,} bytes in all, more than the "
                              f"{total_cap:,}-byte limit: too large for a CMS release zip")


check_zip_directory, check_zip_sizes = _check_zip_directory, _check_zip_sizes  # NCCI files: catalog/ncci_files.py


@dataclass
class Companions:
    """The other files of a release zip rvutool reads beside the PPRRVU: the year's GPCIs (a CY2027 zip brings
    GPCI2027) and the QPP PPRRVU, whose CONV FACTOR is the qualifying APM participants' CF."""

    gpci: bytes | None = None
    gpci_name: str = ""
    qpp: bytes | None = None
    qpp_name: str = ""


_GPCI_NAME = re.compile(r"GPCI[0-9]{4}.*\.csv", re.I)


def _from_zip(raw: bytes, name: str) -> tuple[bytes, str, Companions]:
    """The PPRRVU CSV inside a CMS release zip (the non-QPP one when there are two), and its companions.

    Sizes are checked three ways before anything is unzipped: the member count, each member's
    declared size and their sum; the member is then read with a running total in case a size lies.
    """
    import io
    import zipfile

    _check_zip_directory(raw, name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
        files = [m for m in infos if not m.is_dir()]
        members = [m for m in files if _PPRRVU_NAME.fullmatch(m.filename.rsplit("/", 1)[-1])]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(f"{name} is not a readable zip file (damaged or truncated?)") from None
    _check_zip_sizes(infos, name)
    if not members and any(m.filename == "[Content_Types].xml" for m in infos):
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
        listed = shown(", ".join(sorted(m.filename for m in chosen)))
        raise ImportFileError(f"{name} holds several PPRRVU files ({listed}); unzip it and import one")

    def read(member: Any) -> bytes:
        what = f"{name}:{shown(member.filename)}"
        try:
            with archive.open(member) as stream:
                return _read_capped(stream, MAX_MEMBER_BYTES, what)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise ImportFileError(f"{what}: cannot read it ({shown(str(exc))})") from None

    companions = Companions()
    qpp = [m for m in members if _is_qpp_only(base[m.filename])]
    if len(qpp) == 1:
        companions.qpp, companions.qpp_name = read(qpp[0]), qpp[0].filename
    gpci = [m for m in files if _GPCI_NAME.fullmatch(m.filename.rsplit("/", 1)[-1])]
    if len(gpci) == 1:
        companions.gpci, companions.gpci_name = read(gpci[0]), gpci[0].filename
    return read(chosen[0]), chosen[0].filename, companions


def _is_qpp_only(name: str) -> bool:
    upper = name.upper()
    return "QPP" in upper and "NONQPP" not in upper


def _parse_csv(text: str, source: str, name: str, today: date) -> cmsfile.RvuFile:
    import csv

    try:
        return cmsfile.parse_pprrvu(text, source, fallback_id=cmsfile.release_id_from_name(name), today=today)
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
    moment = (now or dates.now()).astimezone(UTC)
    stamp = moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    step("reading", 0.0)
    raw = _read(path)
    sha = hashlib.sha256(raw).hexdigest()
    name, member, companions = path.name, "", Companions()
    if raw.startswith(_ZIP_MAGIC):
        raw, member, companions = _from_zip(raw, shown(name))
    elif _is_qpp_only(name):
        raise ImportFileError(f"{shown(name)} is the QPP file; import the non-QPP PPRRVU file (the master list)")
    elif len(raw) > MAX_MEMBER_BYTES:
        raise _too_large(shown(name), len(raw), MAX_MEMBER_BYTES)
    if _looks_binary(raw):
        raise ImportFileError(f"{shown(member or name)} is not a text file: expected a CMS PPRRVU CSV, "
                              "an RVU release zip or the HCPCS annual file")
    text = cmsfile.decode(raw)
    source = shown(f"{name}:{member}" if member else name)
    # Check what is already imported before parsing anything: a damaged index stops here.
    _existing_releases(folder), load_descriptors(folder), _existing_sources(folder)
    step("checking", 0.1)
    if not member and cmsfile.looks_like_hcpcs(text):
        return _import_hcpcs(text, source, sha, folder, stamp, step)
    return _import_release(text, source, name, member, sha, folder, stamp, step, moment.date(), companions)


@contextmanager
def _writing(folder: Path) -> Iterator[None]:
    """Create the imports folder, hold its lock, and turn a write failure (a full disk) into one line.
    Every write inside is datafile.write_all_atomic, so a failure leaves the earlier imports as they were."""
    try:
        paths.ensure_private_dir(folder)
        with datafile.locked(folder / LOCK_FILE):
            yield
    except OSError as exc:
        raise RvuError(f"cannot write to {shown(str(folder))}: {exc.strerror or exc}; nothing was imported "
                       "and the earlier imports are unchanged") from None


def _companion_facts(companions: Companions, name: str, year: int, today: date) -> dict[str, Any]:
    """What the zip's other files add to the release: the QP conversion factor and the year's GPCIs."""
    facts: dict[str, Any] = {}
    if companions.qpp is not None:
        where = shown(f"{name}:{companions.qpp_name}")
        qpp = _parse_csv(cmsfile.decode(companions.qpp), where, companions.qpp_name, today)
        if qpp.release.year != year:
            raise ImportFileError(f"{where} is for CY{qpp.release.year}, not CY{year} like the non-QPP file")
        facts["conversion_factor_qp"] = qpp.release.conversion_factor
    if companions.gpci is not None:
        where = shown(f"{name}:{companions.gpci_name}")
        facts["localities"] = {str(year): [loc.as_row() for loc in cmsfile.parse_gpci(
            cmsfile.decode(companions.gpci), where)]}
        facts["gpci_file"] = companions.gpci_name
    return facts


def _import_release(text: str, source: str, name: str, member: str, sha: str, folder: Path,
                    stamp: str, step: Progress, today: date, companions: Companions | None = None) -> ImportReport:
    parsed = _parse_csv(text, source, member or name, today)
    rel = parsed.release
    extra = _companion_facts(companions or Companions(), shown(name), rel.year, today)
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
        **({"conversion_factor_qp": extra["conversion_factor_qp"]} if "conversion_factor_qp" in extra else {}),
        **({"gpci_file": extra["gpci_file"], "localities": len(next(iter(extra["localities"].values())))}
           if "localities" in extra else {}),
        "file": f"{rel.id}.json",
        "source_file": name,
        "source_sha256": sha,
        "rows": parsed.data_rows,
        "codes": len(by_code),
        "imported_at": stamp,
    }
    if member:
        meta["source_member"] = member
    header = {"format": datafile.FORMAT, "fields": list(cmsfile.FIELD_NAMES), "releases": [meta],
              **({"localities": extra["localities"]} if "localities" in extra else {})}
    payload = datafile.encode_file(header, lines)

    step("writing", 0.85)
    with _writing(folder):
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
        datafile.write_all_atomic([(folder / meta["file"], payload, 0o600),
                                   (folder / DESCRIPTORS_FILE, encode_descriptors(merged), 0o600),
                                   (folder / RELEASES_FILE, _json_bytes(index), 0o600)])  # the list last
    step("done", 1.0)
    return ImportReport(kind="release", source_file=name, source_sha256=sha, member=member, release=meta,
                        replaced=replaced, codes=len(by_code), rows=parsed.data_rows,
                        descriptors_from_file=len(parsed.descriptors), descriptors_total=len(merged))


def _import_hcpcs(text: str, source: str, sha: str, folder: Path, stamp: str,
                  step: Progress) -> ImportReport:
    parsed = cmsfile.parse_hcpcs(text, source)
    step("writing", 0.7)
    with _writing(folder):
        descriptors, sources = load_descriptors(folder), _existing_sources(folder)  # as they are now
        merged = dict(descriptors)
        merged.update(parsed.descriptors)
        earlier = set(sources.get("hcpcs", {}).get("codes", []))
        new_sources = dict(sources)
        new_sources["hcpcs"] = {"source_file": source, "source_sha256": sha, "imported_at": stamp,
                                "descriptors": len(parsed.descriptors),
                                "codes": sorted(earlier | set(parsed.descriptors))}
        datafile.write_all_atomic([(folder / DESCRIPTORS_FILE, encode_descriptors(merged), 0o600),
                                   (folder / SOURCES_FILE, _json_bytes(new_sources), 0o600)])
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
    from rvutool.catalog.codes import Catalog

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
