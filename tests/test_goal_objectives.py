"""Goals ladder up to several objectives (issue 24): migration 0013 keeps every link and
every score, bundles carry goal_objectives.csv (old ones their goals.csv objective_id),
and the heads' goal form sets them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
import streamlit as st

from cxos.bundle.exporter import export_folder
from cxos.bundle.importer import import_bundle
from cxos.demo import company
from cxos.model.errors import BundleError
from cxos.scoring import ScoringConfig, compute_scores
from cxos.scoring.scores import scores_on
from cxos.storage import Database
from cxos.work.team_edits import RowsRejected, save_goal
from tests.bundles import base_bundle, write_bundle
from tests.old_schema import undo_goal_objectives
from tests.pages import assert_ok, page_as
from tests.sample import load_sample
from tests.test_cli_work import listed
from tests.test_scoring_support import component

pytestmark = pytest.mark.both_stores

DAY = dt.date(2026, 11, 23)
DATES = (DAY, DAY - dt.timedelta(days=120), DAY - dt.timedelta(days=400))


def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


def _links(db: Database) -> set[tuple[str, str]]:
    rows = db.rows("SELECT goal_id, objective_id FROM goal_objectives")
    return {(r["goal_id"], r["objective_id"]) for r in rows}


# -- the migration ------------------------------------------------------------------------


def test_the_migration_keeps_every_link_and_every_demo_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.duckdb"
    demo = Database(path)
    company.load(demo, as_of=DAY)
    links = _links(demo)
    demo.close()
    con = duckdb.connect(str(path))
    undo_goal_objectives(con)  # the demo company as CXOS kept it before 0013
    # Scored by the scoring SQL over the old schema: the derived tables come from
    # goals.objective_id (the check against today's derivation would not bind there).
    monkeypatch.setenv("CXOS_VERIFY_STRUCTURE", "0")
    config = ScoringConfig()
    before = {day: scores_on(con, day, config) for day in DATES}
    old_column = set(
        con.execute("SELECT id, objective_id FROM goals WHERE objective_id IS NOT NULL").fetchall()
    )
    con.close()
    monkeypatch.setenv("CXOS_VERIFY_STRUCTURE", "1")

    upgraded = Database(path)  # applies 0013
    assert _links(upgraded) == links == old_column
    assert "objective_id" not in {r["column_name"] for r in upgraded.rows("DESCRIBE goals")}
    assert {day: compute_scores(upgraded, day, config) for day in DATES} == before


def test_a_second_objective_changes_no_score(db: Database) -> None:
    company.load(db, as_of=DAY)
    before = compute_scores(db, DAY)
    goal = db.rows("SELECT goal_id FROM goal_objectives ORDER BY goal_id LIMIT 1")[0]["goal_id"]
    db.write(
        lambda con: con.execute(
            "INSERT INTO goal_objectives SELECT ?, id FROM objectives "
            "WHERE id NOT IN (SELECT objective_id FROM goal_objectives WHERE goal_id = ?)",
            [goal, goal],
        )
    )
    assert db.scalar("SELECT count(*) FROM goal_objectives WHERE goal_id = ?", [goal]) > 1
    assert compute_scores(db, DAY) == before


# -- the bundle ---------------------------------------------------------------------------


def _old_bundle() -> dict[str, list[dict[str, Any]]]:
    """The base bundle as an older CXOS wrote it: the objective in goals.csv."""
    bundle = base_bundle()
    bundle.pop("goal_objectives")
    bundle["goals"] = [{**bundle["goals"][0], "objective_id": "o1"}]
    return bundle


def test_an_old_bundle_with_objective_id_in_goals_imports_and_exports_the_new_way(
    db: Database, tmp_path: Path
) -> None:
    old = write_bundle(tmp_path / "old", _old_bundle())
    assert "objective_id" in (old / "goals.csv").read_text().splitlines()[0]
    report = import_bundle(db, old)
    assert _links(db) == {("g1", "o1")}
    assert any(c.file == "goals.csv objective_id" and c.added == 1 for c in report.changes)
    assert component(db, "t1", "l2_line_of_sight", dt.date(2026, 6, 1)) == 1.0

    export_folder(db, tmp_path / "one")
    files = _files(tmp_path / "one")
    assert "objective_id" not in files["goals.csv"].splitlines()[0]
    assert files["goal_objectives.csv"] == "goal_id,objective_id\ng1,o1\n"
    again = Database(tmp_path / "again.duckdb")
    import_bundle(again, tmp_path / "one")
    export_folder(again, tmp_path / "two")
    assert _files(tmp_path / "two") == files


def test_an_old_bundle_adds_its_objective_and_keeps_the_goals_others(
    db: Database, tmp_path: Path, load: Any
) -> None:
    load(
        db,
        {**base_bundle(), "objectives": [{"id": "o1", "title": "A"}, {"id": "o2", "title": "B"}]},
    )
    load(db, {"goal_objectives": [{"goal_id": "g1", "objective_id": "o2"}]})
    bundle = _old_bundle()
    import_bundle(db, write_bundle(tmp_path / "old", {"goals": bundle["goals"]}))
    assert _links(db) == {("g1", "o1"), ("g1", "o2")}


def test_an_unknown_objective_in_an_old_goals_file_names_its_row(
    db: Database, tmp_path: Path
) -> None:
    bundle = _old_bundle()
    bundle["goals"][0]["objective_id"] = "o-ghost"
    with pytest.raises(BundleError) as refused:
        import_bundle(db, write_bundle(tmp_path / "old", bundle))
    problem = refused.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("goals.csv", 2, "objective_id")
    assert "'o-ghost' is not an id in objectives.csv" in problem.message
    assert db.scalar("SELECT count(*) FROM goals") == 0


def test_a_goal_with_two_objectives_round_trips(db: Database, tmp_path: Path, load: Any) -> None:
    bundle = base_bundle()
    bundle["objectives"].append({"id": "o2", "title": "Proactive"})
    bundle["goal_objectives"].append({"goal_id": "g1", "objective_id": "o2"})
    load(db, bundle)
    export_folder(db, tmp_path / "one")
    assert _files(tmp_path / "one")["goal_objectives.csv"].splitlines() == [
        "goal_id,objective_id",
        "g1,o1",
        "g1,o2",
    ]
    again = Database(tmp_path / "again.duckdb")
    import_bundle(again, tmp_path / "one")
    export_folder(again, tmp_path / "two")
    assert _files(tmp_path / "two") == _files(tmp_path / "one")


# -- the heads' form, the command line ----------------------------------------------------

GOAL = {
    "id": "g_bill",
    "title": "Bills people understand",
    "team_id": "t_billing",
    "owner_id": "p_head",
    "start_date": dt.date(2026, 1, 1),
    "end_date": dt.date(2026, 12, 31),
    "status": "active",
}


@pytest.fixture
def sample(db: Database, load: Any) -> Database:
    load_sample(db)
    load(db, {"objectives": [{"id": "o2", "title": "Bills on time"}]})
    return db


def test_saving_a_goal_replaces_its_objectives_and_logs_them(sample: Database) -> None:
    save_goal(sample, "p_head", {**GOAL, "objective_ids": ["o2", "o1"]})
    assert {o for g, o in _links(sample) if g == "g_bill"} == {"o1", "o2"}
    save_goal(sample, "p_head", {**GOAL, "objective_ids": ["o2"]})
    assert {o for g, o in _links(sample) if g == "g_bill"} == {"o2"}
    logged = sample.rows(
        "SELECT old_value, new_value FROM audit_log WHERE entity = 'goal_objectives' "
        "AND entity_id = 'g_bill' ORDER BY id"
    )
    assert [(r["old_value"], r["new_value"]) for r in logged] == [("o1", "o1;o2"), ("o1;o2", "o2")]
    save_goal(sample, "p_head", {**GOAL, "title": "Clear bills"})  # no objective_ids: kept
    assert {o for g, o in _links(sample) if g == "g_bill"} == {"o2"}


def test_a_new_goal_is_created_with_its_objectives(sample: Database) -> None:
    new = {k: v for k, v in GOAL.items() if k != "id"}
    saved = save_goal(sample, "p_head", {**new, "title": "Fewer calls", "objective_ids": ["o2"]})
    assert saved.created and {o for g, o in _links(sample) if g == saved.id} == {"o2"}
    assert component(sample, "t_billing", "l2_line_of_sight", dt.date(2026, 6, 1)) is not None


def test_an_unknown_objective_is_refused_and_nothing_is_saved(sample: Database) -> None:
    with pytest.raises(RowsRejected, match="'o-ghost' is not an id in objectives.csv"):
        save_goal(sample, "p_head", {**GOAL, "title": "Changed", "objective_ids": ["o-ghost"]})
    assert sample.scalar("SELECT title FROM goals WHERE id = 'g_bill'") == GOAL["title"]
    assert {o for g, o in _links(sample) if g == "g_bill"} == {"o1"}


def test_the_head_picks_several_objectives_in_the_goal_form(
    sample: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    st.cache_data.clear()
    monkeypatch.setenv("CXOS_AUTH", "demo")
    app = page_as("team_goals", "p_head")
    assert_ok(app)
    key = "teamgoals_g_bill_goal"
    assert app.multiselect(key=f"{key}_objectives").value == ["o1"]
    app.multiselect(key=f"{key}_objectives").set_value(["o1", "o2"])
    app = app.button(key=f"{key}_save").click().run()
    assert_ok(app)
    assert {o for g, o in _links(sample) if g == "g_bill"} == {"o1", "o2"}
    assert app.multiselect(key=f"{key}_objectives").value == ["o1", "o2"]


def test_the_goals_command_lists_every_objective(sample: Database) -> None:
    save_goal(sample, "p_head", {**GOAL, "objective_ids": ["o1", "o2"]})
    sample.close()
    goals = listed(sample.target, "goals", "--as-of", "2026-06-01", "--team", "t_billing")
    assert [g["objective_ids"] for g in goals] == ["o1;o2"]
