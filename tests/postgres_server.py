"""A throwaway PostgreSQL server for the tests on the PostgreSQL store.

`python tests/postgres_server.py start DIR` initialises a cluster in DIR (initdb, as a
non-root user: PostgreSQL refuses to run as root), starts it on 127.0.0.1 on a free port
with durability switched off (a test server loses nothing worth keeping), and prints its
URL; `stop DIR` stops it. `.ci/run` uses both and hands the URL to the tests as
CXOS_TEST_POSTGRES. Each test then gets a database of its own (tests/conftest.py).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

_USER = "postgres"  # Debian's package creates it; `start` creates it when missing


def _bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise SystemExit(f"{name} not found: install PostgreSQL (Debian: postgresql)")
    return found


def _as_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", _USER], check=True)
    return ["runuser", "-u", _USER, "--", *command]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        _as_user(["true"])  # make sure the user exists before handing it the folder
        shutil.chown(folder, _USER)
    data, port = folder / "data", _free_port()
    subprocess.run(
        _as_user(
            [
                _bin("initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "cxos",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    )
    subprocess.run(
        _as_user(
            [
                _bin("pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return f"postgresql://cxos@127.0.0.1:{port}/postgres"


def stop(folder: Path) -> None:
    subprocess.run(
        _as_user([_bin("pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"]),
        check=False,
        stdout=subprocess.DEVNULL,
    )


if __name__ == "__main__":
    verb, where = sys.argv[1], Path(sys.argv[2])
    if verb == "start":
        print(start(where))
    else:
        stop(where)
