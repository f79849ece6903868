"""Retire instead of delete, merge two teams: the past stays as it was (issue 24).

On the demo company: scores and signals as of every date before a retirement or a merge
equal those computed before it happened; as of its date and after, they reflect it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cxos.demo import company
from cxos.model.errors import InvalidInput, PermissionDenied
from cxos.organisation import reorganise
from cxos.organisation.reorganise import DependantsExist
from cxos.review.journey_map import journey_map
from cxos.scoring import assess
from cxos.scoring.config import ScoringConfig
from cxos.storage import Database, structure

pytestmark = pytest.mark.both_stores

AS_OF = dt.date(2025, 3, 31)
CHANGE = AS_OF - dt.timedelta(days=20)
ADMIN = "p-itplat-1"
HEAD = "p-bbcare-0"
# Dates before the change (a year of them), and on and after it.
BEFORE = [CHANGE - dt.timedelta(days=n) for n in (1, 7, 30, 90, 200, 365)]
AFTER = [CHANGE, CHANGE + dt.timedelta(days=1), AS_OF, AS_OF + dt.timedelta(days=60)]


@pytest.fixture
def demo(db: Database) -> Database:
    company.load(db, as_of=AS_OF)
    return db


def _assessments(db: Database, days: list[dt.date]) -> dict[dt.date, tuple]:
    config = ScoringConfig()
    found = {}
    for day in days:
        result = assess(db, day, config)
        found[day] = (result.scores, result.signals)
    return found


def _goals_of(assessed: tuple, team_id: str) -> int:
    return next(s.goals for s in assessed[0] if s.team_id == team_id)


def _team_ids(db: Database, day: dt.date) -> set[str]:
    return {s.team_id for s in assess(db, day, ScoringConfig()).scores}


def test_merging_two_demo_teams_keeps_every_earlier_date_and_moves_the_later_ones(demo):
    before = _assessments(demo, BEFORE + AFTER)
    care_goals = {
        d: _goals_of(before[d], "t-mcare") + _goals_of(before[d], "t-mbill") for d in AFTER
    }
    goals = {r["id"] for r in demo.rows("SELECT id FROM goals WHERE team_id = 't-mbill'")}
    touchpoints = demo.scalar("SELECT count(*) FROM touchpoints WHERE owner_team_id = 't-mbill'")
    assert goals and touchpoints

    done = reorganise.merge_teams(demo, ADMIN, "t-mbill", "t-mcare", CHANGE)

    assert done.moved >= len(goals) + touchpoints
    after = _assessments(demo, BEFORE + AFTER)
    for day in BEFORE:
        assert after[day] == before[day], day
    for day in AFTER:
        assert after[day] != before[day], day
        assert "t-mbill" not in _team_ids(demo, day)
        # Mobile Care now answers for Mobile Billing's goals as well as its own.
        assert _goals_of(after[day], "t-mcare") == care_goals[day], day
    assert "t-mbill" in _team_ids(demo, CHANGE - dt.timedelta(days=1))
    moved = demo.scalar(
        "SELECT count(*) FROM goals WHERE team_id = 't-mcare' AND id IN (SELECT unnest(?))",
        [sorted(goals)],
    )
    assert moved == len(goals)
    assert demo.read(structure.stale_tables) == []
    # The signals after it name no team the merge retired.
    for day in AFTER:
        for signal in after[day][1]:
            assert "t-mbill" not in (signal.team_ids or ()), (day, signal)


def test_merged_team_owns_the_touchpoints_on_the_map_from_the_merge_on(demo):
    reorganise.merge_teams(demo, ADMIN, "t-mbill", "t-mcare", CHANGE)
    journey = demo.scalar(
        "SELECT s.journey_id FROM touchpoints t JOIN stages s ON s.id = t.stage_id "
        "WHERE t.id IN (SELECT entity_id FROM reassignments) LIMIT 1"
    )
    earlier = journey_map(demo, journey, CHANGE - dt.timedelta(days=1), {}, [])
    later = journey_map(demo, journey, CHANGE, {}, [])
    assert "t-mbill" in {tp.team_id for tp in earlier.touchpoints}
    assert "t-mbill" not in {tp.team_id for tp in later.touchpoints}
    assert len(earlier.touchpoints) == len(later.touchpoints)


def test_a_stage_with_goals_is_not_retired_without_moving_or_confirming_them(demo):
    stage = demo.scalar(
        "SELECT stage_id FROM goal_stages GROUP BY stage_id ORDER BY count(*) DESC LIMIT 1"
    )
    before = _assessments(demo, [AS_OF])
    with pytest.raises(DependantsExist) as refused:
        reorganise.retire(demo, ADMIN, "stage", stage, CHANGE)
    assert {d.relation for d in refused.value.dependants} >= {"goal linked to it"}
    assert "nothing was changed" in str(refused.value)
    assert _assessments(demo, [AS_OF]) == before
    assert demo.scalar("SELECT count(*) FROM stages WHERE retired_on IS NOT NULL") == 0


def test_retiring_a_stage_with_confirmation_keeps_the_past_and_drops_it_after(demo):
    stage = demo.scalar(
        "SELECT stage_id FROM goal_stages GROUP BY stage_id ORDER BY count(*) DESC LIMIT 1"
    )
    before = _assessments(demo, BEFORE + AFTER)
    done = reorganise.retire(demo, ADMIN, "stage", stage, CHANGE, confirm=True)
    assert done.unlinked and done.retired  # goals unlinked, touchpoints retired with it
    after = _assessments(demo, BEFORE + AFTER)
    for day in BEFORE:
        assert after[day] == before[day], day
    assert after[AS_OF] != before[AS_OF]
    for signal in after[AS_OF][1]:
        assert stage not in signal.subject_id.split(">"), signal
    assert demo.read(structure.stale_tables) == []


def test_retiring_a_stage_moves_its_touchpoints_and_goals_to_another(demo):
    stage, other = "s-consumer-03", "s-consumer-04"
    linked = {
        r["goal_id"]
        for r in demo.rows("SELECT goal_id FROM goal_stages WHERE stage_id = ?", [stage])
    }
    before = _assessments(demo, BEFORE)
    reorganise.retire(demo, ADMIN, "stage", stage, CHANGE, move_to=other)
    assert _assessments(demo, BEFORE) == before
    now = {
        r["goal_id"]
        for r in demo.rows(
            "SELECT goal_id FROM goal_stages WHERE stage_id = ? AND retired_on IS NULL", [other]
        )
    }
    assert linked <= now
    assert demo.scalar("SELECT count(*) FROM touchpoints WHERE stage_id = ?", [stage]) == 0
    later = journey_map(demo, "j-consumer", AS_OF, {}, [])
    assert stage not in {s.id for s in later.stages}
    earlier = journey_map(demo, "j-consumer", CHANGE - dt.timedelta(days=1), {}, [])
    assert stage in {s.id for s in earlier.stages}


def test_retiring_a_goal_or_metric_drops_it_from_that_date_only(demo):
    goal = demo.scalar("SELECT id FROM goals WHERE team_id = 't-dsales' ORDER BY id LIMIT 1")
    before = _assessments(demo, BEFORE)
    with pytest.raises(DependantsExist):
        reorganise.retire(demo, ADMIN, "goal", goal, CHANGE)
    reorganise.retire(demo, ADMIN, "goal", goal, CHANGE, confirm=True)
    assert _assessments(demo, BEFORE) == before
    assert (
        demo.scalar("SELECT count(*) FROM metrics WHERE goal_id = ? AND retired_on IS NULL", [goal])
        == 0
    )
    assert demo.read(structure.stale_tables) == []


def test_a_head_may_not_retire_or_merge_and_nothing_changes(demo):
    audit_before = demo.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(PermissionDenied, match="may not retire or merge"):
        reorganise.merge_teams(demo, HEAD, "t-mbill", "t-mcare", CHANGE)
    with pytest.raises(PermissionDenied):
        reorganise.retire(demo, HEAD, "touchpoint", "x", CHANGE)
    assert demo.scalar("SELECT count(*) FROM audit_log") == audit_before
    assert demo.scalar("SELECT count(*) FROM teams WHERE retired_on IS NOT NULL") == 0


def test_every_change_of_a_merge_is_audited_old_to_new(demo):
    reorganise.merge_teams(demo, ADMIN, "t-mbill", "t-mcare", CHANGE)
    rows = demo.rows(
        "SELECT entity, field, old_value, new_value FROM audit_log "
        "WHERE actor_id = ? AND entity = 'goals'",
        [ADMIN],
    )
    assert rows and all(
        r["field"] == "team_id" and (r["old_value"], r["new_value"]) == ("t-mbill", "t-mcare")
        for r in rows
    )
    assert (
        demo.scalar(
            "SELECT new_value FROM audit_log WHERE entity = 'teams' AND field = 'retired_on'"
        )
        == CHANGE.isoformat()
    )


def test_a_retired_team_cannot_take_dependants_nor_be_merged_twice(demo):
    reorganise.merge_teams(demo, ADMIN, "t-mbill", "t-mcare", CHANGE)
    with pytest.raises(InvalidInput, match="retired"):
        reorganise.merge_teams(demo, ADMIN, "t-mbill", "t-mcare", AS_OF)
    with pytest.raises(InvalidInput, match="retired"):
        reorganise.merge_teams(demo, ADMIN, "t-retail", "t-mbill", AS_OF)


def test_a_head_saving_a_moved_goal_s_links_unchanged_keeps_the_past(demo):
    """The heads' links form shows and saves only today's links: history stays."""
    from cxos.work import team_reads
    from cxos.work.team_edits import set_goal_links

    reorganise.retire(demo, ADMIN, "stage", "s-consumer-03", CHANGE, move_to="s-consumer-04")
    before = _assessments(demo, BEFORE + [AS_OF])
    goal = next(g for g in team_reads.goals(demo, "t-dsales") if g["id"] == "g-dsales-2")
    assert "s-consumer-03" not in goal["stage_ids"] and "s-consumer-04" in goal["stage_ids"]
    assert "s-consumer-03" not in team_reads.stages(demo)
    set_goal_links(
        demo,
        "p-dsales-0",
        "g-dsales-2",
        stage_ids=goal["stage_ids"],
        contributor_ids=goal["contributor_ids"],
    )
    assert _assessments(demo, BEFORE + [AS_OF]) == before
    assert demo.read(structure.stale_tables) == []
