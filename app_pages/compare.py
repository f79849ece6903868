"""Compare business units side by side: scores, components, stage health, best performers.

Everything shown comes from one `cxos.champions.compare.build_comparison` call (cached per data
version and choices), which is also what the Excel export writes, so page and export agree.
A stage can be preselected with `?stage=STAGE_ID`: the notes board links here that way.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from cxos import palette
from cxos.champions import compare, figures, notes
from cxos.champions.compare import Comparison, one_decimal, percent
from cxos.review.figures import COMPONENT_CODES, COMPONENT_HELP
from cxos.scoring.config import COMPONENTS, ScoringConfig
from ui import steering
from ui.database import data_version, database
from ui.filters import current_filters
from ui.navigation import REGISTRY
from ui.session import require_person

person = require_person()
filters = current_filters()
NOTES_PAGE = next(e.path for e in REGISTRY if e.file == "notes.py")


# Shared by every session, read-only (see ui/steering.py): a comparison of hundreds of
# units is megabytes that `st.cache_data` would unpickle on every rerun.
@st.cache_resource(show_spinner="Comparing business units…", max_entries=16)
def _comparison(
    path: str,
    version: int,
    as_of: dt.date,
    since: dt.date | None,
    stage_id: str | None,
    journey_id: str | None,
    unit_ids: tuple[str, ...],
) -> Comparison:
    return compare.build_comparison(
        database(),
        as_of,
        since=since,
        stage_id=stage_id,
        journey_id=journey_id,
        unit_ids=unit_ids,
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def _figure(name: str, path: str, version: int, choices: tuple) -> go.Figure:
    """One of the page's figures for these choices, built once and shared (read-only)."""
    c = _comparison(path, version, *choices)
    if name == "scores":
        config = ScoringConfig.load()
        fig = figures.scores_figure(c.units, config.aligned_threshold, config.accountable_threshold)
    elif name == "components":
        fig = figures.components_figure(c.units)
    elif name == "heatmap":
        fig = figures.health_heatmap(c)
    else:
        fig = figures.progress_figure(c.metric_progress(), c.units)
    return steering.prepared(fig)


@st.cache_data(show_spinner=False)
def _units(path: str, version: int) -> dict[str, str]:
    return compare.business_units(database())


@st.cache_data(show_spinner=False)
def _stage_notes(path: str, version: int, stage_id: str | None, units: tuple[str, ...]):
    found = notes.list_notes(database(), stage_id=stage_id) if stage_id else []
    return [n for n in found if n.business_unit_id in units]


@st.cache_data(show_spinner=False)
def _workbook(path: str, version: int, choices: tuple) -> bytes:
    comparison = _comparison(path, version, *choices)
    stage_id = comparison.stage.id if comparison.stage else None
    return compare.comparison_workbook(
        comparison, _stage_notes(path, version, stage_id, choices[-1])
    )


def _unit_table(c: Comparison) -> list[dict]:
    rows = [*c.units, c.company] if c.company else c.units
    return [
        {
            "Business unit": u.name,
            "Teams by quadrant": _mix(u.mix),
            "Alignment": one_decimal(u.alignment),
            "Accountability": one_decimal(u.accountability),
            **{_short(n): percent(u.components[n]) for n in COMPONENTS},
        }
        for u in rows
    ]


def _short(component: str) -> str:
    return COMPONENT_CODES[component]


# Each short component header, with its name and meaning on hover.
_COMPONENT_HELP = {_short(n): COMPONENT_HELP[n] for n in COMPONENTS}


def _mix(mix: dict) -> str:
    return palette.mix_text(mix, words=False)


# A unit has no quadrant of its own; its teams' mix, in symbols (explained on hover).
_MIX_HELP = "How many of the unit's teams sit in each quadrant: " + " · ".join(
    look.badge() for look in palette.QUADRANTS.values()
)


def _change_table(c: Comparison) -> list[dict]:
    return [
        {
            "Business unit": ch.name,
            "Teams by quadrant then": _mix(ch.then.mix) if ch.then else "—",
            "Teams by quadrant now": _mix(ch.now.mix),
            "Δ Alignment": one_decimal(ch.delta("alignment")),
            "Δ Accountability": one_decimal(ch.delta("accountability")),
            **{f"Δ {_short(n)}": percent(ch.delta(n)) for n in COMPONENTS},
        }
        for ch in c.changes
    ]


def _best_table(c: Comparison) -> list[dict]:
    return [
        {
            "Stage": s.label,
            "Best performer": b.business_unit,
            "Mean goal pace (%)": percent(b.mean_pace),
            "Units with data": b.contenders,
        }
        for s in c.stages
        if (b := c.best.get(s.id))
    ]


def _goal_table(c: Comparison) -> list[dict]:
    return [
        {
            "Business unit": g.business_unit,
            "Team": g.team,
            "Goal": g.title,
            "Owner": g.owner or "—",
            "Health": palette.health_look(g.health).badge(),
            "Pace (%)": percent(g.pace),
        }
        for g in c.stage_goals
    ]


def _metric_table(c: Comparison) -> list[dict]:
    return [
        {
            "Metric": m.name,
            "Business unit": m.business_unit,
            "Team": m.team,
            "Baseline": m.baseline,
            "Target": m.target,
            "Latest": m.latest,
            "Unit": m.unit,
            "Read on": m.read_on,
            "Progress (%)": percent(m.progress),
        }
        for m in c.stage_metrics
    ]


def _table(rows: list[dict], key: str, empty: str) -> None:
    if rows:
        signed = (
            {
                name: st.column_config.NumberColumn(
                    name, format="%+.1f", help=_COMPONENT_HELP.get(name.removeprefix("Δ "))
                )
                for name in rows[0]
                if name.startswith("Δ")
            }
            | {
                name: st.column_config.NumberColumn(name, help=help_text, width="small")
                for name, help_text in _COMPONENT_HELP.items()
                if name in rows[0]
            }
            | {
                name: st.column_config.TextColumn(name, help=_MIX_HELP)
                for name in rows[0]
                if name.startswith("Teams by quadrant")
            }
        )
        st.dataframe(rows, hide_index=True, key=key, width="stretch", column_config=signed)
    else:
        st.caption(empty)


def _sync_stage() -> None:
    st.query_params["stage"] = st.session_state["compare_stage"]


def _choose_stage(c: Comparison) -> str | None:
    """The stage picker. The address's `?stage=` decides; picking a stage rewrites it."""
    labels = {s.id: s.label for s in c.stages}
    if c.stage is None:
        return None
    if c.stage.id not in labels:  # a linked stage of another journey than the filter's
        labels = {c.stage.id: c.stage.label, **labels}
    st.session_state["compare_stage"] = c.stage.id
    st.query_params["stage"] = c.stage.id
    return st.selectbox(
        "Stage",
        list(labels),
        format_func=labels.__getitem__,
        key="compare_stage",
        on_change=_sync_stage,
    )


def _choose_journey(place, requested_stage: str | None) -> str | None:  # noqa: ANN001
    """Without a journey in the sidebar, one journey at a time (the requested stage's)."""
    choices = steering.journeys(*key)
    if not choices:
        return None
    options = list(choices)
    home = compare.journey_of(database(), requested_stage) if requested_stage else None
    if home in choices and st.session_state.get("compare_journey_for") != requested_stage:
        st.session_state["compare_journey"] = home  # a new ?stage= brings its journey along
    st.session_state["compare_journey_for"] = requested_stage
    return place.selectbox(
        "Journey",
        options,
        format_func=choices.__getitem__,
        key="compare_journey",
        on_change=_forget_stage,
    )


def _forget_stage() -> None:
    """Another journey: its own default stage, not the one the address named."""
    st.query_params.pop("stage", None)
    st.session_state.pop("compare_journey_for", None)


# -- the page --------------------------------------------------------------------------------

st.title("Compare business units")
st.caption(
    f"Scores as of {palette.day(filters.as_of)}. Units are the mean of their teams; "
    "see docs/compare.md for how stages and best performers are judged."
)
key = (database().location, data_version())
all_units = _units(*key)
top_units, top_journey, top_since = st.columns([3, 2, 1])
chosen_units = top_units.multiselect(
    "Business units",
    list(all_units),
    default=list(all_units),
    format_func=all_units.__getitem__,
    key="compare_units",
)
since = top_since.date_input(
    "Change since",
    value=filters.as_of - dt.timedelta(days=28),
    max_value=filters.as_of,
    key="compare_since",
)
requested = st.query_params.get("stage")
journey_id = filters.journey_id or _choose_journey(top_journey, requested)
choices = (filters.as_of, since, requested, journey_id, tuple(chosen_units))
comparison = _comparison(*key, *choices)
if not comparison.units:
    st.info("Choose at least one business unit to compare.")
    st.stop()

st.subheader("Side by side")
left, right = st.columns([2, 3])
left.plotly_chart(_figure("scores", *key, choices), key="compare_scores_chart")
right.plotly_chart(_figure("components", *key, choices), key="compare_components_chart")
_table(_unit_table(comparison), "compare_unit_table", "No scores.")

st.subheader(f"Change since {palette.day(since)}")
_table(_change_table(comparison), "compare_change_table", "No earlier scores.")

st.subheader("Over the last quarters")
steering.trend_section(filters, "compare", tuple(chosen_units))

st.subheader("Goal health by stage")
st.caption(
    "Each cell: the worst health of the unit's in-scope goals on that stage, and how many; "
    "“best” marks the best performer where two or more units have goals with a pace; "
    "— means no goal there."
)
st.plotly_chart(_figure("heatmap", *key, choices), key="compare_heatmap")
with st.expander("Best performer per stage", icon=":material/emoji_events:", expanded=True):
    _table(_best_table(comparison), "compare_best_table", "No stage has a goal with a pace yet.")

st.subheader("One stage in detail")
stage_id = _choose_stage(comparison)

_table(_goal_table(comparison), "compare_goal_table", "No business unit has a goal on this stage.")
progress = comparison.metric_progress()
if progress:
    st.plotly_chart(_figure("progress", *key, choices), key="compare_progress_chart")
    st.caption(
        "Progress = (latest − baseline) ÷ (target − baseline), between 0 and 100 %: "
        "metrics of the same name compare across units whatever their baselines."
    )
_table(_metric_table(comparison), "compare_metric_table", "No metrics on this stage.")

stage_notes = _stage_notes(*key, stage_id, tuple(chosen_units))
st.markdown(f"**Notes on this stage** ({len(stage_notes)})")
for note in stage_notes:  # user text: shown as text, never markdown
    st.text(f"{note.title} — {note.business_unit}, {note.author}")
try:
    st.page_link(
        NOTES_PAGE,
        label="Open the notes board for this stage",
        icon=":material/sticky_note_2:",
        query_params={"stage": stage_id} if stage_id else None,
    )
except st.errors.StreamlitPageNotFoundError:  # the page runs outside the app's navigation
    pass

st.download_button(
    "Download the comparison (Excel)",
    lambda: _workbook(*key, choices),  # built when asked for, not on every run
    file_name=f"cxos-comparison-{filters.as_of.isoformat()}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    key="compare_download",
)
