"""Feedback inbox: customer feedback routed to a team, answered by an action or in writing."""

from __future__ import annotations

import streamlit as st

from cxos import palette, text
from cxos.identity import permissions
from cxos.work import team_reads
from ui.database import data_version, database
from ui.filters import current_filters
from ui.insights import show_themes, theme_report
from ui.session import require_person
from ui.work_forms import feedback_form, show_flash

person = require_person()
_SENTIMENT = {
    "negative": ":material/sentiment_dissatisfied: negative",
    "neutral": ":material/sentiment_neutral: neutral",
    "positive": ":material/sentiment_satisfied: positive",
}


@st.cache_data(show_spinner=False)
def _inbox(path: str, version: int, team_id: str, everything: bool) -> dict:
    db = database()
    return {
        "feedback": team_reads.feedback(db, team_id, everything=everything),
        "actions": {a["id"]: a["title"] for a in team_reads.actions(db, team_id)},
        "goals": {g["id"]: g["title"] for g in team_reads.goals(db, team_id)},
    }


@st.cache_data(show_spinner=False)
def _teams(path: str, version: int) -> dict[str, str]:
    return team_reads.teams(database())


def answered(item: dict) -> str | None:
    parts = []
    if item["action_id"]:
        parts.append(f"Answered by action **{text.markdown(item['action'] or item['action_id'])}**")
    if item["closed_on"]:
        parts.append(f"{'closed' if parts else 'Closed'} on {palette.day(item['closed_on'])}")
    if item["response"]:
        parts.append(f"{'response' if parts else 'Response'}: “{text.markdown(item['response'])}”")
    return "; ".join(parts) or None


def entry(item: dict, inbox: dict, may_answer: bool) -> None:
    where = item["stage"] + (f" · {item['touchpoint']}" if item["touchpoint"] else "")
    gist = item["text"] if len(item["text"]) <= 80 else item["text"][:79] + "…"
    label = f"{_SENTIMENT[item['sentiment']]} · {item['received_on']} · **{text.markdown(gist)}**"
    with st.expander(label):
        st.text(item["text"])  # the customer's words, shown as written
        st.caption(f"{text.markdown(where)} · feedback {text.markdown(item['id'])}")
        status = answered(item)
        if status:
            st.info(status)
        elif may_answer:
            feedback_form(person, item, inbox["actions"], inbox["goals"], f"inbox_{item['id']}")
        else:
            st.caption("The team's head answers feedback routed to the team.")


db = database()
path, version = db.location, data_version()
st.title("Feedback inbox")
show_flash()
teams = _teams(path, version)
left, right = st.columns([2, 1])
wanted = st.query_params.get("team") or person.team_id  # ?team= : e.g. from the overview
team_id = left.selectbox(
    "Team",
    list(teams),
    index=list(teams).index(wanted) if wanted in teams else 0,
    format_func=teams.__getitem__,
    key="inbox_team",
)
everything = right.toggle("Show answered and closed too", key="inbox_all")
inbox = _inbox(path, version, team_id, everything)
may_answer = permissions.can(db, person.id, "feedback", team_id=team_id)
items = inbox["feedback"]
negative = sum(1 for f in items if f["sentiment"] == "negative" and not answered(f))
st.caption(
    f"{palette.counted(len(items), 'item')} shown; {negative} negative without an answer. "
    "Negative feedback is answered by linking an action or closed with a written response "
    "— never silently."
)
themes = theme_report(path, version, current_filters().as_of)
about = bool(themes.of("team", team_id))  # open when there is something to read
with st.expander("What the team's feedback is about", expanded=about, icon=":material/topic:"):
    show_themes(themes, "team", team_id, "inbox_themes")
if not items:
    st.success("The inbox is empty.", icon=":material/inbox:")
for item in items:
    entry(item, inbox, may_answer)
