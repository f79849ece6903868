"""The typed results of scoring, shared by pages, the command line and snapshots.

Frozen, slotted dataclasses: a result is a value computed for a date, never edited
afterwards, and slots nearly halve the time a thousand teams' results take to build.
Numbers are unrounded; rounding is for display only. A team's score and a signal are named
tuples, as immutable, because every assessment builds a thousand of the one and thousands
of the other, and a frozen dataclass takes five to ten times as long to build (2.9 µs
against 0.3 µs a team score, keywords given, on the 2-core EPYC of docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cxos.model.vocabulary import GoalHealth, Quadrant


class TeamScore(NamedTuple):
    """One team's alignment, accountability, quadrant and eight components as of a date."""

    team_id: str
    team: str
    business_unit_id: str
    business_unit: str
    alignment: float
    accountability: float
    quadrant: Quadrant
    components: dict[str, float | None]
    goals: int

    def as_dict(self) -> dict[str, Any]:
        """A plain dict (a copy of the components nested), e.g. for JSON."""
        return {**self._asdict(), "components": dict(self.components)}


@dataclass(frozen=True, slots=True)
class UnitScore:
    """A business unit's or the company's roll-up: its teams' mix of quadrants and means.

    A unit has no quadrant of its own: the quadrant of averaged scores misleads (a team
    at 95/25 and one at 0/87 average into "siloed" while neither is). `mix` says how many
    teams sit in each quadrant, and which; the means are numbers, never classified.
    """

    id: str
    name: str
    kind: str  # 'business_unit' or 'company'
    alignment: float
    accountability: float
    teams: int
    mix: dict[Quadrant, tuple[str, ...]] = field(default_factory=dict)  # quadrant -> team names

    def count(self, quadrant: str) -> int:
        """How many of the unit's teams sit in `quadrant`."""
        return len(self.mix.get(quadrant, ()))  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class GoalHealthResult:
    """A goal's health as of a date, from the lowest pace of its metrics."""

    goal_id: str
    health: GoalHealth
    pace: float | None
    metric_paces: dict[str, float] = field(default_factory=dict)


class Signal(NamedTuple):
    """One silo signal: what kind, about which subject, and in words."""

    signal: str
    subject_id: str
    detail: str
    team_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """One thing behind a component: a goal, action, metric, touchpoint, stage or pulse."""

    kind: str
    item_id: str
    label: str
    value: float
    ok: bool
    detail: str
    fix: str | None = None
    adds_alignment: float = 0.0
    adds_accountability: float = 0.0


@dataclass(frozen=True, slots=True)
class ComponentExplanation:
    """A component's value with the numerator, denominator and items behind it."""

    component: str
    value: float | None
    numerator: float
    denominator: int
    defined: bool
    weight: float
    items: tuple[Item, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Fix:
    """One change and how many points it would add, computed by re-scoring with it."""

    component: str
    text: str
    adds_alignment: float
    adds_accountability: float

    @property
    def total(self) -> float:
        return self.adds_alignment + self.adds_accountability

    def __str__(self) -> str:
        parts = []
        if self.adds_accountability > 0:
            parts.append(f"+{self.adds_accountability:.1f} accountability")
        if self.adds_alignment > 0:
            parts.append(f"+{self.adds_alignment:.1f} alignment")
        return f"{self.text}: {', '.join(parts) or '+0.0'}"


@dataclass(frozen=True, slots=True)
class TeamExplanation:
    """Why a team scores as it does as of a date, and what would move it."""

    as_of: dt.date
    score: TeamScore
    components: dict[str, ComponentExplanation]
    fixes: tuple[Fix, ...]
