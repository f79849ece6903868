"""Every validation rule of the bundle format: a bad bundle is rejected with a message
naming file, row and column, and the database is left exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cxos.bundle.importer import import_bundle, import_rows
from cxos.model.errors import BundleError
from cxos.storage import Database
from tests.bundles import Rows, base_bundle, fingerprint, write_bundle

pytestmark = pytest.mark.both_stores


def _set(file: str, index: int, **changes: Any) -> Callable[[Rows], None]:
    def mutate(bundle: Rows) -> None:
        bundle[file][index].update(changes)

    return mutate


def _append(file: str, **row: Any) -> Callable[[Rows], None]:
    def mutate(bundle: Rows) -> None:
        bundle[file].append(row)

    return mutate


READING = {"metric_id": "m1", "as_of": "2026-03-01", "value": 70}
CASES = [
    # (id, mutation, file, row, column, words in the message)
    ("required empty", _set("teams", 0, name=None), "teams.csv", 2, "name", "required"),
    (
        "bad date",
        _set("goals", 0, start_date="2026-1-5"),
        "goals.csv",
        2,
        "start_date",
        "not a date",
    ),
    (
        "impossible date",
        _set("goals", 0, end_date="2026-02-30"),
        "goals.csv",
        2,
        "end_date",
        "not a date",
    ),
    (
        "bad whole number",
        _set("stages", 1, position="two"),
        "stages.csv",
        3,
        "position",
        "whole number",
    ),
    (
        "bad number",
        _set("metrics", 0, baseline="sixty"),
        "metrics.csv",
        2,
        "baseline",
        "not a number",
    ),
    (
        "role not allowed",
        _set("people", 1, role="boss"),
        "people.csv",
        3,
        "role",
        "not one of admin",
    ),
    (
        "layer not allowed",
        _set("touchpoints", 0, layer="middle"),
        "touchpoints.csv",
        2,
        "layer",
        "not one of front_stage",
    ),
    ("goal status", _set("goals", 0, status="paused"), "goals.csv", 2, "status", "not one of"),
    (
        "direction",
        _set("metrics", 0, direction="up"),
        "metrics.csv",
        2,
        "direction",
        "not one of higher, lower",
    ),
    (
        "reading source",
        _append("metric_readings", metric_id="m1", as_of="2026-04-01", value=1, source="guess"),
        "metric_readings.csv",
        3,
        "source",
        "not one of manual",
    ),
    (
        "action status",
        _set("actions", 0, status="waiting"),
        "actions.csv",
        2,
        "status",
        "not one of open",
    ),
    (
        "sentiment",
        _set("feedback", 0, sentiment="angry"),
        "feedback.csv",
        2,
        "sentiment",
        "not one of",
    ),
    (
        "pulse question",
        _set("pulse_responses", 0, question="happy"),
        "pulse_responses.csv",
        2,
        "question",
        "not one of",
    ),
    (
        "progress above 100",
        _set("check_ins", 0, progress=101),
        "check_ins.csv",
        2,
        "progress",
        "outside 0–100",
    ),
    (
        "confidence 0",
        _set("check_ins", 0, confidence=0),
        "check_ins.csv",
        2,
        "confidence",
        "outside 1–5",
    ),
    (
        "cadence 0",
        _set("metrics", 0, cadence_days=0),
        "metrics.csv",
        2,
        "cadence_days",
        "not greater than 0",
    ),
    (
        "pulse score 6",
        _set("pulse_responses", 0, score=6),
        "pulse_responses.csv",
        2,
        "score",
        "outside 1–5",
    ),
    (
        "respondents 0",
        _set("pulse_responses", 0, respondents=0),
        "pulse_responses.csv",
        2,
        "respondents",
        "less than 1",
    ),
    (
        "duplicate id",
        _append("teams", id="t1", name="Again", business_unit_id="bu1"),
        "teams.csv",
        4,
        "id",
        "duplicate id t1 (first at row 2)",
    ),
    (
        "duplicate reading key",
        _append("metric_readings", **READING),
        "metric_readings.csv",
        3,
        "as_of",
        "duplicate metric_id + as_of",
    ),
    (
        "duplicate pulse key",
        _append(
            "pulse_responses",
            team_id="t1",
            survey_date="2026-02-01",
            question="understand_goals",
            score=3,
            respondents=2,
        ),
        "pulse_responses.csv",
        3,
        "question",
        "duplicate",
    ),
    (
        "unknown reference",
        _set("teams", 1, business_unit_id="bu9"),
        "teams.csv",
        3,
        "business_unit_id",
        "'bu9' is not an id in business_units.csv",
    ),
    (
        "unknown optional reference",
        _set("goals", 0, owner_id="nobody"),
        "goals.csv",
        2,
        "owner_id",
        "'nobody' is not an id in people.csv",
    ),
    (
        "end before start",
        _set("goals", 0, end_date="2025-12-31"),
        "goals.csv",
        2,
        "end_date",
        "end_date is before start_date",
    ),
    (
        "completed but not done",
        _set("actions", 0, completed_on="2026-03-01"),
        "actions.csv",
        2,
        "completed_on",
        "not 'done'",
    ),
    (
        "done without date",
        _set("actions", 0, status="done"),
        "actions.csv",
        2,
        "completed_on",
        "needs completed_on",
    ),
    (
        "higher target below baseline",
        _set("metrics", 0, target=50),
        "metrics.csv",
        2,
        "target",
        "below baseline",
    ),
    (
        "lower target above baseline",
        _set("metrics", 0, direction="lower", target=90),
        "metrics.csv",
        2,
        "target",
        "above baseline",
    ),
    (
        "stage position taken",
        _set("stages", 1, position=1),
        "stages.csv",
        3,
        "position",
        "already used by stage 's1'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "file", "row", "column", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_bundle_is_rejected_with_its_place_and_nothing_changes(
    db: Database,
    tmp_path: Path,
    load: Any,
    mutate: Any,
    file: str,
    row: int,
    column: str,
    words: str,
) -> None:
    load(db, {"business_units": [{"id": "bu0", "name": "Existing"}]})
    before = fingerprint(db)
    bundle = base_bundle()
    mutate(bundle)
    with pytest.raises(BundleError) as caught:
        import_bundle(db, write_bundle(tmp_path / "bad", bundle))
    places = [(p.file, p.row, p.column) for p in caught.value.problems]
    assert (file, row, column) in places, caught.value.problems
    assert words in str(caught.value)
    assert "nothing was imported" in str(caught.value)
    assert fingerprint(db) == before


def _write_raw(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = text if isinstance(text, bytes) else text.encode()
    (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("teams.csv", "id,name\nt1,Care\n", "business_unit_id: required column is missing"),
        (
            "teams.csv",
            "id,name,business_unit_id,colour\nt1,Care,bu1,red\n",
            "colour: unknown column",
        ),
        ("teams.csv", "id,name,name,business_unit_id\n", "name: appears twice in the header"),
        ("teams.csv", "", "has no header row"),
        ("teams.csv", b"id,name,business_unit_id\nt1,Caf\xe9,bu1\n", "is not UTF-8"),
        ("teams.csv", 'id,name,business_unit_id\nt1,"Care,bu1\n', "is not valid CSV"),
        (
            "teams.csv",
            "id,name,business_unit_id\nt1,Care,bu1,extra\n",
            "Expected Number of Columns: 3 Found: 4",
        ),
        ("team.csv", "id,name\n", "team.csv: is not a bundle file name"),
    ],
    ids=[
        "missing column",
        "unknown column",
        "duplicate header",
        "empty file",
        "not utf-8",
        "open quote",
        "ragged row",
        "unknown file",
    ],
)
def test_malformed_files_are_named(
    db: Database, tmp_path: Path, name: str, content: str | bytes, words: str
) -> None:
    before = fingerprint(db)
    folder = _write_raw(tmp_path / "raw", name, content)
    with pytest.raises(BundleError) as caught:
        import_bundle(db, folder)
    assert words in str(caught.value)
    assert fingerprint(db) == before


def test_many_problems_are_listed_together_up_to_a_limit(db: Database, tmp_path: Path) -> None:
    bundle = base_bundle()
    bundle["teams"] = [
        {"id": f"t{i}", "name": "T", "business_unit_id": "missing"} for i in range(300)
    ]
    with pytest.raises(BundleError) as caught:
        import_bundle(db, write_bundle(tmp_path / "many", bundle))
    assert len(caught.value.problems) == 50
    assert caught.value.total >= 300
    assert "more problems" in str(caught.value)


def test_references_may_point_at_rows_already_in_the_database(
    db: Database, tmp_path: Path, load: Any
) -> None:
    load(db, {"business_units": [{"id": "bu1", "name": "Consumer"}]})
    teams = {"teams": [{"id": "t9", "name": "New", "business_unit_id": "bu1"}]}
    report = import_bundle(db, write_bundle(tmp_path / "teams", teams))
    assert report.changes[0].added == 1
    assert db.scalar("SELECT name FROM teams WHERE id = 't9'") == "New"


def test_position_clash_with_a_stage_already_in_the_database(
    db: Database, tmp_path: Path, load: Any
) -> None:
    load(db, base_bundle())
    before = fingerprint(db)
    clash = {
        "stages": [{"id": "s3", "journey_id": "j1", "phase": "Use", "name": "Pay", "position": 2}]
    }
    with pytest.raises(BundleError) as caught:
        import_bundle(db, write_bundle(tmp_path / "clash", clash))
    assert "stages.csv, row 2, column position: position 2 is already used by stage 's2'" in str(
        caught.value
    )
    assert fingerprint(db) == before


def test_import_progress_only_moves_forward_and_ends_done(db: Database, tmp_path: Path) -> None:
    steps: list[tuple[float, str]] = []
    import_bundle(
        db, write_bundle(tmp_path / "all", base_bundle()), progress=lambda *s: steps.append(s)
    )
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions)
    assert [m for _, m in steps[-2:]] == ["saving", "done"] and fractions[-1] == 1.0


def test_a_folder_without_bundle_files_is_refused(db: Database, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match="holds no bundle files"):
        import_bundle(db, tmp_path / "empty")


@pytest.mark.parametrize("inside_a_transaction", [False, True])
@pytest.mark.file_store
def test_row_numbers_hold_deep_into_a_large_file(
    db: Database, tmp_path: Path, inside_a_transaction: bool
) -> None:
    """Rows are numbered by position in the file, also past DuckDB's row groups and
    parallel CSV reading (300,000 rows here), and inside a transaction, where DuckDB
    numbers new rows from a large base (a form's write stages its row there)."""
    from cxos.bundle.staging import stage_folder

    lines = ["action_id,checked_on,status,progress"]
    lines += [f"a{i},2026-01-01,open,{i % 100}" for i in range(300_000)]
    (tmp_path / "check_ins.csv").write_text("\n".join(lines) + "\n")
    run = db.write if inside_a_transaction else db.session
    rows = run(
        lambda con: (
            stage_folder(con, tmp_path),
            con.execute(
                "SELECT _row, action_id FROM stg_check_ins "
                "WHERE action_id IN ('a0', 'a150000', 'a299999') ORDER BY _row"
            ).fetchall(),
        )[1]
    )
    assert rows == [(2, "a0"), (150_002, "a150000"), (300_001, "a299999")]


# -- feedback is never closed silently, and goes to the team that owns it -----------------------


def _feedback_problems(db: Database, tmp_path: Path, **changes: Any) -> list[str]:
    bundle = base_bundle()
    bundle["feedback"][0].update(changes)
    before = fingerprint(db)
    with pytest.raises(BundleError) as caught:
        import_bundle(db, write_bundle(tmp_path / "fb", bundle))
    assert fingerprint(db) == before
    return [str(p) for p in caught.value.problems]


def test_negative_feedback_closed_silently_is_refused(db: Database, tmp_path: Path) -> None:
    problems = _feedback_problems(db, tmp_path, closed_on="2026-02-05")
    assert problems == [
        "feedback.csv, row 2, column closed_on: negative feedback is closed without a "
        "response or an action: write why no action is taken (response) or link the action "
        "(action_id)"
    ]


def test_closed_feedback_with_a_response_or_an_action_is_accepted(
    db: Database, tmp_path: Path
) -> None:
    bundle = base_bundle()
    bundle["feedback"][0].update(closed_on="2026-02-05", response="Fixed the queue")
    bundle["feedback"].append(dict(bundle["feedback"][0], id="f2", response=None, action_id="a1"))
    bundle["feedback"].append(
        dict(bundle["feedback"][0], id="f3", sentiment="positive", response=None)
    )
    assert import_bundle(db, write_bundle(tmp_path / "ok", bundle)).rows > 0


def test_feedback_for_a_team_not_owning_its_touchpoint_is_refused(
    db: Database, tmp_path: Path
) -> None:
    problems = _feedback_problems(db, tmp_path, team_id="t2")
    assert problems == [
        "feedback.csv, row 2, column team_id: team t2 does not own touchpoint tp1 (team t1 "
        "does): feedback is routed to the team that owns its touchpoint"
    ]


def test_feedback_on_a_stage_its_team_does_not_own_is_refused(db: Database, tmp_path: Path) -> None:
    problems = _feedback_problems(db, tmp_path, touchpoint_id=None, stage_id="s2")
    assert problems == [
        "feedback.csv, row 2, column team_id: team t1 owns no touchpoint on stage s2: "
        "feedback is routed to a team that owns its stage"
    ]
    problems = _feedback_problems(db, tmp_path, stage_id="s2")
    assert "touchpoint tp1 is on stage s1, not on s2" in problems[0]


def test_routing_sees_touchpoints_already_in_the_database(db: Database, tmp_path: Path) -> None:
    import_rows(db, base_bundle())
    feedback = dict(base_bundle()["feedback"][0], id="f9", touchpoint_id=None)
    assert import_bundle(db, write_bundle(tmp_path / "f", {"feedback": [feedback]})).rows == 1
    moved = dict(base_bundle()["touchpoints"][0], owner_team_id="t2")
    bundle = {"touchpoints": [moved], "feedback": [dict(feedback, id="f10")]}
    with pytest.raises(BundleError, match="team t1 owns no touchpoint on stage s1"):
        import_bundle(db, write_bundle(tmp_path / "g", bundle))
