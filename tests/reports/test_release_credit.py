"""Crediting logged work on another release's values (reports/release_credit.py): the function a contract's
`credit_release` uses (and `summary --reprice`). The log is never changed.

Real values: RVU26C 47562 10.21, 49505 7.76, 27447 19.11; RVU25D 47562 10.47, 49505 7.96, 27447 19.60;
37254 (new in CY2026, 7.30) is not in RVU25D.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from rvutool.log import location
from rvutool.reports.release_credit import credit_on_release, credit_under_policy

D = Decimal
pytestmark = pytest.mark.both_stores


def entries(rvutool, *encounters: list[str]) -> list:
    for items in encounters:
        out = rvutool("log", *items, "--date", "2026-11-02")
        assert out.exit_code == 0, out.stderr
    with location.reading() as store:
        return list(store.entries())


def test_an_encounter_is_priced_again_as_a_whole_on_the_release(rvutool):
    found = entries(rvutool, ["47562", "49505"], ["27447"])
    credited = credit_on_release(found, "RVU25D")
    by_code = {e.code: credited[e.id] for e in found}
    # the same rules on RVU25D's values: 10.47 + 7.96 x 50% = 10.47 + 3.98; 27447 19.60
    assert by_code == {"47562": D("10.47"), "49505": D("3.98"), "27447": D("19.60")}
    assert credited.kept == set()
    with location.reading() as store:  # the log keeps what was logged (RVU26C: 10.21 + 3.88, 19.11)
        assert [e.credited_wrvu for e in store.entries()] == [D("10.21"), D("3.88"), D("19.11")]


def test_a_code_the_release_lacks_keeps_its_logged_credit(rvutool):
    found = entries(rvutool, ["37254", "99213-25"])
    credited = credit_on_release(found, "RVU25D")
    by_code = {e.code: credited[e.id] for e in found}
    assert by_code == {"37254": D("7.30"), "99213": D("1.30")}
    assert {e.code for e in found if e.id in credited.kept} == {"37254"}


def test_the_employers_policy_keys_override_the_logged_ones(rvutool):
    found = entries(rvutool, ["47562", "49505"])
    full = credit_under_policy(found, {"multiple_procedure": "none"})
    assert sorted(full.values()) == [D("7.76"), D("10.21")]  # both in full on their own release
    frozen = credit_on_release(found, "RVU25D", policy={"multiple_procedure": "none"})
    assert sorted(frozen.values()) == [D("7.96"), D("10.47")]
