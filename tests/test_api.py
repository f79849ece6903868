"""The HTTP API through FastAPI's test client: every endpoint, scope and error.

Real components throughout: a real DuckDB file holding the sample organisation, tokens
made by `cxos.identity.tokens`, the command line run as a subprocess to compare columns.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxos.api import create_app
from cxos.identity import audit, permissions, tokens
from cxos.scoring.config import ApiLimits
from cxos.storage import Database
from tests.sample import load_sample

pytestmark = pytest.mark.both_stores

TODAY = dt.date.today()
DAY = "2026-06-10"


@pytest.fixture
def sample(db: Database) -> Database:
    return load_sample(db)


def _token(db: Database, name: str, scope: str, **kw: Any) -> str:
    token, _ = tokens.create_token(db, permissions.OPERATOR, name, scope, **kw)
    return token


def _client(db: Database, limits: ApiLimits | None = None) -> TestClient:
    return TestClient(create_app(db.target, limits), raise_server_exceptions=False)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(sample: Database) -> TestClient:
    return _client(sample)


def _readings(db: Database) -> list[dict[str, Any]]:
    return db.rows("SELECT * FROM metric_readings ORDER BY metric_id, as_of")


def _audit_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM audit_log"))


# -- readings ------------------------------------------------------------------------------


def test_an_ingest_token_posts_readings_stored_as_api_and_audited_under_its_name(
    sample: Database, api: TestClient
) -> None:
    token = _token(sample, "survey-sync", "ingest")
    body = {
        "readings": [
            {"metric_id": "m_bill", "value": 66, "as_of": DAY},
            {"metric_id": "m_store", "value": 12.5, "as_of": DAY},
        ]
    }
    answer = api.post("/v1/readings", json=body, headers=_auth(token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 2
    stored = {(r["metric_id"], str(r["as_of"])): r for r in _readings(sample)}
    assert stored[("m_bill", DAY)]["value"] == 66
    assert stored[("m_bill", DAY)]["source"] == "api"
    assert stored[("m_bill", DAY)]["entered_by"] == "@token:survey-sync"
    entries = audit.entries(sample, entity="metric_readings")
    whos = {e.who for e in entries if e.entity_id and e.entity_id.endswith(DAY)}
    assert whos == {"API token survey-sync"}


def test_the_same_batch_posted_twice_is_stored_once(sample: Database, api: TestClient) -> None:
    token = _token(sample, "bi", "ingest")
    body = {"readings": [{"metric_id": "m_bill", "value": 70, "as_of": DAY}]}
    first = api.post("/v1/readings", json=body, headers=_auth(token))
    rows, entries = _readings(sample), _audit_count(sample)
    again = api.post("/v1/readings", json=body, headers=_auth(token))
    assert first.json()["stored"] == 1
    assert again.status_code == 200
    assert again.json() == {
        **first.json(),
        "stored": 0,
        "unchanged": 1,
        "readings": [{**first.json()["readings"][0], "repeated": True}],
    }
    assert _readings(sample) == rows
    assert _audit_count(sample) == entries


def test_a_batch_is_all_or_nothing_and_names_each_bad_item(
    sample: Database, api: TestClient
) -> None:
    token = _token(sample, "bi", "ingest")
    before = _readings(sample)
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    body = {
        "readings": [
            {"metric_id": "m_bill", "value": 71, "as_of": DAY},
            {"metric_id": "m_nope", "value": 1, "as_of": DAY},
            {"metric_id": "m_store", "value": 1, "as_of": future},
        ]
    }
    answer = api.post("/v1/readings", json=body, headers=_auth(token))
    assert answer.status_code == 422
    items = {i["index"]: i for i in answer.json()["items"]}
    assert set(items) == {1, 2}
    assert items[1]["field"] == "metric_id" and "m_nope" in items[1]["message"]
    assert items[2]["field"] == "as_of" and "future" in items[2]["message"]
    assert _readings(sample) == before


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"metric_id": "m_bill", "value": "lots", "as_of": DAY}, "value"),
        ({"metric_id": "m_bill", "value": 1, "as_of": "10/06/2026"}, "as_of"),
        ({"metric_id": "m_bill", "value": 1}, "as_of"),
        ({"metric_id": "x" * 101, "value": 1, "as_of": DAY}, "metric_id"),
        ({"metric_id": "m\x07", "value": 1, "as_of": DAY}, "metric_id"),
        ({"metric_id": "m_bill", "value": 1, "as_of": DAY, "colour": "red"}, "colour"),
    ],
)
def test_a_malformed_item_is_422_with_its_index_and_field(
    sample: Database, api: TestClient, item: dict[str, Any], field: str
) -> None:
    token = _token(sample, "bi", "ingest")
    good = {"metric_id": "m_bill", "value": 1, "as_of": DAY}
    answer = api.post("/v1/readings", json={"readings": [good, item]}, headers=_auth(token))
    assert answer.status_code == 422
    assert [(i["index"], i["field"]) for i in answer.json()["items"]] == [(1, field)]
    assert "Traceback" not in answer.text


def test_a_body_that_is_not_json_or_empty_is_422(sample: Database, api: TestClient) -> None:
    token = _token(sample, "bi", "ingest")
    broken = api.post(
        "/v1/readings",
        content=b"{not json",
        headers={**_auth(token), "Content-Type": "application/json"},
    )
    empty = api.post("/v1/readings", json={"readings": []}, headers=_auth(token))
    assert broken.status_code == empty.status_code == 422
    assert empty.json()["items"][0]["field"] == "readings"


# -- scopes --------------------------------------------------------------------------------


def test_a_read_token_cannot_write(sample: Database, api: TestClient) -> None:
    token = _token(sample, "dash", "read")
    body = {"readings": [{"metric_id": "m_bill", "value": 66, "as_of": DAY}]}
    answer = api.post("/v1/readings", json=body, headers=_auth(token))
    assert answer.status_code == 403
    assert "may not change metric readings" in answer.json()["items"][0]["message"]
    assert api.get("/v1/scores", headers=_auth(token)).status_code == 200


def test_a_team_token_writes_for_its_own_team_only(sample: Database, api: TestClient) -> None:
    token = _token(sample, "billing-bi", "team:t_billing")
    own = {"readings": [{"metric_id": "m_bill", "value": 66, "as_of": DAY}]}
    other = {
        "readings": [
            {"metric_id": "m_bill", "value": 67, "as_of": DAY},
            {"metric_id": "m_store", "value": 20, "as_of": DAY},
        ]
    }
    assert api.post("/v1/readings", json=own, headers=_auth(token)).status_code == 200
    refused = api.post("/v1/readings", json=other, headers=_auth(token))
    assert refused.status_code == 403
    assert [(i["index"], i["message"]) for i in refused.json()["items"]] == [
        (
            1,
            "API token 'billing-bi' (scope team:t_billing) may not change metric readings of "
            "Retail Stores; nothing was changed",
        )
    ]
    assert {r["value"] for r in _readings(sample) if str(r["as_of"]) == DAY} == {66}
    check_in = {"check_ins": [{"action_id": "a_bill", "status": "in_progress", "progress": 30}]}
    done = api.post("/v1/check-ins", json=check_in, headers=_auth(token))
    assert done.status_code == 200, done.text
    store = {"check_ins": [{"action_id": "a_store", "status": "in_progress", "progress": 50}]}
    assert api.post("/v1/check-ins", json=store, headers=_auth(token)).status_code == 403


def test_an_ingest_token_writes_readings_and_feedback_only(
    sample: Database, api: TestClient
) -> None:
    token = _token(sample, "survey", "ingest")
    check_in = {"check_ins": [{"action_id": "a_bill", "status": "in_progress"}]}
    assert api.post("/v1/check-ins", json=check_in, headers=_auth(token)).status_code == 403
    refused = api.get("/v1/scores", headers=_auth(token))
    assert refused.status_code == 403 and "ingest-only" in refused.json()["error"]


# -- feedback and check-ins ---------------------------------------------------------------------


def test_feedback_is_routed_to_the_team_owning_its_touchpoint_or_stage(
    sample: Database, api: TestClient
) -> None:
    token = _token(sample, "tickets", "ingest")
    body = {
        "feedback": [
            {
                "id": "zen-1",
                "received_on": DAY,
                "stage_id": "s2",
                "sentiment": "negative",
                "text": "Bill was **confusing** <b>x</b>",
            },
            {
                "id": "zen-2",
                "received_on": DAY,
                "touchpoint_id": "tp1",
                "stage_id": "s1",
                "sentiment": "positive",
                "text": "Nice store",
            },
        ]
    }
    answer = api.post("/v1/feedback", json=body, headers=_auth(token))
    assert answer.status_code == 200, answer.text
    rows = {r["id"]: r for r in sample.rows("SELECT * FROM feedback")}
    assert rows["zen-1"]["team_id"] == "t_billing"
    assert rows["zen-1"]["text"] == "Bill was **confusing** <b>x</b>"
    assert rows["zen-2"]["team_id"] == "t_stores"
    again = api.post("/v1/feedback", json=body, headers=_auth(token))
    assert again.json()["stored"] == 0 and again.json()["unchanged"] == 2
    changed = {"feedback": [{**body["feedback"][0], "text": "another text"}]}
    clash = api.post("/v1/feedback", json=changed, headers=_auth(token))
    assert clash.status_code == 409
    assert clash.json()["items"][0]["field"] == "text"


def test_feedback_is_judged_by_the_imports_checks(sample: Database, api: TestClient) -> None:
    token = _token(sample, "tickets", "ingest")
    bad = {
        "feedback": [
            {"received_on": DAY, "stage_id": "s9", "sentiment": "negative", "text": "x"},
            {
                "received_on": DAY,
                "stage_id": "s2",
                "team_id": "t_stores",
                "sentiment": "negative",
                "text": "x",
            },
            {"received_on": DAY, "stage_id": "s2", "sentiment": "angry", "text": "x"},
            {"received_on": DAY, "stage_id": "s2", "sentiment": "negative", "text": "y" * 10_001},
        ]
    }
    answer = api.post("/v1/feedback", json=bad, headers=_auth(token))
    assert answer.status_code == 422
    fields = {i["index"]: i["field"] for i in answer.json()["items"]}
    assert fields == {2: "sentiment", 3: "text"}  # the shape first, before the database
    answer = api.post("/v1/feedback", json={"feedback": bad["feedback"][:2]}, headers=_auth(token))
    items = {i["index"]: i for i in answer.json()["items"]}
    assert items[0]["field"] == "stage_id"
    assert items[1]["field"] == "team_id" and "owns no touchpoint" in items[1]["message"]
    assert sample.scalar("SELECT count(*) FROM feedback") == 0


def test_check_ins_follow_the_forms_rules(sample: Database, api: TestClient) -> None:
    token = _token(sample, "billing", "team:t_billing")
    blocked = {"check_ins": [{"action_id": "a_bill", "status": "blocked"}]}
    answer = api.post("/v1/check-ins", json=blocked, headers=_auth(token))
    assert answer.status_code == 422
    assert answer.json()["items"] == [
        {
            "index": 0,
            "field": "note",
            "message": "a blocked action needs a note: why, and what help is needed",
        }
    ]
    stale = {"check_ins": [{"action_id": "a_bill", "status": "open", "expected_version": 99}]}
    assert api.post("/v1/check-ins", json=stale, headers=_auth(token)).status_code == 409


# -- out: the command line's columns ------------------------------------------------------------


def _cli_json(db: Database, *args: str) -> Any:
    env = {**os.environ, "CXOS_DB": str(db.target)}
    db.close()
    done = subprocess.run(
        [sys.executable, "-m", "cxos", *args, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("path", "cli"),
    [
        (f"/v1/scores?as_of={DAY}", ("scores", "--as-of", DAY)),
        (f"/v1/signals?as_of={DAY}", ("signals", "--as-of", DAY)),
        (f"/v1/goals?as_of={DAY}", ("goals", "--as-of", DAY)),
        (f"/v1/work?person=p_head&as_of={DAY}", ("work", "--person", "p_head", "--as-of", DAY)),
        (f"/v1/teams/t_billing/explanation?as_of={DAY}", ("explain", "t_billing", "--as-of", DAY)),
        (f"/v1/opportunities?as_of={DAY}", ("opportunities", "--as-of", DAY)),
    ],
)
def test_what_flows_out_has_the_command_lines_json(
    sample: Database, api: TestClient, path: str, cli: tuple[str, ...]
) -> None:
    token = _token(sample, "dash", "read")
    answer = api.get(path, headers=_auth(token))
    assert answer.status_code == 200, answer.text
    assert answer.json() == _cli_json(sample, *cli)
    assert answer.json()  # something to compare


def test_unknown_team_or_person_is_404(sample: Database, api: TestClient) -> None:
    token = _token(sample, "dash", "read")
    team = api.get("/v1/teams/t_nope/explanation", headers=_auth(token))
    person = api.get("/v1/work?person=p_nope", headers=_auth(token))
    assert team.status_code == person.status_code == 404
    assert "t_nope" in team.json()["error"] and "p_nope" in person.json()["error"]
    assert api.get("/v1/nothing", headers=_auth(token)).status_code == 404


# -- tokens, limits and the service ---------------------------------------------------------------


def test_missing_unknown_revoked_and_expired_tokens_are_401(
    sample: Database, api: TestClient
) -> None:
    revoked = _token(sample, "old", "read")
    tokens.revoke_token(sample, permissions.OPERATOR, "old")
    today = dt.date.today()  # a token may not be made already expired, so today's own date
    expired = _token(sample, "short", "read", expires_on=today)
    sample.write(
        lambda con: con.execute(
            "UPDATE api_tokens SET expires_on = ? WHERE name = 'short'",
            [today - dt.timedelta(days=1)],
        )
    )
    for headers in (
        {},
        _auth("cxos_guessed"),
        _auth(revoked),
        _auth(expired),
        {"Authorization": "Basic eDp5"},
    ):
        answer = api.get("/v1/scores", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert "error" in answer.json()
    assert "revoked" in api.get("/v1/scores", headers=_auth(revoked)).json()["error"]


def test_tokens_are_stored_hashed_and_record_their_last_use(
    sample: Database, api: TestClient
) -> None:
    token = _token(sample, "dash", "read")
    row = sample.rows("SELECT * FROM api_tokens")[0]
    assert token not in json.dumps(row, default=str)
    assert row["token_hash"] == tokens.hash_token(token) and row["last_used_at"] is None
    api.get("/v1/signals", headers=_auth(token))
    assert tokens.list_tokens(sample)[0].last_used_at is not None


def test_only_an_administrator_creates_tokens(sample: Database) -> None:
    with pytest.raises(permissions.PermissionDenied, match="may not change API tokens"):
        tokens.create_token(sample, "p_head", "mine", "read")
    with pytest.raises(tokens.InvalidInput, match="scope"):
        tokens.create_token(sample, "p_admin", "x", "write")
    with pytest.raises(tokens.NotFound, match="t_nope"):
        tokens.create_token(sample, "p_admin", "x", "team:t_nope")
    tokens.create_token(sample, "p_admin", "x", "read")
    with pytest.raises(tokens.InvalidInput, match="already a token named"):
        tokens.create_token(sample, "p_admin", "x", "read")


def test_a_body_over_the_limit_is_413(sample: Database) -> None:
    token = _token(sample, "bi", "ingest")
    api = _client(sample, ApiLimits(max_body_bytes=2_000, max_items=3))
    many = {"readings": [{"metric_id": "m_bill", "value": i, "as_of": DAY} for i in range(40)]}
    answer = api.post("/v1/readings", json=many, headers=_auth(token))
    assert answer.status_code == 413 and "larger than 2,000 bytes" in answer.json()["error"]
    four = {"readings": many["readings"][:4]}
    answer = api.post("/v1/readings", json=four, headers=_auth(token))
    assert answer.status_code == 413 and "at most 3 items" in answer.json()["error"]
    assert len(_readings(sample)) == 1


def test_each_token_has_its_own_rate_limit(sample: Database) -> None:
    first, second = _token(sample, "a", "read"), _token(sample, "b", "read")
    api = _client(sample, ApiLimits(requests_per_minute=1, burst=2))
    codes = [api.get("/v1/signals", headers=_auth(first)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = api.get("/v1/signals", headers=_auth(first))
    assert int(refused.headers["Retry-After"]) >= 1 and "too many" in refused.json()["error"]
    assert api.get("/v1/signals", headers=_auth(second)).status_code == 200


def test_the_openapi_document_and_interactive_docs_are_served(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    assert {
        "/v1/readings",
        "/v1/feedback",
        "/v1/check-ins",
        "/v1/scores",
        "/v1/signals",
        "/v1/teams/{team_id}/explanation",
        "/v1/work",
        "/v1/goals",
    } <= set(document["paths"])
    assert api.get("/docs").status_code == 200


# -- the command line ----------------------------------------------------------------------


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cxos", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_token_create_prints_the_token_alone_on_the_last_line(sample: Database) -> None:
    sample.close()
    made = _cli(
        sample.target,
        "token",
        "create",
        "--name",
        "crm",
        "--scope",
        "team:t_billing",
        "--expires",
        (TODAY + dt.timedelta(days=30)).isoformat(),
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.splitlines()[-1]
    assert token.startswith("cxos_") and " " not in token
    listed = json.loads(_cli(sample.target, "token", "list", "--format", "json").stdout)
    assert [(t["name"], t["scope"], t["state"]) for t in listed] == [
        ("crm", "team:t_billing", "active")
    ]
    assert token not in _cli(sample.target, "token", "list").stdout
    assert _cli(sample.target, "token", "revoke", "crm").returncode == 0
    listed = json.loads(_cli(sample.target, "token", "list", "--format", "json").stdout)
    assert listed[0]["state"] == "revoked"
    refused = _cli(
        sample.target, "token", "create", "--name", "x", "--scope", "read", "--as", "p_head"
    )
    assert refused.returncode == 1 and "may not change API tokens" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_every_call_is_logged_under_its_tokens_name(
    sample: Database, api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = _token(sample, "dash", "read")
    with caplog.at_level("INFO", logger="cxos.api"):
        api.get("/v1/signals", headers=_auth(token))
        api.post("/v1/readings", json={"readings": []}, headers=_auth(token))
        api.get("/v1/signals")
    assert [r.getMessage() for r in caplog.records if r.name == "cxos.api"] == [
        "token dash GET /v1/signals 200",
        "token dash POST /v1/readings 422",
        "token - GET /v1/signals 401",
    ]


def test_a_batch_is_taken_in_order_like_readings_sent_one_by_one(
    sample: Database, api: TestClient
) -> None:
    token = _token(sample, "bi", "ingest")
    version = sample.scalar("SELECT version FROM metrics WHERE id = 'm_bill'")
    body = {"readings": [{"metric_id": "m_bill", "value": v, "as_of": DAY} for v in (70, 71, 71)]}
    answer = api.post("/v1/readings", json=body, headers=_auth(token)).json()
    assert [(r["replaced"], r["repeated"]) for r in answer["readings"]] == [
        (None, False),
        (70, False),
        (None, True),
    ]
    assert [r["value"] for r in _readings(sample) if str(r["as_of"]) == DAY] == [71]
    assert sample.scalar("SELECT version FROM metrics WHERE id = 'm_bill'") == version + 2
    changes = [
        (e.operation, e.field, e.old_value, e.new_value)
        for e in reversed(audit.entries(sample, entity="metric_readings"))
        if e.entity_id == f"m_bill@{DAY}"
    ]
    assert changes == [
        ("create", "value", None, "70"),
        ("create", "source", None, "api"),
        ("update", "value", "70", "71"),
    ]


def test_themes_and_impact_flow_out_as_the_command_line_gives_them(db: Database) -> None:
    from tests import insights_data

    insights_data.load(db)
    client = _client(db)
    token = _token(db, "dash", "read")
    day = str(insights_data.AS_OF)
    for path, cli in (
        (f"/v1/themes?as_of={day}&level=stage", ("themes", "--as-of", day, "--level", "stage")),
        (f"/v1/impact?as_of={day}", ("impact", "--as-of", day)),
    ):
        answer = client.get(path, headers=_auth(token))
        assert answer.status_code == 200, answer.text
        assert answer.json() == _cli_json(db, *cli)
        assert answer.json()
    assert client.get("/v1/themes?level=galaxy", headers=_auth(token)).status_code == 422
