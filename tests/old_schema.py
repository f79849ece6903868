"""Databases as older CXOS releases left them, made from today's schema by undoing a
migration, for tests of the upgrade that redoes it."""

from __future__ import annotations

import duckdb


def undo_goal_objectives(con: duckdb.DuckDBPyConnection) -> None:
    """Put a database back as it was before migration 0013: each goal's objective in
    goals.objective_id (its first, the only one an older bundle could give), no link table,
    and 0013 not recorded. The derived tables stay as they are: the upgrade derives them
    again (migrations.apply_migrations), as it does for every database it upgrades."""
    con.execute("ALTER TABLE goals ADD COLUMN objective_id VARCHAR")
    con.execute(
        "UPDATE goals SET objective_id = "
        "(SELECT min(objective_id) FROM goal_objectives l WHERE l.goal_id = goals.id)"
    )
    con.execute("DROP TABLE goal_objectives")
    con.execute("DELETE FROM schema_migrations WHERE name = '0013_goal_objectives'")
