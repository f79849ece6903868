"""AppTest flows of issue 20's form fixes: a sent form is not sent twice, a page for
another role says which role it needs, My work lists what its reader can act on, and the
meeting's decision form asks for the goal and files the action under its owner's team."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.storage import Database
from tests.pages import PAGES, assert_ok, page_as
from tests.sample import BILLING_COMPLAINT, load_sample, mark_demo

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("CXOS_AUTH", "demo")


@pytest.fixture
def sample(db: Database, load: Any) -> Database:
    """The sample organisation plus negative feedback for Billing, received long ago."""
    load_sample(db)
    load(
        db,
        {"feedback": [BILLING_COMPLAINT]},
    )
    return db


def _keys(app: AppTest) -> set[str]:
    return {b.key for b in app.button if b.key}


def _check_ins(db: Database, action_id: str) -> int:
    return int(db.scalar("SELECT count(*) FROM check_ins WHERE action_id = ?", [action_id]))


def _readings(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM metric_readings WHERE metric_id = 'm_bill'"))


# -- 1. double submit -----------------------------------------------------------------------


def test_a_saved_check_in_is_not_offered_again_as_it_was(sample: Database) -> None:
    app = page_as("progress", "p_head")
    key = f"progress_one_{app.selectbox(key='progress_action').value}"
    action_id = key.removeprefix("progress_one_")
    app.selectbox(key=f"{key}_status").set_value("in_progress")
    app.text_area(key=f"{key}_note").input("Vendor signed")
    app = app.button(key=f"{key}_save").click().run()
    assert_ok(app)
    assert _check_ins(sample, action_id) == 1
    # Issue 20: the form kept its values and a second click saved a second check-in.
    assert f"{key}_save" not in _keys(app)
    assert any("Checked in" in m.value for m in app.markdown)
    app = app.button(key=f"{key}_again").click().run()  # a new check-in starts empty
    assert_ok(app)
    assert app.text_area(key=f"{key}_note").value == ""
    assert _check_ins(sample, action_id) == 1


def test_post_reading_without_a_value_posts_nothing(sample: Database) -> None:
    app = page_as("progress", "p_head")
    key = "progress_one_reading"
    before = _readings(sample)
    # Issue 20: the last value was pre-filled, so this click posted it again.
    assert app.number_input(key=f"{key}_value").value is None
    app = app.button(key=f"{key}_save").click().run()
    assert any("Enter a value" in e.value for e in app.error)
    assert _readings(sample) == before
    app.number_input(key=f"{key}_value").set_value(71.5)
    app = app.button(key=f"{key}_save").click().run()
    assert_ok(app)
    assert _readings(sample) == before + 1
    assert f"{key}_save" not in _keys(app) and f"{key}_again" in _keys(app)


def test_the_bulk_table_starts_empty_after_saving(sample: Database) -> None:
    app = AppTest.from_file(str(PAGES / "progress.py"), default_timeout=30)
    app.session_state["auth_person_id"] = "p_head"
    app.session_state["progress_checkins_editor"] = {
        "edited_rows": {0: {"status": "in_progress", "progress": 20}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    app = app.button(key="progress_checkins_save").click().run()
    assert_ok(app)
    saved = int(sample.scalar("SELECT count(*) FROM check_ins WHERE entered_by = 'p_head'"))
    assert saved == 1
    app = app.button(key="progress_checkins_save").click().run()  # clicked once more
    assert any("Nothing to save" in w.value for w in app.warning)
    assert sample.scalar("SELECT count(*) FROM check_ins WHERE entered_by = 'p_head'") == saved


def test_a_repeat_from_another_tab_is_reported_not_saved(sample: Database) -> None:
    first, second = page_as("progress", "p_member"), page_as("progress", "p_member")
    key = "progress_one_a_bill"
    for app in (first, second):
        app.selectbox(key=f"{key}_status").set_value("in_progress")
        app.button(key=f"{key}_save").click().run()
    assert _check_ins(sample, "a_bill") == 1
    assert any("not saved twice" in m.value for m in [*second.markdown, *second.success])


# -- 2. another role's page ---------------------------------------------------------------------

APP = str(PAGES.parent / "app.py")


@pytest.fixture
def as_steering(sample: Database, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The whole app (app.py, its navigation) signed in as the sample's steering member."""
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    mark_demo(sample)  # ?as= signs in on the demo company only
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["as"] = "p_steer"
    return app.run()


@pytest.mark.parametrize("page", ["admin_people", "admin_data", "admin_audit"])
def test_an_admin_page_opened_by_steering_says_who_it_is_for(
    as_steering: AppTest, page: str
) -> None:
    app = as_steering
    assert not app.exception
    app.switch_page(f"app_pages/{page}.py").run()  # the address typed or followed from a link
    assert not app.exception, app.exception
    refusal = " ".join(e.value for e in app.error)
    assert "This page is for administrators" in refusal
    assert "Sam Steer, a member of the steering committee" in refusal
    assert not app.dataframe


# -- 4. a meeting's decision form -------------------------------------------------------------


@pytest.fixture
def demo_meeting(db: Database, monkeypatch: pytest.MonkeyPatch) -> tuple[Database, str]:
    """The demo company with an open review today."""
    from cxos.demo import company
    from cxos.review import meetings

    monkeypatch.delenv("CXOS_AUTH", raising=False)
    company.load(db, as_of=TODAY)
    return db, meetings.start_meeting(db, "p-mktg-1", TODAY, "Review 3").id


def test_the_decision_form_asks_for_the_goal_and_files_the_action_by_owner(
    demo_meeting: tuple[Database, str],
) -> None:
    from cxos.review import meetings

    db, meeting_id = demo_meeting
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["as"] = "p-mktg-1"
    app.session_state["meetings_pick"] = meeting_id
    app.run()
    app.switch_page("app_pages/meetings.py").run()
    assert_ok(app)
    # Issue 20: the goal defaulted to the company's first goal (Account Management's).
    assert app.selectbox(key="meetings_decision_goal").value is None
    assert app.selectbox(key="meetings_decision_owner").value is None
    submit = "FormSubmitter:meetings_decision_form-Record the decision"
    app.text_area(key="meetings_decision_text").input("Bridge the delivery hand-off")
    app.checkbox(key="meetings_decision_with_action").check()
    app.selectbox(key="meetings_decision_owner").select("p-logis-0")  # the Logistics head
    app = app.button(key=submit).click().run()
    assert any("choose the goal" in e.value for e in app.error)
    assert not meetings.decisions_of(db, meeting_id)
    assert app.text_area(key="meetings_decision_text").value == "Bridge the delivery hand-off"
    goal = db.scalar("SELECT id FROM goals WHERE team_id = 't-accmgmt' ORDER BY id LIMIT 1")
    app.selectbox(key="meetings_decision_goal").select(goal)
    app = app.button(key=submit).click().run()
    assert_ok(app)
    (decision,) = meetings.decisions_of(db, meeting_id)
    action = db.rows("SELECT team_id, goal_id FROM actions WHERE id = ?", [decision.action_id])
    assert action == [{"team_id": "t-logis", "goal_id": goal}]  # the owner's team delivers
    assert app.text_area(key="meetings_decision_text").value == ""  # not to be sent twice


# -- 3. My work: what one can act on, and what the committee chases -------------------------


def test_steering_my_work_lists_no_feedback_and_what_to_chase(sample: Database) -> None:
    app = page_as("my_work", "p_steer")
    assert_ok(app)
    # Issue 20: she was listed Billing's feedback ("no owner") which only its head answers.
    assert not [e.label for e in app.expander if "My bill doubled" in e.label]
    assert not any("Unanswered feedback" in h.value for h in app.subheader)
    chase = next(d.value for d in app.dataframe if "Ask" in d.value.columns)
    billing = chase[chase["Team"] == "Billing"].iloc[0]
    assert (billing["Ask"], billing["Feedback"]) == ("Dana Lee", 1)


def test_the_head_still_answers_the_feedback_on_my_work(sample: Database) -> None:
    app = page_as("my_work", "p_head")
    assert_ok(app)
    assert [e.label for e in app.expander if "My bill doubled" in e.label]
    assert not [d for d in app.dataframe if "Ask" in d.value.columns]  # not the head's job
