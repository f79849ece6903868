"""Goal health as of a date: the lowest pace among a goal's metrics, as in A4.

Paces come from the same SQL as the A4 component (`sql.LATEST`); only the thresholds are
applied here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cxos.config import ScoringConfig
from cxos.models import GoalHealth
from cxos.scoring import sql
from cxos.scoring.models import GoalHealthResult
from cxos.scoring.query import run
from cxos.storage import Connection, Database


def goal_health(
    db: Database, as_of: dt.date, config: ScoringConfig | None = None
) -> dict[str, GoalHealthResult]:
    """The health of every goal as of `as_of`, keyed by goal id."""
    return db.read(lambda con: goal_health_on(con, as_of, config or ScoringConfig.load()))


def goal_health_on(
    con: Connection, as_of: dt.date, config: ScoringConfig
) -> dict[str, GoalHealthResult]:
    """`goal_health` on an open connection."""
    rows = run(con, sql.GOAL_PACES, sql.parameters(as_of, config))
    return {row["goal_id"]: _result(row, config) for row in rows}


def health_of(status: str, pace: float | None, config: ScoringConfig) -> GoalHealth:
    """The health word for a goal's status and lowest metric pace."""
    if status == "achieved":
        return "achieved"
    if pace is None:
        return "no_data"
    if pace >= config.on_track_pace:
        return "on_track"
    if pace >= config.at_risk_pace:
        return "at_risk"
    return "off_track"


def _result(row: dict[str, Any], config: ScoringConfig) -> GoalHealthResult:
    paces = {p["metric_id"]: float(p["pace"]) for p in row["metric_paces"] or []}
    pace = None if row["pace"] is None else float(row["pace"])
    return GoalHealthResult(row["goal_id"], health_of(row["status"], pace, config), pace, paces)
