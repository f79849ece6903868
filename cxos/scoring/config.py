"""Configuration: scoring weights, thresholds and windows; how much an import may read.

SPEC.md makes the scoring values configuration with fixed defaults, so one validated object
carries them all and every scoring query receives its values as parameters. Overrides come
from a small TOML file (`$CXOS_CONFIG`, else `cxos.toml` in the working directory) under a
`[scoring]` table, so an organisation can tune its weights without touching code. The
same file's `[imports]` table sets the import limits (`ImportLimits`), `[api]` the API's
(`ApiLimits`) and `[app]` how the app's server takes turns between sessions (`ServingLimits`).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cxos.model.errors import CxosError

COMPONENTS: tuple[str, ...] = (
    "a1_ownership",
    "a2_delivery",
    "a3_cadence",
    "a4_pace",
    "l1_understanding",
    "l2_line_of_sight",
    "l3_coverage",
    "l4_bridging",
)
ACCOUNTABILITY_COMPONENTS = COMPONENTS[:4]
ALIGNMENT_COMPONENTS = COMPONENTS[4:]

# Bounds as pydantic `Field` keywords, kept in each field's metadata. The classes are plain
# dataclasses so that reading scores does not import pydantic (50-85 ms of a command's
# start, more than the scoring itself); pydantic validates only a configuration file.
_WEIGHT = {"ge": 0}
_DAYS = {"ge": 0}
_SCORE = {"ge": 0, "le": 100}
_FRACTION = {"ge": 0, "le": 1}
_Config = TypeVar("_Config")


def bounded(default: Any, bounds: Mapping[str, float]) -> Any:
    """A field with its default and its bounds as pydantic `Field` keywords (ge, le, gt)."""
    return field(default=default, metadata=bounds)


@dataclass(frozen=True)
class Weights:
    """Relative weight of each component inside its score (0 switches a component off)."""

    a1_ownership: float = bounded(1.0, _WEIGHT)
    a2_delivery: float = bounded(1.0, _WEIGHT)
    a3_cadence: float = bounded(1.0, _WEIGHT)
    a4_pace: float = bounded(1.0, _WEIGHT)
    l1_understanding: float = bounded(1.0, _WEIGHT)
    l2_line_of_sight: float = bounded(1.0, _WEIGHT)
    l3_coverage: float = bounded(1.0, _WEIGHT)
    l4_bridging: float = bounded(1.0, _WEIGHT)

    def __post_init__(self) -> None:
        for name, parts in (
            ("accountability", ACCOUNTABILITY_COMPONENTS),
            ("alignment", ALIGNMENT_COMPONENTS),
        ):
            if sum(getattr(self, c) for c in parts) <= 0:
                raise ValueError(f"at least one {name} component needs a weight above 0")


@dataclass(frozen=True)
class ScoringConfig:
    """Everything SPEC.md calls configuration for scores, goal health and signals."""

    weights: Weights = field(default_factory=Weights)
    aligned_threshold: float = bounded(60.0, _SCORE)
    accountable_threshold: float = bounded(60.0, _SCORE)
    check_in_fresh_days: int = bounded(14, _DAYS)
    pulse_window_days: int = bounded(180, _DAYS)
    stale_goal_days: int = bounded(28, _DAYS)
    unanswered_feedback_days: int = bounded(30, _DAYS)
    on_track_pace: float = bounded(0.9, _FRACTION)
    at_risk_pace: float = bounded(0.6, _FRACTION)

    def __post_init__(self) -> None:
        if self.at_risk_pace > self.on_track_pace:
            raise ValueError("at_risk_pace must not exceed on_track_pace")

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ScoringConfig:
        """The configuration from `path`, `$CXOS_CONFIG` or `./cxos.toml`; defaults if none."""
        return load_table(cls, "scoring", path)


MiB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    """How much one import may read: generous for real bundles, refusing what is not.

    A .zip or .xlsx is checked entry by entry before anything is unpacked (sizes as the
    archive declares them, and the ratio to their compressed size), and unpacking stops at
    the declared size; every CSV line is measured before the CSV reader sees it.
    """

    max_file_bytes: int = bounded(200 * MiB, {"gt": 0})  # one file or entry, unpacked
    max_total_bytes: int = bounded(1024 * MiB, {"gt": 0})  # a whole .zip or .xlsx, unpacked
    max_ratio: float = bounded(200.0, {"gt": 1})  # unpacked / packed size of an entry
    small_file_bytes: int = bounded(1 * MiB, {"ge": 0})  # below this, any ratio is fine
    max_line_bytes: int = bounded(1 * MiB, {"gt": 0})  # one line of a CSV file

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ImportLimits:
        """The limits from the configuration file's `[imports]` table; defaults if none."""
        return load_table(cls, "imports", path)


@dataclass(frozen=True)
class ApiLimits:
    """What one API token may send (`python -m cxos api`): the `[api]` table of the file."""

    requests_per_minute: float = bounded(600.0, {"gt": 0})  # each token's steady rate
    burst: int = bounded(60, {"gt": 0})  # requests a token may make at once
    max_body_bytes: int = bounded(5 * MiB, {"gt": 0})  # one request's body
    max_items: int = bounded(5_000, {"gt": 0})  # readings, feedback or check-ins per batch

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ApiLimits:
        """The limits from the configuration file's `[api]` table; defaults if none."""
        return load_table(cls, "api", path)


@dataclass(frozen=True)
class ServingLimits:
    """How the app's server shares its time between sessions: the `[app]` table of the file.

    Script runs take turns (`ui.run_queue`): `runs_at_once` work at a time, first come
    first served; a run working longer than `slow_run_seconds` stops holding others back.
    """

    runs_at_once: int = bounded(2, {"ge": 1})
    slow_run_seconds: float = bounded(1.0, {"gt": 0})

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ServingLimits:
        """The limits from the configuration file's `[app]` table; defaults if none."""
        return load_table(cls, "app", path)


def load_table(cls: type[_Config], table: str, path: str | os.PathLike[str] | None) -> _Config:
    """Dataclass `cls` from `table` of the configuration file, checked; defaults if none."""
    source = _config_path(path)
    if source is None:
        return cls()
    from pydantic import ValidationError

    try:
        with source.open("rb") as handle:
            values = tomllib.load(handle).get(table, {})
        return _validated(cls, values)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CxosError(f"cannot read the configuration {source}: {error}") from error
    except ValidationError as error:
        raise CxosError(f"the configuration {source} is not valid:\n{error}") from error


def _validated(cls: type[_Config], values: dict[str, Any]) -> _Config:
    """`values` checked by pydantic against `cls`'s fields and bounds, then `cls` built."""
    built: _Config = _dataclass_from(cls, _file_model(cls).model_validate(values))
    return built


def _file_model(cls: Any) -> Any:
    """A pydantic model with `cls`'s fields, defaults and bounds, nested dataclasses alike.

    The dataclass's own checks across fields (`__post_init__`) run as the model's
    after-validator, so their message arrives in the same error as a bound's.
    """
    from pydantic import ConfigDict, Field, create_model, model_validator

    fields: dict[str, Any] = {}
    for name, (kind, spec) in _fields(cls).items():
        if dataclasses.is_dataclass(kind):
            nested = _file_model(kind)
            fields[name] = (nested, Field(default_factory=nested))
        else:
            fields[name] = (kind, Field(default=spec.default, **spec.metadata))

    def cross_checks(model: Any) -> Any:
        _dataclass_from(cls, model)
        return model

    return create_model(
        cls.__name__,
        __config__=ConfigDict(extra="forbid", frozen=True),
        __validators__={"cross_checks": model_validator(mode="after")(cross_checks)},  # type: ignore[dict-item]
        **fields,
    )


def _dataclass_from(cls: Any, model: Any) -> Any:
    """`cls` built from a validated model of `_file_model(cls)`."""
    values = {}
    for name, (kind, _) in _fields(cls).items():
        value = getattr(model, name)
        values[name] = _dataclass_from(kind, value) if dataclasses.is_dataclass(kind) else value
    return cls(**values)


def _fields(cls: Any) -> dict[str, tuple[Any, dataclasses.Field[Any]]]:
    """Each field of dataclass `cls` by name: its resolved type and its declaration."""
    hints = typing.get_type_hints(cls)
    return {spec.name: (hints[spec.name], spec) for spec in dataclasses.fields(cls)}


def _config_path(explicit: str | os.PathLike[str] | None) -> Path | None:
    if explicit:
        return Path(explicit)
    if os.environ.get("CXOS_CONFIG"):
        return Path(os.environ["CXOS_CONFIG"])
    local = Path("cxos.toml")
    return local if local.is_file() else None
