"""Shared fixtures: a fresh database per test, and rows loaded the way a bundle is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from cxos.bundle.importer import import_rows
from cxos.storage import Database


@pytest.fixture(autouse=True)
def verify_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scoring query checks first that the derived scoring tables are up to date."""
    monkeypatch.setenv("CXOS_VERIFY_STRUCTURE", "1")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """An empty, migrated database in the test's own folder, also named by CXOS_DB."""
    path = tmp_path / "cxos.duckdb"
    monkeypatch.setenv("CXOS_DB", str(path))
    return Database(path)


@pytest.fixture
def load() -> Any:
    """Import `{file: rows}` into a database through the real bundle importer."""

    def _load(database: Database, bundle: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        import_rows(database, bundle)

    return _load
