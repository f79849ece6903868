"""Commands that reorganise: retire a team, stage, touchpoint, goal or metric as of a date,
and merge two teams (cxos/organisation/reorganise.py, administrators only, audited).

`retire` refuses, listing what depends on the row, unless `--move-to` moves the
dependants (a team's to another team, which merges the two; a stage's to another stage)
or `--confirm` retires or unlinks them with it.
"""

from __future__ import annotations

import argparse
from typing import Any

from cxos.cli.args import LazyChoices, add_actor, date, open_db
from cxos.cli.output import line


def _kinds() -> tuple[str, ...]:
    from cxos.organisation.reorganise import KINDS

    return KINDS


def register(sub: Any) -> None:
    """Add retire and merge-teams to the `python -m cxos` parser."""
    p = sub.add_parser(
        "retire",
        help="retire a team, stage, touchpoint, goal or metric as of a date (administrators)",
    )
    p.add_argument("kind", choices=LazyChoices(_kinds), metavar="KIND", help="one of %(choices)s")
    p.add_argument("row_id", metavar="ID")
    p.add_argument("--on", type=date, required=True, help="the date it is retired as of")
    add_actor(p)
    p.add_argument(
        "--move-to",
        metavar="ID",
        help="move its dependants here (a team's to a team: a merge; a stage's to a stage)",
    )
    p.add_argument("--confirm", action="store_true", help="retire or unlink its dependants with it")
    p.set_defaults(run=run_retire)

    p = sub.add_parser(
        "merge-teams",
        help="move a team's goals, open actions, touchpoints and people to another team "
        "as of a date, and retire it (administrators)",
    )
    p.add_argument("from_id", metavar="FROM")
    p.add_argument("into_id", metavar="INTO")
    p.add_argument("--on", type=date, required=True, help="the date of the merge")
    add_actor(p)
    p.set_defaults(run=run_merge)


def run_retire(args: argparse.Namespace) -> int:
    from cxos.organisation import reorganise

    done = reorganise.retire(
        open_db(args),
        args.actor,
        args.kind,
        args.row_id,
        args.on,
        move_to=args.move_to,
        confirm=args.confirm,
    )
    line(done.summary())
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from cxos.organisation import reorganise

    done = reorganise.merge_teams(open_db(args), args.actor, args.from_id, args.into_id, args.on)
    line(done.summary())
    return 0
