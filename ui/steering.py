"""Cached reads shared by the steering pages (overview, journey, team, meetings).

Each function is keyed by the database path and `data_version()`, so any write anywhere
invalidates it, and by the as-of date. They only call `cxos`; nothing is computed here.

The organisation-wide results (scores, signals, goal health, attention lists, figures)
are shared by every session as objects (`st.cache_resource`, bounded): `st.cache_data`
would unpickle a fresh copy on every rerun, and for a thousand teams the attention lists
alone took 250 ms to unpickle. Pages only read them and must never modify them.
"""

from __future__ import annotations

import datetime as dt

import orjson
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from cxos import palette
from cxos.champions import compare
from cxos.palette import HEALTH, QUADRANTS
from cxos.review import figures, journey_map, meetings, team_detail
from cxos.review.needs_attention import Attention, attention, scoped
from cxos.scoring import (
    Assessment,
    ComponentExplanation,
    GoalHealthResult,
    Signal,
    TeamScore,
    UnitScore,
    UnitTrend,
    assess,
    goal_health,
    rollup,
    unit_trends,
)
from cxos.scoring.config import ScoringConfig
from cxos.work import my_work
from ui import tables
from ui.database import data_version, database, once_per_run
from ui.filters import Filters
from ui.tables import Column


def key() -> tuple[str, int]:
    """The cache key of the current data: database path and data version."""
    return database().location, data_version()


# Shared, read-only results of the whole organisation: see the module docstring.
_shared = st.cache_resource(show_spinner=False, max_entries=16)


@_shared
def assessment(path: str, version: int, as_of: dt.date) -> Assessment:
    return assess(database(), as_of)


def scores(path: str, version: int, as_of: dt.date) -> list[TeamScore]:
    return assessment(path, version, as_of).scores


def signals(path: str, version: int, as_of: dt.date) -> list[Signal]:
    return assessment(path, version, as_of).signals


@_shared
def health(path: str, version: int, as_of: dt.date) -> dict[str, GoalHealthResult]:
    return goal_health(database(), as_of)


@_shared
def previous_review(path: str, version: int, as_of: dt.date) -> dict | None:
    return meetings.previous_review(database(), as_of)


@_shared
def attention_lists(path: str, version: int, as_of: dt.date) -> Attention:
    db = database()
    return attention(
        db,
        as_of,
        signals(path, version, as_of),
        health(path, version, as_of),
        my_work.work_items(db, as_of, kinds=["overdue_action"]),
    )


@st.cache_data(show_spinner=False)
def teams(path: str, version: int) -> dict[str, str]:
    return team_detail.teams(database())


@st.cache_data(show_spinner=False)
def journeys(path: str, version: int) -> dict[str, str]:
    return journey_map.journeys(database())


def config() -> ScoringConfig:
    """The scoring configuration, read once per script run (the file may change between)."""
    return once_per_run("scoring_config", ScoringConfig.load)


def scoped_scores(filters: Filters) -> list[TeamScore]:
    """Team scores as of the filter date, of the chosen business unit (or all)."""
    found = scores(*key(), filters.as_of)
    if filters.business_unit_id is None:
        return found
    return [s for s in found if s.business_unit_id == filters.business_unit_id]


def units(filters: Filters) -> list[UnitScore]:
    """Roll-ups: every unit and the company; only the chosen unit and the company if one is."""
    everything = _rollup(*key(), filters.as_of)
    if filters.business_unit_id is None:
        return everything
    return [u for u in everything if u.id in (filters.business_unit_id, "*")]


@_shared
def _rollup(path: str, version: int, as_of: dt.date) -> list[UnitScore]:
    return rollup(scores(path, version, as_of), config())


def trends(filters: Filters, unit_ids: tuple[str, ...] | None = None) -> list[UnitTrend]:
    """The company's and each unit's scores over the last quarters: of `unit_ids` (else
    the filter's unit, else every unit), always with the company."""
    everything = _trends(*key(), filters.as_of)
    wanted = unit_ids or ((filters.business_unit_id,) if filters.business_unit_id else None)
    if wanted is None:
        return everything
    return [t for t in everything if t.id in wanted or t.id == "*"]


@st.cache_resource(show_spinner=False, max_entries=32)
def _trend_chart(
    path: str, version: int, as_of: dt.date, unit: str | None, unit_ids: tuple[str, ...] | None
) -> go.Figure:
    found = trends(Filters(as_of=as_of, business_unit_id=unit), unit_ids)
    if len(found) > TREND_LINES:  # hundreds of lines are unreadable: the company's only
        found = [t for t in found if t.kind == "company"]
    return prepared(figures.unit_trend_chart(found, config()))


TREND_LINES = 11  # ten units and the company


@_shared
def _trends(path: str, version: int, as_of: dt.date) -> list[UnitTrend]:
    return unit_trends(database(), as_of, config=config())


def scoped_attention(filters: Filters) -> Attention:
    """The attention lists as of the filter date, of the chosen business unit (or all)."""
    return _scoped_attention(*key(), filters.as_of, filters.business_unit_id)


@_shared
def _scoped_attention(path: str, version: int, as_of: dt.date, unit: str | None) -> Attention:
    found = attention_lists(path, version, as_of)
    if unit is None:
        return found
    return scoped(
        found, {s.team_id for s in scores(path, version, as_of) if s.business_unit_id == unit}
    )


# Figures are built once per data version, date and unit and shared by every session as
# objects (`cache_resource`: no pickling; `st.plotly_chart` only reads them). Building the
# thousand-team charts takes about a second, far more than a rerun may.
@st.cache_resource(show_spinner=False, max_entries=32)
def _chart(name: str, path: str, version: int, as_of: dt.date, unit: str | None) -> go.Figure:
    filters = Filters(as_of=as_of, business_unit_id=unit)
    if name == "quadrant":
        current = scoped_scores(filters)
        previous = previous_review(path, version, as_of)
        movers = [move["team_id"] for move in meetings.moves(current, previous)]
        return prepared(
            figures.quadrant_chart(current, config(), highlight=movers)  # movers named first
        )
    if name == "movement":
        previous = previous_review(path, version, as_of)
        return prepared(
            figures.movement_chart(
                scoped_scores(filters), previous["scores"] if previous else None, config()
            )
        )
    return prepared(figures.units_chart(units(filters)))


def prepared(fig: go.Figure) -> go.Figure:
    """A figure to cache as a shared object, its dict and its JSON made once.

    `st.plotly_chart` asks for the dict on every rerun, and plotly deep-copies the whole
    figure each time (50 ms for a thousand teams); it then writes the dict as JSON, 5-11 ms
    more. The figure must not change afterwards.
    """
    as_dict = _Serialised(fig.to_dict())
    object.__setattr__(fig, "to_dict", lambda: as_dict)
    return fig


class _Serialised(dict):
    """A figure's dict that carries its JSON, written once.

    Plotly's `to_json` (which `st.plotly_chart` calls) asks an object for
    `to_plotly_json` before writing it with orjson, and orjson copies a `Fragment` as it
    is: so every rerun sends the same bytes plotly would have written, without writing
    them again. Where plotly writes with the standard `json` module instead, the dict
    is written as any dict is.
    """

    def __init__(self, figure: dict) -> None:
        super().__init__(figure)
        self._json = orjson.Fragment(pio.to_json(figure, validate=False).encode())

    def to_plotly_json(self) -> orjson.Fragment:
        return self._json


def chart(name: str, filters: Filters) -> go.Figure:
    """The overview's `quadrant`, `movement` or `units` figure for the filters (cached)."""
    return _chart(name, *key(), filters.as_of, filters.business_unit_id)


def unit_name(unit_id: str) -> str:
    """A business unit's name (its id if unknown)."""
    return _unit_names(*key()).get(unit_id, unit_id)


@st.cache_data(show_spinner=False)
def _unit_names(path: str, version: int) -> dict[str, str]:
    return compare.business_units(database())


def quadrant_badge(name: str) -> str:
    return QUADRANTS[name].badge()


def health_badge(name: str | None) -> str:
    return HEALTH[name].badge() if name in HEALTH else "— no linked goal"


def component_title(label: str, part: ComponentExplanation) -> str:
    """A component in words: 'A4 pace — 40 of 100 (0.8 of 2 items counted)'."""
    if part.value is None:
        return f"{label} — not counted (no items)"
    counted = f"{part.numerator:.1f}".removesuffix(".0")
    items = "item" if part.denominator == 1 else "items"
    return f"{label} — {100 * part.value:.0f} of 100 ({counted} of {part.denominator} {items} met)"


def trend_section(filters: Filters, prefix: str, unit_ids: tuple[str, ...] | None = None) -> None:
    """The company's and units' scores over the last quarters: chart, and the numbers."""
    found = trends(filters, unit_ids)
    st.caption(
        "Mean alignment and accountability of each unit's teams at each quarter end, at every "
        "snapshot since (taken when a review meeting closes, or by `python -m cxos snapshot`) "
        f"and on {palette.day(filters.as_of)}."
    )
    figure = _trend_chart(*key(), filters.as_of, filters.business_unit_id, unit_ids)
    st.plotly_chart(figure, key=f"{prefix}_trends", width="stretch")
    if len(found) > TREND_LINES:
        st.caption(
            f"The chart draws the company only: {len(found) - 1} units are more lines than "
            "can be read. Choose units to see theirs; the table has every unit."
        )
    rows = [
        {"unit": t.name, **{palette.day(day): f"{a:.0f} / {b:.0f}" for day, a, b in t.points}}
        for t in found
    ]
    days = [k for k in rows[0] if k != "unit"] if rows else []
    columns = [
        Column("unit", "Unit", "long", help="Each date: mean alignment / mean accountability"),
        *(Column(d, d, width="small") for d in days),
    ]
    tables.show(rows, columns, f"{prefix}_trends_table")
