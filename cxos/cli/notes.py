"""`note`: the champions' notes board from the command line: list, add and edit notes.

Writes go through `cxos.champions.notes` as the Notes board's forms do: the same
validation, the permission check (a champion for their own business unit; steering and
admins for any) and the audit trail. A note is people's text: shown through
`cxos.cli.output`, never obeyed by the terminal or a spreadsheet.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from cxos.cli.args import add_actor, add_format, open_db
from cxos.cli.output import emit, line

if TYPE_CHECKING:
    from cxos.champions.notes import NoteView

COLUMNS = (
    "id",
    "created_on",
    "business_unit_id",
    "business_unit",
    "stage_id",
    "stage",
    "author_id",
    "author",
    "title",
    "body",
    "tags",
)


def register(sub: Any) -> None:
    """Add `note list|add|edit`."""
    group = sub.add_parser("note", help="the champions' notes board: list, add, edit")
    verbs = group.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = verbs.add_parser("list", help="notes, newest first, matching every filter given")
    p.add_argument("--text", help="search title, body and tags")
    p.add_argument("--stage", metavar="STAGE_ID")
    p.add_argument("--unit", metavar="BUSINESS_UNIT_ID")
    p.add_argument("--tag")
    add_format(p)
    p.set_defaults(run=run_list)

    p = verbs.add_parser("add", help="post a note for a business unit, as a person")
    add_actor(p)
    p.add_argument("--unit", required=True, metavar="BUSINESS_UNIT_ID")
    p.add_argument("--title", required=True)
    p.add_argument("--body", required=True, help="what worked (plain text)")
    p.add_argument("--stage", metavar="STAGE_ID", help="the journey stage it is about")
    p.add_argument("--tags", help="separated by ; or ,")
    p.set_defaults(run=run_add)

    p = verbs.add_parser("edit", help="change a note; what is not given stays as it is")
    p.add_argument("note_id", metavar="NOTE_ID")
    add_actor(p)
    p.add_argument("--unit", metavar="BUSINESS_UNIT_ID")
    p.add_argument("--title")
    p.add_argument("--body")
    p.add_argument("--stage", metavar="STAGE_ID", help='"" for no stage')
    p.add_argument("--tags", help='separated by ; or , ("" for none)')
    p.set_defaults(run=run_edit)


def run_list(args: argparse.Namespace) -> int:
    from cxos.champions import notes

    found = notes.list_notes(
        open_db(args),
        text=args.text,
        stage_id=args.stage,
        business_unit_id=args.unit,
        tag=args.tag,
    )
    emit([_row(note) for note in found], COLUMNS, args.format)
    return 0


def _row(note: NoteView) -> dict[str, Any]:
    return {**dataclasses.asdict(note), "tags": ";".join(note.tags)}


def run_add(args: argparse.Namespace) -> int:
    from cxos.champions import notes

    draft = notes.draft(
        business_unit_id=args.unit,
        stage_id=args.stage,
        title=args.title,
        body=args.body,
        tags=args.tags,
    )
    saved = notes.create_note(open_db(args), args.actor, draft)
    line(f"note {saved.id} posted for {saved.business_unit}: {saved.title}")
    return 0


def run_edit(args: argparse.Namespace) -> int:
    from cxos.champions import notes

    db = open_db(args)
    now = notes.get_note(db, args.note_id)
    draft = notes.draft(
        business_unit_id=_given(args.unit, now.business_unit_id),
        stage_id=_given(args.stage, now.stage_id),
        title=_given(args.title, now.title),
        body=_given(args.body, now.body),
        tags=_given(args.tags, now.tags),
    )
    saved = notes.update_note(db, args.actor, args.note_id, draft)
    line(f"note {saved.id} saved: {saved.title}")
    return 0


def _given(value: str | None, current: Any) -> Any:
    """An option's value when it was given (even empty), else what the note has now."""
    return current if value is None else value
