"""Score snapshots: every team's scores as of a date, stored for trends and reviews.

A snapshot is computed and stored in one write transaction, so it reflects exactly the data
committed at that moment; taking one again for the same date replaces it. Trends read
snapshots where they exist and recompute the other dates, which is exact because scores
only use data dated on or before their date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cxos.scoring.config import COMPONENTS, ScoringConfig
from cxos.scoring.results import TeamScore
from cxos.scoring.scores import compute_scores, scores_on
from cxos.storage import Connection, Database

_COLUMNS = ("as_of", "team_id", "alignment", "accountability", "quadrant", *COMPONENTS)
_INSERT = (
    f"INSERT OR REPLACE INTO score_snapshots ({', '.join(_COLUMNS)}, taken_at) "
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
    return db.write(lambda con: _store(con, as_of, actor_id, config))


def _store(
    con: Connection, as_of: dt.date, actor_id: str | None, config: ScoringConfig
) -> list[TeamScore]:
    # Imported here: reading scores (the command line's `scores`) must not pay for the
    # audit trail's models, which only a write needs.
    from cxos.identity import audit

    scores = scores_on(con, as_of, config)
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
