"""Overview: where every team stands, what moved since the last review, what needs attention."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from cxos import palette, text
from cxos.palette import QUADRANTS
from cxos.review.figures import LABEL_BUDGET
from cxos.scoring import UnitScore
from ui import attention, steering, tables
from ui.filters import current_filters
from ui.session import require_person
from ui.tables import Column

_TILES = 10
_TILE_PX = 170  # five to a row in the 1440-pixel layout, two on a phone


def unit_tile(unit: UnitScore) -> None:
    """A unit's headline: how many of its teams sit in each quadrant, and which (on hover).

    Never a quadrant of the unit's mean scores: those are numbers only (docs/scoring.md).
    """
    which = "  \n".join(
        f"{look.symbol} {look.label}: {_some_names(unit.mix[name])}"
        for name, look in QUADRANTS.items()
        if unit.mix.get(name)
    )
    st.markdown(f"**{text.markdown(unit.name)}**", help=which or None)
    st.markdown(
        "  \n".join(
            f"{look.symbol} **{unit.count(name)}** {look.label}"
            for name, look in QUADRANTS.items()
            if unit.count(name)
        )
    )
    st.caption(
        f"{unit.teams} teams · mean alignment {unit.alignment:.0f}, "
        f"accountability {unit.accountability:.0f}"
    )


NAMES_ON_HOVER = 8  # a company's thousand names in a tooltip help nobody, and cost each rerun


def _some_names(names: Sequence[str]) -> str:
    """The first few team names, then how many more."""
    shown = ", ".join(text.markdown(n) for n in names[:NAMES_ON_HOVER])
    hidden = len(names) - NAMES_ON_HOVER
    return f"{shown} and {hidden:,} more" if hidden > 0 else shown


def unit_row(unit: UnitScore) -> dict:
    """A unit as a table row: teams per quadrant, then the mean scores."""
    return {
        "unit": unit.name,
        "teams": unit.teams,
        **{name: unit.count(name) for name in QUADRANTS},
        "alignment": round(unit.alignment, 1),
        "accountability": round(unit.accountability, 1),
    }


UNIT_COLUMNS = (
    Column("unit", "Business unit", "long"),
    Column("teams", "Teams", "number", "small"),
    *(Column(n, look.badge(), "number", "small") for n, look in QUADRANTS.items()),
    Column("alignment", "Mean alignment", "number", help="The mean of its teams' alignment"),
    Column(
        "accountability",
        "Mean accountability",
        "number",
        help="The mean of its teams' accountability",
    ),
)


require_person()
filters = current_filters()
path, version = steering.key()

st.title("Overview")
st.caption(
    f"Scores as of {palette.day(filters.as_of)}. Each unit: how many of its teams sit in each "
    "quadrant (hover its name for which) and its teams' mean scores."
)

units = steering.units(filters)
# A tile per unit while they fit on a row; a company with more units gets the company's
# tile and one table (hundreds of tiles were unreadable and cost most of a rerun).
tiles = units if len(units) <= _TILES else [u for u in units if u.kind == "company"]
# Side by side, wrapping (two to a row on a phone, where columns would stack one by one).
with st.container(horizontal=True, gap="small"):
    for unit in tiles:
        with st.container(border=True, key=f"overview_unit_{unit.id}", width=_TILE_PX):
            unit_tile(unit)
units_list = (
    st.expander(
        f"Business units ({len(units) - len(tiles)})", key="overview_open_units", on_change="rerun"
    )
    if len(tiles) < len(units)
    else None
)
if units_list is not None and units_list.open:
    with units_list:
        rows = [unit_row(u) for u in units if u.kind != "company"]
        tables.show(rows, UNIT_COLUMNS, "overview_units_table")

# Tabs and lists render only when open (`on_change="rerun"`): a thousand-team chart or a
# list of thousands of actions costs a rerun far more than it is worth when hidden.
quadrant_tab, movement_tab, trends_tab, units_tab = st.tabs(
    ["Quadrant", "Movement since last review", "Trends", "Units"],
    key="overview_tab",
    on_change="rerun",
)
if quadrant_tab.open is not False:
    with quadrant_tab:
        st.caption(
            f"Up to {LABEL_BUDGET} names, placed so none overlaps: in bold the teams that "
            "changed quadrant since the last review, then the most extreme. Hover any bubble "
            "for its team and eight components."
        )
        st.plotly_chart(
            steering.chart("quadrant", filters), key="overview_quadrant", width="stretch"
        )
if movement_tab.open:
    with movement_tab:
        previous = steering.previous_review(path, version, filters.as_of)
        if previous:
            st.caption(
                f"From {text.markdown(previous['title'])} ({previous['held_on']}), "
                "frozen when it closed."
            )
        st.plotly_chart(
            steering.chart("movement", filters), key="overview_movement", width="stretch"
        )
if trends_tab.open:
    with trends_tab:
        steering.trend_section(filters, "overview")
if units_tab.open:
    with units_tab:
        st.plotly_chart(steering.chart("units", filters), key="overview_units", width="stretch")

st.subheader("Needs attention")
teams = steering.teams(path, version)
found = steering.scoped_attention(filters)
work, silos = attention.work_lists(found, teams), attention.silo_lists(found, teams)
attention.counts(work)
st.markdown("**Silos detected**")
attention.counts(silos)
attention.details([*work, *silos], teams)
