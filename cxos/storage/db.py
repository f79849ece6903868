"""The one object that owns every connection to a CXOS database file.

DuckDB lets only one process hold a database file, and a connection object must not be
shared between threads. So a `Database` opens a fresh connection for each unit of work
(a read or one write transaction) and closes it afterwards: the app and the command line
can take turns on the same file, and threads never share a connection. Lock errors and
write-write conflicts are retried with backoff; when the retries run out the caller gets a
`DatabaseBusy` with a message a person can act on, and nothing is half-written because
every write is one transaction.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from cxos.errors import CxosError, DatabaseBusy
from cxos.storage.migrations import MIGRATIONS

T = TypeVar("T")
Connection = duckdb.DuckDBPyConnection

DEFAULT_PATH = Path("data") / "cxos.duckdb"
# Nothing may be fetched at run time: extensions are neither installed nor loaded on demand.
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
_BUSY_SECONDS = float(os.environ.get("CXOS_BUSY_SECONDS", "10"))


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database path: `--db`, else `CXOS_DB`, else `data/cxos.duckdb`."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("CXOS_DB") or DEFAULT_PATH)


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _is_conflict(error: Exception) -> bool:
    return isinstance(error, duckdb.TransactionException) and "conflict" in str(error).lower()


def _backoff(attempt: int) -> float:
    return min(0.5, 0.01 * 2**attempt) * (0.5 + random.random())


class Database:
    """A CXOS database file; creates and upgrades its schema on first use."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, upgrade: bool = True):
        self.path = resolve_path(path)
        self._ready = False
        self._lock = threading.Lock()
        if upgrade:
            self.ensure_schema()

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r})"

    # -- connections -------------------------------------------------------------------

    def _connect(self) -> Connection:
        deadline = time.monotonic() + _BUSY_SECONDS
        attempt = 0
        while True:
            try:
                return duckdb.connect(str(self.path), config=_CONFIG)
            except duckdb.IOException as error:
                if not _is_lock_error(error):
                    raise _unreadable(self.path, error) from error
                if time.monotonic() > deadline:
                    raise DatabaseBusy(
                        f"the database {self.path} is in use by another program; "
                        "try again in a moment"
                    ) from error
                time.sleep(_backoff(attempt))
                attempt += 1
            except duckdb.Error as error:
                raise _unreadable(self.path, error) from error

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for one unit of work, closed afterwards."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    def read(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` on a fresh connection and return its result."""
        with self.connect() as con:
            return fn(con)

    def write(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` in one transaction, retried on lock errors and write-write conflicts.

        `fn` must be safe to run again from the start: it re-reads what it depends on.
        """
        return self.session(lambda con: retry_transaction(con, fn))

    def session(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` on one connection (retried while the file is locked by another process).

        For work that prepares outside a transaction (staging an import) and then writes
        with `retry_transaction` on the same connection.
        """
        deadline = time.monotonic() + _BUSY_SECONDS
        attempt = 0
        while True:
            try:
                with self.connect() as con:
                    return fn(con)
            except DatabaseBusy:
                if time.monotonic() > deadline:
                    raise
                time.sleep(_backoff(attempt))
                attempt += 1

    # -- queries -----------------------------------------------------------------------

    def rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        """All rows of a parameterised query, as dicts."""
        return self.read(lambda con: fetch_dicts(con, sql, params))

    def scalar(self, sql: str, params: Any = None) -> Any:
        """The first column of the first row (None when there is none)."""

        def one(con: Connection) -> Any:
            row = con.execute(sql, params or []).fetchone()
            return row[0] if row else None

        return self.read(one)

    # -- schema ------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create or upgrade the schema; refuse foreign or newer databases."""
        with self._lock:
            if self._ready:
                return
            with self.connect() as con:
                apply_migrations(con, self.path)
            self._ready = True


def fetch_dicts(con: Connection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Rows of a query as dicts keyed by column name."""
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def retry_transaction(con: Connection, fn: Callable[[Connection], T]) -> T:
    """Run `fn` in a transaction on `con`, retried on write-write conflicts."""
    deadline = time.monotonic() + _BUSY_SECONDS
    attempt = 0
    while True:
        try:
            return _in_transaction(con, fn)
        except duckdb.TransactionException as error:
            if not _is_conflict(error) or time.monotonic() > deadline:
                raise DatabaseBusy(
                    "the database is busy with other changes; nothing was saved, try again"
                ) from error
            time.sleep(_backoff(attempt))
            attempt += 1


def _in_transaction(con: Connection, fn: Callable[[Connection], T]) -> T:
    con.execute("BEGIN TRANSACTION")
    try:
        result = fn(con)
        con.execute("COMMIT")
        return result
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _unreadable(path: Path, error: Exception) -> CxosError:
    return CxosError(
        f"{path} cannot be opened as a CXOS database ({str(error).splitlines()[0]}); "
        "nothing was changed"
    )


def _table_names(con: Connection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {r[0] for r in rows}


def applied_migrations(con: Connection) -> list[str]:
    """Names of the migrations recorded in this database, oldest first."""
    if "schema_migrations" not in _table_names(con):
        return []
    rows = con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()
    return [r[0] for r in rows]


def apply_migrations(con: Connection, path: Path | str = "database") -> list[str]:
    """Apply the migrations this database lacks, each in its own transaction."""
    tables = _table_names(con)
    if tables and "schema_migrations" not in tables:
        raise CxosError(f"{path} is a DuckDB database but not a CXOS one; nothing was changed")
    done = applied_migrations(con)
    known = [m.name for m in MIGRATIONS]
    unknown = [name for name in done if name not in known]
    if unknown:
        raise CxosError(
            f"{path} was made by a newer CXOS (schema {unknown[-1]}); "
            "upgrade CXOS to open it. Nothing was changed"
        )
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
    )
    applied = []
    for migration in MIGRATIONS:
        if migration.name in done:
            continue
        _in_transaction(con, lambda c, m=migration: _run_migration(c, m))
        applied.append(migration.name)
    return applied


def _run_migration(con: Connection, migration: Any) -> None:
    for statement in migration.statements:
        con.execute(statement)
    con.execute("INSERT INTO schema_migrations VALUES (?, current_timestamp)", [migration.name])
