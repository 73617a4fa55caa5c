"""About this code: the build checks data/about/*.toml and writes data/about.txt; names_table.about(code) reads
the one line of the code's family. The refusals are proven with small crafted files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REPO

from rvutool.errors import DatasetError
from rvutool.names import about_build
from rvutool.names import build as names_build
from rvutool.names import table as names_table

ABOUT_DIR = REPO / "data" / "about"


# ---------------------------------------------------------------- the reader, on the committed file
@pytest.mark.parametrize("code", ["99213", "99223", "99285", "99291", "00811", "D0120", "D7210", "71046", "27447",
                                  "20610", "45378", "93000", "96372", "90834", "66984", "64483", "59510"])
def test_the_families_clinicians_log_most_are_explained(code):
    found = names_table.about(code)
    assert found is not None and found["first"] <= code <= found["last"]
    assert 2 <= about_build.sentences(found["what"]) <= 3 and found["context"]
    assert 3 <= len(found["documentation"]) <= 5 and 1 <= len(found["denials"]) <= 5
    assert 2 <= len(found["faq"]) <= 3 and all(pair["q"].endswith("?") and pair["a"] for pair in found["faq"])


def test_at_least_200_families_are_described():
    table = names_table.table(names_table.ABOUT_FILE)
    assert table.header["format"] == names_table.ABOUT_FORMAT and table.header["families"] >= 200
    lines = table.body().decode("utf-8").splitlines()
    assert len(lines) == table.header["families"]
    assert lines == sorted(lines, key=lambda line: line.split("\t")[0])  # bisection needs sorted keys


def test_a_code_outside_every_described_range_has_no_about():
    assert names_table.about("99216") is None  # between 99215 and 99221
    assert names_table.about("G0438") is None and names_table.about("0001F") is None
    assert names_table.about("d0120") == names_table.about("D0120")


def test_the_reader_reads_only_the_line_it_needs(tmp_path, monkeypatch):
    """A damaged line elsewhere in the file does not stop a lookup: only the code's own line is parsed."""
    good = json.dumps({"what": "A. B.", "context": "C.", "documentation": [], "denials": [], "faq": []})
    path = tmp_path / "about.txt"
    path.write_text('{"format": "rvutool-about/1"}\n'
                    f"99999|11042\t11042\t11047\t{good}\n"
                    "99999|27447\t27440\t27447\t{not json\n", encoding="utf-8")
    lines = names_table.SortedLines(path, names_table.ABOUT_FORMAT)
    monkeypatch.setattr(names_table, "table", lambda name: lines)
    assert names_table.about("11045")["what"] == "A. B."
    with pytest.raises(DatasetError, match="damaged near 27440"):
        names_table.about("27447")
    with pytest.raises(DatasetError, match="not rvutool's"):
        names_table.SortedLines(path)  # a names reader refuses the about file, and the reverse


# ---------------------------------------------------------------- the build's checks, with crafted files
FAMILY = '''
[[family]]
codes = "{codes}"
what = "{what}"
context = "Used in the office."
documentation = ["One.", "Two.", "Three."]
denials = ["Not documented."]
[[family.faq]]
q = "Why?"
a = "Because."
[[family.faq]]
q = "When?"
a = "Now."
'''


def crafted() -> tuple[names_build.Scope, list[tuple[str, str, str, str, str]]]:
    scope = names_build.Scope()
    for code, text in (("11042", "Fixture wound cleaning alpha beta gamma"), ("11047", "Fixture wound bone"),
                       ("11055", "Fixture corn"), ("27447", "Fixture knee")):
        scope.add(code, Decimal("1"), text, "A", "R26")
    families = [("11042", "11047", "debridement", "", ""), ("11055", "11057", "corns", "", ""),
                ("27447", "27447", "knee", "", "")]
    return scope, families


def about_dir(tmp_path: Path, *tables: str, name: str = "area.toml") -> Path:
    folder = tmp_path / "about"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("".join(tables), encoding="utf-8")
    return folder


def family(codes: str = "11042-11047", what: str = "It is done. It helps.", **replace: str) -> str:
    text = FAMILY.format(codes=codes, what=what)
    for old, new in replace.items():
        text = text.replace(old.replace("_", " "), new)
    return text


def test_a_good_file_builds_to_sorted_lines_with_the_same_bytes_each_time(tmp_path):
    scope, families = crafted()
    folder = about_dir(tmp_path, family("27447"), family())
    found = about_build.read_about(folder, scope, families)
    assert [(first, last) for first, last, _, _ in found] == [("11042", "11047"), ("27447", "27447")]
    names = tmp_path / "names"
    names.mkdir()
    (names / "families.tsv").write_text("first\tlast\tname\tspecialties\tnote\n11042\t11047\tdebridement\t\t\n"
                                        "11055\t11057\tcorns\t\t\n27447\t27447\tknee\t\t\n", encoding="utf-8")
    once = about_build.build(folder, names, scope)
    assert once == about_build.build(folder, names, scope)
    assert once[names_table.ABOUT_FILE].split(b"\n")[1].startswith(b"99999|11042\t11042\t11047\t{")


@pytest.mark.parametrize(("table", "message"), [
    (family(what="One sentence only."), r"what needs 2 to 3 sentences, not 1"),
    (family(what="One. Two. Three. Four."), r"what needs 2 to 3 sentences, not 4"),
    (family(**{'documentation = ["One.", "Two.", "Three."]': 'documentation = ["One."]'}),
     r"documentation needs 3 to 5 items, not 1"),
    (family(**{'context = "Used in the office."\n': ""}), r"missing context"),
    (family(**{'context = ': 'contexts = '}), r"unknown part contexts; missing context"),
    (family(**{'q = "Why?"': 'q = "Why"'}), r"q of faq 1 should end with a question mark"),
    (family(**{'denials = ["Not documented."]': 'denials = ["' + "x" * 221 + '"]'}),
     r"denials item 1 is 221 characters, at most 220"),
    (family(what="Wound cleaning alpha beta gamma is done. It helps."),
     r"what shares 5 words in a row \('wound cleaning alpha beta gamma'\)"),
    (family("11042-11055"), r"11042-11055 is not a range of codes of one shape|crosses families"),
    (family("11047-11055"), r"11047-11055 crosses families"),
    (family("11043-11047"), r"11043 is not a code of any bundled release"),
    (family() + family("11047"), r"11047-11047 overlaps 11042-11047"),
    ("[[family]\ncodes = 1\n", r": not valid TOML"),
    ('title = "x"\n', r"should hold only \[\[family\]\] tables"),
])
def test_a_bad_about_file_is_refused_naming_file_and_family(tmp_path, table, message):
    scope, families = crafted()
    with pytest.raises(names_build.NamesError, match=r"^data/about/area\.toml.*" + message):
        about_build.read_about(about_dir(tmp_path, table), scope, families)


def test_a_missing_about_folder_is_refused(tmp_path):
    scope, families = crafted()
    with pytest.raises(names_build.NamesError, match=r"data/about is missing"):
        about_build.read_about(tmp_path / "about", scope, families)


def test_sentences_are_counted_as_a_reader_would():
    assert about_build.sentences("Take 2.5 mg, e.g. once daily. Then stop.") == 2
    assert about_build.sentences("Is it paid? Yes! Medicare pays it.") == 3


def test_the_committed_about_files_pass_the_checks():
    """Every committed file holds well-formed families inside families.tsv (the build also checks the five-word
    rule against the CMS descriptors when the raw files are present)."""
    from rvutool import paths
    from rvutool.catalog.datafile import DataFile

    scope = names_build.Scope(work=dict.fromkeys(DataFile(paths.bundled_dataset()).codes(), Decimal(0)))
    body = names_table.table(names_table.FAMILIES_FILE).body().decode("utf-8")
    families = [tuple(line.split("\t")[1:6]) for line in body.splitlines()]
    found = about_build.read_about(ABOUT_DIR, scope, families)  # type: ignore[arg-type]
    assert len(found) == names_table.table(names_table.ABOUT_FILE).header["families"] >= 200
