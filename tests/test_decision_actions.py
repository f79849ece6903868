"""A decision's new action goes to its owner's team, and asks for what it needs (issue 20).

An action a review gives the Logistics head for an Account Management goal is the
Logistics team's to deliver: it landed in Account Management because the page sent the
goal's team.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cxos.demo import company as demo
from cxos.identity import audit
from cxos.model.errors import InvalidInput
from cxos.review import meetings
from cxos.storage import Database

pytestmark = pytest.mark.both_stores

DAY = dt.date(2026, 5, 20)
STEERING = "p-mktg-1"
LOGISTICS_HEAD, ACCOUNTS_GOAL = "p-logis-0", "g-accmgmt-1"


@pytest.fixture
def company(db: Database) -> Database:
    demo.load(db, as_of=DAY)
    return db


@pytest.fixture
def meeting(company: Database) -> str:
    return meetings.start_meeting(company, STEERING, DAY, "Review 3").id


def _decide(db: Database, meeting: str, **action: object) -> meetings.Decision:
    spec = {"due_date": DAY + dt.timedelta(days=30), **action}
    return meetings.record_decision(db, STEERING, meeting, "Fix the delivery hand-off", action=spec)


def test_the_action_goes_to_its_owners_team(company: Database, meeting: str) -> None:
    decision = _decide(company, meeting, goal_id=ACCOUNTS_GOAL, owner_id=LOGISTICS_HEAD)
    row = company.rows("SELECT * FROM actions WHERE id = ?", [decision.action_id])[0]
    assert (row["team_id"], row["owner_id"], row["goal_id"]) == (
        "t-logis",
        LOGISTICS_HEAD,
        ACCOUNTS_GOAL,
    )


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"owner_id": LOGISTICS_HEAD}, "choose the goal"),
        ({"goal_id": ACCOUNTS_GOAL}, "choose who owns"),
        ({"goal_id": ACCOUNTS_GOAL, "owner_id": LOGISTICS_HEAD, "due_date": None}, "due date"),
    ],
)
def test_a_decision_missing_what_its_action_needs_asks_and_saves_nothing(
    company: Database, meeting: str, action: dict, message: str
) -> None:
    before = audit.data_version(company)
    with pytest.raises(InvalidInput, match=message):
        _decide(company, meeting, **action)
    assert audit.data_version(company) == before
    assert not meetings.decisions_of(company, meeting)
