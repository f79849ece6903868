"""The "my work" list: everything that waits on someone, as of a date.

SPEC.md's working rules give each person one list: their overdue actions, check-ins due
(none in 14 days), metrics past their cadence, unanswered negative feedback for their
team, and — for heads — the same for their team's people. The steering overview shows
the same list for everyone (`work_items` with no team filter), so there is one query.

What counts as "due" is not decided here: check-ins due and metrics past cadence are the
stale A3 cadence items and overdue actions are the unfinished A2 delivery items, read
from the scoring SQL (`cxos.scoring.sql`), so the list and the score can never disagree.
Unanswered feedback uses the `unanswered_feedback` signal's rule (no action created on or
before D, not closed on or before D) without its 30-day grace period: a head sees new
complaints at once, steering sees the old ones as a signal.

Each person is listed only what they may act on (SPEC "Who may write what"): feedback
goes to those who may answer it — the team's head, an administrator — not to every
member of the team. The steering committee, which answers no feedback, gets `to_chase`:
per team, the feedback left unanswered past the signal's grace period and the overdue
actions, with the head to ask (SPEC "Notices and escalation").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, NamedTuple

from cxos.identity import permissions
from cxos.model.errors import NotFound
from cxos.scoring import sql
from cxos.scoring.config import ScoringConfig
from cxos.scoring.query import run_tuples
from cxos.storage import Connection, Database, fetch_dicts

WorkKind = Literal["overdue_action", "check_in_due", "metric_due", "feedback"]
WORK_KINDS: tuple[WorkKind, ...] = ("overdue_action", "check_in_due", "metric_due", "feedback")
KIND_LABELS: dict[WorkKind, str] = {
    "overdue_action": "Overdue actions",
    "check_in_due": "Check-ins due",
    "metric_due": "Metrics past cadence",
    "feedback": "Unanswered feedback",
}


class WorkItem(NamedTuple):
    """One thing waiting: an action, a metric or a feedback, and how late it is.

    `due_on` is the day it fell due (due date; last check-in + 14 days; last reading +
    cadence, or the goal's start without a reading; the day feedback arrived) and
    `days_overdue` is the whole days from then to the as-of date. `version` is the
    record's version, for optimistic concurrency when the item is acted on.

    A named tuple, not a dataclass: the organisation's list holds tens of thousands, and
    a tuple is made from a result row ten times faster.
    """

    kind: WorkKind
    item_id: str
    title: str
    team_id: str
    team: str
    owner_id: str | None
    owner: str | None
    goal_id: str | None
    goal: str | None
    due_on: dt.date
    days_overdue: int
    detail: str
    version: int

    def lateness(self) -> str:
        """How late, in words: feedback counts from the day it arrived, not from a due day."""
        days = self.days_overdue
        if self.kind == "feedback":
            return "arrived today" if days <= 0 else f"waiting {days} days"
        return "due today" if days <= 0 else f"{days} days late"


@dataclass(frozen=True)
class WorkList:
    """The items of one scope as of a date, most overdue first."""

    as_of: dt.date
    items: tuple[WorkItem, ...]
    person_id: str | None = None

    def __len__(self) -> int:
        return len(self.items)

    def of_kind(self, kind: WorkKind) -> list[WorkItem]:
        """The items of one kind."""
        return [item for item in self.items if item.kind == kind]

    def mine(self) -> list[WorkItem]:
        """The items the list's person owns (feedback has no owner)."""
        return [item for item in self.items if item.owner_id and item.owner_id == self.person_id]

    def others(self) -> list[WorkItem]:
        """The items not owned by the list's person: their team's and the feedback."""
        return [item for item in self.items if not item.owner_id or item.owner_id != self.person_id]

    def counts(self) -> dict[WorkKind, int]:
        """How many items of each kind (every kind present, zero included)."""
        found = Counter(item.kind for item in self.items)
        return {kind: found.get(kind, 0) for kind in WORK_KINDS}

    def counts_by_team(self) -> dict[str, dict[WorkKind, int]]:
        """Per team id, how many items of each kind."""
        teams: dict[str, dict[WorkKind, int]] = {}
        for item in self.items:
            counts = teams.setdefault(item.team_id, dict.fromkeys(WORK_KINDS, 0))
            counts[item.kind] += 1
        return teams


# What waits, by kind: the components whose items it reads, and its rows of (kind,
# item_id, title, team_id, owner_id, goal_id, due_on, detail, version).
_WAITING: dict[WorkKind, tuple[tuple[str, ...], str]] = {
    "overdue_action": (
        ("a2_delivery",),
        """
    SELECT 'overdue_action' AS kind, a.id AS item_id, a.title, a.team_id, a.owner_id,
        a.goal_id, a.due_date AS due_on, i.detail, a.version
    FROM items i JOIN actions a ON a.id = i.item_id
    WHERE i.component = 'a2_delivery' AND i.value = 0 AND a.due_date < $d
        AND a.created_on <= $d""",
    ),
    "check_in_due": (
        ("a3_cadence",),
        """
    SELECT 'check_in_due', a.id, a.title, a.team_id, a.owner_id, a.goal_id,
        coalesce(c.checked_on, a.created_on) + $fresh_days::INTEGER, i.detail, a.version
    FROM items i JOIN actions a ON a.id = i.item_id
    LEFT JOIN latest_check_in c ON c.action_id = a.id
    WHERE i.component = 'a3_cadence' AND i.kind = 'action' AND i.value = 0""",
    ),
    "metric_due": (
        ("a3_cadence",),
        """
    SELECT 'metric_due', m.id, m.name, g.team_id, g.owner_id, g.id,
        coalesce(r.read_on + m.cadence_days, g.start_date), i.detail, m.version
    FROM items i JOIN metrics m ON m.id = i.item_id JOIN goals g ON g.id = m.goal_id
    LEFT JOIN latest_reading r ON r.metric_id = m.id
    WHERE i.component = 'a3_cadence' AND i.kind = 'metric' AND i.value = 0""",
    ),
    "feedback": (
        (),
        f"""
    SELECT 'feedback', f.id, fb.text, f.team_id, NULL, NULL, f.received_on,
        'negative feedback on ''' || st.name || ''' received '
        || {sql.day_in_words("f.received_on")}, fb.version
    FROM unanswered_feedback f JOIN feedback fb ON fb.id = f.id
    JOIN stages st ON st.id = f.stage_id""",
    ),
}

_WORK = """
WITH {facts},{unanswered},
items ({columns}) AS ({items}),
work AS ({waiting})
SELECT w.kind, w.item_id, w.title, w.team_id, t.name AS team, w.owner_id, p.name AS owner,
    w.goal_id, g.title AS goal, w.due_on, date_diff('day', w.due_on, $d) AS days_overdue,
    w.detail, w.version
FROM work w
JOIN teams t ON t.id = w.team_id
LEFT JOIN people p ON p.id = w.owner_id
LEFT JOIN goals g ON g.id = w.goal_id
WHERE $everything
    OR list_contains($teams::VARCHAR[], w.team_id)
    OR list_contains($owners::VARCHAR[], w.owner_id)
    OR (w.kind = 'feedback' AND list_contains($feedback_teams::VARCHAR[], w.team_id))
ORDER BY days_overdue DESC, w.kind, w.title, w.item_id"""


@cache
def _work_sql(kinds: tuple[WorkKind, ...]) -> str:
    """The work list of `kinds` only: items no asked-for kind reads are not listed at all."""
    components = tuple(dict.fromkeys(c for kind in kinds for c in _WAITING[kind][0]))
    return _WORK.format(
        facts=sql.facts_cte(),
        columns=sql.ITEM_COLUMNS,
        unanswered=sql.UNANSWERED_FEEDBACK,
        items=sql.item_union(components),
        waiting="\n    UNION ALL".join(_WAITING[kind][1] for kind in kinds),
    )


def work_items(
    db: Database,
    as_of: dt.date,
    team_ids: Iterable[str] | None = None,
    config: ScoringConfig | None = None,
    kinds: Iterable[WorkKind] | None = None,
) -> WorkList:
    """Every waiting item of the given teams as of `as_of`; all teams when `team_ids` is None.

    `kinds` keeps only items of those kinds (the overview needs only overdue actions, and
    the whole organisation's list is tens of thousands of items).
    """
    config = config or ScoringConfig.load()
    teams = None if team_ids is None else list(team_ids)
    wanted = None if kinds is None else list(kinds)
    return db.read(lambda con: _work_on(con, as_of, config, teams=teams, kinds=wanted))


def my_work(
    db: Database, person_id: str, as_of: dt.date, config: ScoringConfig | None = None
) -> WorkList:
    """A person's "my work" list as of `as_of` (SPEC.md working rules).

    Everyone gets the actions they own, the metrics of goals they own and the unanswered
    negative feedback routed to their team; a head also gets the same for their team:
    its actions and metrics, and the items owned by its people.
    """
    config = config or ScoringConfig.load()
    return db.read(lambda con: _my_work_on(con, person_id, as_of, config))


def _my_work_on(con: Connection, person_id: str, as_of: dt.date, config: ScoringConfig) -> WorkList:
    person = _person(con, person_id)
    team = [person["team_id"]]
    if person["role"] != "head":
        answers = permissions.can(con, person_id, "feedback", team_id=person["team_id"])
        feedback = team if answers else []  # listed only to those who may answer it
        return _work_on(
            con, as_of, config, owners=[person_id], feedback_teams=feedback, who=person_id
        )
    people = [row["id"] for row in fetch_dicts(con, _TEAM_PEOPLE, team)]
    return _work_on(con, as_of, config, teams=team, owners=people, who=person_id)


_TEAM_PEOPLE = "SELECT id FROM people WHERE team_id = ? ORDER BY id"


def _person(con: Connection, person_id: str) -> dict[str, Any]:
    rows = fetch_dicts(con, "SELECT id, team_id, role FROM people WHERE id = ?", [person_id])
    if not rows:
        raise NotFound(f"there is no person with id {person_id!r}")
    return rows[0]


def _work_on(
    con: Connection,
    as_of: dt.date,
    config: ScoringConfig,
    *,
    teams: list[str] | None = None,
    owners: list[str] | None = None,
    feedback_teams: list[str] | None = None,
    who: str | None = None,
    kinds: list[WorkKind] | None = None,
) -> WorkList:
    everything = teams is None and owners is None and feedback_teams is None
    params = {
        **sql.parameters(as_of, config),
        "everything": everything,
        "teams": teams or [],
        "owners": owners or [],
        "feedback_teams": feedback_teams or [],
    }
    wanted = WORK_KINDS if kinds is None else tuple(k for k in WORK_KINDS if k in kinds)
    columns, rows = run_tuples(con, _work_sql(wanted), params)
    if columns != _ITEM_FIELDS:  # rows are built by position below
        raise AssertionError(f"work list columns {columns} differ from {_ITEM_FIELDS}")
    return WorkList(as_of, tuple(map(WorkItem._make, rows)), who)


_ITEM_FIELDS = list(WorkItem._fields)


# -- what the steering committee chases ------------------------------------------------------


@dataclass(frozen=True)
class Chase:
    """One team with work the committee should chase, and the head(s) to ask."""

    team_id: str
    team: str
    heads: tuple[str, ...]
    unanswered_feedback: int  # negative feedback unanswered past the signal's grace period
    overdue_actions: int
    oldest_days: int  # how long the longest-waiting of them has waited


def to_chase(db: Database, as_of: dt.date, config: ScoringConfig | None = None) -> list[Chase]:
    """Per team, what waits past its grace (SPEC: escalates to steering), longest first."""
    config = config or ScoringConfig.load()

    def read(con: Connection) -> list[Chase]:
        kinds: list[WorkKind] = ["feedback", "overdue_action"]
        work = _work_on(con, as_of, config, kinds=kinds)
        late = [i for i in work.items if i.kind != "feedback" or feedback_past_window(i, config)]
        heads: dict[str, list[str]] = {}
        for row in fetch_dicts(con, _HEADS):
            heads.setdefault(row["team_id"], []).append(row["name"])
        return _by_team(late, heads)

    return db.read(read)


_HEADS = "SELECT team_id, name FROM people WHERE role = 'head' ORDER BY name"


def feedback_past_window(item: WorkItem, config: ScoringConfig) -> bool:
    """Unanswered negative feedback as old as the signal's window: it goes to steering."""
    return item.days_overdue >= config.unanswered_feedback_days


def _by_team(items: list[WorkItem], heads: dict[str, list[str]]) -> list[Chase]:
    teams: dict[str, list[WorkItem]] = {}
    for item in items:
        teams.setdefault(item.team_id, []).append(item)
    chase = [
        Chase(
            team_id,
            waiting[0].team,
            tuple(heads.get(team_id, ())),
            sum(1 for i in waiting if i.kind == "feedback"),
            sum(1 for i in waiting if i.kind == "overdue_action"),
            max(i.days_overdue for i in waiting),
        )
        for team_id, waiting in teams.items()
    ]
    return sorted(chase, key=lambda c: (-c.oldest_days, c.team))
