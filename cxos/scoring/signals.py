"""The six silo signals of SPEC.md as of a date, in one set-based query.

`orphan_touchpoint` reuses the L3 coverage items, so a touchpoint is an orphan exactly when
it pulls its owner's L3 down.
"""

from __future__ import annotations

import datetime as dt

from cxos.scoring import sql
from cxos.scoring.config import ScoringConfig
from cxos.scoring.query import run_tuples
from cxos.scoring.results import Signal
from cxos.storage import Connection, Database

SIGNAL_KINDS = sql.SIGNAL_KINDS


def compute_signals(
    db: Database, as_of: dt.date, config: ScoringConfig | None = None
) -> list[Signal]:
    """Every silo signal as of `as_of`, ordered by kind (as in SPEC.md) then subject."""
    return db.read(lambda con: signals_on(con, as_of, config or ScoringConfig.load()), reuse=True)


def signals_on(con: Connection, as_of: dt.date, config: ScoringConfig) -> list[Signal]:
    """`compute_signals` on an open connection."""
    # Tuples, not dicts, and `_make`, not keywords: a big company has thousands of signals.
    _columns, rows = run_tuples(con, sql.SIGNALS, sql.parameters(as_of, config))
    make = Signal._make
    return [
        make((SIGNAL_KINDS[kind], subject, detail, (team,) if teams is None else tuple(teams)))
        for kind, subject, detail, teams, team in rows
    ]
