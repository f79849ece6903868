"""The steering pages in a real browser: the overview and journey map draw their charts, and
every page is screenshotted at 1440×900 under artifacts/screenshots/ (not committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import Server, screenshot, settled, visit, wait_ready
from ui import navigation

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser
STEERING, ADMIN = "p-mktg-1", "p-itplat-1"
PLOT = '[data-testid="stPlotlyChart"] .main-svg'


def test_overview_draws_the_quadrant_chart(demo_server: Server, wide) -> None:  # noqa: ANN001
    visit(wide, demo_server, "overview", STEERING)
    wide.wait_for_selector(PLOT)
    chart = wide.locator('[data-testid="stPlotlyChart"]').first
    assert "Performing" in chart.inner_text() and "Siloed" in chart.inner_text()
    assert wide.locator(".scatterlayer .point").count() >= 16  # one bubble per team


def test_journey_map_draws_stages_and_silo_marks(demo_server: Server, wide) -> None:  # noqa: ANN001
    visit(wide, demo_server, "journey", STEERING)
    wide.wait_for_selector(PLOT)
    text = wide.locator('[data-testid="stPlotlyChart"]').first.inner_text()
    assert "Front-stage" in text and "Back-stage" in text
    assert "Unbridged stage" in text and "Orphan touchpoint" in text


PAGES = [(e.url_path, STEERING) for e in navigation.available("steering")] + [
    (e.url_path, ADMIN)
    for e in navigation.available("admin")
    if e not in navigation.available("steering")
]


@pytest.mark.parametrize(("url_path", "person"), PAGES, ids=[p for p, _ in PAGES])
def test_screenshot_of_every_page(demo_server: Server, wide, url_path: str, person: str) -> None:  # noqa: ANN001
    visit(wide, demo_server, url_path, person)
    if wide.locator('[data-testid="stPlotlyChart"]').count():
        wide.wait_for_selector(PLOT, state="attached")
    assert not wide.locator('[data-testid="stException"]').count(), f"{url_path} raised"
    shot: Path = screenshot(wide, f"page-{url_path}")
    assert shot.stat().st_size > 10_000


NOT_FOUND = '[role="dialog"]:has-text("Page not found")'


@pytest.mark.parametrize(
    ("url_path", "person", "title"),
    [
        ("overview", STEERING, "Overview"),  # the steering committee's landing page
        ("journey", STEERING, "Journey map"),
        ("my_work", "p-bbcare-0", "My work"),  # a head's landing page
    ],
)
def test_a_page_address_opens_that_page_without_a_not_found_dialog(
    demo_server: Server,
    wide,  # noqa: ANN001
    url_path: str,
    person: str,
    title: str,
) -> None:
    """A link to a page, the person's own landing page included, opens it in a new
    browser session with nothing over it, and keeps its address."""
    wide.goto(f"{demo_server.url}/{url_path}?as={person}")
    settled(wide)
    assert wide.locator("h1").first.inner_text() == title
    assert wide.locator(NOT_FOUND).count() == 0
    assert f"/{url_path}" in wide.url


def test_the_root_address_opens_the_landing_page_under_its_own_address(
    demo_server: Server,
    wide,  # noqa: ANN001
) -> None:
    wide.goto(f"{demo_server.url}/?as={STEERING}")
    wide.wait_for_url("**/overview*")
    settled(wide)
    assert wide.locator("h1").first.inner_text() == "Overview"
    current = wide.locator('[data-testid="stSidebarNav"] a[aria-current="page"]')
    assert "Overview" in current.inner_text()


def test_a_page_opened_before_signing_in_is_shown_after_signing_in(
    demo_server: Server,
    wide,  # noqa: ANN001
) -> None:
    wide.goto(f"{demo_server.url}/journey")
    wait_ready(wide)
    assert wide.locator("h1").first.inner_text() == "Sign in to CXOS"
    assert wide.locator(NOT_FOUND).count() == 0
    wide.get_by_text("— steering").first.click()
    wide.get_by_role("button", name="Continue").click()
    wide.wait_for_selector("h1:has-text('Journey map')")
    settled(wide)
    assert "/journey" in wide.url and wide.locator(NOT_FOUND).count() == 0
