"""What may enter at all, judged the same at every door: field lengths, control characters
and the reserved "@" person ids, on import (set-based SQL from the row models), in forms
and on the command line (the same models)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cxos.bundle.importer import import_bundle, import_rows
from cxos.champions import notes
from cxos.identity import accounts
from cxos.model.entities import ID_MAX, NAME_MAX, TEXT_MAX, Person
from cxos.model.errors import BundleError, InvalidInput
from cxos.review import meetings
from cxos.storage import Database
from cxos.work import checkins_readings, team_edits
from tests.bundles import base_bundle, fingerprint, write_bundle
from tests.sample import load_sample

ROOT = Path(__file__).resolve().parents[1]


def _refused(db: Database, tmp_path: Path, file: str, index: int, **changes: Any) -> list[str]:
    """Import the base bundle with one row changed: the problems, as a person reads them."""
    bundle = base_bundle()
    bundle[file][index].update(changes)
    before = fingerprint(db)
    with pytest.raises(BundleError) as caught:
        import_bundle(db, write_bundle(tmp_path / "bundle", bundle))
    assert fingerprint(db) == before
    return [str(p) for p in caught.value.problems]


# -- on import ------------------------------------------------------------------------------


def test_a_long_name_is_refused_naming_file_row_and_column(db: Database, tmp_path: Path) -> None:
    problems = _refused(db, tmp_path, "teams", 0, name="x" * 1500)
    assert problems == [
        "teams.csv, row 2, column name: is 1,500 characters long; at most 200 allowed"
    ]


@pytest.mark.parametrize(
    ("file", "column", "limit"),
    [
        ("actions", "title", NAME_MAX),
        ("goals", "id", ID_MAX),
        ("notes", "body", TEXT_MAX),
        ("feedback", "text", TEXT_MAX),
        ("check_ins", "note", TEXT_MAX),
        ("people", "email", NAME_MAX),
        ("notes", "tags", NAME_MAX),
    ],
)
def test_every_text_column_has_its_limit(
    db: Database, tmp_path: Path, file: str, column: str, limit: int
) -> None:
    problems = _refused(db, tmp_path, file, 0, **{column: "y" * (limit + 1)})
    assert f"column {column}: is {limit + 1:,} characters long; at most {limit:,} allowed" in (
        " | ".join(problems)
    )


def test_text_at_its_limit_with_tabs_and_line_breaks_is_accepted(db: Database) -> None:
    bundle = base_bundle()
    bundle["teams"][0]["name"] = "n" * NAME_MAX
    bundle["notes"][0]["body"] = ("line one\tcol\r\nline two\n" * 1000)[: TEXT_MAX - 1] + "x"
    import_rows(db, bundle)
    assert db.scalar("SELECT length(name) FROM teams WHERE id = 't1'") == NAME_MAX
    assert db.scalar("SELECT length(body) FROM notes") == TEXT_MAX


def test_control_characters_are_refused_naming_the_character_and_its_place(
    db: Database, tmp_path: Path
) -> None:
    problems = _refused(db, tmp_path, "check_ins", 0, note="ok \x07\x1b[31m red")
    assert problems == [
        "check_ins.csv, row 2, column note: holds the control character \\x07 at character 4; "
        "remove it"
    ]


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x85", "\x0b"])
def test_each_kind_of_control_character_is_refused(
    db: Database, tmp_path: Path, character: str
) -> None:
    problems = _refused(db, tmp_path, "feedback", 0, text=f"a{character}b")
    assert f"\\x{ord(character):02x} at character 2" in problems[0]


def test_a_person_cannot_take_the_operators_identity_by_import(
    db: Database, tmp_path: Path
) -> None:
    problems = _refused(db, tmp_path, "people", 1, id="@operator")
    assert problems[0].startswith("people.csv, row 3, column id: '@operator' starts with '@'")
    assert "reserved" in problems[0]


# -- in forms and on the command line ---------------------------------------------------------


@pytest.fixture
def sample(db: Database) -> Database:
    return load_sample(db)


def test_a_check_in_note_with_escape_sequences_is_refused(sample: Database) -> None:
    with pytest.raises(InvalidInput, match=r"the note holds the control character \\x07"):
        checkins_readings.record_check_in(
            sample, "p_head", "a_bill", status="in_progress", note="\x07\x1b[31mred"
        )


def test_the_command_line_refuses_the_same_note(sample: Database) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cxos", "--db", str(sample.path), "check-in", "a_bill",
         "--as", "p_head", "--status", "in_progress", "--note", "\x07\x1b[31mred"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "the note holds the control character \\x07 at character 1" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_long_check_in_note_is_refused(sample: Database) -> None:
    with pytest.raises(InvalidInput, match="is 10,001 characters long; at most 10,000 allowed"):
        checkins_readings.record_check_in(
            sample, "p_head", "a_bill", status="in_progress", note="n" * (TEXT_MAX + 1)
        )


def test_an_action_title_from_a_form_has_the_imports_limit(sample: Database) -> None:
    row = {
        "goal_id": "g_bill",
        "title": "t" * 1500,
        "team_id": "t_billing",
        "created_on": "2026-02-01",
        "due_date": "2026-04-01",
        "status": "open",
    }
    with pytest.raises(InvalidInput, match="title: is 1,500 characters long; at most 200"):
        team_edits.save_action(sample, "p_head", row)


def test_a_feedback_response_has_the_long_text_limit(db: Database) -> None:
    import_rows(db, base_bundle())
    with pytest.raises(InvalidInput, match="the response is 10,001 characters long"):
        team_edits.close_feedback(db, "p1", "f1", "r" * (TEXT_MAX + 1), on=dt.date(2026, 2, 5))


def test_a_person_form_refuses_reserved_ids_and_long_names(sample: Database) -> None:
    with pytest.raises(InvalidInput, match="the id starts with '@', which is reserved"):
        accounts.person_from_form(id="@operator", name="Eve", team_id="t_billing", role="admin")
    sneaked = Person.model_construct(id="@operator", name="Eve", team_id="t_billing", role="admin")
    with pytest.raises(InvalidInput, match="reserved"):
        accounts.save_person(sample, "p_admin", sneaked)
    with pytest.raises(InvalidInput, match="the name is 201 characters long"):
        accounts.person_from_form(id="p_x", name="e" * 201, team_id="t_billing", role="member")
    assert accounts.find_person(sample, "@operator") is None


def test_meeting_titles_decisions_and_notes_have_the_same_rules(sample: Database) -> None:
    with pytest.raises(InvalidInput, match="the title is 201 characters long"):
        meetings.start_meeting(sample, "p_admin", dt.date(2026, 6, 1), "m" * 201)
    meeting = meetings.start_meeting(sample, "p_admin", dt.date(2026, 6, 1), "Review")
    with pytest.raises(InvalidInput, match=r"the decision holds the control character \\x1b"):
        meetings.record_decision(sample, "p_admin", meeting.id, "go \x1b[2J")
    with pytest.raises(InvalidInput, match="the title is 201 characters long"):
        notes.draft(business_unit_id="bu_retail", title="t" * 201, body="b")
    with pytest.raises(InvalidInput, match=r"the body holds the control character \\x00"):
        notes.draft(business_unit_id="bu_retail", title="t", body="b\x00")


def test_a_long_decision_makes_an_action_with_a_title_that_fits(sample: Database) -> None:
    meeting = meetings.start_meeting(sample, "p_admin", dt.date(2026, 6, 1), "Review")
    decision = meetings.record_decision(
        sample,
        "p_admin",
        meeting.id,
        "word " * 400,
        action={"goal_id": "g_bill", "team_id": "t_billing", "due_date": dt.date(2026, 7, 1)},
    )
    title = sample.scalar("SELECT title FROM actions WHERE id = ?", [decision.action_id])
    assert len(title) == NAME_MAX and title.endswith("…")
    assert len(decision.text) == len(("word " * 400).strip())
