"""`meeting` and `decision`: review meetings from the command line, as the Meetings page.

Start a meeting, record its decisions (each optionally creating an owned action), close
it (which freezes what it reviewed), and list meetings and a meeting's decisions with the
state of their actions. Writes call `cxos.review.meetings`, so the permission checks
(steering and admins for meetings and decisions; the action's team for a new action) and
the audit trail are the app's.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from cxos.cli.args import add_actor, add_format, date, open_db
from cxos.cli.output import emit, line

MEETING_COLUMNS = ("id", "held_on", "title", "status", "attendees", "created_by", "closed_at")
DECISION_COLUMNS = ("id", "text", "action_id", "action", "owner", "team", "due_date", "status")


def register(sub: Any) -> None:
    """Add `meeting list|start|close` and `decision list|add`."""
    _register_meeting(sub)
    _register_decision(sub)


def _register_meeting(sub: Any) -> None:
    group = sub.add_parser("meeting", help="review meetings: list, start, close")
    verbs = group.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = verbs.add_parser("list", help="every meeting, newest first")
    add_format(p)
    p.set_defaults(run=run_meetings)

    p = verbs.add_parser("start", help="open a review meeting, as a person")
    add_actor(p)
    p.add_argument("--title", required=True)
    p.add_argument("--on", type=date, help="the meeting's date (default today)")
    p.add_argument(
        "--attendee",
        dest="attendees",
        action="append",
        default=[],
        metavar="PERSON_ID",
        help="an attendee (repeat for each)",
    )
    p.set_defaults(run=run_start)

    p = verbs.add_parser("close", help="close a meeting: freeze what it reviewed, read-only")
    p.add_argument("meeting_id", metavar="MEETING_ID")
    add_actor(p)
    p.add_argument("--yes", action="store_true", help="confirm: closing cannot be undone")
    p.set_defaults(run=run_close)


def _register_decision(sub: Any) -> None:
    group = sub.add_parser("decision", help="a meeting's decisions: list, add")
    verbs = group.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = verbs.add_parser("list", help="a meeting's decisions with the state of their actions")
    p.add_argument("meeting_id", metavar="MEETING_ID")
    add_format(p)
    p.set_defaults(run=run_decisions)

    p = verbs.add_parser(
        "add",
        help="record a decision in an open meeting; --goal, --owner and --due create an action",
    )
    p.add_argument("meeting_id", metavar="MEETING_ID")
    add_actor(p)
    p.add_argument("--text", required=True, help="the decision")
    p.add_argument("--goal", metavar="GOAL_ID", help="create an owned action for this goal")
    p.add_argument("--owner", metavar="PERSON_ID", help="the action's owner")
    p.add_argument("--due", type=date, help="the action's due date")
    p.add_argument("--team", metavar="TEAM_ID", help="the action's team (default: the owner's)")
    p.add_argument("--action-title", help="default: the decision's words")
    p.set_defaults(run=run_add_decision)


def run_meetings(args: argparse.Namespace) -> int:
    from cxos.review import meetings

    rows = [
        {**m.model_dump(), "attendees": ", ".join(m.attendees)}
        for m in meetings.list_meetings(open_db(args))
    ]
    emit(rows, MEETING_COLUMNS, args.format)
    return 0


def run_start(args: argparse.Namespace) -> int:
    from cxos.review import meetings

    held_on = args.on or dt.date.today()
    meeting = meetings.start_meeting(open_db(args), args.actor, held_on, args.title, args.attendees)
    line(f"meeting {meeting.id} started: {meeting.title} on {meeting.held_on}")
    return 0


def run_close(args: argparse.Namespace) -> int:
    from cxos.model.errors import InvalidInput
    from cxos.review import meetings

    if not args.yes:
        raise InvalidInput(
            "closing freezes the meeting's scores, signals, agenda and decisions and makes it "
            "read-only; add --yes to confirm. Nothing was changed"
        )
    view = meetings.close_meeting(open_db(args), args.actor, args.meeting_id)
    line(f"meeting {args.meeting_id} closed: {len(view.scores)} teams' scores frozen")
    return 0


def run_decisions(args: argparse.Namespace) -> int:
    from cxos.review import meetings

    emit(meetings.view(open_db(args), args.meeting_id).decisions, DECISION_COLUMNS, args.format)
    return 0


def run_add_decision(args: argparse.Namespace) -> int:
    from cxos.review import meetings

    db = open_db(args)
    action = _action(db, args)
    decision = meetings.record_decision(db, args.actor, args.meeting_id, args.text, action=action)
    made = f" with action {decision.action_id}" if decision.action_id else ""
    line(f"decision {decision.id} recorded in {args.meeting_id}{made}")
    return 0


def _action(db: Any, args: argparse.Namespace) -> dict[str, Any] | None:
    """The action a decision creates, when --goal is given: it needs an owner and a date.

    Its team is --team, else the owner's own team (the one that does the work), never
    silently the goal's.
    """
    from cxos.model.errors import InvalidInput
    from cxos.work import team_reads

    if args.goal is None:
        if args.owner or args.due or args.team or args.action_title:
            raise InvalidInput("an action needs --goal too; nothing was changed")
        return None
    if not args.owner or not args.due:
        raise InvalidInput("an action needs --owner and --due besides --goal; nothing was changed")
    team_id = args.team or team_reads.team_of(db, args.owner)
    if not team_id:
        raise InvalidInput(f"{args.owner!r} has no team: give the action's --team")
    return {
        "goal_id": args.goal,
        "team_id": team_id,
        "owner_id": args.owner,
        "due_date": args.due,
        "title": args.action_title,
    }
