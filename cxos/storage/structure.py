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
from dataclasses import dataclass, field

import duckdb

Connection = duckdb.DuckDBPyConnection

# -- the organisation as it was between two changes -------------------------------------
#
# Retiring a team, stage, touchpoint, goal or metric as of a date (its `retired_on`), a
# goal link or a contributor starting or ending on a date (`valid_from`, `retired_on`) and
# a reassignment (a row of `reassignments`: before `until`, back to the previous one, the
# field had `value`) change the organisation's shape on a date. Those dates cut time into
# *epochs* in which the shape is constant; the shape is derived once per epoch, by the
# same queries, and each derived row carries the span it holds for (`valid_from`
# inclusive, `valid_until` exclusive, NULL: unbounded). Consecutive epochs that derive the
# same row are merged (`_compacted`), so a company that never reorganised has one epoch and
# the same rows as before, and a retirement only adds rows where the shape changed.
# The dates are compared with each other only: which span holds as of D is scoring's
# question (cxos/scoring/sql.py), never the derivation's.

RETIRABLE = ("teams", "stages", "touchpoints", "goals", "metrics")
LINKS = ("goal_stages", "goal_contributors")

_CHANGE_DATES = " UNION ".join(
    [f"SELECT retired_on AS day FROM {t} WHERE retired_on IS NOT NULL" for t in RETIRABLE + LINKS]
    + [f"SELECT valid_from FROM {t} WHERE valid_from IS NOT NULL" for t in LINKS]
    + ["SELECT until FROM reassignments"]
)


def _alive(row: str) -> str:
    """Row `row` is not retired during epoch `e` (retirement dates are epoch bounds)."""
    return f"({row}.retired_on IS NULL OR e.valid_until <= {row}.retired_on)"


def _started(row: str) -> str:
    """Link row `row` holds from its valid_from on."""
    return f"({row}.valid_from IS NULL OR {row}.valid_from <= e.valid_from)"


def _was(period: str, entity: str, field: str, row_id: str) -> str:
    """Join condition: `period` (a row of `periods`) gives `entity`.`field` of row `row_id`
    during epoch `e`; without one, the field's current value holds."""
    return (
        f"{period}.entity = '{entity}' AND {period}.field = '{field}' "
        f"AND {period}.entity_id = {row_id} AND e.valid_until <= {period}.until "
        f"AND ({period}.since IS NULL OR {period}.since <= e.valid_from)"
    )


_PERIODS = """periods AS (
    SELECT entity, entity_id, field, value, until,
        lag(until) OVER (PARTITION BY entity, entity_id, field ORDER BY until) AS since
    FROM reassignments
)"""

# The organisation in each epoch: what is alive, and who owned it then. A touchpoint lives
# while it, its stage and its owning team do; a goal while it and its team do (and it is
# not dropped); a metric while it and its goal do; a goal link while it and its stage do; a
# contributor while it and its team do.
_EPOCHS = f"""
change_dates AS ({_CHANGE_DATES}),
epochs AS (
    SELECT row_number() OVER (ORDER BY day NULLS LAST) AS epoch,
        lag(day) OVER (ORDER BY day NULLS LAST) AS valid_from, day AS valid_until
    FROM (SELECT day FROM change_dates UNION ALL SELECT NULL)
),
{_PERIODS},
live_teams AS (SELECT e.epoch, t.id, t.name FROM epochs e JOIN teams t ON {_alive("t")}),
live_stages AS (
    SELECT e.epoch, s.id, s.journey_id, s.position FROM epochs e JOIN stages s ON {_alive("s")}
),
live_touchpoints AS (
    SELECT x.* FROM (
        SELECT e.epoch, tp.id, tp.name, coalesce(ps.value, tp.stage_id) AS stage_id,
            coalesce(pt.value, tp.owner_team_id) AS team_id
        FROM epochs e JOIN touchpoints tp ON {_alive("tp")}
        LEFT JOIN periods ps ON {_was("ps", "touchpoints", "stage_id", "tp.id")}
        LEFT JOIN periods pt ON {_was("pt", "touchpoints", "owner_team_id", "tp.id")}
    ) x
    JOIN live_stages s ON s.epoch = x.epoch AND s.id = x.stage_id
    JOIN live_teams t ON t.epoch = x.epoch AND t.id = x.team_id
),
live_goals AS (
    SELECT x.* FROM (
        SELECT e.epoch, g.id, coalesce(p.value, g.team_id) AS team_id, g.owner_id,
            (SELECT min(objective_id) FROM goal_objectives WHERE goal_id = g.id)
                AS objective_id, g.start_date, g.end_date
        FROM epochs e JOIN goals g ON {_alive("g")} AND g.status <> 'dropped'
        LEFT JOIN periods p ON {_was("p", "goals", "team_id", "g.id")}
    ) x
    JOIN live_teams t ON t.epoch = x.epoch AND t.id = x.team_id
),
live_metrics AS (
    SELECT e.epoch, m.id, m.goal_id, g.team_id, g.start_date, g.end_date, m.cadence_days,
        m.baseline, m.target
    FROM epochs e JOIN metrics m ON {_alive("m")}
    JOIN live_goals g ON g.epoch = e.epoch AND g.id = m.goal_id
),
live_goal_stages AS (
    SELECT e.epoch, gs.goal_id, gs.stage_id
    FROM epochs e JOIN goal_stages gs ON {_alive("gs")} AND {_started("gs")}
    JOIN live_stages s ON s.epoch = e.epoch AND s.id = gs.stage_id
),
live_contributors AS (
    SELECT e.epoch, c.goal_id, c.team_id
    FROM epochs e JOIN goal_contributors c ON {_alive("c")} AND {_started("c")}
    JOIN live_teams t ON t.epoch = e.epoch AND t.id = c.team_id
),
stage_owner_teams AS (SELECT DISTINCT epoch, stage_id, team_id FROM live_touchpoints),
participants AS (
    SELECT epoch, id AS goal_id, team_id FROM live_goals
    UNION
    SELECT c.epoch, c.goal_id, c.team_id
    FROM live_contributors c JOIN live_goals g ON g.epoch = c.epoch AND g.id = c.goal_id
)"""


def _compacted(columns: str, rows: str) -> str:
    """The rows of `rows` (an epoch, then `columns`), each with the span of consecutive
    epochs it holds in: valid_from (inclusive) and valid_until (exclusive), NULL when
    unbounded."""
    return f"""WITH {_EPOCHS},
derived_rows AS ({rows}),
islands AS (
    SELECT r.*, e.valid_from, e.valid_until,
        r.epoch - row_number() OVER (PARTITION BY {columns} ORDER BY r.epoch) AS island
    FROM derived_rows r JOIN epochs e ON e.epoch = r.epoch
)
SELECT {columns},
    CASE WHEN bool_or(valid_from IS NULL) THEN NULL ELSE min(valid_from) END AS valid_from,
    CASE WHEN bool_or(valid_until IS NULL) THEN NULL ELSE max(valid_until) END AS valid_until
FROM islands GROUP BY {columns}, island"""


# Goals that can be in scope (every goal but a dropped one), with what A1 and L2 ask of
# them that does not depend on D: a metric with baseline and target, a linked stage.
_GOALS = _compacted(
    "id, team_id, owner_id, objective_id, start_date, end_date, measured, staged",
    """SELECT g.*,
    EXISTS (SELECT 1 FROM live_metrics m WHERE m.epoch = g.epoch AND m.goal_id = g.id
            AND m.baseline IS NOT NULL AND m.target IS NOT NULL) AS measured,
    EXISTS (SELECT 1 FROM live_goal_stages s WHERE s.epoch = g.epoch AND s.goal_id = g.id)
        AS staged
FROM live_goals g""",
)

# The metrics of those goals, with their goal's team and dates.
_METRICS = _compacted(
    "id, goal_id, team_id, start_date, end_date, cadence_days, baseline, target",
    "SELECT * FROM live_metrics",
)

# Every touchpoint with its stage and owner (L3's items).
_TOUCHPOINTS = _compacted("id, stage_id, team_id, name", "SELECT * FROM live_touchpoints")

# Every (stage, owner of the stage, goal linked to the stage that the owner takes part in),
# with the goal's dates; `bridged` when another owner of the stage takes part in it too.
_OWNER_GOALS = _compacted(
    "stage_id, team_id, goal_id, start_date, end_date, bridged",
    """SELECT m.epoch, m.stage_id, m.team_id, m.goal_id, g.start_date, g.end_date,
    count(*) OVER (PARTITION BY m.epoch, m.stage_id, m.goal_id) >= 2 AS bridged
FROM (
    SELECT DISTINCT gs.epoch, gs.stage_id, p.team_id, gs.goal_id
    FROM live_goal_stages gs
    JOIN participants p ON p.epoch = gs.epoch AND p.goal_id = gs.goal_id
    JOIN stage_owner_teams o ON o.epoch = gs.epoch AND o.stage_id = gs.stage_id
        AND o.team_id = p.team_id
) m JOIN live_goals g ON g.epoch = m.epoch AND g.id = m.goal_id""",
)

# Every owner of a stage, with its number of touchpoints there; `shared` when the stage
# has two owners or more.
_STAGE_OWNERS = _compacted(
    "stage_id, team_id, touchpoints, shared",
    """SELECT epoch, stage_id, team_id, count(*) AS touchpoints,
    count(*) OVER (PARTITION BY epoch, stage_id) >= 2 AS shared
FROM live_touchpoints GROUP BY epoch, stage_id, team_id""",
)

# Each owned stage's owner team ids, sorted, and their names, sorted and comma-separated:
# the words of L4's items and of the stage signals.
_STAGE_NAMES = _compacted(
    "stage_id, team_ids, names",
    """SELECT o.epoch, o.stage_id, list(o.team_id ORDER BY o.team_id) AS team_ids,
    string_agg(tm.name, ', ' ORDER BY tm.name) AS names
FROM stage_owner_teams o JOIN teams tm ON tm.id = o.team_id
GROUP BY o.epoch, o.stage_id""",
)

# Consecutive stages of a journey (by position), both owned, with no owner in common.
_HANDOFF_ROWS = """
SELECT c.epoch, c.from_id, c.to_id FROM (
    SELECT epoch, id AS from_id,
        lead(id) OVER (PARTITION BY epoch, journey_id ORDER BY position) AS to_id
    FROM live_stages
) c
WHERE EXISTS (SELECT 1 FROM stage_owner_teams a WHERE a.epoch = c.epoch AND a.stage_id = c.from_id)
    AND EXISTS (SELECT 1 FROM stage_owner_teams b WHERE b.epoch = c.epoch AND b.stage_id = c.to_id)
    AND NOT EXISTS (
        SELECT 1 FROM stage_owner_teams a JOIN stage_owner_teams b
            ON b.epoch = a.epoch AND b.team_id = a.team_id
        WHERE a.epoch = c.epoch AND a.stage_id = c.from_id AND b.stage_id = c.to_id)"""
_HANDOFFS = _compacted("from_id, to_id", _HANDOFF_ROWS)

# The goals that would bridge each of those hand-offs (score_handoffs) when in scope:
# linked to either stage, with an owner of each stage taking part.
_HANDOFF_GOALS = _compacted(
    "from_id, to_id, goal_id, start_date, end_date",
    f"""WITH handoffs AS ({_HANDOFF_ROWS}),
taking_part AS (
    SELECT DISTINCT p.epoch, p.goal_id, o.stage_id
    FROM participants p JOIN stage_owner_teams o ON o.epoch = p.epoch AND o.team_id = p.team_id
),
candidates AS (
    SELECT h.epoch, h.from_id, h.to_id, gs.goal_id
    FROM handoffs h JOIN live_goal_stages gs ON gs.epoch = h.epoch AND gs.stage_id = h.from_id
    UNION
    SELECT h.epoch, h.from_id, h.to_id, gs.goal_id
    FROM handoffs h JOIN live_goal_stages gs ON gs.epoch = h.epoch AND gs.stage_id = h.to_id
)
SELECT c.epoch, c.from_id, c.to_id, c.goal_id, g.start_date, g.end_date
FROM candidates c JOIN live_goals g ON g.epoch = c.epoch AND g.id = c.goal_id
JOIN taking_part a ON a.epoch = c.epoch AND a.goal_id = c.goal_id AND a.stage_id = c.from_id
JOIN taking_part b ON b.epoch = c.epoch AND b.goal_id = c.goal_id AND b.stage_id = c.to_id""",
)


# Every metric's latest reading, over all dates. {keys:COLUMN} marks where a refresh of a
# few keys only restricts the rows read (see Derived).
_LATEST_READINGS = """
SELECT metric_id, max(as_of) AS read_on, arg_max(value, as_of) AS value
FROM metric_readings WHERE TRUE {keys:metric_id} GROUP BY metric_id"""


def _team_periods(entity: str) -> str:
    """CTEs ending in `team_periods`: for each row of `entity` whose team was reassigned, a
    row per team it had before (team_id) and one for the team it has now (team_id NULL),
    with the span of each."""
    return f"""{_PERIODS},
team_periods AS (
    SELECT entity_id, value AS team_id, since AS valid_from, until AS valid_until
    FROM periods WHERE entity = '{entity}' AND field = 'team_id'
    UNION ALL
    SELECT entity_id, NULL, max(until), NULL
    FROM reassignments WHERE entity = '{entity}' AND field = 'team_id' GROUP BY entity_id
)"""


# Every action, with what scoring reads of it and its latest check-in over all dates, a
# row per team it belonged to (reassignments of its team_id) with the span it did.
_ACTIONS = f"""
WITH {_team_periods("actions")}
SELECT a.id, coalesce(p.team_id, a.team_id) AS team_id, a.goal_id, a.created_on, a.due_date,
    a.completed_on, a.status, c.checked_on AS last_checked_on, p.valid_from, p.valid_until
FROM actions a
LEFT JOIN (
    SELECT action_id, max(checked_on) AS checked_on FROM check_ins
    WHERE TRUE {{keys:action_id}} GROUP BY action_id
) c ON c.action_id = a.id
LEFT JOIN team_periods p ON p.entity_id = a.id
WHERE TRUE {{keys:a.id}}"""

# Negative feedback, with the creation date of the action that answers it (if any), a row
# per team it was routed to (as for actions).
_FEEDBACK = f"""
WITH {_team_periods("feedback")}
SELECT f.id, coalesce(p.team_id, f.team_id) AS team_id, f.stage_id, f.received_on,
    f.closed_on, a.created_on AS answered_on, p.valid_from, p.valid_until
FROM feedback f LEFT JOIN actions a ON a.id = f.action_id
LEFT JOIN team_periods p ON p.entity_id = f.id
WHERE f.sentiment = 'negative' {{keys:f.id}}"""


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


# Which teams, stages and touchpoints are alive, and who owned what, in each epoch.
_ORGANISATION = frozenset({"teams", "stages", "touchpoints", "reassignments"})
_GOAL_SOURCES = _ORGANISATION | {"goals", "goal_stages", "goal_contributors"}
_SPAN = "valid_from DATE, valid_until DATE"

# In the order they are derived. Each lists the base tables behind what it reads (a write
# logged against one of them updates it). No keys: the rows are unique by derivation, and
# an index would only slow every rebuild.
TABLES: dict[str, Derived] = {
    "score_goals": Derived(
        "id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, owner_id VARCHAR, "
        "objective_id VARCHAR, start_date DATE NOT NULL, end_date DATE NOT NULL, "
        f"measured BOOLEAN NOT NULL, staged BOOLEAN NOT NULL, {_SPAN}",
        _GOALS,
        # objective_id: one of the goal's objectives (the first by id), NULL with none:
        # L2 asks only whether there is one.
        _ORGANISATION | {"goals", "metrics", "goal_stages", "goal_objectives"},
    ),
    "score_metrics": Derived(
        "id VARCHAR NOT NULL, goal_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, "
        "start_date DATE NOT NULL, end_date DATE NOT NULL, cadence_days INTEGER NOT NULL, "
        f"baseline DOUBLE, target DOUBLE, {_SPAN}",
        _METRICS,
        _ORGANISATION | {"goals", "metrics"},
    ),
    "score_stage_owners": Derived(
        "stage_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, touchpoints INTEGER NOT NULL, "
        f"shared BOOLEAN NOT NULL, {_SPAN}",
        _STAGE_OWNERS,
        _ORGANISATION,
    ),
    "score_owner_goals": Derived(
        "stage_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, goal_id VARCHAR NOT NULL, "
        f"start_date DATE NOT NULL, end_date DATE NOT NULL, bridged BOOLEAN NOT NULL, {_SPAN}",
        _OWNER_GOALS,
        _GOAL_SOURCES,
    ),
    "score_handoffs": Derived(
        f"from_id VARCHAR NOT NULL, to_id VARCHAR NOT NULL, {_SPAN}",
        _HANDOFFS,
        _ORGANISATION,
    ),
    "score_handoff_goals": Derived(
        "from_id VARCHAR NOT NULL, to_id VARCHAR NOT NULL, goal_id VARCHAR NOT NULL, "
        f"start_date DATE NOT NULL, end_date DATE NOT NULL, {_SPAN}",
        _HANDOFF_GOALS,
        _GOAL_SOURCES,
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
        f"due_date DATE, completed_on DATE, status VARCHAR NOT NULL, last_checked_on DATE, {_SPAN}",
        _ACTIONS,
        frozenset({"actions", "check_ins", "reassignments"}),
        key="id",
        changed={"actions": _EDITED_ACTIONS, "check_ins": _CHECKED_ACTIONS},
    ),
    "score_stage_names": Derived(
        f"stage_id VARCHAR NOT NULL, team_ids VARCHAR[] NOT NULL, names VARCHAR NOT NULL, {_SPAN}",
        _STAGE_NAMES,
        _ORGANISATION,
    ),
    "score_feedback": Derived(
        "id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, stage_id VARCHAR NOT NULL, "
        f"received_on DATE NOT NULL, closed_on DATE, answered_on DATE, {_SPAN}",
        _FEEDBACK,
        frozenset({"feedback", "actions", "reassignments"}),
        key="id",
        changed={"feedback": _EDITED_FEEDBACK, "actions": _FEEDBACK_OF_ACTIONS},
    ),
    "score_touchpoints": Derived(
        f"id VARCHAR NOT NULL, stage_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, "
        f"name VARCHAR NOT NULL, {_SPAN}",
        _TOUCHPOINTS,
        _ORGANISATION,
    ),
}

# The tables of migration 0004 (the organisation's shape) and of 0005 (latest readings and
# check-ins, stage owners' names, negative feedback and its answer); 0012 (retirement)
# gave every table derived from the organisation its span and added score_touchpoints.
SHAPE = tuple(TABLES)[:6]
ADDED_0005 = tuple(TABLES)[6:10]

# One row that every refresh updates first. Each transaction derives from its own
# snapshot, and DuckDB only refuses two transactions writing the same row: two edits that
# each change rows the other does not write (two metrics of one goal losing their
# targets) would otherwise both commit a derivation that misses the other's change.
# Updating this row makes any two overlapping refreshes conflict, and the one retried
# (`retry_transaction`) derives again from what the other committed.
_CLAIM = "UPDATE score_structure SET version = version + 1"


def created(names: Iterable[str]) -> tuple[str, ...]:
    """What a new database or an upgraded one runs to create the tables `names`, empty:
    the migrations that create them derive them at the end of the upgrade
    (`migrations.apply_migrations`), when every table they read has all its columns."""
    return tuple(f"CREATE TABLE {name} ({TABLES[name].columns})" for name in names)


def recreated(names: Iterable[str]) -> tuple[str, ...]:
    """What a migration that changes the tables `names` runs: drop and create them, empty."""
    names = list(names)
    return tuple(f"DROP TABLE IF EXISTS {name}" for name in names) + created(names)


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
