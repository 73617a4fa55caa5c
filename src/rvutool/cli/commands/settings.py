"""Settings and where files live: config list, get, set, unset; paths."""

from __future__ import annotations

from typing import Any

from rvutool.view import messages, terminal


def _config() -> Any:
    from rvutool import config

    return config.load()


def show_paths(as_json: bool = False) -> int:
    from rvutool import paths

    found = {name: str(path) for name, path in paths.all_paths().items()}
    from rvutool.log import location

    shared = location.url()
    if shared:
        found["log"] = location.shown(shared)
    if as_json:
        messages.print_json(found)
    else:
        terminal.key_values(found.items())
    return 0


def config_list(as_json: bool = False) -> int:
    from rvutool import config

    settings = config.load()
    if as_json:
        messages.print_json({"file": str(settings.path),
                           "settings": {key: {"value": value, "set": is_set, "help": meaning}
                                        for key, value, is_set, meaning in settings.rows()}})
    else:
        terminal.config_rows(settings.rows(), str(settings.path), settings.unknown)
    return 0


def config_get(key: str) -> int:
    """Print the value in force; a default is marked as such on stderr, an unset key with no default exits 1."""
    from rvutool import config

    spec = config.check_key(key)
    settings = config.load()
    value = settings.shown(spec.name)
    if value is None:
        messages.note(f"{spec.name} is not set (`rvutool config set {spec.name} VALUE` sets it)")
        return 1
    messages.line(str(value))
    if not settings.is_set(spec.name):
        messages.note(f"{spec.name} is not set; {value} is the default")
    return 0


def config_set(key: str, value: str) -> int:
    from rvutool import config

    spec = config.check_key(key)
    settings = config.set_value(spec.name, value)
    messages.line(f"{spec.name} = {settings.get(spec.name)}  (saved in {settings.path})")
    return 0


def config_unset(key: str) -> int:
    from rvutool import config

    spec = config.check_key(key)
    if config.unset(spec.name):
        default = config.KEYS[spec.name].default
        messages.line(f"{spec.name} removed" + (f"; the default {default} applies" if default is not None else ""))
    else:
        messages.line(f"{spec.name} was not set; nothing changed")
    return 0
