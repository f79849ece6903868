"""The audit trail: who changed what, when, with the old and the new value.

Every accepted write records its entries inside its own transaction, so an entry exists
exactly when the change does. The latest entry id doubles as the data version that caches
key on: any write moves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from cxos.identity.permissions import TOKEN_PREFIX, Operator, Who
from cxos.model.entities import AuditEntry
from cxos.storage import Connection, Database, fetch_dicts
from cxos.storage.version import data_version, versioned  # noqa: F401 - named here too


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def actor_column(actor_id: Who | None) -> str | None:
    """What the log stores as the actor: a person id, or nothing for the operator.

    The operator is stored as no person at all, so no person row (whatever its id) can
    ever be shown as, or mistaken for, the operator in the log.
    """
    return None if isinstance(actor_id, Operator) else actor_id


def record(
    con: Connection,
    actor_id: Who | None,
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
        [actor_column(actor_id), operation, entity, entity_id, field, _text(old), _text(new)],
    )


def record_many(
    con: Connection,
    actor_id: Who | None,
    entries: Sequence[tuple[str, str, str | None, str | None, Any, Any]],
) -> None:
    """Add entries `(operation, entity, entity_id, field, old, new)` in one statement, in
    the caller's transaction (a batch of a thousand readings: one insert, not thousands)."""
    if not entries:
        return
    operation, entity, entity_id, field, old, new = (
        list(column) for column in zip(*entries, strict=True)
    )
    con.execute(
        "INSERT INTO audit_log (logged_at, actor_id, operation, entity, entity_id, field, "
        "old_value, new_value) SELECT current_timestamp, ?, unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
        [
            actor_column(actor_id),
            operation,
            entity,
            entity_id,
            field,
            [_text(value) for value in old],
            [_text(value) for value in new],
        ],
    )


def record_changes(
    con: Connection,
    actor_id: Who | None,
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
    where, params = ["1 = 1"], list[object]()
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


# Who, in words. Writes without a person are the operator's: someone at the database file
# (the command line without --as, an import or demo load from it, the app's first-start
# demo load), see permissions.Operator. Sign-in attempts have no actor yet: they come from
# the sign-in page. CXOS before 2026-12 stored the operator as the id "@operator"; such an
# entry still reads as the operator unless a person really has that id.
# An API token's writes are stored under `@token:NAME` (permissions.TokenActor) and shown
# as "API token 'NAME'"; no person may have an id starting with "@".
OPERATOR_WORDS = "command-line operator"
_WHO = f"""CASE WHEN a.actor_id IS NULL AND a.entity = 'sign_in' THEN 'sign-in page'
    WHEN a.actor_id IS NULL THEN '{OPERATOR_WORDS}'
    WHEN p.name IS NULL AND a.actor_id = '@operator' THEN '{OPERATOR_WORDS}'
    WHEN p.name IS NULL AND starts_with(a.actor_id, '{TOKEN_PREFIX}')
        THEN 'API token ' || substr(a.actor_id, {len(TOKEN_PREFIX) + 1})
    WHEN p.name IS NULL THEN a.actor_id
    ELSE p.name || ' (' || a.actor_id || ')' END"""


def entities(db: Database) -> list[str]:
    """The kinds of record the log holds entries for, in order."""
    rows = db.rows("SELECT DISTINCT entity FROM audit_log ORDER BY entity")
    return [row["entity"] for row in rows]


def last_change(con: Connection, entity: str, entity_id: str) -> tuple[str, list[str]] | None:
    """Who last changed a record, in words, and the fields that change set (None: never
    logged). For a stale edit's refusal: "changed by Ada Admin (p-1): name, position"."""
    rows = fetch_dicts(
        con,
        f"SELECT {_WHO} AS who, a.actor_id, a.logged_at FROM audit_log a "
        "LEFT JOIN people p ON p.id = a.actor_id WHERE a.entity = ? AND a.entity_id = ? "
        "ORDER BY a.id DESC LIMIT 1",
        [entity, entity_id],
    )
    if not rows:
        return None
    last = rows[0]
    fields = con.execute(
        "SELECT DISTINCT field FROM audit_log WHERE entity = ? AND entity_id = ? "
        "AND actor_id IS NOT DISTINCT FROM ? AND logged_at = ? AND field IS NOT NULL ORDER BY 1",
        [entity, entity_id, last["actor_id"], last["logged_at"]],
    ).fetchall()
    return str(last["who"]), [str(f[0]) for f in fields]
