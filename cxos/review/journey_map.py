"""The journey map as of a date: stages, touchpoints, stage health and silo signals drawn on it.

Health and signals are not recomputed here: a stage's health is the worst health (from
`goal_health`) of the in-scope goals linked to it, and the map's silo marks are the
`unbridged_stage`, `handoff_gap` and `orphan_touchpoint` signals of `compute_signals`. This
module only reads the journey's shape and joins those results onto it, so the map, the
overview and the review pack can never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from cxos.scoring import GoalHealthResult, Signal
from cxos.scoring import sql as scoring_sql
from cxos.scoring.health import worst_health
from cxos.storage import Database

# Worst first: the health a stage shows is the first of these among its goals.

# The map as of $d agrees with the scores as of $d: the stages not retired then, the
# touchpoints and their owners then (score_touchpoints), the goals in scope and linked then
# (sql.BASE's `scope` and `linked`).
_STAGES = f"""
SELECT s.id, s.journey_id, j.name AS journey, s.phase, s.name, s.position
FROM stages s JOIN journeys j ON j.id = s.journey_id
WHERE s.journey_id = $journey AND {scoring_sql.not_retired("s")} ORDER BY s.position"""

# The touchpoints as of $d (the derived rows holding then), with their owner then.
TOUCHPOINTS_AT_D = f"(SELECT * FROM score_touchpoints WHERE {scoring_sql.HOLDS})"

_TOUCHPOINTS = f"""
SELECT tp.id, x.stage_id, tp.name, tp.layer, tp.channel, x.team_id,
    t.name AS team, t.business_unit_id
FROM {TOUCHPOINTS_AT_D} x JOIN touchpoints tp ON tp.id = x.id JOIN stages s ON s.id = x.stage_id
LEFT JOIN teams t ON t.id = x.team_id
WHERE s.journey_id = $journey
    AND ($unit::VARCHAR IS NULL OR t.business_unit_id = $unit::VARCHAR)
ORDER BY s.position, tp.layer, tp.id"""

_STAGE_GOALS = f"""
WITH {scoring_sql.BASE}
SELECT l.stage_id, g.id, g.title, sg.team_id, t.name AS team, t.business_unit_id,
    g.owner_id, p.name AS owner, g.start_date, g.end_date, g.status
FROM linked l JOIN scope sg ON sg.id = l.goal_id JOIN goals g ON g.id = l.goal_id
LEFT JOIN teams t ON t.id = sg.team_id LEFT JOIN people p ON p.id = g.owner_id
WHERE l.stage_id IN (SELECT id FROM stages WHERE journey_id = $journey)
    AND ($unit::VARCHAR IS NULL OR t.business_unit_id = $unit::VARCHAR)
ORDER BY l.stage_id, g.id"""

_METRICS = """
SELECT m.id, m.goal_id, m.name, m.unit, m.direction, m.baseline, m.target,
    (SELECT arg_max(r.value, r.as_of) FROM metric_readings r
     WHERE r.metric_id = m.id AND r.as_of <= $d) AS latest
FROM metrics m WHERE list_contains($goals, m.goal_id) ORDER BY m.goal_id, m.id"""

_OPEN_ACTIONS = """
SELECT a.id, a.goal_id, a.title, a.team_id, t.name AS team, p.name AS owner, a.due_date,
    a.status
FROM actions a LEFT JOIN teams t ON t.id = a.team_id LEFT JOIN people p ON p.id = a.owner_id
WHERE list_contains($goals, a.goal_id) AND a.created_on <= $d
    AND NOT coalesce(a.completed_on <= $d, FALSE) AND a.status <> 'cancelled'
ORDER BY a.due_date, a.id"""


@dataclass(frozen=True)
class MapStage:
    """A column of the map."""

    id: str
    name: str
    phase: str
    position: int
    health: str | None  # None: no in-scope goal is linked to the stage
    goals: int
    unbridged: bool = False


@dataclass(frozen=True)
class MapTouchpoint:
    """A touchpoint in its cell, with its owning team."""

    id: str
    stage_id: str
    name: str
    layer: str
    team_id: str
    team: str
    business_unit_id: str | None
    orphan: bool = False


@dataclass(frozen=True)
class JourneyMap:
    """One journey as of a date, ready to draw."""

    journey_id: str
    journey: str
    as_of: dt.date
    stages: list[MapStage]
    touchpoints: list[MapTouchpoint]
    handoff_gaps: list[tuple[str, str]] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)  # signal subject -> words


# More stages than this are shown a few whole phases at a time: on a 1440-pixel screen a
# narrower column cannot hold a touchpoint's name in a readable font.
MOST_STAGES_SHOWN = 14


@dataclass(frozen=True)
class StageWindow:
    """A run of consecutive stages shown together (whole phases where they fit)."""

    first: int  # index into JourneyMap.stages
    last: int  # inclusive
    label: str


def stage_windows(jmap: JourneyMap, most: int = MOST_STAGES_SHOWN) -> list[StageWindow]:
    """The map cut into runs of at most `most` stages, never splitting a phase that fits.

    One window holds the whole map when it has at most `most` stages.
    """
    runs: list[tuple[int, int]] = []  # each phase's first and last stage index
    for i, stage in enumerate(jmap.stages):
        if runs and jmap.stages[runs[-1][0]].phase == stage.phase:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    windows: list[tuple[int, int]] = []
    for first, last in runs:
        for start in range(first, last + 1, most):  # a phase longer than `most` is cut
            end = min(start + most - 1, last)
            if windows and end - windows[-1][0] < most:
                windows[-1] = (windows[-1][0], end)
            else:
                windows.append((start, end))
    return [StageWindow(a, b, _window_label(jmap, a, b)) for a, b in windows]


def _window_label(jmap: JourneyMap, first: int, last: int) -> str:
    phases = [jmap.stages[first].phase, jmap.stages[last].phase]
    named = phases[0] if phases[0] == phases[1] else f"{phases[0]} – {phases[1]}"
    return f"{named} (stages {first + 1}–{last + 1})"


def window_holding(jmap: JourneyMap, windows: list[StageWindow], stage_id: str) -> int | None:
    """The index of the window that shows stage `stage_id` (None: not on this map)."""
    at = next((i for i, s in enumerate(jmap.stages) if s.id == stage_id), None)
    if at is None:
        return None
    return next(n for n, w in enumerate(windows) if w.first <= at <= w.last)


def window_of(jmap: JourneyMap, window: StageWindow) -> JourneyMap:
    """The part of the map a window shows: its stages, their touchpoints and hand-offs."""
    stages = jmap.stages[window.first : window.last + 1]
    shown = {s.id for s in stages}
    return replace(
        jmap,
        stages=stages,
        touchpoints=[tp for tp in jmap.touchpoints if tp.stage_id in shown],
        handoff_gaps=[(a, b) for a, b in jmap.handoff_gaps if a in shown and b in shown],
    )


def stage_rows(jmap: JourneyMap, layers: dict[str, str]) -> list[dict[str, Any]]:
    """The map as a list, a row per stage in order: its phase, health, touchpoints per
    layer ("Name (Team)", ⚠ before an orphan) and silo signals in words. What the map
    draws, for a phone's width and for a screen reader."""
    by_stage: dict[tuple[str, str], list[str]] = {}
    for tp in jmap.touchpoints:
        shown = f"{'⚠ ' if tp.orphan else ''}{tp.name} ({tp.team})"
        by_stage.setdefault((tp.stage_id, tp.layer), []).append(shown)
    gaps_after = {a: b for a, b in jmap.handoff_gaps}
    names = {s.id: s.name for s in jmap.stages}
    rows = []
    for stage in jmap.stages:
        # Short words: the signal's whole sentence is on the map's hover and the stage's page.
        signals = ["unbridged: its owners share no goal"] if stage.unbridged else []
        if stage.id in gaps_after:
            signals.append(f"hand-off gap to '{names.get(gaps_after[stage.id], '?')}'")
        rows.append(
            {
                "phase": stage.phase,
                "stage": stage.name,
                "health": stage.health,  # None: no goal is linked to it
                **{
                    layer: "; ".join(by_stage.get((stage.id, layer), [])) or None
                    for layer in layers
                },
                "signals": "; ".join(signals) or None,
            }
        )
    return rows


def journeys(db: Database) -> dict[str, str]:
    """Every journey, id -> name."""
    rows = db.rows("SELECT id, name FROM journeys ORDER BY name, id")
    return {r["id"]: r["name"] for r in rows}


def stage_health(healths: list[str]) -> str | None:
    """The worst of some goals' health words, as on the compare page (None without goals)."""
    return worst_health(healths) if healths else None


def journey_map(
    db: Database,
    journey_id: str,
    as_of: dt.date,
    health: dict[str, GoalHealthResult],
    signals: list[Signal],
    business_unit_id: str | None = None,
) -> JourneyMap:
    """The map of one journey as of `as_of`, given that date's goal health and signals.

    With a business unit, the touchpoints and the goals behind each stage's health are
    that unit's teams' only; the stage marks (unbridged, hand-off gaps) stay the
    company's, as they are about teams meeting across units.
    """
    params = {"journey": journey_id, "d": as_of, "unit": business_unit_id}
    stages = db.rows(_STAGES, {"journey": journey_id, "d": as_of})
    goals = db.rows(_STAGE_GOALS, params)
    by_stage: dict[str, list[str]] = {}
    for goal in goals:
        result = health.get(goal["id"])
        by_stage.setdefault(goal["stage_id"], []).append(result.health if result else "no_data")
    kinds = _signal_subjects(signals)
    return JourneyMap(
        journey_id=journey_id,
        journey=stages[0]["journey"] if stages else journey_id,
        as_of=as_of,
        stages=[
            MapStage(
                s["id"],
                s["name"],
                s["phase"],
                s["position"],
                stage_health(by_stage.get(s["id"], [])),
                len(by_stage.get(s["id"], [])),
                s["id"] in kinds["unbridged_stage"],
            )
            for s in stages
        ],
        touchpoints=[
            MapTouchpoint(
                t["id"],
                t["stage_id"],
                t["name"],
                t["layer"],
                t["team_id"],
                t["team"] or t["team_id"],
                t["business_unit_id"],
                t["id"] in kinds["orphan_touchpoint"],
            )
            for t in db.rows(
                _TOUCHPOINTS, {"journey": journey_id, "unit": business_unit_id, "d": as_of}
            )
        ],
        handoff_gaps=[
            tuple(subject.split(">", 1))  # type: ignore[misc]
            for subject in sorted(kinds["handoff_gap"])
        ],
        details={s.subject_id: s.detail for s in signals},
    )


def _signal_subjects(signals: list[Signal]) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {
        "unbridged_stage": set(),
        "handoff_gap": set(),
        "orphan_touchpoint": set(),
    }
    for signal in signals:
        if signal.signal in kinds:
            kinds[signal.signal].add(signal.subject_id)
    return kinds


def stage_detail(
    db: Database,
    stage_id: str,
    as_of: dt.date,
    health: dict[str, GoalHealthResult],
    business_unit_id: str | None = None,
) -> dict[str, Any]:
    """A stage's in-scope goals (with health), owning teams, metrics and open actions.

    With a business unit: its teams' goals, and their metrics and actions; the owners
    stay every team that owns a touchpoint there.
    """
    journey = db.scalar("SELECT journey_id FROM stages WHERE id = ?", [stage_id])
    params = {"journey": journey, "d": as_of, "unit": business_unit_id}
    goals = [g for g in db.rows(_STAGE_GOALS, params) if g["stage_id"] == stage_id]
    for goal in goals:
        result = health.get(goal["id"])
        goal["health"] = result.health if result else "no_data"
    ids = [g["id"] for g in goals]
    owners = db.rows(
        f"SELECT DISTINCT t.id, t.name FROM {TOUCHPOINTS_AT_D} tp "
        "JOIN teams t ON t.id = tp.team_id WHERE tp.stage_id = $stage ORDER BY t.name",
        {"stage": stage_id, "d": as_of},
    )
    return {
        "goals": goals,
        "owners": owners,
        "metrics": db.rows(_METRICS, {"goals": ids, "d": as_of}) if ids else [],
        "actions": db.rows(_OPEN_ACTIONS, {"goals": ids, "d": as_of}) if ids else [],
    }


# Worse than this is "at risk" for a stage (SPEC's overview: the journey stages at risk).
AT_RISK = ("off_track", "at_risk")

_GOALS_BY_STAGE = f"""
WITH {scoring_sql.BASE}
SELECT s.id AS stage_id, s.name AS stage, s.journey_id, j.name AS journey, s.position,
    g.id AS goal_id, g.team_id
FROM linked gs JOIN scope g ON g.id = gs.goal_id
JOIN stages s ON s.id = gs.stage_id JOIN journeys j ON j.id = s.journey_id
ORDER BY j.name, s.journey_id, s.position, s.id, g.id"""


@dataclass(frozen=True)
class StageAtRisk:
    """A stage whose worst linked goal is at risk or off track, with the goals behind it."""

    id: str
    name: str
    journey_id: str
    journey: str
    health: str
    goals: tuple[tuple[str, str, str], ...]  # (goal id, team id, health) of in-scope goals

    def of_teams(self, team_ids: set[str]) -> StageAtRisk | None:
        """The same stage judged on these teams' goals only (None if not at risk then)."""
        goals = tuple(g for g in self.goals if g[1] in team_ids)
        health = stage_health([h for _, _, h in goals])
        if health not in AT_RISK:
            return None
        return StageAtRisk(self.id, self.name, self.journey_id, self.journey, health, goals)


def stages_at_risk(
    db: Database, as_of: dt.date, health: dict[str, GoalHealthResult]
) -> list[StageAtRisk]:
    """Every stage of every journey whose health (as on the map) is off track or at risk,
    worst first, then by journey and position."""
    by_stage: dict[str, list[dict[str, Any]]] = {}
    for row in db.rows(_GOALS_BY_STAGE, {"d": as_of}):
        by_stage.setdefault(row["stage_id"], []).append(row)
    found = []
    for rows in by_stage.values():
        goals = tuple(
            (
                r["goal_id"],
                r["team_id"],
                health[r["goal_id"]].health if r["goal_id"] in health else "no_data",
            )
            for r in rows
        )
        first = rows[0]
        stage = StageAtRisk(
            first["stage_id"], first["stage"], first["journey_id"], first["journey"], "", goals
        ).of_teams({team for _, team, _ in goals})
        if stage is not None:
            found.append(stage)
    return sorted(found, key=lambda s: AT_RISK.index(s.health))  # stable: journey order kept
