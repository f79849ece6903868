"""A check-in or reading sent twice is recognised below the UI (docs/decisions.md).

A double click, a browser retry or a form left filled in must not record the same fact
twice: an identical check-in repeated within `REPEAT_WINDOW` by the same person, and a
reading equal to the value already held for that date, are answered with the earlier
record (`repeated=True`) and write nothing: no row, no version bump, no audit entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cxos.identity import audit
from cxos.storage import Database
from cxos.work import team_edits
from cxos.work.checkins_readings import REPEAT_WINDOW, record_check_in, record_reading
from tests.sample import load_sample

pytestmark = pytest.mark.both_stores

DAY = dt.date(2026, 6, 1)
SAME: dict[str, Any] = {"status": "in_progress", "progress": 40, "confidence": 4, "on": DAY}


@pytest.fixture
def sample(db: Database) -> Database:
    return load_sample(db)


def _count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM check_ins WHERE action_id = 'a_bill'"))


def _state(db: Database) -> tuple:
    return (
        db.rows("SELECT * FROM check_ins ORDER BY id"),
        db.rows("SELECT * FROM actions ORDER BY id"),
        db.rows("SELECT * FROM metric_readings ORDER BY metric_id, as_of"),
        db.rows("SELECT * FROM metrics ORDER BY id"),
        audit.data_version(db),
    )


def test_an_identical_check_in_sent_twice_is_recorded_once(sample: Database) -> None:
    first = record_check_in(sample, "p_member", "a_bill", note="Vendor signed", **SAME)
    before = _state(sample)
    again = record_check_in(sample, "p_member", "a_bill", note="Vendor signed", **SAME)
    assert _state(sample) == before  # no row, no version bump, no audit entry
    assert again.repeated and not first.repeated
    assert (again.check_in_id, again.version) == (first.check_in_id, first.version)
    assert _count(sample) == 1


def test_a_repeat_with_the_version_seen_before_the_first_is_not_a_conflict(
    sample: Database,
) -> None:
    """Two requests of one double click carry the same version: the second is the repeat."""
    seen = sample.scalar("SELECT version FROM actions WHERE id = 'a_bill'")
    record_check_in(sample, "p_member", "a_bill", expected_version=seen, **SAME)
    again = record_check_in(sample, "p_member", "a_bill", expected_version=seen, **SAME)
    assert again.repeated and _count(sample) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"progress": 45},
        {"confidence": 3},
        {"note": "Now with a note"},
        {"status": "blocked", "note": "Vendor late"},
        {"on": DAY - dt.timedelta(days=1)},
    ],
)
def test_a_check_in_that_differs_in_anything_is_recorded(
    sample: Database, change: dict[str, Any]
) -> None:
    record_check_in(sample, "p_member", "a_bill", **SAME)
    second = record_check_in(sample, "p_member", "a_bill", **{**SAME, **change})
    assert not second.repeated and _count(sample) == 2


def test_the_same_check_in_by_someone_else_is_their_own(sample: Database) -> None:
    record_check_in(sample, "p_member", "a_bill", **SAME)
    assert not record_check_in(sample, "p_head", "a_bill", **SAME).repeated
    assert _count(sample) == 2


def test_going_back_to_an_earlier_state_is_not_a_repeat(sample: Database) -> None:
    record_check_in(sample, "p_member", "a_bill", **SAME)
    record_check_in(sample, "p_member", "a_bill", status="blocked", note="Vendor late", on=DAY)
    assert not record_check_in(sample, "p_member", "a_bill", **SAME).repeated
    assert _count(sample) == 3


def test_an_identical_check_in_after_the_window_is_recorded(sample: Database) -> None:
    record_check_in(sample, "p_member", "a_bill", **SAME)
    earlier = REPEAT_WINDOW + dt.timedelta(minutes=1)
    sample.write(
        lambda con: con.execute(
            "UPDATE check_ins SET entered_at = entered_at - CAST(? AS INTERVAL)",
            [f"{int(earlier.total_seconds())} seconds"],
        )
    )
    assert not record_check_in(sample, "p_member", "a_bill", **SAME).repeated
    assert _count(sample) == 2


def test_the_same_reading_posted_twice_changes_nothing(sample: Database) -> None:
    first = record_reading(sample, "p_head", "m_bill", 71.5, on=DAY)
    before = _state(sample)
    again = record_reading(sample, "p_head", "m_bill", "71.5", on=DAY)
    assert _state(sample) == before
    assert again.repeated and not first.repeated
    assert (again.value, again.version, again.replaced) == (71.5, first.version, None)


def test_a_different_value_or_date_is_a_new_reading(sample: Database) -> None:
    record_reading(sample, "p_head", "m_bill", 71.5, on=DAY)
    assert not record_reading(sample, "p_head", "m_bill", 72, on=DAY).repeated
    assert not record_reading(sample, "p_head", "m_bill", 72, on=DAY + dt.timedelta(1)).repeated


def test_bulk_entry_recognises_a_repeated_table_too(sample: Database) -> None:
    rows = [{"action_id": "a_bill", "status": "in_progress", "progress": 30, "checked_on": DAY}]
    first = team_edits.record_check_ins(sample, "p_head", rows)
    again = team_edits.record_check_ins(sample, "p_head", rows)
    assert [r.repeated for r in first + again] == [False, True]
    assert _count(sample) == 1
