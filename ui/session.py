"""The per-server database and the guard every page script calls first.

`require_person()` is deliberately self-sufficient: Streamlit can run a `pages/` script by
its URL on a freshly started server without running `app.py` first, so a page must never
rely on the entry script having checked sign-in. Without a signed-in person it renders
the sign-in prompt and stops the script, before any data is read.
"""

from __future__ import annotations

import streamlit as st

from cxos import audit
from cxos.errors import CxosError
from cxos.models import Person
from cxos.storage import Database, resolve_path
from ui import auth


@st.cache_resource(show_spinner=False)
def _database(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """The app's database: `CXOS_DB`, else data/cxos.duckdb (created and upgraded)."""
    return _database(str(resolve_path()))


def data_version() -> int:
    """Changes after every write; pass it to `st.cache_data` functions as an argument."""
    return audit.data_version(database())


def require_person() -> Person:
    """The signed-in person; otherwise show the sign-in prompt and stop the page."""
    try:
        db = database()
    except CxosError as error:  # a page run by URL has no app.py to catch this
        st.error(f"CXOS cannot use its database: {error}", icon=":material/error:")
        st.stop()
    person = auth.current_person(db)
    if person is None:
        auth.sign_in_page()
        st.stop()
    auth.show_mode_notice(db)
    _show_flash()
    return person  # type: ignore[return-value]


def after_write(message: str | None = None) -> None:
    """After a successful write: drop cached reads; with a message, show it and rerun."""
    st.cache_data.clear()
    if message:
        st.session_state[_FLASH_KEY] = message
        st.rerun()


_FLASH_KEY = "session_flash"


def _show_flash() -> None:
    message = st.session_state.pop(_FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")
