"""AppTest: the notifications on My work, the digest choice, the admin's sent log.

The list on My work is the domain's `notices_for` for the signed-in person; preferences
saved from the page persist in the database; the sent log is for administrators only.
"""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.identity.permissions import OPERATOR
from cxos.notify import preferences
from cxos.notify.rules import notices_for
from cxos.storage import Database
from tests.notify_fixtures import load_story
from tests.pages import PAGES, assert_ok

LATER = dt.date(2026, 11, 12)  # Billing's two actions 9 days late: escalated to its head


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    st.cache_data.clear()
    monkeypatch.setenv("CXOS_AUTH", "demo")


def page(name: str, person_id: str, as_of: dt.date = LATER) -> AppTest:
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
    app.session_state["auth_person_id"] = person_id
    app.session_state["filters_value_as_of"] = as_of
    return app.run()


def table(app: AppTest, column: str):  # noqa: ANN201 - a pandas DataFrame
    """The first table with this column (AppTest does not expose dataframe keys)."""
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_my_work_lists_the_notices_the_domain_computes(db: Database) -> None:
    load_story(db)
    app = page("my_work", "p_head")
    assert_ok(app)
    notices = table(app, "Why")
    expected = notices_for(db, "p_head", LATER)
    assert list(notices["About"]) == [n.title for n in expected]
    assert list(notices["Why"]) == [n.why for n in expected]
    assert "Escalated" in set(notices["Notice"])
    assert set(notices["Open"]) == {"my_work"}


def test_a_persons_digest_choice_persists(db: Database) -> None:
    load_story(db)
    app = page("my_work", "p_member")
    assert app.radio(key="mywork_notify_frequency").value == "weekly"
    app.radio(key="mywork_notify_frequency").set_value("off")
    app = app.button(key="mywork_notify_save").click().run()
    assert_ok(app)
    assert preferences.frequency(db, "p_member") == "off"
    again = page("my_work", "p_member")
    assert again.radio(key="mywork_notify_frequency").value == "off"


def test_admin_sees_the_sent_log_with_its_rules(db: Database) -> None:
    load_story(db)
    db.write(
        lambda con: con.execute(
            "INSERT INTO notify_sent VALUES ('p_head', 'late_to_head:overdue_action:a_late:"
            "2026-11-03', DATE '2026-11-12', 'late_to_head', 'escalation', 'email', "
            "'head@example.com', 'Fix the refund backlog', TIMESTAMP '2026-11-12 07:00:00')"
        )
    )
    app = page("admin_notifications", "p_admin")
    assert_ok(app)
    rows = table(app, "why")
    assert list(rows["person"]) == ["Dana Lee"]
    assert list(rows["rule"]) == ["late_to_head"]
    assert "late beyond the grace period" in rows["why"][0]


def test_the_sent_log_is_refused_to_others(db: Database) -> None:
    load_story(db)
    app = page("admin_notifications", "p_head")
    assert not app.exception
    assert "only an administrator" in app.error[0].value
    assert not app.dataframe


def test_admin_sets_someones_digest(db: Database) -> None:
    load_story(db)
    app = page("admin_notifications", "p_admin")
    app = app.selectbox(key="admin_notify_person").set_value("p_member").run()
    app.radio(key="admin_notify_frequency").set_value("daily")
    app = app.button(key="admin_notify_save").click().run()
    assert_ok(app)
    assert preferences.frequency(db, "p_member") == "daily"


def test_the_digest_form_opens_on_the_persons_own_setting(db: Database) -> None:
    """Review: the radio said Daily for someone on Weekly; Save changed them unasked."""
    load_story(db)
    preferences.set_frequency(db, OPERATOR, "p_member", "off")
    app = page("admin_notifications", "p_admin")
    app = app.selectbox(key="admin_notify_person").set_value("p_member").run()
    assert app.radio(key="admin_notify_frequency").value == "off"
    app = app.selectbox(key="admin_notify_person").set_value("p_admin").run()
    assert app.radio(key="admin_notify_frequency").value == preferences.frequency(db, "p_admin")
    app = app.button(key="admin_notify_save").click().run()
    assert preferences.frequency(db, "p_member") == "off"
