"""Erasing a person on a data-protection request: who they were goes, what they owned stays.

Their name becomes a placeholder ("Erased person 7f3a9c", the same for the same id every
time), their email is removed, and the free text they wrote becomes "[erased]": notes
they authored (title and body; tags removed), check-in notes they entered — or, for
check-ins that came in by import with no author recorded, those on actions they own —,
decisions and meeting titles they recorded, and feedback responses they gave last. Where
anyone else's free text mentions their name or email (a goal's title, customer feedback,
another person's check-in note: `MENTIONABLE`), the mention becomes the placeholder; so
does a mention of a name or email they had before (the audit log remembers those).

Ids stay, and with them who owned which goal and action, who entered which reading: no
score, signal or goal health as of any date reads a name or a text, so every past date
scores as before. The audit log keeps every entry, but its old and new values lose the
name, the email and those texts (earlier entries included), and so do the frozen copies
of closed review meetings and the notices sent (whose address is removed). Their local
account and sign-in attempts are deleted, and a mark (`meta` key `erased:ID`, see
`permissions.ERASED_PREFIX`) refuses them every later write and a new account.

Irreversible, for administrators only (checked here, below every entrance), one audited
transaction. docs/security.md ("Erasing a person") says what stays and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cxos.identity import audit, permissions
from cxos.model.errors import CxosError, NotFound, PermissionDenied
from cxos.storage import Connection, Database, fetch_dicts
from cxos.storage.contents import set_meta

ERASED_TEXT = "[erased]"
# A mention of the name elsewhere (the audit log, frozen meetings, notices) is replaced only
# when the name is at least this long: a shorter one would match inside other words.
_MENTION_MIN = 4


class AlreadyErased(CxosError):
    """The person was erased before: there is nothing of theirs left to erase."""


@dataclass(frozen=True)
class Authored:
    """Rows a person wrote: `table`'s rows matching `where` ($person is the person id),
    whose `texts` become "[erased]" and whose `cleared` columns become empty. The audit
    log names them as `table` entries (entity id: `key`), field by field. With `frozen`,
    closed meetings hold copies of the texts (their frozen JSON), erased there too."""

    table: str
    texts: tuple[str, ...]
    where: str
    cleared: tuple[str, ...] = ()
    key: str = "id"
    frozen: bool = False


# Feedback has no author column: its response is the person's when they logged it last.
_LAST_RESPONDED = """id IN (
    SELECT entity_id FROM (
        SELECT entity_id, actor_id,
            row_number() OVER (PARTITION BY entity_id ORDER BY id DESC) AS newest
        FROM audit_log WHERE entity = 'feedback' AND field = 'response'
    ) AS responses WHERE newest = 1 AND actor_id = $person)"""

AUTHORED: tuple[Authored, ...] = (
    Authored(
        "check_ins",
        ("note",),
        # Entered by them; or imported (by the operator or an administrator's import, so
        # the author is not recorded) on an action they own, which they most likely wrote.
        """note IS NOT NULL AND (entered_by = $person OR (
            (entered_by IS NULL OR source = 'import')
            AND action_id IN (SELECT id FROM actions WHERE owner_id = $person)))""",
    ),
    Authored("notes", ("title", "body"), "author_id = $person", cleared=("tags",)),
    Authored("decisions", ("text",), "created_by = $person", frozen=True),
    Authored("meetings", ("title",), "created_by = $person", frozen=True),
    Authored("feedback", ("response",), f"response IS NOT NULL AND {_LAST_RESPONDED}"),
    Authored("opportunity_ratings", ("note",), "rated_by = $person", key="stage_id"),
)


# Free text anyone may have written about someone: a mention of the person's name or email
# in it is replaced (the name by the placeholder), unlogged, since logging would keep it.
# Names of the organisation and the journey (teams, stages…) are not searched.
MENTIONABLE: dict[str, tuple[str, ...]] = {
    "goals": ("title", "success_statement"),
    "actions": ("title",),
    "metrics": ("name",),
    "objectives": ("title", "vision"),
    "check_ins": ("note",),
    "feedback": ("text", "response"),
    "notes": ("title", "body", "tags"),
    "decisions": ("text",),
    "meetings": ("title",),
    "notify_sent": ("title",),
    "opportunity_ratings": ("note",),
    "audit_log": ("old_value", "new_value"),
}


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, in counts (never the name it erased)."""

    person_id: str
    placeholder: str
    texts: int  # rows whose free text became "[erased]"
    meetings: int  # closed meetings whose frozen copy lost them
    account_removed: bool

    def summary(self) -> str:
        account = "; their sign-in account was removed" if self.account_removed else ""
        return (
            f"{self.person_id} is now {self.placeholder!r}: name and email erased, "
            f"{self.texts} texts they wrote replaced by {ERASED_TEXT}; the audit log and "
            f"{self.meetings} frozen meetings cleaned of them{account}"
        )


def placeholder_name(person_id: str) -> str:
    """The name an erased person goes by: the same for the same id, telling no more."""
    return "Erased person " + hashlib.sha256(person_id.encode()).hexdigest()[:6]


def erase_person(db: Database, actor_id: permissions.Who, person_id: str) -> Erasure:
    """Erase `person_id`'s name, email and free text (administrators only; irreversible)."""
    return db.write(lambda con: _erase(con, actor_id, person_id))


def check_erasable(db: Database, actor_id: permissions.Who, person_id: str) -> str:
    """The name of the person `actor_id` could erase (to ask for confirmation), or the
    refusal `erase_person` would give."""
    return str(db.read(lambda con: _erasable(con, actor_id, person_id))["name"])


def _erasable(con: Connection, actor_id: permissions.Who, person_id: str) -> dict[str, Any]:
    permissions.require_right(
        con, actor_id, "people", "erase people (administrators only); nothing was changed"
    )
    if isinstance(actor_id, str) and actor_id == person_id:
        raise PermissionDenied(
            "you cannot erase yourself; ask another administrator. Nothing was changed"
        )
    person = _person(con, person_id)
    if permissions.erased(con, person_id):
        raise AlreadyErased(f"{person_id} was erased already; nothing was changed")
    return person


def _erase(con: Connection, actor_id: permissions.Who, person_id: str) -> Erasure:
    person = _erasable(con, actor_id, person_id)
    placeholder = placeholder_name(person_id)
    mentions = _mentions(con, person, placeholder)  # before the audit log forgets them
    texts, erased_values = _erase_authored(con, person_id)
    _clean_audit(con, person_id, placeholder)
    _replace_mentions(con, mentions)
    meetings = _clean_frozen_meetings(con, _Scrub(mentions, erased_values))
    con.execute("UPDATE notify_sent SET address = NULL WHERE person_id = ?", [person_id])
    con.execute("UPDATE people SET name = ?, email = NULL WHERE id = ?", [placeholder, person_id])
    account_removed = _remove_account(con, person_id)
    set_meta(con, permissions.ERASED_PREFIX + person_id, dt.date.today().isoformat())
    result = Erasure(person_id, placeholder, texts, meetings, account_removed)
    audit.record(con, actor_id, "erase", "people", person_id, None, None, result.summary())
    return result


def _person(con: Connection, person_id: str) -> dict[str, Any]:
    rows = fetch_dicts(con, "SELECT id, name, email FROM people WHERE id = ?", [person_id])
    if not rows:
        raise NotFound(f"there is no person with id {person_id!r}; nothing was changed")
    return rows[0]


def _erase_authored(con: Connection, person_id: str) -> tuple[int, set[str]]:
    """Replace the texts of every row the person wrote, and their audit values; the number
    of rows, and the texts as they were that frozen meetings may hold copies of."""
    rows, values = 0, set[str]()
    for authored in AUTHORED:
        columns = authored.texts + authored.cleared
        found = fetch_dicts(
            con,
            f"SELECT CAST({authored.key} AS VARCHAR) AS key, {', '.join(columns)} "
            f"FROM {authored.table} WHERE {authored.where}",
            {"person": person_id},
        )
        if not found:
            continue
        keys = [row["key"] for row in found]
        if authored.frozen:
            values |= {row[c] for row in found for c in authored.texts if row[c]}
        assignments = [
            f"{c} = CASE WHEN {c} IS NULL THEN NULL ELSE '{ERASED_TEXT}' END"
            for c in authored.texts
        ]
        assignments += [f"{c} = NULL" for c in authored.cleared]
        con.execute(
            f"UPDATE {authored.table} SET {', '.join(assignments)} "
            f"WHERE CAST({authored.key} AS VARCHAR) = ANY(?::VARCHAR[])",
            [keys],
        )
        _erase_audit_values(con, authored.table, keys, columns)
        rows += len(found)
    return rows, values


def _erase_audit_values(
    con: Connection, entity: str, keys: list[str], fields: tuple[str, ...]
) -> None:
    """Every earlier value of those fields of those rows, in the audit log, erased too."""
    con.execute(
        "UPDATE audit_log SET "
        f"old_value = CASE WHEN old_value IS NULL THEN NULL ELSE '{ERASED_TEXT}' END, "
        f"new_value = CASE WHEN new_value IS NULL THEN NULL ELSE '{ERASED_TEXT}' END "
        "WHERE entity = ? AND entity_id = ANY(?::VARCHAR[]) AND field = ANY(?::VARCHAR[])",
        [entity, keys, list(fields)],
    )


def _clean_audit(con: Connection, person_id: str, placeholder: str) -> None:
    """The values of the person's own name and email in the audit log, earlier ones too."""
    con.execute(
        "UPDATE audit_log SET old_value = CASE WHEN old_value IS NULL THEN NULL "
        "WHEN field = 'name' THEN ? ELSE ? END, new_value = CASE WHEN new_value IS NULL "
        "THEN NULL WHEN field = 'name' THEN ? ELSE ? END "
        "WHERE entity = 'people' AND entity_id = ? AND field IN ('name', 'email')",
        [placeholder, ERASED_TEXT, placeholder, ERASED_TEXT, person_id],
    )


def _replace_mentions(con: Connection, mentions: list[tuple[str, str]]) -> None:
    """Every mention of the name or email in the free text of `MENTIONABLE`, replaced."""
    for mention, replacement in mentions:
        pattern = "(?i)" + _literal(mention)
        for table, columns in MENTIONABLE.items():
            for column in columns:
                replaced = f"regexp_replace({column}, ?, ?, 'g')"
                con.execute(
                    f"UPDATE {table} SET {column} = {replaced} WHERE {column} <> {replaced}",
                    [pattern, replacement, pattern, replacement],
                )


def _mentions(con: Connection, person: dict[str, Any], placeholder: str) -> list[tuple[str, str]]:
    """What to look for in others' text, and what replaces it: the person's name and email,
    and those they had before (the audit log's values of them), longest first."""
    former = fetch_dicts(
        con,
        "SELECT field, old_value, new_value FROM audit_log WHERE entity = 'people' "
        "AND entity_id = ? AND field IN ('name', 'email')",
        [person["id"]],
    )
    values = [("name", person["name"]), ("email", person["email"])]
    values += [(r["field"], r[column]) for r in former for column in ("old_value", "new_value")]
    found = {
        value.strip(): placeholder if field == "name" else ERASED_TEXT
        for field, value in values
        if value and (field == "email" or len(value.strip()) >= _MENTION_MIN)
    }
    return sorted(found.items(), key=lambda item: -len(item[0]))


def _literal(value: str) -> str:
    """`value` as a regular expression matching itself (RE2, as DuckDB's)."""
    return re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", value)


@dataclass(frozen=True)
class _Scrub:
    """Text the erasure takes out of copies: mentions of the name (become the placeholder)
    and email, and the person's texts as they were (become "[erased]")."""

    mentions: list[tuple[str, str]]
    texts: set[str]

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            if value in self.texts:
                return ERASED_TEXT
            for mention, replacement in self.mentions:
                value = re.sub(re.escape(mention), replacement, value, flags=re.IGNORECASE)
            return value
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def _clean_frozen_meetings(con: Connection, scrub: _Scrub) -> int:
    """Closed meetings keep what they reviewed, without the person's name or texts."""
    cleaned = 0
    for row in fetch_dicts(con, "SELECT id, frozen FROM meetings WHERE frozen IS NOT NULL"):
        before = json.loads(row["frozen"])
        after = scrub(before)
        if after != before:
            con.execute(
                "UPDATE meetings SET frozen = ? WHERE id = ?", [json.dumps(after), row["id"]]
            )
            cleaned += 1
    return cleaned


def _remove_account(con: Connection, person_id: str) -> bool:
    """Delete the local account (its password hash) and the sign-in attempts on it."""
    had = con.execute("SELECT count(*) FROM accounts WHERE person_id = ?", [person_id]).fetchone()
    con.execute("DELETE FROM accounts WHERE person_id = ?", [person_id])
    con.execute("DELETE FROM sign_in_attempts WHERE account = ?", [person_id])
    return bool(had and had[0])
