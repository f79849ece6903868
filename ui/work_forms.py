"""The forms the heads' pages share: check in, post a reading, answer feedback; and the
never-defaulted choice of an owner, team or goal (`choose`, `people`) the meeting forms use.

My work, Check-ins & readings and the Feedback inbox offer the same actions, so each is
one function here. Every form remembers the version of the record the person was shown
(`_seen`); a write passes it as `expected_version`, so a change made meanwhile comes back
as `StaleWrite` and is shown next to the person's input, which the form keeps. After a
successful write the caches are dropped (`after_write`), a message is kept for the next
run and the page reruns to show the new state.

A form that was sent is not offered again as it was: its input is cleared and, in its
place, a line says what was saved with a button to start a new one, so a second click
cannot send the same check-in or reading twice. Should a repeat still arrive (two tabs, a
retry), the domain recognises it (`repeated`) and the page says it was not saved twice.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from cxos import palette, text
from cxos.model.entities import ACTION_STATUSES, Person
from cxos.model.errors import CxosError, StaleWrite
from cxos.palette import ACTION_STATUS
from cxos.review import team_detail
from cxos.work import checkins_readings, team_edits
from ui.database import database
from ui.session import after_write

_FLASH = "work_forms_flash"
_CURRENT_FIELDS = (
    "title",
    "name",
    "status",
    "completed_on",
    "due_date",
    "baseline",
    "target",
    "action_id",
    "response",
    "closed_on",
    "version",
)


# -- messages and versions ----------------------------------------------------------------


def show_flash() -> None:
    """Show (once) the message the last successful write left."""
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


_SEEN = "_seen_version"


def shown_version(key: str, version: int) -> int:
    """The version shown when the person started on this form (kept across reruns)."""
    return int(st.session_state.setdefault(key + _SEEN, version))


def _mark_seen(key: str, version: int) -> None:
    st.session_state[key + _SEEN] = version


def _forget_seen() -> None:
    """After one's own write every form starts again from what is shown now."""
    for name in [k for k in st.session_state if str(k).endswith(_SEEN)]:
        del st.session_state[name]


def show_stale(error: StaleWrite) -> None:
    """Say that the item changed meanwhile, and show its current state."""
    st.warning(
        "This item changed while you were editing — here is the current state. "
        "Your input is kept: check it and submit again to save it over the new state.",
        icon=":material/sync_problem:",
    )
    st.caption(text.markdown(str(error)))  # who changed it, and what, where the record knows
    current = getattr(error, "current", None) or {}
    shown = {k: _plain(current[k]) for k in _CURRENT_FIELDS if k in current}
    if shown:
        st.dataframe([shown], hide_index=True)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def finish_write(message: str) -> None:
    """Drop cached reads, keep `message` for the next run, and rerun the page."""
    # The frame's after_write() is gaining the message and the rerun; accept both forms
    # while that change lands.
    if inspect.signature(after_write).parameters:
        after_write(message)  # type: ignore[call-arg]  # clears, flashes and reruns
        return
    after_write()  # type: ignore[call-arg]
    st.session_state[_FLASH] = message
    st.rerun()


_SENT = "_sent"
_REPEATED = "Already saved a moment ago with these same values, so it was not saved twice."


def attempt(key: str, write: Callable[[int], Any], done: str, version: int) -> bool:
    """Run `write(expected_version)`; report refusals and conflicts; rerun on success."""
    try:
        result = write(shown_version(key, version))
    except StaleWrite as error:
        show_stale(error)
        current = getattr(error, "current", None) or {}
        _mark_seen(key, int(current.get("version", version)))
        return False
    except CxosError as error:
        st.error(text.markdown(str(error)), icon=":material/block:")
        return False
    message = _REPEATED if getattr(result, "repeated", False) else done
    _forget_seen()
    forget_input(key)
    st.session_state[key + _SENT] = message
    finish_write(message)
    return True


# The widgets of a form are keyed f"{key}_{field}" (and a data editor by `key` alone).
_INPUTS = (
    "text",
    "with_action",
    "owner",
    "status",
    "confidence",
    "progress",
    "on",
    "note",
    "value",
    "how",
    "action",
    "title",
    "goal",
    "due",
    "response",
    "save",
    # the organisation and journey editors (app_pages/admin_organisation.py)
    "id",
    "name",
    "email",
    "team",
    "role",
    "unit",
    "person",
    "journey",
    "phase",
    "stage",
    "place",
    "layer",
    "channel",
    "owner",
    "vision",
)


def forget_input(key: str) -> None:
    """Clear what was typed into form `key` (its widgets start afresh next run)."""
    for name in (key, *(f"{key}_{field}" for field in _INPUTS)):
        st.session_state.pop(name, None)


def sent(key: str, again: str) -> bool:
    """True when form `key` was just sent: say so, and offer `again` for a new one instead."""
    message = st.session_state.get(key + _SENT)
    if not message:
        return False
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(f":material/check_circle: {message}")
    if right.button(again, key=f"{key}_again", icon=":material/add:"):
        del st.session_state[key + _SENT]
        return False
    return True


# -- choices -----------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def people(path: str, version: int) -> dict[str, str]:
    """Every person, id -> 'name · team': whom a form offers as an owner."""
    return team_detail.people(database())


def choose(
    label: str,
    options: Mapping[str, str],
    key: str,
    *,
    placeholder: str | None = None,
    now: str | None = None,
) -> Any:
    """One of `options` (id -> words), chosen by the person: `now` when editing a record,
    else nothing until they choose (None), never a default that would pass unnoticed."""
    ids = list(options)
    return st.selectbox(
        label,
        ids,
        index=ids.index(now) if now in options else None,
        placeholder=placeholder or f"Choose the {label.lower()}",
        format_func=lambda i: options.get(i, i),
        key=key,
    )


# -- check-in ---------------------------------------------------------------------------------


def check_in_form(person: Person, action: dict[str, Any], key: str) -> None:
    """Status, progress, confidence and note for one action (a note when it is needed)."""
    if sent(key, "New check-in"):
        return
    shown_version(key, int(action["version"]))
    status_now = action.get("status") if action.get("status") in ACTION_STATUSES else "open"
    with st.form(f"{key}_form", border=False):
        left, right = st.columns(2)
        status = left.selectbox(
            "Status",
            ACTION_STATUSES,
            index=ACTION_STATUSES.index(status_now),
            format_func=ACTION_STATUS.__getitem__,
            key=f"{key}_status",
        )
        confidence = right.select_slider(
            "Confidence",
            [1, 2, 3, 4, 5],
            value=3,
            key=f"{key}_confidence",
            help="1 = will not make it, 5 = certain. 1–2 needs a note.",
        )
        amount = left.number_input(
            "Progress %", 0, 100, int(action.get("last_progress") or 0), 5, key=f"{key}_progress"
        )
        on = right.date_input("Date", dt.date.today(), max_value=dt.date.today(), key=f"{key}_on")
        note = st.text_area(
            "Note",
            key=f"{key}_note",
            height=68,
            placeholder="Needed when blocked or confidence is 1–2: why, and what help is needed",
        )
        submitted = st.form_submit_button("Save check-in", type="primary", key=f"{key}_save")
    if submitted:
        attempt(
            key,
            lambda seen: checkins_readings.record_check_in(
                database(),
                person.id,
                action["id"],
                status=status,
                progress=int(amount),
                confidence=int(confidence),
                note=note,
                on=on,
                expected_version=seen,
            ),
            f"Checked in on '{text.markdown(action['title'])}'.",
            int(action["version"]),
        )


# -- reading ------------------------------------------------------------------------------------


def reading_form(person: Person, metric: dict[str, Any], key: str) -> None:
    """A value and a date (default today) for one metric; source `manual`.

    The value starts empty, the last reading shown beside it: a pre-filled last value
    posted by a click without editing would record a reading nobody took.
    """
    if sent(key, "New reading"):
        return
    with st.form(f"{key}_form", border=False):
        left, right = st.columns(2)
        last = metric.get("last_value")
        unit = text.markdown(metric.get("unit") or "")
        value = left.number_input(
            f"Value {unit}".strip(),
            value=None,
            key=f"{key}_value",
            format="%g",
            placeholder="last: none" if last is None else f"last: {float(last):g}",
            help=_last_reading(metric),
        )
        on = right.date_input("As of", dt.date.today(), max_value=dt.date.today(), key=f"{key}_on")
        submitted = st.form_submit_button("Post reading", type="primary", key=f"{key}_save")
    if submitted:
        if value is None:
            st.error("Enter a value.")
            return
        attempt(
            key,
            lambda _seen: checkins_readings.record_reading(
                database(), person.id, metric["id"], value, on=on
            ),
            f"Posted {value:g} for '{text.markdown(metric['name'])}'.",
            int(metric.get("version") or 0),
        )


def _last_reading(metric: dict[str, Any]) -> str:
    last, on = metric.get("last_value"), metric.get("last_read_on")
    if last is None:
        return "No reading yet."
    return f"Last reading: {float(last):g}" + (f" on {palette.day(on)}" if on else "") + "."


# -- feedback --------------------------------------------------------------------------------------

_ANSWERS = {
    "link": "Link an existing action",
    "new": "Create a new action",
    "close": "Close with a written response",
}


def feedback_form(
    person: Person,
    item: dict[str, Any],
    actions: dict[str, str],
    goals: dict[str, str],
    key: str,
) -> None:
    """Answer feedback: link an action, create one, or close with a written response."""
    shown_version(key, int(item["version"]))
    how = st.radio(
        "Answer by",
        list(_ANSWERS),
        format_func=_ANSWERS.__getitem__,
        horizontal=True,
        key=f"{key}_how",
    )
    with st.form(f"{key}_form", border=False):
        fields = _answer_fields(how, actions, goals, key)
        response = st.text_area(
            "Response" + (" (required)" if how == "close" else " (optional)"),
            key=f"{key}_response",
            height=68,
            placeholder="What was done, or why no action is taken",
        )
        submitted = st.form_submit_button("Save answer", type="primary", key=f"{key}_save")
    if submitted:
        attempt(
            key,
            lambda seen: _answer(person, item, how, fields, response, seen),
            f"Answered feedback {text.markdown(item['id'])}.",
            int(item["version"]),
        )


def _answer_fields(
    how: str, actions: dict[str, str], goals: dict[str, str], key: str
) -> dict[str, Any]:
    if how == "link":
        chosen = choose(
            "Action", actions, f"{key}_action", placeholder="Pick one of the team's actions"
        )
        return {"action_id": chosen}
    if how == "new":
        title = st.text_input("New action", key=f"{key}_title")
        left, right = st.columns(2)
        goal = left.selectbox(
            "For goal", list(goals), format_func=goals.__getitem__, key=f"{key}_goal"
        )
        due = right.date_input("Due", dt.date.today() + dt.timedelta(days=30), key=f"{key}_due")
        return {"title": title, "goal_id": goal, "due_date": due}
    return {}


def _answer(
    person: Person,
    item: dict[str, Any],
    how: str,
    fields: dict[str, Any],
    response: str,
    seen: int,
) -> Any:
    db = database()
    if how == "link":
        if not fields["action_id"]:
            raise CxosError("pick the action that answers this feedback")
        return team_edits.link_feedback(
            db,
            person.id,
            item["id"],
            fields["action_id"],
            response=response,
            expected_version=seen,
        )
    if how == "new":
        action = {
            **fields,
            "team_id": item["team_id"],
            "owner_id": person.id,
            "created_on": dt.date.today(),
            "status": "open",
        }
        return team_edits.answer_with_new_action(
            db, person.id, item["id"], action, response=response, expected_version=seen
        )
    return team_edits.close_feedback(db, person.id, item["id"], response, expected_version=seen)
