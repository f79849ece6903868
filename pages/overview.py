"""Overview: where every team stands, what moved since the last review, what needs attention."""

from __future__ import annotations

import streamlit as st

from cxos import figures
from cxos.palette import SIGNALS
from ui import steering
from ui.filters import current_filters
from ui.session import require_person

require_person()
filters = current_filters()
path, version = steering.key()
team_scores = steering.scoped_scores(filters)
teams_in_scope = {s.team_id for s in team_scores}

st.title("Overview")
st.caption(f"Scores as of {filters.as_of:%d %B %Y}. Hover a bubble for its eight components.")

units = steering.units(filters)
for column, unit in zip(st.columns(len(units) or 1), units, strict=False):
    column.metric(
        unit.name,
        f"{unit.alignment:.0f} / {unit.accountability:.0f}",
        steering.quadrant_badge(unit.quadrant),
        delta_color="off",
        help="alignment / accountability (0–100)",
    )

quadrant_tab, movement_tab, units_tab = st.tabs(["Quadrant", "Movement since last review", "Units"])
with quadrant_tab:
    st.plotly_chart(
        figures.quadrant_chart(team_scores, steering.config()),
        key="overview_quadrant",
        width="stretch",
    )
with movement_tab:
    previous = steering.previous_review(path, version, filters.as_of)
    if previous:
        st.caption(f"From {previous['title']} ({previous['held_on']}), frozen when it closed.")
    st.plotly_chart(
        figures.movement_chart(
            team_scores, previous["scores"] if previous else None, steering.config()
        ),
        key="overview_movement",
        width="stretch",
    )
with units_tab:
    st.plotly_chart(figures.units_chart(units), key="overview_units", width="stretch")

st.subheader("Needs attention")
found = steering.attention_lists(path, version, filters.as_of)
overdue = [i for i in found.overdue_actions if i.team_id in teams_in_scope]
stale = [g for g in found.stale_goals if g["team_id"] in teams_in_scope]
off_track = [g for g in found.off_track_goals if g["team_id"] in teams_in_scope]
feedback = [s for s in found.unanswered_feedback if set(s.team_ids) & teams_in_scope]
no_pulse = [s for s in found.teams_without_pulse if s.subject_id in teams_in_scope]
lists = {
    "Overdue actions": [
        {
            "action": i.title,
            "team": i.team,
            "owner": i.owner,
            "due": i.due_on,
            "days overdue": i.days_overdue,
        }
        for i in overdue
    ],
    "Stale goals": [{"goal": g["title"], "team": g["team"], "owner": g["owner"]} for g in stale],
    "Off-track goals": [
        {"goal": g["title"], "team": g["team"], "owner": g["owner"], "pace": g["pace"]}
        for g in off_track
    ],
    SIGNALS["unanswered_feedback"]: [
        {"feedback": s.subject_id, "detail": s.detail} for s in feedback
    ],
    "Teams without pulse": [{"team": s.subject_id, "detail": s.detail} for s in no_pulse],
}
for column, (label, rows) in zip(st.columns(len(lists)), lists.items(), strict=True):
    column.metric(label, len(rows))
for label, rows in lists.items():
    with st.expander(f"{label} ({len(rows)})", expanded=False):
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch", key=f"overview_{label}")
        else:
            st.write("Nothing here.")
