"""Encounters stay whole: every change re-prices each encounter it touches and says what moved.

Real RVU26C work RVUs (CY2026): 47562 10.21, 49505 7.76, 29881 6.85, 29877 8.09, 20610 0.77,
29880 7.21. The second and later procedures of an encounter are credited 50% (multiple
procedure indicator 2), ranked by the facility total RVU.
"""

from __future__ import annotations

import pytest

# the same tests on a practice's shared log (PostgreSQL), as a clinician: tests/conftest.py
pytestmark = pytest.mark.both_stores


def entries(rvutool, *args):
    return rvutool("list", "--all", "--json", *args).json()["entries"]


def test_moving_one_line_moves_the_whole_encounter_and_keeps_its_credit(rvutool):
    rvutool("log", "47562", "49505", "--date", "2026-11-01")  # 10.21 + 7.76 x 50% = 14.09
    out = rvutool("edit", "2", "--date", "2026-11-02")
    assert out.exit_code == 0, out.stderr
    moved = entries(rvutool)
    assert [(e["date"], e["credited_wrvu"]) for e in moved] == [("2026-11-02", 10.21), ("2026-11-02", 3.88)]
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 14.09
    assert rvutool("calc", "47562", "49505", "--date", "2026-11-02", "--json").json()["total_wrvu"] == 14.09
    # the same edit on the other line, as the review did it, changes nothing more
    assert rvutool("edit", "1", "--date", "2026-11-02").exit_code == 1
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 14.09


def test_split_moves_one_line_to_an_encounter_of_its_own(rvutool):
    rvutool("log", "47562", "49505", "--date", "2026-11-01")
    out = rvutool("edit", "2", "--date", "2026-11-02", "--split")
    assert out.exit_code == 0, out.stderr
    # alone on its day, 49505 is the only procedure: 7.76; 47562 stays 10.21. Net +3.88.
    assert "Net change: +3.88 wRVU" in out.stdout
    split = entries(rvutool)
    assert [(e["date"], e["credited_wrvu"]) for e in split] == [("2026-11-01", 10.21), ("2026-11-02", 7.76)]
    assert split[0]["encounter"] != split[1]["encounter"]


def test_editing_a_whole_encounter_by_its_number(rvutool):
    number = rvutool("log", "47562", "49505", "--date", "2026-11-01", "--json").json()["encounter"]
    out = rvutool("edit", "--encounter", str(number), "--date", "2026-10-30", "--case", "case 3")
    assert out.exit_code == 0, out.stderr
    assert {(e["date"], e["case"]) for e in entries(rvutool)} == {("2026-10-30", "case 3")}
    assert rvutool("edit", "--encounter", str(number), "--units", "2").exit_code == 2


def test_removing_a_line_reports_the_other_lines_it_repriced_and_the_real_change(rvutool):
    # Saved credits: 29877 8.09 in full; 29881 1.79 (arthroscopy family with 29877: the amount above
    # the family's base); 20610 0.77 x 50% = 0.385 -> 0.39 (rounded half up). Total 10.27.
    log = rvutool("log", "29881", "29877", "20610", "--date", "2026-11-01", "--json").json()
    assert [ln["credited_wrvu"] for ln in log["lines"]] == [1.79, 8.09, 0.39]  # total 10.27
    out = rvutool("remove", "2")
    assert out.exit_code == 0, out.stderr
    # without 29877 the arthroscopy 29881 is credited in full: 6.85; net = -8.09 + (6.85 - 1.79) = -3.03
    assert "also re-priced #1 29881 on 2026-11-01: 1.79 -> 6.85 wRVU" in out.stdout
    assert "Net change: -3.03 wRVU" in out.stdout
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 7.24  # 6.85 + 0.39
    undone = rvutool("undo")
    assert "Net change: +3.03 wRVU" in undone.stdout and "6.85 -> 1.79" in undone.stdout


def test_edit_code_replaces_the_code_and_reprices_the_encounter(rvutool):
    rvutool("log", "29881", "29877", "--date", "2026-11-01")
    out = rvutool("edit", "2", "--code", "29880")
    assert out.exit_code == 0, out.stderr
    assert [e["code"] for e in entries(rvutool)] == ["29881", "29880"]
    assert rvutool("edit", "2", "--code", "2988").exit_code == 2  # not a code
    assert rvutool("edit", "2", "--code", "99999").exit_code == 1  # unknown code: nothing changed
    assert [e["code"] for e in entries(rvutool)] == ["29881", "29880"]


def test_encounter_numbers_are_shown_usable_and_never_reused(rvutool):
    first = rvutool("log", "99213", "--date", "2026-11-01", "--json").json()["encounter"]
    second = rvutool("log", "99214", "--date", "2026-11-01", "--json").json()["encounter"]
    rvutool("undo")
    third = rvutool("log", "99215", "--date", "2026-11-01", "--json").json()["encounter"]
    assert first < second < third  # the undone encounter's number stays used
    assert [e["code"] for e in entries(rvutool, "--encounter", str(third))] == ["99215"]
    out = rvutool("remove", "--encounter", str(first))
    assert out.exit_code == 0 and "Removed #1 99213" in out.stdout
    assert rvutool("remove", "--encounter", "999").exit_code == 1


def test_logging_a_code_again_on_the_same_day_warns(rvutool):
    rvutool("log", "99213", "--date", "2026-11-01")
    again = rvutool("log", "99213", "--date", "2026-11-01")
    assert again.exit_code == 0  # without a terminal it warns and saves
    assert "99213 already logged on 2026-11-01 (#1)" in again.stderr
    other_case = rvutool("log", "99213", "--date", "2026-11-01", "--case", "case 2")
    assert "already logged" not in other_case.stderr
    assert len(entries(rvutool)) == 3
