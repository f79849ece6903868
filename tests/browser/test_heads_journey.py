"""A head's journey in a real browser: sign in, check in, post a reading, reload, see it.

Drives the real server (`streamlit run app.py`) on the demo company with headless
Chromium. Opt-in like every browser test: skipped without Playwright or a Chromium.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxos.demo import company
from cxos.scoring import compute_scores
from cxos.storage import Database
from cxos.work.my_work import my_work
from tests.browser.conftest import wait_ready

playwright = pytest.importorskip("playwright.sync_api")
ROOT = Path(__file__).resolve().parents[2]
# The head of Logistics: in the demo's story Broadband Care (the demo persona) has caught up
# and has nothing due, while Logistics has check-ins and readings waiting (docs/demo.md).
HEAD = "p-logis-0"
CHROMIUM = os.environ.get("CXOS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium to drive")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def heads_demo(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = Database(tmp_path_factory.mktemp("heads") / "demo.duckdb")
    company.load(db, as_of=dt.date.today())
    return db


@pytest.fixture(scope="module")
def heads_server(heads_demo: Database) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "CXOS_DB": str(heads_demo.path), "CXOS_AUTH": "demo"}
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the app did not start on port {port}")


def _count(page: object, label: str) -> int:
    heading = page.get_by_role("heading", name=re.compile(rf"^{label} \(\d+\)"))  # type: ignore[attr-defined]
    if heading.count() == 0:
        return 0
    return int(re.search(r"\((\d+)\)", heading.first.inner_text()).group(1))  # type: ignore[union-attr]


def test_head_checks_in_and_posts_a_reading(
    heads_server: str,
    heads_demo: Database,
    browser,  # noqa: ANN001 - Playwright's Browser
) -> None:
    today = dt.date.today()
    work = my_work(heads_demo, HEAD, today)
    action = work.of_kind("check_in_due")[0]
    metric = work.of_kind("metric_due")[0]
    a3_before = _a3(heads_demo, action.team_id, today)
    shots = Path(os.environ.get("CXOS_SHOTS", heads_demo.path.parent))
    # The session's browser (conftest): a second Playwright in the same thread cannot start
    # while the session's is open.
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{heads_server}/?as={HEAD}")  # a head lands on My work
    page.get_by_role("heading", name="My work").wait_for(timeout=30_000)
    # The lists are drawn after the title: count only once they are on the page.
    page.get_by_role("heading", name=re.compile("^Metrics past cadence")).wait_for()
    due_before = _count(page, "Check-ins due")
    metrics_before = _count(page, "Metrics past cadence")
    page.screenshot(path=str(shots / "my_work_before.png"), full_page=True)

    key = f"mywork_check_in_due_{action.item_id}"
    page.locator("summary").filter(has_text=action.title[:40]).nth(1).click()
    page.locator(f".st-key-{key}_status").wait_for()
    page.locator(f".st-key-{key}_note textarea").fill("Checked in from the browser test")
    page.locator(f".st-key-{key}_save button").click()
    page.get_by_text(f"Checked in on '{action.title}'").wait_for(timeout=20_000)
    # Act on the metric only once the rerun after the check-in is drawn: a click while
    # the list is being redrawn can land on an element that is then replaced.
    wait_ready(page)

    key = f"mywork_metric_due_{metric.item_id}"
    # The expander that holds this metric's form (another item's title may share words).
    holder = page.locator("details").filter(has=page.locator(f".st-key-{key}_value"))
    holder.locator("summary").first.click()
    page.locator(f".st-key-{key}_value input").fill("42")
    wait_ready(page)
    page.locator(f".st-key-{key}_save button").click()
    page.get_by_text(f"Posted 42 for '{metric.title}'").wait_for(timeout=20_000)

    page.reload()
    page.get_by_role("heading", name="My work").wait_for(timeout=30_000)
    page.get_by_role("heading", name=re.compile("^Metrics past cadence")).wait_for()
    page.screenshot(path=str(shots / "my_work_after.png"), full_page=True)
    assert _count(page, "Check-ins due") == due_before - 1
    assert _count(page, "Metrics past cadence") == metrics_before - 1
    page.close()
    assert _a3(heads_demo, action.team_id, today) > a3_before
    assert not any(
        i.item_id == action.item_id
        for i in my_work(heads_demo, HEAD, today).of_kind("check_in_due")
    )


def _a3(db: Database, team_id: str, day: dt.date) -> float:
    score = next(s for s in compute_scores(db, day) if s.team_id == team_id)
    return float(score.components["a3_cadence"] or 0.0)
