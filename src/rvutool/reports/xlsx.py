"""Reading an Excel .xlsx workbook without trusting it (an employer's report for `rvutool reconcile`).

An .xlsx file is a zip of XML parts. A general reader (openpyxl) holds every shared string in memory and
lets the XML parser expand entities, so a 3 MB file can ask for gigabytes. This one:
  - refuses a zip with more than MAX_MEMBERS parts, and checks each part's declared size against its
    limit (LIMITS) before decompressing it; it also counts what it decompresses, so a part that lies about
    its size stops at the limit;
  - parses with expat and refuses any DOCTYPE, so no entity can be declared (no "billion laughs", no
    external entity): one line, never an internal error;
  - streams a sheet row by row; a cell of more than Excel's 32,767 characters, a row of more than its
    16,384 columns, a tag or text run of more than MAX_RUN bytes without a '>' or elements nested
    deeper than MAX_DEPTH are refused, so memory stays bounded whatever the file holds;
  - decodes only the shared strings of the columns asked for (`columns`): the text of other columns
    (patient names, MRNs) is never turned into strings.

Values: str (shared, inline or a formula's text result), Decimal (numbers, as written), bool, `CellError`
("#DIV/0!"), or NO_CACHED_VALUE for a formula whose result was never saved (a file written by a program
that does not calculate): the caller refuses it rather than read it as 0.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from rvutool.errors import RvuError

MiB = 1024 * 1024
MAX_MEMBERS = 10_000
LIMITS = {"sheet": 2048 * MiB, "sharedStrings": 1024 * MiB, "other": 16 * MiB}
MAX_CELL_CHARS = 32_767  # Excel's own limit on a cell
MAX_COLUMNS = 16_384  # Excel's own limit on a row (column XFD)
MAX_RUN = 1 * MiB  # bytes of XML without a '>': no tag or text of an Excel file is that long
MAX_DEPTH = 32
CHUNK = 256 * 1024

_MAIN_RELS = "xl/_rels/workbook.xml.rels"


class CellError(str):
    """A spreadsheet error value (#DIV/0!, #N/A, #REF!)."""


class SharedRef(int):
    """A shared string not decoded (yet): its index in the workbook's table of strings."""


class _NoCachedValue:
    def __repr__(self) -> str:
        return "NO_CACHED_VALUE"


NO_CACHED_VALUE = _NoCachedValue()


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str  # the zip member holding it
    hidden: bool


class _Refused(Exception):
    """Raised inside expat's callbacks; becomes one RvuError naming the file."""


def _column(ref: str) -> int:
    """'C7' or 'C' -> 2 (0-based); -1 when the reference has no letters."""
    number = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            number = number * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            number = number * 26 + ord(ch) - 96
        else:
            break
    return number - 1


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class Workbook:
    """An open .xlsx file: its sheets in order, and their rows on demand. Use as a context manager."""

    def __init__(self, path: Path, fh: IO[bytes]) -> None:
        """`fh`: the file, opened (and checked to be a regular file) by the caller; `path` names it."""
        self.path, self.fh = path, fh
        self._check_member_count()
        try:
            self.zip = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise RvuError(f"{path} is not a readable .xlsx workbook ({_why(exc)}); save it again as .xlsx or "
                           ".csv") from None
        self.members = {info.filename: info for info in self.zip.infolist()}
        self.date1904 = False
        self.sheets = self._sheets()
        self.strings_part = self._strings_part()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()

    # -- the zip, checked
    def _check_member_count(self) -> None:
        """Count the parts from the zip's end record before zipfile reads them all into memory."""
        try:
            self.fh.seek(0, 2)
            size = self.fh.tell()
            self.fh.seek(max(0, size - 65_557))
            tail = self.fh.read()
            self.fh.seek(0)
        except OSError as exc:
            raise RvuError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(tail):
            raise RvuError(f"{self.path} is not a readable .xlsx workbook (no zip directory: damaged or "
                           "truncated?); save it again as .xlsx or .csv")
        total = struct.unpack("<H", tail[at + 10:at + 12])[0]
        if total > MAX_MEMBERS:
            raise RvuError(f"{self.path} holds {total:,} parts, more than the {MAX_MEMBERS:,} any workbook "
                           "needs; it was not read")

    def _open(self, name: str, kind: str) -> Iterator[bytes]:
        """The member's bytes in chunks, held to its limit before and during decompression."""
        info = self.members.get(name)
        if info is None:
            raise RvuError(f"{self.path} has no part {name!r}: it is not a complete .xlsx workbook")
        limit = LIMITS[kind]
        if info.file_size > limit:
            raise RvuError(f"{self.path}: its part {name} declares {info.file_size:,} bytes, more than the "
                           f"{limit:,}-byte limit (a zip bomb?); it was not read")
        if info.flag_bits & 0x1:
            raise RvuError(f"{self.path} is encrypted (password-protected): save it without a password")
        read = 0
        try:
            with self.zip.open(info) as raw:
                while True:
                    chunk = raw.read(CHUNK)
                    if not chunk:
                        return
                    read += len(chunk)
                    if read > limit or read > info.file_size:
                        raise RvuError(f"{self.path}: its part {name} holds more than it declares (a zip "
                                       "bomb?); it was not read")
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise RvuError(f"{self.path}: its part {name} cannot be read ({_why(exc)}); save the workbook "
                           "again") from None

    def _parse(self, name: str, kind: str, start: Any, end: Any = None, text: Any = None, *,
               counted: bool = False) -> Iterator[None]:
        """Feed a member to expat with the given callbacks; yields after each chunk (so the caller can hand
        over what the callbacks gathered). Refuses a DOCTYPE, over-long runs and deep nesting (`counted`: the
        callbacks count the depth themselves)."""
        import pyexpat

        parser = pyexpat.ParserCreate()
        parser.buffer_text = True
        depth = [0]

        def refuse_doctype(*args: Any) -> None:
            raise _Refused(f"its part {name} declares a DOCTYPE (XML entities), which no workbook needs; "
                           "it was not read")

        def on_start(tag: str, attrs: dict[str, str]) -> None:
            depth[0] += 1
            if depth[0] > MAX_DEPTH:
                raise _Refused(f"its part {name} nests elements more than {MAX_DEPTH} deep")
            start(tag, attrs)

        def on_end(tag: str) -> None:
            depth[0] -= 1
            if end is not None:
                end(tag)

        parser.StartDoctypeDeclHandler = refuse_doctype
        parser.EntityDeclHandler = refuse_doctype
        parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = start if counted else on_start
        parser.EndElementHandler = end if counted else on_end
        if text is not None:
            parser.CharacterDataHandler = text
        run = 0
        try:
            for chunk in self._open(name, kind):
                first = chunk.find(b">")
                if first < 0:
                    run += len(chunk)
                else:
                    if run + first > MAX_RUN:
                        break
                    run = len(chunk) - chunk.rfind(b">") - 1
                if run > MAX_RUN:
                    break
                parser.Parse(chunk, False)
                yield
            else:
                parser.Parse(b"", True)
                yield
                return
            raise _Refused(f"its part {name} has a tag or text of more than {MAX_RUN:,} bytes")
        except _Refused as exc:
            raise RvuError(f"{self.path}: {exc}") from None
        except pyexpat.ExpatError as exc:
            raise RvuError(f"{self.path}: its part {name} is not well-formed XML ({pyexpat.ErrorString(exc.code)}, "
                           f"line {exc.lineno}); save the workbook again") from None

    def _run(self, name: str, kind: str, start: Any, end: Any = None, text: Any = None) -> None:
        for _ in self._parse(name, kind, start, end, text):
            pass

    # -- the workbook's parts
    def _relations(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if _MAIN_RELS not in self.members:
            return found

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and "Id" in attrs and "Target" in attrs:
                target = attrs["Target"]
                found[attrs["Id"]] = (target.lstrip("/") if target.startswith("/")
                                      else posixpath.normpath(posixpath.join("xl", target)))
                if attrs.get("Type", "").endswith("/sharedStrings"):
                    found["#strings"] = found[attrs["Id"]]

        self._run(_MAIN_RELS, "other", start)
        return found

    def _sheets(self) -> list[Sheet]:
        relations = self._relations()
        self._strings_hint = relations.get("#strings")
        sheets: list[Sheet] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "workbookPr":
                self.date1904 = attrs.get("date1904", "0").lower() in {"1", "true"}
            elif local == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id" and k != "id"), None)
                part = relations.get(rid or "", "")
                if part:
                    sheets.append(Sheet(attrs.get("name", f"Sheet{len(sheets) + 1}"), part,
                                        attrs.get("state", "visible") != "visible"))

        self._run("xl/workbook.xml", "other", start)
        if not sheets:
            raise RvuError(f"{self.path} has no worksheets; save the report again as .xlsx or .csv")
        return sheets

    def _strings_part(self) -> str | None:
        for name in (self._strings_hint, "xl/sharedStrings.xml"):
            if name and name in self.members:
                return name
        return None

    def strings(self, wanted: set[int]) -> dict[int, str]:
        """The shared strings whose index is in `wanted` (no other is decoded); stops after the last wanted."""
        found: dict[int, str] = {}
        if not wanted or self.strings_part is None:
            return found
        last = max(wanted)
        state = {"index": -1, "keep": False, "in_t": False, "skip": 0, "size": 0}
        parts: list[str] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "si":
                state["index"] += 1
                state["keep"] = state["index"] in wanted
                state["size"] = 0
                parts.clear()
            elif local == "t":
                state["in_t"] = True
            elif local in {"rPh", "phoneticPr"}:
                state["skip"] += 1

        def end(tag: str) -> None:
            local = _local(tag)
            if local == "t":
                state["in_t"] = False
            elif local in {"rPh", "phoneticPr"}:
                state["skip"] -= 1
            elif local == "si" and state["keep"]:
                found[state["index"]] = "".join(parts)

        def text(data: str) -> None:
            if state["keep"] and state["in_t"] and not state["skip"]:
                state["size"] += len(data)
                if state["size"] > MAX_CELL_CHARS:
                    raise _Refused(f"shared string {state['index']} is longer than a cell may be "
                                   f"({MAX_CELL_CHARS:,} characters)")
                parts.append(data)

        for _ in self._parse(self.strings_part, "sharedStrings", start, end, text):
            if len(found) == len(wanted) or state["index"] > last:
                break
        return found

    def rows(self, sheet: Sheet, columns: set[int] | None = None, *, strings: dict[int, str] | None = None,
             limit: int | None = None) -> Iterator[tuple[int, dict[int, Any]]]:
        """(row number, {column: value}) of the sheet's rows that have cells, in order; only `columns` (None:
        all). A shared string cell is its text when `strings` holds it, else a SharedRef to look up (a first
        pass collects what a second pass resolves). Stops after `limit` rows."""
        out: list[tuple[int, dict[int, Any]]] = []
        row_number, depth, col, kind, formula, collect, take, size = 0, 0, -1, "n", False, False, False, 0
        cells: dict[int, Any] = {}
        parts: list[str] = []
        letters: dict[str, int] = {}  # "AB" -> 27, once per column
        value = self._value

        # The handlers run for every element of what may be millions of rows: plain locals, no helper calls
        # on the common path, and the nesting depth counted here (the sheet is parsed without _parse's wrapper).
        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal row_number, depth, col, kind, formula, collect, take, size, cells
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(f"its part {sheet.part} nests elements more than {MAX_DEPTH} deep")
            if ":" in tag:
                tag = _local(tag)
            if tag == "c":
                ref = attrs.get("r")
                if ref:
                    name = ref.rstrip("0123456789")
                    found = letters.get(name)
                    if found is None:
                        found = letters[name] = _column(name)
                    col = found
                else:
                    col += 1
                if col < 0 or col >= MAX_COLUMNS:
                    raise _Refused(f"row {row_number} has a cell beyond Excel's last column")
                kind, formula, size = attrs.get("t", "n"), False, 0
                take = columns is None or col in columns
                if parts:
                    parts.clear()
            elif tag == "v" or (tag == "t" and kind == "inlineStr"):
                collect = take
            elif tag == "f":
                formula = True
            elif tag == "row":
                ref = attrs.get("r")
                row_number = int(ref) if ref and ref.isdigit() else row_number + 1
                cells = {}
                col = -1

        def end(tag: str) -> None:
            nonlocal depth, collect
            depth -= 1
            if ":" in tag:
                tag = _local(tag)
            if tag == "v" or tag == "t":
                collect = False
            elif tag == "c":
                if take:
                    cells[col] = value(kind, "".join(parts), formula, bool(parts), strings)
            elif tag == "row" and cells:
                out.append((row_number, cells))

        def text(data: str) -> None:
            nonlocal size
            if collect:
                size += len(data)
                if size > MAX_CELL_CHARS:
                    raise _Refused(f"row {row_number} has a cell longer than a cell may be "
                                   f"({MAX_CELL_CHARS:,} characters)")
                parts.append(data)

        given = 0
        for _ in self._parse(sheet.part, "sheet", start, end, text, counted=True):
            for row in out:
                yield row
                given += 1
                if limit is not None and given >= limit:
                    return
            out.clear()

    @staticmethod
    def _value(kind: str, raw: str, formula: bool, has_value: bool, strings: dict[int, str] | None) -> Any:
        if formula and not has_value:
            return NO_CACHED_VALUE
        if kind == "s":
            try:
                index = int(raw)
            except ValueError:
                return None
            if strings is not None and index in strings:
                return strings[index]
            return SharedRef(index)
        if kind in {"str", "inlineStr"}:
            return raw
        if kind == "b":
            return raw.strip() == "1"
        if kind == "e":
            return CellError(raw.strip())
        if kind == "d":
            return raw.strip()
        if not raw.strip():
            return None
        try:
            return Decimal(raw.strip())
        except ArithmeticError:  # not a number, or beyond Decimal's exponents (1e9999999999): read as text
            return raw


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:80]}" if text else type(exc).__name__


def looks_like_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")
