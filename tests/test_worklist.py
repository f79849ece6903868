"""The "my work" list: each kind of item, each scope, and agreement with A3 cadence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cxos.model.errors import NotFound
from cxos.review.needs_attention import attention, scoped
from cxos.scoring import compute_scores, compute_signals, explain_team, goal_health
from cxos.storage import Database
from cxos.work.my_work import WORK_KINDS, my_work, work_items
from tests.sample import load_sample

pytestmark = pytest.mark.both_stores

DAY = dt.date(2026, 6, 1)


def _extra() -> dict[str, list[dict[str, Any]]]:
    """An overdue action of the head's team and feedback for two teams."""
    feedback = {"stage_id": "s2", "received_on": "2026-05-20", "text": "Bill was confusing"}
    return {
        "actions": [
            {
                "id": "a_late",
                "goal_id": "g_bill",
                "title": "Fix the late fee text",
                "owner_id": "p_head",
                "team_id": "t_billing",
                "created_on": "2026-02-01",
                "due_date": "2026-05-01",
                "status": "in_progress",
            }
        ],
        "check_ins": [
            {
                "action_id": "a_late",
                "checked_on": "2026-05-25",
                "status": "in_progress",
                "progress": 50,
            },
        ],
        "feedback": [
            {"id": "f_neg", "team_id": "t_billing", "sentiment": "negative", **feedback},
            {"id": "f_pos", "team_id": "t_billing", "sentiment": "positive", **feedback},
            {
                "id": "f_store",
                "team_id": "t_stores",
                "sentiment": "negative",
                **feedback,
                "stage_id": "s1",
            },  # stores own s1
            {
                "id": "f_closed",
                "team_id": "t_billing",
                "sentiment": "negative",
                "response": "Explained by phone",
                "closed_on": "2026-05-22",
                **feedback,
            },
            {
                "id": "f_linked",
                "team_id": "t_billing",
                "sentiment": "negative",
                "action_id": "a_bill",
                **feedback,
            },
        ],
    }


@pytest.fixture
def sample(db: Database, load: Any) -> Database:
    load_sample(db)
    load(db, _extra())
    return db


def _ids(worklist: Any, kind: str) -> set[str]:
    return {item.item_id for item in worklist.of_kind(kind)}


def test_head_sees_own_and_team_items_of_every_kind(sample: Database) -> None:
    work = my_work(sample, "p_head", DAY)
    assert _ids(work, "overdue_action") == {"a_late"}
    assert _ids(work, "check_in_due") == {"a_bill", "a_champ"}
    assert _ids(work, "metric_due") == set()  # m_bill was read on DAY
    assert _ids(work, "feedback") == {"f_neg"}
    assert {item.item_id for item in work.mine()} == {"a_late"}


def test_item_fields_say_who_what_and_how_late(sample: Database) -> None:
    late = my_work(sample, "p_head", DAY).of_kind("overdue_action")[0]
    assert (late.title, late.team, late.owner, late.goal) == (
        "Fix the late fee text",
        "Billing",
        "Dana Lee",
        "Bills people understand",
    )
    assert (late.due_on, late.days_overdue, late.version) == (dt.date(2026, 5, 1), 31, 1)
    due = {i.item_id: i for i in my_work(sample, "p_head", DAY).of_kind("check_in_due")}
    assert due["a_bill"].due_on == dt.date(2026, 1, 19)  # created + 14 days, no check-in
    assert due["a_bill"].days_overdue == (DAY - dt.date(2026, 1, 19)).days


def test_member_sees_own_actions_only(sample: Database) -> None:
    work = my_work(sample, "p_member", DAY)
    assert _ids(work, "check_in_due") == {"a_bill"}
    assert _ids(work, "overdue_action") == set()
    assert _ids(work, "feedback") == set()  # the head answers it (issue 20)


def test_other_head_sees_their_metric_without_reading(sample: Database) -> None:
    work = my_work(sample, "p_head2", DAY)
    metric = work.of_kind("metric_due")[0]
    assert (metric.item_id, metric.due_on, metric.owner_id) == (
        "m_store",
        dt.date(2026, 1, 1),
        "p_head2",
    )
    assert _ids(work, "feedback") == {"f_store"}
    assert _ids(work, "check_in_due") == {"a_store"}  # last check-in 2026-03-01


def test_everything_scope_counts_every_team(sample: Database) -> None:
    everything = work_items(sample, DAY)
    by_team = everything.counts_by_team()
    assert by_team["t_billing"]["feedback"] == 1
    assert by_team["t_stores"]["metric_due"] == 1
    assert sum(everything.counts().values()) == len(everything)
    assert set(everything.counts()) == set(WORK_KINDS)
    assert len(work_items(sample, DAY, team_ids=[])) == 0
    assert {i.team_id for i in work_items(sample, DAY, team_ids=["t_stores"]).items} == {"t_stores"}


def test_as_of_date_is_respected(sample: Database) -> None:
    early = work_items(sample, dt.date(2026, 1, 10))
    assert not early.of_kind("overdue_action")
    assert not early.of_kind("feedback")  # received later
    assert _ids(early, "check_in_due") == set()  # created 5 days before


def test_stale_items_are_exactly_the_a3_items_that_count_zero(sample: Database) -> None:
    everything = work_items(sample, DAY)
    for team_id in ("t_billing", "t_stores"):
        a3 = explain_team(sample, team_id, DAY).components["a3_cadence"]
        stale = {i.item_id for i in a3.items if not i.ok}
        listed = {
            i.item_id
            for i in everything.items
            if i.team_id == team_id and i.kind in ("check_in_due", "metric_due")
        }
        assert listed == stale


def test_a_fresh_check_in_clears_the_item_and_lifts_a3(sample: Database, load: Any) -> None:
    before = {s.team_id: s.components["a3_cadence"] for s in compute_scores(sample, DAY)}
    load(
        sample,
        {
            "check_ins": [
                {
                    "action_id": "a_bill",
                    "checked_on": "2026-05-30",
                    "status": "in_progress",
                    "progress": 10,
                }
            ]
        },
    )
    assert "a_bill" not in _ids(my_work(sample, "p_head", DAY), "check_in_due")
    after = {s.team_id: s.components["a3_cadence"] for s in compute_scores(sample, DAY)}
    assert after["t_billing"] > before["t_billing"]


def test_unknown_person_is_not_found(sample: Database) -> None:
    with pytest.raises(NotFound):
        my_work(sample, "p_nobody", DAY)


def test_attention_of_one_team_keeps_only_that_teams_items(sample: Database) -> None:
    day = DAY + dt.timedelta(days=30)  # the negative feedback is a month old by then
    found = attention(
        sample,
        day,
        compute_signals(sample, day),
        goal_health(sample, day),
        work_items(sample, day, kinds=["overdue_action"]),
    )
    billing = scoped(found, {"t_billing"})
    assert "a_late" in {i.item_id for i in billing.overdue_actions}
    assert {i.team_id for i in billing.overdue_actions} == {"t_billing"}
    assert {s.subject_id for s in billing.unanswered_feedback} == {"f_neg"}
    stores = scoped(found, {"t_stores"})
    assert {s.subject_id for s in stores.unanswered_feedback} == {"f_store"}
    assert "a_late" not in {i.item_id for i in stores.overdue_actions}
    everyone = scoped(found, {"t_billing", "t_stores", "t_service"})
    assert everyone == found
