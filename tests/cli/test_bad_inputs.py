"""Bad input never changes the log: one `Error:` line, a non-zero exit, no traceback, same bytes.

The log is seeded with a few entries first; each case then snapshots the file and compares.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from rvutool import dates, paths

TOMORROW = (dates.today() + timedelta(days=1)).isoformat()

# (name, arguments) ; "{tmp}" is replaced by the test's folder, "{log}" by the log's path.
CASES: list[tuple[str, list[str]]] = [
    # log: items
    ("unknown code", ["log", "99999"]),
    ("unknown code among good ones", ["log", "99213", "71046-26", "12345"]),
    ("four-character code", ["log", "9921"]),
    ("six-character code", ["log", "992134"]),
    ("empty item", ["log", ""]),
    ("unknown modifier", ["log", "99213-ZZ"]),
    ("one-character modifier", ["log", "99213-2"]),
    ("repeated modifier", ["log", "71046-26-26"]),
    ("zero units", ["log", "97110x0"]),
    ("negative units", ["log", "97110x-2"]),
    ("too many units", ["log", "97110x1000"]),
    ("huge units", ["log", "97110x99999999999999999999999"]),
    ("units that are not a number", ["log", "97110xA"]),
    ("SQL in an item", ["log", "99213'; DROP TABLE entries;--"]),
    ("boolean trick in an item", ["log", "99213 OR 1=1"]),
    ("full-width digits", ["log", "\uff19\uff19\uff12\uff11\uff13"]),
    # log: dates and options
    ("month 13", ["log", "99213", "--date", "2026-13-01"]),
    ("30 February", ["log", "99213", "--date", "2026-02-30"]),
    ("tomorrow", ["log", "99213", "--date", TOMORROW]),
    ("far future", ["log", "99213", "--date", "2999-01-01"]),
    ("a word for a date", ["log", "99213", "--date", "someday"]),
    ("SQL in a date", ["log", "99213", "--date", "'; DELETE FROM entries; --"]),
    ("MRN in a note", ["log", "99213", "--note", "MRN 12345678"]),
    ("SSN in a note", ["log", "99213", "--note", "ssn 123-45-6789"]),
    ("date of birth in a case", ["log", "99213", "--case", "born 03/04/1961"]),
    ("phone number in a case", ["log", "99213", "--case", "call (555) 123-4567"]),
    ("newline in a note", ["log", "99213", "--note", "first\nsecond"]),
    ("terminal escape in a note", ["log", "99213", "--note", "\x1b[2Jgone"]),
    ("very long note", ["log", "99213", "--note", "x" * 600]),
    ("zero fraction", ["log", "27447-52", "--fraction", "0"]),
    ("fraction above 1", ["log", "27447-52", "--fraction", "1.01"]),
    ("fraction not a number", ["log", "27447-52", "--fraction", "half"]),
    ("post-op days 500", ["log", "27447-55", "--postop-days", "500"]),
    ("unknown setting", ["log", "99213", "--setting", "garage"]),
    ("unknown option", ["log", "99213", "--patient", "Smith"]),
    # list
    ("list month 13", ["list", "--month", "2026-13"]),
    ("list month word", ["list", "--month", "soon"]),
    ("list five-digit year", ["list", "--year", "20266"]),
    ("list reversed range", ["list", "--from", "2026-05-01", "--to", "2026-04-01"]),
    ("list two periods", ["list", "--week", "--all"]),
    ("list SQL in --code", ["list", "--code", "99213' OR '1'='1"]),
    ("list json and csv", ["list", "--json", "--csv"]),
    # edit
    ("edit a missing entry", ["edit", "99", "--units", "2"]),
    ("edit a word id", ["edit", "abc", "--units", "2"]),
    ("edit SQL id", ["edit", "1; DROP TABLE entries", "--units", "2"]),
    ("edit zero units", ["edit", "1", "--units", "0"]),
    ("edit huge units", ["edit", "1", "--units", "1000"]),
    ("edit unknown modifier", ["edit", "1", "--modifiers", "ZZ"]),
    ("edit future date", ["edit", "1", "--date", "2999-01-01"]),
    ("edit nothing", ["edit", "1"]),
    ("edit date of birth in a note", ["edit", "1", "--note", "DOB 01/02/1960"]),
    ("edit the same values", ["edit", "1", "--units", "1"]),
    # remove and recalc
    ("remove a missing entry", ["remove", "999"]),
    ("remove zero", ["remove", "0"]),
    ("remove one good and one missing", ["remove", "1", "999"]),
    ("remove twice the same removed entry", ["remove", "4"]),
    ("recalc without a terminal or --yes", ["recalc", "--all"]),
    # export
    ("export unknown format", ["export", "--format", "xml"]),
    ("export onto the log itself", ["export", "-o", "{log}"]),
    ("export into a missing folder", ["export", "-o", "{tmp}/no/such/folder/out.csv"]),
    # import
    ("import a missing file", ["import", "{tmp}/missing.csv"]),
    ("import a folder", ["import", "{tmp}"]),
    ("import an empty file", ["import", "{tmp}/empty.csv"]),
    ("import non-UTF-8 export", ["import", "{tmp}/latin1.csv"]),
    ("import truncated export", ["import", "{tmp}/truncated.csv"]),
    ("import export missing columns", ["import", "{tmp}/missing-columns.csv"]),
    ("import export with zero units", ["import", "{tmp}/zero-units.csv"]),
    ("import export with a future date", ["import", "{tmp}/future.csv"]),
    ("import export with SQL as code", ["import", "{tmp}/sql-code.csv"]),
    ("import JSON of another format", ["import", "{tmp}/other.json"]),
    ("import broken JSON", ["import", "{tmp}/broken.json"]),
    ("import export with an MRN note", ["import", "{tmp}/mrn.csv"]),
]

GENERIC = [
    ("generic CSV without a code column", ["import", "{tmp}/no-code.csv"]),
    ("generic CSV with an unknown code", ["import", "{tmp}/unknown-code.csv"]),
    ("generic CSV with a bad date", ["import", "{tmp}/bad-date.csv"]),
    ("generic CSV not UTF-8", ["import", "{tmp}/generic-latin1.csv"]),
]


def write_files(tmp, export_text: str) -> None:
    import csv
    import io

    lines = export_text.splitlines()
    header, row = lines[0], lines[1]
    record = next(csv.DictReader(io.StringIO(export_text)))

    def variant(name: str, **changes: str) -> None:
        with (tmp / name).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(record), lineterminator="\n")
            writer.writeheader()
            writer.writerow(dict(record, **changes))

    (tmp / "empty.csv").write_bytes(b"")
    (tmp / "latin1.csv").write_bytes((header + "\n").encode() + row.replace("99213", "99213").encode()
                                     + b"\n" + row.encode().replace(b",,", b",caf\xe9,", 1) + b"\n")
    (tmp / "truncated.csv").write_text(header + "\n" + row + "\n" + row[: len(row) // 2], encoding="utf-8")
    (tmp / "missing-columns.csv").write_text(",".join(header.split(",")[:6]) + "\n"
                                             + ",".join(row.split(",")[:6]) + "\n", encoding="utf-8")
    variant("zero-units.csv", units="0")
    variant("future.csv", date="2999-01-01")
    variant("sql-code.csv", code="'; DROP TABLE entries; --")
    variant("mrn.csv", note="MRN 12345678")
    (tmp / "other.json").write_text('{"format": "someone-else/2", "entries": []}', encoding="utf-8")
    (tmp / "broken.json").write_text('{"format": "rvutool-log/1", "entries": [', encoding="utf-8")
    (tmp / "no-code.csv").write_text("date,units\n2026-01-05,1\n", encoding="utf-8")
    (tmp / "unknown-code.csv").write_text("date,code\n2026-01-05,99213\n2026-01-06,99999\n", encoding="utf-8")
    (tmp / "bad-date.csv").write_text("date,code\n2026-01-05,99213\n2026-02-31,99213\n", encoding="utf-8")
    (tmp / "generic-latin1.csv").write_bytes(b"date,code,note\n2026-01-05,99213,caf\xe9\n")


@pytest.fixture
def seeded(rvutool, tmp_path):
    rvutool("log", "99213", "71046-26", "--date", "2026-01-05")
    rvutool("log", "97110x2", "--date", "2026-01-06")
    rvutool("log", "27447", "--date", "2025-06-01")
    rvutool("remove", "4")
    write_files(tmp_path, rvutool("export", "--month", "2026-01").stdout)
    return tmp_path


def check(rvutool, seeded, args):
    log = paths.log_file()
    args = [a.replace("{tmp}", str(seeded)).replace("{log}", str(log)) for a in args]
    before = log.read_bytes()
    companions = sorted(p.name for p in log.parent.iterdir())
    out = rvutool(*args)
    assert out.exit_code != 0, out.stdout
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    assert out.stderr.startswith("Error: ") and out.stderr.count("\n") == 1, out.stderr
    assert log.read_bytes() == before
    assert sorted(p.name for p in log.parent.iterdir()) == companions


# The cases whose answer moves with today: CI runs them again at other dates (tests/conftest.py).
CLOCK_CASES = {"tomorrow", "unknown code", "unknown code among good ones"}


@pytest.mark.parametrize(("name", "args"), [
    pytest.param(*case, marks=pytest.mark.clock) if case[0] in CLOCK_CASES else case for case in CASES],
    ids=[c[0] for c in CASES])
def test_bad_input_changes_nothing(rvutool, seeded, name, args):
    check(rvutool, seeded, args)


@pytest.mark.parametrize(("name", "args"), GENERIC, ids=[c[0] for c in GENERIC])
def test_bad_generic_csv_changes_nothing(rvutool, seeded, name, args):
    check(rvutool, seeded, args)


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40
