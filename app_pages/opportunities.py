"""Opportunity backlog: stages in pain ranked by impact × value ÷ effort, the committee's
ratings, and whether completed work moved its metric."""

from __future__ import annotations

import streamlit as st

from cxos import palette
from cxos.identity.permissions import can
from ui import insights, steering, tables
from ui.database import database
from ui.filters import current_filters
from ui.session import require_person

person = require_person()
filters = current_filters()
path, version = steering.key()

st.title("Opportunity backlog")
found = insights.backlog(path, version, filters.as_of)
st.caption(
    f"As of {palette.day(filters.as_of)}. Each stage's customer pain — negative feedback in the "
    "90 days to the date, its metrics' gap to target, silo signals — gives its impact "
    "(0–10); the steering committee sets business value and effort (1–5). Rank by impact "
    "× value ÷ effort; an unrated opportunity counts as 3 and 3."
)
if not found:
    st.success("No stage shows customer pain as of this date.", icon=":material/check_circle:")
else:
    tables.show(insights.backlog_rows(found), insights.BACKLOG_COLUMNS, "opportunities_table")
    if can(database(), person.id, "decision"):
        with st.expander("Rate an opportunity", icon=":material/tune:"):
            insights.rating_form(person.id, found)
        st.caption("Turn an opportunity into a goal from an open meeting's Decisions tab.")
    else:
        st.caption("The steering committee rates value and effort; the backlog is yours to read.")

st.subheader("Did completed work move its metric?")
st.caption(
    "For each completed action: its goal's metrics, the latest reading in the 90 days up to "
    "its creation against the latest in the 90 days after its completion. What happened "
    "after the work — not proof that the work caused it."
)
by = st.segmented_control(
    "Per", ["team", "stage", "goal"], default="team", key="opportunities_impact_by"
)
summary = insights.impact_summary(path, version, filters.as_of, by or "team")
if summary:
    tables.show(summary, insights.impact_columns(by or "team"), "opportunities_impact")
else:
    st.caption("No action completed by this date.")
