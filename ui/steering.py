"""Cached reads shared by the steering pages (overview, journey, team, meetings).

Each function is keyed by the database path and `data_version()`, so any write anywhere
invalidates it, and by the as-of date. They only call `cxos`; nothing is computed here.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cxos import journey_map, meetings, team_view, worklist
from cxos.attention import Attention, attention
from cxos.config import ScoringConfig
from cxos.palette import HEALTH, QUADRANTS
from cxos.scoring import (
    GoalHealthResult,
    Signal,
    TeamScore,
    UnitScore,
    compute_scores,
    compute_signals,
    goal_health,
    rollup,
)
from ui.filters import Filters
from ui.session import data_version, database


def key() -> tuple[str, int]:
    """The cache key of the current data: database path and data version."""
    return str(database().path), data_version()


@st.cache_data(show_spinner=False)
def scores(path: str, version: int, as_of: dt.date) -> list[TeamScore]:
    return compute_scores(database(), as_of)


@st.cache_data(show_spinner=False)
def signals(path: str, version: int, as_of: dt.date) -> list[Signal]:
    return compute_signals(database(), as_of)


@st.cache_data(show_spinner=False)
def health(path: str, version: int, as_of: dt.date) -> dict[str, GoalHealthResult]:
    return goal_health(database(), as_of)


@st.cache_data(show_spinner=False)
def previous_review(path: str, version: int, as_of: dt.date) -> dict | None:
    return meetings.previous_review(database(), as_of)


@st.cache_data(show_spinner=False)
def attention_lists(path: str, version: int, as_of: dt.date) -> Attention:
    db = database()
    return attention(
        db,
        as_of,
        signals(path, version, as_of),
        health(path, version, as_of),
        worklist.work_items(db, as_of),
    )


@st.cache_data(show_spinner=False)
def teams(path: str, version: int) -> dict[str, str]:
    return team_view.teams(database())


@st.cache_data(show_spinner=False)
def journeys(path: str, version: int) -> dict[str, str]:
    return journey_map.journeys(database())


def config() -> ScoringConfig:
    return ScoringConfig.load()


def scoped_scores(filters: Filters) -> list[TeamScore]:
    """Team scores as of the filter date, of the chosen business unit (or all)."""
    found = scores(*key(), filters.as_of)
    if filters.business_unit_id is None:
        return found
    return [s for s in found if s.business_unit_id == filters.business_unit_id]


def units(filters: Filters) -> list[UnitScore]:
    """Roll-ups: every unit and the company; only the chosen unit and the company if one is."""
    everything = rollup(scores(*key(), filters.as_of), config())
    if filters.business_unit_id is None:
        return everything
    return [u for u in everything if u.id in (filters.business_unit_id, "*")]


def quadrant_badge(name: str) -> str:
    return QUADRANTS[name].badge()


def health_badge(name: str | None) -> str:
    return HEALTH[name].badge() if name in HEALTH else "— no linked goal"
