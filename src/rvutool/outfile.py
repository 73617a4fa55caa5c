"""Write a user's output file safely: `export -o`, `report -o`, `reconcile --csv/--html`.

One writer for every file rvutool hands back to the user:
  - it replaces only a regular file: a device, a FIFO, a socket, a folder or a symbolic link at the
    target is refused by name (so `-o` never writes through a link or into /dev/something);
  - rvutool's own files (the log, its settings, imported releases) are refused;
  - the new file is written beside the target under a name of its own, fsynced, and renamed into place,
    so the target is the old file or the whole new one, never half of one; the result is 0600 (private:
    a report or an export is about the user's work) whether new or replaced;
  - a write that is interrupted (Ctrl-C, SIGTERM, SIGHUP, a full disk) removes its partial file; a
    process killed outright (SIGKILL, a power cut) cannot, so every write first removes the partial files
    that dead rvutool processes left in that folder.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from rvutool.errors import RvuError, UsageError

MODE = 0o600
PARTIAL_SUFFIX = ".rvutool-partial"
_PARTIAL = re.compile(r"^\..+\.(?P<pid>\d+)-[0-9a-z]{8}" + re.escape(PARTIAL_SUFFIX) + r"$")
# Older rvutools wrote `.NAME.XXXXXXXX.tmp` (tempfile.mkstemp) beside an export; one left by a kill is
# removed once it is clearly abandoned.
_LEGACY = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
LEGACY_AGE_S = 3600


def check(target: Path, typed: str) -> None:
    """Refuse, before any work is done, a target that could never be written (see the module's list)."""
    from rvutool import paths

    try:
        resolved = target.resolve()
        if resolved in {p.resolve() for p in paths.own_files()} or any(
                folder.resolve() in resolved.parents for folder in (paths.imports_dir(), paths.benchmarks_dir())):
            raise UsageError(f"-o {typed}: that is one of rvutool's own files; choose another file")
        found = _lstat(target)
        if found is not None and stat.S_ISDIR(found.st_mode):
            raise UsageError(f"-o {typed} is a directory; give a file name")
        _refuse_unless_regular(target, found)
        if not target.parent.is_dir():
            raise RvuError(f"cannot write {target}: folder {target.parent} does not exist")
    except OSError as exc:
        raise RvuError(f"cannot write {typed!r}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte
        raise UsageError(f"-o {typed!r} is not a file name") from None


def _lstat(target: Path) -> os.stat_result | None:
    try:
        return os.lstat(target)
    except FileNotFoundError:
        return None


def _refuse_unless_regular(target: Path, found: os.stat_result | None) -> None:
    if found is None or stat.S_ISREG(found.st_mode):
        return
    if stat.S_ISLNK(found.st_mode):
        raise RvuError(f"{target} is a symbolic link; rvutool does not write through links: give the file "
                       "it points to, or another name")
    kind = ("a directory" if stat.S_ISDIR(found.st_mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(found.st_mode)
            else "a device" if stat.S_ISCHR(found.st_mode) or stat.S_ISBLK(found.st_mode)
            else "a socket" if stat.S_ISSOCK(found.st_mode) else "not a regular file")
    raise RvuError(f"{target} is {kind}; rvutool replaces only a regular file: give another name")


def remove_stale_partials(folder: Path) -> list[str]:
    """Remove the partial files that rvutool processes no longer running left in `folder` (and old
    `.NAME.XXXXXXXX.tmp` ones more than an hour old); the names removed."""
    removed: list[str] = []
    try:
        listing = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for item in listing:
        if not item.name.startswith("."):
            continue
        match = _PARTIAL.match(item.name)
        legacy = None if match else _LEGACY.match(item.name)
        if match is None and legacy is None:
            continue
        try:
            found = item.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(found.st_mode) or found.st_uid != os.geteuid():
            continue
        if match is not None and (int(match["pid"]) == os.getpid() or _alive(int(match["pid"]))):
            continue
        if legacy is not None and (now - found.st_mtime < LEGACY_AGE_S or not (folder / legacy["name"]).exists()):
            continue
        try:
            os.unlink(item.path)
            removed.append(item.name)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP interrupt the write like Ctrl-C, so the partial file is removed on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    before = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


@contextmanager
def writing(target: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """`with writing(path) as out:` a file to fill; it becomes `target` when the block ends without an error.
    OSError becomes one RvuError naming the file."""
    remove_stale_partials(target.parent)
    partial = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{PARTIAL_SUFFIX}"
    done = False
    with _signals_interrupt():
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), MODE)
            try:
                os.fchmod(fd, MODE)  # the umask may have taken bits away; nothing may add any
                text = {} if binary else {"encoding": "utf-8", "newline": ""}
                with os.fdopen(fd, "wb" if binary else "w", **text) as out:
                    yield out
                    out.flush()
                    os.fsync(out.fileno())
                _refuse_unless_regular(target, _lstat(target))  # swapped for a device or a link meanwhile
                os.replace(partial, target)
                done = True
                _sync_folder(target.parent)
            finally:
                if not done:
                    _unlink(partial)
        except OSError as exc:
            raise RvuError(f"cannot write {target}: {exc.strerror or exc}") from None


def write_bytes(target: Path, payload: bytes) -> None:
    with writing(target, binary=True) as out:
        out.write(payload)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
