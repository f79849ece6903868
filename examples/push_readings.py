"""Push a CSV of metric readings to CXOS through its HTTP API: a minimal connector.

    CXOS_API_TOKEN=cxos_… python examples/push_readings.py readings.csv \
        [--url http://127.0.0.1:8502] [--batch 1000]

The CSV has a header row with `metric_id`, `value` and `as_of` (YYYY-MM-DD); other columns
are ignored. The token comes from the environment, not the command line, so it does not
show in the process list; create one with
`python -m cxos token create --name my-connector --scope ingest`.

Readings go in batches (all or nothing each); a reading's key is its metric and date, so
running the connector again with the same file stores nothing twice. A refused batch
prints each bad row (by its line in the file) and stops with status 1; a busy or
rate-limited API is waited for (Retry-After) and asked again. Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RETRIES = 5


def batches(path: Path, size: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(first line number, readings) per batch of `size` rows of the CSV file."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        batch: list[dict[str, Any]] = []
        first = 2  # line 1 is the header
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if not batch:
                first = line
            batch.append({"metric_id": row["metric_id"], "value": row["value"],
                          "as_of": row["as_of"]})  # fmt: skip
            if len(batch) == size:
                yield first, batch
                batch = []
        if batch:
            yield first, batch


def post(url: str, token: str, readings: list[dict[str, Any]]) -> dict[str, Any]:
    """POST one batch; waits out 429 and 503 answers. Raises HTTPError on a refusal."""
    body = json.dumps({"readings": readings}).encode("utf-8")
    request = urllib.request.Request(
        url.rstrip("/") + "/v1/readings",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    for attempt in range(RETRIES):
        try:
            with urllib.request.urlopen(request, timeout=120) as reply:
                return json.load(reply)  # type: ignore[no-any-return]
        except urllib.error.HTTPError as error:
            if error.code not in (429, 503) or attempt == RETRIES - 1:
                raise
            time.sleep(float(error.headers.get("Retry-After") or 1))
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="metric_id,value,as_of rows")
    parser.add_argument("--url", default="http://127.0.0.1:8502", help="the CXOS API")
    parser.add_argument("--batch", type=int, default=1000, help="readings per request")
    args = parser.parse_args(argv)
    token = os.environ.get("CXOS_API_TOKEN")
    if not token:
        print("error: set CXOS_API_TOKEN to an API token", file=sys.stderr)
        return 2
    stored = unchanged = 0
    for first, readings in batches(args.csv, args.batch):
        try:
            answer = post(args.url, token, readings)
        except urllib.error.HTTPError as error:
            refusal = json.loads(error.read() or b"{}")
            print(f"error: {error.code}: {refusal.get('error')}", file=sys.stderr)
            for item in refusal.get("items") or []:
                where = [] if item["index"] is None else [f"line {first + item['index']}"]
                where += [item["field"]] if item["field"] else []
                print(f"  {', '.join(where)}: {item['message']}", file=sys.stderr)
            print(f"{stored} readings stored before this batch", file=sys.stderr)
            return 1
        except urllib.error.URLError as error:
            print(f"error: cannot reach {args.url}: {error.reason}", file=sys.stderr)
            return 1
        stored += answer["stored"]
        unchanged += answer["unchanged"]
    print(f"{stored} readings stored, {unchanged} already held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
