"""Feedback themes and the opportunity backlog on the enterprise company, feedback scaled up.

Copies the enterprise database (bench/enterprise.py) once, adds feedback until it holds
`--feedback` items (default 100,000), spread over the 180 days to the date (the themes'
period and the previous one) on every touchpoint, each text its touchpoint's complaint or
its stage's praise or remark, half of them followed by a second sentence of the same stage,
then times, each in a fresh process (so its peak memory is its own):

- `themes`: `compute_themes` (read, TF-IDF, NMF, the rows per stage, touchpoint, team);
- `opportunities`: `compute_opportunities`, themes included (what the page computes);
- `cli`: `python -m cxos opportunities --format csv` as a user runs it, whole process.

Prints each run's seconds and peak resident memory (ru_maxrss) and the medians.

    CXOS_BENCH_DIR=/tmp/insights-bench python bench/bench_insights.py [--runs 3] [--feedback 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import enterprise  # noqa: E402

from cxos.demo import story  # noqa: E402
from cxos.storage import Database  # noqa: E402

DAYS = 180


def scaled(source: Path, wanted: int) -> Path:
    """A copy of `source` holding `wanted` feedback items (made once, kept beside it)."""
    path = source.with_name(f"{source.stem}-feedback-{wanted}.duckdb")
    if path.exists():
        return path
    shutil.copyfile(source, path)
    db = Database(path)
    have = int(db.scalar("SELECT count(*) FROM feedback"))
    as_of = dt.date.fromisoformat(
        json.loads(db.scalar("SELECT value FROM meta WHERE key = 'demo_as_of'"))
    )
    rows = _made(db, wanted - have, as_of)
    db.write(lambda con: con.execute(_INSERT, rows))
    db.close()
    return path


_INSERT = """INSERT INTO feedback
    (id, received_on, stage_id, touchpoint_id, team_id, sentiment, text)
SELECT unnest(?::VARCHAR[]), unnest(?::DATE[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
    unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])"""


def _made(db: Database, count: int, as_of: dt.date) -> list[list]:
    """`count` feedback rows as columns, drawn with a fixed seed."""
    touchpoints = db.rows(
        "SELECT tp.id, tp.stage_id, tp.owner_team_id, tp.name, s.name AS stage "
        "FROM touchpoints tp JOIN stages s ON s.id = tp.stage_id ORDER BY tp.id"
    )
    rng = random.Random(25)
    columns: list[list] = [[] for _ in range(7)]
    for n in range(count):
        tp = touchpoints[rng.randrange(len(touchpoints))]
        praise, remark = story.REMARKS[tp["stage"]]
        sentiment = rng.choices(("negative", "neutral", "positive"), (0.45, 0.15, 0.4))[0]
        said = {"negative": story.COMPLAINTS[tp["name"]], "neutral": remark, "positive": praise}
        text = said[sentiment]
        if rng.random() < 0.5:
            text += " " + rng.choice((praise, remark))
        row = (
            f"fb-bench-{n:06d}",
            as_of - dt.timedelta(days=rng.randrange(DAYS)),
            tp["stage_id"],
            tp["id"],
            tp["owner_team_id"],
            sentiment,
            text,
        )
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    return columns


_CHILD = """
import datetime as dt, json, resource, sys, time
sys.path.insert(0, {root!r})
from cxos.storage import Database
db = Database({path!r})
day = dt.date.fromisoformat({day!r})
started = time.perf_counter()
if {what!r} == "themes":
    from cxos.insights.themes import compute_themes
    found = len(compute_themes(db, day).rows)
else:
    from cxos.insights.opportunities import compute_opportunities
    found = len(compute_opportunities(db, day))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak, "rows": found}}))
"""


def child(path: Path, day: str, what: str) -> dict:
    """One timed run in a fresh interpreter: seconds, its peak RSS and the rows it made."""
    code = _CHILD.format(root=str(ROOT), path=str(path), day=day, what=what)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


_CLI = """
import json, os, resource, sys
sys.path.insert(0, {root!r})
from cxos.cli import main
sys.stdout = open(os.devnull, "w")
status = main(["--db", {path!r}, "opportunities", "--as-of", {day!r}, "--format", "csv"])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"peak_mb": peak}}), file=sys.stderr)
sys.exit(status)
"""


def cli(path: Path, day: str) -> dict:
    """`python -m cxos opportunities --format csv` as a user runs it: the whole process's
    wall time (start, imports, output) and its own peak RSS."""
    code = _CLI.format(root=str(ROOT), path=str(path), day=day)
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    return {**json.loads(out.stderr.splitlines()[-1]), "seconds": seconds, "rows": None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--feedback", type=int, default=100_000)
    args = parser.parse_args()
    source = enterprise.database(enterprise.DEFAULT_DIR)
    path = scaled(source, args.feedback)
    db = Database(path)
    day = json.loads(db.scalar("SELECT value FROM meta WHERE key = 'demo_as_of'"))
    print(
        f"{path}: {db.scalar('SELECT count(*) FROM feedback'):,} feedback items, "
        f"{db.scalar('SELECT count(*) FROM stages'):,} stages, as of {day}"
    )
    db.close()
    for what in ("themes", "opportunities", "cli"):
        runs = [
            cli(path, day) if what == "cli" else child(path, day, what) for _ in range(args.runs)
        ]
        for run in runs:
            print(
                f"  {what}: {run['seconds']:.2f} s, peak {run['peak_mb']:.0f} MB, "
                f"rows {run['rows']}"
            )
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        print(f"{what}: median {seconds:.2f} s, peak RSS {peak:.0f} MB over {args.runs} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
