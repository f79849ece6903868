"""The administrator's editors for the organisation and the journey, one function each.

Business units, teams (and their head), people and roles, journeys, phases, stages,
touchpoints and company objectives change here as the heads' goals change in
`cxos.work.team_edits`: one transaction that asks `cxos.identity.permissions.require`
(only an administrator may), re-reads the record, refuses a stale edit (`StaleOrgEdit`,
naming who changed it and what), judges the whole row with the import's own checks
(`team_edits.check_rows`: the row models' types, lengths, allowed values and references),
writes, bumps the version and logs old → new per field under the table's name. The audit
entity names are what keeps the derived scoring tables current (`cxos.storage.structure`):
a touchpoint's new owner re-derives the stage owners in the same transaction.

Ids are entered or generated; an entered id already held is refused (`Conflict`), since an
editor creating a record must never replace one as an import's merge would.

A stage's place is its order in its journey: inserting or moving one renumbers the
journey's stages 1, 2, 3… in one transaction, each changed position logged. A phase is
the `phase` text its stages share: renaming it renames it on each of them. Feedback follows
its touchpoint to a new stage or owner, so it stays routed as SPEC and the import require.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cxos.bundle.spec import BY_NAME
from cxos.identity import audit, permissions
from cxos.model.errors import Conflict, InvalidInput, NotFound, StaleWrite
from cxos.storage import Connection, Database, fetch_dicts
from cxos.work.team_edits import Saved, StaleEdit, check_rows, new_id


@dataclass(frozen=True)
class Kind:
    """A kind of record these editors write: its table (and bundle file), its name in
    words, the prefix of generated ids, the permission it needs and its naming field."""

    table: str
    noun: str
    prefix: str
    write: str
    label: str = "name"


KINDS: dict[str, Kind] = {
    kind.table: kind
    for kind in (
        Kind("business_units", "business unit", "bu", "organisation"),
        Kind("teams", "team", "t", "organisation"),
        Kind("people", "person", "p", "people"),
        Kind("journeys", "journey", "j", "journey"),
        Kind("stages", "stage", "s", "journey"),
        Kind("touchpoints", "touchpoint", "tp", "journey"),
        Kind("objectives", "objective", "o", "objective", "title"),
    )
}


class StaleOrgEdit(StaleEdit):
    """The record changed since the editor read it: says who changed it and which fields.
    `current` is the record as it is now."""

    def __init__(self, kind: Kind, current: dict[str, Any], last: tuple[str, list[str]] | None):
        self.entity = kind.table
        self.current = current
        by = "someone else" if last is None else last[0]
        what = "" if last is None or not last[1] else f"{', '.join(last[1])} changed; "
        StaleWrite.__init__(
            self,
            f"{kind.noun} {current.get(kind.label)!r} was changed by {by} while you were "
            f"editing ({what}now version {current.get('version')}); nothing was saved — "
            "check the current values and save again",
        )


# -- the shared steps ------------------------------------------------------------------------


def _current(con: Connection, table: str, record_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, f"SELECT * FROM {table} WHERE id = ?", [record_id])
    return rows[0] if rows else None


def _require_current(con: Connection, kind: Kind, record_id: str) -> dict[str, Any]:
    found = _current(con, kind.table, record_id)
    if found is None:
        raise NotFound(f"there is no {kind.noun} with id {record_id!r}", field="id")
    return found


def _check_version(con: Connection, kind: Kind, current: dict[str, Any], seen: int | None) -> None:
    if seen is not None and current["version"] != seen:
        raise StaleOrgEdit(kind, current, audit.last_change(con, kind.table, current["id"]))


def _row(fields: Mapping[str, Any], table: str) -> dict[str, Any]:
    """The bundle row of a record: its bundle columns only."""
    return {name: fields.get(name) for name in BY_NAME[table].column_names}


def _typed(fields: Mapping[str, Any]) -> dict[str, Any]:
    """What a form gave: text trimmed, blanks as None (stored text is left as it is)."""
    return {
        name: (value.strip() or None) if isinstance(value, str) else value
        for name, value in fields.items()
    }


def _judged(con: Connection, table: str, row: dict[str, Any]) -> None:
    """Refuse `row` unless the import would accept it as a row of `table`'s file; the
    refusal names each field in words ("business unit: is required but empty")."""
    errors = check_rows(con, table, [row])
    if errors:
        words = "; ".join(f"{field_words(e.column)}: {e.message}" for e in errors)
        raise InvalidInput(words, field=errors[0].column)


def field_words(column: str | None) -> str:
    """A bundle column as a form names it: `owner_team_id` is "owner team"."""
    if column is None:
        return "this record"
    return column.removesuffix("_id").replace("_", " ") if column != "id" else "id"


def _create_on(con: Connection, actor_id: permissions.Who, kind: Kind, fields: dict) -> Saved:
    permissions.require(con, actor_id, kind.write)
    row = _row(_typed(fields), kind.table)
    row["id"] = row["id"] or new_id(kind.prefix)
    held = _current(con, kind.table, row["id"])
    if held is not None:
        raise Conflict(
            f"there is already a {kind.noun} with id {row['id']!r} ({held[kind.label]}); "
            "choose another id, or leave it empty for a new one",
            field="id",
        )
    _judged(con, kind.table, row)
    names = list(row)
    con.execute(
        f"INSERT INTO {kind.table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [row[n] for n in names],
    )
    audit.record_changes(con, actor_id, kind.table, row["id"], None, row)
    return Saved(kind.table, row["id"], 1, True)


def _update_on(
    con: Connection,
    actor_id: permissions.Who,
    kind: Kind,
    record_id: str,
    changes: Mapping[str, Any],
    seen: int | None,
) -> tuple[Saved, dict[str, Any], dict[str, Any]]:
    """Change fields of a record: (what was saved, the row before, the row after)."""
    permissions.require(con, actor_id, kind.write)
    current = _require_current(con, kind, record_id)
    _check_version(con, kind, current, seen)
    before = _row(current, kind.table)
    after = _row({**before, **_typed(changes), "id": record_id}, kind.table)
    _judged(con, kind.table, after)
    changed = {name: after[name] for name in after if after[name] != before[name]}
    if not changed:
        return Saved(kind.table, record_id, int(current["version"]), False), before, after
    sets = ", ".join(f"{name} = ?" for name in changed)
    version = con.execute(
        f"UPDATE {kind.table} SET {sets}, version = version + 1 WHERE id = ? RETURNING version",
        [*changed.values(), record_id],
    ).fetchone()
    audit.record_changes(con, actor_id, kind.table, record_id, before, changed)
    return Saved(kind.table, record_id, int(version[0]), False), before, after  # type: ignore[index]


class Adds(Protocol):
    """An editor that adds a record of one kind: `fields` as a form gives them."""

    def __call__(self, db: Database, actor_id: permissions.Who, fields: Mapping) -> Saved: ...


class Changes(Protocol):
    """An editor that changes fields of one record, refusing a stale edit."""

    def __call__(
        self,
        db: Database,
        actor_id: permissions.Who,
        record_id: str,
        changes: Mapping,
        *,
        expected_version: int | None = None,
    ) -> Saved: ...


def _adds(table: str, doc: str) -> Adds:
    """The editor adding a `table` record as every kind does (an id generated when empty)."""

    def add(db: Database, actor_id: permissions.Who, fields: Mapping) -> Saved:
        return db.write(lambda con: _create_on(con, actor_id, KINDS[table], dict(fields)))

    add.__doc__ = doc
    return add


def _changes(table: str, doc: str) -> Changes:
    """The editor changing a `table` record as every kind does: checked, audited, versioned."""

    def change(
        db: Database,
        actor_id: permissions.Who,
        record_id: str,
        changes: Mapping,
        *,
        expected_version: int | None = None,
    ) -> Saved:
        kind = KINDS[table]
        return db.write(
            lambda con: _update_on(con, actor_id, kind, record_id, changes, expected_version)[0]
        )

    change.__doc__ = doc
    return change


# Business units, objectives, journeys, teams and touchpoints are added, and the first four
# changed, by the shared steps alone; people, stages and touchpoints' changes do more below.
create_business_unit = _adds("business_units", "Add a business unit: name, and an id.")
update_business_unit = _changes("business_units", "Rename a business unit.")
create_objective = _adds("objectives", "Add a company objective: title and its vision.")
update_objective = _changes("objectives", "Change an objective's title or vision.")
create_journey = _adds("journeys", "Add a journey (its stages are added one by one).")
update_journey = _changes("journeys", "Rename a journey.")
create_team = _adds("teams", "Add a team to a business unit: name, business_unit_id, id.")
update_team = _changes("teams", "Rename a team or move it to another business unit.")
create_touchpoint = _adds("touchpoints", "Add a touchpoint: stage, name, layer, channel, owner.")


# -- teams' heads -------------------------------------------------------------------------------


def set_team_head(
    db: Database,
    actor_id: permissions.Who,
    team_id: str,
    person_id: str,
    *,
    expected_version: int | None = None,
) -> Saved:
    """Make a person the head of a team (moving them into it); its other heads become
    members. A team's head is its person with role `head` (SPEC's roles); one at a time."""

    def work(con: Connection) -> Saved:
        permissions.require(con, actor_id, "roles")
        team = KINDS["teams"]
        current = _require_current(con, team, team_id)
        _check_version(con, team, current, expected_version)
        others = con.execute(
            "SELECT id FROM people WHERE team_id = ? AND role = 'head' AND id <> ? ORDER BY id",
            [team_id, person_id],
        ).fetchall()
        for (other,) in others:
            _person_on(con, actor_id, other, {"role": "member"}, None)
        _person_on(con, actor_id, person_id, {"team_id": team_id, "role": "head"}, None)
        version = con.execute(
            "UPDATE teams SET version = version + 1 WHERE id = ? RETURNING version", [team_id]
        ).fetchone()
        return Saved("teams", team_id, int(version[0]), False)  # type: ignore[index]

    return db.write(work)


# -- people and roles -----------------------------------------------------------------------------


def create_person(db: Database, actor_id: permissions.Who, fields: Mapping) -> Saved:
    """Add a person: name, email, team and role (a role other than member needs "roles")."""

    def work(con: Connection) -> Saved:
        if (fields.get("role") or "member") != "member":
            permissions.require(con, actor_id, "roles")
        return _create_on(con, actor_id, KINDS["people"], dict(fields))

    return db.write(work)


def update_person(
    db: Database,
    actor_id: permissions.Who,
    person_id: str,
    changes: Mapping,
    *,
    expected_version: int | None = None,
) -> Saved:
    """Change a person's name, email, team or role; an erased person cannot be changed."""
    return db.write(lambda con: _person_on(con, actor_id, person_id, changes, expected_version))


def _person_on(
    con: Connection,
    actor_id: permissions.Who,
    person_id: str,
    changes: Mapping,
    seen: int | None,
) -> Saved:
    permissions.require(con, actor_id, "people")
    if permissions.erased(con, person_id):
        raise InvalidInput(
            f"{person_id} was erased on a data-protection request: their row cannot be "
            "edited; nothing was changed"
        )
    current = _require_current(con, KINDS["people"], person_id)
    if "role" in changes and changes["role"] != current["role"]:
        permissions.require(con, actor_id, "roles")
    return _update_on(con, actor_id, KINDS["people"], person_id, changes, seen)[0]


# -- stages and phases ---------------------------------------------------------------------------


def create_stage(
    db: Database, actor_id: permissions.Who, fields: Mapping, *, place: int | None = None
) -> Saved:
    """Add a stage to a journey at `place` (1 = first; None = last): journey_id, phase,
    name, id. The stages from that place on move one down, in the same transaction."""

    def work(con: Connection) -> Saved:
        order = _order(con, str(fields.get("journey_id") or ""))
        at = _clamped(place, len(order) + 1)
        saved = _create_on(con, actor_id, KINDS["stages"], {**fields, "position": at})
        order.insert(at - 1, saved.id)
        _renumber(con, actor_id, order)
        return saved

    return db.write(work)


def update_stage(
    db: Database,
    actor_id: permissions.Who,
    stage_id: str,
    changes: Mapping,
    *,
    expected_version: int | None = None,
) -> Saved:
    """Rename a stage or move it to another phase (its `phase`); its journey stays."""
    if "journey_id" in changes or "position" in changes:
        raise InvalidInput("a stage's journey and place change only by moving it", field="position")
    kind = KINDS["stages"]
    return db.write(
        lambda con: _update_on(con, actor_id, kind, stage_id, changes, expected_version)[0]
    )


def move_stage(
    db: Database,
    actor_id: permissions.Who,
    stage_id: str,
    place: int,
    *,
    expected_version: int | None = None,
) -> Saved:
    """Move a stage to `place` in its journey (1 = first); the others close up around it."""

    def work(con: Connection) -> Saved:
        kind = KINDS["stages"]
        permissions.require(con, actor_id, kind.write)
        current = _require_current(con, kind, stage_id)
        _check_version(con, kind, current, expected_version)
        order = [s for s in _order(con, current["journey_id"]) if s != stage_id]
        order.insert(_clamped(place, len(order) + 1) - 1, stage_id)
        _renumber(con, actor_id, order)
        return Saved(
            "stages", stage_id, int(_require_current(con, kind, stage_id)["version"]), False
        )

    return db.write(work)


def rename_phase(
    db: Database,
    actor_id: permissions.Who,
    journey_id: str,
    phase: str,
    new_name: str,
    *,
    expected_versions: Mapping[str, int] | None = None,
) -> list[Saved]:
    """Rename a phase of a journey: every stage in it takes the new phase name.

    `expected_versions` are the versions of the phase's stages as the editor saw them; a
    stage changed, added to or taken from the phase meanwhile makes the rename stale.
    """

    def work(con: Connection) -> list[Saved]:
        permissions.require(con, actor_id, "journey")
        stages = [
            str(r[0])
            for r in con.execute(
                "SELECT id FROM stages WHERE journey_id = ? AND phase = ? ORDER BY position",
                [journey_id, phase],
            ).fetchall()
        ]
        if not stages:
            raise NotFound(f"journey {journey_id!r} has no phase {phase!r}", field="phase")
        seen = dict(expected_versions or {})
        if expected_versions is not None and set(seen) != set(stages):
            _phase_changed(con, sorted(set(seen) ^ set(stages))[0])
        return [
            _update_on(con, actor_id, KINDS["stages"], s, {"phase": new_name}, seen.get(s))[0]
            for s in stages
        ]

    return db.write(work)


def _phase_changed(con: Connection, stage_id: str) -> None:
    """Refuse a phase rename: this stage joined or left the phase since the editor read it."""
    kind = KINDS["stages"]
    current = _current(con, "stages", stage_id) or {"name": stage_id, "version": None}
    raise StaleOrgEdit(kind, current, audit.last_change(con, "stages", stage_id))


def _order(con: Connection, journey_id: str) -> list[str]:
    rows = con.execute(
        "SELECT id FROM stages WHERE journey_id = ? ORDER BY position, id", [journey_id]
    ).fetchall()
    return [str(r[0]) for r in rows]


def _clamped(place: int | None, last: int) -> int:
    return last if place is None else min(max(int(place), 1), last)


def _renumber(con: Connection, actor_id: permissions.Who, order: list[str]) -> None:
    """Give the stages of `order` positions 1, 2, 3…, logging each position that changes."""
    for position, stage_id in enumerate(order, start=1):
        old = con.execute("SELECT position FROM stages WHERE id = ?", [stage_id]).fetchone()
        if old is None or old[0] == position:
            continue
        con.execute(
            "UPDATE stages SET position = ?, version = version + 1 WHERE id = ?",
            [position, stage_id],
        )
        audit.record(con, actor_id, "update", "stages", stage_id, "position", old[0], position)


# -- touchpoints ---------------------------------------------------------------------------------


def update_touchpoint(
    db: Database,
    actor_id: permissions.Who,
    touchpoint_id: str,
    changes: Mapping,
    *,
    expected_version: int | None = None,
) -> Saved:
    """Change a touchpoint's name, layer, channel, stage or owning team.

    Its feedback follows it (stage and team), and feedback on its stage routed to the old
    owner through it alone goes to the new owner, so every feedback stays routed to a team
    owning its stage or touchpoint (SPEC; the import refuses otherwise).
    """

    def work(con: Connection) -> Saved:
        kind = KINDS["touchpoints"]
        saved, before, after = _update_on(
            con, actor_id, kind, touchpoint_id, changes, expected_version
        )
        if (before["stage_id"], before["owner_team_id"]) != (
            after["stage_id"],
            after["owner_team_id"],
        ):
            _reroute_feedback(con, actor_id, before, after)
        return saved

    return db.write(work)


_ON_TOUCHPOINT = "SELECT id FROM feedback WHERE touchpoint_id = ?"
# Feedback on the old stage, without a touchpoint, for a team that no longer owns any
# touchpoint there.
_STRANDED = """SELECT f.id FROM feedback f WHERE f.touchpoint_id IS NULL AND f.stage_id = ?
    AND f.team_id = ? AND NOT EXISTS (SELECT 1 FROM touchpoints tp
        WHERE tp.stage_id = f.stage_id AND tp.owner_team_id = f.team_id)"""


def _reroute_feedback(
    con: Connection, actor_id: permissions.Who, before: dict, after: dict
) -> None:
    follow = {"stage_id": after["stage_id"], "team_id": after["owner_team_id"]}
    for (feedback_id,) in con.execute(_ON_TOUCHPOINT, [after["id"]]).fetchall():
        _move_feedback(con, actor_id, str(feedback_id), follow)
    stranded = con.execute(_STRANDED, [before["stage_id"], before["owner_team_id"]]).fetchall()
    if stranded and after["stage_id"] != before["stage_id"]:
        raise InvalidInput(
            f"feedback {stranded[0][0]} on this touchpoint's stage is routed to its owner "
            "through this touchpoint alone; answer or re-route it before moving the "
            "touchpoint to another stage",
            field="stage_id",
        )
    for (feedback_id,) in stranded:
        _move_feedback(con, actor_id, str(feedback_id), {"team_id": after["owner_team_id"]})


def _move_feedback(
    con: Connection, actor_id: permissions.Who, feedback_id: str, changes: dict[str, Any]
) -> None:
    old = fetch_dicts(con, "SELECT stage_id, team_id FROM feedback WHERE id = ?", [feedback_id])[0]
    changed = {k: v for k, v in changes.items() if old[k] != v}
    if not changed:
        return
    sets = ", ".join(f"{name} = ?" for name in changed)
    con.execute(
        f"UPDATE feedback SET {sets}, version = version + 1 WHERE id = ?",
        [*changed.values(), feedback_id],
    )
    audit.record_changes(con, actor_id, "feedback", feedback_id, old, changed)
