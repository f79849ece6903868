"""What the heads' pages read: a team's goals, metrics, actions, feedback and choices.

Pages hold no SQL, so every read the My work, Check-ins & readings, Feedback inbox and
Team goals pages need is a small typed-dict function here, over the whole team at once.
Rows carry their `version`, which the pages hand back to `cxos.work.team_edits` and
`cxos.work.checkins_readings` so a stale edit is caught.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxos import palette, text
from cxos.storage import Database

if TYPE_CHECKING:
    import plotly.graph_objects as go

Row = dict[str, Any]


def team_of(db: Database, person_id: str) -> str | None:
    """The team id of a person (None for an unknown id)."""
    return db.scalar("SELECT team_id FROM people WHERE id = ?", [person_id])


# Choices in forms are what is not retired today (cxos/organisation/reorganise.py).
def _not_retired(alias: str) -> str:
    return f"({alias}.retired_on IS NULL OR {alias}.retired_on > current_date)"


def teams(db: Database) -> dict[str, str]:
    """Every team not retired, id -> name, by name."""
    rows = db.rows(f"SELECT t.id, t.name FROM teams t WHERE {_not_retired('t')} ORDER BY 2, 1")
    return {r["id"]: r["name"] for r in rows}


def stages(db: Database) -> dict[str, str]:
    """Every stage not retired, id -> "journey · phase · name", in journey order."""
    rows = db.rows(
        "SELECT s.id, j.name || ' · ' || s.phase || ' · ' || s.name AS label "
        f"FROM stages s JOIN journeys j ON j.id = s.journey_id WHERE {_not_retired('s')} "
        "ORDER BY j.name, s.position"
    )
    return {r["id"]: r["label"] for r in rows}


def objectives(db: Database) -> dict[str, str]:
    """Every objective, id -> title."""
    return {r["id"]: r["title"] for r in db.rows("SELECT id, title FROM objectives ORDER BY 2")}


def people_of(db: Database, team_id: str) -> dict[str, str]:
    """The people of a team, id -> name."""
    rows = db.rows("SELECT id, name FROM people WHERE team_id = ? ORDER BY name", [team_id])
    return {r["id"]: r["name"] for r in rows}


_ACTIONS = """
SELECT a.*, g.title AS goal, p.name AS owner, c.checked_on AS last_checked_on,
    c.progress AS last_progress, c.confidence AS last_confidence
FROM actions a JOIN goals g ON g.id = a.goal_id
LEFT JOIN people p ON p.id = a.owner_id
LEFT JOIN (
    SELECT action_id, max(checked_on) AS checked_on,
        arg_max(progress, (checked_on, id)) AS progress,
        arg_max(confidence, (checked_on, id)) AS confidence
    FROM check_ins GROUP BY action_id
) c ON c.action_id = a.id
WHERE (a.team_id = $team OR a.owner_id = $person)
    AND ($all OR a.status NOT IN ('done', 'cancelled'))
ORDER BY a.due_date, a.title"""


def actions(
    db: Database, team_id: str, person_id: str = "", *, everything: bool = False
) -> list[Row]:
    """A team's actions (and the person's own elsewhere), open ones only unless `everything`."""
    return db.rows(_ACTIONS, {"team": team_id, "person": person_id, "all": everything})


_METRICS = """
SELECT m.*, g.title AS goal, g.team_id, r.read_on AS last_read_on, r.value AS last_value
FROM metrics m JOIN goals g ON g.id = m.goal_id
LEFT JOIN score_latest_readings r ON r.metric_id = m.id
WHERE g.team_id = ? AND g.status <> 'dropped'
ORDER BY g.title, m.name"""


def metrics(db: Database, team_id: str) -> list[Row]:
    """The metrics of a team's goals (not dropped ones), with their latest reading."""
    return db.rows(_METRICS, [team_id])


def readings(db: Database, metric_id: str) -> list[Row]:
    """A metric's readings, oldest first."""
    return db.rows(
        "SELECT as_of, value, source, entered_by FROM metric_readings WHERE metric_id = ? "
        "ORDER BY as_of",
        [metric_id],
    )


def metric(db: Database, metric_id: str) -> Row | None:
    """One metric with its goal's title."""
    rows = db.rows(
        "SELECT m.*, g.title AS goal FROM metrics m JOIN goals g ON g.id = m.goal_id "
        "WHERE m.id = ?",
        [metric_id],
    )
    return rows[0] if rows else None


_FEEDBACK = """
SELECT f.*, s.name AS stage, t.name AS touchpoint, a.title AS action
FROM feedback f JOIN stages s ON s.id = f.stage_id
LEFT JOIN touchpoints t ON t.id = f.touchpoint_id
LEFT JOIN actions a ON a.id = f.action_id
WHERE f.team_id = $team AND ($all OR (f.action_id IS NULL AND f.closed_on IS NULL))
ORDER BY (f.sentiment = 'negative') DESC, f.received_on DESC, f.id"""


def feedback(db: Database, team_id: str, *, everything: bool = False) -> list[Row]:
    """Feedback routed to a team: open (unanswered, not closed) only unless `everything`."""
    return db.rows(_FEEDBACK, {"team": team_id, "all": everything})


def goals(db: Database, team_id: str) -> list[Row]:
    """A team's goals with their stage, contributor and objective ids."""
    return db.rows(
        "SELECT g.*, "
        "coalesce((SELECT list(objective_id ORDER BY objective_id) FROM goal_objectives "
        "          WHERE goal_id = g.id), []) AS objective_ids, "
        "coalesce((SELECT list(x.stage_id ORDER BY x.stage_id) FROM goal_stages x "
        f"          JOIN stages s ON s.id = x.stage_id WHERE x.goal_id = g.id "
        f"          AND {_not_retired('x')} AND {_not_retired('s')}), []) AS stage_ids, "
        "coalesce((SELECT list(x.team_id ORDER BY x.team_id) FROM goal_contributors x "
        f"          JOIN teams t ON t.id = x.team_id WHERE x.goal_id = g.id "
        f"          AND {_not_retired('x')} AND {_not_retired('t')}), []) AS contributor_ids "
        "FROM goals g WHERE g.team_id = ? ORDER BY g.status, g.end_date, g.title",
        [team_id],
    )


def goal_actions(db: Database, goal_id: str) -> list[Row]:
    """Every action of a goal."""
    return db.rows("SELECT * FROM actions WHERE goal_id = ? ORDER BY due_date, title", [goal_id])


def goal_metrics(db: Database, goal_id: str) -> list[Row]:
    """Every metric of a goal."""
    return db.rows("SELECT * FROM metrics WHERE goal_id = ? ORDER BY name", [goal_id])


def reading_chart(metric_row: Row, history: list[Row]) -> go.Figure:
    """A metric's readings over time, with its baseline and target as reference lines."""
    import plotly.graph_objects as go  # here: the command line reads feedback without charts

    figure = go.Figure(
        go.Scatter(
            x=[r["as_of"] for r in history],
            y=[r["value"] for r in history],
            mode="lines+markers",
            name=text.plotly(metric_row["name"]),
            line={"color": palette.category_colour(0)},
        )
    )
    for name, colour in (
        ("baseline", palette.MUTED),
        ("target", palette.QUADRANTS["performing"].colour),
    ):
        if metric_row.get(name) is not None:
            figure.add_hline(
                y=metric_row[name],
                line={"dash": "dot", "color": colour},
                annotation_text=f"{name} {metric_row[name]:g}",
            )
    unit = f" ({metric_row['unit']})" if metric_row.get("unit") else ""
    figure.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title={"text": text.plotly(f"{metric_row['name']}{unit}"), "font": {"size": 14}},
        font={"family": palette.FONT, "color": palette.INK},
        showlegend=False,
    )
    return figure
