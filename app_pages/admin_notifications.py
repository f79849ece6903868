"""Notifications sent: what went to whom, when, and why (which rule); anyone's digest choice."""

from __future__ import annotations

import streamlit as st

from cxos.notify import preferences
from cxos.notify.rules import RULES
from cxos.notify.store import FREQUENCIES
from ui import notices
from ui.admin import require_admin
from ui.session import require_person

person = require_person()
require_admin(person)

st.title("Notifications sent")
st.caption(
    "Every notice `python -m cxos notify` e-mailed: to whom, at which address, when, and the "
    "rule that sent it. A notice is sent once per person and day (escalations once per lapse)."
)
limit = st.number_input("Show at most", 10, 10_000, 500, step=100, key="admin_notify_limit")
rows = notices.sent_log(int(limit))
if not rows:
    st.info("Nothing has been sent yet.", icon=":material/outgoing_mail:")
else:
    st.dataframe(
        [{**row, "why": RULES.get(row["rule"], row["rule"])} for row in rows],
        hide_index=True,
        width="stretch",
        key="admin_notify_table",
        column_config={
            "sent_at": st.column_config.DatetimeColumn("Sent", format="YYYY-MM-DD HH:mm"),
            "sent_on": st.column_config.DateColumn("For the day"),
            "person": "To",
            "address": "Address",
            "kind": "Message",
            "rule": "Rule",
            "why": "Why",
            "title": "About",
        },
        column_order=("sent_at", "person", "kind", "rule", "title", "why", "address", "sent_on"),
    )

st.subheader("Someone's digest frequency")
people = notices.people_names()


def _show_their_frequency() -> None:
    """The radio shows the chosen person's setting, so Save never changes it unasked."""
    chosen = st.session_state.get("admin_notify_person")
    if chosen:
        st.session_state["admin_notify_frequency"] = notices.frequency_of(chosen)


# Outside the form: choosing a person reruns, and the form opens on their current setting.
chosen_person = st.selectbox(
    "Person",
    list(people),
    format_func=people.__getitem__,
    key="admin_notify_person",
    on_change=_show_their_frequency,
)
if chosen_person and "admin_notify_frequency" not in st.session_state:
    _show_their_frequency()
with st.form("admin_notify_form"):
    frequency = st.radio(
        "Digest",
        FREQUENCIES,
        format_func=preferences.LABELS.__getitem__,
        horizontal=True,
        key="admin_notify_frequency",
    )
    if st.form_submit_button("Save", key="admin_notify_save") and chosen_person:
        notices.save_frequency(person.id, chosen_person, frequency)
if chosen_person:
    st.caption(f"Now: {preferences.LABELS[notices.frequency_of(chosen_person)]}.")
