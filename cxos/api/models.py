"""What the API's POST bodies may hold: the field types and limits of `cxos.model.entities`.

Only the shape is judged here (types, lengths, ranges, control characters, unknown
fields), with the same types the import and the forms use; everything that needs the
database (does the metric exist, may this token write it, is the date in the future) is
the domain's.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cxos.model.entities import ActionStatus, Id, LongText, Sentiment


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadingIn(_In):
    metric_id: Id
    value: Annotated[float, Field(allow_inf_nan=False)]
    as_of: dt.date


class ReadingsIn(_In):
    readings: Annotated[list[ReadingIn], Field(min_length=1)]


class FeedbackIn(_In):
    id: Id | None = Field(None, description="your system's id: sending it again stores it once")
    received_on: dt.date
    stage_id: Id | None = None
    touchpoint_id: Id | None = None
    team_id: Id | None = Field(None, description="only for a stage with several owners")
    sentiment: Sentiment
    text: LongText


class FeedbackBatchIn(_In):
    feedback: Annotated[list[FeedbackIn], Field(min_length=1)]


class CheckInIn(_In):
    action_id: Id
    status: ActionStatus
    progress: Annotated[int, Field(ge=0, le=100)] | None = None
    confidence: Annotated[int, Field(ge=1, le=5)] | None = None
    note: LongText | None = None
    checked_on: dt.date | None = None
    expected_version: int | None = None


class CheckInsIn(_In):
    check_ins: Annotated[list[CheckInIn], Field(min_length=1)]
