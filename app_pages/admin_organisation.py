"""The organisation and the journey, edited in place (administrators).

One tab per kind of record: what there is, a form to add one and a form to change the one
picked. Every form calls one function of `cxos.organisation.editing`, which checks the
permission, validates as an import does, audits and refuses a stale edit; the page only
reads, renders and reports (`ui.work_forms.attempt`: input kept on a refusal, cleared and
the page redrawn after a save).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from cxos import text
from cxos.model.entities import ROLES
from cxos.organisation import editing, reads
from cxos.review.figures import LAYERS
from ui import tables
from ui.admin import require_admin
from ui.database import data_version, database
from ui.session import require_person
from ui.tables import Column
from ui.work_forms import attempt, shown_version

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


def _id_field(key: str) -> str:
    return st.text_input(
        "Id (optional)", key=f"{key}_id", help="Left empty, an id is made up; an id is never reused"
    )


def _choose(label: str, options: Mapping[str, str], key: str, now: str | None = None) -> Any:
    """A select box of records by name; their ids stay behind the scenes."""
    ids = list(options)
    return st.selectbox(
        label,
        ids,
        index=ids.index(now) if now in options else None,
        format_func=lambda i: options.get(i, i),
        placeholder=f"Choose the {label.lower()}",
        key=key,
    )


def _pick(label: str, rows: list[dict], key: str, name: Callable[[dict], str]) -> dict | None:
    """The record to change, chosen by name; None until one is chosen."""
    by_id = {r["id"]: r for r in rows}
    article = "an" if label[0].lower() in "aeiou" else "a"
    st.markdown(f"**Change {article} {label.lower()}**")
    chosen = _choose(label, {i: name(r) for i, r in by_id.items()}, f"{key}_pick")
    return by_id.get(chosen)


def _add_form(base: str) -> str:
    """The key of an add form. It changes after each record added, so the browser draws
    the form anew, empty (a widget keeps what was typed while its key stays the same)."""
    return f"{base}{st.session_state.get(base + '_added') or ''}"


def _add(key: str, create: Callable[[], Any], done: str) -> None:
    """Run `create` (`attempt`: refusals shown, input kept); once it saved, the add form
    moves on to a fresh key."""
    base = key.rstrip("0123456789")

    def run(_seen: int) -> Any:
        result = create()
        st.session_state[base + "_added"] = int(st.session_state.get(base + "_added") or 0) + 1
        return result

    attempt(key, run, done, 0)


def _named(row: dict) -> str:
    return str(row.get("name") or row.get("title") or row["id"])


# -- business units --------------------------------------------------------------------------


def business_units() -> None:
    tables.show(org["business_units"], [Column("name", "Business unit")], key=f"{K}_bu_table")
    left, right = st.columns(2)
    with left, st.form(f"{K}_bu_new_form"):
        st.markdown("**New business unit**")
        key = _add_form(f"{K}_bu_new")
        name = st.text_input("Name", key=f"{key}_name")
        new_id = _id_field(key)
        if st.form_submit_button("Add business unit", type="primary", key=f"{key}_save"):
            _add(
                key,
                lambda: editing.create_business_unit(
                    database(), person.id, {"id": new_id, "name": name}
                ),
                f"Added business unit {text.markdown(name)}.",
            )
    with right:
        row = _pick("Business unit", org["business_units"], f"{K}_bu", _named)
        if row:
            key = f"{K}_bu_edit_{row['id']}"
            seen = shown_version(key, row["version"])
            with st.form(f"{key}_form"):
                name = st.text_input("Name", value=row["name"], key=f"{key}_name")
                if st.form_submit_button("Save business unit", type="primary", key=f"{key}_save"):
                    attempt(
                        key,
                        lambda v: editing.update_business_unit(
                            database(), person.id, row["id"], {"name": name}, expected_version=v
                        ),
                        f"Saved business unit {text.markdown(name)}.",
                        seen,
                    )


# -- teams and heads -------------------------------------------------------------------------


def team_fields(key: str, row: dict) -> dict[str, Any]:
    return {
        "name": st.text_input("Name", value=row.get("name", ""), key=f"{key}_name"),
        "business_unit_id": _choose(
            "Business unit", units, f"{key}_unit", row.get("business_unit_id")
        ),
    }


def teams_tab() -> None:
    tables.show(
        org["teams"],
        [Column("name", "Team"), Column("business_unit", "Business unit"), Column("head", "Head")],
        key=f"{K}_team_table",
    )
    left, right = st.columns(2)
    with left, st.form(f"{K}_team_new_form"):
        st.markdown("**New team**")
        key = _add_form(f"{K}_team_new")
        fields = team_fields(key, {})
        new_id = _id_field(key)
        if st.form_submit_button("Add team", type="primary", key=f"{key}_save"):
            _add(
                key,
                lambda: editing.create_team(database(), person.id, {**fields, "id": new_id}),
                f"Added team {text.markdown(fields['name'])}.",
            )
    with right:
        row = _pick("Team", org["teams"], f"{K}_team", _named)
        if row:
            key = f"{K}_team_edit_{row['id']}"
            seen = shown_version(key, row["version"])
            with st.form(f"{key}_form"):
                fields = team_fields(key, row)
                if st.form_submit_button("Save team", type="primary", key=f"{key}_save"):
                    attempt(
                        key,
                        lambda v: editing.update_team(
                            database(), person.id, row["id"], fields, expected_version=v
                        ),
                        f"Saved team {text.markdown(fields['name'])}.",
                        seen,
                    )
            head_form(row, seen)


def head_form(team: dict, seen: int) -> None:
    key = f"{K}_head_{team['id']}"
    people = {
        p["id"]: f"{p['name']} — {p['team'] or p['team_id']}, {p['role']}"
        for p in org["people"]
        if not p["erased"]
    }
    with st.form(f"{key}_form"):
        st.caption(f"Head now: {text.markdown(team['head'] or 'nobody')}")
        chosen = _choose("Person", people, f"{key}_person")
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


# -- people and roles ----------------------------------------------------------------------------


def person_fields(key: str, row: dict) -> dict[str, Any]:
    role = row.get("role", "member")
    return {
        "name": st.text_input("Name", value=row.get("name", ""), key=f"{key}_name"),
        "email": st.text_input("Email", value=row.get("email") or "", key=f"{key}_email"),
        "team_id": _choose("Team", teams, f"{key}_team", row.get("team_id")),
        "role": st.selectbox("Role", ROLES, index=ROLES.index(role), key=f"{key}_role"),
    }


def people_tab() -> None:
    living = [p for p in org["people"] if not p["erased"]]
    tables.show(
        living,
        [Column("name", "Name"), Column("email", "Email"), Column("team", "Team")]
        + [Column("role", "Role")],
        key=f"{K}_person_table",
    )
    left, right = st.columns(2)
    with left, st.form(f"{K}_person_new_form"):
        st.markdown("**New person**")
        key = _add_form(f"{K}_person_new")
        fields = person_fields(key, {})
        new_id = _id_field(key)
        if st.form_submit_button("Add person", type="primary", key=f"{key}_save"):
            _add(
                key,
                lambda: editing.create_person(database(), person.id, {**fields, "id": new_id}),
                f"Added {text.markdown(fields['name'])}.",
            )
    with right:
        row = _pick("Person", living, f"{K}_person", lambda p: f"{p['name']} ({p['id']})")
        if row:
            key = f"{K}_person_edit_{row['id']}"
            seen = shown_version(key, row["version"])
            with st.form(f"{key}_form"):
                fields = person_fields(key, row)
                if st.form_submit_button("Save person", type="primary", key=f"{key}_save"):
                    attempt(
                        key,
                        lambda v: editing.update_person(
                            database(), person.id, row["id"], fields, expected_version=v
                        ),
                        f"Saved {text.markdown(fields['name'])}.",
                        seen,
                    )
    st.caption("Sign-in accounts and erasure are on the People & accounts page.")


# -- journeys and phases -----------------------------------------------------------------------


def journeys_tab() -> None:
    left, right = st.columns(2)
    with left, st.form(f"{K}_journey_new_form"):
        st.markdown("**New journey**")
        key = _add_form(f"{K}_journey_new")
        name = st.text_input("Name", key=f"{key}_name")
        new_id = _id_field(key)
        if st.form_submit_button("Add journey", type="primary", key=f"{key}_save"):
            _add(
                key,
                lambda: editing.create_journey(database(), person.id, {"id": new_id, "name": name}),
                f"Added journey {text.markdown(name)}.",
            )
    with right:
        row = _pick("Journey", org["journeys"], f"{K}_journey", _named)
        if row:
            key = f"{K}_journey_edit_{row['id']}"
            seen = shown_version(key, row["version"])
            with st.form(f"{key}_form"):
                name = st.text_input("Name", value=row["name"], key=f"{key}_name")
                if st.form_submit_button("Save journey", type="primary", key=f"{key}_save"):
                    attempt(
                        key,
                        lambda v: editing.update_journey(
                            database(), person.id, row["id"], {"name": name}, expected_version=v
                        ),
                        f"Saved journey {text.markdown(name)}.",
                        seen,
                    )
            phase_form(row)


def phase_form(journey: dict) -> None:
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


# -- stages --------------------------------------------------------------------------------------


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


def stages_tab() -> None:
    journey_id = _choose("Journey", journeys, f"{K}_stage_journey", next(iter(journeys), None))
    if journey_id is None:
        st.caption("Add a journey first.")
        return
    in_journey = [s for s in org["stages"] if s["journey_id"] == journey_id]
    tables.show(
        in_journey,
        [Column("position", "Place", "number"), Column("phase", "Phase"), Column("name", "Stage")],
        key=f"{K}_stage_table",
    )
    left, right = st.columns(2)
    with left, st.form(f"{K}_stage_new_form"):
        st.markdown("**New stage**")
        key = _add_form(f"{K}_stage_new")
        name = st.text_input("Name", key=f"{key}_name")
        phase = _phase_choice(journey_id, key)
        places = _places(journey_id)
        place = st.selectbox(
            "Place", list(places), index=len(places) - 1, format_func=places.get, key=f"{key}_place"
        )
        new_id = _id_field(key)
        if st.form_submit_button("Add stage", type="primary", key=f"{key}_save"):
            fields = {"id": new_id, "journey_id": journey_id, "phase": phase, "name": name}
            _add(
                key,
                lambda: editing.create_stage(database(), person.id, fields, place=place),
                f"Added stage {text.markdown(name)}.",
            )
    with right:
        row = _pick("Stage", in_journey, f"{K}_stage", _named)
        if row:
            stage_edit(row)


def stage_edit(row: dict) -> None:
    key = f"{K}_stage_edit_{row['id']}"
    seen = shown_version(key, row["version"])
    with st.form(f"{key}_form"):
        name = st.text_input("Name", value=row["name"], key=f"{key}_name")
        phase = _phase_choice(row["journey_id"], key, row["phase"])
        if st.form_submit_button("Save stage", type="primary", key=f"{key}_save"):
            attempt(
                key,
                lambda v: editing.update_stage(
                    database(),
                    person.id,
                    row["id"],
                    {"name": name, "phase": phase},
                    expected_version=v,
                ),
                f"Saved stage {text.markdown(name)}.",
                seen,
            )
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


# -- touchpoints ---------------------------------------------------------------------------------


def touchpoint_fields(key: str, row: dict) -> dict[str, Any]:
    stage_names = {
        sid: f"{journeys.get(s['journey_id'], s['journey_id'])} · {s['phase']} · {s['name']}"
        for sid, s in stages.items()
    }
    layer = row.get("layer", "front_stage")
    return {
        "name": st.text_input("Name", value=row.get("name", ""), key=f"{key}_name"),
        "stage_id": _choose("Stage", stage_names, f"{key}_stage", row.get("stage_id")),
        "layer": st.selectbox(
            "Layer", list(LAYERS), list(LAYERS).index(layer), LAYERS.get, key=f"{key}_layer"
        ),
        "channel": st.text_input(
            "Channel (optional)", value=row.get("channel") or "", key=f"{key}_channel"
        ),
        "owner_team_id": _choose("Owning team", teams, f"{key}_owner", row.get("owner_team_id")),
    }


def touchpoints_tab() -> None:
    tables.show(
        [{**r, "layer": LAYERS.get(r["layer"], r["layer"])} for r in org["touchpoints"]],
        [Column("name", "Touchpoint"), Column("stage", "Stage"), Column("layer", "Layer")]
        + [Column("channel", "Channel"), Column("owner", "Owning team")],
        key=f"{K}_touchpoint_table",
    )
    left, right = st.columns(2)
    with left, st.form(f"{K}_touchpoint_new_form"):
        st.markdown("**New touchpoint**")
        key = _add_form(f"{K}_touchpoint_new")
        fields = touchpoint_fields(key, {})
        new_id = _id_field(key)
        if st.form_submit_button("Add touchpoint", type="primary", key=f"{key}_save"):
            _add(
                key,
                lambda: editing.create_touchpoint(database(), person.id, {**fields, "id": new_id}),
                f"Added touchpoint {text.markdown(fields['name'])}.",
            )
    with right:
        row = _pick("Touchpoint", org["touchpoints"], f"{K}_touchpoint", _named)
        if row:
            key = f"{K}_touchpoint_edit_{row['id']}"
            seen = shown_version(key, row["version"])
            with st.form(f"{key}_form"):
                fields = touchpoint_fields(key, row)
                st.caption("Feedback on this touchpoint follows it to a new stage or owner.")
                if st.form_submit_button("Save touchpoint", type="primary", key=f"{key}_save"):
                    attempt(
                        key,
                        lambda v: editing.update_touchpoint(
                            database(), person.id, row["id"], fields, expected_version=v
                        ),
                        f"Saved touchpoint {text.markdown(fields['name'])}.",
                        seen,
                    )


# -- objectives ----------------------------------------------------------------------------------


def objective_fields(key: str, row: dict) -> dict[str, Any]:
    return {
        "title": st.text_input("Title", value=row.get("title", ""), key=f"{key}_title"),
        "vision": st.text_area(
            "What success looks like", value=row.get("vision") or "", key=f"{key}_vision"
        ),
    }


def objectives_tab() -> None:
    tables.show(
        org["objectives"],
        [Column("title", "Objective"), Column("vision", "What success looks like")],
        key=f"{K}_objective_table",
    )
    left, right = st.columns(2)
    with left, st.form(f"{K}_objective_new_form"):
        st.markdown("**New objective**")
        key = _add_form(f"{K}_objective_new")
        fields = objective_fields(key, {})
        new_id = _id_field(key)
        if st.form_submit_button("Add objective", type="primary", key=f"{key}_save"):
            _add(
                key,
                lambda: editing.create_objective(database(), person.id, {**fields, "id": new_id}),
                f"Added objective {text.markdown(fields['title'])}.",
            )
    with right:
        row = _pick("Objective", org["objectives"], f"{K}_objective", _named)
        if row:
            key = f"{K}_objective_edit_{row['id']}"
            seen = shown_version(key, row["version"])
            with st.form(f"{key}_form"):
                fields = objective_fields(key, row)
                if st.form_submit_button("Save objective", type="primary", key=f"{key}_save"):
                    attempt(
                        key,
                        lambda v: editing.update_objective(
                            database(), person.id, row["id"], fields, expected_version=v
                        ),
                        f"Saved objective {text.markdown(fields['title'])}.",
                        seen,
                    )


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
