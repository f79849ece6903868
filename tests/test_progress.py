"""Check-ins and readings: validation, permissions, audit, versions and concurrency."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from cxos.identity import audit
from cxos.model.errors import InvalidInput, NotFound, PermissionDenied, StaleWrite
from cxos.storage import Database
from cxos.work.checkins_readings import StaleCheckIn, record_check_in, record_reading
from tests.sample import load_sample

pytestmark = pytest.mark.both_stores

DAY = dt.date(2026, 6, 1)


@pytest.fixture
def sample(db: Database) -> Database:
    return load_sample(db)


def _action(db: Database, action_id: str) -> dict:
    return db.rows("SELECT * FROM actions WHERE id = ?", [action_id])[0]


def _snapshot(db: Database) -> tuple:
    return (
        db.rows("SELECT * FROM actions ORDER BY id"),
        db.rows("SELECT * FROM check_ins ORDER BY id"),
        db.rows("SELECT * FROM metric_readings ORDER BY metric_id, as_of"),
        audit.data_version(db),
    )


def test_owner_checks_in_and_everything_is_recorded(sample: Database) -> None:
    result = record_check_in(
        sample, "p_member", "a_bill", status="in_progress", progress=30, confidence=4, on=DAY
    )
    row = sample.rows("SELECT * FROM check_ins WHERE id = ?", [result.check_in_id])[0]
    assert (row["entered_by"], row["source"], row["progress"]) == ("p_member", "manual", 30)
    assert row["entered_at"] is not None
    action = _action(sample, "a_bill")
    assert (action["status"], action["version"]) == ("in_progress", 2)
    logged = {(e.entity, e.field) for e in audit.entries(sample) if e.actor_id == "p_member"}
    assert {("check_ins", "progress"), ("actions", "status")} <= logged


def test_done_sets_completed_on_and_progress_defaults(sample: Database) -> None:
    first = record_check_in(sample, "p_head", "a_bill", status="in_progress", progress=55, on=DAY)
    second = record_check_in(sample, "p_head", "a_bill", status="in_progress", on=DAY)
    assert (first.progress, second.progress) == (55, 55)
    done = record_check_in(sample, "p_head", "a_bill", status="done", on=DAY)
    assert (done.progress, done.completed_on, done.action_status) == (100, DAY, "done")
    assert _action(sample, "a_bill")["completed_on"] == DAY


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "blocked"}, "blocked action needs a note"),
        ({"status": "open", "confidence": 2}, "confidence 2 needs a note"),
        ({"status": "open", "confidence": 1, "note": "  "}, "needs a note"),
        ({"status": "open", "progress": 101}, "progress must be"),
        ({"status": "open", "progress": -1}, "progress must be"),
        ({"status": "open", "confidence": 6, "note": "x"}, "confidence must be"),
        ({"status": "paused"}, "status must be one of"),
        ({"status": "open", "on": dt.timedelta(days=1)}, "in the future"),
        ({"status": "open", "on": dt.date(2025, 1, 1)}, "before the action was created"),
        ({"status": "open", "source": "telepathy"}, "source must be"),
    ],
)
def test_invalid_check_ins_change_nothing(sample: Database, kwargs: dict, message: str) -> None:
    if isinstance(kwargs.get("on"), dt.timedelta):  # days from today, read when the test runs
        kwargs = {**kwargs, "on": dt.date.today() + kwargs["on"]}
    before = _snapshot(sample)
    with pytest.raises(InvalidInput, match=message):
        record_check_in(sample, "p_member", "a_bill", **kwargs)
    assert _snapshot(sample) == before


def test_blocked_with_a_note_is_accepted(sample: Database) -> None:
    result = record_check_in(
        sample, "p_member", "a_bill", status="blocked", confidence=1, note="need IT", on=DAY
    )
    assert result.note == "need IT"


@pytest.mark.parametrize(
    ("actor", "action_id", "reason"),
    [
        ("p_head", "a_store", "Dana Lee is head of Billing and may not change check-ins of Retail"),
        ("p_member", "a_champ", "may only check in on actions they own"),
        ("p_steer", "a_bill", "may only check in on actions they own"),
    ],
)
def test_refused_check_ins_change_nothing(
    sample: Database, actor: str, action_id: str, reason: str
) -> None:
    before = _snapshot(sample)
    with pytest.raises(PermissionDenied, match=reason):
        record_check_in(sample, actor, action_id, status="open", on=DAY)
    assert _snapshot(sample) == before


def test_unknown_action(sample: Database) -> None:
    with pytest.raises(NotFound):
        record_check_in(sample, "p_admin", "nope", status="open")


def test_stale_version_is_refused_with_current_state(sample: Database) -> None:
    record_check_in(sample, "p_member", "a_bill", status="in_progress", on=DAY)
    with pytest.raises(StaleWrite) as stale:
        record_check_in(sample, "p_member", "a_bill", status="done", on=DAY, expected_version=1)
    assert isinstance(stale.value, StaleCheckIn)
    assert stale.value.current["version"] == 2
    assert _action(sample, "a_bill")["status"] == "in_progress"
    ok = record_check_in(sample, "p_member", "a_bill", status="done", on=DAY, expected_version=2)
    assert ok.version == 3


def test_back_dated_check_in_does_not_undo_a_newer_one(sample: Database) -> None:
    record_check_in(sample, "p_head2", "a_store", status="done", on=DAY)
    record_check_in(sample, "p_head2", "a_store", status="in_progress", on=dt.date(2026, 2, 1))
    assert _action(sample, "a_store")["status"] == "done"


@pytest.mark.slow
def test_concurrent_check_ins_all_land(sample: Database) -> None:
    def worker(n: int) -> int:
        for i in range(50):  # each its own note: identical check-ins would be repeats
            record_check_in(
                sample,
                "p_member",
                "a_bill",
                status="in_progress",
                progress=i,
                note=f"{n}-{i}",
                on=DAY,
            )
        return n

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(worker, range(16)))
    count = sample.scalar("SELECT count(*) FROM check_ins WHERE action_id = 'a_bill'")
    assert count == 16 * 50
    assert _action(sample, "a_bill")["version"] == 1 + 16 * 50


def test_reading_recorded_and_replaced_with_audit(sample: Database) -> None:
    first = record_reading(sample, "p_head", "m_bill", 70, on=DAY)
    assert first.replaced == 60
    second = record_reading(sample, "p_head", "m_bill", "72.5", on=dt.date(2026, 7, 1))
    assert (second.replaced, second.value) == (None, 72.5)
    row = sample.rows("SELECT * FROM metric_readings WHERE as_of = ?", [DAY])[0]
    assert (row["value"], row["entered_by"], row["source"]) == (70, "p_head", "manual")
    change = next(e for e in audit.entries(sample, entity="metric_readings") if e.old_value)
    assert (change.old_value, change.new_value, change.entity_id) == (
        "60",
        "70",
        "m_bill@2026-06-01",
    )


@pytest.mark.parametrize(
    ("actor", "metric", "value", "error"),
    [
        ("p_head", "m_store", 1, PermissionDenied),
        ("p_member", "m_bill", 1, PermissionDenied),
        ("p_champ", "m_bill", 1, PermissionDenied),
        ("p_head", "m_bill", "abc", InvalidInput),
        ("p_head", "m_bill", float("nan"), InvalidInput),
        ("p_head", "nope", 1, NotFound),
    ],
)
def test_refused_readings_change_nothing(
    sample: Database, actor: str, metric: str, value: object, error: type
) -> None:
    before = _snapshot(sample)
    with pytest.raises(error):
        record_reading(sample, actor, metric, value, on=DAY)  # type: ignore[arg-type]
    assert _snapshot(sample) == before
