"""What the team page shows besides scores: goals, metric readings, actions and check-ins.

Reads only, as of a date, for one team. Health comes from `goal_health` and scores from
`explain_team`; this module supplies the rows those are about, so the page never needs SQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cxos.storage import Database

# A goal's objectives (SPEC: goals ladder up to objectives; one goal may serve several), by
# id, and their titles in the same order.
_OBJECTIVE_IDS = """coalesce((SELECT list(objective_id ORDER BY objective_id)
        FROM goal_objectives WHERE goal_id = g.id), []) AS objective_ids"""
_OBJECTIVES = """coalesce((SELECT list(o.title ORDER BY o.id) FROM goal_objectives l
        JOIN objectives o ON o.id = l.objective_id WHERE l.goal_id = g.id), []) AS objectives"""

_GOALS = f"""
SELECT g.id, g.title, g.success_statement, g.owner_id, p.name AS owner, {_OBJECTIVE_IDS},
    {_OBJECTIVES}, g.start_date, g.end_date, g.status
FROM goals g LEFT JOIN people p ON p.id = g.owner_id
WHERE g.team_id = $team AND g.start_date <= $d AND $d <= g.end_date AND g.status <> 'dropped'
ORDER BY g.id"""

_METRICS = """
SELECT m.id, m.goal_id, m.name, m.unit, m.direction, m.baseline, m.target, m.cadence_days
FROM metrics m WHERE list_contains($goals, m.goal_id) ORDER BY m.goal_id, m.id"""

_READINGS = """
SELECT metric_id, as_of, value FROM metric_readings
WHERE list_contains($metrics, metric_id) AND as_of <= $d ORDER BY metric_id, as_of"""

_ACTIONS = """
SELECT a.id, a.title, g.title AS goal, p.name AS owner, a.created_on, a.due_date, a.status,
    a.completed_on
FROM actions a LEFT JOIN goals g ON g.id = a.goal_id LEFT JOIN people p ON p.id = a.owner_id
WHERE a.team_id = $team AND a.created_on <= $d
    AND (a.completed_on IS NULL OR a.completed_on >= $d::DATE - 90)
ORDER BY a.due_date, a.id"""

_CHECK_INS = """
SELECT c.checked_on, a.title AS action, c.status, c.progress, c.confidence, c.note
FROM check_ins c JOIN actions a ON a.id = c.action_id
WHERE a.team_id = $team AND c.checked_on <= $d
ORDER BY c.checked_on DESC, c.id DESC LIMIT $limit"""


def teams(db: Database) -> dict[str, str]:
    """Every team, id -> name (with its business unit), by name."""
    rows = db.rows(
        "SELECT t.id, t.name, b.name AS unit, t.business_unit_id FROM teams t "
        "LEFT JOIN business_units b ON b.id = t.business_unit_id ORDER BY t.name"
    )
    return {r["id"]: f"{r['name']} · {r['unit'] or '?'}" for r in rows}


def team_goals(db: Database, team_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    """The team's in-scope goals as of `as_of`, each with its metrics and their readings."""
    goals = db.rows(_GOALS, {"team": team_id, "d": as_of})
    ids = [g["id"] for g in goals]
    metrics = db.rows(_METRICS, {"goals": ids}) if ids else []
    readings: dict[str, list[tuple[dt.date, float]]] = {}
    metric_ids = [m["id"] for m in metrics]
    if metric_ids:
        for r in db.rows(_READINGS, {"metrics": metric_ids, "d": as_of}):
            readings.setdefault(r["metric_id"], []).append((r["as_of"], r["value"]))
    for goal in goals:
        goal["metrics"] = [
            {**m, "readings": readings.get(m["id"], [])}
            for m in metrics
            if m["goal_id"] == goal["id"]
        ]
    return goals


_IN_SCOPE_GOALS = f"""
SELECT g.id, g.title, g.team_id, t.name AS team, g.owner_id, p.name AS owner, {_OBJECTIVE_IDS},
    g.start_date, g.end_date, g.status
FROM goals g JOIN teams t ON t.id = g.team_id LEFT JOIN people p ON p.id = g.owner_id
WHERE g.start_date <= $d AND $d <= g.end_date AND g.status <> 'dropped'
    AND ($team IS NULL OR g.team_id = $team)
ORDER BY t.name, g.title, g.id"""


def in_scope_goals(
    db: Database, as_of: dt.date, team_id: str | None = None
) -> list[dict[str, Any]]:
    """Every in-scope goal as of `as_of` (SPEC: started, not ended, not dropped), or one team's."""
    return db.rows(_IN_SCOPE_GOALS, {"d": as_of, "team": team_id})


def team_actions(db: Database, team_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    """The team's actions created by `as_of`, except those finished over 90 days before."""
    return db.rows(_ACTIONS, {"team": team_id, "d": as_of})


def recent_check_ins(
    db: Database, team_id: str, as_of: dt.date, limit: int = 15
) -> list[dict[str, Any]]:
    """The team's latest check-ins on or before `as_of`, newest first."""
    return db.rows(_CHECK_INS, {"team": team_id, "d": as_of, "limit": limit})


def trend_dates(as_of: dt.date, stored: list[dt.date], points: int = 6) -> list[dt.date]:
    """Dates for a trend: every four weeks back from `as_of`, plus stored snapshots in range."""
    start = as_of - dt.timedelta(days=28 * (points - 1))
    dates = {as_of - dt.timedelta(days=28 * i) for i in range(points)}
    return sorted(dates | {d for d in stored if start <= d <= as_of})


def goal_choices(db: Database, as_of: dt.date) -> list[dict[str, Any]]:
    """In-scope goals with their team, for choosing the goal of a new action."""
    return in_scope_goals(db, as_of)


def people(db: Database) -> dict[str, str]:
    """Every person, id -> 'name · team'."""
    rows = db.rows(
        "SELECT p.id, p.name, t.name AS team FROM people p LEFT JOIN teams t ON t.id = p.team_id "
        "ORDER BY p.name"
    )
    return {r["id"]: f"{r['name']} · {r['team'] or '?'}" for r in rows}
