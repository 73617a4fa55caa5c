"""A folder as a read-only file system (a backup mount, a snapshot), for the log's tests."""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager

import pytest


@contextmanager
def read_only(folder, tmp_path):
    """The folder read-only: a read-only bind mount when running as root (root writes through permissions),
    else a folder without write permission."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        try:
            yield folder
        finally:
            os.chmod(folder, 0o700)
        return
    view = tmp_path / "read-only-view"
    view.mkdir()
    if subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(view)], capture_output=True).returncode:
        pytest.skip("cannot make a read-only mount here (root without CAP_SYS_ADMIN)")
    try:
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)
