"""Journey map: stages by phase, layers, owners, stage health and silo signals; pick a stage."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from cxos import palette, text
from cxos.champions import compare
from cxos.review import figures, journey_map
from ui import insights, steering, tables
from ui.database import database
from ui.filters import current_filters
from ui.session import require_person
from ui.tables import Column

require_person()
filters = current_filters()
path, version = steering.key()


# The map and its figure are shared by every session, read-only (see ui/steering.py).
@st.cache_resource(show_spinner=False, max_entries=32)
def _map(path: str, version: int, journey_id: str, as_of, unit) -> journey_map.JourneyMap:  # noqa: ANN001
    return journey_map.journey_map(
        database(),
        journey_id,
        as_of,
        steering.health(path, version, as_of),
        steering.signals(path, version, as_of),
        unit,
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def _figure(path: str, version: int, journey_id: str, as_of, unit, window: int) -> go.Figure:  # noqa: ANN001
    jmap = _map(path, version, journey_id, as_of, unit)
    part = journey_map.window_of(jmap, journey_map.stage_windows(jmap)[window])
    return steering.prepared(figures.journey_figure(part))


@st.cache_data(show_spinner=False)
def _detail(path: str, version: int, stage_id: str, as_of, unit) -> dict:  # noqa: ANN001
    return journey_map.stage_detail(
        database(), stage_id, as_of, steering.health(path, version, as_of), unit
    )


# A stage's tables, in words: statuses and health named, missing values "—" (ui.tables).
_GOALS = (
    Column("health", "Health", "health", "small"),
    Column("title", "Goal", width="medium"),
    Column("team", "Team"),
    Column("owner", "Owner"),
    Column("end_date", "Ends", "date"),
)
_METRICS = (
    Column("name", "Metric", width="large"),
    Column("unit", "Unit", width="small"),
    Column("baseline", "Baseline", "number", "small"),
    Column("target", "Target", "number", "small"),
    Column("latest", "Latest", "number", "small"),
)
_ACTIONS = (
    Column("title", "Action", width="large"),
    Column("team", "Team"),
    Column("owner", "Owner"),
    Column("due_date", "Due", "date", "small"),
    Column("status", "Status", "status", "small"),
)
# The map as a list: what each stage holds, per layer, and its silo signals.
_STAGE_LIST = (
    Column("phase", "Phase", width="small"),
    Column("stage", "Stage", "long", 110),
    Column("health", "Health", "health", 95),
    *(Column(layer, label, "long", 160) for layer, label in figures.LAYERS.items()),
    Column("signals", "Silo signals", "long", 200),
)


st.title("Journey map")
choices = steering.journeys(path, version)
if not choices:
    st.info("No journey yet. An administrator can import one.")
    st.stop()


def _follow_link(linked: str | None) -> str | None:
    """Open at the stage an address names (`?stage=`, e.g. from the overview), once: the
    stage, when it is followed now (its window is chosen once the map is drawn)."""
    if linked == st.session_state.get("journey_linked"):
        return None  # already followed: the reader's own choices stand
    st.session_state["journey_linked"] = linked
    home = compare.journey_of(database(), linked) if linked else None
    if home in choices and filters.journey_id in (None, home):
        st.session_state["journey_pick"] = home
        st.session_state["journey_stage"] = linked
        return linked
    return None


followed = _follow_link(st.query_params.get("stage"))
journey_id = filters.journey_id or st.selectbox(
    "Journey", list(choices), format_func=choices.__getitem__, key="journey_pick"
)
unit = filters.business_unit_id
jmap = _map(path, version, journey_id, filters.as_of, unit)
st.caption(
    f"As of {palette.day(filters.as_of)}. Cells are tinted by the worst health of the goals linked "
    "to their stage. Click a cell, or choose a stage below, to see what is behind it."
)
if unit:
    st.caption(
        f"Touchpoints, goals, metrics and actions of {text.markdown(steering.unit_name(unit))} "
        "only; the "
        "unbridged-stage and hand-off marks are the whole company's, as they are about "
        "teams meeting across units."
    )
shown_as = st.segmented_control(
    "Show",
    ["Map", "List"],
    default="Map",
    key="journey_view",
    help="The list holds what the map draws, a row per stage: easier on a phone's width "
    "and for a screen reader.",
)
if shown_as == "List":
    tables.show(journey_map.stage_rows(jmap, figures.LAYERS), _STAGE_LIST, key="journey_list")
windows = journey_map.stage_windows(jmap)
window = 0
if followed is not None:  # show the linked stage, on a map longer than one window too
    st.session_state["journey_window"] = journey_map.window_holding(jmap, windows, followed) or 0
if shown_as != "List" and len(windows) > 1:
    window = st.radio(
        f"Stages ({len(jmap.stages)} in all; a few whole phases at a time)",
        range(len(windows)),
        format_func=lambda n: text.markdown(windows[n].label),
        horizontal=True,
        key="journey_window",
    )
event = None
if shown_as != "List":
    event = st.plotly_chart(
        _figure(path, version, journey_id, filters.as_of, unit, window),
        key="journey_map",
        on_select="rerun",
        selection_mode="points",
        width="stretch",
    )
clicked = [
    p.get("customdata") for p in (event.selection.points if event else []) if p.get("customdata")
]
stages = {s.id: s for s in jmap.stages}
if clicked and clicked[0] in stages:
    st.session_state["journey_stage"] = clicked[0]
stage_id = st.selectbox(
    "Stage",
    list(stages),
    format_func=lambda sid: f"{stages[sid].phase} · {stages[sid].name}",
    key="journey_stage",
)
stage = stages[stage_id]
detail = _detail(path, version, stage_id, filters.as_of, unit)

st.subheader(f"{text.markdown(stage.name)} — {steering.health_badge(stage.health)}")
if stage.unbridged:
    st.warning(
        text.markdown(jmap.details.get(stage.id, "Unbridged stage")), icon=":material/link_off:"
    )
owners, goals_col = st.columns([1, 3])
owners.markdown(
    "**Owners**\n\n" + "\n".join(f"- {text.markdown(o['name'])}" for o in detail["owners"])
)
with goals_col:
    st.markdown("**Goals**")
    tables.show(detail["goals"], _GOALS, key="journey_goals")
st.markdown("**Metrics**")
tables.show(detail["metrics"], _METRICS, key="journey_metrics")
st.markdown("**Open actions**")
tables.show(detail["actions"], _ACTIONS, key="journey_actions")
st.markdown("**What customers say**")
themes = insights.theme_report(path, version, filters.as_of)
insights.show_themes(themes, "stage", stage_id, "journey_themes")
