"""An administrator redraws the journey in a real browser: a stage added between two others,
given a touchpoint, shows on the journey map in its place with its owner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxos.storage import Database
from tests.browser.conftest import Server, screenshot, settled, start_server, visit
from tests.sample import load_sample

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser
ADMIN = "p_admin"
PLOT = '[data-testid="stPlotlyChart"] .main-svg'


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    """The sample organisation (journey: Compare offers, Pay the bill), demo sign-in."""
    tmp: Path = tmp_path_factory.mktemp("organisation-server")
    path = tmp / "cxos.duckdb"
    load_sample(Database(path), demo=True)
    server = start_server(tmp, path, "demo")
    yield server
    server.stop()


def _choose(page, key: str, option: str) -> None:  # noqa: ANN001
    """Pick `option`; a rerun drawn while the list is open closes it (seen on a loaded
    machine), so the list is opened again once the app has settled."""
    from playwright.sync_api import TimeoutError as Timeout

    for _ in range(3):
        settled(page)
        page.locator(f".st-key-{key}").get_by_role("combobox").click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            return
        except Timeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"{option!r} never showed in {key}")


def _submit(page, key: str, said: str) -> None:  # noqa: ANN001
    page.locator(f".st-key-{key}").get_by_role("button").click()
    page.get_by_text(said).wait_for()
    settled(page)


def test_a_stage_added_between_two_shows_in_place_with_its_owner(
    sample_server: Server,
    wide,  # noqa: ANN001
) -> None:
    visit(wide, sample_server, "admin_organisation", ADMIN)
    wide.get_by_role("tab", name="Stages").click()
    wide.locator(".st-key-admin_org_stage_new_name input").fill("Sign the contract")
    _choose(wide, "admin_org_stage_new_phase", "Buy")
    _choose(wide, "admin_org_stage_new_place", "After Compare offers")
    _submit(wide, "admin_org_stage_new_save", "Added stage Sign the contract")

    wide.get_by_role("tab", name="Touchpoints").click()
    wide.locator(".st-key-admin_org_touchpoint_new_name input").fill("Contract e-signature")
    _choose(wide, "admin_org_touchpoint_new_stage", "Household customer · Buy · Sign the contract")
    _choose(wide, "admin_org_touchpoint_new_owner", "Billing")
    _submit(wide, "admin_org_touchpoint_new_save", "Added touchpoint Contract e-signature")
    screenshot(wide, "organisation-editor-added-stage")

    visit(wide, sample_server, "journey", ADMIN)
    wide.wait_for_selector(PLOT)
    chart = wide.locator('[data-testid="stPlotlyChart"]').first
    # A tick's lines are <tspan>s of one SVG <text>: read them with a space between.
    ticks = chart.locator(".xtick text").evaluate_all(
        "els => els.map(e => [...e.querySelectorAll('tspan')].map(t => t.textContent)"
        ".join(' ') || e.textContent)"
    )
    ticks = [re.sub(r"\s+", " ", t).strip() for t in ticks]
    assert ticks == ["Compare offers", "Sign the contract", "Pay the bill"]
    cells = chart.inner_text()
    assert "Contract e-signature" in cells and "Billing" in cells
    screenshot(wide, "organisation-editor-journey-map")
