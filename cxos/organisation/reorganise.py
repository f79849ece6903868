"""Reorganising without losing the past: retire instead of delete, merge two teams.

A team, stage, touchpoint, goal or metric is *retired as of a date* R (its `retired_on`):
scores, signals and the journey map as of a date before R still see it, as of R or later
they do not. Moving things keeps history the same way: a reassignment changes the row
(the goal's team, the touchpoint's stage) and keeps what it replaced in `reassignments`
(before R, the field had the old value), and a goal's link to a stage or a contributing
team ends on R (`retired_on`) while the new one starts on R (`valid_from`). Scoring reads
the organisation as it was on each date (cxos/storage/structure.py), so every score and
signal as of a date before R is what it was before the change.

Retiring something others depend on first says what depends on it (`dependants`): the
touchpoints, goals, open actions, people, feedback and contributions of a team; the
touchpoints, goals and feedback of a stage; the metrics of a goal. It is refused
(`DependantsExist`) unless they move (`move_to`: a team's to another team, which is
merging the two; a stage's to another stage) or the caller confirms they are retired
(touchpoints, goals, metrics) or unlinked (goals from a stage, a team's contributions)
with it. A merge moves goals, open actions,
touchpoints, people, feedback and contributions as of the date and retires the merged
team (feedback goes along because it is routed to the team owning its touchpoint).

Administrators only (checked here, below every page and command), every change audited
(old → new), each operation one transaction. docs/decisions.md ("Reorganising") says why.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from cxos.identity import audit, permissions
from cxos.model.errors import CxosError, InvalidInput, NotFound
from cxos.storage import Connection, Database, fetch_dicts

Kind = Literal["team", "stage", "touchpoint", "goal", "metric"]
KINDS: tuple[Kind, ...] = ("team", "stage", "touchpoint", "goal", "metric")
TABLES: dict[str, str] = {
    "team": "teams",
    "stage": "stages",
    "touchpoint": "touchpoints",
    "goal": "goals",
    "metric": "metrics",
}
# The column naming each kind in words.
_NAME = {"team": "name", "stage": "name", "touchpoint": "name", "goal": "title", "metric": "name"}
# The kinds whose dependants can move elsewhere: to another row of the same kind.
MOVABLE: tuple[Kind, ...] = ("team", "stage")

_DOING = "retire or merge parts of the organisation"
# Dependants that are links of a goal: the table and the column naming what it links to.
_LINKS = {
    "goal_stage": ("goal_stages", "stage_id"),
    "goal_contributor": ("goal_contributors", "team_id"),
}


class DependantsExist(CxosError):
    """Retiring this would leave others depending on it: move them or confirm."""

    def __init__(self, message: str, dependants: list[Dependant]):
        super().__init__(message)
        self.dependants = dependants


@dataclass(frozen=True)
class Dependant:
    """A row that depends on the one being retired: `kind` and id, its name, and how."""

    kind: str
    id: str
    name: str
    relation: str

    def __str__(self) -> str:
        return f"{self.relation} '{self.name}' ({self.id})"


@dataclass(frozen=True)
class Reorganised:
    """What an operation did: the row retired, and how many dependants moved or went."""

    kind: str
    id: str
    on: dt.date
    moved: int
    retired: int
    unlinked: int
    into: str | None = None

    def summary(self) -> str:
        done = f"{self.kind} {self.id} retired as of {self.on}"
        if self.into:
            done += f", its dependants moved to {self.into}"
        counts = [
            f"{n} {what}"
            for n, what in (
                (self.moved, "moved"),
                (self.retired, "retired with it"),
                (self.unlinked, "unlinked"),
            )
            if n
        ]
        return done + (f" ({', '.join(counts)})" if counts else "")


# -- what depends on what --------------------------------------------------------------------

# Alive as of $on: not retired on or before it.
_ALIVE = "(x.retired_on IS NULL OR x.retired_on > $on)"
_OPEN_ACTION = "x.status NOT IN ('done', 'cancelled')"

# kind -> [(relation, dependant kind, SQL over `x` of rows depending on $id, as of $on)]
_DEPENDANTS: dict[str, list[tuple[str, str, str]]] = {
    "team": [
        (
            "touchpoint owned",
            "touchpoint",
            f"SELECT x.id, x.name FROM touchpoints x WHERE x.owner_team_id = $id AND {_ALIVE}",
        ),
        (
            "goal owned",
            "goal",
            f"SELECT x.id, x.title FROM goals x WHERE x.team_id = $id AND {_ALIVE}",
        ),
        (
            "open action",
            "action",
            f"SELECT x.id, x.title FROM actions x WHERE x.team_id = $id AND {_OPEN_ACTION}",
        ),
        ("person", "person", "SELECT x.id, x.name FROM people x WHERE x.team_id = $id"),
        (
            "feedback routed to it",
            "feedback",
            "SELECT x.id, 'received ' || CAST(x.received_on AS VARCHAR) FROM feedback x "
            "WHERE x.team_id = $id",
        ),
        (
            "contributes to goal",
            "goal_contributor",
            f"""SELECT g.id, g.title FROM goal_contributors x JOIN goals g ON g.id = x.goal_id
            WHERE x.team_id = $id AND {_ALIVE} AND (g.retired_on IS NULL OR g.retired_on > $on)""",
        ),
    ],
    "stage": [
        (
            "touchpoint on it",
            "touchpoint",
            f"SELECT x.id, x.name FROM touchpoints x WHERE x.stage_id = $id AND {_ALIVE}",
        ),
        (
            "goal linked to it",
            "goal_stage",
            f"""SELECT g.id, g.title FROM goal_stages x JOIN goals g ON g.id = x.goal_id
            WHERE x.stage_id = $id AND {_ALIVE} AND (g.retired_on IS NULL OR g.retired_on > $on)""",
        ),
        (
            "feedback on it",
            "feedback",
            "SELECT x.id, 'received ' || CAST(x.received_on AS VARCHAR) FROM feedback x "
            "WHERE x.stage_id = $id",
        ),
    ],
    "touchpoint": [],
    "goal": [
        (
            "metric",
            "metric",
            f"SELECT x.id, x.name FROM metrics x WHERE x.goal_id = $id AND {_ALIVE}",
        ),
    ],
    "metric": [],
}


def _dependants(con: Connection, kind: str, row_id: str, on: dt.date) -> list[Dependant]:
    found = []
    for relation, dependant_kind, sql in _DEPENDANTS[kind]:
        # Plain `?` parameters, in the order the statement names them (a write's reads run
        # on PostgreSQL too).
        values = {"$id": row_id, "$on": on}
        params = [values[name] for name in re.findall(r"\$id|\$on", sql)]
        statement = re.sub(r"\$id|\$on", "?", sql)
        for row in con.execute(statement + " ORDER BY 2, 1", params).fetchall():
            found.append(Dependant(dependant_kind, row[0], row[1], relation))
    return found


def dependants(db: Database, kind: str, row_id: str, on: dt.date) -> list[Dependant]:
    """What depends on the `kind` row `row_id` as of `on`, for a page or command to show
    before retiring it."""
    _check_kind(kind)
    return db.read(lambda con: _dependants(con, kind, row_id, on))


def choices(db: Database, kind: str, on: dt.date) -> list[dict[str, Any]]:
    """The rows of `kind` alive as of `on` (id, name), by name: what can be retired or
    receive another's dependants."""
    _check_kind(kind)
    table = TABLES[kind]
    return db.rows(
        f"SELECT x.id, x.{_NAME[kind]} AS name FROM {table} x WHERE {_ALIVE.replace('$on', '?')} "
        "ORDER BY 2, 1",
        [on],
    )


# -- operations --------------------------------------------------------------------------------


def retire(
    db: Database,
    actor_id: permissions.Who,
    kind: str,
    row_id: str,
    on: dt.date,
    *,
    move_to: str | None = None,
    confirm: bool = False,
) -> Reorganised:
    """Retire the `kind` row `row_id` as of `on`, in one audited transaction.

    Its dependants move to `move_to` (a team's or a stage's), or, with `confirm`, are
    retired or unlinked with it; with neither, `DependantsExist` lists them and nothing
    changes. A team retired with `move_to` is merged into that team (`merge_teams`).
    """
    _check_kind(kind)
    if kind == "team" and move_to is not None:
        return merge_teams(db, actor_id, row_id, move_to, on)
    return db.write(lambda con: _retire(con, actor_id, kind, row_id, on, move_to, confirm))


def merge_teams(
    db: Database, actor_id: permissions.Who, from_id: str, into_id: str, on: dt.date
) -> Reorganised:
    """Merge team `from_id` into `into_id` as of `on`: its goals, open actions, touchpoints,
    people and contributions to goals move to `into_id`, and `from_id` is retired. Scores
    and signals as of any date before `on` stay what they were."""
    return db.write(lambda con: _merge(con, actor_id, from_id, into_id, on))


def _retire(
    con: Connection,
    actor_id: permissions.Who,
    kind: str,
    row_id: str,
    on: dt.date,
    move_to: str | None,
    confirm: bool,
) -> Reorganised:
    permissions.require_right(con, actor_id, "organisation", _DOING)
    _require_alive(con, kind, row_id, on)
    found = _dependants(con, kind, row_id, on)
    if move_to is not None:
        if kind not in MOVABLE:
            raise InvalidInput(f"a {kind}'s dependants cannot move; confirm to retire them")
        if move_to == row_id:
            raise InvalidInput(f"{kind} {row_id} cannot move its dependants to itself")
        _require_alive(con, kind, move_to, on)
    elif found and not confirm:
        raise DependantsExist(_refusal(kind, row_id, found), found)
    moved = retired = unlinked = 0
    for dependant in found:
        if move_to is not None:
            _move(con, actor_id, kind, row_id, dependant, move_to, on)
            moved += 1
        elif dependant.kind in TABLES:  # a touchpoint, goal or metric goes with it
            _retire_row(con, actor_id, TABLES[dependant.kind], dependant.id, on)
            retired += 1
        elif dependant.kind in _LINKS:  # a goal's link to the stage or the team
            table, column = _LINKS[dependant.kind]
            _end_link(con, actor_id, table, column, dependant.id, row_id, on)
            unlinked += 1
        # A retired team's open actions, people and feedback stay as they are: its history.
    _retire_row(con, actor_id, TABLES[kind], row_id, on)
    return Reorganised(kind, row_id, on, moved, retired, unlinked, move_to)


def _refusal(kind: str, row_id: str, found: list[Dependant]) -> str:
    listed = "; ".join(str(d) for d in found[:10])
    more = f"; and {len(found) - 10} more" if len(found) > 10 else ""
    how = "move them to another " + kind + " or confirm" if kind in MOVABLE else "confirm"
    return (
        f"{kind} {row_id} has {len(found)} dependant(s): {listed}{more}. "
        f"To retire it, {how} that they are retired or unlinked with it; nothing was changed"
    )


def _move(
    con: Connection,
    actor_id: permissions.Who,
    kind: str,
    row_id: str,
    dependant: Dependant,
    move_to: str,
    on: dt.date,
) -> None:
    """Move one dependant of stage `row_id` to stage `move_to` as of `on`."""
    assert kind == "stage"
    if dependant.kind in ("touchpoint", "feedback"):
        table = TABLES.get(dependant.kind, dependant.kind)
        _reassign(con, actor_id, table, dependant.id, "stage_id", move_to, on)
    else:
        _relink(con, actor_id, "goal_stages", "stage_id", dependant.id, row_id, move_to, on)


def _merge(
    con: Connection, actor_id: permissions.Who, from_id: str, into_id: str, on: dt.date
) -> Reorganised:
    permissions.require_right(con, actor_id, "organisation", _DOING)
    if from_id == into_id:
        raise InvalidInput(f"team {from_id} cannot be merged into itself")
    _require_alive(con, "team", from_id, on)
    _require_alive(con, "team", into_id, on)
    found = _dependants(con, "team", from_id, on)
    fields = {
        "touchpoint": ("touchpoints", "owner_team_id"),
        "goal": ("goals", "team_id"),
        "action": ("actions", "team_id"),
        "person": ("people", "team_id"),
        "feedback": ("feedback", "team_id"),
    }
    for dependant in found:
        if dependant.kind in fields:
            table, field = fields[dependant.kind]
            _reassign(con, actor_id, table, dependant.id, field, into_id, on)
        else:  # a contribution to a goal
            _relink(
                con, actor_id, "goal_contributors", "team_id", dependant.id, from_id, into_id, on
            )
    _retire_row(con, actor_id, "teams", from_id, on)
    audit.record(con, actor_id, "merge", "teams", from_id, "merged_into", None, into_id)
    return Reorganised("team", from_id, on, len(found), 0, 0, into_id)


_VERSIONED = frozenset({"goals", "metrics", "actions", "feedback"})

# -- the writes ----------------------------------------------------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in TABLES:
        raise InvalidInput(f"cannot retire a {kind!r}; choose one of {', '.join(KINDS)}")


def _require_alive(con: Connection, kind: str, row_id: str, on: dt.date) -> None:
    rows = fetch_dicts(con, f"SELECT retired_on FROM {TABLES[kind]} WHERE id = ?", [row_id])
    if not rows:
        raise NotFound(f"there is no {kind} with id {row_id!r}; nothing was changed")
    retired_on = rows[0]["retired_on"]
    if retired_on is not None and retired_on <= on:
        raise InvalidInput(f"{kind} {row_id} is retired as of {retired_on}; nothing was changed")


def _retire_row(
    con: Connection, actor_id: permissions.Who, table: str, row_id: str, on: dt.date
) -> None:
    old = con.execute(f"SELECT retired_on FROM {table} WHERE id = ?", [row_id]).fetchone()
    con.execute(f"UPDATE {table} SET retired_on = ? WHERE id = ?", [on, row_id])
    audit.record(con, actor_id, "retire", table, row_id, "retired_on", old[0] if old else None, on)


def _reassign(
    con: Connection,
    actor_id: permissions.Who,
    table: str,
    row_id: str,
    field: str,
    value: str,
    on: dt.date,
) -> None:
    """Set `table`.`field` of `row_id` to `value` as of `on`, keeping the old value for the
    dates before it (a `reassignments` row)."""
    row = con.execute(f"SELECT {field} FROM {table} WHERE id = ?", [row_id]).fetchone()
    old = row[0] if row else None
    if old is None or old == value:
        return
    latest = con.execute(
        "SELECT max(until) FROM reassignments WHERE entity = ? AND entity_id = ? AND field = ?",
        [table, row_id, field],
    ).fetchone()
    if latest and latest[0] is not None and latest[0] >= on:
        raise InvalidInput(
            f"{table} {row_id} was already reassigned as of {latest[0]}; a later move must "
            f"come after it, not on {on}; nothing was changed"
        )
    con.execute(
        "INSERT INTO reassignments (entity, entity_id, field, value, until) VALUES (?, ?, ?, ?, ?)",
        [table, row_id, field, old, on],
    )
    audit.record(
        con,
        actor_id,
        "create",
        "reassignments",
        f"{table}/{row_id}/{field}/{on}",
        "value",
        None,
        old,
    )
    # A record the heads' forms edit changes version, so an edit begun before is stale.
    bump = ", version = version + 1" if table in _VERSIONED else ""
    con.execute(f"UPDATE {table} SET {field} = ?{bump} WHERE id = ?", [value, row_id])
    audit.record(con, actor_id, "update", table, row_id, field, old, value)


def _end_link(
    con: Connection,
    actor_id: permissions.Who,
    table: str,
    column: str,
    goal_id: str,
    linked_id: str,
    on: dt.date,
) -> None:
    """End the link of goal `goal_id` to `linked_id` (`column` of `table`) as of `on`."""
    con.execute(
        f"UPDATE {table} SET retired_on = ? WHERE goal_id = ? AND {column} = ?",
        [on, goal_id, linked_id],
    )
    audit.record(con, actor_id, "retire", table, f"{goal_id}/{linked_id}", "retired_on", None, on)


def _relink(
    con: Connection,
    actor_id: permissions.Who,
    table: str,
    column: str,
    goal_id: str,
    old_id: str,
    new_id: str,
    on: dt.date,
) -> None:
    """Move goal `goal_id`'s link from `old_id` to `new_id` as of `on`: the old link ends,
    a new one starts (unless the goal is linked there already)."""
    _end_link(con, actor_id, table, column, goal_id, old_id, on)
    exists = con.execute(
        f"SELECT 1 FROM {table} WHERE goal_id = ? AND {column} = ?", [goal_id, new_id]
    ).fetchone()
    if exists:
        return
    con.execute(
        f"INSERT INTO {table} (goal_id, {column}, valid_from) VALUES (?, ?, ?)",
        [goal_id, new_id, on],
    )
    audit.record(con, actor_id, "create", table, f"{goal_id}/{new_id}", "valid_from", None, on)
