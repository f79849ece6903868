"""Team goals: a head edits the team's goals, metrics, actions and links; pulse results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from cxos import palette, text
from cxos.identity import permissions
from cxos.model.entities import ACTION_STATUSES, PULSE_QUESTIONS
from cxos.scoring import GoalHealthResult
from cxos.work import team_edits, team_reads
from ui import steering
from ui.database import data_version, database
from ui.filters import current_filters
from ui.lazy import lazy_expander
from ui.session import require_person
from ui.work_forms import attempt, show_flash, shown_version

person = require_person()
GOAL_STATUSES = ("active", "achieved", "dropped")


@st.cache_data(show_spinner=False)
def _choices(path: str, version: int, team_id: str) -> dict:
    db = database()
    return {
        "teams": team_reads.teams(db),
        "stages": team_reads.stages(db),
        "objectives": team_reads.objectives(db),
        "people": team_reads.people_of(db, team_id),
    }


@st.cache_data(show_spinner=False)
def _goals(path: str, version: int, team_id: str) -> list[dict]:
    db = database()
    return [
        {
            **g,
            "metrics": team_reads.goal_metrics(db, g["id"]),
            "actions": team_reads.goal_actions(db, g["id"]),
        }
        for g in team_reads.goals(db, team_id)
    ]


def _health(path: str, version: int, as_of: dt.date) -> dict[str, GoalHealthResult]:
    # The whole organisation's goal health, shared read-only with the steering pages
    # (unpickling eleven thousand results on every rerun cost more than the page).
    return steering.health(path, version, as_of)


def _pick(label: str, options: dict, current, key: str, optional: bool = True):
    keys = ([None] if optional else []) + list(options)
    return st.selectbox(
        label,
        keys,
        index=keys.index(current) if current in keys else 0,
        format_func=lambda k: "—" if k is None else options[k],
        key=key,
    )


def _status(column, statuses: tuple[str, ...], item: dict, default: str, words, key: str) -> str:
    """The item's status among `statuses`, shown in `words`."""
    return column.selectbox(
        "Status",
        statuses,
        index=statuses.index(item.get("status", default)),
        format_func=words,
        key=f"{key}_status",
    )


def _date(column, label: str, item: dict, field: str, days_ahead: int, key: str) -> dt.date:
    """The item's date `field`; for a new item, `days_ahead` days from today."""
    return column.date_input(
        label, item.get(field) or dt.date.today() + dt.timedelta(days=days_ahead), key=key
    )


def _version(item: dict) -> int:
    """The version of the item shown (0 for a new one)."""
    return int(item.get("version") or 0)


def _save(key: str, save: Callable[..., Any], item: dict, row: dict, done: str) -> None:
    """Save `row` with `save`: a new item, or over `item` as the version the person was shown."""
    attempt(
        key,
        lambda seen: save(
            database(), person.id, row, expected_version=seen if item.get("id") else None
        ),
        done,
        _version(item),
    )


def _dropped(goal: dict) -> str:
    """' · Dropped' for a dropped goal: its health mark already says 'Achieved' when it is."""
    return " · Dropped" if goal["status"] == "dropped" else ""


def goal_form(goal: dict, team_id: str, choices: dict, key: str) -> None:
    shown_version(key, _version(goal))
    with st.form(f"{key}_form"):
        title = st.text_input("Title", goal.get("title", ""), key=f"{key}_title")
        success = st.text_area(
            "Success looks like",
            goal.get("success_statement") or "",
            height=68,
            key=f"{key}_success",
        )
        a, b, c = st.columns(3)
        owner = _pick("Owner", choices["people"], goal.get("owner_id"), f"{key}_owner")
        objectives = st.multiselect(
            "Objectives",
            list(choices["objectives"]),
            [o for o in goal.get("objective_ids", []) if o in choices["objectives"]],
            format_func=choices["objectives"].__getitem__,
            key=f"{key}_objectives",
            help="The company objectives this goal serves (one or more)",
        )
        start = _date(a, "Start", goal, "start_date", 0, f"{key}_start")
        end = _date(b, "End", goal, "end_date", 365, f"{key}_end")
        status = _status(c, GOAL_STATUSES, goal, "active", str.capitalize, key)
        submitted = st.form_submit_button("Save goal", type="primary", key=f"{key}_save")
    if submitted:
        row = {
            "id": goal.get("id"),
            "title": title,
            "success_statement": success,
            "team_id": team_id,
            "owner_id": owner,
            "objective_ids": objectives,
            "start_date": start,
            "end_date": end,
            "status": status,
        }
        _save(key, team_edits.save_goal, goal, row, f"Saved goal '{text.markdown(title)}'.")


def links_form(goal: dict, team_id: str, choices: dict, key: str) -> None:
    shown_version(key, int(goal.get("version") or 0))
    others = {k: v for k, v in choices["teams"].items() if k != team_id}
    with st.form(f"{key}_form"):
        stage_ids = st.multiselect(
            "Journey stages",
            list(choices["stages"]),
            goal["stage_ids"],
            format_func=choices["stages"].__getitem__,
            key=f"{key}_stages",
        )
        teams = st.multiselect(
            "Contributing teams",
            list(others),
            [t for t in goal["contributor_ids"] if t in others],
            format_func=others.__getitem__,
            key=f"{key}_teams",
        )
        submitted = st.form_submit_button("Save links", key=f"{key}_save")
    if submitted:
        attempt(
            key,
            lambda seen: team_edits.set_goal_links(
                database(),
                person.id,
                goal["id"],
                stage_ids=stage_ids,
                contributor_ids=teams,
                expected_version=seen,
            ),
            f"Saved the links of '{text.markdown(goal['title'])}'.",
            int(goal["version"]),
        )


def metric_form(metric: dict, goal_id: str, key: str) -> None:
    shown_version(key, _version(metric))
    with st.form(f"{key}_form"):
        a, b, c = st.columns([3, 1, 1])
        name = a.text_input("Metric", metric.get("name", ""), key=f"{key}_name")
        unit = b.text_input("Unit", metric.get("unit") or "", key=f"{key}_unit")
        direction = c.selectbox(
            "Better is",
            ("higher", "lower"),
            index=0 if metric.get("direction", "higher") == "higher" else 1,
            key=f"{key}_direction",
        )
        d, e, f = st.columns(3)
        baseline = d.number_input(
            "Baseline", value=metric.get("baseline"), format="%g", key=f"{key}_baseline"
        )
        target = e.number_input(
            "Target", value=metric.get("target"), format="%g", key=f"{key}_target"
        )
        cadence = f.number_input(
            "Cadence (days)",
            min_value=1,
            value=int(metric.get("cadence_days") or 30),
            key=f"{key}_cadence",
        )
        submitted = st.form_submit_button("Save metric", key=f"{key}_save")
    if submitted:
        row = {
            "id": metric.get("id"),
            "goal_id": goal_id,
            "name": name,
            "unit": unit,
            "direction": direction,
            "baseline": baseline,
            "target": target,
            "cadence_days": int(cadence),
        }
        _save(key, team_edits.save_metric, metric, row, f"Saved metric '{text.markdown(name)}'.")


def action_form(action: dict, goal_id: str, team_id: str, choices: dict, key: str) -> None:
    shown_version(key, _version(action))
    with st.form(f"{key}_form"):
        a, b = st.columns([3, 1])
        title = a.text_input("Action", action.get("title", ""), key=f"{key}_title")
        with b:
            owner = _pick("Owner", choices["people"], action.get("owner_id"), f"{key}_owner")
        c, d, e = st.columns(3)
        due = _date(c, "Due", action, "due_date", 30, f"{key}_due")
        status = _status(d, ACTION_STATUSES, action, "open", palette.ACTION_STATUS.__getitem__, key)
        completed = e.date_input(
            "Completed on",
            action.get("completed_on"),
            key=f"{key}_completed",
            help="Needed when done",
        )
        submitted = st.form_submit_button("Save action", key=f"{key}_save")
    if submitted:
        row = {
            "id": action.get("id"),
            "goal_id": goal_id,
            "title": title,
            "owner_id": owner,
            "team_id": action.get("team_id", team_id),
            "created_on": action.get("created_on") or dt.date.today(),
            "due_date": due,
            "status": status,
            "completed_on": completed,
        }
        _save(key, team_edits.save_action, action, row, f"Saved action '{text.markdown(title)}'.")


# Beyond this many goals a goal's forms are drawn only while its expander is open: a big
# team's goals hold hundreds of metric and action forms, seconds of every rerun.
_EAGER_GOALS = 10


def goal_section(
    goal: dict, health: GoalHealthResult | None, team_id: str, choices: dict, lazy: bool
) -> None:
    look = palette.HEALTH[health.health if health else "no_data"]
    period = f"{goal['start_date']} → {goal['end_date']}"
    title = text.markdown(goal["title"])
    label = f"{look.symbol} **{title}** · {look.label}{_dropped(goal)} · {period}"
    expander = lazy_expander(label, f"teamgoals_open_{goal['id']}", lazy=lazy)
    if expander is not None:
        with expander:
            goal_body(goal, team_id, choices)


def goal_body(goal: dict, team_id: str, choices: dict) -> None:
    key = f"teamgoals_{goal['id']}"
    goal_tab, links_tab, metrics_tab, actions_tab = st.tabs(
        [
            "Goal",
            "Links",
            f"Metrics ({len(goal['metrics'])})",
            f"Actions ({len(goal['actions'])})",
        ]
    )
    with goal_tab:
        goal_form(goal, team_id, choices, f"{key}_goal")
    with links_tab:
        links_form(goal, team_id, choices, f"{key}_links")
    with metrics_tab:
        for metric in goal["metrics"]:
            metric_form(metric, goal["id"], f"{key}_metric_{metric['id']}")
        st.caption("New metric")
        metric_form({}, goal["id"], f"{key}_newmetric")
    with actions_tab:
        for action in goal["actions"]:
            action_form(action, goal["id"], team_id, choices, f"{key}_action_{action['id']}")
        st.caption("New action")
        action_form({}, goal["id"], team_id, choices, f"{key}_newaction")


def pulse_form(team_id: str) -> None:
    with st.form("teamgoals_pulse_form"):
        st.caption("Mean answer 1–5 per question; leave a question blank if it was not asked.")
        scores = {
            q: st.number_input(
                text, min_value=1.0, max_value=5.0, value=None, step=0.1, key=f"teamgoals_pulse_{q}"
            )
            for q, text in PULSE_QUESTIONS.items()
        }
        a, b = st.columns(2)
        day = a.date_input(
            "Survey date", dt.date.today(), max_value=dt.date.today(), key="teamgoals_pulse_date"
        )
        respondents = b.number_input(
            "Respondents", min_value=1, value=10, key="teamgoals_pulse_respondents"
        )
        submitted = st.form_submit_button(
            "Save pulse results", type="primary", key="teamgoals_pulse_save"
        )
    if submitted:
        attempt(
            "teamgoals_pulse",
            lambda _seen: team_edits.record_pulse(
                database(), person.id, team_id, day, scores, int(respondents)
            ),
            "Saved the pulse results.",
            0,
        )


db = database()
path, version = db.location, data_version()
st.title("Team goals")
show_flash()
choices_all = _choices(path, version, person.team_id)
teams = choices_all["teams"]
team_id = st.selectbox(
    "Team",
    list(teams),
    index=list(teams).index(person.team_id) if person.team_id in teams else 0,
    format_func=teams.__getitem__,
    key="teamgoals_team",
)
choices = _choices(path, version, team_id)
may_edit = permissions.can(db, person.id, "goal", team_id=team_id)
goals = _goals(path, version, team_id)
health = _health(path, version, current_filters().as_of)
if not may_edit:
    st.info("You can read these goals; only the team's head (or an administrator) edits them.")
    for goal in goals:
        look = palette.HEALTH[health[goal["id"]].health if goal["id"] in health else "no_data"]
        counts = (
            f"{palette.counted(len(goal['metrics']), 'metric')} · "
            f"{palette.counted(len(goal['actions']), 'action')}"
        )
        st.markdown(
            f"{look.symbol} **{text.markdown(goal['title'])}** · {look.label}{_dropped(goal)}"
            f" · {counts}"
        )
    st.stop()
goals_tab, pulse_tab = st.tabs(["Goals", "Pulse results"])
with goals_tab:
    for goal in goals:
        goal_section(goal, health.get(goal["id"]), team_id, choices, len(goals) > _EAGER_GOALS)
    with st.expander(":material/add: New goal"):
        goal_form({}, team_id, choices, "teamgoals_newgoal")
with pulse_tab:
    pulse_form(team_id)
