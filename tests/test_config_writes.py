"""Writing the settings file: clashes refused by name, valid TOML always, links kept, write failures
reported in one line with the old file intact, files nested too deeply named (issue 8, item 2)."""

from __future__ import annotations

import errno
import os
import tempfile
import tomllib
from datetime import UTC, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvutool import config, paths, tomlout
from rvutool.errors import ConfigError


def _write(home: Path, text: str) -> Path:
    home.mkdir(exist_ok=True)
    path = paths.config_file()
    path.write_text(text)
    return path


def _one_line_error(out) -> None:
    assert out.stderr.startswith("Error: ") and out.stderr.count("\n") == 1, out.stderr
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr


# ---------------------------------------------------------------- a key where a table is needed, or the reverse
@pytest.mark.parametrize(("text", "key", "value", "words"), [
    ("target = 5\n", "target.month", "600", "target is a value, not a table"),
    ('target = "x"\n', "target.year", "7200", "target is a value, not a table"),
    ("target = [1, 2]\n", "target.month", "600", "target is a value, not a table"),
    ('policy = "none"\n', "policy.bilateral", "none", "policy is a value, not a table"),
    ("[rate]\nx = 1\n", "rate", "55", "rate is a table, not a value"),
    ("rate = {x = 1}\n", "rate", "55", "rate is a table, not a value"),
    ("[target.month]\nx = 1\n", "target.month", "600", "target.month is a table, not a value"),
])
def test_a_clash_is_refused_by_name_and_the_file_left_alone(rvutool, home, text, key, value, words):
    path = _write(home, text)
    before = path.read_bytes()
    out = rvutool("config", "set", key, value)
    assert out.exit_code == 1
    _one_line_error(out)
    assert words in out.stderr and f"cannot set {key}" in out.stderr and str(path) in out.stderr
    assert path.read_bytes() == before
    # the file still works for everything else
    assert rvutool("config", "list").exit_code == 0
    assert rvutool("config", "unset", key).exit_code == 0
    assert rvutool("config", "set", "fiscal_year_start", "7").exit_code == 0
    data = tomllib.loads(path.read_text())
    assert data == {**tomllib.loads(text), "fiscal_year_start": 7}


def test_unset_drops_the_table_it_empties(rvutool, home):
    path = _write(home, "[display]\n")
    assert rvutool("config", "set", "target.month", "600").exit_code == 0
    assert rvutool("config", "unset", "target.month").exit_code == 0
    assert tomllib.loads(path.read_text()) == {"display": {}}


# ---------------------------------------------------------------- the writer: valid TOML, same values
ODD_FILE = r'''
"quoted key" = "tab\there, quote \" and backslash \\ and del \u007f"
"dotted.name" = 1
'' = "empty key"
when = 1979-05-27T07:32:00-08:00
local = 1979-05-27T07:32:00.999999
day = 1979-05-27
at = 07:32:00
big = 0xffffffffffffffffffffffffffffffffffffffffffffffff
floats = [1.5, 1e300, -0.0, inf, -inf, 6.02E+23]
mixed = [1, "two", [3, {four = 4}], {}]
[[servers]]
name = "a"
[[servers]]
name = "b"
[deep."é".x]
y = true
'''


def test_unknown_keys_of_every_kind_survive_a_set(rvutool, home):
    path = _write(home, ODD_FILE)
    before = tomllib.loads(path.read_text(), parse_float=Decimal)
    assert rvutool("config", "set", "target.month", "600").exit_code == 0
    after = tomllib.loads(path.read_text(), parse_float=Decimal)
    assert after == {**before, "target": {"month": 600}}
    listing = rvutool("config", "list")
    assert '"dotted.name" is not a setting' in listing.stderr  # a quoted key is shown quoted
    assert rvutool("config", "get", "target.month").stdout == "600\n"


def test_a_quoted_key_with_a_dot_is_not_a_setting(home):
    _write(home, '"target.month" = "not a number"\n')
    settings_ = config.load()
    assert settings_.values == {} and list(settings_.unknown) == ['"target.month"']


_keys = st.text(max_size=8)
_scalars = st.one_of(
    st.booleans(), st.integers(), st.text(max_size=12),
    st.decimals(allow_nan=False, places=None), st.dates(), st.times(),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-8)),
                                            timezone(timedelta(hours=5, minutes=30))])),
)
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(_keys, inner, max_size=3)),
                       max_leaves=8)
_tables = st.recursive(st.dictionaries(_keys, _values, max_size=4),
                       lambda inner: st.dictionaries(_keys, inner, max_size=3), max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(_tables)
def test_written_toml_reads_back_the_same(table):
    text = tomlout.dumps(table, "# header")
    assert tomllib.loads(text, parse_float=Decimal) == table


def _without(table: dict, parts: list[str]) -> dict:
    """The table without one key, and without the tables that leaves empty (on that path only)."""
    out = dict(table)
    node, chain = out, []
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            return out
        node[part] = dict(node[part])
        chain.append((node, part))
        node = node[part]
    node.pop(parts[-1], None)
    for parent, part in reversed(chain):
        if parent[part]:
            break
        del parent[part]
    return out


_settings = st.sampled_from([("rate", "55.5"), ("target.month", "600"), ("target.year", "7200.25"),
                             ("fiscal_year_start", "jul"), ("locality", "01182-18"), ("policy.bilateral", "none")])
_near_settings = st.dictionaries(st.sampled_from(["rate", "target", "policy", "locality", "other"]),
                                 st.one_of(_values, st.dictionaries(st.sampled_from(["month", "year", "bilateral",
                                                                                     "x"]), _values, max_size=2)),
                                 max_size=3)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(_tables, _near_settings), _settings)
def test_set_value_keeps_the_file_valid_or_refuses_and_leaves_it(table, setting):
    key, value = setting
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        original = tomlout.dumps(table).encode()
        path.write_bytes(original)
        try:
            config.load(path)
        except ConfigError:
            return  # a known key with a value rvutool refuses: a damaged file, left alone
        try:
            updated = config.set_value(key, value, path=path)
        except ConfigError as err:
            assert "\n" not in err.message and f"cannot set {key}" in err.message
            assert path.read_bytes() == original
            return
        after = tomllib.loads(path.read_text(), parse_float=Decimal)
        assert _without(after, key.split(".")) == _without(table, key.split("."))
        assert config.load(path).values == updated.values


# ---------------------------------------------------------------- links, unwritable homes, a full disk
def test_a_linked_settings_file_stays_a_link(rvutool, home, tmp_path):
    real = tmp_path / "dotfiles" / "rvutool.toml"
    real.parent.mkdir()
    real.write_text("rate = 50\n")
    home.mkdir()
    link = paths.config_file()
    link.symlink_to(real)
    assert rvutool("config", "set", "target.month", "600").exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert tomllib.loads(real.read_text()) == {"rate": 50, "target": {"month": 600}}
    assert rvutool("config", "unset", "rate").exit_code == 0
    assert link.is_symlink() and tomllib.loads(real.read_text()) == {"target": {"month": 600}}
    assert sorted(p.name for p in real.parent.iterdir()) == ["rvutool.toml"]  # no temporary file left


@pytest.mark.parametrize("where", ["home is a file", "home under a file"])
def test_set_when_the_home_cannot_be_a_folder(rvutool, home, monkeypatch, where):
    home.write_text("not a folder\n")
    if where == "home under a file":
        monkeypatch.setenv("RVUTOOL_HOME", str(home / "sub"))
    out = rvutool("config", "set", "rate", "55")
    assert out.exit_code == 1
    _one_line_error(out)
    assert "cannot save settings" in out.stderr and "is not a folder" in out.stderr
    assert home.read_text() == "not a folder\n"


def test_set_when_the_home_is_read_only(rvutool, home, monkeypatch):
    path = _write(home, "rate = 50\n")
    if os.geteuid() == 0:  # root writes anywhere: refuse the way a read-only folder does
        import tempfile as tempfile_module

        def refuse(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(tempfile_module, "mkstemp", refuse)
    else:
        home.chmod(0o500)
    try:
        out = rvutool("config", "set", "rate", "55")
    finally:
        home.chmod(0o700)
    assert out.exit_code == 1
    _one_line_error(out)
    assert "cannot save settings" in out.stderr and "Permission denied" in out.stderr
    assert path.read_text() == "rate = 50\n"


def test_set_when_the_home_cannot_be_created(rvutool, home, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    out = rvutool("config", "set", "rate", "55")
    assert out.exit_code == 1
    _one_line_error(out)
    assert "cannot save settings" in out.stderr and "Permission denied" in out.stderr


def test_a_full_disk_leaves_the_old_file(rvutool, home, monkeypatch):
    path = _write(home, "rate = 50\n")

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    out = rvutool("config", "set", "rate", "55")
    assert out.exit_code == 1
    _one_line_error(out)
    assert "No space left on device" in out.stderr and "nothing was changed" in out.stderr
    assert path.read_text() == "rate = 50\n"
    assert sorted(p.name for p in home.iterdir()) == [".config.toml.lock", "config.toml"]


# ---------------------------------------------------------------- files no reader should choke on
@pytest.mark.parametrize("text", [
    "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "a = " + "{b = " * 5000 + "1" + "}" * 5000 + "\n",
    "a = " + "1" * 5000 + "\n",  # more digits than Python turns into an int
])
def test_a_file_too_deep_or_too_long_to_read_is_named(rvutool, home, text):
    path = _write(home, text)
    for args in (("config", "list"), ("config", "set", "rate", "55"), ("config", "unset", "rate"), ("summary",)):
        out = rvutool(*args)
        assert out.exit_code == 1, args
        _one_line_error(out)
        assert str(path) in out.stderr
    assert path.read_text() == text


def test_tables_nested_thousands_deep_are_read_and_kept(rvutool, home):
    header = "[" + ".".join(["a"] * 5000) + "]\nx = 1\n"
    path = _write(home, header)
    assert rvutool("config", "list").exit_code == 0
    assert rvutool("config", "set", "rate", "55").exit_code == 0
    node = tomllib.loads(path.read_text())
    assert node.pop("rate") == 55
    for _ in range(5000):
        node = node["a"]
    assert node == {"x": 1}
