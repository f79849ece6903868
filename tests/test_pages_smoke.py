"""Every registered page, for every role, renders without an exception (AppTest).

Parametrised over `ui.navigation.REGISTRY`, so a page is covered as soon as it registers.
Also: a page script run on its own (no app.py) shows the sign-in prompt and no data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.storage import Database
from tests.sample import PERSONAS, load_sample
from ui import navigation

APP = str(navigation.ROOT / "app.py")
TIMEOUT = 60


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("smoke") / "cxos.duckdb"
    load_sample(Database(path), demo=True)
    return path


@pytest.fixture
def as_role(demo_db: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("CXOS_DB", str(demo_db))
    monkeypatch.delenv("CXOS_AUTH", raising=False)

    def start(role: str, script: str = APP) -> AppTest:
        at = AppTest.from_file(script, default_timeout=TIMEOUT)
        at.query_params["as"] = PERSONAS[role]
        return at.run()

    return start


CASES = [
    pytest.param(role, entry, id=f"{role}-{entry.url_path}")
    for role in PERSONAS
    for entry in navigation.available(role)
]


@pytest.mark.parametrize("role", list(PERSONAS))
def test_app_frame_and_landing_page_render(as_role, role: str) -> None:  # noqa: ANN001
    at = as_role(role)
    assert not at.exception, [e.value for e in at.exception]
    assert any(role in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize(("role", "entry"), CASES)
def test_page_renders_for_role(as_role, role: str, entry: navigation.PageEntry) -> None:  # noqa: ANN001
    # Each page on its own (its guard signs the persona in), so one broken page
    # cannot fail the others; the frame is covered by the test above.
    at = as_role(role, str(entry.path))
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{entry.file} shows no title for {role}"
    assert "Demo mode" in " ".join(w.value for w in at.warning)


def test_unsigned_app_shows_only_sign_in(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXOS_DB", str(demo_db))
    monkeypatch.setenv("CXOS_AUTH", "password")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert [t.value for t in at.title] == ["Sign in to CXOS"]
    assert not at.dataframe and not at.metric and not at.warning


@pytest.mark.parametrize("entry", navigation.available(), ids=lambda e: e.url_path)
def test_page_alone_without_sign_in_shows_no_data(
    entry: navigation.PageEntry, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXOS_DB", str(demo_db))
    monkeypatch.setenv("CXOS_AUTH", "password")
    at = AppTest.from_file(str(entry.path), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to CXOS"]
    assert not at.dataframe and not at.metric and not at.expander


@pytest.mark.parametrize(
    "entry", [e for e in navigation.available() if e.roles == ("admin",)], ids=lambda e: e.url_path
)
def test_admin_pages_refuse_others_when_run_directly(
    entry: navigation.PageEntry, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXOS_DB", str(demo_db))
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    at = AppTest.from_file(str(entry.path), default_timeout=TIMEOUT)
    at.query_params["as"] = PERSONAS["head"]
    at.run()
    assert "only an administrator" in at.error[0].value
    assert not at.dataframe


def test_password_sign_in_flow(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxos.identity import accounts

    accounts.set_password(Database(demo_db), "p_admin", "p_head", "s3cret-pass")
    monkeypatch.setenv("CXOS_DB", str(demo_db))
    monkeypatch.setenv("CXOS_AUTH", "password")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="signin_login").input("head@example.com")
    at.text_input(key="signin_password").input("wrong-pass")
    at.button[0].click().run()
    assert "Wrong email or password" in at.error[0].value
    at.text_input(key="signin_password").input("s3cret-pass")
    at.button[0].click().run()
    assert not at.exception
    assert "Dana Lee" in " ".join(c.value for c in at.sidebar.caption)


def test_oidc_user_is_mapped_by_email(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXOS_DB", str(demo_db))
    monkeypatch.setenv("CXOS_AUTH", "oidc")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.user = {"is_logged_in": True, "email": "HEAD@example.com", "name": "Dana"}
    at.run()
    assert not at.exception
    assert "Dana Lee" in " ".join(c.value for c in at.sidebar.caption)
    at.user = {"is_logged_in": True, "email": "stranger@elsewhere.example"}
    at.run()
    assert "no person in CXOS has that email" in at.error[0].value
    assert not at.dataframe and not at.metric


def test_disabled_account_is_signed_out(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxos.identity import accounts

    db = Database(demo_db)
    accounts.set_password(db, "p_admin", "p_member", "member-pass-1")
    monkeypatch.setenv("CXOS_DB", str(demo_db))
    monkeypatch.setenv("CXOS_AUTH", "password")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="signin_login").input("p_member")
    at.text_input(key="signin_password").input("member-pass-1")
    at.button[0].click().run()
    assert "Mia Member" in " ".join(c.value for c in at.sidebar.caption)
    accounts.disable_account(db, "p_admin", "p_member")
    at.run()
    assert [t.value for t in at.title] == ["Sign in to CXOS"]


# -- the same pages on PostgreSQL ----------------------------------------------------------

ONE_ROLE_PER_PAGE = [
    pytest.param(role, entry, id=f"{role}-{entry.url_path}")
    for entry in navigation.available()
    for role in [next(r for r in PERSONAS if entry in navigation.available(r))]
]


@pytest.fixture(scope="module")
def postgres_demo() -> Iterator[str]:
    from tests.conftest import new_postgres_database

    url, drop = new_postgres_database()
    load_sample(Database(url), demo=True)
    try:
        yield url
    finally:
        Database(url, upgrade=False).close()
        drop()


@pytest.mark.parametrize(("role", "entry"), ONE_ROLE_PER_PAGE)
def test_page_renders_on_postgresql(
    postgres_demo: str, monkeypatch: pytest.MonkeyPatch, role: str, entry: navigation.PageEntry
) -> None:
    """Every page reads through the same storage interface on either store; none may ask
    for a file (a PostgreSQL database has none)."""
    monkeypatch.setenv("CXOS_DB", postgres_demo)
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    at = AppTest.from_file(str(entry.path), default_timeout=TIMEOUT)
    at.query_params["as"] = PERSONAS[role]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title, f"{entry.file} shows no title for {role} on PostgreSQL"
