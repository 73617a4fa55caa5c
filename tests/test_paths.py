"""Where files live: RVUTOOL_HOME, `rvutool paths`, and reading commands that create nothing."""

from __future__ import annotations

from rvutool import paths


def test_rvutool_home_holds_every_user_file(rvutool, home):
    result = rvutool("paths", "--json")
    assert result.exit_code == 0
    found = result.json()
    for key in ("data directory", "config directory", "log", "config", "imported releases"):
        assert found[key].startswith(str(home)), key
    assert found["log"].endswith("log.sqlite3")
    assert found["config"].endswith("config.toml")


def test_the_table_names_each_file(rvutool):
    out = rvutool("paths").stdout
    assert "log" in out and "bundled dataset" in out


def test_without_rvutool_home_platform_directories_are_used(monkeypatch):
    monkeypatch.delenv("RVUTOOL_HOME")
    assert paths.data_dir().name == "rvutool"
    assert paths.config_dir().name == "rvutool"


def test_reading_commands_create_nothing(rvutool, home):
    for args in (["lookup", "99213"], ["lookup", "99213", "--json"], ["paths"], ["lookup", "99999"]):
        rvutool(*args)
    assert not home.exists()


def test_the_bundled_dataset_is_found():
    assert paths.bundled_dataset().is_file()
    assert paths.bundled_zip_localities().is_file()
