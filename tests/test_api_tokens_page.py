"""The admin page's API tokens: create (shown once), list with last use and expiry, revoke."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cxos.identity import tokens
from cxos.storage import Database
from tests.pages import demo_sample, in_app


@pytest.fixture
def sample(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    return demo_sample(db, monkeypatch)


def _people_page(person: str = "p_admin") -> AppTest:
    return in_app(person, "admin_people.py")


def _button(at: AppTest, label: str):  # noqa: ANN202 - AppTest's element type
    return next(b for b in at.button if b.label == label)


def test_an_admin_creates_a_token_shown_once_then_revokes_it(sample: Database) -> None:
    at = _people_page()
    at.text_input(key="admin_tokens_name").input("survey-sync")
    at.selectbox(key="admin_tokens_scope").set_value("team:t_billing")
    _button(at, "Create token").click().run()
    assert not at.exception
    shown = [c.value for c in at.code]
    assert len(shown) == 1 and shown[0].startswith("cxos_")
    actor = tokens.authenticate(sample, shown[0])
    assert (actor.name, actor.scope) == ("survey-sync", "team:t_billing")
    table = next(d.value for d in at.dataframe if "Scope" in d.value.columns)
    assert list(table["Name"]) == ["survey-sync"] and list(table["State"]) == ["active"]
    assert list(table["Last used"]) == ["—"] and list(table["Expires after"]) == ["—"]

    at.run()
    assert not at.code, "the token is shown only once"
    table = next(d.value for d in at.dataframe if "Scope" in d.value.columns)
    assert "—" not in list(table["Last used"]), "authenticate used it since"
    at.selectbox(key="admin_tokens_revoke_name").set_value("survey-sync")
    _button(at, "Revoke token").click().run()
    assert not at.exception
    assert [i.state for i in tokens.list_tokens(sample)] == ["revoked"]
    with pytest.raises(tokens.InvalidToken, match="revoked"):
        tokens.authenticate(sample, shown[0])


def test_a_bad_token_name_is_refused_in_words(sample: Database) -> None:
    at = _people_page()
    at.text_input(key="admin_tokens_name").input("no spaces please")
    _button(at, "Create token").click().run()
    assert not at.exception and not at.code
    assert "name is 1 to 60 letters" in at.error[0].value.replace("\\", "")
    assert tokens.list_tokens(sample) == []
