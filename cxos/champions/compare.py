"""Business units side by side, for the CX champions who meet to compare notes.

Nothing here defines a score again. Unit scores come from `scoring.rollup`, team components
from `scoring.compute_scores`, goal health from `scoring.goal_health`, and the progress of a
metric toward its target from the scoring SQL's own `paces` CTE (`sql.LATEST`), queried
over the goals that are in scope by the scoring SQL's own `scope` CTE (`sql.BASE`). This
module only groups those results by business unit and stage and applies the comparison
rules documented in docs/compare.md: a unit's component is the mean over its teams where
the component is defined, a stage cell shows the worst health of the unit's goals there,
and the best performer of a stage is the unit with the highest mean goal pace there.

One call, `build_comparison`, returns everything the page and the Excel export show, so
both always agree.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean
from typing import Any

from cxos.bundle.exporter import write_workbook
from cxos.model.entities import GoalHealth, Quadrant
from cxos.palette import mix_text
from cxos.scoring import GoalHealthResult, TeamScore, rollup
from cxos.scoring import sql as scoring_sql
from cxos.scoring.config import COMPONENTS, ScoringConfig
from cxos.scoring.health import goal_health_on, worst_health
from cxos.scoring.query import run
from cxos.scoring.scores import QUADRANT_ORDER, scores_on
from cxos.storage import Connection, Database

COMPONENT_LABELS: dict[str, str] = {
    "a1_ownership": "A1 Ownership",
    "a2_delivery": "A2 Delivery",
    "a3_cadence": "A3 Cadence",
    "a4_pace": "A4 Pace",
    "l1_understanding": "L1 Understanding",
    "l2_line_of_sight": "L2 Line of sight",
    "l3_coverage": "L3 Coverage",
    "l4_bridging": "L4 Bridging",
}

# A best performer needs someone to be better than.
MIN_CONTENDERS = 2

_UNITS = "SELECT id, name FROM business_units ORDER BY name, id"

_STAGES = """
SELECT s.id, s.journey_id, j.name AS journey, s.phase, s.name, s.position
FROM stages s JOIN journeys j ON j.id = s.journey_id
WHERE $journey::VARCHAR IS NULL OR s.journey_id = $journey::VARCHAR
ORDER BY j.name, s.journey_id, s.position"""

# The stages shown: one journey's (or all), plus the stage asked for by id.
_SHOWN = """
JOIN stages st ON st.id = l.stage_id
    AND ($journey::VARCHAR IS NULL OR st.journey_id = $journey::VARCHAR
         OR st.id = $stage::VARCHAR)"""

# In-scope goals linked to stages, with their team's unit (scope and linked: sql.BASE).
_STAGE_GOALS = f"""
WITH {scoring_sql.BASE}
SELECT l.stage_id, g.id AS goal_id, g.title, g.status, t.id AS team_id, t.name AS team,
    t.business_unit_id, b.name AS business_unit, p.name AS owner
FROM linked l{_SHOWN}
JOIN goals g ON g.id = l.goal_id
JOIN teams t ON t.id = g.team_id
JOIN business_units b ON b.id = t.business_unit_id
LEFT JOIN people p ON p.id = g.owner_id
ORDER BY b.name, t.name, g.title, g.id"""

# The metrics of in-scope goals per stage, with progress and pace from sql.LATEST.
_STAGE_METRICS = f"""
WITH {scoring_sql.BASE},{scoring_sql.LATEST}
SELECT l.stage_id, m.id AS metric_id, m.goal_id, m.name, m.unit, m.direction, m.baseline, m.target,
    r.value AS latest, r.read_on, pc.progress, pc.pace,
    t.name AS team, t.business_unit_id, b.name AS business_unit
FROM linked l{_SHOWN}
JOIN scope g ON g.id = l.goal_id
JOIN metrics m ON m.goal_id = g.id
JOIN teams t ON t.id = g.team_id
JOIN business_units b ON b.id = t.business_unit_id
LEFT JOIN latest_reading r ON r.metric_id = m.id
LEFT JOIN paces pc ON pc.metric_id = m.id
ORDER BY l.stage_id, m.name, b.name, t.name, m.id"""


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitComparison:
    """A business unit's (or the company's) scores and mean components as of a date."""

    id: str
    name: str
    kind: str
    alignment: float
    accountability: float
    teams: int
    components: dict[str, float | None]
    mix: dict[Quadrant, tuple[str, ...]] = field(default_factory=dict)  # as UnitScore.mix


@dataclass(frozen=True)
class UnitChange:
    """How a unit's scores and components moved between an earlier date and now."""

    id: str
    name: str
    now: UnitComparison
    then: UnitComparison | None

    def delta(self, name: str) -> float | None:
        """Now minus then for 'alignment', 'accountability' or a component (None if unknown)."""
        if self.then is None:
            return None
        return _difference(_value(self.now, name), _value(self.then, name))


@dataclass(frozen=True)
class Stage:
    """A journey stage, as the comparison lists it."""

    id: str
    journey_id: str
    journey: str
    phase: str
    name: str
    position: int

    @property
    def label(self) -> str:
        return f"{self.journey} · {self.position}. {self.name}"


@dataclass(frozen=True)
class StageGoal:
    """An in-scope goal linked to a stage, with its health."""

    stage_id: str
    goal_id: str
    title: str
    team: str
    business_unit_id: str
    business_unit: str
    owner: str | None
    health: GoalHealth
    pace: float | None


@dataclass(frozen=True)
class StageCell:
    """One unit on one stage: how many goals (and with a pace), worst health, mean pace."""

    stage_id: str
    business_unit_id: str
    goals: int
    paced: int
    health: GoalHealth
    mean_pace: float | None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BestPerformer:
    """The unit with the highest mean goal pace on a stage (see docs/compare.md)."""

    stage_id: str
    business_unit_id: str
    business_unit: str
    mean_pace: float
    contenders: int


@dataclass(frozen=True)
class StageMetric:
    """A metric of a goal on a stage, normalised as progress toward its target."""

    stage_id: str
    metric_id: str
    goal_id: str
    name: str
    unit: str | None
    business_unit_id: str
    business_unit: str
    team: str
    baseline: float | None
    target: float | None
    latest: float | None
    read_on: dt.date | None
    progress: float | None
    pace: float | None


@dataclass(frozen=True)
class Comparison:
    """Everything the compare page and its export show, for one set of choices."""

    as_of: dt.date
    since: dt.date | None
    units: list[UnitComparison]
    company: UnitComparison | None
    changes: list[UnitChange]
    stages: list[Stage]
    cells: dict[tuple[str, str], StageCell]
    best: dict[str, BestPerformer]
    stage: Stage | None
    stage_goals: list[StageGoal]
    stage_metrics: list[StageMetric]

    def cell(self, stage_id: str, unit_id: str) -> StageCell | None:
        return self.cells.get((stage_id, unit_id))

    def metric_progress(self) -> dict[str, dict[str, float | None]]:
        """Metric name -> unit id -> mean progress of that unit's metrics of that name."""
        return metric_progress(self.stage_metrics)


# -- building ------------------------------------------------------------------------------


def build_comparison(
    db: Database,
    as_of: dt.date,
    *,
    since: dt.date | None = None,
    stage_id: str | None = None,
    journey_id: str | None = None,
    unit_ids: Sequence[str] | None = None,
    config: ScoringConfig | None = None,
) -> Comparison:
    """Units side by side as of `as_of`, the stage matrix, and the chosen stage in detail."""
    config = config or ScoringConfig.load()
    return db.read(
        lambda con: _build(con, as_of, since, stage_id, journey_id, unit_ids, config), reuse=True
    )


def _build(
    con: Connection,
    as_of: dt.date,
    since: dt.date | None,
    stage_id: str | None,
    journey_id: str | None,
    unit_ids: Sequence[str] | None,
    config: ScoringConfig,
) -> Comparison:
    wanted = _wanted(unit_ids)
    scores = scores_on(con, as_of, config)
    all_units = compare_units(scores, config)
    units = [u for u in all_units if u.kind == "business_unit" and wanted(u.id)]
    company = next((u for u in all_units if u.kind == "company"), None)
    earlier = compare_units(scores_on(con, since, config), config) if since else []
    stages = _stages(con, journey_id)
    shown = {**scoring_sql.parameters(as_of, config), "journey": journey_id, "stage": stage_id}
    goals = stage_goals(run(con, _STAGE_GOALS, shown), goal_health_on(con, as_of, config))
    goals = [g for g in goals if wanted(g.business_unit_id)]
    cells = stage_cells(goals)
    metrics = [m for m in _stage_metrics(con, shown) if wanted(m.business_unit_id)]
    chosen = _stage(con, stage_id) or default_stage(stages, cells, metrics)
    return Comparison(
        as_of=as_of,
        since=since,
        units=units,
        company=company,
        changes=unit_changes(units, earlier),
        stages=stages,
        cells=cells,
        best=best_performers(cells, {u.id: u.name for u in units}),
        stage=chosen,
        stage_goals=[g for g in goals if chosen and g.stage_id == chosen.id],
        stage_metrics=[m for m in metrics if chosen and m.stage_id == chosen.id],
    )


def _wanted(unit_ids: Sequence[str] | None) -> Any:
    chosen = None if unit_ids is None else set(unit_ids)
    return lambda unit_id: chosen is None or unit_id in chosen


def compare_units(
    scores: list[TeamScore], config: ScoringConfig | None = None
) -> list[UnitComparison]:
    """Each unit's roll-up (from `scoring.rollup`) with its teams' mean components."""
    members: dict[str, list[TeamScore]] = defaultdict(list)
    for score in scores:
        members[score.business_unit_id].append(score)
    return [
        UnitComparison(
            id=unit.id,
            name=unit.name,
            kind=unit.kind,
            alignment=unit.alignment,
            accountability=unit.accountability,
            teams=unit.teams,
            components=mean_components(scores if unit.kind == "company" else members[unit.id]),
            mix=unit.mix,
        )
        for unit in rollup(scores, config)
    ]


def mean_components(scores: Iterable[TeamScore]) -> dict[str, float | None]:
    """Per component, the mean over the teams where it is defined (None where none is)."""
    teams = list(scores)
    result: dict[str, float | None] = {}
    for name in COMPONENTS:
        values = [v for s in teams if (v := s.components[name]) is not None]
        result[name] = fmean(values) if values else None
    return result


def unit_changes(now: list[UnitComparison], then: list[UnitComparison]) -> list[UnitChange]:
    """Pair each unit now with itself at the earlier date (None when it did not exist)."""
    earlier = {u.id: u for u in then}
    return [UnitChange(u.id, u.name, u, earlier.get(u.id)) for u in now]


def stage_goals(rows: list[dict[str, Any]], health: dict[str, GoalHealthResult]) -> list[StageGoal]:
    """Stage-goal rows joined with each goal's health."""
    result = []
    for row in rows:
        found = health.get(row["goal_id"])
        result.append(
            StageGoal(
                stage_id=row["stage_id"],
                goal_id=row["goal_id"],
                title=row["title"],
                team=row["team"],
                business_unit_id=row["business_unit_id"],
                business_unit=row["business_unit"],
                owner=row["owner"],
                health=found.health if found else "no_data",
                pace=found.pace if found else None,
            )
        )
    return result


def goal_score(goal: StageGoal) -> float | None:
    """What a goal counts for a best performer: 1 when achieved, else its pace."""
    return 1.0 if goal.health == "achieved" else goal.pace


def stage_cells(goals: list[StageGoal]) -> dict[tuple[str, str], StageCell]:
    """Group goals by (stage, unit) into cells of the heat-map."""
    grouped: dict[tuple[str, str], list[StageGoal]] = defaultdict(list)
    for goal in goals:
        grouped[(goal.stage_id, goal.business_unit_id)].append(goal)
    return {key: _cell(key, members) for key, members in grouped.items()}


def _cell(key: tuple[str, str], goals: list[StageGoal]) -> StageCell:
    paces = [p for p in (goal_score(g) for g in goals) if p is not None]
    counts: dict[str, int] = defaultdict(int)
    for goal in goals:
        counts[goal.health] += 1
    return StageCell(
        stage_id=key[0],
        business_unit_id=key[1],
        goals=len(goals),
        paced=len(paces),
        health=worst_health(g.health for g in goals),
        mean_pace=fmean(paces) if paces else None,
        counts=dict(counts),
    )


def best_performers(
    cells: dict[tuple[str, str], StageCell], unit_names: dict[str, str]
) -> dict[str, BestPerformer]:
    """Per stage, the unit with the highest mean goal pace (ties: more paced goals, then name).

    Only stages where at least `MIN_CONTENDERS` units have a goal with a pace have one.
    """
    by_stage: dict[str, list[StageCell]] = defaultdict(list)
    for cell in cells.values():
        if cell.mean_pace is not None and cell.business_unit_id in unit_names:
            by_stage[cell.stage_id].append(cell)
    best = {}
    for stage_id, contenders in by_stage.items():
        if len(contenders) < MIN_CONTENDERS:
            continue
        top = min(
            contenders,
            key=lambda c: (-(c.mean_pace or 0.0), -c.paced, unit_names[c.business_unit_id]),
        )
        best[stage_id] = BestPerformer(
            stage_id=stage_id,
            business_unit_id=top.business_unit_id,
            business_unit=unit_names[top.business_unit_id],
            mean_pace=float(top.mean_pace or 0.0),
            contenders=len(contenders),
        )
    return best


def shared_metric_names_by_stage(metrics: Iterable[StageMetric]) -> dict[str, set[str]]:
    """Per stage, the names of the metrics that two or more units track there."""
    units: dict[tuple[str, str], set[str]] = defaultdict(set)
    for metric in metrics:
        units[(metric.stage_id, metric.name)].add(metric.business_unit_id)
    shared: dict[str, set[str]] = defaultdict(set)
    for (stage_id, name), found in units.items():
        if len(found) >= 2:
            shared[stage_id].add(name)
    return shared


def default_stage(
    stages: list[Stage], cells: dict[tuple[str, str], StageCell], metrics: list[StageMetric]
) -> Stage | None:
    """The stage most worth comparing: most shared metric names, then most units there."""
    if not stages:
        return None
    shared = shared_metric_names_by_stage(metrics)
    units: dict[str, int] = defaultdict(int)
    for stage_id, _unit in cells:
        units[stage_id] += 1

    def weight(stage: Stage) -> tuple[int, int]:
        return (len(shared[stage.id]), units[stage.id])

    return max(stages, key=weight)  # max keeps the first of equals: journey order


def metric_progress(metrics: list[StageMetric]) -> dict[str, dict[str, float | None]]:
    """Metric name -> unit id -> mean progress toward target (None: no progress known)."""
    grouped: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for metric in metrics:
        values = grouped[metric.name][metric.business_unit_id]
        if metric.progress is not None:
            values.append(metric.progress)
    return {
        name: {unit: (fmean(v) if v else None) for unit, v in units.items()}
        for name, units in grouped.items()
    }


# -- reading -------------------------------------------------------------------------------


def business_units(db: Database) -> dict[str, str]:
    """Every business unit, id -> name, ordered by name."""
    return {row["id"]: row["name"] for row in db.rows(_UNITS)}


def stages(db: Database, journey_id: str | None = None) -> list[Stage]:
    """The stages of one journey (or all), in journey order."""
    return db.read(lambda con: _stages(con, journey_id))


def journey_of(db: Database, stage_id: str) -> str | None:
    """The journey a stage belongs to (None for an unknown stage)."""
    rows = db.rows("SELECT journey_id FROM stages WHERE id = ?", [stage_id])
    return rows[0]["journey_id"] if rows else None


def _stages(con: Connection, journey_id: str | None) -> list[Stage]:
    return [Stage(**row) for row in run(con, _STAGES, {"journey": journey_id})]


def _stage(con: Connection, stage_id: str | None) -> Stage | None:
    if not stage_id:
        return None
    found = [s for s in _stages(con, None) if s.id == stage_id]
    return found[0] if found else None


def _stage_metrics(con: Connection, shown: dict[str, Any]) -> list[StageMetric]:
    rows = run(con, _STAGE_METRICS, shown)
    return [StageMetric(**{k: v for k, v in row.items() if k != "direction"}) for row in rows]


# -- helpers -------------------------------------------------------------------------------


def _value(unit: UnitComparison, name: str) -> float | None:
    if name in ("alignment", "accountability"):
        return float(getattr(unit, name))
    return unit.components.get(name)


def _difference(now: float | None, then: float | None) -> float | None:
    if now is None or then is None:
        return None
    return now - then


def percent(value: float | None) -> float | None:
    """A 0–1 fraction as 0–100 rounded to one decimal, for display (None stays None)."""
    return None if value is None else round(100 * value, 1)


def one_decimal(value: float | None) -> float | None:
    """A score rounded to one decimal, for display only."""
    return None if value is None else round(value, 1)


# -- export --------------------------------------------------------------------------------


def comparison_sheets(
    comparison: Comparison, notes: Sequence[Any] = ()
) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """The comparison as named sheets of rows (scores shown 0–100, one decimal)."""
    return [
        _units_sheet(comparison),
        _changes_sheet(comparison),
        _matrix_sheet(comparison),
        _best_sheet(comparison),
        _stage_goals_sheet(comparison),
        _stage_metrics_sheet(comparison),
        _notes_sheet(notes),
    ]


def export_comparison(path: str | Path, comparison: Comparison, notes: Sequence[Any] = ()) -> Path:
    """Write the comparison (and the notes given) to an .xlsx; user text stays inert."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(target, iter(comparison_sheets(comparison, notes)))
    return target


def comparison_workbook(comparison: Comparison, notes: Sequence[Any] = ()) -> bytes:
    """The comparison export as .xlsx bytes, for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        return export_comparison(Path(folder) / "comparison.xlsx", comparison, notes).read_bytes()


def _units_sheet(c: Comparison) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    header = ["business_unit", "alignment", "accountability", "teams"]
    header += [f"teams_{q}" for q in QUADRANT_ORDER] + list(COMPONENTS)
    rows = [
        (
            u.name,
            one_decimal(u.alignment),
            one_decimal(u.accountability),
            u.teams,
            *(len(u.mix.get(q, ())) for q in QUADRANT_ORDER),
            *(percent(u.components[n]) for n in COMPONENTS),
        )
        for u in ([*c.units, c.company] if c.company else c.units)
    ]
    return ("units", header, rows)


def _changes_sheet(c: Comparison) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    names = ["alignment", "accountability", *COMPONENTS]
    header = ["business_unit", "since", "quadrants_then", "quadrants_now"]
    header += [f"{n}_change" for n in names]
    rows = []
    for change in c.changes:
        then = mix_text(change.then.mix) if change.then else None
        deltas = [
            one_decimal(change.delta(n)) if n in names[:2] else percent(change.delta(n))
            for n in names
        ]
        rows.append((change.name, c.since, then, mix_text(change.now.mix), *deltas))
    return ("change", header, rows)


def _matrix_sheet(c: Comparison) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    header = ["journey", "position", "stage", *(u.name for u in c.units)]
    rows = []
    for stage in c.stages:
        cells = [c.cell(stage.id, u.id) for u in c.units]
        rows.append(
            (
                stage.journey,
                stage.position,
                stage.name,
                *(f"{x.health} ({x.goals} goals)" if x else None for x in cells),
            )
        )
    return ("stage_health", header, rows)


def _best_sheet(c: Comparison) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    header = ["journey", "stage", "best_performer", "mean_goal_pace", "units_with_data"]
    rows = [
        (s.journey, s.name, b.business_unit, percent(b.mean_pace), b.contenders)
        for s in c.stages
        if (b := c.best.get(s.id))
    ]
    return ("best_performers", header, rows)


def _stage_goals_sheet(c: Comparison) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    header = ["stage", "business_unit", "team", "goal", "owner", "health", "pace"]
    stage = c.stage.name if c.stage else None
    rows = [
        (stage, g.business_unit, g.team, g.title, g.owner, g.health, percent(g.pace))
        for g in c.stage_goals
    ]
    return ("stage_goals", header, rows)


def _stage_metrics_sheet(c: Comparison) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    header = ["stage", "metric", "unit_of_measure", "business_unit", "team", "baseline"]
    header += ["target", "latest", "read_on", "progress", "pace"]
    stage = c.stage.name if c.stage else None
    rows = [
        (
            stage,
            m.name,
            m.unit,
            m.business_unit,
            m.team,
            m.baseline,
            m.target,
            m.latest,
            m.read_on,
            percent(m.progress),
            percent(m.pace),
        )
        for m in c.stage_metrics
    ]
    return ("stage_metrics", header, rows)


def _notes_sheet(notes: Sequence[Any]) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    header = ["created_on", "business_unit", "stage", "author", "title", "body", "tags"]
    rows = [
        (n.created_on, n.business_unit, n.stage, n.author, n.title, n.body, "; ".join(n.tags))
        for n in notes
    ]
    return ("notes", header, rows)


__all__ = [
    "COMPONENT_LABELS",
    "BestPerformer",
    "Comparison",
    "Stage",
    "StageCell",
    "StageGoal",
    "StageMetric",
    "UnitChange",
    "UnitComparison",
    "best_performers",
    "build_comparison",
    "business_units",
    "compare_units",
    "default_stage",
    "shared_metric_names_by_stage",
    "comparison_workbook",
    "export_comparison",
    "goal_score",
    "mean_components",
    "metric_progress",
    "stages",
    "unit_changes",
    "worst_health",
]
