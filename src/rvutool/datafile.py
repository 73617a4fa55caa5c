"""The on-disk layout of rvutool's code datasets (bundled data/codes.json and imported releases).

The file is ordinary JSON, written one code per line so that a single code can be
found with a byte search and parsed on its own: a lookup reads a few hundred bytes
of JSON instead of the whole 19k-row dataset.

    {"format": "rvutool-codes/1", ..., "releases": [...], "localities": {...},
    "codes": [
    ["99213","em",[["RVU25D","","A","",1.30,...],["RVU26C","",...]]],
    ...
    ]}
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from rvutool.cmsfile import DECIMAL_FIELDS, FIELD_NAMES
from rvutool.errors import DatasetError

FORMAT = "rvutool-codes/1"
_CODES_OPEN = b'\n"codes":[\n'
_CODE_LINE = re.compile(rb'\n\["([0-9A-Z]{5})",')
_DECIMAL_POSITIONS = frozenset(i for i, name in enumerate(FIELD_NAMES) if name in DECIMAL_FIELDS)


def _cell(index: int, value: str) -> str:
    # Amounts are written as JSON numbers with their two CMS decimals ("1.30"), read back as Decimal.
    return value if index in _DECIMAL_POSITIONS else json.dumps(value)


def encode_code_line(code: str, category: str, rows: Iterable[tuple[str, str, list[str]]]) -> str:
    """One code's line: rows are (release id, modifier, values in FIELD_NAMES order)."""
    parts = []
    for release_id, modifier, values in rows:
        cells = ",".join(_cell(i, v) for i, v in enumerate(values))
        parts.append(f'[{json.dumps(release_id)},{json.dumps(modifier)},{cells}]')
    return f'[{json.dumps(code)},{json.dumps(category)},[{",".join(parts)}]]'


def encode_file(header: dict[str, Any], code_lines: list[str]) -> bytes:
    """The whole file; same inputs, same bytes."""
    # One top-level key per line keeps diffs of the committed file readable.
    keys = [f"{json.dumps(k)}:{json.dumps(header[k], sort_keys=True, separators=(',', ':'))}"
            for k in sorted(header)]
    out = ["{" + ",\n".join(keys) + ",", '"codes":[']
    out.append(",\n".join(code_lines))
    out.append("]}\n")
    return ("\n".join(out)).encode("ascii")


def write_atomic(path: Path, payload: bytes, mode: int = 0o644) -> None:
    """Write beside the target, fsync, then rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@contextmanager
def atomic_text(path: Path, mode: int = 0o644) -> Iterator[IO[str]]:
    """Write a text file as it is produced, beside the target; fsync and rename when the block ends
    (readers see the old file or the whole new one; a failure leaves the old one)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock for a read-modify-write of small files (imports, config).

    Two `rvutool data import` or `config set` runs at once then queue instead of one
    silently dropping the other's change. POSIX advisory lock; where the platform has no
    fcntl (Windows) the section runs unlocked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class DataFile:
    """Read access to one dataset file without parsing all of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._bytes = path.read_bytes()
        except OSError as exc:
            raise DatasetError(f"cannot read dataset {path}: {exc.strerror or exc}") from None
        split = self._bytes.find(_CODES_OPEN)
        if split < 0:
            raise DatasetError(f"dataset {path} is damaged or not an rvutool dataset")
        self._codes_from = split + len(_CODES_OPEN) - 1
        try:
            self.header: dict[str, Any] = json.loads(self._bytes[:split].rstrip().rstrip(b",") + b"}")
        except ValueError:
            raise DatasetError(f"dataset {path} is damaged: its header is not JSON") from None
        if self.header.get("format") != FORMAT:
            raise DatasetError(f"dataset {path} has format {self.header.get('format')!r}, expected {FORMAT}")

    def code_line(self, code: str) -> list[Any] | None:
        """[code, category, [[release, modifier, *values], ...]] or None."""
        needle = b'\n["' + code.encode("ascii") + b'",'
        start = self._bytes.find(needle, self._codes_from)
        if start < 0:
            return None
        end = self._bytes.find(b"\n", start + 1)
        raw = self._bytes[start + 1: end if end > 0 else None].rstrip().rstrip(b",")
        if raw.endswith(b"]}"):  # last line of the file closes the list and the object
            raw = raw[:-2]
        try:
            line: list[Any] = json.loads(raw, parse_float=Decimal)
        except ValueError:
            raise DatasetError(f"dataset {self.path} is damaged near code {code}") from None
        return line

    def codes(self) -> list[str]:
        return [m.group(1).decode("ascii") for m in _CODE_LINE.finditer(self._bytes, self._codes_from)]

    def iter_lines(self) -> Iterator[list[Any]]:
        """Every code line, parsed (search and tests; not for lookups)."""
        body = self._bytes[self._codes_from:]
        for raw in body.split(b"\n"):
            raw = raw.strip().rstrip(b",")
            if raw.endswith(b"]}"):
                raw = raw[:-2]
            if raw.startswith(b'["'):
                yield json.loads(raw, parse_float=Decimal)

    def iter_index(self, release_id: str) -> Iterator[tuple[str, str]]:
        """(code, category) of every code with a row in one release, without parsing rows (search)."""
        row_start = b'["' + release_id.encode("ascii") + b'",'
        for raw in self._bytes[self._codes_from:].split(b"\n"):
            if raw.startswith(b'["') and row_start in raw:
                yield raw[2:7].decode("ascii"), raw.split(b'"', 5)[3].decode("ascii")
