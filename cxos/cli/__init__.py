"""The `python -m cxos` command line.

Each command group lives in its own module with a `register(subparsers)` function, so the
groups grow independently. Every command exits 0 on success and otherwise prints a
one-line reason (or the bundle's list of problems) to stderr and exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cxos.cli import data, people, scores
from cxos.errors import BundleError, CxosError

GROUPS = (data, scores, people)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cxos",
        description="CXOS: alignment and accountability of every team for the CX goals.",
    )
    parser.add_argument("--db", help="database file (default: $CXOS_DB, else data/cxos.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except BundleError as error:
        print(str(error), file=sys.stderr)
        return 2
    except CxosError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
