"""What a database holds, counted per bundle file, for the home page and the CLI."""

from __future__ import annotations

import json
from typing import Any

from cxos.bundle.spec import FILES
from cxos.storage import Connection, Database


def counts(db: Database) -> dict[str, int]:
    """Rows per bundle file, in bundle order."""

    def count(con: Connection) -> dict[str, int]:
        sql = " UNION ALL ".join(
            f"SELECT '{spec.name}' AS name, count(*) AS n FROM {spec.table}" for spec in FILES
        )
        found = dict(con.execute(sql).fetchall())
        return {spec.name: int(found[spec.name]) for spec in FILES}

    return db.read(count)


def is_empty(db: Database) -> bool:
    """True when the database holds no organisation yet."""
    return not db.scalar("SELECT count(*) FROM teams")


def meta(db: Database, key: str) -> Any:
    """A JSON value stored in the `meta` table, or None."""
    raw = db.scalar("SELECT value FROM meta WHERE key = ?", [key])
    return None if raw is None else json.loads(raw)


def set_meta(con: Connection, key: str, value: Any) -> None:
    """Store a JSON value in `meta` within the caller's transaction."""
    con.execute("DELETE FROM meta WHERE key = ?", [key])
    con.execute("INSERT INTO meta VALUES (?, ?)", [key, json.dumps(value)])


def account_count(db: Database) -> int:
    """How many sign-in accounts the database holds, disabled ones included."""
    return int(db.scalar("SELECT count(*) FROM accounts") or 0)
