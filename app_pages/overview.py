"""Overview: where every team stands, what moved since the last review, what needs attention."""

from __future__ import annotations

import streamlit as st

from cxos import text
from cxos.palette import SIGNALS
from ui import steering
from ui.filters import current_filters
from ui.lazy import lazy_expander
from ui.session import require_person

_TILES = 10

require_person()
filters = current_filters()
path, version = steering.key()

st.title("Overview")
st.caption(f"Scores as of {filters.as_of:%d %B %Y}. Hover a bubble for its eight components.")

units = steering.units(filters)
# A tile per unit while they fit on a row; a company with more units gets the company's
# tile and one table (hundreds of tiles were unreadable and cost most of a rerun).
tiles = units if len(units) <= _TILES else [u for u in units if u.kind == "company"]
for column, unit in zip(st.columns(len(tiles) or 1), tiles, strict=False):
    column.metric(
        text.markdown(unit.name),
        f"{unit.alignment:.0f} / {unit.accountability:.0f}",
        steering.quadrant_badge(unit.quadrant),
        delta_color="off",
        delta_arrow="off",  # the badge is a quadrant, not a rise or fall
        help="alignment / accountability (0–100)",
    )
units_list = (
    st.expander(
        f"Business units ({len(units) - len(tiles)})", key="overview_open_units", on_change="rerun"
    )
    if len(tiles) < len(units)
    else None
)
if units_list is not None and units_list.open:
    with units_list:
        st.dataframe(
            [
                {
                    "unit": u.name,
                    "alignment": round(u.alignment, 1),
                    "accountability": round(u.accountability, 1),
                    "quadrant": steering.quadrant_badge(u.quadrant),
                    "teams": u.teams,
                }
                for u in units
                if u.kind != "company"
            ],
            hide_index=True,
            width="stretch",
            key="overview_units_table",
        )

# Tabs and lists render only when open (`on_change="rerun"`): a thousand-team chart or a
# list of thousands of actions costs a rerun far more than it is worth when hidden.
quadrant_tab, movement_tab, units_tab = st.tabs(
    ["Quadrant", "Movement since last review", "Units"], key="overview_tab", on_change="rerun"
)
if quadrant_tab.open is not False:
    with quadrant_tab:
        st.plotly_chart(
            steering.chart("quadrant", filters), key="overview_quadrant", width="stretch"
        )
if movement_tab.open:
    with movement_tab:
        previous = steering.previous_review(path, version, filters.as_of)
        if previous:
            st.caption(
                f"From {text.markdown(previous['title'])} ({previous['held_on']}), "
                "frozen when it closed."
            )
        st.plotly_chart(
            steering.chart("movement", filters), key="overview_movement", width="stretch"
        )
if units_tab.open:
    with units_tab:
        st.plotly_chart(steering.chart("units", filters), key="overview_units", width="stretch")

st.subheader("Needs attention")
found = steering.scoped_attention(filters)
lists = {
    "Overdue actions": (
        found.overdue_actions,
        lambda i: {
            "action": i.title,
            "team": i.team,
            "owner": i.owner,
            "due": i.due_on,
            "days overdue": i.days_overdue,
        },
    ),
    "Stale goals": (
        found.stale_goals,
        lambda g: {"goal": g["title"], "team": g["team"], "owner": g["owner"]},
    ),
    "Off-track goals": (
        found.off_track_goals,
        lambda g: {"goal": g["title"], "team": g["team"], "owner": g["owner"], "pace": g["pace"]},
    ),
    SIGNALS["unanswered_feedback"]: (
        found.unanswered_feedback,
        lambda s: {"feedback": s.subject_id, "detail": s.detail},
    ),
    "Teams without pulse": (
        found.teams_without_pulse,
        lambda s: {"team": s.subject_id, "detail": s.detail},
    ),
}
for column, (label, (items, _row)) in zip(st.columns(len(lists)), lists.items(), strict=True):
    column.metric(label, len(items))
for label, (items, row) in lists.items():
    expander = lazy_expander(f"{label} ({len(items)})", f"overview_open_{label}")
    if expander is None:
        continue
    with expander:
        if items:
            rows = [row(item) for item in items]
            st.dataframe(rows, hide_index=True, width="stretch", key=f"overview_{label}")
        else:
            st.write("Nothing here.")
