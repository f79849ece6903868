"""API tokens: how another system signs in to the HTTP API (`cxos.api`).

An administrator creates a token with a name, a scope and optionally an expiry date; the
token is shown once and only its SHA-256 hash is kept. A fast hash is right here, unlike
for passwords (argon2id in `accounts`): a token is 256 random bits, so no one can guess it
however fast they can hash, and a fast hash lets every request be checked by one indexed
lookup. A key (an HMAC) would add nothing: it would live beside the hashes, in the same
database or next to it.

Scopes (`permissions.TokenActor`): `read` reads everything and writes nothing; `ingest`
writes metric readings and feedback for any team; `team:TEAM_ID` writes readings, check-ins
and feedback for that team only. Creating and revoking tokens are writes of kind
"api_tokens" (administrators) and land in the audit log, never the token or its hash. A
revoked token keeps its name for good, so the log's entries under it name one token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from cxos.identity import audit, permissions
from cxos.identity.permissions import TokenActor, Who
from cxos.model.errors import CxosError, InvalidInput, NotFound
from cxos.storage import Connection, Database, database_now, fetch_dicts

PREFIX = "cxos_"
SCOPE_KINDS = ("read", "ingest", "team")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")
# Every call records when the token was last used; within this interval it is not written
# again, so a busy connector does not add a write to every request.
LAST_USED_EVERY = dt.timedelta(seconds=60)


class InvalidToken(CxosError):
    """No token, or one that is unknown, revoked or expired (the API answers 401)."""


@dataclass(frozen=True)
class TokenInfo:
    """A token as the admin page and `token list` show it (never the token itself)."""

    name: str
    scope: str
    created_by: str | None
    created_at: dt.datetime
    expires_on: dt.date | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    state: str  # "active", "expired" or "revoked"


def hash_token(token: str) -> str:
    """What is stored for a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_scope(con: Connection, scope: str) -> str:
    """`scope` if it is `read`, `ingest` or `team:TEAM_ID` of an existing team."""
    kind, _, team = scope.partition(":")
    if kind not in SCOPE_KINDS or (kind == "team") != bool(team):
        raise InvalidInput(
            f"the scope must be read, ingest or team:TEAM_ID, not {scope!r}", field="scope"
        )
    if team and not con.execute("SELECT 1 FROM teams WHERE id = ?", [team]).fetchone():
        raise NotFound(f"there is no team with id {team!r}", field="scope")
    return scope


def create_token(
    db: Database,
    actor_id: Who,
    name: str,
    scope: str,
    expires_on: dt.date | None = None,
) -> tuple[str, TokenInfo]:
    """A new token (shown once: the caller hands it over) and what is kept about it."""
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(
            "a token's name is 1 to 60 letters, digits, '.', '_' or '-', starting with a "
            f"letter or digit, not {name!r}",
            field="name",
        )
    if expires_on is not None and expires_on < dt.date.today():
        raise InvalidInput(f"the expiry date {expires_on} has passed", field="expires_on")
    token = PREFIX + secrets.token_urlsafe(32)

    def work(con: Connection) -> TokenInfo:
        permissions.require(con, actor_id, "api_tokens")
        check_scope(con, scope)
        if con.execute("SELECT 1 FROM api_tokens WHERE name = ?", [name]).fetchone():
            raise InvalidInput(
                f"there is already a token named {name!r} (names are never reused)", field="name"
            )
        con.execute(
            "INSERT INTO api_tokens (name, scope, token_hash, created_by, created_at, "
            "expires_on) VALUES (?, ?, ?, ?, current_timestamp, ?)",
            [name, scope, hash_token(token), audit.actor_column(actor_id), expires_on],
        )
        fields = {"scope": scope, "expires_on": expires_on}
        audit.record_changes(con, actor_id, "api_tokens", name, None, fields)
        return _info(_row(con, name))

    return token, db.write(work)


def revoke_token(db: Database, actor_id: Who, name: str) -> TokenInfo:
    """Stop a token from working, for good (revoking it again changes nothing)."""

    def work(con: Connection) -> TokenInfo:
        permissions.require(con, actor_id, "api_tokens")
        row = _row(con, name)
        if row["revoked_at"] is None:
            con.execute(
                "UPDATE api_tokens SET revoked_at = current_timestamp WHERE name = ?", [name]
            )
            audit.record(con, actor_id, "revoke", "api_tokens", name, "revoked", False, True)
        return _info(_row(con, name))

    return db.write(work)


def list_tokens(db: Database) -> list[TokenInfo]:
    """Every token, newest first, with its state today."""
    rows = db.rows("SELECT * FROM api_tokens ORDER BY created_at DESC, name")
    return [_info(row) for row in rows]


def authenticate(db: Database, token: str | None) -> TokenActor:
    """The token's actor, if it is known, not revoked and not expired; else InvalidToken.

    Records the time it was used (at most every `LAST_USED_EVERY`).
    """
    if not token or not token.startswith(PREFIX):
        raise InvalidToken("send a valid API token: Authorization: Bearer cxos_…")
    rows = db.rows("SELECT * FROM api_tokens WHERE token_hash = ?", [hash_token(token)])
    info = _info(rows[0]) if rows else None
    if info is None:
        raise InvalidToken("this API token is not known; ask an administrator for one")
    if info.state != "active":
        raise InvalidToken(f"API token {info.name!r} is {info.state}; ask an administrator")
    if info.last_used_at is None or info.last_used_at < db.read(database_now) - LAST_USED_EVERY:
        # One statement on its own (autocommit), not `db.write`: a write transaction that
        # logs nothing makes the derived scoring tables be re-derived whole, and a use is
        # no change to audit.
        db.session(
            lambda con: con.execute(
                "UPDATE api_tokens SET last_used_at = current_timestamp WHERE name = ?",
                [info.name],
            )
        )
    return TokenActor(info.name, info.scope)


def _row(con: Connection, name: str) -> dict[str, Any]:
    rows = fetch_dicts(con, "SELECT * FROM api_tokens WHERE name = ?", [name])
    if not rows:
        raise NotFound(f"there is no API token named {name!r}")
    return rows[0]


def _info(row: dict[str, Any]) -> TokenInfo:
    expires = row["expires_on"]
    if row["revoked_at"] is not None:
        state = "revoked"
    elif expires is not None and expires < dt.date.today():
        state = "expired"
    else:
        state = "active"
    return TokenInfo(
        row["name"],
        row["scope"],
        row["created_by"],
        row["created_at"],
        expires,
        row["last_used_at"],
        row["revoked_at"],
        state,
    )
