"""The coordinator's pages at 1280 and 360 px: nothing clipped, charts legible, axe clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Cast, LiveServer
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, axe_problems

DESKTOP = {"width": 1280, "height": 900}
STAFF_PAGES = [
    "/staff/",
    "/staff/mentors",
    "/staff/mentors?stage=ready&sort=waiting",
    "/staff/mentors/{cast.certified_id}",
    "/staff/audit",
    "/staff/matches/new",
]

CLIPPED_CELLS = """() => {
  const clipped = [];
  for (const cell of document.querySelectorAll('table.stack td')) {
    const box = cell.getBoundingClientRect();
    if (box.width === 0 || box.right > innerWidth + 0.5 || box.left < -0.5) {
      clipped.push(`${cell.dataset.label || cell.outerHTML.slice(0, 60)}: ${box.left}-${box.right}`);
    }
  }
  return clipped;
}"""

CHART_TEXT_SIZES = """() => [...document.querySelectorAll('svg.chart text')].map(text => {
  const scale = text.ownerSVGElement.getScreenCTM().a;
  return parseFloat(getComputedStyle(text).fontSize) * scale;
})"""


def check(page: Page) -> None:
    expect(page.locator("h1")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert page.evaluate(CLIPPED_CELLS) == []
    assert axe_problems(page) == []


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "360"])
def test_staff_pages_show_every_column_and_legible_charts(
    size, live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    page.set_viewport_size(size)
    context.add_cookies(session_cookies("staff"))
    for path in STAFF_PAGES:
        page.goto(live_server.url + path.format(cast=cast))
        check(page)
    page.goto(f"{live_server.url}/staff/reports")
    check(page)
    sizes = page.evaluate(CHART_TEXT_SIZES)
    assert sizes and min(sizes) >= 12, sizes
    if size == PHONE:
        expect(page.get_by_text("Scroll sideways to see the whole chart.").first).to_be_visible()
        # The roster is a card per mentor, each value named.
        page.goto(f"{live_server.url}/staff/mentors")
        matched = page.locator("table.stack td[data-label=Matched]").first
        matched.scroll_into_view_if_needed()
        expect(matched).to_be_in_viewport()

    # Deactivating asks on a page of its own, and the button there looks like a warning.
    page.goto(f"{live_server.url}/staff/mentors/{cast.newcomer_id}")
    page.get_by_text("Change mentor type or account status").click()
    page.get_by_role("button", name="Deactivate account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deactivate")
    check(page)
    danger = page.get_by_role("button", name="Yes, deactivate")
    colours = danger.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(161, 38, 43)"]
    page.get_by_role("link", name="Cancel and go back").click()
    expect(page.get_by_text("Account").first).to_be_visible()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "360"])
def test_the_accounts_page_shows_actions_and_distinct_dangerous_buttons(
    size, live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    page.set_viewport_size(size)
    context.add_cookies(session_cookies("admin"))
    page.goto(f"{live_server.url}/admin/accounts")
    check(page)
    action = page.get_by_role("button", name="Make administrator").first
    action.scroll_into_view_if_needed()
    expect(action).to_be_in_viewport()
    primary = page.get_by_role("button", name="Add and send the invitation")
    style = "b => getComputedStyle(b).backgroundColor"
    assert action.evaluate(style) != primary.evaluate(style)
