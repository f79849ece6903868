"""AppTest flows of the heads' pages: My work, Check-ins & readings, inbox, team goals."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.storage import Database
from cxos.work.checkins_readings import record_check_in
from cxos.work.my_work import my_work
from tests.pages import PAGES, assert_ok, page_as
from tests.sample import BILLING_COMPLAINT, load_sample


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    st.cache_data.clear()
    # The sample is not the demo company: sign people in as the demo picker would.
    monkeypatch.setenv("CXOS_AUTH", "demo")


@pytest.fixture
def sample(db: Database, load: Any) -> Database:
    """The sample organisation plus an overdue action and negative feedback for Billing."""
    load_sample(db)
    load(
        db,
        {
            "actions": [
                {
                    "id": "a_late",
                    "goal_id": "g_bill",
                    "title": "Fix the late fee text",
                    "owner_id": "p_head",
                    "team_id": "t_billing",
                    "created_on": "2026-02-01",
                    "due_date": "2026-05-01",
                    "status": "in_progress",
                }
            ],
            "feedback": [BILLING_COMPLAINT],
        },
    )
    return db


def _check_in(app: AppTest, key: str, status: str, **fields: Any) -> AppTest:
    app.selectbox(key=f"{key}_status").set_value(status)
    if "confidence" in fields:
        app.select_slider(key=f"{key}_confidence").set_value(fields["confidence"])
    if "note" in fields:
        app.text_area(key=f"{key}_note").input(fields["note"])
    return app.button(key=f"{key}_save").click().run()


@pytest.mark.parametrize("page", ["my_work", "progress", "inbox", "team_goals"])
@pytest.mark.parametrize("person", ["p_admin", "p_steer", "p_head", "p_champ", "p_member"])
def test_every_page_renders_for_every_role(sample: Database, page: str, person: str) -> None:
    assert_ok(page_as(page, person))


def test_feedback_reads_as_waiting_since_it_arrived_not_late(sample: Database) -> None:
    """Review: feedback of 30 July read "127 days late"; 127 days is its age, not lateness."""
    app = page_as("my_work", "p_head")
    today = dt.date.today()  # the page's own date, read as it ran (CI may cross midnight)
    waiting = (today - dt.date(2026, 5, 20)).days
    labels = [e.label for e in app.expander if "My bill doubled" in e.label]
    assert labels and labels[0].endswith(f"waiting {waiting} days"), labels
    action = next(e.label for e in app.expander if "Fix the late fee text" in e.label)
    assert action.endswith(f"{(today - dt.date(2026, 5, 1)).days} days late")


def test_head_clears_every_kind_of_item_on_my_work(sample: Database) -> None:
    kinds = my_work(sample, "p_head", dt.date.today()).counts()
    assert all(kinds.values()), kinds  # one of every kind to start with
    app = page_as("my_work", "p_head")
    assert_ok(app)
    app = _check_in(app, "mywork_overdue_action_a_late", "done")
    assert_ok(app)
    for action in ("a_bill", "a_champ"):
        app = _check_in(app, f"mywork_check_in_due_{action}", "in_progress", confidence=4)
        assert_ok(app)
    app.number_input(key="mywork_metric_due_m_bill_value").set_value(71.5)
    app = app.button(key="mywork_metric_due_m_bill_save").click().run()
    assert_ok(app)
    app.radio(key="mywork_feedback_f_neg_how").set_value("close").run()
    app.text_area(key="mywork_feedback_f_neg_response").input("Refunded; tariff change explained")
    app = app.button(key="mywork_feedback_f_neg_save").click().run()
    assert_ok(app)
    today = dt.date.today()  # the day the page recorded on, had the run crossed midnight
    assert not len(my_work(sample, "p_head", today))
    assert any("Nothing is waiting" in s.value for s in app.success)
    assert sample.scalar("SELECT value FROM metric_readings WHERE as_of = ?", [today]) == 71.5


def test_noteless_low_confidence_check_in_is_refused(sample: Database) -> None:
    app = page_as("my_work", "p_head")
    app = _check_in(app, "mywork_check_in_due_a_bill", "in_progress", confidence=1)
    assert any("needs a note" in e.value for e in app.error)
    assert sample.scalar("SELECT count(*) FROM check_ins WHERE action_id = 'a_bill'") == 0
    app = _check_in(app, "mywork_check_in_due_a_bill", "in_progress", note="Vendor is late")
    assert_ok(app)
    assert sample.scalar("SELECT count(*) FROM check_ins WHERE action_id = 'a_bill'") == 1


def test_member_cannot_touch_another_members_action(sample: Database) -> None:
    app = page_as("progress", "p_member")
    assert_ok(app)
    assert app.selectbox(key="progress_action").options == ["Rewrite the invoice (Mia Member)"]
    mine = page_as("my_work", "p_member")
    assert not any("Share billing tips" in e.label for e in mine.expander)
    # Even a doctored request is refused below the page, and nothing is written.
    with pytest.raises(Exception, match="may only check in on actions they own"):
        record_check_in(sample, "p_member", "a_champ", status="done")
    assert sample.scalar("SELECT status FROM actions WHERE id = 'a_champ'") == "open"


def test_stale_write_is_reported_and_nothing_is_lost(sample: Database) -> None:
    app = page_as("my_work", "p_head")
    key = "mywork_overdue_action_a_late"
    record_check_in(sample, "p_admin", "a_late", status="blocked", note="Waiting for legal")
    app = _check_in(app, key, "in_progress", note="Legal approved the wording")
    assert any("changed while you were editing" in w.value for w in app.warning)
    assert app.text_area(key=f"{key}_note").value == "Legal approved the wording"
    assert sample.scalar("SELECT status FROM actions WHERE id = 'a_late'") == "blocked"
    app = app.button(key=f"{key}_save").click().run()  # decided again, on the new state
    assert_ok(app)
    notes = sample.rows("SELECT note FROM check_ins WHERE action_id = 'a_late' ORDER BY id")
    assert [n["note"] for n in notes] == ["Waiting for legal", "Legal approved the wording"]


def test_item_that_left_the_list_meanwhile_is_reported_with_the_input(sample: Database) -> None:
    app = page_as("my_work", "p_head")
    key = "mywork_check_in_due_a_bill"
    record_check_in(sample, "p_member", "a_bill", status="in_progress", progress=10)
    app = _check_in(app, key, "blocked", note="Vendor is late")
    assert any("no longer waits here" in w.value for w in app.warning)
    assert sample.scalar("SELECT count(*) FROM check_ins WHERE action_id = 'a_bill'") == 1


def test_bulk_table_saves_several_check_ins_or_reports_rows(sample: Database) -> None:
    app = AppTest.from_file(str(PAGES / "progress.py"), default_timeout=30)
    app.session_state["auth_person_id"] = "p_head"
    app.session_state["progress_checkins_editor"] = {
        "edited_rows": {0: {"status": "blocked"}, 1: {"status": "in_progress", "progress": 20}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    app = app.button(key="progress_checkins_save").click().run()
    assert any("Nothing was saved" in e.value for e in app.error)
    assert sample.scalar("SELECT count(*) FROM check_ins WHERE entered_by = 'p_head'") == 0


def test_bulk_table_offers_words_and_saves_the_confidence_picked(sample: Database) -> None:
    app = AppTest.from_file(str(PAGES / "progress.py"), default_timeout=30)
    app.session_state["auth_person_id"] = "p_head"
    app.session_state["progress_checkins_editor"] = {
        "edited_rows": {0: {"status": "in_progress", "progress": 40, "confidence": "4"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    status = json.loads(app.dataframe[0].proto.columns)["status"]["type_config"]["options"]
    labels = [o["label"] for o in status]
    assert labels == ["—", "Open", "In progress", "Blocked", "Done", "Cancelled"]
    app = app.button(key="progress_checkins_save").click().run()
    assert_ok(app)
    saved = sample.rows(
        "SELECT status, progress, confidence, note FROM check_ins WHERE entered_by = 'p_head'"
    )
    assert saved == [{"status": "in_progress", "progress": 40, "confidence": 4, "note": None}]


def test_team_goals_editor_saves_a_metric_target(sample: Database) -> None:
    app = page_as("team_goals", "p_head")
    assert_ok(app)
    key = "teamgoals_g_bill_metric_m_bill"
    app.number_input(key=f"{key}_target").set_value(30.0)
    app = app.button(key=f"{key}_save").click().run()
    assert any("target is below baseline" in e.value for e in app.error)
    app.number_input(key=f"{key}_target").set_value(90.0)
    app = app.button(key=f"{key}_save").click().run()
    assert_ok(app)
    assert sample.scalar("SELECT target FROM metrics WHERE id = 'm_bill'") == 90.0
