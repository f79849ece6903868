"""What the pages show of cxos/insights: themes, the backlog, and the committee's forms.

Themes and the backlog are computed once per data version and date and shared by every
session, read-only (as in ui/steering.py): fitting the themes is the slow part. The forms
call the domain's writes, which check the committee's right themselves; pages only hide
what a person may not use.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cxos import palette, text
from cxos.identity.permissions import can
from cxos.insights import impact, opportunities, themes
from cxos.model.errors import CxosError
from cxos.review import meetings
from cxos.work import team_reads
from ui import tables
from ui.database import database
from ui.session import after_write
from ui.tables import Column
from ui.work_forms import choose, people

_shared = st.cache_resource(show_spinner=False, max_entries=16)


def theme_report(path: str, version: int, as_of: dt.date) -> themes.ThemeReport:
    """The themes as of `as_of`, fitted again only when their feedback changed: a check-in
    or a reading elsewhere changes the data version, not the themes."""
    return _themes_of(path, _theme_inputs(path, version, as_of), as_of)


@st.cache_data(show_spinner=False, max_entries=256)
def _theme_inputs(path: str, version: int, as_of: dt.date) -> tuple[int, int]:
    return themes.inputs_key(database(), as_of)


@_shared
def _themes_of(path: str, inputs: tuple[int, int], as_of: dt.date) -> themes.ThemeReport:
    return themes.compute_themes(database(), as_of)


@_shared
def backlog(path: str, version: int, as_of: dt.date) -> list[opportunities.Opportunity]:
    return opportunities.compute_opportunities(
        database(), as_of, theme_report(path, version, as_of)
    )


@_shared
def impact_results(path: str, version: int, as_of: dt.date) -> list[impact.ActionImpact]:
    return impact.compute_impact(database(), as_of)


@st.cache_data(show_spinner=False)
def _stage_names(path: str, version: int) -> dict[str, str]:
    return impact.stage_names(database())


def impact_summary(path: str, version: int, as_of: dt.date, by: str) -> list[dict]:
    """Did completed work move its metric, per team, stage or goal, as table rows."""
    names = _stage_names(path, version) if by == "stage" else None
    return [
        {
            "subject": s.subject,
            "moved": s.moved,
            "not_moved": s.not_moved,
            "not_enough": s.not_enough,
            "share": None if s.moved_share is None else round(100 * s.moved_share),
            "few_readings": s.few_readings,
            "overlapping": s.overlapping,
        }
        for s in impact.summarise(impact_results(path, version, as_of), by, names)
    ]


def impact_columns(by: str) -> tuple[Column, ...]:
    """The impact table's columns; the first names the team, stage or goal."""
    return (
        Column("subject", by.capitalize(), "long" if by == "goal" else "text"),
        Column("moved", "Moved", "number", "small", "Moved their metric the right way"),
        Column("not_moved", "Not moved", "number", "small"),
        Column("share", "Share moved", "percent", "small", "Of those with readings both sides"),
        Column(
            "not_enough",
            "No readings",
            "number",
            "small",
            "Completed, but without a reading before and after: not judged",
        ),
        Column("few_readings", "Few readings", "number", "small", "Judged on one or two readings"),
        Column(
            "overlapping",
            "Overlapping",
            "number",
            "small",
            "Other work on the same metric was done in the same time: the change is shared",
        ),
    )


BACKLOG_COLUMNS = (
    Column("rank", "Rank", "number", 45),
    Column("stage", "Stage", "long", 140),
    Column("score", "Score", "number", 55, "Impact × value ÷ effort: the rank's order"),
    Column(
        "impact",
        "Impact",
        "number",
        55,
        "0–10: the stage's complaints, its metrics' gap to target and its silo signals",
    ),
    Column("value", "Value", "number", 52, "Business value 1–5, set by the committee"),
    Column("effort", "Effort", "number", 52, "Effort 1–5, set by the committee"),
    Column("pain", "Why it hurts", "long", 290),
    Column("teams", "Teams", "long", 160),
    Column("rated", "Rating", "long", 120),
)


def backlog_rows(found: list[opportunities.Opportunity]) -> list[dict]:
    """The backlog in words: each stage's pain in one sentence, its rating and its goal."""
    several_journeys = len({o.journey for o in found}) > 1
    return [
        {
            "rank": o.rank,
            "stage": f"{o.stage} ({o.journey})" if several_journeys else o.stage,
            "score": round(o.score, 1),
            "impact": round(o.impact, 1),
            "value": o.value,
            "effort": o.effort,
            "pain": _pain(o),
            "teams": ", ".join(o.teams),
            "rated": _rating(o),
        }
        for o in found
    ]


def _pain(o: opportunities.Opportunity) -> str:
    parts = []
    if o.negative:
        said = f": {', '.join(o.themes)}" if o.themes else ""
        parts.append(palette.counted(o.negative, "complaint") + said)
    if o.gap is not None:
        parts.append(f"metrics {o.gap:.0%} short of target")
    signals = sum(o.signals.values())
    if signals:
        parts.append(palette.counted(signals, "silo signal"))
    return " · ".join(parts) or "—"


def _rating(o: opportunities.Opportunity) -> str:
    if not (o.rated and o.rating):
        return "not rated"
    when = f", {palette.day(o.rating.rated_at)}" if o.rating.rated_at else ""
    goal = f" · goal: {o.rating.goal}" if o.rating.goal else ""
    return f"by {o.rating.rated_by}{when}{goal}"


def show_themes(report: themes.ThemeReport, level: str, subject_id: str, key: str) -> None:
    """A subject's themes in the period as a small table (or a line saying there are none)."""
    rows = report.of(level, subject_id)
    period = f"{palette.day(report.period_start)} – {palette.day(report.as_of)}"
    if not rows:
        st.caption(
            f"No themes: too little feedback here in the 90 days to the date ({period}) "
            "to find any. Feedback from before then is not part of them."
        )
        return
    st.caption(
        f"Feedback themes, {period} (the 90 days to the date), against the 90 days before. "
        "Top words of each theme, found in the feedback's text on this machine."
    )
    shown = [
        {
            "theme": r.theme.label,
            "items": r.volume,
            "negative": round(100 * r.negative_share),
            "before": r.previous,
            "trend": r.trend,
        }
        for r in rows
    ]
    tables.show(shown, _THEME_COLUMNS, key)


_THEME_COLUMNS = (
    Column("theme", "Theme", "long", "large", "The words that set this theme's feedback apart"),
    Column("items", "Items", "number", "small", "Feedback in the 90 days to the date"),
    Column("negative", "Negative", "percent", "small"),
    Column("before", "Before", "number", "small", "Feedback in the 90 days before"),
    Column("trend", "Trend", width="small"),
)


def rating_form(person_id: str, found: list[opportunities.Opportunity]) -> None:
    """The committee sets an opportunity's business value and effort (1–5)."""
    by_id = {o.stage_id: o for o in found}
    with st.form("opportunities_rate_form"):
        stage_id = st.selectbox(
            "Opportunity",
            list(by_id),
            format_func=lambda s: f"{by_id[s].rank}. {by_id[s].stage} ({by_id[s].journey})",
            key="opportunities_rate_stage",
        )
        left, right = st.columns(2)
        value = left.select_slider(
            "Business value (1 low – 5 high)", opportunities.SCALE, 3, key="opportunities_value"
        )
        effort = right.select_slider(
            "Effort (1 small – 5 large)", opportunities.SCALE, 3, key="opportunities_effort"
        )
        note = st.text_input("Why (optional)", key="opportunities_note")
        submitted = st.form_submit_button("Save the rating", type="primary")
    if not submitted or stage_id is None:
        return
    try:
        opportunities.rate_opportunity(database(), person_id, stage_id, value, effort, note)
    except CxosError as error:
        st.error(text.markdown(str(error)))
        return
    after_write(f"Rating saved for {text.markdown(by_id[stage_id].stage)}.")


def goal_form(person_id: str, view: meetings.MeetingView, path: str, version: int) -> None:
    """Turn an opportunity into a goal with owners, as a decision of this open meeting."""
    db = database()
    if not can(db, person_id, "decision"):
        return
    found = backlog(path, version, view.as_of)
    if not found:
        return
    by_id = {o.stage_id: o for o in found}
    teams = team_reads.teams(db)
    st.markdown("**Turn an opportunity into a goal**")
    with st.form("meetings_opportunity_form"):
        stage_id = st.selectbox(
            "Opportunity",
            list(by_id),
            format_func=lambda s: (
                f"{by_id[s].rank}. {by_id[s].stage} — impact "
                f"{by_id[s].impact:.1f}, score {by_id[s].score:.1f}"
            ),
            key="meetings_opportunity",
        )
        title = st.text_input("Goal", key="meetings_opportunity_title")
        team_id = choose("Accountable team", teams, "meetings_opportunity_team")
        owner_id = choose(
            "Owner",
            people(path, version),
            "meetings_opportunity_owner",
            placeholder="Choose who owns it",
        )
        contributors = st.multiselect(
            "Contributing teams",
            list(teams),
            format_func=teams.__getitem__,
            key="meetings_opportunity_contributors",
        )
        end = st.date_input(
            "Ends", value=view.as_of + dt.timedelta(days=180), key="meetings_opportunity_end"
        )
        submitted = st.form_submit_button("Make it a goal")
    st.caption(
        "Teams involved in each opportunity are listed on the Opportunities page; the goal is "
        "linked to the stage and starts on the meeting's date."
    )
    if not submitted or stage_id is None:
        return
    try:
        opportunities.turn_into_goal(
            db,
            person_id,
            view.meeting.id,
            stage_id,
            title=title,
            team_id=team_id or "",
            owner_id=owner_id or "",
            end_date=end,
            contributor_ids=contributors,
        )
    except CxosError as error:
        st.error(text.markdown(str(error)))
        return
    stage = text.markdown(by_id[stage_id].stage)
    after_write(f"Goal “{text.markdown(title)}” created for {stage}; the decision is recorded.")
