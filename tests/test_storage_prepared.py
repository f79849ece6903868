"""Scoring reads hand their cursors on, and big statements run prepared on them
(prepared.py): what a user sees must not change, whether a statement runs prepared or not."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxos.demo import company as demo
from cxos.scoring import assess
from cxos.scoring.assessment import assess_on
from cxos.scoring.config import ScoringConfig
from cxos.storage import Connection, Database, prepared
from cxos.work.checkins_readings import record_reading

DAY = dt.date(2026, 5, 20)
HEAD = "p-bbcare-0"


@pytest.fixture
def company(db: Database) -> Database:
    demo.load(db, as_of=DAY)
    return db


def _unprepared(db: Database, day: dt.date):
    """`assess` on a cursor of its own, which never prepares (a write's)."""
    return db.session(lambda con: assess_on(con, day, ScoringConfig()))


def test_scores_and_signals_are_the_same_prepared_or_not_over_a_year(company: Database) -> None:
    config = ScoringConfig()
    for back in range(-30, 365, 45):
        day = DAY - dt.timedelta(days=back)
        assert assess(company, day, config) == _unprepared(company, day), day


def test_a_prepared_statement_sees_a_reading_recorded_since_it_was_prepared(
    company: Database,
) -> None:
    """The DuckDB bug this guards against: a prepared plan that kept what the table held
    when it was made (duckdb#23704) would show the scores from before the reading."""
    before = assess(company, DAY)
    assess(company, DAY)  # the statements are prepared on the cursors by now
    metric = company.scalar(
        "SELECT m.id FROM metrics m JOIN goals g ON g.id = m.goal_id "
        "WHERE g.team_id = 't-bbcare' AND m.target IS NOT NULL ORDER BY m.id LIMIT 1"
    )
    target = company.scalar("SELECT target FROM metrics WHERE id = ?", [metric])
    record_reading(company, HEAD, metric, target, on=DAY)
    after = assess(company, DAY)
    assert after.scores != before.scores
    assert after == _unprepared(company, DAY)


def test_a_read_that_fails_inside_a_transaction_does_not_spoil_the_next_read(
    db: Database,
) -> None:
    def fail(con: Connection) -> None:
        con.execute("BEGIN TRANSACTION")
        con.execute("SELECT * FROM no_such_table")

    with pytest.raises(Exception, match="no_such_table"):
        db.read(fail, reuse=True)
    # Handed on inside the failed transaction, the cursor would refuse every query.
    assert db.read(lambda con: con.execute("SELECT 41 + 1").fetchone(), reuse=True) == (42,)


def test_a_read_that_leaves_a_transaction_open_does_not_pin_the_next_read_to_its_snapshot(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside the test suite's checks, such a cursor is closed, not handed on."""
    monkeypatch.delenv("CXOS_VERIFY_STRUCTURE")
    db.write(lambda con: con.execute("INSERT INTO objectives (id, title) VALUES ('o1', 'One')"))

    def count(con: Connection) -> int:
        return con.execute("SELECT count(*) FROM objectives").fetchone()[0]

    def count_in_a_transaction_left_open(con: Connection) -> int:
        con.execute("BEGIN TRANSACTION")
        return count(con)

    assert db.read(count_in_a_transaction_left_open, reuse=True) == 1
    db.write(lambda con: con.execute("INSERT INTO objectives (id, title) VALUES ('o2', 'Two')"))
    assert db.read(count, reuse=True) == 2


def test_a_read_that_leaves_a_temporary_view_behind_is_caught(db: Database) -> None:
    with pytest.raises(AssertionError, match="temporary table or view"):
        db.read(lambda con: con.execute("CREATE TEMP VIEW leftover AS SELECT 1"), reuse=True)
    assert db.read(
        lambda con: con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = 'leftover'"
        ).fetchone(),
        reuse=True,
    ) == (0,)


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.text().filter(lambda s: "\x00" not in s),
)


@settings(max_examples=150, deadline=None)
@given(value=_VALUES)
def test_a_value_reaches_a_prepared_statement_as_it_would_a_plain_one(value) -> None:
    """EXECUTE takes literals: each value comes back equal, in the type a plain query
    with the value as a parameter gives."""
    sql = "SELECT $v AS v, typeof($v) AS type"
    con = duckdb.connect()
    try:
        cursor = con.cursor()
        prepared.adopt(cursor)
        plain = con.execute(sql, {"v": value}).fetchone()
        for _ in range(2):  # the second run is the prepared one
            got = prepared.execute(cursor, sql, {"v": value}).fetchone()
            assert got[1] == plain[1]
            if isinstance(value, float) and math.isnan(value):
                assert math.isnan(got[0])
            else:
                assert got[0] == plain[0]
        assert prepared.statement_name(sql) in _prepared_names(cursor)
    finally:
        con.close()


def test_a_statement_is_prepared_the_second_time_a_cursor_runs_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cursor used once pays nothing for preparing (outside the test suite's mode)."""
    monkeypatch.delenv("CXOS_VERIFY_STRUCTURE")
    sql = "SELECT $v + 1"
    con = duckdb.connect()
    try:
        cursor = con.cursor()
        prepared.adopt(cursor)
        seen = []
        for value in (1, 2, 3):
            assert prepared.execute(cursor, sql, {"v": value}).fetchone() == (value + 1,)
            seen.append(prepared.statement_name(sql) in _prepared_names(cursor))
        assert seen == [False, True, True]
        other = con.cursor()  # not adopted: a write's cursor, used once
        prepared.execute(other, sql, {"v": 1})
        prepared.execute(other, sql, {"v": 1})
        assert not _prepared_names(other)
    finally:
        con.close()


def test_parameters_named_like_keywords_reach_a_prepared_statement() -> None:
    sql = "SELECT $all + $limit"
    con = duckdb.connect()
    try:
        cursor = con.cursor()
        prepared.adopt(cursor)
        for _ in range(3):
            assert prepared.execute(cursor, sql, {"all": 40, "limit": 2}).fetchone() == (42,)
        assert prepared.statement_name(sql) in _prepared_names(cursor)
    finally:
        con.close()


def _prepared_names(cursor: Connection) -> set[str]:
    return {
        row[0] for row in cursor.execute("SELECT name FROM duckdb_prepared_statements()").fetchall()
    }
