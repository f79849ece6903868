"""The app's database, one per server process, and the data version cached reads key on.

Kept apart from sign-in (`ui.auth`) and the page guard (`ui.session`), which both need it,
so neither imports the other's module to reach the database.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cxos.identity import audit
from cxos.storage import Database, resolve_path


@st.cache_resource(show_spinner=False)
def _database(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """The app's database: `CXOS_DB`, else data/cxos.duckdb (created and upgraded)."""
    return _database(str(resolve_path()))


# The data version each session saw in its current script run: session id -> (the run's
# cursor map, which Streamlit makes anew for every run, and the version).
_RUN_VERSION: dict[str, tuple[object, int]] = {}


def data_version() -> int:
    """Changes after every write; pass it to `st.cache_data` functions as an argument.

    Asked of the database once per script run: a page keys several cached reads by it,
    and with many sessions at once each extra question waits for the database.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return audit.data_version(database())
    seen = _RUN_VERSION.get(ctx.session_id)
    if seen is not None and seen[0] is ctx.cursors:
        return seen[1]
    version = _version_of_files()
    if len(_RUN_VERSION) > 10_000:  # sessions come and go; forget the old ones
        _RUN_VERSION.clear()
    _RUN_VERSION[ctx.session_id] = (ctx.cursors, version)
    return version


# The version last read, keyed by the database and its write-ahead log as the file system
# sees them (modification time and size). Every committed write, by this process or the
# command line, appends to the log or (after a checkpoint) rewrites the file, so an
# unchanged stamp means an unchanged version: reruns then ask only the file system, not
# the database (a query each run was most of a small page's time with many sessions).
_FILE_VERSION: dict[str, tuple[tuple[int, ...], int]] = {}


def _stamp(path: Path) -> tuple[int, ...]:
    stamp: list[int] = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            found = os.stat(file)
            stamp += [found.st_mtime_ns, found.st_size, found.st_ino]
        except OSError:
            stamp += [0, 0, 0]
    return tuple(stamp)


def _version_of_files() -> int:
    db = database()
    key = str(db.path)
    before = _stamp(db.path)
    known = _FILE_VERSION.get(key)
    if known is not None and known[0] == before:
        return known[1]
    version = audit.data_version(db)
    if _stamp(db.path) == before:  # no write landed while we asked
        _FILE_VERSION[key] = (before, version)
    return version


def forget_version() -> None:
    """After a write: the next `data_version()` asks the database again."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        _RUN_VERSION.pop(ctx.session_id, None)
    _FILE_VERSION.clear()
