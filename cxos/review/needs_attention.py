"""What needs the steering committee's attention as of a date, for any past or present review.

Nothing is recomputed here: overdue actions come from the work list (cxos.work.my_work), the
silo signals (stale goals and teams without pulse among them) from scoring, off-track goals
and the journey stages at risk from goal health; this module groups and names them. The
one query of its own is the state of given actions as
of a date (for a review's decisions), reconstructed from dated facts only (created_on,
completed_on, check-ins on or before the date) so a past review reads the same whenever
it is asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cxos.review.journey_map import StageAtRisk, stages_at_risk
from cxos.scoring import SIGNAL_KINDS, GoalHealthResult, Signal
from cxos.storage import Connection, Database, fetch_dicts
from cxos.work.my_work import WorkItem, WorkList

# An action's status as of $d: done once completed, else its latest check-in, else open.
_ACTION_STATE = """
WITH latest AS (
    SELECT action_id, arg_max(status, (checked_on, id)) AS status
    FROM check_ins WHERE checked_on <= $d GROUP BY action_id
)
SELECT a.id, a.title, a.goal_id, g.title AS goal, a.team_id, t.name AS team,
    t.business_unit_id,
    a.owner_id, p.name AS owner, a.created_on, a.due_date,
    CASE WHEN a.completed_on <= $d THEN 'done'
         WHEN l.status = 'done' THEN 'in_progress'
         ELSE coalesce(l.status, CASE WHEN a.status = 'cancelled' THEN 'cancelled' END, 'open')
    END AS status,
    date_diff('day', a.due_date, $d::DATE) AS days_overdue
FROM actions a
LEFT JOIN latest l ON l.action_id = a.id
LEFT JOIN goals g ON g.id = a.goal_id
LEFT JOIN teams t ON t.id = a.team_id
LEFT JOIN people p ON p.id = a.owner_id
WHERE a.created_on <= $d"""

_BY_ID = f"SELECT * FROM ({_ACTION_STATE}) s WHERE list_contains($ids, s.id) ORDER BY s.id"

_GOALS = """
SELECT g.id, g.title, g.team_id, t.name AS team, t.business_unit_id, g.owner_id,
    p.name AS owner, g.start_date <= $d AND $d <= g.end_date AND g.status <> 'dropped' AS in_scope
FROM goals g LEFT JOIN teams t ON t.id = g.team_id LEFT JOIN people p ON p.id = g.owner_id
WHERE list_contains($ids, g.id) ORDER BY g.id"""


@dataclass(frozen=True)
class Attention:
    """The counts and lists the overview shows under "needs attention".

    `silos` holds every silo signal by kind (all six, in SPEC's order, empty lists too),
    stale goals among them.
    """

    overdue_actions: list[WorkItem]
    off_track_goals: list[dict[str, Any]]
    silos: dict[str, list[Signal]]
    stages_at_risk: list[StageAtRisk] = field(default_factory=list)

    @property
    def unanswered_feedback(self) -> list[Signal]:
        return self.silos["unanswered_feedback"]

    @property
    def teams_without_pulse(self) -> list[Signal]:
        return self.silos["no_pulse"]


def actions_on(con: Connection, action_ids: list[str], as_of: dt.date) -> dict[str, dict]:
    """The given actions with their status as of `as_of`, keyed by id."""
    if not action_ids:
        return {}
    return {r["id"]: r for r in fetch_dicts(con, _BY_ID, {"d": as_of, "ids": action_ids})}


def goals_named(db: Database, goal_ids: list[str], as_of: dt.date) -> list[dict[str, Any]]:
    """Title, team, owner and whether in scope on `as_of`, of the given goals."""
    if not goal_ids:
        return []
    return db.rows(_GOALS, {"ids": goal_ids, "d": as_of})


def attention(
    db: Database,
    as_of: dt.date,
    signals: list[Signal],
    health: dict[str, GoalHealthResult],
    work: WorkList,
) -> Attention:
    """Group what scoring, goal health and the work list already found into attention lists."""
    off_ids = sorted(g for g, h in health.items() if h.health == "off_track")
    named = {g["id"]: g for g in goals_named(db, off_ids, as_of)}
    return Attention(
        overdue_actions=work.of_kind("overdue_action"),
        off_track_goals=[
            {**named[g], "pace": health[g].pace}
            for g in off_ids
            if g in named and named[g]["in_scope"]
        ],
        silos=_by_kind(signals),
        stages_at_risk=stages_at_risk(db, as_of, health),
    )


def _by_kind(signals: list[Signal]) -> dict[str, list[Signal]]:
    kinds: dict[str, list[Signal]] = {kind: [] for kind in SIGNAL_KINDS}
    for signal in signals:
        kinds.setdefault(signal.signal, []).append(signal)
    return kinds


def scoped(found: Attention, team_ids: set[str]) -> Attention:
    """The attention lists of these teams only (a subject with several teams counts for
    each of them)."""
    return Attention(
        overdue_actions=[i for i in found.overdue_actions if i.team_id in team_ids],
        off_track_goals=[g for g in found.off_track_goals if g["team_id"] in team_ids],
        silos={
            kind: [s for s in signals if not team_ids.isdisjoint(s.team_ids)]
            for kind, signals in found.silos.items()
        },
        stages_at_risk=[
            mine for stage in found.stages_at_risk if (mine := stage.of_teams(team_ids))
        ],
    )
