"""Benchmark cases for NCCI imports and `rvutool check` (issue 21; imported by bench.py's extra_cases).

    python bench/bench.py --only ncci check     # through bench.py, with the other cases' table
    python bench/bench_ncci.py                  # also: one encounter checked in a warm process, in ms

The PTP file is synthetic but of real shape and full size: the real header of ccipra-v322r0-f1.txt
(../shared/data/cms/ncci/), then 2.5 million tab-separated CRLF rows sorted by column 1 and column 2, codes of
the bundled release, effective dates, deletion dates or *, modifier indicators 0/1/9 and CMS's rationale
texts in about the real proportions. It is made once and kept in bench/out/ (gitignored). Goals: the import
within 90 s and 300 MB peak memory; one encounter checked within 10 ms once the process has started.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import Case, rvutool_cmd

REPO = Path(__file__).resolve().parents[1]
NCCI = REPO.parent / "shared" / "data" / "cms" / "ncci"
ROWS = 2_500_000
PER_CODE = 250  # column 2 codes per column 1 code: 10,000 column 1 codes
RATIONALES = ("Misuse of Column Two code with Column One code", "CPT Manual or CMS manual coding instruction",
              "Standards of medical / surgical practice", "Mutually exclusive procedures",
              "CPT separate procedure definition", "More extensive procedure")


def synthetic_ptp(rows: int = ROWS) -> Path:
    """The synthetic PTP file (made once, in bench/out/)."""
    target = REPO / "bench" / "out" / f"ptp-{rows}" / "ccipra-v322r0-f1.txt"
    if target.exists():
        return target
    sys.path.insert(0, str(REPO / "src"))
    from rvutool import paths
    from rvutool.catalog.datafile import DataFile

    codes = sorted(DataFile(paths.bundled_dataset()).codes())
    rng = random.Random(21)
    header = b"".join(line + b"\n" for line in (NCCI / "ccipra-v322r0-f1-excerpt.txt").read_bytes().split(b"\n")[:6])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    written = 0
    with open(partial, "wb") as out:
        out.write(header)
        firsts = sorted(set(rng.sample(codes, rows // PER_CODE)) | {"29881"})
        for col1 in firsts:
            seconds = sorted(set(rng.sample(codes, PER_CODE)) - {col1} | ({"29877"} if col1 == "29881" else set()))
            lines = []
            for col2 in seconds:
                deleted = rng.random() < 0.3
                effective = rng.choice(("19960101", "20020101", "20100101", "20180101", "20220101", "20250101"))
                deletion = rng.choice(("20041231", "20181231", "20231231")) if deleted else "*"
                modifier = "1" if col2 == "29877" else rng.choices("019", (10, 85, 5))[0]
                lines.append(f"{col1}\t{col2}\t{'*' if effective == '19960101' else ''}\t{effective}\t{deletion}\t"
                             f"{modifier}\t{rng.choice(RATIONALES)}\r\n")
                written += 1
                if written >= rows:
                    break
            out.write("".join(lines).encode("latin-1"))
            if written >= rows:
                break
    os.replace(partial, target)
    return target


def _fresh_home(env: dict[str, str]) -> dict[str, str]:
    home = Path(env["RVUTOOL_HOME"]) / "ncci-import-home"
    shutil.rmtree(home, ignore_errors=True)
    return dict(env, RVUTOOL_HOME=str(home), FILE=str(synthetic_ptp()))


def _imported(env: dict[str, str]) -> None:
    """The bench's home with the synthetic PTP file and the real MUE table imported."""
    for path in (synthetic_ptp(), NCCI / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"):
        subprocess.run(rvutool_cmd() + ["data", "import", str(path)], env=env, check=True, stdout=subprocess.DEVNULL)


CASES: list[Case] = [
    Case("data import: NCCI PTP, 2.5M rows", ["data", "import", "{FILE}"], [], 0, None,
         limit_s=90, limit_mb=300, before_each=_fresh_home, runs=1),
    # `check` of one encounter against 2.5M PTP edits and the MUE table: start-up and all
    Case("check 29881 29877 (NCCI imported)", ["check", "29881", "29877"], ["lookup", "99213"], 1.25, _imported),
]


def encounter_ms(home: str, runs: int = 200) -> float:
    """Milliseconds to check one encounter once the process has started (catalog and database open)."""
    os.environ["RVUTOOL_HOME"] = home
    sys.path.insert(0, str(REPO / "src"))
    from datetime import date

    from rvutool.catalog.codes import Catalog
    from rvutool.catalog.ncci import Ncci
    from rvutool.pricing import checks
    from rvutool.pricing.items import parse_item

    catalog, ncci = Catalog(), Ncci()
    items = [parse_item(t) for t in ("29881", "29877", "99213-25", "20610", "G2211")]
    checks.findings_for_items(items, date(2026, 11, 20), catalog=catalog, ncci=ncci)  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        found = checks.findings_for_items(items, date(2026, 11, 20), catalog=catalog, ncci=ncci)
        times.append(time.perf_counter() - start)
    assert any(f.kind == "ptp-modifier-needed" for f in found.findings)
    times.sort()
    return times[len(times) // 2] * 1000


def main() -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, RVUTOOL_HOME=home)
        start = time.perf_counter()
        _imported(env)
        print(f"setup (synthetic file and both imports): {time.perf_counter() - start:.1f}s")
        ms = encounter_ms(home)
        print(f"{'check one encounter, warm process':<38} {ms:>7.2f}ms  goal <= 10 ms {'ok' if ms <= 10 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    raise SystemExit(main())
