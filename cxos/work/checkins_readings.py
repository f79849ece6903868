"""The first write services: check-ins on actions and readings of metrics.

Both follow the same shape, the one every CXOS write follows: validate the arguments
(`InvalidInput` says what is wrong), then one transaction (`Database.write`) that re-reads
the record, asks `cxos.identity.permissions.require`, writes, bumps the record's `version` and adds
audit entries. The transaction re-reads everything because `Database.write` may run it
again after a write-write conflict: that retry is what makes concurrent check-ins on the
same action all land. A caller that showed the person a state and wants to refuse a
change made meanwhile passes `expected_version` and gets `StaleCheckIn` instead.

A submission sent twice (a double click, a retry, a form left filled in) is recognised
here, below every caller: a check-in identical to the action's latest one, by the same
person within `REPEAT_WINDOW`, and a reading equal to the value the metric already holds
for that date, write nothing and return the earlier record with `repeated=True`
(docs/decisions.md, "Repeated submissions").

Writers in one process (the app's sessions, a pool of API threads) take turns through a
lock per database file before they open their transaction: DuckDB would otherwise make
them conflict and back off, and under a burst some would run out of retries. Other
processes are still handled by `Database.write`'s retries.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cxos.identity import audit, permissions
from cxos.model.entities import ACTION_STATUSES, LongText, check_text
from cxos.model.errors import CxosError, InvalidInput, NotFound, PermissionDenied, StaleWrite
from cxos.storage import Connection, Database, database_now, fetch_dicts

SOURCES = ("manual", "import", "api", "survey")
# How long an identical check-in by the same person counts as the same submission sent
# again rather than a new check-in (docs/decisions.md).
REPEAT_WINDOW = dt.timedelta(minutes=10)
_ACTION_FIELDS = ("status", "completed_on")


class StaleCheckIn(StaleWrite):
    """The action changed since the caller read it; `current` holds its state now."""

    def __init__(self, message: str, current: dict[str, Any]):
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class CheckInResult:
    """A recorded check-in and the action's state after it."""

    check_in_id: int
    action_id: str
    checked_on: dt.date
    status: str
    progress: int
    confidence: int | None
    note: str | None
    action_status: str
    completed_on: dt.date | None
    version: int
    repeated: bool = False  # the same check-in was just recorded; nothing was written


@dataclass(frozen=True)
class ReadingResult:
    """A recorded reading; `replaced` is the value it replaced on the same date, if any."""

    metric_id: str
    as_of: dt.date
    value: float
    replaced: float | None
    version: int
    repeated: bool = False  # the metric already held this value on that date


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _serialised(db: Database, work: Callable[[Connection], Any]) -> Any:
    """Run `work` as one transaction, one writer of this process at a time."""
    key = db.location
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:
        return db.write(work)


# -- check-ins --------------------------------------------------------------------------


def record_check_in(
    db: Database,
    actor_id: str,
    action_id: str,
    *,
    status: str,
    progress: int | None = None,
    confidence: int | None = None,
    note: str | None = None,
    on: dt.date | None = None,
    expected_version: int | None = None,
    source: str = "manual",
) -> CheckInResult:
    """Record a check-in on an action as `actor_id`, and update the action's status."""
    on = on or dt.date.today()
    note = check_text(LongText, "the note", (note or "").strip() or None)
    _check_check_in(status, progress, confidence, note, on, source)

    def work(con: Connection) -> CheckInResult:
        action = _action(con, action_id)
        permissions.require(
            con, actor_id, "check_in", team_id=action["team_id"], owner_id=action["owner_id"]
        )
        if on < action["created_on"]:
            raise InvalidInput(
                f"check-in date {on} is before the action was created ({action['created_on']})",
                field="checked_on",
            )
        value = progress if progress is not None else _default_progress(con, action_id, status)
        fields = (on, status, value, confidence, note, source)
        # Before the version check: both requests of a double click carry the same version.
        repeat = _repeated_check_in(con, actor_id, action, fields)
        if repeat is not None:
            return repeat
        _check_version(action, expected_version)
        check_in_id = _insert_check_in(
            con, actor_id, action_id, on, status, value, confidence, note, source
        )
        after = _update_action(con, actor_id, action, on, status)
        return CheckInResult(
            check_in_id,
            action_id,
            on,
            status,
            value,
            confidence,
            note,
            after["status"],
            after["completed_on"],
            after["version"],
        )

    return _serialised(db, work)


def _check_check_in(
    status: str,
    progress: int | None,
    confidence: int | None,
    note: str | None,
    on: dt.date,
    source: str,
) -> None:
    if status not in ACTION_STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(ACTION_STATUSES)}, not {status!r}", field="status"
        )
    if progress is not None and not (isinstance(progress, int) and 0 <= progress <= 100):
        raise InvalidInput(
            f"progress must be a whole number from 0 to 100, not {progress!r}", field="progress"
        )
    if confidence is not None and not (isinstance(confidence, int) and 1 <= confidence <= 5):
        raise InvalidInput(
            f"confidence must be a whole number from 1 to 5, not {confidence!r}",
            field="confidence",
        )
    if note is None and status == "blocked":
        raise InvalidInput(
            "a blocked action needs a note: why, and what help is needed", field="note"
        )
    if note is None and confidence is not None and confidence <= 2:
        raise InvalidInput(
            f"confidence {confidence} needs a note: why, and what help is needed", field="note"
        )
    _check_date(on, "checked_on")
    _check_source(source)


def _check_date(on: dt.date, field: str) -> None:
    if not isinstance(on, dt.date):
        raise InvalidInput(f"a date is needed, not {on!r}", field=field)
    if on > dt.date.today():
        raise InvalidInput(f"{on} is in the future; record what is known today", field=field)


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise InvalidInput(
            f"source must be one of {', '.join(SOURCES)}, not {source!r}", field="source"
        )


def _action(con: Connection, action_id: str) -> dict[str, Any]:
    rows = fetch_dicts(con, "SELECT * FROM actions WHERE id = ?", [action_id])
    if not rows:
        raise NotFound(f"there is no action with id {action_id!r}", field="action_id")
    return rows[0]


def _check_version(action: dict[str, Any], expected: int | None) -> None:
    if expected is None or expected == action["version"]:
        return
    raise StaleCheckIn(
        f"action {action['title']!r} was changed by someone else meanwhile (now "
        f"{action['status']}); reload it and check in again",
        action,
    )


def _repeated_check_in(
    con: Connection, actor_id: str, action: dict[str, Any], fields: tuple[Any, ...]
) -> CheckInResult | None:
    """The action's latest check-in if it is this one again, sent by the same person lately."""
    rows = fetch_dicts(
        con,
        "SELECT * FROM check_ins WHERE action_id = ? ORDER BY id DESC LIMIT 1",
        [action["id"]],
    )
    if not rows:
        return None
    last = rows[0]
    same = (
        last["checked_on"],
        last["status"],
        last["progress"],
        last["confidence"],
        last["note"],
        last["source"],
    ) == fields
    recent = (
        last["entered_at"] is not None and last["entered_at"] >= database_now(con) - REPEAT_WINDOW
    )
    if not (same and recent and last["entered_by"] == actor_id):
        return None
    return CheckInResult(
        int(last["id"]),
        action["id"],
        last["checked_on"],
        last["status"],
        int(last["progress"]),
        last["confidence"],
        last["note"],
        action["status"],
        action["completed_on"],
        int(action["version"]),
        repeated=True,
    )


def _default_progress(con: Connection, action_id: str, status: str) -> int:
    if status == "done":
        return 100
    row = con.execute(
        "SELECT progress FROM check_ins WHERE action_id = ? "
        "ORDER BY checked_on DESC, id DESC LIMIT 1",
        [action_id],
    ).fetchone()
    return int(row[0]) if row else 0


def _insert_check_in(
    con: Connection,
    actor_id: str,
    action_id: str,
    on: dt.date,
    status: str,
    progress: int,
    confidence: int | None,
    note: str | None,
    source: str,
) -> int:
    row = con.execute(
        "INSERT INTO check_ins (action_id, checked_on, status, progress, confidence, note, "
        "source, entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, current_timestamp) "
        "RETURNING id",
        [action_id, on, status, progress, confidence, note, source, actor_id],
    ).fetchone()
    check_in_id = int(row[0])  # type: ignore[index]
    fields = {
        "action_id": action_id,
        "checked_on": on,
        "status": status,
        "progress": progress,
        "confidence": confidence,
        "note": note,
        "source": source,
    }
    audit.record_changes(con, actor_id, "check_ins", str(check_in_id), None, fields)
    return check_in_id


def _update_action(
    con: Connection, actor_id: str, action: dict[str, Any], on: dt.date, status: str
) -> dict[str, Any]:
    latest = con.execute(
        "SELECT max(checked_on) FROM check_ins WHERE action_id = ?", [action["id"]]
    ).fetchone()[0]  # type: ignore[index]
    before = {name: action[name] for name in _ACTION_FIELDS}
    after = dict(before)
    if latest is None or on >= latest:  # a back-dated check-in does not undo a newer one
        after = {"status": status, "completed_on": on if status == "done" else None}
        if status == "done" and action["status"] == "done" and action["completed_on"]:
            after["completed_on"] = action["completed_on"]
    row = con.execute(
        "UPDATE actions SET status = ?, completed_on = ?, version = version + 1 "
        "WHERE id = ? RETURNING version",
        [after["status"], after["completed_on"], action["id"]],
    ).fetchone()
    audit.record_changes(con, actor_id, "actions", action["id"], before, after)
    return {**after, "version": int(row[0])}  # type: ignore[index]


# -- readings ---------------------------------------------------------------------------


class ReadingsRefused(CxosError):
    """Readings of a batch were refused; `errors` maps each refused one's position (from 0)
    to why. Nothing was written."""

    def __init__(self, errors: dict[int, CxosError]):
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors.values()))


def record_reading(
    db: Database,
    actor_id: str,
    metric_id: str,
    value: float,
    *,
    on: dt.date | None = None,
    source: str = "manual",
) -> ReadingResult:
    """Record a metric's value on a date as `actor_id`; replaces a reading of that date."""
    try:
        return record_readings(db, actor_id, [(metric_id, value, on)], source=source)[0]
    except ReadingsRefused as refused:
        raise refused.errors[0] from None


def record_readings(
    db: Database,
    actor_id: str,
    readings: Sequence[tuple[str, Any, Any]],
    *,
    source: str = "manual",
) -> list[ReadingResult]:
    """Record `(metric_id, value, on)` readings as `actor_id`, all or none, in one transaction.

    `on` is a date, an ISO date text or None (today). Each reading is checked as a single
    one is (a finite number, not in the future, an existing metric, the actor's permission
    for its team); any refusal refuses the batch (`ReadingsRefused`, naming every refused
    reading). Readings are then taken in order, as if recorded one by one: a value the
    metric already holds for that date is not written (`repeated`), another replaces it.
    The writes are set-based (one lookup, one upsert, one audit insert for the batch): a
    reading looked up alone scans the readings table, which the enterprise company's
    million readings make cost milliseconds (docs/api.md, "Throughput").
    """
    _check_source(source)
    checked: list[tuple[str, float, dt.date] | None] = []
    errors: dict[int, CxosError] = {}
    for index, (metric_id, value, on) in enumerate(readings):
        try:
            day = parse_day(on, "as_of") or dt.date.today()
            _check_date(day, "as_of")
            checked.append((metric_id, _check_value(value), day))
        except CxosError as error:
            errors[index] = error
            checked.append(None)

    def work(con: Connection, write: bool) -> tuple[list[ReadingResult], bool]:
        metrics = _metrics(con, {c[0] for c in checked if c is not None})
        refused = {**errors, **_refusals(con, actor_id, checked, metrics)}
        if refused:
            raise ReadingsRefused(dict(sorted(refused.items())))
        valid = [reading for reading in checked if reading is not None]
        return _write_readings(con, actor_id, valid, metrics, source, write=write)

    # First as a read: a batch sent again writes nothing, and then opens no write
    # transaction (one that logs nothing makes the derived tables be re-derived whole).
    results, pending = db.read(lambda con: work(con, False))
    if not pending:
        return results
    return _serialised(db, lambda con: work(con, True))[0]


def _refusals(
    con: Connection,
    actor_id: str,
    checked: list[tuple[str, float, dt.date] | None],
    metrics: dict[str, dict[str, Any]],
) -> dict[int, CxosError]:
    """Why each reading of an unknown metric, or of a team the actor may not write, is refused."""
    refused: dict[int, CxosError] = {}
    by_team: dict[str, CxosError | None] = {}
    for index, reading in enumerate(checked):
        if reading is None:
            continue
        metric = metrics.get(reading[0])
        if metric is None:
            refused[index] = NotFound(
                f"there is no metric with id {reading[0]!r}", field="metric_id"
            )
            continue
        team = metric["team_id"]
        if team not in by_team:
            try:
                permissions.require(con, actor_id, "reading", team_id=team)
                by_team[team] = None
            except PermissionDenied as error:
                by_team[team] = error
        if by_team[team] is not None:
            refused[index] = by_team[team]  # type: ignore[assignment]
    return refused


def _write_readings(
    con: Connection,
    actor_id: str,
    readings: list[tuple[str, float, dt.date]],
    metrics: dict[str, dict[str, Any]],
    source: str,
    *,
    write: bool,
) -> tuple[list[ReadingResult], bool]:
    """The readings' results as if recorded in order, written when `write`; and whether
    any reading is to be written."""
    held = _held(con, readings)
    versions = {metric_id: int(row["version"]) for metric_id, row in metrics.items()}
    results, written, entries = [], {}, []
    for metric_id, number, day in readings:
        old = held.get((metric_id, day))
        if old is not None and old == number:  # posted again: nothing changes
            results.append(ReadingResult(metric_id, day, number, None, versions[metric_id], True))
            continue
        held[(metric_id, day)] = written[(metric_id, day)] = number
        versions[metric_id] += 1
        results.append(ReadingResult(metric_id, day, number, old, versions[metric_id]))
        entries.extend(_reading_entries(metric_id, day, old, number, source))
    if written and write:
        keys = list(written)
        con.execute(_UPSERT, [[k[0] for k in keys], [k[1] for k in keys], list(written.values()),
                              source, actor_id])  # fmt: skip
        bumped = Counter(r.metric_id for r in results if not r.repeated)
        con.execute(_BUMP, [list(bumped), list(bumped.values())])
        audit.record_many(con, actor_id, entries)
    return results, bool(written)


_UPSERT = """INSERT INTO metric_readings (metric_id, as_of, value, source, entered_by, entered_at)
SELECT unnest(?::VARCHAR[]), unnest(?::DATE[]), unnest(?::DOUBLE[]), ?, ?, current_timestamp
ON CONFLICT (metric_id, as_of) DO UPDATE SET value = excluded.value, source = excluded.source,
    entered_by = excluded.entered_by, entered_at = excluded.entered_at"""

_BUMP = """UPDATE metrics SET version = metrics.version + k.n
FROM (SELECT unnest(?::VARCHAR[]) AS id, unnest(?::INTEGER[]) AS n) k WHERE metrics.id = k.id"""


def _check_value(value: Any) -> float:
    if value is None or value == "":
        raise InvalidInput("a reading needs a value", field="value")
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"a reading must be a number, not {value!r}", field="value") from error
    if not math.isfinite(number):
        raise InvalidInput(f"a reading must be a finite number, not {value!r}", field="value")
    return number


def parse_day(value: Any, name: str) -> dt.date | None:
    """A date from a form, a table cell or a request: a date, an ISO text, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field=name) from error


def _metrics(con: Connection, metric_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The metrics of these ids that exist, with their goal's team and owner."""
    rows = fetch_dicts(
        con,
        "SELECT m.id, m.version, g.team_id, g.owner_id FROM metrics m "
        "JOIN goals g ON g.id = m.goal_id WHERE m.id = ANY(?::VARCHAR[])",
        [sorted(metric_ids)],
    )
    return {row["id"]: row for row in rows}


def _held(
    con: Connection, readings: list[tuple[str, float, dt.date]]
) -> dict[tuple[str, dt.date], float]:
    """The values already held for the readings' (metric, date) keys."""
    rows = con.execute(
        "SELECT r.metric_id, r.as_of, r.value FROM metric_readings r JOIN "
        "(SELECT unnest(?::VARCHAR[]) AS metric_id, unnest(?::DATE[]) AS as_of) k "
        "ON r.metric_id = k.metric_id AND r.as_of = k.as_of",
        [[r[0] for r in readings], [r[2] for r in readings]],
    ).fetchall()
    return {(metric_id, day): float(value) for metric_id, day, value in rows}


def _reading_entries(
    metric_id: str, on: dt.date, old: float | None, new: float, source: str
) -> list[tuple[str, str, str, str, Any, Any]]:
    """The audit entries of one reading: its value, and its source when it is new."""
    key = f"{metric_id}@{on.isoformat()}"
    operation = "create" if old is None else "update"
    entries: list[tuple[str, str, str, str, Any, Any]] = [
        (operation, "metric_readings", key, "value", old, new)
    ]
    if old is None:
        entries.append((operation, "metric_readings", key, "source", None, source))
    return entries
