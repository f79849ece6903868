"""Small bundles for tests: a valid base organisation and helpers to write and spoil it."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cxos.bundle.spec import BY_NAME
from cxos.storage import Database

Rows = dict[str, list[dict[str, Any]]]


def base_bundle() -> Rows:
    """A tiny but complete organisation: one of everything, all references resolving."""
    return {
        "business_units": [{"id": "bu1", "name": "Consumer"}],
        "teams": [
            {"id": "t1", "name": "Care", "business_unit_id": "bu1"},
            {"id": "t2", "name": "Billing", "business_unit_id": "bu1"},
        ],
        "people": [
            {
                "id": "p1",
                "name": "Ann Head",
                "email": "ann@x.example",
                "team_id": "t1",
                "role": "head",
            },
            {"id": "p2", "name": "Bo Member", "team_id": "t1", "role": "member"},
        ],
        "journeys": [{"id": "j1", "name": "Journey"}],
        "stages": [
            {"id": "s1", "journey_id": "j1", "phase": "Buy", "name": "Order", "position": 1},
            {"id": "s2", "journey_id": "j1", "phase": "Use", "name": "Help", "position": 2},
        ],
        "touchpoints": [
            {
                "id": "tp1",
                "stage_id": "s1",
                "name": "Web",
                "layer": "front_stage",
                "channel": "web",
                "owner_team_id": "t1",
            },
        ],
        "objectives": [{"id": "o1", "title": "Effortless", "vision": "Easy"}],
        "goals": [
            {
                "id": "g1",
                "title": "Resolve first time",
                "team_id": "t1",
                "owner_id": "p1",
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
                "status": "active",
            },
        ],
        "goal_objectives": [{"goal_id": "g1", "objective_id": "o1"}],
        "goal_stages": [{"goal_id": "g1", "stage_id": "s1"}],
        "goal_contributors": [{"goal_id": "g1", "team_id": "t2"}],
        "metrics": [
            {
                "id": "m1",
                "goal_id": "g1",
                "name": "FCR",
                "unit": "%",
                "direction": "higher",
                "baseline": 60,
                "target": 80,
                "cadence_days": 30,
            },
        ],
        "metric_readings": [{"metric_id": "m1", "as_of": "2026-03-01", "value": 65}],
        "actions": [
            {
                "id": "a1",
                "goal_id": "g1",
                "title": "Train",
                "owner_id": "p2",
                "team_id": "t1",
                "created_on": "2026-02-01",
                "due_date": "2026-04-01",
                "status": "open",
            },
        ],
        "check_ins": [
            {
                "action_id": "a1",
                "checked_on": "2026-02-10",
                "status": "in_progress",
                "progress": 20,
                "confidence": 4,
            },
        ],
        "pulse_responses": [
            {
                "team_id": "t1",
                "survey_date": "2026-02-01",
                "question": "understand_goals",
                "score": 4.2,
                "respondents": 12,
            },
        ],
        "feedback": [
            {
                "id": "f1",
                "received_on": "2026-02-02",
                "stage_id": "s1",
                "touchpoint_id": "tp1",
                "team_id": "t1",
                "sentiment": "negative",
                "text": "Slow",
            },
        ],
        "notes": [
            {
                "id": "n1",
                "author_id": "p1",
                "business_unit_id": "bu1",
                "stage_id": "s1",
                "created_on": "2026-02-03",
                "title": "Huddles",
                "body": "Daily huddles help",
                "tags": "huddle;care",
            },
        ],
    }


def write_bundle(folder: Path, bundle: Mapping[str, list[dict[str, Any]]]) -> Path:
    """Write rows as CSV files with the spec's header (only the columns the rows use)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in bundle.items():
        spec = BY_NAME[name]
        names = [c.name for c in spec.read_columns]  # an old bundle's columns too
        used = [c for c in names if any(c in r for r in rows)] or [
            c.name for c in spec.columns if c.required
        ]
        with open(folder / spec.filename, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(used)
            for row in rows:
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in used])
    return folder


def fingerprint(db: Database) -> str:
    """A hash of every table's rows: equal fingerprints mean nothing changed."""

    def digest(con: Any) -> str:
        h = hashlib.sha256()
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name"
        ).fetchall()
        for (table,) in tables:
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            h.update(table.encode())
            for row in sorted(repr(r) for r in rows):
                h.update(row.encode())
        return h.hexdigest()

    return db.read(digest)
