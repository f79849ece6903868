"""The audit log: who changed what, when, with old and new values (administrators)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cxos.identity import audit
from ui.admin import require_admin
from ui.database import data_version, database
from ui.session import require_person

person = require_person()
require_admin(person)


@st.cache_data(show_spinner=False)
def _entities(path: str, version: int) -> list[str]:
    return audit.entities(database())


@st.cache_data(show_spinner=False)
def _entries(path: str, version: int, since: dt.date | None, entity: str | None, limit: int):  # noqa: ANN202
    return [e.model_dump() for e in audit.entries(database(), since, entity, limit)]


st.title("Audit log")
st.caption("Every accepted write: who, when, which record and field, the old and the new value.")
path, version = database().location, data_version()
left, mid, right = st.columns(3)
since = left.date_input("Since", value=None, key="admin_audit_since")
entity = mid.selectbox(
    "Entity",
    [None, *_entities(path, version)],
    key="admin_audit_entity",
    format_func=lambda e: "All" if e is None else e,
)
limit = right.number_input("Show at most", 10, 10_000, 500, step=100, key="admin_audit_limit")
rows = _entries(path, version, since, entity, int(limit))
st.dataframe(
    rows,
    hide_index=True,
    key="admin_audit_table",
    column_config={
        "logged_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm:ss"),
        "who": "Who",
        "operation": "Operation",
        "entity": "Entity",
        "entity_id": "Record",
        "field": "Field",
        "old_value": "Old value",
        "new_value": "New value",
    },
    column_order=(
        "logged_at",
        "who",
        "operation",
        "entity",
        "entity_id",
        "field",
        "old_value",
        "new_value",
    ),
)
st.caption(f"{len(rows)} entries shown.")
