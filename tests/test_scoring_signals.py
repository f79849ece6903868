"""Goal health and the six silo signals, each positive and negative, on hand-built bundles."""

from __future__ import annotations

import pytest

from cxos.scoring import compute_signals, goal_health
from cxos.scoring.config import ScoringConfig
from tests.test_scoring_support import D, Org

pytestmark = pytest.mark.both_stores


def signals(db, kind):
    return sorted(s.subject_id for s in compute_signals(db, D, ScoringConfig()) if s.signal == kind)


# -- goal health ----------------------------------------------------------------------------


def test_goal_health_thresholds_lowest_pace_no_data_and_achieved(db, load):
    org = Org().team("t1")
    # start -100, end 0: expected = 1, so pace = progress = reading / 100.
    for goal, value in (("on_track", 90), ("at_risk", 60), ("off_track", 59)):
        org.goal(goal, "t1", start=-100, end=0).metric(f"m_{goal}", goal)
        org.reading(f"m_{goal}", -1, value)
    org.goal("lowest", "t1", start=-100, end=0)
    org.metric("high", "lowest").reading("high", -1, 95)
    org.metric("low", "lowest").reading("low", -1, 70)
    org.goal("no_data", "t1").metric("unread", "no_data")
    org.goal("achieved", "t1", status="achieved", start=-100, end=0)
    org.metric("m_achieved", "achieved").reading("m_achieved", -1, 10)
    org.goal("future", "t1", start=10, end=20)  # not in scope, still has a health
    load(db, org.rows)
    health = goal_health(db, D, ScoringConfig())
    assert {g: h.health for g, h in health.items()} == {
        "on_track": "on_track",
        "at_risk": "at_risk",
        "off_track": "off_track",
        "lowest": "at_risk",
        "no_data": "no_data",
        "achieved": "achieved",
        "future": "no_data",
    }
    assert health["lowest"].pace == 0.7
    assert health["lowest"].metric_paces == {"high": 0.95, "low": 0.7}
    assert health["no_data"].pace is None


# -- unbridged_stage ------------------------------------------------------------------------


def test_unbridged_stage(db, load):
    org = Org()
    for position, stage in enumerate(
        ("lonely", "bridged", "single", "one_owner_goal", "dropped_bridge"), start=1
    ):
        org.stage(stage, position)
        org.touchpoint(f"{stage}_1", stage, "t1")
        if stage != "single":
            org.touchpoint(f"{stage}_2", stage, "t2")
    org.goal("g_bridge", "t1", stages=("bridged",), contributors=("t2",))
    org.goal("g_one", "t3", stages=("one_owner_goal",), contributors=("t1",))
    org.goal("g_dropped", "t1", status="dropped", stages=("dropped_bridge",), contributors=("t2",))
    load(db, org.rows)
    assert signals(db, "unbridged_stage") == ["dropped_bridge", "lonely", "one_owner_goal"]


# -- handoff_gap ----------------------------------------------------------------------------


def test_handoff_gap_between_consecutive_stages_by_position(db, load):
    org = Org()
    org.stage("a", 1).stage("b", 3).stage("c", 7).stage("d", 9)  # gaps in positions
    org.touchpoint("ta", "a", "t1").touchpoint("tb", "b", "t2")  # a>b: disjoint, no goal
    org.touchpoint("tc", "c", "t3")  # b>c: bridged by a goal on c
    org.goal("g_bc", "t2", stages=("c",), contributors=("t3",))
    org.touchpoint("td", "d", "t3")  # c>d: same owner, not disjoint
    org.stage("x", 1, journey="k").stage("y", 2, journey="k").stage("z", 3, journey="k")
    org.touchpoint("tx", "x", "t1").touchpoint("tz", "z", "t2")  # y has no owners
    load(db, org.rows)
    assert signals(db, "handoff_gap") == ["a>b"]


def test_handoff_gap_closed_by_an_out_of_scope_goal_is_still_a_gap(db, load):
    org = Org().stage("a", 1).stage("b", 2)
    org.touchpoint("ta", "a", "t1").touchpoint("tb", "b", "t2")
    org.goal("ended", "t1", start=-50, end=-1, stages=("a",), contributors=("t2",))
    load(db, org.rows)
    assert signals(db, "handoff_gap") == ["a>b"]


# -- orphan_touchpoint ----------------------------------------------------------------------


def test_orphan_touchpoint(db, load):
    org = Org().stage("s1", 1).stage("s2", 2)
    org.touchpoint("covered", "s1", "t1").touchpoint("orphan", "s2", "t1")
    org.touchpoint("other_owner", "s1", "t2")  # t2 takes no part in g1
    org.goal("g1", "t1", stages=("s1",))
    load(db, org.rows)
    assert signals(db, "orphan_touchpoint") == ["orphan", "other_owner"]


# -- unanswered_feedback --------------------------------------------------------------------


def test_unanswered_feedback_after_30_days(db, load):
    # t1 owns a touchpoint on s1: feedback is routed to a team that owns its stage.
    org = Org().stage("s1", 1).team("t1").touchpoint("tp1", "s1", "t1")
    org.goal("g1", "t1").action("early", "g1", "t1", created=-40).action(
        "later", "g1", "t1", created=1, due=10
    )
    org.feedback("day_30", "t1", "s1", received=-30)  # yes
    org.feedback("day_29", "t1", "s1", received=-29)  # too recent
    org.feedback("positive", "t1", "s1", received=-40, sentiment="positive")
    org.feedback("with_action", "t1", "s1", received=-40, action_id="early")
    org.feedback("action_after_d", "t1", "s1", received=-40, action_id="later")  # yes
    org.feedback("closed_on_d", "t1", "s1", received=-40, closed=0)
    org.feedback("closed_after_d", "t1", "s1", received=-40, closed=1)  # yes
    load(db, org.rows)
    assert signals(db, "unanswered_feedback") == ["action_after_d", "closed_after_d", "day_30"]
    said = {s.subject_id: s.detail for s in compute_signals(db, D, ScoringConfig())}
    assert said["day_30"] == "negative feedback of 31 May 2024 has no action and is not closed"


# -- stale_goal -----------------------------------------------------------------------------


def test_stale_goal_without_reading_or_check_in_in_28_days(db, load):
    org = Org().team("t1")
    org.goal("read_28", "t1").metric("m1", "read_28").reading("m1", -28, 1)
    org.goal("checked_28", "t1").action("a1", "checked_28", "t1").check_in("a1", -28)
    org.goal("read_29", "t1").metric("m2", "read_29").reading("m2", -29, 1)  # stale
    org.goal("read_later", "t1").metric("m3", "read_later").reading("m3", 1, 1)  # stale
    org.goal("idle", "t1")  # stale
    org.goal("ended", "t1", start=-100, end=-1)  # not in scope: no signal
    load(db, org.rows)
    assert signals(db, "stale_goal") == ["idle", "read_29", "read_later"]


# -- no_pulse -------------------------------------------------------------------------------


def test_no_pulse_within_180_days(db, load):
    org = Org().team("t1").team("t2").team("t3")
    org.pulse("t1", -180, understand_goals=4)
    org.pulse("t2", -181, understand_goals=4)  # yes
    org.pulse("t3", 1, understand_goals=4)  # after D: yes
    load(db, org.rows)
    assert signals(db, "no_pulse") == ["t2", "t3"]


def test_signals_name_their_teams_and_explain_themselves(db, load):
    org = Org().stage("a", 1).stage("b", 2)
    org.touchpoint("ta", "a", "t1").touchpoint("tb", "b", "t2")
    load(db, org.rows)
    gap = [s for s in compute_signals(db, D, ScoringConfig()) if s.signal == "handoff_gap"][0]
    assert gap.team_ids == ("t1", "t2")
    assert "'A'" in gap.detail and "'B'" in gap.detail
