"""An administrator fills the program profile on a laptop and on a phone, with axe clean."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import ProgramProfile
from tests.browser.conftest import Cast, LiveServer
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, axe_problems

LAPTOP = {"width": 1280, "height": 900}


@pytest.fixture
def fresh_profile(live_server: LiveServer):
    """The served app starts and ends this test without a stored profile (other tests share it)."""

    def clear() -> None:
        with live_server.app.app_context():
            db.session.execute(sa.delete(ProgramProfile))
            db.session.commit()

    clear()
    yield
    clear()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280px", "360px"])
def test_an_admin_fills_the_program_profile(
    viewport: dict,
    fresh_profile: None,
    live_server: LiveServer,
    cast: Cast,
    session_cookies,
    context,
    page: Page,
) -> None:
    page.set_viewport_size(viewport)
    context.add_cookies(session_cookies("admin"))
    page.goto(live_server.url + "/staff/")
    expect(page.get_by_role("heading", name="Program setup")).to_be_visible()
    page.get_by_role("link", name="Fill in the program profile").click()
    expect(page.get_by_role("heading", name="Program profile", level=1)).to_be_visible()
    assert axe_problems(page) == []
    assert_no_horizontal_scroll(page)

    # A mistake first: a time zone that does not exist is named beside the field.
    page.get_by_label("Time zone", exact=True).fill("Mars/Olympus")
    page.get_by_role("button", name="Save the program profile").click()
    expect(page.get_by_role("alert")).to_contain_text("is not a time zone name")
    assert axe_problems(page) == []
    assert_no_horizontal_scroll(page)

    page.get_by_label("Program name", exact=True).fill("Riverside Youth Mentoring")
    page.get_by_label("Time zone", exact=True).fill("America/Chicago")
    page.get_by_label("Coordinator's name", exact=True).fill("Dana Ortiz")
    page.get_by_label("Coordinator's role", exact=True).fill("Mentor coordinator")
    page.get_by_label("Coordinator's email address", exact=True).fill("dana@riverside.example.org")
    page.get_by_label("Coordinator's phone", exact=True).fill("555-0100")
    page.get_by_label("Who mentors tell first, and how fast", exact=True).fill(
        "Call Dana at once.\n<script>alert(1)</script>"
    )
    page.get_by_label("After-hours line", exact=True).fill("On-call line 555-0199")
    page.get_by_label("State child-abuse hotline", exact=True).fill("1-800-555-0123")
    page.get_by_label(
        "Yes: mentors are mandated reporters and must also report", exact=True
    ).check()
    page.get_by_label("Team (2 or more mentors, 2 or more youth)", exact=True).uncheck()
    page.get_by_role("button", name="Save the program profile").click()
    expect(page.get_by_role("status")).to_contain_text("The program profile is saved.")
    assert axe_problems(page) == []
    assert_no_horizontal_scroll(page)

    page.goto(live_server.url + "/staff/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("heading", name="Program setup")).to_have_count(0)
    expect(page.locator(".brand")).to_have_text("Riverside Youth Mentoring")

    context.clear_cookies()
    context.add_cookies(session_cookies("certified"))
    page.goto(live_server.url + "/modules/boundaries-safety-reporting")
    body = page.locator(".module-body")
    expect(body).to_contain_text("Tell first: Call Dana at once.")
    expect(body).to_contain_text("<script>alert(1)</script>")
    page.goto(live_server.url + "/training")
    expect(page.get_by_role("region", name="Your coordinator")).to_contain_text("Dana Ortiz")
