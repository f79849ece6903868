"""Each process's DuckDB copy of a PostgreSQL database, where every read and score runs.

Scoring is written once, in DuckDB's SQL (cxos/scoring/sql.py), over tables derived from
the organisation (structure.py). On PostgreSQL, a process holds an in-memory DuckDB
database with the whole schema (every migration, derived tables included) and the rows of
every table, and reads there. Before each read, `refresh` asks PostgreSQL for the newest
commit number (one round trip) and, when it moved, applies what the commits since the
mirror's number changed (postgres.py's change log): the rows of the keys they name, or
whole tables after an import, fetched as Arrow tables with the ADBC driver in one
REPEATABLE READ snapshot, so the mirror always holds some committed state of the database,
never half of a transaction. The derived tables are then brought up to date in the mirror,
as a write brings them up to date on the embedded store.

Memory: the mirror's DuckDB is given `CXOS_MIRROR_MEMORY` (default 2GB) and a temporary
folder to spill to beyond it.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from cxos.storage import prepared, structure
from cxos.storage.duckdb_file import OPEN_CONFIG
from cxos.storage.migrations import apply_migrations
from cxos.storage.postgres import NOT_MIRRORED, shown, unreachable

Connection = duckdb.DuckDBPyConnection

_SPARE_CURSORS = 16
# More changed keys than this in one table: fetch the whole table instead.
_WHOLE_TABLE_KEYS = 20_000

_NEWEST = "SELECT coalesce(max(seq), 0) FROM cxos_commits"
_CHANGES = """SELECT c.tbl, c.key FROM cxos_commits m JOIN cxos_changes c ON c.xid = m.xid
WHERE m.seq > $1 AND m.seq <= $2"""


class Mirror:
    """The in-memory DuckDB copy of one PostgreSQL database, for this process."""

    def __init__(self, url: str, keys: dict[str, list[str]]):
        self.url = url
        self.keys = keys
        self.con = duckdb.connect(":memory:", config=_mirror_config())
        apply_migrations(self.con, "the mirror")
        self.columns = {t: _column_types(self.con, t) for t in keys}
        self.version = -1  # the newest commit number applied; -1: nothing loaded yet
        self._guard = threading.Lock()
        self._source: Any = None  # the ADBC connection: used under `_guard` only
        self._spare: list[Connection] = []
        self.last_refresh: dict[str, float] = {}

    # -- reading ---------------------------------------------------------------------------

    @contextmanager
    def cursor(self, reuse: bool) -> Iterator[Connection]:
        """A cursor on the mirror, brought up to date first; handed on like the lease's."""
        self.refresh()
        cursor = self._spare.pop() if reuse and self._spare else None
        if cursor is None:
            cursor = self.con.cursor()
            if reuse:
                prepared.adopt(cursor)
        keep = False
        try:
            yield cursor
            keep = reuse and prepared.fit_for_next_read(cursor)
        finally:
            if keep and len(self._spare) < _SPARE_CURSORS:
                self._spare.append(cursor)
            else:
                cursor.close()

    # -- keeping up --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Apply what was committed since the mirror's version (nothing when up to date)."""
        with self._guard:
            source = self._source_cursor()
            try:
                source.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                source.execute(_NEWEST)
                newest = int(source.fetchone()[0])
                if newest != self.version:
                    self._catch_up(source, newest)
                source.execute("COMMIT")
            except BaseException:
                self._drop_source()
                raise

    def _catch_up(self, source: Any, newest: int) -> None:
        started = time.perf_counter()
        if self.version < 0:
            whole, keyed = set(self.keys), dict[str, list[tuple[str, ...]]]()
        else:
            whole, keyed = self._changes(source, newest)
        writer = self.con.cursor()
        try:
            _run(writer, "BEGIN TRANSACTION")
            mark = structure.audit_mark(writer)
            for table in sorted(whole):
                self._load_whole(source, writer, table)
            for table, rows in sorted(keyed.items()):
                self._load_keys(source, writer, table, rows)
            structure.refresh_mirrored(writer, whole | set(keyed), mark)
            _run(writer, "COMMIT")
        except BaseException:
            writer.execute("ROLLBACK")
            raise
        finally:
            writer.close()
        self.version = newest
        self.last_refresh = {
            "seconds": time.perf_counter() - started,
            "whole_tables": len(whole),
            "keyed_rows": sum(len(rows) for rows in keyed.values()),
        }

    def _changes(
        self, source: Any, newest: int
    ) -> tuple[set[str], dict[str, list[tuple[str, ...]]]]:
        source.execute(_CHANGES, parameters=(self.version, newest))
        whole: set[str] = set()
        keyed: defaultdict[str, set[tuple[str, ...]]] = defaultdict(set)
        for table, key in source.fetchall():
            if table not in self.keys:
                continue
            if key is None:
                whole.add(table)
            else:
                keyed[table].add(tuple(key))
        for table in list(keyed):
            if table in whole or len(keyed[table]) > _WHOLE_TABLE_KEYS:
                whole.add(table)
                del keyed[table]
        return whole, {t: sorted(rows) for t, rows in keyed.items()}

    def _load_whole(self, source: Any, writer: Connection, table: str) -> None:
        names = list(self.columns[table])
        source.execute(f'SELECT {_quoted(names)} FROM "{table}"')
        rows = source.fetch_arrow_table()
        _run(writer, f'DELETE FROM "{table}"')
        _insert(writer, table, names, rows)

    def _load_keys(
        self, source: Any, writer: Connection, table: str, keys: list[tuple[str, ...]]
    ) -> None:
        names = list(self.columns[table])
        key_columns = self.keys[table]
        types = self.columns[table]
        columns = [list(column) for column in zip(*keys, strict=True)]
        letters = [f"k{i}" for i in range(len(key_columns))]
        unnest = ", ".join(f"${i + 1}::text[]" for i in range(len(key_columns)))
        typed = ", ".join(
            f"u.{letter}::{_postgres_type(types[c])}"
            for letter, c in zip(letters, key_columns, strict=True)
        )
        source.execute(
            f'SELECT {_quoted(names)} FROM "{table}" WHERE ({_quoted(key_columns)}) IN '
            f"(SELECT {typed} FROM unnest({unnest}) AS u({', '.join(letters)}))",
            parameters=tuple(columns),
        )
        rows = source.fetch_arrow_table()
        import pyarrow as pa

        cxos_changed_keys = pa.table(  # noqa: F841 - read by DuckDB's replacement scan
            {letter: column for letter, column in zip(letters, columns, strict=True)}
        )
        casts = ", ".join(
            f"CAST({letter} AS {types[c]})" for letter, c in zip(letters, key_columns, strict=True)
        )
        writer.execute(
            f'DELETE FROM "{table}" WHERE ({_quoted(key_columns)}) IN '
            f"(SELECT {casts} FROM cxos_changed_keys)"
        ).fetchall()
        _insert(writer, table, names, rows)

    def shadow(
        self,
        cursor: Connection,
        table: str,
        keys: list[list[str]] | None,
        rows: list[tuple[Any, ...]],
    ) -> None:
        """On `cursor` only: `table` as a temporary copy (which its unqualified name then
        reads) with the rows of `keys` (None: all) replaced by `rows`."""
        names = list(self.columns[table])
        kept = "WHERE false"
        params: list[Any] = []
        if keys is not None:
            joined = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in self.keys[table])
            kept = f"WHERE NOT list_contains(?, concat_ws(chr(31), {joined}))"
            params = [[chr(31).join(k) for k in keys]]
        cursor.execute(
            f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT * FROM main."{table}" {kept}',
            params,
        )
        if rows:
            marks = ", ".join("?" for _ in names)
            cursor.executemany(
                f'INSERT INTO temp."{table}" ({_quoted(names)}) VALUES ({marks})', rows
            )

    def _source_cursor(self) -> Any:
        if self._source is None:
            import adbc_driver_postgresql.dbapi as adbc

            try:
                self._source = adbc.connect(self.url, autocommit=True)
            except Exception as error:
                raise unreachable(self.url, error) from error
        return self._source.cursor()

    def _drop_source(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            try:
                source.close()
            except Exception:
                pass

    def close(self) -> None:
        with self._guard:
            self._drop_source()
            spare, self._spare = self._spare, []
            for cursor in spare:
                cursor.close()
            self.con.close()

    def __repr__(self) -> str:
        return f"Mirror({shown(self.url)!r}, version={self.version})"


def _insert(writer: Connection, table: str, names: list[str], rows: Any) -> None:
    if rows.num_rows == 0:
        return
    # Read by DuckDB's replacement scan of the variables of the frame that calls `execute`
    # (not `register`, which DuckDB refuses on a connection with a result pending).
    cxos_fetched = rows  # noqa: F841
    writer.execute(
        f'INSERT INTO "{table}" ({_quoted(names)}) SELECT {_quoted(names)} FROM cxos_fetched'
    ).fetchall()


def _run(writer: Connection, sql: str) -> None:
    """A statement run to its end: DuckDB refuses other work (`register`) on a connection
    with a result still pending."""
    writer.execute(sql).fetchall()


def _quoted(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _column_types(con: Connection, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? AND table_schema = current_schema() ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return {name: kind for name, kind in rows}


_POSTGRES_TYPES = {"DOUBLE": "double precision", "VARCHAR": "text"}


def _postgres_type(duckdb_type: str) -> str:
    return _POSTGRES_TYPES.get(duckdb_type, duckdb_type.lower())


def _mirror_config() -> dict[str, Any]:
    spill = os.path.join(tempfile.gettempdir(), f"cxos-mirror-{os.getpid()}")
    return {
        **OPEN_CONFIG,
        "memory_limit": os.environ.get("CXOS_MIRROR_MEMORY", "2GB"),
        "temp_directory": spill,
    }


def mirrored_tables(keys: dict[str, list[str]]) -> dict[str, list[str]]:
    return {t: k for t, k in keys.items() if t not in NOT_MIRRORED}
