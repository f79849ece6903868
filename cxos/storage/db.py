"""`Database`: the one object that owns every connection to a CXOS database.

Pages and the domain never hold a connection: they hand a `Database` a unit of work, a
read on a connection (cursor) of its own, or a write run as one transaction. Where the
connections come from is the store's business (stores.py): the DuckDB file, shared within
this process through its lease (duckdb_file.py), or a PostgreSQL server (postgres.py) with
a DuckDB mirror of it in this process for reads (mirror.py). A busy database is waited out
and a conflicting write tried again (retry.py); the schema is created and upgraded on first
use (migrations.py). Any other failure keeps its own name: a damaged file
(`DatabaseDamaged`, remembered beside the file so later writes are refused) and a full disk
(`DiskFull`) are told apart in `cxos.storage.faults`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from cxos.storage import postgres
from cxos.storage.duckdb_file import Connection
from cxos.storage.stores import Store, open_store

T = TypeVar("T")
S = TypeVar("S")

DEFAULT_PATH = Path("data") / "cxos.duckdb"


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> str | Path:
    """The database: `--db`, else `CXOS_DB`, else `data/cxos.duckdb`. A PostgreSQL URL
    stays a string; anything else is a file's path."""
    chosen = os.fspath(explicit) if explicit else os.environ.get("CXOS_DB")
    if chosen and postgres.is_url(chosen):
        return chosen
    return Path(chosen or DEFAULT_PATH)


class Database:
    """A CXOS database; creates and upgrades its schema on first use.

    `location` names it for people and for caches (a file's path, or a PostgreSQL URL
    without its password); `target` opens it again (`Database(db.target)`).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, upgrade: bool = True):
        self.target = resolve_path(path)
        self._ready = False
        self._lock = threading.Lock()
        # The store is chosen on this line (stores.py): the DuckDB file, through this
        # process's lease on it, or a PostgreSQL server with this process's mirror of it.
        self._store: Store = open_store(self.target)
        self.location = self._store.location
        if upgrade:
            self.ensure_schema()

    def __repr__(self) -> str:
        return f"Database({self.location!r})"

    @property
    def path(self) -> Path:
        """The database file; a PostgreSQL database has none, and says how it is backed up."""
        return self._store.file()

    def stamp(self) -> tuple[int, ...] | None:
        """Something cheap that changes whenever the data may have (None: ask the database)."""
        return self._store.stamp()

    # -- connections -------------------------------------------------------------------

    @contextmanager
    def connect(self, *, reuse: bool = False, doing: str = "reading") -> Iterator[Connection]:
        """A DuckDB connection (cursor) for one read, released afterwards.

        With `reuse` (reads), the cursor may have served earlier reads, and goes on to later
        ones when this unit ends without an error and without a transaction left open. The
        unit must leave no temporary table or view either (the test suite checks it).
        A damaged file or a full disk, wherever a query meets it, becomes the error that
        names it (`doing` says what the unit was doing, for a full disk).
        """
        with self._store.reading(reuse, doing) as cursor:
            yield cursor

    def close(self) -> None:
        """Let go of the database now (restore, tests); the next unit of work reopens it."""
        self._store.close()

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
        Its SQL runs on either store (the DuckDB file, or PostgreSQL: `?` placeholders,
        portable statements). Refused (`DatabaseDamaged`) while the file is known damaged.
        """
        return self._store.write(fn)

    def session(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` on one write connection, outside a transaction (retried while the file
        is locked by another process): for a single statement that needs no transaction.
        Refused (`DatabaseDamaged`) while the file is known damaged."""
        return self._store.session(fn)

    def staged_write(
        self,
        stage: Callable[[Connection], S],
        moved: Callable[[S], Sequence[str]],
        write: Callable[[Connection, S], T],
    ) -> T:
        """An import's shape of work: `stage(con)` reads files into temporary tables and
        checks them (DuckDB, outside any transaction); then `write(con, staged)` runs in one
        transaction, retried on conflicts, and may read the temporary tables and views
        `moved(staged)` names (on PostgreSQL, copies of them by the same names)."""
        return self._store.staged_write(stage, moved, write)

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
        self.upgrade()

    def upgrade(self) -> list[str]:
        """Create or upgrade the schema (the names of the migrations applied); refuse
        foreign or newer databases."""
        with self._lock:
            if self._ready:
                return []
            applied = self._store.ensure_schema()
            self._ready = True
            return applied


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
