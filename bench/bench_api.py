"""Benchmark: metric readings ingested per second through the HTTP API, batches of 1,000.

On a copy of the enterprise database (bench/enterprise.py; the shared one is left as
built), a real `python -m cxos api` process on 127.0.0.1 with an `ingest` token takes
`--batches` POST /v1/readings of `--size` readings each (distinct metrics, a fresh date and
value per batch, so every reading is a write), then the same batches again (a connector
resending: nothing is written). Prints the median readings/s of each over the batches,
client to answer, with the command that ran.

    python bench/bench_api.py [--batches 7] [--size 1000] [--database PATH]

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import enterprise  # noqa: E402
from cxos.identity import permissions, tokens  # noqa: E402
from cxos.storage import Database  # noqa: E402
from tests.test_api_server import _start_api, _stop  # noqa: E402


def _post(url: str, token: str, readings: list[dict[str, Any]]) -> dict[str, Any]:
    request = urllib.request.Request(
        url + "/v1/readings",
        data=json.dumps({"readings": readings}).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as reply:
        return json.load(reply)  # type: ignore[no-any-return]


def _batches(db: Database, count: int, size: int) -> list[list[dict[str, Any]]]:
    """`count` batches of `size` readings of distinct metrics, each batch on its own date."""
    metrics = [r["id"] for r in db.rows("SELECT id FROM metrics ORDER BY id LIMIT ?", [size])]
    today = dt.date.today()
    return [
        [
            {"metric_id": m, "value": 1000 + b + i / 1000, "as_of": str(today - dt.timedelta(b))}
            for i, m in enumerate(metrics)
        ]
        for b in range(count)
    ]


def _rate(url: str, token: str, batches: list[list[dict[str, Any]]], key: str) -> float:
    rates = []
    for batch in batches:
        started = time.perf_counter()
        answer = _post(url, token, batch)
        rates.append(len(batch) / (time.perf_counter() - started))
        assert answer[key] == len(batch), answer
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--database", type=Path, help="a copy of this database instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxos-bench-") as tmp:
        path = Path(tmp) / "api.duckdb"
        shutil.copy(args.database or enterprise.database(), path)
        db = Database(path)
        token, _ = tokens.create_token(db, permissions.OPERATOR, "bench", "ingest")
        batches = _batches(db, args.batches, args.size)
        teams = db.scalar("SELECT count(*) FROM teams")
        readings = db.scalar("SELECT count(*) FROM metric_readings")
        db.close()
        url, process, log = _start_api(Path(tmp), path)
        try:
            new = _rate(url, token, batches, "stored")
            again = _rate(url, token, batches, "unchanged")
        finally:
            _stop(process)
    print(f"python bench/bench_api.py --batches {args.batches} --size {args.size}")
    print(f"enterprise company: {teams:,} teams, {readings:,} readings before")
    print(f"new readings:      {new:,.0f} readings/s (median of {args.batches} batches)")
    print(f"the same resent:   {again:,.0f} readings/s (nothing written)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
