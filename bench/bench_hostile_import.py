"""Hostile imports: time and peak memory of refusing each of issue 19's bundles.

Usage:  python bench/bench_hostile_import.py [--bomb-gib 3] [--keep DIR]

Each case is imported (`import --dry-run`, through `cxos.bundle.importer.import_bundle`) in a
fresh Python process that reports its peak RSS over its own baseline after imports, taken
with `resource.getrusage`, and the wall time of the import alone. Cases: the zip bomb
(3 GiB of NULs in a ~3 MB zip), a notes.csv with a 40 MB row, a header then 64 MB of junk,
two rows then 64 MB of NULs, a workbook whose sheet titles are paths, and a zip naming
one file twice. Before issue 19 the bomb took 6.4 GB and 49 s and was accepted as 0 rows.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bundles import base_bundle, write_bundle  # noqa: E402
from tests.hostile_files import MiB, retitle_sheets, workbook, write_zip_bomb, zip_of  # noqa: E402

CHILD = """
import resource, sys, time
from cxos.model.errors import CxosError
from cxos.bundle.importer import import_bundle
from cxos.storage import Database
db = Database(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    outcome = "accepted: " + import_bundle(db, sys.argv[1], dry_run=True).summary()
except CxosError as error:
    lines = str(error).splitlines()
    outcome = "refused: " + (lines[1].strip() if len(lines) > 1 else lines[0])
took = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{took:.2f}\\t{(peak - base) / 1024:.1f}\\t{peak / 1024:.1f}\\t{outcome}")
"""

NOTES = ",".join(
    ["id", "author_id", "business_unit_id", "stage_id", "created_on", "title", "body", "tags"]
)
NOTE = "n1,p1,bu1,s1,2026-02-03,Huddles,Daily huddles help,huddle\n"


def _folder(work: Path, name: str, data: bytes) -> Path:
    folder = work / name
    folder.mkdir()
    (folder / "notes.csv").write_bytes(data)
    return folder


def cases(work: Path, bomb_gib: int) -> dict[str, Path]:
    header = (NOTES + "\n").encode()
    book = workbook(work / "paths.xlsx", {"teams": base_bundle()["teams"], "people": []})
    retitle_sheets(book, {"teams": "../../../../x/escaped", "people": "/tmp/cxos-escaped"})
    twice = work / "twice.zip"
    rows = "id,name\nbu1,Consumer\n"
    twice.write_bytes(zip_of({"a/business_units.csv": rows, "b/business_units.csv": rows}))
    return {
        f"zip bomb ({bomb_gib} GiB of NULs)": write_zip_bomb(
            work / "bomb.zip", bomb_gib * 1024 * MiB
        ),
        "40 MB row in notes.csv": _folder(
            work, "row", header + NOTE.encode() + b"n2,p1,bu1,s1,2026-02-03,T," + b"x" * 40 * MiB
        ),
        "header then 64 MB of junk": _folder(work, "junk", header + b"junk" * 16 * MiB),
        "two rows then 64 MB of NULs": _folder(
            work, "nuls", header + NOTE.encode() * 2 + b"\0" * 64 * MiB
        ),
        "workbook with path sheet titles": book,
        "zip naming business_units twice": twice,
    }


def run(source: Path, db: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=True,
    )
    return done.stdout.strip().split("\t")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bomb-gib", type=int, default=3)
    parser.add_argument("--keep", help="build the cases in DIR and keep them")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="cxos-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        db = work / "base.duckdb"
        subprocess.run(
            [sys.executable, "-c", "import sys; from cxos.bundle.importer import import_bundle; "
             "from cxos.storage import Database; import_bundle(Database(sys.argv[1]), "
             "sys.argv[2])", str(db), str(write_bundle(work / "base", base_bundle()))],
            check=True, cwd=ROOT,
        )  # fmt: skip
        print(f"{'case':34} {'input':>10} {'time s':>7} {'peak+ MiB':>10} {'peak MiB':>9}  outcome")
        for name, source in cases(work, args.bomb_gib).items():
            size = sum(p.stat().st_size for p in [source, *source.glob("*")] if p.is_file())
            took, over, peak, outcome = run(source, db)
            print(f"{name:34} {size / MiB:8.1f}MB {took:>7} {over:>10} {peak:>9}  {outcome[:90]}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
