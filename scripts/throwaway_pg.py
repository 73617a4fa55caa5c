"""A throwaway PostgreSQL server for tests and benchmarks: initdb and pg_ctl from Debian's `postgresql`
package, a Unix socket in a temporary folder, no network, run as `nobody` when we are root (PostgreSQL
refuses to run as root). Nothing here is part of rvutool itself.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SUPER_PASSWORD = "owner-secret-1"


def bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    return Path(which).resolve().parent if which else None


class Unavailable(Exception):
    """No PostgreSQL binaries here (or no way to run them as an unprivileged user)."""


@dataclass
class Server:
    socket_dir: str
    data_dir: str
    bindir: str
    as_user: tuple[str, ...] = field(default_factory=tuple)
    port: int = 5432

    def url(self, user: str, password: str, db: str) -> str:
        return f"postgresql://{user}:{password}@/{db}?host={self.socket_dir}&port={self.port}"

    def admin(self, db: str = "postgres"):
        import psycopg

        return psycopg.connect(self.url("postgres", SUPER_PASSWORD, db), autocommit=True)

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run([*self.as_user, str(Path(self.bindir) / "pg_ctl"), "-D", self.data_dir, *args],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.socket_dir, check=True)

    def start(self) -> None:
        options = f"-c listen_addresses='' -k {self.socket_dir} -c fsync=off -c max_connections=60"
        self._pg_ctl("-l", str(Path(self.socket_dir) / "log"), "-w", "-o", options, "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def start() -> Server:
    """A new server in a new temporary folder, started; `remove()` it when done."""
    bindir = bin_dir()
    if bindir is None:
        raise Unavailable("PostgreSQL's initdb and pg_ctl are not installed")
    root = Path(tempfile.mkdtemp(prefix="rvupg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise Unavailable("running as root without runuser: cannot start PostgreSQL as an unprivileged user")
        as_user = [runuser, "-u", "nobody", "--"]
        shutil.chown(root, "nobody")
    os.chmod(root, 0o755)
    pwfile = root / "pw"
    pwfile.write_text(SUPER_PASSWORD + "\n")
    if as_user:
        shutil.chown(pwfile, "nobody")
    data = root / "data"
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
                    "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, cwd=root)
    pwfile.unlink()
    server = Server(str(root), str(data), str(bindir), tuple(as_user))
    server.start()
    return server
