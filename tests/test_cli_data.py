"""The command line a person types: init, demo, import, export, backup and restore."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def cxos(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXOS_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "cxos", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_init_demo_export_on_a_fresh_database(tmp_path: Path) -> None:
    db = tmp_path / "cxos.duckdb"
    assert cxos("init", db=db).returncode == 0
    demo = cxos("demo", db=db)
    assert demo.returncode == 0, demo.stderr
    assert "demo company loaded" in demo.stdout
    out = cxos("export", str(tmp_path / "exported"), db=db)
    assert out.returncode == 0, out.stderr
    assert len(list((tmp_path / "exported").glob("*.csv"))) == 18  # goal_objectives.csv: issue 24


def test_db_flag_wins_over_the_environment(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.duckdb"
    result = cxos("--db", str(chosen), "init", db=tmp_path / "env.duckdb")
    assert result.returncode == 0
    assert chosen.exists() and not (tmp_path / "env.duckdb").exists()


def test_a_bad_bundle_exits_non_zero_with_the_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "teams.csv").write_text("id,name,business_unit_id\nt1,Care,nowhere\n")
    result = cxos("import", str(bad), db=tmp_path / "x.duckdb")
    assert result.returncode == 2
    assert "teams.csv, row 2, column business_unit_id" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("import", "/nonexistent/bundle"), "does not exist"),
        (("restore", "/nonexistent/backup.duckdb"), "is not a file"),
    ],
)
def test_failures_are_one_line_reasons(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    result = cxos(*args, db=tmp_path / "x.duckdb")
    assert result.returncode == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_backup_and_restore_keep_the_previous_database(tmp_path: Path) -> None:
    db = tmp_path / "cxos.duckdb"
    assert cxos("demo", db=db).returncode == 0
    backup = tmp_path / "b.duckdb"
    assert cxos("backup", str(backup), db=db).returncode == 0
    assert cxos("init", db=db).returncode == 0
    restored = cxos("restore", str(backup), db=db)
    assert restored.returncode == 0, restored.stderr
    assert "kept as" in restored.stdout
    assert list(tmp_path.glob("cxos.duckdb.before-restore-*"))


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    db = tmp_path / "cxos.duckdb"
    assert cxos("init", db=db).returncode == 0
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database")
    before = db.read_bytes()
    result = cxos("restore", str(junk), db=db)
    assert result.returncode == 1
    assert "not a readable database" in result.stderr
    assert db.read_bytes() == before
