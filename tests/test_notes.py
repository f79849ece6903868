"""The notes board service: validation, permission, audit, search and filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cxos.champions import notes
from cxos.identity import audit
from cxos.model.errors import InvalidInput, NotFound, PermissionDenied
from cxos.storage import Database
from tests.sample import load_sample

pytestmark = pytest.mark.both_stores

TODAY = dt.date(2026, 6, 1)
EVIL = '<script>alert(1)</script> ![x](http://evil.example/x.png) =HYPERLINK("a","x")'


@pytest.fixture
def org(db: Database) -> Database:
    """The sample organisation: p_champ is champion for Retail, p_champ2 for Business."""
    return load_sample(db)


def _draft(**overrides: Any) -> notes.NoteDraft:
    values = {
        "business_unit_id": "bu_retail",
        "stage_id": "s2",
        "title": "Explain the first bill",
        "body": "A call before the first bill halves questions.",
        "tags": "Billing; onboarding, billing",
    }
    return notes.draft(**(values | overrides))


def _count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM notes"))


def test_champion_writes_a_note_for_own_unit_and_it_is_audited(org: Database) -> None:
    note = notes.create_note(org, "p_champ", _draft(), today=TODAY)
    assert (note.author, note.business_unit, note.stage) == (
        "Chris Champ",
        "Retail",
        "Pay the bill",
    )
    assert note.tags == ("billing", "onboarding")
    assert note.created_on == TODAY
    fields = {e.field: e.new_value for e in audit.entries(org, entity="notes")}
    assert fields["title"] == "Explain the first bill"
    assert fields["tags"] == "billing;onboarding"
    assert {e.actor_id for e in audit.entries(org, entity="notes")} == {"p_champ"}


@pytest.mark.parametrize(("actor", "unit"), [("p_champ2", "bu_retail"), ("p_champ", "bu_biz")])
def test_champion_may_not_write_for_another_unit(org: Database, actor: str, unit: str) -> None:
    with pytest.raises(PermissionDenied, match="may not change notes of"):
        notes.create_note(org, actor, _draft(business_unit_id=unit))
    assert _count(org) == 0
    assert audit.entries(org, entity="notes") == []


@pytest.mark.parametrize("actor", ["p_head", "p_member"])
def test_heads_and_members_may_not_write_notes(org: Database, actor: str) -> None:
    with pytest.raises(PermissionDenied):
        notes.create_note(org, actor, _draft())


@pytest.mark.parametrize("actor", ["p_steer", "p_admin"])
def test_steering_and_admin_write_for_any_unit(org: Database, actor: str) -> None:
    assert notes.create_note(org, actor, _draft(business_unit_id="bu_biz")).business_unit == (
        "Business"
    )
    assert set(notes.writable_units(org, actor)) == {"bu_retail", "bu_biz"}


def test_writable_units_of_a_champion_is_their_own(org: Database) -> None:
    assert notes.writable_units(org, "p_champ") == {"bu_retail": "Retail"}
    assert notes.writable_units(org, "p_member") == {}


def test_edit_keeps_author_and_date_checks_both_units_and_audits_changes(org: Database) -> None:
    note = notes.create_note(org, "p_champ", _draft(), today=TODAY)
    with pytest.raises(PermissionDenied):
        notes.update_note(org, "p_champ", note.id, _draft(business_unit_id="bu_biz"))
    with pytest.raises(PermissionDenied):
        notes.update_note(org, "p_champ2", note.id, _draft(business_unit_id="bu_biz"))
    edited = notes.update_note(org, "p_steer", note.id, _draft(title="Call first", stage_id=""))
    assert (edited.title, edited.stage_id, edited.author_id) == ("Call first", None, "p_champ")
    assert edited.created_on == TODAY
    updates = [e for e in audit.entries(org, entity="notes") if e.operation == "update"]
    assert {(e.field, e.old_value, e.new_value) for e in updates} == {
        ("title", "Explain the first bill", "Call first"),
        ("stage_id", "s2", None),
    }


def test_edit_of_a_missing_note_is_not_found(org: Database) -> None:
    with pytest.raises(NotFound):
        notes.update_note(org, "p_admin", "n-missing", _draft())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "   "}, "title"),
        ({"body": ""}, "body"),
        ({"title": "x" * (notes.TITLE_MAX + 1)}, "title"),
        ({"business_unit_id": ""}, "the business unit id must not be empty"),
        ({"tags": "ok; " + "t" * (notes.TAG_MAX + 1)}, "tags"),
    ],
)
def test_invalid_drafts_say_which_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput, match=field) as refused:
        _draft(**overrides)
    # In words, not Pydantic's ("body: String should have at least 1 character").
    assert "should" not in str(refused.value) and "_" not in str(refused.value)


@pytest.mark.parametrize(("field", "value"), [("business_unit_id", "bu_x"), ("stage_id", "s9")])
def test_unknown_unit_or_stage_is_refused(org: Database, field: str, value: str) -> None:
    with pytest.raises((InvalidInput, PermissionDenied)):
        notes.create_note(org, "p_admin", _draft(**{field: value}))
    assert _count(org) == 0


def test_note_text_is_stored_exactly_as_typed(org: Database) -> None:
    note = notes.create_note(org, "p_champ", _draft(title=EVIL, body=EVIL + "\nline two"))
    again = notes.get_note(org, note.id)
    assert again.title == EVIL and again.body == EVIL + "\nline two"


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """Three notes, read-only for the tests that share it."""
    org = load_sample(Database(tmp_path_factory.mktemp("board") / "cxos.duckdb"))
    notes.create_note(org, "p_champ", _draft(), today=dt.date(2026, 5, 1))
    notes.create_note(
        org,
        "p_champ2",
        _draft(business_unit_id="bu_biz", stage_id="s1", title="Store huddles", tags="huddle"),
        today=dt.date(2026, 5, 2),
    )
    notes.create_note(
        org,
        "p_steer",
        _draft(stage_id=None, title="Quarterly review", body="Bring the numbers", tags=""),
        today=dt.date(2026, 5, 3),
    )
    return org


def _titles(found: list[notes.NoteView]) -> list[str]:
    return [n.title for n in found]


def test_list_is_newest_first(board: Database) -> None:
    assert _titles(notes.list_notes(board)) == [
        "Quarterly review",
        "Store huddles",
        "Explain the first bill",
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"text": "HUDDLE"}, ["Store huddles"]),  # title, any case
        ({"text": "halves questions"}, ["Store huddles", "Explain the first bill"]),  # body
        ({"text": "onboarding"}, ["Explain the first bill"]),  # tags
        ({"text": "100%_"}, []),  # LIKE wildcards are literal
        ({"stage_id": "s1"}, ["Store huddles"]),
        ({"business_unit_id": "bu_retail"}, ["Quarterly review", "Explain the first bill"]),
        ({"tag": "Billing"}, ["Explain the first bill"]),
        ({"tag": "bill"}, []),  # a tag matches whole
        ({"business_unit_id": "bu_retail", "text": "numbers"}, ["Quarterly review"]),
    ],
)
def test_search_and_filters(board: Database, filters: dict[str, str], expected: list[str]) -> None:
    assert _titles(notes.list_notes(board, **filters)) == expected


def test_all_tags(board: Database) -> None:
    assert notes.all_tags(board) == ["billing", "huddle", "onboarding"]


def test_parse_tags() -> None:
    assert notes.parse_tags(" A ,b;; a ; C  d ") == ("a", "b", "c d")
    assert notes.parse_tags(["x;y", "x"]) == ("x", "y")
    assert notes.parse_tags(None) == ()
