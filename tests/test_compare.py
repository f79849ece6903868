"""The champions' comparison: unit roll-ups, stage matrix, best performers, change, export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from statistics import fmean
from typing import Any

import pytest
from openpyxl import load_workbook

from cxos.bundle.importer import import_rows
from cxos.champions import compare, figures
from cxos.champions.compare import StageGoal, build_comparison, worst_health
from cxos.champions.notes import create_note, draft
from cxos.palette import HEALTH, category_colour, mix_text
from cxos.scoring import compute_scores, goal_health, rollup
from cxos.scoring.config import COMPONENTS
from cxos.storage import Database

D = dt.date(2026, 7, 2)  # half-way through the goals' year: expected progress 0.5
EARLIER = dt.date(2026, 3, 1)
EVIL = '<script>alert(1)</script> ![x](http://evil.example/x.png) =HYPERLINK("http://evil.example","x")'


def _goal(goal_id: str, team: str, owner: str) -> dict[str, Any]:
    return {
        "id": goal_id,
        "title": f"Goal {goal_id}",
        "team_id": team,
        "owner_id": owner,
        "objective_id": "o1",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "status": "active",
    }


def _metric(metric_id: str, goal: str, name: str, baseline: float, target: float) -> dict:
    return {
        "id": metric_id,
        "goal_id": goal,
        "name": name,
        "unit": "%",
        "direction": "higher",
        "baseline": baseline,
        "target": target,
        "cadence_days": 30,
    }


def two_units() -> dict[str, list[dict[str, Any]]]:
    """Units A and B; both have a goal on s1 measured by 'CSAT' (different scales)."""
    return {
        "business_units": [{"id": "bu_a", "name": "Alpha"}, {"id": "bu_b", "name": "Beta"}],
        "teams": [
            {"id": "t_a1", "name": "A care", "business_unit_id": "bu_a"},
            {"id": "t_a2", "name": "A sales", "business_unit_id": "bu_a"},
            {"id": "t_b1", "name": "B care", "business_unit_id": "bu_b"},
        ],
        "people": [
            {"id": "p_a", "name": "Ann", "team_id": "t_a1", "role": "champion"},
            {"id": "p_b", "name": "Ben", "team_id": "t_b1", "role": "champion"},
            {"id": "p_s", "name": "Sue", "team_id": "t_a2", "role": "steering"},
        ],
        "journeys": [{"id": "j1", "name": "Home"}, {"id": "j2", "name": "Work"}],
        "stages": [
            {"id": "s1", "journey_id": "j1", "phase": "Use", "name": "Get help", "position": 1},
            {"id": "s2", "journey_id": "j1", "phase": "Use", "name": "Pay", "position": 2},
            {"id": "s3", "journey_id": "j2", "phase": "Buy", "name": "Sign", "position": 1},
        ],
        "touchpoints": [
            {"id": "tp1", "stage_id": "s1", "name": "Phone", "layer": "front_stage",
             "owner_team_id": "t_a1"},
        ],
        "objectives": [{"id": "o1", "title": "Effortless"}],
        "goals": [_goal("g_a", "t_a1", "p_a"), _goal("g_a2", "t_a2", "p_s"),
                  _goal("g_b", "t_b1", "p_b")],
        "goal_stages": [
            {"goal_id": "g_a", "stage_id": "s1"},
            {"goal_id": "g_b", "stage_id": "s1"},
            {"goal_id": "g_a2", "stage_id": "s2"},
        ],
        "metrics": [
            _metric("m_a", "g_a", "CSAT", 50, 100),
            _metric("m_b", "g_b", "CSAT", 10, 20),
            _metric("m_a2", "g_a2", "Paid on time", 0, 10),
        ],
        "metric_readings": [
            {"metric_id": "m_a", "as_of": "2026-02-01", "value": 55},
            {"metric_id": "m_a", "as_of": "2026-06-01", "value": 62.5},  # progress 0.25
            {"metric_id": "m_b", "as_of": "2026-06-15", "value": 18},  # progress 0.8
        ],
    }  # fmt: skip


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """Read-only for the tests that share it (one import per module keeps them fast)."""
    db = Database(tmp_path_factory.mktemp("compare") / "cxos.duckdb")
    import_rows(db, two_units())
    return db


@pytest.fixture
def fresh(db: Database, load: Any) -> Database:
    """A database of its own, for tests that write notes."""
    load(db, two_units())
    return db


def test_units_use_the_scoring_rollup_and_mean_components(org: Database) -> None:
    scores = compute_scores(org, D)
    units = {u.id: u for u in compare.compare_units(scores)}
    for unit in rollup(scores):
        assert units[unit.id].alignment == unit.alignment
        assert units[unit.id].accountability == unit.accountability
        assert units[unit.id].mix == unit.mix
    team_a = [s for s in scores if s.business_unit_id == "bu_a"]
    for name in COMPONENTS:
        defined = [s.components[name] for s in team_a if s.components[name] is not None]
        assert units["bu_a"].components[name] == (fmean(defined) if defined else None)


def test_same_name_metrics_compare_as_progress_toward_target(org: Database) -> None:
    c = build_comparison(org, D, stage_id="s1")
    assert c.stage is not None and c.stage.id == "s1"
    progress = c.metric_progress()
    assert progress["CSAT"]["bu_a"] == pytest.approx(0.25)
    assert progress["CSAT"]["bu_b"] == pytest.approx(0.8)
    assert {g.goal_id for g in c.stage_goals} == {"g_a", "g_b"}


def test_stage_cells_take_health_from_goal_health(org: Database) -> None:
    c = build_comparison(org, D)
    health = goal_health(org, D)
    cell = c.cell("s1", "bu_a")
    assert cell is not None and cell.goals == 1
    assert cell.health == health["g_a"].health == "off_track"
    assert cell.mean_pace == pytest.approx(health["g_a"].pace)
    assert c.cell("s1", "bu_b").health == "on_track"
    assert c.cell("s3", "bu_a") is None


def test_best_performer_needs_two_units_and_takes_the_highest_mean_pace(org: Database) -> None:
    c = build_comparison(org, D)
    assert c.best["s1"].business_unit_id == "bu_b"
    assert c.best["s1"].contenders == 2
    assert "s2" not in c.best  # only Alpha has a goal there


def test_best_performer_ties_go_to_more_goals_then_name() -> None:
    cells = compare.stage_cells(
        [
            StageGoal("s", "g1", "x", "t", "bu_b", "Beta", None, "on_track", 1.0),
            StageGoal("s", "g2", "x", "t", "bu_a", "Alpha", None, "achieved", 0.2),
            StageGoal("s", "g3", "x", "t", "bu_c", "Gamma", None, "on_track", 1.0),
            StageGoal("s", "g4", "x", "t", "bu_c", "Gamma", None, "no_data", None),
        ]
    )
    names = {"bu_a": "Alpha", "bu_b": "Beta", "bu_c": "Gamma"}
    assert compare.best_performers(cells, names)["s"].business_unit == "Alpha"
    del cells[("s", "bu_a")]
    assert compare.best_performers(cells, names)["s"].business_unit == "Beta"


def test_worst_health_ignores_no_data_unless_alone() -> None:
    assert worst_health(["on_track", "no_data", "at_risk"]) == "at_risk"
    assert worst_health(["achieved", "on_track"]) == "on_track"
    assert worst_health(["no_data", "no_data"]) == "no_data"


def test_default_stage_is_the_one_with_shared_metrics(org: Database) -> None:
    assert build_comparison(org, D).stage.id == "s1"


def test_filters_limit_units_and_stages(org: Database) -> None:
    c = build_comparison(org, D, unit_ids=["bu_a"], journey_id="j1", stage_id="s1")
    assert [u.id for u in c.units] == ["bu_a"]
    assert [s.id for s in c.stages] == ["s1", "s2"]
    assert {m.business_unit_id for m in c.stage_metrics} == {"bu_a"}
    assert c.best == {}


def test_change_since_is_now_minus_then(org: Database) -> None:
    c = build_comparison(org, D, since=EARLIER)
    then = {u.id: u for u in compare.compare_units(compute_scores(org, EARLIER))}
    for change in c.changes:
        assert change.then == then[change.id]
        assert change.delta("accountability") == pytest.approx(
            change.now.accountability - then[change.id].accountability
        )
    assert build_comparison(org, D).changes[0].delta("alignment") is None


def test_export_has_every_sheet_and_keeps_note_text_inert(fresh: Database, tmp_path: Path) -> None:
    note = create_note(
        fresh, "p_a", draft(business_unit_id="bu_a", stage_id="s1", title=EVIL, body=EVIL), today=D
    )
    c = build_comparison(fresh, D, since=EARLIER, stage_id="s1")
    path = compare.export_comparison(tmp_path / "c.xlsx", c, [note])
    book = load_workbook(path)
    assert book.sheetnames == [
        "units", "change", "stage_health", "best_performers", "stage_goals", "stage_metrics",
        "notes",
    ]  # fmt: skip
    units = list(book["units"].iter_rows(values_only=True))
    assert units[1][0] == "Alpha" and units[-1][0] == "Company"
    csat = [r for r in book["stage_metrics"].iter_rows(values_only=True) if r[1] == "CSAT"]
    assert sorted(r[9] for r in csat) == [25.0, 80.0]
    notes = book["notes"]
    for column in (5, 6):  # title, body
        cell = notes.cell(row=2, column=column)
        assert cell.value == EVIL
        assert cell.data_type == "s"
    assert compare.comparison_workbook(c, [note])[:2] == b"PK"


def test_export_marks_formula_like_note_text_with_quote_prefix(
    fresh: Database, tmp_path: Path
) -> None:
    text = '=HYPERLINK("http://evil.example","x")'
    note = create_note(fresh, "p_a", draft(business_unit_id="bu_a", title=text, body=text))
    path = compare.export_comparison(tmp_path / "c.xlsx", build_comparison(fresh, D), [note])
    cell = load_workbook(path)["notes"].cell(row=2, column=5)
    assert cell.value == text and cell.data_type == "s" and cell.quotePrefix


# -- figures ----------------------------------------------------------------------------------


def test_heatmap_labels_every_cell_and_uses_palette_colours(org: Database) -> None:
    c = build_comparison(org, D)
    figure = figures.health_heatmap(c)
    heat = figure.data[0]
    assert [colour for _, colour in heat.colorscale][::2] == [h.colour for h in HEALTH.values()]
    texts = [a.text for a in figure.layout.annotations]
    assert len(texts) == len(c.stages) * len(c.units)
    assert "⊗ Off track · 1 goal" in texts
    assert "● On track · 1 goal · best" in texts
    assert texts.count(figures.EMPTY_TEXT) == len(texts) - 3
    assert heat.zmin == -0.5 and heat.zmax == len(HEALTH) - 0.5


def test_heatmap_past_the_annotation_limit_keeps_the_words_in_hover(
    org: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = build_comparison(org, D)
    monkeypatch.setattr(figures, "_ANNOTATED_CELLS", 0)
    heat = figures.health_heatmap(c)
    assert not heat.layout.annotations
    texts = [t for row in heat.data[0].text for t in row]
    assert "⊗ Off track · 1 goal" in texts and texts.count(figures.EMPTY_TEXT) == len(texts) - 3
    empty = [z for row in heat.data[0].z for z in row if z != z]  # NaN: no goal there
    assert len(empty) == len(texts) - 3


def test_unit_charts_keep_one_colour_per_unit_and_label_bars(org: Database) -> None:
    c = build_comparison(org, D)
    components = figures.components_figure(c.units)
    scores = figures.scores_figure(c.units)
    for figure in (components, scores):
        assert [t.marker.color for t in figure.data] == [category_colour(0), category_colour(1)]
        assert all(t.text is not None and len(t.text) == len(t.x) for t in figure.data)
    assert len(components.data[0].x) == len(COMPONENTS)
    # A unit is named with its teams' mix of quadrants, never the quadrant of its means.
    alpha = c.units[0]
    assert scores.data[0].name == f"Alpha · {mix_text(alpha.mix, words=False)}"
    assert mix_text(alpha.mix) in scores.data[0].hovertemplate


def test_progress_figure_shows_only_units_with_the_metric(org: Database) -> None:
    c = build_comparison(org, D, stage_id="s1")
    figure = figures.progress_figure(c.metric_progress(), c.units)
    assert [t.name for t in figure.data] == ["Alpha", "Beta"]
    assert list(figure.data[0].x) == pytest.approx([25.0])
    assert figure.data[1].text == ("80",)


def test_names_in_charts_cannot_carry_plotly_markup() -> None:
    unit = compare.UnitComparison(
        "u", '<a href="http://evil.example">Unit</a>', "business_unit", 50.0, 50.0,
        1, dict.fromkeys(COMPONENTS, 0.5),
    )  # fmt: skip
    for figure in (figures.scores_figure([unit]), figures.components_figure([unit])):
        assert "<a" not in figure.data[0].name and "&lt;a href" in figure.data[0].name
        assert "<a" not in figure.data[0].hovertemplate
    progress = figures.progress_figure({"<b>CSAT</b>": {"u": 0.5}}, [unit])
    assert list(progress.data[0].y) == ["&lt;b&gt;CSAT&lt;/b&gt;"]
