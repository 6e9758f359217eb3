"""A coordinator runs the mentoring-model planner in the browser, on a laptop and on a phone:
every page passes axe, and on a phone nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, axe_problems, sign_in
from tests.services.test_planner import LOW_TRUST_ON_SITE, STEADY_ONE_TO_ONE

PASSWORD = "a coordinator plans the program with care"
LAPTOP = {"width": 1280, "height": 900}


def answer(page: Page, answers: dict[str, list[str]]) -> None:
    """Tick each answer as a person would, by its label."""
    for question, choices in answers.items():
        for choice in choices:
            page.locator(f"label[for='q-{question}-{choice}']").click()


def check_page(page: Page, phone: bool) -> None:
    assert axe_problems(page) == []
    if phone:
        assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_a_coordinator_runs_the_planner(live_server: LiveServer, page: Page, size: str) -> None:
    phone = size == "phone"
    email = f"planner-{size}@example.org"
    live_server.cli(
        "users",
        "create",
        email,
        "--name",
        f"Casey Coordinator {size.title()}",
        "--role",
        "staff",
        "--password-stdin",
        input=f"{PASSWORD}\n",
    )
    page.set_viewport_size(PHONE if phone else LAPTOP)
    sign_in(page, live_server.url, email, PASSWORD)
    page.goto(live_server.url + "/staff/")
    page.get_by_role("link", name="Planner").click()
    expect(page.get_by_role("heading", name="Mentoring-model planner")).to_be_visible()
    check_page(page, phone)

    # An incomplete questionnaire is refused, with each missing answer named and linked.
    page.get_by_role("link", name="Plan a mentoring model").click()
    answer(page, {key: value for key, value in LOW_TRUST_ON_SITE.items() if key != "drift"})
    page.get_by_role("button", name="Make the plan").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_text("Choose an answer.").first).to_be_visible()
    check_page(page, phone)

    answer(page, {"drift": LOW_TRUST_ON_SITE["drift"]})
    page.get_by_role("button", name="Make the plan").click()
    expect(page.get_by_text("Plan saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Relationship types")).to_be_visible()
    expect(page.get_by_role("heading", name="A psychoeducational group")).to_be_visible()
    expect(page.get_by_role("button", name="Adopt this plan")).to_have_count(0)
    check_page(page, phone)
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Staff")).to_be_hidden()
    page.emulate_media(media="screen")

    # A second plan, then both side by side.
    page.get_by_role("link", name="Planner").click()
    page.get_by_role("link", name="Plan a mentoring model").click()
    answer(page, STEADY_ONE_TO_ONE)
    page.get_by_role("button", name="Make the plan").click()
    expect(page.get_by_text("Plan saved.")).to_be_visible()
    page.get_by_role("link", name="Planner").click()
    for box in page.get_by_role("checkbox").all()[:2]:
        box.check()
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare plans")).to_be_visible()
    expect(page.get_by_role("cell", name="One adult, one youth")).to_be_visible()
    check_page(page, phone)
