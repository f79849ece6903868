"""The schema upgrades itself, refuses what it must not touch, and the domain stays UI-free."""

from __future__ import annotations

import hashlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import cxos
from cxos.model.errors import CxosError
from cxos.storage import Database
from cxos.storage.migrations import MIGRATIONS, apply_migrations

pytestmark = pytest.mark.both_stores


def _old_database(path: Path) -> None:
    """A database as the first CXOS release left it: only the first migration applied."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    for statement in MIGRATIONS[0].statements:
        con.execute(statement)
    con.execute("INSERT INTO schema_migrations VALUES (?, now())", [MIGRATIONS[0].name])
    con.execute("INSERT INTO business_units VALUES ('bu1', 'Kept')")
    con.close()


def test_an_older_database_upgrades_itself_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _old_database(path)
    db = Database(path)
    names = [r["name"] for r in db.rows("SELECT name FROM schema_migrations ORDER BY name")]
    assert names == [m.name for m in MIGRATIONS]
    assert db.scalar("SELECT name FROM business_units") == "Kept"
    assert db.scalar("SELECT count(*) FROM audit_log") == 0


def test_migrations_are_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    Database(path).close()  # the schema check leaves the file open for the first read
    con = duckdb.connect(str(path))
    assert apply_migrations(con) == []
    con.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    Database(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES ('9999_from_the_future', now())")
    con.close()
    before = _digest(path)
    with pytest.raises(CxosError, match="newer CXOS"):
        Database(path)
    assert _digest(path) == before


def test_a_foreign_duckdb_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.close()
    with pytest.raises(CxosError, match="not a CXOS one"):
        Database(path)


@pytest.mark.parametrize("content", [b"just some text\n", b"\x00" * 5000], ids=["text", "zeros"])
def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.duckdb"
    path.write_bytes(content)
    with pytest.raises(CxosError, match="cannot be opened as a CXOS database"):
        Database(path)
    assert path.read_bytes() == content


def test_a_truncated_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.duckdb"
    Database(path)
    path.write_bytes(path.read_bytes()[:4096])
    with pytest.raises(CxosError):
        Database(path).rows("SELECT * FROM teams")


def test_the_domain_never_imports_streamlit() -> None:
    modules = sorted(m.name for m in pkgutil.walk_packages(cxos.__path__, "cxos."))
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
    assert len(modules) > 10


@pytest.mark.file_store
def test_scratch_stretch_restores_checkpointing_even_on_error(db: Database) -> None:
    from cxos.storage.duckdb_file import uncompressed_scratch

    def setting(con: duckdb.DuckDBPyConnection) -> str:
        return con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]

    def work(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str]:
        before = setting(con)
        with pytest.raises(ValueError), uncompressed_scratch(con):
            during = setting(con)
            raise ValueError("a bad bundle")
        return before, during, setting(con)

    before, during, after = db.session(work)
    assert during != before and after == before


def test_check_ins_keep_their_ids_and_order_through_the_index_removal(tmp_path: Path) -> None:
    """Migration 0006 rebuilds check_ins without its primary key: the rows, their ids and
    the sequence that numbers new ones carry over."""
    path = tmp_path / "before-0006.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    for migration in MIGRATIONS[:5]:
        for statement in migration.statements + migration.derived:
            con.execute(statement)
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [migration.name])
    for day, note in (("2026-11-02", "first"), ("2026-11-02", "second"), ("2026-11-09", None)):
        con.execute(
            "INSERT INTO check_ins (action_id, checked_on, status, progress, note) "
            "VALUES ('a1', ?, 'on_track', 50, ?)",
            [day, note],
        )
    con.close()

    db = Database(path)
    kept = db.rows("SELECT id, checked_on, note FROM check_ins ORDER BY id")
    assert [(r["id"], str(r["checked_on"]), r["note"]) for r in kept] == [
        (1, "2026-11-02", "first"),
        (2, "2026-11-02", "second"),
        (3, "2026-11-09", None),
    ]
    added = db.write(
        lambda c: c.execute(
            "INSERT INTO check_ins (action_id, checked_on, status, progress) "
            "VALUES ('a1', '2026-11-16', 'on_track', 60) RETURNING id"
        ).fetchone()[0]
    )
    assert added == 4
    indexed = db.scalar(
        "SELECT count(*) FROM duckdb_constraints() "
        "WHERE table_name = 'check_ins' AND constraint_type = 'PRIMARY KEY'"
    )
    assert indexed == 0
