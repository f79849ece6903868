"""Review meetings: start one, take its generated agenda, record decisions, close, read back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from cxos import palette, text
from cxos.identity.permissions import can
from cxos.model.errors import CxosError
from cxos.review import figures, meetings, pack, team_detail
from cxos.review.figures import COMPONENT_CODES, COMPONENT_HELP
from cxos.scoring.config import COMPONENTS
from ui import insights, steering, tables
from ui.database import database
from ui.filters import current_filters
from ui.lazy import lazy_expander
from ui.session import after_write, require_person
from ui.tables import Column
from ui.work_forms import choose, forget_input, people

person = require_person()
filters = current_filters()
path, version = steering.key()
db = database()


@st.cache_data(show_spinner=False)
def _meetings(path: str, version: int) -> list:
    return meetings.list_meetings(database())


@st.cache_resource(show_spinner=False, max_entries=16)
def _quadrant(path: str, version: int, meeting_id: str) -> go.Figure:
    """The meeting's quadrant chart, built once per data version and shared (read-only)."""
    view = _view(path, version, meeting_id)
    return steering.prepared(figures.quadrant_chart(view.scores, steering.config()))


# Shared by every session, read-only (see ui/steering.py): unpickling a thousand teams'
# agenda on every rerun cost more than drawing it.
@st.cache_resource(show_spinner=False, max_entries=16)
def _view(path: str, version: int, meeting_id: str) -> meetings.MeetingView:
    return meetings.view(database(), meeting_id)


@st.cache_data(show_spinner=False)
def _goals(path: str, version: int, as_of: dt.date) -> list[dict]:
    return team_detail.goal_choices(database(), as_of)


def start_form() -> None:
    with st.form("meetings_start_form", clear_on_submit=True):
        held = st.date_input("Date", value=filters.as_of, key="meetings_start_date")
        title = st.text_input("Title", value="CX steering review", key="meetings_start_title")
        everyone = people(path, version)
        attendees = st.multiselect(
            "Attendees", list(everyone), format_func=everyone.__getitem__, key="meetings_attendees"
        )
        submitted = st.form_submit_button("Start the meeting", type="primary")
    if submitted:
        try:
            meeting = meetings.start_meeting(db, person.id, held, title, attendees)
        except CxosError as error:
            st.error(text.markdown(str(error)))
            return
        after_write()
        st.session_state["meetings_pick"] = meeting.id
        st.rerun()


def decision_form(view: meetings.MeetingView) -> None:
    """A decision, and optionally the owned action it creates: the goal and the owner are
    chosen, never defaulted (the action goes to the owner's team)."""
    goals = {g["id"]: f"{g['team']} — {g['title']}" for g in _goals(path, version, view.as_of)}
    with st.form("meetings_decision_form"):
        decision = st.text_area("Decision", key="meetings_decision_text")
        with_action = st.checkbox("Create an owned action", key="meetings_decision_with_action")
        goal_id = choose(
            "Goal the action serves", goals, "meetings_decision_goal", placeholder="Choose a goal"
        )
        owner = choose(
            "Owner (the action goes to the owner's team)",
            people(path, version),
            "meetings_decision_owner",
            placeholder="Choose who owns it",
        )
        due = st.date_input(
            "Due", value=view.as_of + dt.timedelta(days=42), key="meetings_decision_due"
        )
        submitted = st.form_submit_button("Record the decision", type="primary")
    if not submitted:
        return
    action = {"goal_id": goal_id, "owner_id": owner, "due_date": due} if with_action else None
    try:
        meetings.record_decision(db, person.id, view.meeting.id, decision, action=action)
    except CxosError as error:  # the input stays, to be completed
        st.error(text.markdown(str(error)))
        return
    forget_input("meetings_decision")  # recorded: the form starts empty, not to be sent twice
    after_write("Decision recorded.")


def close_form(view: meetings.MeetingView) -> None:
    with st.form("meetings_close_form"):
        st.write("Closing freezes the scores, signals, agenda and decisions as they are now.")
        sure = st.checkbox(
            "I confirm: close this meeting; it becomes read-only", key="meetings_close_confirm"
        )
        submitted = st.form_submit_button("Close the meeting")
    if not submitted:
        return
    if not sure:
        st.warning("Tick the confirmation first.")
        return
    try:
        meetings.close_meeting(db, person.id, view.meeting.id)
    except CxosError as error:
        st.error(text.markdown(str(error)))
        return
    after_write()
    st.rerun()


def show_agenda(view: meetings.MeetingView) -> None:
    for key, title in meetings.SECTIONS.items():
        rows = view.agenda.get(key, [])
        # Drawn only while open: at a thousand teams an agenda list has thousands of rows.
        expander = lazy_expander(
            f"{title} ({len(rows)})",
            f"meetings_agenda_open_{key}",
            expanded=key in ("moves", "previous_decisions"),
        )
        if expander is None:
            continue
        with expander:
            if rows:
                _words_table(key, rows, pack.AGENDA_COLUMNS[key], f"agenda_{key}")
            else:
                st.write("Nothing here.")


# How the pack's columns read on screen: free text wraps, dates and scores keep their type.
_KINDS = {
    "title": "long",
    "decision": "long",
    "text": "long",
    "detail": "long",
    "due_date": "date",
    "days_overdue": "number",
    "alignment": "number",
    "accountability": "number",
}


def _words_table(
    section: str, rows: list[dict[str, Any]], columns: tuple[pack.Column, ...], key: str
) -> None:
    """A section as the pack shows it: headers, quadrants, signals and statuses in words."""
    header, cells = pack.table_of(section, rows, columns)
    shown = [dict(zip(header, row, strict=True)) for row in cells]
    signed = section == "moves"  # its changes are signed words ("+4.2"), kept as they read
    kinds = [
        Column(title, title, "text" if signed else _KINDS.get(name, "text"))
        for name, title in columns
    ]
    tables.show(shown, kinds, f"meetings_{key}")


def _score_columns() -> list[Column]:
    """The pack's score header; the eight components as 'A1'…'L4', named on hover."""
    team, unit, *numbers, quadrant, goals = pack.SCORE_HEADER[:6]
    return [
        Column(team, team, "long", 140),
        Column(unit, unit, "long", 120),
        *(Column(n, n, "number", 80 if n == "Alignment" else 100) for n in numbers),
        Column(quadrant, quadrant, width=95),
        Column(goals, goals, "number", 50),
        *(
            Column(pack.SCORE_HEADER[6 + i], COMPONENT_CODES[c], "number", 46, COMPONENT_HELP[c])
            for i, c in enumerate(COMPONENTS)
        ),
    ]


def _score_rows(view: meetings.MeetingView) -> list[dict[str, Any]]:
    return [dict(zip(pack.SCORE_HEADER, r, strict=True)) for r in pack.score_rows(view)]


# What each of the pack's files is called on its button.
_PACK_FILES = {"pdf": "PDF pack", "xlsx": "Excel workbook", "pptx": "PowerPoint slides"}


def pack_buttons(make_view: Callable[[], meetings.MeetingView], stem: str, prefix: str) -> None:
    """A button per file of the pack, side by side, each offering its download once built.

    `make_view` is called only when a file is built (a date's pack is computed then).
    """
    for column, (fmt, words) in zip(st.columns(len(_PACK_FILES)), _PACK_FILES.items(), strict=True):
        stored = f"{prefix}_{fmt}"
        if column.button(f"Build the {words}", key=f"{prefix}_build_{fmt}"):
            st.session_state[stored] = (stem, _built(make_view(), fmt, column))
        built = st.session_state.get(stored)
        if built and built[0] == stem:
            column.download_button(
                f"Download {fmt.upper()}",
                built[1],
                file_name=f"{stem}.{fmt}",
                mime=pack.FORMATS[fmt],
                key=f"{stored}_download",
            )


def _built(view: meetings.MeetingView, fmt: str, column: Any) -> bytes:
    """A file of the pack, with a progress bar that goes once the download is offered."""
    bar = column.progress(0.0, text="starting")
    data = pack.build(view, fmt, progress=lambda f, m: bar.progress(f, text=m))
    bar.empty()
    return data


def review_pack(view: meetings.MeetingView) -> None:
    if not pack.may_build(db, person.id):
        st.info(
            "Review packs are built by the steering committee and administrators; "
            "everything in them is on this page.",
            icon=":material/info:",
        )
        return
    pack_buttons(lambda: view, pack.stem_of(view), "meetings")
    st.divider()
    st.caption(f"Or a pack for the sidebar date ({palette.day(filters.as_of)}), without a meeting:")
    as_of = filters.as_of
    pack_buttons(lambda: meetings.date_view(db, as_of), pack.file_stem(as_of), "meetings_date")


st.title("Review meetings")
all_meetings = _meetings(path, version)
if can(db, person.id, "meeting"):
    with st.expander("Start a meeting", expanded=not all_meetings):
        start_form()
if not all_meetings:
    st.info("No meeting yet.")
    st.stop()
by_id = {m.id: m for m in all_meetings}
if st.session_state.get("meetings_pick") not in by_id:
    st.session_state.pop("meetings_pick", None)
meeting_id = st.selectbox(
    "Meeting",
    list(by_id),
    format_func=lambda m: f"{palette.day(by_id[m].held_on)} · {by_id[m].title} · {by_id[m].status}",
    key="meetings_pick",
)
view = _view(path, version, meeting_id)
meeting = view.meeting
if view.frozen:
    st.info(
        f"Closed on {palette.moment(meeting.closed_at)} — read-only. Everything below is as "
        f"frozen at close (scores as of {palette.day(view.as_of)}).",
        icon=":material/lock:",
    )
else:
    st.success(
        f"Open — computed live as of {palette.day(view.as_of)}.", icon=":material/lock_open:"
    )
names = people(path, version)
st.caption(
    "Attendees: " + (", ".join(text.markdown(names.get(a, a)) for a in meeting.attendees) or "—")
)

agenda_tab, scores_tab, decisions_tab, pack_tab = st.tabs(
    ["Agenda", "Scores", "Decisions", "Review pack"]
)
with agenda_tab:
    show_agenda(view)
with scores_tab:
    st.plotly_chart(
        _quadrant(path, version, meeting.id),
        key="meetings_quadrant",
        width="stretch",
    )
    tables.show(_score_rows(view), _score_columns(), "meetings_scores")
with decisions_tab:
    _words_table("decisions", view.decisions, pack.DECISION_COLUMNS, "decisions")
    if not view.frozen and can(db, person.id, "decision"):
        decision_form(view)
        insights.goal_form(person.id, view, path, version)
        close_form(view)
with pack_tab:
    review_pack(view)
