"""Every file location rvutool uses, in one place.

Reading a path never creates anything; writers call `ensure_private_dir` first.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "rvutool"
HOME_ENV = "RVUTOOL_HOME"

_PACKAGE_DIR = Path(__file__).resolve().parent
# In a wheel the dataset sits inside the package; in a checkout or an editable
# install it is the repository's own data/ folder, two levels above src/rvutool.
_BUNDLED_CANDIDATES = (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent.parent / "data")


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """Where the log and imported CMS releases live."""
    home = _home_override()
    if home is not None:
        return home
    import platformdirs

    return platformdirs.user_data_path(APP, appauthor=False)


def config_dir() -> Path:
    home = _home_override()
    if home is not None:
        return home
    import platformdirs

    return platformdirs.user_config_path(APP, appauthor=False)


def log_file() -> Path:
    return data_dir() / "log.sqlite3"


def config_file() -> Path:
    return config_dir() / "config.toml"


def history_file() -> Path:
    """The log prompt's line history (codes, @favourites and search words typed at its item prompt; never notes)."""
    return data_dir() / "prompt_history"


def imports_dir() -> Path:
    """Releases and descriptors the user imported from their own CMS download."""
    return data_dir() / "imported"


def descriptors_file() -> Path:
    return imports_dir() / "descriptors.json"


def ncci_file() -> Path:
    """The NCCI edits (PTP pairs, MUEs) the user imported: one indexed SQLite database, never the log."""
    return data_dir() / "ncci.sqlite3"


def benchmarks_dir() -> Path:
    """Benchmark tables the user imported (their own licensed reference data): one JSON file per table, 0600."""
    return data_dir() / "benchmarks"


def bundled_file(name: str) -> Path:
    for folder in _BUNDLED_CANDIDATES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return _BUNDLED_CANDIDATES[-1] / name


def bundled_dataset() -> Path:
    return bundled_file("codes.json")


def bundled_zip_localities() -> Path:
    return bundled_file("zip_localities.json")


def bundled_g2211_rules() -> Path:
    """When Medicare pays G2211 (samedayrules.py), with its sources."""
    return bundled_file("g2211_rules.json")


def bundled_names() -> Path:
    """Names of codes (names/table.py); families.txt and name_index.txt lie beside it."""
    return bundled_file("names.txt")


def ensure_private_dir(path: Path) -> Path:
    """Create a directory for writing, and each missing parent, at 0700 whatever the umask; leave an
    existing one as it is."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # made by another rvutool a moment ago
            continue
        os.chmod(folder, 0o700)  # mkdir's mode is cut by the umask
    if not path.is_dir():
        raise FileExistsError(17, "a file is in the way of a folder", str(path))
    return path


def own_files() -> list[Path]:
    """Files rvutool keeps that an export must never overwrite."""
    log = log_file()
    return [log, Path(f"{log}-wal"), Path(f"{log}-shm"), config_file(), imports_dir() / "releases.json",
            descriptors_file(), history_file(), ncci_file(), benchmarks_dir()]


def all_paths() -> dict[str, Path]:
    return {
        "data directory": data_dir(),
        "config directory": config_dir(),
        "log": log_file(),
        "config": config_file(),
        "imported releases": imports_dir(),
        "imported descriptors": descriptors_file(),
        "imported NCCI edits": ncci_file(),
        "prompt history": history_file(),
        "benchmark tables": benchmarks_dir(),
        "bundled dataset": bundled_dataset(),
        "bundled ZIP localities": bundled_zip_localities(),
        "bundled names": bundled_names(),
        "bundled G2211 rules": bundled_g2211_rules(),
    }
