"""The on-disk layout of rvutool's code datasets (bundled data/codes.json and imported releases).

The file is ordinary JSON, written one code per line and sorted by code:

    {"format": "rvutool-codes/1", ..., "releases": [...], "localities": {...},
    "codes":[
    ["0001F","category-ii",[["RVU25D","","M","",0.00,...],["RVU26C","",...]]],
    ...
    ["99213","em",[["RVU25D","","A","",1.30,...],["RVU26C","",...]]],
    ...
    ]}

The sorted code lines are the index. A lookup maps the file (mmap: the operating system
reads only the pages touched), parses the small header at the top, and bisects the code
lines by byte offset: a dozen or so probes of a few bytes each, then one line of JSON.
Nothing reads or parses the whole multi-megabyte file except search, which ranks every
code, and the suggestions for a mistyped code.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from rvutool.catalog.fields import DECIMAL_FIELDS, FIELD_NAMES
from rvutool.errors import DatasetError

FORMAT = "rvutool-codes/1"
_CODES_OPEN = b'\n"codes":[\n'
_CODES_CLOSE = b"\n]}"
_DECIMAL_POSITIONS = frozenset(i for i, name in enumerate(FIELD_NAMES) if name in DECIMAL_FIELDS)
_SCAN = 2048  # below this many bytes the bisection hands over to one bounded search


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
    """The whole file; same inputs, same bytes. Code lines must be sorted by code (DataFile bisects them)."""
    codes = [line[2:7] for line in code_lines]
    if any(a >= b for a, b in zip(codes, codes[1:], strict=False)):
        raise ValueError("code lines must be sorted by code, one line per code")
    # One top-level key per line keeps diffs of the committed file readable.
    keys = [f"{json.dumps(k)}:{json.dumps(header[k], sort_keys=True, separators=(',', ':'))}"
            for k in sorted(header)]
    out = ["{" + ",\n".join(keys) + ",", '"codes":[']
    out.append(",\n".join(code_lines))
    out.append("]}\n")
    return ("\n".join(out)).encode("ascii")


def write_atomic(path: Path, payload: bytes, mode: int = 0o644) -> None:
    """Write beside the target, fsync, then rename: readers see the old file or the new one.
    A symbolic link stays one: the file it points to is the one replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _beside(path, mode, "wb") as fh:
        fh.write(payload)


def stage(path: Path, payload: bytes, mode: int = 0o644) -> str:
    """Write `payload` to a new file beside `path` and fsync it; return its name. Nothing is left
    behind when this fails (a full disk): the partial copy is removed and the error raised."""
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def write_all_atomic(files: Sequence[tuple[Path, bytes, int]]) -> None:
    """Replace several files together: each new file is written and fsynced beside its target first,
    and only when every one is on disk are they renamed into place, in the order given. A failure
    while writing (a full disk, an interrupt) removes the new copies and leaves every old file as it was."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, payload, mode in files:
            staged.append((stage(path, payload, mode), path))
    except BaseException:
        for tmp, _ in staged:
            _remove(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


@contextmanager
def atomic_text(path: Path, mode: int = 0o644) -> Iterator[IO[str]]:
    """Write a text file as it is produced, beside the target; fsync and rename when the block ends
    (readers see the old file or the whole new one; a failure leaves the old one)."""
    with _beside(path, mode, "w") as fh:
        yield fh


@contextmanager
def _beside(path: Path, mode: int, how: str) -> Iterator[Any]:
    import tempfile

    if os.path.islink(path):  # write through a link (to a dotfiles checkout, say), never over it
        path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        text = {} if "b" in how else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, how, **text) as fh:
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
    """Read access to one dataset file without reading all of it.

    The file is mapped once and read as a snapshot: replacing it (an import) is seen by the
    next DataFile, as with any file read once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with open(path, "rb") as fh:
                self._map: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except OSError as exc:
            raise DatasetError(f"cannot read dataset {path}: {exc.strerror or exc}") from None
        except ValueError:  # mmap refuses an empty file
            raise DatasetError(f"dataset {path} is empty: it is damaged or not an rvutool dataset") from None
        mm = self._map
        split = mm.find(_CODES_OPEN, 0, 1 << 20)  # the header is a few kB
        if split < 0:
            raise DatasetError(f"dataset {path} is damaged or not an rvutool dataset")
        self._codes_from = split + len(_CODES_OPEN) - 1  # the newline before the first code line
        try:
            self.header: dict[str, Any] = json.loads(mm[:split].rstrip().rstrip(b",") + b"}")
        except ValueError:
            raise DatasetError(f"dataset {path} is damaged: its header is not JSON") from None
        if self.header.get("format") != FORMAT:
            raise DatasetError(f"dataset {path} has format {self.header.get('format')!r}, expected {FORMAT}")
        # The code list ends with a line of its own, "]}"; a copy cut short does not.
        end = mm.rfind(_CODES_CLOSE, max(self._codes_from, len(mm) - 64))
        if end < 0 or mm[end + len(_CODES_CLOSE):].strip():
            raise DatasetError(f"dataset {path} is damaged: it ends before its list of codes does "
                               "(an interrupted copy?)")
        self._end = end  # the newline after the last code line
        self._last = mm.rfind(b"\n", self._codes_from, end) + 1  # where the last code line starts

    # -- the index: sorted code lines, bisected by byte offset ---------------------------
    def _code_at(self, start: int) -> bytes:
        """The code of the line starting at `start`, checking the line's shape on the way."""
        head = self._map[start:start + 9]
        if head[:2] != b'["' or head[7:9] != b'",':
            raise DatasetError(f"dataset {self.path} is damaged: its list of codes is out of shape "
                               f"at byte {start}")
        return head[2:7]

    def _find(self, key: bytes) -> int:
        """Where the line of `key` starts, or -1."""
        mm, lo, hi = self._map, self._codes_from + 1, self._last
        if lo >= self._end:
            return -1  # no codes at all
        # Invariant: if the line exists it starts in [lo, hi], and lo is a line start.
        while hi - lo > _SCAN:
            mid = (lo + hi) // 2
            start = mm.find(b"\n", mid, hi) + 1  # the first line starting after mid
            if start <= 0:
                break
            found = self._code_at(start)
            if found == key:
                return start
            if found < key:
                lo = start
            else:
                hi = mid  # the line, if any, starts before `start`, so at or before mid
        needle = b'\n["' + key + b'",'
        at = mm.find(needle, lo - 1, hi + len(needle))
        return at + 1 if at >= 0 else -1

    def codes_starting(self, prefix: str, limit: int = 2000) -> list[str]:
        """Codes starting with `prefix` (upper case), in order: the index bisected to the first, then read line
        by line from there; no line is parsed (shell completion)."""
        key = prefix.encode("ascii")
        mm, lo, hi = self._map, self._codes_from + 1, self._last
        if lo >= self._end or not key:
            return []
        while hi - lo > _SCAN:  # lo stays a line start before every code >= key
            mid = (lo + hi) // 2
            start = mm.find(b"\n", mid, hi) + 1
            if start <= 0:
                break
            if self._code_at(start) < key:
                lo = start
            else:
                hi = mid
        found: list[str] = []
        at = lo
        while at <= self._last and len(found) < limit:
            code = self._code_at(at)
            if code.startswith(key):
                found.append(code.decode("ascii"))
            elif code > key:
                break
            at = mm.find(b"\n", at, self._end + 1) + 1
            if at <= 0:
                break
        return found

    def code_line(self, code: str) -> list[Any] | None:
        """[code, category, [[release, modifier, *values], ...]] or None."""
        start = self._find(code.encode("ascii"))
        if start < 0:
            return None
        raw = self._map[start:self._map.find(b"\n", start)].rstrip().rstrip(b",")
        try:
            line: list[Any] = json.loads(raw, parse_float=Decimal)
        except ValueError:
            raise DatasetError(f"dataset {self.path} is damaged near code {code}") from None
        return line

    # -- whole-file reads (search, suggestions, tests) -----------------------------------
    def _code_lines(self) -> list[bytes]:
        body = self._map[self._codes_from:self._end + 1]
        return [raw for raw in body.split(b"\n") if raw.startswith(b'["')]

    def codes(self) -> list[str]:
        return [raw[2:7].decode("ascii") for raw in self._code_lines()]

    def iter_lines(self) -> Iterator[list[Any]]:
        """Every code line, parsed (tests; not for lookups)."""
        for raw in self._code_lines():
            yield json.loads(raw.rstrip().rstrip(b","), parse_float=Decimal)

    def iter_index(self, release_id: str) -> Iterator[tuple[str, str]]:
        """(code, category) of every code with a row in one release, without parsing rows (search)."""
        row_start = b'["' + release_id.encode("ascii") + b'",'
        for raw in self._code_lines():
            if row_start in raw:
                yield raw[2:7].decode("ascii"), raw.split(b'"', 5)[3].decode("ascii")
