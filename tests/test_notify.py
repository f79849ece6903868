"""Notices reach people: digests, escalations and meeting packs over a real SMTP server.

Each test starts aiosmtpd on 127.0.0.1 (tests/notify_fixtures.py) and runs the notifier
on the sample organisation with hand-made dates (`--as-of`), so nothing depends on today.
The story: everything was fresh on 2026-11-01; two Billing actions fell due on 2026-11-03
and were not finished — the head's own and a member's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from cxos.bundle.importer import import_rows
from cxos.model.errors import PermissionDenied
from cxos.notify import preferences, store
from cxos.notify.rules import notices_for
from cxos.notify.run import notify
from cxos.review.meetings import start_meeting
from cxos.storage import Database
from tests.notify_fixtures import (
    APP_URL,
    SENDER,
    Inbox,
    late_action,
    load_story,
    start_server,
)
from tests.sample import BILLING_COMPLAINT
from ui.navigation import REGISTRY

pytestmark = pytest.mark.both_stores

EARLY = dt.date(2026, 11, 6)  # 3 days late: within the head's grace period (7)
LATER = dt.date(2026, 11, 12)  # 9 days late: beyond it
SILENT = dt.date(2026, 12, 5)  # Billing silent for 34 days: beyond 28
HEAD, MEMBER, STEERING = "head@example.com", "member@example.com", "steer@example.com"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1, named by CXOS_SMTP_URL; its inbox."""
    inbox = Inbox()
    controller = start_server(inbox)
    monkeypatch.setenv("CXOS_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    monkeypatch.setenv("CXOS_SMTP_FROM", SENDER)
    monkeypatch.setenv("CXOS_APP_URL", APP_URL)
    try:
        yield inbox
    finally:
        controller.stop()


def plain(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def html(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]


def cxos(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXOS_DB": str(path)}
    return subprocess.run(
        [sys.executable, "-m", "cxos", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_head_with_overdue_items_gets_one_digest_with_links(db: Database, smtp: Inbox) -> None:
    load_story(db)
    notify(db, EARLY)
    [digest] = smtp.to(HEAD)
    assert "2 things waiting" in str(digest["Subject"])
    for part in (plain(digest), html(digest)):
        assert "Fix the refund backlog" in part and "Publish the tariff guide" in part
    link = f"{APP_URL}/my_work"
    assert f"Open: {link}" in plain(digest)
    assert f'href="{link}"' in html(digest)
    assert "my_work" in {page.url_path for page in REGISTRY if page.exists()}
    assert not [m for m in smtp.messages if "escalation" in str(m["Subject"])]


def test_running_notify_twice_sends_nothing_new(db: Database, smtp: Inbox) -> None:
    load_story(db)
    db.close()
    first = cxos(db.target, "notify", "--as-of", str(EARLY))
    assert first.returncode == 0, first.stderr
    count = len(smtp.messages)
    assert count >= 2 and smtp.to(HEAD) and smtp.to(MEMBER)
    again = cxos(db.target, "notify", "--as-of", str(EARLY), "--format", "json")
    assert again.returncode == 0, again.stderr
    assert len(smtp.messages) == count
    assert json.loads(again.stdout) == []
    entries = Database(db.target).rows(
        "SELECT count(*) AS n FROM audit_log WHERE entity = 'notification'"
    )
    assert entries[0]["n"] == len(store.sent_log(Database(db.target)))


def test_grace_period_escalates_to_the_head_then_steering(db: Database, smtp: Inbox) -> None:
    load_story(db)
    notify(db, EARLY)
    assert not [m for m in smtp.messages if "escalation" in str(m["Subject"])]
    notify(db, LATER)
    [escalation] = [m for m in smtp.to(HEAD) if "escalation" in str(m["Subject"])]
    assert "Publish the tariff guide" in plain(escalation)
    assert "late beyond the grace period (7 days)" in plain(escalation)
    assert not smtp.to(STEERING)
    notify(db, SILENT)
    [silent] = [m for m in smtp.to(STEERING) if "escalation" in str(m["Subject"])]
    assert "Billing" in plain(silent)
    assert "no check-in and no reading for longer than allowed (28 days)" in plain(silent)
    assert f'href="{APP_URL}/team?team=t_billing"' in html(silent)


def test_off_stops_reminders_but_not_escalations_to_steering(db: Database, smtp: Inbox) -> None:
    load_story(db)
    preferences.set_frequency(db, "p_member", "p_member", "off")
    preferences.set_frequency(db, "p_head", "p_head", "off")  # the team escalated, too
    notify(db, EARLY)
    notify(db, SILENT)
    assert not smtp.to(MEMBER)
    assert not [m for m in smtp.to(HEAD) if "waiting" in str(m["Subject"])]
    assert [m for m in smtp.to(STEERING) if "Billing" in plain(m)]


def test_weekly_digest_counts_from_the_last_one_sent(db: Database, smtp: Inbox) -> None:
    load_story(db)
    notify(db, EARLY)
    notify(db, EARLY + dt.timedelta(days=6))
    assert len([m for m in smtp.to(MEMBER) if "waiting" in str(m["Subject"])]) == 1
    notify(db, EARLY + dt.timedelta(days=7))
    assert len([m for m in smtp.to(MEMBER) if "waiting" in str(m["Subject"])]) == 2


HOSTILE = '<img src=x onerror=alert(1)> <a href="http://evil.example">pay</a> \u202eevil &amp;'


def test_hostile_title_arrives_inert_in_both_parts(db: Database, smtp: Inbox) -> None:
    load_story(db, late_title=HOSTILE)
    notify(db, EARLY)
    [digest] = smtp.to(HEAD)
    shown = html(digest)
    assert "<img" not in shown and '<a href="http://evil' not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "&amp;amp;" in shown  # an entity in the title stays the text it was
    assert "http\u200b://evil.example" in shown  # no mail client makes a link of it
    text = plain(digest)
    assert '<img src=x onerror=alert(1)> <a href="http://evil.example">pay</a>' in text
    assert "\u202e" not in text and "\\u202eevil" in text  # the override shown, not obeyed


def test_meeting_ahead_sends_agenda_and_pdf_pack(db: Database, smtp: Inbox) -> None:
    load_story(db)
    start_meeting(db, "p_steer", EARLY + dt.timedelta(days=3), "Q4 review", ["p_head2"])
    notify(db, EARLY)
    for address in (STEERING, "head2@example.com"):
        [mail] = [m for m in smtp.to(address) if "review pack" in str(m["Subject"])]
        [pack] = list(mail.iter_attachments())
        assert pack.get_content_type() == "application/pdf"
        assert pack.get_content().startswith(b"%PDF")
        assert "Overdue actions" in plain(mail)
    assert not [m for m in smtp.to(HEAD) if "review pack" in str(m["Subject"])]  # not invited


def test_feedback_past_its_window_escalates_to_steering(db: Database, smtp: Inbox) -> None:
    load_story(db)
    import_rows(db, {"feedback": [BILLING_COMPLAINT]}, label="complaint")
    notify(db, EARLY)
    [escalation] = [m for m in smtp.to(STEERING) if "escalation" in str(m["Subject"])]
    assert "My bill doubled without warning" in plain(escalation)
    assert f"{APP_URL}/inbox?team=t_billing" in plain(escalation)


def test_unreachable_server_is_a_clear_message_and_nothing_recorded(
    db: Database, smtp: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_story(db)
    db.close()
    monkeypatch.setenv("CXOS_SMTP_URL", "smtp://127.0.0.1:9")  # nothing listens there
    failed = cxos(db.target, "notify", "--as-of", str(EARLY))
    assert failed.returncode == 1
    assert "cannot reach the mail server smtp://127.0.0.1:9" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert store.sent_log(Database(db.target)) == []
    monkeypatch.undo()


def test_a_password_is_not_sent_without_tls(db: Database, smtp: Inbox) -> None:
    load_story(db)
    db.close()
    plain_url = os.environ["CXOS_SMTP_URL"].replace("smtp://", "smtp://cxos:secret@")
    env = {**os.environ, "CXOS_SMTP_URL": plain_url, "CXOS_DB": str(db.target)}
    run = subprocess.run(
        [sys.executable, "-m", "cxos", "notify", "--as-of", str(EARLY)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 1
    assert "does not send a password in clear" in run.stderr
    assert "secret" not in run.stderr
    assert not smtp.messages
    assert store.sent_log(Database(db.target)) == []


def test_dry_run_prints_who_would_get_what_and_sends_nothing(db: Database, smtp: Inbox) -> None:
    load_story(db)
    db.close()
    run = cxos(db.target, "notify", "--as-of", str(EARLY), "--dry-run", "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert {"p_head", "p_member"} <= {r["person_id"] for r in rows}
    assert not any(r["sent"] for r in rows)
    assert not smtp.messages
    assert store.sent_log(Database(db.target)) == []


def test_someone_without_an_address_is_planned_but_nothing_recorded(
    db: Database, smtp: Inbox
) -> None:
    load_story(db)
    noone = {"id": "p_quiet", "name": "Quinn Quiet", "team_id": "t_billing", "role": "member"}
    import_rows(db, {"people": [noone]}, label="no address")
    import_rows(db, {"actions": [late_action("a_quiet", "Quiet work", "p_quiet")]}, label="x")
    outcome = notify(db, EARLY)
    assert "p_quiet" in {m.person_id for m in outcome.planned}
    assert "p_quiet" not in {m.person_id for m in outcome.sent}
    assert "p_quiet" not in {row["person_id"] for row in store.sent_log(db)}
    shown = {(n.rule, n.title) for n in notices_for(db, "p_quiet", EARLY)}  # on My work
    assert shown == {("overdue_action", "Quiet work"), ("check_in_due", "Quiet work")}


def test_a_person_sets_only_their_own_frequency(db: Database) -> None:
    load_story(db)
    preferences.set_frequency(db, "p_member", "p_member", "daily")
    with pytest.raises(PermissionDenied, match="only their own"):
        preferences.set_frequency(db, "p_head", "p_member", "off")
    preferences.set_frequency(db, "p_admin", "p_member", "off")  # an admin may
    assert preferences.frequency(db, "p_member") == "off"
    audited = db.rows(
        "SELECT actor_id, new_value FROM audit_log WHERE entity = 'notify_preference' ORDER BY id"
    )
    assert [(r["actor_id"], r["new_value"]) for r in audited] == [
        ("p_member", "daily"),
        ("p_admin", "off"),
    ]


def test_in_app_notices_are_the_mailed_ones(db: Database, smtp: Inbox) -> None:
    load_story(db)
    notify(db, LATER)
    lines = [line for m in smtp.to(HEAD) for line in plain(m).splitlines()]
    mailed = {line for line in lines if line.startswith("* ")}
    shown = {f"* {n.title} ({n.team})" for n in notices_for(db, "p_head", LATER)}
    assert mailed == shown
