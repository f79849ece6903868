"""Every team's scores and every silo signal as of a date, in one pass.

The steering pages, the review meetings and the benchmarks need both at once; asked
together, the two share every scan of readings and check-ins and the organisation's
structure (`sql.assessment_sql`), which costs about two thirds of asking for each in turn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cxos.config import ScoringConfig
from cxos.scoring import sql
from cxos.scoring.models import Signal, TeamScore
from cxos.scoring.query import run
from cxos.scoring.scores import team_score_from
from cxos.scoring.signals import signal_from
from cxos.storage import Connection, Database


@dataclass(frozen=True)
class Assessment:
    """Scores (by team id) and signals (by kind, then subject) read from one snapshot."""

    as_of: dt.date
    scores: list[TeamScore]
    signals: list[Signal]


def assess(db: Database, as_of: dt.date, config: ScoringConfig | None = None) -> Assessment:
    """Every team's scores and every silo signal as of `as_of`."""
    return db.read(lambda con: assess_on(con, as_of, config or ScoringConfig.load()))


def assess_on(con: Connection, as_of: dt.date, config: ScoringConfig) -> Assessment:
    """`assess` on an open connection (e.g. inside a write transaction)."""
    rows = run(con, sql.assessment_sql(), sql.parameters(as_of, config, check_ins="for_signals"))
    return Assessment(
        as_of,
        [team_score_from(r, config) for r in rows if r["section"] == "team"],
        [signal_from(r) for r in rows if r["section"] == "signal"],
    )
