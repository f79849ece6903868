"""Feedback themes (issue 25): planted complaints come back as themes of their stage,
touchpoint and team, with volume, negative share and trend; the same data gives the
same themes; the command line prints them."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

from cxos.insights.themes import compute_themes, periods
from cxos.storage import Database
from tests import insights_data
from tests.insights_data import AS_OF


def _words(report, level: str, subject_id: str) -> list[set[str]]:  # noqa: ANN001
    return [set(row.theme.words) for row in report.of(level, subject_id)]


def test_planted_complaints_are_the_themes_of_their_stage(db: Database) -> None:
    report = compute_themes(insights_data.load(db), AS_OF)
    billing = report.of("stage", "s2")[0]
    assert {"billed", "twice"} <= set(billing.theme.words)
    assert billing.volume == 12 and billing.negative == 12 and billing.negative_share == 1
    assert any("queue" in words for words in _words(report, "stage", "s1"))
    assert any("hold" in words for words in _words(report, "stage", "s3"))
    # The billing theme is no theme of the store stage: themes stay where they were planted.
    assert billing.theme.number not in {r.theme.number for r in report.of("stage", "s1")}


def test_a_theme_shows_on_its_touchpoint_and_team_too(db: Database) -> None:
    report = compute_themes(insights_data.load(db), AS_OF)
    stage = report.of("stage", "s2")[0]
    assert report.of("touchpoint", "tp2")[0].theme == stage.theme
    team = report.of("team", "t_billing")[0]
    assert (team.theme, team.volume, team.subject) == (stage.theme, 12, "Billing")


def test_trend_compares_with_the_previous_ninety_days(db: Database) -> None:
    report = compute_themes(insights_data.load(db), AS_OF)
    billing = report.of("stage", "s2")[0]
    assert (billing.previous, billing.trend) == (3, "rising")
    assert report.of("stage", "s3")[0].trend == "new"
    assert periods(AS_OF) == (AS_OF.replace(month=7, day=3), AS_OF.replace(month=4, day=4))


def test_as_of_an_earlier_date_only_earlier_feedback_counts(db: Database) -> None:
    report = compute_themes(insights_data.load(db), AS_OF.replace(month=6, day=30))
    assert report.items == 3  # the previous period's billing complaints, nothing later
    assert [r.subject_id for r in report.rows if r.level == "stage"] == ["s2"]


def test_the_same_data_gives_the_same_themes(db: Database, tmp_path) -> None:  # noqa: ANN001
    first = compute_themes(insights_data.load(db), AS_OF)
    again = compute_themes(db, AS_OF)
    other = compute_themes(insights_data.load(Database(tmp_path / "other.duckdb")), AS_OF)
    assert dataclasses.astuple(first) == dataclasses.astuple(again) == dataclasses.astuple(other)


def test_no_feedback_means_no_themes(db: Database) -> None:
    report = compute_themes(db, AS_OF)
    assert (report.themes, report.rows, report.items) == ((), (), 0)


def test_feedback_without_words_is_left_unthemed(db: Database, load) -> None:  # noqa: ANN001
    data = insights_data.bundle()
    data["feedback"] = [
        {**data["feedback"][0], "id": "f-digits", "text": "12 34 56"},
        {**data["feedback"][1], "id": "f-the", "text": "the and of"},
    ]
    load(db, data)
    report = compute_themes(db, AS_OF)
    assert (report.items, report.unthemed, report.rows) == (2, 2, ())


def test_command_line_prints_themes_as_json_and_csv(db: Database) -> None:
    insights_data.load(db)
    base = [sys.executable, "-m", "cxos", "--db", str(db.path), "themes", "--as-of", "2026-09-30"]
    out = subprocess.run([*base, "--format", "json"], capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout)
    stage = next(r for r in rows if r["subject_id"] == "s2")
    assert "twice" in stage["top_words"] and stage["volume"] == 12 and stage["trend"] == "rising"
    out = subprocess.run(
        [*base, "--format", "csv", "--level", "team"], capture_output=True, text=True, check=True
    )
    lines = out.stdout.splitlines()
    assert lines[0].startswith("level,subject_id,subject,theme,top_words,volume")
    assert all(line.startswith("team,") for line in lines[1:]) and len(lines) > 1


def test_a_bad_date_is_refused_in_words(db: Database) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cxos", "--db", str(db.path), "themes", "--as-of", "soon"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "'soon' is not a date YYYY-MM-DD" in out.stderr


def test_the_themes_inputs_change_with_feedback_not_with_other_writes(db: Database) -> None:
    """Pages keep the fitted themes until their feedback changes: a reading elsewhere
    (a new data version) must not make every page fit them again, new feedback must."""
    from cxos.insights.themes import inputs_key
    from cxos.storage.version import data_version

    insights_data.load(db)
    before, version = inputs_key(db, AS_OF), data_version(db)
    db.write(lambda con: con.execute("UPDATE metrics SET target = target + 1"))
    db.write(lambda con: audit_entry(con))
    assert data_version(db) != version
    assert inputs_key(db, AS_OF) == before
    db.write(
        lambda con: con.execute(
            "UPDATE feedback SET text = text || ' and the app crashed' WHERE id = "
            "(SELECT min(id) FROM feedback WHERE received_on <= ?)",
            [AS_OF],
        )
    )
    assert inputs_key(db, AS_OF) != before


def audit_entry(con) -> None:  # noqa: ANN001
    from cxos.identity import audit

    audit.record(con, None, "update", "metrics", "any", "target", None, None)
