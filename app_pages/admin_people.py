"""People, roles and local sign-in accounts (administrators)."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from cxos import text
from cxos.identity import accounts, erasure, tokens
from cxos.model.entities import ROLES
from cxos.model.errors import CxosError
from cxos.work import team_reads
from ui import tables
from ui.admin import require_admin
from ui.database import data_version, database
from ui.session import after_write, require_person
from ui.tables import Column

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
rows = _people(database().location, version)
teams = _teams(database().location, version)
tables.show(
    [{**r, "team": teams.get(r["team_id"], r["team_id"])} for r in rows],
    [
        Column("name", "Name"),
        Column("id", "Id"),
        Column("email", "Email"),
        Column("team", "Team"),
        Column("role", "Role"),
        Column("account", "Account"),
        Column("updated_at", "Account changed", "moment"),
    ],
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


def token_create_form(teams: dict[str, str]) -> None:
    """Create an API token; the token is shown here once and never again."""
    scopes = {
        "read": "Read only: scores, signals, explanations, work lists, goals",
        "ingest": "Ingest only: metric readings and customer feedback, for any team",
        **{
            f"team:{tid}": f"Acts for {name}: its readings, check-ins and feedback"
            for tid, name in teams.items()
        },
    }
    with st.form("admin_tokens_form", clear_on_submit=True):
        name = st.text_input(
            "Name",
            key="admin_tokens_name",
            help="Calls are audited under this name, e.g. survey-sync",
        )
        scope = st.selectbox(
            "Scope", list(scopes), format_func=scopes.__getitem__, key="admin_tokens_scope"
        )
        expires = st.date_input("Expires after", value=None, key="admin_tokens_expires")
        created = st.form_submit_button("Create token", type="primary")
    if not created:
        return
    try:
        token, info = tokens.create_token(database(), person.id, name, scope, expires)
    except CxosError as error:
        st.error(text.markdown(str(error)))
        return
    after_write()
    st.success(
        f"Token {text.markdown(info.name)} created. Copy it now: it is shown only this once.",
        icon=":material/key:",
    )
    st.code(token, language=None)


def token_table(infos: list[tokens.TokenInfo]) -> None:
    if not infos:
        st.caption("No API tokens yet.")
        return
    tables.show(
        [asdict(info) for info in infos],
        [
            Column("name", "Name"),
            Column("scope", "Scope"),
            Column("state", "State"),
            Column("last_used_at", "Last used", "moment"),
            Column("expires_on", "Expires after", "moment"),
            Column("created_at", "Created", "moment"),
        ],
        key="admin_tokens_table",
    )


def token_revoke_form(infos: list[tokens.TokenInfo]) -> None:
    active = [info.name for info in infos if info.state == "active"]
    if not active:
        return
    with st.form("admin_tokens_revoke"):
        name = st.selectbox("Token", active, key="admin_tokens_revoke_name")
        revoke = st.form_submit_button("Revoke token")
    if revoke:
        _run(
            lambda: tokens.revoke_token(database(), person.id, name),
            f"Token {text.markdown(name)} revoked: calls with it are refused from now on.",
        )


st.subheader("API tokens")
st.caption(
    "Other systems send readings, feedback and check-ins, and read scores, through the API "
    "(`python -m cxos api`, docs/api.md) with a token made here."
)
left, right = st.columns(2)
with left:
    token_create_form(teams)
infos = tokens.list_tokens(database())
with right:
    token_revoke_form(infos)
token_table(infos)


def erase_form(people: dict[str, dict]) -> None:
    """Erase a person on a data-protection request, once their id is typed to confirm."""
    erasable = [pid for pid in people if pid != person.id and people[pid]["account"] != "erased"]
    with st.form("admin_erase_form", clear_on_submit=True):
        who = st.selectbox(
            "Person to erase",
            erasable,
            index=None,
            placeholder="Choose a person",
            key="admin_erase_person",
            format_func=lambda p: f"{people[p]['name']} ({p})",
        )
        typed = st.text_input(
            "Type their id to confirm", key="admin_erase_confirm", help="e.g. p-retail-0"
        )
        erase = st.form_submit_button("Erase for good", icon=":material/delete_forever:")
    if not erase:
        return
    if who is None or typed.strip() != who:
        st.error("Choose a person and type their id exactly to confirm; nothing was changed.")
        return
    _run(
        lambda: erasure.erase_person(database(), person.id, who),
        f"Erased {text.markdown(who)}: they now show as "
        f"{text.markdown(erasure.placeholder_name(who))}.",
    )


st.subheader("Erase a person (data-protection request)")
st.caption(
    "Replaces their name by a placeholder, removes their email and sign-in account, and "
    "replaces the notes, check-in notes, decisions and feedback responses they wrote by "
    f"{erasure.ERASED_TEXT}, here and in the audit log. Ids stay, so who owned which goal "
    "and action stays and scores as of every date are unchanged. It cannot be undone."
)
erase_form(people)
