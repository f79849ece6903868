"""Commands about people, accounts, writes as a person, and the audit trail.

`check-in` and `reading` act as the person named by `--as` and pass the same permission
check and audit trail as the app, so a department head writes only for their own team.
Account commands act as `--as` when given, else as the operator at the database file.
Accounts (argon2), audit and the writes are imported when their command runs (see
`cxos.cli`).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Any

from cxos.cli.args import (
    LazyChoices,
    action_statuses,
    actor_or_operator,
    add_actor,
    add_admin,
    add_format,
    date,
    open_db,
)
from cxos.cli.output import emit, line
from cxos.model.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from cxos.storage import Database


def register(sub: Any) -> None:
    """Add user, person, check-in, reading and audit to the `python -m cxos` parser."""
    _register_user(sub)
    _register_person(sub)
    p = sub.add_parser("check-in", help="record a check-in on an action, as a person")
    p.add_argument("action_id")
    add_actor(p)
    p.add_argument(
        "--status",
        required=True,
        choices=LazyChoices(action_statuses),
        metavar="STATUS",
        help="one of %(choices)s",
    )
    p.add_argument("--progress", type=int, help="0-100 (default: the previous check-in's)")
    p.add_argument("--confidence", type=int, help="1-5; 1-2 need a --note")
    p.add_argument("--note")
    p.add_argument("--on", type=date, help="date (default today)")
    p.set_defaults(run=run_check_in)

    p = sub.add_parser("reading", help="record a metric reading, as a person")
    p.add_argument("metric_id")
    p.add_argument("value")
    add_actor(p)
    p.add_argument("--on", type=date, help="date (default today)")
    p.set_defaults(run=run_reading)

    p = sub.add_parser("audit", help="show the audit log, newest first")
    p.add_argument("--since", type=date, help="only entries from this date")
    p.add_argument("--entity", help="only this entity, e.g. actions or check_ins")
    p.add_argument("--limit", type=int, default=200)
    add_format(p, note="table is tab-separated")
    p.set_defaults(run=run_audit)


def _register_person(sub: Any) -> None:
    person = sub.add_parser("person", help="people: erase one on a data-protection request")
    verbs = person.add_subparsers(dest="verb", required=True, metavar="VERB")
    p = verbs.add_parser(
        "erase",
        help="replace a person's name, email and the texts they wrote by placeholders "
        "(irreversible; administrators)",
    )
    p.add_argument("person_id", metavar="PERSON_ID")
    add_actor(p)
    p.add_argument("--confirm", action="store_true", help="yes, erase them for good")
    p.set_defaults(run=run_erase)


def _register_user(sub: Any) -> None:
    user = sub.add_parser("user", help="manage local sign-in accounts")
    verbs = user.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb, text in (("add", "create an account"), ("passwd", "set a new password")):
        p = verbs.add_parser(verb, help=text)
        p.add_argument("person", metavar="PERSON", help="person id or email")
        p.add_argument("--password-stdin", action="store_true", help="read it from stdin")
        add_admin(p)
        p.set_defaults(run=run_set_password)
    p = verbs.add_parser("disable", help="stop an account from signing in")
    p.add_argument("person", metavar="PERSON", help="person id or email")
    add_admin(p)
    p.set_defaults(run=run_disable)


def _person_id(db: Database, text: str) -> str:
    from cxos.identity import accounts

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
    from cxos.identity import accounts

    db = open_db(args)
    person_id = _person_id(db, args.person)
    password = _read_password(args)
    person = accounts.set_password(db, actor_or_operator(args), person_id, password)
    line(f"password set for {person.name} ({person.id})")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    from cxos.identity import accounts

    db = open_db(args)
    actor = actor_or_operator(args)
    person = accounts.disable_account(db, actor, _person_id(db, args.person))
    line(f"account of {person.name} ({person.id}) disabled")
    return 0


def run_erase(args: argparse.Namespace) -> int:
    from cxos.identity import erasure

    db = open_db(args)
    if not args.confirm:
        name = erasure.check_erasable(db, args.actor, args.person_id)
        raise InvalidInput(
            f"erasing {name} ({args.person_id}) cannot be undone: add --confirm to erase "
            "them; nothing was changed"
        )
    result = erasure.erase_person(db, args.actor, args.person_id)
    line(f"erased: {result.summary()}")
    return 0


def run_check_in(args: argparse.Namespace) -> int:
    from cxos.work.checkins_readings import record_check_in

    result = record_check_in(
        open_db(args),
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
    from cxos.work.checkins_readings import record_reading

    result = record_reading(open_db(args), args.actor, args.metric_id, args.value, on=args.on)
    replaced = "" if result.replaced is None else f" (replaced {result.replaced:g})"
    done = "already held, nothing changed" if result.repeated else "recorded"
    line(f"reading {done}: {result.metric_id} = {result.value:g} on {result.as_of}{replaced}")
    return 0


def run_audit(args: argparse.Namespace) -> int:
    from cxos.identity import audit

    entries = audit.entries(open_db(args), since=args.since, entity=args.entity, limit=args.limit)
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
