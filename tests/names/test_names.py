"""Names in rvutool's own words: every code in scope has one, lookup shows it, and the build checks them.

The names are data (data/names/*.tsv, built into data/names.txt, families.txt and name_index.txt by
`python -m rvutool.build`); these tests read the real files.
"""

from __future__ import annotations

import dataclasses
import inspect
import shutil
import subprocess
import sys
from decimal import Decimal

import pytest
from conftest import CMS, REPO, cms_file

from rvutool import paths
from rvutool.catalog.datafile import DataFile
from rvutool.names import build as names_build
from rvutool.names import naming as names
from rvutool.names import table as names_table

NAMES_DIR = REPO / "data" / "names"


def in_scope(code: str, work: Decimal) -> bool:
    """CPT with a work RVU above 0 in either bundled release, and every dental code, need a name of their own."""
    return code.startswith("D") or (code[0].isdigit() and work > 0)


@pytest.fixture(scope="module")
def dataset() -> DataFile:
    return DataFile(paths.bundled_dataset())


@pytest.fixture(scope="module")
def bundled(dataset) -> dict[str, Decimal]:
    """Every code of the bundled releases with its highest work RVU (technical components carry none)."""
    highest: dict[str, Decimal] = {}
    for code, _, rows in dataset.iter_lines():
        work = max((Decimal(row[4]) for row in rows if row[1] != "TC"), default=Decimal(0))
        highest[code] = max(work, highest.get(code, Decimal(0)))
    return highest


@pytest.fixture(scope="module")
def logged(dataset) -> set[str]:
    """Codes with a status clinicians log (paid: A, R, T, C; bundled: B) in either bundled release."""
    return {code for code, _, rows in dataset.iter_lines() if any(row[2] in names_build.LOGGED for row in rows)}


@pytest.fixture(scope="module")
def scope(dataset) -> names_build.Scope:
    """What the build checks names against: the bundled codes with their statuses and releases, and CMS's
    CPT/CDT descriptors when the raw files are here (they are read, never kept)."""
    from rvutool import build
    from rvutool.catalog import cmsfile

    found = names_build.Scope(order=[release["id"] for release in dataset.header["releases"]])
    descriptors: dict[str, set[str]] = {}
    for source in build.SOURCES:
        path = CMS / source.pprrvu
        if path.exists():
            parsed = cmsfile.parse_pprrvu(cmsfile.decode(path.read_bytes()), source.pprrvu)
            for code, text in parsed.descriptors.items():
                descriptors.setdefault(code, set()).add(text)
    for code, _, rows in dataset.iter_lines():
        for release, modifier, status, _, work, *_ in rows:
            for text in sorted(descriptors.get(code, {None})):  # type: ignore[arg-type]
                found.add(code, Decimal(0) if modifier == "TC" else Decimal(work), text, status, release)
    return found


# ---------------------------------------------------------------- coverage, from the real files
def test_every_code_in_scope_has_a_name_of_its_own(bundled):
    missing = [code for code, work in bundled.items() if in_scope(code, work)
               and (names.name_of(code) is None or names.name_of(code).source != "rvutool")]
    assert not missing, f"{len(missing)} codes in scope have no name, e.g. {missing[:10]}"
    counted = sum(1 for code, work in bundled.items() if in_scope(code, work))
    assert counted == 7_362 + 853  # CPT codes with a work RVU in RVU25D or RVU26C, and every D code


def test_every_logged_code_has_a_name_of_its_own(logged):
    """Paid (A, R, T, C) and bundled (B) codes of either release: ours for CPT and CDT, ours or CMS's for
    Level II, never the family's."""
    shown = {code: names.name_of(code) for code in logged}
    assert not [code for code, name in shown.items() if name is None or name.source == "family"]
    assert not [code for code, name in shown.items() if not names_build.is_level_ii(code) and name.source != "rvutool"]
    assert len(logged) > 9_000


def test_no_two_logged_codes_share_a_displayed_name(logged):
    seen: dict[str, str] = {}
    for code in sorted(logged):
        key = " ".join(names_table.short_name(code).lower().split())
        assert key not in seen, f"{code} and {seen[key]} are both shown as {key!r}"
        seen[key] = code


def test_siblings_the_audit_found_identical_now_read_differently():
    pairs = [("66987", "66988"), ("63043", "63044"), ("93005", "93000"), ("93005", "93010"), ("92928", "92920")]
    for one, other in pairs:
        assert names.name_of(one).text != names.name_of(other).text
    assert "tracing only" in names.name_of("93005").text
    assert "abdominoplasty" in names.name_of("15847").text
    assert "palsy" not in names.family_of("15847").name  # its family is its own, not facial palsy's
    assert "post-op" in names.name_of("99024").text and names.name_of("99024").source == "rvutool"
    assert "pyloroplasty" in names.name_of("43641").text and "rectum" in names.name_of("45560").text
    assert "no ultrasound" in names.name_of("20610").text and "physician" not in names.name_of("84165").text


def test_every_cpt_code_has_at_least_a_family_name(bundled):
    cpt = [code for code in bundled if code[0].isdigit()]
    assert not [code for code in cpt if names.family_of(code) is None]
    unnamed = [code for code in cpt if names.name_of(code).source == "family"]
    assert unnamed  # Category II codes and CPT codes without a work RVU are named by their family
    assert all(names.name_of(code).text == names.family_of(code).name for code in unnamed)


def test_level_ii_codes_have_a_short_name_or_cms_public_description(bundled):
    g0438 = names.name_of("G0438")
    assert g0438 == names.Name(text="annual wellness visit (AWV), first one", source="rvutool")
    assert names_table.cms_text("G0438").lower().startswith("annual wellness visit; includes a personalized")
    g2211 = names.name_of("G2211")  # its 300-character CMS text no longer floods a confirmation
    assert g2211.source == "rvutool" and len(g2211.text) <= 70 and len(names_table.cms_text("G2211")) > 200
    a0021 = names.name_of("A0021")  # a Level II code with no short name keeps CMS's text, in both readers
    assert a0021.source == "hcpcs" and names_table.cms_text("A0021") == a0021.text
    assert names_table.cms_text("27447") is None  # CPT text is AMA's: never bundled
    level2 = names_build.read_level2(NAMES_DIR, names_build.Scope(work=dict.fromkeys(bundled, Decimal(0))))
    assert len(level2) >= 400
    assert {"G2211", "G0438", "G0439", "G0008", "G0009", "G0010", "G0101", "Q0091"} <= set(level2)
    assert all(names.name_of(code).text == name for code, name in level2.items())


def test_the_source_files_pass_the_build_checks(scope):
    own = names_build.read_names(NAMES_DIR, scope)
    assert all(len(name) <= names_build.MAX_NAME for name in own.values())
    families = names_build.read_families(NAMES_DIR, scope)
    assert all(len(family[2]) <= names_build.MAX_NAME for family in families)
    aliases, _ = names_build.read_aliases(NAMES_DIR, scope)
    assert len(aliases) >= 400


def test_names_are_at_most_70_characters():
    body = names_table.table(names_table.NAMES_FILE).body().decode("utf-8")
    own = [line.split("\t") for line in body.splitlines() if line.split("\t")[1] == "rvutool"]
    assert len(own) >= 7_362 + 853
    assert max(len(fields[2]) for fields in own) <= 70


@pytest.mark.parametrize("code", ["27447", "64721", "D6092", "D1553"])
@pytest.mark.clock
def test_lookup_prints_a_name(rvutool, code):
    result = rvutool("lookup", code)
    assert result.exit_code == 0, result.stderr
    name = names.name_of(code)
    assert name is not None and name.source == "rvutool"
    first = result.stdout.splitlines()[1]
    assert "Name" in first and name.text[:30] in result.stdout


def test_lookup_shows_aliases_and_the_family_under_the_numbers(rvutool):
    out = rvutool("lookup", "27447").stdout
    family = names.family_of("27447")
    assert "Also known as" in out and "TKA" in out
    lines = out.splitlines()
    numbers = next(i for i, line in enumerate(lines) if "Medicare" in line)
    assert any("Family" in line for line in lines[numbers:])
    assert family.specialties and any("Billed by" in line for line in lines[numbers:])
    assert family.note and any("Tip" in line for line in lines[numbers:])


def test_lookup_json_names_the_code(rvutool):
    [tka] = rvutool("lookup", "27447", "--json").json()
    assert (tka["name"], tka["name_source"]) == (names.name_of("27447").text, "rvutool")
    assert "TKA" in tka["aliases"] and tka["aliases"] == list(names.aliases_of("27447"))
    family = names.family_of("27447")
    assert tka["family"] == {"name": family.name, "specialties": family.specialties, "note": family.note}
    [awv] = rvutool("lookup", "G0438", "--json").json()
    assert awv["name_source"] == "rvutool" and awv["name"].lower().startswith("annual wellness visit")
    [ride] = rvutool("lookup", "A0021", "--json").json()
    assert ride["name_source"] == "hcpcs"
    [measure] = rvutool("lookup", "0001F", "--json").json()  # a Category II code: its family's name
    assert measure["name_source"] == "family" and measure["name"] == measure["family"]["name"]


def test_an_imported_descriptor_is_still_shown_as_such(rvutool, tmp_path):
    from cms_fixtures import rvu26d_csv, write

    rvutool("data", "import", str(write(tmp_path / "PPRRVU2026_Oct_nonQPP.csv", rvu26d_csv())))
    out = rvutool("lookup", "27447", "--date", "2026-10-15").stdout
    assert "Descriptor" in out and "Fixture knee implantation gamma" in out  # the user's own CMS text
    assert names.name_of("27447").text in out and "American Medical Association" in out
    [row] = rvutool("lookup", "27447", "--date", "2026-10-15", "--json").json()
    assert row["description"] == "Fixture knee implantation gamma" and row["name_source"] == "rvutool"


# ---------------------------------------------------------------- the interface the fav branch codes against
def test_the_names_interface():
    assert dataclasses.is_dataclass(names.Name) and dataclasses.is_dataclass(names.Family)
    assert [f.name for f in dataclasses.fields(names.Family)] == ["name", "first", "last", "specialties", "note"]
    assert [f.name for f in dataclasses.fields(names.Name)] == ["text", "source"]
    name = names.name_of("27447")
    with pytest.raises(dataclasses.FrozenInstanceError):
        name.text = "changed"  # type: ignore[misc]
    assert list(inspect.signature(names.names_of).parameters) == ["codes"]
    found = names.names_of(["27447", "D1553", "G0438", "ZZZZZ", "27447"])
    assert set(found) == {"27447", "D1553", "G0438"} and found["27447"] == name
    assert names.aliases_of("99999") == () and names.family_of("G0438") is None
    assert names.name_of("zzzzz") is None
    family = names.family_of("27447")
    assert family.first <= "27447" <= family.last


# ---------------------------------------------------------------- the build refuses bad names
@pytest.fixture
def names_copy(tmp_path):
    folder = tmp_path / "names"
    shutil.copytree(NAMES_DIR, folder)
    return folder


def change(folder, file, old_start, new_line):
    path = folder / file
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(old_start))
    lines[at] = new_line
    path.write_text("\n".join(lines), encoding="utf-8")
    return at + 1  # the line number a person sees


def test_a_missing_name_is_refused_naming_the_code(names_copy, scope):
    change(names_copy, "dental.tsv", "D1553\t", "")
    with pytest.raises(names_build.NamesError, match=r"^data/names/dental\.tsv: no name for D1553"):
        names_build.read_names(names_copy, scope)


def test_a_long_name_is_refused_naming_file_and_line(names_copy, scope):
    line = change(names_copy, "dental.tsv", "D1553\t", "D1553\t" + "x" * 71)
    with pytest.raises(names_build.NamesError, match=rf"^data/names/dental\.tsv line {line}: .* 71 characters"):
        names_build.read_names(names_copy, scope)


def test_a_name_equal_to_a_cms_descriptor_is_refused(names_copy, scope):
    if not scope.descriptors:
        pytest.skip("the raw CMS files are needed for this test")
    descriptor, code = next((text, code) for text, code in sorted(scope.descriptors.items())
                            if code.startswith("D") and len(text) <= 70)
    line = change(names_copy, "dental.tsv", "D1553\t", "D1553\t" + descriptor.upper())
    with pytest.raises(names_build.NamesError, match=rf"dental\.tsv line {line}: .* is CMS's descriptor of {code}"):
        names_build.read_names(names_copy, scope)


def test_overlapping_families_are_refused(names_copy, scope):
    path = names_copy / "families.tsv"
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(f"{text}\n27447\t27447\tone code twice\t\t\n", encoding="utf-8")
    line = len(text.split("\n")) + 1
    knee = names.family_of("27447")
    with pytest.raises(names_build.NamesError,
                       match=rf"families\.tsv line {line}: 27447-27447 overlaps {knee.first}-{knee.last}"):
        names_build.read_families(names_copy, scope)


def test_a_gap_between_families_is_refused(names_copy, scope):
    family = names.family_of("27447")
    change(names_copy, "families.tsv", f"{family.first}\t", "")
    with pytest.raises(names_build.NamesError, match=rf"families\.tsv: no family covers {family.first}"):
        names_build.read_families(names_copy, scope)


@pytest.mark.parametrize("targets", ["27447 99999", "0000T-0001T"])
def test_an_alias_of_a_code_no_release_has_is_refused(names_copy, scope, targets):
    path = names_copy / "aliases.tsv"
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(f"{text}\nmade-up alias\t{targets}\n", encoding="utf-8")
    line = len(text.split("\n")) + 1
    with pytest.raises(names_build.NamesError, match=rf"aliases\.tsv line {line}: .*(99999|0000T-0001T)"):
        names_build.read_aliases(names_copy, scope)


def test_the_build_command_says_what_is_wrong_in_one_line(names_copy, tmp_path):
    cms_file("PPRRVU2026_Jul_nonQPP.csv")
    line = change(names_copy, "cpt1.tsv", "code\t", "codes\tnames")
    done = subprocess.run([sys.executable, "-m", "rvutool.build", "--names", str(names_copy), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(f"build failed: data/names/cpt1.tsv line {line}: the header should be")
    assert "Traceback" not in done.stderr and not (tmp_path / "out" / "names.txt").exists()


# ---------------------------------------------------------------- the on-disk reader
def test_sorted_lines_find_every_key_and_the_floor_between_them(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    path = tmp_path / "lines.txt"

    @settings(max_examples=60, deadline=None)
    @given(st.sets(st.text("0123456789ABCDEFGHZ|", min_size=1, max_size=12), min_size=1, max_size=300),
           st.lists(st.text("0123456789ABCDEFGHZ|", min_size=1, max_size=12), max_size=20),
           st.integers(0, 3000))
    def check(keys, probes, padding):
        ordered = sorted(keys)
        body = "".join(f"{k}\t{'x' * (padding % 97)}\tvalue of {k}\n" for k in ordered)
        path.write_text('{"format": "rvutool-names/1"}\n' + body, encoding="utf-8")
        table = names_table.SortedLines(path)
        for key in ordered:
            assert table.get(key)[2] == f"value of {key}"
        for probe in probes:
            below = [k for k in ordered if k <= probe]
            found = table.floor(probe)
            assert (found[0] if found else None) == (below[-1] if below else None)
            assert (table.get(probe) is not None) == (probe in keys)

    check()


def test_a_damaged_names_file_is_one_clear_error(tmp_path):
    from rvutool.errors import DatasetError

    bad = tmp_path / "names.txt"
    bad.write_text("not json\n27447\trvutool\tx\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="damaged or not rvutool's"):
        names_table.SortedLines(bad)
    with pytest.raises(DatasetError, match="cannot read the bundled names"):
        names_table.SortedLines(tmp_path / "absent.txt")
