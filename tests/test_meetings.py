"""Review meetings: permissions, agenda, decisions with actions, closing freezes, read-only."""

from __future__ import annotations

import datetime as dt

import pytest

from cxos.demo import company as demo
from cxos.identity import audit
from cxos.model.errors import InvalidInput, PermissionDenied
from cxos.review import meetings
from cxos.storage import Database
from cxos.work.checkins_readings import record_reading

pytestmark = pytest.mark.both_stores

DAY = dt.date(2026, 5, 20)
STEERING, HEAD, ADMIN = "p-mktg-1", "p-bbcare-0", "p-itplat-1"


@pytest.fixture
def company(db: Database) -> Database:
    demo.load(db, as_of=DAY)
    return db


def _action(db: Database, team: str = "t-bbcare") -> dict:
    goal = db.scalar(
        "SELECT id FROM goals WHERE team_id = ? AND start_date <= ? AND ? <= end_date "
        "ORDER BY id LIMIT 1",
        [team, DAY, DAY],
    )
    owner = db.scalar("SELECT id FROM people WHERE team_id = ? ORDER BY id LIMIT 1", [team])
    return {"goal_id": goal, "team_id": team, "owner_id": owner, "due_date": DAY + dt.timedelta(30)}


def test_demo_reviews_are_frozen_through_the_meetings_module(company: Database) -> None:
    first, second = sorted(meetings.list_meetings(company), key=lambda m: m.held_on)
    view = meetings.view(company, second.id)
    assert view.frozen and view.as_of == second.held_on
    assert view.previous["id"] == first.id  # review 2 compared itself with review 1
    assert [d["decision"] for d in view.agenda["previous_decisions"]] == [
        d.text for d in meetings.decisions_of(company, first.id)
    ]


def test_only_steering_and_admin_may_start_a_meeting(company: Database) -> None:
    with pytest.raises(PermissionDenied, match="may not change review meetings"):
        meetings.start_meeting(company, HEAD, DAY, "Review")
    meeting = meetings.start_meeting(company, ADMIN, DAY, "Review", [STEERING, HEAD])
    assert meeting.status == "open" and meeting.attendees == sorted([STEERING, HEAD])


def test_a_meeting_needs_a_title_and_known_attendees(company: Database) -> None:
    with pytest.raises(InvalidInput, match="title"):
        meetings.start_meeting(company, STEERING, DAY, "  ")
    with pytest.raises(InvalidInput, match="p-nobody"):
        meetings.start_meeting(company, STEERING, DAY, "Review", ["p-nobody"])


def test_the_agenda_is_generated_from_the_data(company: Database) -> None:
    meeting = meetings.start_meeting(company, STEERING, DAY, "Review 3")
    view = meetings.view(company, meeting.id)
    assert not view.frozen and list(view.agenda) == list(meetings.SECTIONS)
    siloed = {r["team_id"] for r in view.agenda["siloed"]}
    assert siloed == {s.team_id for s in view.scores if s.quadrant == "siloed"} and siloed
    assert {r["team_id"] for r in view.agenda["aspirational"]}
    assert len(view.agenda["signals"]) == len(view.signals) > 0
    assert view.agenda["overdue_actions"]
    assert all(r["due_date"] < DAY.isoformat() for r in view.agenda["overdue_actions"])
    decisions = view.agenda["previous_decisions"]
    assert decisions and {"decision", "status", "owner"} <= set(decisions[0])


def test_a_decision_creates_an_owned_action_and_audits_both(company: Database) -> None:
    meeting = meetings.start_meeting(company, STEERING, DAY, "Review 3")
    spec = _action(company)
    decision = meetings.record_decision(
        company, STEERING, meeting.id, "Fix the first-call hand-off", action=spec
    )
    row = company.rows("SELECT * FROM actions WHERE id = ?", [decision.action_id])[0]
    assert row["team_id"] == "t-bbcare" and row["owner_id"] == spec["owner_id"]
    assert (
        row["created_on"] == DAY and row["status"] == "open" and row["goal_id"] == spec["goal_id"]
    )
    entities = {e.entity for e in audit.entries(company, limit=50)}
    assert {"decisions", "actions", "meetings"} <= entities


def test_a_refused_decision_changes_nothing(company: Database) -> None:
    meeting = meetings.start_meeting(company, STEERING, DAY, "Review 3")
    before = audit.data_version(company)
    with pytest.raises(PermissionDenied):
        meetings.record_decision(company, HEAD, meeting.id, "Do it", action=_action(company))
    with pytest.raises(InvalidInput, match="due date"):
        bad = {**_action(company), "due_date": DAY - dt.timedelta(1)}
        meetings.record_decision(company, STEERING, meeting.id, "Do it", action=bad)
    assert audit.data_version(company) == before
    assert not meetings.decisions_of(company, meeting.id)


def test_closing_freezes_and_the_meeting_becomes_read_only(company: Database) -> None:
    meeting = meetings.start_meeting(company, STEERING, DAY, "Review 3")
    meetings.record_decision(company, STEERING, meeting.id, "One", action=_action(company))
    closed = meetings.close_meeting(company, STEERING, meeting.id)
    assert closed.frozen and closed.meeting.status == "closed"
    with pytest.raises(meetings.MeetingClosed, match="read-only"):
        meetings.record_decision(company, STEERING, meeting.id, "Two")
    with pytest.raises(meetings.MeetingClosed):
        meetings.close_meeting(company, STEERING, meeting.id)
    assert [d["text"] for d in meetings.view(company, meeting.id).decisions] == ["One"]


def test_closing_a_meeting_stores_its_scores_as_that_dates_snapshot(company: Database) -> None:
    # Issue 20: trends read snapshots, taken when a meeting closes.
    meeting = meetings.start_meeting(company, STEERING, DAY, "Review 3")
    closed = meetings.close_meeting(company, STEERING, meeting.id)
    rows = company.rows(
        "SELECT team_id, alignment, accountability FROM score_snapshots WHERE as_of = ? "
        "ORDER BY team_id",
        [DAY],
    )
    frozen = sorted((s.team_id, s.alignment, s.accountability) for s in closed.scores)
    assert [(r["team_id"], r["alignment"], r["accountability"]) for r in rows] == frozen


def test_a_closed_meeting_shows_what_it_froze_after_new_data(company: Database) -> None:
    meeting = meetings.start_meeting(company, STEERING, DAY, "Review 3")
    frozen = meetings.close_meeting(company, STEERING, meeting.id)
    metric = company.scalar(
        "SELECT m.id FROM metrics m JOIN goals g ON g.id = m.goal_id "
        "WHERE g.team_id = 't-bbcare' ORDER BY m.id LIMIT 1"
    )
    target = company.scalar("SELECT target FROM metrics WHERE id = ?", [metric])
    record_reading(company, HEAD, metric, target, on=DAY)  # moves Broadband Care's pace
    live = meetings.date_view(company, DAY)
    again = meetings.view(company, meeting.id)
    assert again.scores == frozen.scores and again.agenda == frozen.agenda
    assert live.scores != frozen.scores  # the new reading does count for a fresh look


def test_the_next_meeting_sees_the_moves_and_decisions_of_the_last(company: Database) -> None:
    first = meetings.start_meeting(company, STEERING, DAY, "Review 3")
    meetings.record_decision(company, STEERING, first.id, "Own it", action=_action(company))
    meetings.close_meeting(company, STEERING, first.id)
    later = meetings.start_meeting(company, STEERING, DAY + dt.timedelta(42), "Review 4")
    view = meetings.view(company, later.id)
    assert view.previous["id"] == first.id
    assert [d["decision"] for d in view.agenda["previous_decisions"]] == ["Own it"]
    assert view.agenda["previous_decisions"][0]["status"] == "open"
