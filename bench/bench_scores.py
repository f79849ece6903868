"""Benchmark: scores and signals for a large company against a bare scan of its data.

Generates, directly in DuckDB and set-based, a company of TEAMS teams whose goals' metrics
hold READINGS readings in all, with actions, check-ins, touchpoints, pulse surveys and
feedback. Then times `compute_scores` + `compute_signals` against a bare DuckDB query that
scans and aggregates the same readings and check-ins (latest per metric and per action),
both through the same `Database.read` path, and prints the medians and their ratio.

    python bench/bench_scores.py [--teams 1000] [--readings 1000000] [--runs 5]
    python bench/bench_scores.py --enterprise [--runs 5]

`--enterprise` measures the demo generator's enterprise company instead (built once by
bench/enterprise.py), as of its story's date.

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

from cxos.config import ScoringConfig  # noqa: E402
from cxos.scoring import compute_scores, compute_signals  # noqa: E402
from cxos.storage import Connection, Database  # noqa: E402

AS_OF = dt.date(2025, 6, 30)
GOALS_PER_TEAM = 3
METRICS_PER_GOAL = 3
ACTIONS_PER_GOAL = 5
CHECK_INS_PER_ACTION = 10
STAGES = 40

BARE_SCAN = """
SELECT
    (SELECT count(*) FROM (
        SELECT metric_id, max(as_of), arg_max(value, as_of) FROM metric_readings
        WHERE as_of <= $d GROUP BY metric_id)),
    (SELECT count(*) FROM (
        SELECT action_id, max(checked_on) FROM check_ins
        WHERE checked_on <= $d GROUP BY action_id))"""


def generate(con: Connection, teams: int, readings: int) -> None:
    """Fill an empty CXOS database with a synthetic company, all in set-based SQL."""
    metrics = teams * GOALS_PER_TEAM * METRICS_PER_GOAL
    per_metric = -(-readings // metrics)
    statements = [
        "INSERT INTO business_units SELECT 'bu' || i, 'Unit ' || i FROM range(20) t(i)",
        f"""INSERT INTO teams SELECT 't' || i, 'Team ' || i, 'bu' || (i % 20)
            FROM range({teams}) t(i)""",
        f"""INSERT INTO people (id, name, team_id, role)
            SELECT 'p' || i, 'Head ' || i, 't' || i, 'head' FROM range({teams}) t(i)""",
        "INSERT INTO journeys VALUES ('j', 'Journey')",
        f"""INSERT INTO stages SELECT 's' || i, 'j', 'Phase ' || (i // 10), 'Stage ' || i, i
            FROM range({STAGES}) t(i)""",
        f"""INSERT INTO touchpoints
            SELECT 'tp' || i || '_' || k, 's' || ((i * 3 + k * 7) % {STAGES}),
                'Touchpoint ' || i || '/' || k, 'front_stage', NULL, 't' || i
            FROM range({teams}) t(i), range(3) u(k)""",
        "INSERT INTO objectives SELECT 'o' || i, 'Objective ' || i, NULL FROM range(5) t(i)",
        f"""INSERT INTO goals (id, title, team_id, owner_id, objective_id, start_date, end_date,
                status)
            SELECT 'g' || i || '_' || k, 'Goal ' || i || '/' || k, 't' || i,
                CASE WHEN (i + k) % 4 <> 0 THEN 'p' || i END,
                CASE WHEN (i + k) % 5 <> 0 THEN 'o' || (k % 5) END,
                DATE '2025-01-01' - (k * 30)::INTEGER, DATE '2025-12-31',
                CASE WHEN k = 2 AND i % 10 = 0 THEN 'dropped' ELSE 'active' END
            FROM range({teams}) t(i), range({GOALS_PER_TEAM}) u(k)""",
        f"""INSERT INTO goal_stages SELECT 'g' || i || '_' || k, 's' || ((i * 3 + k) % {STAGES})
            FROM range({teams}) t(i), range({GOALS_PER_TEAM}) u(k) WHERE (i + k) % 3 <> 0""",
        f"""INSERT INTO goal_contributors
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


def interleaved_medians(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Median wall times of two functions run in turn (after one warm-up call each), so
    that load from other programs on the machine weighs on both alike."""
    first(), second()
    a, b = [], []
    for _ in range(runs):
        a.append(_seconds(first))
        b.append(_seconds(second))
    return statistics.median(a), statistics.median(b)


def _seconds(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--enterprise", action="store_true", help="the enterprise demo company")
    args = parser.parse_args()
    config = ScoringConfig()
    with tempfile.TemporaryDirectory(prefix="cxos-bench-") as tmp:
        as_of = AS_OF
        started = time.perf_counter()
        if args.enterprise:
            from bench import enterprise

            as_of = dt.date.today()
            db = Database(enterprise.database(as_of=as_of))
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

        def scoring() -> None:
            compute_scores(db, as_of, config)
            compute_signals(db, as_of, config)

        def bare() -> None:
            db.read(lambda con: con.execute(BARE_SCAN, {"d": as_of}).fetchall())

        ours, scan = interleaved_medians(scoring, bare, args.runs)
    print(f"compute_scores + compute_signals: {ours * 1000:.0f} ms (median of {args.runs})")
    print(f"bare scan of readings + check-ins: {scan * 1000:.0f} ms (median of {args.runs})")
    print(f"ratio: {ours / scan:.2f}x (target <= 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
