"""On a freshly started server, each page's URL opened without signing in shows no data.

Streamlit ran a `pages/` script by URL without `app.py` on a new server (its legacy
multipage mode), so this stays tested once per registered page, each on a new server.
Parametrised over the navigation registry.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, wait_ready
from ui import navigation

pytestmark = pytest.mark.browser

# Names from the sample organisation that must not appear before sign-in.
SECRETS = ("Billing", "Retail Stores", "Dana Lee", "Bills people understand", "Store NPS")


@pytest.mark.parametrize("entry", navigation.available(), ids=lambda e: e.url_path)
def test_page_url_without_sign_in_shows_no_data(page, fresh_server, entry) -> None:  # noqa: ANN001
    server = fresh_server()
    page.goto(f"{server.url}/{entry.url_path}")
    wait_ready(page)
    expect(page.get_by_role("heading", name="Sign in to CXOS")).to_be_visible()
    expect(page.locator('[role="dialog"]:has-text("Page not found")')).to_have_count(0)
    text = page.locator("body").inner_text()
    assert not [name for name in SECRETS if name in text]
    for test_id in ("stDataFrame", "stMetric", "stExpander", "stPlotlyChart", "stTable"):
        expect(page.get_by_test_id(test_id)).to_have_count(0)
    screenshot(page, f"unsigned-{entry.url_path}")
