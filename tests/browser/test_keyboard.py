"""Keyboard only: sign up, open a module, take and submit a quiz with Tab, Shift+Tab, Space, Enter.

No mouse, no click(), no fill(): every move is a key press, and after every Tab or Shift+Tab the
focused element must show a focus indicator and be on screen.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import PASSWORD, mailed_link

FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    html: el.outerHTML.slice(0, 120),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    onScreen: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
  };
}"""


def assert_focus_visible(page: Page) -> None:
    """Something has focus, it is on screen, and it shows an outline or a ring."""
    state = page.evaluate(FOCUS)
    assert state is not None, "focus was lost to the page body"
    assert state["outline"] or state["shadow"], f"no visible focus indicator on {state['html']}"
    assert state["onScreen"], f"focused element is off screen: {state['html']}"


def press(page: Page, key: str) -> None:
    """Press one key; after a Tab or Shift+Tab, the new focus must be visible."""
    page.keyboard.press(key)
    if key in ("Tab", "Shift+Tab"):
        assert_focus_visible(page)


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 150) -> None:
    """Press Tab (or Shift+Tab) until `target` has focus, checking the focus ring at every stop."""
    for _ in range(limit):
        press(page, key)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{key} never reached {target}")


def test_sign_up_read_a_module_and_submit_a_quiz_by_keyboard_alone(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url + "/")
    skip = page.get_by_role("link", name="Skip to main content")
    tab_to(page, skip)
    tab_to(page, page.get_by_role("link", name="Create an account").first)
    press(page, "Enter")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()

    # An empty submission: the summary names every problem, focus goes to the first field.
    tab_to(page, page.get_by_role("button", name="Create my account"))
    press(page, "Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    name = page.get_by_label("Full name")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    assert_focus_visible(page)
    # The summary is one Shift+Tab back, and its links lead to the fields.
    press(page, "Shift+Tab")
    assert summary.locator("a").last.evaluate("el => el === document.activeElement")
    press(page, "Tab")
    expect(name).to_be_focused()

    page.keyboard.type("Kiri Tane")
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type("kiri.keyboard@example.org")
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    first_type = page.get_by_label("Community volunteer")
    tab_to(page, first_type)
    press(page, "Space")
    expect(first_type).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Create my account"))
    press(page, "Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # The emailed link, opened as from a mailbox; from there on the keyboard only again.
    email = "kiri.keyboard@example.org"
    page.goto(live_server.url + mailed_link(live_server, email, "confirm-email"))
    tab_to(page, page.get_by_role("button", name="Confirm my email address"))
    press(page, "Enter")
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    tab_to(page, page.get_by_label("Email address"))
    press(page, "Control+A")
    page.keyboard.type(email)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign in"))
    press(page, "Enter")
    expect(page.get_by_role("heading", name="My training")).to_be_visible()

    # Open the first module, skip its pre-check, mark it read.
    tab_to(page, page.get_by_role("link", name=re.compile("^Next: Read")))
    press(page, "Enter")
    expect(page.get_by_role("heading", name="Content note")).to_be_visible()
    tab_to(page, page.get_by_role("button", name="Skip the pre-check"))
    press(page, "Space")
    expect(page.get_by_role("button", name="Skip the pre-check")).to_have_count(0)
    tab_to(page, page.get_by_role("button", name="I have read this module"))
    press(page, "Enter")
    expect(page.get_by_role("link", name="Go to the quiz")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Go to the quiz"))
    press(page, "Enter")
    expect(page.get_by_role("heading", name=re.compile("^Quiz: "))).to_be_visible()

    tab_to(page, page.get_by_role("button", name="Start the quiz"))
    press(page, "Space")
    questions = page.get_by_role("group", name=re.compile(r"^Question \d+ of \d+"))
    expect(questions.first).to_be_visible()
    for index in range(questions.count()):
        first_option = questions.nth(index).locator("input").first
        tab_to(page, first_option)
        press(page, "Space")
        expect(first_option).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Submit my answers"))
    press(page, "Enter")
    expect(page.get_by_role("heading", name=re.compile("^Result: "))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Your score \d+%"))).to_be_visible()
