"""The bundle format: which files exist, their columns, keys and references.

Every column's type, requiredness, allowed values and range come from the row models in
`cxos.model.entities`; the checks in `cxos.bundle.validation` are generated from them. Files are
listed in dependency order, so a file only refers to files above it (and to itself).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from cxos.model import entities as m


@dataclass(frozen=True)
class Reference:
    """`column` holds an id of `target` (a bundle file name without .csv)."""

    column: str
    target: str


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row: `violated` is SQL over typed columns."""

    column: str
    violated: str
    message: str


@dataclass(frozen=True)
class LegacyColumn:
    """An id column older bundles have that the file no longer stores (goals.csv's
    `objective_id`, before goals had several objectives). It is read and checked like the
    others, never stored in the file's table nor exported: each value, with the row's id,
    is added as a row of the file `moved_to` (whose columns are that id, then this one)."""

    name: str
    moved_to: str


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # VARCHAR, DATE, INTEGER or DOUBLE
    required: bool
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    default: str | None = None
    max_chars: int | None = None  # text: at most this many characters
    no_control: bool = False  # text: no control characters (cxos.text.CONTROL_CHARACTERS)
    reserved_prefix: str | None = None  # ids that may not start with this


@dataclass(frozen=True)
class FileSpec:
    name: str
    model: type[BaseModel]
    key: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    rules: tuple[RowRule, ...] = ()
    # check-ins have no id: the bundle's rows for one key replace all of the database's.
    key_is_unique: bool = True
    order_by: tuple[str, ...] = field(default=())
    legacy: tuple[LegacyColumn, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def table(self) -> str:
        return self.name

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        return tuple(_column(name, info) for name, info in self.model.model_fields.items())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def read_columns(self) -> tuple[Column, ...]:
        """The columns a bundle's file may have: the stored ones, then the legacy ones."""
        return self.columns + tuple(Column(c.name, "VARCHAR", False) for c in self.legacy)

    @property
    def sort_columns(self) -> tuple[str, ...]:
        return self.order_by or self.key

    def written_indices(self, rows: Sequence[Sequence[Any]]) -> list[int]:
        """The positions of the columns a file of these rows is written with: every column
        but those of WRITTEN_WHEN_USED that no row fills."""
        return [
            i
            for i, name in enumerate(self.column_names)
            if name not in WRITTEN_WHEN_USED or any(row[i] is not None for row in rows)
        ]


# Columns added to the format later, written only when a row of the file has a value, so
# a bundle that uses none of them is byte for byte what it was before they existed:
# `retired_on` (teams, stages, touchpoints, goals, metrics, goal_stages, goal_contributors)
# and `valid_from` (goal_stages, goal_contributors); docs/bundle.md.
WRITTEN_WHEN_USED = frozenset({"retired_on", "valid_from"})


_SQL_TYPES = {str: "VARCHAR", dt.date: "DATE", int: "INTEGER", float: "DOUBLE"}


def _column(name: str, info: Any) -> Column:
    annotation = info.annotation
    required = info.is_required()
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in args if a is not type(None))
    choices: tuple[str, ...] = ()
    if typing.get_origin(annotation) is Literal:
        choices = tuple(typing.get_args(annotation))
        annotation = str
    minimum = maximum = None
    exclusive = False
    text: dict[str, Any] = {}
    for meta in _metadata(info, annotation):
        if isinstance(meta, m.MaxChars):
            text["max_chars"] = meta.limit
        elif isinstance(meta, m.NoControl):
            text["no_control"] = True
        elif isinstance(meta, m.NotReserved):
            text["reserved_prefix"] = meta.prefix
        if isinstance(meta, Ge):
            minimum = float(meta.ge)  # type: ignore[arg-type]
        elif isinstance(meta, Gt):
            minimum, exclusive = float(meta.gt), True  # type: ignore[arg-type]
        elif isinstance(meta, Le):
            maximum = float(meta.le)  # type: ignore[arg-type]
        elif isinstance(meta, Lt):
            maximum = float(meta.lt)  # type: ignore[arg-type]
    base = typing.get_args(annotation)[0] if typing.get_origin(annotation) else annotation
    default = None if required or info.default is None else str(info.default)
    return Column(
        name, _SQL_TYPES[base], required, choices, minimum, maximum, exclusive, default, **text
    )


def _metadata(info: Any, annotation: Any) -> list[Any]:
    found = list(info.metadata)
    if typing.get_origin(annotation) is typing.Annotated:
        for extra in typing.get_args(annotation)[1:]:
            # Field(...) inside an Optional[Annotated[...]] keeps its bounds in .metadata
            found += list(getattr(extra, "metadata", [extra]))
    return found


def _refs(**pairs: str) -> tuple[Reference, ...]:
    return tuple(Reference(column, target) for column, target in pairs.items())


FILES: tuple[FileSpec, ...] = (
    FileSpec("business_units", m.BusinessUnit, ("id",)),
    FileSpec("teams", m.Team, ("id",), _refs(business_unit_id="business_units")),
    FileSpec("people", m.Person, ("id",), _refs(team_id="teams")),
    FileSpec("journeys", m.Journey, ("id",)),
    FileSpec("stages", m.Stage, ("id",), _refs(journey_id="journeys")),
    FileSpec("touchpoints", m.Touchpoint, ("id",), _refs(stage_id="stages", owner_team_id="teams")),
    FileSpec("objectives", m.Objective, ("id",)),
    FileSpec(
        "goals",
        m.Goal,
        ("id",),
        _refs(team_id="teams", owner_id="people", objective_id="objectives"),
        (RowRule("end_date", "end_date < start_date", "end_date is before start_date"),),
        legacy=(LegacyColumn("objective_id", "goal_objectives"),),
    ),
    FileSpec(
        "goal_stages",
        m.GoalStage,
        ("goal_id", "stage_id"),
        _refs(goal_id="goals", stage_id="stages"),
    ),
    FileSpec(
        "goal_contributors",
        m.GoalContributor,
        ("goal_id", "team_id"),
        _refs(goal_id="goals", team_id="teams"),
    ),
    FileSpec(
        "goal_objectives",
        m.GoalObjective,
        ("goal_id", "objective_id"),
        _refs(goal_id="goals", objective_id="objectives"),
    ),
    FileSpec(
        "metrics",
        m.Metric,
        ("id",),
        _refs(goal_id="goals"),
        (
            RowRule(
                "target",
                "direction = 'higher' AND target < baseline",
                "target is below baseline, but higher is better for this metric",
            ),
            RowRule(
                "target",
                "direction = 'lower' AND target > baseline",
                "target is above baseline, but lower is better for this metric",
            ),
        ),
    ),
    FileSpec(
        "metric_readings", m.MetricReading, ("metric_id", "as_of"), _refs(metric_id="metrics")
    ),
    FileSpec(
        "actions",
        m.Action,
        ("id",),
        _refs(goal_id="goals", owner_id="people", team_id="teams"),
        (
            RowRule(
                "completed_on",
                "completed_on IS NOT NULL AND status <> 'done'",
                "completed_on is set but the status is not 'done'",
            ),
            RowRule(
                "completed_on",
                "completed_on IS NULL AND status = 'done'",
                "a 'done' action needs completed_on",
            ),
        ),
    ),
    FileSpec(
        "check_ins",
        m.CheckIn,
        ("action_id", "checked_on"),
        _refs(action_id="actions"),
        key_is_unique=False,
    ),
    FileSpec(
        "pulse_responses",
        m.PulseResponse,
        ("team_id", "survey_date", "question"),
        _refs(team_id="teams"),
    ),
    FileSpec(
        "feedback",
        m.Feedback,
        ("id",),
        _refs(stage_id="stages", touchpoint_id="touchpoints", team_id="teams", action_id="actions"),
        (
            # SPEC's working rules: negative feedback is never closed silently.
            RowRule(
                "closed_on",
                "sentiment = 'negative' AND closed_on IS NOT NULL AND response IS NULL "
                "AND action_id IS NULL",
                "negative feedback is closed without a response or an action: write why no "
                "action is taken (response) or link the action (action_id)",
            ),
        ),
    ),
    FileSpec(
        "notes",
        m.Note,
        ("id",),
        _refs(author_id="people", business_unit_id="business_units", stage_id="stages"),
    ),
)

BY_NAME: dict[str, FileSpec] = {spec.name: spec for spec in FILES}


def spec_for(name: str) -> FileSpec:
    """The spec of a bundle file, by name with or without `.csv`."""
    return BY_NAME[name.removesuffix(".csv")]
