"""Commands that create, fill, export, back up and restore a database.

The bundle, demo and backup modules (pydantic models, openpyxl) are imported when their
command runs, not when the parser is built (see `cxos.cli`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from typing import Any

from cxos.cli.args import open_db
from cxos.cli.output import line
from cxos.text import terminal

# `cxos.demo.marker.ADD_TO_REAL_DATA`, spelt out so that building the parser does not open
# the storage layer; tests/test_cli_lazy.py checks that the two agree.
ADD_TO_REAL_DATA = "--add-demo-to-real-data"


def register(sub: Any) -> None:
    """Add init, demo, import, export, backup and restore."""
    p = sub.add_parser("init", help="create an empty database (or upgrade an old one)")
    p.set_defaults(run=run_init)

    p = sub.add_parser("migrate", help="upgrade the database's schema to this CXOS's version")
    p.set_defaults(run=run_migrate)

    p = sub.add_parser("demo", help="load the demo company, dated to end today")
    p.add_argument("--scale", type=int, default=1, help="multiply the company's size")
    p.add_argument(
        "--enterprise", action="store_true", help="a thousand teams and a million readings"
    )
    p.add_argument("--as-of", type=dt.date.fromisoformat, help="the story's date (default today)")
    p.add_argument("--write", metavar="DIR", help="write the bundle to DIR instead of loading it")
    p.add_argument(
        ADD_TO_REAL_DATA,
        dest="add_to_real_data",
        action="store_true",
        help="load it even into a database holding real data: the demo rows are merged into "
        "yours (same ids overwritten) and sign-in stays with passwords",
    )
    p.set_defaults(run=run_demo)

    p = sub.add_parser("import", help="import a bundle folder, .xlsx or .zip (all or nothing)")
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
    p.set_defaults(run=run_import)

    p = sub.add_parser("export", help="export the database as a bundle folder (or .xlsx)")
    p.add_argument("target", metavar="DIR", help="a folder, or a file name ending in .xlsx")
    p.set_defaults(run=run_export)

    p = sub.add_parser("backup", help="write a consistent copy of the database")
    p.add_argument("target", nargs="?", help="backup file (default data/backups/…)")
    p.set_defaults(run=run_backup)

    p = sub.add_parser("restore", help="replace the database by a checked backup")
    p.add_argument("source", help="a backup file made by `backup` (with FILE.sha256 beside it)")
    p.add_argument(
        "--without-checksum",
        action="store_true",
        help="restore a trusted backup that has no checksum file (tables are still read)",
    )
    p.set_defaults(run=run_restore)


def run_migrate(args: argparse.Namespace) -> int:
    from cxos.storage.db import Database

    db = Database(args.db, upgrade=False)
    applied = db.upgrade()
    names = ", ".join(applied) if applied else "nothing to do"
    print(f"{db.location} is at this CXOS's schema ({names})")
    return 0


def run_init(args: argparse.Namespace) -> int:
    db = open_db(args)
    print(f"database ready: {db.location}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from cxos.demo import company, marker

    as_of = args.as_of or dt.date.today()
    shape = company.Shape.enterprise() if args.enterprise else company.Shape(scale=args.scale)
    if args.write:
        path = company.write_bundle(args.write, as_of=as_of, shape=shape)
        print(f"demo bundle written to {path}")
        return 0
    db = open_db(args)
    started = time.perf_counter()
    report = company.load(
        db,
        as_of=as_of,
        shape=shape,
        progress=ProgressLine(),
        add_to_real_data=args.add_to_real_data,
    )
    took = time.perf_counter() - started
    summary = report.summary()
    print(f"demo company loaded into {db.location} as of {as_of}: {summary} ({took:.1f} s)")
    if not marker.is_demo_company(db):
        print("it was added to real data: demo sign-in stays off, people sign in with passwords")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from cxos.bundle.importer import import_bundle

    db = open_db(args)
    started = time.perf_counter()
    report = import_bundle(db, args.path, progress=ProgressLine(), dry_run=args.dry_run)
    took = time.perf_counter() - started
    for change in report.changes:
        line(
            f"  {change.file}: {change.rows} rows, {change.added} added, "
            f"{change.changed} changed, {change.unchanged} unchanged"
        )
    verb = "would import" if args.dry_run else "imported"
    line(f"{verb} {report.summary()} in {took:.1f} s")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from cxos.bundle.exporter import export_folder, export_xlsx

    db = open_db(args)
    if str(args.target).lower().endswith(".xlsx"):
        line(f"exported to {export_xlsx(db, args.target)}")
    else:
        files = export_folder(db, args.target)
        line(f"exported {len(files)} files to {args.target}")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    from cxos.storage import backup

    db = open_db(args)
    line(f"backup written to {backup.backup(db, args.target)}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from cxos.storage import Database, backup

    db = Database(args.db, upgrade=False)
    aside = backup.restore(db, args.source, verify_checksum=not args.without_checksum)
    line(f"restored from {args.source}; the previous database was kept as {aside}")
    return 0


class ProgressLine:
    """Shows an import's progress on stderr: one updating line on a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = ""

    def __call__(self, fraction: float, message: str) -> None:
        # Messages can name a bundle's files: shown, never obeyed, by the terminal.
        shown = f"[{'#' * int(fraction * 20):<20}] {fraction:4.0%} {terminal(message)}"
        if self.tty:
            end = "\n" if fraction >= 1 else ""
            print(f"\r{shown:<70}", end=end, file=sys.stderr, flush=True)
        elif message != self.last:
            print(shown, file=sys.stderr, flush=True)
        self.last = message
