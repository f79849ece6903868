"""Issue 24, "Erase a person": on the demo company, after a data-protection erasure, no page,
export, review pack, command line output or audit view names the person, and scores,
signals and goal health as of every past date are what they were.

The person erased is Jordan Morgan (p-retail-0), head of Retail Stores: owner of goals and
actions with check-in notes, and, added here, a check-in entered in person, a feedback
response, a note, a decision, and audit entries holding their name and email.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.bundle.as_person import export_xlsx_bytes, export_zip_bytes
from cxos.demo import company as demo
from cxos.identity import accounts, audit, erasure
from cxos.model.entities import Person
from cxos.model.errors import NotFound, PermissionDenied
from cxos.review import meetings, pack, slides
from cxos.scoring import compute_scores, compute_signals, goal_health
from cxos.storage import Database
from cxos.work import team_edits
from cxos.work.checkins_readings import record_check_in
from ui import navigation

pytestmark = pytest.mark.both_stores

TODAY = dt.date.today()
VICTIM, NAME, EMAIL = "p-retail-0", "Jordan Morgan", "jordan.morgan@meridian.example"
OLD_EMAIL = "jordan.m@retail.example"
ADMIN, STEERING, HEAD = "p-itplat-1", "p-mktg-1", "p-bbcare-0"
NOTE, RESPONSE, DECISION = (
    "Store queue idea from Jordan's own notebook",
    "We replaced the shop's demo phones; Jordan answered this one",
    "Jordan to lead the store hand-off review",
)
DATES = [TODAY - dt.timedelta(days=days) for days in (240, 150, 90, 45, 14, 1, 0)]
APP = str(navigation.ROOT / "app.py")


def cxos(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXOS_DB": str(path)}
    return subprocess.run(
        [sys.executable, "-m", "cxos", *args], capture_output=True, text=True, env=env, timeout=300
    )


def _give_them_more_to_erase(db: Database) -> None:
    """What the demo does not hold: their own check-in, answer, note and decision, and
    audit entries with their name and email in old and new values."""
    record_check_in(
        db, VICTIM, "a-retail-3-3", status="in_progress", progress=40, confidence=2,
        note="Blocked on the till vendor; Jordan Morgan needs IT help",
    )  # fmt: skip
    team_edits.close_feedback(db, VICTIM, "fb-014", RESPONSE)
    db.write(
        lambda con: (
            con.execute(
                "INSERT INTO notes VALUES ('n-jm', ?, 'bu-consumer', NULL, ?, ?, ?, 'stores')",
                [VICTIM, TODAY - dt.timedelta(days=3), NOTE, f"Ask {NAME} at {EMAIL}."],
            ),
            con.execute(
                "INSERT INTO decisions VALUES ('decision-jm', 'review-2', ?, NULL, ?, ?)",
                [DECISION, VICTIM, dt.datetime.now()],
            ),
        )
    )
    accounts.save_person(db, ADMIN, Person(id=VICTIM, name=NAME, email=OLD_EMAIL,
                                           team_id="t-retail", role="head"))  # fmt: skip
    accounts.save_person(db, ADMIN, Person(id=VICTIM, name=NAME, email=EMAIL,
                                           team_id="t-retail", role="head"))  # fmt: skip
    accounts.set_password(db, ADMIN, VICTIM, "a long enough password")
    # Others mention them: a customer, a colleague's check-in, a goal's success statement.
    db.write(
        lambda con: (
            con.execute(f"UPDATE feedback SET text = text || ' {NAME.upper()} was kind.' "
                        "WHERE id = 'fb-001'"),
            con.execute(f"UPDATE check_ins SET note = 'Asked {EMAIL} for the figures' "
                        "WHERE id = (SELECT min(id) FROM check_ins WHERE action_id IN "
                        "(SELECT id FROM actions WHERE owner_id = 'p-retail-1'))"),
            con.execute(f"UPDATE feedback SET text = text || ' Write to {OLD_EMAIL}.' "
                        "WHERE id = 'fb-003'"),
            con.execute(f"UPDATE goals SET success_statement = 'As {NAME} put it: one visit' "
                        "WHERE id = 'g-logis-1'"),
        )
    )  # fmt: skip


def _figures(db: Database) -> dict[str, Any]:
    """Scores, signals and goal health as of every date of DATES, as plain values."""
    return {
        day.isoformat(): {
            "scores": [s.as_dict() for s in compute_scores(db, day)],
            "signals": sorted(repr(s) for s in compute_signals(db, day)),
            "health": {k: repr(v) for k, v in sorted(goal_health(db, day).items())},
        }
        for day in DATES
    }


@pytest.fixture(scope="module")
def erased(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo company with Jordan Morgan erased, and what was true before."""
    path = tmp_path_factory.mktemp("erase") / "cxos.duckdb"
    db = Database(path)
    demo.load(db, TODAY)
    _give_them_more_to_erase(db)
    seen_before = _every_surface(db, path)
    figures, owners = _figures(db), _owners(db)
    result = erasure.erase_person(db, ADMIN, VICTIM)
    return {
        "db": db,
        "path": path,
        "before": figures,
        "owners": owners,
        "seen_before": seen_before,
        "result": result,
    }


def _owners(db: Database) -> list[dict[str, Any]]:
    """Who owns, entered and wrote what, by id."""
    return db.rows(
        "SELECT 'goal' AS kind, id, owner_id AS who FROM goals UNION ALL "
        "SELECT 'action', id, owner_id FROM actions UNION ALL "
        "SELECT 'check-in', CAST(id AS VARCHAR), entered_by FROM check_ins UNION ALL "
        "SELECT 'reading', metric_id || '@' || as_of, entered_by FROM metric_readings UNION ALL "
        "SELECT 'note', id, author_id FROM notes UNION ALL "
        "SELECT 'decision', id, created_by FROM decisions ORDER BY ALL"
    )


def _named(text: str) -> list[str]:
    """The ways the erased person could be named in `text`."""
    lowered = text.lower()
    return [w for w in (NAME, EMAIL, OLD_EMAIL, NOTE, RESPONSE, DECISION) if w.lower() in lowered]


def _zip_texts(data: bytes) -> Iterator[str]:
    """Every member of a zip (xlsx, pptx, a zipped bundle), nested zips opened too."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            content = archive.read(member)
            if content[:2] == b"PK":
                yield from _zip_texts(content)
            else:
                yield content.decode("utf-8", "replace")


def _every_surface(db: Database, path: Path) -> dict[str, str]:
    """Everything CXOS shows or hands out, by where: exports, packs, CLI output, audit."""
    shown: dict[str, str] = {
        "bundle zip": "\n".join(_zip_texts(export_zip_bytes(db))),
        "bundle xlsx": "\n".join(_zip_texts(export_xlsx_bytes(db))),
        "audit entries": repr(audit.entries(db, limit=100_000)),
    }
    for review in ("review-1", "review-2", None):
        view = meetings.view(db, review) if review else meetings.date_view(db, TODAY)
        where = f"pack {review or TODAY}"
        shown[f"{where} content (the PDF's text)"] = repr(pack.content(view))
        shown[f"{where} pdf"] = pack.build_pdf(view, charts=False).decode("latin-1")
        shown[f"{where} xlsx"] = "\n".join(_zip_texts(pack.build_xlsx(view)))
        shown[f"{where} pptx"] = "\n".join(_zip_texts(slides.build_pptx(view, charts=False)))
    commands = [
        ("scores", "--format", "json"),
        ("scores", "--format", "csv"),
        ("signals", "--format", "json"),
        ("work", "--person", VICTIM, "--format", "json"),
        ("work", "--person", "p-retail-1", "--format", "json"),
        ("goals", "--team", "t-retail", "--format", "json"),
        ("explain", "t-retail", "--format", "json"),
        ("audit", "--limit", "100000", "--format", "json"),
        ("audit", "--limit", "100000", "--format", "csv"),
        ("note", "list", "--format", "json"),
    ]
    for command in commands:
        done = cxos(path, *command)
        assert done.returncode == 0, done.stderr
        shown["cli " + " ".join(command)] = done.stdout
    return shown


def test_nothing_handed_out_names_them_after_erasure(erased: dict[str, Any]) -> None:
    before = erased["seen_before"]
    # The surfaces did name them: the test looks where the name was.
    assert _named(before["bundle zip"]) and _named(before["audit entries"])
    assert _named(before["pack review-2 content (the PDF's text)"])
    assert _named(before["cli goals --team t-retail --format json"])
    after = _every_surface(erased["db"], erased["path"])
    assert {where: _named(shown) for where, shown in after.items() if _named(shown)} == {}
    placeholder = erasure.placeholder_name(VICTIM)
    assert placeholder in after["bundle zip"] and placeholder in after["pack review-2 xlsx"]
    assert erasure.ERASED_TEXT in after["cli note list --format json"]
    # Others' mentions of them now name the placeholder, the rest of their words kept.
    db = erased["db"]
    assert db.scalar("SELECT text FROM feedback WHERE id = 'fb-001'").endswith(
        f" {placeholder} was kind."
    )
    assert db.scalar("SELECT success_statement FROM goals WHERE id = 'g-logis-1'") == (
        f"As {placeholder} put it: one visit"
    )
    assert (
        db.scalar("SELECT count(*) FROM check_ins WHERE note = 'Asked [erased] for the figures'")
        == 1
    )
    # An email they had before (the audit log remembers it) is found too.
    assert db.scalar("SELECT text FROM feedback WHERE id = 'fb-003'").endswith("Write to [erased].")


def test_scores_signals_and_health_as_of_every_date_are_unchanged(erased: dict[str, Any]) -> None:
    assert _figures(erased["db"]) == erased["before"]


def test_ids_and_who_owned_what_stay(erased: dict[str, Any]) -> None:
    db = erased["db"]
    assert _owners(db) == erased["owners"]
    mine = {row["kind"] for row in erased["owners"] if row["who"] == VICTIM}
    assert mine == {"goal", "action", "check-in", "note", "decision"}
    row = db.rows("SELECT name, email, team_id, role FROM people WHERE id = ?", [VICTIM])[0]
    assert row == {
        "name": erasure.placeholder_name(VICTIM),
        "email": None,
        "team_id": "t-retail",
        "role": "head",
    }
    assert erasure.placeholder_name(VICTIM) == erasure.placeholder_name(VICTIM)
    assert erasure.placeholder_name(VICTIM) != erasure.placeholder_name("p-retail-1")
    notes = db.rows("SELECT note FROM check_ins WHERE entered_by = ?", [VICTIM])
    assert [r["note"] for r in notes] == [erasure.ERASED_TEXT]


def test_the_erasure_is_audited_without_the_name_and_they_can_no_longer_act(
    erased: dict[str, Any],
) -> None:
    db = erased["db"]
    entry = [e for e in audit.entries(db, entity="people") if e.operation == "erase"][0]
    assert entry.entity_id == VICTIM and entry.actor_id == ADMIN
    assert "texts they wrote replaced by [erased]" in (entry.new_value or "")
    assert not _named(repr(entry))
    assert erased["result"].account_removed
    assert not accounts.has_account(db, VICTIM)
    assert not db.scalar("SELECT count(*) FROM sign_in_attempts WHERE account = ?", [VICTIM])
    assert accounts.authenticate(db, VICTIM, "a long enough password") is None
    with pytest.raises(PermissionDenied, match="was erased"):
        record_check_in(db, VICTIM, "a-retail-3-3", status="in_progress", progress=50)
    version = audit.data_version(db)
    with pytest.raises(Exception, match="was erased"):
        accounts.set_password(db, ADMIN, VICTIM, "another long password")
    with pytest.raises(erasure.AlreadyErased):
        erasure.erase_person(db, ADMIN, VICTIM)
    assert audit.data_version(db) == version


@pytest.fixture
def demo_db(tmp_path: Path) -> Database:
    db = Database(tmp_path / "cxos.duckdb")
    demo.load(db, TODAY)
    return db


def test_a_head_or_steering_member_is_refused_and_nothing_changes(demo_db: Database) -> None:
    version = audit.data_version(demo_db)
    for actor, words in ((HEAD, "head of"), (STEERING, "steering committee")):
        with pytest.raises(PermissionDenied, match=f"{words}.*may not erase people"):
            erasure.erase_person(demo_db, actor, VICTIM)
    with pytest.raises(NotFound, match="no person with id 'nobody'"):
        erasure.erase_person(demo_db, ADMIN, "nobody")
    with pytest.raises(PermissionDenied, match="cannot erase yourself"):
        erasure.erase_person(demo_db, ADMIN, ADMIN)
    assert audit.data_version(demo_db) == version
    assert demo_db.scalar("SELECT name FROM people WHERE id = ?", [VICTIM]) == NAME


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused command prints, after checking it failed without a traceback."""
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_command_refuses_without_confirm_others_and_unknown_people(
    demo_db: Database,
) -> None:
    path = demo_db.path
    demo_db.close()
    version = audit.data_version(Database(path))
    line = refused(cxos(path, "person", "erase", VICTIM, "--as", ADMIN))
    assert "cannot be undone: add --confirm" in line and NAME in line
    line = refused(cxos(path, "person", "erase", VICTIM, "--as", HEAD, "--confirm"))
    assert "is head of Broadband Care and may not erase people" in line
    line = refused(cxos(path, "person", "erase", VICTIM, "--as", STEERING, "--confirm"))
    assert "is on the steering committee and may not erase people" in line
    line = refused(cxos(path, "person", "erase", "nobody", "--as", ADMIN, "--confirm"))
    assert line == "error: there is no person with id 'nobody'; nothing was changed"
    assert audit.data_version(Database(path)) == version
    done = cxos(path, "person", "erase", VICTIM, "--as", ADMIN, "--confirm")
    assert done.returncode == 0, done.stderr
    assert erasure.placeholder_name(VICTIM) in done.stdout and NAME not in done.stdout
    again = refused(cxos(path, "person", "erase", VICTIM, "--as", ADMIN, "--confirm"))
    assert "was erased already; nothing was changed" in again


# -- pages -------------------------------------------------------------------------------


def _page_text(at: AppTest) -> str:
    """Everything an AppTest run drew: every element's message, tables' cells included."""
    found: list[str] = []

    def walk(node: Any) -> None:
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)
        proto = getattr(node, "proto", None)
        if proto is not None:
            found.append(str(proto))
        if getattr(node, "type", "") in ("arrow_data_frame", "dataframe", "table"):
            found.append(node.value.to_csv())

    walk(at._tree)
    return "\n".join(found)


def _open(path: Path, person: str, page: Path, **params: str) -> AppTest:
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(page), default_timeout=90)
    at.query_params["as"] = person
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_no_page_names_them_for_steering_or_admin(
    erased: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXOS_DB", str(erased["path"]))
    monkeypatch.setenv("CXOS_AUTH", "demo")  # the added rows ended the demo mark
    path = erased["path"]
    named = {}
    for person, role in ((STEERING, "steering"), (ADMIN, "admin")):
        for entry in navigation.available(role):
            params = {"team": "t-retail"} if entry.url_path in ("team", "team_goals") else {}
            shown = _page_text(_open(path, person, entry.path, **params))
            if _named(shown):
                named[f"{entry.url_path} as {role}"] = _named(shown)
    assert named == {}
    # Where they were named, the placeholder is: the team page lists its goals' owners.
    team = _open(path, STEERING, navigation.PAGES_DIR / "team.py", team="t-retail")
    assert erasure.placeholder_name(VICTIM) in _page_text(team)


def test_the_admin_page_erases_after_the_id_is_typed(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXOS_DB", str(demo_db.path))
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    page = navigation.PAGES_DIR / "admin_people.py"
    at = _open(demo_db.path, ADMIN, page)
    assert NAME in _page_text(at) and EMAIL in _page_text(at)
    at.selectbox(key="admin_erase_person").select(VICTIM)
    at.text_input(key="admin_erase_confirm").input("p-retail-")
    at.button(key="FormSubmitter:admin_erase_form-Erase for good").click().run()
    assert "type their id exactly" in at.error[0].value
    assert demo_db.scalar("SELECT name FROM people WHERE id = ?", [VICTIM]) == NAME
    at.selectbox(key="admin_erase_person").select(VICTIM)
    at.text_input(key="admin_erase_confirm").input(VICTIM)
    at.button(key="FormSubmitter:admin_erase_form-Erase for good").click().run()
    assert not at.exception and not at.error
    placeholder = erasure.placeholder_name(VICTIM)
    assert placeholder in " ".join(s.value for s in at.success)
    assert demo_db.scalar("SELECT name FROM people WHERE id = ?", [VICTIM]) == placeholder
    assert not [o for o in at.selectbox(key="admin_erase_person").options if VICTIM in o]
    assert not _named(_page_text(at))


def test_a_steering_members_meeting_and_decisions_are_erased_in_its_frozen_record(
    db: Database,
) -> None:
    from tests.sample import load_sample

    load_sample(db)
    title, decided = "Sam Steer's Q3 review", "Sam Steer will fund the billing fix"
    meeting = meetings.start_meeting(db, "p_steer", TODAY, title, ["p_steer", "p_head"])
    meetings.record_decision(db, "p_steer", meeting.id, decided)
    meetings.close_meeting(db, "p_steer", meeting.id)
    assert decided in repr(pack.content(meetings.view(db, meeting.id)))
    erasure.erase_person(db, "p_admin", "p_steer")
    view = meetings.view(db, meeting.id)
    shown = repr((pack.content(view), view.decisions, view.meeting))
    assert "Sam Steer" not in shown and "steer@example.com" not in shown
    assert view.meeting is not None and view.meeting.title == erasure.ERASED_TEXT
    assert [d["text"] for d in view.decisions] == [erasure.ERASED_TEXT]
    assert erasure.placeholder_name("p_steer") in view.attendee_names
    logged = repr(audit.entries(db, entity="decisions") + audit.entries(db, entity="meetings"))
    assert "Sam Steer" not in logged and erasure.ERASED_TEXT in logged
