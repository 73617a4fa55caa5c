"""The README's Contracts and Benchmarks walkthroughs are real: each command run from the repository's examples,
on the README's day (Monday 2026-11-23) at 80 columns, prints exactly what the README shows."""

from __future__ import annotations

import pytest
from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
EXAMPLES = REPO / "examples"


@pytest.fixture
def walkthrough(rvutool, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = rvutool("import", str(EXAMPLES / "work-2026.csv"))
    assert out.exit_code == 0, out.stderr
    for name in ("mercy-2026.toml", "offer-2027.toml"):
        assert rvutool("contract", "add", str(EXAMPLES / name)).exit_code == 0
    return rvutool


def shown(stdout: str, start: str) -> str:
    """The output from the line that starts with `start`, as the README quotes it."""
    return stdout[stdout.index(start):].rstrip("\n")


def test_the_example_files_are_the_readmes():
    for name in ("mercy-2026.toml", "smile-dental.toml"):
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        assert f"# examples/{name}\n{text}" in README, name


def test_summary_compare_and_plan_print_what_the_readme_shows(walkthrough):
    summary = walkthrough("summary", "--contract", "mercy-2026")
    assert shown(summary.stdout, "Credited under mercy-2026") in README
    compare = walkthrough("contract", "compare", "mercy-2026", "offer-2027", "2026")
    assert compare.stdout.rstrip("\n") in README
    plan = walkthrough("plan", "--contract", "mercy-2026", "--income", "450000")
    assert plan.stdout.rstrip("\n") in README


def test_the_benchmark_walkthrough_prints_what_the_readme_shows(walkthrough):
    out = walkthrough("benchmark", "import", str(EXAMPLES / "benchmark-invented.csv"), "--source",
                      "invented figures (rvutool examples)")
    assert out.stdout.rstrip("\n") in README
    summary = walkthrough("summary", "--contract", "mercy-2026", "--benchmark", "Orthopaedic Surgery")
    assert shown(summary.stdout, "Benchmark:") in README


def test_the_production_walkthrough_prints_what_the_readme_shows(rvutool, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert rvutool("contract", "add", str(EXAMPLES / "smile-dental.toml")).exit_code == 0
    assert rvutool("config", "set", "contract", "smile-dental").exit_code == 0
    assert rvutool("log", "D2740", "D1110x2", "--date", "2026-11-02").exit_code == 0
    assert rvutool("log", "D1110", "D0120", "--date", "2026-11-03").exit_code == 0
    out = rvutool("summary")
    assert shown(out.stdout, "Pay under smile-dental") in README
