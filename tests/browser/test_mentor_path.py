"""A mentor's everyday path in the browser, on a laptop and a phone: the saved place in a module,
landing after "I have read this module", screening explained, and the small things."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.services import accounts, progress, quizzes
from app.web import current_course
from tests.browser.conftest import Cast, LiveServer
from tests.browser.helpers import (
    PASSWORD,
    PHONE,
    assert_no_horizontal_scroll,
    axe_problems,
    sign_in,
)
from tests.services.test_quizzes import answers_for

VIEWPORTS = [{"width": 1280, "height": 900}, PHONE]
_numbers = itertools.count(1)

# Every link in the page's main content, with its height, when shorter than 24 CSS pixels.
SHORT_LINKS = """() => [...document.querySelectorAll('main a')]
  .map(a => [a.textContent.trim().slice(0, 40), a.getBoundingClientRect().height])
  .filter(([, height]) => height > 0 && height < 24)"""


def width_id(viewport: dict[str, int]) -> str:
    return f"{viewport['width']}px"


def new_mentor(server: LiveServer) -> str:
    """A community volunteer with a confirmed account, made through the accounts service."""
    email = f"path-{next(_numbers)}@example.org"
    with server.app.app_context():
        accounts.create_account(
            db.session,
            email=email,
            name="Rosa Path",
            password=PASSWORD,
            role="mentor",
            mentor_type="community_volunteer",
        )
    return email


def assert_tidy(page: Page) -> None:
    """axe finds nothing serious, nothing scrolls sideways, every link is a 24 px target."""
    assert axe_problems(page) == []
    assert_no_horizontal_scroll(page)
    assert page.evaluate(SHORT_LINKS) == []


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=width_id)
def test_the_place_in_a_module_is_saved_and_reading_lands_on_the_quiz_link(
    viewport: dict[str, int], live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size(viewport)
    email = new_mentor(live_server)
    sign_in(page, live_server.url, email)
    with live_server.app.app_context():
        module = current_course().modules_for("community_volunteer")[0]
    sections = module.sections
    page.goto(f"{live_server.url}/modules/{module.slug}")
    expect(page.locator("#section-progress")).to_contain_text(
        f"0 of {len(sections)} sections opened"
    )
    assert_tidy(page)

    # Without script: a contents link saves the place and lands on the section.
    page.locator(".toc").get_by_role("link", name=sections[2].title, exact=True).click()
    page.wait_for_url(re.compile(rf"#{sections[2].anchor}$"))
    expect(page.locator(f"#{sections[2].anchor}")).to_be_in_viewport()

    # With script: scrolling a later section to the top saves it too.
    later = sections[5]
    with page.expect_response(
        lambda response: response.url.endswith("/position") and response.request.method == "POST"
    ) as saved:
        page.evaluate(
            "id => document.getElementById(id).scrollIntoView({block: 'start'})", later.anchor
        )
    assert saved.value.status == 204

    page.goto(f"{live_server.url}/modules/{module.slug}")
    expect(page.locator("#section-progress")).to_contain_text(
        f"2 of {len(sections)} sections opened"
    )
    expect(page.locator(".toc li", has_text=later.title)).to_contain_text("(opened)")
    continue_link = page.locator("#continue-reading")
    expect(continue_link).to_have_text(f"Continue where I left off: {later.title}")
    assert_tidy(page)
    continue_link.click()
    expect(page.locator(f"#{later.anchor}")).to_be_in_viewport()

    # My training leads back to the same place.
    page.goto(f"{live_server.url}/training")
    expect(page.get_by_role("link", name=f"Continue reading at “{later.title}”")).to_be_visible()
    next_step = page.get_by_role("link", name=re.compile("^Next: Read"))
    expect(next_step).to_have_attribute("href", f"/modules/{module.slug}#{later.anchor}")

    # "I have read this module" lands on the confirmation, beside the quiz link.
    page.goto(f"{live_server.url}/modules/{module.slug}")
    skip = page.get_by_role("button", name="Skip the pre-check")
    if skip.count():
        skip.click()
    page.get_by_role("button", name="I have read this module").click()
    page.wait_for_url(re.compile(r"#next-step$"))
    expect(page.locator("#read-confirmation")).to_be_in_viewport()
    expect(page.get_by_role("link", name="Go to the quiz")).to_be_in_viewport()
    assert_tidy(page)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=width_id)
def test_my_training_explains_screening_and_draws_the_pause_symbol(
    viewport: dict[str, int], live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size(viewport)
    email = new_mentor(live_server)
    with live_server.app.app_context():
        course = current_course()
        module = course.modules_for("community_volunteer")[0]
        user = accounts.find_by_email(db.session, email)
        progress.mark_read(db.session, user.id, course, module.slug)
        for _ in range(course.quiz(module.slug).max_failures):
            attempt = quizzes.start_attempt(db.session, user.id, course, module.slug)
            quizzes.submit_attempt(
                db.session, user.id, attempt.id, answers_for(attempt, correct=False), course
            )
    sign_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/training")
    expect(page.locator("#coordinator-contact")).to_be_visible()
    expect(page.locator(".step-guide").first).to_be_visible()
    paused = page.locator(".status-quiz-paused")
    expect(paused).to_have_text(re.compile("Quiz paused"))
    # The symbol is two drawn bars, so it shows whatever fonts the system has.
    symbol = paused.evaluate(
        "el => { const s = getComputedStyle(el, '::before');"
        " return [s.content, parseFloat(s.width), s.borderLeftStyle]; }"
    )
    assert symbol[0] in ('""', "none") or "⏸" not in symbol[0]
    assert symbol[1] > 0 and symbol[2] == "solid"
    assert_tidy(page)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=width_id)
def test_certificate_codes_stay_whole_and_an_unknown_code_stays_typed(
    viewport: dict[str, int], live_server: LiveServer, cast: Cast, session_cookies, context, page
) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/verify/{cast.certificate_code}")
    lines = page.locator(".cert-code-heading").evaluate("el => el.getClientRects().length")
    assert lines == 1
    assert_tidy(page)

    context.add_cookies(session_cookies("certified"))
    page.goto(f"{live_server.url}/certificates/{cast.certificate_id}")
    assert page.locator(".cert-code").evaluate("el => el.getClientRects().length") == 1
    assert_no_horizontal_scroll(page)

    page.goto(f"{live_server.url}/verify")
    page.get_by_label("Certificate code").fill("WXYZ-WXYZ-WXYZ-WXYZ")
    page.get_by_role("button", name="Check certificate").click()
    expect(page.get_by_role("heading", name="No certificate with that code")).to_be_visible()
    expect(page.get_by_label("Certificate code")).to_have_value("WXYZ-WXYZ-WXYZ-WXYZ")
    assert_tidy(page)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=width_id)
def test_sign_up_describes_each_kind_of_mentor_without_doubled_punctuation(
    viewport: dict[str, int], live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/register")
    survivor = page.get_by_label("Survivor mentor")
    expect(survivor).to_have_accessible_description(re.compile("Only your program's staff see"))
    assert_tidy(page)
    page.get_by_role("button", name="Create my account").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("What kind of mentor will you be? Choose")
    assert "?:" not in summary.inner_text()
    footer = page.locator(".site-footer").inner_text()
    assert "Mentor Ready · Mentor Ready" not in footer
    assert_tidy(page)
