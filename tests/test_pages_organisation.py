"""AppTest flows of the Organisation & journey page: each editor adds and changes a record,
and each refusal shows in words (not an administrator, stale, invalid, duplicate id)."""

from __future__ import annotations

from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.identity import audit
from cxos.organisation import editing
from cxos.organisation.reads import organisation
from cxos.storage import Database
from tests.pages import assert_ok, page_as
from tests.sample import load_sample

K = "admin_org"


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    st.cache_data.clear()
    monkeypatch.setenv("CXOS_AUTH", "demo")


@pytest.fixture
def sample(db: Database) -> Database:
    return load_sample(db)


def _page() -> AppTest:
    app = page_as("admin_organisation", "p_admin", timeout=60)
    assert_ok(app)
    return app


def _fill(app: AppTest, key: str, **fields: Any) -> AppTest:
    for name, value in fields.items():
        widget = next(w for w in app.main if getattr(w, "key", None) == f"{key}_{name}")
        widget.set_value(value)
    return app.button(key=f"{key}_save").click().run()


def _saved(app: AppTest, words: str) -> None:
    assert_ok(app)
    assert any(words in s.value for s in app.success), [s.value for s in app.success]


def _errors(app: AppTest) -> str:
    """The page's error messages as a person reads them (markdown escapes taken out)."""
    return " ".join(e.value for e in app.error).replace("\\", "")


def _row(db: Database, table: str, record_id: str) -> dict[str, Any]:
    return next(r for r in organisation(db)[table] if r["id"] == record_id)


def test_a_business_unit_is_added_then_renamed(sample: Database) -> None:
    app = _fill(_page(), f"{K}_bu_new", name="Wholesale", id="bu_whole")
    _saved(app, "Added business unit Wholesale")
    assert _row(sample, "business_units", "bu_whole")["name"] == "Wholesale"
    # the add form starts afresh, under a new key the browser draws empty
    assert app.text_input(key=f"{K}_bu_new1_name").value == ""
    assert not [w for w in app.text_input if w.key == f"{K}_bu_new_name"]
    app.selectbox(key=f"{K}_bu_pick").set_value("bu_whole").run()
    app = _fill(app, f"{K}_bu_edit_bu_whole", name="Wholesale and Partners")
    _saved(app, "Saved business unit Wholesale and Partners")
    assert _row(sample, "business_units", "bu_whole")["name"] == "Wholesale and Partners"


def test_a_team_is_added_moved_and_given_a_head(sample: Database) -> None:
    app = _fill(_page(), f"{K}_team_new", name="Payments", unit="bu_retail", id="t_pay")
    _saved(app, "Added team Payments")
    app.selectbox(key=f"{K}_team_pick").set_value("t_pay").run()
    app = _fill(app, f"{K}_team_edit_t_pay", unit="bu_biz")
    _saved(app, "Saved team Payments")
    assert _row(sample, "teams", "t_pay")["business_unit_id"] == "bu_biz"
    app.selectbox(key=f"{K}_team_pick").set_value("t_pay").run()
    app = _fill(app, f"{K}_head_t_pay", person="p_member")
    _saved(app, "Mia Member now heads Payments")
    mia = _row(sample, "people", "p_member")
    assert (mia["team_id"], mia["role"]) == ("t_pay", "head")
    assert _row(sample, "teams", "t_pay")["head"] == "Mia Member"


def test_a_person_is_added_then_given_a_role(sample: Database) -> None:
    app = _fill(
        _page(), f"{K}_person_new", name="Nia New", email="nia@example.com", team="t_billing"
    )
    _saved(app, "Added Nia New")
    new = next(p for p in organisation(sample)["people"] if p["name"] == "Nia New")
    assert new["role"] == "member" and new["id"].startswith("p-")
    app.selectbox(key=f"{K}_person_pick").set_value(new["id"]).run()
    app = _fill(app, f"{K}_person_edit_{new['id']}", role="champion")
    _saved(app, "Saved Nia New")
    assert _row(sample, "people", new["id"])["role"] == "champion"


def test_a_journey_is_added_renamed_and_its_phase_renamed(sample: Database) -> None:
    app = _fill(_page(), f"{K}_journey_new", name="Business customer", id="j2")
    _saved(app, "Added journey Business customer")
    app.selectbox(key=f"{K}_journey_pick").set_value("j1").run()
    app = _fill(app, f"{K}_journey_edit_j1", name="Home customer")
    _saved(app, "Saved journey Home customer")
    app.selectbox(key=f"{K}_journey_pick").set_value("j1").run()
    app.selectbox(key=f"{K}_phase_pick_j1").set_value("Buy").run()
    app = _fill(app, f"{K}_phase_j1_Buy", name="Choose")
    _saved(app, "Renamed phase Buy to Choose")
    assert _row(sample, "stages", "s1")["phase"] == "Choose"


def test_a_stage_is_inserted_between_two_then_moved_and_renamed(sample: Database) -> None:
    app = _page()
    places = app.selectbox(key=f"{K}_stage_new_place")
    assert places.options == [
        "First, before Compare offers",
        "After Compare offers",
        "After Pay the bill",
    ]
    app = _fill(app, f"{K}_stage_new", name="Sign up", phase="Buy", place=2, id="s_mid")
    _saved(app, "Added stage Sign up")
    order = [s["id"] for s in organisation(sample)["stages"]]
    assert order == ["s1", "s_mid", "s2"]
    app.selectbox(key=f"{K}_stage_pick").set_value("s_mid").run()
    app = _fill(app, f"{K}_stage_move_s_mid", place=1)
    _saved(app, "Moved stage Sign up")
    assert [s["id"] for s in organisation(sample)["stages"]] == ["s_mid", "s1", "s2"]
    app.selectbox(key=f"{K}_stage_pick").set_value("s_mid").run()
    app = _fill(app, f"{K}_stage_edit_s_mid", name="Open an account", phase="Use")
    _saved(app, "Saved stage Open an account")
    assert _row(sample, "stages", "s_mid")["phase"] == "Use"


def test_a_touchpoint_is_added_then_moved_to_another_team(sample: Database) -> None:
    app = _fill(
        _page(),
        f"{K}_touchpoint_new",
        name="Billing chat",
        stage="s2",
        layer="on_stage",
        channel="Chat",
        owner="t_billing",
        id="tp_chat",
    )
    _saved(app, "Added touchpoint Billing chat")
    app.selectbox(key=f"{K}_touchpoint_pick").set_value("tp_chat").run()
    app = _fill(app, f"{K}_touchpoint_edit_tp_chat", owner="t_service")
    _saved(app, "Saved touchpoint Billing chat")
    assert _row(sample, "touchpoints", "tp_chat")["owner"] == "Business Service"


def test_an_objective_is_added_then_changed(sample: Database) -> None:
    app = _fill(_page(), f"{K}_objective_new", title="Fast answers", vision="Within a day", id="o2")
    _saved(app, "Added objective Fast answers")
    app.selectbox(key=f"{K}_objective_pick").set_value("o2").run()
    app = _fill(app, f"{K}_objective_edit_o2", vision="Within an hour")
    _saved(app, "Saved objective Fast answers")
    assert _row(sample, "objectives", "o2")["vision"] == "Within an hour"


@pytest.mark.parametrize("who", ["p_head", "p_steer"])
def test_a_head_or_steering_member_is_refused_the_page(sample: Database, who: str) -> None:
    app = page_as("admin_organisation", who)
    assert "only an administrator may use it" in app.error[0].value
    assert not app.text_input and not app.button


def test_a_stale_edit_is_refused_saying_who_changed_what(sample: Database) -> None:
    editing.create_person(
        sample,
        "p_admin",
        {"id": "p_admin2", "name": "Ola Other", "team_id": "t_service", "role": "admin"},
    )
    app = _page()
    app.selectbox(key=f"{K}_team_pick").set_value("t_billing").run()
    editing.update_team(sample, "p_admin2", "t_billing", {"name": "Billing & Payments"})
    app = _fill(app, f"{K}_team_edit_t_billing", name="Invoicing")
    assert any("changed while you were editing" in w.value for w in app.warning)
    said = " ".join(c.value for c in app.caption)
    assert "Ola Other" in said and "name changed" in said
    assert app.text_input(key=f"{K}_team_edit_t_billing_name").value == "Invoicing"  # kept
    assert _row(sample, "teams", "t_billing")["name"] == "Billing & Payments"


def test_an_invalid_value_is_refused_naming_the_field(sample: Database) -> None:
    before = audit.data_version(sample)
    app = _fill(_page(), f"{K}_team_new", name="Payments")  # no business unit chosen
    assert "business unit: is required but empty" in _errors(app)
    app = _fill(app, f"{K}_objective_new", title="x" * 201)
    assert "title: is 201 characters long" in _errors(app)
    assert audit.data_version(sample) == before


def test_an_id_already_held_is_refused(sample: Database) -> None:
    app = _fill(_page(), f"{K}_bu_new", name="Retail again", id="bu_retail")
    assert "already a business unit with id 'bu_retail'" in _errors(app)
    assert app.text_input(key=f"{K}_bu_new_name").value == "Retail again"  # input kept
    assert _row(sample, "business_units", "bu_retail")["name"] == "Retail"
