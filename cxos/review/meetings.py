"""Review meetings: start, a generated agenda, decisions that become owned actions, close.

A meeting reviews the organisation as of its date. Closing it freezes what it reviewed —
scores, signals, the agenda and the decisions with the state of their actions — as JSON in
`meetings.frozen`, and from then on everything shown for it (page, review pack) is read
from that JSON, never recomputed: later imports, check-ins or changed weights cannot
rewrite what the committee saw. An open meeting shows the same shape computed live, so a
page or a pack does not care which one it has (`MeetingView`).

Every write is one transaction that checks permissions (kinds 'meeting', 'decision',
'action') and records its audit entries, as every other service does.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from cxos.identity import audit, permissions
from cxos.model.entities import NAME_MAX, Decision, LongText, Meeting, Name, check_text
from cxos.model.errors import Conflict, CxosError, InvalidInput, NotFound
from cxos.review.needs_attention import actions_on
from cxos.scoring import Signal, TeamScore
from cxos.scoring.assessment import assess_on
from cxos.scoring.config import ScoringConfig
from cxos.scoring.snapshots import store_snapshot_on
from cxos.storage import Connection, Database, fetch_dicts

# The work list's query on an open connection: a review's overdue actions are exactly the
# overdue items of everyone's work list as of its date (one query, not two).
from cxos.work.my_work import _work_on as work_on  # noqa: E402

# Agenda sections in the order the committee takes them, with their headings.
SECTIONS: dict[str, str] = {
    "moves": "Quadrant moves since the last review",
    "siloed": "Siloed teams",
    "aspirational": "Aspirational teams",
    "signals": "Silo signals",
    "overdue_actions": "Overdue actions",
    "previous_decisions": "Decisions from the last review and their actions",
}
FROZEN_VERSION = 1

Agenda = dict[str, list[dict[str, Any]]]


class MeetingClosed(CxosError):
    """The meeting is closed: it is a record now, and nothing can be added to it."""


@dataclass(frozen=True)
class MeetingView:
    """What a meeting reviewed (or a plain date, when `meeting` is None), ready to show."""

    as_of: dt.date
    meeting: Meeting | None
    scores: list[TeamScore]
    signals: list[Signal]
    agenda: Agenda
    decisions: list[dict[str, Any]] = field(default_factory=list)
    previous: dict[str, Any] | None = None  # the last closed review before, if any
    frozen: bool = False
    # The attendees' names as they are today, in the meeting's order (ids of people since
    # removed stay as ids): the pack a committee hands round names people.
    attendee_names: tuple[str, ...] = ()


# -- reading -----------------------------------------------------------------------------


def list_meetings(db: Database) -> list[Meeting]:
    """Every meeting, newest first."""
    return [_meeting(r) for r in db.rows("SELECT * FROM meetings ORDER BY held_on DESC, id")]


def get_meeting(db: Database, meeting_id: str) -> Meeting:
    """One meeting, or NotFound."""
    return db.read(lambda con: _meeting(_meeting_row(con, meeting_id)))


def decisions_of(db: Database, meeting_id: str) -> list[Decision]:
    """The decisions recorded in a meeting, in the order they were taken."""
    rows = db.rows(
        "SELECT * FROM decisions WHERE meeting_id = ? ORDER BY created_at, id", [meeting_id]
    )
    return [Decision(**r) for r in rows]


def view(db: Database, meeting_id: str, config: ScoringConfig | None = None) -> MeetingView:
    """A meeting as shown: frozen when closed, computed as of its date while open."""
    config = config or ScoringConfig.load()
    return db.read(lambda con: view_on(con, meeting_id, config), reuse=True)


def view_on(con: Connection, meeting_id: str, config: ScoringConfig) -> MeetingView:
    """`view` on an open connection."""
    row = _meeting_row(con, meeting_id)
    meeting = _meeting(row)
    if row["frozen"]:
        shown = _thaw(meeting, json.loads(row["frozen"]))
    else:
        shown = _live(con, meeting.held_on, meeting, config)
    return replace(shown, attendee_names=_names_of(con, meeting.attendees))


def _names_of(con: Connection, person_ids: list[str]) -> tuple[str, ...]:
    rows = fetch_dicts(con, "SELECT id, name FROM people WHERE id = ANY(?)", [person_ids])
    names = {r["id"]: r["name"] for r in rows}
    return tuple(names.get(pid, pid) for pid in person_ids)


def date_view(db: Database, as_of: dt.date, config: ScoringConfig | None = None) -> MeetingView:
    """What a review held on `as_of` would see (for a pack of any date, or the overview)."""
    config = config or ScoringConfig.load()
    return db.read(lambda con: _live(con, as_of, None, config), reuse=True)


def previous_review(db: Database, before: dt.date) -> dict[str, Any] | None:
    """The last closed meeting held before `before`, with its frozen scores, if any."""
    return db.read(lambda con: _previous_on(con, before))


def _previous_on(con: Connection, before: dt.date) -> dict[str, Any] | None:
    rows = fetch_dicts(
        con,
        "SELECT id, held_on, title, frozen FROM meetings WHERE status = 'closed' "
        "AND held_on < ? AND frozen IS NOT NULL ORDER BY held_on DESC, id DESC LIMIT 1",
        [before],
    )
    if not rows:
        return None
    frozen = json.loads(rows[0]["frozen"])
    return {
        "id": rows[0]["id"],
        "held_on": rows[0]["held_on"].isoformat(),
        "title": rows[0]["title"],
        "scores": frozen["scores"],
        "decision_action_ids": [d["action_id"] for d in frozen["decisions"] if d["action_id"]],
        "decisions": frozen["decisions"],
    }


def _live(
    con: Connection, as_of: dt.date, meeting: Meeting | None, config: ScoringConfig
) -> MeetingView:
    assessment = assess_on(con, as_of, config)
    scores, signals = assessment.scores, assessment.signals
    previous = _previous_on(con, as_of)
    agenda = _agenda(con, as_of, scores, signals, previous, config)
    decisions = _decisions_on(con, meeting.id, as_of) if meeting else []
    return MeetingView(as_of, meeting, scores, signals, agenda, decisions, _brief(previous))


def _brief(previous: dict[str, Any] | None) -> dict[str, Any] | None:
    if previous is None:
        return None
    keys = ("id", "held_on", "title", "scores")
    return {k: previous[k] for k in keys}


# -- the agenda --------------------------------------------------------------------------


def _agenda(
    con: Connection,
    as_of: dt.date,
    scores: list[TeamScore],
    signals: list[Signal],
    previous: dict[str, Any] | None,
    config: ScoringConfig,
) -> Agenda:
    return {
        "moves": moves(scores, previous),
        "siloed": _teams_in(scores, "siloed"),
        "aspirational": _teams_in(scores, "aspirational"),
        "signals": [
            {"signal": s.signal, "subject_id": s.subject_id, "detail": s.detail} for s in signals
        ],
        "overdue_actions": _overdue(con, as_of, config),
        "previous_decisions": _previous_decisions(con, as_of, previous),
    }


def moves(scores: list[TeamScore], previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The teams whose quadrant changed since `previous` (a frozen review), with how far."""
    if previous is None:
        return []
    before = {s["team_id"]: s for s in previous["scores"]}
    moves = []
    for score in scores:
        old = before.get(score.team_id)
        if old is None or old["quadrant"] == score.quadrant:
            continue
        moves.append(
            {
                "team_id": score.team_id,
                "team": score.team,
                "from": old["quadrant"],
                "to": score.quadrant,
                "alignment": round(score.alignment - old["alignment"], 1),
                "accountability": round(score.accountability - old["accountability"], 1),
            }
        )
    return moves


def _teams_in(scores: list[TeamScore], quadrant: str) -> list[dict[str, Any]]:
    return [
        {
            "team_id": s.team_id,
            "team": s.team,
            "business_unit": s.business_unit,
            "alignment": round(s.alignment, 1),
            "accountability": round(s.accountability, 1),
        }
        for s in scores
        if s.quadrant == quadrant
    ]


def _overdue(con: Connection, as_of: dt.date, config: ScoringConfig) -> list[dict[str, Any]]:
    items = work_on(con, as_of, config).of_kind("overdue_action")
    return [
        _plain(
            {
                "id": i.item_id,
                "title": i.title,
                "team_id": i.team_id,
                "team": i.team,
                "owner": i.owner,
                "due_date": i.due_on,
                "days_overdue": i.days_overdue,
            }
        )
        for i in items
    ]


def _previous_decisions(
    con: Connection, as_of: dt.date, previous: dict[str, Any] | None
) -> list[dict[str, Any]]:
    if previous is None:
        return []
    states = actions_on(con, previous["decision_action_ids"], as_of)
    rows = []
    for decision in previous["decisions"]:
        action = states.get(decision["action_id"] or "", {})
        rows.append(
            {
                "decision": decision["text"],
                "action_id": decision["action_id"],
                "owner": action.get("owner"),
                "team": action.get("team"),
                "due_date": action.get("due_date"),
                "status": action.get("status") or ("no action" if not action else None),
            }
        )
    return [_plain(r) for r in rows]


def _decisions_on(con: Connection, meeting_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    rows = fetch_dicts(
        con, "SELECT * FROM decisions WHERE meeting_id = ? ORDER BY created_at, id", [meeting_id]
    )
    states = actions_on(con, [r["action_id"] for r in rows if r["action_id"]], as_of)
    out = []
    for row in rows:
        action = states.get(row["action_id"] or "", {})
        out.append(
            {
                "id": row["id"],
                "text": row["text"],
                "action_id": row["action_id"],
                "action": action.get("title"),
                "owner": action.get("owner"),
                "team": action.get("team"),
                "due_date": action.get("due_date"),
                "status": action.get("status"),
            }
        )
    return [_plain(r) for r in out]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Dates as ISO text, so a live row and its frozen JSON copy are equal."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


# -- writing -----------------------------------------------------------------------------


def start_meeting(
    db: Database,
    actor_id: str,
    held_on: dt.date,
    title: str,
    attendees: list[str] | None = None,
) -> Meeting:
    """Open a review meeting on `held_on` with its attendees (person ids)."""
    title = check_text(Name, "the title", (title or "").strip()) or ""
    if not title:
        raise InvalidInput("a meeting needs a title")
    people = sorted(set(attendees or []))

    def work(con: Connection) -> Meeting:
        permissions.require(con, actor_id, "meeting")
        _check_people(con, people)
        meeting_id = f"m-{held_on.isoformat()}-{uuid.uuid4().hex[:6]}"
        fields = {
            "held_on": held_on,
            "title": title,
            "status": "open",
            "attendees": json.dumps(people),
            "created_by": actor_id,
        }
        con.execute(
            "INSERT INTO meetings (id, held_on, title, status, attendees, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [meeting_id, *fields.values()],
        )
        audit.record_changes(con, actor_id, "meetings", meeting_id, None, fields)
        return _meeting(_meeting_row(con, meeting_id))

    return db.write(work)


def record_decision(
    db: Database,
    actor_id: str,
    meeting_id: str,
    text: str,
    *,
    action: dict[str, Any] | None = None,
) -> Decision:
    """Record a decision; `action` (goal_id, owner_id, due_date, title?, team_id?) creates one.

    The action is created on the meeting's date, owned by the given person, so the next
    review finds it among the decisions of this one. Its team is `team_id` when given,
    else the owner's team (not the goal's: a goal of one team can be served by an action
    another team delivers).
    """
    return db.write(lambda con: decision_on(con, actor_id, meeting_id, text, action=action))


def decision_on(
    con: Connection,
    actor_id: str,
    meeting_id: str,
    text: str,
    *,
    action: dict[str, Any] | None = None,
) -> Decision:
    """`record_decision` in the caller's transaction (a goal decided from an opportunity,
    cxos/insights/opportunities.py, is written with its decision in one)."""
    text = check_text(LongText, "the decision", (text or "").strip()) or ""
    if not text:
        raise InvalidInput("a decision needs its text")
    meeting = _open_meeting(con, meeting_id)
    permissions.require(con, actor_id, "decision")
    action_id = _create_action(con, actor_id, meeting, text, action) if action else None
    decision_id = f"d-{uuid.uuid4().hex[:10]}"
    now = dt.datetime.now()  # full precision: decisions are listed in the order taken
    con.execute(
        "INSERT INTO decisions (id, meeting_id, text, action_id, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [decision_id, meeting_id, text, action_id, actor_id, now],
    )
    fields = {"meeting_id": meeting_id, "text": text, "action_id": action_id}
    audit.record_changes(con, actor_id, "decisions", decision_id, None, fields)
    return Decision(
        id=decision_id,
        meeting_id=meeting_id,
        text=text,
        action_id=action_id,
        created_by=actor_id,
        created_at=now,
    )


def _create_action(
    con: Connection,
    actor_id: str,
    meeting: dict[str, Any],
    text: str,
    spec: dict[str, Any],
) -> str:
    goal_id, owner, due = spec.get("goal_id"), spec.get("owner_id") or None, spec.get("due_date")
    if not goal_id:
        raise InvalidInput("choose the goal the new action serves")
    if not isinstance(due, dt.date):
        raise InvalidInput("the new action needs a due date")
    if owner:
        _check_people(con, [owner])
    team_id = spec.get("team_id") or _team_of(con, owner)
    if not team_id:
        raise InvalidInput("choose who owns the new action (it goes to the owner's team)")
    permissions.require(con, actor_id, "action", team_id=team_id)
    _check_exists(con, "goals", goal_id, "goal")
    _check_exists(con, "teams", team_id, "team")
    created = meeting["held_on"]
    if due < created:
        raise InvalidInput(f"the due date {due} is before the meeting ({created})")
    action_id = f"a-{uuid.uuid4().hex[:10]}"
    fields = {
        "goal_id": goal_id,
        "title": _action_title(spec.get("title"), text),
        "owner_id": owner,
        "team_id": team_id,
        "created_on": created,
        "due_date": due,
        "status": "open",
    }
    con.execute(
        "INSERT INTO actions (id, goal_id, title, owner_id, team_id, created_on, due_date, "
        "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [action_id, *fields.values()],
    )
    audit.record_changes(con, actor_id, "actions", action_id, None, fields)
    return action_id


def _team_of(con: Connection, person_id: str | None) -> str | None:
    """The owner's team: the one that delivers the action, whichever team's goal it serves."""
    if not person_id:
        return None
    row = con.execute("SELECT team_id FROM people WHERE id = ?", [person_id]).fetchone()
    return None if row is None else row[0]


def _action_title(title: str | None, decision: str) -> str:
    """The action's title: the one given, else the decision's words, cut to fit a title
    (the decision keeps its whole text)."""
    if title and title.strip():
        return check_text(Name, "the action's title", title.strip()) or ""
    words = " ".join(decision.split())
    return words if len(words) <= NAME_MAX else words[: NAME_MAX - 1].rstrip() + "…"


def close_meeting(
    db: Database, actor_id: str, meeting_id: str, config: ScoringConfig | None = None
) -> MeetingView:
    """Close a meeting: freeze its scores, signals, agenda and decisions; read-only after."""
    config = config or ScoringConfig.load()

    def checks(con: Connection) -> None:
        _open_meeting(con, meeting_id)
        permissions.require(con, actor_id, "meeting")

    return freeze(db, meeting_id, actor_id, config, checks=checks)


def freeze(
    db: Database,
    meeting_id: str,
    actor_id: str | None,
    config: ScoringConfig,
    closed_at: dt.datetime | None = None,
    checks: Callable[[Connection], Any] | None = None,
) -> MeetingView:
    """Freeze a meeting (also used to load the demo's reviews).

    Scores, signals and the agenda are worked out by a read (on PostgreSQL, scoring runs on
    the mirror), then stored by a write that first finds the meeting as the read saw it:
    when it changed in between (a decision added, closed by someone else), the whole
    freeze is done again. `checks` (permission and state checks) run in the read and in
    the write. No permission check otherwise: callers check (`close_meeting`)
    or own the data.
    """
    for _ in range(_FREEZE_ATTEMPTS):
        version, live = db.read(lambda con: _checked_live(con, meeting_id, config, checks))

        def store(
            con: Connection, live: MeetingView = live, version: int = version
        ) -> MeetingView | None:
            if checks is not None:
                checks(con)
            row = _meeting_row(con, meeting_id)
            if row["version"] != version:
                return None
            return _store_frozen(con, row, live, actor_id, closed_at)

        frozen = db.write(store)
        if frozen is not None:
            return frozen
    raise Conflict("the meeting kept changing while it was being closed; try again")


_FREEZE_ATTEMPTS = 5


def _checked_live(
    con: Connection,
    meeting_id: str,
    config: ScoringConfig,
    checks: Callable[[Connection], Any] | None,
) -> tuple[int, MeetingView]:
    if checks is not None:
        checks(con)
    row = _meeting_row(con, meeting_id)
    return row["version"], _live(con, row["held_on"], _meeting(row), config)


def _store_frozen(
    con: Connection,
    row: dict[str, Any],
    live: MeetingView,
    actor_id: str | None,
    closed_at: dt.datetime | None,
) -> MeetingView:
    meeting_id = row["id"]
    # The scores it froze are also that date's snapshot, so trends show every review.
    store_snapshot_on(con, live.as_of, live.scores, actor_id)
    frozen = json.dumps(_freeze(live))
    closed = closed_at or row["closed_at"] or dt.datetime.now().replace(microsecond=0)
    con.execute(
        "UPDATE meetings SET status = 'closed', closed_at = ?, frozen = ?, "
        "version = version + 1 WHERE id = ?",
        [closed, frozen, meeting_id],
    )
    after = {"status": "closed", "closed_at": closed, "frozen": f"{len(frozen)} characters"}
    before = {"status": row["status"], "closed_at": row["closed_at"], "frozen": None}
    audit.record_changes(con, actor_id, "meetings", meeting_id, before, after)
    return _thaw(_meeting(_meeting_row(con, meeting_id)), json.loads(frozen))


def _freeze(live: MeetingView) -> dict[str, Any]:
    return {
        "version": FROZEN_VERSION,
        "as_of": live.as_of.isoformat(),
        "scores": [s.as_dict() for s in live.scores],
        "signals": [
            {
                "signal": s.signal,
                "subject_id": s.subject_id,
                "detail": s.detail,
                "team_ids": list(s.team_ids),
            }
            for s in live.signals
        ],
        "agenda": live.agenda,
        "decisions": live.decisions,
        "previous": live.previous,
    }


def _thaw(meeting: Meeting, frozen: dict[str, Any]) -> MeetingView:
    return MeetingView(
        as_of=dt.date.fromisoformat(frozen["as_of"]),
        meeting=meeting,
        scores=[TeamScore(**s) for s in frozen["scores"]],
        signals=[Signal(**{**s, "team_ids": tuple(s["team_ids"])}) for s in frozen["signals"]],
        agenda=frozen["agenda"],
        decisions=frozen["decisions"],
        previous=frozen.get("previous"),
        frozen=True,
    )


# -- internals ---------------------------------------------------------------------------


def _meeting_row(con: Connection, meeting_id: str) -> dict[str, Any]:
    rows = fetch_dicts(con, "SELECT * FROM meetings WHERE id = ?", [meeting_id])
    if not rows:
        raise NotFound(f"there is no meeting with id {meeting_id!r}")
    return rows[0]


def open_meeting_on(con: Connection, meeting_id: str) -> dict[str, Any]:
    """The meeting's row, if it is open; else MeetingClosed (or NotFound)."""
    return _open_meeting(con, meeting_id)


def _open_meeting(con: Connection, meeting_id: str) -> dict[str, Any]:
    row = _meeting_row(con, meeting_id)
    if row["status"] == "closed":
        raise MeetingClosed(
            f"meeting {row['title']!r} of {row['held_on']} is closed and read-only; "
            "nothing was changed"
        )
    return row


def _meeting(row: dict[str, Any]) -> Meeting:
    return Meeting(
        id=row["id"],
        held_on=row["held_on"],
        title=row["title"],
        status=row["status"],
        attendees=json.loads(row["attendees"] or "[]"),
        created_by=row["created_by"],
        closed_at=row["closed_at"],
    )


def _check_people(con: Connection, people: list[str]) -> None:
    if not people:
        return
    found = {r["id"] for r in fetch_dicts(con, "SELECT id FROM people WHERE id = ANY(?)", [people])}
    missing = [p for p in people if p not in found]
    if missing:
        raise InvalidInput(f"there is no person with id {missing[0]!r}")


def _check_exists(con: Connection, table: str, row_id: str, noun: str) -> None:
    assert table in ("goals", "teams")  # identifiers from a whitelist
    if con.execute(f"SELECT 1 FROM {table} WHERE id = ?", [row_id]).fetchone() is None:
        raise NotFound(f"there is no {noun} with id {row_id!r}")
