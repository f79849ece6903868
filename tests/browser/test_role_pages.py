"""A page of another role, opened by its address, says which role it needs (issue 20).

Streamlit showed its own "Page not found … Running the app's main page" dialog for an
address outside the person's navigation; that dialog is drawn by the browser, so only a
real browser shows it is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cxos.storage import Database
from tests.browser.conftest import Server, screenshot, start_server, wait_ready
from tests.sample import load_sample

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_sample(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("role-pages")
    path = tmp / "cxos.duckdb"
    load_sample(Database(path), demo=True)
    server = start_server(tmp, path, "demo")
    yield server
    server.stop()


def test_steering_opening_an_admin_address_is_told_the_role_it_needs(
    page, demo_sample: Server
) -> None:  # noqa: ANN001
    page.goto(f"{demo_sample.url}/admin_people?as=p_steer")
    wait_ready(page)
    expect(page.get_by_text("This page is for administrators")).to_be_visible()
    expect(page.get_by_text("Sam Steer, a member of the steering committee")).to_be_visible()
    expect(page.locator('[role="dialog"]:has-text("Page not found")')).to_have_count(0)
    assert "/admin_people" in page.url
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Overview")).to_be_visible()
    expect(nav.get_by_text("People & accounts")).to_have_count(0)  # still not offered
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    screenshot(page, "steering-admin_people")
