"""A small organisation for tests of permissions, write services and pages.

Two business units, three teams and one person of every role, so each rule of "Who may
write what" has an own-team and an other-team case. Loaded through the real importer.
"""

from __future__ import annotations

from typing import Any

from cxos.bundle.importer import import_rows
from cxos.demo import marker
from cxos.storage import Database

PERSONAS = {
    "admin": "p_admin",
    "steering": "p_steer",
    "head": "p_head",
    "champion": "p_champ",
    "member": "p_member",
}


def _people() -> list[dict[str, Any]]:
    rows = [
        ("p_admin", "Ada Admin", "t_service", "admin"),
        ("p_steer", "Sam Steer", "t_stores", "steering"),
        ("p_head", "Dana Lee", "t_billing", "head"),
        ("p_head2", "Hal Stone", "t_stores", "head"),
        ("p_champ", "Chris Champ", "t_billing", "champion"),
        ("p_champ2", "Cleo Champ", "t_service", "champion"),
        ("p_member", "Mia Member", "t_billing", "member"),
        ("p_member2", "Otto Other", "t_stores", "member"),
    ]
    return [
        {
            "id": i,
            "name": n,
            "email": f"{i.removeprefix('p_')}@example.com",
            "team_id": t,
            "role": r,
        }
        for i, n, t, r in rows
    ]


def bundle() -> dict[str, list[dict[str, Any]]]:
    """The sample organisation as `{file: rows}`."""
    goal = {"start_date": "2026-01-01", "end_date": "2026-12-31"}
    return {
        "business_units": [
            {"id": "bu_retail", "name": "Retail"},
            {"id": "bu_biz", "name": "Business"},
        ],
        "teams": [
            {"id": "t_billing", "name": "Billing", "business_unit_id": "bu_retail"},
            {"id": "t_stores", "name": "Retail Stores", "business_unit_id": "bu_retail"},
            {"id": "t_service", "name": "Business Service", "business_unit_id": "bu_biz"},
        ],
        "people": _people(),
        "journeys": [{"id": "j1", "name": "Household customer"}],
        "stages": [
            {
                "id": "s1",
                "journey_id": "j1",
                "phase": "Buy",
                "name": "Compare offers",
                "position": 1,
            },
            {"id": "s2", "journey_id": "j1", "phase": "Use", "name": "Pay the bill", "position": 2},
        ],
        "touchpoints": [
            {
                "id": "tp1",
                "stage_id": "s1",
                "name": "Store visit",
                "layer": "front_stage",
                "owner_team_id": "t_stores",
            },
            {
                "id": "tp2",
                "stage_id": "s2",
                "name": "Invoice run",
                "layer": "back_stage",
                "owner_team_id": "t_billing",
            },
        ],
        "objectives": [{"id": "o1", "title": "Effortless billing", "vision": "No surprises"}],
        "goals": [
            {
                "id": "g_bill",
                "title": "Bills people understand",
                "team_id": "t_billing",
                "owner_id": "p_head",
                "status": "active",
                **goal,
            },
            {
                "id": "g_store",
                "title": "Helpful store visits",
                "team_id": "t_stores",
                "owner_id": "p_head2",
                "status": "active",
                **goal,
            },
        ],
        "goal_objectives": [
            {"goal_id": "g_bill", "objective_id": "o1"},
            {"goal_id": "g_store", "objective_id": "o1"},
        ],
        "goal_stages": [
            {"goal_id": "g_bill", "stage_id": "s2"},
            {"goal_id": "g_store", "stage_id": "s1"},
        ],
        "metrics": [
            {
                "id": "m_bill",
                "goal_id": "g_bill",
                "name": "Bill clarity",
                "direction": "higher",
                "baseline": 50,
                "target": 80,
                "cadence_days": 30,
            },
            {
                "id": "m_store",
                "goal_id": "g_store",
                "name": "Store NPS",
                "direction": "higher",
                "baseline": 10,
                "target": 30,
                "cadence_days": 30,
            },
        ],
        "metric_readings": [{"metric_id": "m_bill", "as_of": "2026-06-01", "value": 60}],
        "actions": [
            {
                "id": "a_bill",
                "goal_id": "g_bill",
                "title": "Rewrite the invoice",
                "owner_id": "p_member",
                "team_id": "t_billing",
                "created_on": "2026-01-05",
                "due_date": "2026-12-15",
                "status": "open",
            },
            {
                "id": "a_champ",
                "goal_id": "g_bill",
                "title": "Share billing tips",
                "owner_id": "p_champ",
                "team_id": "t_billing",
                "created_on": "2026-01-05",
                "due_date": "2026-12-15",
                "status": "open",
            },
            {
                "id": "a_store",
                "goal_id": "g_store",
                "title": "Train store staff",
                "owner_id": "p_member2",
                "team_id": "t_stores",
                "created_on": "2026-01-05",
                "due_date": "2026-12-15",
                "status": "in_progress",
            },
        ],
        "check_ins": [
            {
                "action_id": "a_store",
                "checked_on": "2026-03-01",
                "status": "in_progress",
                "progress": 40,
                "confidence": 4,
            },
        ],
    }


def load_sample(db: Database, *, demo: bool = False) -> Database:
    """Import the sample organisation; with `demo`, mark it as the demo company."""
    import_rows(db, bundle(), label="sample")
    if demo:
        mark_demo(db)
    return db


def mark_demo(db: Database) -> None:
    """Store the meta keys the demo generator stores, so demo sign-in works."""

    db.write(lambda con: marker.mark(con, PERSONAS))


# Negative feedback for Billing, received long before the sample's date: unanswered.
BILLING_COMPLAINT: dict[str, Any] = {
    "id": "f_neg",
    "received_on": "2026-05-20",
    "stage_id": "s2",
    "team_id": "t_billing",
    "sentiment": "negative",
    "text": "My bill doubled without warning",
}
