"""Running the scoring SQL with exactly the parameters each statement names.

DuckDB refuses named parameters a statement does not use, and the statements share one
parameter set, so each call passes only the names its SQL mentions. The statements are
big and run again and again, so they run prepared where a cursor serves many reads
(`Database.read(..., reuse=True)`, cxos/storage/prepared.py).

With CXOS_VERIFY_STRUCTURE set (the test suite sets it), each call first checks that the
derived tables the SQL reads are up to date (cxos/storage/structure.py), so that every
write path the tests take also tests that it keeps them so.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from cxos.storage import Connection, as_dicts, prepared, structure

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@cache
def _names(sql: str) -> frozenset[str]:
    return frozenset(_PARAM.findall(sql))


def run(con: Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of `sql` as dicts, given a superset of its parameters."""
    return as_dicts(*run_tuples(con, sql, params))


def run_tuples(con: Connection, sql: str, params: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    """Column names and rows of `sql` as tuples (no dict per row: for long results)."""
    _verify_structure(con)
    wanted = _names(sql)
    cursor = prepared.execute(con, sql, {k: v for k, v in params.items() if k in wanted})
    return [d[0] for d in cursor.description or []], cursor.fetchall()


def _verify_structure(con: Connection) -> None:
    if not structure.verify_requested():
        return
    stale = structure.stale_tables(con)
    if stale:
        raise AssertionError(f"derived scoring tables out of date: {', '.join(stale)}")
