"""Commands about people, accounts, writes as a person, and the audit trail.

`check-in` and `reading` act as the person named by `--as` and pass the same permission
check and audit trail as the app, so a department head writes only for their own team.
Account commands act as `--as` when given, else as the operator at the database file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from typing import Any

from cxos.cli.output import FORMATS, emit, line
from cxos.identity import accounts, audit, permissions
from cxos.model.entities import ACTION_STATUSES
from cxos.model.errors import InvalidInput, NotFound
from cxos.storage import Database
from cxos.work.checkins_readings import record_check_in, record_reading


def register(sub: Any) -> None:
    """Add user, check-in, reading and audit to the `python -m cxos` parser."""
    _register_user(sub)
    p = sub.add_parser("check-in", help="record a check-in on an action, as a person")
    p.add_argument("action_id")
    p.add_argument("--as", dest="actor", required=True, metavar="PERSON_ID")
    p.add_argument("--status", required=True, choices=ACTION_STATUSES)
    p.add_argument("--progress", type=int, help="0-100 (default: the previous check-in's)")
    p.add_argument("--confidence", type=int, help="1-5; 1-2 need a --note")
    p.add_argument("--note")
    p.add_argument("--on", type=dt.date.fromisoformat, help="date (default today)")
    p.set_defaults(run=run_check_in)

    p = sub.add_parser("reading", help="record a metric reading, as a person")
    p.add_argument("metric_id")
    p.add_argument("value")
    p.add_argument("--as", dest="actor", required=True, metavar="PERSON_ID")
    p.add_argument("--on", type=dt.date.fromisoformat, help="date (default today)")
    p.set_defaults(run=run_reading)

    p = sub.add_parser("audit", help="show the audit log, newest first")
    p.add_argument("--since", type=dt.date.fromisoformat, help="only entries from this date")
    p.add_argument("--entity", help="only this entity, e.g. actions or check_ins")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--format", choices=FORMATS, default="table", help="table is tab-separated")
    p.set_defaults(run=run_audit)


def _register_user(sub: Any) -> None:
    user = sub.add_parser("user", help="manage local sign-in accounts")
    verbs = user.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb, text in (("add", "create an account"), ("passwd", "set a new password")):
        p = verbs.add_parser(verb, help=text)
        p.add_argument("person", metavar="PERSON", help="person id or email")
        p.add_argument("--password-stdin", action="store_true", help="read it from stdin")
        p.add_argument("--as", dest="actor", metavar="PERSON_ID", help="act as this admin")
        p.set_defaults(run=run_set_password)
    p = verbs.add_parser("disable", help="stop an account from signing in")
    p.add_argument("person", metavar="PERSON", help="person id or email")
    p.add_argument("--as", dest="actor", metavar="PERSON_ID", help="act as this admin")
    p.set_defaults(run=run_disable)


def _db(args: argparse.Namespace) -> Database:
    return Database(args.db)


def _person_id(db: Database, text: str) -> str:
    person = accounts.find_login(db, text)
    if person is None:
        raise NotFound(f"there is no person with id or email {text!r}")
    return person.id


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise InvalidInput("the two passwords differ; nothing was changed")
    return first


def run_set_password(args: argparse.Namespace) -> int:
    db = _db(args)
    person_id = _person_id(db, args.person)
    password = _read_password(args)
    person = accounts.set_password(db, args.actor or permissions.OPERATOR, person_id, password)
    line(f"password set for {person.name} ({person.id})")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    db = _db(args)
    actor = args.actor or permissions.OPERATOR
    person = accounts.disable_account(db, actor, _person_id(db, args.person))
    line(f"account of {person.name} ({person.id}) disabled")
    return 0


def run_check_in(args: argparse.Namespace) -> int:
    result = record_check_in(
        _db(args),
        args.actor,
        args.action_id,
        status=args.status,
        progress=args.progress,
        confidence=args.confidence,
        note=args.note,
        on=args.on,
    )
    done = "already recorded a moment ago, not recorded twice" if result.repeated else "recorded"
    line(
        f"check-in {done} on {result.action_id} for {result.checked_on}: {result.status}, "
        f"{result.progress}% (action is now {result.action_status})"
    )
    return 0


def run_reading(args: argparse.Namespace) -> int:
    result = record_reading(_db(args), args.actor, args.metric_id, args.value, on=args.on)
    replaced = "" if result.replaced is None else f" (replaced {result.replaced:g})"
    done = "already held, nothing changed" if result.repeated else "recorded"
    line(f"reading {done}: {result.metric_id} = {result.value:g} on {result.as_of}{replaced}")
    return 0


def run_audit(args: argparse.Namespace) -> int:
    entries = audit.entries(_db(args), since=args.since, entity=args.entity, limit=args.limit)
    rows = [
        {
            "logged_at": e.logged_at,
            "actor": e.who,
            "operation": e.operation,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "field": e.field,
            "old": e.old_value,
            "new": e.new_value,
        }
        for e in entries
    ]
    emit(rows, AUDIT_COLUMNS, args.format, aligned=False)
    return 0


AUDIT_COLUMNS = ("logged_at", "actor", "operation", "entity", "entity_id", "field", "old", "new")
