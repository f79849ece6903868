"""Configuration: scoring weights, thresholds and windows; how much an import may read.

SPEC.md makes the scoring values configuration with fixed defaults, so one validated object
carries them all and every scoring query receives its values as parameters. Overrides come
from a small TOML file (`$CXOS_CONFIG`, else `cxos.toml` in the working directory) under a
`[scoring]` table, so an organisation can tune its weights without touching code. The
same file's `[imports]` table sets the import limits (`ImportLimits`).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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

Weight = Annotated[float, Field(ge=0)]
Days = Annotated[int, Field(ge=0)]
Score = Annotated[float, Field(ge=0, le=100)]
Fraction = Annotated[float, Field(ge=0, le=1)]
_Config = TypeVar("_Config", bound=BaseModel)


class Weights(BaseModel):
    """Relative weight of each component inside its score (0 switches a component off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    a1_ownership: Weight = 1.0
    a2_delivery: Weight = 1.0
    a3_cadence: Weight = 1.0
    a4_pace: Weight = 1.0
    l1_understanding: Weight = 1.0
    l2_line_of_sight: Weight = 1.0
    l3_coverage: Weight = 1.0
    l4_bridging: Weight = 1.0

    @model_validator(mode="after")
    def _each_score_weighs_something(self) -> Weights:
        for name, parts in (
            ("accountability", ACCOUNTABILITY_COMPONENTS),
            ("alignment", ALIGNMENT_COMPONENTS),
        ):
            if sum(getattr(self, c) for c in parts) <= 0:
                raise ValueError(f"at least one {name} component needs a weight above 0")
        return self


class ScoringConfig(BaseModel):
    """Everything SPEC.md calls configuration for scores, goal health and signals."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: Weights = Weights()
    aligned_threshold: Score = 60.0
    accountable_threshold: Score = 60.0
    check_in_fresh_days: Days = 14
    pulse_window_days: Days = 180
    stale_goal_days: Days = 28
    unanswered_feedback_days: Days = 30
    on_track_pace: Fraction = 0.9
    at_risk_pace: Fraction = 0.6

    @model_validator(mode="after")
    def _health_thresholds_ordered(self) -> ScoringConfig:
        if self.at_risk_pace > self.on_track_pace:
            raise ValueError("at_risk_pace must not exceed on_track_pace")
        return self

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ScoringConfig:
        """The configuration from `path`, `$CXOS_CONFIG` or `./cxos.toml`; defaults if none."""
        return _load(cls, "scoring", path)


MiB = 1024 * 1024


class ImportLimits(BaseModel):
    """How much one import may read: generous for real bundles, refusing what is not.

    A .zip or .xlsx is checked entry by entry before anything is unpacked (sizes as the
    archive declares them, and the ratio to their compressed size), and unpacking stops at
    the declared size; every CSV line is measured before the CSV reader sees it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_file_bytes: Annotated[int, Field(gt=0)] = 200 * MiB  # one file or entry, unpacked
    max_total_bytes: Annotated[int, Field(gt=0)] = 1024 * MiB  # a whole .zip or .xlsx, unpacked
    max_ratio: Annotated[float, Field(gt=1)] = 200.0  # unpacked / packed size of an entry
    small_file_bytes: Annotated[int, Field(ge=0)] = 1 * MiB  # below this, any ratio is fine
    max_line_bytes: Annotated[int, Field(gt=0)] = 1 * MiB  # one line of a CSV file

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ImportLimits:
        """The limits from the configuration file's `[imports]` table; defaults if none."""
        return _load(cls, "imports", path)


class ApiLimits(BaseModel):
    """What one API token may send (`python -m cxos api`): the `[api]` table of the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests_per_minute: Annotated[float, Field(gt=0)] = 600.0  # each token's steady rate
    burst: Annotated[int, Field(gt=0)] = 60  # requests a token may make at once
    max_body_bytes: Annotated[int, Field(gt=0)] = 5 * MiB  # one request's body
    max_items: Annotated[int, Field(gt=0)] = 5_000  # readings, feedback or check-ins per batch

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ApiLimits:
        """The limits from the configuration file's `[api]` table; defaults if none."""
        return _load(cls, "api", path)


def _load(cls: type[_Config], table: str, path: str | os.PathLike[str] | None) -> _Config:
    source = _config_path(path)
    if source is None:
        return cls()
    try:
        with source.open("rb") as handle:
            values = tomllib.load(handle).get(table, {})
        return cls.model_validate(values)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CxosError(f"cannot read the configuration {source}: {error}") from error
    except ValidationError as error:
        raise CxosError(f"the configuration {source} is not valid:\n{error}") from error


def _config_path(explicit: str | os.PathLike[str] | None) -> Path | None:
    if explicit:
        return Path(explicit)
    if os.environ.get("CXOS_CONFIG"):
        return Path(os.environ["CXOS_CONFIG"])
    local = Path("cxos.toml")
    return local if local.is_file() else None
