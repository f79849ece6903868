"""The demo company tells issue 25's story: one stage whose pain is obvious (it tops the
backlog, its theme is the direct debit taken twice, rising), one action that worked and
one that did not."""

from __future__ import annotations

import datetime as dt

import pytest

from cxos.demo import company, story
from cxos.insights.impact import MOVED, NOT_MOVED, compute_impact
from cxos.insights.opportunities import compute_opportunities
from cxos.insights.themes import compute_themes
from cxos.storage import Database

DAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = Database(tmp_path_factory.mktemp("insights-demo") / "cxos.duckdb")
    company.load(db, as_of=DAY)
    return db


def test_the_obvious_pain_tops_the_backlog(demo: Database) -> None:
    top = compute_opportunities(demo, DAY)[0]
    assert (top.stage, top.journey) == ("Pay the bill", "Consumer journey")
    assert top.negative >= story.PAIN_RECENT and top.pain == 1
    assert {"direct", "debit", "twice"} <= set(top.themes[0].split(", "))


def test_the_pain_is_a_rising_theme_of_its_stage(demo: Database) -> None:
    report = compute_themes(demo, DAY)
    stage_id = compute_opportunities(demo, DAY, report)[0].stage_id
    theme = report.of("stage", stage_id)[0]
    assert "debit" in theme.theme.words and theme.trend == "rising"
    assert theme.negative_share == 1


def test_one_action_worked_and_one_did_not(demo: Database) -> None:
    results = {r.action_id: r for r in compute_impact(demo, DAY)}
    worked, did_not = results["a-past-1"], results["a-past-2"]
    assert (worked.outcome, worked.improvement, worked.notes) == (MOVED, 15, [])
    assert (did_not.outcome, did_not.improvement, did_not.notes) == (NOT_MOVED, -3, [])
