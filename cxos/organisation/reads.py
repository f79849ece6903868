"""What the organisation and journey editors show: every record with its version, and the
names a person reads beside the ids (a team's business unit and head, a touchpoint's stage
and owner), read in one go."""

from __future__ import annotations

from typing import Any

from cxos.identity.permissions import ERASED_PREFIX
from cxos.storage import Connection, Database, fetch_dicts

Row = dict[str, Any]

_QUERIES = {
    "business_units": "SELECT id, name, version FROM business_units ORDER BY name, id",
    "teams": """SELECT t.id, t.name, t.business_unit_id, b.name AS business_unit, t.version,
        (SELECT string_agg(p.name, ', ' ORDER BY p.name) FROM people p
            WHERE p.team_id = t.id AND p.role = 'head') AS head
        FROM teams t LEFT JOIN business_units b ON b.id = t.business_unit_id
        ORDER BY t.name, t.id""",
    "people": """SELECT p.id, p.name, p.email, p.team_id, t.name AS team, p.role, p.version,
        m.key IS NOT NULL AS erased
        FROM people p LEFT JOIN teams t ON t.id = p.team_id
        LEFT JOIN meta m ON m.key = $erased || p.id ORDER BY p.name, p.id""",
    "journeys": "SELECT id, name, version FROM journeys ORDER BY name, id",
    "stages": """SELECT s.id, s.journey_id, j.name AS journey, s.phase, s.name, s.position,
        s.version FROM stages s LEFT JOIN journeys j ON j.id = s.journey_id
        ORDER BY j.name, s.journey_id, s.position, s.id""",
    "touchpoints": """SELECT tp.id, tp.stage_id, s.name AS stage, s.journey_id, tp.name,
        tp.layer, tp.channel, tp.owner_team_id, t.name AS owner, tp.version
        FROM touchpoints tp LEFT JOIN stages s ON s.id = tp.stage_id
        LEFT JOIN teams t ON t.id = tp.owner_team_id
        ORDER BY s.journey_id, s.position, tp.layer, tp.name, tp.id""",
    "objectives": "SELECT id, title, vision, version FROM objectives ORDER BY title, id",
}


def organisation(db: Database) -> dict[str, list[Row]]:
    """Every business unit, team, person, journey, stage, touchpoint and objective."""

    def read(con: Connection) -> dict[str, list[Row]]:
        return {
            table: fetch_dicts(con, sql, {"erased": ERASED_PREFIX} if "$erased" in sql else None)
            for table, sql in _QUERIES.items()
        }

    return db.read(read)


def phases(stages: list[Row], journey_id: str) -> dict[str, list[Row]]:
    """A journey's phases in journey order, each with its stages."""
    grouped: dict[str, list[Row]] = {}
    for stage in stages:
        if stage["journey_id"] == journey_id:
            grouped.setdefault(stage["phase"], []).append(stage)
    return grouped
