"""A PostgreSQL server the index tests start themselves, as they start anvil: initdb into a temporary
folder, pg_ctl start on a free port (TCP on 127.0.0.1 only, trust authentication, fsync off), stopped
and deleted at the end. Debian's binaries (/usr/lib/postgresql/N/bin, `make setup` installs them)
or any on PATH. PostgreSQL refuses to run as root: as root the server runs as `nobody`."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from deploy.nodes import free_port

UNPRIVILEGED = "nobody"


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's newest version, else the one on PATH."""
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[-3]))
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _runuser() -> str:
    """util-linux's runuser: in /usr/sbin, which a non-login root PATH may lack."""
    candidates = (shutil.which("runuser"), "/usr/sbin/runuser", "/sbin/runuser")
    found = next((path for path in candidates if path and os.path.exists(path)), None)
    if found is None:
        raise AssertionError("no runuser (util-linux): needed to run PostgreSQL as an unprivileged user")
    return found


def _as_server_user(command: list[str]) -> list[str]:
    return [_runuser(), "-u", UNPRIVILEGED, "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgresql_server():
    """Yields the URL of a fresh database (postgresql://postgres@127.0.0.1:PORT/postgres)."""
    folder = binaries()
    if folder is None:
        raise AssertionError("no PostgreSQL binaries: `make setup` installs Debian's postgresql")
    root = Path(tempfile.mkdtemp(prefix="lt-postgres-"))  # not under pytest's tmp (root-only folders)
    data = root / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam(UNPRIVILEGED)
        os.chown(root, user.pw_uid, user.pw_gid)
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    try:
        subprocess.run(
            _as_server_user(
                [str(folder / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
            ),
            **run,
        )
        for _ in range(3):  # another process may take the probed port before the server binds it
            port = free_port()
            options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
            started = subprocess.run(
                _as_server_user(
                    [str(folder / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o", options, "start"]
                ),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if started.returncode == 0:
                break
        else:
            log = (root / "log").read_text() if (root / "log").exists() else ""
            raise AssertionError(f"PostgreSQL did not start: {started.stderr}\n{log[-2000:]}")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_server_user([str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                timeout=120,
                check=False,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
