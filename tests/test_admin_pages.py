"""Admin pages and services: import with preview and confirmation, export, people, accounts."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxos.bundle import as_person
from cxos.identity import accounts, audit
from cxos.model.entities import Person
from cxos.model.errors import PermissionDenied
from cxos.storage import Database
from tests.pages import demo_sample, in_app

NEW_PERSON = "id,name,email,team_id,role\np_new,Nia New,nia@example.com,t_billing,member\n"
BAD_PERSON = "id,name,email,team_id,role\np_bad,Bo Bad,,t_nowhere,wizard\n"


def _zip(people_csv: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # A fixed date: two zips of the same rows are the same bytes, whenever they are made.
        archive.writestr(zipfile.ZipInfo("people.csv", (2026, 1, 1, 0, 0, 0)), people_csv)
    return buffer.getvalue()


@pytest.fixture
def sample(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    return demo_sample(db, monkeypatch)


def _admin_page(file: str) -> AppTest:
    return in_app("p_admin", file)


def test_import_previews_then_imports_on_confirmation(sample: Database) -> None:
    at = _admin_page("admin_data.py")
    at.file_uploader(key="admin_data_upload").upload("people.zip", _zip(NEW_PERSON)).run()
    assert not at.exception
    assert "1 added" in " ".join(m.value for m in at.markdown)
    assert accounts.find_person(sample, "p_new") is None  # nothing written before confirming
    at.button(key="admin_data_confirm").click().run()
    assert not at.exception
    assert accounts.find_person(sample, "p_new").name == "Nia New"
    assert any(e.actor_id == "p_admin" for e in audit.entries(sample, entity="people"))


def test_bad_bundle_lists_problems_and_changes_nothing(sample: Database) -> None:
    version = audit.data_version(sample)
    at = _admin_page("admin_data.py")
    at.file_uploader(key="admin_data_upload").upload("bad.zip", _zip(BAD_PERSON)).run()
    assert "cannot be imported" in at.error[0].value
    problems = at.dataframe[0].value["Problem"].tolist()
    assert any("role" in p for p in problems) and any("team_id" in p for p in problems)
    assert not [b for b in at.button if b.key == "admin_data_confirm"]
    assert audit.data_version(sample) == version


def test_uploads_are_private_and_deleted_when_the_import_ends(
    sample: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Demo sign-in by name: the import ends the demo company, and with it a demo session.
    monkeypatch.setenv("CXOS_AUTH", "demo")
    at = _admin_page("admin_data.py")
    uploader = at.file_uploader(key="admin_data_upload")
    uploader.upload("people.zip", _zip(NEW_PERSON)).run()
    held = at.session_state["admin_data_slot"].path
    assert held.read_bytes() == _zip(NEW_PERSON) and held.name == "bundle.zip"
    assert held.parent.stat().st_mode & 0o777 == 0o700 and held.stat().st_mode & 0o777 == 0o600
    assert "cxos-uploads" not in str(held)
    at.file_uploader(key="admin_data_upload").upload("bad.zip", _zip(BAD_PERSON)).run()
    replaced = at.session_state["admin_data_slot"].path
    assert not held.exists() and not held.parent.exists() and replaced.exists()
    at.file_uploader(key="admin_data_upload").upload("people.zip", _zip(NEW_PERSON)).run()
    again = at.session_state["admin_data_slot"].path
    at.button(key="admin_data_confirm").click().run()
    assert not at.exception
    assert accounts.find_person(sample, "p_new") is not None
    assert not again.exists() and not replaced.exists()
    assert at.session_state["admin_data_slot"].path is None
    assert "has been imported" in " ".join(c.value for c in at.caption)


def test_an_upload_named_like_a_path_is_held_under_a_fixed_name(tmp_path: Path) -> None:
    from cxos.bundle import uploads

    path = uploads.hold(b"PK", "../../../etc/evil.ZIP")
    try:
        assert path.name == "bundle.zip" and path.parent.name.startswith("cxos-upload-")
    finally:
        uploads.release(path)
    assert not path.parent.exists()


def test_import_and_preview_are_for_administrators_only(sample: Database, tmp_path: Path) -> None:
    bundle = tmp_path / "people.zip"
    bundle.write_bytes(_zip(NEW_PERSON))
    for service in (as_person.preview_as, as_person.import_as):
        with pytest.raises(PermissionDenied, match="may not change data by import"):
            service(sample, "p_head", bundle)
    assert accounts.find_person(sample, "p_new") is None
    assert as_person.import_as(sample, "p_admin", bundle).rows == 1


def test_exports_are_bundles(sample: Database) -> None:
    with zipfile.ZipFile(io.BytesIO(as_person.export_zip_bytes(sample))) as archive:
        assert "people.csv" in archive.namelist()
        assert "Dana Lee" in archive.read("people.csv").decode()
    assert as_person.export_xlsx_bytes(sample)[:2] == b"PK"


def test_save_person_and_role_changes_are_audited(sample: Database) -> None:
    dana = accounts.find_person(sample, "p_head")
    promoted = Person(**{**dana.model_dump(), "role": "steering"})
    with pytest.raises(PermissionDenied):
        accounts.save_person(sample, "p_steer", promoted)
    accounts.save_person(sample, "p_admin", promoted)
    change = audit.entries(sample, entity="people")[0]
    assert (change.field, change.old_value, change.new_value) == ("role", "head", "steering")


def test_people_page_sets_a_password(sample: Database) -> None:
    at = _admin_page("admin_people.py")
    at.selectbox(key="admin_accounts_person").set_value("p_member")
    at.text_input(key="admin_accounts_password").input("member-pass-1")
    at.text_input(key="admin_accounts_repeat").input("member-pass-1")
    next(b for b in at.button if b.label == "Set password").click().run()
    assert not at.exception
    assert accounts.authenticate(sample, "member@example.com", "member-pass-1").id == "p_member"


def test_audit_says_who_in_words(sample: Database) -> None:
    def entry(actor: str | None, new: str) -> None:
        sample.write(lambda con: audit.record(con, actor, "update", "teams", "t1", "name", "", new))

    entry(None, "by the operator")
    entry("@operator", "by the operator, before 2026-12")
    entry("p_admin", "by a person")
    assert [e.who for e in audit.entries(sample, limit=3)] == [
        "Ada Admin (p_admin)",
        "command-line operator",
        "command-line operator",
    ]
    at = _admin_page("admin_audit.py")
    assert list(at.dataframe[0].value["who"][:3]) == [
        "Ada Admin (p_admin)",
        "command-line operator",
        "command-line operator",
    ]
