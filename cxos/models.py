"""The CXOS domain entities as Pydantic v2 models.

The bundle row models (one per bundle file) are the single source of truth for what a
column is: its type, whether it is required, its allowed values and its range. The bundle
validator turns these fields into set-based SQL checks, so an import of a million rows and
a form holding one row are judged by the same definition.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[str, Field(min_length=1)]
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


class Row(BaseModel):
    """A row of a bundle file: strict about unknown columns, tolerant of column order."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessUnit(Row):
    id: Id
    name: str


class Team(Row):
    id: Id
    name: str
    business_unit_id: Id


class Person(Row):
    id: Id
    name: str
    email: str | None = None
    team_id: Id
    role: Role


class Journey(Row):
    id: Id
    name: str


class Stage(Row):
    id: Id
    journey_id: Id
    phase: str
    name: str
    position: int


class Touchpoint(Row):
    id: Id
    stage_id: Id
    name: str
    layer: Layer
    channel: str | None = None
    owner_team_id: Id


class Objective(Row):
    id: Id
    title: str
    vision: str | None = None


class Goal(Row):
    id: Id
    title: str
    success_statement: str | None = None
    team_id: Id
    owner_id: Id | None = None
    objective_id: Id | None = None
    start_date: dt.date
    end_date: dt.date
    status: GoalStatus


class GoalStage(Row):
    goal_id: Id
    stage_id: Id


class GoalContributor(Row):
    goal_id: Id
    team_id: Id


class Metric(Row):
    id: Id
    goal_id: Id
    name: str
    unit: str | None = None
    direction: Direction
    baseline: float | None = None
    target: float | None = None
    cadence_days: Annotated[int, Field(gt=0)]


class MetricReading(Row):
    metric_id: Id
    as_of: dt.date
    value: float
    source: ReadingSource = "import"


class Action(Row):
    id: Id
    goal_id: Id
    title: str
    owner_id: Id | None = None
    team_id: Id
    created_on: dt.date
    due_date: dt.date
    status: ActionStatus
    completed_on: dt.date | None = None


class CheckIn(Row):
    action_id: Id
    checked_on: dt.date
    status: ActionStatus
    progress: Annotated[int, Field(ge=0, le=100)]
    confidence: Annotated[int, Field(ge=1, le=5)] | None = None
    note: str | None = None


class PulseResponse(Row):
    team_id: Id
    survey_date: dt.date
    question: PulseQuestion
    score: Annotated[float, Field(ge=1, le=5)]
    respondents: Annotated[int, Field(ge=1)]


class Feedback(Row):
    id: Id
    received_on: dt.date
    stage_id: Id
    touchpoint_id: Id | None = None
    team_id: Id
    sentiment: Sentiment
    text: str
    action_id: Id | None = None
    response: str | None = None
    closed_on: dt.date | None = None


class Note(Row):
    id: Id
    author_id: Id
    business_unit_id: Id
    stage_id: Id | None = None
    created_on: dt.date
    title: str
    body: str
    tags: str | None = None


# Records that live only in the database (not in the bundle).


class Meeting(BaseModel):
    id: str
    held_on: dt.date
    title: str
    status: Literal["open", "closed"]
    attendees: list[str] = []
    created_by: str | None = None
    closed_at: dt.datetime | None = None


class Decision(BaseModel):
    id: str
    meeting_id: str
    text: str
    action_id: str | None = None
    created_by: str | None = None
    created_at: dt.datetime | None = None


class ScoreSnapshot(BaseModel):
    as_of: dt.date
    team_id: str
    alignment: float
    accountability: float
    quadrant: Quadrant
    components: dict[str, float | None]


class AuditEntry(BaseModel):
    id: int
    logged_at: dt.datetime
    actor_id: str | None
    who: str  # the actor in words: a person's name and id, the operator, or the system
    operation: str
    entity: str
    entity_id: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
