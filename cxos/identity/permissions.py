"""Who may write what: the one check every write passes, from the app and the command line.

SPEC.md's table "Who may write what" lives here and nowhere else. Pages call `can` only to
hide controls a person may not use; the services (`cxos.work.checkins_readings`,
`cxos.identity.accounts`, the importer's callers) call `require` inside their transaction, so no
path can skip it. A refusal is a `PermissionDenied` whose message names the person, their role and
what they tried to change, so it can be shown as is.

Rules are data (`_RULES`): for each role, the write kinds it may make and the scope that
limits them — anywhere, its own team, its own business unit, or actions it owns.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Literal

from cxos.model.entities import Person
from cxos.model.errors import PermissionDenied
from cxos.storage import Connection, Database, fetch_dicts

WriteKind = Literal[
    "people",
    "roles",
    "accounts",
    "api_tokens",
    "import",
    "restore",
    "organisation",
    "journey",
    "objective",
    "meeting",
    "decision",
    "action",
    "goal",
    "metric",
    "reading",
    "check_in",
    "pulse",
    "feedback",
    "note",
]
WRITE_KINDS: tuple[WriteKind, ...] = typing.get_args(WriteKind)
Scope = Literal["any", "team", "business_unit", "owner"]

# What a refused person "may not change": "… may not change actions of Retail Stores".
NOUNS: dict[str, str] = {
    "people": "people",
    "roles": "roles",
    "accounts": "sign-in accounts",
    "api_tokens": "API tokens",
    "import": "data by import",
    "restore": "the database by a restore",
    "organisation": "the organisation",
    "journey": "the journey",
    "objective": "objectives",
    "meeting": "review meetings",
    "decision": "decisions",
    "action": "actions",
    "goal": "goals",
    "metric": "metrics",
    "reading": "metric readings",
    "check_in": "check-ins",
    "pulse": "pulse results",
    "feedback": "feedback",
    "note": "notes",
}

# role -> {kind: scope}. A missing kind is refused. Anyone may check in on actions they
# own (SPEC: champions and members; heads and steering as owners too).
_RULES: dict[str, dict[str, Scope]] = {
    "admin": {kind: "any" for kind in WRITE_KINDS},
    "steering": {
        "meeting": "any",
        "decision": "any",
        "action": "any",
        "note": "any",
        "check_in": "owner",
    },
    "head": {
        kind: "team"
        for kind in ("goal", "metric", "reading", "action", "check_in", "pulse", "feedback")
    },
    "champion": {"note": "business_unit", "check_in": "owner"},
    "member": {"check_in": "owner"},
}


class Operator:
    """Someone with direct access to the database file: the command line without --as.

    They could change the file anyway, so they act as an administrator. This is an object,
    not a string: no person row can have it as an id, so no one can borrow it by naming
    themselves after it (a person whose id is "@operator" is just that person). The audit
    log stores the operator's writes without a person (`audit.actor_column`) and names
    them "command-line operator". The app never uses it: its actor comes from sign-in.
    """

    _instance: Operator | None = None

    def __new__(cls) -> Operator:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "OPERATOR"


OPERATOR = Operator()


class TokenActor(str):
    """An API token making a write (`cxos.identity.tokens`): an operator like the one at the
    command line, but limited to its scope, and named in the log by the token's name.

    Its text is `@token:NAME`, what the audit log and `entered_by` store: person ids starting
    with "@" are refused at the door, so no person row can be taken for a token. Only an
    instance of this class is treated as a token: a plain string `@token:x` (a person id
    written into the file by other means) is an ordinary person, as for the operator.
    """

    name: str
    scope: str  # "read", "ingest" or "team:TEAM_ID"

    def __new__(cls, name: str, scope: str) -> TokenActor:
        actor = super().__new__(cls, TOKEN_PREFIX + name)
        actor.name = name
        actor.scope = scope
        return actor

    @property
    def team_id(self) -> str | None:
        """The team a `team:TEAM_ID` token acts for (None for other scopes)."""
        return self.scope.removeprefix("team:") if self.scope.startswith("team:") else None


TOKEN_PREFIX = "@token:"

# What a token's scope lets it write: scope kind -> {write kind: scope}. "team" here means
# the token's own team (`team:TEAM_ID`). A read token writes nothing.
_TOKEN_RULES: dict[str, dict[str, Scope]] = {
    "read": {},
    "ingest": {"reading": "any", "feedback": "any"},
    "team": {"reading": "team", "check_in": "team", "feedback": "team"},
}

# Who makes a write: a person id, an API token (a str), or the operator at the database file.
Who = str | Operator


@dataclass(frozen=True)
class Actor:
    """The person making a write, with the names a refusal message needs."""

    person: Person
    team_name: str
    business_unit_id: str | None
    business_unit_name: str


def require(
    db_or_con: Database | Connection,
    actor_id: Who | None,
    kind: str,
    *,
    team_id: str | None = None,
    business_unit_id: str | None = None,
    owner_id: str | None = None,
) -> Person:
    """The actor, if they may make a write of `kind` here; else raise PermissionDenied."""
    if kind not in NOUNS:
        raise ValueError(f"unknown write kind {kind!r}")
    if isinstance(actor_id, TokenActor):
        return _require_token(db_or_con, actor_id, kind, team_id)
    actor = _actor(db_or_con, actor_id)
    scope = _RULES[actor.person.role].get(kind)
    if kind == "check_in" and owner_id is not None and owner_id == actor.person.id:
        scope = "owner"  # whoever owns an action may check in on it
    if not _in_scope(db_or_con, actor, scope, team_id, business_unit_id, owner_id):
        raise PermissionDenied(_reason(db_or_con, actor, kind, team_id, business_unit_id))
    return actor.person


def can(
    db_or_con: Database | Connection,
    actor_id: Who | None,
    kind: str,
    *,
    team_id: str | None = None,
    business_unit_id: str | None = None,
    owner_id: str | None = None,
) -> bool:
    """True when `require` would accept the write (for hiding controls, never as the check)."""
    try:
        require(
            db_or_con,
            actor_id,
            kind,
            team_id=team_id,
            business_unit_id=business_unit_id,
            owner_id=owner_id,
        )
    except PermissionDenied:
        return False
    return True


def require_right(
    db_or_con: Database | Connection, actor_id: Who | None, kind: str, doing: str
) -> Person:
    """The actor, if their role may make writes of `kind` anywhere; else PermissionDenied.

    For what is not itself a write but goes with one (building a review pack goes with
    holding review meetings): the refusal says what they tried, `doing`, e.g. "Mia Park
    is a member of Billing and may not build review packs (…)".
    """
    if kind not in NOUNS:
        raise ValueError(f"unknown write kind {kind!r}")
    actor = _actor(db_or_con, actor_id)
    if _RULES[actor.person.role].get(kind) != "any":
        raise PermissionDenied(f"{actor.person.name} is {_role_phrase(actor)} and may not {doing}")
    return actor.person


# The `meta` key marking a person as erased (cxos/identity/erasure.py), followed by their id.
ERASED_PREFIX = "erased:"


def erased(db_or_con: Database | Connection, person_id: str) -> bool:
    """True when the person was erased on a data-protection request."""
    return bool(_query(db_or_con, "SELECT 1 FROM meta WHERE key = ?", [ERASED_PREFIX + person_id]))


def allowed_kinds(role: str) -> dict[str, Scope]:
    """The write kinds a role may make, with their scope (for help texts)."""
    return dict(_RULES.get(role, {}))


def require_read(actor_id: Who) -> None:
    """Refuse a read to an ingest-only token; every person and other token may read (SPEC)."""
    if isinstance(actor_id, TokenActor) and actor_id.scope == "ingest":
        raise PermissionDenied(
            f"API token {actor_id.name!r} is ingest-only: it sends readings and feedback, "
            "and reads nothing"
        )


def token_kinds(scope: str) -> dict[str, Scope]:
    """The write kinds a token of `scope` may make (for help texts and docs)."""
    return dict(_TOKEN_RULES.get(scope.split(":", 1)[0], {}))


# -- internals -------------------------------------------------------------------------


def _require_token(
    db_or_con: Database | Connection, token: TokenActor, kind: str, team_id: str | None
) -> Person:
    """The token as the actor, if its scope allows a write of `kind` for `team_id`."""
    scope = token_kinds(token.scope).get(kind)
    own_team = token.team_id
    allowed = scope == "any" or (scope == "team" and team_id is not None and team_id == own_team)
    if not allowed:
        who = f"API token {token.name!r} (scope {token.scope})"
        where = ""
        if scope == "team" and team_id is not None:
            where = f" of {_name(db_or_con, 'teams', team_id)}"
        raise PermissionDenied(f"{who} may not change {NOUNS[kind]}{where}; nothing was changed")
    # Built here, not entered, as for the operator: the token is no person row.
    return Person.model_construct(
        id=str(token), name=f"API token {token.name!r}", team_id=own_team or "-", role="admin"
    )


def _query(db_or_con: Database | Connection, sql: str, params: list[object]) -> list[dict]:
    if isinstance(db_or_con, Database):
        return db_or_con.rows(sql, params)
    return fetch_dicts(db_or_con, sql, params)


def _actor(db_or_con: Database | Connection, actor_id: Who | None) -> Actor:
    if isinstance(actor_id, Operator):
        # Built here, not entered: the operator is no person row.
        operator = Person.model_construct(
            id="-", name="the command-line operator", team_id="-", role="admin"
        )
        return Actor(operator, "-", None, "-")
    if not actor_id or not isinstance(actor_id, str):
        raise PermissionDenied("nobody is signed in; sign in to make changes")
    rows = _query(
        db_or_con,
        "SELECT p.id, p.name, p.email, p.team_id, p.role, t.name AS team_name, "
        "t.business_unit_id, b.name AS bu_name, coalesce(a.disabled, FALSE) AS disabled, "
        "m.key IS NOT NULL AS erased "
        "FROM people p LEFT JOIN teams t ON t.id = p.team_id "
        "LEFT JOIN business_units b ON b.id = t.business_unit_id "
        "LEFT JOIN accounts a ON a.person_id = p.id "
        "LEFT JOIN meta m ON m.key = ? || p.id WHERE p.id = ?",
        [ERASED_PREFIX, actor_id],
    )
    if not rows:
        raise PermissionDenied(f"there is no person with id {actor_id!r}; nothing was changed")
    row = rows[0]
    if row["erased"]:
        # Erased on a data-protection request (cxos/identity/erasure.py): no one acts as them.
        raise PermissionDenied(
            f"{row['name']} was erased on a data-protection request and can make no "
            "changes; nothing was changed"
        )
    if row["disabled"]:
        # A disabled account stops the person everywhere, not only at the sign-in page:
        # the command line's --as and the Python API pass through here too.
        raise PermissionDenied(
            f"{row['name']}'s account is disabled; nothing was changed "
            "(an administrator can enable it again by setting a password)"
        )
    person = Person.model_construct(  # read back: judged by the models' rules on entry
        id=row["id"], name=row["name"], email=row["email"], team_id=row["team_id"], role=row["role"]
    )
    return Actor(
        person, row["team_name"] or row["team_id"], row["business_unit_id"], row["bu_name"] or "?"
    )


def _team_unit(db_or_con: Database | Connection, team_id: str | None) -> str | None:
    if team_id is None:
        return None
    rows = _query(db_or_con, "SELECT business_unit_id FROM teams WHERE id = ?", [team_id])
    return rows[0]["business_unit_id"] if rows else None


def _in_scope(
    db_or_con: Database | Connection,
    actor: Actor,
    scope: Scope | None,
    team_id: str | None,
    business_unit_id: str | None,
    owner_id: str | None,
) -> bool:
    if scope == "any":
        return True
    if scope == "team":
        return team_id is not None and team_id == actor.person.team_id
    if scope == "business_unit":
        unit = business_unit_id or _team_unit(db_or_con, team_id)
        return unit is not None and unit == actor.business_unit_id
    if scope == "owner":
        return owner_id is not None and owner_id == actor.person.id
    return False


def _role_phrase(actor: Actor) -> str:
    role = actor.person.role
    if role == "head":
        return f"head of {actor.team_name}"
    if role == "champion":
        return f"CX champion for {actor.business_unit_name}"
    if role == "steering":
        return "on the steering committee"
    if role == "admin":
        return "an administrator"
    return f"a member of {actor.team_name}"


def _name(db_or_con: Database | Connection, table: str, row_id: str | None) -> str:
    if row_id is None:
        return "?"
    rows = _query(db_or_con, f"SELECT name FROM {table} WHERE id = ?", [row_id])
    return rows[0]["name"] if rows else row_id


def _reason(
    db_or_con: Database | Connection,
    actor: Actor,
    kind: str,
    team_id: str | None,
    business_unit_id: str | None,
) -> str:
    who = f"{actor.person.name} is {_role_phrase(actor)}"
    noun = NOUNS[kind]
    own_scope = _RULES[actor.person.role].get(kind)
    if kind == "check_in" and own_scope == "owner":
        return f"{who} and may only check in on actions they own"
    if own_scope == "business_unit":
        unit = business_unit_id or _team_unit(db_or_con, team_id)
        return f"{who} and may not change {noun} of {_name(db_or_con, 'business_units', unit)}"
    if own_scope == "team" and team_id is not None:
        return f"{who} and may not change {noun} of {_name(db_or_con, 'teams', team_id)}"
    return f"{who} and may not change {noun}"
