"""Two app replicas, the command line and the API on one PostgreSQL database.

A head checks in on replica A in a real browser; replica B, a separate `streamlit run`
process with its own mirror of the database, shows the check-in on its next rerun. Then a
reading posted by the command line and one posted through the HTTP API show on B too.
Needs the test server (CXOS_TEST_POSTGRES) and Chromium, like every browser test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxos.demo import company
from cxos.storage import Database
from cxos.work.my_work import my_work
from tests.browser.conftest import Server, free_port, screenshot, start_server, wait_ready
from tests.conftest import new_postgres_database

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
HEAD = "p-logis-0"  # the head of Logistics: check-ins and readings due in the demo


@pytest.fixture(scope="module")
def shared_database() -> Iterator[str]:
    url, drop = new_postgres_database()
    company.load(Database(url), as_of=dt.date.today())
    try:
        yield url
    finally:
        Database(url, upgrade=False).close()
        drop()


@pytest.fixture(scope="module")
def replicas(
    shared_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    tmp = tmp_path_factory.mktemp("replicas")
    first = start_server(tmp, shared_database, "demo")  # type: ignore[arg-type]
    try:
        second = start_server(tmp, shared_database, "demo")  # type: ignore[arg-type]
    except BaseException:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


@pytest.fixture(scope="module")
def api(
    shared_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """`python -m cxos api` on the same database, with an ingest token."""
    env = {**os.environ, "CXOS_DB": shared_database}
    made = subprocess.run(
        [sys.executable, "-m", "cxos", "token", "create", "--name", "replica-test",
         "--scope", "ingest"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    log = (tmp_path_factory.mktemp("api") / "api.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "cxos", "api", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/docs", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API did not start") from None
            time.sleep(0.2)
    yield url, token
    process.terminate()
    process.wait(timeout=10)


def _due(page, heading: str) -> int:  # noqa: ANN001
    found = page.get_by_role("heading", name=re.compile(rf"^{heading} \(\d+\)"))
    if found.count() == 0:
        return 0
    return int(re.search(r"\((\d+)\)", found.first.inner_text()).group(1))  # type: ignore[union-attr]


def _open_my_work(page, server: Server) -> None:  # noqa: ANN001
    page.goto(f"{server.url}/?as={HEAD}")
    page.get_by_role("heading", name="My work").wait_for(timeout=30_000)
    wait_ready(page)  # the lists are drawn after the title; an empty list has no heading


def _post_reading(api: tuple[str, str], metric_id: str) -> None:
    url, token = api
    body = {"readings": [{"metric_id": metric_id, "value": 7, "as_of": str(dt.date.today())}]}
    request = urllib.request.Request(
        url + "/v1/readings",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.status == 200


def test_a_check_in_on_one_replica_shows_on_the_other(
    replicas: tuple[Server, Server],
    shared_database: str,
    api: tuple[str, str],
    browser,  # noqa: ANN001 - Playwright's Browser
) -> None:
    first, second = replicas
    work = my_work(Database(shared_database), HEAD, dt.date.today())
    action = work.of_kind("check_in_due")[0]
    by_cli, by_api = work.of_kind("metric_due")[:2]

    watcher = browser.new_page(viewport={"width": 1400, "height": 1000})
    _open_my_work(watcher, second)
    checks_before, metrics_before = (
        _due(watcher, "Check-ins due"),
        _due(watcher, "Metrics past cadence"),
    )

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _open_my_work(page, first)
    key = f"mywork_check_in_due_{action.item_id}"
    page.locator("summary").filter(has_text=action.title[:40]).nth(1).click()
    page.locator(f".st-key-{key}_note textarea").fill("Checked in on replica A")
    page.locator(f".st-key-{key}_save button").click()
    page.get_by_text(f"Checked in on '{action.title}'").wait_for(timeout=20_000)

    _open_my_work(watcher, second)  # replica B's next run
    assert _due(watcher, "Check-ins due") == checks_before - 1

    done = subprocess.run(
        [sys.executable, "-m", "cxos", "reading", by_cli.item_id, "7",
         "--as", HEAD],
        cwd=ROOT, env={**os.environ, "CXOS_DB": shared_database},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    _post_reading(api, by_api.item_id)
    _open_my_work(watcher, second)
    screenshot(watcher, "postgres-replica-b-after")
    assert _due(watcher, "Metrics past cadence") == metrics_before - 2
    page.close()
    watcher.close()
