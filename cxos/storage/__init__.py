"""Storage: the only place in CXOS that holds connections and migrations."""

from cxos.storage import prepared, structure
from cxos.storage.db import (
    Connection,
    Database,
    as_dicts,
    database_now,
    fetch_dicts,
    resolve_path,
)
from cxos.storage.stores import checking

__all__ = [
    "Connection",
    "Database",
    "as_dicts",
    "checking",
    "database_now",
    "fetch_dicts",
    "prepared",
    "resolve_path",
    "structure",
]
