"""Sign-in in a real browser: OIDC, password, a refused password, and per-team controls."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import werkzeug.serving
from playwright.sync_api import expect

from tests.browser.conftest import (
    PASSWORD,
    free_port,
    screenshot,
    sign_in_with_password,
    wait_ready,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def oidc_provider() -> Iterator[str]:
    """A local OIDC provider (oidc-provider-mock) with Dana Lee as a predefined user."""
    import oidc_provider_mock

    app = oidc_provider_mock.app(
        user_claims=[
            oidc_provider_mock.User(
                sub="dana", claims={"email": "head@example.com", "name": "Dana Lee"}
            )
        ]
    )
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_oidc_sign_in(page, fresh_server, oidc_provider: str) -> None:  # noqa: ANN001
    port = free_port()
    secrets = f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-that-is-long-enough-0123456789"
client_id = "cxos-test"
client_secret = "cxos-test-secret"
server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"
"""
    server = fresh_server(auth="oidc", secrets=secrets, port=port)
    page.goto(server.url)
    wait_ready(page)
    page.get_by_role("button", name="Sign in with your organisation account").click()
    page.get_by_role("button", name="dana").click()  # the provider's predefined user
    expect(page.get_by_text("Signed in as Dana Lee")).to_be_visible()
    wait_ready(page)
    screenshot(page, "oidc-signed-in")


def test_password_sign_in(page, password_server) -> None:  # noqa: ANN001
    sign_in_with_password(page, password_server.url, "head@example.com", PASSWORD)
    expect(page.get_by_text("Signed in as Dana Lee")).to_be_visible()
    wait_ready(page)
    screenshot(page, "password-signed-in")


def test_wrong_password_is_refused(page, password_server) -> None:  # noqa: ANN001
    sign_in_with_password(page, password_server.url, "head@example.com", "not the password")
    expect(page.get_by_text("Wrong email or password")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    screenshot(page, "password-refused")


def _choose(page, key: str, option: str) -> None:  # noqa: ANN001
    page.locator(f".st-key-{key}").get_by_role("combobox").click()
    page.get_by_role("option", name=option).click()


def test_head_sees_edit_controls_only_for_own_team(page, password_server) -> None:  # noqa: ANN001
    sign_in_with_password(page, password_server.url, "head@example.com", PASSWORD)
    expect(page.get_by_text("Signed in as Dana Lee")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Team goals").click()
    new_goal = page.get_by_test_id("stExpander").filter(has_text="New goal")
    expect(new_goal).to_be_visible()
    page.get_by_test_id("stExpander").filter(has_text="Bills people understand").click()
    save_goal = page.get_by_role("button", name="Save goal")
    expect(save_goal.first).to_be_visible()
    wait_ready(page)
    screenshot(page, "head-own-team")
    _choose(page, "teamgoals_team", "Retail Stores")
    expect(page.get_by_text("You can read these goals")).to_be_visible()
    expect(page.get_by_text("Helpful store visits")).to_be_visible()
    expect(new_goal).to_have_count(0)
    expect(save_goal).to_have_count(0)
    screenshot(page, "head-other-team")


def test_repeated_wrong_passwords_pause_the_account(page, fresh_server) -> None:  # noqa: ANN001
    # Its own server and file: the shared one's accounts must stay usable for other tests.
    server = fresh_server(auth="password")
    for _ in range(5):
        sign_in_with_password(page, server.url, "member@example.com", "not the password")
        expect(page.get_by_text("Wrong email or password")).to_be_visible()
    sign_in_with_password(page, server.url, "member@example.com", PASSWORD)
    expect(page.get_by_text("Too many wrong passwords for this account")).to_be_visible()
    expect(page.get_by_text("Try again after")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    screenshot(page, "password-throttled")
