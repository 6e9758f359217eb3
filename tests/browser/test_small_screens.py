"""Small screens: every page type at 360x740 fits the width and has no control under 24x24.

Controls are buttons, visible inputs, selects, textareas, disclosure summaries, links in the site
header and in any nav, and links styled as buttons. Links inside sentences are exempt, as WCAG
2.5.8 (Target Size, Minimum) exempts inline targets. Every <details> is opened first, so the
forms folded inside them are measured too.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Cast, LiveServer
from tests.browser.helpers import (
    PAGE_TYPES,
    PHONE,
    PageType,
    assert_no_horizontal_scroll,
    axe_problems,
)

MIN_TARGET = 24

UNDERSIZED_CONTROLS = """(minimum) => {
  const selector = [
    'button', 'input:not([type=hidden])', 'select', 'textarea', 'summary',
    'header a', 'nav a', 'a.button',
  ].join(', ');
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not rendered (a skip link is, off screen)
    if (box.width < minimum || box.height < minimum) {
      small.push(`${el.outerHTML.slice(0, 90)} is ${box.width.toFixed(1)}x${box.height.toFixed(1)}`);
    }
  }
  return small;
}"""


def open_every_disclosure(page: Page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")


def assert_fits_a_phone(page: Page) -> None:
    """No sideways scrolling and no control smaller than 24x24 CSS pixels."""
    open_every_disclosure(page)
    assert_no_horizontal_scroll(page)
    assert page.evaluate(UNDERSIZED_CONTROLS, MIN_TARGET) == []


@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=lambda p: p.name)
def test_every_page_type_fits_a_phone(
    page_type: PageType, live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    page.set_viewport_size(PHONE)
    page_type.open(page, context, live_server.url, cast, session_cookies)
    assert_fits_a_phone(page)
    # Tables that scroll sideways only on a phone must still be reachable by keyboard.
    assert axe_problems(page) == []


def test_every_module_fits_a_phone(
    live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    """Module texts differ (tables, long links), so each one is checked, not only the first."""
    course = live_server.app.extensions["mentor_ready.course"]
    context.add_cookies(session_cookies("certified"))
    page.set_viewport_size(PHONE)
    for module in course.ordered_modules():
        page.goto(f"{live_server.url}/modules/{module.slug}")
        expect(page.get_by_role("heading", name=module.title, level=1)).to_be_visible()
        assert_fits_a_phone(page)
        assert axe_problems(page) == [], module.slug
