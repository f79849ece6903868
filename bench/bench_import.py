"""Bundle import speed: rows per second, and the ratio to DuckDB's own bare CSV load.

Usage:  python bench/bench_import.py [--scale 1 50] [--runs 3] [--enterprise]

For each size it writes the demo company's bundle once, then imports it into a fresh
database `runs` times (median reported), and in the same run loads the same CSV files
into plain tables with DuckDB alone (no checks, no merge) — the floor an importer could
reach. The ratio of the two is the cost of validation, merging and the audit trail.

Both are timed until their file is closed. A commit that leaves more than DuckDB's
`checkpoint_threshold` in the write-ahead log checkpoints at once (the import does: its
indexed tables go through the log), while the bare load's checkpoint waits for the close;
timing both to a closed, checkpointed file compares the same work. The ratio up to the
last commit alone is printed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxos.bundle.importer import import_bundle  # noqa: E402
from cxos.bundle.spec import FILES  # noqa: E402
from cxos.demo import company  # noqa: E402
from cxos.storage import Database  # noqa: E402

AS_OF = dt.date(2026, 11, 23)


def write(folder: Path, scale: int, shape: company.Shape | None) -> int:
    company.write_bundle(folder, as_of=AS_OF, scale=scale, shape=shape)
    return sum(sum(1 for _ in open(p, encoding="utf-8")) - 1 for p in folder.glob("*.csv"))


class Timing(NamedTuple):
    committed: float  # seconds until the last commit returned
    closed: float  # seconds until the file was closed (checkpointed)


def time_import(folder: Path, work: Path, run: int) -> Timing:
    db = Database(work / f"import-{run}.duckdb")
    phases: list[tuple[float, str]] = []
    started = time.perf_counter()
    import_bundle(db, folder, progress=lambda _f, what: phases.append((time.perf_counter(), what)))
    took = time.perf_counter() - started
    db.close()
    closed = time.perf_counter() - started
    if run == 0:  # where the time goes: each phase until the next one starts
        marks = [*phases, (started + took, "end")]
        print(
            "  phases: "
            + ", ".join(
                f"{what} {later - at:.2f} s"
                for (at, what), (later, _) in zip(marks, marks[1:], strict=False)
                if later - at >= 0.05
            )
        )
    (work / f"import-{run}.duckdb").unlink()
    return Timing(took, closed)


def time_bare_load(folder: Path, work: Path, run: int) -> Timing:
    path = work / f"bare-{run}.duckdb"
    con = duckdb.connect(str(path))
    started = time.perf_counter()
    for spec in FILES:
        csv = folder / spec.filename
        if csv.exists():
            con.execute(
                f"CREATE TABLE {spec.name} AS SELECT * FROM read_csv(?, header = true)", [str(csv)]
            )
    took = time.perf_counter() - started
    con.close()
    closed = time.perf_counter() - started
    path.unlink()
    return Timing(took, closed)


def bench(scale: int, runs: int, shape: company.Shape | None) -> None:
    with tempfile.TemporaryDirectory(prefix="cxos-bench-") as tmp:
        work = Path(tmp)
        rows = write(work / "bundle", scale, shape)
        imports, bare = [], []
        for r in range(runs):  # in turn, so load from other programs weighs on both alike
            imports.append(time_import(work / "bundle", work, r))
            bare.append(time_bare_load(work / "bundle", work, r))
    ours = statistics.median(t.closed for t in imports)
    floor = statistics.median(t.closed for t in bare)
    committed = statistics.median(t.committed for t in imports) / statistics.median(
        t.committed for t in bare
    )
    label = "enterprise" if shape else f"scale {scale}"
    print(
        f"{label:>10}: {rows:>10,} rows | import median {ours:7.2f} s "
        f"({rows / ours:>11,.0f} rows/s) | bare DuckDB CSV load {floor:6.2f} s "
        f"| ratio {ours / floor:5.2f}x (target <= 4x; to the last commit {committed:.2f}x) "
        f"| runs {runs}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, nargs="*", default=[1, 50])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--enterprise", action="store_true", help="also the enterprise company")
    args = parser.parse_args()
    for scale in args.scale:
        bench(scale, args.runs, None)
    if args.enterprise:
        bench(1, args.runs, company.Shape.enterprise())


if __name__ == "__main__":
    main()
