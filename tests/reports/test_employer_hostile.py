"""Hostile and huge employer reports given to `rvutool reconcile`: each ends in one line on stderr, exit 1,
no traceback, the log untouched, and bounded memory (peak RSS of the rvutool process, measured in a
subprocess of its own; never time).

Workbooks are built here byte by byte where a normal writer would refuse: a part that declares 2 GiB, one
that holds 2 GiB but declares a few bytes, a 2 GiB shared string or row in a 2 MB file (deflate's repeated
blocks), entity expansion ("billion laughs"), an external entity, too many parts.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

MAX_RSS_MB = 150  # an rvutool process, imports included, reading whatever it is given
HEADER_ROW = ("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Date</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>CPT"
              "</t></is></c><c r=\"C1\" t=\"inlineStr\"><is><t>wRVU</t></is></c></row>")
SERVICE_ROW = ("<row r=\"2\"><c r=\"A2\"><v>46300</v></c><c r=\"B2\" t=\"inlineStr\"><is><t>99213</t></is></c>"
               "<c r=\"C2\"><v>{wrvu}</v></c></row>")
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def measured(home: Path, *args: str, timeout: float = 120) -> tuple[int, str, str, float]:
    """(exit status, stdout, stderr, peak RSS in MB) of `rvutool ARGS` in a process of its own."""
    probe = ("import resource, subprocess, sys\n"
             "done = subprocess.run(sys.argv[1:])\n"
             "sys.stderr.write('\\nPEAK %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
             "sys.exit(done.returncode)\n")
    env = dict(os.environ, RVUTOOL_HOME=str(home))
    done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "rvutool", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)
    stderr, _, peak = done.stderr.rpartition("\nPEAK ")
    return done.returncode, done.stdout, stderr + ("\n" if stderr and not stderr.endswith("\n") else ""), \
        int(peak) / 1024


def one_line(status: int, stderr: str, *words: str) -> None:
    assert status == 1, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("Error: "), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    for word in words:
        assert word in stderr, stderr


# ---------------------------------------------------------------- a zip written by hand
def _stored(data: bytes) -> tuple[bytes, int, int, int]:
    return data, zlib.crc32(data), len(data), 0


def _deflated(prefix: bytes, repeat: bytes, times: int, suffix: bytes) -> tuple[bytes, int, int, int]:
    """prefix + repeat x times + suffix, deflated without making the whole: each repeat is the same block
    after a full flush. (bytes, crc, size, method)."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = squeeze.compress(prefix) + squeeze.flush(zlib.Z_FULL_FLUSH)
    block = squeeze.compress(repeat) + squeeze.flush(zlib.Z_FULL_FLUSH)
    tail = squeeze.compress(suffix) + squeeze.flush()
    crc = zlib.crc32(prefix)
    for _ in range(times):
        crc = zlib.crc32(repeat, crc)
    crc = zlib.crc32(suffix, crc)
    return head + block * times + tail, crc, len(prefix) + len(repeat) * times + len(suffix), 8


def raw_zip(path: Path, members: dict[str, tuple[bytes, int, int, int]], *, declared: dict[str, int] | None = None,
            count: int | None = None) -> Path:
    """A zip of (data, crc, size, method) members; `declared` overrides a member's stated size."""
    declared = declared or {}
    local, central = bytearray(), bytearray()
    for name, (data, crc, size, method) in members.items():
        stated = declared.get(name, size)
        encoded = name.encode()
        offset = len(local)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(data), stated, len(encoded), 0)
        local += encoded + data
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc, len(data), stated,
                               len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    total = len(members) if count is None else count
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(total, 0xFFFF), min(total, 0xFFFF), len(central),
                      len(local), 0)
    path.write_bytes(bytes(local + central + end))
    return path


def workbook(path: Path, sheet: bytes | tuple, *, strings: bytes | tuple | None = None,
             workbook_xml: bytes | None = None, declared: dict[str, int] | None = None) -> Path:
    members = {
        "[Content_Types].xml": _stored(b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                       b'package/2006/content-types"/>'),
        "xl/workbook.xml": _stored(workbook_xml or (
            f'<?xml version="1.0"?><workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="Detail" sheetId="1" r:id="rId1"/></sheets></workbook>').encode()),
        "xl/_rels/workbook.xml.rels": _stored(
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats'
            b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet if isinstance(sheet, tuple) else _stored(sheet),
    }
    if strings is not None:
        members["xl/sharedStrings.xml"] = strings if isinstance(strings, tuple) else _stored(strings)
    return raw_zip(path, members, declared=declared)


def sheet_xml(rows: str) -> bytes:
    return f'<?xml version="1.0"?><worksheet {NS}><sheetData>{HEADER_ROW}{rows}</sheetData></worksheet>'.encode()


GIB = 1 << 30
MIB = 1 << 20


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    """Workbooks of about 2 MB that hold 2 GiB: a shared string, a row's cell, a row of cells; and one
    whose sheet holds 2 GiB while declaring 1 KiB."""
    folder = tmp_path_factory.mktemp("bombs")
    a_mib = b"A" * MIB
    start = f'<?xml version="1.0"?><worksheet {NS}><sheetData>{HEADER_ROW}'.encode()
    string = _deflated(f'<?xml version="1.0"?><sst {NS}><si><t>'.encode(), a_mib, 2048, b"</t></si></sst>")
    huge_string = start + b'<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>0</v></c><c r="C2"><v>1</v></c>' \
        b"</row></sheetData></worksheet>"
    return {
        "a 2 GiB shared string": workbook(folder / "string.xlsx", huge_string, strings=string,
                                          declared={"xl/sharedStrings.xml": 100_000}),
        "a 2 GiB shared string, declared": workbook(folder / "string-declared.xlsx", huge_string, strings=string),
        "a 2 GiB cell": workbook(folder / "cell.xlsx", _deflated(
            start + b'<row r="2"><c r="A2" t="inlineStr"><is><t>', a_mib, 2048, b"</t></is></c></row></sheetData>"
            b"</worksheet>"), declared={"xl/worksheets/sheet1.xml": 4096}),
        "a 2 GiB row of cells": workbook(folder / "row.xlsx", _deflated(
            start + b'<row r="2">', b'<c t="inlineStr"><is><t>A</t></is></c>' * 26_000, 2048,
            b"</row></sheetData></worksheet>")),
        "a 2 GiB attribute": workbook(folder / "attribute.xlsx", _deflated(
            start + b'<row r="2"><c r="A2" x="', a_mib, 2048, b'"/></row></sheetData></worksheet>')),
    }


@pytest.mark.parametrize("kind", ["a 2 GiB shared string", "a 2 GiB shared string, declared", "a 2 GiB cell",
                                  "a 2 GiB row of cells", "a 2 GiB attribute"])
def test_a_small_workbook_that_holds_gigabytes(bombs, home, kind):
    path = bombs[kind]
    assert path.stat().st_size < 8 * MIB  # a few MB on disk
    status, _, stderr, peak = measured(home, "reconcile", str(path))
    one_line(status, stderr, str(path))
    assert peak < MAX_RSS_MB, (kind, peak)
    assert not home.exists()  # reconcile writes nothing, not even a log


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10)) + "]>")


@pytest.mark.parametrize("part", ["sheet", "strings", "workbook"])
@pytest.mark.parametrize("entity", ["billion laughs", "external"])
def test_entities_are_refused_in_one_line(tmp_path, home, part, entity):
    doctype = LAUGHS if entity == "billion laughs" else \
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    use = "&lol9;" if entity == "billion laughs" else "&secret;"
    sheet = sheet_xml(SERVICE_ROW.format(wrvu="1.30"))
    strings = None
    workbook_xml = None
    if part == "sheet":
        sheet = (doctype + sheet.decode().split("?>", 1)[1].replace("<sheetData>", f"<sheetData><!-- {use} -->")
                 .replace("<v>46300</v>", f"<v>46300{use}</v>")).encode()
    elif part == "strings":
        strings = f'{doctype}<sst {NS}><si><t>{use}</t></si></sst>'.encode()
        sheet = sheet.replace(b'<c r="B2" t="inlineStr"><is><t>99213</t></is></c>', b'<c r="B2" t="s"><v>0</v></c>')
    else:
        workbook_xml = (doctype + f'<workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                        f'relationships"><sheets><sheet name="{use}" sheetId="1" r:id="rId1"/></sheets>'
                        "</workbook>").encode()
    path = workbook(tmp_path / "entity.xlsx", sheet, strings=strings, workbook_xml=workbook_xml)
    status, _, stderr, peak = measured(home, "reconcile", str(path))
    one_line(status, stderr, "DOCTYPE")
    assert "root:" not in stderr and peak < MAX_RSS_MB


def test_too_many_parts(tmp_path, home):
    members = {f"xl/media/{i}.bin": _stored(b"") for i in range(10_001)}
    path = raw_zip(tmp_path / "parts.xlsx", members)
    status, _, stderr, peak = measured(home, "reconcile", str(path))
    one_line(status, stderr, "10,001 parts")
    assert peak < MAX_RSS_MB


@pytest.mark.parametrize(("cell", "words"), [
    ("1e30", ["wRVU", "more wRVU than one line can hold"]),
    ("-1e30", ["more wRVU than one line can hold"]),
    ("NaN", ["is not a number"]),
    ("Infinity", ["is not a number"]),
    ("1e999999", ["more wRVU than one line can hold"]),
    ("1e9999999999", ["more wRVU than one line can hold"]),
])
def test_insane_wrvu_in_a_workbook(tmp_path, home, cell, words):
    sheet = sheet_xml(SERVICE_ROW.format(wrvu=cell))
    status, _, stderr, _ = measured(home, "reconcile", str(workbook(tmp_path / "w.xlsx", sheet)))
    one_line(status, stderr, "row 2", *words)


@pytest.mark.parametrize(("column", "cell", "words"), [
    ("wRVU", "1e30", ["more wRVU than one line can hold"]),
    ("wRVU", "1e300", ["more wRVU than one line can hold"]),
    ("wRVU", "nan", ["is not a number"]),
    ("wRVU", "inf", ["is not a number"]),
    ("wRVU", "1e9999999999", ["more wRVU than one line can hold"]),
    ("Units", "1e9999999999", ["a whole number from 1 to 999"]),
    ("Units", "0", ["a whole number from 1 to 999"]),
    ("Units", "-1", ["a whole number from 1 to 999"]),
    ("Units", "1e300", ["a whole number from 1 to 999"]),
    ("Units", "1000", ["a whole number from 1 to 999"]),
    ("Units", "1.5", ["a whole number from 1 to 999"]),
])
def test_insane_numbers_in_a_csv(rvutool, tmp_path, column, cell, words):
    row = {"Date": "2026-10-05", "CPT": "99213", "Units": "1", "wRVU": "1.30"} | {column: cell}
    path = tmp_path / "r.csv"
    path.write_text("Date,CPT,Units,wRVU,Patient Name\n" + ",".join(row.values()) + ",TEST PATIENT A\n")
    out = rvutool("reconcile", str(path))
    one_line(out.exit_code, out.stderr, "line 2", f"the {column} cell", *words)
    assert "TEST PATIENT" not in out.stderr


def test_only_regular_files_are_read(home, tmp_path):
    fifo = tmp_path / "report.csv"
    os.mkfifo(fifo)
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    for path, word in ((fifo, "FIFO"), (Path("/dev/zero"), "device"), (link, "device"), (tmp_path, "directory"),
                       (tmp_path / "absent.csv", "no such file")):
        status, _, stderr, peak = measured(home, "reconcile", str(path), timeout=60)  # a FIFO must not hang
        one_line(status, stderr, word)
        assert peak < MAX_RSS_MB


@pytest.mark.parametrize(("name", "payload", "words"), [
    ("zeros.csv", b"\0" * (4 * MIB), ["NUL bytes"]),
    ("one-line.csv", b"Date,CPT,wRVU\n" + b"9" * (4 * MIB), ["longer than 1,048,576 characters"]),
    ("commas.csv", b"Date,CPT,wRVU\n" + b"," * (4 * MIB), ["longer than 1,048,576 characters"]),
    ("quote.csv", b'Date,CPT,wRVU\n"' + b"x" * (4 * MIB), ["longer than"]),
    ("binary.csv", bytes(range(256)) * 16_384, ["NUL byte", "no header row"]),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000, ["save it as .xlsx or .csv"]),
    ("sheet.ods", b"PK\x03\x04" + b"\0" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
     ["save it as .xlsx or .csv"]),
    ("truncated.xlsx", b"PK\x03\x04" + b"\0" * 100, ["not a readable .xlsx workbook"]),
])
def test_damaged_and_foreign_files(tmp_path, home, name, payload, words):
    path = tmp_path / name
    path.write_bytes(payload)
    status, _, stderr, peak = measured(home, "reconcile", str(path))
    assert status == 1 and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert any(word in stderr for word in words), stderr
    assert peak < MAX_RSS_MB


def test_a_formula_without_its_result_is_refused_not_read_as_zero(tmp_path, home):
    sheet = sheet_xml('<row r="2"><c r="A2"><v>46300</v></c><c r="B2" t="inlineStr"><is><t>99213</t></is></c>'
                      '<c r="C2"><f>SUM(D2:D9)</f><v></v></c></row>')
    status, _, stderr, _ = measured(home, "reconcile", str(workbook(tmp_path / "f.xlsx", sheet)))
    one_line(status, stderr, "row 2", "the wRVU cell is a formula whose result was never saved")
    cached = sheet_xml('<row r="2"><c r="A2"><v>46300</v></c><c r="B2" t="inlineStr"><is><t>99213</t></is></c>'
                       '<c r="C2"><f>SUM(D2:D9)</f><v>1.3</v></c></row>')
    status, stdout, stderr, _ = measured(home, "reconcile", str(workbook(tmp_path / "g.xlsx", cached)), "--json")
    assert status == 0, stderr
    assert '"report_total_wrvu": 1.3' in stdout  # 46300 is 2026-10-05; the saved result 1.3 is read


def test_a_spreadsheet_error_in_a_used_cell(tmp_path, home):
    sheet = sheet_xml('<row r="2"><c r="A2"><v>46300</v></c><c r="B2" t="inlineStr"><is><t>99213</t></is></c>'
                      '<c r="C2" t="e"><v>#DIV/0!</v></c></row>')
    status, _, stderr, _ = measured(home, "reconcile", str(workbook(tmp_path / "e.xlsx", sheet)))
    one_line(status, stderr, "row 2", "spreadsheet error '#DIV/0!'")
