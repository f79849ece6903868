"""Every page's script time with AppTest on the enterprise database: first run and warm rerun.

    python bench/bench_pages.py [--runs 3] [--warm 3] [--page overview ...]

For each registered page, signed in as the persona that uses it (steering for the review
pages, the head for the work pages, a champion for the champions' pages, the admin for
the admin pages), on the enterprise company (built once by bench/enterprise.py):

- *first run*: `st.cache_data` and `st.cache_resource` cleared (as after any write,
  which changes the data version every cached read and figure is keyed by; the database
  handle is opened again too), then the page is opened;
- *warm rerun*: the same page run again with its caches filled (a widget click, a
  second viewer).

Times are wall-clock `AppTest.run()` (script plus AppTest's own element bookkeeping),
medians of `--runs` first runs and `--runs` x `--warm` warm reruns. Targets: warm <= 150 ms,
first <= 1.5 s. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench import enterprise  # noqa: E402
from ui import navigation  # noqa: E402

PERSONAS = {
    "steering": "p-mktg-1",
    "head": "p-bbcare-0",
    "champion": "p-dsales-2",
    "admin": "p-itplat-1",
}
# Which persona a page is measured for: the person whose job the page serves.
SECTION_ROLE = {"Review": "steering", "Work": "head", "Champions": "champion", "Admin": "admin"}
WARM_TARGET, FIRST_TARGET = 0.150, 1.5


# Pages whose section does not say whose job they serve.
PAGE_ROLE = {"team_goals.py": "head"}


def role_for(entry: navigation.PageEntry) -> str:
    role = PAGE_ROLE.get(entry.file) or SECTION_ROLE.get(entry.section, "steering")
    return role if role in entry.roles else entry.roles[0]


def timed(at: AppTest) -> float:
    started = time.perf_counter()
    at.run()
    took = time.perf_counter() - started
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    return took


def measure(entry: navigation.PageEntry, runs: int, warm: int) -> tuple[float, float]:
    """Median first-run and warm-rerun seconds of one page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["as"] = PERSONAS[role_for(entry)]
    at.run()
    at.switch_page(str(entry.path))
    at.run()  # imports the page's modules once; not counted
    firsts, warms = [], []
    for _ in range(runs):
        st.cache_data.clear()
        st.cache_resource.clear()
        firsts.append(timed(at))
        warms.extend(timed(at) for _ in range(warm))
    return statistics.median(firsts), statistics.median(warms)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--page", nargs="*", help="url paths of the pages (default: all)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args()
    path = enterprise.database(as_of=args.as_of)
    os.environ["CXOS_DB"] = str(path)
    os.environ.pop("CXOS_AUTH", None)
    print(f"database {path}: {enterprise.counts(path)}")
    entries = [e for e in navigation.available() if not args.page or e.url_path in args.page]
    worst_first = worst_warm = 0.0
    header = f"{'page':<14} {'persona':<9} {'first':>8} {'warm':>8}"
    print(f"{header}  targets: first <= 1.5 s, warm <= 150 ms")
    for entry in entries:
        first, warm = measure(entry, args.runs, args.warm)
        worst_first, worst_warm = max(worst_first, first), max(worst_warm, warm)
        flags = ("" if first <= FIRST_TARGET else " FIRST>1.5s") + (
            "" if warm <= WARM_TARGET else " WARM>150ms"
        )
        print(
            f"{entry.url_path:<14} {role_for(entry):<9} {first * 1000:>6.0f}ms "
            f"{warm * 1000:>6.0f}ms{flags}",
            flush=True,
        )
    holds = worst_first <= FIRST_TARGET and worst_warm <= WARM_TARGET
    print(
        f"worst first {worst_first * 1000:.0f} ms, worst warm {worst_warm * 1000:.0f} ms: "
        f"targets {'hold' if holds else 'do not hold'} (runs {args.runs}, warm x{args.warm})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
