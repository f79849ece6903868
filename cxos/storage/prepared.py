"""Big statements parsed once per cursor instead of on every run.

DuckDB 2.0 parses SQL with a PEG parser that takes 6-8 ms for the scores or the signals
statement (10 and 7 KB of SQL): a sixth of the scores' whole time on the enterprise company
(docs/performance.md). A prepared statement keeps its parse. It is still bound and planned
on every execution (DuckDB leaves a prepared statement's parameter types unknown and binds
it afresh with each call's values), so preparing saves exactly the parse, and a plan can
never outlive the data it was made for.

Prepared statements belong to a cursor; scoring reads hand their cursors on to the next
one (`Database.read(..., reuse=True)`), which `adopt` marks. The lease keeps the spare
cursors (duckdb_file.py); one goes on only when `fit_for_next_read` finds that its read left
nothing behind. A statement is prepared on such a cursor the second time the cursor runs
it: preparing and then executing binds twice, about 5 ms more than running once, which a
cursor used once (the first read after the file opened) should not pay. With
CXOS_VERIFY_STRUCTURE set (the test suite) it is prepared at once, so that every scoring
query the tests run also runs prepared.

EXECUTE takes values as literals, not parameters; only dates, numbers, booleans and strings
are written as literals (in the types the Python client binds them as), and a statement
given anything else runs as usual.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import weakref
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import duckdb

from cxos.storage import structure

Connection = duckdb.DuckDBPyConnection

# The Python client binds an int as INTEGER when it fits, else as BIGINT (and wider ints,
# which no CXOS statement takes, as other types: those run unprepared).
_INT32 = range(-(2**31), 2**31)
_INT64 = range(-(2**63), 2**63)


@dataclass
class _Statements:
    """What one cursor ran: statements run once, and those prepared (by name)."""

    seen: set[str] = field(default_factory=set)
    prepared: set[str] = field(default_factory=set)


_CURSORS: weakref.WeakKeyDictionary[Connection, _Statements] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def adopt(cursor: Connection) -> None:
    """Mark a cursor that will serve many units of work: statements get prepared on it."""
    with _GUARD:
        _CURSORS[cursor] = _Statements()


def execute(con: Connection, sql: str, params: dict[str, Any]) -> Connection:
    """`con.execute(sql, params)` (named parameters), from a prepared statement once `con`
    has run `sql` before (see the module's docstring)."""
    with _GUARD:
        statements = _CURSORS.get(con)
    values = _literals(params) if statements is not None else None
    if statements is None or values is None:
        return con.execute(sql, params)
    name = statement_name(sql)
    if name not in statements.prepared:
        if name not in statements.seen and not structure.verify_requested():
            statements.seen.add(name)
            return con.execute(sql, params)
        con.execute(f"PREPARE {name} AS {sql}")
        statements.prepared.add(name)
    return con.execute(f"EXECUTE {name}({values})" if values else f"EXECUTE {name}")


_LEFTOVERS = """
SELECT (SELECT count(*) FROM duckdb_tables() WHERE temporary)
    + (SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal)"""


def fit_for_next_read(cursor: Connection) -> bool:
    """Whether a finished read left its cursor fit for the next one.

    A transaction left open would show the next read the snapshot it started with: such
    a cursor is closed instead (checking costs 0.25 ms). With
    CXOS_VERIFY_STRUCTURE set (the test suite), a read that leaves a transaction, a
    temporary table or a view behind fails, so that a test shows the culprit.
    """
    verify = structure.verify_requested()
    try:
        cursor.execute("BEGIN TRANSACTION")
        cursor.execute("ROLLBACK")
    except duckdb.Error as error:
        if verify:
            raise AssertionError("a read left a transaction open") from error
        return False
    if verify:
        leftovers = cursor.execute(_LEFTOVERS).fetchone()
        if leftovers and leftovers[0]:
            raise AssertionError("a read left a temporary table or view behind")
    return True


@cache
def statement_name(sql: str) -> str:
    """The name `sql` is prepared under: the same for the same text."""
    return "cxos_" + hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()


def _literals(params: dict[str, Any]) -> str | None:
    """`name := literal, ...` for EXECUTE, or None when a value has no literal here."""
    parts = []
    for name, value in params.items():
        literal = _literal(value)
        if literal is None:
            return None
        quoted = name.replace('"', '""')  # a name may be a keyword (`all`, `limit`)
        parts.append(f'"{quoted}" := {literal}')
    return ", ".join(parts)


def _literal(value: Any) -> str | None:
    """A SQL literal of the type the Python client binds `value` as (None: not written)."""
    kind = type(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        if value in _INT32:
            return f"'{value}'::INTEGER"
        return f"'{value}'::BIGINT" if value in _INT64 else None
    if kind is float:
        return f"'{value!r}'::DOUBLE"
    if kind is dt.date:
        return f"DATE '{value.isoformat()}'"
    if kind is str and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None
