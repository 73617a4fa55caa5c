"""Commands driven with generated arguments (issue 8, item 3): whatever is typed, rvutool exits 0, 1 or 2,
an error is one line on stderr, and nothing ever reaches "internal error" or a traceback.

Arguments mix plausible ones (codes, ids, dates, settings) with hostile ones: digits other than 0-9
('²', Arabic-Indic), lone surrogates (the bytes of a non-UTF-8 argument), control characters, very
long strings and option-like strings. Each command runs in-process through the `rvutool` fixture,
so both entry paths (fast path and typer) are covered; a working directory of its own takes any file
an `export -o` writes.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvutool import config

# 75 examples on each entry path (the fixture runs both): 150 per command. RVUTOOL_FUZZ_EXAMPLES=2000 hunts longer.
FUZZ = settings(max_examples=int(os.environ.get("RVUTOOL_FUZZ_EXAMPLES", "75")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_surrogates = st.integers(0xDC80, 0xDCFF).map(chr)
_controls = st.characters(min_codepoint=1, max_codepoint=0x1F).map(str)  # argv can hold anything but NUL
_unicode_digits = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6)
_words = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), max_size=12)


def _mixed(parts: list[str]) -> str:
    return "".join(parts)


HOSTILE = st.one_of(
    _words,
    _unicode_digits,
    st.lists(st.one_of(_words, _surrogates, _controls, _unicode_digits), min_size=1, max_size=4).map(_mixed),
    st.sampled_from(["", " ", "-", "--", "-1", "0", "00", "1e9", "1E+3", "nan", "inf", "-inf", "1_0", "0x10",
                     "²", "٣", "٢٠٢٥", "٢٠٢٥-٠١", "٠١١٨٢-١٨", "99213x²", "99213x٣", "#²", "\udcff", "a\udc80b",
                     "\x1b[31m", "[bold]x[/]", "\r\n", "%s", "{0}", "x" * 300 + ".csv", "9" * 400,
                     "99213-" + "26-" * 200, "today", "yesterday", "2026-02-30", "9999-12-31", "0001-01-01",
                     "a\nb", "99213\n-26", "2\n6", "--x\ny", "x\u2028y", "\x85", "ß", "ǅ", "ﬀ", "Ⅻ", "١e٢"]),
    st.text(st.sampled_from("x9-.#²٣"), min_size=250, max_size=600),
)
CODES = st.sampled_from(["99213", "99214x2", "47562-52", "71046-26", "27447-62-RT", "49505-50", "97110x4",
                         "G0121", "0591T", "D1553", "99999", "99213x0", "99213x100", "99213-26-26"])
IDS = st.sampled_from(["1", "2", "3", "#1", "12", "999999999999", "0", "-1"])
FAVS = st.sampled_from(["@knee-scope", "@knee-scope-RT", "@KNEE-SCOPE-rt-lt", "@knee-scope-RT-RT", "@", "@nope",
                        "@knee-scope-ZZ", "@knee-scopex2", "@@", "@knee-scope-26"])
DATES = st.sampled_from(["2026-01-05", "today", "yesterday", "2025-12-31", "2030-01-01"])
PERIODS = st.sampled_from(["2026-01", "nov", "nov-2025", "2026", "current", "jan 2026"])


def _args(options: list[str], *plausible: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """A command's arguments: its own option names, plausible values, hostile values, any order."""
    token = st.one_of(st.sampled_from(options + ["--json", "--help", "-h", "--bogus", "--"]), *plausible, HOSTILE)
    return st.lists(token, max_size=6)


@pytest.fixture
def fuzz(rvutool, home, tmp_path, monkeypatch):
    """A log with a few encounters to edit and remove; the working directory is a scratch folder."""
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    monkeypatch.chdir(scratch)
    for items in (["99213"], ["47562", "49505"], ["71046-26", "97110x2"]):
        assert rvutool("log", *items, "--date", "2026-01-05").exit_code == 0
    assert rvutool("fav", "add", "knee-scope", "29881", "29877-59").exit_code == 0

    def run(*argv: str) -> None:
        out = rvutool(*argv)
        shown = f"rvutool {argv!r} -> {out.exit_code}\nstderr: {out.stderr!r}"
        assert out.exit_code in {0, 1, 2}, shown
        assert "internal error" not in out.stderr and "Traceback" not in out.stderr, shown
        if out.exit_code != 0:
            lines = out.stderr.splitlines()
            if argv[0] == "lookup":  # lookup reports every code it cannot show, one line each, and shows the rest
                assert out.stderr.endswith("\n") and all(line.startswith("Error: ") for line in lines), shown
                assert len(lines) <= max(1, len(argv) - 1), shown
            else:
                assert out.stderr.count("\n") == 1 and out.stderr.endswith("\n"), shown

    return run


def _safe(args: list[str]) -> list[str]:
    # export -o writes wherever it is told: keep every name inside the scratch folder
    return [a for a in args if not a.startswith(("/", "~")) and ".." not in a]


@FUZZ
@given(_args(["--date", "--year", "--locality", "--zip", "--qp"], CODES, DATES, st.just("01182-18")))
@pytest.mark.clock
def test_lookup(fuzz, args):
    fuzz("lookup", *args)


@FUZZ
@given(_args(["--limit", "--date", "--year"], st.sampled_from(["knee", "2744", "em", "5", "-5", "100"]), DATES))
@pytest.mark.clock
def test_search(fuzz, args):
    fuzz("search", *args)


@FUZZ
@given(_args(["--date", "--setting", "--fraction", "--postop-days", "--policy", "--locality", "--zip", "--qp"],
             CODES, DATES, FAVS, st.sampled_from(["0.5", "1", "nonfacility", "bilateral=none", "10", "90210"])))
def test_calc(fuzz, args):
    fuzz("calc", *args)


@FUZZ
@given(_args(["--date", "--note", "--case", "--setting", "--fraction", "--postop-days", "--allow-identifiers",
              "--yes"], CODES, DATES, FAVS, st.sampled_from(["0.5", "case 3", "ok", "nonfacility", "10"])))
@pytest.mark.clock
def test_log(fuzz, args):
    fuzz("log", *args)


@FUZZ
@given(_args(["--month", "--week", "--year", "--from", "--to", "--all", "--code", "--encounter", "--csv",
              "--explain", "--removed"], PERIODS, DATES, CODES, IDS))
def test_list(fuzz, args):
    fuzz("list", *args)


@FUZZ
@given(IDS, _args(["--encounter", "--date", "--code", "--units", "--modifiers", "--note", "--case", "--split",
                   "--whole", "--allow-identifiers"], IDS, DATES, CODES, st.sampled_from(["2", "26", "50-RT", ""])))
def test_edit(fuzz, first, args):
    fuzz("edit", first, *args)


@FUZZ
@given(_args(["--encounter"], IDS))
def test_remove(fuzz, args):
    fuzz("remove", *args)


@FUZZ
@given(_args(["--month", "--week", "--year", "--from", "--to", "--all", "--by", "--rate", "--target", "--chart",
              "--csv", "--locality", "--zip", "--qp"], PERIODS, DATES,
             st.sampled_from(["55", "52.50", "600", "day", "code", "01182-18", "90210"])))
def test_summary(fuzz, args):
    fuzz("summary", *args)


@FUZZ
@given(_args(["--month", "--week", "--year", "--from", "--to", "--all", "--format", "-o", "--output"],
             PERIODS, DATES, st.sampled_from(["csv", "json", "out.csv", "out.json", "sub/out.csv", ".", ""])))
def test_export(fuzz, args):
    fuzz("export", *_safe(args))


@FUZZ
@given(st.sampled_from(["add", "list", "remove"]),
       _args(["--replace", "--allow-identifiers"], st.sampled_from(["tka", "knee-scope", "TKA", "a" * 33, "1234567"]),
             CODES, FAVS))
def test_fav(fuzz, verb, args):
    fuzz("fav", verb, *args)


KEYS = st.one_of(st.sampled_from(list(config.KEYS)), st.sampled_from(["RATE", " rate ", "target", "policy.x"]),
                 HOSTILE)


@FUZZ
@given(st.sampled_from(["get", "set", "unset"]), KEYS,
       st.lists(st.one_of(st.sampled_from(["55", "600", "jul", "01182-18", "none", "on", "--", "-5"]), HOSTILE),
                max_size=2))
def test_config(fuzz, verb, key, values):
    fuzz("config", verb, key, *values)
