"""Signing in with a password: throttled per account and per client, every outcome audited.

Guessing passwords is slowed in two ways, both kept in the `sign_in_attempts` table so they
hold across reruns, sessions and server processes:

- per account: after `account_failures` wrong passwords for one account (with no
  successful sign-in in between, within `memory`), the account is refused for
  `first_wait`; each further run of `account_failures` failures doubles the wait, up to
  `longest_wait`. A person who forgot their password waits 15 minutes, not forever, and a
  correct password during the wait is refused too (else the wait would tell a guesser
  nothing was wrong with the guess).
- per client (the address the app sees, `ui.auth.client_id`): `client_failures` wrong
  passwords from one client within `client_window`, whatever the accounts, refuse that
  client until the oldest of them is older than `client_window`. It is not reset by a
  success, so a guesser cannot clear it with an account of their own.

A refused attempt is not checked and does not count as a failure, so the waits do not grow
while someone keeps hammering; the audit log gets one "throttled" entry when a wait
begins. Unknown logins are throttled exactly like real accounts (keyed by a hash of the
text typed, which is never stored), so the throttle does not tell who has an account.
The audit log (entity "sign_in") records every failed and successful sign-in with the
client; never the password, nor what was typed as a login.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cxos.identity import accounts, audit
from cxos.model.entities import Person
from cxos.storage import Connection, Database

FAILED = "failed"
SUCCEEDED = "succeeded"
THROTTLED = "throttled"
WRONG = "Wrong email or password, or the account is disabled."
CLIENT_MAX = 100  # characters of a client address kept (an IPv6 address has at most 45)


@dataclass(frozen=True)
class Limits:
    """How many wrong passwords, and how long a wait. Change the defaults in `LIMITS`."""

    account_failures: int = 5
    first_wait: dt.timedelta = dt.timedelta(minutes=15)
    longest_wait: dt.timedelta = dt.timedelta(hours=24)
    memory: dt.timedelta = dt.timedelta(hours=24)
    client_failures: int = 20
    client_window: dt.timedelta = dt.timedelta(minutes=15)


LIMITS = Limits()


@dataclass(frozen=True)
class Outcome:
    """What a sign-in attempt came to: the person, or a message saying why not."""

    person: Person | None
    message: str = ""
    retry_after: dt.datetime | None = None  # UTC, when throttled


def utc_now() -> dt.datetime:
    """Now, in UTC without a zone (the table's timestamps are UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def attempt(
    db: Database,
    login: str,
    password: str,
    client: str,
    *,
    now: dt.datetime | None = None,
    limits: Limits = LIMITS,
) -> Outcome:
    """Sign in with a password, unless the account or the client must wait first."""
    when = now or utc_now()
    client = (client or "unknown")[:CLIENT_MAX]
    person = accounts.find_login(db, login)
    account = person.id if person is not None else _unknown_key(login)
    # Asked in a read: most attempts find no wait, and a write costs every one of them.
    until, whose = db.read(lambda con: _wait(con, account, client, when, limits))
    if until is not None:
        db.write(lambda con: _note_wait(con, account, person, client, until, whose))
        return Outcome(None, _wait_message(until, when, whose), until)
    found = accounts.authenticate(db, login, password)
    db.write(lambda con: _record(con, account, person, found, client, when, limits))
    return Outcome(found) if found is not None else Outcome(None, WRONG)


def waiting_until(
    db: Database, login: str, client: str, *, now: dt.datetime | None = None
) -> dt.datetime | None:
    """When the account named by `login`, or the client, may try again (None: now)."""
    when = now or utc_now()
    person = accounts.find_login(db, login)
    account = person.id if person is not None else _unknown_key(login)
    return db.read(lambda con: _wait(con, account, client[:CLIENT_MAX], when, LIMITS)[0])


# -- internals -------------------------------------------------------------------------


def _unknown_key(login: str) -> str:
    # What was typed may be a password typed into the wrong box: keep only a hash of it.
    digest = hashlib.sha256((login or "").strip().lower().encode()).hexdigest()
    return f"?{digest[:32]}"


def _note_wait(
    con: Connection,
    account: str,
    person: Person | None,
    client: str,
    until: dt.datetime,
    whose: str,
) -> None:
    if not _already_told(con, account, client, until):
        _log(con, THROTTLED, person, client, until, whose)


def _wait(
    con: Connection, account: str, client: str, now: dt.datetime, limits: Limits
) -> tuple[dt.datetime | None, str]:
    """The later of the account's and the client's waits, and whose it is."""
    waits = [
        (until, whose)
        for until, whose in (
            (_account_wait(con, account, now, limits), "account"),
            (_client_wait(con, client, now, limits), "client"),
        )
        if until is not None and until > now
    ]
    return max(waits) if waits else (None, "")


def _account_wait(
    con: Connection, account: str, now: dt.datetime, limits: Limits
) -> dt.datetime | None:
    failures = [
        row[0]
        for row in con.execute(
            "SELECT attempted_at FROM sign_in_attempts WHERE account = ? AND outcome = ? "
            "AND attempted_at > greatest(?, coalesce((SELECT max(attempted_at) FROM "
            "sign_in_attempts WHERE account = ? AND outcome = ?), ?)) ORDER BY attempted_at",
            [account, FAILED, now - limits.memory, account, SUCCEEDED, now - limits.memory],
        ).fetchall()
    ]
    runs = len(failures) // limits.account_failures
    if runs == 0:
        return None
    began = failures[runs * limits.account_failures - 1]
    wait = min(limits.first_wait * 2 ** (runs - 1), limits.longest_wait)
    return began + wait  # type: ignore[no-any-return]


def _client_wait(
    con: Connection, client: str, now: dt.datetime, limits: Limits
) -> dt.datetime | None:
    recent = [
        row[0]
        for row in con.execute(
            "SELECT attempted_at FROM sign_in_attempts WHERE client = ? AND outcome = ? "
            "AND attempted_at > ? ORDER BY attempted_at DESC LIMIT ?",
            [client, FAILED, now - limits.client_window, limits.client_failures],
        ).fetchall()
    ]
    if len(recent) < limits.client_failures:
        return None
    return recent[-1] + limits.client_window  # type: ignore[no-any-return]


def _already_told(con: Connection, account: str, client: str, until: dt.datetime) -> bool:
    # One "throttled" audit entry per wait, however often someone knocks during it.
    row = con.execute(
        "SELECT count(*) FROM sign_in_attempts WHERE outcome = ? AND attempted_at = ? "
        "AND (account = ? OR client = ?)",
        [THROTTLED, until, account, client],
    ).fetchone()
    if row is not None and row[0]:
        return True
    con.execute(
        "INSERT INTO sign_in_attempts (attempted_at, account, client, outcome) VALUES (?, ?, ?, ?)",
        [until, account, client, THROTTLED],
    )
    return False


def _record(
    con: Connection,
    account: str,
    person: Person | None,
    found: Person | None,
    client: str,
    now: dt.datetime,
    limits: Limits,
) -> None:
    outcome = SUCCEEDED if found is not None else FAILED
    # Forget what no rule looks at any more, so the table stays small.
    oldest = now - max(limits.memory, limits.client_window, limits.longest_wait)
    con.execute("DELETE FROM sign_in_attempts WHERE attempted_at < ?", [oldest])
    con.execute(
        "INSERT INTO sign_in_attempts (attempted_at, account, client, outcome) VALUES (?, ?, ?, ?)",
        [now, account, client, outcome],
    )
    _log(con, outcome, person, client)


def _log(
    con: Connection,
    outcome: str,
    person: Person | None,
    client: str,
    until: dt.datetime | None = None,
    whose: str = "",
) -> None:
    # A failure has no actor (nobody is signed in yet): the log shows "sign-in page".
    actor = person.id if outcome == SUCCEEDED and person is not None else None
    target = person.id if person is not None else None
    if until is None:
        audit.record(con, actor, outcome, "sign_in", target, "client", None, client)
    else:
        stamp = f"{until:%Y-%m-%d %H:%M} UTC ({whose} waits; client {client})"
        audit.record(con, actor, outcome, "sign_in", target, "refused until", None, stamp)


def _wait_message(until: dt.datetime, now: dt.datetime, whose: str) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    who = "this account" if whose == "account" else "your network address"
    return (
        f"Too many wrong passwords for {who}: sign-in is paused. Try again after "
        f"{until:%H:%M} UTC (in {minutes} minute{'s' if minutes != 1 else ''})."
    )
