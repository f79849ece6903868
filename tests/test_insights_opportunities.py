"""The opportunity backlog (issue 25): three planted stages ranked by impact × value ÷
effort; the committee's ratings (who, when) reorder them; only steering and
administrators rate; an opportunity becomes a goal with owners in one audited step."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from cxos.identity import audit
from cxos.insights.opportunities import (
    compute_opportunities,
    rate_opportunity,
    turn_into_goal,
)
from cxos.model.errors import InvalidInput, PermissionDenied
from cxos.review import meetings
from cxos.review.meetings import MeetingClosed
from cxos.storage import Database
from tests import insights_data
from tests.insights_data import AS_OF


def _order(db: Database) -> list[str]:
    return [o.stage_id for o in compute_opportunities(db, AS_OF)]


def test_three_planted_opportunities_rank_by_their_pain(db: Database) -> None:
    backlog = compute_opportunities(insights_data.load(db), AS_OF)
    assert [(o.rank, o.stage_id) for o in backlog] == [(1, "s2"), (2, "s1"), (3, "s3")]
    bill = backlog[0]
    # 12 negative of the 12 most: pain 1; Bill clarity 60 on 50 → 80: gap 1 − 1/3; signals.
    assert (bill.negative, bill.pain, round(bill.gap or 0, 3), bill.silo) == (12, 1, 0.667, 1)
    assert bill.impact == pytest.approx(10 * (1 + 2 / 3 + 1) / 3) == bill.score
    assert not bill.rated and (bill.value, bill.effort) == (3, 3)
    assert "twice" in bill.themes[0]
    help_desk = backlog[2]
    assert help_desk.gap is None  # no measured goal: left out of the mean
    assert help_desk.teams == ("Business Service", "Retail Stores")
    assert help_desk.signals["unbridged_stage"] == 1


def test_the_committee_s_value_and_effort_reorder_the_backlog(db: Database) -> None:
    insights_data.load(db)
    rate_opportunity(db, "p_steer", "s3", value=5, effort=1, note="Cheap: reuse the store desk")
    rate_opportunity(db, "p_admin", "s2", value=1, effort=5)
    assert _order(db) == ["s3", "s1", "s2"]
    top = compute_opportunities(db, AS_OF)[0]
    assert top.rated and top.rating and top.rating.rated_by == "Sam Steer"
    assert top.rating.rated_at is not None and top.rating.note == "Cheap: reuse the store desk"
    assert round(top.score, 2) == round(top.impact * 5, 2)


def test_same_data_same_ranks(db: Database, tmp_path) -> None:  # noqa: ANN001
    insights_data.load(db)
    other = insights_data.load(Database(tmp_path / "again.duckdb"))
    first = [o.as_row() for o in compute_opportunities(db, AS_OF)]
    assert first == [o.as_row() for o in compute_opportunities(db, AS_OF)]
    assert first == [o.as_row() for o in compute_opportunities(other, AS_OF)]


@pytest.mark.parametrize("person", ["p_head", "p_champ", "p_member"])
def test_only_the_committee_rates_and_a_refusal_changes_nothing(db: Database, person: str) -> None:
    insights_data.load(db)
    with pytest.raises(PermissionDenied, match="may not rate opportunities"):
        rate_opportunity(db, person, "s1", value=5, effort=1)
    assert db.rows("SELECT * FROM opportunity_ratings") == []


def test_a_rating_is_audited_and_checked(db: Database) -> None:
    insights_data.load(db)
    rate_opportunity(db, "p_steer", "s1", value=4, effort=2)
    rate_opportunity(db, "p_steer", "s1", value=4, effort=3)
    changes = [
        (e.field, e.old_value, e.new_value)
        for e in audit.entries(db, entity="opportunity_ratings")
        if e.operation == "update"
    ]
    assert changes == [("effort", "2", "3")]
    with pytest.raises(InvalidInput, match="from 1 to 5"):
        rate_opportunity(db, "p_steer", "s1", value=9, effort=1)


def test_an_opportunity_becomes_a_goal_with_owners_in_one_step(db: Database) -> None:
    insights_data.load(db)
    meeting = meetings.start_meeting(db, "p_steer", AS_OF, "Q3 review")
    goal_id = turn_into_goal(
        db,
        "p_steer",
        meeting.id,
        "s3",
        title="One front door for help",
        team_id="t_service",
        owner_id="p_champ2",
        end_date=dt.date(2027, 3, 31),
        contributor_ids=["t_stores"],
    )
    goal = db.rows("SELECT * FROM goals WHERE id = ?", [goal_id])[0]
    assert (goal["team_id"], goal["owner_id"], goal["start_date"]) == (
        "t_service",
        "p_champ2",
        AS_OF,
    )
    assert db.rows("SELECT stage_id FROM goal_stages WHERE goal_id = ?", [goal_id]) == [
        {"stage_id": "s3"}
    ]
    assert db.rows("SELECT team_id FROM goal_contributors WHERE goal_id = ?", [goal_id]) == [
        {"team_id": "t_stores"}
    ]
    decisions = meetings.view(db, meeting.id).decisions
    assert [d["text"] for d in decisions] == [
        "Opportunity at Get help becomes goal 'One front door for help'."
    ]
    opportunity = next(o for o in compute_opportunities(db, AS_OF) if o.stage_id == "s3")
    assert opportunity.rating and opportunity.rating.goal == "One front door for help"
    # The goal bridges the stage's two owners: its unbridged-stage signal is gone.
    assert "unbridged_stage" not in opportunity.signals
    logged = {e.entity for e in audit.entries(db) if e.actor_id == "p_steer"}
    assert {"goals", "decisions", "opportunity_ratings"} <= logged


def test_turning_into_a_goal_is_refused_outside_the_committee_or_a_closed_meeting(
    db: Database,
) -> None:
    insights_data.load(db)
    meeting = meetings.start_meeting(db, "p_steer", AS_OF, "Q3 review")
    spec = {
        "title": "Answer on the first call",
        "team_id": "t_service",
        "owner_id": "p_champ2",
        "end_date": dt.date(2027, 3, 31),
    }
    with pytest.raises(PermissionDenied):
        turn_into_goal(db, "p_head", meeting.id, "s3", **spec)
    with pytest.raises(InvalidInput, match="who owns the new goal"):
        turn_into_goal(db, "p_steer", meeting.id, "s3", **{**spec, "owner_id": ""})
    meetings.close_meeting(db, "p_steer", meeting.id)
    with pytest.raises(MeetingClosed):
        turn_into_goal(db, "p_steer", meeting.id, "s3", **spec)
    assert db.scalar("SELECT count(*) FROM goals WHERE title = ?", [spec["title"]]) == 0
    assert db.rows("SELECT * FROM opportunity_ratings") == []


def test_command_line_prints_the_backlog(db: Database) -> None:
    insights_data.load(db)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cxos",
            "--db",
            str(db.path),
            "opportunities",
            "--as-of",
            "2026-09-30",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(out.stdout)
    assert [(r["rank"], r["stage"]) for r in rows] == [
        (1, "Pay the bill"),
        (2, "Compare offers"),
        (3, "Get help"),
    ]
    assert rows[0]["impact"] == 8.89 and rows[0]["rated"] is False


def test_erasing_a_committee_member_erases_the_note_they_wrote(db: Database) -> None:
    from cxos.identity import erasure

    insights_data.load(db)
    rate_opportunity(db, "p_steer", "s1", value=4, effort=2, note="Sam thinks stores can fix it")
    erasure.erase_person(db, "p_admin", "p_steer")
    row = db.rows("SELECT note, rated_by, value FROM opportunity_ratings")[0]
    assert (row["note"], row["rated_by"], row["value"]) == (erasure.ERASED_TEXT, "p_steer", 4)
    logged = [e.new_value for e in audit.entries(db, entity="opportunity_ratings")]
    assert "Sam thinks stores can fix it" not in logged
