"""Search by clinical words, with no import: everyday phrases find the code a physician means.

tests/data/clinical_phrases.tsv holds the phrases (ours, across specialties) and the code each one means;
each must be among the first five hits of `rvutool search PHRASE`.
"""

from __future__ import annotations

import pytest
from conftest import REPO

from rvutool.names import naming

ROWS = [line.split("\t") for line in
        (REPO / "tests" / "data" / "clinical_phrases.tsv").read_text(encoding="utf-8").splitlines()[1:]
        if line.strip()]
PHRASES = [(phrase, code, area) for phrase, code, area, *_ in ROWS]
# A phrase the names data cannot serve yet says why in the file's `gap` column: its test is expected to fail
# (strictly: once the data owner fixes the names or aliases it passes, and the gap must be removed).
GAPS = {phrase: gap[0] for phrase, _, _, *gap in ROWS if gap and gap[0]}


def test_the_phrase_list_covers_the_specialties():
    assert len(PHRASES) - len(GAPS) >= 70  # phrases that pass, not counting the known gaps
    areas = {area.split(" (")[0] for _, _, area in PHRASES}
    for area in ("E/M", "orthopaedics", "general surgery", "GI", "cardiology", "imaging", "obstetrics",
                 "gynecology", "urology", "ophthalmology", "ENT", "psychiatry", "physical therapy", "dental"):
        assert area in areas, area
    assert any(code[0].isalpha() and code[0] != "D" for _, code, _ in PHRASES)  # HCPCS Level II


@pytest.mark.parametrize(("phrase", "code"), [
    pytest.param(p, c, id=p, marks=[pytest.mark.xfail(reason=GAPS[p], strict=True)] if p in GAPS else [])
    for p, c, _ in PHRASES])
def test_a_clinical_phrase_finds_its_code_in_the_first_five(rvutool, phrase, code):
    result = rvutool("search", *phrase.split(), "--year", "2026", "--limit", "5", "--json")
    assert result.exit_code == 0, result.stderr
    found = [hit["code"] for hit in result.json()]
    assert code in found, f"{phrase!r}: {code} not in {found}"


@pytest.mark.parametrize(("query", "code"), [
    ("knees replacement total", "27447"),  # word order and a plural
    ("fractures hip", "27236"),
    ("colonscopy", "45378"),  # a letter dropped
    ("arthroscpy knee", "29881"),
    ("cholecystecomy", "47562"),
    ("LAP-CHOLE", "47562"),  # punctuation and case
    ("c section", "59510"),
    ("csection", "59510"),
    ("i and d abscess", "10060"),
])
def test_word_order_plurals_slips_and_punctuation_are_forgiven(rvutool, query, code):
    found = [hit["code"] for hit in rvutool("search", query, "--limit", "5", "--json").json()]
    assert code in found, (query, found)


@pytest.mark.clock
def test_an_alias_ranks_first_and_every_hit_lists_its_name(rvutool):
    hits = rvutool("search", "TKA", "--json").json()
    assert (hits[0]["code"], hits[0]["match"]) == ("27447", "alias")
    assert all(hit["name"] for hit in hits)
    text = rvutool("search", "total", "knee", "replacement", "--limit", "3").stdout
    assert text.splitlines()[0].split() == ["Code", "Work", "RVU", "Name", "Category"]
    assert "27447" in text and naming.name_of("27447").text in text


def test_json_hits_carry_name_and_aliases(rvutool):
    [hit] = rvutool("search", "27447", "--json").json()
    assert (hit["name"], hit["name_source"]) == (naming.name_of("27447").text, "rvutool")
    assert hit["aliases"] == list(naming.aliases_of("27447")) and "TKA" in hit["aliases"]
    [g] = rvutool("search", "G0438", "--json").json()
    # a Level II code clinicians log has a short name of its own (data/names/level2.tsv); CMS's long text stays
    # for lookup
    assert g["name_source"] == "rvutool" and g["aliases"] == list(naming.aliases_of("G0438"))


def test_names_rank_before_families_topics_and_categories(rvutool):
    hits = rvutool("search", "knee", "--limit", "1000", "--json").json()
    order = ["code", "prefix", "alias", "name", "descriptor", "family", "topic", "partial", "hcpcs", "category"]
    ranks = [order.index(hit["match"]) for hit in hits]
    assert ranks == sorted(ranks)
    assert {"name", "family", "topic"} <= {hit["match"] for hit in hits}


def test_an_imported_descriptor_is_searched_and_the_hit_says_so(rvutool, tmp_path, monkeypatch):
    from cms_fixtures import rvu26d_csv, write

    rvutool("data", "import", str(write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv())))
    [hit] = [h for h in rvutool("search", "gamma", "--date", "2026-10-15", "--json").json() if h["code"] == "27447"]
    assert (hit["match"], hit["description"]) == ("descriptor", "Fixture knee implantation gamma")
    monkeypatch.setenv("COLUMNS", "160")  # room for every column on one line
    text = rvutool("search", "gamma", "--date", "2026-10-15").stdout
    assert "found in its CMS descriptor" in text and "Fixture knee implantation gamma" in text
    assert naming.name_of("27447").text in text


@pytest.mark.parametrize("columns", [60, 100])
def test_search_fits_the_terminal_and_cuts_no_code_or_number(rvutool, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    hits = rvutool("search", "annual", "wellness", "visit", "--limit", "5", "--json").json()
    out = rvutool("search", "annual", "wellness", "visit", "--limit", "5").stdout
    assert max(len(line) for line in out.splitlines()) <= columns
    for hit in hits:
        assert hit["code"] in out
        if hit["has_work_rvu"]:
            assert f"{hit['work_rvu']:.2f}" in out


# ---------------------------------------------------------------- everyday and lay words; knowing when nothing matches
LAY = [line.split("\t") for line in
       (REPO / "tests" / "data" / "lay_phrases.tsv").read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
LAY_PHRASES = [(phrase, codes.split(), area) for phrase, codes, area in LAY if codes != "-"]
NONSENSE = [phrase for phrase, codes, _ in LAY if codes == "-"]


@pytest.fixture(scope="module")
def find():
    """search.search on one catalog for the whole list (the command line itself is tested above and below)."""
    from rvutool.catalog.codes import Catalog
    from rvutool.names.search import search

    catalog = Catalog()
    return lambda phrase: search(phrase, limit=5, year=2026, catalog=catalog)


def test_the_lay_list_is_long_and_spans_the_specialties():
    assert len(LAY_PHRASES) >= 300 and len(NONSENSE) >= 30
    areas = {area.split(" (")[0] for _, _, area in LAY_PHRASES}
    for area in ("E/M", "orthopaedics", "hand surgery", "spine", "general surgery", "GI", "cardiology",
                 "cardiac surgery", "vascular", "imaging", "obstetrics", "gynecology", "urology", "ophthalmology",
                 "ENT", "dermatology", "plastic surgery", "psychiatry", "physical therapy", "anesthesia", "dental",
                 "podiatry", "pulmonology", "neurology"):
        assert area in areas, area
    assert any(code[0].isalpha() and code[0] != "D" for _, codes, _ in LAY_PHRASES for code in codes)  # Level II
    # every phrase the issue names
    for phrase in ("boob job", "mole removal", "gallbladder out", "lipoma removal", "heart stent", "ear wax",
                   "wart freezing", "washout knee", "I&D knee", "broken wrist cast", "belly button hernia",
                   "toenail fungus trim"):
        assert phrase in {p for p, _, _ in LAY_PHRASES}, phrase
    for phrase in ("purple monkey", "my car broke", "lunch", "tax return"):
        assert phrase in NONSENSE


@pytest.mark.parametrize(("phrase", "codes"), [pytest.param(p, c, id=p) for p, c, _ in LAY_PHRASES])
def test_an_everyday_phrase_finds_its_code_in_the_first_five(find, phrase, codes):
    found = [hit.code for hit in find(phrase).hits]
    assert set(codes) & set(found), f"{phrase!r}: none of {codes} in {found}"


@pytest.mark.parametrize("phrase", NONSENSE)
def test_a_phrase_that_is_no_procedure_finds_nothing(find, phrase):
    result = find(phrase)
    assert result.hits == [] and result.total == 0, [hit.code for hit in result.hits]
    assert len(result.suggestions) <= 3


def test_nothing_matches_says_so_with_did_you_mean_marked_as_such(rvutool):
    result = rvutool("search", "lunch")
    assert result.exit_code == 1
    [first] = result.stderr.splitlines()  # one line on stderr; the offers on stdout
    offers = result.stdout.splitlines()
    assert first.startswith("Error: no procedure matches 'lunch' in RVU26C")
    # "lunch" is one letter from "punch" (a punch biopsy): offered, never taken
    assert 1 <= len(offers) <= 3 and all(line.startswith("  did you mean ") for line in offers)
    assert any("11104" in line for line in offers)


def test_nothing_matches_in_json(rvutool):
    result = rvutool("search", "tax", "return", "--json")
    assert result.exit_code == 1
    answer = result.json()
    assert set(answer) == {"query", "release", "matches", "message", "did_you_mean"}
    assert answer["matches"] == [] and answer["query"] == "tax return" and answer["release"] == "RVU26C"
    assert answer["message"].startswith("no procedure matches 'tax return'")
    assert 1 <= len(answer["did_you_mean"]) <= 3 and all(hit["code"] for hit in answer["did_you_mean"])
    assert result.stderr.startswith("Error: no procedure matches") and result.stderr.count("\n") == 1


def test_generic_words_alone_never_make_a_hit(find):
    # "out", "job" and "removal" tell little: alone they find nothing, with another word they only help
    for phrase in ("out", "job", "removal", "surgery removal"):
        assert find(phrase).hits == [], phrase
    assert [hit.code for hit in find("gallbladder out").hits][0] == "47562"


def test_a_slip_in_a_long_word_is_taken_in_a_short_one_offered(find):
    assert "45378" in [hit.code for hit in find("colonscopy").hits]   # 10 letters, one dropped
    assert "11104" in [hit.code for hit in find("biospy punch").hits]  # two letters swapped
    assert find("lunch").hits == [] and "11104" in [hit.code for hit in find("lunch").suggestions]


def test_a_match_only_in_a_long_cms_description_comes_after_the_names(rvutool):
    hits = rvutool("search", "glucose", "--limit", "1000", "--json").json()
    kinds = [hit["match"] for hit in hits]
    assert "hcpcs" in kinds and kinds.index("hcpcs") > max(i for i, k in enumerate(kinds) if k == "name")


def test_the_lay_words_file_is_sorted_and_every_word_it_gives_is_in_a_name():
    from rvutool.names import laywords, matching

    text = (REPO / "data" / "names" / "lay_words.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines()[1:]]
    keys = [row[0] for row in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    parsed = laywords.parse(text)
    index = matching.index()
    for alternatives in (alt for means in parsed.means.values() for alt in means):
        assert any(index.reached(word) for word in alternatives), alternatives  # no dead mapping


@pytest.mark.parametrize("bad", ["words\tmeans\nboob\n", "word\tmeaning\nboob\tbreast\n", "words\tmeans\n\tbreast\n"])
def test_a_malformed_lay_words_file_is_refused_by_line(bad):
    from rvutool.errors import DatasetError
    from rvutool.names import laywords

    with pytest.raises(DatasetError, match="line"):
        laywords.parse(bad)
