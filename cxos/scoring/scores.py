"""Team scores, quadrants and roll-ups as of a date.

The numbers come from one set-based query over the whole organisation (`sql.scores_sql`);
this module only shapes its rows into `TeamScore`s and classifies them. The quadrant rule
lives here, once, and serves teams and roll-ups alike.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from operator import itemgetter
from statistics import fmean
from typing import Any

from cxos.model.vocabulary import Quadrant
from cxos.scoring import sql
from cxos.scoring.config import COMPONENTS, ScoringConfig
from cxos.scoring.query import run_tuples
from cxos.scoring.results import TeamScore, UnitScore
from cxos.storage import Connection, Database

COMPANY_ID = "*"


def quadrant(alignment: float, accountability: float, config: ScoringConfig) -> Quadrant:
    """Which quadrant unrounded scores fall in."""
    aligned = alignment >= config.aligned_threshold
    accountable = accountability >= config.accountable_threshold
    if aligned and accountable:
        return "performing"
    if aligned:
        return "aspirational"
    if accountable:
        return "compliant"
    return "siloed"


def compute_scores(
    db: Database, as_of: dt.date, config: ScoringConfig | None = None
) -> list[TeamScore]:
    """Every team's scores and components as of `as_of`, ordered by team id."""
    return db.read(lambda con: scores_on(con, as_of, config or ScoringConfig.load()), reuse=True)


def scores_on(con: Connection, as_of: dt.date, config: ScoringConfig) -> list[TeamScore]:
    """`compute_scores` on an open connection (e.g. inside a write transaction)."""
    columns, rows = run_tuples(con, sql.scores_sql(), sql.parameters(as_of, config))
    # Fields by position, not rows as dicts: a thousand teams' rows, a third of the time.
    names = itemgetter(*(columns.index(name) for name in _NAMES))
    first = columns.index(COMPONENTS[0])
    components = slice(first, first + len(COMPONENTS))
    if tuple(columns[components]) != COMPONENTS:  # rows are built by position below
        raise AssertionError(f"score columns {columns} differ from {COMPONENTS}")
    return [_team_score(names(row), row[components], config) for row in rows]


def team_score_from(row: dict[str, Any], config: ScoringConfig) -> TeamScore:
    """A `TeamScore` from a row of `sql.scores_sql` (a team's names, components, scores)."""
    names = tuple(row[name] for name in _NAMES)
    return _team_score(names, tuple(row[name] for name in COMPONENTS), config)


# What a score row carries besides the components (sql.TEAM_SCORES), as `_team_score` takes
# it: A1's denominator is the number of the team's in-scope goals (A1's items).
_NAMES = (
    "subject",
    "team",
    "business_unit_id",
    "business_unit",
    "alignment",
    "accountability",
    "a1_ownership_denominator",
)


def _team_score(
    names: tuple[Any, ...], components: tuple[float | None, ...], config: ScoringConfig
) -> TeamScore:
    team_id, team, unit_id, unit, alignment, accountability, goals = names
    # Positional, in TeamScore's order: keywords cost a third more for a thousand teams.
    return TeamScore(
        team_id,
        team,
        unit_id,
        unit,
        float(alignment),
        float(accountability),
        quadrant(alignment, accountability, config),
        dict(zip(COMPONENTS, components)),  # noqa: B905 (a slice of COMPONENTS' length)
        int(goals),
    )


def rollup(scores: list[TeamScore], config: ScoringConfig | None = None) -> list[UnitScore]:
    """Business units (by name) then the company: unweighted means of their teams' scores,
    and how many of their teams sit in each quadrant (`config` is kept for callers)."""
    units: dict[tuple[str, str], list[TeamScore]] = defaultdict(list)
    for score in scores:
        units[(score.business_unit_id, score.business_unit)].append(score)
    rows = [
        _unit(unit_id, name, "business_unit", members)
        for (unit_id, name), members in sorted(units.items(), key=lambda kv: kv[0][1])
    ]
    if scores:
        rows.append(_unit(COMPANY_ID, "Company", "company", scores))
    return rows


QUADRANT_ORDER: tuple[Quadrant, ...] = ("performing", "aspirational", "compliant", "siloed")


def quadrant_mix(members: list[TeamScore]) -> dict[Quadrant, tuple[str, ...]]:
    """Team names per quadrant, every quadrant present (best first), names sorted."""
    return {
        name: tuple(sorted(s.team for s in members if s.quadrant == name))
        for name in QUADRANT_ORDER
    }


def _unit(unit_id: str, name: str, kind: str, members: list[TeamScore]) -> UnitScore:
    return UnitScore(
        id=unit_id,
        name=name,
        kind=kind,
        alignment=fmean(s.alignment for s in members),
        accountability=fmean(s.accountability for s in members),
        teams=len(members),
        mix=quadrant_mix(members),
    )
