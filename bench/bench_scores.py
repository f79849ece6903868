"""Benchmark: scores and signals for a large company against a bare scan of its data.

Generates, directly in DuckDB and set-based, a company of TEAMS teams whose goals' metrics
hold READINGS readings in all, with actions, check-ins, touchpoints, pulse surveys and
feedback. Then times, through the same `Database.read` path and interleaved run by run:

- `compute_scores` (issue 4's figure),
- `assess`, every team's scores and every silo signal in one pass (issue 9's figure),
- a bare DuckDB query that scans and aggregates the same readings and check-ins: the
  latest reading (date and value) of every metric and the latest check-in of every action
  on or before the date, which is what scoring has to read of them,

and prints the medians and the median of the per-run ratios.

    python bench/bench_scores.py [--teams 1000] [--readings 1000000] [--runs 7]
    python bench/bench_scores.py --enterprise [--runs 7] [--days-back 90]

`--enterprise` measures the demo generator's enterprise company instead (built once by
bench/enterprise.py), as of today, or `--days-back N` days before today: a past date, at
which the latest values kept derived are not those as of the date for the metrics read and
the actions checked in on since, so scoring aggregates those rows (docs/performance.md).
The synthetic company is always measured at such a date (readings run a month past it).

The bare scan uses what it aggregates: asked only for the number of groups (as this
benchmark did until December 2026), DuckDB drops the max and arg_max aggregates and merely
finds the distinct keys, in about 0.6 of the time, which is not reading what scoring reads.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cxos.scoring import assess, compute_scores  # noqa: E402
from cxos.scoring.config import ScoringConfig  # noqa: E402
from cxos.storage import Connection, Database  # noqa: E402

AS_OF = dt.date(2025, 6, 30)
GOALS_PER_TEAM = 3
METRICS_PER_GOAL = 3
ACTIONS_PER_GOAL = 5
CHECK_INS_PER_ACTION = 10
STAGES = 40

BARE_SCAN = """
SELECT
    (SELECT (count(*), max(read_on), sum(value)) FROM (
        SELECT metric_id, max(as_of) AS read_on, arg_max(value, as_of) AS value
        FROM metric_readings WHERE as_of <= $d GROUP BY metric_id)),
    (SELECT (count(*), max(checked_on)) FROM (
        SELECT action_id, max(checked_on) AS checked_on
        FROM check_ins WHERE checked_on <= $d GROUP BY action_id))"""


def generate(con: Connection, teams: int, readings: int) -> None:
    """Fill an empty CXOS database with a synthetic company, all in set-based SQL."""
    metrics = teams * GOALS_PER_TEAM * METRICS_PER_GOAL
    per_metric = -(-readings // metrics)
    statements = [
        "INSERT INTO business_units (id, name) SELECT 'bu' || i, 'Unit ' || i FROM range(20) t(i)",
        f"""INSERT INTO teams (id, name, business_unit_id)
            SELECT 't' || i, 'Team ' || i, 'bu' || (i % 20)
            FROM range({teams}) t(i)""",
        f"""INSERT INTO people (id, name, team_id, role)
            SELECT 'p' || i, 'Head ' || i, 't' || i, 'head' FROM range({teams}) t(i)""",
        "INSERT INTO journeys (id, name) VALUES ('j', 'Journey')",
        f"""INSERT INTO stages (id, journey_id, phase, name, position)
            SELECT 's' || i, 'j', 'Phase ' || (i // 10), 'Stage ' || i, i
            FROM range({STAGES}) t(i)""",
        f"""INSERT INTO touchpoints (id, stage_id, name, layer, channel, owner_team_id)
            SELECT 'tp' || i || '_' || k, 's' || ((i * 3 + k * 7) % {STAGES}),
                'Touchpoint ' || i || '/' || k, 'front_stage', NULL, 't' || i
            FROM range({teams}) t(i), range(3) u(k)""",
        "INSERT INTO objectives (id, title, vision) "
        "SELECT 'o' || i, 'Objective ' || i, NULL FROM range(5) t(i)",
        f"""INSERT INTO goals (id, title, team_id, owner_id, objective_id, start_date, end_date,
                status)
            SELECT 'g' || i || '_' || k, 'Goal ' || i || '/' || k, 't' || i,
                CASE WHEN (i + k) % 4 <> 0 THEN 'p' || i END,
                CASE WHEN (i + k) % 5 <> 0 THEN 'o' || (k % 5) END,
                DATE '2025-01-01' - (k * 30)::INTEGER, DATE '2025-12-31',
                CASE WHEN k = 2 AND i % 10 = 0 THEN 'dropped' ELSE 'active' END
            FROM range({teams}) t(i), range({GOALS_PER_TEAM}) u(k)""",
        f"""INSERT INTO goal_stages (goal_id, stage_id)
            SELECT 'g' || i || '_' || k, 's' || ((i * 3 + k) % {STAGES})
            FROM range({teams}) t(i), range({GOALS_PER_TEAM}) u(k) WHERE (i + k) % 3 <> 0""",
        f"""INSERT INTO goal_contributors (goal_id, team_id)
            SELECT 'g' || i || '_' || k, 't' || ((i + 1) % {teams})
            FROM range({teams}) t(i), range({GOALS_PER_TEAM}) u(k) WHERE (i + k) % 2 = 0""",
        f"""INSERT INTO metrics (id, goal_id, name, direction, baseline, target, cadence_days)
            SELECT 'm' || i || '_' || k || '_' || n, 'g' || i || '_' || k,
                'Metric ' || i || '/' || k || '/' || n, 'higher',
                CASE WHEN n <> 2 THEN 10.0 END, CASE WHEN (i + n) % 3 <> 0 THEN 90.0 END,
                7 + 7 * n
            FROM range({teams}) t(i), range({GOALS_PER_TEAM}) u(k),
                range({METRICS_PER_GOAL}) v(n)""",
        f"""INSERT INTO metric_readings (metric_id, as_of, value, source)
            SELECT m.id, DATE '2025-07-31' - (r * 2 + hash(m.id) % 5)::INTEGER,
                10 + (hash(m.id || r) % 80), 'import'
            FROM metrics m, range({per_metric}) t(r)""",
        f"""INSERT INTO actions (id, goal_id, title, team_id, created_on, due_date, status,
                completed_on)
            SELECT 'a' || g.id || '_' || a, g.id, 'Action ' || a, g.team_id,
                DATE '2025-01-15' + (a * 20)::INTEGER, DATE '2025-03-01' + (a * 30)::INTEGER,
                CASE WHEN a < 2 THEN 'done' WHEN a = 4 THEN 'cancelled' ELSE 'open' END,
                CASE WHEN a < 2 THEN DATE '2025-02-20' + (a * 40 + hash(g.id) % 20)::INTEGER
                END
            FROM goals g, range({ACTIONS_PER_GOAL}) t(a)""",
        f"""INSERT INTO check_ins (action_id, checked_on, status, progress, confidence)
            SELECT a.id, a.created_on + (c * 9 + hash(a.id) % 7)::INTEGER, 'in_progress',
                c * 10, 3
            FROM actions a, range({CHECK_INS_PER_ACTION}) t(c)""",
        """INSERT INTO pulse_responses
            SELECT t.id, DATE '2025-06-01' - (s * 120 + hash(t.id) % 90)::INTEGER, q.q,
                1 + hash(t.id || q.q || s) % 5, 10
            FROM teams t, range(2) u(s),
                (VALUES ('understand_goals'), ('know_my_part'), ('agree_why')) q(q)""",
        f"""INSERT INTO feedback (id, received_on, stage_id, team_id, sentiment, text)
            SELECT 'f' || i, DATE '2025-06-30' - (i % 200)::INTEGER, 's' || (i % {STAGES}),
                't' || (i % {teams}),
                CASE i % 3 WHEN 0 THEN 'negative' WHEN 1 THEN 'neutral' ELSE 'positive' END,
                'Feedback ' || i
            FROM range({teams * 10}) t(i)""",
    ]
    for statement in statements:
        con.execute(statement)


def interleaved(runs: int, **timed: Callable[[], object]) -> dict[str, list[float]]:
    """Wall times of each function over `runs` rounds, the functions run in turn in every
    round (after one warm-up call each), so that load from other programs on the machine
    weighs on all of them alike."""
    for fn in timed.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(runs):
        for name, fn in timed.items():
            times[name].append(_seconds(fn))
    return times


def _seconds(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def report(times: dict[str, list[float]], baseline: str, target: float = 3.0) -> None:
    """Each function's median time and the median of its per-round ratio to `baseline`."""
    runs = len(times[baseline])
    for name, values in times.items():
        line = f"{name}: {statistics.median(values) * 1000:.0f} ms (median of {runs})"
        if name != baseline:
            ratios = [v / b for v, b in zip(values, times[baseline], strict=True)]
            line += f", {statistics.median(ratios):.2f}x the bare scan (target <= {target:g}x)"
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--enterprise", action="store_true", help="the enterprise demo company")
    parser.add_argument(
        "--days-back", type=int, default=0, help="with --enterprise: as of this many days ago"
    )
    args = parser.parse_args()
    config = ScoringConfig()
    with tempfile.TemporaryDirectory(prefix="cxos-bench-") as tmp:
        as_of = AS_OF
        started = time.perf_counter()
        if args.enterprise:
            from bench import enterprise

            db = Database(enterprise.database(as_of=dt.date.today()))
            as_of = dt.date.today() - dt.timedelta(days=args.days_back)
        else:
            db = Database(Path(tmp) / "bench.duckdb")
            db.write(lambda con: generate(con, args.teams, args.readings))
        counts = db.rows(
            "SELECT (SELECT count(*) FROM teams) AS teams, "
            "(SELECT count(*) FROM metric_readings) AS readings, "
            "(SELECT count(*) FROM check_ins) AS check_ins, "
            "(SELECT count(*) FROM actions) AS actions"
        )[0]
        print(f"as of {as_of}: {counts} ready in {time.perf_counter() - started:.1f} s")

        times = interleaved(
            args.runs,
            scores=lambda: compute_scores(db, as_of, config),
            scores_and_signals=lambda: assess(db, as_of, config),
            bare_scan=lambda: db.read(lambda con: con.execute(BARE_SCAN, {"d": as_of}).fetchall()),
        )
    report(times, "bare_scan")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
