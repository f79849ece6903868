"""The organisation's shape, kept ready for scoring: derived tables maintained on every write.

Scoring as of a date D reads the whole organisation's shape: which goals count, which of
them are measured and linked to a stage, which teams own which stages, which owners meet
in a goal, which consecutive stages hand over between different teams. None of that
depends on D except through each goal's dates, yet deriving it is most of the cost of
scoring a thousand teams (docs/performance.md). So it is derived once per change and
stored, with the goal dates alongside, in the `score_*` tables below; scoring filters them
by D and applies every formula itself (cxos/scoring/sql.py). They hold no formula of
SPEC.md and no comparison with a date, and their SQL is portable like the migrations'.

The tables are brought up to date inside the transaction that changed what they are
derived from, so they are never out of date and never half-built (`refresh_after`). The
audit log tells which tables a transaction touched: one that logged an entry for a table a
derived table reads updates that one (a metric's target: the goal and metric tables only),
row by row after an edit and whole after an import; one that logged nothing at all (a bulk
load, a hand-made test database) derives them all afresh.
Set CXOS_VERIFY_STRUCTURE=1 (the test suite does) and every scoring query first checks
them against a fresh derivation (`stale_tables`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

Connection = duckdb.DuckDBPyConnection

# Goals that can be in scope (every goal but a dropped one), with what A1 and L2 ask of
# them that does not depend on D: a metric with baseline and target, a linked stage.
_GOALS = """
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


@dataclass(frozen=True)
class Derived:
    """A derived table: its columns, the query that derives its rows, and the tables that
    query reads (a write logged against one of them rebuilds it)."""

    columns: str
    query: str
    sources: frozenset[str]

    @property
    def column_names(self) -> list[str]:
        return [column.split()[0] for column in self.columns.split(", ")]


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
        frozenset({"goals", "metrics", "goal_stages"}),
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
}

# One row that every refresh updates first. Each transaction derives from its own
# snapshot, and DuckDB only refuses two transactions writing the same row: two edits that
# each change rows the other does not write (two metrics of one goal losing their
# targets) would otherwise both commit a derivation that misses the other's change.
# Updating this row makes any two overlapping refreshes conflict, and the one retried
# (`retry_transaction`) derives again from what the other committed.
_CLAIM = "UPDATE score_structure SET version = version + 1"

CREATE = (
    *(f"CREATE TABLE {name} ({t.columns})" for name, t in TABLES.items()),
    "CREATE TABLE score_structure (version BIGINT NOT NULL)",
)

# What a new database or an upgraded one runs to fill the tables.
FILL = (
    *(f"INSERT INTO {name} {table.query}" for name, table in TABLES.items()),
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


def update(con: Connection, names: Iterable[str]) -> None:
    """Bring the tables `names` up to date inside the caller's transaction, writing only the
    rows that changed: for an edit, where replacing every row would commit, and leave
    behind until the next checkpoint, tens of thousands of rows on a big company."""
    names = list(names)
    if not names:
        return
    con.execute(_CLAIM)
    for name in names:
        table = TABLES[name]
        same = " AND ".join(f"f.{c} IS NOT DISTINCT FROM t.{c}" for c in table.column_names)
        con.execute(f"CREATE OR REPLACE TEMP TABLE derived_rows AS {table.query}")
        con.execute(
            f"DELETE FROM {name} t WHERE NOT EXISTS (SELECT 1 FROM derived_rows f WHERE {same})"
        )
        con.execute(f"INSERT INTO {name} SELECT * FROM derived_rows EXCEPT SELECT * FROM {name}")
    con.execute("DROP TABLE IF EXISTS derived_rows")


def audit_mark(con: Connection) -> int:
    """The newest audit entry's id: what a transaction logs comes after it."""
    row = con.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()
    return int(row[0]) if row else 0


def refresh_after(con: Connection, mark: int) -> None:
    """Bring up to date, in the current transaction, the tables reading what it logged
    since `mark`: re-derived whole after an import or a write the audit log does not
    describe (which may have changed anything), row by row after an edit."""
    logged = con.execute(
        "SELECT DISTINCT entity, operation = 'import' FROM audit_log WHERE id > ?", [mark]
    ).fetchall()
    entities = {entity for entity, _ in logged}
    if not logged:
        rebuild(con)
        return
    touched = [name for name, t in TABLES.items() if entities & t.sources]
    if any(bulk for _, bulk in logged):
        rebuild(con, touched)
    else:
        update(con, touched)


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
