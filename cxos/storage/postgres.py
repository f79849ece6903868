"""PostgreSQL as the system of record: its connections, schema, change log and errors.

With `CXOS_DB=postgresql://…` every write (forms, command line, import, API, the notifier's
log) is a PostgreSQL transaction, and any number of processes write at once: concurrent
writers are PostgreSQL's business, so there is no lease and no waiting marker. Reads and
scoring run on a DuckDB mirror inside each process (mirror.py), which the change log below
keeps up to date.

Writes run at REPEATABLE READ, PostgreSQL's snapshot isolation, which is what DuckDB gives a
transaction: two that write the same row conflict (SQLSTATE 40001), and `retry` runs the
loser again from the start, exactly as on the embedded store. The domain's SQL is written
once, with DuckDB's `?` placeholders; `WriteConnection` turns them into psycopg's `%s`.

The change log. A statement trigger on every table writes the keys of the rows a statement
touched to `cxos_changes` (the whole table when it has no key or a statement touched more
than `_WHOLE_TABLE_ROWS` rows), tagged with the transaction's id. At commit, a deferred
trigger numbers the transaction in `cxos_commits`, holding an advisory lock until the
commit is visible: numbers are handed out in commit order, so a reader that sees number N
has seen every commit before it, and a mirror that applied every change up to N never has
to look back (a plain sequence would let a slow commit slip in under a number already read).
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from cxos.model.errors import CxosError, DatabaseBusy

# A PostgreSQL URL (`CXOS_DB`, `--db`): everything else is a DuckDB file.
SCHEMES = ("postgresql://", "postgres://")
# More rows than this changed by one statement (an import) reload the whole table in every
# mirror: fewer round trips than fetching them key by key.
_WHOLE_TABLE_ROWS = 20_000
# Connections kept open for the next writes of this process (more are opened when needed).
_SPARE_CONNECTIONS = 8
_COMMIT_LOCK = 7_240_301  # the advisory lock that orders commit numbers ("CXOS")
CONFLICT_STATES = {"40001", "40P01"}  # serialization failure, deadlock


def is_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(SCHEMES)


def shown(url: str) -> str:
    """The URL with any password replaced, for messages, logs and cache keys."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


# -- SQL written for DuckDB, run by psycopg ------------------------------------------------

_DOUBLE = r"\bDOUBLE\b(?!\s+PRECISION)"
_TOKENS = re.compile(
    r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\?|%|\$[A-Za-z_]\w*|""" + _DOUBLE,
    re.IGNORECASE,
)
_SWAPS = {"?": "%s", "%": "%%", "double": "DOUBLE PRECISION"}


@lru_cache(maxsize=2048)
def to_psycopg(sql: str) -> str:
    """`?` placeholders as `%s`, `$name` as `%(name)s`, every `%` doubled, DuckDB's DOUBLE
    as DOUBLE PRECISION (the last three outside strings, names and comments)."""

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        if found.startswith("$"):
            return f"%({found[1:]})s"
        if found.startswith("'"):  # psycopg reads `%` inside literals too
            return found.replace("%", "%%")
        return _SWAPS.get(found.lower(), found)

    return _TOKENS.sub(swap, sql)


def to_postgres_ddl(statement: str) -> str:
    """A migration's statement in PostgreSQL's words: DuckDB's DOUBLE is DOUBLE PRECISION."""
    return re.sub(_DOUBLE, "DOUBLE PRECISION", statement, flags=re.IGNORECASE)


def is_conflict(error: Exception) -> bool:
    """Whether `error` is a write-write conflict (or deadlock) that a retry resolves."""
    return getattr(error, "sqlstate", None) in CONFLICT_STATES


class WriteConnection:
    """A psycopg connection that takes the domain's DuckDB-style statements.

    `execute` returns the connection, as DuckDB's does, so `con.execute(…).fetchone()`
    reads the same on both stores.
    """

    def __init__(self, raw: Any, mirror: Callable[[], Any] | None = None):
        self.raw = raw
        self._cursor = raw.cursor()
        self._mirror = mirror

    def execute(self, sql: str, params: Any = None) -> WriteConnection:
        self._cursor.execute(to_psycopg(sql), _params(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> WriteConnection:
        self._cursor.executemany(to_psycopg(sql), [list(r) for r in rows])
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone()  # type: ignore[no-any-return]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()  # type: ignore[no-any-return]

    @property
    def description(self) -> Any:
        return self._cursor.description

    def copy_csv(self, table: str, columns: Sequence[str], data: bytes) -> None:
        """Rows in CSV (with a header line) into `table`, by COPY: for staged imports."""
        names = ", ".join(columns)
        with self._cursor.copy(
            f"COPY {table} ({names}) FROM STDIN (FORMAT csv, HEADER true)"
        ) as copy:
            copy.write(data)

    def close(self) -> None:
        self._cursor.close()

    @contextmanager
    def checker(self) -> Iterator[Any]:
        """A DuckDB cursor that sees the database as this transaction does, for the
        bundle's checks (DuckDB SQL): the mirror, with each table this transaction changed
        shadowed by a temporary copy holding the transaction's own rows."""
        if self._mirror is None:
            raise CxosError("this connection has no mirror to check rows on")
        mirror = self._mirror()
        mirror.refresh()
        cursor = mirror.con.cursor()
        try:
            for table, keys in self._changed_here().items():
                mirror.shadow(cursor, table, keys, self._rows_here(table, keys, mirror))
            yield cursor
        finally:
            cursor.close()

    def _changed_here(self) -> dict[str, list[list[str]] | None]:
        """The keys of the rows this transaction changed so far, by table (None: any)."""
        found: dict[str, list[list[str]] | None] = {}
        rows = self.execute(
            "SELECT DISTINCT tbl, key FROM cxos_changes WHERE xid = pg_current_xact_id()"
        ).fetchall()
        for table, key in rows:
            if key is None or found.get(table, []) is None:
                found[table] = None
            else:
                found.setdefault(table, []).append(list(key))  # type: ignore[union-attr]
        return found

    def _rows_here(
        self, table: str, keys: list[list[str]] | None, mirror: Any
    ) -> list[tuple[Any, ...]]:
        names = ", ".join(f'"{n}"' for n in mirror.columns[table])
        select = f'SELECT {names} FROM "{table}"'
        if keys is None:
            return self.execute(select).fetchall()
        key_columns = mirror.keys[table]
        as_text = ", ".join(f'"{c}"::text' for c in key_columns)
        arrays = ", ".join("?::text[]" for _ in key_columns)
        columns = [list(column) for column in zip(*keys, strict=True)]
        return self.execute(
            f"{select} WHERE ({as_text}) IN (SELECT * FROM unnest({arrays}))", columns
        ).fetchall()


def _params(params: Any) -> Any:
    """Always some parameters, so that psycopg always reads `%%` as `%`."""
    if params is None:
        return []
    if isinstance(params, dict):
        return params
    return list(params)


# -- connections -----------------------------------------------------------------------------


class Server:
    """One PostgreSQL database for this process: a few connections kept for writes."""

    def __init__(self, url: str):
        self.url = url
        self._spare: list[Any] = []
        self._guard = threading.Lock()

    def _open(self) -> Any:
        import psycopg

        try:
            raw = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as error:
            raise unreachable(self.url, error) from error
        raw.execute("SET default_transaction_isolation = 'repeatable read'")
        return raw

    @contextmanager
    def connection(self, mirror: Callable[[], Any] | None = None) -> Iterator[WriteConnection]:
        """A connection for one unit of work; kept for the next when it ends cleanly.
        `mirror` gives this process's mirror, for checks written in DuckDB's SQL."""
        with self._guard:
            raw = self._spare.pop() if self._spare else None
        if raw is None or raw.closed:
            raw = self._open()
        con = WriteConnection(raw, mirror)
        healthy = False
        try:
            yield con
            healthy = _idle(raw)
        finally:
            con.close()
            self._keep_or_close(raw, healthy)

    def _keep_or_close(self, raw: Any, healthy: bool) -> None:
        with self._guard:
            if healthy and len(self._spare) < _SPARE_CONNECTIONS:
                self._spare.append(raw)
                return
        raw.close()

    def close(self) -> None:
        with self._guard:
            spare, self._spare = self._spare, []
        for raw in spare:
            raw.close()


def _idle(raw: Any) -> bool:
    """Whether a connection is fit for the next unit: open, with no transaction left."""
    from psycopg.pq import TransactionStatus

    return not raw.closed and raw.info.transaction_status == TransactionStatus.IDLE


def unreachable(url: str, error: BaseException) -> DatabaseBusy:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return DatabaseBusy(f"cannot reach the PostgreSQL database {shown(url)}: {first}")


_SERVERS: dict[str, Server] = {}
_SERVERS_GUARD = threading.Lock()


def server_for(url: str) -> Server:
    """The one `Server` of a URL in this process, shared by every `Database` on it."""
    with _SERVERS_GUARD:
        found = _SERVERS.get(url)
        if found is None:
            found = _SERVERS[url] = Server(url)
        return found


# -- the change log -------------------------------------------------------------------------

CHANGE_LOG = (
    """CREATE TABLE IF NOT EXISTS cxos_changes (
        xid xid8 NOT NULL, tbl text NOT NULL, key text[])""",
    "CREATE INDEX IF NOT EXISTS cxos_changes_xid ON cxos_changes (xid)",
    "CREATE SEQUENCE IF NOT EXISTS cxos_commit_seq",
    "CREATE TABLE IF NOT EXISTS cxos_commits (xid xid8 PRIMARY KEY, seq bigint)",
    "CREATE INDEX IF NOT EXISTS cxos_commits_seq ON cxos_commits (seq)",
    f"""CREATE OR REPLACE FUNCTION cxos_capture() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        keys text := TG_ARGV[0];
        expr text;
        source text;
        counted bigint;
    BEGIN
        INSERT INTO cxos_commits (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
        IF keys <> '' AND TG_OP <> 'TRUNCATE' THEN
            source := CASE WHEN TG_OP = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END;
            EXECUTE format('SELECT count(*) FROM %s', source) INTO counted;
            IF counted > {_WHOLE_TABLE_ROWS} THEN
                keys := '';
            END IF;
        END IF;
        IF keys = '' OR TG_OP = 'TRUNCATE' THEN
            INSERT INTO cxos_changes VALUES (pg_current_xact_id(), TG_TABLE_NAME, NULL);
            RETURN NULL;
        END IF;
        SELECT string_agg(format('%I::text', k), ', ') INTO expr
            FROM unnest(string_to_array(keys, ',')) AS k;
        IF TG_OP <> 'DELETE' THEN
            EXECUTE format('INSERT INTO cxos_changes SELECT pg_current_xact_id(), %L, '
                           'ARRAY[%s] FROM new_rows', TG_TABLE_NAME, expr);
        END IF;
        IF TG_OP <> 'INSERT' THEN
            EXECUTE format('INSERT INTO cxos_changes SELECT pg_current_xact_id(), %L, '
                           'ARRAY[%s] FROM old_rows', TG_TABLE_NAME, expr);
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION cxos_number_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({_COMMIT_LOCK});
        UPDATE cxos_commits SET seq = nextval('cxos_commit_seq') WHERE xid = NEW.xid;
        RETURN NULL;
    END $$""",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'cxos_number_commit') THEN
            CREATE CONSTRAINT TRIGGER cxos_number_commit AFTER INSERT ON cxos_commits
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                EXECUTE FUNCTION cxos_number_commit();
        END IF;
    END $$""",
)

# Tables of the change log itself, and the migrations' own record, are not mirrored.
NOT_MIRRORED = frozenset({"cxos_changes", "cxos_commits", "schema_migrations"})

_TABLES = """
SELECT c.relname,
    coalesce((SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum))
              FROM pg_index i JOIN pg_attribute a
                ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
              WHERE i.indrelid = c.oid AND i.indisprimary), '') AS keys,
    EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id')
        AS has_id
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'r'"""


def table_keys(con: WriteConnection) -> dict[str, list[str]]:
    """Each mirrored table's key columns (its primary key, else `id`; none: whole table)."""
    found = {}
    for name, keys, has_id in con.execute(_TABLES).fetchall():
        if name in NOT_MIRRORED:
            continue
        found[name] = keys.split(",") if keys else (["id"] if has_id else [])
    return found


# Indexes the server needs and the DuckDB file does without: check-ins have no key there
# (migration 0006: an index cost every import), but on PostgreSQL the mirror fetches them
# by id and a check-in's write looks up the action's latest (a full scan of 800k rows each).
SERVER_INDEXES = (
    "CREATE INDEX IF NOT EXISTS cxos_check_ins_id ON check_ins (id)",
    "CREATE INDEX IF NOT EXISTS cxos_check_ins_action ON check_ins (action_id, id)",
)


def install_change_log(con: WriteConnection) -> None:
    """The change log and a trigger on every table (tables a migration added included),
    and the server's own indexes."""
    for statement in CHANGE_LOG + SERVER_INDEXES:
        con.execute(statement)
    for table, keys in table_keys(con).items():
        _capture(con, table, ",".join(keys))


def _capture(con: WriteConnection, table: str, keys: str) -> None:
    transitions = {
        "INSERT": "REFERENCING NEW TABLE AS new_rows",
        "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "REFERENCING OLD TABLE AS old_rows",
        "TRUNCATE": "",
    }
    for operation, referencing in transitions.items():
        name = f"cxos_capture_{operation.lower()}"
        con.execute(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
        con.execute(
            f'CREATE TRIGGER {name} AFTER {operation} ON "{table}" {referencing} '
            f"FOR EACH STATEMENT EXECUTE FUNCTION cxos_capture('{keys}')"
        )
