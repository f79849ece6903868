"""AppTest of the opportunity backlog page and the opportunity → goal step on the
meetings page (issue 25), on the hand-made insights company."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.review import meetings
from cxos.storage import Database
from tests import insights_data
from tests.insights_data import AS_OF
from tests.pages import PAGES, assert_ok


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("CXOS_AUTH", "demo")


@pytest.fixture
def company(db: Database) -> Database:
    return insights_data.load(db)


def _page(name: str, person_id: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
    app.session_state["auth_person_id"] = person_id
    app.session_state["filters_value_as_of"] = AS_OF  # the sidebar's date
    return app.run()


def _table(app: AppTest, column: str) -> list[dict]:
    """The rows of the page's table that has `column`."""
    return next(d.value for d in app.dataframe if column in d.value.columns).to_dict("records")


def _backlog(app: AppTest) -> list[dict]:
    return _table(app, "Why it hurts")


def test_the_backlog_ranks_the_planted_stages(company: Database) -> None:
    app = _page("opportunities", "p_steer")
    assert_ok(app)
    rows = _backlog(app)
    assert [(r["Rank"], r["Stage"]) for r in rows] == [
        (1, "Pay the bill"),
        (2, "Compare offers"),
        (3, "Get help"),
    ]
    assert rows[0]["Rating"] == "not rated" and "twice" in rows[0]["Why it hurts"]


def test_the_committee_rates_an_opportunity_from_the_page(company: Database) -> None:
    app = _page("opportunities", "p_steer")
    app.selectbox(key="opportunities_rate_stage").set_value("s3")
    app.select_slider(key="opportunities_value").set_value(5)
    app.select_slider(key="opportunities_effort").set_value(1)
    app.text_input(key="opportunities_note").input("Cheap fix")
    app.button[0].click().run()  # the form's submit button
    assert_ok(app)
    rows = _backlog(app)
    assert rows[0]["Stage"] == "Get help" and rows[0]["Rating"].startswith("by Sam Steer, ")
    assert (rows[0]["Value"], rows[0]["Effort"]) == (5, 1)


def test_a_champion_reads_the_backlog_but_cannot_rate(company: Database) -> None:
    app = _page("opportunities", "p_champ")
    assert_ok(app)
    assert len(_backlog(app)) == 3
    assert not [s for s in app.selectbox if s.key == "opportunities_rate_stage"]
    assert any("yours to read" in c.value for c in app.caption)


def test_the_page_says_whether_completed_work_moved_its_metric(company: Database) -> None:
    app = _page("opportunities", "p_steer")
    rows = {r["Team"]: r for r in _table(app, "Share moved")}
    assert (rows["Billing"]["Moved"], rows["Retail Stores"]["Not moved"]) == (1, 1)
    assert (rows["Billing"]["Share moved"], rows["Retail Stores"]["Share moved"]) == (100, 0)
    assert any("not proof that the work caused it" in c.value for c in app.caption)


def test_the_backlog_reads_in_words_each_stages_pain_in_one_cell(company: Database) -> None:
    """Review at 1440 px: 14 columns under lower-case codes, the teams and themes cut off."""
    app = _page("opportunities", "p_steer")
    table = next(d for d in app.dataframe if "Why it hurts" in d.value.columns)
    assert list(table.value.columns) == [
        "Rank", "Stage", "Score", "Impact", "Value", "Effort", "Why it hurts", "Teams", "Rating"
    ]  # fmt: skip
    first = table.value.to_dict("records")[0]
    assert first["Why it hurts"].startswith("12 complaints: "), first
    assert table.proto.row_height > 64  # Streamlit wraps a cell's text only in taller rows


def test_an_opportunity_becomes_a_goal_from_the_meetings_page(company: Database) -> None:
    meeting = meetings.start_meeting(company, "p_steer", AS_OF, "Q3 review")
    app = _page("meetings", "p_steer")
    app.selectbox(key="meetings_pick").set_value(meeting.id)
    app.run()
    app.selectbox(key="meetings_opportunity").set_value("s3")
    app.text_input(key="meetings_opportunity_title").input("One front door for help")
    app.selectbox(key="meetings_opportunity_team").set_value("t_service")
    app.selectbox(key="meetings_opportunity_owner").set_value("p_champ2")
    app.multiselect(key="meetings_opportunity_contributors").set_value(["t_stores"])
    submit = next(b for b in app.button if b.label == "Make it a goal")
    submit.click().run()
    assert_ok(app)
    goal = company.rows("SELECT * FROM goals WHERE title = 'One front door for help'")
    assert [(g["team_id"], g["owner_id"]) for g in goal] == [("t_service", "p_champ2")]
    decisions = meetings.view(company, meeting.id).decisions
    assert decisions[0]["text"] == "Opportunity at Get help becomes goal 'One front door for help'."


def test_a_goal_without_an_owner_is_asked_for_and_nothing_is_saved(company: Database) -> None:
    meeting = meetings.start_meeting(company, "p_steer", AS_OF, "Q3 review")
    app = _page("meetings", "p_steer")
    app.selectbox(key="meetings_pick").set_value(meeting.id)
    app.run()
    app.text_input(key="meetings_opportunity_title").input("Fix billing")
    app.selectbox(key="meetings_opportunity_team").set_value("t_billing")
    next(b for b in app.button if b.label == "Make it a goal").click().run()
    assert app.error and not app.exception
    assert company.scalar("SELECT count(*) FROM goals WHERE title = 'Fix billing'") == 0


def test_journey_stage_panel_and_inbox_show_the_themes(company: Database) -> None:
    app = _page("journey", "p_steer")
    app.selectbox(key="journey_stage").set_value("s2")
    app.run()
    assert_ok(app)
    assert "twice" in _table(app, "Trend")[0]["Theme"]
    inbox = _page("inbox", "p_head")
    assert_ok(inbox)
    first = _table(inbox, "Trend")[0]
    assert "billed" in first["Theme"] and first["Items"] == 12


def test_hidden_from_heads_and_members_in_navigation() -> None:
    from ui import navigation

    entry = next(e for e in navigation.REGISTRY if e.file == "opportunities.py")
    assert set(entry.roles) == {"admin", "steering", "champion"}
    assert Path(entry.path).is_file()
