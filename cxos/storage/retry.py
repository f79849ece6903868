"""Waiting out a busy database, and every write as one transaction.

A unit of work that finds the database busy is tried again with backoff; when the retries
run out (`CXOS_BUSY_SECONDS`, default 10) the caller gets a `DatabaseBusy` with a message a
person can act on, and nothing is half-written because every write is one transaction,
which also brings the derived scoring tables up to date (structure.py).

What counts as busy is the store's to say, so a second store fits beside the DuckDB file:
it raises `DatabaseBusy` when another process holds it (`duckdb_file.open_file`), and hands
`retry_transaction` its reading of a write-write conflict (`duckdb_file.is_conflict`).
`BUSY_SECONDS` is read as `retry.BUSY_SECONDS` each time a wait starts (tests shorten it).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from cxos.model.errors import DatabaseBusy
from cxos.storage import structure

if TYPE_CHECKING:
    pass

T = TypeVar("T")
# A store's write connection: DuckDB's own, or postgres.WriteConnection, which takes the
# same statements.
C = TypeVar("C")

BUSY_SECONDS = float(os.environ.get("CXOS_BUSY_SECONDS", "10"))


def backoff(attempt: int, cap: float = 0.5) -> float:
    """Seconds to wait before trying again: doubling from 10 ms up to `cap`, jittered."""
    return min(cap, 0.01 * 2**attempt) * (0.5 + random.random())


def until_free(work: Callable[[], T]) -> T:
    """`work()`, tried again with backoff while it raises `DatabaseBusy`, for `BUSY_SECONDS`."""
    deadline = time.monotonic() + BUSY_SECONDS
    attempt = 0
    while True:
        try:
            return work()
        except DatabaseBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(backoff(attempt))
            attempt += 1


def retry_transaction(
    con: C,
    fn: Callable[[C], T],
    *,
    is_conflict: Callable[[Exception], bool],
    keeps_structure: bool = True,
) -> T:
    """Run `fn` in a transaction on `con`, retried on write-write conflicts.

    `is_conflict` is the store's reading of a failure (`duckdb_file.is_conflict`). Only a
    conflict is "busy"; any other failure (a commit that found the disk full) goes up as
    it is, for `Database.connect` to name. `keeps_structure`: the transaction brings the
    derived scoring tables up to date (the DuckDB file; PostgreSQL's mirror does it).
    """
    work = (lambda c: _keeping_structure(c, fn)) if keeps_structure else fn
    deadline = time.monotonic() + BUSY_SECONDS
    attempt = 0
    while True:
        try:
            return in_transaction(con, work)
        except Exception as error:
            if not is_conflict(error):
                raise
            if time.monotonic() > deadline:
                raise DatabaseBusy(
                    "the database is busy with other changes; nothing was saved, try again"
                ) from error
            time.sleep(backoff(attempt))
            attempt += 1


def _keeping_structure(con: Any, fn: Callable[[Any], T]) -> T:
    """`fn`, then the derived scoring tables brought up to date with what it changed."""
    mark = structure.audit_mark(con)
    result = fn(con)
    structure.refresh_after(con, mark)
    return result


def in_transaction(con: C, fn: Callable[[C], T]) -> T:
    """`fn` in one transaction on `con`: committed when it returns, rolled back if it fails."""
    statements: Any = con
    statements.execute("BEGIN TRANSACTION")
    try:
        result = fn(con)
        statements.execute("COMMIT")
        return result
    except BaseException:
        rollback(con)
        raise


def rollback(con: Any) -> None:
    """Roll back a failed transaction without hiding why it failed.

    A COMMIT that fails (a full disk) has already ended the transaction, and ROLLBACK then
    fails with "no transaction is active": that error must not replace the real one.
    """
    try:
        con.execute("ROLLBACK")
    except Exception:  # noqa: BLE001 - each store's driver has its own error classes
        pass
