"""The domain's closed vocabularies: roles, layers, statuses, quadrants, health, pulse questions.

Plain `Literal` types with no Pydantic, so scoring and the command line can name them
without building the row models (`cxos.model.entities` re-exports every name here).
"""

from __future__ import annotations

import typing
from typing import Literal

Role = Literal["admin", "steering", "head", "champion", "member"]
Layer = Literal["front_stage", "on_stage", "back_stage"]
GoalStatus = Literal["active", "achieved", "dropped"]
Direction = Literal["higher", "lower"]
ReadingSource = Literal["manual", "import", "api", "survey"]
ActionStatus = Literal["open", "in_progress", "blocked", "done", "cancelled"]
Sentiment = Literal["positive", "neutral", "negative"]
PulseQuestion = Literal["understand_goals", "know_my_part", "agree_why"]
Quadrant = Literal["performing", "aspirational", "compliant", "siloed"]
GoalHealth = Literal["on_track", "at_risk", "off_track", "no_data", "achieved"]

ROLES: tuple[Role, ...] = typing.get_args(Role)
ACTION_STATUSES: tuple[ActionStatus, ...] = typing.get_args(ActionStatus)
PULSE_QUESTIONS: dict[PulseQuestion, str] = {
    "understand_goals": "I understand our CX goals",
    "know_my_part": "I know how my work contributes",
    "agree_why": "I agree with why they matter",
}
