"""Who gets what as of a date: each person's notices, each naming the rule that sent it.

Reminders are a person's own my-work list (`cxos.work.my_work`, the one query behind the
My work page), so a reminder and the page can never disagree. The escalation ladder
reads the same work list for the whole organisation:

- `late_to_head`: an overdue action, a check-in due or a metric past its cadence, late by
  more than `head_grace_days`, goes to the heads of its team;
- `team_silent`: a team with something to track but no check-in and no reading for more
  than `silent_team_days` goes to the steering committee;
- `feedback_to_steering`: negative feedback unanswered for the `unanswered_feedback` signal's
  window (SPEC: 30 days) goes to the steering committee;
- `meeting_ahead`: an open review meeting held within `meeting_ahead_days` sends its agenda
  and pack to the steering committee and its attendees.

A notice's `key` names its subject and, for escalations, the episode (the day the item
fell due, the day the team was last heard of), so the same lapse escalates once while a
new lapse of the same item or team escalates again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from cxos.notify import store
from cxos.notify.config import NotifyConfig
from cxos.notify.store import Recipient
from cxos.palette import day
from cxos.scoring.config import ScoringConfig
from cxos.storage import Database
from cxos.work.my_work import WorkItem, WorkKind, feedback_past_window, my_work, work_items

NoticeKind = Literal["reminder", "escalation", "meeting"]

# Every rule, in words: the "why" a notice and the admin's sent log show.
RULES: dict[str, str] = {
    "overdue_action": "an action you answer for is past its due date",
    "check_in_due": "an action you answer for has had no check-in within the check-in window",
    "metric_due": "a metric you answer for has no reading within its cadence",
    "feedback": "negative feedback routed to your team waits for an answer",
    "late_to_head": "an item of your team is late beyond the grace period",
    "team_silent": "a team has had no check-in and no reading for longer than allowed",
    "feedback_to_steering": "negative feedback has waited past the unanswered-feedback window",
    "meeting_ahead": "a review meeting you are invited to is coming up",
}
KIND_OF_RULE: dict[str, NoticeKind] = {
    "overdue_action": "reminder",
    "check_in_due": "reminder",
    "metric_due": "reminder",
    "feedback": "reminder",
    "late_to_head": "escalation",
    "team_silent": "escalation",
    "feedback_to_steering": "escalation",
    "meeting_ahead": "meeting",
}
_LATE_KINDS: tuple[WorkKind, ...] = ("overdue_action", "check_in_due", "metric_due")
# One item of a kind, in words ("check-ins due" lists them; a notice is one).
_ONE: dict[str, str] = {
    "overdue_action": "overdue action",
    "check_in_due": "check-in due",
    "metric_due": "metric past its cadence",
    "feedback": "unanswered feedback",
}


@dataclass(frozen=True)
class Notice:
    """One thing one person is told: what, about which team, why, and where to act.

    `title` is people's text (an action's title, a team's or meeting's name) and `detail`
    may quote some; both are made inert on every surface that shows them. `why` is CXOS's
    own words.
    """

    person_id: str
    rule: str
    key: str
    title: str
    team: str | None
    detail: str
    why: str
    page: str
    params: tuple[tuple[str, str], ...] = ()
    days: int = 0
    meeting_id: str | None = None

    @property
    def kind(self) -> NoticeKind:
        return KIND_OF_RULE[self.rule]

    def path(self) -> str:
        """The page's address inside the app, with its query (`team?team=t1`)."""
        return self.page + (f"?{urlencode(self.params)}" if self.params else "")

    def link(self, app_url: str) -> str:
        """The page's full address under the app's base URL."""
        return f"{app_url.rstrip('/')}/{self.path()}"


@dataclass(frozen=True)
class Settings:
    """The configuration the rules read."""

    notify: NotifyConfig
    scoring: ScoringConfig

    @classmethod
    def load(cls) -> Settings:
        return cls(NotifyConfig.load(), ScoringConfig.load())


def _reminder(person_id: str, item: WorkItem) -> Notice:
    feedback = item.kind == "feedback"
    label = _ONE[item.kind]
    return Notice(
        person_id,
        item.kind,
        f"{item.kind}:{item.item_id}",
        item.title,
        item.team,
        f"{label} · {item.detail} · {item.lateness()}",
        RULES[item.kind],
        "inbox" if feedback else "my_work",
        (("team", item.team_id),) if feedback else (),
        item.days_overdue,
    )


def reminders(db: Database, person_id: str, as_of: dt.date, settings: Settings) -> list[Notice]:
    """A person's own my-work items as reminders."""
    work = my_work(db, person_id, as_of, settings.scoring)
    return [_reminder(person_id, item) for item in work.items]


def _late_to_head(item: WorkItem, heads: list[Recipient], grace: int) -> list[Notice]:
    label = _ONE[item.kind]
    owner = item.owner or "no owner"
    return [
        Notice(
            head.id,
            "late_to_head",
            f"late_to_head:{item.kind}:{item.item_id}:{item.due_on}",
            item.title,
            item.team,
            f"{label} of {owner} · {item.lateness()}",
            f"{RULES['late_to_head']} ({grace} days)",
            "my_work",
            (),
            item.days_overdue,
        )
        for head in heads
    ]


def _silent(team: dict, steering: list[Recipient], days: int, as_of: dt.date) -> list[Notice]:
    last = team["last_heard"]
    heard = f"last check-in or reading on {day(last)}" if last else "no check-in or reading yet"
    silent_for = (as_of - last).days if last else 0
    return [
        Notice(
            member.id,
            "team_silent",
            f"team_silent:{team['team_id']}:{last or 'never'}",
            team["team"],
            team["team"],
            heard,
            f"{RULES['team_silent']} ({days} days)",
            "team",
            (("team", team["team_id"]),),
            silent_for,
        )
        for member in steering
    ]


def _feedback_to_steering(item: WorkItem, steering: list[Recipient], days: int) -> list[Notice]:
    return [
        Notice(
            member.id,
            "feedback_to_steering",
            f"feedback_to_steering:{item.item_id}",
            item.title,
            item.team,
            f"{item.team} · {item.detail} · unanswered for {item.days_overdue} days",
            f"{RULES['feedback_to_steering']} ({days} days)",
            "inbox",
            (("team", item.team_id),),
            item.days_overdue,
        )
        for member in steering
    ]


def _meeting(meeting: dict, invited: list[Recipient], as_of: dt.date) -> list[Notice]:
    days = (meeting["held_on"] - as_of).days
    when = "today" if days == 0 else f"in {days} days"
    return [
        Notice(
            person.id,
            "meeting_ahead",
            f"meeting_ahead:{meeting['id']}:{meeting['held_on']}",
            meeting["title"],
            None,
            f"review meeting on {day(meeting['held_on'])} ({when}): agenda and PDF pack attached",
            RULES["meeting_ahead"],
            "meetings",
            (),
            days,
            meeting["id"],
        )
        for person in invited
    ]


def escalations(
    db: Database, as_of: dt.date, settings: Settings, people: list[Recipient] | None = None
) -> list[Notice]:
    """Every escalation and meeting notice of the organisation as of `as_of`."""
    people = people if people is not None else store.people(db)
    config = settings.notify
    steering = [p for p in people if p.role == "steering"]
    heads: dict[str, list[Recipient]] = {}
    for person in people:
        if person.role == "head":
            heads.setdefault(person.team_id, []).append(person)
    work = work_items(db, as_of, config=settings.scoring, kinds=[*_LATE_KINDS, "feedback"])
    window = settings.scoring.unanswered_feedback_days
    notices: list[Notice] = []
    for item in work.items:
        if item.kind == "feedback":
            if feedback_past_window(item, settings.scoring):
                notices += _feedback_to_steering(item, steering, window)
        elif item.days_overdue > config.head_grace_days:
            notices += _late_to_head(item, heads.get(item.team_id, []), config.head_grace_days)
    for team in store.silent_teams(db, as_of, config.silent_team_days, settings.scoring):
        notices += _silent(team, steering, config.silent_team_days, as_of)
    for meeting in store.meetings_ahead(db, as_of, config.meeting_ahead_days):
        notices += _meeting(meeting, _invited(meeting, people), as_of)
    return notices


def _invited(meeting: dict, people: list[Recipient]) -> list[Recipient]:
    """The steering committee and the meeting's attendees, each once."""
    attendees = set(json.loads(meeting["attendees"] or "[]"))
    return [p for p in people if p.role == "steering" or p.id in attendees]


def notices_for(
    db: Database, person_id: str, as_of: dt.date, settings: Settings | None = None
) -> list[Notice]:
    """Everything one person is told as of `as_of`: escalations first, then reminders."""
    settings = settings or Settings.load()
    mine = [n for n in escalations(db, as_of, settings) if n.person_id == person_id]
    return _ordered(mine) + reminders(db, person_id, as_of, settings)


def all_notices(db: Database, as_of: dt.date, settings: Settings) -> dict[str, list[Notice]]:
    """Per person id, everything they are told as of `as_of` (people with nothing left out)."""
    people = store.people(db)
    found: dict[str, list[Notice]] = {}
    for notice in _ordered(escalations(db, as_of, settings, people)):
        found.setdefault(notice.person_id, []).append(notice)
    for person in people:
        mine = reminders(db, person.id, as_of, settings)
        if mine:
            found.setdefault(person.id, []).extend(mine)
    return found


def _ordered(notices: list[Notice]) -> list[Notice]:
    order = {"meeting": 0, "escalation": 1, "reminder": 2}
    return sorted(notices, key=lambda n: (order[n.kind], -n.days, n.title, n.key))
