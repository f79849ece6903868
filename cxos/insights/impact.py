"""Did it work? Each completed action's goal metrics before and after it, as of D.

For every action done by D (status `done`, completed_on ≤ D) and every metric of its goal:
the *before* reading is the latest one in the window of WINDOW_DAYS days up to the day the
action was created; the *after* reading is the latest one in the WINDOW_DAYS days after
the day it was completed (and on or before D). The metric *moved* when the after reading
is better than the before reading in the metric's direction (higher or lower is better),
*did not move* otherwise, and there are *not enough readings* when either is missing.

This says what happened to the metric around the work, never that the work caused it:
other actions on the same goal at the same time (`overlapping`) and a metric read only
once or twice around the action (`few readings`) are said with each result, and the
summaries per team, stage and goal count them (docs/opportunities.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cxos.storage import Connection, Database, fetch_dicts

WINDOW_DAYS = 90
# Fewer readings than this in both windows together is "few": one before and one after
# (the least any result needs) says little about a metric that moves from month to month.
FEW_READINGS = 4
MOVED, NOT_MOVED, NOT_ENOUGH = "moved", "not moved", "not enough readings"
GROUPINGS = ("team", "stage", "goal")


@dataclass(frozen=True)
class ActionImpact:
    """One completed action and one metric of its goal, before and after."""

    action_id: str
    action: str
    team_id: str
    team: str
    goal_id: str
    goal: str
    stage_ids: tuple[str, ...]
    metric_id: str
    metric: str
    direction: str
    baseline: float | None
    target: float | None
    created_on: dt.date
    completed_on: dt.date
    before_on: dt.date | None
    before: float | None
    after_on: dt.date | None
    after: float | None
    readings: int  # in the two windows together
    overlapping: int  # other actions on the goal running at the same time

    @property
    def outcome(self) -> str:
        if self.before is None or self.after is None:
            return NOT_ENOUGH
        return MOVED if self.improvement > 0 else NOT_MOVED

    @property
    def improvement(self) -> float:
        """after − before, counted positive when it is better (0 without both readings)."""
        if self.before is None or self.after is None:
            return 0.0
        change = self.after - self.before
        return change if self.direction == "higher" else -change

    @property
    def gap_closed(self) -> float | None:
        """The improvement as a share of the distance from baseline to target."""
        if self.outcome == NOT_ENOUGH or self.baseline is None or self.target is None:
            return None
        span = abs(self.target - self.baseline)
        return self.improvement / span if span else None

    @property
    def notes(self) -> list[str]:
        """What makes the result less certain, in words."""
        said = []
        if self.outcome != NOT_ENOUGH and self.readings < FEW_READINGS:
            said.append(f"few readings ({self.readings} around the action)")
        if self.overlapping:
            others = "action" if self.overlapping == 1 else "actions"
            said.append(f"{self.overlapping} other {others} on this goal at the same time")
        return said

    def as_row(self) -> dict[str, Any]:
        gap = self.gap_closed
        return {
            "action_id": self.action_id,
            "action": self.action,
            "team": self.team,
            "goal_id": self.goal_id,
            "metric_id": self.metric_id,
            "metric": self.metric,
            "direction": self.direction,
            "created_on": self.created_on,
            "completed_on": self.completed_on,
            "before_on": self.before_on,
            "before": self.before,
            "after_on": self.after_on,
            "after": self.after,
            "improvement": None if self.outcome == NOT_ENOUGH else round(self.improvement, 3),
            "gap_closed": None if gap is None else round(gap, 3),
            "outcome": self.outcome,
            "notes": "; ".join(self.notes),
        }


ACTION_COLUMNS = (
    "action_id",
    "action",
    "team",
    "goal_id",
    "metric_id",
    "metric",
    "direction",
    "created_on",
    "completed_on",
    "before_on",
    "before",
    "after_on",
    "after",
    "improvement",
    "gap_closed",
    "outcome",
    "notes",
)


@dataclass(frozen=True)
class ImpactSummary:
    """How often completed work of one team, stage or goal moved its metrics."""

    by: str
    subject_id: str
    subject: str
    moved: int
    not_moved: int
    not_enough: int
    mean_gap_closed: float | None  # over the results with a target, moved or not
    few_readings: int
    overlapping: int

    @property
    def moved_share(self) -> float | None:
        """Moved among the results that could be judged (None when none could)."""
        judged = self.moved + self.not_moved
        return self.moved / judged if judged else None

    @property
    def sentence(self) -> str:
        """The summary in plain words, with its caveats."""
        judged = self.moved + self.not_moved
        if not judged:
            return f"{self.not_enough} completed, none with readings before and after"
        parts = [f"{self.moved} of {judged} moved their metric the right way"]
        if self.not_enough:
            parts.append(f"{self.not_enough} without enough readings")
        if self.few_readings:
            parts.append(f"{self.few_readings} on few readings")
        if self.overlapping:
            parts.append(f"{self.overlapping} overlapping other work")
        return "; ".join(parts) + " (what happened after, not proof of cause)"

    def as_row(self) -> dict[str, Any]:
        share, gap = self.moved_share, self.mean_gap_closed
        return {
            "by": self.by,
            "subject_id": self.subject_id,
            "subject": self.subject,
            "moved": self.moved,
            "not_moved": self.not_moved,
            "not_enough_readings": self.not_enough,
            "moved_share": None if share is None else round(share, 3),
            "mean_gap_closed": None if gap is None else round(gap, 3),
            "few_readings": self.few_readings,
            "overlapping": self.overlapping,
            "summary": self.sentence,
        }


SUMMARY_COLUMNS = (
    "by",
    "subject_id",
    "subject",
    "moved",
    "not_moved",
    "not_enough_readings",
    "moved_share",
    "mean_gap_closed",
    "few_readings",
    "overlapping",
    "summary",
)

# Every completed action and metric of its goal, with the readings in its two windows
# (? : D, D, W, W, D, D, D) and the other actions of its goal that overlap it in time.
_IMPACT = """
WITH done AS (
    SELECT a.id, a.title, a.team_id, coalesce(t.name, a.team_id) AS team, a.goal_id,
        g.title AS goal, a.created_on, a.completed_on
    FROM actions a JOIN goals g ON g.id = a.goal_id LEFT JOIN teams t ON t.id = a.team_id
    WHERE a.status = 'done' AND a.completed_on <= ? AND a.created_on <= ?
),
pairs AS (
    SELECT d.*, m.id AS metric_id, m.name AS metric, m.direction, m.baseline, m.target,
        d.created_on - CAST(? AS INTEGER) AS before_from,
        d.completed_on + CAST(? AS INTEGER) AS after_to
    FROM done d JOIN metrics m ON m.goal_id = d.goal_id
),
windows AS (
    SELECT p.id, p.metric_id,
        max(r.as_of) FILTER (WHERE r.as_of <= p.created_on) AS before_on,
        arg_max(r.value, r.as_of) FILTER (WHERE r.as_of <= p.created_on) AS before,
        max(r.as_of) FILTER (WHERE r.as_of > p.completed_on) AS after_on,
        arg_max(r.value, r.as_of) FILTER (WHERE r.as_of > p.completed_on) AS after,
        count(r.as_of) AS readings
    FROM pairs p JOIN metric_readings r ON r.metric_id = p.metric_id
        AND r.as_of <= ?
        AND ((r.as_of BETWEEN p.before_from AND p.created_on)
            OR (r.as_of > p.completed_on AND r.as_of <= p.after_to))
    GROUP BY p.id, p.metric_id
),
concurrent AS (
    SELECT d.id, count(o.id) AS overlapping
    FROM done d JOIN actions o ON o.goal_id = d.goal_id AND o.id <> d.id
        AND o.status <> 'cancelled' AND o.created_on <= d.completed_on
        AND coalesce(o.completed_on, CAST(? AS DATE)) >= d.created_on
        AND o.created_on <= ?
    GROUP BY d.id
),
stages AS (
    SELECT goal_id, list(stage_id ORDER BY stage_id) AS stage_ids FROM goal_stages GROUP BY 1
)
SELECT p.id AS action_id, p.title AS action, p.team_id, p.team, p.goal_id, p.goal,
    coalesce(s.stage_ids, []) AS stage_ids, p.metric_id, p.metric, p.direction,
    p.baseline, p.target, p.created_on, p.completed_on,
    w.before_on, w.before, w.after_on, w.after, coalesce(w.readings, 0) AS readings,
    coalesce(o.overlapping, 0) AS overlapping
FROM pairs p
LEFT JOIN windows w ON w.id = p.id AND w.metric_id = p.metric_id
LEFT JOIN concurrent o ON o.id = p.id
LEFT JOIN stages s ON s.goal_id = p.goal_id
ORDER BY p.completed_on, p.id, p.metric_id"""


def compute_impact(db: Database, as_of: dt.date) -> list[ActionImpact]:
    """Every completed action's goal metrics before and after, as of `as_of`."""
    return db.read(lambda con: impact_on(con, as_of))


def impact_on(con: Connection, as_of: dt.date) -> list[ActionImpact]:
    """`compute_impact` on an open connection."""
    params = [as_of, as_of, WINDOW_DAYS, WINDOW_DAYS, as_of, as_of, as_of]
    return [
        ActionImpact(**{**row, "stage_ids": tuple(row["stage_ids"])})
        for row in fetch_dicts(con, _IMPACT, params)
    ]


def summarise(
    results: Iterable[ActionImpact], by: str, names: dict[str, str] | None = None
) -> list[ImpactSummary]:
    """The results counted per team, stage or goal (a result counts for each stage of its
    goal), the smallest share moved first (what deserves a question), those that could not
    be judged last; `names` gives stage names (ids otherwise)."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    groups: dict[tuple[str, str], list[ActionImpact]] = defaultdict(list)
    for result in results:
        for key in _keys(result, by, names or {}):
            groups[key].append(result)
    summaries = [_summary(by, sid, name, rows) for (sid, name), rows in groups.items()]
    summaries.sort(key=_attention_first)
    return summaries


def _attention_first(summary: ImpactSummary) -> tuple[bool, float, str, str]:
    share = summary.moved_share
    return (share is None, share or 0.0, summary.subject, summary.subject_id)


def _keys(result: ActionImpact, by: str, names: dict[str, str]) -> list[tuple[str, str]]:
    if by == "team":
        return [(result.team_id, result.team)]
    if by == "goal":
        return [(result.goal_id, result.goal)]
    return [(stage_id, names.get(stage_id, stage_id)) for stage_id in result.stage_ids]


def _summary(by: str, subject_id: str, subject: str, rows: list[ActionImpact]) -> ImpactSummary:
    gaps = [g for g in (r.gap_closed for r in rows) if g is not None]
    return ImpactSummary(
        by=by,
        subject_id=subject_id,
        subject=subject,
        moved=sum(r.outcome == MOVED for r in rows),
        not_moved=sum(r.outcome == NOT_MOVED for r in rows),
        not_enough=sum(r.outcome == NOT_ENOUGH for r in rows),
        mean_gap_closed=sum(gaps) / len(gaps) if gaps else None,
        few_readings=sum(r.outcome != NOT_ENOUGH and r.readings < FEW_READINGS for r in rows),
        overlapping=sum(r.overlapping > 0 for r in rows),
    )


def stage_names(db: Database) -> dict[str, str]:
    """Every stage's name, for the summaries per stage."""
    return {r["id"]: r["name"] for r in db.rows("SELECT id, name FROM stages")}
