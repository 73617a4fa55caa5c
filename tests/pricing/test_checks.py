"""Issue 21.3 and 21.4: the checks themselves, on one encounter typed as `rvutool check` takes it.

Bundled indicators (RVU26C, `rvutool lookup CODE --json`):

    code   global  bilateral  assistant  co-surgery  team
    27395  090     2          .          .           .      (-50: the RVUs already cover both sides)
    45378  000     .          1          .           .      (-80: an assistant is never paid)
    33533  090     .          .          0           .      (-62: co-surgeons not permitted)
    27447  090     1          2          1           0      (-66: team surgery not permitted)
    99213  XXX (an E/M visit)   20610 000   10060 010   22614 ZZZ (add-on)   G2211 ZZZ

The real MUE table (2026 Q2, ../shared/data/cms/ncci/): 99213 2 a day (indicator 3, clinical), 69210 1 a day
(indicator 2, policy), G0514 1 a line (indicator 1). The PTP excerpt holds no pair of codes of the bundled
release (its column 1 codes 0001A-0001U have no PFS row), so the pairs below are rows this test writes in
CMS's layout, under the real header: they are the test's, not CMS's.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import cms_file

from rvutool.catalog import ncci
from rvutool.catalog.codes import Catalog
from rvutool.pricing import checks
from rvutool.pricing.findings import KINDS
from rvutool.pricing.items import parse_item

ON = date(2026, 11, 20)  # RVU26C; PTP v32.2 (2026 Q3) and the MUE table of 2026 Q2 are the newest imported
MUE_Q2 = "ncci/MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"


def ptp_file(folder, name: str, rows: list[str]):
    """A PTP file in CMS's layout: the real excerpt's six header lines, then these tab-separated rows."""
    head = b"".join(line + b"\n" for line in cms_file("ncci/ccipra-v322r0-f1-excerpt.txt").read_bytes()
                    .split(b"\n")[:6])
    path = folder / name
    path.write_bytes(head + b"".join(row.encode() + b"\r\n" for row in rows))
    return path


# Built pairs (see the module's docstring): 29881 with 29877 payable with a modifier; 29881 with 29880 never;
# 20610 with 99213 not applicable (9); and edits deleted before, or not yet in force on, ON.
PAIRS = ["29881\t29877\t\t20020101\t*\t1\tStandards of medical / surgical practice",
         "29880\t29881\t\t20020101\t*\t0\tMutually exclusive procedures",
         "20610\t99213\t\t20020101\t*\t9\tCPT Manual or CMS manual coding instruction",
         "27447\t27446\t\t20020101\t20251231\t0\tMutually exclusive procedures",
         "10060\t11042\t\t20270101\t*\t0\tStandards of medical / surgical practice"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ncci")
    path = folder / "ncci.sqlite3"
    ncci.import_file(ptp_file(folder, "ccipra-v322r0-f1.txt", PAIRS), database=path)
    ncci.import_file(cms_file(MUE_Q2), database=path)
    return ncci.Ncci(path)


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def findings(catalog, store, *tokens, on=ON):
    return checks.findings_for_items([parse_item(t) for t in tokens], on, catalog=catalog, ncci=store).findings


def kinds(found):
    return [f.kind for f in found]


# ---------------------------------------------------------------- modifiers the indicators do not allow
@pytest.mark.parametrize("item, column, value, says", [
    ("27395-50", "bilateral", "2", "its RVUs already cover both sides"),
    ("45378-80", "assistant", "1", "Medicare never pays an assistant at surgery on 45378"),
    ("33533-62", "cosurgeon", "0", "co-surgeons are not permitted on 33533 (co-surgery indicator 0)"),
    ("27447-66", "team", "0", "team surgery is not permitted on 27447 (team surgery indicator 0)"),
])
def test_a_modifier_the_indicators_do_not_allow(catalog, store, item, column, value, says):
    code = item[:5]
    release, _ = catalog.release_for(ON)
    assert catalog.rows(code, release)[""].values[column] == value  # the real indicator
    found = findings(catalog, store, item)
    assert kinds(found) == ["modifier-not-allowed"]
    assert says in found[0].message and found[0].source.name == "CMS indicators, RVU26C"


def test_allowed_modifiers_pass(catalog, store):
    # 27447 bilateral 1, assistant 2, co-surgery 1: -50, -80 and -62 are all allowed
    for item in ("27447-50", "27447-80", "27447-62", "45378"):
        assert findings(catalog, store, item) == [], item


# ---------------------------------------------------------------- global periods, one encounter
def test_an_em_visit_with_a_minor_procedure_needs_25(catalog, store):
    found = findings(catalog, store, "99213", "20610")
    assert kinds(found) == ["em-with-minor-procedure"]
    assert found[0].fix.startswith("add -25")
    assert findings(catalog, store, "99213-25", "20610") == []


def test_an_em_visit_on_the_day_of_major_surgery_needs_57(catalog, store):
    found = findings(catalog, store, "99213", "27447")
    assert kinds(found) == ["em-with-major-surgery"] and "the day of" in found[0].message
    assert findings(catalog, store, "99213-57", "27447") == []


# ---------------------------------------------------------------- add-on codes and G2211
def test_add_on_and_g2211_findings(catalog, store):
    found = findings(catalog, store, "22614")
    assert kinds(found) == ["add-on-without-primary"]
    assert found[0].source.kind == "rule"
    assert kinds(findings(catalog, store, "99213-25", "G2211", "69210")) == ["g2211-not-payable"]
    assert findings(catalog, store, "99213-25", "G2211", "G0439") == []


# ---------------------------------------------------------------- NCCI pairs
def test_an_indicator_1_pair_without_a_modifier(catalog, store):
    found = findings(catalog, store, "29881", "29877")
    assert kinds(found) == ["ptp-modifier-needed"]
    f = found[0]
    assert [ln.text for ln in f.lines] == ["29877", "29881"]  # column 2 first: it is the one not paid
    assert f.source.kind == "ncci-ptp" and f.source.quarter == "2026 Q3" and f.source.version == "v32.2r0"
    assert "Standards of medical / surgical practice" in f.message and "-XS" in f.fix


@pytest.mark.parametrize("modifier", ["59", "XE", "XS", "XP", "XU", "24", "25", "57", "58", "78", "79", "91"])
def test_each_ncci_associated_modifier_satisfies_an_indicator_1_pair(catalog, store, modifier):
    assert findings(catalog, store, "29881", f"29877-{modifier}") == []  # on column 2
    assert findings(catalog, store, f"29881-{modifier}", "29877") == []  # or on column 1


@pytest.mark.parametrize("first, second", [("RT", "LT"), ("LT", "RT"), ("E1", "E3"), ("F1", "F2"), ("FA", "F9"),
                                           ("TA", "T1"), ("LC", "LD"), ("RC", "RI"), ("LM", "LC")])
def test_anatomic_modifiers_naming_different_sites_satisfy_it(catalog, store, first, second):
    assert findings(catalog, store, f"29881-{first}", f"29877-{second}") == []


def test_anatomic_modifiers_naming_one_site_do_not(catalog, store):
    assert kinds(findings(catalog, store, "29881-RT", "29877-RT")) == ["ptp-modifier-needed"]
    assert kinds(findings(catalog, store, "29881", "29877-RT")) == ["ptp-modifier-needed"]


def test_an_indicator_0_pair_is_never_paid_whatever_the_modifier(catalog, store):
    for items in (("29880", "29881"), ("29880", "29881-59"), ("29880-RT", "29881-LT")):
        found = findings(catalog, store, *items)
        assert kinds(found) == ["ptp-not-allowed"], items
        assert "modifier indicator 0" in found[0].message
        assert found[0].fix == "bill 29880 alone: 29881 is included in it"


def test_indicator_9_deleted_and_not_yet_effective_edits_do_not_apply(catalog, store):
    # 20610/99213 indicator 9; 27447/27446 deleted 2025-12-31; 10060/11042 in force from 2027-01-01
    assert "ptp" not in " ".join(kinds(findings(catalog, store, "20610", "99213-25")))
    assert findings(catalog, store, "27447", "27446") == []
    assert kinds(findings(catalog, store, "27447", "27446", on=date(2025, 12, 31))) == ["ptp-not-allowed"]
    assert findings(catalog, store, "10060", "11042") == []


# ---------------------------------------------------------------- MUEs (the real 2026 Q2 table)
def test_mue_per_line(catalog, store):
    # G0514 (MUE 1 a line, indicator 1): 2 units on one line are above it; as two lines of 1 they are not
    found = findings(catalog, store, "G0438", "G0513", "G0514x2")
    assert kinds(found) == ["mue-line"] and "G0514x2: 2 units of G0514 on one line" in found[0].message
    assert findings(catalog, store, "G0438", "G0513", "G0514", "G0514-76") == []


def test_mue_per_day_clinical_and_policy(catalog, store):
    # 99213: MUE 2 a day, indicator 3 (clinical: appealable); 3 units are above it, 2 are not
    found = findings(catalog, store, "99213x3")
    assert kinds(found) == ["mue-day"] and "adjudication indicator 3, clinical" in found[0].message
    assert findings(catalog, store, "99213x2") == []
    # 69210: MUE 1 a day, indicator 2 (policy): the two sides as two lines are 2 units; -50 is one
    found = findings(catalog, store, "69210-RT", "69210-LT")
    assert "mue-day" in kinds(found) and "adjudication indicator 2, policy: absolute" in \
        [f for f in found if f.kind == "mue-day"][0].message
    assert "rule_source" in found[0].to_dict()


def test_a_newer_mue_quarter_applies_from_its_first_day(catalog, tmp_path):
    # the real Q2 table, and a Q3 table made from it in which 99213 allows 3 a day
    path = tmp_path / "ncci.sqlite3"
    ncci.import_file(cms_file(MUE_Q2), database=path)
    raw = cms_file(MUE_Q2).read_bytes().replace(b"\n99213,2,3 Date", b"\n99213,3,3 Date", 1)
    q3 = tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    q3.write_bytes(raw)
    ncci.import_file(q3, database=path)
    store = ncci.Ncci(path)
    assert kinds(findings(catalog, store, "99213x3", on=date(2026, 6, 30))) == ["mue-day"]
    assert findings(catalog, store, "99213x3", on=date(2026, 7, 1)) == []


def test_without_ncci_files_the_bundled_checks_still_run(catalog, tmp_path):
    empty = ncci.Ncci(tmp_path / "none.sqlite3")
    result = checks.findings_for_items([parse_item("99213"), parse_item("20610"), parse_item("69210")], ON,
                                       catalog=catalog, ncci=empty)
    assert kinds(result.findings) == ["em-with-minor-procedure"] and not result.ncci_imported
    assert not (tmp_path / "none.sqlite3").exists()


def test_a_finding_as_json(catalog, store):
    out = findings(catalog, store, "29881", "29877")[0].to_dict()
    assert set(out) == {"kind", "label", "date", "rule_source", "entries", "items", "codes", "message", "fix"}
    assert out["rule_source"] == {"kind": "ncci-ptp", "name": "NCCI PTP edits v32.2r0 (2026 Q3)", "release": None,
                                  "quarter": "2026 Q3", "version": "v32.2r0"}
    assert out["items"] == [2, 1] and out["entries"] == [] and out["codes"] == ["29877", "29881"]
    assert out["label"] == KINDS["ptp-modifier-needed"]
