"""The overview's "needs attention": every list a review chases, each item linked to where
it is fixed.

What counts is decided in `cxos.review.needs_attention` (overdue actions, goals off track,
the journey stages at risk and all six silo signals); this module only says, per kind of
item, which page fixes it and with what selection (`?team=` on the team and inbox pages,
`?stage=` on the journey page), and draws the counts, links and tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from cxos import text
from cxos.palette import HEALTH, SIGNALS
from cxos.review.needs_attention import Attention
from cxos.scoring import glossary
from ui import steering, tables
from ui.lazy import lazy_expander
from ui.navigation import REGISTRY

# An open list links its first items; a longer one adds a table of all of them (links for
# thousands of items would cost more than the rest of the page).
LINKED = 8
_PAGES = {e.file: e for e in REGISTRY}


@dataclass(frozen=True)
class Fix:
    """Where an item is fixed: a page of the app and the selection it opens with."""

    page: str  # a file in app_pages/
    params: dict[str, str]

    @property
    def title(self) -> str:
        return _PAGES[self.page].title


@dataclass(frozen=True)
class AttentionList:
    """One kind of item: its name, what it is for, its items, and how to show each."""

    key: str
    label: str
    explains: str
    items: list[Any]
    words: Callable[[Any], str]  # one line about an item (data: made inert when shown)
    fix: Callable[[Any], Fix]
    row: Callable[[Any], dict[str, Any]]


def _team(team_id: str | None) -> dict[str, str]:
    return {"team": team_id} if team_id else {}


def _first_team(signal: Any) -> str | None:
    return signal.team_ids[0] if signal.team_ids else None


# Where each silo signal is fixed: stage signals on the journey page at that stage; team
# signals on the team page (its explanation lists the fix); feedback in the team's inbox.
_SIGNAL_FIX: dict[str, Callable[[Any], Fix]] = {
    "unbridged_stage": lambda s: Fix("journey.py", {"stage": s.subject_id}),
    "handoff_gap": lambda s: Fix("journey.py", {"stage": s.subject_id.split(">", 1)[0]}),
    "orphan_touchpoint": lambda s: Fix("team.py", _team(_first_team(s))),
    "unanswered_feedback": lambda s: Fix("inbox.py", _team(_first_team(s))),
    "stale_goal": lambda s: Fix("team.py", _team(_first_team(s))),
    "no_pulse": lambda s: Fix("team.py", _team(s.subject_id)),
}


def _meaning(term: str) -> str:
    """What a list means, in the glossary's words (one place, which follows the rules and
    the company's configuration)."""
    return glossary.meanings(steering.config())[term]


def work_lists(found: Attention, teams: dict[str, str]) -> list[AttentionList]:
    """Overdue actions, goals off track and the journey stages at risk."""
    return [
        AttentionList(
            "overdue",
            "Overdue actions",
            "actions past their due date and not done",
            found.overdue_actions,
            lambda i: f"{i.title} — {i.team}, {i.days_overdue} days overdue",
            lambda i: Fix("team.py", _team(i.team_id)),
            lambda i: {"action": i.title, "team": i.team, "owner": i.owner, "due": i.due_on},
        ),
        AttentionList(
            "off_track",
            "Off-track goals",
            _meaning(HEALTH["off_track"].label),
            found.off_track_goals,
            lambda g: f"{g['title']} — {g['team']}",
            lambda g: Fix("team.py", _team(g["team_id"])),
            lambda g: {"goal": g["title"], "team": g["team"], "owner": g["owner"]},
        ),
        AttentionList(
            "stages_at_risk",
            "Stages at risk",
            "journey stages whose worst linked goal is off track or at risk",
            found.stages_at_risk,
            lambda s: f"{s.name} ({s.journey}) — {HEALTH[s.health].label.lower()}",
            lambda s: Fix("journey.py", {"stage": s.id}),
            lambda s: {
                "stage": s.name,
                "journey": s.journey,
                "health": HEALTH[s.health].badge(),
                "goals": len(s.goals),
            },
        ),
    ]


def silo_lists(found: Attention, teams: dict[str, str]) -> list[AttentionList]:
    """One list per silo signal kind, all six, in SPEC's order."""

    def row(signal: Any) -> dict[str, Any]:
        named = ", ".join(teams.get(t, t) for t in signal.team_ids)
        return {"signal": signal.detail, "teams": named}

    return [
        AttentionList(
            kind,
            SIGNALS[kind],
            _meaning(SIGNALS[kind]),
            signals,
            lambda s: s.detail,
            _SIGNAL_FIX[kind],
            row,
        )
        for kind, signals in found.silos.items()
    ]


def counts(lists: list[AttentionList]) -> None:
    """A metric per list, side by side, wrapping onto more rows on a narrow screen (columns
    would stack one per row on a phone)."""
    with st.container(horizontal=True, gap="large"):
        for found in lists:
            st.metric(found.label, len(found.items), help=found.explains, width="content")


def details(lists: list[AttentionList], teams: dict[str, str]) -> None:
    """An expander per list (drawn only when open): links to where each item is fixed."""
    for found in lists:
        label = f"{found.label} ({len(found.items)})"
        expander = lazy_expander(label, f"overview_open_{found.key}")
        if expander is None:
            continue
        with expander:
            _items(found, teams)


# How the lists' table columns read: long text wraps, dates are dates.
_ROW_KINDS = {"signal": "long", "action": "long", "goal": "long", "due": "date", "goals": "number"}


def _items(found: AttentionList, teams: dict[str, str]) -> None:
    if not found.items:
        st.write("Nothing here.")
        return
    for item in found.items[:LINKED]:
        _link(found, item, teams)
    if len(found.items) > LINKED:
        others = len(found.items) - LINKED
        st.caption(f"The other {others}, in a table (each opens from its team or stage):")
        rows = [found.row(item) for item in found.items[LINKED:]]  # not the linked ones again
        columns = tables.columns_of(rows, _ROW_KINDS)
        tables.show(rows, columns, f"overview_{found.key}_table")


def _link(found: AttentionList, item: Any, teams: dict[str, str]) -> None:
    fix = found.fix(item)
    where = fix.title
    if "team" in fix.params:
        where = f"{where}: {teams.get(fix.params['team'], fix.params['team'])}"
    label = f"{text.markdown(found.words(item))} → {text.markdown(where)}"
    try:
        st.page_link(
            str(_PAGES[fix.page].path),
            label=label,
            icon=":material/arrow_forward:",
            query_params=fix.params or None,
        )
    except st.errors.StreamlitPageNotFoundError:  # the page runs outside the app's navigation
        st.markdown(label)
