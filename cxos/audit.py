"""The audit trail: who changed what, when, with the old and the new value.

Every accepted write records its entries inside its own transaction, so an entry exists
exactly when the change does. The latest entry id doubles as the data version that caches
key on: any write moves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from cxos.models import AuditEntry
from cxos.permissions import OPERATOR_ID
from cxos.storage import Connection, Database, fetch_dicts

T = TypeVar("T")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def record(
    con: Connection,
    actor_id: str | None,
    operation: str,
    entity: str,
    entity_id: str | None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
) -> None:
    """Add one audit entry in the caller's transaction."""
    con.execute(
        "INSERT INTO audit_log (logged_at, actor_id, operation, entity, entity_id, field, "
        "old_value, new_value) VALUES (current_timestamp, ?, ?, ?, ?, ?, ?, ?)",
        [actor_id, operation, entity, entity_id, field, _text(old), _text(new)],
    )


def record_changes(
    con: Connection,
    actor_id: str | None,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """One entry per field that differs between `before` (None: created) and `after`."""
    operation = "create" if before is None else "update"
    for name, new in after.items():
        old = None if before is None else before.get(name)
        if before is None or _text(old) != _text(new):
            record(con, actor_id, operation, entity, entity_id, name, old, new)


def entries(
    db: Database,
    since: dt.date | None = None,
    entity: str | None = None,
    limit: int = 500,
) -> list[AuditEntry]:
    """The newest audit entries, optionally since a date and for one entity kind."""
    where, params = ["1 = 1"], []
    if since is not None:
        where.append("a.logged_at >= ?")
        params.append(dt.datetime.combine(since, dt.time()))
    if entity:
        where.append("a.entity = ?")
        params.append(entity)
    sql = (
        f"SELECT a.*, {_WHO} AS who FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id "
        "WHERE " + " AND ".join(where) + f" ORDER BY a.id DESC LIMIT {int(limit)}"
    )
    return [AuditEntry(**row) for row in db.read(lambda con: fetch_dicts(con, sql, params))]


# Writes without a person are the system's own (the demo load, migrations); the command
# line without --as is the operator of the machine (see permissions.OPERATOR_ID).
_WHO = f"""CASE WHEN a.actor_id IS NULL THEN 'system'
    WHEN a.actor_id = '{OPERATOR_ID}' THEN 'command-line operator'
    WHEN p.name IS NULL THEN a.actor_id
    ELSE p.name || ' (' || a.actor_id || ')' END"""


def entities(db: Database) -> list[str]:
    """The kinds of record the log holds entries for, in order."""
    rows = db.rows("SELECT DISTINCT entity FROM audit_log ORDER BY entity")
    return [row["entity"] for row in rows]


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
