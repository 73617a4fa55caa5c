"""Words wherever a code goes: `log`, `calc` and `lookup` take an alias or a phrase (resolver.py), name the
code they took on stderr, and never take a guess: several candidates or none are one line, and nothing is
logged."""

from __future__ import annotations

import pytest

from rvutool.names import resolver
from rvutool.pricing import items
from rvutool.pricing.items import parse_typed


@pytest.mark.parametrize(("typed", "text", "mods", "units", "is_code"), [
    ("27447-RT", "27447", ("RT",), 1, True),
    ("97110x4", "97110", (), 4, True),
    ("tka-RT", "tka", ("RT",), 1, False),
    ("total knee-LT", "total knee", ("LT",), 1, False),
    ("knee scope-50-RT", "knee scope", ("50", "RT"), 1, False),
    ("therapeutic exercise x4", "therapeutic exercise", (), 4, False),
    ("c-section", "c-section", (), 1, False),   # a phrase keeps its own hyphens
    ("chest x-ray", "chest x-ray", (), 1, False),
    ("b12 shot", "b12 shot", (), 1, False),
])
def test_one_parser_reads_a_code_or_words_with_modifiers_and_units(typed, text, mods, units, is_code):
    found = parse_typed(typed)
    assert (found.text, found.modifiers, found.units, found.is_code) == (text, mods, units, is_code)


@pytest.mark.parametrize("typed", ["99", "9921$", "99213-ZZ", "99213x0"])
def test_a_code_typed_wrong_is_still_a_usage_error(typed):
    with pytest.raises(items.UsageError):
        parse_typed(typed)


def test_the_resolver_is_sure_of_one_code_or_lists_the_candidates():
    found, named = resolver.resolve_items(["total", "knee-RT", "99213"])  # the shell split "total knee"
    assert [str(item) for item in found] == ["27447-RT", "99213"]
    assert [str(n) for n in named] == ["'total knee' \u2192 27447 total knee replacement"]
    with pytest.raises(resolver.NotOneCode, match=r"'knee scope' could be: 29877 .*29881 .*give the code"):
        resolver.resolve_items(["knee scope"])
    with pytest.raises(resolver.NoCode, match="no procedure matches 'purple monkey'") as none:
        resolver.resolve_items(["purple monkey"])
    assert none.value.exit_code == 2


def test_in_a_terminal_a_phrase_that_is_not_one_code_is_a_numbered_choice():
    offered = []

    def choose(phrase, hits):
        offered.append((phrase, [hit.code for hit in hits]))
        return "29881"

    found, named = resolver.resolve_items(["knee scope-RT"], choose=choose)
    assert [str(item) for item in found] == ["29881-RT"] and named[0].chosen
    assert offered[0][0] == "knee scope" and "29881" in offered[0][1]
    with pytest.raises(resolver.NotOneCode, match="nothing chosen"):
        resolver.resolve_items(["knee scope"], choose=lambda phrase, hits: None)


def test_log_total_knee_rt_logs_27447_rt_and_says_so(rvutool):
    result = rvutool("log", "total knee-RT", "--date", "2026-11-20")
    assert result.exit_code == 0, result.stderr
    assert "Note: 'total knee' \u2192 27447 total knee replacement" in result.stderr
    entries = rvutool("list", "--all", "--json").json()["entries"]
    # 27447 in CY2026: 19.60 x 0.975 (efficiency adjustment) = 19.11
    assert [(e["code"], e["modifiers"], e["credited_wrvu"]) for e in entries] == [("27447", ["RT"], 19.11)]


def test_words_split_by_the_shell_are_one_phrase(rvutool):
    result = rvutool("log", "total", "knee-LT", "99213-57", "--date", "2026-11-20", "--json")
    assert result.exit_code == 0, result.stderr
    assert [(line["code"], line["modifiers"]) for line in result.json()["lines"]] == [
        ("27447", ["LT"]), ("99213", ["57"])]


@pytest.mark.parametrize("args", [("knee", "scope"), ("purple", "monkey"), ("lunch",)])
def test_several_or_no_candidates_log_nothing(rvutool, home, args):
    result = rvutool("log", *args, "--date", "2026-11-20")
    assert result.exit_code in (1, 2) and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")
    assert not (home / "log.sqlite3").exists()


def test_lookup_an_alias(rvutool):
    result = rvutool("lookup", "tka", "--json")
    assert result.exit_code == 0, result.stderr
    [found] = result.json()
    assert (found["code"], found["work_rvu"]) == ("27447", 19.11)
    assert "'tka' \u2192 27447" in result.stderr


def test_lookup_of_words_that_are_no_code_hints_at_search(rvutool):
    result = rvutool("lookup", "purple", "monkey")
    assert result.exit_code == 2
    assert "rvutool search purple monkey" in result.stderr and len(result.stderr.splitlines()) == 1


def test_calc_takes_words_and_prices_them_as_codes(rvutool):
    result = rvutool("calc", "tka", "99213-57", "--date", "2026-11-20", "--json")
    assert result.exit_code == 0, result.stderr
    lines = result.json()["lines"]
    assert [line["code"] for line in lines] == ["27447", "99213"]
    assert "'tka' \u2192 27447" in result.stderr
