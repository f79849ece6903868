"""The notices on My work, the digest-frequency form, and the admin's sent log.

What the notifier e-mails is computed by `cxos.notify` and shown here as it is, so a person
without an e-mail address sees exactly what the others are sent. No SQL here: every read
and write is a `cxos.notify` function (the write checks who may set what).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cxos import palette, text
from cxos.model.entities import Person
from cxos.model.errors import CxosError
from cxos.notify import preferences, store
from cxos.notify.rules import Notice, notices_for
from cxos.notify.store import FREQUENCIES
from ui import tables
from ui.database import data_version, database
from ui.session import after_write
from ui.tables import Column

KIND_WORDS = {"meeting": "Meeting", "escalation": "Escalated", "reminder": "Reminder"}


@st.cache_data(show_spinner=False)
def _notices(path: str, version: int, person_id: str, as_of: dt.date) -> list[Notice]:
    return notices_for(database(), person_id, as_of)


def notice_rows(notices: list[Notice]) -> list[dict[str, str]]:
    """The table of notices: people's text stays cell text (a table never renders markup)."""
    return [
        {
            "Notice": KIND_WORDS[n.kind],
            "Open": n.path(),  # relative, like the glossary link: works under any base path
            "About": n.title,
            "What": n.detail,
            "Why": n.why,
        }
        for n in notices
    ]


def notice_list(person: Person, as_of: dt.date) -> None:
    """The person's notices as of the page's date (what the e-mail says) and their choice.

    Drawn as an expander near the top of My work, open when something was escalated to
    the person or a meeting is ahead (reminders are the list below it).
    """
    notices = _notices(database().location, data_version(), person.id, as_of)
    urgent = any(n.kind != "reminder" for n in notices)
    label = f":material/notifications: Notifications ({len(notices)})"
    with st.expander(label, expanded=urgent, key="mywork_notices_open"):
        where = (
            f"the scheduled e-mails go to {text.markdown(person.email)}"
            if person.email
            else "you have no e-mail address, so they are shown here only"
        )
        st.caption(f"What CXOS tells you as of {palette.day(as_of)}, and why; {where}.")
        if notices:
            _table(notices)
        else:
            st.success("Nothing to tell you.", icon=":material/notifications_off:")
        frequency_form(person)


_NOTICE_COLUMNS = (
    Column("Notice", "Notice", width=85),
    Column("Open", "Open", "link", 55),
    Column("About", "About", "long", 220),
    Column("What", "What", "long", 300),
    Column("Why", "Why", "long", 260),
)


def _table(notices: list[Notice]) -> None:
    tables.show(notice_rows(notices), _NOTICE_COLUMNS, "mywork_notices")


def frequency_form(person: Person) -> None:
    """The person's own digest frequency (escalations and meeting packs are not optional)."""
    current = frequency_of(person.id)
    with st.form("mywork_notify_form", border=True):
        chosen = st.radio(
            "E-mail me a digest of what waits",
            FREQUENCIES,
            index=FREQUENCIES.index(current),
            format_func=preferences.LABELS.__getitem__,
            horizontal=True,
            key="mywork_notify_frequency",
        )
        st.caption(
            "Escalations to you and review packs before a meeting you are invited to come "
            "whatever you choose; escalations about your team reach the steering committee."
        )
        if st.form_submit_button("Save", key="mywork_notify_save"):
            save_frequency(person.id, person.id, chosen)


def save_frequency(actor_id: str, person_id: str, chosen: str) -> None:
    """Set a frequency as the signed-in person; a refusal is shown, never a traceback."""
    try:
        preferences.set_frequency(database(), actor_id, person_id, chosen)
    except CxosError as error:
        st.error(text.markdown(error), icon=":material/block:")
        return
    after_write(f"Digest frequency saved: {preferences.LABELS[chosen].split(' (')[0].lower()}.")


@st.cache_data(show_spinner=False)
def _frequency(path: str, version: int, person_id: str) -> str:
    return preferences.frequency(database(), person_id)


def frequency_of(person_id: str) -> str:
    """A person's digest frequency (cached per data version: a rerun asks no database)."""
    return _frequency(database().location, data_version(), person_id)


@st.cache_data(show_spinner=False)
def _people(path: str, version: int) -> dict[str, str]:
    return {p.id: p.name for p in store.people(database())}


def people_names() -> dict[str, str]:
    """Everyone who may be notified, id -> name (cached per data version)."""
    return _people(database().location, data_version())


@st.cache_data(show_spinner=False)
def _sent(path: str, version: int, limit: int) -> list[dict]:
    return store.sent_log(database(), limit)


def sent_log(limit: int) -> list[dict]:
    """The newest sent notices (cached per data version)."""
    return _sent(database().location, data_version(), limit)
