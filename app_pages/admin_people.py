"""People, roles and local sign-in accounts (administrators)."""

from __future__ import annotations

import streamlit as st

from cxos import text
from cxos.identity import accounts
from cxos.model.entities import ROLES
from cxos.model.errors import CxosError
from cxos.work import team_reads
from ui.admin import require_admin
from ui.database import data_version, database
from ui.session import after_write, require_person

person = require_person()
require_admin(person)


@st.cache_data(show_spinner=False)
def _people(path: str, version: int) -> list[dict]:
    return accounts.accounts(database())


@st.cache_data(show_spinner=False)
def _teams(path: str, version: int) -> dict[str, str]:
    return team_reads.teams(database())


def _run(write, message: str) -> None:  # noqa: ANN001 - a zero-argument write
    try:
        write()
    except CxosError as error:
        st.error(text.markdown(str(error)))
        return
    after_write(message)


def person_form(people: dict[str, dict], teams: dict[str, str]) -> None:
    choice = st.selectbox(
        "Person",
        [None, *people],
        format_func=lambda p: "New person…" if p is None else f"{people[p]['name']} ({p})",
        key="admin_people_pick",
    )
    row = people.get(choice, {}) if choice else {}
    with st.form("admin_people_form"):
        pid = st.text_input("Id", value=choice or "", disabled=bool(choice), key="admin_people_id")
        name = st.text_input("Name", value=row.get("name", ""), key="admin_people_name")
        email = st.text_input("Email", value=row.get("email") or "", key="admin_people_email")
        team_ids = list(teams)
        team = st.selectbox(
            "Team",
            team_ids,
            format_func=teams.__getitem__,
            key="admin_people_team",
            index=team_ids.index(row["team_id"]) if row.get("team_id") in teams else 0,
        )
        role = st.selectbox(
            "Role", ROLES, index=ROLES.index(row.get("role", "member")), key="admin_people_role"
        )
        saved = st.form_submit_button("Save person", type="primary")
    if saved:
        _run(
            lambda: accounts.save_person(
                database(),
                person.id,
                accounts.person_from_form(
                    id=(choice or pid).strip(),
                    name=name.strip(),
                    email=email.strip() or None,
                    team_id=team,
                    role=role,
                ),
            ),
            f"Saved {text.markdown(name)}.",
        )


def account_form(people: dict[str, dict]) -> None:
    with st.form("admin_accounts_form"):
        who = st.selectbox(
            "Person",
            list(people),
            key="admin_accounts_person",
            format_func=lambda p: f"{people[p]['name']} — account {people[p]['account']}",
        )
        first = st.text_input("New password", type="password", key="admin_accounts_password")
        again = st.text_input("Repeat it", type="password", key="admin_accounts_repeat")
        left, right = st.columns(2)
        set_it = left.form_submit_button("Set password", type="primary")
        disable = right.form_submit_button("Disable account")
    if set_it:
        if first != again:
            st.error("The two passwords differ; nothing was changed.")
        else:
            _run(
                lambda: accounts.set_password(database(), person.id, who, first),
                f"Password set for {text.markdown(people[who]['name'])}.",
            )
    if disable:
        _run(
            lambda: accounts.disable_account(database(), person.id, who),
            f"Account of {text.markdown(people[who]['name'])} disabled.",
        )


st.title("People & accounts")
version = data_version()
rows = _people(str(database().path), version)
teams = _teams(str(database().path), version)
st.dataframe(
    [{**r, "team": teams.get(r["team_id"], r["team_id"])} for r in rows],
    column_config={
        "name": "Name",
        "id": "Id",
        "email": "Email",
        "team": "Team",
        "role": "Role",
        "account": "Account",
        "updated_at": st.column_config.DatetimeColumn("Account changed"),
    },
    column_order=("name", "id", "email", "team", "role", "account", "updated_at"),
    hide_index=True,
    key="admin_people_table",
)
people = {r["id"]: r for r in rows}
left, right = st.columns(2)
with left:
    st.subheader("Person and role")
    person_form(people, teams)
with right:
    st.subheader("Local sign-in account")
    account_form(people)
