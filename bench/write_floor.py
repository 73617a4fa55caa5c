"""The floor of a write benchmark (bench_log.py): one set-based statement through Python's sqlite3.

    python bench/write_floor.py update LOG FROM TO   rewrite the live entries of those dates
    python bench/write_floor.py insert LOG N         insert N entries (copies of the first N)

It writes as rvutool does (WAL, synchronous=FULL, one transaction), with the log's indexes but with its
day-totals triggers dropped inside the transaction: what SQLite itself needs to write those rows, as the
sqlite3 CLI would. An update rewrites the columns a policy change re-prices (policy, credit, adjustments,
updated_at).
"""

import sqlite3
import sys


def main(argv: list[str]) -> None:
    what, path, *rest = argv
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("BEGIN IMMEDIATE")
    triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entries'").fetchall()
    for (name,) in triggers:
        db.execute(f'DROP TRIGGER "{name}"')
    if what == "update":
        db.execute("UPDATE entries SET policy = policy || ' ', credited_wrvu_c = credited_wrvu_c + 1, "
                   "adjustments = adjustments || '', updated_at = '2026-12-31T00:00:00+00:00' "
                   "WHERE voided = 0 AND service_date BETWEEN ? AND ?", rest)
    else:
        columns = ", ".join(r[1] for r in db.execute("PRAGMA table_info(entries)") if r[1] != "id")
        db.execute(f"INSERT INTO entries ({columns}) SELECT {columns} FROM entries WHERE id <= ?", (int(rest[0]),))
    db.execute("COMMIT")
    db.close()


if __name__ == "__main__":
    main(sys.argv[1:])
