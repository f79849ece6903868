"""The department heads' writes: their team's goals, metrics, actions, links, pulse
results and feedback answers, and check-ins and readings in bulk.

Every write has the shape of `cxos.work.checkins_readings`: one transaction that re-reads the
record, asks `cxos.identity.permissions.require`, checks the version the editor saw, writes, bumps
the version and records old and new values with `cxos.identity.audit.record_changes`.

Rows are judged by the import's own checks: a row is staged as a one-row bundle file and
run through `cxos.bundle.validation` (types, ranges, end_date ≥ start_date, target vs baseline
by direction, done needs completed_on, references), so a form and an import can never
disagree about what is valid. A stale edit raises `StaleEdit` with the record as it is
now, so the page can show it next to the person's input and nothing is lost silently.

Bulk check-ins and readings reuse `cxos.work.checkins_readings` row by row inside one transaction
(`_InTransaction` lends the open connection to those services); every row is tried, all
row errors are reported together, and one bad row rolls back every row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from cxos.bundle.spec import BY_NAME
from cxos.bundle.staging import stage_rows
from cxos.bundle.validation import validate_staged
from cxos.identity import audit, permissions
from cxos.model.entities import PULSE_QUESTIONS, LongText, check_text
from cxos.model.errors import Conflict, CxosError, InvalidInput, NotFound, StaleWrite
from cxos.storage import Connection, Database, checking, fetch_dicts
from cxos.work import checkins_readings

T = TypeVar("T")


# -- results and errors -----------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """A written record: which one, its version now, and whether it was new."""

    entity: str
    id: str
    version: int
    created: bool


@dataclass(frozen=True)
class RowError:
    """What is wrong with one submitted row (1-based), and in which column if known.

    `error` is the refusal itself, so a caller can tell a permission refusal or a clash from
    invalid input (the HTTP API answers 403, 409 or 422).
    """

    row: int
    column: str | None
    message: str
    error: CxosError | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class RowsRejected(InvalidInput):
    """Rows were refused; `errors` says which and why. Nothing was written."""

    def __init__(self, errors: Sequence[RowError], single: bool = False):
        self.errors = list(errors)
        if single:
            text = "; ".join(f"{e.column}: {e.message}" if e.column else e.message for e in errors)
        else:
            text = "nothing was saved: " + "; ".join(str(e) for e in errors)
        super().__init__(text)


class StaleEdit(StaleWrite):
    """The record changed since the editor read it; `current` is its state now."""

    def __init__(self, entity: str, current: dict[str, Any]):
        self.entity = entity
        self.current = current
        label = current.get("title") or current.get("name") or current.get("id")
        super().__init__(
            f"{_SINGULAR[entity]} {label!r} was changed by someone else while you were "
            f"editing (now version {current.get('version')}); nothing was saved"
        )


_SINGULAR = {"goals": "goal", "metrics": "metric", "actions": "action", "feedback": "feedback"}


# -- the shared steps -----------------------------------------------------------------------


def check_rows(con: Connection, file: str, rows: Sequence[Mapping[str, Any]]) -> list[RowError]:
    """The import's verdict on `rows` of a bundle file, as row errors (empty when valid)."""
    with checking(con) as scratch:
        staged = stage_rows(scratch, {file: rows})
        problems = staged.problems or validate_staged(scratch, {file})[0]
    return [RowError(_row_number(p.row), p.column, p.message) for p in problems]


def _row_number(spreadsheet_row: int | None) -> int:
    return 1 if spreadsheet_row is None else max(spreadsheet_row - 1, 1)


def _validated(con: Connection, file: str, row: Mapping[str, Any]) -> BaseModel:
    """One row as its row model, if the import's checks accept it; else RowsRejected."""
    errors = check_rows(con, file, [row])
    if errors:
        raise RowsRejected(errors, single=True)
    model = BY_NAME[file].model
    return model.model_validate({k: v for k, v in row.items() if v is not None and v != ""})


def _current(con: Connection, table: str, record_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, f"SELECT * FROM {table} WHERE id = ?", [record_id])
    return rows[0] if rows else None


def _require_current(con: Connection, table: str, record_id: str) -> dict[str, Any]:
    found = _current(con, table, record_id)
    if found is None:
        raise NotFound(f"there is no {_SINGULAR[table]} with id {record_id!r}")
    return found


def _check_version(table: str, current: dict[str, Any], expected: int | None) -> None:
    if expected is not None and current["version"] != expected:
        raise StaleEdit(table, current)


def new_id(prefix: str) -> str:
    """A fresh id for a record created in the app, e.g. `g-3f9a1c2e`."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _not_in_future(day: dt.date, what: str, field: str | None = None) -> None:
    if day > dt.date.today():
        raise InvalidInput(
            f"{what} {day} is in the future; record what is known today", field=field
        )


def _transaction(db: Database, work: Callable[[Connection], T]) -> T:
    return db.write(work)


# -- goals, metrics and actions ---------------------------------------------------------------

_KIND = {"goals": "goal", "metrics": "metric", "actions": "action"}
_PREFIX = {"goals": "g", "metrics": "m", "actions": "a"}


def save_goal(
    db: Database, actor_id: str, row: Mapping[str, Any], *, expected_version: int | None = None
) -> Saved:
    """Create (no id) or update a goal of the actor's team. `objective_ids` in `row`, when
    given, become the goal's objectives (the goal_objectives links), in the same change."""
    fields = dict(row)
    objective_ids = fields.pop("objective_ids", None)
    fields["id"] = fields.get("id") or new_id(_PREFIX["goals"])

    def work(con: Connection) -> Saved:
        saved = _save_on(con, actor_id, "goals", fields, expected_version)
        if objective_ids is not None:
            _set_objectives(con, actor_id, saved, sorted(set(objective_ids)))
        return saved

    return _transaction(db, work)


def _set_objectives(con: Connection, actor_id: str, goal: Saved, objective_ids: list[str]) -> None:
    """Make `objective_ids` the objectives of the goal just saved (its permission checked)."""
    rows = [{"goal_id": goal.id, "objective_id": o} for o in objective_ids]
    errors = check_rows(con, "goal_objectives", rows)
    if errors:
        raise RowsRejected(errors, single=True)
    sql = "SELECT objective_id FROM goal_objectives WHERE goal_id = ? ORDER BY objective_id"
    before = [r[0] for r in con.execute(sql, [goal.id]).fetchall()]
    if before == objective_ids:
        return  # unchanged: nothing to write or log
    con.execute("DELETE FROM goal_objectives WHERE goal_id = ?", [goal.id])
    for objective_id in objective_ids:
        con.execute("INSERT INTO goal_objectives VALUES (?, ?)", [goal.id, objective_id])
    old = None if goal.created else {"objective_ids": ";".join(before)}
    audit.record_changes(
        con, actor_id, "goal_objectives", goal.id, old, {"objective_ids": ";".join(objective_ids)}
    )


def save_metric(
    db: Database, actor_id: str, row: Mapping[str, Any], *, expected_version: int | None = None
) -> Saved:
    """Create (no id) or update a metric: baseline, target, direction, cadence."""
    return _save(db, actor_id, "metrics", row, expected_version)


def save_action(
    db: Database, actor_id: str, row: Mapping[str, Any], *, expected_version: int | None = None
) -> Saved:
    """Create (no id) or update an action item."""
    return _save(db, actor_id, "actions", row, expected_version)


def _save(
    db: Database,
    actor_id: str,
    table: str,
    row: Mapping[str, Any],
    expected_version: int | None,
) -> Saved:
    fields = dict(row)
    fields["id"] = fields.get("id") or new_id(_PREFIX[table])
    return _transaction(db, lambda con: _save_on(con, actor_id, table, fields, expected_version))


def _save_on(
    con: Connection,
    actor_id: str,
    table: str,
    fields: dict[str, Any],
    expected_version: int | None,
) -> Saved:
    model = _validated(con, table, fields)
    after = model.model_dump()
    # Retiring is not an edit of the record: only cxos/organisation/reorganise.py does it.
    after.pop("retired_on", None)
    before = _current(con, table, after["id"])
    for team_id in _teams_touched(con, table, before, after):
        permissions.require(con, actor_id, _KIND[table], team_id=team_id)
    if before is not None:
        _check_version(table, before, expected_version)
    version = _upsert(con, table, after, before)
    old = None if before is None else {name: before[name] for name in after}
    audit.record_changes(con, actor_id, table, after["id"], old, after)
    return Saved(table, after["id"], version, before is None)


def create_goal_on(
    con: Connection,
    actor_id: str,
    row: Mapping[str, Any],
    *,
    stage_ids: Iterable[str],
    contributor_ids: Iterable[str],
) -> Saved:
    """Create a goal with its stages and contributing teams in the caller's transaction,
    as a decision of the steering committee (cxos/insights/opportunities.py): the caller
    has checked the committee's right to decide, in place of the team's right to edit."""
    fields = {**row, "id": row.get("id") or new_id(_PREFIX["goals"])}
    after = _validated(con, "goals", fields).model_dump()
    version = _upsert(con, "goals", after, None)
    audit.record_changes(con, actor_id, "goals", after["id"], None, after)
    stages, teams = sorted(set(stage_ids)), sorted(set(contributor_ids) - {after["team_id"]})
    _check_links(con, after["id"], stages, teams)
    _replace_links(con, after["id"], stages, teams)
    links = {"stage_ids": ";".join(stages), "contributor_ids": ";".join(teams)}
    audit.record_changes(con, actor_id, "goals", after["id"], None, links)
    return Saved("goals", after["id"], version, True)


def _teams_touched(
    con: Connection, table: str, before: dict[str, Any] | None, after: dict[str, Any]
) -> list[str]:
    """The teams whose permission a change needs: where the record was and where it goes."""
    records = [r for r in (before, after) if r is not None]
    if table == "metrics":
        return sorted({_goal_team(con, r["goal_id"]) for r in records})
    return sorted({r["team_id"] for r in records})


def _goal_team(con: Connection, goal_id: str) -> str:
    row = con.execute("SELECT team_id FROM goals WHERE id = ?", [goal_id]).fetchone()
    if row is None:
        raise NotFound(f"there is no goal with id {goal_id!r}")
    return str(row[0])


def _upsert(
    con: Connection, table: str, after: dict[str, Any], before: dict[str, Any] | None
) -> int:
    names = list(after)
    if before is None:
        marks = ", ".join("?" for _ in names)
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) RETURNING version"
        return int(con.execute(sql, [after[n] for n in names]).fetchone()[0])  # type: ignore[index]
    sets = ", ".join(f"{n} = ?" for n in names if n != "id")
    sql = f"UPDATE {table} SET {sets}, version = version + 1 WHERE id = ? RETURNING version"
    values = [after[n] for n in names if n != "id"] + [after["id"]]
    return int(con.execute(sql, values).fetchone()[0])  # type: ignore[index]


# -- stage links and contributing teams ---------------------------------------------------------


def set_goal_links(
    db: Database,
    actor_id: str,
    goal_id: str,
    *,
    stage_ids: Iterable[str],
    contributor_ids: Iterable[str],
    expected_version: int | None = None,
) -> Saved:
    """Replace a goal's stage links and contributing teams (one change, one version)."""
    stages, teams = sorted(set(stage_ids)), sorted(set(contributor_ids))

    def work(con: Connection) -> Saved:
        goal = _require_current(con, "goals", goal_id)
        permissions.require(con, actor_id, "goal", team_id=goal["team_id"])
        _check_version("goals", goal, expected_version)
        _check_links(con, goal_id, stages, teams)
        before = _links(con, goal_id)
        _replace_links(con, goal_id, stages, teams)
        version = _bump(con, "goals", goal_id)
        after = {"stage_ids": ";".join(stages), "contributor_ids": ";".join(teams)}
        audit.record_changes(con, actor_id, "goals", goal_id, before, after)
        return Saved("goals", goal_id, version, False)

    return _transaction(db, work)


def _check_links(con: Connection, goal_id: str, stages: list[str], teams: list[str]) -> None:
    errors = check_rows(con, "goal_stages", [{"goal_id": goal_id, "stage_id": s} for s in stages])
    errors += check_rows(
        con, "goal_contributors", [{"goal_id": goal_id, "team_id": t} for t in teams]
    )
    if errors:
        raise RowsRejected(errors, single=True)


# A goal's links as the heads' form shows and saves them: the links holding today to a stage
# or team not retired. Ended links and links to retired rows are history
# (cxos/organisation/reorganise.py): the form neither shows nor changes them, so saving it
# unchanged changes no score of any date.
_CURRENT_LINKS = {
    "goal_stages": (
        "stage_id",
        "stages",
    ),
    "goal_contributors": ("team_id", "teams"),
}


def _current_links(con: Connection, table: str, goal_id: str) -> list[str]:
    column, target = _CURRENT_LINKS[table]
    sql = (
        f"SELECT x.{column} FROM {table} x JOIN {target} t ON t.id = x.{column} "
        "WHERE x.goal_id = ? AND (x.retired_on IS NULL OR x.retired_on > ?) "
        f"AND (t.retired_on IS NULL OR t.retired_on > ?) ORDER BY x.{column}"
    )
    today = dt.date.today()
    return [r[0] for r in con.execute(sql, [goal_id, today, today]).fetchall()]


def _links(con: Connection, goal_id: str) -> dict[str, str]:
    return {
        "stage_ids": ";".join(_current_links(con, "goal_stages", goal_id)),
        "contributor_ids": ";".join(_current_links(con, "goal_contributors", goal_id)),
    }


def _replace_links(con: Connection, goal_id: str, stages: list[str], teams: list[str]) -> None:
    for table, wanted in (("goal_stages", stages), ("goal_contributors", teams)):
        column = _CURRENT_LINKS[table][0]
        current = _current_links(con, table, goal_id)
        for gone in sorted(set(current) - set(wanted)):
            con.execute(f"DELETE FROM {table} WHERE goal_id = ? AND {column} = ?", [goal_id, gone])
        for new in sorted(set(wanted) - set(current)):
            # A link that ended (or points at a retired row) and is chosen again holds again.
            con.execute(
                f"INSERT INTO {table} (goal_id, {column}) VALUES (?, ?) "
                f"ON CONFLICT (goal_id, {column}) DO UPDATE SET retired_on = NULL",
                [goal_id, new],
            )


def _bump(con: Connection, table: str, record_id: str) -> int:
    sql = f"UPDATE {table} SET version = version + 1 WHERE id = ? RETURNING version"
    return int(con.execute(sql, [record_id]).fetchone()[0])  # type: ignore[index]


# -- pulse results ------------------------------------------------------------------------------


def record_pulse(
    db: Database,
    actor_id: str,
    team_id: str,
    survey_date: dt.date,
    scores: Mapping[str, float | None],
    respondents: int,
) -> int:
    """Enter a team's pulse survey results (mean 1–5 per question); returns rows written."""
    rows = [
        {
            "team_id": team_id,
            "survey_date": survey_date,
            "question": question,
            "score": score,
            "respondents": respondents,
        }
        for question, score in scores.items()
        if score is not None
    ]
    if not rows:
        raise InvalidInput("enter a score for at least one question")
    _not_in_future(survey_date, "survey date")

    def work(con: Connection) -> int:
        permissions.require(con, actor_id, "pulse", team_id=team_id)
        errors = check_rows(con, "pulse_responses", rows)
        if errors:
            raise RowsRejected(errors, single=True)
        for row in rows:
            _upsert_pulse(con, actor_id, row)
        return len(rows)

    return _transaction(db, work)


def _upsert_pulse(con: Connection, actor_id: str, row: dict[str, Any]) -> None:
    key = [row["team_id"], row["survey_date"], row["question"]]
    old = fetch_dicts(
        con,
        "SELECT score, respondents FROM pulse_responses "
        "WHERE team_id = ? AND survey_date = ? AND question = ?",
        key,
    )
    con.execute(
        "INSERT INTO pulse_responses VALUES (?, ?, ?, ?, ?) ON CONFLICT "
        "(team_id, survey_date, question) DO UPDATE SET score = excluded.score, "
        "respondents = excluded.respondents",
        [*key, float(row["score"]), int(row["respondents"])],
    )
    entity_id = f"{row['team_id']}@{row['survey_date']}:{row['question']}"
    after = {"score": float(row["score"]), "respondents": int(row["respondents"])}
    audit.record_changes(
        con, actor_id, "pulse_responses", entity_id, old[0] if old else None, after
    )


def pulse_questions() -> dict[str, str]:
    """The pulse questions, id -> wording."""
    return {str(question): words for question, words in PULSE_QUESTIONS.items()}


# -- feedback -----------------------------------------------------------------------------------


def link_feedback(
    db: Database,
    actor_id: str,
    feedback_id: str,
    action_id: str,
    *,
    response: str | None = None,
    expected_version: int | None = None,
) -> Saved:
    """Answer feedback with an existing action item (and optionally a written response)."""

    def work(con: Connection) -> Saved:
        _require_current(con, "actions", action_id)
        return _answer(
            con,
            actor_id,
            feedback_id,
            expected_version,
            action_id=action_id,
            response=_text(response),
        )

    return _transaction(db, work)


def answer_with_new_action(
    db: Database,
    actor_id: str,
    feedback_id: str,
    action: Mapping[str, Any],
    *,
    response: str | None = None,
    expected_version: int | None = None,
) -> Saved:
    """Create an action item for the feedback and link it, in one transaction.

    The action goes to the feedback's team unless `action` names another `team_id`.
    """
    fields = {**action, "id": action.get("id") or new_id("a")}

    def work(con: Connection) -> Saved:
        team_id = _require_current(con, "feedback", feedback_id)["team_id"]
        created = _save_on(con, actor_id, "actions", {"team_id": team_id, **fields}, None)
        return _answer(
            con,
            actor_id,
            feedback_id,
            expected_version,
            action_id=created.id,
            response=_text(response),
        )

    return _transaction(db, work)


def close_feedback(
    db: Database,
    actor_id: str,
    feedback_id: str,
    response: str,
    *,
    on: dt.date | None = None,
    expected_version: int | None = None,
) -> Saved:
    """Close feedback with a written response saying why no (further) action is taken."""
    text = _text(response)
    if text is None:
        raise InvalidInput("closing feedback needs a written response: say why no action is taken")
    day = on or dt.date.today()
    _not_in_future(day, "closing date")

    def work(con: Connection) -> Saved:
        found = _require_current(con, "feedback", feedback_id)
        if day < found["received_on"]:
            raise InvalidInput(f"closing date {day} is before the feedback arrived")
        return _answer(con, actor_id, feedback_id, expected_version, response=text, closed_on=day)

    return _transaction(db, work)


# What a system sending feedback gives; the answer (action, response, closing) is given here.
INTAKE_FIELDS = ("id", "received_on", "stage_id", "touchpoint_id", "team_id", "sentiment", "text")


def receive_feedback(db: Database, actor_id: str, rows: Sequence[Mapping[str, Any]]) -> list[Saved]:
    """Take in customer feedback from another system: all or none, every row's problems reported.

    Each row: received_on, sentiment, text, stage_id and/or touchpoint_id, optionally
    team_id and id. The feedback is routed as SPEC and the import route it: to the team
    owning its touchpoint, else to the one team owning a touchpoint on its stage (a stage
    with several owners needs a touchpoint or a team_id), and judged by the import's own
    checks. A row whose id is already held with the same content is not written again
    (`created` False), so a batch sent twice is stored once; the same id with other content
    is a `Conflict`.
    """
    return _bulk(db, rows, lambda lent, row, _first: lent.write(_receiver(actor_id, row)))


def _receiver(actor_id: str, row: Mapping[str, Any]) -> Callable[[Connection], Saved]:
    def work(con: Connection) -> Saved:
        fields = {name: row.get(name) for name in INTAKE_FIELDS}
        fields["id"] = fields["id"] or new_id("f")
        fields["team_id"] = fields["team_id"] or _routed_team(con, fields)
        after = _validated(con, "feedback", fields).model_dump()
        _not_in_future(after["received_on"], "received on", field="received_on")
        permissions.require(con, actor_id, "feedback", team_id=after["team_id"])
        before = _current(con, "feedback", after["id"])
        if before is not None:
            return _held_already(before, after)
        version = _upsert(con, "feedback", after, None)
        audit.record_changes(con, actor_id, "feedback", after["id"], None, after)
        return Saved("feedback", after["id"], version, True)

    return work


def _routed_team(con: Connection, row: Mapping[str, Any]) -> str | None:
    """The team feedback goes to: its touchpoint's owner, else its stage's only owner."""
    if row.get("touchpoint_id"):
        owner = con.execute(
            "SELECT owner_team_id FROM touchpoints WHERE id = ?", [row["touchpoint_id"]]
        ).fetchone()
        return None if owner is None else str(owner[0])  # an unknown id: the checks name it
    if not row.get("stage_id"):
        return None  # the checks say a stage is required
    owners = [
        str(r[0])
        for r in con.execute(
            "SELECT DISTINCT owner_team_id FROM touchpoints WHERE stage_id = ? ORDER BY 1",
            [row["stage_id"]],
        ).fetchall()
    ]
    if len(owners) > 1:
        raise InvalidInput(
            f"stage {row['stage_id']} is owned by several teams ({', '.join(owners)}): "
            "give the touchpoint_id, or the team_id of the owner it is for",
            field="touchpoint_id",
        )
    if not owners and _current(con, "stages", row["stage_id"]) is None:
        raise NotFound(f"there is no stage with id {row['stage_id']!r}", field="stage_id")
    return owners[0] if owners else None  # no owner: the routing check refuses it


def _held_already(before: dict[str, Any], after: dict[str, Any]) -> Saved:
    """The same feedback sent again: nothing to write; other content under its id: refused."""
    differ = [name for name in INTAKE_FIELDS if before.get(name) != after.get(name)]
    if differ:
        raise Conflict(
            f"feedback {after['id']} is already held with another {differ[0].replace('_', ' ')}; "
            "nothing was changed (send new feedback under a new id)",
            field=differ[0],
        )
    return Saved("feedback", after["id"], int(before["version"]), False)


def _text(value: str | None) -> str | None:
    """A written response as it may be stored: trimmed, blank as None, within the rules."""
    return check_text(LongText, "the response", (value or "").strip() or None)


def _answer(
    con: Connection,
    actor_id: str,
    feedback_id: str,
    expected_version: int | None,
    **changes: Any,
) -> Saved:
    found = _require_current(con, "feedback", feedback_id)
    permissions.require(con, actor_id, "feedback", team_id=found["team_id"])
    _check_version("feedback", found, expected_version)
    after = {k: v for k, v in changes.items() if v is not None}
    sets = ", ".join(f"{name} = ?" for name in after)
    version = int(
        con.execute(
            f"UPDATE feedback SET {sets}, version = version + 1 WHERE id = ? RETURNING version",
            [*after.values(), feedback_id],
        ).fetchone()[0]  # type: ignore[index]
    )
    before = {name: found[name] for name in after}
    audit.record_changes(con, actor_id, "feedback", feedback_id, before, after)
    return Saved("feedback", feedback_id, version, False)


# -- check-ins and readings in bulk ---------------------------------------------------------------


class _InTransaction:
    """A `Database` stand-in whose every unit of work runs on one open transaction.

    It lets bulk entry call the single-row services of `cxos.work.checkins_readings` (with their
    validation, permission check, version bump and audit) inside one all-or-nothing
    transaction instead of re-writing them.
    """

    def __init__(self, con: Connection, location: str):
        self.con = con
        self.location = f"{location}#bulk-{uuid.uuid4().hex}"

    def write(self, fn: Callable[[Connection], T]) -> T:
        return fn(self.con)

    read = session = write


_ROW_ERRORS = (CxosError,)


def record_check_ins(
    db: Database, actor_id: str, rows: Sequence[Mapping[str, Any]], *, source: str = "manual"
) -> list[checkins_readings.CheckInResult]:
    """Record several check-ins at once: all or none, with every row's problems reported.

    Each row: action_id, status, and optionally progress, confidence, note, checked_on,
    expected_version (the action's version the person saw).
    """
    return _bulk(
        db, rows, lambda lent, row, first: _one_check_in(lent, actor_id, row, first, source)
    )


def record_readings(
    db: Database, actor_id: str, rows: Sequence[Mapping[str, Any]], *, source: str = "manual"
) -> list[checkins_readings.ReadingResult]:
    """Record several metric readings at once: all or none, every row's problems reported.

    Each row: metric_id, value, and optionally as_of (default today). A reading the metric
    already holds for that date is not written again (`repeated`), so a batch sent twice
    is stored once. Set-based (`checkins_readings.record_readings`), so the API's batches
    of a thousand readings are one transaction of a few statements.
    """
    if not rows:
        raise InvalidInput("there is nothing to save")
    readings = [(str(r.get("metric_id") or ""), r.get("value"), r.get("as_of")) for r in rows]
    try:
        return checkins_readings.record_readings(db, actor_id, readings, source=source)
    except checkins_readings.ReadingsRefused as refused:
        errors = [_row_error(index + 1, error) for index, error in refused.errors.items()]
        raise RowsRejected(errors) from None


def _bulk(
    db: Database,
    rows: Sequence[Mapping[str, Any]],
    one: Callable[[Any, Mapping[str, Any], bool], T],
) -> list[T]:
    if not rows:
        raise InvalidInput("there is nothing to save")

    def work(con: Connection) -> list[T]:
        lent = _InTransaction(con, db.location)
        results, errors, seen = [], [], set()
        for number, row in enumerate(rows, start=1):
            subject = row.get("action_id") or row.get("metric_id")
            try:
                results.append(one(lent, row, subject not in seen))
            except _ROW_ERRORS as error:
                errors.append(_row_error(number, error))
            seen.add(subject)
        if errors:
            raise RowsRejected(errors)
        return results

    return _transaction(db, work)


def _row_error(number: int, error: CxosError) -> RowError:
    """A row's refusal, naming the field at fault where the refusal knows it."""
    column = error.field
    if column is None and isinstance(error, RowsRejected) and error.errors:
        column = error.errors[0].column
    return RowError(number, column, str(error), error)


def _one_check_in(
    lent: Any, actor_id: str, row: Mapping[str, Any], first_of_action: bool, source: str
) -> checkins_readings.CheckInResult:
    return checkins_readings.record_check_in(
        lent,
        actor_id,
        str(row.get("action_id") or ""),
        status=str(row.get("status") or ""),
        progress=_whole(row.get("progress"), "progress"),
        confidence=_whole(row.get("confidence"), "confidence"),
        note=row.get("note"),
        on=checkins_readings.parse_day(row.get("checked_on"), "checked_on"),
        # later rows of the same action see the version the earlier rows made
        expected_version=row.get("expected_version") if first_of_action else None,
        source=source,
    )


def _whole(value: Any, name: str) -> int | None:
    """A whole number from a table cell (which may arrive as a float or text), or None."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"{name} must be a whole number, not {value!r}", field=name) from error
    if not number.is_integer():
        raise InvalidInput(f"{name} must be a whole number, not {value!r}", field=name)
    return int(number)
