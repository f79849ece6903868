"""One visual language for every page, chart and review pack.

Quadrants and goal health always have the same colour, symbol and label, wherever they
appear. Colours come from the Okabe–Ito palette, which stays distinguishable with the
common forms of colour blindness; every state also has a symbol and a word, so colour is
never the only carrier of meaning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Look:
    """How one state is shown: colour, a light tint for backgrounds, a symbol, a label."""

    colour: str
    tint: str
    symbol: str
    label: str
    marker: str  # a Plotly marker symbol

    def badge(self) -> str:
        return f"{self.symbol} {self.label}"


QUADRANTS: dict[str, Look] = {
    "performing": Look("#009E73", "#E0F3EC", "●", "Performing", "circle"),
    "aspirational": Look("#0072B2", "#DDEBF5", "◆", "Aspirational", "diamond"),
    "compliant": Look("#E69F00", "#FBF0D9", "■", "Compliant", "square"),
    "siloed": Look("#D55E00", "#F8E4D6", "✖", "Siloed", "x"),
}

HEALTH: dict[str, Look] = {
    "on_track": Look("#009E73", "#E0F3EC", "●", "On track", "circle"),
    "at_risk": Look("#E69F00", "#FBF0D9", "▲", "At risk", "triangle-up"),
    # Not ✖: that is the siloed quadrant's, and both show on the overview.
    "off_track": Look("#D55E00", "#F8E4D6", "⊗", "Off track", "circle-x"),
    "no_data": Look("#8C8C8C", "#EEEEEE", "○", "No data", "circle-open"),
    "achieved": Look("#0072B2", "#DDEBF5", "★", "Achieved", "star"),
}

SIGNALS: dict[str, str] = {
    "unbridged_stage": "Unbridged stage",
    "handoff_gap": "Hand-off gap",
    "orphan_touchpoint": "Orphan touchpoint",
    "unanswered_feedback": "Unanswered feedback",
    "stale_goal": "Stale goal",
    "no_pulse": "No pulse",
}

# An action's status in words (the data keeps its codes).
ACTION_STATUS: dict[str, str] = {
    "open": "Open",
    "in_progress": "In progress",
    "blocked": "Blocked",
    "done": "Done",
    "cancelled": "Cancelled",
    "no action": "No action",
}

# Business units and other categories: distinct from the state colours above.
CATEGORIES = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#999933",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#117733",
    "#DDCC77",
    "#6699CC",
)

INK = "#1F2933"
MUTED = "#6B7280"
GRID = "#E5E7EB"
FONT = "Source Sans Pro, Arial, sans-serif"


def category_colour(index: int) -> str:
    """A stable colour for the n-th category (business unit, series)."""
    return CATEGORIES[index % len(CATEGORIES)]


def mix_text(mix: Mapping[Any, Sequence[str]], words: bool = True) -> str:
    """How many teams sit in each quadrant, best first, e.g. "● 2 Performing · ✖ 1 Siloed".

    Quadrants without a team are left out; `words=False` keeps only symbols and counts.
    """
    parts = [
        f"{look.symbol} {len(mix[name])}" + (f" {look.label}" if words else "")
        for name, look in QUADRANTS.items()
        if mix.get(name)
    ]
    return " · ".join(parts) or "no team"


def health_mix(states: Sequence[str]) -> str:
    """How many goals are in each health state, worst first: "⊗ 2 off track · ● 1 on track"."""
    order = ("off_track", "at_risk", "no_data", "on_track", "achieved")
    parts = [
        f"{HEALTH[name].symbol} {states.count(name)} {HEALTH[name].label.lower()}"
        for name in order
        if name in states
    ]
    return " · ".join(parts) or "no goal"


def quadrant_look(name: str) -> Look:
    return QUADRANTS[name]


def health_look(name: str) -> Look:
    return HEALTH[name]


def day(value: dt.date) -> str:
    """A date as people read it, the same on every screen and file: "5 Dec 2026"."""
    return f"{value.day} {value:%b %Y}"


def moment(value: dt.datetime) -> str:
    """A time as people read it: "5 Dec 2026, 11:00"."""
    return f"{day(value)}, {value:%H:%M}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 metric', '3 metrics', '1,204 teams': a count with its noun in the right number."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
