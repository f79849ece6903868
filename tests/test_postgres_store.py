"""The PostgreSQL store: many processes writing at once, each reading its own mirror.

These need the test server (CXOS_TEST_POSTGRES, started by `.ci/run`); without it they
skip, saying so (tests/conftest.py). The shared behaviour of both stores is tested by the
`both_stores` modules; here is what only a server with several processes shows.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cxos.demo import company
from cxos.scoring import compute_scores, compute_signals
from cxos.storage import Database
from cxos.storage.stores import PostgresStore
from cxos.work.checkins_readings import record_check_in
from tests.conftest import new_postgres_database

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date.today()
# The head of Logistics and one of the team's open actions in the demo company.
HEAD = "p-logis-0"


@pytest.fixture
def pg_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url, drop = new_postgres_database()
    monkeypatch.setenv("CXOS_DB", url)
    try:
        yield url
    finally:
        Database(url, upgrade=False).close()
        drop()


@pytest.fixture
def pg_demo(pg_url: str) -> Database:
    db = Database(pg_url)
    company.load(db, as_of=TODAY)
    return db


def _open_action(db: Database) -> str:
    return str(
        db.scalar(
            "SELECT a.id FROM actions a JOIN people p ON p.team_id = a.team_id "
            "WHERE p.id = ? AND a.status <> 'done' ORDER BY a.id LIMIT 1",
            [HEAD],
        )
    )


_WRITER = """
import sys
from cxos.storage import Database
from cxos.work.checkins_readings import record_check_in
url, action, who, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
db = Database(url)
for n in range(count):
    record_check_in(db, "p-logis-0", action, status="in_progress", progress=n % 100,
                    note=f"writer {who}, check-in {n}")
"""


def test_four_processes_check_in_on_one_action_and_lose_none(pg_demo: Database) -> None:
    """Every check-in updates the action's row, so concurrent ones conflict; PostgreSQL
    refuses all but one, and each refused transaction is run again: 200 check-ins land,
    the action's version counts every one of them, and no process sees an error."""
    action = _open_action(pg_demo)
    before = pg_demo.scalar("SELECT count(*) FROM check_ins WHERE action_id = ?", [action])
    version = pg_demo.scalar("SELECT version FROM actions WHERE id = ?", [action])
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, pg_demo.target, action, str(n), "50"],  # type: ignore[list-item]
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "CXOS_BUSY_SECONDS": "60"},
        )
        for n in range(4)
    ]
    outputs = [w.communicate(timeout=300)[0].decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], outputs
    assert pg_demo.scalar("SELECT count(*) FROM check_ins WHERE action_id = ?", [action]) == (
        before + 200
    )
    assert pg_demo.scalar("SELECT version FROM actions WHERE id = ?", [action]) == version + 200
    notes = pg_demo.rows("SELECT note FROM check_ins WHERE action_id = ?", [action])
    assert {f"writer {w}, check-in {n}" for w in range(4) for n in range(50)} <= {
        r["note"] for r in notes
    }


def test_a_write_by_another_process_is_read_at_once(pg_demo: Database) -> None:
    action = _open_action(pg_demo)
    seen = pg_demo.scalar("SELECT count(*) FROM check_ins WHERE action_id = ?", [action])
    done = subprocess.run(
        [sys.executable, "-m", "cxos", "check-in", action, "--as", HEAD,
         "--status", "in_progress", "--progress", "55", "--note", "from the command line"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # This process's mirror catches up before its next read: no waiting, no stale answer.
    assert pg_demo.scalar("SELECT count(*) FROM check_ins WHERE action_id = ?", [action]) == (
        seen + 1
    )
    mirror = PostgresStore(pg_demo.target).mirror()  # type: ignore[arg-type]
    assert mirror.last_refresh["whole_tables"] == 0  # only the rows that changed came over
    assert 0 < mirror.last_refresh["keyed_rows"] < 20


def test_a_change_made_outside_cxos_reaches_the_mirror(pg_demo: Database) -> None:
    """The change log is kept by triggers, so even a change made with psql is seen, and
    the derived scoring tables follow it."""
    team = pg_demo.rows("SELECT id, name FROM teams ORDER BY id LIMIT 1")[0]
    with psycopg.connect(str(pg_demo.target), autocommit=True) as con:
        con.execute("UPDATE teams SET name = 'Renamed by psql' WHERE id = %s", [team["id"]])
    assert pg_demo.scalar("SELECT name FROM teams WHERE id = ?", [team["id"]]) == (
        "Renamed by psql"
    )
    # Scoring checks the derived tables against a fresh derivation first (the suite sets
    # CXOS_VERIFY_STRUCTURE), and the stage owners' names are derived from team names.
    assert compute_scores(pg_demo, TODAY)
    names = pg_demo.rows("SELECT * FROM score_stage_names")
    assert any("Renamed by psql" in str(row.values()) for row in names)


def test_scores_and_signals_are_the_same_on_both_stores(pg_demo: Database, tmp_path: Path) -> None:
    """The demo company on PostgreSQL scores exactly as on the DuckDB file, at three dates."""
    file_db = Database(tmp_path / "demo.duckdb")
    company.load(file_db, as_of=TODAY)
    for day in (TODAY - dt.timedelta(days=120), TODAY - dt.timedelta(days=45), TODAY):
        assert compute_scores(pg_demo, day) == compute_scores(file_db, day), day
        assert compute_signals(pg_demo, day) == compute_signals(file_db, day), day


def test_a_file_only_command_says_how_postgresql_is_backed_up(pg_url: str) -> None:
    Database(pg_url)
    done = subprocess.run(
        [sys.executable, "-m", "cxos", "backup"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "pg_dump" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_database_of_another_application_is_left_alone(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE invoices (id integer)")
    with pytest.raises(Exception, match="not a CXOS one; nothing was changed"):
        Database(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    assert tables == [("invoices",)]


def test_check_ins_from_the_app_and_the_store_agree(pg_demo: Database) -> None:
    """A check-in recorded in this process is read back by the same process at once."""
    action = _open_action(pg_demo)
    result = record_check_in(pg_demo, HEAD, action, status="in_progress", progress=61)
    assert result.check_in_id is not None
    assert pg_demo.scalar("SELECT progress FROM check_ins WHERE id = ?", [result.check_in_id]) == 61


def test_init_and_migrate_on_postgresql(pg_url: str) -> None:
    def cxos(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "cxos", "--db", pg_url, *args],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    first = cxos("migrate")
    assert "0001_organisation_and_journey" in first
    assert "password" not in first  # the URL is shown without a password, if it had one
    assert "nothing to do" in cxos("migrate")
    assert "database ready" in cxos("init")
