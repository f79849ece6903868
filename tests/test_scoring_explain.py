"""Explanations, snapshots, trends, configuration and the score commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys

import pytest

from cxos.cli import main
from cxos.model.errors import CxosError, NotFound
from cxos.scoring import explain_team, score_trend, take_snapshot, top_fixes, unit_trends
from cxos.scoring.config import ScoringConfig
from tests.test_scoring_support import D, Org, scores_by_team


def _team_with_gaps() -> Org:
    org = Org().stage("s1", 1).team("t1")
    org.goal("g1", "t1", stages=("s1",)).metric("m1", "g1").reading("m1", -1, 100)
    org.goal("g2", "t1", stages=("s1",)).metric("fcr", "g2", target=None, cadence=400)
    org.reading("fcr", -1, 5)
    return org


def test_explanation_matches_the_scores_and_lists_items(db, load):
    load(db, _team_with_gaps().rows)
    explanation = explain_team(db, "t1", D, ScoringConfig())
    assert explanation.score == scores_by_team(db)["t1"]
    a1 = explanation.components["a1_ownership"]
    assert (a1.numerator, a1.denominator, a1.value, a1.defined) == (1.0, 2, 0.5, True)
    assert {i.item_id: i.ok for i in a1.items} == {"g1": True, "g2": False}
    assert explanation.components["a2_delivery"].defined is False


def test_item_details_give_dates_and_pace_in_words(db, load):
    """Issue 20: "progress 0.174, expected 0.772 (latest 74.26 on 2026-08-13)" on screen."""
    org = Org().stage("s1", 1).team("t1")
    org.goal("g1", "t1", start=-100, end=100, stages=("s1",)).metric("m1", "g1")
    org.reading("m1", -10, 20)  # 20% of the way from 0 to 100, half the time gone
    org.action("late", "g1", "t1", due=-30).check_in("late", -40)
    load(db, org.rows)
    items = {
        (name, i.item_id): i.detail
        for name, part in explain_team(db, "t1", D, ScoringConfig()).components.items()
        for i in part.items
    }
    assert items["a2_delivery", "late"] == "overdue since 31 May 2024"  # D is 30 June 2024
    assert items["a3_cadence", "late"] == "last check-in 21 May 2024"
    assert items["a3_cadence", "m1"] == "last reading 20 Jun 2024, due every 30 days"
    assert items["a4_pace", "m1"] == (
        "20% of the way to target, 50% expected by now (latest 20.0 on 20 Jun 2024)"
    )


def test_fix_points_equal_the_score_after_really_fixing(db, load):
    org = _team_with_gaps()
    load(db, org.rows)
    explanation = explain_team(db, "t1", D, ScoringConfig())
    fix = next(f for f in explanation.fixes if "'FCR' a target" in f.text)
    # A target equal to the baseline keeps FCR out of A4, so really fixing it changes A1
    # alone, which is exactly what the fix is scored on.
    before = scores_by_team(db)["t1"].accountability
    assert str(fix) == f"give metric 'FCR' a target: +{fix.adds_accountability:.1f} accountability"
    load(db, {"metrics": [{**org.rows["metrics"][1], "target": 0.0}]})
    after = scores_by_team(db)["t1"].accountability
    assert fix.adds_accountability == pytest.approx(after - before)
    # by hand: components were A1 0.5, A3 1, A4 1 -> (2.5 / 3); after A1 = 1 -> 100.
    assert fix.adds_accountability == pytest.approx(100 - 100 * 2.5 / 3)


def test_a_goal_missing_both_links_is_named_once_in_its_fix(db, load):
    """Review: "link goal 'X' to an objective and link goal 'X' to a stage"."""
    org = Org().stage("s1", 1).team("t1")
    org.goal("g1", "t1", stages=(), objective=False).metric("m1", "g1").reading("m1", -1, 100)
    org.goal("g2", "t1", stages=(), objective=True).metric("m2", "g2").reading("m2", -1, 100)
    load(db, org.rows)
    items = explain_team(db, "t1", D, ScoringConfig()).components["l2_line_of_sight"].items
    fixes = {i.item_id: i.fix.split(":")[0] for i in items}
    assert fixes["g1"] == "link goal 'G1' to an objective and a stage"
    assert fixes["g2"] == "link goal 'G2' to a stage"


def test_team_without_goals_or_survey_gets_fixes_for_the_zero_components(db, load):
    load(db, Org().team("t1").rows)
    explanation = explain_team(db, "t1", D, ScoringConfig())
    texts = [f.text for f in explanation.fixes]
    assert any(t.startswith("own an in-scope goal") for t in texts)
    assert any(t.startswith("run a pulse survey") for t in texts)
    survey = next(f for f in explanation.fixes if f.text.startswith("run a pulse survey"))
    assert survey.adds_alignment == pytest.approx(100 * 1 / 2)  # L1 0 -> 1 beside L2 = 0


def test_top_fixes_are_the_largest(db, load):
    load(db, _team_with_gaps().pulse("t1", -5, understand_goals=3).rows)
    explanation = explain_team(db, "t1", D, ScoringConfig())
    best = top_fixes(explanation, n=2)
    assert len(best) == 2
    assert [f.total for f in best] == sorted((f.total for f in explanation.fixes), reverse=True)[:2]


def test_explaining_an_unknown_team_says_so(db):
    with pytest.raises(NotFound):
        explain_team(db, "nope", D, ScoringConfig())


# -- snapshots and trends -------------------------------------------------------------------


def test_snapshot_stores_every_team_and_is_audited(db, load):
    load(db, _team_with_gaps().team("t2").rows)
    take_snapshot(db, D, actor_id="p_t1", config=ScoringConfig())
    take_snapshot(db, D, actor_id="p_t1", config=ScoringConfig())  # replaces, no duplicates
    rows = db.rows("SELECT * FROM score_snapshots ORDER BY team_id")
    scores = scores_by_team(db)
    assert [r["team_id"] for r in rows] == ["t1", "t2"]
    assert rows[0]["accountability"] == scores["t1"].accountability
    assert rows[1]["a2_delivery"] is None
    audit = db.rows("SELECT * FROM audit_log WHERE operation = 'snapshot'")
    assert len(audit) == 2 and audit[0]["actor_id"] == "p_t1"


def test_trend_reads_snapshots_and_recomputes_the_rest(db, load):
    load(db, _team_with_gaps().rows)
    take_snapshot(db, D, config=ScoringConfig())
    db.write(lambda con: con.execute("UPDATE score_snapshots SET alignment = 12.5"))
    earlier = D.replace(day=1)
    trend = score_trend(db, "t1", [D, earlier], ScoringConfig())
    assert trend[1] == (D, 12.5, scores_by_team(db)["t1"].accountability)
    expected = scores_by_team(db, earlier)["t1"]
    assert trend[0] == (earlier, expected.alignment, expected.accountability)


def test_unit_trends_roll_up_stored_snapshots_and_recompute_the_other_dates(db, load):
    # Issue 20: steering wants the company's and each unit's scores over the last quarters.
    org = Org().team("t1", bu="b1").team("t2", bu="b1").team("t3", bu="b2")
    org.goal("g1", "t1").metric("m1", "g1").reading("m1", -1, 50)
    load(db, org.rows)
    taken, too_old = dt.date(2024, 5, 15), dt.date(2023, 1, 31)
    for day in (taken, too_old):
        take_snapshot(db, day, config=ScoringConfig())
    stored = {"t1": (80.0, 20.0), "t2": (40.0, 60.0), "t3": (10.0, 90.0)}
    for team, (alignment, accountability) in stored.items():
        db.write(
            lambda con, t=team, a=alignment, b=accountability: con.execute(
                "UPDATE score_snapshots SET alignment = ?, accountability = ? WHERE team_id = ?",
                [a, b, t],
            )
        )
    trends = {t.id: t for t in unit_trends(db, D, config=ScoringConfig())}
    assert [(t.name, t.kind) for t in trends.values()] == [
        ("B1", "business_unit"), ("B2", "business_unit"), ("Company", "company"),
    ]  # fmt: skip
    quarter_ends = [dt.date(2023, 6, 30), dt.date(2023, 9, 30), dt.date(2023, 12, 31),
                    dt.date(2024, 3, 31)]  # fmt: skip
    for trend in trends.values():
        assert [p[0] for p in trend.points] == [*quarter_ends, taken, D]  # too_old is out
    at = {u: dict((p[0], p[1:]) for p in t.points) for u, t in trends.items()}
    assert at["b1"][taken] == pytest.approx((60.0, 40.0))  # the stored scores, averaged
    assert at["b2"][taken] == pytest.approx((10.0, 90.0))
    assert at["*"][taken] == pytest.approx((130 / 3, 170 / 3))
    now = scores_by_team(db)  # the other dates: recomputed, exactly as `scores` gives
    assert at["b1"][D] == pytest.approx(
        ((now["t1"].alignment + now["t2"].alignment) / 2,
         (now["t1"].accountability + now["t2"].accountability) / 2)
    )  # fmt: skip


# -- configuration --------------------------------------------------------------------------


def test_configuration_from_toml(tmp_path, monkeypatch):
    path = tmp_path / "cxos.toml"
    path.write_text("[scoring]\naligned_threshold = 70\n[scoring.weights]\na4_pace = 2\n")
    monkeypatch.setenv("CXOS_CONFIG", str(path))
    config = ScoringConfig.load()
    assert config.aligned_threshold == 70 and config.weights.a4_pace == 2
    assert config.check_in_fresh_days == 14 and config.accountable_threshold == 60
    path.write_text("[scoring]\npulse_window_days = -1\n")
    with pytest.raises(CxosError, match="not valid"):
        ScoringConfig.load()


# -- command line ---------------------------------------------------------------------------


def _run(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_scores_command_columns_and_formats(db, load, capsys):
    load(db, _team_with_gaps().team("t2").rows)
    code, out = _run(capsys, "scores", "--as-of", D.isoformat(), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert list(rows[0]) == [
        "team_id",
        "team",
        "business_unit",
        "alignment",
        "accountability",
        "quadrant",
        "a1_ownership",
        "a2_delivery",
        "a3_cadence",
        "a4_pace",
        "l1_understanding",
        "l2_line_of_sight",
        "l3_coverage",
        "l4_bridging",
    ]
    t1, t2 = rows
    assert t1["a1_ownership"] == "0.5" and t1["a2_delivery"] == ""
    assert t1["accountability"] == f"{scores_by_team(db)['t1'].accountability:.1f}"
    assert t2["business_unit"] == "BU"
    _, out = _run(capsys, "scores", "--as-of", D.isoformat(), "--format", "json")
    assert json.loads(out)[0]["a2_delivery"] is None
    _, out = _run(capsys, "scores", "--as-of", D.isoformat())
    assert out.splitlines()[0].split()[:3] == ["team_id", "team", "business_unit"]


def test_signals_explain_and_snapshot_commands(db, load, capsys):
    load(db, _team_with_gaps().team("t2").rows)
    _, out = _run(capsys, "signals", "--as-of", D.isoformat(), "--format", "csv")
    assert out.splitlines()[0] == "signal,subject_id"
    assert "no_pulse,t2" in out.splitlines()
    _, out = _run(capsys, "explain", "t1", "--as-of", D.isoformat())
    assert "give metric 'FCR' a target: +" in out
    _, out = _run(capsys, "snapshot", "--as-of", D.isoformat())
    assert "2 teams" in out
    assert main(["explain", "nope", "--as-of", D.isoformat()]) == 1


def test_scoring_never_imports_streamlit():
    code = (
        "import sys, cxos.scoring, cxos.cli.scores, cxos.scoring.config; "
        "sys.exit('streamlit' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
