"""Shared fixtures: a fresh database per test, and rows loaded the way a bundle is.

Tests of a module marked `both_stores` run twice: on the DuckDB file and on PostgreSQL, a
database of their own on the server CXOS_TEST_POSTGRES names (`.ci/run` starts one with
tests/postgres_server.py). Without that server they skip on PostgreSQL, saying so; under
CI (CI set) they fail instead, so CI never passes without them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from cxos.bundle.importer import import_rows
from cxos.storage import Database

STORES = ("duckdb", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_stores: the module's `db` tests run on DuckDB and on PostgreSQL"
    )
    config.addinivalue_line(
        "markers", "file_store: a test of the DuckDB file's own workings, on that store only"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = metafunc.definition.get_closest_marker
    if "store" in metafunc.fixturenames and marked("both_stores") and not marked("file_store"):
        metafunc.parametrize("store", STORES, indirect=True)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> str:
    """Which store the test's database is on (DuckDB unless the module asks for both)."""
    return getattr(request, "param", "duckdb")


def postgres_server() -> str | None:
    """The test server's URL (a database on it to create others from), or None."""
    url = os.environ.get("CXOS_TEST_POSTGRES")
    if not url and os.environ.get("CI") == "true":
        pytest.fail("CXOS_TEST_POSTGRES is not set: CI must run the PostgreSQL store's tests")
    return url or None


def new_postgres_database() -> tuple[str, Any]:
    """A new, empty database on the test server: its URL, and how to drop it."""
    import psycopg

    server = postgres_server()
    if server is None:
        pytest.skip("no PostgreSQL server (set CXOS_TEST_POSTGRES; .ci/run starts one)")
    name = f"cxos_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = server.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return url, drop


@pytest.fixture(autouse=True)
def verify_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scoring query checks first that the derived scoring tables are up to date."""
    monkeypatch.setenv("CXOS_VERIFY_STRUCTURE", "1")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: str) -> Iterator[Database]:
    """An empty, migrated database, also named by CXOS_DB: a file in the test's own folder,
    or (`store` "postgresql") a database of its own on the test server."""
    if store == "duckdb":
        path = tmp_path / "cxos.duckdb"
        monkeypatch.setenv("CXOS_DB", str(path))
        yield Database(path)
        return
    url, drop = new_postgres_database()
    monkeypatch.setenv("CXOS_DB", url)
    database = Database(url)
    try:
        yield database
    finally:
        database.close()
        drop()


@pytest.fixture
def load() -> Any:
    """Import `{file: rows}` into a database through the real bundle importer."""

    def _load(database: Database, bundle: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        import_rows(database, bundle)

    return _load
