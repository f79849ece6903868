"""A real SMTP server for the notifier's tests, and the hand-made data they share.

aiosmtpd's Controller listens on 127.0.0.1 on a free port in a thread; every message it
takes is parsed with the standard library's e-mail parser and kept, so a test reads the
mail exactly as a mail client would receive it.
"""

from __future__ import annotations

import email
import socket
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from cxos.bundle.importer import import_rows
from cxos.storage import Database
from tests.sample import load_sample

APP_URL = "https://cxos.example/app"
SENDER = "CXOS <cxos@example.com>"


class Inbox:
    """What the server received, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to one address."""
        return [m for m in self.messages if address in str(m["To"])]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(inbox: Inbox) -> Controller:
    """aiosmtpd on 127.0.0.1, on a free port, taking messages into `inbox`."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def _fresh(on: str) -> dict[str, list[dict[str, Any]]]:
    """Check-ins on every sample action and readings of every metric on `on`."""
    return {
        "check_ins": [
            {"action_id": a, "checked_on": on, "status": "in_progress", "progress": 50}
            for a in ("a_bill", "a_champ", "a_store", "a_late", "a_mem")
        ],
        "metric_readings": [
            {"metric_id": m, "as_of": on, "value": 60} for m in ("m_bill", "m_store")
        ],
    }


def late_action(action_id: str, title: str, owner: str, due: str = "2026-11-03") -> dict[str, Any]:
    return {
        "id": action_id,
        "goal_id": "g_bill",
        "title": title,
        "owner_id": owner,
        "team_id": "t_billing",
        "created_on": "2026-10-01",
        "due_date": due,
        "status": "open",
    }


def load_story(db: Database, late_title: str = "Fix the refund backlog") -> Database:
    """The sample organisation, everything fresh on 2026-11-01, and two Billing actions due
    2026-11-03 that nobody finished: the head's own `a_late` and the member's `a_mem`."""
    load_sample(db)
    actions = [
        late_action("a_late", late_title, "p_head"),
        late_action("a_mem", "Publish the tariff guide", "p_member"),
    ]
    import_rows(db, {"actions": actions}, label="story")
    import_rows(db, _fresh("2026-11-01"), label="fresh")
    return db
