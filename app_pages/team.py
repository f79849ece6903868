"""Team: why a team scores as it does, what would move it, and the work behind it."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cxos import palette, text
from cxos.review import figures, team_detail
from cxos.review.figures import COMPONENT_LABELS
from cxos.scoring import TeamExplanation, explain_team, score_trend, snapshot_dates
from ui import navigation, steering, tables
from ui.database import database
from ui.filters import current_filters
from ui.lazy import lazy_expander
from ui.session import require_person
from ui.tables import Column

ITEM_COLUMNS = (
    Column("met", "Met", width=60),
    Column("label", "Item", "long", 190),
    Column("value", "Counts", "percent", 85, "How much the item counts towards the component"),
    Column("detail", "Detail", "long", 290),
    Column("fix", "What would fix it", "long", 320),
)
ACTION_COLUMNS = (
    Column("title", "Action", width="large"),
    Column("goal", "Goal", width="medium"),
    Column("owner", "Owner"),
    Column("due_date", "Due", "date"),
    Column("status", "Status", "status"),
    Column("completed_on", "Completed", "date"),
)
CHECK_IN_COLUMNS = (
    Column("checked_on", "Date", "date", "small"),
    Column("action", "Action", width="medium"),
    Column("status", "Status", "status", "small"),
    Column("progress", "Progress", "percent", "small"),
    Column("confidence", "Confidence", "of_five", "small"),
    Column("note", "Note", width="large"),
)

person = require_person()
filters = current_filters()
path, version = steering.key()
# The team's reads are shared objects, not copies (`cache_resource`): the page only reads
# them, and unpickling a big team's goals, readings and items on every rerun was a tenth
# of a loaded server's time.
_per_team = st.cache_resource(show_spinner=False, max_entries=64)


@_per_team
def _explain(path: str, version: int, team_id: str, as_of: dt.date) -> TeamExplanation:
    return explain_team(database(), team_id, as_of)


@_per_team
def _goals(path: str, version: int, team_id: str, as_of: dt.date) -> list[dict]:
    return team_detail.team_goals(database(), team_id, as_of)


@_per_team
def _work(path: str, version: int, team_id: str, as_of: dt.date) -> tuple[list, list]:
    db = database()
    return team_detail.team_actions(db, team_id, as_of), team_detail.recent_check_ins(
        db, team_id, as_of
    )


@_per_team
def _trend(path: str, version: int, team_id: str, as_of: dt.date) -> list:
    db = database()
    return score_trend(db, team_id, team_detail.trend_dates(as_of, snapshot_dates(db)))


def _objectives_words(titles: list[str]) -> str:
    """'objective: X' or 'objectives: X; Y' (a title may hold commas), '—' for none."""
    shown = "; ".join(text.markdown(t) for t in titles) or "—"
    return f"objective{'s' if len(titles) > 1 else ''}: {shown}"


choices = steering.teams(path, version)
if filters.business_unit_id:
    in_unit = {s.team_id for s in steering.scoped_scores(filters)}
    choices = {k: v for k, v in choices.items() if k in in_unit}
if not choices:
    st.info("No team in this business unit.")
    st.stop()
wanted = st.query_params.get("team") or person.team_id
ids = list(choices)
team_id = st.selectbox(
    "Team",
    ids,
    index=ids.index(wanted) if wanted in ids else 0,
    format_func=choices.__getitem__,
    key="team_pick",
)
explanation = _explain(path, version, team_id, filters.as_of)
score = explanation.score

st.title(text.markdown(score.team))
st.caption(f"{text.markdown(score.business_unit)} · as of {palette.day(filters.as_of)}")
left, middle, right = st.columns(3)
left.metric("Alignment", f"{score.alignment:.1f}")
middle.metric("Accountability", f"{score.accountability:.1f}")
right.metric(
    "Quadrant",
    steering.quadrant_badge(score.quadrant),
    help="Where the two scores place the team: how it works with the shared goals "
    "(aligned with them, accountable for them). Whether each goal is on course is its "
    "health, under Goals.",
)

st.subheader("What would move it")
if explanation.fixes:
    for fix in explanation.fixes[:5]:
        st.markdown(f"- {text.markdown(fix)}")
else:
    st.write("Nothing left to fix: every component is at its best.")

st.subheader("Why it scores as it does")
st.caption(
    "Accountability is the weighted mean of A1–A4, alignment of L1–L4, each component "
    "0–100: "
    "the share of its items met (pace and pulse count part-way)."
)
navigation.glossary_link()
for name, part in explanation.components.items():
    # Each component's items are drawn only while it is open: eight tables of up to a few
    # hundred rows each were most of a rerun.
    component = lazy_expander(
        steering.component_title(COMPONENT_LABELS[name], part), f"team_component_open_{name}"
    )
    if component is None:
        continue
    with component:
        if part.note:
            st.caption(text.markdown(part.note))
        tables.show(
            [
                {
                    "met": "Yes" if i.ok else "Partly" if i.value > 0 else "No",
                    "label": i.label,
                    "value": round(100 * i.value),
                    "detail": i.detail,
                    "fix": i.fix,
                }
                for i in part.items
            ],
            ITEM_COLUMNS,
            key=f"team_items_{name}",
        )

st.subheader("Goals")
health = steering.health(path, version, filters.as_of)
goals = _goals(path, version, team_id, filters.as_of)
states = {g["id"]: state.health if (state := health.get(g["id"])) else "no_data" for g in goals}
st.caption(
    f"{palette.health_mix(list(states.values()))}. A goal's health is whether its metrics "
    "are on course to their targets; the quadrant above is how the team works with the "
    "goals, so a performing team can still have a goal off track."
)
for goal in goals:
    badge = steering.health_badge(states[goal["id"]])
    # Drawn only while open: a big team has a hundred metric charts (seconds a rerun).
    expander = lazy_expander(
        f"{badge} · {text.markdown(goal['title'])}", f"team_goal_open_{goal['id']}"
    )
    if expander is None:
        continue
    with expander:
        st.caption(
            f"Owner: {text.markdown(goal['owner'] or '—')} · "
            f"{_objectives_words(goal['objectives'])} · "
            f"{palette.day(goal['start_date'])} to {palette.day(goal['end_date'])}"
        )
        for metric in goal["metrics"]:
            st.plotly_chart(
                figures.metric_chart(
                    metric, metric["readings"], goal["start_date"], goal["end_date"], filters.as_of
                ),
                key=f"team_metric_{metric['id']}",
                width="stretch",
            )

actions, check_ins = _work(path, version, team_id, filters.as_of)
st.subheader("Actions")
tables.show(actions, ACTION_COLUMNS, key="team_actions")
st.subheader("Recent check-ins")
tables.show(check_ins, CHECK_IN_COLUMNS, key="team_check_ins")
st.subheader("Trend")
# On demand: dates without a stored snapshot are recomputed for the whole organisation
# (a quarter of a second each at a thousand teams), too slow for every visit.
trend = st.expander(
    "Alignment and accountability over the last six months",
    key=f"team_trend_open_{team_id}",
    on_change="rerun",
)
if trend.open:
    with trend:
        st.plotly_chart(
            figures.trend_chart(_trend(path, version, team_id, filters.as_of), steering.config()),
            key="team_trend",
            width="stretch",
        )
