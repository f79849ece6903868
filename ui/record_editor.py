"""One editor for every kind of organisation record: a form to add one and, beside it, a
form to change the one picked (the administrator's Organisation & journey page).

A kind is described once (`RecordKind`): its noun, how its fields are entered and the
domain editors that add and change it (`cxos.organisation.editing`, which check, audit and
refuse a stale edit). This module draws the forms and reports through
`ui.work_forms.attempt`: a refusal is shown with the input kept; after a save the caches
are dropped and the page redrawn.

Widget keys: under the kind's `key` (e.g. `admin_org_team`), the add form is `<key>_new`
(then `<key>_new1`, `<key>_new2`… after each record added), the picker `<key>_pick` and the
change form `<key>_edit_<id>`; each field is `<form>_<name>` and its button `<form>_save`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from cxos import text
from cxos.identity.permissions import Who
from cxos.organisation.editing import Adds, Changes
from ui.database import database
from ui.work_forms import attempt, choose, shown_version

# Draws a kind's inputs under a form key, filled from a record ({} for a new one), and
# returns what they hold by bundle column.
Fields = Callable[[str, dict], dict[str, Any]]


def named(row: dict) -> str:
    """A record as the picker names it: its name, else its title, else its id."""
    return str(row.get("name") or row.get("title") or row["id"])


@dataclass(frozen=True)
class RecordKind:
    """A kind of record as its editor offers it."""

    key: str  # every widget key of its editor starts with it
    noun: str  # "business unit": in the headings, the buttons and the messages
    fields: Fields
    add: Adds
    change: Changes
    label: str = "name"  # the field that names a record in the messages
    noun_in_message: bool = True  # "Added team Payments", or "Added Nia New"
    picked: Callable[[dict], str] = named
    change_note: str | None = None  # a caption under the change form's inputs
    # Forms under the change form for the record picked, given its version first shown.
    more: Callable[[dict, int], None] | None = None

    @property
    def title(self) -> str:
        return self.noun[0].upper() + self.noun[1:]

    def said(self, fields: Mapping[str, Any]) -> str:
        name = text.markdown(str(fields.get(self.label) or ""))
        return f"{self.noun} {name}" if self.noun_in_message else name


def editor(kind: RecordKind, rows: list[dict], actor_id: Who) -> None:
    """The add form and, for the record picked among `rows`, its change form."""
    left, right = st.columns(2)
    with left:
        _add_form(kind, actor_id)
    with right:
        row = _pick(kind, rows)
        if row:
            seen = _change_form(kind, row, actor_id)
            if kind.more:
                kind.more(row, seen)


def _add_form(kind: RecordKind, actor_id: Who) -> None:
    with st.form(f"{kind.key}_new_form"):
        st.markdown(f"**New {kind.noun}**")
        key = _add_key(f"{kind.key}_new")
        fields = kind.fields(key, {})
        new_id = st.text_input(
            "Id (optional)",
            key=f"{key}_id",
            help="Left empty, an id is made up; an id is never reused",
        )
        if st.form_submit_button(f"Add {kind.noun}", type="primary", key=f"{key}_save"):
            _add(
                key,
                lambda: kind.add(database(), actor_id, {**fields, "id": new_id}),
                f"Added {kind.said(fields)}.",
            )


def _pick(kind: RecordKind, rows: list[dict]) -> dict | None:
    """The record to change, chosen by name; None until one is chosen."""
    by_id = {r["id"]: r for r in rows}
    article = "an" if kind.noun[0] in "aeiou" else "a"
    st.markdown(f"**Change {article} {kind.noun}**")
    chosen = choose(kind.title, {i: kind.picked(r) for i, r in by_id.items()}, f"{kind.key}_pick")
    return by_id.get(chosen)


def _change_form(kind: RecordKind, row: dict, actor_id: Who) -> int:
    """The change form of `row`; returns the version of it first shown."""
    key = f"{kind.key}_edit_{row['id']}"
    seen = shown_version(key, row["version"])
    with st.form(f"{key}_form"):
        fields = kind.fields(key, row)
        if kind.change_note:
            st.caption(kind.change_note)
        if st.form_submit_button(f"Save {kind.noun}", type="primary", key=f"{key}_save"):
            attempt(
                key,
                lambda v: kind.change(database(), actor_id, row["id"], fields, expected_version=v),
                f"Saved {kind.said(fields)}.",
                seen,
            )
    return seen


def _add_key(base: str) -> str:
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
