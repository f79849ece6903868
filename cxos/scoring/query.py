"""Running the scoring SQL with exactly the parameters each statement names.

DuckDB refuses named parameters a statement does not use, and the statements share one
parameter set, so each call passes only the names its SQL mentions.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from cxos.storage import Connection, fetch_dicts

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@cache
def _names(sql: str) -> frozenset[str]:
    return frozenset(_PARAM.findall(sql))


def run(con: Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of `sql` as dicts, given a superset of its parameters."""
    wanted = _names(sql)
    return fetch_dicts(con, sql, {k: v for k, v in params.items() if k in wanted})


def run_tuples(con: Connection, sql: str, params: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    """Column names and rows of `sql` as tuples (no dict per row: for long results)."""
    wanted = _names(sql)
    cursor = con.execute(sql, {k: v for k, v in params.items() if k in wanted})
    return [d[0] for d in cursor.description or []], cursor.fetchall()
