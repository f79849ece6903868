"""My work lists what its reader can act on; the committee gets what it should chase.

Issue 20: a steering member's My work listed the team's unanswered feedback, which only
the team's head may answer (SPEC "Who may write what"), as "no owner" lines she could do
nothing with. Feedback is listed for those who may answer it; the steering committee sees
instead, per team, the negative feedback left unanswered past the signal's 30 days and
the overdue actions, with the head to chase.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cxos.storage import Database
from cxos.work.my_work import my_work, to_chase
from tests.sample import load_sample

DAY = dt.date(2026, 6, 1)


def _feedback(feedback_id: str, team: str, stage: str, received: str) -> dict[str, Any]:
    return {
        "id": feedback_id,
        "team_id": team,
        "stage_id": stage,
        "sentiment": "negative",
        "received_on": received,
        "text": "Nobody called back",
    }


@pytest.fixture
def sample(db: Database, load: Any) -> Database:
    load_sample(db)
    load(
        db,
        {
            "feedback": [
                _feedback("f_new", "t_billing", "s2", "2026-05-20"),  # 12 days: the head's
                _feedback("f_old", "t_billing", "s2", "2026-04-01"),  # 61 days: escalated
                _feedback("f_store", "t_stores", "s1", "2026-05-25"),
            ],
            "actions": [
                {
                    "id": "a_late",
                    "goal_id": "g_store",
                    "title": "Retrain the store staff",
                    "owner_id": "p_head2",
                    "team_id": "t_stores",
                    "created_on": "2026-02-01",
                    "due_date": "2026-05-01",
                    "status": "in_progress",
                }
            ],
        },
    )
    return db


def _feedback_ids(person: str, db: Database) -> set[str]:
    return {i.item_id for i in my_work(db, person, DAY).of_kind("feedback")}


@pytest.mark.parametrize("person", ["p_steer", "p_champ", "p_member"])
def test_no_one_is_listed_feedback_they_cannot_answer(sample: Database, person: str) -> None:
    assert _feedback_ids(person, sample) == set()


def test_the_head_and_an_administrator_are_listed_their_teams_feedback(sample: Database) -> None:
    assert _feedback_ids("p_head", sample) == {"f_new", "f_old"}
    assert _feedback_ids("p_head2", sample) == {"f_store"}
    assert _feedback_ids("p_admin", sample) == set()  # Business Service has none


def test_the_committee_chases_each_team_with_the_head_to_ask(sample: Database) -> None:
    chase = {c.team_id: c for c in to_chase(sample, DAY)}
    billing, stores = chase["t_billing"], chase["t_stores"]
    assert (billing.heads, billing.unanswered_feedback, billing.overdue_actions) == (
        ("Dana Lee",),
        1,  # only f_old is past 30 days; f_new is still the head's to answer
        0,
    )
    assert billing.oldest_days == 61
    assert (stores.heads, stores.unanswered_feedback, stores.overdue_actions) == (
        ("Hal Stone",),
        0,
        1,
    )
    assert "t_service" not in chase  # nothing to chase
    assert [c.team_id for c in to_chase(sample, DAY)] == ["t_billing", "t_stores"]  # oldest first
