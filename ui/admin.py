"""Helpers for the admin pages: the admin-only stop and small shared readers."""

from __future__ import annotations

import streamlit as st

from cxos import text
from cxos.model.entities import Person

# How the refusal names the reader's role (the sidebar's caption shows the raw role).
ROLE_NAMES = {
    "admin": "an administrator",
    "steering": "a member of the steering committee",
    "head": "a team head",
    "champion": "a CX champion",
    "member": "a team member",
}


def require_admin(person: Person) -> None:
    """Stop the page for anyone but an administrator (the services check again)."""
    if person.role != "admin":
        role = ROLE_NAMES.get(person.role, person.role)
        st.error(
            "This page is for administrators: only an administrator may use it. You are "
            f"signed in as {text.markdown(person.name)}, {role}.",
            icon=":material/admin_panel_settings:",
        )
        st.caption("Your pages are listed in the sidebar.")
        st.stop()
