"""The CXOS domain entities as Pydantic v2 models.

The bundle row models (one per bundle file) are the single source of truth for what a
column is: its type, whether it is required, its allowed values, its range, its length
and which characters it may hold. The bundle validator turns these fields into set-based
SQL checks, so an import of a million rows and a form holding one row are judged by the
same definition; forms that do not go through the validator (a check-in note, a feedback
response, a meeting's title) check their text with `check_text` against the same types.

What may enter at all is decided here, at the door: ids of at most `ID_MAX` characters,
names and titles of at most `NAME_MAX`, long text of at most `TEXT_MAX`, no control
characters (`cxos.text.CONTROL_CHARACTERS`; tab and line breaks are allowed), and no
person id starting with `RESERVED_PREFIX` (kept for CXOS's own identities; releases before
2026-12 logged the command-line operator as `@operator`).
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError, core_schema

from cxos.model.errors import InvalidInput
from cxos.model.vocabulary import (  # noqa: F401 - the vocabulary is named here too
    ACTION_STATUSES,
    PULSE_QUESTIONS,
    ROLES,
    ActionStatus,
    Direction,
    GoalHealth,
    GoalStatus,
    Layer,
    PulseQuestion,
    Quadrant,
    ReadingSource,
    Role,
    Sentiment,
)
from cxos.text import find_control

ID_MAX = 100
NAME_MAX = 200
TEXT_MAX = 10_000
# Ids no person row may take: kept for CXOS's own identities (old audit logs name "@operator").
RESERVED_PREFIX = "@"


def length_message(length: int, limit: int) -> str:
    """Why a text is too long, in the words the import and the forms both use."""
    return f"is {length:,} characters long; at most {limit:,} allowed"


def control_message(code: int, at: int) -> str:
    """Why a text holding control character `code` at index `at` is refused."""
    return f"holds the control character \\x{code:02x} at character {at + 1:,}; remove it"


def reserved_message() -> str:
    return (
        f"starts with '{RESERVED_PREFIX}', which is reserved for CXOS's own identities; "
        "choose another id"
    )


@dataclass(frozen=True)
class MaxChars:
    """At most `limit` characters. Read by `cxos.bundle.spec` to check imports in SQL too."""

    limit: int

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: str) -> str:
        if len(value) > self.limit:
            raise PydanticCustomError("too_long", length_message(len(value), self.limit))
        return value


@dataclass(frozen=True)
class NoControl:
    """No control character but tab and line breaks. Checked in SQL on import too."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    @staticmethod
    def _check(value: str) -> str:
        at = find_control(value)
        if at is not None:
            raise PydanticCustomError("control_character", control_message(ord(value[at]), at))
        return value


@dataclass(frozen=True)
class NotReserved:
    """Not starting with `RESERVED_PREFIX`: for ids of people, who could otherwise take
    the operator's identity. Checked in SQL on import too."""

    prefix: str = RESERVED_PREFIX

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: str) -> str:
        if value.startswith(self.prefix):
            raise PydanticCustomError("reserved", reserved_message())
        return value


Id = Annotated[str, Field(min_length=1), MaxChars(ID_MAX), NoControl()]
PersonId = Annotated[Id, NotReserved()]
Name = Annotated[str, MaxChars(NAME_MAX), NoControl()]
LongText = Annotated[str, MaxChars(TEXT_MAX), NoControl()]

_ADAPTERS: dict[int, TypeAdapter[Any]] = {}


def check_text(kind: Any, label: str, value: str | None) -> str | None:
    """`value` if it may enter as `kind` (`Id`, `Name`, `LongText`), else `InvalidInput`
    naming `label` — for a form field that is not a whole bundle row."""
    if value is None:
        return None
    adapter = _ADAPTERS.setdefault(id(kind), TypeAdapter(kind))
    try:
        return typing.cast(str, adapter.validate_python(value))
    except ValidationError as error:
        raise InvalidInput(f"{label} {explain(error)}") from error


def explain(error: ValidationError) -> str:
    """A Pydantic error in plain words: each field, then what is wrong with it
    ('the due date must be a date (YYYY-MM-DD)', not 'due_date: Input should be …')."""
    parts = []
    for e in error.errors(include_url=False):
        where = " ".join(str(p).replace("_", " ") for p in e["loc"] if not isinstance(p, int))
        words = _plain(e["type"], e.get("ctx") or {}) or e["msg"]
        parts.append(f"the {where} {words}" if where else words)
    return "; ".join(parts)


def _plain(kind: str, ctx: dict[str, Any]) -> str | None:
    """Pydantic's common error kinds as CXOS says them; None for the rest (its own words)."""
    if kind in ("string_too_short", "too_short"):
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"needs at least {least} characters"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".replace("'", "")
    bound = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le")}
    if kind in bound:
        words, key = bound[kind]
        return f"must be {words} {ctx.get(key)}"
    return _PLAIN.get(kind)


_PLAIN = {
    "missing": "is required",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "extra_forbidden": "is not a field of this record",
}


class Row(BaseModel):
    """A row of a bundle file: strict about unknown columns, tolerant of column order."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessUnit(Row):
    id: Id
    name: Name


class Team(Row):
    id: Id
    name: Name
    business_unit_id: Id
    retired_on: dt.date | None = None  # retired as of this date (docs/bundle.md)


class Person(Row):
    id: PersonId
    name: Name
    email: Name | None = None
    team_id: Id
    role: Role


class Journey(Row):
    id: Id
    name: Name


class Stage(Row):
    id: Id
    journey_id: Id
    phase: Name
    name: Name
    position: int
    retired_on: dt.date | None = None  # retired as of this date (docs/bundle.md)


class Touchpoint(Row):
    id: Id
    stage_id: Id
    name: Name
    layer: Layer
    channel: Name | None = None
    owner_team_id: Id
    retired_on: dt.date | None = None  # retired as of this date (docs/bundle.md)


class Objective(Row):
    id: Id
    title: Name
    vision: LongText | None = None


class Goal(Row):
    id: Id
    title: Name
    success_statement: LongText | None = None
    team_id: Id
    owner_id: Id | None = None
    start_date: dt.date
    end_date: dt.date
    status: GoalStatus
    retired_on: dt.date | None = None  # retired as of this date (docs/bundle.md)


class GoalStage(Row):
    goal_id: Id
    stage_id: Id
    valid_from: dt.date | None = None  # the link holds from this date (docs/bundle.md)
    retired_on: dt.date | None = None  # and until the day before this one


class GoalContributor(Row):
    goal_id: Id
    team_id: Id
    valid_from: dt.date | None = None  # the link holds from this date (docs/bundle.md)
    retired_on: dt.date | None = None  # and until the day before this one


class GoalObjective(Row):
    goal_id: Id
    objective_id: Id


class Metric(Row):
    id: Id
    goal_id: Id
    name: Name
    unit: Name | None = None
    direction: Direction
    baseline: float | None = None
    target: float | None = None
    cadence_days: Annotated[int, Field(gt=0)]
    retired_on: dt.date | None = None  # retired as of this date (docs/bundle.md)


class MetricReading(Row):
    metric_id: Id
    as_of: dt.date
    value: float
    source: ReadingSource = "import"


class Action(Row):
    id: Id
    goal_id: Id
    title: Name
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
    note: LongText | None = None


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
    text: LongText
    action_id: Id | None = None
    response: LongText | None = None
    closed_on: dt.date | None = None


class Note(Row):
    id: Id
    author_id: Id
    business_unit_id: Id
    stage_id: Id | None = None
    created_on: dt.date
    title: Name
    body: LongText
    tags: Name | None = None


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
