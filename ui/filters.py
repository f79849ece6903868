"""The shared sidebar filters: as-of date, business unit and journey.

The values live in session state under keys of their own (not the widgets' keys), so they
survive page switches and pages that do not render the sidebar, and `current_filters()`
works anywhere — it returns the defaults (today, everything) before the sidebar is drawn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from cxos.champions import compare
from cxos.review import journey_map
from cxos.storage import Database
from ui.database import data_version, database

_STORE = "filters_value_"


@dataclass(frozen=True)
class Filters:
    """What every page is scoped to: scores as of a date, optionally one unit and journey."""

    as_of: dt.date
    business_unit_id: str | None = None
    journey_id: str | None = None


def current_filters() -> Filters:
    """The filters chosen in the sidebar (defaults: today, all units, all journeys)."""
    state = st.session_state
    return Filters(
        as_of=state.get(_STORE + "as_of") or dt.date.today(),
        business_unit_id=state.get(_STORE + "business_unit_id"),
        journey_id=state.get(_STORE + "journey_id"),
    )


@st.cache_data(show_spinner=False)
def _choices(path: str, version: int, table: str) -> dict[str, str]:
    read = {"business_units": compare.business_units, "journeys": journey_map.journeys}[table]
    return read(database())


def render_sidebar_filters(db: Database) -> Filters:
    """Draw the filters in the sidebar and return them."""
    version = data_version()
    current = current_filters()
    with st.sidebar:
        st.subheader("Filters")
        as_of = st.date_input("As of", value=current.as_of, key="filters_as_of")
        unit = _pick(
            "Business unit",
            _choices(db.location, version, "business_units"),
            current.business_unit_id,
            "filters_business_unit",
        )
        journey = _pick(
            "Journey",
            _choices(db.location, version, "journeys"),
            current.journey_id,
            "filters_journey",
        )
    st.session_state[_STORE + "as_of"] = as_of
    st.session_state[_STORE + "business_unit_id"] = unit
    st.session_state[_STORE + "journey_id"] = journey
    return current_filters()


def _pick(label: str, choices: dict[str, str], current: str | None, key: str) -> str | None:
    options: list[str | None] = [None, *choices]
    index = options.index(current) if current in options else 0
    return st.selectbox(
        label,
        options,
        index=index,
        format_func=lambda value: "All" if value is None else choices[value],
        key=key,
    )
