"""The data version: a number that changes whenever anything is written.

It is the newest audit entry's id (every write is audited in its own transaction), so a
cache keyed by it is never stale. Kept apart from the audit trail's models so that scoring
and the command line read it without importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from cxos.storage.db import Database
from cxos.storage.duckdb_file import Connection

T = TypeVar("T")

_VERSION = "SELECT coalesce(max(id), 0) FROM audit_log"


def data_version(db: Database) -> int:
    """A number that changes whenever anything is written: the newest audit entry id."""
    return int(db.scalar(_VERSION) or 0)


def versioned(con: Connection, fn: Callable[[Connection], T]) -> tuple[int, T]:
    """`fn(con)` (which only reads) and the data version it read, from one snapshot."""
    con.execute("BEGIN TRANSACTION")
    try:
        version = int(con.execute(_VERSION).fetchone()[0])  # type: ignore[index]
        return version, fn(con)
    finally:
        con.execute("ROLLBACK")
