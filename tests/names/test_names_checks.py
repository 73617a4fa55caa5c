"""The build's checks on the words, each proven with a small crafted input: aliases of dropped codes, a name
of its own for every logged code, one displayed name per logged code, the five-word rule against CMS short
descriptors, and the Level II short names. The crafted descriptors are of our own making.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REPO, cms_file

from rvutool.names import build as names_build

HEADER = {"names": "code\tname", "families": "first\tlast\tname\tspecialties\tnote", "aliases": "alias\tcodes"}


def crafted_scope() -> names_build.Scope:
    """Two releases, R25 then R26: 37220 was dropped in R26, 37263 is new, 66987 is paid (C) without a work
    RVU, G2211 and G0438 are Level II codes."""
    scope = names_build.Scope()
    rows = [
        ("R25", "27447", "19.60", "A", "Fixture knee implant alpha gamma delta"),
        ("R26", "27447", "19.11", "A", "Fixture knee implant alpha gamma delta"),
        ("R25", "37220", "7.90", "A", "Fixture iliac open"),
        ("R26", "37263", "7.75", "A", "Fixture thigh artery balloon"),
        ("R25", "66987", "0", "C", "Fixture lens complex"),
        ("R26", "66987", "0", "C", "Fixture lens complex"),
        ("R26", "66988", "0", "C", "Fixture lens plain"),
        ("R26", "G2211", "0.33", "A", None),
        ("R26", "G0438", "2.60", "A", None),
        ("R26", "D0120", "0", "R", "Fixture mouth look"),
    ]
    for release, code, work, status, text in rows:
        scope.add(code, Decimal(work), text, status, release)
    return scope


def write(folder: Path, **files: str) -> Path:
    """A names folder whose files hold the given lines (after the header), the others empty."""
    folder.mkdir(parents=True, exist_ok=True)
    defaults = {
        "cpt1.tsv": "27447\ttotal knee replacement\n37220\tiliac angioplasty (old code)\n"
                    "37263\tthigh artery balloon angioplasty\n",
        "cpt3.tsv": "66987\tcomplex cataract surgery with endoscopic laser\n"
                    "66988\tcataract surgery with endoscopic laser\n",
        "dental.tsv": "D0120\trecall exam\n",
        "families.tsv": "27447\t27447\tknee replacement\t\t\n37220\t37263\tleg arteries\t\t\n"
                        "66987\t66988\tcataract surgery\t\t\nD0120\tD0120\tdental exams\t\t\n",
    }
    for name in (*names_build.NAME_FILES, names_build.LEVEL2_NAMES, "families.tsv", "aliases.tsv"):
        kind = "families" if name == "families.tsv" else "aliases" if name == "aliases.tsv" else "names"
        body = files.get(name, defaults.get(name, ""))
        (folder / name).write_text(HEADER[kind] + "\n" + body, encoding="utf-8")
    return folder


def build(folder: Path, scope: names_build.Scope, tmp_path: Path, hcpcs: dict[str, str] | None = None,
          warnings: list[str] | None = None) -> dict[str, bytes]:
    source = tmp_path / "HCPC.txt"
    source.write_text("fixture", encoding="utf-8")
    texts = {"G2211": "Fixture long public text about visit complexity", "G0438": "Fixture wellness text"}
    return names_build.build(folder, scope, texts if hcpcs is None else hcpcs, source,
                            warn=(warnings.append if warnings is not None else None))


# ---------------------------------------------------------------- aliases and the newest release
def test_an_alias_whose_codes_the_newest_release_dropped_is_refused(tmp_path):
    folder = write(tmp_path / "names", **{"aliases.tsv": "knee\t27447\nold PTA\t37220\n"})
    with pytest.raises(names_build.NamesError,
                       match=r"aliases\.tsv line 3: every code of alias 'old PTA' \(37220\) is gone from R26"):
        names_build.read_aliases(folder, crafted_scope())


def test_a_range_alias_with_no_code_left_in_the_newest_release_is_refused(tmp_path):
    folder = write(tmp_path / "names", **{"aliases.tsv": "old iliac\t37220-37229\n"})
    with pytest.raises(names_build.NamesError, match=r"line 2: every code of alias 'old iliac' \(37220-37229\)"):
        names_build.read_aliases(folder, crafted_scope())


def test_an_alias_that_still_lists_a_dropped_code_warns_once_and_keeps_the_alias(tmp_path):
    folder = write(tmp_path / "names", **{"aliases.tsv": "PTA\t37263 37220\nleg artery\t37220-37263\n"})
    warnings: list[str] = []
    aliases, _ = names_build.read_aliases(folder, crafted_scope(), warn=warnings.append)
    assert warnings == ["data/names/aliases.tsv line 2: alias 'PTA' still lists 37220, which R26 no longer has"]
    assert aliases["PTA"] == ["37263", "37220"]  # a range keeps whatever each release holds: no warning
    assert aliases["leg artery"] == ["37220", "37263"]


def test_the_build_warns_on_stderr_and_still_writes_the_files(tmp_path):
    cms_file("PPRRVU2026_Jul_nonQPP.csv")
    names_dir, out = tmp_path / "data" / "names", tmp_path / "out"
    shutil.copytree(REPO / "data" / "names", names_dir)
    shutil.copytree(REPO / "data" / "about", tmp_path / "data" / "about")
    with open(names_dir / "aliases.tsv", "a", encoding="utf-8") as fh:
        fh.write("old fem-pop stent\t37267 37226\n")
    done = subprocess.run([sys.executable, "-m", "rvutool.build", "--names", str(names_dir), "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("build warning: data/names/aliases.tsv line ") and "still lists 37226, which RVU26C" in line
    assert (out / "names.txt").exists() and (out / "about.txt").exists()


def test_the_committed_words_build_without_a_warning_and_to_the_same_bytes(tmp_path):
    cms_file("PPRRVU2026_Jul_nonQPP.csv")
    done = subprocess.run([sys.executable, "-m", "rvutool.build", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    for name in ("names.txt", "families.txt", "name_index.txt", "level2.txt", "about.txt"):
        assert (tmp_path / name).read_bytes() == (REPO / "data" / name).read_bytes(), name


# ---------------------------------------------------------------- a name of its own for every logged code
def test_a_paid_code_without_a_work_rvu_still_needs_a_name(tmp_path):
    folder = write(tmp_path / "names", **{"cpt3.tsv": "66988\tcataract surgery with endoscopic laser\n"})
    with pytest.raises(names_build.NamesError,
                       match=r"^data/names/cat3\.tsv, cpt1\.tsv\.\.cpt4\.tsv: "
                             r"no name for 66987 \(work RVU 0, a logged status\)"):
        names_build.read_names(folder, crafted_scope())


def test_two_logged_codes_shown_under_one_name_are_refused(tmp_path):
    folder = write(tmp_path / "names", **{"cpt3.tsv": "66987\tcataract surgery with lens implant\n"
                                                      "66988\tCataract surgery  with lens implant\n"})
    with pytest.raises(names_build.NamesError,
                       match=r"cpt3\.tsv line 3: 66988 is shown as 'Cataract surgery  with lens implant', the name "
                             r"of 66987 \(data/names/cpt3\.tsv line 2\)"):
        build(folder, crafted_scope(), tmp_path)


def test_a_short_name_equal_to_another_codes_cms_text_is_refused(tmp_path):
    folder = write(tmp_path / "names", **{"level2.tsv": "G2211\tFixture wellness text\n"})
    with pytest.raises(names_build.NamesError, match=r"G2211 is shown as 'Fixture wellness text', the name of G0438"):
        build(folder, crafted_scope(), tmp_path)


def test_a_logged_level_ii_code_with_neither_cms_text_nor_a_short_name_is_refused(tmp_path):
    folder = write(tmp_path / "names")
    with pytest.raises(names_build.NamesError, match=r"level2\.tsv: G0438 has a logged status but no name"):
        build(folder, crafted_scope(), tmp_path, hcpcs={"G2211": "Fixture text"})
    files = build(write(tmp_path / "more", **{"level2.tsv": "G0438\tannual wellness visit, first\n"}),
                  crafted_scope(), tmp_path, hcpcs={"G2211": "Fixture text"})
    assert b"G0438\trvutool\tannual wellness visit, first" in files["names.txt"]


# ---------------------------------------------------------------- Level II short names
def test_level_ii_short_names_keep_cms_long_text_beside_them(tmp_path):
    folder = write(tmp_path / "names", **{"level2.tsv": "G2211\tadd-on: visit complexity\n"})
    files = build(folder, crafted_scope(), tmp_path)
    assert b"G2211\trvutool\tadd-on: visit complexity\n" in files["names.txt"]
    assert b"G0438\thcpcs\tFixture wellness text\n" in files["names.txt"]
    assert files["level2.txt"].split(b"\n")[1] == b"G2211\tFixture long public text about visit complexity"


@pytest.mark.parametrize(("file", "line", "message"), [
    ("level2.tsv", "27447\tknee", r"27447 is not a HCPCS Level II code"),
    ("cpt4.tsv", "G2211\tadd-on", r"G2211 is a HCPCS Level II code: its short name goes in data/names/level2\.tsv"),
    ("level2.tsv", "G2211\t" + "x" * 71, r"71 characters, at most 70"),
    ("level2.tsv", "G9999\tmade up", r"'G9999' is not a code of any bundled release"),
])
def test_misplaced_or_bad_level_ii_names_are_refused(tmp_path, file, line, message):
    folder = write(tmp_path / "names", **{file: line + "\n"})
    with pytest.raises(names_build.NamesError, match=message):
        build(folder, crafted_scope(), tmp_path)


# ---------------------------------------------------------------- the five-word rule
def test_a_name_sharing_five_words_in_a_row_with_its_descriptor_is_refused(tmp_path):
    folder = write(tmp_path / "names", **{"cpt1.tsv": "27447\tthe knee implant alpha gamma, delta\n"
                                                      "37220\told\n37263\tnew\n"})
    with pytest.raises(names_build.NamesError,
                       match=r"cpt1\.tsv line 2: the name of 27447 .* shares 5 words in a row "
                             r"\('knee implant alpha gamma delta'\)"):
        names_build.read_names(folder, crafted_scope())


def test_four_words_in_a_row_are_fine_and_case_and_punctuation_do_not_hide_five():
    descriptors = ["Fixture knee implant alpha gamma delta"]
    assert names_build.shared_run("knee implant alpha gamma, in our words", descriptors) is None
    assert names_build.shared_run("KNEE-implant (alpha) gamma/delta", descriptors) == "knee implant alpha gamma delta"
    assert names_build.shared_run("2.6-5.0 cm wound", ["Rpr face 2.6-5.0 cm"]) == "2 6 5 0 cm"


def test_a_family_name_sharing_five_words_with_a_members_descriptor_is_refused(tmp_path):
    folder = write(tmp_path / "names", **{"families.tsv": "27447\t27447\tfixture knee implant alpha gamma\t\t\n"
                                                          "37220\t37263\tleg arteries\t\t\n"
                                                          "66987\t66988\tcataract surgery\t\t\n"
                                                          "D0120\tD0120\tdental exams\t\t\n"})
    with pytest.raises(names_build.NamesError, match=r"families\.tsv line 2: the family name of 27447-27447 .* shares"):
        names_build.read_families(folder, crafted_scope())
