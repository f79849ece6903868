"""The champions' notes board: what worked, written for a business unit, tagged by stage.

A note is plain text. It is stored as typed and never interpreted: the pages show it as
text (never HTML or markdown) and the Excel export keeps formula-like text inert, so a note
can quote anything without becoming active content. Writes follow every CXOS write's
shape: validate the form (`InvalidInput`), then one transaction that checks
`permissions.require(..., 'note', business_unit_id=...)` — champions only for their own
unit, steering and admins for any — writes, and records the change in the audit log.
Editing a note checks both the unit it belongs to and the unit it is moved to.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cxos.identity import audit, permissions
from cxos.model.entities import NAME_MAX, TEXT_MAX, LongText, Name, Note, check_text, explain
from cxos.model.errors import InvalidInput, NotFound
from cxos.storage import Connection, Database, fetch_dicts

TITLE_MAX = NAME_MAX
BODY_MAX = TEXT_MAX
TAG_MAX = 40
_FIELDS = ("business_unit_id", "stage_id", "title", "body", "tags")

_SELECT = """
SELECT n.id, n.author_id, coalesce(p.name, n.author_id) AS author, n.business_unit_id,
    coalesce(b.name, n.business_unit_id) AS business_unit, n.stage_id, s.name AS stage,
    s.journey_id, n.created_on, n.title, n.body, coalesce(n.tags, '') AS tags
FROM notes n
LEFT JOIN people p ON p.id = n.author_id
LEFT JOIN business_units b ON b.id = n.business_unit_id
LEFT JOIN stages s ON s.id = n.stage_id"""

# Every filter is optional: a NULL parameter matches everything.
_FILTERED = (
    _SELECT
    + """
WHERE ($unit::VARCHAR IS NULL OR n.business_unit_id = $unit::VARCHAR)
  AND ($stage::VARCHAR IS NULL OR n.stage_id = $stage::VARCHAR)
  AND ($tag::VARCHAR IS NULL
       OR list_contains(string_split(lower(coalesce(n.tags, '')), ';'), lower($tag::VARCHAR)))
  AND ($text::VARCHAR IS NULL
       OR strpos(lower(n.title || ' ' || n.body || ' ' || coalesce(n.tags, '')),
                 lower($text::VARCHAR)) > 0)
ORDER BY n.created_on DESC, n.id DESC"""
)


@dataclass(frozen=True)
class NoteView:
    """A note with the names a reader needs (author, unit, stage)."""

    id: str
    author_id: str
    author: str
    business_unit_id: str
    business_unit: str
    stage_id: str | None
    stage: str | None
    journey_id: str | None
    created_on: dt.date
    title: str
    body: str
    tags: tuple[str, ...]


class NoteDraft(BaseModel):
    """What a person typed in the note form, validated."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    business_unit_id: str = Field(min_length=1)
    stage_id: str | None = None
    title: Annotated[Name, Field(min_length=1)]
    body: Annotated[LongText, Field(min_length=1)]
    tags: tuple[str, ...] = ()

    @field_validator("stage_id", mode="before")
    @classmethod
    def _blank_stage_is_none(cls, value: Any) -> Any:
        return value or None

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> tuple[str, ...]:
        tags = parse_tags(value)
        try:  # judged as stored: one text of tags joined by ';', a name-length text
            check_text(Name, "together they", ";".join(tags))
        except InvalidInput as error:
            raise ValueError(str(error)) from error
        return tags


def parse_tags(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Tags from 'a; b, c' or a list: trimmed, lower case, unique, in order."""
    if value is None:
        return ()
    parts = value.replace(",", ";").split(";") if isinstance(value, str) else value
    tags: list[str] = []
    for part in parts:
        for tag in str(part).replace(",", ";").split(";"):
            tag = " ".join(tag.split()).lower()
            if len(tag) > TAG_MAX:
                raise ValueError(f"a tag may have at most {TAG_MAX} characters: {tag[:20]}…")
            if tag and tag not in tags:
                tags.append(tag)
    return tuple(tags)


def draft(**values: Any) -> NoteDraft:
    """A validated `NoteDraft`, or `InvalidInput` naming each field that is wrong."""
    try:
        return NoteDraft(**values)
    except ValidationError as error:
        raise InvalidInput(f"the note is not valid: {explain(error)}") from error


# -- writing -------------------------------------------------------------------------------


def create_note(
    db: Database, actor_id: str, note: NoteDraft, *, today: dt.date | None = None
) -> NoteView:
    """Add a note for `note.business_unit_id`, written by `actor_id`; returns it."""
    note_id = f"n-{uuid.uuid4().hex[:12]}"
    created_on = today or dt.date.today()

    def work(con: Connection) -> NoteView:
        permissions.require(con, actor_id, "note", business_unit_id=note.business_unit_id)
        _check_references(con, note)
        columns = {"id": note_id, "author_id": actor_id, "created_on": created_on, **_row(note)}
        Note(**columns)  # the bundle's own rules for a note row
        marks = ", ".join("?" for _ in columns)
        con.execute(
            f"INSERT INTO notes ({', '.join(columns)}) VALUES ({marks})", list(columns.values())
        )
        audit.record_changes(con, actor_id, "notes", note_id, None, columns)
        return _one(con, note_id)

    return db.write(work)


def update_note(db: Database, actor_id: str, note_id: str, note: NoteDraft) -> NoteView:
    """Replace a note's unit, stage, title, body and tags; the author and date stay."""

    def work(con: Connection) -> NoteView:
        before = _stored(con, note_id)
        permissions.require(con, actor_id, "note", business_unit_id=before["business_unit_id"])
        permissions.require(con, actor_id, "note", business_unit_id=note.business_unit_id)
        _check_references(con, note)
        row = _row(note)
        con.execute(
            "UPDATE notes SET business_unit_id = ?, stage_id = ?, title = ?, body = ?, "
            "tags = ? WHERE id = ?",
            [*(row[f] for f in _FIELDS), note_id],
        )
        audit.record_changes(con, actor_id, "notes", note_id, before, row)
        return _one(con, note_id)

    return db.write(work)


def _row(note: NoteDraft) -> dict[str, Any]:
    return {
        "business_unit_id": note.business_unit_id,
        "stage_id": note.stage_id,
        "title": note.title,
        "body": note.body,
        "tags": ";".join(note.tags) or None,
    }


def _stored(con: Connection, note_id: str) -> dict[str, Any]:
    rows = fetch_dicts(con, f"SELECT {', '.join(_FIELDS)} FROM notes WHERE id = ?", [note_id])
    if not rows:
        raise NotFound(f"there is no note with id {note_id!r}; nothing was changed")
    return rows[0]


def _check_references(con: Connection, note: NoteDraft) -> None:
    if not _exists(con, "business_units", note.business_unit_id):
        raise InvalidInput(f"there is no business unit {note.business_unit_id!r}")
    if note.stage_id and not _exists(con, "stages", note.stage_id):
        raise InvalidInput(f"there is no stage {note.stage_id!r}")


def _exists(con: Connection, table: str, row_id: str) -> bool:
    assert table in ("business_units", "stages")  # identifiers from a whitelist
    return bool(con.execute(f"SELECT 1 FROM {table} WHERE id = ?", [row_id]).fetchone())


# -- reading -------------------------------------------------------------------------------


def list_notes(
    db: Database,
    *,
    text: str | None = None,
    stage_id: str | None = None,
    business_unit_id: str | None = None,
    tag: str | None = None,
) -> list[NoteView]:
    """Notes, newest first, matching every filter given (text searches title, body, tags)."""
    params = {
        "text": (text or "").strip() or None,
        "stage": stage_id or None,
        "unit": business_unit_id or None,
        "tag": (tag or "").strip() or None,
    }
    rows = db.read(lambda con: fetch_dicts(con, _FILTERED, params))
    return [_view(row) for row in rows]


def get_note(db: Database, note_id: str) -> NoteView:
    """One note by id, or `NotFound`."""
    return db.read(lambda con: _one(con, note_id))


def all_tags(db: Database) -> list[str]:
    """Every tag used on a note, alphabetically."""
    rows = db.rows(
        "SELECT DISTINCT unnest(string_split(lower(tags), ';')) AS tag FROM notes "
        "WHERE tags IS NOT NULL ORDER BY tag"
    )
    return [row["tag"] for row in rows if row["tag"]]


def writable_units(db: Database, actor_id: str) -> dict[str, str]:
    """The business units `actor_id` may write notes for, id -> name (to offer in forms)."""

    def check(con: Connection) -> dict[str, str]:
        units = fetch_dicts(con, "SELECT id, name FROM business_units ORDER BY name, id")
        return {
            u["id"]: u["name"]
            for u in units
            if permissions.can(con, actor_id, "note", business_unit_id=u["id"])
        }

    return db.read(check)


def _one(con: Connection, note_id: str) -> NoteView:
    rows = fetch_dicts(con, _SELECT + " WHERE n.id = ?", [note_id])
    if not rows:
        raise NotFound(f"there is no note with id {note_id!r}")
    return _view(rows[0])


def _view(row: dict[str, Any]) -> NoteView:
    return NoteView(**{**row, "tags": tuple(t for t in row["tags"].split(";") if t)})
