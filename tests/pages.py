"""Helpers for AppTest page tests: open one page as a person, check it drew cleanly."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parent.parent / "app_pages"


def page_as(name: str, person_id: str, timeout: float = 30) -> AppTest:
    """app_pages/`name`.py drawn for `person_id` (signed in through the session)."""
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=timeout)
    app.session_state["auth_person_id"] = person_id
    return app.run()


def assert_ok(app: AppTest) -> None:
    """No exception and no error message on the page."""
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
