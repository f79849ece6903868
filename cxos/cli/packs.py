"""`pack`: a review pack written to a folder from the command line, as the Meetings page builds it.

`pack MEETING_ID` builds a meeting's pack (frozen when the meeting is closed, so the same
content every time); `pack --as-of DATE` the pack of a review held on that date without a
meeting. The person named by `--as` must be one who may build packs on the page (the
steering committee and administrators: `cxos.review.pack.require_builder`). Each file is
written whole or not at all and its path printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cxos.cli.args import add_actor, date, open_db
from cxos.cli.output import line

FORMAT_NAMES = ("pdf", "xlsx", "pptx")  # cxos.review.pack.FORMATS, without importing it


def register(sub: Any) -> None:
    """Add `pack`."""
    p = sub.add_parser(
        "pack",
        help="write a meeting's review pack (PDF, Excel, PowerPoint) to a folder, as a person",
    )
    p.add_argument("meeting_id", nargs="?", metavar="MEETING_ID", help="the meeting")
    p.add_argument("--as-of", type=date, help="instead of a meeting: a review held on DATE")
    add_actor(p)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="the folder to write")
    p.add_argument(
        "--format",
        default=",".join(FORMAT_NAMES),
        metavar="pdf,xlsx,pptx",
        help="the files to write, separated by commas (default: all three)",
    )
    p.set_defaults(run=run_pack)


def run_pack(args: argparse.Namespace) -> int:
    from cxos.review import meetings, pack

    formats = _formats(args.format)
    if (args.meeting_id is None) == (args.as_of is None):
        raise _invalid("give a MEETING_ID or --as-of DATE (one of the two)")
    db = open_db(args)
    pack.require_builder(db, args.actor)
    if args.meeting_id is not None:
        view = meetings.view(db, args.meeting_id)
    else:
        view = meetings.date_view(db, args.as_of)
    folder = _folder(args.out)
    stem = pack.stem_of(view)
    for fmt in formats:
        target = folder / f"{stem}.{fmt}"
        _write(target, pack.build(view, fmt))
        line(f"wrote {target}")
    return 0


def _formats(given: str) -> list[str]:
    """The formats asked for, in the order given, each once; an unknown one is refused."""
    chosen = list(dict.fromkeys(f.strip().lower() for f in given.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMAT_NAMES]
    if unknown or not chosen:
        raise _invalid(
            f"unknown pack format {unknown[0]!r}" if unknown else "no pack format given",
            f"choose from {', '.join(FORMAT_NAMES)}",
        )
    return chosen


def _folder(path: Path) -> Path:
    """The output folder, created when missing; a file in its place is refused."""
    if path.exists() and not path.is_dir():
        raise _invalid(f"{path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _invalid(f"cannot create the folder {path}: {error.strerror or error}") from None
    return path


def _write(target: Path, data: bytes) -> None:
    from cxos.storage import faults

    with faults.replacing([target], f"writing {target}") as (partial,):
        partial.write_bytes(data)


def _invalid(*reasons: str) -> Exception:
    from cxos.model.errors import InvalidInput

    return InvalidInput("; ".join(reasons) + "; nothing was written")
