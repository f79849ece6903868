"""Score snapshots: every team's scores as of a date, stored for trends and reviews.

A snapshot is computed by a read of the committed data and stored by one write
transaction (on PostgreSQL, scoring runs on the process's mirror, never in a write); taking
one again for the same date replaces it. Trends read snapshots where they exist and
recompute the other dates, which is exact because scores only use data dated on or before
their date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from cxos.scoring.config import COMPONENTS, ScoringConfig
from cxos.scoring.results import TeamScore, UnitScore
from cxos.scoring.scores import compute_scores, rollup, scores_on, team_score_from
from cxos.storage import Connection, Database

_COLUMNS = ("as_of", "team_id", "alignment", "accountability", "quadrant", *COMPONENTS)
_INSERT = (
    f"INSERT INTO score_snapshots ({', '.join(_COLUMNS)}, taken_at) "
    f"VALUES ({', '.join('?' for _ in _COLUMNS)}, current_timestamp)"
)

TrendPoint = tuple[dt.date, float, float]


def take_snapshot(
    db: Database,
    as_of: dt.date,
    actor_id: str | None = None,
    config: ScoringConfig | None = None,
) -> list[TeamScore]:
    """Compute and store every team's scores as of `as_of`; returns what was stored."""
    config = config or ScoringConfig.load()
    # Worked out by a read (on PostgreSQL, scoring runs on the mirror), then stored.
    scores = db.read(lambda con: scores_on(con, as_of, config), reuse=True)
    return db.write(lambda con: store_snapshot_on(con, as_of, scores, actor_id))


def store_snapshot_on(
    con: Connection, as_of: dt.date, scores: list[TeamScore], actor_id: str | None
) -> list[TeamScore]:
    """Store scores already computed as of `as_of` (in the caller's transaction) as that
    date's snapshot, replacing any; a review meeting stores what it froze this way."""
    # Imported here: reading scores (the command line's `scores`) must not pay for the
    # audit trail's models, which only a write needs.
    from cxos.identity import audit

    con.execute("DELETE FROM score_snapshots WHERE as_of = ?", [as_of])
    if scores:
        con.executemany(_INSERT, [_row(as_of, s) for s in scores])
    audit.record(
        con,
        actor_id,
        "snapshot",
        "score_snapshots",
        as_of.isoformat(),
        None,
        None,
        f"{len(scores)} teams",
    )
    return scores


def _row(as_of: dt.date, score: TeamScore) -> list[object]:
    parts = [score.components[name] for name in COMPONENTS]
    return [as_of, score.team_id, score.alignment, score.accountability, score.quadrant, *parts]


def snapshot_dates(db: Database) -> list[dt.date]:
    """The dates that have a stored snapshot, oldest first."""
    rows = db.rows("SELECT DISTINCT as_of FROM score_snapshots ORDER BY as_of")
    return [row["as_of"] for row in rows]


def score_trend(
    db: Database,
    team_id: str,
    dates: Iterable[dt.date],
    config: ScoringConfig | None = None,
) -> list[TrendPoint]:
    """(date, alignment, accountability) of a team per date: stored, else recomputed."""
    wanted = sorted(set(dates))
    stored = _stored_points(db, team_id, wanted)
    points = []
    for day in wanted:
        if day in stored:
            points.append(stored[day])
            continue
        recomputed = [s for s in compute_scores(db, day, config) if s.team_id == team_id]
        if recomputed:
            points.append((day, recomputed[0].alignment, recomputed[0].accountability))
    return points


def _stored_points(db: Database, team_id: str, dates: list[dt.date]) -> dict[dt.date, TrendPoint]:
    if not dates:
        return {}
    rows = db.rows(
        "SELECT as_of, alignment, accountability FROM score_snapshots "
        "WHERE team_id = ? AND list_contains(?, as_of)",
        [team_id, dates],
    )
    return {r["as_of"]: (r["as_of"], r["alignment"], r["accountability"]) for r in rows}


# -- trends of the company and its units --------------------------------------------------

# A snapshot's team scores with the team's names, in the shape `team_score_from` reads.
_STORED_TEAMS = f"""
SELECT s.as_of, s.team_id AS subject, t.name AS team, t.business_unit_id,
    bu.name AS business_unit, s.alignment, s.accountability, 0 AS a1_ownership_denominator,
    {", ".join(f"s.{name}" for name in COMPONENTS)}
FROM score_snapshots s JOIN teams t ON t.id = s.team_id
JOIN business_units bu ON bu.id = t.business_unit_id
WHERE list_contains($dates, s.as_of) ORDER BY s.as_of, s.team_id"""


@dataclass(frozen=True, slots=True)
class UnitTrend:
    """The company's or a unit's mean alignment and accountability at each date."""

    id: str
    name: str
    kind: str  # 'business_unit' or 'company'
    points: tuple[TrendPoint, ...]


def quarter_ends(as_of: dt.date, quarters: int = 4) -> list[dt.date]:
    """The last days of the `quarters` quarters before `as_of`'s own, oldest first."""
    first = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)  # as_of's quarter
    ends = []
    for _ in range(quarters):
        end = first - dt.timedelta(days=1)
        ends.append(end)
        first = dt.date(end.year, end.month - 2, 1)
    return sorted(ends)


def unit_trend_dates(as_of: dt.date, stored: Iterable[dt.date], quarters: int = 4) -> list[dt.date]:
    """Quarter ends of the last `quarters` quarters, the stored snapshot dates since the
    first of them, and `as_of` itself."""
    ends = quarter_ends(as_of, quarters)
    return sorted({*ends, as_of, *(d for d in stored if ends[0] <= d <= as_of)})


def unit_trends(
    db: Database, as_of: dt.date, quarters: int = 4, config: ScoringConfig | None = None
) -> list[UnitTrend]:
    """The company's and each unit's mean scores over the last `quarters` quarters.

    Dates with a snapshot use its stored team scores; the others are recomputed (exact:
    scores only use data dated on or before their date). The means are `rollup`'s, and a
    team counts in the unit it belongs to now.
    """
    config = config or ScoringConfig.load()
    dates = unit_trend_dates(as_of, snapshot_dates(db), quarters)
    by_date = _stored_scores(db, dates, config)
    series: dict[str, list[TrendPoint]] = {}
    names: dict[str, UnitScore] = {}
    for day in dates:
        scores = by_date.get(day) or compute_scores(db, day, config)
        for unit in rollup(scores, config):
            names[unit.id] = unit
            series.setdefault(unit.id, []).append((day, unit.alignment, unit.accountability))
    order = sorted(names.values(), key=lambda u: (u.kind == "company", u.name))
    return [UnitTrend(u.id, u.name, u.kind, tuple(series[u.id])) for u in order]


def _stored_scores(
    db: Database, dates: list[dt.date], config: ScoringConfig
) -> dict[dt.date, list[TeamScore]]:
    found: dict[dt.date, list[TeamScore]] = {}
    for row in db.rows(_STORED_TEAMS, {"dates": dates}):
        found.setdefault(row["as_of"], []).append(team_score_from(row, config))
    return found
