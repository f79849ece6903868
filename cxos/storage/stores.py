"""The two stores a `Database` runs on: one interface, two implementations.

- `FileStore`: the embedded DuckDB file (the default). Reads and writes take turns through
  this process's lease on the file (duckdb_file.py); a write brings the derived scoring
  tables up to date in its own transaction (structure.py).
- `PostgresStore` (`CXOS_DB=postgresql://…`): writes are PostgreSQL transactions
  (postgres.py); reads run on this process's DuckDB mirror (mirror.py), brought up to date
  before each read, which also keeps the derived tables.

Both hand reads a DuckDB cursor, so scoring has one implementation; both hand writes a
connection that takes the domain's `?`-style SQL. Nothing above cxos/storage knows which
store it runs on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from cxos.model.errors import CxosError
from cxos.storage import duckdb_file, faults, postgres, prepared, retry
from cxos.storage.duckdb_file import Connection
from cxos.storage.migrations import apply_migrations, missing_migrations

T = TypeVar("T")
S = TypeVar("S")


class Store(Protocol):
    location: str  # what a person is shown, and the key of caches per database

    def reading(self, reuse: bool, doing: str) -> AbstractContextManager[Connection]: ...

    def session(self, fn: Callable[[Any], T]) -> T: ...

    def write(self, fn: Callable[[Any], T]) -> T: ...

    def staged_write(
        self,
        stage: Callable[[Connection], S],
        moved: Callable[[S], Sequence[str]],
        write: Callable[[Any, S], T],
    ) -> T: ...

    def ensure_schema(self) -> list[str]: ...

    def close(self) -> None: ...

    def stamp(self) -> tuple[int, ...] | None: ...

    def file(self) -> Path: ...


# -- the DuckDB file -----------------------------------------------------------------------


class FileStore:
    """The embedded DuckDB file, shared within this process through its lease."""

    def __init__(self, path: Path):
        self.path = path
        self.location = str(path)
        self._lease = duckdb_file.lease_for(path)

    @contextmanager
    def reading(self, reuse: bool, doing: str) -> Iterator[Connection]:
        cursor = self._lease.acquire(reuse)
        keep = False
        try:
            with faults.database_faults_named(self.path, doing):
                yield cursor
                keep = reuse and prepared.fit_for_next_read(cursor)
        finally:
            self._lease.release(cursor, keep)

    def session(self, fn: Callable[[Connection], T]) -> T:
        faults.refuse_if_damaged(self.path)

        def once() -> T:
            with self.reading(False, "saving to") as con:
                return fn(con)

        return retry.until_free(once)

    def write(self, fn: Callable[[Connection], T]) -> T:
        return self.session(
            lambda con: retry.retry_transaction(con, fn, is_conflict=duckdb_file.is_conflict)
        )

    def staged_write(
        self,
        stage: Callable[[Connection], S],
        moved: Callable[[S], Sequence[str]],
        write: Callable[[Connection, S], T],
    ) -> T:
        """`stage` outside a transaction, then `write` in one, on the same connection."""

        def work(con: Connection) -> T:
            with duckdb_file.uncompressed_scratch(con):
                staged = stage(con)
            return retry.retry_transaction(
                con, lambda c: write(c, staged), is_conflict=duckdb_file.is_conflict
            )

        return self.session(work)

    def ensure_schema(self) -> list[str]:
        # The file as it is on disk now, not as this process may hold it open.
        self._lease.close()
        # On the lease's connection, which the first unit of work then goes on using:
        # a second opening of the file cost every command about 20 ms. A refused file
        # is let go at once, so a program that opens it next finds it free.
        try:
            with self.reading(False, "upgrading") as con:
                duckdb_file.check_complete(con, self.path)
                if missing_migrations(con):
                    faults.refuse_if_damaged(self.path)  # an upgrade is a write
                return apply_migrations(con, self.path)
        except BaseException:
            self._lease.close()
            raise

    def close(self) -> None:
        self._lease.close()

    def stamp(self) -> tuple[int, ...] | None:
        """The file and its write-ahead log as the file system sees them: every committed
        write changes one of them, so an unchanged stamp means unchanged data."""
        stamp: list[int] = []
        for file in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                found = os.stat(file)
                stamp += [found.st_mtime_ns, found.st_size, found.st_ino]
            except OSError:
                stamp += [0, 0, 0]
        return tuple(stamp)

    def file(self) -> Path:
        return self.path


# -- PostgreSQL ------------------------------------------------------------------------------


class PostgresStore:
    """A PostgreSQL database: writes there, reads on this process's mirror of it."""

    def __init__(self, url: str):
        self.url = url
        self.location = postgres.shown(url)
        self._server = postgres.server_for(url)

    def mirror(self) -> Any:
        """This process's mirror of the database (one per URL, made on first use)."""
        with _MIRRORS_GUARD:
            found = _MIRRORS.get(self.url)
            if found is None:
                from cxos.storage.mirror import Mirror

                with self._server.connection() as con:
                    keys = postgres.table_keys(con)
                found = _MIRRORS[self.url] = Mirror(self.url, keys)
            return found

    @contextmanager
    def reading(self, reuse: bool, doing: str) -> Iterator[Connection]:
        with self.mirror().cursor(reuse) as cursor:
            yield cursor

    def session(self, fn: Callable[[postgres.WriteConnection], T]) -> T:
        with self._server.connection(self.mirror) as con:
            return fn(con)

    def write(self, fn: Callable[[Any], T]) -> T:
        return self.session(
            lambda con: retry.retry_transaction(
                con, fn, is_conflict=postgres.is_conflict, keeps_structure=False
            )
        )

    def staged_write(
        self,
        stage: Callable[[Connection], S],
        moved: Callable[[S], Sequence[str]],
        write: Callable[[Any, S], T],
    ) -> T:
        """`stage` on a mirror cursor (DuckDB: reading files, checking rows against the
        mirror's tables), the staged tables `moved(staged)` copied to temporary tables of the
        same names on PostgreSQL, then `write` in one PostgreSQL transaction."""
        with self.reading(False, "reading") as cursor:
            staged = stage(cursor)
            tables = {name: _as_csv(cursor, name) for name in moved(staged)}

        def work(con: postgres.WriteConnection) -> T:
            for name, (columns, data) in tables.items():
                con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns[1]})")
                con.execute(f"TRUNCATE {name}")
                con.copy_csv(name, columns[0], data)
            return write(con, staged)

        def transaction(con: postgres.WriteConnection) -> T:
            try:
                return retry.retry_transaction(
                    con, work, is_conflict=postgres.is_conflict, keeps_structure=False
                )
            finally:
                for name in tables:
                    con.execute(f"DROP TABLE IF EXISTS {name}")

        return self.session(transaction)

    def ensure_schema(self) -> list[str]:
        with self._server.connection() as con:
            applied = apply_migrations(con, self.location, postgres_ddl=True)
            if applied or not _has_change_log(con):
                retry.in_transaction(con, postgres.install_change_log)
            return applied

    def close(self) -> None:
        """Drop this process's mirror and connections (the next unit of work remakes them)."""
        with _MIRRORS_GUARD:
            mirror = _MIRRORS.pop(self.url, None)
        if mirror is not None:
            mirror.close()
        self._server.close()

    def stamp(self) -> tuple[int, ...] | None:
        return None  # nothing on this machine tells: ask the database

    def file(self) -> Path:
        raise CxosError(
            f"{self.location} is a PostgreSQL database, not a file: back it up with "
            "pg_dump and restore it with pg_restore (README, Scaling out)"
        )


_MIRRORS: dict[str, Any] = {}
_MIRRORS_GUARD = threading.Lock()


def _has_change_log(con: postgres.WriteConnection) -> bool:
    row = con.execute("SELECT to_regclass('cxos_commits') IS NOT NULL").fetchone()
    return bool(row and row[0])


_TYPES = {"DOUBLE": "double precision", "VARCHAR": "text", "HUGEINT": "numeric"}


def _as_csv(cursor: Connection, name: str) -> tuple[tuple[list[str], str], bytes]:
    """A staged table or view as CSV bytes, with its columns and their PostgreSQL types."""
    import io

    import pyarrow.csv as pacsv

    described = cursor.execute(f"DESCRIBE {name}").fetchall()
    names = [row[0] for row in described]
    columns = ", ".join(f'"{n}" {_TYPES.get(t, t.lower())}' for n, t, *_ in described)
    table = cursor.sql(f"SELECT * FROM {name}").to_arrow_table()
    out = io.BytesIO()
    pacsv.write_csv(table, out)
    return (names, columns), out.getvalue()


@contextmanager
def checking(con: Any) -> Iterator[Connection]:
    """A DuckDB connection seeing what the write connection `con` sees, for checks written
    in DuckDB's SQL (the bundle's): on the DuckDB file, `con` itself; on PostgreSQL, the
    mirror with this transaction's own changes laid over it."""
    if isinstance(con, postgres.WriteConnection):
        with con.checker() as cursor:
            yield cursor
    else:
        yield con


def open_store(target: str | Path) -> Store:
    """The store `target` names: a PostgreSQL URL, else a DuckDB file."""
    if postgres.is_url(target):
        return PostgresStore(str(target))
    return FileStore(Path(target))
