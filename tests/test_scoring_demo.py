"""The demo company tells the whole story: every quadrant and every silo signal occurs."""

from __future__ import annotations

import datetime as dt

from cxos import demo
from cxos.config import ScoringConfig
from cxos.scoring import SIGNAL_KINDS, assess, compute_scores, compute_signals, goal_health

AS_OF = dt.date(2025, 3, 31)


def test_demo_company_shows_all_quadrants_signals_and_healths(db):
    demo.load(db, as_of=AS_OF)
    config = ScoringConfig()
    quadrants = {s.quadrant for s in compute_scores(db, AS_OF, config)}
    assert quadrants == {"performing", "aspirational", "compliant", "siloed"}
    assert {s.signal for s in compute_signals(db, AS_OF, config)} == set(SIGNAL_KINDS)
    assert {h.health for h in goal_health(db, AS_OF, config).values()} >= {
        "on_track",
        "at_risk",
        "off_track",
        "no_data",
        "achieved",
    }


def test_assessing_at_once_gives_the_scores_and_signals_asked_for_apart(db):
    """`assess` computes both in one statement; at the demo's date, a year before and a
    month after, it gives exactly what `compute_scores` and `compute_signals` give."""
    demo.load(db, as_of=AS_OF)
    config = ScoringConfig()
    for day in (AS_OF, AS_OF - dt.timedelta(days=365), AS_OF + dt.timedelta(days=30)):
        found = assess(db, day, config)
        assert found.scores == compute_scores(db, day, config)
        assert found.signals == compute_signals(db, day, config)
        assert found.signals and len(found.scores) == 16
