"""The `python -m cxos` command line.

Each command group lives in its own module with a `register(subparsers)` function, so the
groups grow independently. Building the parser imports no more than argparse and those
modules: a command imports what it needs (scoring, pydantic models, argon2, openpyxl, fpdf,
plotly) when it runs, so `scores` does not pay for the account or export code
(tests/test_cli_lazy.py keeps it so, bench/bench_cli.py measures it).

Every command exits 0 on success and otherwise prints a one-line reason (or the
bundle's list of problems) to stderr and exits non-zero; so does a failure of the machine
(a full disk, a folder it may not write), never a traceback. Messages can quote people's
text, so they are printed through `cxos.text.terminal` line by line.
Output cut short by its reader (`… | head`) ends the command quietly with status 141,
what a shell reports for a program stopped by SIGPIPE.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from cxos import text
from cxos.cli import (
    api,
    data,
    feedback,
    insights,
    meetings,
    notes,
    notify,
    organisation,
    packs,
    people,
    scores,
    work,
)
from cxos.model.errors import BundleError, CxosError

BROKEN_PIPE = 141

GROUPS = (
    data,
    scores,
    work,
    people,
    organisation,
    feedback,
    notes,
    meetings,
    packs,
    notify,
    api,
    insights,
)


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
        status = int(args.run(args) or 0)
        sys.stdout.flush()  # here, so a reader gone away is seen here, not at exit
        return status
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE
    except BundleError as error:
        _say(str(error))
        return 2
    except CxosError as error:
        _say(f"error: {error}")
        return 1
    except OSError as error:
        _say(f"error: {_os_reason(error)}")
        return 1
    except KeyboardInterrupt:
        _say("interrupted; nothing half-written was kept")
        return 130


def _say(message: str) -> None:
    """A message on stderr, each line made safe for the terminal."""
    print("\n".join(text.terminal(line) for line in message.splitlines()), file=sys.stderr)


def _os_reason(error: OSError) -> str:
    """An operating-system failure (a full disk, a folder not writable) in one line."""
    from cxos.storage import faults

    reason = faults.full_reason(error) or error.strerror or str(error)
    return f"{reason}: {error.filename}" if error.filename else reason


def _silence_stdout() -> None:
    """Point stdout at /dev/null: the interpreter's last flush must not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (a test's capture): nothing to flush at exit
