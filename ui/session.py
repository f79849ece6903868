"""The guard every page script calls first, and what follows a successful write.

`require_person()` is deliberately self-sufficient: a page must never rely on the entry
script having checked sign-in (a page script can also be run on its own, as AppTest does,
and Streamlit ran `pages/` scripts by URL without `app.py` before the folder was renamed).
Without a signed-in person it renders the sign-in prompt and stops the script, before any
data is read.
"""

from __future__ import annotations

import streamlit as st

from cxos import text
from cxos.model.entities import Person
from cxos.model.errors import CxosError
from ui import auth
from ui.database import database, forget_version


def require_person() -> Person:
    """The signed-in person; otherwise show the sign-in prompt and stop the page."""
    try:
        db = database()
    except CxosError as error:  # a page run by URL has no app.py to catch this
        st.error(f"CXOS cannot use its database: {text.markdown(error)}", icon=":material/error:")
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
    forget_version()
    st.cache_data.clear()
    if message:
        st.session_state[_FLASH_KEY] = message
        st.rerun()


_FLASH_KEY = "session_flash"


def _show_flash() -> None:
    message = st.session_state.pop(_FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")
