"""Commands that list what is being done: `work` (a person's "my work" list) and `goals`.

The row builders here are the JSON's columns; the HTTP API (`cxos.api`) answers with the
same rows, so the command line and the API can never disagree.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from cxos.cli.args import add_as_of, add_format, as_of_date, open_db
from cxos.cli.output import emit

if TYPE_CHECKING:
    from cxos.scoring import GoalHealthResult
    from cxos.work.my_work import WorkItem

WORK_COLUMNS = (
    "kind",
    "item_id",
    "title",
    "team_id",
    "team",
    "owner_id",
    "owner",
    "goal_id",
    "goal",
    "due_on",
    "days_overdue",
    "detail",
    "version",
)
GOAL_COLUMNS = (
    "goal_id",
    "title",
    "team_id",
    "team",
    "owner_id",
    "owner",
    "objective_ids",
    "start_date",
    "end_date",
    "status",
    "health",
    "pace",
)


def register(sub: Any) -> None:
    """Add `work` and `goals` to the `python -m cxos` parser."""
    p = sub.add_parser("work", help="a person's 'my work' list as of a date")
    p.add_argument("--person", required=True, metavar="PERSON_ID")
    add_as_of(p)
    add_format(p)
    p.set_defaults(run=run_work)

    p = sub.add_parser("goals", help="the in-scope goals and their health as of a date")
    p.add_argument("--team", metavar="TEAM_ID", help="only this team's goals")
    add_as_of(p)
    add_format(p)
    p.set_defaults(run=run_goals)


def run_work(args: argparse.Namespace) -> int:
    emit(
        work_rows(open_db(args), args.person, as_of_date(args)),
        WORK_COLUMNS,
        args.format,
    )
    return 0


def run_goals(args: argparse.Namespace) -> int:
    rows = goal_rows(open_db(args), as_of_date(args), args.team)
    emit(rows, GOAL_COLUMNS, args.format)
    return 0


def work_rows(db: Any, person_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    """A person's "my work" list as rows of `WORK_COLUMNS`, most overdue first."""
    from cxos.work.my_work import my_work

    return [work_row(item) for item in my_work(db, person_id, as_of).items]


def work_row(item: WorkItem) -> dict[str, Any]:
    """One waiting item as a row of `WORK_COLUMNS`."""
    return {name: getattr(item, name) for name in WORK_COLUMNS}


def goal_rows(db: Any, as_of: dt.date, team_id: str | None = None) -> list[dict[str, Any]]:
    """The in-scope goals as rows of `GOAL_COLUMNS`, with their health as of `as_of`."""
    from cxos.review.team_detail import in_scope_goals
    from cxos.scoring import GoalHealthResult, ScoringConfig, goal_health
    from cxos.scoring.health import health_of

    config = ScoringConfig.load()
    health = goal_health(db, as_of, config)
    rows = []
    for goal in in_scope_goals(db, as_of, team_id):
        found = health.get(goal["id"])
        if found is None:  # a goal no pace was computed for
            found = GoalHealthResult(goal["id"], health_of(goal["status"], None, config), None)
        rows.append(goal_row(goal, found))
    return rows


def goal_row(goal: dict[str, Any], health: GoalHealthResult) -> dict[str, Any]:
    """A goal and its health as a row of `GOAL_COLUMNS` (pace rounded for display; the
    objectives' ids `;`-separated, as a bundle's lists are)."""
    row = {name: goal[name] for name in GOAL_COLUMNS if name in goal}
    row["goal_id"] = goal["id"]
    row["objective_ids"] = ";".join(goal["objective_ids"])
    row["health"] = health.health
    row["pace"] = None if health.pace is None else round(health.pace, 3)
    return {name: row[name] for name in GOAL_COLUMNS}
