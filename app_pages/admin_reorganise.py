"""Reorganise (administrators): retire a team, stage, touchpoint, goal or metric as of a
date, seeing what depends on it first and where it can move; merge two teams.

Every check is the service's (cxos/organisation/reorganise.py): this page only shows what
it would do and passes the choices on.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cxos import palette, text
from cxos.model.errors import CxosError
from cxos.organisation import reorganise
from ui import tables
from ui.admin import require_admin
from ui.database import data_version, database
from ui.session import after_write, require_person
from ui.tables import Column
from ui.work_forms import choose

person = require_person()
require_admin(person)

KIND_WORDS = {
    "team": "Team",
    "stage": "Journey stage",
    "touchpoint": "Touchpoint",
    "goal": "Goal",
    "metric": "Metric",
}
KEEP = "__keep__"


@st.cache_data(show_spinner=False)
def _choices(path: str, version: int, kind: str, on: dt.date) -> dict[str, str]:
    return {row["id"]: row["name"] for row in reorganise.choices(database(), kind, on)}


@st.cache_data(show_spinner=False)
def _dependants(path: str, version: int, kind: str, row_id: str, on: dt.date) -> list[dict]:
    return [
        {"relation": d.relation, "name": d.name, "id": d.id}
        for d in reorganise.dependants(database(), kind, row_id, on)
    ]


def _run(write, message: str) -> None:  # noqa: ANN001 - a zero-argument write
    try:
        write()
    except CxosError as error:
        st.error(text.markdown(str(error)), icon=":material/block:")
        return
    after_write(message)


def _labelled(names: dict[str, str]) -> dict[str, str]:
    """Each record as the choices show it: its name, then its id (names may repeat)."""
    return {row_id: f"{name} ({row_id})" for row_id, name in names.items()}


def retire_section(path: str, version: int) -> None:
    left, middle, right = st.columns([1, 2, 1])
    kind = left.selectbox(
        "What", list(KIND_WORDS), format_func=KIND_WORDS.__getitem__, key="reorg_kind"
    )
    on = right.date_input("Retired as of", value=dt.date.today(), key="reorg_on")
    names = _choices(path, version, kind, on)
    with middle:
        row_id = choose(
            KIND_WORDS[kind],
            _labelled(names),
            "reorg_row",
            placeholder=f"Choose a {KIND_WORDS[kind].lower()} to retire",
        )
    if row_id is None:
        st.caption(
            "Scores, signals and the journey map as of a date before this one still see it; "
            "as of this date and later they do not."
        )
        return
    found = _dependants(path, version, kind, row_id, on)
    move_to = None
    confirm = False
    if not found:
        st.caption(f"Nothing depends on {text.markdown(names[row_id])}.")
    else:
        st.warning(
            f"{len(found)} record(s) depend on {text.markdown(names[row_id])}: move them, "
            "or confirm that they are retired or unlinked with it.",
            icon=":material/account_tree:",
        )
        tables.show(
            found,
            [Column("relation", "Depends as"), Column("name", "Name"), Column("id", "Id")],
            key="reorg_dependants",
        )
        if kind in reorganise.MOVABLE:
            targets = _labelled({k: v for k, v in names.items() if k != row_id})
            choice = st.selectbox(
                "Move them to",
                [KEEP, *targets],
                format_func=lambda t: "Don't move them" if t == KEEP else targets[t],
                key="reorg_move_to",
                help="A team's goals, open actions, touchpoints, people and feedback move "
                "to the other team (a merge); a stage's touchpoints, goal links and feedback "
                "to the other stage. Dates before this one keep who owned what.",
            )
            move_to = None if choice == KEEP else choice
        if move_to is None:
            confirm = st.checkbox("Retire or unlink them with it", key="reorg_confirm", value=False)
    if st.button("Retire", type="primary", key="reorg_retire", icon=":material/archive:"):
        _run(
            lambda: reorganise.retire(
                database(), person.id, kind, row_id, on, move_to=move_to, confirm=confirm
            ),
            f"Retired {text.markdown(names[row_id])} as of {palette.day(on)}.",
        )


def merge_section(path: str, version: int) -> None:
    with st.form("reorg_merge_form"):
        on = st.date_input("Merged as of", value=dt.date.today(), key="reorg_merge_on")
        teams = _labelled(_choices(path, version, "team", on))
        left, right = st.columns(2)
        pick = "Choose a team"
        with left:
            source = choose("Merge this team", teams, "reorg_merge_from", placeholder=pick)
        with right:
            target = choose("into this team", teams, "reorg_merge_into", placeholder=pick)
        merge = st.form_submit_button("Merge teams", type="primary", icon=":material/merge:")
    if not merge:
        return
    if source is None or target is None:
        st.error("Choose both teams; nothing was changed.")
        return
    _run(
        lambda: reorganise.merge_teams(database(), person.id, source, target, on),
        f"Merged {text.markdown(teams[source])} into {text.markdown(teams[target])} "
        f"as of {palette.day(on)}.",
    )


st.title("Reorganise")
st.caption(
    "Nothing is deleted: what is retired or moved stays in the scores, signals and journey "
    "map of every earlier date."
)
path, version = database().location, data_version()
st.subheader("Retire")
retire_section(path, version)
st.subheader("Merge two teams")
st.caption(
    "The first team's goals, open actions, touchpoints, people and feedback move to the "
    "second as of the date, and the first team is retired."
)
merge_section(path, version)
