"""The store interface itself (log/store.py), run on both stores: the SQLite log and a practice's shared
PostgreSQL log, each opened through the log's front door (location.open_for_writing) as a clinician would.

What a store promises, whichever it is: entries read back as they were written, inclusive periods, every
entry of a long period page by page, the same error for an entry that is not there, recent codes newest
first, a transaction that fails writes nothing, undo puts back exactly the last change, the totals
follow the entries, favourites and contracts round-trip, and values outside the log's domains are
refused by the store's own constraints."""

from __future__ import annotations

import json
from datetime import date

import pytest

from rvutool.errors import NeedsSharedLogError, NoSuchEntryError, RvuError
from rvutool.log import changes, location
from rvutool.log.entries import MUTABLE, now_utc, service_keys
from rvutool.log.store import PAGE, id_ranges
from rvutool.pricing import items, rules

MARCH_2 = date(2026, 3, 2)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, monkeypatch):
    if request.param == "postgres":
        practice = request.getfixturevalue("shared_log")
        monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url("alice"))
    else:
        monkeypatch.delenv("RVUTOOL_LOG_URL", raising=False)
    opened = location.open_for_writing()
    try:
        yield opened
    finally:
        opened.close()


def encounter(*typed: str, on: date = MARCH_2):
    return rules.price_encounter([items.parse_item(t) for t in typed], on)


def log(store, *typed: str, on: date = MARCH_2):
    return changes.add_encounter(store, encounter(*typed, on=on))


def credited(store, start: date, end: date) -> int:
    return sum(e.credited_wrvu_c for e in store.entries(start, end))


def test_an_encounter_reads_back_as_it_was_priced(store):
    priced = encounter("27447-RT", "99213-57")
    change = changes.add_encounter(store, priced)
    stored = [store.get(e.id) for e in change.entries]
    assert [(e.code, e.modifiers, e.units) for e in stored] == [("27447", "RT", 1), ("99213", "57", 1)]
    assert len({e.encounter_id for e in stored}) == 1
    # each line's credit is the priced line's, in hundredths: credited wRVU x 100
    assert [e.credited_wrvu_c for e in stored] == [int(line.credited_wrvu * 100) for line in priced.lines]
    assert [e.work_rvu_c for e in stored] == [int(line.row.work_rvu * 100) for line in priced.lines]
    assert all(e.release == priced.release.id and e.service_date == "2026-03-02" for e in stored)
    assert list(store.entries(MARCH_2, MARCH_2, code="99213")) == [stored[1]]


def test_an_entry_that_is_not_there_is_the_same_error_on_both_stores(store):
    with pytest.raises(NoSuchEntryError) as missing:
        store.get(424242)
    assert missing.value.message == "no entry #424242 in the log (see `rvutool list --all`)"
    with store.transaction() as tx, pytest.raises(NoSuchEntryError):
        tx.entry(424242)


def test_a_period_takes_its_first_and_last_day_and_nothing_beyond(store):
    for day in (date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1)):
        log(store, "99213", on=day)
    march = [e.service_date for e in store.entries(date(2026, 3, 1), date(2026, 3, 31))]
    assert march == ["2026-03-01", "2026-03-31"]
    assert len(list(store.entries())) == 4  # no bounds: everything
    assert list(store.entries(date(2026, 5, 1), date(2026, 5, 31))) == []


def test_a_long_period_is_read_whole_in_date_encounter_and_id_order(store):
    """More entries than one page holds (store.PAGE), logged out of date order."""
    count = PAGE + 7
    stamp = now_utc()
    template = changes_rows("99213")
    with store.transaction() as tx:
        numbers = tx.new_encounters(count)
        rows = []
        for i, number in enumerate(numbers):
            day = date(2026, 3, 28 - i % 27)
            row = dict(template, service_date=day.isoformat(), encounter_id=number, created_at=stamp,
                       updated_at=stamp)
            row["service_key"] = service_keys([row])[0]
            rows.append(row)
        ids = tx.insert_many(rows)
        tx.journal_inserted(tx.journal("import", f"{count} entries", ()), id_ranges(ids))
    read = list(store.entries(date(2026, 3, 1), date(2026, 3, 31)))
    assert len(read) == count and len({e.id for e in read}) == count
    keys = [(e.service_date, e.encounter_id, e.id) for e in read]
    assert keys == sorted(keys)


def changes_rows(*typed: str) -> dict:
    from rvutool.log.entries import snapshot

    return snapshot(encounter(*typed))[0]


def test_recent_codes_are_the_newest_distinct_ones_and_at_most_the_limit(store):
    for typed in ("99213", "27447-RT", "99213", "20610", "99214"):
        log(store, typed)
    assert store.recent_codes(3) == [("99214", ""), ("20610", ""), ("99213", "")]
    assert store.recent_codes(10) == [("99214", ""), ("20610", ""), ("99213", ""), ("27447", "RT")]


def test_a_transaction_that_fails_writes_nothing(store):
    log(store, "99213")
    before = list(store.entries())
    with pytest.raises(ZeroDivisionError), store.transaction() as tx:
        tx.insert_many([dict(changes_rows("99214"), encounter_id=tx.new_encounter(), service_key="k",
                             created_at=now_utc(), updated_at=now_utc())])
        1 / 0  # noqa: B018 - the failure mid-change
    assert list(store.entries()) == before


def test_undo_puts_back_exactly_the_last_change(store):
    first = log(store, "99213")
    second = log(store, "27447")
    changes.remove(store, [first.entries[0].id])
    assert [e.code for e in store.entries()] == ["27447"]
    changes.undo(store)  # the removal
    assert [e.code for e in store.entries()] == ["99213", "27447"]
    assert store.get(first.entries[0].id) == first.entries[0]
    changes.undo(store)  # the second log
    assert [e.code for e in store.entries()] == ["99213"]
    with pytest.raises(NoSuchEntryError):  # an undone log leaves no entry behind
        store.get(second.entries[0].id)
    changes.undo(store)
    assert list(store.entries()) == []
    with pytest.raises(RvuError):
        changes.undo(store)  # nothing left to undo: an error, not a silent nothing


def test_the_day_totals_follow_the_entries_through_every_change(store):
    one = log(store, "99213")
    log(store, "27447-RT", "20610")
    changes.edit(store, one.entries[0].id, changes.EditRequest(code=items.parse_item("99214")))
    changes.undo(store)
    changes.remove(store, [one.entries[0].id])
    by_day = sum(t.credited_c for t in store.day_code_totals(MARCH_2, MARCH_2))
    assert by_day == credited(store, MARCH_2, MARCH_2)
    groups = store.payment_groups(MARCH_2, MARCH_2, (date(2026, 1, 1),))
    assert sum(g.credited_c for g in groups) == credited(store, MARCH_2, MARCH_2)
    releases = store.release_counts(MARCH_2, MARCH_2)
    assert sum(r.entries for r in releases) == 2


def test_cases_count_encounters_holding_a_code_however_many_lines(store):
    log(store, "11102", "11103", "11103")  # one biopsy visit: 11103 twice, one case
    log(store, "11103", "11102")  # another case of each
    removed = log(store, "11102")
    changes.remove(store, [removed.entries[0].id])  # removed: neither an entry nor a case
    log(store, "11102", on=date(2026, 3, 3))  # outside the day asked for
    found = {code: (n, cases) for code, n, cases, _ in store.code_cases(MARCH_2, MARCH_2)}
    assert found == {"11102": (2, 2), "11103": (3, 2)}
    by_code = {code: credited_c for code, _, _, credited_c in store.code_cases(MARCH_2, MARCH_2)}
    assert sum(by_code.values()) == credited(store, MARCH_2, MARCH_2)


def test_held_counts_live_services_and_removed_ones_on_request(store):
    change = log(store, "99213")
    key = change.entries[0].service_key
    assert store.held([key], include_voided=False) == {key: 1}
    changes.remove(store, [change.entries[0].id])
    assert store.held([key], include_voided=False).get(key, 0) == 0
    assert store.held([key], include_voided=True) == {key: 1}


def test_favourites_are_put_replaced_and_removed(store):
    with store.transaction() as tx:
        tx.put_favourite("knee", "27447-RT 20610")
        tx.put_favourite("knee", "27447-LT")  # the same name replaces
    assert [(f.name, f.items) for f in store.favourites()] == [("knee", "27447-LT")]
    with store.transaction() as tx:
        assert tx.favourite("knee").items == "27447-LT" and tx.favourite("hip") is None
        assert tx.remove_favourite("knee") is True and tx.remove_favourite("knee") is False
    assert store.favourites() == []


def test_payment_groups_split_at_each_price_change_and_not_without_one(store):
    log(store, "99213", on=date(2026, 3, 2))
    log(store, "99213", on=date(2026, 9, 2))
    whole_year = (date(2026, 1, 1), date(2026, 12, 31))
    assert [g.entries for g in store.payment_groups(*whole_year)] == [2]
    split = store.payment_groups(*whole_year, (date(2026, 6, 30),))
    assert sorted((g.first_date, g.entries) for g in split) == [("2026-03-02", 1), ("2026-09-02", 1)]


def test_contracts_fees_and_collections_round_trip(store):
    with store.transaction() as tx:
        tx.put_contract("clinic", "2026-01-01", "rate = 50\n")
        tx.put_contract("clinic", "2026-07-01", "rate = 55\n")
        tx.replace_contract_fees("clinic", [("D1110", 9500, None), ("D2392", 18000, 4000)])
        tx.put_collection("2026-03", 1234500)
    assert [(c.effective, c.source) for c in store.contract_rows("clinic")] == [
        ("2026-01-01", "rate = 50\n"), ("2026-07-01", "rate = 55\n")]
    assert sorted(store.contract_fees("clinic")) == [("D1110", 9500, None), ("D2392", 18000, 4000)]
    assert store.collections() == [("2026-03", 1234500)]
    with store.transaction() as tx:
        assert tx.remove_contract("clinic", "2026-07-01") == 1
    assert [c.effective for c in store.contract_rows()] == ["2026-01-01"]


@pytest.mark.parametrize("bad", [{"units": 0}, {"units": 1000}, {"service_date": "2026-02-30"},
                                 {"release": "nonsense"}, {"credited_wrvu_c": -1}, {"voided": 2},
                                 {"setting": "garage"}])
def test_values_outside_the_logs_domains_are_refused_by_the_store(store, bad):
    log(store, "99213")
    before = list(store.entries())
    row = dict(changes_rows("99213"), encounter_id=1, service_key="k", created_at=now_utc(),
               updated_at=now_utc(), **bad)
    with pytest.raises(RvuError), store.transaction() as tx:
        tx.insert_many([row])
    assert list(store.entries()) == before
    assert store.problems() == []


def test_a_fresh_and_a_used_log_have_no_problems(store):
    assert store.problems() == []
    log(store, "99213", "27447")
    changes.undo(store)
    assert store.problems() == []
    assert store.log_id() == store.log_id()


def test_totals_by_provider_are_a_shared_logs_alone(store, request):
    log(store, "99213")
    if "sqlite" in request.node.callspec.id:
        with pytest.raises(NeedsSharedLogError):
            store.provider_totals(MARCH_2, MARCH_2)
        return
    (provider, entries, units, _base, credited_c), = store.provider_totals(MARCH_2, MARCH_2)
    assert provider == store.user() and (entries, units) == (1, 1)
    assert credited_c == credited(store, MARCH_2, MARCH_2)


def test_every_stored_field_survives_a_write_and_a_read(store):
    """Nothing is lost or reshaped between the entry model and either store's columns."""
    change = changes.add_encounter(store, encounter("27447-RT"), note="left knee done first",
                                   case_label="OR 3")
    back = store.get(change.entries[0].id)
    assert (back.note, back.case_label) == ("left knee done first", "OR 3")
    assert json.loads(back.policy) and json.loads(back.options) is not None
    assert set(MUTABLE) <= set(type(back).__dataclass_fields__)
