"""The coordinator's pages in Spanish at 1280 and 360 px: longer words clip nothing, axe clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Cast, LiveServer
from tests.browser.helpers import PHONE
from tests.browser.test_coordinator_screens import DESKTOP, STAFF_PAGES, check


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "360"])
def test_staff_pages_in_spanish_fit_and_pass_axe(
    size, live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    page.set_viewport_size(size)
    context.add_cookies(
        [*session_cookies("staff"), {"name": "lang", "value": "es", "url": live_server.url}]
    )
    for path in [*STAFF_PAGES, "/staff/reports", "/staff/in-person", "/staff/matches"]:
        page.goto(live_server.url + path.format(cast=cast))
        expect(page.locator("html")).to_have_attribute("lang", "es")
        check(page)
    page.goto(f"{live_server.url}/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Panel")
