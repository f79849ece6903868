"""`assess` reads scores and signals side by side, yet answers from one data version."""

from __future__ import annotations

import threading

import duckdb
import pytest

from cxos.identity import audit
from cxos.scoring import assess, assessment
from cxos.scoring.config import ScoringConfig
from cxos.storage import version
from tests.test_scoring_support import D, Org, days


def _survey(con: duckdb.DuckDBPyConnection) -> None:
    """t1's first pulse survey, logged like every accepted write."""
    con.execute(
        "INSERT INTO pulse_responses VALUES ('t1', ?, 'understand_goals', 5, 8)", [days(-1)]
    )
    audit.record(con, "p_t1", "create", "pulse_responses", "t1", "score", None, 5)


def test_a_write_between_the_two_reads_is_in_both_or_in_neither(db, load, monkeypatch):
    """The signals are read first, then a survey is recorded, then the scores: the pair
    read different versions, so `assess` reads both again, and its scores and signals
    agree (L1 counts the survey and t1 is no longer a team without one)."""
    load(db, Org().stage("s1", 1).touchpoint("tp1", "s1", "t1").goal("g1", "t1").rows)
    real = version.versioned
    signals_read = threading.Event()

    def racing(con: duckdb.DuckDBPyConnection, fn):  # type: ignore[no-untyped-def]
        if threading.current_thread().name.startswith("cxos-signals"):
            found = real(con, fn)
            db.write(_survey)
            signals_read.set()
            return found
        assert signals_read.wait(10)
        return real(con, fn)

    monkeypatch.setattr(assessment, "versioned", racing)
    found = assess(db, D, ScoringConfig())

    assert found.scores[0].components["l1_understanding"] == 1.0
    assert ("no_pulse", "t1") not in {(s.signal, s.subject_id) for s in found.signals}


def test_without_writes_the_two_reads_are_taken_as_they_are(db, load, monkeypatch):
    load(db, Org().stage("s1", 1).touchpoint("tp1", "s1", "t1").goal("g1", "t1").rows)
    monkeypatch.setattr(
        assessment, "assess_on", lambda *a: pytest.fail("read again with nothing written")
    )
    found = assess(db, D, ScoringConfig())
    assert found.scores[0].components["l1_understanding"] == 0.0
    assert ("no_pulse", "t1") in {(s.signal, s.subject_id) for s in found.signals}
