"""The Reorganise page (administrators): retire with dependants listed and a move-to
choice, merge two teams; refused to a head. On the sample organisation (tests/sample.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from cxos.storage import Database, structure
from tests.pages import demo_sample, in_app


@pytest.fixture
def sample(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    return demo_sample(db, monkeypatch)


def _page(person_id: str) -> AppTest:
    return in_app(person_id, "admin_reorganise.py")


def _choose_stage_s2(at: AppTest) -> AppTest:
    at.selectbox(key="reorg_kind").set_value("stage").run()
    return at.selectbox(key="reorg_row").set_value("s2").run()


def test_a_stage_with_goals_lists_them_and_is_not_retired_without_a_choice(sample):
    at = _choose_stage_s2(_page("p_admin"))
    assert not at.exception, at.exception
    assert "depend on" in " ".join(w.value for w in at.warning)
    listed = at.dataframe[0].value
    assert "g_bill" in set(listed["Id"]) and "goal linked to it" in set(listed["Depends as"])
    at.button(key="reorg_retire").click().run()
    refusal = " ".join(e.value for e in at.error)
    assert "goal linked to it" in refusal and "nothing was changed" in refusal
    assert sample.scalar("SELECT retired_on FROM stages WHERE id = 's2'") is None


def test_confirming_retires_the_stage_and_its_touchpoints(sample):
    at = _choose_stage_s2(_page("p_admin"))
    at.checkbox(key="reorg_confirm").check().run()
    at.button(key="reorg_retire").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert sample.scalar("SELECT retired_on FROM stages WHERE id = 's2'") == dt.date.today()
    assert sample.scalar("SELECT retired_on FROM touchpoints WHERE id = 'tp2'") == dt.date.today()
    assert sample.read(structure.stale_tables) == []


def test_moving_a_stage_s_dependants_to_another_stage(sample):
    at = _choose_stage_s2(_page("p_admin"))
    at.selectbox(key="reorg_move_to").set_value("s1").run()
    assert not at.checkbox  # moving needs no confirmation
    at.button(key="reorg_retire").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert sample.scalar("SELECT stage_id FROM touchpoints WHERE id = 'tp2'") == "s1"
    linked = sample.rows(
        "SELECT stage_id FROM goal_stages WHERE goal_id = 'g_bill' AND retired_on IS NULL"
    )
    assert [r["stage_id"] for r in linked] == ["s1"]


def test_merging_two_teams_from_the_page(sample):
    at = _page("p_admin")
    at.selectbox(key="reorg_merge_from").set_value("t_stores")
    at.selectbox(key="reorg_merge_into").set_value("t_billing")
    at.button(key="FormSubmitter:reorg_merge_form-Merge teams").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert sample.scalar("SELECT team_id FROM goals WHERE id = 'g_store'") == "t_billing"
    assert sample.scalar("SELECT retired_on FROM teams WHERE id = 't_stores'") is not None
    assert "Merged" in " ".join(s.value for s in at.success)


def test_a_head_is_refused_the_page_and_nothing_changes(sample):
    at = _page("p_head")
    assert not at.exception
    assert "This page is for administrators" in " ".join(e.value for e in at.error)
    assert not [b for b in at.button if b.key != "account_sign_out"]
    assert sample.scalar("SELECT count(*) FROM teams WHERE retired_on IS NOT NULL") == 0
