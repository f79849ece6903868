"""The six silo signals of SPEC.md as of a date, in one set-based query.

`orphan_touchpoint` reuses the L3 coverage items, so a touchpoint is an orphan exactly when
it pulls its owner's L3 down.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cxos.config import ScoringConfig
from cxos.scoring import sql
from cxos.scoring.models import Signal
from cxos.scoring.query import run
from cxos.storage import Connection, Database

SIGNAL_KINDS = (
    "unbridged_stage",
    "handoff_gap",
    "orphan_touchpoint",
    "unanswered_feedback",
    "stale_goal",
    "no_pulse",
)


def compute_signals(
    db: Database, as_of: dt.date, config: ScoringConfig | None = None
) -> list[Signal]:
    """Every silo signal as of `as_of`, ordered by kind (as in SPEC.md) then subject."""
    return db.read(lambda con: signals_on(con, as_of, config or ScoringConfig.load()))


def signals_on(con: Connection, as_of: dt.date, config: ScoringConfig) -> list[Signal]:
    """`compute_signals` on an open connection."""
    rows = run(con, sql.SIGNALS, sql.parameters(as_of, config, check_ins="for_signals"))
    return [signal_from(r) for r in rows]


def signal_from(row: dict[str, Any]) -> Signal:
    """A `Signal` from a row of `sql.SIGNALS`."""
    return Signal(row["signal"], row["subject_id"], row["detail"], tuple(row["team_ids"] or ()))
