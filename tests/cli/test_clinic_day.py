"""A clinic day: the same codes again and again are normal and never warned; the same items saved again within
a few minutes (the entries' created_at against dates.now(), which RVUTOOL_TODAY fixes here) are a likely double
entry, warned; confirmations and pick lists fit the terminal, and show short names (CMS's long Level II text
only in lookup)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from rvutool.log import double_entry

# A realistic day: visits, repeat levels, the complexity add-on, injections, a few procedures.
VISITS = ([["99213"], ["99214", "G2211"], ["99213", "G2211"], ["99214"], ["99213", "96372", "J3301"],
           ["99214", "G2211"], ["99212"], ["99213", "G2211"], ["99215", "G2211"], ["99214", "20610"]] * 5
          + [["99204"], ["99203"], ["11102"], ["17110"], ["99213-25", "11102"], ["99214-25", "20610-RT"],
             ["G0439"], ["99397", "99213-25"], ["69210"], ["99213", "90471", "90686"]])


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def test_a_60_visit_clinic_day_logs_with_no_duplicate_warning(rvutool, monkeypatch):
    assert len(VISITS) == 60
    start = datetime(2026, 11, 23, 8, 0)
    for n, items in enumerate(VISITS):  # one visit every 8 minutes, 8:00 to 15:52
        monkeypatch.setenv("RVUTOOL_TODAY", at(start + timedelta(minutes=8 * n)))
        result = rvutool("log", *items)
        assert result.exit_code == 0, result.stderr
        assert "already logged" not in result.stderr, (items, result.stderr)
    assert len(rvutool("list", "--all", "--json").json()["entries"]) == sum(len(items) for items in VISITS)


def test_the_same_items_again_within_minutes_is_warned_later_it_is_not(rvutool, monkeypatch):
    start = datetime(2026, 11, 23, 9, 0)
    monkeypatch.setenv("RVUTOOL_TODAY", at(start))
    rvutool("log", "99214", "G2211")
    monkeypatch.setenv("RVUTOOL_TODAY", at(start + timedelta(minutes=double_entry.DOUBLE_ENTRY_MINUTES - 1)))
    again = rvutool("log", "G2211", "99214")  # the same items, in another order
    assert again.exit_code == 0  # without a terminal: warned, and saved
    assert "Warning: 99214, G2211 already logged on 2026-11-23 (#1, #2) a few minutes ago" in again.stderr
    assert "already logged" not in rvutool("log", "99214").stderr  # not the same items
    assert "already logged" not in rvutool("log", "99214", "G2211", "--note", "room 4").stderr  # another note
    monkeypatch.setenv("RVUTOOL_TODAY", at(start + timedelta(minutes=30)))
    assert "already logged" not in rvutool("log", "99214", "G2211").stderr  # the next patient, later on
    assert len(rvutool("list", "--all", "--json").json()["entries"]) == 9


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_confirmations_fit_the_terminal_and_show_short_names(rvutool, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    result = rvutool("log", "27447-RT", "G2211", "99214-25", "29881-LT", "29877-59-LT", "97110x3", "G0438")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns, [line for line in lines if len(line) > columns]
    for item in ("27447-RT", "G2211", "99214-25", "29881-LT", "29877-59-LT", "97110", "G0438"):
        assert item in result.stdout  # never cut
    words = " ".join(result.stdout.split())
    # names wrap, never cut: each one's last words are there (a flag may sit between its lines)
    for ending in ("longitudinal care", "medial or lateral", "debridement/shaving)", "first one"):
        assert ending in words
    assert "…" not in words
    calc = rvutool("calc", "G2211", "99214")
    shown = " ".join(calc.stdout.split())  # a table cell may wrap between other columns
    assert "complexity" in shown and "longitudinal" in shown and "…" not in shown


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_pick_lists_and_the_encounter_so_far_fit_the_terminal(monkeypatch, capsys, columns):
    from rvutool.cli import prompt
    from rvutool.pricing.policy import Policy
    from rvutool.pricing.rules import Options

    monkeypatch.setenv("COLUMNS", str(columns))
    answers = ["2026-11-20", "", "total knee", "1-RT", "G2211 99214-25 29881-LT 29877-59-LT", "annual wellness",
               "1", "recent", "", "", "", "", "n"]

    def ask(prompt):
        if not answers:
            raise EOFError
        return answers.pop(0)

    prompt.run(date_text=None, note=None, case=None, options=Options(), allow_identifiers=False,
                    policy=Policy(), ask=ask)
    out = capsys.readouterr().out
    assert "27447" in out and "G0438" in out and "Total" in out
    assert max(len(line) for line in out.splitlines()) <= columns
