"""A hand-made company for the insights tests (issue 25): the sample organisation plus a
third stage, planted feedback, completed actions and metric readings around them.

As of AS_OF (30 Sep 2026):
- "Pay the bill" (s2, Billing): many complaints about being billed twice; its metric is
  a third of the way to target. The obvious pain.
- "Compare offers" (s1, Retail Stores): fewer complaints, about queues in store.
- "Get help" (s3, Business Service and Retail Stores): a few complaints about calls on
  hold; two owners and no goal (an unbridged stage).
- a_up (Billing, done 1 May): its metric rose from 55 to 65 after it → moved.
- a_flat (Retail Stores, done 1 May): its metric went from 15 to 14 → not moved.
- a_blind (Business Service, done 1 May): its metric has no readings → not enough readings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cxos.bundle.importer import import_rows
from cxos.storage import Database
from tests import sample

AS_OF = dt.date(2026, 9, 30)

BILLING = (
    "I was billed twice for the same month",
    "Billed twice again, the invoice charged me double",
    "Charged double this month, billed twice on my invoice",
    "Why am I billed twice? Double charge on the invoice",
)
QUEUES = (
    "The queue in the store was far too long",
    "Long queue in store and the advisor had no time",
    "Waited in a long store queue for an advisor",
)
HOLD = (
    "Kept on hold for an hour when I called support",
    "Support call on hold then dropped",
)
PRAISE = ("Lovely friendly staff, thank you", "Great friendly service, thank you")


def _feedback() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(
        n: int,
        texts: tuple[str, ...],
        stage: str,
        tp: str,
        team: str,
        first: dt.date,
        sentiment: str = "negative",
    ) -> None:
        for i in range(n):
            rows.append(
                {
                    "id": f"f-{stage}-{first:%m%d}-{i:02d}",
                    "received_on": (first + dt.timedelta(days=i * 3)).isoformat(),
                    "stage_id": stage,
                    "touchpoint_id": tp,
                    "team_id": team,
                    "sentiment": sentiment,
                    "text": texts[i % len(texts)],
                }
            )

    add(12, BILLING, "s2", "tp2", "t_billing", dt.date(2026, 7, 10))
    add(3, BILLING, "s2", "tp2", "t_billing", dt.date(2026, 5, 1))  # the previous period
    add(6, QUEUES, "s1", "tp1", "t_stores", dt.date(2026, 7, 12))
    add(3, HOLD, "s3", "tp3", "t_service", dt.date(2026, 7, 15))
    add(4, PRAISE, "s1", "tp1", "t_stores", dt.date(2026, 8, 1), "positive")
    return rows


def bundle() -> dict[str, list[dict[str, Any]]]:
    """The sample organisation with the insights' planted data."""
    data = sample.bundle()
    data["stages"].append(
        {"id": "s3", "journey_id": "j1", "phase": "Use", "name": "Get help", "position": 3}
    )
    data["touchpoints"] += [
        {
            "id": "tp3",
            "stage_id": "s3",
            "name": "Support line",
            "layer": "front_stage",
            "owner_team_id": "t_service",
        },
        {
            "id": "tp3b",
            "stage_id": "s3",
            "name": "Store help desk",
            "layer": "front_stage",
            "owner_team_id": "t_stores",
        },
    ]
    data["goals"].append(
        {
            "id": "g_service",
            "title": "Answer quickly",
            "team_id": "t_service",
            "owner_id": "p_admin",
            "objective_id": "o1",
            "status": "active",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
        }
    )
    data["metrics"].append(
        {
            "id": "m_service",
            "goal_id": "g_service",
            "name": "Answer time",
            "direction": "lower",
            "baseline": 300,
            "target": 120,
            "cadence_days": 30,
        }
    )
    data["metric_readings"] = [
        {"metric_id": "m_bill", "as_of": "2026-02-15", "value": 55},
        {"metric_id": "m_bill", "as_of": "2026-05-20", "value": 65},
        {"metric_id": "m_bill", "as_of": "2026-06-01", "value": 60},
        {"metric_id": "m_store", "as_of": "2026-02-20", "value": 15},
        {"metric_id": "m_store", "as_of": "2026-05-25", "value": 14},
    ]
    done = {
        "created_on": "2026-03-01",
        "due_date": "2026-05-15",
        "status": "done",
        "completed_on": "2026-05-01",
    }
    data["actions"] += [
        {
            "id": "a_up",
            "goal_id": "g_bill",
            "title": "Explain the first bill",
            "owner_id": "p_head",
            "team_id": "t_billing",
            **done,
        },
        {
            "id": "a_flat",
            "goal_id": "g_store",
            "title": "Queue app in stores",
            "owner_id": "p_head2",
            "team_id": "t_stores",
            **done,
        },
        {
            "id": "a_blind",
            "goal_id": "g_service",
            "title": "New phone menu",
            "owner_id": "p_admin",
            "team_id": "t_service",
            **done,
        },
    ]
    data["feedback"] = _feedback()
    return data


def load(db: Database) -> Database:
    """Import the insights company into `db`."""
    import_rows(db, bundle(), label="insights")
    return db
