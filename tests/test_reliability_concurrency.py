"""Concurrent writers: every write lands, conflicts are retried, stale edits are reported.

DuckDB fails the second of two transactions updating one row with "Conflict on update";
`Database.write` must retry it, and a caller holding an outdated version must be told
(`StaleWrite`) instead of overwriting what someone else saved.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import pytest

from cxos.model.errors import DatabaseBusy, StaleWrite
from cxos.storage import Database, retry
from cxos.work.checkins_readings import record_check_in
from tests.bundles import fingerprint
from tests.sample import load_sample

THREADS, EACH = 16, 50
DAY = dt.date(2026, 6, 1)


def _run_threads(count: int, work: Callable[[int], Any], timeout: float = 240) -> list[Any]:
    """Run `work(i)` on `count` threads started together; re-raise the first failure."""
    start = threading.Barrier(count)

    def run(i: int) -> Any:
        start.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(run, i) for i in range(count)]
        return [f.result(timeout=timeout) for f in futures]


@pytest.fixture
def sample(db: Database) -> Database:
    return load_sample(db)


def test_800_concurrent_check_ins_on_one_action_all_land_in_order(sample: Database) -> None:
    before = sample.rows("SELECT version FROM actions WHERE id = 'a_bill'")[0]["version"]

    def check_in_many(thread: int) -> list[int]:
        ids = []
        for seq in range(EACH):
            result = record_check_in(
                sample,
                "p_member",
                "a_bill",
                status="in_progress",
                progress=seq * 2,
                note=f"t{thread:02d}-{seq:03d}",
                on=DAY,
            )
            ids.append(result.check_in_id)
        return ids

    per_thread = _run_threads(THREADS, check_in_many)
    rows = sample.rows("SELECT id, note FROM check_ins WHERE action_id = 'a_bill' ORDER BY id")
    assert len(rows) == THREADS * EACH
    assert len({r["id"] for r in rows}) == len(rows)  # the sequence alone keeps ids unique
    for thread, ids in enumerate(per_thread):
        notes = [r["note"] for r in rows if r["note"].startswith(f"t{thread:02d}-")]
        assert notes == [f"t{thread:02d}-{seq:03d}" for seq in range(EACH)]  # in order
        assert ids == sorted(ids)
    audited = sample.rows(
        "SELECT DISTINCT entity_id FROM audit_log WHERE entity = 'check_ins' "
        "AND operation = 'create' AND actor_id = 'p_member'"
    )
    assert len(audited) == THREADS * EACH
    assert {int(r["entity_id"]) for r in audited} == {r["id"] for r in rows}
    after = sample.rows("SELECT version FROM actions WHERE id = 'a_bill'")[0]["version"]
    assert after == before + THREADS * EACH


def _counter(db: Database) -> None:
    db.write(lambda con: con.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
    db.write(lambda con: con.execute("INSERT INTO counter VALUES (1, 0)"))


def _increment(con: duckdb.DuckDBPyConnection) -> None:
    n = con.execute("SELECT n FROM counter WHERE id = 1").fetchone()[0]  # type: ignore[index]
    con.execute("UPDATE counter SET n = ? WHERE id = 1", [n + 1])


def test_write_retries_duckdb_write_write_conflicts(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without any lock of ours, threads updating one row conflict; every update lands.
    (A generous retry budget: on a loaded machine 200 contended updates took over 10 s.)"""
    monkeypatch.setattr(retry, "BUSY_SECONDS", 120.0)
    _counter(db)
    conflicts = []
    real = retry.in_transaction

    def counting(con: Any, fn: Any) -> Any:
        try:
            return real(con, fn)
        except duckdb.TransactionException as error:
            conflicts.append(str(error))
            raise

    retry.in_transaction = counting  # type: ignore[assignment]
    try:
        _run_threads(8, lambda _i: [db.write(_increment) for _ in range(25)])
    finally:
        retry.in_transaction = real  # type: ignore[assignment]
    assert db.scalar("SELECT n FROM counter") == 8 * 25
    assert conflicts, "the threads never conflicted, so the retry was not exercised"
    assert all("onflict" in c for c in conflicts)


def test_a_conflict_past_the_retry_budget_is_busy_and_saves_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _counter(db)
    monkeypatch.setattr(retry, "BUSY_SECONDS", 0.3)
    holder = threading.Event()
    release = threading.Event()

    def hold(con: duckdb.DuckDBPyConnection) -> None:
        _increment(con)
        holder.set()
        release.wait(5)

    def blocked(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("INSERT INTO business_units (id, name) VALUES ('bu_half', 'Half written')")
        _increment(con)

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(db.write, hold)
        assert holder.wait(5)
        with pytest.raises(DatabaseBusy, match="nothing was saved, try again"):
            db.write(blocked)
        release.set()
        first.result(timeout=10)
    assert db.scalar("SELECT n FROM counter") == 1
    assert db.scalar("SELECT count(*) FROM business_units WHERE id = 'bu_half'") == 0


def test_a_stale_edit_is_reported_and_changes_nothing(sample: Database) -> None:
    seen = sample.rows("SELECT version FROM actions WHERE id = 'a_bill'")[0]["version"]
    record_check_in(sample, "p_head", "a_bill", status="in_progress", progress=10, on=DAY)
    before = fingerprint(sample)
    with pytest.raises(StaleWrite, match="changed by someone else"):
        record_check_in(
            sample,
            "p_member",
            "a_bill",
            status="blocked",
            note="late",
            on=DAY,
            expected_version=seen,
        )
    assert fingerprint(sample) == before


def test_threads_never_share_a_connection(db: Database) -> None:
    """Every unit of work gets its own cursor, so threads reading at once never collide."""
    load_sample(db)
    counts = _run_threads(
        8, lambda _i: [db.scalar("SELECT count(*) FROM people") for _ in range(100)]
    )
    assert {n for run in counts for n in run} == {8}
