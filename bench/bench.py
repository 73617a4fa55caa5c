"""Start-up benchmark: rvutool commands against the smallest typer + rich CLI.

    python bench/bench.py [--runs N] [--only NAME ...]

Runs each case's rvutool command and the stack floor (../shared/bench/stack_floor.py)
alternately, with the same interpreter and environment, and prints median wall
times and their ratio against the goal. A benchmark, not a test: it never fails a build
unless --check is given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLOOR = REPO.parent / "shared" / "bench" / "stack_floor.py"


@dataclass
class Case:
    name: str
    argv: list[str]
    floor_argv: list[str]
    goal: float
    setup: Callable[[dict[str, str]], None] | None = None
    # A figure case (big files): seconds and peak RSS against absolute limits, not a floor ratio.
    limit_s: float | None = None
    limit_mb: float | None = None
    before_each: Callable[[dict[str, str]], dict[str, str]] | None = None  # the env of one run
    runs: int | None = None  # at most this many runs (a big import takes a while)
    env: dict[str, str] | None = None  # more environment for this case (a shell's completion request)
    # A floor of the case's own (argv, formatted with the run's environment) instead of the stack floor: a
    # set-based SQL statement doing the same write, say. With before_each, each run of either starts afresh.
    floor: list[str] | None = None


def rvutool_cmd() -> list[str]:
    script = Path(sys.executable).with_name("rvutool")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rvutool"]


# Fifty real codes of every kind a clinician looks up at once: E/M visits, surgery,
# imaging professional components, HCPCS G-codes and dental D-codes.
FIFTY_CODES = (
    "99202 99203 99204 99205 99211 99212 99213 99214 99215 99221 99222 99223 99231 99232 99233 "
    "99283 99284 99285 99291 "
    "27447 27130 29881 47562 49505 66984 43239 45378 45385 20610 11042 17000 36415 64483 "
    "71046-26 70450-26 72148-26 74177-26 77067-26 93306-26 76700-26 "
    "G0121 G0438 G0439 G2211 G0283 "
    "D0120 D1110 D2740 D7140 D4341"
).split()

CASES: list[Case] = [
    Case("lookup 99213", ["lookup", "99213"], ["lookup", "99213"], 1.0),
    Case("lookup 99213 --json", ["lookup", "99213", "--json"], ["lookup", "99213"], 0.25),
    Case("lookup 50 codes", ["lookup", *FIFTY_CODES], ["lookup", "99213"], 1.0),
    # search scans the whole dataset; no goal was set, so hold it to the floor.
    Case("search knee", ["search", "knee"], ["lookup", "knee"], 1.0),
    Case("calc 27447-RT 20610-59", ["calc", "27447-RT", "20610-59"], ["lookup", "99213"], 1.0),
    Case("summary --month (empty log)", ["summary", "--month"], ["summary"], 1.0),
    Case("--help", ["--help"], ["--help"], 1.0),
    Case("log --help", ["log", "--help"], ["lookup", "--help"], 1.0),
    # A Tab in bash: `rvutool lookup 2744<TAB>`, as typer's bash script asks it (issue 10: at most 0.5x).
    Case("completion: lookup 2744 (bash)", [], ["lookup", "99213"], 0.5,
         env={"_RVUTOOL_COMPLETE": "complete_bash", "COMP_WORDS": "rvutool\nlookup\n2744", "COMP_CWORD": "2"}),
    Case("completion: lookup 2744 (zsh, named)", [], ["lookup", "99213"], 0.5,
         env={"_RVUTOOL_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "rvutool lookup 2744"}),
    Case("completion: log @ (zsh, favourites)", [], ["lookup", "99213"], 0.5,
         setup=lambda env: subprocess.run(rvutool_cmd() + ["fav", "add", "tka", "27447"], env=env, check=True,
                                          stdout=subprocess.DEVNULL),
         env={"_RVUTOOL_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "rvutool log @"}),
]


def extra_cases() -> list[Case]:
    """Cases other modules register (the log and summary benchmarks live beside them)."""
    found: list[Case] = []
    try:
        from bench_log import CASES as LOG_CASES  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        found += LOG_CASES
    for module in ("bench_ncci", "bench_contracts", "bench_reconcile"):
        try:
            found += __import__(module).CASES
        except ImportError:
            pass
    return found


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[:300]}")
    return elapsed


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of cmd, from its own rusage (os.wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {stderr.decode()[:300]}")
    return elapsed, usage.ru_maxrss / 1024


def figure(case: Case, env: dict[str, str], runs: int) -> bool:
    seconds, peak = [], 0.0
    for _ in range(min(runs, case.runs or runs)):
        run_env = case.before_each(env) if case.before_each else env
        wall, rss = measured(rvutool_cmd() + [a.format(**run_env) for a in case.argv], run_env)
        seconds.append(wall)
        peak = max(peak, rss)
    mine = statistics.median(seconds)
    ok = (case.limit_s is None or mine <= case.limit_s) and (case.limit_mb is None or peak <= case.limit_mb)
    goal = " ".join(f"<= {v:g} {u}" for v, u in ((case.limit_s, "s"), (case.limit_mb, "MB")) if v is not None)
    print(f"{case.name:<38} {mine:>8.2f}s {peak:>7.0f}MB {'':>6} {goal} {'ok' if ok else 'MISSED'}", flush=True)
    return ok


def ratio_times(case: Case, env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median seconds of the case's command and of its floor, run alternately (after one warm-up each)."""
    ours, floor = [], []
    mine_env = {**env, **(case.env or {})}

    def run(argv: list[str], base: dict[str, str]) -> float:
        run_env = case.before_each(base) if case.before_each else base
        return timed([a.format(**run_env) for a in argv], run_env)

    cmd = rvutool_cmd() + case.argv
    floor_cmd = case.floor or [sys.executable, str(FLOOR), *case.floor_argv]
    if case.before_each is None:  # (a case that copies its log before each run warms the cache doing so)
        run(cmd, mine_env), run(floor_cmd, env)  # warm the page cache
    for _ in range(min(runs, case.runs or runs)):
        ours.append(run(cmd, mine_env))
        floor.append(run(floor_cmd, env))
    return statistics.median(ours), statistics.median(floor)


def compiled() -> None:
    """Bytecode for rvutool, as an install leaves it: with PYTHONDONTWRITEBYTECODE set (or a read-only
    checkout), an editable install would otherwise compile every module on every run while typer and rich,
    installed by pip, start from bytecode, and the ratios would measure the compiler."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("rvutool")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", nargs="*", default=None, help="case names (substring match)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a ratio misses its goal")
    args = parser.parse_args()
    if not FLOOR.exists():
        print(f"stack floor not found at {FLOOR}", file=sys.stderr)
        return 1
    sys.path.insert(0, str(Path(__file__).parent))
    compiled()
    cases = CASES + extra_cases()
    if args.only:
        cases = [c for c in cases if any(o in c.name for o in args.only)]
    missed = 0
    print(f"{'case':<38} {'rvutool':>9} {'floor':>9} {'ratio':>6} {'goal':>5}")
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, RVUTOOL_HOME=home)
        for case in cases:
            if case.setup:
                case.setup(env)
            if case.limit_s is not None or case.limit_mb is not None:
                missed += not figure(case, env, args.runs)
                continue
            mine, base = ratio_times(case, env, args.runs)
            ratio = mine / base
            ok = ratio <= case.goal
            missed += not ok
            print(f"{case.name:<38} {mine * 1000:>7.1f}ms {base * 1000:>7.1f}ms {ratio:>6.2f} "
                  f"{case.goal:>5.2f} {'ok' if ok else 'MISSED'}", flush=True)
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
