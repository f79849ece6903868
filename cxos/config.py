"""Scoring configuration: component weights, thresholds and windows.

SPEC.md makes these configuration with fixed defaults, so one validated object carries them
all and every scoring query receives its values as parameters. Overrides come from a small
TOML file (`$CXOS_CONFIG`, else `cxos.toml` in the working directory) under a `[scoring]`
table, so an organisation can tune its weights without touching code.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cxos.errors import CxosError

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
        source = _config_path(path)
        if source is None:
            return cls()
        try:
            with source.open("rb") as handle:
                table = tomllib.load(handle).get("scoring", {})
            return cls.model_validate(table)
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
