"""The derived scoring tables follow every write that changes the organisation's shape."""

from __future__ import annotations

import duckdb
import pytest

from cxos.identity import audit
from cxos.storage import Database, structure
from cxos.work.team_edits import _save_on, save_goal, save_metric, set_goal_links
from tests.old_schema import undo_goal_objectives
from tests.test_scoring_signals import signals
from tests.test_scoring_support import Org, component

pytestmark = pytest.mark.both_stores


def _two_owners_of_one_stage() -> Org:
    """t1 and t2 both own stage s1; t1's goal g1 is linked to no stage yet."""
    org = Org().stage("s1", 1).stage("s2", 2)
    org.touchpoint("tp1", "s1", "t1").touchpoint("tp2", "s1", "t2").touchpoint("tp3", "s2", "t2")
    org.goal("g1", "t1")
    org.goal("g2", "t2", stages=("s2",))
    return org


def test_linking_a_goal_from_the_heads_form_moves_scores_and_signals_at_once(db, load):
    load(db, _two_owners_of_one_stage().rows)
    assert component(db, "t1", "l2_line_of_sight") == 0.0
    assert component(db, "t1", "l3_coverage") == 0.0
    assert signals(db, "unbridged_stage") == ["s1"]

    set_goal_links(db, "p_t1", "g1", stage_ids=["s1"], contributor_ids=["t2"])

    # g1 now ladders up and is linked (L2), covers t1's touchpoint (L3) and brings both
    # owners of s1 together (L4, and the stage is no longer unbridged).
    assert component(db, "t1", "l2_line_of_sight") == 1.0
    assert component(db, "t1", "l3_coverage") == 1.0
    assert component(db, "t2", "l4_bridging") == 1.0
    assert signals(db, "unbridged_stage") == []
    assert db.read(structure.stale_tables) == []


@pytest.mark.file_store
def test_a_write_logged_only_as_check_ins_leaves_the_shape_alone(db, load):
    """Check-ins, readings and the like do not rebuild the tables; so a (wrong) write that
    changes a goal's links but logs only a check-in leaves them stale, and every scoring
    query, checked as in the test suite, refuses to answer."""
    load(db, _two_owners_of_one_stage().rows)

    def sneaky(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("INSERT INTO goal_stages (goal_id, stage_id) VALUES ('g1', 's1')")
        audit.record(con, "p_t1", "insert", "check_ins", "1", "progress", None, 50)

    db.write(sneaky)
    assert "score_goals" in db.read(structure.stale_tables)
    with pytest.raises(AssertionError, match="derived scoring tables out of date: score_goals"):
        component(db, "t1", "l2_line_of_sight")


def test_a_write_the_audit_log_does_not_describe_rebuilds_the_shape(db, load):
    load(db, _two_owners_of_one_stage().rows)
    db.write(
        lambda con: con.execute("INSERT INTO goal_stages (goal_id, stage_id) VALUES ('g1', 's1')")
    )
    assert db.read(structure.stale_tables) == []
    assert component(db, "t1", "l2_line_of_sight") == 1.0


def test_a_write_that_fails_leaves_the_shape_as_it_was(db, load):
    load(db, _two_owners_of_one_stage().rows)

    def fails(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("INSERT INTO goal_stages (goal_id, stage_id) VALUES ('g1', 's1')")
        raise RuntimeError("cut off half-way")

    with pytest.raises(RuntimeError):
        db.write(fails)
    assert db.read(structure.stale_tables) == []
    assert component(db, "t1", "l2_line_of_sight") == 0.0


@pytest.mark.parametrize(
    ("undone", "dropped"),
    [
        (
            ("0004_scoring_structure", "0005_latest_values_and_owner_names"),
            (*structure.SHAPE, *structure.ADDED_0005, "score_structure"),
        ),
        (("0005_latest_values_and_owner_names",), structure.ADDED_0005),
    ],
    ids=["before 0004", "before 0005"],
)
def test_a_database_from_before_the_tables_gains_them_filled(tmp_path, load, undone, dropped):
    """A file made before migration 0004 (or 0005) opens with the tables derived from its
    rows."""
    path = tmp_path / "old.duckdb"
    first = Database(path)
    org = _two_owners_of_one_stage()
    org.metric("m1", "g2").reading("m1", -3, 40.0).reading("m1", -1, 55.0)
    org.action("a1", "g2", "t2").check_in("a1", -2)
    load(first, org.rows)
    first.close()
    con = duckdb.connect(str(path))
    undo_goal_objectives(con)  # as every database made before 0004 also was
    for name in dropped:
        con.execute(f"DROP TABLE {name}")
    con.execute("DELETE FROM schema_migrations WHERE list_contains(?, name)", [list(undone)])
    con.close()

    reopened = Database(path)
    assert reopened.read(structure.stale_tables) == []
    assert reopened.scalar("SELECT count(*) FROM score_goals") == 2
    assert reopened.scalar("SELECT value FROM score_latest_readings WHERE metric_id = 'm1'") == 55
    assert reopened.scalar("SELECT count(last_checked_on) FROM score_actions") == 1
    assert component(reopened, "t2", "l2_line_of_sight") == 1.0


def test_dropping_a_goal_from_the_heads_form_takes_it_out_of_every_derived_table(db, load):
    load(db, _two_owners_of_one_stage().rows)
    set_goal_links(db, "p_t1", "g1", stage_ids=["s1"], contributor_ids=["t2"])
    assert signals(db, "unbridged_stage") == []
    goal = db.rows("SELECT * FROM goals WHERE id = 'g1'")[0]
    row = {k: goal[k] for k in ("id", "title", "team_id", "owner_id")}
    save_goal(
        db,
        "p_t1",
        {
            **row,
            "start_date": goal["start_date"],
            "end_date": goal["end_date"],
            "status": "dropped",
        },
    )

    assert db.scalar("SELECT count(*) FROM score_goals WHERE id = 'g1'") == 0
    assert db.scalar("SELECT count(*) FROM score_owner_goals WHERE goal_id = 'g1'") == 0
    assert signals(db, "unbridged_stage") == ["s1"]
    assert db.read(structure.stale_tables) == []


def _without_target(db: Database, metric_id: str) -> dict:
    row = db.rows(
        "SELECT id, goal_id, name, unit, direction, baseline, target, cadence_days "
        "FROM metrics WHERE id = ?",
        [metric_id],
    )[0]
    return {**row, "target": None}


@pytest.mark.file_store
def test_two_overlapping_edits_cannot_both_commit_a_derivation_that_misses_the_other(db, load):
    """Two heads clear the targets of a goal's two metrics at the same moment. Each
    transaction alone still sees the other metric measured, so neither would change the
    goal's derived row; the second refresh conflicts instead, and retried, it derives from
    what the first committed: the goal is no longer measured."""
    org = Org().stage("s1", 1).touchpoint("tp1", "s1", "t1")
    org.goal("g1", "t1").metric("m1", "g1").metric("m2", "g1")
    load(db, org.rows)
    first, second = _without_target(db, "m1"), _without_target(db, "m2")
    with db.connect() as one, db.connect() as two:
        one.execute("BEGIN TRANSACTION")
        two.execute("BEGIN TRANSACTION")
        marks = structure.audit_mark(one), structure.audit_mark(two)
        _save_on(one, "p_t1", "metrics", first, None)
        _save_on(two, "p_t1", "metrics", second, None)
        structure.refresh_after(one, marks[0])
        with pytest.raises(duckdb.TransactionException):
            structure.refresh_after(two, marks[1])
        two.execute("ROLLBACK")
        one.execute("COMMIT")
    save_metric(db, "p_t1", second)  # the retry

    assert db.scalar("SELECT measured FROM score_goals WHERE id = 'g1'") is False
    assert component(db, "t1", "a1_ownership") == 0.0
