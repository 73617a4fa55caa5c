"""`rvutool search`: code prefixes, names, families, categories and (after an import) descriptor words.

Clinical phrases (aliases, names, slips and plurals) are tested in test_clinical_search.py."""

from __future__ import annotations

import pytest
from cms_fixtures import rvu26d_csv, write

JSON_KEYS = {"code", "name", "name_source", "aliases", "release", "work_rvu", "has_work_rvu",
             "no_work_rvu_reason", "category", "category_label", "description", "match", "topic"}
MATCH_ORDER = ["code", "prefix", "alias", "name", "descriptor", "family", "topic", "partial", "hcpcs", "category"]


def in_rank_order(hits):
    ranks = [MATCH_ORDER.index(h["match"]) for h in hits]
    return ranks == sorted(ranks)


@pytest.fixture
def fixture_import(rvutool, tmp_path):
    """The made-up RVU26D (in force from 2026-10-01) with its made-up descriptors."""
    result = rvutool("data", "import", str(write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv())))
    assert result.exit_code == 0, result.stderr


def test_code_prefix_lists_the_family_in_code_order(rvutool):
    hits = rvutool("search", "2744", "--year", "2026", "--json").json()
    # RVU26C has seven codes starting 2744 (27440-27443, 27446-27448).
    assert [h["code"] for h in hits] == ["27440", "27441", "27442", "27443", "27446", "27447", "27448"]
    assert {h["match"] for h in hits} == {"prefix"}
    knee = next(h for h in hits if h["code"] == "27447")
    # CY2026 applies the -2.5% efficiency adjustment: 19.60 x 0.975 = 19.11
    assert (knee["release"], knee["work_rvu"], knee["has_work_rvu"]) == ("RVU26C", 19.11, True)
    assert knee["category"] == "surgery-musculoskeletal"
    [y2025] = [h for h in rvutool("search", "2744", "--date", "2025-06-01", "--json").json() if h["code"] == "27447"]
    assert (y2025["release"], y2025["work_rvu"]) == ("RVU25D", 19.60)


def test_exact_code_ranks_first(rvutool, fixture_import):
    hits = rvutool("search", "99213", "--date", "2026-10-15", "--json").json()
    # 99213 itself, then 99214 whose (made-up) descriptor mentions 99213
    assert [(h["code"], h["match"]) for h in hits] == [("99213", "code"), ("99214", "descriptor")]
    assert hits[0]["work_rvu"] == 1.31 and hits[0]["release"] == "RVU26D"  # the fixture's value


def test_implant_finds_every_dental_implant_code_and_named_implants_elsewhere(rvutool):
    result = rvutool("search", "implant", "--year", "2026", "--limit", "1000", "--json")
    assert result.exit_code == 0, result.stderr
    hits = result.json()
    assert in_rank_order(hits)
    dental = [h for h in hits if h["code"].startswith(("D60", "D61"))]
    # RVU26C lists 83 codes in D6000-D6199 (CDT implant services): by name, family or category, all found
    assert len(dental) == 83
    assert all(h["has_work_rvu"] is False and h["work_rvu"] == 0 for h in dental)
    assert all("dental" in h["no_work_rvu_reason"] for h in dental)
    # names that hold "implant" outside dentistry come too, each with its work RVU
    elsewhere = {h["code"]: h for h in hits if h["code"][0].isdigit() and h["match"] == "name"}
    assert elsewhere and all("implant" in h["name"].lower() for h in elsewhere.values())
    text = rvutool("search", "implant", "--year", "2026")
    assert "No CMS work RVU" in text.stdout and "implant" in text.stdout


def test_preventive_finds_dental_preventive_codes_and_preventive_visits(rvutool):
    hits = rvutool("search", "preventive", "--year", "2026", "--limit", "1000", "--json").json()
    assert in_rank_order(hits)
    dental = [h for h in hits if h["category"] == "dental-preventive"]
    # RVU26C lists 41 codes in D1000-D1999
    assert len(dental) == 41 and all(h["code"].startswith("D1") for h in dental)
    # preventive visits (99381-99397, G0438-G0439) are found by their names
    visits = {h["code"]: h["match"] for h in hits if h["code"].startswith("993")}
    assert visits.get("99395") == "name"
    assert [h for h in hits if h["match"] == "category"] == [h for h in hits if h["match"] == "category"][:]


@pytest.mark.parametrize(("query", "category"), [
    ("musculoskeletal", "surgery-musculoskeletal"),
    ("radiology", "radiology"),
    ("musculo", "surgery-musculoskeletal"),  # the start of a category word, four letters or more
])
def test_category_words(rvutool, query, category):
    hits = rvutool("search", query, "--year", "2026", "--limit", "1000", "--json").json()
    assert in_rank_order(hits)
    by_category = [h for h in hits if h["match"] == "category"]
    assert category in {h["category"] for h in by_category}
    assert all(query[:6] in h["category_label"].lower() for h in by_category)  # "HCPCS R: diagnostic radiology" too
    assert [h["code"] for h in by_category] == sorted(h["code"] for h in by_category)
    named = [h for h in hits if h["match"] == "name"]  # names that hold the word (or a slip of it) rank first
    assert all(query[:6] in (h["name"] + " " + " ".join(h["aliases"])).lower() for h in named)


def test_limit_and_footer(rvutool):
    total = len(rvutool("search", "implant", "--year", "2026", "--limit", "1000", "--json").json())
    result = rvutool("search", "implant", "--year", "2026", "--limit", "3")
    assert result.exit_code == 0
    assert f"{total} hits for 'implant' in RVU26C (CY2026) · showing 3 of {total}" in result.stdout
    assert "American Medical Association" not in result.stdout  # no descriptors shown
    assert len(rvutool("search", "implant", "--year", "2026", "--limit", "3", "--json").json()) == 3
    assert len(rvutool("search", "implant", "--year", "2026", "--json").json()) == 20  # default limit


def test_json_keys(rvutool):
    [hit] = rvutool("search", "D6010", "--year", "2026", "--json").json()
    assert set(hit) == JSON_KEYS
    assert (hit["code"], hit["match"], hit["description"]) == ("D6010", "code", None)
    assert hit["category_label"] == "Dental (CDT): implant services"
    assert hit["name_source"] == "rvutool" and hit["name"] and isinstance(hit["aliases"], list)


def test_descriptor_words_rank_after_names_and_before_categories(rvutool, fixture_import):
    hits = rvutool("search", "implant", "--date", "2026-10-15", "--json").json()
    assert in_rank_order(hits)
    # D6010 is found by its alias; 27447, whose name says nothing of implants, by its (made-up) descriptor,
    # where "implant" is inside "implantation"
    by_code = {h["code"]: h for h in hits}
    assert by_code["D6010"]["match"] == "alias" and by_code["D6010"]["description"] == "Fixture implant beta"
    assert by_code["27447"]["match"] == "descriptor"
    # Every word must match, in any case.
    visit = rvutool("search", "ALPHA", "Visit", "--date", "2026-10-15", "--json").json()[0]
    assert (visit["code"], visit["match"], visit["description"]) == ("99213", "descriptor", "Fixture visit alpha")
    text = rvutool("search", "fixture", "visit", "--date", "2026-10-15")
    assert "Fixture visit alpha" in text.stdout
    assert "American Medical Association" in text.stdout  # descriptors shown: the notice is too


def test_descriptors_apply_to_the_bundled_release_too(rvutool, fixture_import):
    hits = rvutool("search", "visit", "alpha", "--date", "2026-03-01", "--limit", "1000", "--json").json()
    [hit] = [h for h in hits if h["code"] == "99213"]
    assert (hit["release"], hit["work_rvu"], hit["match"]) == ("RVU26C", 1.30, "descriptor")


def test_no_hits_is_one_line_exit_1(rvutool):
    result = rvutool("search", "zzzz")
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()  # nothing near either: no "did you mean"
    assert line.startswith("Error: no procedure matches 'zzzz' in RVU26C") and "try" in line


@pytest.mark.parametrize("args", [("",), ("   ",), ("x", "--limit", "0"), ("x", "--limit", "1001"),
                                  ("x", "--limit", "many"), ("x", "--date", "2026-13-01"),
                                  ("x", "--date", "2026-01-01", "--year", "2026")])
def test_usage_errors_exit_2(rvutool, args):
    result = rvutool("search", *args)
    assert result.exit_code == 2, result
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr


def test_no_argument_is_a_usage_error(rvutool):
    assert rvutool("search").exit_code == 2


def test_search_creates_nothing(rvutool, home):
    assert rvutool("search", "2744").exit_code == 0
    assert not home.exists()


# ---------------------------------------------------------------- plain-language topics (no import needed)
def test_search_knee_works_without_any_import(rvutool):
    hits = rvutool("search", "knee", "--limit", "1000", "--json").json()
    by_code = {h["code"]: h for h in hits}
    assert by_code["27447"]["match"] == "name" and by_code["29881"]["match"] == "name"
    assert by_code["27447"]["work_rvu"] == 19.11
    assert in_rank_order(hits)
    # the knee's topic (topics.py) still reaches codes whose names do not say "knee"
    assert {h["topic"] for h in hits if h["match"] == "topic"} == {"thigh and knee"}


def test_a_phrase_finds_its_alias_before_wider_matches(rvutool):
    hits = rvutool("search", "knee replacement", "--json").json()
    assert (hits[0]["code"], hits[0]["match"]) == ("27447", "alias")
    chole = rvutool("search", "lap chole", "--json").json()
    assert (chole[0]["code"], chole[0]["match"]) == ("47562", "alias")
    assert {"47563", "47564"} <= {h["code"] for h in chole}


def test_office_visits_show_their_work_rvus(rvutool):
    hits = rvutool("search", "office visit", "--json").json()
    visits = [h for h in hits if h["match"] == "alias"]
    by_code = {h["code"]: h["work_rvu"] for h in visits}
    assert by_code["99213"] == 1.30 and by_code["99214"] == 1.92
    assert set(by_code) <= {f"992{n:02d}" for n in range(2, 16)}
    assert hits[: len(visits)] == visits


def test_topic_ranges_are_well_formed_and_match_real_codes():
    from rvutool.catalog.codes import Catalog
    from rvutool.names import topics

    catalog = Catalog()
    release, _ = catalog.release_for_year(2026)
    codes = [code for code, _ in catalog.index(release)]
    for order, topic in enumerate(topics.TOPICS):
        for lo, hi in topic.ranges:
            assert lo <= hi and len(lo) == len(hi) == 5, topic.label
        assert topics.codes_in(codes, [(order, topic)]), f"{topic.label} matches no code"
    # a Category II code never falls in a numeric range (2101F sorts between 21010 and 21499)
    assert "2101F" not in topics.codes_in(["21010", "2101F", "21499"], [(0, topics.TOPICS[0])])
