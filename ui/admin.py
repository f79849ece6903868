"""Helpers for the admin pages: the admin-only stop and small shared readers."""

from __future__ import annotations

import streamlit as st

from cxos import text
from cxos.model.entities import Person


def require_admin(person: Person) -> None:
    """Stop the page for anyone but an administrator (the services check again)."""
    if person.role != "admin":
        st.error(
            f"{text.markdown(person.name)} is {person.role}; "
            "only an administrator may use this page."
        )
        st.stop()
