"""Commands about scores and signals: scores, signals, explain, snapshot.

Output columns are exactly SPEC.md's. Scores are shown 0–100 with one decimal and
components 0–1 with three decimals; an undefined component is an empty cell (null in JSON).
Rounding happens here, for display only; printing goes through `cxos.cli.output`.
Scoring is imported when a command runs, not when the parser is built (see `cxos.cli`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from cxos.cli.args import add_as_of, add_format, as_of_date, open_db
from cxos.cli.output import emit, lines

if TYPE_CHECKING:
    from cxos.scoring import TeamExplanation
    from cxos.storage import Database

SIGNAL_COLUMNS = ("signal", "subject_id")


def score_columns() -> tuple[str, ...]:
    """SPEC.md's columns of `scores`: the team, its two scores, quadrant and components."""
    from cxos.scoring.config import COMPONENTS

    return (
        "team_id",
        "team",
        "business_unit",
        "alignment",
        "accountability",
        "quadrant",
        *COMPONENTS,
    )


def register(sub: Any) -> None:
    """Add scores, signals, explain and snapshot to the `python -m cxos` parser."""
    p = sub.add_parser("scores", help="every team's scores and components as of a date")
    _as_of_and_format(p)
    p.set_defaults(run=run_scores)

    p = sub.add_parser("signals", help="the silo signals as of a date")
    _as_of_and_format(p)
    p.set_defaults(run=run_signals)

    p = sub.add_parser("explain", help="why a team scores as it does, and what would move it")
    p.add_argument("team_id", metavar="TEAM_ID")
    add_as_of(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run_explain)

    p = sub.add_parser("snapshot", help="store every team's scores as of a date (default today)")
    add_as_of(p)
    p.set_defaults(run=run_snapshot)


def _as_of_and_format(parser: argparse.ArgumentParser) -> None:
    add_as_of(parser)
    add_format(parser)


def run_scores(args: argparse.Namespace) -> int:

    emit(score_rows(open_db(args), as_of_date(args)), score_columns(), args.format)
    return 0


def score_rows(db: Database, as_of: dt.date) -> list[dict[str, Any]]:
    """Every team's score as of `as_of`, as SPEC.md's output rows (the API's too)."""
    from cxos.scoring import compute_scores
    from cxos.scoring.config import ScoringConfig

    return [score_row(s.as_dict()) for s in compute_scores(db, as_of, ScoringConfig.load())]


def score_row(score: dict[str, Any]) -> dict[str, Any]:
    """A team score as SPEC.md's output row, rounded for display."""
    from cxos.scoring.config import COMPONENTS

    row = {name: score[name] for name in ("team_id", "team", "business_unit", "quadrant")}
    row["alignment"] = round(score["alignment"], 1)
    row["accountability"] = round(score["accountability"], 1)
    for name in COMPONENTS:
        value = score["components"][name]
        row[name] = None if value is None else round(value, 3)
    return row


def run_signals(args: argparse.Namespace) -> int:

    emit(signal_rows(open_db(args), as_of_date(args)), SIGNAL_COLUMNS, args.format)
    return 0


def signal_rows(db: Database, as_of: dt.date) -> list[dict[str, Any]]:
    """The silo signals as of `as_of`, as SPEC.md's output rows (the API's too)."""
    from cxos.scoring import compute_signals
    from cxos.scoring.config import ScoringConfig

    signals = compute_signals(db, as_of, ScoringConfig.load())
    return [{"signal": s.signal, "subject_id": s.subject_id} for s in signals]


def run_explain(args: argparse.Namespace) -> int:
    from cxos.scoring import explain_team
    from cxos.scoring.config import ScoringConfig

    explanation = explain_team(open_db(args), args.team_id, as_of_date(args), ScoringConfig.load())
    if args.format == "json":
        print(json.dumps(explanation_row(explanation), indent=2, default=str))
    else:
        lines(explanation_lines(explanation))
    return 0


def explanation_row(explanation: TeamExplanation) -> dict[str, Any]:
    """A team's explanation as JSON: its score row, each component with its items, the fixes."""
    from cxos.scoring import top_fixes

    return {
        "as_of": explanation.as_of.isoformat(),
        **score_row(explanation.score.as_dict()),
        "components": [
            {
                "component": part.component,
                "value": None if part.value is None else round(part.value, 3),
                "numerator": part.numerator,
                "denominator": part.denominator,
                "weight": part.weight,
                "note": part.note,
                "items": [
                    {
                        "kind": item.kind,
                        "item_id": item.item_id,
                        "label": item.label,
                        "value": round(item.value, 3),
                        "ok": item.ok,
                        "detail": item.detail,
                        "fix": item.fix,
                    }
                    for item in part.items
                ],
            }
            for part in explanation.components.values()
        ],
        "top_fixes": [str(fix) for fix in top_fixes(explanation)],
    }


def explanation_lines(explanation: TeamExplanation) -> list[str]:
    """A team's explanation as plain text lines."""
    from cxos.scoring import top_fixes

    s = explanation.score
    lines = [
        f"{s.team} ({s.team_id}, {s.business_unit}) as of {explanation.as_of}: "
        f"alignment {s.alignment:.1f}, accountability {s.accountability:.1f} → {s.quadrant}",
    ]
    for part in explanation.components.values():
        value = "undefined" if part.value is None else f"{part.value:.3f}"
        ratio = f"{part.numerator:g}/{part.denominator}"
        lines.append(f"  {part.component}: {value} ({ratio}, weight {part.weight:g}) {part.note}")
        for item in part.items:
            mark = "ok" if item.ok else f"{item.value:.2f}"
            fix = f" — {item.fix}" if item.fix else ""
            lines.append(
                f"    [{mark}] {item.kind} {item.label} ({item.item_id}): {item.detail}{fix}"
            )
    fixes = top_fixes(explanation)
    if fixes:
        lines.append("  top fixes:")
        lines.extend(f"    {fix}" for fix in fixes)
    return [line.rstrip() for line in lines]


def run_snapshot(args: argparse.Namespace) -> int:
    from cxos.scoring import take_snapshot
    from cxos.scoring.config import ScoringConfig

    day = as_of_date(args)
    stored = take_snapshot(open_db(args), day, None, ScoringConfig.load())
    print(f"snapshot of {len(stored)} teams stored for {day}")
    return 0
