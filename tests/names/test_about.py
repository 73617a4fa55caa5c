"""`rvutool lookup CODE --about`: the "about this code" content, and a line pointing to it under every lookup
that has one. The content is the names data's (table.about, written by the data side of issue 20); these
tests read a small fixture of the same shape instead: {family, what, context, documentation, denials, faq}."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from rvutool.names import table

FIXTURE = json.loads((REPO / "tests" / "data" / "about_fixture.json").read_text(encoding="utf-8"))


@pytest.fixture
def about(monkeypatch):
    monkeypatch.setattr(table, "about", lambda code: FIXTURE.get(code.upper()), raising=False)
    return FIXTURE["27447"]


def test_a_lookup_points_to_about_when_there_is_one(rvutool, about):
    out = rvutool("lookup", "27447", "99213").stdout
    assert out.count("--about") == 1 and "rvutool lookup 27447 --about" in out  # 99213 has none in the fixture
    assert about["what"][:20] not in out  # only the pointer, not the content


def test_about_shows_every_part(rvutool, about, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # each part on one line
    result = rvutool("lookup", "27447", "--about")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "About 27447" in out and "19.11" in out  # the lookup itself comes first
    for text in (about["what"], about["context"], *about["documentation"], *about["denials"], *about["faq"][0]):
        assert text in out, text
    assert out.index("What is done") < out.index("Documentation") < out.index("Denied when") < out.index("Q ")


def test_about_in_json(rvutool, about):
    [found] = rvutool("lookup", "27447", "--about", "--json").json()
    assert found["has_about"] is True and found["about"] == about
    [plain] = rvutool("lookup", "99213", "--json").json()
    assert plain["has_about"] is False and "about" not in plain


def test_about_for_a_code_without_one_says_so(rvutool, about):
    result = rvutool("lookup", "99213", "--about")
    assert result.exit_code == 0 and 'No "about this code" for 99213 yet.' in result.stdout
    [found] = rvutool("lookup", "99213", "--about", "--json").json()
    assert found["about"] is None


def test_without_the_data_there_is_no_pointer(rvutool, monkeypatch):
    monkeypatch.delattr(table, "about", raising=False)
    assert "--about" not in rvutool("lookup", "27447").stdout
