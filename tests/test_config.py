"""Settings: `rvutool config list|get|set|unset`, the TOML file, validation and Config.policy()."""

from __future__ import annotations

import os
import stat
import tomllib
from decimal import Decimal

import pytest

from rvutool import config, paths
from rvutool.errors import ConfigError, UsageError
from rvutool.pricing.rules import Policy


def test_reading_creates_nothing(rvutool, home):
    settings = config.load()
    assert settings.values == {} and settings.rate is None and settings.fiscal_year_start == 1
    assert rvutool("config", "list").exit_code == 0
    assert rvutool("config", "get", "fiscal_year_start").exit_code == 0
    assert not home.exists()


def test_set_get_unset_round_trip(rvutool):
    out = rvutool("config", "set", "rate", "$52.50")
    assert out.exit_code == 0 and out.stdout.startswith("rate = 52.50")
    assert rvutool("config", "get", "rate").stdout == "52.50\n"
    assert config.load().rate == Decimal("52.50")
    assert rvutool("config", "unset", "rate").stdout.startswith("rate removed")
    out = rvutool("config", "get", "rate")
    assert out.exit_code == 1 and "rate is not set" in out.stderr
    assert "was not set; nothing changed" in rvutool("config", "unset", "rate").stdout


def test_file_is_toml_private_and_atomic(rvutool):
    for key, value in (("rate", "55"), ("target.month", "600"), ("target.year", "7200.5"),
                       ("fiscal_year_start", "Jul"), ("locality", "01182-18"), ("policy.bilateral", "NONE")):
        assert rvutool("config", "set", key, value).exit_code == 0, key
    path = paths.config_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    data = tomllib.loads(path.read_text())
    assert data == {"rate": 55, "fiscal_year_start": 7, "locality": "01182-18",
                    "target": {"month": 600, "year": 7200.5}, "policy": {"bilateral": "none"}}
    # no temporary file left; .config.toml.lock serialises concurrent `config set` runs
    assert sorted(p.name for p in path.parent.iterdir()) == [".config.toml.lock", "config.toml"]


def test_defaults_shown_by_get_and_list(rvutool):
    out = rvutool("config", "get", "policy.multiple_procedure")
    assert out.exit_code == 0 and out.stdout == "medicare\n" and "default" in out.stderr
    rvutool("config", "set", "rate", "55")
    listing = rvutool("config", "list", "--json").json()
    assert listing["settings"]["rate"] == {"value": 55, "set": True, "help": config.KEYS["rate"].help}
    assert listing["settings"]["fiscal_year_start"]["set"] is False
    text = rvutool("config", "list").stdout
    assert "target.month" in text and "(not set)" in text and "default" in text


@pytest.mark.parametrize(("key", "value", "words"), [
    ("rate", "abc", "expected dollars per wRVU"),
    ("rate", "0", "greater than 0"),
    ("rate", "-5", "greater than 0"),
    ("rate", "55.555", "at most 2 decimals"),
    ("rate", "nan", "expected dollars"),
    ("target.month", "lots", "a number of wRVUs"),
    ("fiscal_year_start", "13", "a month"),
    ("fiscal_year_start", "ju", "a month"),  # june or july?
    ("locality", "1182", "locality id"),
    ("policy.bilateral", "sometimes", "medicare or none"),
    ("policy.imaging_pc_reduction", "yes", "on or off"),
])
def test_bad_values_are_refused(rvutool, key, value, words):
    out = rvutool("config", "set", key, "--", value)  # "--" lets a value start with "-"
    assert out.exit_code == 2
    assert out.stderr.startswith("Error: ") and out.stderr.count("\n") == 1 and words in out.stderr
    assert not paths.config_file().exists()


def test_unknown_key_is_a_usage_error(rvutool):
    for args in (("set", "rat", "55"), ("get", "colour"), ("unset", "target")):
        out = rvutool("config", *args)
        assert out.exit_code == 2 and "unknown setting" in out.stderr and "target.month" in out.stderr


def test_corrupt_file_is_named_and_left_alone(rvutool, home):
    home.mkdir()
    path = paths.config_file()
    path.write_text("rate = = 55\n")
    for args in (("config", "list"), ("config", "set", "rate", "60"), ("summary",)):
        out = rvutool(*args)
        assert out.exit_code == 1 and str(path) in out.stderr and "not valid TOML" in out.stderr
    assert path.read_text() == "rate = = 55\n"


def test_bad_value_in_the_file_is_a_config_error(home):
    home.mkdir()
    paths.config_file().write_text('rate = "free"\n')
    with pytest.raises(ConfigError) as err:
        config.load()
    assert "rate" in err.value.message and "config unset rate" in err.value.message


def test_unknown_keys_in_the_file_are_kept(rvutool, home):
    home.mkdir()
    paths.config_file().write_text('colour = "blue"\n[display]\nwide = true\n')
    out = rvutool("config", "list")
    assert out.exit_code == 0 and "colour is not a setting rvutool knows" in out.stderr
    rvutool("config", "set", "rate", "55")
    data = tomllib.loads(paths.config_file().read_text())
    assert data == {"colour": "blue", "rate": 55, "display": {"wide": True}}


def test_policy_is_built_from_the_policy_keys():
    assert config.load().policy() == Policy()
    config.set_value("policy.multiple_procedure", "none")
    config.set_value("policy.published_not_payable", "exclude")
    assert config.load().policy() == Policy(multiple_procedure="none", published_not_payable="exclude")


def test_policy_defaults_agree_with_rules():
    # summary.py reads the defaults from config.KEYS to avoid importing rules; they must match
    defaults = {name.split(".", 1)[1]: spec.default for name, spec in config.KEYS.items()
                if name.startswith("policy.")}
    assert defaults == Policy().to_dict()


def test_parse_value_names_the_option():
    with pytest.raises(UsageError) as err:
        config.parse_value("rate", "x", option="--rate")
    assert err.value.message.startswith("--rate 'x' is not valid")


def test_concurrent_config_sets_all_land(home):
    """Eight processes each set a different key at once: every value is in the file afterwards."""
    import os
    import subprocess
    import sys

    keys = [("rate", "55"), ("target.month", "600"), ("target.year", "7200"), ("fiscal_year_start", "7"),
            ("policy.bilateral", "none"), ("policy.assistant", "none"), ("locality", "01182-18"),
            ("policy.imaging_pc_reduction", "off")]
    procs = [subprocess.Popen([sys.executable, "-m", "rvutool", "config", "set", key, value],
                              env=dict(os.environ, RVUTOOL_HOME=str(home)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for key, value in keys]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    text = (home / "config.toml").read_text()
    for key, _ in keys:
        assert key.split(".")[-1] in text, key
