"""The heads' writes: validation shared with import, permissions, audit, versions, bulk."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cxos.identity import audit
from cxos.model.errors import InvalidInput, NotFound, PermissionDenied, StaleWrite
from cxos.storage import Database
from cxos.work.my_work import my_work
from cxos.work.team_edits import (
    RowsRejected,
    StaleEdit,
    answer_with_new_action,
    close_feedback,
    link_feedback,
    record_check_ins,
    record_pulse,
    record_readings,
    save_action,
    save_goal,
    save_metric,
    set_goal_links,
)
from tests.sample import load_sample

pytestmark = pytest.mark.both_stores

DAY = dt.date(2026, 6, 1)
GOAL = {
    "id": "g_bill",
    "title": "Bills people understand",
    "team_id": "t_billing",
    "owner_id": "p_head",
    "objective_ids": ["o1"],
    "start_date": dt.date(2026, 1, 1),
    "end_date": dt.date(2026, 12, 31),
    "status": "active",
}
METRIC = {
    "id": "m_bill",
    "goal_id": "g_bill",
    "name": "Bill clarity",
    "direction": "higher",
    "baseline": 50.0,
    "target": 80.0,
    "cadence_days": 30,
}
ACTION = {
    "goal_id": "g_bill",
    "title": "Call ten customers",
    "owner_id": "p_member",
    "team_id": "t_billing",
    "created_on": dt.date(2026, 5, 1),
    "due_date": dt.date(2026, 7, 1),
    "status": "open",
}


@pytest.fixture
def sample(db: Database, load: Any) -> Database:
    load_sample(db)
    load(
        db,
        {
            "feedback": [
                {
                    "id": "f1",
                    "received_on": "2026-05-20",
                    "stage_id": "s2",
                    "team_id": "t_billing",
                    "sentiment": "negative",
                    "text": "My bill doubled",
                },
                {
                    "id": "f_store",
                    "received_on": "2026-05-20",
                    "stage_id": "s1",
                    "team_id": "t_stores",
                    "sentiment": "negative",
                    "text": "Rude staff",
                },
            ]
        },
    )
    return db


def _state(db: Database) -> tuple:
    tables = ("goals", "metrics", "actions", "feedback", "check_ins", "metric_readings")
    return tuple(db.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in tables) + (
        audit.data_version(db),
    )


def _row(db: Database, table: str, row_id: str) -> dict:
    return db.rows(f"SELECT * FROM {table} WHERE id = ?", [row_id])[0]


# -- goals, metrics, actions ------------------------------------------------------------


def test_head_updates_a_goal_with_audit_and_version(sample: Database) -> None:
    saved = save_goal(sample, "p_head", {**GOAL, "title": "Clear bills"}, expected_version=1)
    assert (saved.version, saved.created) == (2, False)
    assert _row(sample, "goals", "g_bill")["title"] == "Clear bills"
    entry = next(e for e in audit.entries(sample, entity="goals") if e.field == "title")
    assert (entry.old_value, entry.new_value, entry.actor_id) == (
        "Bills people understand",
        "Clear bills",
        "p_head",
    )


def test_new_records_get_ids_and_are_audited_as_created(sample: Database) -> None:
    saved = save_action(sample, "p_head", ACTION)
    assert saved.created and saved.id.startswith("a-")
    assert _row(sample, "actions", saved.id)["title"] == "Call ten customers"
    mine = [e for e in audit.entries(sample, entity="actions") if e.entity_id == saved.id]
    assert {e.operation for e in mine} == {"create"}
    assert {e.field for e in mine} >= {"title", "due_date", "status"}


@pytest.mark.parametrize(
    ("save", "row", "message"),
    [
        (save_goal, {**GOAL, "end_date": dt.date(2025, 1, 1)}, "end_date is before start_date"),
        (save_goal, {**GOAL, "status": "paused"}, "is not one of"),
        (save_goal, {**GOAL, "owner_id": "p_ghost"}, "is not an id in people.csv"),
        (save_metric, {**METRIC, "target": 40.0}, "target is below baseline"),
        (
            save_metric,
            {**METRIC, "direction": "lower", "target": 90.0},
            "target is above baseline",
        ),
        (save_metric, {**METRIC, "cadence_days": 0}, "not greater than 0"),
        (save_action, {**ACTION, "status": "done"}, "needs completed_on"),
        (
            save_action,
            {**ACTION, "completed_on": dt.date(2026, 5, 5)},
            "status is not 'done'",
        ),
        (save_action, {**ACTION, "title": ""}, "required"),
    ],
)
def test_rows_are_judged_by_the_import_rules(
    sample: Database, save: Any, row: dict, message: str
) -> None:
    before = _state(sample)
    with pytest.raises(RowsRejected, match=message):
        save(sample, "p_head", row)
    assert _state(sample) == before


def test_head_may_not_edit_or_move_into_another_team(sample: Database) -> None:
    before = _state(sample)
    with pytest.raises(PermissionDenied, match="may not change goals of Retail Stores"):
        save_goal(sample, "p_head", {**GOAL, "id": "g_store", "team_id": "t_stores"})
    with pytest.raises(PermissionDenied):
        save_goal(sample, "p_head", {**GOAL, "team_id": "t_stores"})  # moving it away
    with pytest.raises(PermissionDenied):
        save_metric(sample, "p_head2", METRIC)
    with pytest.raises(PermissionDenied):
        save_action(sample, "p_member", ACTION)
    assert _state(sample) == before


def test_stale_edit_is_refused_with_the_current_state(sample: Database) -> None:
    save_metric(sample, "p_head", {**METRIC, "target": 85.0}, expected_version=1)
    before = _state(sample)
    with pytest.raises(StaleWrite) as raised:
        save_metric(sample, "p_head", {**METRIC, "target": 90.0}, expected_version=1)
    assert isinstance(raised.value, StaleEdit)
    assert raised.value.current["target"] == 85.0
    assert raised.value.current["version"] == 2
    assert "changed by someone else" in str(raised.value)
    assert _state(sample) == before


def test_goal_links_replace_stages_and_contributors(sample: Database) -> None:
    saved = set_goal_links(
        sample, "p_head", "g_bill", stage_ids=["s1", "s2"], contributor_ids=["t_stores"]
    )
    assert saved.version == 2
    stages = sample.rows("SELECT stage_id FROM goal_stages WHERE goal_id = 'g_bill' ORDER BY 1")
    assert [r["stage_id"] for r in stages] == ["s1", "s2"]
    entry = next(e for e in audit.entries(sample, entity="goals") if e.field == "stage_ids")
    assert (entry.old_value, entry.new_value) == ("s2", "s1;s2")
    with pytest.raises(RowsRejected, match="is not an id in stages.csv"):
        set_goal_links(sample, "p_head", "g_bill", stage_ids=["nope"], contributor_ids=[])
    with pytest.raises(StaleEdit):
        set_goal_links(
            sample, "p_head", "g_bill", stage_ids=[], contributor_ids=[], expected_version=1
        )


def test_pulse_results_are_entered_for_own_team_only(sample: Database) -> None:
    scores = {"understand_goals": 4.2, "know_my_part": 3.5, "agree_why": None}
    assert record_pulse(sample, "p_head", "t_billing", DAY, scores, 12) == 2
    rows = sample.rows("SELECT question, score FROM pulse_responses ORDER BY question")
    assert rows == [
        {"question": "know_my_part", "score": 3.5},
        {"question": "understand_goals", "score": 4.2},
    ]
    with pytest.raises(RowsRejected, match="outside 1–5"):
        record_pulse(sample, "p_head", "t_billing", DAY, {"agree_why": 6}, 12)
    with pytest.raises(PermissionDenied):
        record_pulse(sample, "p_head", "t_stores", DAY, {"agree_why": 3}, 12)


# -- feedback -----------------------------------------------------------------------------


def test_feedback_is_never_closed_silently(sample: Database) -> None:
    before = _state(sample)
    with pytest.raises(InvalidInput, match="needs a written response"):
        close_feedback(sample, "p_head", "f1", "   ")
    assert _state(sample) == before
    saved = close_feedback(sample, "p_head", "f1", "Refunded, error explained", on=DAY)
    row = _row(sample, "feedback", "f1")
    assert (row["closed_on"], row["response"], saved.version) == (
        DAY,
        "Refunded, error explained",
        2,
    )


def test_feedback_answered_by_existing_or_new_action(sample: Database) -> None:
    link_feedback(sample, "p_head", "f1", "a_bill", expected_version=1)
    assert _row(sample, "feedback", "f1")["action_id"] == "a_bill"
    assert not my_work(sample, "p_head", DAY).of_kind("feedback")
    with pytest.raises(StaleEdit):
        link_feedback(sample, "p_head", "f1", "a_champ", expected_version=1)
    with pytest.raises(NotFound):
        link_feedback(sample, "p_head", "f1", "a_ghost")


def test_new_action_for_feedback_is_created_and_linked_together(sample: Database) -> None:
    saved = answer_with_new_action(sample, "p_head", "f1", ACTION, response="On it")
    action_id = _row(sample, "feedback", "f1")["action_id"]
    assert saved.version == 2 and _row(sample, "actions", action_id)["title"] == ACTION["title"]
    before = _state(sample)
    with pytest.raises(PermissionDenied):  # feedback of another team: the action is undone too
        answer_with_new_action(sample, "p_head", "f_store", ACTION)
    assert _state(sample) == before


# -- bulk check-ins and readings -------------------------------------------------------------


def test_bulk_check_ins_and_readings_land_together(sample: Database) -> None:
    done = record_check_ins(
        sample,
        "p_head",
        [
            {
                "action_id": "a_bill",
                "status": "in_progress",
                "progress": 40.0,
                "confidence": 4,
                "checked_on": DAY,
            },
            {"action_id": "a_champ", "status": "done", "checked_on": DAY},
        ],
    )
    assert [r.action_status for r in done] == ["in_progress", "done"]
    assert _row(sample, "actions", "a_champ")["completed_on"] == DAY
    read = record_readings(sample, "p_head", [{"metric_id": "m_bill", "value": 66, "as_of": DAY}])
    assert read[0].replaced == 60.0
    assert not my_work(sample, "p_head", DAY).of_kind("check_in_due")


def test_one_bad_row_rejects_all_with_every_problem_named(sample: Database) -> None:
    before = _state(sample)
    rows = [
        {"action_id": "a_bill", "status": "in_progress", "progress": 40, "checked_on": DAY},
        {"action_id": "a_champ", "status": "open", "confidence": 1, "checked_on": DAY},
        {"action_id": "a_store", "status": "open", "checked_on": DAY},
        {"action_id": "a_bill", "status": "open", "progress": 2.5, "checked_on": DAY},
    ]
    with pytest.raises(RowsRejected) as raised:
        record_check_ins(sample, "p_head", rows)
    errors = {e.row: e.message for e in raised.value.errors}
    assert set(errors) == {2, 3, 4}
    assert "needs a note" in errors[2]
    assert "may not change check-ins of Retail Stores" in errors[3]
    assert "whole number" in errors[4]
    with pytest.raises(RowsRejected, match="row 1, value: .*number"):
        record_readings(sample, "p_head", [{"metric_id": "m_bill", "value": "lots"}])
    assert _state(sample) == before


def test_bulk_check_in_on_a_changed_action_is_stale(sample: Database) -> None:
    record_check_ins(sample, "p_member", [{"action_id": "a_bill", "status": "in_progress"}])
    with pytest.raises(RowsRejected, match="changed by someone else"):
        record_check_ins(
            sample,
            "p_head",
            [{"action_id": "a_bill", "status": "blocked", "note": "x", "expected_version": 1}],
        )
