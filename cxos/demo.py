"""The demo company (being written)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cxos.importer import ImportReport
from cxos.storage import Database


def load(db: Database, as_of: dt.date, scale: int = 1, progress: Any = None) -> ImportReport:
    raise NotImplementedError


def write_bundle(folder: str | Path, as_of: dt.date, scale: int = 1) -> Path:
    raise NotImplementedError
