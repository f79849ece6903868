"""The command line answers feedback, writes notes and runs review meetings as a person.

Every test runs the real `python -m cxos` in a subprocess on the sample organisation
(tests/sample.py): each command works, a person without the right is refused with one
line and nothing changes, the audit log names who acted, and every list parses as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cxos.bundle.importer import import_rows
from cxos.storage import Database
from tests.sample import load_sample

pytestmark = pytest.mark.both_stores

FEEDBACK = [
    {
        "id": f"fb{n}",
        "received_on": "2026-05-0" + str(n),
        "stage_id": "s2",
        "team_id": "t_billing",
        "sentiment": "negative",
        "text": text,
    }
    for n, text in ((1, "The bill is confusing"), (2, "Charged twice"), (3, "Late invoice"))
]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """The sample organisation with three pieces of Billing feedback, closed for the CLI."""
    file = tmp_path / "cxos.duckdb"
    db = load_sample(Database(file))
    import_rows(db, {"feedback": FEEDBACK}, label="feedback")
    db.close()
    return file


def cxos(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXOS_DB": str(path)}
    return subprocess.run(
        [sys.executable, "-m", "cxos", *args], capture_output=True, text=True, env=env, timeout=120
    )


def ok(path: Path, *args: str) -> str:
    result = cxos(path, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def listed(path: Path, *args: str) -> list[dict[str, Any]]:
    return json.loads(ok(path, *args, "--format", "json"))


def refused(path: Path, *args: str) -> str:
    """The one-line reason a refused command gives."""
    result = cxos(path, *args)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def audited(path: Path, entity: str) -> list[dict[str, Any]]:
    """The audit entries of people's writes to `entity` (not the sample's import)."""
    entries = listed(path, "audit", "--entity", entity)
    return [e for e in entries if e["operation"] != "import"]


def open_feedback(path: Path) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in listed(path, "feedback", "list", "--team", "t_billing", "--all")}


def test_a_head_answers_feedback_three_ways(path: Path) -> None:
    assert [f["id"] for f in listed(path, "feedback", "list", "--team", "t_billing")] == [
        "fb3",
        "fb2",
        "fb1",
    ]
    ok(path, "feedback", "link", "fb1", "a_bill", "--as", "p_head", "--response", "On it")
    ok(
        path,
        "feedback",
        "new-action",
        "fb2",
        "--as",
        "p_head",
        "--title",
        "Refund double charges",
        "--goal",
        "g_bill",
        "--due",
        "2026-12-31",
    )
    ok(path, "feedback", "close", "fb3", "--as", "p_head", "--response", "Post strike, fixed")
    answers = open_feedback(path)
    assert answers["fb1"]["action_id"] == "a_bill" and answers["fb1"]["response"] == "On it"
    assert answers["fb2"]["action_id"]
    assert answers["fb3"]["response"] == "Post strike, fixed" and answers["fb3"]["closed_on"]
    assert listed(path, "feedback", "list", "--team", "t_billing") == []
    assert {e["actor"] for e in audited(path, "feedback")} == {"Dana Lee (p_head)"}
    new_action = [e for e in audited(path, "actions") if e["field"] == "team_id"]
    assert [e["new"] for e in new_action] == ["t_billing"]  # the feedback's team


def test_a_member_may_not_answer_feedback_and_nothing_changes(path: Path) -> None:
    before = open_feedback(path)
    reason = refused(path, "feedback", "link", "fb1", "a_bill", "--as", "p_member")
    assert "Mia Member" in reason and "may not change feedback" in reason
    refused(path, "feedback", "close", "fb1", "--as", "p_head2", "--response", "Not mine")
    assert open_feedback(path) == before
    assert audited(path, "feedback") == []


def test_feedback_mistakes_are_one_line_reasons(path: Path) -> None:
    assert "no feedback" in refused(path, "feedback", "link", "nope", "a_bill", "--as", "p_head")
    reason = refused(path, "feedback", "close", "fb1", "--as", "p_head", "--response", " ")
    assert "written response" in reason


def test_notes_are_written_by_champions_for_their_unit(path: Path) -> None:
    out = ok(
        path,
        "note",
        "add",
        "--as",
        "p_champ",
        "--unit",
        "bu_retail",
        "--title",
        "Invoice huddle",
        "--body",
        "=cmd|' /C calc'!A0 worked",
        "--stage",
        "s2",
        "--tags",
        "Billing, huddle",
    )
    assert "Invoice huddle" in out
    (note,) = listed(path, "note", "list", "--tag", "billing")
    assert note["tags"] == "billing;huddle" and note["author"] == "Chris Champ"
    ok(path, "note", "edit", note["id"], "--as", "p_champ", "--title", "Invoice huddles")
    ok(path, "note", "edit", note["id"], "--as", "p_steer", "--stage", "")
    (edited,) = listed(path, "note", "list")
    assert edited["title"] == "Invoice huddles" and edited["stage_id"] is None
    assert edited["body"] == note["body"]
    csv = ok(path, "note", "list", "--format", "csv")
    assert "'=cmd" in csv  # formula-like text stays inert in a spreadsheet
    actors = {e["actor"] for e in audited(path, "notes")}
    assert actors == {"Chris Champ (p_champ)", "Sam Steer (p_steer)"}


def test_a_champion_may_not_write_for_another_unit_and_nothing_changes(path: Path) -> None:
    args = ("--title", "Elsewhere", "--body", "Not my unit")
    reason = refused(path, "note", "add", "--as", "p_champ", "--unit", "bu_biz", *args)
    assert "may not change notes" in reason
    refused(path, "note", "add", "--as", "p_member", "--unit", "bu_retail", *args)
    assert listed(path, "note", "list") == []
    assert audited(path, "notes") == []


def test_a_review_meeting_from_start_to_close(path: Path) -> None:
    out = ok(
        path,
        "meeting",
        "start",
        "--as",
        "p_steer",
        "--title",
        "Q4 review",
        "--on",
        "2026-11-30",
        "--attendee",
        "p_steer",
        "--attendee",
        "p_head",
    )
    (meeting,) = listed(path, "meeting", "list")
    assert meeting["id"] in out and meeting["status"] == "open"
    assert meeting["attendees"] == "p_head, p_steer"
    ok(path, "decision", "add", meeting["id"], "--as", "p_steer", "--text", "Keep going")
    ok(
        path,
        "decision",
        "add",
        meeting["id"],
        "--as",
        "p_steer",
        "--text",
        "Simplify the bill",
        "--goal",
        "g_store",
        "--owner",
        "p_head",
        "--due",
        "2027-01-31",
    )
    decisions = listed(path, "decision", "list", meeting["id"])
    assert [d["text"] for d in decisions] == ["Keep going", "Simplify the bill"]
    assert decisions[1]["team"] == "Billing"  # the owner's team, not the goal's (Retail Stores)
    assert decisions[1]["owner"] == "Dana Lee" and decisions[1]["status"] == "open"

    assert "--yes" in refused(path, "meeting", "close", meeting["id"], "--as", "p_steer")
    ok(path, "meeting", "close", meeting["id"], "--as", "p_steer", "--yes")
    assert listed(path, "meeting", "list")[0]["status"] == "closed"
    reason = refused(path, "decision", "add", meeting["id"], "--as", "p_steer", "--text", "Late")
    assert "closed" in reason
    assert {e["actor"] for e in audited(path, "meetings")} == {"Sam Steer (p_steer)"}
    assert {e["actor"] for e in audited(path, "decisions")} == {"Sam Steer (p_steer)"}


def test_members_and_heads_may_not_run_meetings_and_nothing_changes(path: Path) -> None:
    refused(path, "meeting", "start", "--as", "p_head", "--title", "Mine")
    ok(path, "meeting", "start", "--as", "p_steer", "--title", "Theirs")
    (meeting,) = listed(path, "meeting", "list")
    reason = refused(path, "decision", "add", meeting["id"], "--as", "p_member", "--text", "No")
    assert "Mia Member" in reason and "may not change decisions" in reason
    refused(path, "meeting", "close", meeting["id"], "--as", "p_member", "--yes")
    assert listed(path, "decision", "list", meeting["id"]) == []
    assert listed(path, "meeting", "list")[0]["status"] == "open"
    half = ("--goal", "g_bill", "--owner", "p_head")  # no --due
    assert "--due" in refused(
        path, "decision", "add", meeting["id"], "--as", "p_steer", "--text", "X", *half
    )
    assert listed(path, "decision", "list", meeting["id"]) == []
