"""`notify`: send the day's reminders, escalations and meeting packs by e-mail.

Idempotent per person, notice and day (the sent log in the database), so cron or a
systemd timer may run it as often as it likes; `--dry-run` prints who would get what and
sends nothing. See docs/notifications.md.
"""

from __future__ import annotations

import argparse
from typing import Any

from cxos.cli.args import add_as_of, add_format, as_of_date, open_db
from cxos.cli.output import emit, line

COLUMNS = ("person_id", "person", "email", "message", "rule", "title", "link", "sent")


def register(sub: Any) -> None:
    """Add `notify`."""
    p = sub.add_parser("notify", help="e-mail the day's reminders, escalations and meeting packs")
    add_as_of(p, "the day to notify for (default today)")
    p.add_argument("--dry-run", action="store_true", help="print who would get what; send nothing")
    add_format(p, "the table of notices (default table)")
    p.set_defaults(run=run_notify)


def run_notify(args: argparse.Namespace) -> int:
    from cxos.notify.rules import Settings
    from cxos.notify.run import notify

    settings = Settings.load()
    day = as_of_date(args)
    outcome = notify(open_db(args), day, dry_run=args.dry_run, settings=settings)
    sent_people = {(m.person_id, m.kind, m.subject) for m in outcome.sent}
    rows = [
        {
            "person_id": m.person_id,
            "person": m.name,
            "email": m.address or "",
            "message": m.kind,
            "rule": n.rule,
            "title": n.title,
            "link": n.link(settings.notify.app_url),
            "sent": (m.person_id, m.kind, m.subject) in sent_people,
        }
        for m in outcome.planned
        for n in m.notices
    ]
    emit(rows, COLUMNS, args.format)
    if args.format == "table":
        line(_summary(outcome, args.dry_run))
    return 0


def _summary(outcome: Any, dry_run: bool) -> str:
    from cxos.palette import counted

    planned = len(outcome.planned)
    without = sum(1 for m in outcome.planned if not m.address)
    if dry_run:
        return (
            f"dry run: {counted(planned, 'message')} would go out "
            f"({without} to people without an e-mail address, shown on My work only); nothing sent"
        )
    return f"{counted(len(outcome.sent), 'message')} sent; {without} for people without an address"
