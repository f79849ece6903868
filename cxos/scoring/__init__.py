"""Scores, goal health and silo signals as of any date, with explanations and snapshots.

Public API (see docs/scoring.md for every definition):

- `compute_scores(db, as_of, config=None) -> list[TeamScore]`
- `rollup(scores, config=None) -> list[UnitScore]`
- `goal_health(db, as_of, config=None) -> dict[str, GoalHealthResult]`
- `compute_signals(db, as_of, config=None) -> list[Signal]`
- `assess(db, as_of, config=None) -> Assessment`: scores and signals in one pass
- `explain_team(db, team_id, as_of, config=None) -> TeamExplanation`, `top_fixes(...)`
- `take_snapshot(db, as_of, actor_id=None)`, `score_trend(db, team_id, dates)`
- `unit_trends(db, as_of, quarters=4) -> list[UnitTrend]`: company and units over quarters
"""

from cxos.scoring.assessment import Assessment, assess
from cxos.scoring.config import COMPONENTS, ScoringConfig
from cxos.scoring.explain import explain_team, top_fixes
from cxos.scoring.health import goal_health
from cxos.scoring.results import (
    ComponentExplanation,
    Fix,
    GoalHealthResult,
    Item,
    Signal,
    TeamExplanation,
    TeamScore,
    UnitScore,
)
from cxos.scoring.scores import COMPANY_ID, compute_scores, quadrant, rollup
from cxos.scoring.signals import SIGNAL_KINDS, compute_signals
from cxos.scoring.snapshots import (
    UnitTrend,
    score_trend,
    snapshot_dates,
    take_snapshot,
    unit_trends,
)

__all__ = [
    "COMPANY_ID",
    "Assessment",
    "COMPONENTS",
    "SIGNAL_KINDS",
    "ComponentExplanation",
    "Fix",
    "GoalHealthResult",
    "Item",
    "ScoringConfig",
    "Signal",
    "TeamExplanation",
    "TeamScore",
    "UnitScore",
    "UnitTrend",
    "assess",
    "compute_scores",
    "compute_signals",
    "explain_team",
    "goal_health",
    "quadrant",
    "rollup",
    "score_trend",
    "snapshot_dates",
    "take_snapshot",
    "top_fixes",
    "unit_trends",
]
