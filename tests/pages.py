"""Helpers for AppTest page tests: open one page as a person, check it drew cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.storage import Database
from tests.sample import load_sample

PAGES = Path(__file__).resolve().parent.parent / "app_pages"
APP = str(PAGES.parent / "app.py")


def page_as(name: str, person_id: str, timeout: float = 30) -> AppTest:
    """app_pages/`name`.py drawn for `person_id` (signed in through the session)."""
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=timeout)
    app.session_state["auth_person_id"] = person_id
    return app.run()


def assert_ok(app: AppTest) -> None:
    """No exception and no error message on the page."""
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def in_app(person_id: str, name: str) -> AppTest:
    """The whole app (sign-in frame, sidebar, navigation) as `person_id`, on page `name`."""
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["as"] = person_id
    app.run()
    return app.switch_page(str(PAGES / name)).run()


def demo_sample(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The sample organisation marked as the demo (sign-in by `?as=`), with no cache left
    from another test's database."""
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    return load_sample(db, demo=True)
