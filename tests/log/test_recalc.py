"""recalc in bounded memory: the plan keeps counts, totals and a digest; saving prices again and checks it.

RVU26C: 47562 10.21, 49505 7.76 (2nd procedure at 50% = 3.88 under Medicare's rule; 7.76 with
policy.multiple_procedure = none).
"""

from __future__ import annotations

from datetime import date

import pytest

from rvutool.errors import RvuError
from rvutool.log import changes, location
from rvutool.pricing.policy import Policy

# the same tests on a practice's shared log (PostgreSQL), as a clinician: tests/conftest.py
pytestmark = pytest.mark.both_stores

NONE = Policy(multiple_procedure="none")


def test_a_log_changed_after_the_plan_is_not_saved(rvutool):
    rvutool("log", "47562", "49505", "--date", "2026-11-02")
    with location.open_for_writing() as store:
        plan = changes.plan_recalc(store, date(2026, 11, 1), date(2026, 11, 30), "November 2026", NONE)
    # both lines change (each stores the new policy); 10.21 + 3.88 = 14.09 -> 10.21 + 7.76 = 17.97
    assert (plan.entries, plan.changed, plan.old_total_c, plan.new_total_c) == (2, 2, 1409, 1797)
    rvutool("edit", "2", "--units", "2")  # meanwhile, someone else changes the period
    before = rvutool("list", "--all", "--json").json()
    with location.open_for_writing() as store, pytest.raises(RvuError, match="changed while recalc was waiting"):
        changes.apply_recalc(store, plan)
    assert rvutool("list", "--all", "--json").json() == before


def test_recalc_of_many_encounters_and_its_undo_report_the_net_change(rvutool):
    for day in range(1, 61):
        rvutool("log", "47562", "49505", "--date", f"2026-{9 + (day > 30):02d}-{(day - 1) % 30 + 1:02d}")
    rvutool("config", "set", "policy.multiple_procedure", "none")
    out = rvutool("recalc", "--from", "2026-09-01", "--to", "2026-10-31", "--yes")
    assert out.exit_code == 0, out.stderr
    # 60 encounters x (7.76 - 3.88) = +232.80
    assert "Recalculated 120 entries (+232.80 wRVU)" in out.stdout
    undone = rvutool("undo")
    assert "Net change: -232.80 wRVU" in undone.stdout
    assert "and 10 more re-priced entries" in undone.stdout  # 50 listed, then a count
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 845.40  # 60 x 14.09
