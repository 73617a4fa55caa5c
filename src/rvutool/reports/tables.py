"""The user's own files, read safely: contract files (TOML), fee schedules and benchmark tables (CSV or .xlsx).

Every file is checked before it is read: a regular file (not a folder, a device, a pipe or a socket) no
larger than the cap for its kind, opened without waiting on a pipe and read with a running total in case
it grows. A workbook's members are counted and their declared sizes checked from its zip directory before
openpyxl unpacks anything (a compressed bomb is refused by name), and its rows are streamed. A table stops
at MAX_ROWS. The header row is found among the first HEADER_SEARCH rows (a title above it is fine).
Nothing here prints.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rvutool.errors import RvuError

MAX_TOML_BYTES = 4 << 20
MAX_TABLE_BYTES = 16 << 20
MAX_XLSX_MEMBERS = 200
MAX_XLSX_MEMBER_BYTES = 64 << 20  # unpacked, each
MAX_XLSX_TOTAL_BYTES = 128 << 20  # unpacked, all together
MAX_ROWS = 100_000
HEADER_SEARCH = 20
_CHUNK = 1 << 16


def shown(path: Path | str) -> str:
    """A file name fit for a one-line message: control characters escaped, a long name cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(path))
    return text if len(text) <= 160 else f"{text[:78]}...{text[-78:]}"


def read_bytes(path: Path, cap: int, what: str) -> bytes:
    """The whole file, read only when it is a regular file of at most `cap` bytes."""
    name = shown(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise RvuError(f"{name}: no such file") from None
    except (OSError, ValueError) as exc:
        raise RvuError(f"cannot read {name}: {getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise RvuError(f"{name} is a folder; give {what}")
    if not stat.S_ISREG(info.st_mode):
        raise RvuError(f"{name} is not a regular file (a device, pipe or socket); give {what}")
    if info.st_size > cap:
        raise RvuError(f"{name} is {info.st_size:,} bytes, more than the {cap:,}-byte limit for {what}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise RvuError(f"cannot read {name}: {exc.strerror or exc}") from None
    chunks, total = [], 0
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise RvuError(f"{name} is not a regular file; give {what}")
        try:
            while chunk := fh.read(_CHUNK):
                total += len(chunk)
                if total > cap:
                    raise RvuError(f"{name} grew past the {cap:,}-byte limit for {what} while it was read")
                chunks.append(chunk)
        except OSError as exc:
            raise RvuError(f"cannot read {name}: {exc.strerror or exc}") from None
    return b"".join(chunks)


def text_of(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in raw[:4096]:
            raise RvuError(f"{shown(path)} is not a text file") from None
        return raw.decode("cp1252", errors="replace")


def rows(path: Path, what: str) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cells) of a CSV (comma, semicolon or tab) or the first sheet of an .xlsx workbook."""
    raw = read_bytes(path, MAX_TABLE_BYTES, what)
    if raw.startswith(b"PK\x03\x04"):
        yield from _xlsx_rows(raw, path)
    else:
        yield from _csv_rows(raw, path)


def _csv_rows(raw: bytes, path: Path) -> Iterator[tuple[int, list[Any]]]:
    import csv

    from rvutool.log.layouts import sniff_delimiter

    if not raw.strip():
        raise RvuError(f"{shown(path)} is empty")
    lines = text_of(raw, path).splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    reader = csv.reader(lines, delimiter=sniff_delimiter(first))
    try:
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise RvuError(f"{shown(path)} has more than {MAX_ROWS:,} rows; split it")
            yield number, cells
    except csv.Error as exc:
        raise RvuError(f"{shown(path)} line {reader.line_num}: not a readable CSV row ({exc})") from None


def _xlsx_rows(raw: bytes, path: Path) -> Iterator[tuple[int, list[Any]]]:
    import io
    import zipfile

    name = shown(path)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RvuError(f"{name} is neither CSV text nor a readable .xlsx workbook") from None
    if len(infos) > MAX_XLSX_MEMBERS:
        raise RvuError(f"{name} has {len(infos):,} members, too many for a workbook (at most {MAX_XLSX_MEMBERS})")
    if any(i.file_size > MAX_XLSX_MEMBER_BYTES for i in infos) or \
            sum(i.file_size for i in infos) > MAX_XLSX_TOTAL_BYTES:
        raise RvuError(f"{name} unpacks to more than the {MAX_XLSX_TOTAL_BYTES:,}-byte limit for a workbook "
                       "(a compressed bomb?)")
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency
        raise RvuError("reading .xlsx needs openpyxl: pip install openpyxl") from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise RvuError(f"{name} is not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        if not book.worksheets:
            raise RvuError(f"{name} has no worksheet")
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if number > MAX_ROWS:
                raise RvuError(f"{name} has more than {MAX_ROWS:,} rows; split it")
            yield number, list(values)
    finally:
        book.close()


def pick(roles: dict[str, int], cells: list[Any], role: str) -> Any:
    """The cell of a role in a row (None when the role has no column, or the row is short)."""
    col = roles.get(role)
    return cells[col] if col is not None and col < len(cells) else None


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def number(value: Any) -> Decimal | None:
    """A cell as a number ('1,234.50', '$120', 120.0); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = cell_text(value).replace(",", "").lstrip("$").strip()
    if not text or not text.isascii():
        return None
    try:
        found = Decimal(text)
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def find_columns(path: Path, numbered: Iterator[tuple[int, list[Any]]], roles: dict[str, tuple[str, ...]],
                 required: tuple[str, ...], what: str) -> tuple[dict[str, int], list[str], int]:
    """The header row among the first rows: (role -> column, the header's cells, its line number).
    A header holds every required role; a cell is matched after lower-casing and folding spaces."""
    from rvutool.log.layouts import norm

    for number, cells in numbered:
        header = [cell_text(c) for c in cells]
        names = [norm(h) for h in header]
        found: dict[str, int] = {}
        for role, aliases in roles.items():
            for i, name in enumerate(names):
                if name in aliases and i not in found.values():
                    found[role] = i
                    break
        if all(role in found for role in required):
            return found, header, number
        if number >= HEADER_SEARCH:
            break
    raise RvuError(f"{shown(path)}: no header row naming {what} in its first {HEADER_SEARCH} rows")
