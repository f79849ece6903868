"""Goal health as of a date: the lowest pace among a goal's metrics, as in A4.

Paces come from the same SQL as the A4 component (`sql.metric_paces`); only the thresholds are
applied here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cxos.model.vocabulary import GoalHealth
from cxos.scoring import sql
from cxos.scoring.config import ScoringConfig
from cxos.scoring.query import run_tuples
from cxos.scoring.results import GoalHealthResult
from cxos.storage import Connection, Database

# Worst first: a stage (on the journey map, and per unit on the compare page) is as healthy
# as its weakest goal, as a goal is as healthy as its slowest metric.
HEALTH_ORDER: tuple[GoalHealth, ...] = ("off_track", "at_risk", "on_track", "achieved")


def worst_health(healths: Iterable[str]) -> GoalHealth:
    """The worst of some goal healths; `no_data` only when none has data (docs/decisions.md)."""
    known = [h for h in healths if h in HEALTH_ORDER]
    if not known:
        return "no_data"
    return min(known, key=HEALTH_ORDER.index)


def goal_health(
    db: Database, as_of: dt.date, config: ScoringConfig | None = None
) -> dict[str, GoalHealthResult]:
    """The health of every goal as of `as_of`, keyed by goal id."""
    return db.read(
        lambda con: goal_health_on(con, as_of, config or ScoringConfig.load()), reuse=True
    )


def goal_health_on(
    con: Connection, as_of: dt.date, config: ScoringConfig
) -> dict[str, GoalHealthResult]:
    """`goal_health` on an open connection."""
    _, rows = run_tuples(con, sql.GOAL_PACES, sql.parameters(as_of, config))
    paces: dict[str, dict[str, float]] = {}
    statuses: dict[str, str] = {}
    for goal_id, status, metric_id, pace in rows:
        statuses[goal_id] = status
        found = paces.setdefault(goal_id, {})
        if metric_id is not None:
            found[metric_id] = float(pace)
    return {
        goal_id: _result(goal_id, statuses[goal_id], metric_paces, config)
        for goal_id, metric_paces in paces.items()
    }


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


def _result(
    goal_id: str, status: str, paces: dict[str, float], config: ScoringConfig
) -> GoalHealthResult:
    pace = min(paces.values()) if paces else None
    return GoalHealthResult(goal_id, health_of(status, pace, config), pace, paces)
