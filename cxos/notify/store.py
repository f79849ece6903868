"""The notifier's SQL: who people are, which teams went silent, what was sent, preferences.

The sent log (`notify_sent`) holds one row per person, notice and day a notice was sent,
so a second run the same day finds it there and sends nothing twice; the audit log gets
an entry for each row too. Preferences (`notify_preferences`) hold each person's digest
frequency; a person without a row gets the default (weekly).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cxos.scoring import sql
from cxos.scoring.config import ScoringConfig
from cxos.scoring.query import run
from cxos.storage import Connection, Database, fetch_dicts

FREQUENCIES = ("daily", "weekly", "off")
DEFAULT_FREQUENCY = "weekly"


@dataclass(frozen=True)
class Recipient:
    """A person as the notifier needs them."""

    id: str
    name: str
    email: str | None
    team_id: str
    role: str


def people(db: Database) -> list[Recipient]:
    """Everyone, by id."""
    rows = db.rows("SELECT id, name, email, team_id, role FROM people ORDER BY id")
    return [Recipient(**r) for r in rows]


# A team is tracked when it has A3 cadence items (the scoring facts' open actions at D and
# metrics of its in-scope goals: cxos/scoring/sql.py), and heard from on the day of its
# latest check-in or reading on or before D (on any of its actions and goals' metrics).
_SILENT_TEAMS = f"""
WITH {sql.facts_cte()},
tracked AS (
    SELECT team_id FROM action_facts WHERE a3_cadence IS NOT NULL
    UNION
    SELECT team_id FROM metric_facts),
checked AS (SELECT team_id, max(checked_on) AS last_on FROM action_facts GROUP BY team_id),
read AS (
    SELECT g.team_id, max(r.read_on) AS last_on
    FROM latest_reading r JOIN metrics m ON m.id = r.metric_id JOIN goals g ON g.id = m.goal_id
    GROUP BY g.team_id)
SELECT t.id AS team_id, t.name AS team, greatest(c.last_on, r.last_on) AS last_heard
FROM teams t JOIN (SELECT DISTINCT team_id FROM tracked) k ON k.team_id = t.id
LEFT JOIN checked c ON c.team_id = t.id
LEFT JOIN read r ON r.team_id = t.id
WHERE greatest(c.last_on, r.last_on) IS NULL
    OR date_diff('day', greatest(c.last_on, r.last_on), $d) > $days
ORDER BY t.name, t.id"""


def silent_teams(
    db: Database, as_of: dt.date, days: int, config: ScoringConfig | None = None
) -> list[dict[str, Any]]:
    """Teams with something to track but no check-in and no reading for more than `days`.

    `last_heard` is the day of their latest check-in or reading on or before `as_of`
    (None: never).
    """
    params = {**sql.parameters(as_of, config or ScoringConfig.load()), "days": days}
    return db.read(lambda con: run(con, _SILENT_TEAMS, params))


_OPEN_MEETINGS = """
SELECT id, held_on, title, attendees FROM meetings
WHERE status = 'open' AND held_on >= $d AND held_on <= $d + $days::INTEGER
ORDER BY held_on, id"""


def meetings_ahead(db: Database, as_of: dt.date, days: int) -> list[dict[str, Any]]:
    """Open review meetings held from `as_of` to `days` days after it."""
    return db.rows(_OPEN_MEETINGS, {"d": as_of, "days": days})


# -- the sent log ----------------------------------------------------------------------


def sent_keys(db: Database) -> set[tuple[str, str, dt.date]]:
    """Every (person, notice, day) already sent."""
    rows = db.rows("SELECT person_id, notice_key, sent_on FROM notify_sent")
    return {(r["person_id"], r["notice_key"], r["sent_on"]) for r in rows}


def last_digests(db: Database) -> dict[str, dt.date]:
    """Per person, the day their latest digest of reminders was sent."""
    rows = db.rows(
        "SELECT person_id, max(sent_on) AS last_on FROM notify_sent "
        "WHERE kind = 'reminder' GROUP BY person_id"
    )
    return {r["person_id"]: r["last_on"] for r in rows}


def record_sent(
    con: Connection,
    person_id: str,
    sent_on: dt.date,
    address: str | None,
    notices: Sequence[tuple[str, str, str, str]],
) -> None:
    """Record one message's notices, each (key, rule, kind, title), in the caller's transaction."""
    con.executemany(
        "INSERT INTO notify_sent (person_id, notice_key, sent_on, rule, kind, channel, address, "
        "title, sent_at) VALUES (?, ?, ?, ?, ?, 'email', ?, ?, current_timestamp) "
        "ON CONFLICT DO NOTHING",
        [
            [person_id, key, sent_on, rule, kind, address, title]
            for key, rule, kind, title in notices
        ],
    )


_SENT_LOG = """
SELECT s.sent_at, s.sent_on, s.person_id, p.name AS person, s.address, s.kind, s.rule,
    s.title, s.notice_key
FROM notify_sent s LEFT JOIN people p ON p.id = s.person_id
ORDER BY s.sent_at DESC, s.person_id, s.notice_key
LIMIT ?"""


def sent_log(db: Database, limit: int = 500) -> list[dict[str, Any]]:
    """The newest sent notices: when, to whom, which rule, about what."""
    return db.rows(_SENT_LOG, [limit])


# -- preferences -----------------------------------------------------------------------


def frequencies(db: Database) -> dict[str, str]:
    """Every stored digest frequency, by person (others have the default)."""
    rows = db.rows("SELECT person_id, frequency FROM notify_preferences")
    return {r["person_id"]: r["frequency"] for r in rows}


def frequency_on(con: Connection, person_id: str) -> str | None:
    """A person's stored frequency, or None."""
    rows = fetch_dicts(
        con, "SELECT frequency FROM notify_preferences WHERE person_id = ?", [person_id]
    )
    return rows[0]["frequency"] if rows else None


def store_frequency(con: Connection, person_id: str, frequency: str, by: str | None) -> None:
    """Set a person's frequency, in the caller's transaction."""
    con.execute(
        "INSERT INTO notify_preferences (person_id, frequency, updated_by, updated_at) "
        "VALUES (?, ?, ?, current_timestamp) ON CONFLICT (person_id) DO UPDATE SET "
        "frequency = excluded.frequency, updated_by = excluded.updated_by, "
        "updated_at = excluded.updated_at",
        [person_id, frequency, by],
    )


def person_name_on(con: Connection, person_id: str) -> str | None:
    """A person's name, or None when there is no such person."""
    rows = fetch_dicts(con, "SELECT name FROM people WHERE id = ?", [person_id])
    return rows[0]["name"] if rows else None
