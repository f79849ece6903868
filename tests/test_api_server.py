"""The API as it is run: a real uvicorn process on 127.0.0.1 (`python -m cxos api`), beside
a real `streamlit run app.py` serving the same database file; and both from one process
(`uvicorn asgi:app`, Streamlit's st.App carrying the API's routes).

Readings posted through the API must appear on the app's pages, read by a session of the
running app over its websocket (as tests/test_reliability_server.py reads them), and the
example connector (examples/push_readings.py) must push a CSV through the real service.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cxos import palette
from cxos.identity import permissions, tokens
from cxos.storage import Database
from tests.sample import load_sample
from tests.test_reliability_server import (
    ROOT,
    Screen,
    Session,
    _free_port,
    _run_in_own_loop,
    _start,
)

pytestmark = pytest.mark.slow
TODAY = dt.date.today().isoformat()


@dataclass
class Api:
    url: str
    process: subprocess.Popen
    log: Path
    db_path: Path
    token: str


def _start_api(tmp: Path, db_path: Path) -> tuple[str, subprocess.Popen, Path]:
    """`python -m cxos api` on a free port of 127.0.0.1, waited for until it answers."""
    port = _free_port()
    log = tmp / "api.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "cxos", "--db", str(db_path), "api", "--port", str(port)],
        cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    _wait_for(url + "/openapi.json", process, log)
    return url, process, log


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    db_path = tmp_path / "cxos.duckdb"
    db = load_sample(Database(db_path), demo=True)
    token, _ = tokens.create_token(db, permissions.OPERATOR, "billing-bi", "team:t_billing")
    db.close()  # the servers must be able to open the file
    url, process, log = _start_api(tmp_path, db_path)
    yield Api(url, process, log, db_path, token)
    _stop(process)
    assert "Traceback" not in log.read_text(), log.read_text()


def _post(api: Api, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        api.url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_readings_posted_to_the_api_appear_on_the_running_apps_pages(
    api: Api, tmp_path: Path
) -> None:
    app = _start(tmp_path, api.db_path)
    try:
        body = {"readings": [{"metric_id": "m_bill", "value": 77.5, "as_of": TODAY}]}
        assert _post(api, "/v1/readings", body) == (200, _stored_once(TODAY))
        assert _post(api, "/v1/readings", body)[1]["unchanged"] == 1
        screens = _pages(app.port, [("progress", "as=p_head"), ("admin_audit", "as=p_admin")])
    finally:
        _stop(app.process)
    progress, audit_page = screens
    assert not progress.exceptions and not audit_page.exceptions
    last = [row["last"] for t in progress.tables for row in t.to_pylist() if "last" in row]
    assert f"77.5 on {palette.day(dt.date.fromisoformat(TODAY))}" in last
    whos = [row["who"] for t in audit_page.tables for row in t.to_pylist() if "who" in row]
    assert "API token billing-bi" in whos
    assert "Traceback" not in app.log.read_text()


def _stored_once(day: str) -> dict[str, Any]:
    reading = {"metric_id": "m_bill", "as_of": day, "value": 77.5, "replaced": None}
    return {"stored": 1, "unchanged": 0, "readings": [{**reading, "repeated": False}]}


def _pages(port: int, pages: list[tuple[str, str]]) -> list[Screen]:
    screens: list[Screen] = []

    async def scenario() -> None:
        import websockets

        async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream") as ws:
            session = Session(ws)
            for page, query in pages:
                screens.append(await session.run(page, query))

    _run_in_own_loop(scenario(), 180)
    return screens


def test_the_example_connector_pushes_a_csv_through_the_real_service(
    api: Api, tmp_path: Path
) -> None:
    days = [(dt.date.today() - dt.timedelta(days=n)).isoformat() for n in range(5)]
    csv_file = tmp_path / "readings.csv"
    csv_file.write_text(
        "metric_id,value,as_of,comment\n"
        + "".join(f"m_bill,{60 + n},{d},x\n" for n, d in enumerate(days))  # fmt: skip
    )
    env = {**os.environ, "CXOS_API_TOKEN": api.token}
    command = [sys.executable, str(ROOT / "examples" / "push_readings.py"), str(csv_file),
               "--url", api.url, "--batch", "2"]  # fmt: skip
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "5 readings stored, 0 already held"
    assert again.stdout.strip() == "0 readings stored, 5 already held"

    csv_file.write_text("metric_id,value,as_of\nm_bill,1,2026-01-01\nm_store,2,2026-01-01\n")
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    assert "error: 403" in refused.stderr
    refusal = "line 3: API token 'billing-bi' (scope team:t_billing) may not change metric"
    assert f"{refusal} readings of Retail Stores" in refused.stderr


def test_the_app_and_the_api_serve_from_one_process(tmp_path: Path) -> None:
    """`uvicorn asgi:app`: Streamlit's st.App with the API mounted under /api."""
    db_path = tmp_path / "cxos.duckdb"
    db = load_sample(Database(db_path), demo=True)
    token, _ = tokens.create_token(db, permissions.OPERATOR, "billing-bi", "team:t_billing")
    db.close()
    port = _free_port()
    log = tmp_path / "asgi.log"
    env = {**os.environ, "CXOS_DB": str(db_path), "CXOS_AUTH": "demo"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "asgi:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(url + "/_stcore/health", process, log)
        api = Api(url + "/api", process, log, db_path, token)
        body = {"readings": [{"metric_id": "m_bill", "value": 77.5, "as_of": TODAY}]}
        assert _post(api, "/v1/readings", body) == (200, _stored_once(TODAY))
        (progress,) = _pages(port, [("progress", "as=p_head")])
    finally:
        _stop(process)
    assert not progress.exceptions
    last = [row["last"] for t in progress.tables for row in t.to_pylist() if "last" in row]
    assert f"77.5 on {palette.day(dt.date.fromisoformat(TODAY))}" in last
    assert "Traceback" not in log.read_text(), log.read_text()


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer:\n{log.read_text()}")
