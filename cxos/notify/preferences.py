"""Each person's digest frequency: daily, weekly (the default) or off.

A person sets their own; an administrator may set anyone's (the "people" write of
`cxos.identity.permissions`). The check is here, below the page and the command line,
and every change is audited. The frequency governs reminders only: escalations and
meeting packs are not the recipient's to switch off (SPEC: escalations to steering cannot
be switched off by the team escalated).
"""

from __future__ import annotations

from cxos.identity import audit, permissions
from cxos.identity.permissions import Who
from cxos.model.errors import InvalidInput, NotFound, PermissionDenied
from cxos.notify import store
from cxos.notify.store import DEFAULT_FREQUENCY, FREQUENCIES
from cxos.storage import Connection, Database

LABELS = {
    "daily": "Daily",
    "weekly": "Weekly",
    "off": "Off (escalations and meeting packs still come)",
}


def frequency(db: Database, person_id: str) -> str:
    """A person's digest frequency (weekly unless they chose otherwise)."""
    return db.read(lambda con: store.frequency_on(con, person_id)) or DEFAULT_FREQUENCY


def set_frequency(db: Database, actor: Who | None, person_id: str, chosen: str) -> str:
    """Set `person_id`'s digest frequency as `actor`; refused unless it is theirs or an admin's."""
    if chosen not in FREQUENCIES:
        raise InvalidInput(
            f"the digest frequency must be one of {', '.join(FREQUENCIES)}, not {chosen!r}; "
            "nothing was changed"
        )

    def work(con: Connection) -> str:
        name = store.person_name_on(con, person_id)
        if name is None:
            raise NotFound(f"there is no person with id {person_id!r}; nothing was changed")
        _check(con, actor, person_id)
        before = store.frequency_on(con, person_id)
        if before != chosen:
            store.store_frequency(con, person_id, chosen, audit.actor_column(actor))
            audit.record(
                con,
                actor,
                "update",
                "notify_preference",
                person_id,
                "frequency",
                before or DEFAULT_FREQUENCY,
                chosen,
            )
        return chosen

    return db.write(work)


def _check(con: Connection, actor: Who | None, person_id: str) -> None:
    if actor == person_id:
        # Anyone may check in on what they own, so this only asks that the actor is a
        # person whose account is not disabled.
        permissions.require(con, actor, "check_in", owner_id=person_id)
        return
    if not permissions.can(con, actor, "people"):
        who = store.person_name_on(con, actor) if isinstance(actor, str) else None
        raise PermissionDenied(
            f"{who or actor!r} may change only their own notification preferences; "
            "nothing was changed"
        )
