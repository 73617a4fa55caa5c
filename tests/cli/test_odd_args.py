"""Odd arguments that once reached "internal error" or were taken as numbers (issue 8, item 3):
digits other than 0-9, bytes that are not UTF-8, file names longer than the system allows.
Each gives one line on stderr and the exit status of its kind; nothing is written."""

from __future__ import annotations

import pytest

from rvutool import paths

LONG_NAME = "x" * 300 + ".csv"

# (arguments, exit status)
CASES: list[tuple[list[str], int]] = [
    # digits that are not 0-9 (superscripts, Arabic-Indic): int() and Decimal() read them as numbers
    (["log", "99213", "--postop-days", "٣"], 2),
    (["edit", "²", "--units", "2"], 2),
    (["edit", "1", "--units", "²"], 2),
    (["edit", "--encounter", "٢", "--date", "2026-01-05"], 2),
    (["remove", "²"], 2),
    (["log", "47562-52", "--fraction", "٠.5"], 2),
    (["calc", "47562-52", "--fraction", "0.٥"], 2),
    (["search", "knee", "--limit", "²"], 2),
    (["summary", "--target", "٦٠٠"], 2),
    (["summary", "--rate", "٣"], 2),
    (["summary", "--year", "٢٠٢٥"], 2),
    (["summary", "--month", "٢٠٢٥-٠١"], 2),
    (["list", "--month", "nov-٢٠٢٥"], 2),
    (["list", "--year", "²⁰²⁶"], 2),
    (["lookup", "99213", "--year", "٢٠٢٥"], 2),
    (["search", "knee", "--year", "٢٠٢٥"], 2),
    (["calc", "99213", "--date", "٢٠٢٦-٠١-٠٥"], 2),
    (["calc", "99213x²"], 2),
    (["log", "99213x٣"], 2),
    (["config", "set", "rate", "٥٥"], 2),
    (["config", "set", "target.month", "٦٠٠"], 2),
    (["config", "set", "target.year", "7²00"], 2),
    (["config", "set", "fiscal_year_start", "٣"], 2),
    (["config", "set", "locality", "٠١١٨٢-١٨"], 2),
    (["config", "set", "locality", "٠١١٨٢"], 2),
    # bytes that are not UTF-8 arrive as lone surrogates; no file or database can store them
    (["log", "99213", "--note", "caf\udce9"], 2),
    (["log", "99213", "--case", "\udcff"], 2),
    (["edit", "1", "--note", "\udcff"], 2),
    (["edit", "1", "--case", "a\udc80b"], 2),
    # a newline in an argument echoed back by an error must not split its line
    (["list", "--code", "a\nb"], 2),
    (["edit", "1", "--modifiers", "2\n6"], 2),
    (["log", "99213", "--bogus\nx"], 2),
    (["export", "-o", "a\nb/out.csv"], 1),
    # a name longer than the system allows
    (["import", LONG_NAME], 1),
    (["import", LONG_NAME, "--dry-run"], 1),
    (["data", "import", LONG_NAME], 1),
    (["export", "-o", LONG_NAME], 1),
]


@pytest.fixture
def logged(rvutool, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert rvutool("log", "99213", "71046-26", "--date", "2026-01-05").exit_code == 0
    return paths.log_file()


@pytest.mark.parametrize(("args", "status"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_odd_argument_is_one_line_and_changes_nothing(rvutool, logged, tmp_path, args, status):
    before = logged.read_bytes()
    out = rvutool(*args)
    assert out.exit_code == status, (out.stdout, out.stderr)
    assert out.stderr.startswith("Error: ") and out.stderr.count("\n") == 1, out.stderr
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr
    assert logged.read_bytes() == before
    assert not paths.config_file().exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == []  # no export, no temporary file


def test_a_stored_setting_in_other_digits_is_named(rvutool, home):
    home.mkdir()
    paths.config_file().write_text('fiscal_year_start = "٣"\n')
    out = rvutool("summary")
    assert out.exit_code == 1 and "fiscal_year_start" in out.stderr and out.stderr.count("\n") == 1


def test_a_surrogate_echoed_in_a_usage_error_is_escaped(rvutool):
    out = rvutool("list", "\udc80")
    assert out.exit_code == 2 and out.stderr.count("\n") == 1 and "\\udc80" in out.stderr
