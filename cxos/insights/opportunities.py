"""The opportunity backlog: each stage's customer pain, ranked for the steering committee.

An opportunity is a journey stage in pain as of D: negative feedback in the period (the
90 days ending on D, as for the themes) and what it is about, the gap of its goals' metrics
to their targets, the silo signals on it, and the teams involved (its touchpoints' owners
and the teams of the goals linked to it). Its rank (docs/opportunities.md has a worked
example):

    impact = 10 × mean of the defined ones of
        pain = the stage's negative feedback in the period ÷ the most any stage has
        gap  = mean over its in-scope goals' metrics with baseline ≠ target and a reading
               of 1 − progress (progress as in A4: clamp((latest − baseline) ÷ (target −
               baseline), 0, 1)); undefined without such a metric
        silo = min(1, silo signals on the stage ÷ 3)
    score  = impact × value ÷ effort

Impact comes from the data; value (business value) and effort are whole numbers 1–5 the
committee sets (`rate_opportunity`), kept with who set them and when; an unrated
opportunity counts as 3 and 3 (score = impact) and says it is unrated. A stage with no
pain at all (impact 0) is no opportunity.

Writes (rating, turning an opportunity into a goal) are the committee's: steering and
administrators (the right to take decisions), checked here, below every page, and audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from cxos.identity import audit, permissions
from cxos.insights import themes as theme_module
from cxos.model.entities import LongText, Name, check_text
from cxos.model.errors import InvalidInput, NotFound
from cxos.storage import Connection, Database, fetch_dicts

SCALE = (1, 2, 3, 4, 5)
UNRATED = 3  # value and effort of an opportunity the committee has not rated
SIGNALS_FOR_FULL_SILO = 3
TOP_THEMES = 3
RATE = "rate opportunities and turn them into goals"


@dataclass(frozen=True)
class Rating:
    """The committee's value and effort for a stage, who set them and when, and the goal
    it became (if it did)."""

    stage_id: str
    value: int | None
    effort: int | None
    note: str | None
    rated_by: str | None  # a name, for display
    rated_at: dt.datetime | None
    goal_id: str | None
    goal: str | None  # the goal's title


@dataclass(frozen=True)
class Opportunity:
    """One stage in pain, with every number behind its rank."""

    stage_id: str
    stage: str
    journey: str
    phase: str
    feedback: int  # in the period
    negative: int
    themes: tuple[str, ...]  # its biggest themes' words
    measured: int  # metrics behind `gap`
    gap: float | None
    signals: dict[str, int]  # signal kind -> how many on the stage
    team_ids: tuple[str, ...]
    teams: tuple[str, ...]
    pain: float
    silo: float
    rating: Rating | None
    rank: int = 0

    @property
    def impact(self) -> float:
        parts = [self.pain, self.silo] + ([] if self.gap is None else [self.gap])
        return 10 * sum(parts) / len(parts)

    @property
    def rated(self) -> bool:
        return self.rating is not None and self.rating.value is not None

    @property
    def value(self) -> int:
        """The committee's business value, 1–5 (UNRATED until it sets one)."""
        return (self.rating and self.rating.value) or UNRATED

    @property
    def effort(self) -> int:
        """The committee's effort, 1–5 (UNRATED until it sets one)."""
        return (self.rating and self.rating.effort) or UNRATED

    @property
    def score(self) -> float:
        return self.impact * self.value / self.effort

    def as_row(self) -> dict[str, Any]:
        rating = self.rating
        return {
            "rank": self.rank,
            "stage_id": self.stage_id,
            "stage": self.stage,
            "journey": self.journey,
            "score": round(self.score, 2),
            "impact": round(self.impact, 2),
            "value": self.value,
            "effort": self.effort,
            "rated": self.rated,
            "rated_by": rating.rated_by if rating and self.rated else None,
            "rated_at": rating.rated_at if rating and self.rated else None,
            "negative": self.negative,
            "pain": round(self.pain, 3),
            "gap": None if self.gap is None else round(self.gap, 3),
            "silo": round(self.silo, 3),
            "signals": "; ".join(f"{k} ×{n}" for k, n in sorted(self.signals.items())),
            "themes": " | ".join(self.themes),
            "teams": ", ".join(self.teams),
            "goal_id": rating.goal_id if rating else None,
        }


COLUMNS = (
    "rank",
    "stage_id",
    "stage",
    "journey",
    "score",
    "impact",
    "value",
    "effort",
    "rated",
    "rated_by",
    "rated_at",
    "negative",
    "pain",
    "gap",
    "silo",
    "signals",
    "themes",
    "teams",
    "goal_id",
)


def compute_opportunities(
    db: Database, as_of: dt.date, report: theme_module.ThemeReport | None = None
) -> list[Opportunity]:
    """The backlog as of `as_of`, best score first (`report`: the themes, if at hand)."""
    from cxos.scoring import compute_signals

    report = report or theme_module.compute_themes(db, as_of)
    signals = [(s.signal, s.subject_id) for s in compute_signals(db, as_of)]
    return db.read(lambda con: opportunities_on(con, as_of, report, signals))


def opportunities_on(
    con: Connection,
    as_of: dt.date,
    report: theme_module.ThemeReport,
    signals: list[tuple[str, str]],
) -> list[Opportunity]:
    """`compute_opportunities` on an open connection, given the themes and signals."""
    start, _previous = theme_module.periods(as_of)
    facts = fetch_dicts(con, _STAGES, [start, as_of, as_of, as_of, as_of, as_of, as_of])
    most = max((f["negative"] for f in facts), default=0)
    on_stage = _signals_by_stage(con, signals)
    ratings = ratings_on(con)
    found = []
    for f in facts:
        counted = on_stage.get(f["stage_id"], {})
        opportunity = Opportunity(
            stage_id=f["stage_id"],
            stage=f["stage"],
            journey=f["journey"],
            phase=f["phase"],
            feedback=f["feedback"],
            negative=f["negative"],
            themes=complaint_themes(report, f["stage_id"]),
            measured=f["measured"],
            gap=f["gap"],
            signals=counted,
            team_ids=tuple(f["team_ids"] or ()),
            teams=tuple(f["teams"] or ()),
            pain=f["negative"] / most if most else 0.0,
            silo=min(1.0, sum(counted.values()) / SIGNALS_FOR_FULL_SILO),
            rating=ratings.get(f["stage_id"]),
        )
        if opportunity.impact > 0:
            found.append(opportunity)
    return ranked(found)


def complaint_themes(report: theme_module.ThemeReport, stage_id: str) -> tuple[str, ...]:
    """The words of a stage's themes with negative feedback, most complaints first."""
    rows = sorted(
        (r for r in report.of("stage", stage_id) if r.negative),
        key=lambda r: (-r.negative, -r.volume, r.theme.number),
    )
    return tuple(r.theme.label for r in rows[:TOP_THEMES])


def ranked(found: list[Opportunity]) -> list[Opportunity]:
    """Best score first; ties by impact, then stage name and id. Numbered from 1."""
    order = sorted(found, key=lambda o: (-o.score, -o.impact, o.stage, o.stage_id))
    return [_numbered(o, n) for n, o in enumerate(order, start=1)]


def _numbered(opportunity: Opportunity, rank: int) -> Opportunity:
    return replace(opportunity, rank=rank)


# Each stage with its feedback in the period, its metrics' gap and the teams involved.
# (? : period start, D; D for readings; D, D for in-scope goals, twice)
_STAGES = """
WITH said AS (
    SELECT stage_id, count(*) AS feedback,
        count(*) FILTER (WHERE sentiment = 'negative') AS negative
    FROM feedback WHERE received_on BETWEEN ? AND ? GROUP BY stage_id
),
latest AS (
    SELECT metric_id, arg_max(value, as_of) AS value
    FROM metric_readings WHERE as_of <= ? GROUP BY metric_id
),
in_scope AS (
    SELECT gs.stage_id, g.id AS goal_id, g.team_id
    FROM goal_stages gs JOIN goals g ON g.id = gs.goal_id
    WHERE g.status <> 'dropped' AND g.start_date <= ? AND ? <= g.end_date
),
gaps AS (
    SELECT s.stage_id, count(*) AS measured,
        avg(1 - greatest(0, least(1, (l.value - m.baseline) / (m.target - m.baseline)))) AS gap
    FROM in_scope s JOIN metrics m ON m.goal_id = s.goal_id
    JOIN latest l ON l.metric_id = m.id
    WHERE m.baseline IS NOT NULL AND m.target IS NOT NULL AND m.target <> m.baseline
    GROUP BY s.stage_id
),
involved AS (
    SELECT stage_id, owner_team_id AS team_id FROM touchpoints
    UNION
    SELECT gs.stage_id, g.team_id FROM goal_stages gs JOIN goals g ON g.id = gs.goal_id
    WHERE g.status <> 'dropped' AND g.start_date <= ? AND ? <= g.end_date
),
named AS (
    SELECT i.stage_id, list(i.team_id ORDER BY t.name, i.team_id) AS team_ids,
        list(t.name ORDER BY t.name, i.team_id) AS teams
    FROM involved i JOIN teams t ON t.id = i.team_id GROUP BY i.stage_id
)
SELECT s.id AS stage_id, s.name AS stage, j.name AS journey, s.phase,
    coalesce(d.feedback, 0) AS feedback, coalesce(d.negative, 0) AS negative,
    coalesce(g.measured, 0) AS measured, g.gap, n.team_ids, n.teams
FROM stages s JOIN journeys j ON j.id = s.journey_id
LEFT JOIN said d ON d.stage_id = s.id
LEFT JOIN gaps g ON g.stage_id = s.id
LEFT JOIN named n ON n.stage_id = s.id
ORDER BY j.name, s.position, s.id"""


def _signals_by_stage(con: Connection, signals: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """How many signals of each kind are on each stage: a stage's own, a hand-off's two
    stages, an orphan touchpoint's stage, unanswered feedback's stage."""
    touchpoints = dict(con.execute("SELECT id, stage_id FROM touchpoints").fetchall())
    feedback_ids = [subject for kind, subject in signals if kind == "unanswered_feedback"]
    # A join, not list_contains: a big company has tens of thousands of these.
    feedback = dict(
        con.execute(
            "SELECT f.id, f.stage_id FROM feedback f "
            "JOIN (SELECT unnest(?::VARCHAR[]) AS id) wanted ON wanted.id = f.id",
            [feedback_ids],
        ).fetchall()
    )
    counted: dict[str, dict[str, int]] = {}
    for kind, subject in signals:
        for stage_id in _stages_of(kind, subject, touchpoints, feedback):
            per_kind = counted.setdefault(stage_id, {})
            per_kind[kind] = per_kind.get(kind, 0) + 1
    return counted


def _stages_of(
    kind: str, subject: str, touchpoints: dict[str, str], feedback: dict[str, str]
) -> list[str]:
    if kind == "unbridged_stage":
        return [subject]
    if kind == "handoff_gap":
        return subject.split(">", 1)
    if kind == "orphan_touchpoint":
        return [touchpoints[subject]] if subject in touchpoints else []
    if kind == "unanswered_feedback":
        return [feedback[subject]] if subject in feedback else []
    return []  # stale_goal and no_pulse are about goals and teams, not stages


# -- the committee's ratings -----------------------------------------------------------

_RATINGS = """
SELECT r.stage_id, r.value, r.effort, r.note, coalesce(p.name, r.rated_by) AS rated_by,
    r.rated_at, r.goal_id, g.title AS goal
FROM opportunity_ratings r
LEFT JOIN people p ON p.id = r.rated_by
LEFT JOIN goals g ON g.id = r.goal_id"""


def ratings_on(con: Connection) -> dict[str, Rating]:
    """Every stage's rating, by stage id."""
    return {r["stage_id"]: Rating(**r) for r in fetch_dicts(con, _RATINGS)}


def rate_opportunity(
    db: Database,
    actor_id: str,
    stage_id: str,
    value: int,
    effort: int,
    note: str | None = None,
) -> Rating:
    """Set a stage's business value and effort (1–5 each), as the steering committee."""
    for name, number in (("value", value), ("effort", effort)):
        if number not in SCALE:
            raise InvalidInput(f"the {name} is a whole number from 1 to 5, not {number!r}")
    note = check_text(LongText, "the note", (note or "").strip()) or None

    def work(con: Connection) -> Rating:
        permissions.require_right(con, actor_id, "decision", RATE)
        _check_stage(con, stage_id)
        before = _rating_row(con, stage_id)
        after = {"value": value, "effort": effort, "note": note, "rated_by": actor_id}
        con.execute(
            "INSERT INTO opportunity_ratings (stage_id, value, effort, note, rated_by, rated_at) "
            "VALUES (?, ?, ?, ?, ?, current_timestamp) ON CONFLICT (stage_id) DO UPDATE SET "
            "value = excluded.value, effort = excluded.effort, note = excluded.note, "
            "rated_by = excluded.rated_by, rated_at = excluded.rated_at",
            [stage_id, value, effort, note, actor_id],
        )
        old = None if before is None else {k: before[k] for k in after}
        audit.record_changes(con, actor_id, "opportunity_ratings", stage_id, old, after)
        return ratings_on(con)[stage_id]

    return db.write(work)


def turn_into_goal(
    db: Database,
    actor_id: str,
    meeting_id: str,
    stage_id: str,
    *,
    title: str,
    team_id: str,
    owner_id: str,
    end_date: dt.date,
    contributor_ids: list[str] | None = None,
    objective_id: str | None = None,
) -> str:
    """Turn a stage's opportunity into a goal with owners, decided in an open meeting.

    One transaction: the goal (the team and the person accountable, the contributing
    teams, linked to the stage, starting on the meeting's date), the meeting's decision
    that says so, and the opportunity marked with its goal; all audited. Returns the goal id.
    """
    from cxos.review import meetings
    from cxos.work import team_edits

    title = check_text(Name, "the goal's title", (title or "").strip()) or ""
    if not title:
        raise InvalidInput("the new goal needs a title")
    if not team_id:
        raise InvalidInput("choose the team accountable for the new goal")
    if not owner_id:
        raise InvalidInput("choose who owns the new goal (a named owner is accountable)")

    def work(con: Connection) -> str:
        meeting = meetings.open_meeting_on(con, meeting_id)
        permissions.require_right(con, actor_id, "decision", RATE)
        stage = _check_stage(con, stage_id)
        row = {
            "title": title,
            "success_statement": f"Less customer pain at {stage}",
            "team_id": team_id,
            "owner_id": owner_id,
            "objective_id": objective_id,
            "start_date": meeting["held_on"],
            "end_date": end_date,
            "status": "active",
        }
        saved = team_edits.create_goal_on(
            con, actor_id, row, stage_ids=[stage_id], contributor_ids=contributor_ids or []
        )
        meetings.decision_on(
            con, actor_id, meeting_id, f"Opportunity at {stage} becomes goal {title!r}."
        )
        _mark_goal(con, actor_id, stage_id, saved.id)
        return saved.id

    return db.write(work)


def _mark_goal(con: Connection, actor_id: str, stage_id: str, goal_id: str) -> None:
    before = _rating_row(con, stage_id)
    con.execute(
        "INSERT INTO opportunity_ratings (stage_id, goal_id, goal_by, goal_at) "
        "VALUES (?, ?, ?, current_timestamp) ON CONFLICT (stage_id) DO UPDATE SET "
        "goal_id = excluded.goal_id, goal_by = excluded.goal_by, goal_at = excluded.goal_at",
        [stage_id, goal_id, actor_id],
    )
    old = None if before is None else {"goal_id": before["goal_id"]}
    audit.record_changes(con, actor_id, "opportunity_ratings", stage_id, old, {"goal_id": goal_id})


def _rating_row(con: Connection, stage_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, "SELECT * FROM opportunity_ratings WHERE stage_id = ?", [stage_id])
    return rows[0] if rows else None


def _check_stage(con: Connection, stage_id: str) -> str:
    row = con.execute("SELECT name FROM stages WHERE id = ?", [stage_id]).fetchone()
    if row is None:
        raise NotFound(f"there is no stage with id {stage_id!r}")
    return str(row[0])
