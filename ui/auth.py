"""Sign-in: three identity sources, one chosen by configuration.

- `oidc`: Streamlit's `st.login` against the provider in the `[auth]` section of
  `.streamlit/secrets.toml`; the signed-in email is mapped to a person in the database.
- `password`: local accounts (`cxos.identity.accounts`, argon2id hashes).
- `demo`: pick a persona of the demo company, or pass `?as=PERSON_ID` in the URL.

`CXOS_AUTH` chooses; by default the demo company signs in with personas and any other
database with passwords. A database is the demo company only while it holds nothing else
(`cxos.demo.marker`: the first import or password ends it). Demo sign-in is never active
on any other database unless `CXOS_AUTH=demo` says so, and every page then says that
anyone can act as anyone.
Whatever the source, the result is a `Person` row; permissions come from that row's role.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from cxos import text
from cxos.demo import marker
from cxos.identity import accounts, sign_in
from cxos.model.entities import Person
from cxos.model.errors import CxosError
from cxos.storage import Database
from cxos.storage.contents import account_count, meta
from ui.database import data_version, database, once_per_run

MODES = ("oidc", "password", "demo")
_PERSON_KEY = "auth_person_id"


def auth_mode(db: Database) -> str:
    """The identity source: $CXOS_AUTH, else demo for the demo company, else password."""
    chosen = (os.environ.get("CXOS_AUTH") or "").strip().lower()
    if chosen:
        if chosen not in MODES:
            raise CxosError(f"CXOS_AUTH must be one of {', '.join(MODES)}, not {chosen!r}")
        return chosen
    return "demo" if is_demo_database(db) else "password"


def is_demo_database(db: Database) -> bool:
    """True while the database holds the generated demo company and nothing else."""
    if db.location != database().location:
        return marker.is_demo_company(db)
    # Every page asks several times a run (the mode, the notice, the persona switch).
    return once_per_run("is_demo", lambda: _cached_is_demo(db.location, data_version()))


def personas(db: Database) -> dict[str, str]:
    """The demo personas, person id -> "Name — role" (empty when there are none)."""
    if db.location != database().location:
        return _personas(db)
    return _cached_personas(db.location, data_version())


def _personas(db: Database) -> dict[str, str]:
    labels = {}
    for role, pid in (meta(db, "demo_personas") or {}).items():
        person = accounts.find_person(db, pid)
        if person is not None:
            labels[pid] = f"{person.name} — {role}"
    return labels


# Every run asks these several times (mode, notice, persona switch); they are cached by
# data version, so a change to a person or the dataset (always audited) is seen at once.
@st.cache_data(show_spinner=False, max_entries=1000)
def _cached_is_demo(path: str, version: int) -> bool:
    return marker.is_demo_company(database())


@st.cache_data(show_spinner=False, max_entries=1000)
def _cached_personas(path: str, version: int) -> dict[str, str]:
    return _personas(database())


@st.cache_data(show_spinner=False, max_entries=10_000)
def _cached_person(path: str, version: int, person_id: str) -> Person | None:
    return accounts.find_person(database(), person_id)


def _find_person(db: Database, person_id: str) -> Person | None:
    if db.location != database().location:
        return accounts.find_person(db, person_id)
    return _cached_person(db.location, data_version(), person_id)


# -- who is signed in ------------------------------------------------------------------


def current_person(db: Database) -> Person | None:
    """The signed-in person for this browser session, or None (renders nothing)."""
    mode = auth_mode(db)
    if mode == "oidc":
        return _oidc_person(db)
    if mode == "demo":
        _adopt_query_persona(db)
    person_id = st.session_state.get(_PERSON_KEY)
    if not person_id:
        return None
    if mode == "password" and not accounts.has_account(db, person_id):
        st.session_state.pop(_PERSON_KEY, None)  # disabled meanwhile: signed out at once
        return None
    return _find_person(db, person_id)


def _oidc_person(db: Database) -> Person | None:
    user = _oidc_user()
    email = user.get("email") if user.get("is_logged_in") else None
    return accounts.find_by_email(db, str(email)) if email else None


def _oidc_user() -> dict[str, Any]:
    try:
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no auth configured reads as signed out
        return {}


def _adopt_query_persona(db: Database) -> None:
    wanted = st.query_params.get("as")
    if wanted and wanted != st.session_state.get(_PERSON_KEY):
        if _find_person(db, wanted):
            st.session_state[_PERSON_KEY] = wanted


def sign_in_as(person: Person) -> None:
    """Remember `person` as signed in for this session (password and demo modes)."""
    st.session_state[_PERSON_KEY] = person.id


def sign_out(db: Database) -> None:
    """Forget the signed-in person; in OIDC mode also end the provider session cookie."""
    st.session_state.pop(_PERSON_KEY, None)
    if "as" in st.query_params:
        del st.query_params["as"]
    if auth_mode(db) == "oidc":
        st.logout()
    st.rerun()


# -- what is shown ---------------------------------------------------------------------


def sign_in_page() -> None:
    """The sign-in prompt for the configured identity source; shows no data."""
    db = database()
    mode = auth_mode(db)
    st.title("Sign in to CXOS")
    st.caption("CXOS shows every team's alignment and accountability for the shared CX goals.")
    if mode == "oidc":
        _oidc_prompt(db)
    elif mode == "demo":
        show_mode_notice(db)
        _demo_prompt(db)
    else:
        _password_prompt(db)


def _password_prompt(db: Database) -> None:
    if not account_count(db):
        # Typically just after real data was imported into the demo file: demo sign-in
        # ended with the import, and the first account is made at the database file.
        st.info(
            "No one has a password yet. An administrator creates the first account on the "
            "server: python -m cxos user add EMAIL_OR_ID",
            icon=":material/key:",
        )
    with st.form("signin_form"):
        login = st.text_input("Email or person id", key="signin_login")
        password = st.text_input("Password", type="password", key="signin_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    outcome = sign_in.attempt(db, login, password, client_id())
    if outcome.person is None:
        st.error(outcome.message, icon=":material/lock_clock:" if outcome.retry_after else None)
        return
    sign_in_as(outcome.person)
    st.rerun()


def client_id() -> str:
    """Who is knocking, for the sign-in throttle: the address of the browser's connection.

    Behind a reverse proxy every browser has the proxy's address; set
    CXOS_CLIENT_HEADER to the header that proxy sets (e.g. X-Real-IP) to use its value
    instead. Only do so behind a proxy you run: a browser can send any header it likes.
    Without an address (Streamlit gives none for localhost) the client is "local".
    """
    header = (os.environ.get("CXOS_CLIENT_HEADER") or "").strip()
    if header:
        value = _text(st.context.headers.get(header))
        # A proxy appends the address it saw: the last one is the one it vouches for.
        last = value.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return _text(st.context.ip_address) or "local"


def _text(value: object) -> str:
    # Without a browser connection (AppTest, a bare script run) there is no client at all.
    return value if isinstance(value, str) else ""


def _oidc_prompt(db: Database) -> None:
    user = _oidc_user()
    if user.get("is_logged_in"):
        email = user.get("email") or "an account without an email"
        st.error(
            f"You are signed in as {text.markdown(email)}, "
            "but no person in CXOS has that email. Ask an administrator to add you."
        )
        if st.button("Sign out", key="signin_oidc_logout"):
            st.logout()
        return
    if st.button("Sign in with your organisation account", key="signin_oidc", type="primary"):
        try:
            st.login(os.environ.get("CXOS_AUTH_PROVIDER") or None)
        except Exception as error:  # noqa: BLE001 - misconfiguration is shown, not raised
            st.error(f"Single sign-on is not configured correctly: {text.markdown(error)}")


def _demo_prompt(db: Database) -> None:
    names = personas(db)
    if not names:
        st.warning("This database has no demo personas; use ?as=PERSON_ID in the address.")
        return
    choice = st.radio(
        "Who are you today?",
        list(names),
        format_func=lambda pid: text.markdown(names[pid]),  # radio options are markdown
        key="signin_persona",
    )
    if st.button("Continue", key="signin_demo_go", type="primary"):
        st.query_params["as"] = choice
        st.session_state[_PERSON_KEY] = choice
        st.rerun()


def show_mode_notice(db: Database) -> None:
    """In demo mode, say so (every page calls this through `require_person`)."""
    if auth_mode(db) != "demo":
        return
    if is_demo_database(db):
        notice = "Demo mode: this is the generated demo company, and anyone can act as anyone."
    else:
        notice = (
            "Demo sign-in is switched on (CXOS_AUTH=demo) for real data: anyone can act as anyone."
        )
    st.warning(notice, icon=":material/theater_comedy:")


def account_box(db: Database, person: Person) -> None:
    """The sidebar block naming the signed-in person, with persona switch and sign-out."""
    with st.sidebar:
        st.caption(f"Signed in as **{text.markdown(person.name)}** · {person.role}")
        if auth_mode(db) == "demo" and personas(db):
            _persona_switch(db, person)
        if st.button("Sign out", key="account_sign_out", icon=":material/logout:"):
            sign_out(db)


def _persona_switch(db: Database, person: Person) -> None:
    names = personas(db)
    if person.id not in names:
        names = {person.id: f"{person.name} — {person.role}", **names}
    ids = list(names)
    chosen = st.selectbox(
        "Act as",
        ids,
        index=ids.index(person.id),
        format_func=names.__getitem__,
        key=f"account_persona_{person.id}",
    )
    if chosen != person.id:
        st.query_params["as"] = chosen
        st.session_state[_PERSON_KEY] = chosen
        st.rerun()
