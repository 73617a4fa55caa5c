"""The floor of a write benchmark (bench_log.py): one set-based statement, or a COPY.

    python bench/write_floor.py update LOG FROM TO        rewrite the live entries of those dates (SQLite)
    python bench/write_floor.py insert LOG N              insert N entries (copies of the first N) (SQLite)
    python bench/write_floor.py pg-update URL FROM TO     the same UPDATE on a practice's shared log (PostgreSQL)
    python bench/write_floor.py pg-copy URL FILE          COPY the rows of FILE (COPY text) into its entries

SQLite: it writes as rvutool does (WAL, synchronous=FULL, one transaction), with the log's indexes but with its
day-totals triggers dropped inside the transaction: what SQLite itself needs to write those rows, as the sqlite3
CLI would. PostgreSQL: as the log's owner (URL), in one transaction, with the entries' triggers disabled inside
it, its indexes and CHECK constraints in place. An update rewrites the columns a policy change re-prices (policy,
credit, adjustments, updated_at).
"""

import sqlite3
import sys

_UPDATE = ("UPDATE {entries} SET policy = policy || ' ', credited_wrvu_c = credited_wrvu_c + 1, "
           "adjustments = adjustments || '', updated_at = '2026-12-31T00:00:00+00:00' "
           "WHERE voided = 0 AND service_date BETWEEN {p} AND {p}")


def sqlite(what: str, path: str, rest: list[str]) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("BEGIN IMMEDIATE")
    triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entries'").fetchall()
    for (name,) in triggers:
        db.execute(f'DROP TRIGGER "{name}"')
    if what == "update":
        db.execute(_UPDATE.format(entries="entries", p="?"), rest)
    else:
        columns = ", ".join(r[1] for r in db.execute("PRAGMA table_info(entries)") if r[1] != "id")
        db.execute(f"INSERT INTO entries ({columns}) SELECT {columns} FROM entries WHERE id <= ?", (int(rest[0]),))
    db.execute("COMMIT")
    db.close()


def postgres(what: str, url: str, rest: list[str]) -> None:
    import psycopg

    from rvutool.log.entries import MUTABLE

    with psycopg.connect(url) as conn:  # one transaction, committed at the end of the block
        conn.execute("ALTER TABLE rvutool.entries DISABLE TRIGGER USER")
        if what == "pg-update":
            conn.execute(_UPDATE.format(entries="rvutool.entries", p="%s"), rest)
        else:
            with open(rest[0], "rb") as rows, conn.cursor() as cur:
                with cur.copy(f"COPY rvutool.entries ({', '.join(MUTABLE)}) FROM STDIN") as copy:
                    while chunk := rows.read(1 << 20):
                        copy.write(chunk)
        conn.execute("ALTER TABLE rvutool.entries ENABLE TRIGGER USER")


def main(argv: list[str]) -> None:
    what, target, *rest = argv
    (postgres if what.startswith("pg-") else sqlite)(what, target, rest)


if __name__ == "__main__":
    main(sys.argv[1:])
