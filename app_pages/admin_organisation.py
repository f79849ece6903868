"""The organisation and the journey, edited in place (administrators).

One tab per kind of record: what there is, a form to add one and a form to change the one
picked (`ui.record_editor`, from each kind's description below). Every form calls one
function of `cxos.organisation.editing`, which checks the permission, validates as an
import does, audits and refuses a stale edit; the page only reads, renders and reports
(`ui.work_forms.attempt`: input kept on a refusal, cleared and the page redrawn after a
save).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from cxos import text
from cxos.identity.permissions import Who
from cxos.model.entities import ROLES
from cxos.organisation import editing, reads
from cxos.review.figures import LAYERS
from cxos.storage import Database
from cxos.work.team_edits import Saved
from ui import tables
from ui.admin import require_admin
from ui.database import data_version, database
from ui.record_editor import Fields, RecordKind, editor
from ui.session import require_person
from ui.tables import Column
from ui.work_forms import attempt, choose, shown_version

person = require_person()
require_admin(person)
K = "admin_org"  # every widget key of this page starts with it


@st.cache_data(show_spinner=False)
def _organisation(path: str, version: int) -> dict[str, list[dict]]:
    return reads.organisation(database())


org = _organisation(database().location, data_version())
units = {r["id"]: r["name"] for r in org["business_units"]}
teams = {r["id"]: r["name"] for r in org["teams"]}
journeys = {r["id"]: r["name"] for r in org["journeys"]}
stages = {r["id"]: r for r in org["stages"]}


# -- how each kind's fields are entered ----------------------------------------------------------


def name_fields(key: str, row: dict) -> dict[str, Any]:
    return {"name": st.text_input("Name", value=row.get("name", ""), key=f"{key}_name")}


def team_fields(key: str, row: dict) -> dict[str, Any]:
    return {
        **name_fields(key, row),
        "business_unit_id": choose(
            "Business unit", units, f"{key}_unit", now=row.get("business_unit_id")
        ),
    }


def person_fields(key: str, row: dict) -> dict[str, Any]:
    role = row.get("role", "member")
    return {
        **name_fields(key, row),
        "email": st.text_input("Email", value=row.get("email") or "", key=f"{key}_email"),
        "team_id": choose("Team", teams, f"{key}_team", now=row.get("team_id")),
        "role": st.selectbox("Role", ROLES, index=ROLES.index(role), key=f"{key}_role"),
    }


def touchpoint_fields(key: str, row: dict) -> dict[str, Any]:
    stage_names = {
        sid: f"{journeys.get(s['journey_id'], s['journey_id'])} · {s['phase']} · {s['name']}"
        for sid, s in stages.items()
    }
    layer = row.get("layer", "front_stage")
    return {
        **name_fields(key, row),
        "stage_id": choose("Stage", stage_names, f"{key}_stage", now=row.get("stage_id")),
        "layer": st.selectbox(
            "Layer", list(LAYERS), list(LAYERS).index(layer), LAYERS.get, key=f"{key}_layer"
        ),
        "channel": st.text_input(
            "Channel (optional)", value=row.get("channel") or "", key=f"{key}_channel"
        ),
        "owner_team_id": choose("Owning team", teams, f"{key}_owner", now=row.get("owner_team_id")),
    }


def objective_fields(key: str, row: dict) -> dict[str, Any]:
    return {
        "title": st.text_input("Title", value=row.get("title", ""), key=f"{key}_title"),
        "vision": st.text_area(
            "What success looks like", value=row.get("vision") or "", key=f"{key}_vision"
        ),
    }


def stage_fields(journey_id: str) -> Fields:
    """A stage's fields in `journey_id`; a new stage also takes its place there."""

    def fields(key: str, row: dict) -> dict[str, Any]:
        drawn = {
            **name_fields(key, row),
            "phase": _phase_choice(journey_id, key, row.get("phase")),
        }
        if row:
            return drawn
        places = _places(journey_id)
        place = st.selectbox(
            "Place", list(places), index=len(places) - 1, format_func=places.get, key=f"{key}_place"
        )
        return {**drawn, "journey_id": journey_id, "place": place}

    return fields


def add_stage(db: Database, actor_id: Who, fields: Any) -> Saved:
    """A new stage goes to the place chosen with its fields."""
    fields = dict(fields)
    return editing.create_stage(db, actor_id, fields, place=fields.pop("place", None))


def _places(journey_id: str, leaving: str | None = None) -> dict[int, str]:
    """The places a stage can take in a journey, in words: first, or after a stage."""
    order = [s for s in stages.values() if s["journey_id"] == journey_id and s["id"] != leaving]
    places = {1: "First" + (f", before {order[0]['name']}" if order else "")}
    for number, stage in enumerate(order, start=2):
        places[number] = f"After {stage['name']}"
    return places


def _phase_choice(journey_id: str | None, key: str, now: str | None = None) -> Any:
    known = list(reads.phases(org["stages"], journey_id or ""))
    return st.selectbox(
        "Phase",
        known,
        index=known.index(now) if now in known else None,
        accept_new_options=True,
        placeholder="Choose a phase or type a new one",
        key=f"{key}_phase",
    )


# -- the forms beside a kind's editor ------------------------------------------------------------


def head_form(team: dict, seen: int) -> None:
    key = f"{K}_head_{team['id']}"
    people = {
        p["id"]: f"{p['name']} — {p['team'] or p['team_id']}, {p['role']}"
        for p in org["people"]
        if not p["erased"]
    }
    with st.form(f"{key}_form"):
        st.caption(f"Head now: {text.markdown(team['head'] or 'nobody')}")
        chosen = choose("Person", people, f"{key}_person")
        if st.form_submit_button("Make head of this team", key=f"{key}_save"):
            attempt(
                key,
                lambda v: editing.set_team_head(
                    database(), person.id, team["id"], chosen or "", expected_version=v
                ),
                f"{text.markdown(people.get(chosen or '', '?').split(' — ')[0])} now heads "
                f"{text.markdown(team['name'])}.",
                seen,
            )


def phase_form(journey: dict, _seen: int) -> None:
    phases = reads.phases(org["stages"], journey["id"])
    if not phases:
        st.caption("This journey has no stages yet: a phase is named when a stage is added.")
        return
    chosen = st.selectbox("Phase", list(phases), key=f"{K}_phase_pick_{journey['id']}")
    key = f"{K}_phase_{journey['id']}_{chosen}"
    # The versions of the phase's stages as first shown, kept until a save or a refusal.
    shown = {s["id"]: s["version"] for s in phases[chosen]}
    seen = st.session_state.setdefault(f"{key}_stages_seen", shown)

    def rename(_: int) -> Any:
        try:
            return editing.rename_phase(
                database(), person.id, journey["id"], chosen, new_name, expected_versions=seen
            )
        finally:  # saved or refused: the next attempt starts from what is shown then
            st.session_state.pop(f"{key}_stages_seen", None)

    with st.form(f"{key}_form"):
        st.caption("Stages: " + text.markdown(", ".join(s["name"] for s in phases[chosen])))
        new_name = st.text_input("New phase name", value=chosen, key=f"{key}_name")
        if st.form_submit_button("Rename phase", key=f"{key}_save"):
            attempt(
                key,
                rename,
                f"Renamed phase {text.markdown(chosen)} to {text.markdown(new_name)}.",
                0,
            )


def move_form(row: dict, _seen: int) -> None:
    move = f"{K}_stage_move_{row['id']}"
    places = _places(row["journey_id"], leaving=row["id"])
    now = [s["id"] for s in stages.values() if s["journey_id"] == row["journey_id"]].index(
        row["id"]
    )
    with st.form(f"{move}_form"):
        place = st.selectbox(
            "Move to", list(places), index=now, format_func=places.get, key=f"{move}_place"
        )
        if st.form_submit_button("Move stage", key=f"{move}_save"):
            attempt(
                move,
                lambda v: editing.move_stage(
                    database(), person.id, row["id"], place, expected_version=v
                ),
                f"Moved stage {text.markdown(row['name'])}.",
                shown_version(move, row["version"]),
            )


# -- the kinds -------------------------------------------------------------------------------------


BUSINESS_UNIT = RecordKind(
    f"{K}_bu",
    "business unit",
    name_fields,
    editing.create_business_unit,
    editing.update_business_unit,
)
TEAM = RecordKind(
    f"{K}_team", "team", team_fields, editing.create_team, editing.update_team, more=head_form
)
PERSON = RecordKind(
    f"{K}_person",
    "person",
    person_fields,
    editing.create_person,
    editing.update_person,
    noun_in_message=False,
    picked=lambda p: f"{p['name']} ({p['id']})",
)
JOURNEY = RecordKind(
    f"{K}_journey",
    "journey",
    name_fields,
    editing.create_journey,
    editing.update_journey,
    more=phase_form,
)
TOUCHPOINT = RecordKind(
    f"{K}_touchpoint",
    "touchpoint",
    touchpoint_fields,
    editing.create_touchpoint,
    editing.update_touchpoint,
    change_note="Feedback on this touchpoint follows it to a new stage or owner.",
)
OBJECTIVE = RecordKind(
    f"{K}_objective",
    "objective",
    objective_fields,
    editing.create_objective,
    editing.update_objective,
    label="title",
)


def stage_kind(journey_id: str) -> RecordKind:
    return RecordKind(
        f"{K}_stage",
        "stage",
        stage_fields(journey_id),
        add_stage,
        editing.update_stage,
        more=move_form,
    )


# -- the tabs --------------------------------------------------------------------------------------


def business_units() -> None:
    tables.show(org["business_units"], [Column("name", "Business unit")], key=f"{K}_bu_table")
    editor(BUSINESS_UNIT, org["business_units"], person.id)


def teams_tab() -> None:
    tables.show(
        org["teams"],
        [Column("name", "Team"), Column("business_unit", "Business unit"), Column("head", "Head")],
        key=f"{K}_team_table",
    )
    editor(TEAM, org["teams"], person.id)


def people_tab() -> None:
    living = [p for p in org["people"] if not p["erased"]]
    tables.show(
        living,
        [Column("name", "Name"), Column("email", "Email"), Column("team", "Team")]
        + [Column("role", "Role")],
        key=f"{K}_person_table",
    )
    editor(PERSON, living, person.id)
    st.caption("Sign-in accounts and erasure are on the People & accounts page.")


def journeys_tab() -> None:
    editor(JOURNEY, org["journeys"], person.id)


def stages_tab() -> None:
    journey_id = choose("Journey", journeys, f"{K}_stage_journey", now=next(iter(journeys), None))
    if journey_id is None:
        st.caption("Add a journey first.")
        return
    in_journey = [s for s in org["stages"] if s["journey_id"] == journey_id]
    tables.show(
        in_journey,
        [Column("position", "Place", "number"), Column("phase", "Phase"), Column("name", "Stage")],
        key=f"{K}_stage_table",
    )
    editor(stage_kind(journey_id), in_journey, person.id)


def touchpoints_tab() -> None:
    tables.show(
        [{**r, "layer": LAYERS.get(r["layer"], r["layer"])} for r in org["touchpoints"]],
        [Column("name", "Touchpoint"), Column("stage", "Stage"), Column("layer", "Layer")]
        + [Column("channel", "Channel"), Column("owner", "Owning team")],
        key=f"{K}_touchpoint_table",
    )
    editor(TOUCHPOINT, org["touchpoints"], person.id)


def objectives_tab() -> None:
    tables.show(
        org["objectives"],
        [Column("title", "Objective"), Column("vision", "What success looks like")],
        key=f"{K}_objective_table",
    )
    editor(OBJECTIVE, org["objectives"], person.id)


st.title("Organisation & journey")
st.caption(
    "Add and change business units, teams, people, journeys, stages, touchpoints and "
    "objectives. Each change is checked as an import would check it and lands in the audit log."
)
SECTIONS = {
    "Business units": business_units,
    "Teams": teams_tab,
    "People": people_tab,
    "Journeys & phases": journeys_tab,
    "Stages": stages_tab,
    "Touchpoints": touchpoints_tab,
    "Objectives": objectives_tab,
}
for tab, draw in zip(st.tabs(list(SECTIONS)), SECTIONS.values(), strict=True):
    with tab:
        draw()
