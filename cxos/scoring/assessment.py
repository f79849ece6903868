"""Every team's scores and every silo signal as of a date.

The steering pages, the review meetings and the benchmarks need both at once. The two
statements share little (the latest readings and check-ins are kept derived, cxos/storage/
structure.py), and each alone keeps a machine's cores only partly busy, so `assess` runs
them side by side on two connections: three quarters of the time of one after the other
(docs/performance.md). It takes them as one answer only when both read the same data
version; when a write landed in between, it reads both again from one snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from cxos.scoring.config import ScoringConfig
from cxos.scoring.results import Signal, TeamScore
from cxos.scoring.scores import scores_on
from cxos.scoring.signals import signals_on
from cxos.storage import Connection, Database
from cxos.storage.version import versioned

T = TypeVar("T")

# Threads for the signals half of an assessment (the caller's thread computes the scores).
_SIDE = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cxos-signals")


@dataclass(frozen=True)
class Assessment:
    """Scores (by team id) and signals (by kind, then subject) read from one snapshot."""

    as_of: dt.date
    scores: list[TeamScore]
    signals: list[Signal]


def assess(db: Database, as_of: dt.date, config: ScoringConfig | None = None) -> Assessment:
    """Every team's scores and every silo signal as of `as_of`."""
    config = config or ScoringConfig.load()

    def read(fn: Callable[[Connection, dt.date, ScoringConfig], T]) -> tuple[int, T]:
        return db.read(lambda con: versioned(con, lambda c: fn(c, as_of, config)), reuse=True)

    pending = _SIDE.submit(read, signals_on)
    version, scores = read(scores_on)
    signals_version, signals = pending.result()
    if signals_version != version:
        return read(assess_on)[1]
    return Assessment(as_of, scores, signals)


def assess_on(con: Connection, as_of: dt.date, config: ScoringConfig) -> Assessment:
    """`assess` on an open connection (e.g. inside a write transaction)."""
    return Assessment(as_of, scores_on(con, as_of, config), signals_on(con, as_of, config))
