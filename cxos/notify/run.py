"""`notify` as a whole: plan who gets which message as of a day, then send and record it.

Planning reads the sent log, so what it plans is exactly what is still unsent:

- a digest of reminders when the person's frequency says one is due (daily: none sent
  yet that day; weekly: none in the last `weekly_days` days, so the first run reaches
  everyone with something waiting; off: never), holding the reminders not yet sent that day;
- one message with the escalations a person has not had before (each lapse once);
- one message per meeting ahead, with its agenda and its PDF pack attached.

Sending records each message's notices in the sent log and the audit log in one
transaction, right after the server took it: a failure later in the run leaves exactly
the messages sent recorded, and the next run sends the rest. People without an e-mail
address are planned (the dry run shows them) but nothing is sent or recorded for them;
they see their notices on My work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from cxos.identity import audit
from cxos.identity.permissions import OPERATOR
from cxos.notify import mail, store
from cxos.notify.config import NotifyConfig
from cxos.notify.mail import Attachment, Mail, MailServerError
from cxos.notify.rules import Notice, Settings, all_notices
from cxos.notify.store import DEFAULT_FREQUENCY, Recipient
from cxos.palette import counted, day
from cxos.storage import Connection, Database


@dataclass(frozen=True)
class Outcome:
    """What a run did: the messages planned, and which of them were sent."""

    planned: tuple[Mail, ...]
    sent: tuple[Mail, ...]


def plan(db: Database, as_of: dt.date, settings: Settings | None = None) -> list[Mail]:
    """The messages `notify` would send as of `as_of`, without any attachment built yet."""
    settings = settings or Settings.load()
    people = {p.id: p for p in store.people(db)}
    notices = all_notices(db, as_of, settings)
    sent = store.sent_keys(db)
    ever = {(person, key) for person, key, _day in sent}
    last = store.last_digests(db)
    chosen = store.frequencies(db)
    mails: list[Mail] = []
    for person_id, theirs in notices.items():
        person = people[person_id]
        today = [n for n in theirs if (person_id, n.key, as_of) not in sent]
        new = [n for n in today if n.kind == "reminder" or (person_id, n.key) not in ever]
        frequency = chosen.get(person_id, DEFAULT_FREQUENCY)
        if _digest_due(frequency, last.get(person_id), as_of, settings.notify):
            mails += _digest(person, [n for n in new if n.kind == "reminder"], as_of)
        mails += _escalations(person, [n for n in new if n.kind == "escalation"])
        mails += [_meeting(person, n) for n in new if n.kind == "meeting"]
    return mails


def _digest_due(frequency: str, last: dt.date | None, as_of: dt.date, config: NotifyConfig) -> bool:
    if frequency == "off":
        return False
    if last is None:
        return True
    gap = 1 if frequency == "daily" else config.weekly_days
    return (as_of - last).days >= gap


def _digest(person: Recipient, notices: list[Notice], as_of: dt.date) -> list[Mail]:
    if not notices:
        return []
    waiting = counted(len(notices), "thing")
    return [
        Mail(
            person.id,
            person.name,
            person.email,
            "reminder",
            f"CXOS: {waiting} waiting on you or your team (as of {day(as_of)})",
            tuple(notices),
            f"As of {as_of}, {waiting} waiting on you or your team:",
        )
    ]


def _escalations(person: Recipient, notices: list[Notice]) -> list[Mail]:
    if not notices:
        return []
    many = counted(len(notices), "escalation")
    return [
        Mail(
            person.id,
            person.name,
            person.email,
            "escalation",
            f"CXOS: {many} for you",
            tuple(notices),
            f"{many} reached you: work waiting past its grace period, for you to chase.",
        )
    ]


def _meeting(person: Recipient, notice: Notice) -> Mail:
    return Mail(
        person.id,
        person.name,
        person.email,
        "meeting",
        f"CXOS: {notice.title} — agenda and review pack",
        (notice,),
        "A review meeting you are invited to is coming up; its pack is attached.",
    )


PackBuilder = Callable[[Database, str], tuple[tuple[str, ...], Attachment]]


def review_pack(db: Database, meeting_id: str) -> tuple[tuple[str, ...], Attachment]:
    """A meeting's summary and agenda headings, and its PDF pack (the Meetings page's)."""
    from cxos.review import meetings, pack

    view = meetings.view(db, meeting_id)
    data = pack.content(view)
    agenda = tuple(data["summary"]) + tuple(
        f"{title} ({len(data['agenda'][key][1])})" for key, title in meetings.SECTIONS.items()
    )
    pdf = pack.build_pdf(view, charts=pack.browser_path() is not None)
    return agenda, Attachment(f"cxos-pack-{meeting_id}.pdf", pdf)


def send(
    db: Database,
    mails: list[Mail],
    as_of: dt.date,
    config: NotifyConfig,
    packs: PackBuilder = review_pack,
) -> list[Mail]:
    """Send `mails` to those with an address, recording each right after it went."""
    deliverable = [m for m in mails if m.address]
    if not deliverable:
        return []
    if not config.smtp_url or not config.smtp_from:
        raise MailServerError(
            "no mail server configured: set CXOS_SMTP_URL and CXOS_SMTP_FROM (or smtp_url and "
            "smtp_from under [notify] in cxos.toml); nothing was sent"
        )
    server = mail.parse_server(config.smtp_url)
    built: dict[str, tuple[tuple[str, ...], Attachment]] = {}
    sent: list[Mail] = []
    with mail.connected(server, config.smtp_timeout_seconds) as smtp:
        for message in deliverable:
            message = _with_pack(db, message, built, packs)
            try:
                mail.send(smtp, server, mail.build(message, config.smtp_from, config.app_url))
            except MailServerError as error:
                raise MailServerError(f"{error}; {_so_far(sent)}") from error
            db.write(partial(_record, message=message, as_of=as_of))
            sent.append(message)
    return sent


def _so_far(sent: list[Mail]) -> str:
    return f"{counted(len(sent), 'message')} sent before it were recorded, nothing after"


def _with_pack(
    db: Database,
    message: Mail,
    built: dict[str, tuple[tuple[str, ...], Attachment]],
    packs: PackBuilder,
) -> Mail:
    meeting_id = message.notices[0].meeting_id if message.kind == "meeting" else None
    if meeting_id is None:
        return message
    if meeting_id not in built:
        built[meeting_id] = packs(db, meeting_id)
    agenda, attachment = built[meeting_id]
    return replace(message, agenda=agenda, attachment=attachment)


def _record(con: Connection, *, message: Mail, as_of: dt.date) -> None:
    rows = [(n.key, n.rule, n.kind, n.title) for n in message.notices]
    store.record_sent(con, message.person_id, as_of, message.address, rows)
    for notice in message.notices:
        audit.record(
            con, OPERATOR, "send", "notification", message.person_id, notice.rule, None, notice.key
        )


def notify(
    db: Database, as_of: dt.date, *, dry_run: bool = False, settings: Settings | None = None
) -> Outcome:
    """Plan and (unless `dry_run`) send every message due as of `as_of`."""
    settings = settings or Settings.load()
    planned = plan(db, as_of, settings)
    sent = [] if dry_run else send(db, planned, as_of, settings.notify)
    return Outcome(tuple(planned), tuple(sent))
