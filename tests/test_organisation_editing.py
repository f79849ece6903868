"""The organisation and journey editors (cxos/organisation/editing.py): positions after an
insert or a move, audit old → new, refusals (role, stale, invalid, duplicate id), the
derived scoring tables and feedback after a touchpoint changes owner, and export → import
after edits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cxos.bundle.exporter import export_folder
from cxos.bundle.importer import import_bundle, import_rows
from cxos.identity import audit
from cxos.model.errors import Conflict, InvalidInput, PermissionDenied, StaleWrite
from cxos.organisation import editing
from cxos.organisation.reads import organisation
from cxos.storage import Database, structure
from tests.sample import BILLING_COMPLAINT, load_sample

pytestmark = pytest.mark.both_stores

ADMIN = "p_admin"


@pytest.fixture
def sample(db: Database) -> Database:
    return load_sample(db)


def _positions(db: Database, journey: str = "j1") -> list[tuple[str, int]]:
    rows = db.rows(
        "SELECT id, position FROM stages WHERE journey_id = ? ORDER BY position", [journey]
    )
    return [(r["id"], r["position"]) for r in rows]


def _entries(db: Database, entity: str, entity_id: str) -> list[tuple[str, Any, Any]]:
    rows = db.rows(
        "SELECT field, old_value, new_value FROM audit_log WHERE entity = ? AND entity_id = ? "
        "AND operation <> 'import' ORDER BY id",
        [entity, entity_id],
    )
    return [(r["field"], r["old_value"], r["new_value"]) for r in rows]


def test_a_stage_inserted_between_two_takes_its_place_and_shifts_the_rest(sample: Database) -> None:
    saved = editing.create_stage(
        sample,
        ADMIN,
        {"id": "s_mid", "journey_id": "j1", "phase": "Buy", "name": "Sign up"},
        place=2,
    )
    assert saved.created and saved.id == "s_mid"
    assert _positions(sample) == [("s1", 1), ("s_mid", 2), ("s2", 3)]
    assert _entries(sample, "stages", "s2") == [("position", "2", "3")]
    assert ("name", None, "Sign up") in _entries(sample, "stages", "s_mid")
    versions = {r["id"]: r["version"] for r in organisation(sample)["stages"]}
    assert versions == {"s1": 1, "s_mid": 1, "s2": 2}  # the shifted stage's version moved


def test_a_stage_without_a_place_goes_last_with_a_generated_id(sample: Database) -> None:
    saved = editing.create_stage(
        sample, ADMIN, {"journey_id": "j1", "phase": "Use", "name": "Leave"}
    )
    assert saved.id.startswith("s-")
    assert _positions(sample) == [("s1", 1), ("s2", 2), (saved.id, 3)]


def test_moving_a_stage_renumbers_its_journey(sample: Database) -> None:
    editing.create_stage(
        sample, ADMIN, {"id": "s3", "journey_id": "j1", "phase": "Use", "name": "Renew"}
    )
    editing.move_stage(sample, ADMIN, "s3", 1, expected_version=1)
    assert _positions(sample) == [("s3", 1), ("s1", 2), ("s2", 3)]
    assert _entries(sample, "stages", "s1") == [("position", "1", "2")]


def test_edits_are_audited_old_to_new_per_field(sample: Database) -> None:
    editing.update_team(
        sample, ADMIN, "t_billing", {"name": "Billing & Payments", "business_unit_id": "bu_biz"}
    )
    assert _entries(sample, "teams", "t_billing") == [
        ("name", "Billing", "Billing & Payments"),
        ("business_unit_id", "bu_retail", "bu_biz"),
    ]
    editing.update_objective(sample, ADMIN, "o1", {"vision": "Bills without surprises"})
    assert _entries(sample, "objectives", "o1") == [
        ("vision", "No surprises", "Bills without surprises")
    ]


def test_renaming_a_phase_renames_it_on_each_of_its_stages(sample: Database) -> None:
    editing.create_stage(
        sample, ADMIN, {"id": "s3", "journey_id": "j1", "phase": "Buy", "name": "Order"}
    )
    editing.rename_phase(sample, ADMIN, "j1", "Buy", "Choose", expected_versions={"s1": 1, "s3": 1})
    phases = {r["id"]: r["phase"] for r in organisation(sample)["stages"]}
    assert phases == {"s1": "Choose", "s2": "Use", "s3": "Choose"}
    assert _entries(sample, "stages", "s1") == [("phase", "Buy", "Choose")]


def test_a_phase_rename_is_stale_when_a_stage_joined_the_phase_meanwhile(sample: Database) -> None:
    editing.update_stage(sample, ADMIN, "s2", {"phase": "Buy"})  # someone moves s2 into Buy
    with pytest.raises(StaleWrite, match="Pay the bill"):
        editing.rename_phase(sample, ADMIN, "j1", "Buy", "Choose", expected_versions={"s1": 1})
    assert {r["phase"] for r in organisation(sample)["stages"]} == {"Buy"}


def test_a_team_gets_a_new_head_and_the_old_one_becomes_a_member(sample: Database) -> None:
    editing.set_team_head(sample, ADMIN, "t_billing", "p_member", expected_version=1)
    roles = {r["id"]: r["role"] for r in organisation(sample)["people"]}
    assert roles["p_member"] == "head" and roles["p_head"] == "member"
    assert _entries(sample, "people", "p_head") == [("role", "head", "member")]
    team = next(t for t in organisation(sample)["teams"] if t["id"] == "t_billing")
    assert team["head"] == "Mia Member" and team["version"] == 2


WRITES: dict[str, Callable[[Database, str], Any]] = {
    "create business unit": lambda db, who: editing.create_business_unit(db, who, {"name": "X"}),
    "rename business unit": lambda db, who: editing.update_business_unit(
        db, who, "bu_retail", {"name": "X"}
    ),
    "create team": lambda db, who: editing.create_team(
        db, who, {"name": "X", "business_unit_id": "bu_retail"}
    ),
    "rename team": lambda db, who: editing.update_team(db, who, "t_billing", {"name": "X"}),
    "set head": lambda db, who: editing.set_team_head(db, who, "t_billing", "p_member"),
    "create person": lambda db, who: editing.create_person(
        db, who, {"name": "X", "team_id": "t_billing", "role": "member"}
    ),
    "change person": lambda db, who: editing.update_person(db, who, "p_member", {"name": "X"}),
    "create journey": lambda db, who: editing.create_journey(db, who, {"name": "X"}),
    "rename journey": lambda db, who: editing.update_journey(db, who, "j1", {"name": "X"}),
    "rename phase": lambda db, who: editing.rename_phase(db, who, "j1", "Buy", "X"),
    "create stage": lambda db, who: editing.create_stage(
        db, who, {"journey_id": "j1", "phase": "Buy", "name": "X"}, place=1
    ),
    "change stage": lambda db, who: editing.update_stage(db, who, "s1", {"name": "X"}),
    "move stage": lambda db, who: editing.move_stage(db, who, "s2", 1),
    "create touchpoint": lambda db, who: editing.create_touchpoint(
        db, who, {"stage_id": "s1", "name": "X", "layer": "on_stage", "owner_team_id": "t_billing"}
    ),
    "change touchpoint": lambda db, who: editing.update_touchpoint(
        db, who, "tp1", {"owner_team_id": "t_billing"}
    ),
    "create objective": lambda db, who: editing.create_objective(db, who, {"title": "X"}),
    "change objective": lambda db, who: editing.update_objective(db, who, "o1", {"title": "X"}),
}


@pytest.mark.parametrize("who", ["p_head", "p_steer"])
@pytest.mark.parametrize("write", list(WRITES))
def test_a_head_or_steering_member_cannot_edit_the_organisation(
    sample: Database, who: str, write: str
) -> None:
    before = audit.data_version(sample)
    with pytest.raises(PermissionDenied, match="may not change"):
        WRITES[write](sample, who)
    assert audit.data_version(sample) == before


@pytest.mark.parametrize("write", list(WRITES))
def test_an_administrator_may_make_every_edit(sample: Database, write: str) -> None:
    WRITES[write](sample, ADMIN)
    assert not sample.read(structure.stale_tables)


def test_a_stale_edit_is_refused_naming_who_changed_what(sample: Database) -> None:
    editing.update_touchpoint(sample, ADMIN, "tp1", {"channel": "Store"}, expected_version=1)
    with pytest.raises(StaleWrite) as refused:
        editing.update_touchpoint(sample, ADMIN, "tp1", {"name": "Shop visit"}, expected_version=1)
    message = str(refused.value)
    assert "Ada Admin" in message and "channel" in message and "nothing was saved" in message
    assert refused.value.current["channel"] == "Store"  # type: ignore[attr-defined]
    assert organisation(sample)["touchpoints"][0]["name"] == "Store visit"


@pytest.mark.parametrize(
    ("write", "field"),
    [
        (lambda db: editing.create_business_unit(db, ADMIN, {"name": "  "}), "name"),
        (lambda db: editing.update_team(db, ADMIN, "t_billing", {"name": "x" * 201}), "name"),
        (
            lambda db: editing.update_touchpoint(db, ADMIN, "tp1", {"layer": "sideways"}),
            "layer",
        ),
        (
            lambda db: editing.create_team(db, ADMIN, {"name": "X", "business_unit_id": "bu_no"}),
            "business_unit_id",
        ),
        (lambda db: editing.update_person(db, ADMIN, "p_member", {"role": "wizard"}), "role"),
        (
            lambda db: editing.create_person(
                db, ADMIN, {"id": "@root", "name": "E", "team_id": "t_billing", "role": "member"}
            ),
            "id",
        ),
        (lambda db: editing.update_stage(db, ADMIN, "s1", {"phase": "Buy\x07"}), "phase"),
    ],
)
def test_an_invalid_value_is_refused_naming_the_field(
    sample: Database, write: Callable[[Database], Any], field: str
) -> None:
    before = audit.data_version(sample)
    with pytest.raises(InvalidInput, match=rf"^{editing.field_words(field)}: ") as refused:
        write(sample)
    assert refused.value.field == field
    assert audit.data_version(sample) == before


def test_an_entered_id_already_held_is_refused(sample: Database) -> None:
    with pytest.raises(Conflict, match="already a team with id 't_billing'") as refused:
        editing.create_team(
            sample, ADMIN, {"id": "t_billing", "name": "New", "business_unit_id": "bu_biz"}
        )
    assert refused.value.field == "id"
    assert next(t for t in organisation(sample)["teams"] if t["id"] == "t_billing")["name"] == (
        "Billing"
    )


def test_a_touchpoint_changing_owner_refreshes_scoring_and_takes_its_feedback(
    sample: Database,
) -> None:
    import_rows(sample, {"feedback": [{**BILLING_COMPLAINT, "touchpoint_id": "tp2"}]})
    editing.update_touchpoint(sample, ADMIN, "tp2", {"owner_team_id": "t_service"})
    owners = sample.rows("SELECT stage_id, team_id FROM score_stage_owners ORDER BY stage_id")
    assert owners == [
        {"stage_id": "s1", "team_id": "t_stores"},
        {"stage_id": "s2", "team_id": "t_service"},
    ]
    assert not sample.read(structure.stale_tables)
    assert sample.scalar("SELECT team_id FROM feedback WHERE id = 'f_neg'") == "t_service"
    assert ("team_id", "t_billing", "t_service") in _entries(sample, "feedback", "f_neg")


def test_feedback_routed_through_the_stage_goes_to_the_new_owner(sample: Database) -> None:
    import_rows(sample, {"feedback": [BILLING_COMPLAINT]})  # on stage s2, no touchpoint
    editing.update_touchpoint(sample, ADMIN, "tp2", {"owner_team_id": "t_stores"})
    assert sample.scalar("SELECT team_id FROM feedback WHERE id = 'f_neg'") == "t_stores"


def test_the_database_exports_and_imports_again_after_edits(
    sample: Database, tmp_path: Path
) -> None:
    import_rows(sample, {"feedback": [BILLING_COMPLAINT]})
    editing.create_stage(
        sample,
        ADMIN,
        {"id": "s_mid", "journey_id": "j1", "phase": "Buy", "name": "Sign up"},
        place=2,
    )
    editing.update_touchpoint(sample, ADMIN, "tp2", {"owner_team_id": "t_service"})
    export_folder(sample, tmp_path / "one")
    assert "version" not in (tmp_path / "one" / "teams.csv").read_text(encoding="utf-8")
    again = Database(tmp_path / "again.duckdb")
    import_bundle(again, tmp_path / "one")
    export_folder(again, tmp_path / "two")
    for name in ("stages.csv", "touchpoints.csv", "feedback.csv"):
        assert (tmp_path / "one" / name).read_text() == (tmp_path / "two" / name).read_text()


def test_an_import_moves_the_version_so_an_edit_read_before_it_is_stale(sample: Database) -> None:
    import_rows(
        sample, {"teams": [{"id": "t_billing", "name": "Billing", "business_unit_id": "bu_biz"}]}
    )
    with pytest.raises(StaleWrite):
        editing.update_team(sample, ADMIN, "t_billing", {"name": "B"}, expected_version=1)


def test_an_erased_person_cannot_be_edited(sample: Database) -> None:
    from cxos.identity import erasure

    erasure.erase_person(sample, ADMIN, "p_member")
    with pytest.raises(InvalidInput, match="erased"):
        editing.update_person(sample, ADMIN, "p_member", {"name": "Back again"})
