"""The enterprise company the benchmarks share: its bundle and a database loaded from it.

Built once with the demo generator's enterprise shape (`cxos.demo.company.Shape.enterprise()`:
1,008 teams, 11,340 goals, about 1.0M readings, 111k actions, 970k check-ins) and kept
under `--dir` (default $CXOS_BENCH_DIR, else /tmp/cxos-bench), so the page and load
benchmarks do not pay the minute it takes to build. A database is rebuilt when its as-of
date differs.

    python bench/enterprise.py [--dir /tmp/cxos-bench] [--as-of 2026-11-23] [--force]

prints the database path and its row counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxos.demo import company  # noqa: E402
from cxos.storage import Database  # noqa: E402
from cxos.storage.contents import meta  # noqa: E402

# A checkout with a newer schema upgrades the file it benchmarks: give each its own folder.
DEFAULT_DIR = Path(os.environ.get("CXOS_BENCH_DIR", "/tmp/cxos-bench"))
COUNTED = ("teams", "goals", "metric_readings", "actions", "check_ins", "feedback")


def bundle(folder: Path, as_of: dt.date) -> Path:
    """The enterprise bundle folder as of `as_of`, written once and reused."""
    done = folder / ".complete"
    if done.exists() and done.read_text() == as_of.isoformat():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    company.write_bundle(folder, as_of=as_of, shape=company.Shape.enterprise())
    done.write_text(as_of.isoformat())
    return folder


def database(folder: Path = DEFAULT_DIR, as_of: dt.date | None = None, force: bool = False) -> Path:
    """The enterprise database file as of `as_of` (default today), built when missing."""
    day = as_of or dt.date.today()
    path = folder / f"enterprise-{day.isoformat()}.duckdb"
    if path.exists() and not force and _complete(path, day):
        return path
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    db = Database(path)
    company.load(db, as_of=day, shape=company.Shape.enterprise())
    db.close()
    print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def _complete(path: Path, day: dt.date) -> bool:
    db = Database(path)
    try:
        return meta(db, "demo_as_of") == day.isoformat()
    finally:
        db.close()


def counts(path: Path) -> dict[str, int]:
    """Row counts of the big tables."""
    db = Database(path)
    try:
        sql = ", ".join(f"(SELECT count(*) FROM {t}) AS {t}" for t in COUNTED)
        return db.rows(f"SELECT {sql}")[0]
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--force", action="store_true", help="rebuild even if present")
    args = parser.parse_args()
    path = database(args.dir, args.as_of, args.force)
    print(path)
    print(", ".join(f"{name} {n:,}" for name, n in counts(path).items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
