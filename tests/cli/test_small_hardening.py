"""Small hardening points from the adversarial review (issue 8, item 10)."""

from __future__ import annotations

import os
import stat

from rvutool import paths
from rvutool.cli import prompt
from rvutool.pricing.policy import Policy
from rvutool.pricing.rules import Options


def test_every_folder_rvutool_makes_is_0700_whatever_the_umask(rvutool, tmp_path, monkeypatch):
    home = tmp_path / "a" / "b" / "c"
    monkeypatch.setenv("RVUTOOL_HOME", str(home))
    old = os.umask(0o277)  # would leave 0500 folders that even the user cannot write into
    try:
        assert rvutool("log", "99213", "--date", "2026-05-01").exit_code == 0
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", home):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(paths.log_file().stat().st_mode) == 0o600


def test_an_item_that_would_fail_at_save_is_refused_at_its_prompt(rvutool, capsys):
    # -52 needs the share of the service: the prompt asks for it; declined, the item is not added
    answers = iter(["2026-05-01", "", "45378-52", "", "45378", "", "", "", "y"])
    status = prompt.run(date_text=None, note=None, case=None, options=Options(), allow_identifiers=False,
                             policy=Policy(), ask=lambda prompt: next(answers))
    out = capsys.readouterr().out
    assert status == 0
    assert "45378-52: -52 (reduced service) is credited at a share of the service" in out
    assert "45378-52 was not added" in out
    assert [e["code"] + "".join("-" + m for m in e["modifiers"])
            for e in rvutool("list", "--all", "--json").json()["entries"]] == ["45378"]


def test_a_period_in_year_one_says_what_is_wrong(rvutool):
    out = rvutool("summary", "--from", "0001-01-01", "--to", "0001-12-31", "--target", "10")
    assert out.exit_code == 2
    assert out.stderr == "Error: --from '0001-01-01' is out of range: give a date from 1900 to 2999\n"


def test_calc_and_log_read_the_setting_alike(rvutool):
    # one parser for --setting: both accept "non-facility" and the prompt's words (office = non-facility),
    # and both refuse what is neither with exit 2
    calc = rvutool("calc", "99213", "--setting", "non-facility", "--json", "--date", "2026-05-01")
    logged = rvutool("log", "99213", "--setting", "non-facility", "--json", "--date", "2026-05-01")
    assert (calc.exit_code, logged.exit_code) == (0, 0)
    assert calc.json()["setting"] == logged.json()["lines"][0]["setting"] == "nonfacility"
    office = rvutool("calc", "99213", "--setting", "office", "--json", "--date", "2026-05-01")
    assert office.exit_code == 0 and office.json()["setting"] == "nonfacility"
    assert rvutool("calc", "99213", "--setting", "garage").exit_code == 2
    assert rvutool("log", "99213", "--setting", "garage").exit_code == 2


def test_export_never_writes_over_rvutools_own_files(rvutool):
    rvutool("log", "99213", "--date", "2026-05-01")
    assert rvutool("config", "set", "rate", "55").exit_code == 0
    before = paths.config_file().read_bytes()
    for target in (paths.config_file(), paths.log_file(), paths.imports_dir() / "releases.json"):
        out = rvutool("export", "-o", str(target))
        assert out.exit_code == 2 and "rvutool's own files" in out.stderr, out.stderr
    assert paths.config_file().read_bytes() == before
