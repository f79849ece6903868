"""A tiny builder of hand-made bundles for the scoring tests (no tests here).

Rows get every required column with a neutral default, and the business unit, journey,
objective and owner a row refers to are created on the way, so each test states only
what its rule is about.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from cxos.scoring import TeamScore, compute_scores
from cxos.scoring.config import ScoringConfig

D = dt.date(2024, 6, 30)


def days(n: int) -> str:
    """D + n days, as ISO text (negative n: before D)."""
    return (D + dt.timedelta(days=n)).isoformat()


class Org:
    """Bundle rows, `{file: [row, ...]}`, built by intent."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._ids: set[tuple[str, str]] = set()

    def _once(self, file: str, row: dict[str, Any]) -> None:
        key = (file, row["id"])
        if key not in self._ids:
            self._ids.add(key)
            self.rows[file].append(row)

    def team(self, team_id: str, bu: str = "bu") -> Org:
        self._once("business_units", {"id": bu, "name": bu.upper()})
        self._once("teams", {"id": team_id, "name": team_id.upper(), "business_unit_id": bu})
        self._once(
            "people", {"id": f"p_{team_id}", "name": team_id, "team_id": team_id, "role": "head"}
        )
        return self

    def stage(self, stage_id: str, position: int, journey: str = "j") -> Org:
        self._once("journeys", {"id": journey, "name": journey})
        self._once(
            "stages",
            {
                "id": stage_id,
                "journey_id": journey,
                "phase": "P",
                "name": stage_id.upper(),
                "position": position,
            },
        )
        return self

    def touchpoint(self, tp_id: str, stage_id: str, team_id: str) -> Org:
        self.team(team_id)
        self._once(
            "touchpoints",
            {
                "id": tp_id,
                "stage_id": stage_id,
                "name": tp_id.upper(),
                "layer": "front_stage",
                "owner_team_id": team_id,
            },
        )
        return self

    def goal(
        self,
        goal_id: str,
        team_id: str,
        start: int = -100,
        end: int = 100,
        status: str = "active",
        owner: bool = True,
        objective: bool = True,
        stages: tuple[str, ...] = (),
        contributors: tuple[str, ...] = (),
    ) -> Org:
        self.team(team_id)
        if objective:
            self._once("objectives", {"id": "obj", "title": "Objective"})
        self._once(
            "goals",
            {
                "id": goal_id,
                "title": goal_id.upper(),
                "team_id": team_id,
                "owner_id": f"p_{team_id}" if owner else None,
                "start_date": days(start),
                "end_date": days(end),
                "status": status,
            },
        )
        if objective:
            self.rows["goal_objectives"].append({"goal_id": goal_id, "objective_id": "obj"})
        for stage_id in stages:
            self.rows["goal_stages"].append({"goal_id": goal_id, "stage_id": stage_id})
        for other in contributors:
            self.team(other)
            self.rows["goal_contributors"].append({"goal_id": goal_id, "team_id": other})
        return self

    def metric(
        self,
        metric_id: str,
        goal_id: str,
        baseline: float | None = 0.0,
        target: float | None = 100.0,
        cadence: int = 30,
        direction: str = "higher",
    ) -> Org:
        self._once(
            "metrics",
            {
                "id": metric_id,
                "goal_id": goal_id,
                "name": metric_id.upper(),
                "direction": direction,
                "baseline": baseline,
                "target": target,
                "cadence_days": cadence,
            },
        )
        return self

    def reading(self, metric_id: str, day: int, value: float) -> Org:
        self.rows["metric_readings"].append(
            {"metric_id": metric_id, "as_of": days(day), "value": value}
        )
        return self

    def action(
        self,
        action_id: str,
        goal_id: str,
        team_id: str,
        created: int = -60,
        due: int = 30,
        status: str = "open",
        completed: int | None = None,
    ) -> Org:
        self.team(team_id)
        self._once(
            "actions",
            {
                "id": action_id,
                "goal_id": goal_id,
                "title": action_id.upper(),
                "team_id": team_id,
                "created_on": days(created),
                "due_date": days(due),
                "status": status,
                "completed_on": None if completed is None else days(completed),
            },
        )
        return self

    def check_in(self, action_id: str, day: int, progress: int = 50) -> Org:
        self.rows["check_ins"].append(
            {
                "action_id": action_id,
                "checked_on": days(day),
                "status": "in_progress",
                "progress": progress,
                "confidence": 4,
            }
        )
        return self

    def pulse(self, team_id: str, day: int, **scores: float) -> Org:
        for question, score in scores.items():
            self.rows["pulse_responses"].append(
                {
                    "team_id": team_id,
                    "survey_date": days(day),
                    "question": question,
                    "score": score,
                    "respondents": 5,
                }
            )
        return self

    def feedback(
        self,
        feedback_id: str,
        team_id: str,
        stage_id: str,
        received: int,
        sentiment: str = "negative",
        action_id: str | None = None,
        closed: int | None = None,
    ) -> Org:
        self._once(
            "feedback",
            {
                "id": feedback_id,
                "received_on": days(received),
                "stage_id": stage_id,
                "team_id": team_id,
                "sentiment": sentiment,
                "text": "it went wrong",
                "action_id": action_id,
                "response": "handled" if closed is not None else None,
                "closed_on": None if closed is None else days(closed),
            },
        )
        return self


def scores_by_team(
    db: Any, as_of: dt.date = D, config: ScoringConfig | None = None
) -> dict[str, TeamScore]:
    """compute_scores keyed by team id (default configuration, not a local cxos.toml)."""
    return {s.team_id: s for s in compute_scores(db, as_of, config or ScoringConfig())}


def component(db: Any, team_id: str, name: str, as_of: dt.date = D) -> float | None:
    """One component of one team."""
    return scores_by_team(db, as_of)[team_id].components[name]
