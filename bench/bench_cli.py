"""Benchmark: `python -m cxos scores` as a user runs it, against a bare DuckDB scan.

Both are whole processes started the same way (`subprocess`, the same interpreter, the
enterprise company of bench/enterprise.py as of today), run in turn round by round:

- `scores`: `python -m cxos --db FILE scores --as-of DAY` (output to /dev/null, so the
  rows are still formatted and written), the whole command line from start to exit;
- `bare_scan`: `python -c` that imports duckdb, opens the same file and runs
  `bench_scores.BARE_SCAN` (the latest reading of every metric and the latest check-in of
  every action), what any program reading that data pays at least;
- `python`: `python -c pass`, the interpreter's own start, for scale (not a baseline).

Python caches compiled modules as a user's installation does (`.pyc` files, here under a
temporary `PYTHONPYCACHEPREFIX`, written by the warm-up round) even where the environment
sets `PYTHONDONTWRITEBYTECODE`: without the cache every run recompiles CXOS's sources,
about 60 ms that no installed copy pays.

It prints each median and the median of the per-round ratios to the bare scan.

    python bench/bench_cli.py [--runs 15] [--format table|csv|json] [--command signals]
        [--repo PATH]   # the command line of another checkout (e.g. the code before)

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import enterprise  # noqa: E402
from bench.bench_scores import BARE_SCAN, interleaved, report  # noqa: E402

BARE_PROGRAM = (
    "import sys, datetime, duckdb\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "con.execute(sys.argv[2], {'d': datetime.date.fromisoformat(sys.argv[3])}).fetchall()\n"
)
TARGET = 1.5


def run(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
    """Run a whole process as a user would, its output thrown away; fail loudly."""
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True)


def user_environment(pycache: str) -> dict[str, str]:
    """This environment, with compiled modules cached (in `pycache`) as an installation has."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": pycache}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--command", default="scores", help="scores or signals")
    parser.add_argument("--repo", type=Path, default=ROOT, help="run `cxos` of this checkout")
    args = parser.parse_args()
    day = dt.date.today()
    path = str(enterprise.database(as_of=day))
    cli = [sys.executable, "-m", "cxos", "--db", path, args.command, "--as-of", day.isoformat()]
    cli += ["--format", args.format]
    bare = [sys.executable, "-c", BARE_PROGRAM, path, BARE_SCAN, day.isoformat()]
    print(f"{' '.join(cli)} (in {args.repo})\nagainst a bare scan of {path} as of {day}")
    with tempfile.TemporaryDirectory(prefix="cxos-pycache-") as pycache:
        env = user_environment(pycache)
        times = interleaved(
            args.runs,
            bare_scan=lambda: run(bare, env),
            **{args.command: lambda: run(cli, env, args.repo)},
            python=lambda: run([sys.executable, "-c", "pass"], env),
        )
    startup = times.pop("python")
    report(times, "bare_scan", target=TARGET)
    print(f"python -c pass: {statistics.median(startup) * 1000:.0f} ms (median, for scale)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
