"""Who someone is: people by id or email, and local accounts with argon2id password hashes.

Sites without an identity provider sign people in with a password kept here, in the
`accounts` table, as an argon2id hash (argon2-cffi's default) — never the password itself.
Managing accounts is a write like any other: it passes `cxos.identity.permissions` (kind
"accounts") and lands in the audit log, without the hash. `authenticate` spends the same
effort whether or not the person exists, so timing does not reveal who has an account.
"""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import ValidationError

from cxos.demo import marker
from cxos.identity import audit, permissions
from cxos.model.entities import Person, explain
from cxos.model.errors import InvalidInput, NotFound
from cxos.storage import Connection, Database, fetch_dicts

MIN_PASSWORD_LENGTH = 8
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a real password, only spends the same time")
_PERSON_COLUMNS = "id, name, email, team_id, role"


def _person(row: dict[str, Any] | None) -> Person | None:
    # Read back, not entering: the door's rules (lengths, reserved ids) judged it on the
    # way in, and a row stored before a rule existed must still be readable.
    fields = {k: row[k] for k in _PERSON_COLUMNS.split(", ")} if row else None
    return None if fields is None else Person.model_construct(**fields)


def person_from_form(**values: Any) -> Person:
    """A person as typed in a form, or `InvalidInput` saying what is wrong, field by field."""
    try:
        return Person(**values)
    except ValidationError as error:
        raise InvalidInput(f"the person is not valid: {explain(error)}") from error


def find_person(db: Database, person_id: str) -> Person | None:
    """The person with this id, or None."""
    rows = db.rows(f"SELECT {_PERSON_COLUMNS} FROM people WHERE id = ?", [person_id])
    return _person(rows[0] if rows else None)


def find_by_email(db: Database, email: str) -> Person | None:
    """The person with this email (case and surrounding blanks ignored), or None."""
    rows = db.rows(
        f"SELECT {_PERSON_COLUMNS} FROM people WHERE lower(trim(email)) = lower(trim(?)) "
        "ORDER BY id LIMIT 1",
        [email],
    )
    return _person(rows[0] if rows else None)


def find_login(db: Database, email_or_id: str) -> Person | None:
    """The person named by an email address or a person id, or None."""
    text = (email_or_id or "").strip()
    if not text:
        return None
    return find_by_email(db, text) if "@" in text else find_person(db, text)


def authenticate(db: Database, email_or_id: str, password: str) -> Person | None:
    """The person whose enabled account has this password, else None."""
    person = find_login(db, email_or_id)
    rows = (
        []
        if person is None
        else db.rows(
            "SELECT password_hash, disabled FROM accounts WHERE person_id = ?", [person.id]
        )
    )
    stored = rows[0]["password_hash"] if rows else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if not rows or rows[0]["disabled"] or person is None:
        return None
    if _HASHER.check_needs_rehash(stored):
        db.write(lambda con: _store_hash(con, person.id, _HASHER.hash(password)))
    return person


def has_account(db: Database, person_id: str) -> bool:
    """True when the person has an enabled local account."""
    return bool(
        db.scalar("SELECT count(*) FROM accounts WHERE person_id = ? AND NOT disabled", [person_id])
    )


def accounts(db: Database) -> list[dict[str, Any]]:
    """Every person with their account state: 'none', 'enabled', 'disabled' or 'erased'
    (erased on a data-protection request: no account, and none can be made)."""
    return db.rows(
        "SELECT p.id, p.name, p.email, p.team_id, p.role, CASE WHEN m.key IS NOT NULL "
        "THEN 'erased' WHEN a.person_id IS NULL THEN 'none' WHEN a.disabled THEN 'disabled' "
        "ELSE 'enabled' END AS account, a.updated_at FROM people p "
        "LEFT JOIN accounts a ON a.person_id = p.id "
        "LEFT JOIN meta m ON m.key = ? || p.id ORDER BY p.name",
        [permissions.ERASED_PREFIX],
    )


def set_password(db: Database, actor_id: permissions.Who, person_id: str, password: str) -> Person:
    """Create or replace the person's local account with this password (and enable it)."""
    _check_password(password)
    hashed = _HASHER.hash(password)

    def work(con: Connection) -> Person:
        permissions.require(con, actor_id, "accounts")
        person = _existing(con, person_id)
        _refuse_erased(con, person, "no sign-in account can be made for them")
        before = _account_row(con, person_id)
        _store_hash(con, person_id, hashed)
        marker.clear(con)  # a real password: no longer only the demo company
        audit.record(
            con,
            actor_id,
            "create" if before is None else "update",
            "accounts",
            person_id,
            "password",
            None,
            "(set)",
        )
        if before is not None and before["disabled"]:
            audit.record(con, actor_id, "update", "accounts", person_id, "disabled", True, False)
        return person

    return db.write(work)


add_account = set_password


def disable_account(db: Database, actor_id: permissions.Who, person_id: str) -> Person:
    """Disable the person's local account; they can no longer sign in with a password."""

    def work(con: Connection) -> Person:
        permissions.require(con, actor_id, "accounts")
        person = _existing(con, person_id)
        before = _account_row(con, person_id)
        if before is None:
            raise NotFound(f"{person.name} has no local account")
        if not before["disabled"]:
            con.execute(
                "UPDATE accounts SET disabled = TRUE, updated_at = current_timestamp "
                "WHERE person_id = ?",
                [person_id],
            )
            audit.record(con, actor_id, "update", "accounts", person_id, "disabled", False, True)
        return person

    return db.write(work)


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def _existing(con: Connection, person_id: str) -> Person:
    rows = fetch_dicts(con, f"SELECT {_PERSON_COLUMNS} FROM people WHERE id = ?", [person_id])
    if not rows:
        raise NotFound(f"there is no person with id {person_id!r}")
    return Person.model_construct(**rows[0])


def _refuse_erased(con: Connection, person: Person, so: str) -> None:
    """An erased person stays erased: nothing brings back a way to act as them or a name."""
    if permissions.erased(con, person.id):
        raise InvalidInput(
            f"{person.name} ({person.id}) was erased on a data-protection request: {so}; "
            "nothing was changed"
        )


def _account_row(con: Connection, person_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, "SELECT * FROM accounts WHERE person_id = ?", [person_id])
    return rows[0] if rows else None


def _store_hash(con: Connection, person_id: str, hashed: str) -> None:
    con.execute(
        "INSERT INTO accounts (person_id, password_hash, disabled, updated_at) "
        "VALUES (?, ?, FALSE, current_timestamp) ON CONFLICT (person_id) DO UPDATE SET "
        "password_hash = excluded.password_hash, disabled = FALSE, "
        "updated_at = excluded.updated_at",
        [person_id, hashed],
    )


def save_person(db: Database, actor_id: permissions.Who, person: Person) -> Person:
    """Create or update a person (administrators only; a role change needs "roles"), by
    the organisation editors' own functions: the same checks, audit and version."""
    from cxos.organisation import editing  # lazily: the editors load the bundle's checks

    person = person_from_form(**person.model_dump())  # however it was built, judged here
    fields = person.model_dump()
    if find_person(db, person.id) is None:
        editing.create_person(db, actor_id, fields)
    else:
        editing.update_person(db, actor_id, person.id, fields)
    return person
