"""The browser test harness: a real `streamlit run app.py` driven by Debian's Chromium.

Each server runs on a free loopback port with its own database (`CXOS_DB`) and identity
source (`CXOS_AUTH`, optional secrets file for OIDC). Playwright drives
/usr/bin/chromium — a browser is never downloaded. Tests wait on the app's own state
(`stApp`'s `data-test-script-state`) or on the element they expect, never on sleeps.
Without chromium the tests skip, naming the install command; with CI=true they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cxos.demo import company
from cxos.identity import accounts
from cxos.storage import Database
from tests.sample import load_sample

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CXOS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running `streamlit run app.py`."""

    url: str
    db_path: Path
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(
    tmp: Path, db_path: Path, auth: str, secrets: str | None = None, port: int | None = None
) -> Server:
    """Start the app on a free port and wait until it answers its health check."""
    port = port or free_port()
    env = {**os.environ, "CXOS_DB": str(db_path), "CXOS_AUTH": auth}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
    ]
    if secrets is not None:
        secrets_file = tmp / "secrets.toml"
        secrets_file.write_text(secrets, encoding="utf-8")
        command += ["--secrets.files", str(secrets_file)]
    log = (tmp / f"streamlit-{port}.log").open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", db_path, process)
    _wait_healthy(server, tmp / f"streamlit-{port}.log")
    return server


def _wait_healthy(server: Server, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # polling the health endpoint, not waiting on the UI
    server.stop()
    raise RuntimeError(f"streamlit did not become healthy in {timeout} s:\n{log.read_text()}")


def sample_database(path: Path) -> Path:
    """The sample organisation with a password account for every persona."""
    db = load_sample(Database(path))
    for person_id in ("p_admin", "p_head", "p_member"):
        accounts.set_password(db, "p_admin", person_id, PASSWORD)
    return path


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium: skip without it, except in CI where it must be there."""
    if shutil.which(CHROMIUM) or Path(CHROMIUM).is_file():
        return CHROMIUM
    message = f"{CHROMIUM} not found; install it with: apt-get install -y chromium"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201
    """Remember each phase's report on the test item, so fixtures can see failures."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # keep what the browser showed
        screenshot(tab, f"failed-{request.node.name}")
    context.close()


@pytest.fixture(scope="module")
def password_server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    """One server in password mode over the sample organisation, shared by a module."""
    tmp = tmp_path_factory.mktemp("password-server")
    server = start_server(tmp, sample_database(tmp / "cxos.duckdb"), "password")
    yield server
    server.stop()


@pytest.fixture
def fresh_server(tmp_path: Path, chromium: str) -> Iterator[Callable[..., Server]]:
    """Start servers that live for one test (a freshly started server, nothing run yet)."""
    started: list[Server] = []

    def start(auth: str = "password", secrets: str | None = None, port: int | None = None):  # noqa: ANN202
        db_path = tmp_path / "cxos.duckdb"
        if not db_path.exists():
            sample_database(db_path)
        server = start_server(tmp_path, db_path, auth, secrets, port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    """One server on the demo company signed in by persona (`?as=`), shared by a module."""
    tmp = tmp_path_factory.mktemp("demo-server")
    path = tmp / "cxos.duckdb"
    company.load(Database(path), as_of=dt.date.today())
    server = start_server(tmp, path, "demo")
    yield server
    server.stop()


@pytest.fixture
def wide(browser) -> Iterator:  # noqa: ANN001
    """A 1440×900 tab."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(45_000)
    tab = context.new_page()
    yield tab
    context.close()


# -- helpers for tests ------------------------------------------------------------------


def wait_ready(page) -> None:  # noqa: ANN001
    """Wait until the app has connected and finished running its script."""
    page.wait_for_selector(READY, state="attached")


def screenshot(page, name: str) -> Path:  # noqa: ANN001
    """Save a full-page screenshot to artifacts/screenshots/NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in_with_password(page, url: str, login: str, password: str) -> None:  # noqa: ANN001
    """Fill and submit the password sign-in form."""
    page.goto(url)
    wait_ready(page)
    page.locator(".st-key-signin_login input").fill(login)
    page.locator(".st-key-signin_password input").fill(password)
    page.get_by_role("button", name="Sign in").click()


def visit(page, server: Server, url_path: str, person: str) -> None:  # noqa: ANN001
    """Sign in by persona on the landing page, then follow the sidebar link to the page."""
    page.goto(f"{server.url}/?as={person}")
    wait_ready(page)
    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{url_path}"]')
    if link.count():  # the landing page itself has no path of its own
        link.click()
        page.wait_for_url(f"**/{url_path}*")
    settled(page)


def settled(page) -> None:  # noqa: ANN001
    """The rerun has finished: ready, no skeletons, no stale elements left."""
    wait_ready(page)
    page.wait_for_function(
        '!document.querySelector(\'[data-testid="stSkeleton"], [data-stale="true"]\')'
    )
