"""Whether a database is the generated demo company and nothing else (demo sign-in's rule).

Demo sign-in lets anyone act as anyone, so it is safe only on made-up data. The rule:

- the demo loader writes the marker (`meta.dataset = "demo"`) in the same transaction as
  the demo rows, and only when the database held no real data before (`real_data`);
- whatever brings in other data or secrets removes the marker in its own transaction:
  every import that is not the demo loader's (app or command line), every password set or
  account created; a restore brings the backup's own marker (or none);
- a database with any sign-in account is never the demo company, whatever its marker says.

So the marker cannot outlive the first real row or account; and since it is only ever
written over an empty database or the demo company itself, it never starts on real data.
"""

from __future__ import annotations

import json
from typing import Any

from cxos.model.errors import CxosError
from cxos.storage import Connection, Database
from cxos.storage.contents import account_count, counts, set_meta

MARKER = "dataset"
_KEYS = (MARKER, "demo_as_of", "demo_personas")


class RealDataPresent(CxosError):
    """`demo` was asked to load over real data without saying it should."""


def mark(con: Connection, personas: dict[str, str], as_of: str | None = None) -> None:
    """Mark the database as the demo company, in the demo loader's transaction."""
    set_meta(con, MARKER, "demo")
    set_meta(con, "demo_personas", personas)
    if as_of is not None:
        set_meta(con, "demo_as_of", as_of)


def clear(con: Connection) -> None:
    """The database now holds more than the demo company: demo sign-in is off for good."""
    con.execute(f"DELETE FROM meta WHERE key IN ({', '.join('?' * len(_KEYS))})", list(_KEYS))


def is_demo_company(db: Database) -> bool:
    """True while the database holds the generated demo company and nothing else."""
    return bool(db.read(_is_demo_company))


def _is_demo_company(con: Connection) -> bool:
    row = con.execute(
        "SELECT (SELECT value FROM meta WHERE key = ?) = ? AND NOT EXISTS (SELECT 1 FROM accounts)",
        [MARKER, json.dumps("demo")],
    ).fetchone()
    return bool(row and row[0])


def real_data(db: Database) -> str | None:
    """What real data the database holds, in words; None when empty or the demo company."""
    if is_demo_company(db):
        return None
    rows = counts(db)
    accounts = account_count(db)
    total = sum(rows.values())
    if not total and not accounts:
        return None
    parts = [f"{rows.get('people', 0)} people", f"{total} rows in all"]
    if accounts:
        parts.insert(1, f"{accounts} sign-in account{'s' if accounts != 1 else ''}")
    return ", ".join(parts)


ADD_TO_REAL_DATA = "--add-demo-to-real-data"


def refusal(path: Any, found: str) -> RealDataPresent:
    """The message `demo` gives instead of mixing made-up rows into real data."""
    return RealDataPresent(
        f"{path} already holds real data ({found}), so the demo company was not loaded "
        "into it and nothing was changed: its made-up people and goals would mix with "
        "yours. For a demo, use a database file of its own: "
        "python -m cxos --db demo.duckdb demo. To merge the demo rows into this data "
        f"anyway (rows with the same ids are overwritten, and sign-in stays with "
        f"passwords), add {ADD_TO_REAL_DATA}."
    )
