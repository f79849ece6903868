"""My work: what waits on me and my team, each line with its action, and where we stand."""

from __future__ import annotations

import datetime as dt
from functools import cache

import streamlit as st

from cxos import palette, text
from cxos.identity import permissions
from cxos.scoring import TeamExplanation, explain_team, top_fixes
from cxos.work import team_reads
from cxos.work.my_work import KIND_LABELS, WORK_KINDS, Chase, WorkItem, WorkList, my_work, to_chase
from ui import notices, steering
from ui.database import data_version, database
from ui.filters import current_filters
from ui.lazy import lazy_expander
from ui.session import require_person
from ui.work_forms import check_in_form, feedback_form, reading_form, show_flash

person = require_person()
_ICONS = {
    "overdue_action": ":material/alarm:",
    "check_in_due": ":material/edit_note:",
    "metric_due": ":material/monitoring:",
    "feedback": ":material/sentiment_dissatisfied:",
}


@st.cache_data(show_spinner=False)
def _work(path: str, version: int, person_id: str, as_of: dt.date) -> WorkList:
    return my_work(database(), person_id, as_of)


@st.cache_data(show_spinner=False)
def _chase(path: str, version: int, as_of: dt.date) -> list[Chase]:
    return to_chase(database(), as_of)


@st.cache_data(show_spinner=False)
def _standing(path: str, version: int, team_id: str, as_of: dt.date) -> TeamExplanation:
    return explain_team(database(), team_id, as_of)


@st.cache_data(show_spinner=False)
def _team(path: str, version: int, team_id: str, person_id: str) -> dict:
    db = database()
    return {
        "actions": {a["id"]: a for a in team_reads.actions(db, team_id, person_id)},
        "metrics": {m["id"]: m for m in team_reads.metrics(db, team_id)},
        "goals": {g["id"]: g["title"] for g in team_reads.goals(db, team_id)},
    }


def standing(explanation: TeamExplanation) -> None:
    score = explanation.score
    look = palette.quadrant_look(score.quadrant)
    st.subheader(f"Where {text.markdown(score.team)} stands")
    cols = st.columns([1.2, 1, 1, 3])
    cols[0].markdown(
        f"<div style='background:{look.tint};border-left:6px solid {look.colour};"
        f"padding:0.6rem 0.8rem;border-radius:4px'><b>{look.badge()}</b><br>"
        "<small>quadrant</small></div>",
        unsafe_allow_html=True,
    )
    cols[1].metric("Alignment", f"{score.alignment:.1f}")
    cols[2].metric("Accountability", f"{score.accountability:.1f}")
    with cols[3]:
        st.markdown("**What would move it most**")
        fixes = top_fixes(explanation, 3)
        for fix in fixes:
            st.markdown(f"- {text.markdown(fix)}")
        if not fixes:
            st.caption("Nothing left to fix: every component is complete.")


# Beyond this many items a line's form is drawn only while its expander is open: a
# head of a big team has hundreds of lines, and drawing every form took seconds a rerun.
_EAGER_LINES = 30


@cache  # per run (the script runs afresh each time): one question per team and owner
def _can(kind: str, team_id: str, owner_id: str | None = None) -> bool:
    return permissions.can(database(), person.id, kind, team_id=team_id, owner_id=owner_id)


def line(item: WorkItem, team: dict, key: str, lazy: bool) -> None:
    owner = item.owner or "no owner"
    late = item.lateness()
    title = item.title if len(item.title) <= 90 else item.title[:89] + "…"
    label = f"{_ICONS[item.kind]} **{text.markdown(title)}** · {text.markdown(owner)} · {late}"
    expander = lazy_expander(label, f"mywork_open_{item.kind}_{item.item_id}", lazy=lazy)
    if expander is not None:
        with expander:
            _line_body(item, team, key)


def _line_body(item: WorkItem, team: dict, key: str) -> None:
    owner = item.owner or "no owner"
    goal = f"Goal: {text.markdown(item.goal)} · " if item.goal else ""
    st.caption(f"{goal}{text.markdown(item.team)} · {text.markdown(item.detail)}")
    if item.kind in ("overdue_action", "check_in_due"):
        if _can("check_in", item.team_id, item.owner_id):
            action = team["actions"].get(item.item_id) or _fallback(item)
            check_in_form(person, action, key)
        else:
            st.caption(
                f"Only {text.markdown(owner)} or the team's head can check in on this action."
            )
    elif item.kind == "metric_due":
        if _can("reading", item.team_id):
            metric = team["metrics"].get(item.item_id) or {
                "name": item.title,
                **_fallback(item),
            }
            reading_form(person, metric, key)
        else:
            st.caption("Only the team's head can post readings for this metric.")
    elif _can("feedback", item.team_id):
        st.text(item.title)  # the customer's words, shown as written
        actions = {a_id: a["title"] for a_id, a in team["actions"].items()}
        feedback_form(
            person, _fallback(item) | {"team_id": item.team_id}, actions, team["goals"], key
        )
    else:
        st.text(item.title)
        st.caption("The team's head answers feedback routed to the team.")


def report_vanished(work: WorkList, team: dict) -> None:
    """A form submitted for an item that left the list meanwhile: say so, show the input."""
    shown: dict[str, tuple[str, str]] = st.session_state.setdefault("mywork_shown", {})
    listed = {f"mywork_{i.kind}_{i.item_id}" for i in work.items}
    for key, (item_id, title) in list(shown.items()):
        if key in listed or not st.session_state.get(f"{key}_save"):
            continue
        typed = {
            name.removeprefix(key + "_"): value
            for name, value in st.session_state.items()
            if str(name).startswith(key + "_") and not str(name).endswith(("_save", "_version"))
        }
        now = team["actions"].get(item_id) or team["metrics"].get(item_id) or {}
        st.warning(
            f"'{text.markdown(title)}' changed while you were editing and no longer waits "
            "here; nothing was saved. Here is the current state and your input — re-enter it "
            "if still needed.",
            icon=":material/sync_problem:",
        )
        state = {k: str(now[k]) for k in ("status", "last_checked_on", "last_read_on") if k in now}
        st.dataframe([{"current": state, "your input": {k: str(v) for k, v in typed.items()}}])
        del shown[key]
    shown.update({f"mywork_{i.kind}_{i.item_id}": (i.item_id, i.title) for i in work.items})


def committee_chase(chase: list[Chase]) -> None:
    """What the steering committee should chase: it answers no feedback itself."""
    st.subheader(f"For the committee to chase ({len(chase)} teams)")
    if not chase:
        st.success("No team has work waiting past its grace period.", icon=":material/task_alt:")
        return
    days = steering.config().unanswered_feedback_days
    st.caption(
        f"Negative feedback unanswered for {days} days or more, and overdue actions, per "
        "team: ask the team's head, who answers the feedback and owns the team's actions."
    )
    st.dataframe(
        [
            {
                "Team": c.team,
                "Ask": ", ".join(c.heads) or "no head",
                "Feedback": c.unanswered_feedback,
                "Overdue": c.overdue_actions,
                "Days": c.oldest_days,
            }
            for c in chase
        ],
        hide_index=True,
        width="stretch",
        key="mywork_chase",
        column_config={  # short labels: the table fits a phone's width
            "Feedback": st.column_config.NumberColumn(
                "Feedback",
                help=f"Negative feedback unanswered for {days} days or more",
                width="small",
            ),
            "Overdue": st.column_config.NumberColumn(
                "Overdue", help="Actions past their due date", width="small"
            ),
            "Days": st.column_config.NumberColumn(
                "Days", help="How long the oldest item waits", width="small"
            ),
        },
    )


def _fallback(item: WorkItem) -> dict:
    return {"id": item.item_id, "title": item.title, "version": item.version}


db = database()
path, version = db.location, data_version()
as_of = current_filters().as_of
st.title("My work")
show_flash()
if as_of != dt.date.today():
    st.info(f"Showing what was waiting as of {palette.day(as_of)}; what you enter is dated today.")
standing(_standing(path, version, person.team_id, as_of))
notices.notice_list(person, as_of)
work = _work(path, version, person.id, as_of)
team = _team(path, version, person.team_id, person.id)
counts = work.counts()
report_vanished(work, team)
st.divider()
if person.role == "steering":
    committee_chase(_chase(path, version, as_of))
    st.divider()
if not len(work):
    st.success("Nothing is waiting on you or your team. Well done.", icon=":material/task_alt:")
for kind in WORK_KINDS:
    items = work.of_kind(kind)
    if not items:
        continue
    st.subheader(f"{KIND_LABELS[kind]} ({counts[kind]})")
    for item in items:
        line(item, team, f"mywork_{kind}_{item.item_id}", len(work) > _EAGER_LINES)
