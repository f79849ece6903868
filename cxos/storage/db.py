"""`Database`: the one object that owns every connection to a CXOS database.

Pages and the domain never hold a connection: they hand a `Database` a unit of work, a
read on a connection (cursor) of its own, or a write run as one transaction. Where the
connections come from is the store's business: the DuckDB file, shared within this process
through its lease (duckdb_file.py). A busy database is waited out and a conflicting write
tried again (retry.py); the schema is created and upgraded on first use (migrations.py).
Any other failure keeps its own name: a damaged file (`DatabaseDamaged`, remembered beside
the file so later writes are refused) and a full disk (`DiskFull`) are told apart in
`cxos.storage.faults`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from cxos.storage import duckdb_file, faults, prepared, retry
from cxos.storage.duckdb_file import Connection
from cxos.storage.migrations import apply_migrations, missing_migrations

T = TypeVar("T")

DEFAULT_PATH = Path("data") / "cxos.duckdb"


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database path: `--db`, else `CXOS_DB`, else `data/cxos.duckdb`."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("CXOS_DB") or DEFAULT_PATH)


class Database:
    """A CXOS database file; creates and upgrades its schema on first use."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, upgrade: bool = True):
        self.path = resolve_path(path)
        self._ready = False
        self._lock = threading.Lock()
        # The store is chosen on this line: the DuckDB file, through this process's lease on
        # it. A second store (PostgreSQL) would be chosen here; it would also supply what
        # `write` and `ensure_schema` still take from duckdb_file (its reading of a conflict,
        # its own opening and completeness check).
        self._lease = duckdb_file.lease_for(self.path)
        if upgrade:
            self.ensure_schema()

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r})"

    # -- connections -------------------------------------------------------------------

    @contextmanager
    def connect(self, *, reuse: bool = False, doing: str = "reading") -> Iterator[Connection]:
        """A connection (cursor) for one unit of work, released afterwards.

        With `reuse` (reads), the cursor may have served earlier reads, and goes on to later
        ones when this unit ends without an error and without a transaction left open. The
        unit must leave no temporary table or view either (the test suite checks it).
        A damaged file or a full disk, wherever a query meets it, becomes the error that
        names it (`doing` says what the unit was doing, for a full disk).
        """
        cursor = self._lease.acquire(reuse)
        keep = False
        try:
            with faults.database_faults_named(self.path, doing):
                yield cursor
                keep = reuse and prepared.fit_for_next_read(cursor)
        finally:
            self._lease.release(cursor, keep)

    def close(self) -> None:
        """Let go of the file now (restore, tests); the next unit of work reopens it."""
        self._lease.close()

    def read(self, fn: Callable[[Connection], T], *, reuse: bool = False) -> T:
        """Run `fn` on a connection of its own and return its result.

        `reuse` is for reads that run the big scoring statements, which are prepared on
        cursors handed on from read to read (`connect`, prepared.py); `fn` must then leave
        the connection as it found it. Other reads take a new cursor: it costs 0.03 ms,
        less than checking a handed-on cursor (0.25 ms).
        """
        with self.connect(reuse=reuse) as con:
            return fn(con)

    def write(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` in one transaction, retried on lock errors and write-write conflicts.

        `fn` must be safe to run again from the start: it re-reads what it depends on.
        Refused (`DatabaseDamaged`) while the file is known damaged.
        """
        return self.session(
            lambda con: retry.retry_transaction(con, fn, is_conflict=duckdb_file.is_conflict)
        )

    def session(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` on one connection (retried while the file is locked by another process).

        For work that prepares outside a transaction (staging an import) and then writes
        with `retry.retry_transaction` on the same connection. Refused (`DatabaseDamaged`) while
        the file is known damaged: a write could spread the damage.
        """
        faults.refuse_if_damaged(self.path)

        def once() -> T:
            with self.connect(doing="saving to") as con:
                return fn(con)

        return retry.until_free(once)

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
            # The file as it is on disk now, not as this process may hold it open.
            self._lease.close()
            # On the lease's connection, which the first unit of work then goes on using:
            # a second opening of the file cost every command about 20 ms. A refused file
            # is let go at once, so a program that opens it next finds it free.
            try:
                with self.connect(doing="upgrading") as con:
                    duckdb_file.check_complete(con, self.path)
                    if missing_migrations(con):
                        faults.refuse_if_damaged(self.path)  # an upgrade is a write
                    apply_migrations(con, self.path)
            except BaseException:
                self._lease.close()
                raise
            self._ready = True


def fetch_dicts(con: Connection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Rows of a query as dicts keyed by column name."""
    cursor = con.execute(sql, params or [])
    return as_dicts([d[0] for d in cursor.description or []], cursor.fetchall())


def database_now(con: Connection) -> dt.datetime:
    """The database's clock, as `current_timestamp` writes it (`entered_at`,
    `last_used_at`): compare those with it, not with this machine's clock."""
    return con.execute("SELECT current_timestamp::TIMESTAMP").fetchone()[0]  # type: ignore[index,no-any-return]


def as_dicts(names: list[str], rows: list[tuple]) -> list[dict[str, Any]]:
    """Rows as dicts keyed by the column `names`."""
    return [dict(zip(names, row, strict=True)) for row in rows]
