"""The app's database, one per server process, and the data version cached reads key on.

Kept apart from sign-in (`ui.auth`) and the page guard (`ui.session`), which both need it,
so neither imports the other's module to reach the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from streamlit.runtime.scriptrunner import get_script_run_ctx

from cxos.identity import audit
from cxos.storage import Database, resolve_path

# One `Database` per file for the whole server process. A plain dict, not
# `st.cache_resource`: every page asks for the database a dozen times a rerun, and each
# cached call costs Streamlit's hashing of its arguments (a tenth of a loaded server's time).
T = TypeVar("T")
_DATABASES: dict[Path, Database] = {}
_OPENING = threading.Lock()


def database() -> Database:
    """The app's database: `CXOS_DB`, else data/cxos.duckdb (created and upgraded)."""
    path = resolve_path()
    found = _DATABASES.get(path)
    if found is None:
        with _OPENING:
            found = _DATABASES.get(path)
            if found is None:  # a file refused raises here, and is tried again next time
                found = _DATABASES[path] = Database(path)
    return found


# What each session worked out in its current script run: session id -> (the run's cursor
# map, which Streamlit makes anew for every run, and the values by name).
_RUN_VALUES: dict[str, tuple[object, dict[str, Any]]] = {}


def once_per_run(name: str, compute: Callable[[], T]) -> T:
    """`compute()`, worked out once per script run of this session (every time outside one).

    For what a page asks several times a run and may change between runs (the data
    version, the sign-in mode): with many sessions at once, each extra question costs.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return compute()
    run = _RUN_VALUES.get(ctx.session_id)
    if run is None or run[0] is not ctx.cursors:
        if len(_RUN_VALUES) > 10_000:  # sessions come and go; forget the old ones
            _RUN_VALUES.clear()
        run = _RUN_VALUES[ctx.session_id] = (ctx.cursors, {})
    values = run[1]
    if name not in values:
        values[name] = compute()
    return values[name]  # type: ignore[no-any-return]


def data_version() -> int:
    """Changes after every write; pass it to `st.cache_data` functions as an argument.

    Asked of the database once per script run: a page keys several cached reads by it,
    and with many sessions at once each extra question waits for the database.
    """
    if get_script_run_ctx() is None:
        return audit.data_version(database())
    return once_per_run("data_version", _version_of_files)


# The version last read, keyed by the database and its stamp (for the DuckDB file: the file
# and its write-ahead log as the file system sees them). Every committed write, by this
# process or the command line, changes the stamp, so an unchanged stamp means an unchanged
# version: reruns then ask only the file system, not the database (a query each run was
# most of a small page's time with many sessions). A store with no stamp (PostgreSQL) is
# asked each run.
_FILE_VERSION: dict[str, tuple[tuple[int, ...], int]] = {}


def _version_of_files() -> int:
    db = database()
    before = db.stamp()
    known = _FILE_VERSION.get(db.location)
    if before is not None and known is not None and known[0] == before:
        return known[1]
    version = audit.data_version(db)
    if before is not None and db.stamp() == before:  # no write landed while we asked
        _FILE_VERSION[db.location] = (before, version)
    return version


def forget_version() -> None:
    """After a write: the next `data_version()` asks the database again."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        _RUN_VALUES.pop(ctx.session_id, None)
    _FILE_VERSION.clear()
