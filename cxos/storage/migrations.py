"""The schema as an ordered list of named migrations.

Each migration runs in its own transaction together with the row that records it in
`schema_migrations`, so a database is never left half-upgraded. A database made by an
older CXOS opens and upgrades itself; one made by a newer CXOS is refused rather than
touched. Foreign keys are enforced by the domain (bundle validation and services), not by
DuckDB: DuckDB cannot replace a referenced row, and import merges by replacing rows.
The SQL is kept portable (no DuckDB-only types) so a PostgreSQL store can share it.
The functions at the end read which migrations a database has and apply the missing ones
(`Database.ensure_schema` on first use; backup.py reads them to check a backup).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from cxos.model.errors import CxosError
from cxos.storage import structure
from cxos.storage.duckdb_file import Connection
from cxos.storage.postgres import to_postgres_ddl
from cxos.storage.retry import in_transaction


@dataclass(frozen=True)
class Migration:
    name: str
    statements: tuple[str, ...]
    # Then, what creates (empty) or recreates the derived scoring tables. On PostgreSQL
    # those live in each process's mirror (mirror.py), which runs every migration whole, so
    # the server runs `statements` only.
    derived: tuple[str, ...] = ()
    # Whether the derived tables must be derived again: done once, by the last migration
    # of an upgrade, when every table they read has its final columns (an older
    # migration's query could not read them yet).
    derives: bool = False


_ORGANISATION = (
    """CREATE TABLE business_units (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL)""",
    """CREATE TABLE teams (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, business_unit_id VARCHAR NOT NULL)""",
    """CREATE TABLE people (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, email VARCHAR,
        team_id VARCHAR NOT NULL, role VARCHAR NOT NULL)""",
    """CREATE TABLE journeys (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL)""",
    """CREATE TABLE stages (
        id VARCHAR PRIMARY KEY, journey_id VARCHAR NOT NULL, phase VARCHAR NOT NULL,
        name VARCHAR NOT NULL, position INTEGER NOT NULL)""",
    """CREATE TABLE touchpoints (
        id VARCHAR PRIMARY KEY, stage_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
        layer VARCHAR NOT NULL, channel VARCHAR, owner_team_id VARCHAR NOT NULL)""",
    """CREATE TABLE objectives (
        id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, vision VARCHAR)""",
)

# A check-in's columns after its id, as migration 0002 created them; 0006 rebuilds the
# table with the same ones.
_CHECK_IN_FIELDS = """action_id VARCHAR NOT NULL, checked_on DATE NOT NULL,
        status VARCHAR NOT NULL, progress INTEGER NOT NULL, confidence INTEGER, note VARCHAR,
        source VARCHAR NOT NULL DEFAULT 'import', entered_by VARCHAR, entered_at TIMESTAMP"""

_GOALS = (
    """CREATE TABLE goals (
        id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, success_statement VARCHAR,
        team_id VARCHAR NOT NULL, owner_id VARCHAR, objective_id VARCHAR,
        start_date DATE NOT NULL, end_date DATE NOT NULL, status VARCHAR NOT NULL,
        version INTEGER NOT NULL DEFAULT 1)""",
    """CREATE TABLE goal_stages (
        goal_id VARCHAR NOT NULL, stage_id VARCHAR NOT NULL, PRIMARY KEY (goal_id, stage_id))""",
    """CREATE TABLE goal_contributors (
        goal_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, PRIMARY KEY (goal_id, team_id))""",
    """CREATE TABLE metrics (
        id VARCHAR PRIMARY KEY, goal_id VARCHAR NOT NULL, name VARCHAR NOT NULL, unit VARCHAR,
        direction VARCHAR NOT NULL, baseline DOUBLE, target DOUBLE,
        cadence_days INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1)""",
    """CREATE TABLE metric_readings (
        metric_id VARCHAR NOT NULL, as_of DATE NOT NULL, value DOUBLE NOT NULL,
        source VARCHAR NOT NULL DEFAULT 'import', entered_by VARCHAR, entered_at TIMESTAMP,
        PRIMARY KEY (metric_id, as_of))""",
    """CREATE TABLE actions (
        id VARCHAR PRIMARY KEY, goal_id VARCHAR NOT NULL, title VARCHAR NOT NULL,
        owner_id VARCHAR, team_id VARCHAR NOT NULL, created_on DATE NOT NULL,
        due_date DATE NOT NULL, status VARCHAR NOT NULL, completed_on DATE,
        version INTEGER NOT NULL DEFAULT 1)""",
    "CREATE SEQUENCE check_ins_seq START 1",
    f"""CREATE TABLE check_ins (
        id BIGINT PRIMARY KEY DEFAULT nextval('check_ins_seq'), {_CHECK_IN_FIELDS})""",
    """CREATE TABLE pulse_responses (
        team_id VARCHAR NOT NULL, survey_date DATE NOT NULL, question VARCHAR NOT NULL,
        score DOUBLE NOT NULL, respondents INTEGER NOT NULL,
        PRIMARY KEY (team_id, survey_date, question))""",
    """CREATE TABLE feedback (
        id VARCHAR PRIMARY KEY, received_on DATE NOT NULL, stage_id VARCHAR NOT NULL,
        touchpoint_id VARCHAR, team_id VARCHAR NOT NULL, sentiment VARCHAR NOT NULL,
        text VARCHAR NOT NULL, action_id VARCHAR, response VARCHAR, closed_on DATE,
        version INTEGER NOT NULL DEFAULT 1)""",
    """CREATE TABLE notes (
        id VARCHAR PRIMARY KEY, author_id VARCHAR NOT NULL, business_unit_id VARCHAR NOT NULL,
        stage_id VARCHAR, created_on DATE NOT NULL, title VARCHAR NOT NULL,
        body VARCHAR NOT NULL, tags VARCHAR)""",
)

_GOVERNANCE = (
    """CREATE TABLE meetings (
        id VARCHAR PRIMARY KEY, held_on DATE NOT NULL, title VARCHAR NOT NULL,
        status VARCHAR NOT NULL DEFAULT 'open', attendees VARCHAR,
        created_by VARCHAR, closed_at TIMESTAMP, frozen VARCHAR,
        version INTEGER NOT NULL DEFAULT 1)""",
    """CREATE TABLE decisions (
        id VARCHAR PRIMARY KEY, meeting_id VARCHAR NOT NULL, text VARCHAR NOT NULL,
        action_id VARCHAR, created_by VARCHAR, created_at TIMESTAMP)""",
    """CREATE TABLE score_snapshots (
        as_of DATE NOT NULL, team_id VARCHAR NOT NULL,
        alignment DOUBLE NOT NULL, accountability DOUBLE NOT NULL, quadrant VARCHAR NOT NULL,
        a1_ownership DOUBLE, a2_delivery DOUBLE, a3_cadence DOUBLE, a4_pace DOUBLE,
        l1_understanding DOUBLE, l2_line_of_sight DOUBLE, l3_coverage DOUBLE,
        l4_bridging DOUBLE, taken_at TIMESTAMP, PRIMARY KEY (as_of, team_id))""",
    "CREATE SEQUENCE audit_log_seq START 1",
    """CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
        logged_at TIMESTAMP NOT NULL, actor_id VARCHAR, operation VARCHAR NOT NULL,
        entity VARCHAR NOT NULL, entity_id VARCHAR, field VARCHAR,
        old_value VARCHAR, new_value VARCHAR)""",
    """CREATE TABLE accounts (
        person_id VARCHAR PRIMARY KEY, password_hash VARCHAR NOT NULL,
        disabled BOOLEAN NOT NULL DEFAULT FALSE, updated_at TIMESTAMP)""",
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
)

# Check-in ids come from a sequence, which alone keeps them unique; the primary key's index
# only cost every import: inserting into it, and writing the rows to the WAL at commit
# (DuckDB writes rows of tables without indexes straight into the file instead).
_CHECK_INS_WITHOUT_INDEX = (
    f"""CREATE TABLE check_ins_unindexed (
        id BIGINT NOT NULL DEFAULT nextval('check_ins_seq'), {_CHECK_IN_FIELDS})""",
    "INSERT INTO check_ins_unindexed SELECT * FROM check_ins ORDER BY id",
    "DROP TABLE check_ins",
    "ALTER TABLE check_ins_unindexed RENAME TO check_ins",
)

# Password sign-in attempts, for the throttle in cxos/identity/sign_in.py (the audit log has the
# same events for people to read; this small table is what the throttle counts, and it
# forgets rows older than a day). `account` is a person id, or a hash of an unknown login.
_SIGN_IN_ATTEMPTS = (
    """CREATE TABLE sign_in_attempts (
        attempted_at TIMESTAMP NOT NULL, account VARCHAR NOT NULL, client VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL)""",
)

# A database is the demo company only while it holds nothing else (cxos/demo/marker.py).
# Before that rule, the marker stayed after a real import, an account, or a demo loaded
# over real data: take it away wherever the log shows any of these.
_DEMO_MARKER_ONLY_ON_DEMO_DATA = (
    """DELETE FROM meta WHERE key IN ('dataset', 'demo_as_of', 'demo_personas')
        AND (EXISTS (SELECT 1 FROM accounts)
          OR EXISTS (SELECT 1 FROM audit_log WHERE operation = 'import'
                     AND coalesce(field, '') <> 'demo company'))""",
)

# The notifier's sent log (one row per person, notice and day sent: a second run the same
# day finds it and sends nothing twice) and each person's digest frequency (cxos/notify/).
_NOTIFICATIONS = (
    """CREATE TABLE notify_sent (
        person_id VARCHAR NOT NULL, notice_key VARCHAR NOT NULL, sent_on DATE NOT NULL,
        rule VARCHAR NOT NULL, kind VARCHAR NOT NULL, channel VARCHAR NOT NULL,
        address VARCHAR, title VARCHAR, sent_at TIMESTAMP NOT NULL,
        PRIMARY KEY (person_id, notice_key, sent_on))""",
    """CREATE TABLE notify_preferences (
        person_id VARCHAR PRIMARY KEY, frequency VARCHAR NOT NULL,
        updated_by VARCHAR, updated_at TIMESTAMP)""",
)

# API tokens (cxos/identity/tokens.py): only a hash of each token is kept, never the token.
# A token's name is its key for good (a revoked token keeps it), so the audit log's
# `@token:NAME` entries always name one token.
_API_TOKENS = (
    """CREATE TABLE api_tokens (
        name VARCHAR PRIMARY KEY, scope VARCHAR NOT NULL, token_hash VARCHAR NOT NULL UNIQUE,
        created_by VARCHAR, created_at TIMESTAMP NOT NULL, expires_on DATE,
        last_used_at TIMESTAMP, revoked_at TIMESTAMP)""",
)

# The organisation and journey tables gain a version, as goals, metrics, actions and
# feedback have one, so their editors (cxos/organisation/editing.py) refuse a stale edit.
# Existing rows start at 1; the bundle format does not carry it (bundle/spec.py lists the
# columns a bundle has, from the row models).
ORGANISATION_TABLES = (
    "business_units",
    "teams",
    "people",
    "journeys",
    "stages",
    "touchpoints",
    "objectives",
)
_ORGANISATION_VERSIONS = tuple(
    f"ALTER TABLE {table} ADD COLUMN version INTEGER NOT NULL DEFAULT 1"
    for table in ORGANISATION_TABLES
)

# A goal may ladder up to several objectives: the link table takes over goals.objective_id,
# with every link it held, and the column goes (docs/decisions.md: one place says which
# objectives a goal serves). score_goals, which read the column, is derived again.
_GOAL_OBJECTIVES = (
    """CREATE TABLE goal_objectives (
        goal_id VARCHAR NOT NULL, objective_id VARCHAR NOT NULL,
        PRIMARY KEY (goal_id, objective_id))""",
    """INSERT INTO goal_objectives (goal_id, objective_id)
        SELECT id, objective_id FROM goals WHERE objective_id IS NOT NULL""",
    "ALTER TABLE goals DROP COLUMN objective_id",
)

# The steering committee's value and effort for an opportunity (a stage's pain,
# cxos/insights/opportunities.py), who set them and when, and the goal it became.
_OPPORTUNITY_RATINGS = (
    """CREATE TABLE opportunity_ratings (
        stage_id VARCHAR PRIMARY KEY, value INTEGER, effort INTEGER, note VARCHAR,
        rated_by VARCHAR, rated_at TIMESTAMP, goal_id VARCHAR, goal_by VARCHAR,
        goal_at TIMESTAMP)""",
)

# Retire instead of delete (cxos/organisation/reorganise.py): a team, stage, touchpoint,
# goal or metric retired as of a date; a goal's link to a stage, or a contributing team,
# holding from and until a date; and what a reassignment replaced (before `until`, back to
# the previous row's, the field had `value`): who owned a goal, touchpoint or action, which
# team a person was in, which stage a touchpoint was on. Scores as of an earlier date read
# the organisation as it was (cxos/storage/structure.py).
_RETIREMENT = (
    *(
        f"ALTER TABLE {table} ADD COLUMN retired_on DATE"
        for table in ("teams", "stages", "touchpoints", "goals", "metrics")
    ),
    "ALTER TABLE goal_stages ADD COLUMN valid_from DATE",
    "ALTER TABLE goal_stages ADD COLUMN retired_on DATE",
    "ALTER TABLE goal_contributors ADD COLUMN valid_from DATE",
    "ALTER TABLE goal_contributors ADD COLUMN retired_on DATE",
    """CREATE TABLE reassignments (
        entity VARCHAR NOT NULL, entity_id VARCHAR NOT NULL, field VARCHAR NOT NULL,
        value VARCHAR NOT NULL, until DATE NOT NULL,
        PRIMARY KEY (entity, entity_id, field, until))""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_organisation_and_journey", _ORGANISATION),
    Migration("0002_goals_metrics_actions", _GOALS),
    Migration("0003_governance_audit_accounts", _GOVERNANCE),
    # Derived from the tables above and kept up to date by every write that changes them.
    Migration(
        "0004_scoring_structure",
        (),
        derived=structure.created(structure.SHAPE) + structure.CLAIM_ROW,
        derives=True,
    ),
    Migration(
        "0005_latest_values_and_owner_names",
        (),
        derived=structure.created(structure.ADDED_0005),
        derives=True,
    ),
    Migration("0006_check_ins_without_index", _CHECK_INS_WITHOUT_INDEX),
    Migration("0007_sign_in_attempts", _SIGN_IN_ATTEMPTS),
    Migration("0008_demo_marker_only_on_demo_data", _DEMO_MARKER_ONLY_ON_DEMO_DATA),
    Migration("0009_notifications", _NOTIFICATIONS),
    Migration("0010_api_tokens", _API_TOKENS),
    Migration("0011_organisation_versions", _ORGANISATION_VERSIONS),
    Migration(
        "0012_retirement", _RETIREMENT, derived=structure.recreated(structure.TABLES), derives=True
    ),
    Migration("0013_goal_objectives", _GOAL_OBJECTIVES, derives=True),
    Migration("0014_opportunity_ratings", _OPPORTUNITY_RATINGS),
)

LATEST = MIGRATIONS[-1].name


def _table_names(con: Connection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    ).fetchall()
    return {r[0] for r in rows}


def applied_migrations(con: Connection) -> list[str]:
    """Names of the migrations recorded in this database, oldest first."""
    if "schema_migrations" not in _table_names(con):
        return []
    rows = con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()
    return [r[0] for r in rows]


def missing_migrations(con: Connection) -> list[str]:
    """Names of the migrations this database lacks."""
    done = set(applied_migrations(con))
    return [m.name for m in MIGRATIONS if m.name not in done]


def apply_migrations(
    con: Any, path: Path | str = "database", *, postgres_ddl: bool = False
) -> list[str]:
    """Apply the migrations this database lacks, each in its own transaction.

    `postgres_ddl`: on a PostgreSQL server, in its words, without the derived tables.
    """
    tables = _table_names(con)
    if tables and "schema_migrations" not in tables:
        raise CxosError(f"{path} is a database but not a CXOS one; nothing was changed")
    done = applied_migrations(con)
    known = [m.name for m in MIGRATIONS]
    unknown = [name for name in done if name not in known]
    if unknown:
        raise CxosError(
            f"{path} was made by a newer CXOS (schema {unknown[-1]}); "
            "upgrade CXOS to open it. Nothing was changed"
        )
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
    )
    missing = [m for m in MIGRATIONS if m.name not in done]
    derive = any(m.derives for m in missing) and not postgres_ddl
    for migration in missing:
        last = migration is missing[-1]
        in_transaction(
            con,
            partial(
                _run_migration, migration=migration, server=postgres_ddl, derive=derive and last
            ),
        )
    return [m.name for m in missing]


def _run_migration(con: Any, *, migration: Migration, server: bool, derive: bool) -> None:
    statements = migration.statements + (() if server else migration.derived)
    for statement in statements:
        con.execute(to_postgres_ddl(statement) if server else statement)
    if derive:
        structure.rebuild(con)
    con.execute("INSERT INTO schema_migrations VALUES (?, current_timestamp)", [migration.name])
