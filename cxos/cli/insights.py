"""`themes`, `impact` and `opportunities`: from evidence to priorities (cxos/insights/).

Each prints rows as of a date, like `scores`: a table for the terminal, CSV or JSON.
scikit-learn (themes) is imported when one of these commands runs, never when the parser
is built, so `scores` does not load it (tests/test_cli_lazy.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from cxos.cli.args import add_format, date, open_db
from cxos.cli.output import emit


def register(sub: Any) -> None:
    """Add themes, impact and opportunities to the `python -m cxos` parser."""
    p = sub.add_parser("themes", help="feedback themes per stage, touchpoint and team")
    _as_of_and_format(p)
    p.add_argument(
        "--level", choices=("stage", "touchpoint", "team"), default=None, help="one level only"
    )
    p.set_defaults(run=run_themes)

    p = sub.add_parser("impact", help="did completed actions move their goal's metrics?")
    _as_of_and_format(p)
    p.add_argument(
        "--by",
        choices=("action", "team", "stage", "goal"),
        default="action",
        help="one row per action and metric (default), or a summary per team, stage or goal",
    )
    p.set_defaults(run=run_impact)

    p = sub.add_parser("opportunities", help="the opportunity backlog: stages in pain, ranked")
    _as_of_and_format(p)
    p.set_defaults(run=run_opportunities)


def _as_of_and_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", type=date, default=None, help="date (default today)")
    add_format(parser)


def _as_of(args: argparse.Namespace) -> dt.date:
    return args.as_of or dt.date.today()


def run_themes(args: argparse.Namespace) -> int:
    from cxos.insights import themes

    emit(theme_rows(open_db(args), _as_of(args), args.level), themes.COLUMNS, args.format)
    return 0


def theme_rows(db: Any, as_of: dt.date, level: str | None = None) -> list[dict[str, Any]]:
    """The themes as of `as_of`, one row per subject and theme (the API's too, one day)."""
    from cxos.insights.themes import compute_themes

    report = compute_themes(db, as_of)
    return [r.as_row() for r in report.rows if level is None or r.level == level]


def run_impact(args: argparse.Namespace) -> int:
    from cxos.insights import impact

    columns = impact.ACTION_COLUMNS if args.by == "action" else impact.SUMMARY_COLUMNS
    emit(impact_rows(open_db(args), _as_of(args), args.by), columns, args.format)
    return 0


def impact_rows(db: Any, as_of: dt.date, by: str = "action") -> list[dict[str, Any]]:
    """Each completed action's metrics before and after, or their summary per `by`."""
    from cxos.insights import impact

    results = impact.compute_impact(db, as_of)
    if by == "action":
        return [r.as_row() for r in results]
    names = impact.stage_names(db) if by == "stage" else None
    return [s.as_row() for s in impact.summarise(results, by, names)]


def run_opportunities(args: argparse.Namespace) -> int:
    from cxos.insights import opportunities

    emit(opportunity_rows(open_db(args), _as_of(args)), opportunities.COLUMNS, args.format)
    return 0


def opportunity_rows(db: Any, as_of: dt.date) -> list[dict[str, Any]]:
    """The backlog as of `as_of`, best score first."""
    from cxos.insights.opportunities import compute_opportunities

    return [o.as_row() for o in compute_opportunities(db, as_of)]
