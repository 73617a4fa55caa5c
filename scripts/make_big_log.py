"""Make a large procedure log for benchmarks: N realistic entries spread over 2026.

    python scripts/make_big_log.py N PATH [--seed S]

Each entry is one of a few dozen common codes, priced once through rvutool.pricing.rules
against the bundled CMS data (so every wRVU is the real one), with a date of
service on a weekday of 2026. Rows go in through rvutool's log store in one transaction.
PATH must not exist (the script never overwrites a log). PATH may instead be the postgresql:// URL of a
practice's shared log: the entries are added there as the URL's user (bench/bench_pg.py).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

# A practice mix: code or CODE-MOD[xN], and a relative frequency. D codes have no CMS work RVU.
MIX: list[tuple[str, int]] = [
    ("99213", 30), ("99214", 25), ("99215", 6), ("99203", 6), ("99204", 6), ("99232", 14),
    ("99233", 6), ("99223", 4), ("99238", 3), ("99285", 3), ("99284", 4), ("99291", 2),
    ("20610", 5), ("20611", 2), ("64483", 2), ("27447", 1), ("27130", 1), ("29881", 2),
    ("47562", 2), ("49505", 1), ("43239", 3), ("45378", 3), ("45385", 1), ("19301", 1),
    ("38525-51", 1), ("71046-26", 6), ("93010", 6), ("74177-26", 2), ("70450-26", 3),
    ("97110x4", 3), ("11721", 2), ("17000", 2), ("G2211", 8), ("D1553", 1), ("D6092", 1),
    ("D0150", 1),
]

def cents(value) -> int:
    return int(value * 100)


def templates() -> list[tuple[tuple, int]]:
    """(row values that do not depend on the date, weight) for each code of the mix."""
    from rvutool.catalog.codes import Catalog
    from rvutool.pricing import items, rules

    catalog = Catalog()
    policy = rules.Policy()
    policy_json = json.dumps(policy.to_dict(), sort_keys=True)
    out = []
    for token, weight in MIX:
        item = items.parse_item(token)
        line = rules.price_encounter([item], date(2026, 7, 1), catalog=catalog, policy=policy).lines[0]
        out.append(((item.code, "-".join(item.modifiers), item.units, line.row.release.id,
                     line.row.category, cents(line.row.work_rvu), cents(line.base_wrvu),
                     cents(line.credited_wrvu), line.no_work_reason, json.dumps(line.flags),
                     json.dumps([a.to_dict() for a in line.adjustments]), policy_json), weight))
    return out


def make_shared(n: int, url: str, seed: int = 2026) -> float:
    """Write N entries into a practice's shared log (PostgreSQL) through rvutool's store, as the URL's user."""
    from rvutool.log import location

    start = time.perf_counter()
    with _environment("RVUTOOL_LOG_URL", url), location.open_for_writing() as store, store.transaction() as tx:
        # in batches: the generator takes encounter numbers from the same connection, which cannot
        # serve a query while it is streaming an insert
        rows = _rows(tx, n, seed)
        while batch := list(itertools.islice(rows, 20_000)):
            tx.insert_many(batch)
    return time.perf_counter() - start


@contextlib.contextmanager
def _environment(name: str, value: str):
    """The environment variable `name` set to `value` for the block, as it was afterwards."""
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def _rows(tx, n: int, seed: int):
    """N entries in encounters of 1 to 3 lines on weekdays of 2026 (about 1% of them removed)."""
    from rvutool.log.entries import service_keys

    rng = random.Random(seed)
    pool = templates()
    rows_by_weight = [row for row, _ in pool]
    weights = [w for _, w in pool]
    days = [date(2026, 1, 1) + timedelta(days=k) for k in range(365)]
    weekdays = [d.isoformat() for d in days if d.weekday() < 5]
    stamp = "2026-12-31T23:59:59+00:00"
    names = ("code", "modifiers", "units", "release", "category", "work_rvu_c", "base_wrvu_c", "credited_wrvu_c",
             "no_wrvu_reason", "flags", "adjustments", "policy")
    made = 0
    while made < n:
        number = tx.new_encounter()
        day = rng.choice(weekdays)
        group = []
        for template in rng.choices(rows_by_weight, weights, k=min(rng.choice((1, 1, 1, 2, 3)), n - made)):
            made += 1
            values = dict(zip(names, template, strict=True))
            values.update(encounter_id=number, service_date=day, setting="facility", options="{}", note=None,
                          case_label=None, voided=1 if rng.random() < 0.01 else 0, source="cli",
                          created_at=stamp, updated_at=stamp)
            group.append(values)
        for values, key in zip(group, service_keys(group), strict=True):
            values["service_key"] = key
        yield from group


def make(n: int, path: Path, seed: int = 2026) -> float:
    """Write the log through rvutool's own store (in a scratch RVUTOOL_HOME beside PATH), then move it."""
    import tempfile

    from rvutool.log import location

    if path.exists():
        raise SystemExit(f"{path} exists; this script never overwrites a log")
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch, _environment("RVUTOOL_HOME", scratch):
        with location.open_for_writing() as store:
            with store.transaction() as tx:
                tx.insert_many(_rows(tx, n, seed))
            store.checkpoint()
        os.replace(Path(scratch) / "log.sqlite3", path)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("path", help="a new log file, or a postgresql:// URL of a shared log (as its clinician)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.path.startswith("postgresql://"):
        elapsed = make_shared(args.n, args.path, args.seed)
        where = "the shared log"
    else:
        elapsed = make(args.n, Path(args.path), args.seed)
        where = args.path
    print(f"wrote {args.n:,} entries to {where} in {elapsed:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
