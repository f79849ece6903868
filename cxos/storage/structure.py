"""What scoring reads, kept ready: derived tables maintained on every write.

Scoring as of a date D reads the whole organisation's shape: which goals count, which of
them are measured and linked to a stage, which teams own which stages, which owners meet
in a goal, which consecutive stages hand over between different teams. None of that
depends on D except through each goal's dates, yet deriving it is most of the cost of
scoring a thousand teams (docs/performance.md). So it is derived once per change and
stored, with the goal dates alongside, in the `score_*` tables below; scoring filters them
by D and applies every formula itself (cxos/scoring/sql.py). They hold no formula of
SPEC.md and no comparison with a date.

Likewise each metric's latest reading and each action's latest check-in, over all dates
(`score_latest_readings`, `score_actions`): as of D, those on or before D are the latest
as of D, and scoring aggregates the readings and check-ins of the others only (none, as
of today), instead of a million rows. And the words and facts the signals read: each
stage's owners by name (`score_stage_names`), and negative feedback with the creation date
of the action answering it (`score_feedback`).

The tables are brought up to date inside the transaction that changed what they are
derived from, so they are never out of date and never half-built (`refresh_after`). The
audit log tells which tables a transaction touched: one that logged an entry for a table a
derived table reads updates that one (a metric's target: the goal and metric tables only),
row by row after an edit and whole after an import; one that logged nothing at all (a bulk
load, a hand-made test database) derives them all afresh. The tables of latest readings and
check-ins, and of feedback, are re-derived after an edit only for the metrics, actions and
feedback it names (`Derived.changed`): every reading and check-in is such an edit.
Set CXOS_VERIFY_STRUCTURE=1 (the test suite does) and every scoring query first checks
them against a fresh derivation (`stale_tables`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import duckdb

Connection = duckdb.DuckDBPyConnection

# Goals that can be in scope (every goal but a dropped one), with what A1 and L2 ask of
# them that does not depend on D: a metric with baseline and target, a linked stage.
# `objective_id` is one of the goal's objectives (the first by id), NULL with none: L2 asks
# only whether there is one.
_GOALS = """
SELECT g.id, g.team_id, g.owner_id,
    (SELECT min(objective_id) FROM goal_objectives WHERE goal_id = g.id) AS objective_id,
    g.start_date, g.end_date,
    g.id IN (SELECT goal_id FROM metrics WHERE baseline IS NOT NULL AND target IS NOT NULL)
        AS measured,
    g.id IN (SELECT goal_id FROM goal_stages) AS staged
FROM goals g WHERE g.status <> 'dropped'"""

# score_goals as migration 0004 derived it, when a goal had at most one objective in its own
# column: a new database still runs 0004 before 0013 makes goal_objectives.
_GOALS_BEFORE_0013 = """
SELECT g.id, g.team_id, g.owner_id, g.objective_id, g.start_date, g.end_date,
    g.id IN (SELECT goal_id FROM metrics WHERE baseline IS NOT NULL AND target IS NOT NULL)
        AS measured,
    g.id IN (SELECT goal_id FROM goal_stages) AS staged
FROM goals g WHERE g.status <> 'dropped'"""

# The tables below read score_goals (derived first) for which goals count and their dates,
# and score_stage_owners for who owns which stage, so that each is written once.

# The metrics of those goals, with their goal's team and dates.
_METRICS = """
SELECT m.id, m.goal_id, g.team_id, g.start_date, g.end_date, m.cadence_days, m.baseline,
    m.target
FROM metrics m JOIN score_goals g ON g.id = m.goal_id"""

# The teams taking part in each goal: its own team and its contributors.
_PARTICIPANTS = """
SELECT id AS goal_id, team_id FROM score_goals
UNION
SELECT goal_id, team_id FROM goal_contributors WHERE goal_id IN (SELECT id FROM score_goals)"""

# Every (stage, owner of the stage, goal linked to the stage that the owner takes part in),
# with the goal's dates; `bridged` when another owner of the stage takes part in it too.
_OWNER_GOALS = f"""
WITH participants AS ({_PARTICIPANTS}),
meetings AS (
    SELECT DISTINCT gs.stage_id, p.team_id, gs.goal_id
    FROM goal_stages gs JOIN participants p ON p.goal_id = gs.goal_id
    JOIN score_stage_owners o ON o.stage_id = gs.stage_id AND o.team_id = p.team_id
)
SELECT m.stage_id, m.team_id, m.goal_id, g.start_date, g.end_date,
    count(*) OVER (PARTITION BY m.stage_id, m.goal_id) >= 2 AS bridged
FROM meetings m JOIN score_goals g ON g.id = m.goal_id"""

# Every owner of a stage, with its number of touchpoints there; `shared` when the stage
# has two owners or more.
_STAGE_OWNERS = """
SELECT stage_id, owner_team_id AS team_id, count(*) AS touchpoints,
    count(*) OVER (PARTITION BY stage_id) >= 2 AS shared
FROM touchpoints GROUP BY stage_id, owner_team_id"""

# Each owned stage's owner team ids, sorted, and their names, sorted and comma-separated:
# the words of L4's items and of the stage signals.
_STAGE_NAMES = """
SELECT o.stage_id, list(o.team_id ORDER BY o.team_id) AS team_ids,
    string_agg(tm.name, ', ' ORDER BY tm.name) AS names
FROM score_stage_owners o JOIN teams tm ON tm.id = o.team_id
GROUP BY o.stage_id"""

# Consecutive stages of a journey (by position), both owned, with no owner in common.
_HANDOFFS = """
WITH owners AS (SELECT stage_id, team_id FROM score_stage_owners),
consecutive AS (
    SELECT id AS from_id, lead(id) OVER (PARTITION BY journey_id ORDER BY position) AS to_id
    FROM stages
)
SELECT c.from_id, c.to_id FROM consecutive c
WHERE c.from_id IN (SELECT stage_id FROM owners) AND c.to_id IN (SELECT stage_id FROM owners)
    AND NOT EXISTS (
        SELECT 1 FROM owners a JOIN owners b ON b.team_id = a.team_id
        WHERE a.stage_id = c.from_id AND b.stage_id = c.to_id)"""

# The goals that would bridge each of those hand-offs (score_handoffs) when in scope:
# linked to either stage, with an owner of each stage taking part.
_HANDOFF_GOALS = f"""
WITH participants AS ({_PARTICIPANTS}),
taking_part AS (
    SELECT DISTINCT p.goal_id, o.stage_id
    FROM participants p JOIN score_stage_owners o ON o.team_id = p.team_id
),
candidates AS (
    SELECT h.from_id, h.to_id, gs.goal_id
    FROM score_handoffs h JOIN goal_stages gs ON gs.stage_id = h.from_id
    UNION
    SELECT h.from_id, h.to_id, gs.goal_id
    FROM score_handoffs h JOIN goal_stages gs ON gs.stage_id = h.to_id
)
SELECT c.from_id, c.to_id, c.goal_id, g.start_date, g.end_date
FROM candidates c JOIN score_goals g ON g.id = c.goal_id
JOIN taking_part a ON a.goal_id = c.goal_id AND a.stage_id = c.from_id
JOIN taking_part b ON b.goal_id = c.goal_id AND b.stage_id = c.to_id"""


# Every metric's latest reading, over all dates. {keys:COLUMN} marks where a refresh of a
# few keys only restricts the rows read (see Derived).
_LATEST_READINGS = """
SELECT metric_id, max(as_of) AS read_on, arg_max(value, as_of) AS value
FROM metric_readings WHERE TRUE {keys:metric_id} GROUP BY metric_id"""

# Every action, with what scoring reads of it and its latest check-in over all dates.
_ACTIONS = """
SELECT a.id, a.team_id, a.goal_id, a.created_on, a.due_date, a.completed_on, a.status,
    c.checked_on AS last_checked_on
FROM actions a
LEFT JOIN (
    SELECT action_id, max(checked_on) AS checked_on FROM check_ins
    WHERE TRUE {keys:action_id} GROUP BY action_id
) c ON c.action_id = a.id
WHERE TRUE {keys:a.id}"""

# Negative feedback, with the creation date of the action that answers it (if any).
_FEEDBACK = """
SELECT f.id, f.team_id, f.stage_id, f.received_on, f.closed_on, a.created_on AS answered_on
FROM feedback f LEFT JOIN actions a ON a.id = f.action_id
WHERE f.sentiment = 'negative' {keys:f.id}"""


def _logged(entity: str, key: str = "entity_id") -> str:
    """`key` of the `entity` records the edit logged (its audit entries: `changes`)."""
    return f"SELECT {key} FROM changes WHERE entity = '{entity}'"


# The keys an edit changed. A reading is logged as METRIC_ID@YYYY-MM-DD
# (cxos/work/checkins_readings.py), a check-in by its id, an action and feedback by theirs.
_READ_METRICS = _logged("metric_readings", "left(entity_id, length(entity_id) - 11)")
_EDITED_ACTIONS = _logged("actions")
_CHECKED_ACTIONS = f"""SELECT action_id FROM check_ins
WHERE id IN ({_logged("check_ins", "TRY_CAST(entity_id AS BIGINT)")})"""
_EDITED_FEEDBACK = _logged("feedback")
_FEEDBACK_OF_ACTIONS = f"SELECT id FROM feedback WHERE action_id IN ({_EDITED_ACTIONS})"

_KEYS = re.compile(r"\{keys:([\w.]+)\}")


@dataclass(frozen=True)
class Derived:
    """A derived table: its columns, the query that derives its rows, and the tables that
    query reads (a write logged against one of them updates it).

    With `key` (one of its columns) and `changed` (for some of its sources, the SQL of the
    keys an edit of that source changed), an edit of those sources only re-derives the
    rows of those keys: `template` then restricts what it reads at its {keys:COLUMN} marks.
    """

    columns: str
    template: str
    sources: frozenset[str]
    key: str | None = None
    changed: Mapping[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [column.split()[0] for column in self.columns.split(", ")]

    @property
    def query(self) -> str:
        """Every row."""
        return _KEYS.sub("", self.template)

    def query_of(self, keys: str) -> str:
        """The rows of the keys listed by the subquery `keys`."""
        return _KEYS.sub(lambda mark: f"AND {mark[1]} IN ({keys})", self.template)

    def refreshed_by_keys(self, entities: set[str]) -> bool:
        """Whether an edit logged against `entities` changes rows of known keys only."""
        return self.key is not None and entities & self.sources <= self.changed.keys()


_GOAL_SOURCES = frozenset({"goals", "goal_stages", "goal_contributors", "touchpoints"})

# In the order they are derived (later ones read earlier ones; each lists the base tables
# behind what it reads). No keys: the rows are unique by derivation, and an index would
# only slow every rebuild.
TABLES: dict[str, Derived] = {
    "score_goals": Derived(
        "id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, owner_id VARCHAR, "
        "objective_id VARCHAR, start_date DATE NOT NULL, end_date DATE NOT NULL, "
        "measured BOOLEAN NOT NULL, staged BOOLEAN NOT NULL",
        _GOALS,
        frozenset({"goals", "metrics", "goal_stages", "goal_objectives"}),
    ),
    "score_metrics": Derived(
        "id VARCHAR NOT NULL, goal_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, "
        "start_date DATE NOT NULL, end_date DATE NOT NULL, cadence_days INTEGER NOT NULL, "
        "baseline DOUBLE, target DOUBLE",
        _METRICS,
        frozenset({"goals", "metrics"}),
    ),
    "score_stage_owners": Derived(
        "stage_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, touchpoints INTEGER NOT NULL, "
        "shared BOOLEAN NOT NULL",
        _STAGE_OWNERS,
        frozenset({"touchpoints"}),
    ),
    "score_owner_goals": Derived(
        "stage_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, goal_id VARCHAR NOT NULL, "
        "start_date DATE NOT NULL, end_date DATE NOT NULL, bridged BOOLEAN NOT NULL",
        _OWNER_GOALS,
        _GOAL_SOURCES,
    ),
    "score_handoffs": Derived(
        "from_id VARCHAR NOT NULL, to_id VARCHAR NOT NULL",
        _HANDOFFS,
        frozenset({"stages", "touchpoints"}),
    ),
    "score_handoff_goals": Derived(
        "from_id VARCHAR NOT NULL, to_id VARCHAR NOT NULL, goal_id VARCHAR NOT NULL, "
        "start_date DATE NOT NULL, end_date DATE NOT NULL",
        _HANDOFF_GOALS,
        _GOAL_SOURCES | {"stages"},
    ),
    "score_latest_readings": Derived(
        "metric_id VARCHAR NOT NULL, read_on DATE NOT NULL, value DOUBLE NOT NULL",
        _LATEST_READINGS,
        frozenset({"metric_readings"}),
        key="metric_id",
        changed={"metric_readings": _READ_METRICS},
    ),
    "score_actions": Derived(
        "id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, goal_id VARCHAR, created_on DATE NOT NULL, "
        "due_date DATE, completed_on DATE, status VARCHAR NOT NULL, last_checked_on DATE",
        _ACTIONS,
        frozenset({"actions", "check_ins"}),
        key="id",
        changed={"actions": _EDITED_ACTIONS, "check_ins": _CHECKED_ACTIONS},
    ),
    "score_stage_names": Derived(
        "stage_id VARCHAR NOT NULL, team_ids VARCHAR[] NOT NULL, names VARCHAR NOT NULL",
        _STAGE_NAMES,
        frozenset({"touchpoints", "teams"}),
    ),
    "score_feedback": Derived(
        "id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, stage_id VARCHAR NOT NULL, "
        "received_on DATE NOT NULL, closed_on DATE, answered_on DATE",
        _FEEDBACK,
        frozenset({"feedback", "actions"}),
        key="id",
        changed={"feedback": _EDITED_FEEDBACK, "actions": _FEEDBACK_OF_ACTIONS},
    ),
}

# The tables of migration 0004 (the organisation's shape) and of 0005 (latest readings and
# check-ins, stage owners' names, negative feedback and its answer).
SHAPE = tuple(TABLES)[:6]
ADDED_0005 = tuple(TABLES)[6:]

# One row that every refresh updates first. Each transaction derives from its own
# snapshot, and DuckDB only refuses two transactions writing the same row: two edits that
# each change rows the other does not write (two metrics of one goal losing their
# targets) would otherwise both commit a derivation that misses the other's change.
# Updating this row makes any two overlapping refreshes conflict, and the one retried
# (`retry_transaction`) derives again from what the other committed.
_CLAIM = "UPDATE score_structure SET version = version + 1"


# The tables as migrations before 0013 derived them (see _GOALS_BEFORE_0013).
BEFORE_0013 = {
    **TABLES,
    "score_goals": replace(TABLES["score_goals"], template=_GOALS_BEFORE_0013),
}


def created(names: Iterable[str], tables: Mapping[str, Derived] = TABLES) -> tuple[str, ...]:
    """What a new database or an upgraded one runs to create and fill the tables `names`
    (as `tables` defines them: a migration keeps the definitions of its time)."""
    return tuple(
        statement
        for name in names
        for statement in (
            f"CREATE TABLE {name} ({tables[name].columns})",
            f"INSERT INTO {name} {tables[name].query}",
        )
    )


def derived_again(names: Iterable[str]) -> tuple[str, ...]:
    """What a migration runs to derive the tables `names` afresh as they are now defined."""
    return tuple(
        statement
        for name in names
        for statement in (f"DELETE FROM {name}", f"INSERT INTO {name} {TABLES[name].query}")
    )


CLAIM_ROW = (
    "CREATE TABLE score_structure (version BIGINT NOT NULL)",
    "INSERT INTO score_structure VALUES (0)",
)


def rebuild(con: Connection, names: Iterable[str] = TABLES) -> None:
    """Derive the tables `names` (default all) afresh, inside the caller's transaction:
    for bulk changes (an import, a write the audit log does not describe)."""
    names = list(names)
    if names:
        con.execute(_CLAIM)
    for name in names:
        con.execute(f"DELETE FROM {name}")
        con.execute(f"INSERT INTO {name} {TABLES[name].query}")


def _update_rows(con: Connection, name: str) -> None:
    """Bring table `name` up to date writing only the rows that changed: for an edit,
    where replacing every row would commit, and leave behind until the next checkpoint,
    tens of thousands of rows on a big company."""
    table = TABLES[name]
    same = " AND ".join(f"f.{c} IS NOT DISTINCT FROM t.{c}" for c in table.column_names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE derived_rows AS {table.query}")
    con.execute(
        f"DELETE FROM {name} t WHERE NOT EXISTS (SELECT 1 FROM derived_rows f WHERE {same})"
    )
    con.execute(f"INSERT INTO {name} SELECT * FROM derived_rows EXCEPT SELECT * FROM {name}")
    con.execute("DROP TABLE derived_rows")


def _update_keys(con: Connection, name: str, entities: set[str], mark: int) -> None:
    """Re-derive the rows of table `name` whose keys the edit logged since `mark` changed."""
    table = TABLES[name]
    keys = " UNION ".join(table.changed[entity] for entity in sorted(entities & table.sources))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE changed_keys AS WITH changes AS ("
        f"SELECT entity, entity_id FROM audit_log WHERE id > $mark) SELECT * FROM ({keys}) k(key)",
        {"mark": mark},
    )
    changed = "SELECT key FROM changed_keys"
    con.execute(f"DELETE FROM {name} WHERE {table.key} IN ({changed})")
    con.execute(f"INSERT INTO {name} {table.query_of(changed)}")
    con.execute("DROP TABLE changed_keys")


def update(con: Connection, names: Iterable[str], entities: set[str], mark: int) -> None:
    """Bring the tables `names` up to date, inside the caller's transaction, with an edit
    that logged entries against `entities` since audit entry `mark`."""
    names = list(names)
    if not names:
        return
    con.execute(_CLAIM)
    for name in names:
        if TABLES[name].refreshed_by_keys(entities):
            _update_keys(con, name, entities, mark)
        else:
            _update_rows(con, name)


def audit_mark(con: Connection) -> int:
    """The newest audit entry's id: what a transaction logs comes after it."""
    row = con.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()
    return int(row[0]) if row else 0


def refresh_after(con: Connection, mark: int) -> None:
    """Bring up to date, in the current transaction, the tables reading what it logged
    since `mark`: re-derived whole after an import or a write the audit log does not
    describe (which may have changed anything), row by row after an edit."""
    logged = _logged_since(con, mark)
    if not logged:
        rebuild(con)
        return
    _refresh_logged(con, logged, mark)


def refresh_mirrored(con: Connection, changed: set[str], mark: int) -> None:
    """In a PostgreSQL store's mirror (mirror.py), after the rows of the tables `changed`
    were brought in: as `refresh_after`, except that a change the audit log does not
    describe re-derives only the tables reading what changed (the mirror knows which)."""
    logged = _logged_since(con, mark)
    if logged:
        _refresh_logged(con, logged, mark)
    else:
        rebuild(con, [name for name, t in TABLES.items() if changed & t.sources])


def _logged_since(con: Connection, mark: int) -> list[tuple[str, bool]]:
    return con.execute(  # type: ignore[no-any-return]
        "SELECT DISTINCT entity, operation = 'import' FROM audit_log WHERE id > ?", [mark]
    ).fetchall()


def _refresh_logged(con: Connection, logged: list[tuple[str, bool]], mark: int) -> None:
    entities = {entity for entity, _ in logged}
    touched = [name for name, t in TABLES.items() if entities & t.sources]
    if any(bulk for _, bulk in logged):
        rebuild(con, touched)
    else:
        update(con, touched, entities, mark)


def stale_tables(con: Connection) -> list[str]:
    """The derived tables whose rows differ from a fresh derivation."""
    stale = []
    for name, table in TABLES.items():
        differs = con.execute(
            f"SELECT EXISTS (SELECT * FROM {name} EXCEPT ALL ({table.query})) "
            f"OR EXISTS (({table.query}) EXCEPT ALL SELECT * FROM {name})"
        ).fetchone()
        if differs and differs[0]:
            stale.append(name)
    return stale


def verify_requested() -> bool:
    """Whether CXOS_VERIFY_STRUCTURE asks scoring queries to check the tables first."""
    return os.environ.get("CXOS_VERIFY_STRUCTURE", "") not in ("", "0")
