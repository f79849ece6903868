"""Check-ins & readings: many at once in an editable table, or one at a time in a form."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from cxos import palette, text
from cxos.identity import permissions
from cxos.model.entities import ACTION_STATUSES, TEXT_MAX
from cxos.model.errors import CxosError
from cxos.work import team_edits, team_reads
from ui import tables
from ui.database import data_version, database
from ui.session import require_person
from ui.work_forms import check_in_form, finish_write, forget_input, reading_form, show_flash

person = require_person()


_SKIP = "—"  # a table cell left as it came: no check-in for the row, or no confidence given


@st.cache_data(show_spinner=False)
def _actions(path: str, version: int, person_id: str, team_id: str) -> list[dict]:
    db = database()
    return [
        a
        for a in team_reads.actions(db, team_id, person_id)
        if permissions.can(db, person_id, "check_in", team_id=a["team_id"], owner_id=a["owner_id"])
    ]


@st.cache_data(show_spinner=False)
def _metrics(path: str, version: int, person_id: str, team_id: str) -> list[dict]:
    db = database()
    if not permissions.can(db, person_id, "reading", team_id=team_id):
        return []
    return team_reads.metrics(db, team_id)


@st.cache_data(show_spinner=False)
def _history(path: str, version: int, metric_id: str) -> list[dict]:
    return team_reads.readings(database(), metric_id)


def _last(action: dict) -> str:
    if action["last_checked_on"] is None:
        return "no check-in yet"
    return f"{action['last_progress']}% on {palette.day(action['last_checked_on'])}"


def check_in_table(actions: list[dict]) -> None:
    st.caption(
        "Set a status on each action you want to check in on; rows left blank are skipped. "
        "A note is needed when blocked or with confidence 1–2. All rows are saved, or none."
    )
    table = pd.DataFrame(
        {
            "action": [a["title"] for a in actions],
            "owner": [a["owner"] or "no owner" for a in actions],
            "last": [_last(a) for a in actions],
            # "—" (not chosen), not the grey "None" an empty cell shows in every row.
            "status": [_SKIP] * len(actions),
            "progress": pd.Series([a["last_progress"] for a in actions], dtype="Int64"),
            "confidence": [_SKIP] * len(actions),
            "note": [""] * len(actions),  # blank, not a grey "None" in every row
        }
    )
    edited = st.data_editor(
        table,
        key="progress_checkins_editor",
        hide_index=True,
        disabled=["action", "owner", "last"],
        column_config={
            "action": st.column_config.TextColumn("Action"),
            "owner": st.column_config.TextColumn("Owner"),
            "last": st.column_config.TextColumn("Last check-in"),
            "status": st.column_config.SelectboxColumn(
                "Status",
                options=[_SKIP, *ACTION_STATUSES],
                format_func=lambda code: palette.ACTION_STATUS.get(code, code),
            ),
            "progress": st.column_config.NumberColumn(
                "Progress %", min_value=0, max_value=100, step=1
            ),
            "confidence": st.column_config.SelectboxColumn(
                "Confidence", options=[_SKIP, "1", "2", "3", "4", "5"], help="1–2 needs a note"
            ),
            "note": st.column_config.TextColumn("Note", max_chars=TEXT_MAX),
        },
    )
    if st.button("Save all check-ins", type="primary", key="progress_checkins_save"):
        rows = [
            {
                "action_id": actions[i]["id"],
                "status": r["status"],
                "progress": None if pd.isna(r["progress"]) else int(r["progress"]),
                "confidence": _chosen_number(r["confidence"]),
                "note": None if pd.isna(r["note"]) or not str(r["note"]).strip() else r["note"],
                "expected_version": actions[i]["version"],
            }
            for i, r in enumerate(edited.to_dict("records"))
            if r["status"] in ACTION_STATUSES
        ]
        titles = [next(a["title"] for a in actions if a["id"] == r["action_id"]) for r in rows]
        save(
            lambda: team_edits.record_check_ins(database(), person.id, rows),
            titles,
            "check-in",
            "progress_checkins_editor",
        )


def _chosen_number(cell: object) -> int | None:
    """A number picked in the table's selectbox cell; None while left blank."""
    return int(cell) if isinstance(cell, str) and cell.isdigit() else None


def reading_table(metrics: list[dict]) -> None:
    st.caption("Enter a value for each metric you have a new number for; blank rows are skipped.")
    table = pd.DataFrame(
        {
            "metric": [m["name"] for m in metrics],
            "goal": [m["goal"] for m in metrics],
            "last": [
                "none"
                if m["last_value"] is None
                else f"{m['last_value']:g} on {palette.day(m['last_read_on'])}"
                for m in metrics
            ],
            "cadence": [f"every {m['cadence_days']} days" for m in metrics],
            "value": pd.Series([None] * len(metrics), dtype="Float64"),
            "as_of": [dt.date.today()] * len(metrics),
        }
    )
    edited = st.data_editor(
        table,
        key="progress_readings_editor",
        hide_index=True,
        disabled=["metric", "goal", "last", "cadence"],
        column_config={
            "value": st.column_config.NumberColumn("New value"),
            "as_of": st.column_config.DateColumn("As of", max_value=dt.date.today()),
        },
    )
    if st.button("Save all readings", type="primary", key="progress_readings_save"):
        picked = [
            (metrics[i], r)
            for i, r in enumerate(edited.to_dict("records"))
            if not pd.isna(r["value"])
        ]
        rows = [
            {"metric_id": m["id"], "value": float(r["value"]), "as_of": r["as_of"]}
            for m, r in picked
        ]
        titles = [m["name"] for m, _ in picked]
        save(
            lambda: team_edits.record_readings(database(), person.id, rows),
            titles,
            "reading",
            "progress_readings_editor",
        )


def save(write, titles: list[str], noun: str, editor: str) -> None:
    """Save the edited rows; on success the table starts empty, so a second click saves
    nothing again (and rows identical to what was just saved are not saved twice)."""
    if not titles:
        st.warning("Nothing to save: fill in at least one row.")
        return
    try:
        results = write()
    except team_edits.RowsRejected as rejected:
        rows = palette.counted(len(rejected.errors), "row")
        st.error(f"Nothing was saved: {rows} to correct (below).")
        tables.show(
            [{"row": titles[e.row - 1], "problem": e.message} for e in rejected.errors],
            [
                tables.Column("row", noun.capitalize(), "long"),
                tables.Column("problem", "Problem", "long"),
            ],
            f"progress_{noun}_errors",
        )
        return
    except CxosError as error:
        st.error(text.markdown(str(error)))
        return
    forget_input(editor)
    finish_write(_saved(results, noun))


def _saved(results: list, noun: str) -> str:
    """'Saved 2 check-ins.', and how many were repeats of what was just saved."""
    repeated = sum(1 for r in results if r.repeated)
    message = f"Saved {palette.counted(len(results) - repeated, noun)}."
    if repeated:
        message += (
            f" {palette.counted(repeated, noun)} had just been saved with the same values and "
            "{} not saved twice.".format("was" if repeated == 1 else "were")
        )
    return message


def one_reading(metrics: list[dict]) -> None:
    names = {m["id"]: f"{m['name']} — {m['goal']}" for m in metrics}
    chosen = st.selectbox(
        "Metric", list(names), format_func=names.__getitem__, key="progress_metric"
    )
    metric = next(m for m in metrics if m["id"] == chosen)
    left, right = st.columns([1, 2])
    with left:
        reading_form(person, metric, "progress_one_reading")
    with right:
        history = _history(path, version, chosen)
        st.plotly_chart(team_reads.reading_chart(metric, history), key="progress_chart")


db = database()
path, version = db.location, data_version()
st.title("Check-ins & readings")
show_flash()
actions = _actions(path, version, person.id, person.team_id)
metrics = _metrics(path, version, person.id, person.team_id)
checkins_tab, readings_tab = st.tabs(["Check-ins", "Readings"])
with checkins_tab:
    if not actions:
        st.info("You have no open actions to check in on.")
    else:
        st.subheader("Several at once")
        check_in_table(actions)
        st.subheader("One check-in")
        labels = {a["id"]: f"{a['title']} ({a['owner'] or 'no owner'})" for a in actions}
        picked = st.selectbox(
            "Action", list(labels), format_func=labels.__getitem__, key="progress_action"
        )
        check_in_form(
            person, next(a for a in actions if a["id"] == picked), f"progress_one_{picked}"
        )
with readings_tab:
    if not metrics:
        st.info("Readings are posted by the team's head; your team has no metrics you may update.")
    else:
        st.subheader("Several at once")
        reading_table(metrics)
        st.subheader("One reading")
        one_reading(metrics)
