"""Benchmark: what a head's edits cost on the enterprise company.

Writes bring the derived scoring tables up to date in the same transaction (cxos/storage/
structure.py); this measures four, on a copy of the enterprise database (bench/
enterprise.py) so the shared one is left as built:

- a goal's stage links replaced (`team_edits.set_goal_links`: four derived tables),
- a metric's target changed (`team_edits.save_metric`: two derived tables),
- a check-in on an action (`checkins_readings.record_check_in`: the action's row of score_actions),
- a metric's reading (`checkins_readings.record_reading`: the metric's latest reading),

the edits alternating between two values, and prints the medians.

    python bench/bench_writes.py [--runs 7] [--database PATH]

`--database` measures on a copy of that CXOS database instead (e.g. one made by older code,
to compare).

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import enterprise  # noqa: E402
from cxos.storage import Database  # noqa: E402
from cxos.work.checkins_readings import record_check_in, record_reading  # noqa: E402
from cxos.work.team_edits import save_metric, set_goal_links  # noqa: E402

_METRIC_FIELDS = ("id", "goal_id", "name", "unit", "direction", "baseline", "target")


def median_ms(runs: int, edit: Callable[[int], object]) -> float:
    """The median wall time of `edit(i)` for i in range(runs), in milliseconds."""
    times = []
    for i in range(runs):
        started = time.perf_counter()
        edit(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", type=Path, help="a copy of this database instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxos-bench-") as tmp:
        path = Path(tmp) / "writes.duckdb"
        shutil.copy(args.database or enterprise.database(), path)
        db = Database(path)
        goal = db.rows(
            "SELECT g.id, p.id AS head FROM goals g "
            "JOIN people p ON p.team_id = g.team_id AND p.role = 'head' "
            "WHERE g.status <> 'dropped' AND g.id IN (SELECT goal_id FROM metrics) "
            "ORDER BY g.id LIMIT 1"
        )[0]
        linked = [
            r["stage_id"]
            for r in db.rows("SELECT stage_id FROM goal_stages WHERE goal_id = ?", [goal["id"]])
        ]
        extra = db.scalar(
            "SELECT min(id) FROM stages WHERE id NOT IN "
            "(SELECT stage_id FROM goal_stages WHERE goal_id = ?)",
            [goal["id"]],
        )
        metric = db.rows(
            "SELECT * FROM metrics WHERE goal_id = ? ORDER BY id LIMIT 1", [goal["id"]]
        )[0]

        def links(i: int) -> None:
            stages = linked + ([extra] if i % 2 == 0 else [])
            set_goal_links(db, goal["head"], goal["id"], stage_ids=stages, contributor_ids=[])

        def target(i: int) -> None:
            row = {k: metric[k] for k in _METRIC_FIELDS if k in metric}
            row["cadence_days"] = metric["cadence_days"]
            row["target"] = (metric["target"] or 50) + i % 2
            save_metric(db, goal["head"], row)

        action = db.rows(
            "SELECT id FROM actions WHERE team_id = (SELECT team_id FROM goals WHERE id = ?) "
            "AND status IN ('open', 'in_progress') ORDER BY id LIMIT 1",
            [goal["id"]],
        )[0]["id"]

        def check_in(i: int) -> None:
            record_check_in(db, goal["head"], action, status="in_progress", progress=10 + i)

        def reading(i: int) -> None:
            record_reading(db, goal["head"], metric["id"], 40.0 + i % 2)

        for name, edit in (
            ("a goal's stage links", links),
            ("a metric's target", target),
            ("a check-in", check_in),
            ("a reading", reading),
        ):
            print(f"{name}: {median_ms(args.runs, edit):.0f} ms (median of {args.runs})")
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
