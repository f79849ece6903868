"""The champions' notes board: what worked, by business unit and stage, searchable.

Notes are user text and are shown as text: title, body and tags with `st.text`, never as
markdown or HTML; only names (unit, stage, author) go into captions and link labels, escaped
by `cxos.text.markdown`. Writes go through forms whose
submit callbacks call `cxos.champions.notes` (which checks permission and audits), then
`after_write()`; the callbacks also clear the form after a successful post.
"""

from __future__ import annotations

import streamlit as st

from cxos import palette, text
from cxos.champions import compare, notes
from cxos.champions.notes import NoteView
from cxos.model.errors import CxosError
from ui.database import data_version, database
from ui.filters import current_filters
from ui.navigation import REGISTRY
from ui.session import after_write, require_person

person = require_person()
COMPARE_PAGE = next(e.path for e in REGISTRY if e.file == "compare.py")
_FLASH = "notes_flash"


@st.cache_data(show_spinner=False)
def _units(path: str, version: int) -> dict[str, str]:
    return compare.business_units(database())


@st.cache_data(show_spinner=False)
def _stage_labels(path: str, version: int) -> dict[str, str]:
    return {s.id: s.label for s in compare.stages(database())}


@st.cache_data(show_spinner=False)
def _tags(path: str, version: int) -> list[str]:
    return notes.all_tags(database())


@st.cache_data(show_spinner=False)
def _notes(
    path: str, version: int, text: str, stage: str | None, unit: str | None, tag: str | None
):
    return notes.list_notes(database(), text=text, stage_id=stage, business_unit_id=unit, tag=tag)


@st.cache_data(show_spinner=False)
def _writable(path: str, version: int, person_id: str) -> dict[str, str]:
    return notes.writable_units(database(), person_id)


key = (database().location, data_version())
units, stage_labels = _units(*key), _stage_labels(*key)
writable = _writable(*key, person.id)


def _pick(label: str, choices: dict[str, str], widget: str, **kwargs) -> str | None:
    """A filter select whose first option, "All", is the empty string (None to callers)."""
    options = ["", *choices]
    chosen = st.selectbox(
        label, options, format_func=lambda v: choices.get(v, "All"), key=widget, **kwargs
    )
    return chosen or None


def _sync_stage() -> None:
    """Keep the stage filter in the address, so `?stage=` links and reloads agree."""
    chosen = st.session_state["notes_stage"]
    if chosen:
        st.query_params["stage"] = chosen
    elif "stage" in st.query_params:
        del st.query_params["stage"]


def _link_to_compare(note: NoteView) -> None:
    try:
        st.page_link(
            COMPARE_PAGE,
            label=f"Compare units on “{text.markdown(note.stage)}”",
            icon=":material/compare_arrows:",
            query_params={"stage": note.stage_id},
        )
    except st.errors.StreamlitPageNotFoundError:  # the page runs outside the app's navigation
        st.caption(f"Compare units on “{text.markdown(note.stage)}”: open Compare units.")


def _save(form: str, note_id: str | None = None) -> None:
    """Submit callback: create or update the note from the form's widgets."""
    state = st.session_state
    try:
        values = notes.draft(
            title=state[f"{form}_title"],
            body=state[f"{form}_body"],
            business_unit_id=state[f"{form}_unit"] or "",
            stage_id=state[f"{form}_stage"],
            tags=state[f"{form}_tags"],
        )
        if note_id is None:
            saved = notes.create_note(database(), person.id, values)
        else:
            saved = notes.update_note(database(), person.id, note_id, values)
    except (CxosError, ValueError) as error:
        state[_FLASH] = ("error", text.markdown(str(error)))
        return
    after_write()
    state[_FLASH] = ("success", f"Saved note “{text.markdown(saved.title)}”.")
    if note_id is None:
        for field in ("title", "body", "tags"):
            state[f"{form}_{field}"] = ""


def _note_form(form: str, note: NoteView | None = None) -> None:
    """The fields of a note; prefilled from `note` when editing."""
    unit_ids = list(writable)
    stage_ids: list[str | None] = [None, *stage_labels]
    with st.form(form):
        st.text_input("Title", value=note.title if note else "", key=f"{form}_title")
        st.text_area(
            "What worked (plain text)", value=note.body if note else "", key=f"{form}_body"
        )
        left, middle, right = st.columns(3)
        left.selectbox(
            "Business unit",
            unit_ids,
            index=unit_ids.index(note.business_unit_id) if note else 0,
            format_func=writable.__getitem__,
            key=f"{form}_unit",
        )
        middle.selectbox(
            "Stage",
            stage_ids,
            index=stage_ids.index(note.stage_id) if note and note.stage_id in stage_ids else 0,
            format_func=lambda v: "No stage" if v is None else stage_labels[v],
            key=f"{form}_stage",
        )
        right.text_input(
            "Tags (separated by ;)", value="; ".join(note.tags) if note else "", key=f"{form}_tags"
        )
        st.form_submit_button(
            "Save changes" if note else "Post note",
            type="primary",
            on_click=_save,
            args=(form, note.id if note else None),
        )


def _show(note: NoteView) -> None:
    """One note as a card: user text as text, and a link to its stage's comparison."""
    with st.container(border=True, key=f"notes_card_{note.id}"):
        where = " · ".join(x for x in (note.business_unit, note.stage) if x)
        st.caption(
            f"{text.markdown(where)} — {text.markdown(note.author)}, {palette.day(note.created_on)}"
        )
        st.text(note.title)
        st.text(note.body)
        if note.tags:
            st.text("Tags: " + ", ".join(note.tags))
        if note.stage_id:
            _link_to_compare(note)


_PAGE = 50

st.title("Notes board")
st.caption(
    "CX champions share what worked, by business unit and journey stage. "
    "Every note links to the comparison of its stage."
)

requested = st.query_params.get("stage")
st.session_state["notes_stage"] = requested if requested in stage_labels else ""
if "notes_unit" not in st.session_state:
    st.session_state["notes_unit"] = current_filters().business_unit_id or ""

flash = st.session_state.pop(_FLASH, None)
if flash:
    (st.success if flash[0] == "success" else st.error)(flash[1])

if writable:
    with st.expander("Write a note", icon=":material/edit_note:", expanded=False):
        _note_form("notes_new")
else:
    st.info("Only CX champions (for their own business unit), steering and admins write notes.")

search, stage_col, unit_col, tag_col = st.columns([2, 2, 1, 1])
with search:
    search = st.text_input("Search title, text and tags", key="notes_search")
with stage_col:
    stage = _pick("Stage", stage_labels, "notes_stage", on_change=_sync_stage)
with unit_col:
    unit = _pick("Business unit", units, "notes_unit")
with tag_col:
    tag = _pick("Tag", {t: t for t in _tags(*key)}, "notes_tag")

shown = _notes(*key, search, stage, unit, tag)
st.caption(f"{len(shown)} note{'s' if len(shown) != 1 else ''}")
# The newest first, a page at a time: every card is several elements, and a big company's
# board holds hundreds of notes (over half a second a rerun to draw them all).
limit = st.session_state.get("notes_limit", _PAGE)
for item in shown[:limit]:
    _show(item)
if len(shown) > limit:
    st.button(
        f"Show {min(_PAGE, len(shown) - limit)} more of {len(shown) - limit}",
        key="notes_more",
        on_click=lambda: st.session_state.update(notes_limit=limit + _PAGE),
    )

editable = {n.id: n for n in shown if n.business_unit_id in writable}
if editable:
    with st.expander("Edit a note", icon=":material/edit:"):
        chosen = st.selectbox(
            "Note",
            list(editable),
            format_func=lambda i: f"{editable[i].title} ({editable[i].business_unit})",
            key="notes_edit_pick",
        )
        _note_form(f"notes_edit_{chosen}", editable[chosen])
