"""Property tests of the ITEM grammar CODE[-MOD...][xN] that `rvutool log` reads."""

from __future__ import annotations

import string

from hypothesis import example, given
from hypothesis import strategies as st

from rvutool.errors import UsageError
from rvutool.pricing import modifiers
from rvutool.pricing.items import MAX_UNITS, Item, parse_item

DIGITS = "0123456789"
KNOWN_MODIFIERS = sorted(modifiers.MODIFIERS)

codes = st.one_of(
    st.text(DIGITS, min_size=5, max_size=5),                                          # 99213
    st.tuples(st.text(DIGITS, min_size=4, max_size=4), st.sampled_from("FTUM")).map("".join),  # 0591T
    st.tuples(st.sampled_from(string.ascii_uppercase), st.text(DIGITS, min_size=4, max_size=4)).map("".join),
)
items = st.builds(
    Item,
    code=codes,
    modifiers=st.lists(st.sampled_from(KNOWN_MODIFIERS), max_size=3, unique=True).map(tuple),
    units=st.integers(1, MAX_UNITS),
)


@given(items)
def test_valid_items_round_trip(item):
    text = str(item)
    assert parse_item(text) == item
    assert str(parse_item(text)) == text


@given(items, st.booleans(), st.text(" \t", max_size=2))
def test_case_and_surrounding_space_do_not_matter(item, lower, pad):
    text = str(item).lower() if lower else str(item)
    assert parse_item(pad + text + pad) == item


@given(st.text(max_size=30))
@example("99213x0")
@example("99213x")
@example("99213-")
@example("-26")
@example("x4")
@example("99213x1x2")
@example("ß9921")
@example("\x00")
def test_any_text_is_an_item_or_a_usage_error(text):
    try:
        item = parse_item(text)
    except UsageError:
        return
    assert parse_item(str(item)) == item


@given(codes, st.integers().filter(lambda n: not 1 <= n <= MAX_UNITS))
def test_units_out_of_range_are_usage_errors(code, units):
    try:
        parse_item(f"{code}x{units}")
    except UsageError:
        return
    raise AssertionError(f"{code}x{units} was accepted")


@given(codes, st.text(string.ascii_uppercase + DIGITS, min_size=1, max_size=4)
       .filter(lambda m: m not in modifiers.MODIFIERS))
def test_unknown_modifiers_are_usage_errors(code, mod):
    try:
        parse_item(f"{code}-{mod}")
    except UsageError:
        return
    raise AssertionError(f"{code}-{mod} was accepted")


@given(st.text(string.ascii_uppercase + DIGITS, min_size=1, max_size=9).filter(lambda c: len(c) != 5))
def test_codes_of_the_wrong_length_are_usage_errors(code):
    try:
        item = parse_item(code)
    except UsageError:
        return
    # A 6+ character token can only parse when its tail is a units suffix such as "x2".
    assert len(item.code) == 5 and code.upper().startswith(item.code)


def test_a_code_that_starts_with_x_is_not_read_as_units():
    # the units suffix comes after the five characters of the code: X0000-22 is code X0000 with -22
    assert parse_item("X0000-22") == Item("X0000", ("22",))
    assert parse_item("X0000x2") == Item("X0000", (), 2)
