"""`feedback`: list a team's feedback and answer it, as a person, as the Feedback inbox does.

An answer links an existing action, creates a new one, or closes the feedback with a
written response. Each verb calls the inbox's own service in `cxos.work.team_edits`, so
the permission check (the team's head, or an admin), the validation and the audit trail
are the app's.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from cxos.cli.args import add_actor, add_format, date, open_db
from cxos.cli.output import emit, line

COLUMNS = (
    "id",
    "received_on",
    "sentiment",
    "stage",
    "touchpoint",
    "text",
    "action_id",
    "response",
    "closed_on",
)


def register(sub: Any) -> None:
    """Add `feedback list|link|new-action|close`."""
    group = sub.add_parser("feedback", help="list and answer customer feedback routed to a team")
    verbs = group.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = verbs.add_parser("list", help="a team's open feedback, negative first")
    p.add_argument("--team", required=True, metavar="TEAM_ID")
    p.add_argument("--all", action="store_true", help="answered and closed feedback too")
    add_format(p)
    p.set_defaults(run=run_list)

    p = verbs.add_parser("link", help="answer feedback with one of the team's actions")
    p.add_argument("feedback_id", metavar="FEEDBACK_ID")
    p.add_argument("action_id", metavar="ACTION_ID")
    add_actor(p)
    p.add_argument("--response", help="a written response too (optional)")
    p.set_defaults(run=run_link)

    p = verbs.add_parser("new-action", help="answer feedback with a new action for its team")
    p.add_argument("feedback_id", metavar="FEEDBACK_ID")
    add_actor(p)
    p.add_argument("--title", required=True, help="the new action's title")
    p.add_argument("--goal", required=True, metavar="GOAL_ID", help="the goal it serves")
    p.add_argument("--due", required=True, type=date, help="its due date")
    p.add_argument("--response", help="a written response too (optional)")
    p.set_defaults(run=run_new_action)

    p = verbs.add_parser("close", help="close feedback with a written response (no action)")
    p.add_argument("feedback_id", metavar="FEEDBACK_ID")
    add_actor(p)
    p.add_argument("--response", required=True, help="why no (further) action is taken")
    p.add_argument("--on", type=date, help="closing date (default today)")
    p.set_defaults(run=run_close)


def run_list(args: argparse.Namespace) -> int:
    from cxos.work import team_reads

    emit(team_reads.feedback(open_db(args), args.team, everything=args.all), COLUMNS, args.format)
    return 0


def run_link(args: argparse.Namespace) -> int:
    from cxos.work import team_edits

    db = open_db(args)
    team_edits.link_feedback(
        db, args.actor, args.feedback_id, args.action_id, response=args.response
    )
    line(f"feedback {args.feedback_id} answered by action {args.action_id}")
    return 0


def run_new_action(args: argparse.Namespace) -> int:
    from cxos.work import team_edits

    action = {
        "title": args.title,
        "goal_id": args.goal,
        "due_date": args.due,
        "owner_id": args.actor,  # as in the inbox: whoever answers owns the new action
        "created_on": dt.date.today(),
        "status": "open",
    }
    saved = team_edits.answer_with_new_action(
        open_db(args), args.actor, args.feedback_id, action, response=args.response
    )
    line(f"feedback {saved.id} answered by a new action: {args.title}")
    return 0


def run_close(args: argparse.Namespace) -> int:
    from cxos.work import team_edits

    db = open_db(args)
    team_edits.close_feedback(db, args.actor, args.feedback_id, args.response, on=args.on)
    line(f"feedback {args.feedback_id} closed with a response")
    return 0
