"""WCAG 2.2 AA: axe-core on every page type, and the checks axe cannot make on its own.

axe runs from the copy shipped inside axe-playwright-python. Playwright's evaluate is not subject
to the page's Content-Security-Policy, so nothing in the app is loosened for the test.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Cast, LiveServer
from tests.browser.helpers import (
    PAGE_TYPES,
    PageType,
    assert_no_horizontal_scroll,
    axe_problems,
)

STILLNESS = """() => ({
  animations: document.getAnimations().map(a => String(a.animationName || a.id || a)),
  refresh: !!document.querySelector('meta[http-equiv="refresh" i]'),
  media: document.querySelectorAll('video, audio, marquee, blink').length,
})"""


@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=lambda p: p.name)
def test_every_page_type_passes_axe_and_holds_still(
    page_type: PageType, live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    """No serious or critical axe violation; nothing animates, refreshes or plays by itself."""
    page_type.open(page, context, live_server.url, cast, session_cookies)
    assert axe_problems(page) == []
    assert page.evaluate(STILLNESS) == {"animations": [], "refresh": False, "media": 0}


# Form errors -----------------------------------------------------------------------------------

FIELD_FOR_LINK = """(link) => {
  const target = document.getElementById(link.getAttribute('href').slice(1));
  if (!target) return null;
  // A radio group's error belongs to its fieldset; any other field carries it itself.
  const radio = target.type === 'radio';
  const holder = radio ? target.closest('fieldset') : target;
  const described = (holder.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
  return {
    tag: target.tagName.toLowerCase(),
    radio: radio,
    invalid: target.getAttribute('aria-invalid'),
    description: described.map(id => document.getElementById(id)?.textContent || '').join(' '),
  };
}"""


def test_a_failed_sign_up_ties_every_error_to_its_field_and_says_so(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url + "/register")
    page.get_by_role("button", name="Create my account").click()

    # Announced: an alert on the page, and "Error:" first in the title a screen reader reads.
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    # Focus lands on the first field with an error.
    expect(page.get_by_label("Full name")).to_be_focused()

    links = summary.get_by_role("link")
    assert links.count() == 4
    for link in links.all():
        # "Label: message", or "Label? message" when the label is a question.
        message = re.split(r"(?<=[:?.]) ", link.inner_text(), maxsplit=1)[1]
        field = link.evaluate(FIELD_FOR_LINK)
        assert field is not None, f"{link.inner_text()!r} points at nothing"
        assert field["tag"] in ("input", "select", "textarea")
        assert message in field["description"], f"{message!r} is not tied to its field"
        assert field["radio"] or field["invalid"] == "true"

    # Following a summary link puts the keyboard in the field, ready to type.
    summary.get_by_role("link", name=re.compile("^Email address")).click()
    expect(page.get_by_label("Email address")).to_be_focused()
    summary.get_by_role("link", name=re.compile("^What kind of mentor")).click()
    expect(page.get_by_label("Community volunteer")).to_be_focused()


# Widgets that need a name, a value or a structure ------------------------------------------


def _accessibility_tree(page: Page) -> list[dict]:
    cdp = page.context.new_cdp_session(page)
    try:
        return cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()


def test_the_progress_bar_has_an_accessible_name_and_value(
    live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    context.add_cookies(session_cookies("learner"))
    page.goto(live_server.url + "/training")
    shown = page.get_by_text(re.compile(r"^\d+% complete")).inner_text()
    percent = int(shown.split("%")[0])
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_accessible_name("Your progress")
    expect(bar).to_have_accessible_description(re.compile(rf"^{percent}% complete"))

    # What assistive technology is told, read from Chromium's own accessibility tree.
    [node] = [n for n in _accessibility_tree(page) if n["role"]["value"] == "progressbar"]
    properties = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
    assert node["name"]["value"] == "Your progress"
    assert float(node["value"]["value"]) == percent
    assert float(properties["valuemin"]) == 0 and float(properties["valuemax"]) == 100


def test_quiz_questions_are_fieldsets_with_legends(
    live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    context.add_cookies(session_cookies("learner"))
    page.goto(f"{live_server.url}/attempts/{cast.open_attempt_id}")
    fieldsets = page.locator("form.quiz fieldset")
    count = fieldsets.count()
    assert count > 0
    for index in range(count):
        fieldset = fieldsets.nth(index)
        expect(fieldset.locator("> legend")).to_have_text(
            re.compile(rf"^Question {index + 1} of {count}")
        )
        expect(fieldset).to_have_accessible_name(re.compile(rf"^Question {index + 1} of {count}"))
        options = fieldset.locator("input")
        assert options.count() >= 2
        for option in options.all():
            expect(option).to_have_accessible_name(re.compile(r"\S"))


def test_charts_have_a_text_equivalent(
    live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    context.add_cookies(session_cookies("staff"))
    page.goto(live_server.url + "/staff/reports")
    charts = page.locator("svg.chart")
    assert charts.count() >= 1
    for chart in charts.all():
        expect(chart).to_have_attribute("role", "img")
        expect(chart).to_have_accessible_name(re.compile(r"\S"))
        summary_id = chart.get_attribute("aria-labelledby").split()[-1]
        summary = page.locator(f"#{summary_id}")
        expect(summary).to_be_visible()
        # The text gives every figure the bars show (the axis ticks are a scale, not figures).
        for label in chart.locator("text:not(.chart-axis)").all_text_contents():
            figure = re.search(r"\d+(\.\d+)?%?|no attempts", label)
            if figure:
                expect(summary).to_contain_text(figure.group(0))


def test_colour_never_carries_meaning_alone(
    live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    """Every coloured state also says itself in words in the page (not only in CSS content)."""

    def texts(selector: str) -> list[str]:
        # textContent leaves out CSS generated content, which is lost when styles are.
        found = page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")
        assert found, f"nothing matches {selector}"
        return found

    context.add_cookies(session_cookies("learner"))
    page.goto(live_server.url + "/training")
    assert all(text.startswith("To do:") for text in texts(".check-todo"))
    page.goto(f"{live_server.url}/attempts/{cast.failed_attempt_id}/result")
    assert "Not passed yet" in texts(".result-summary")[0]
    assert all("Right." in text or "Not right." in text for text in texts(".review"))

    context.clear_cookies()
    context.add_cookies(session_cookies("certified"))
    page.goto(live_server.url + "/training")
    assert all(text.startswith("Done:") for text in texts(".check-done"))
    page.goto(f"{live_server.url}/verify/{cast.certificate_code}")
    assert "Status: valid" in " ".join(texts(".verify-status").pop().split())

    context.clear_cookies()
    context.add_cookies(session_cookies("staff"))
    page.goto(live_server.url + "/staff/matches")
    review = page.get_by_role("region", name=re.compile("^Needing review"))
    expect(review.locator(".needs-review")).to_contain_text("Certificate suspended")


# Reading ------------------------------------------------------------------------------------


def test_the_content_note_comes_first_with_ways_to_skip_or_leave(
    live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    course = live_server.app.extensions["mentor_ready.course"]
    context.add_cookies(session_cookies("certified"))
    for module in course.ordered_modules():
        if not module.content_note:
            continue
        page.goto(f"{live_server.url}/modules/{module.slug}")
        note = page.get_by_role("complementary", name="Content note")
        expect(note).to_be_visible()
        # Before any of the text: the summary, the objectives, the body.
        order = page.evaluate(
            """() => {
              const note = document.querySelector('.content-note');
              const after = el => !!(note.compareDocumentPosition(el)
                & Node.DOCUMENT_POSITION_FOLLOWING);
              return ['.lead', '#objectives-title', '.module-body']
                .map(s => after(document.querySelector(s)));
            }"""
        )
        assert order == [True, True, True], module.slug
        expect(note.get_by_role("link", name="Leave for My training")).to_have_attribute(
            "href", "/training"
        )
        skip = note.get_by_role("link", name="Skip to the key takeaways")
        skip.click()
        takeaways = page.locator(".module-body #key-takeaways")
        expect(takeaways).to_be_in_viewport()
        expect(takeaways).to_be_focused()  # the next Tab continues from the takeaways
        assert page.url.endswith("#key-takeaways")


# Zoom --------------------------------------------------------------------------------------

ZOOM_PAGES = [
    p
    for p in PAGE_TYPES
    if p.name
    in {
        "landing",
        "sign-up-errors",
        "my-training-certified",
        "module-first-visit",
        "quiz",
        "result-failed",
        "certificate",
        "verify-result",
        "roster",
        "mentor-detail-certified",
        "reports",
        "admin-accounts",
    }
]

CLIPPED_TEXT = """() => {
  const clipped = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    if (el.closest('.visually-hidden, .skip-link')) continue;
    // Hidden for sight but kept for screen readers (a stacked table's column headers).
    let hiddenOnPurpose = false;
    for (let up = el; up; up = up.parentElement) {
      if (getComputedStyle(up).clipPath === 'inset(50%)') { hiddenOnPurpose = true; break; }
    }
    if (hiddenOnPurpose) continue;
    const style = getComputedStyle(el);
    const hides = v => v === 'hidden' || v === 'clip';
    if (!hides(style.overflowX) && !hides(style.overflowY)) continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
      clipped.push(el.outerHTML.slice(0, 80));
    }
  }
  return clipped;
}"""


def assert_nothing_lost(page: Page) -> None:
    """No sideways scrolling, no clipped text, and the main heading whole and on screen."""
    assert_no_horizontal_scroll(page)
    assert page.evaluate(CLIPPED_TEXT) == []
    heading = page.locator("h1")
    expect(heading).to_be_visible()
    box = heading.bounding_box()
    width = page.evaluate("innerWidth")
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert heading.evaluate("el => el.scrollWidth <= el.clientWidth")


@pytest.mark.parametrize("page_type", ZOOM_PAGES, ids=lambda p: p.name)
def test_text_resizes_to_200_percent_without_loss(
    page_type: PageType, live_server: LiveServer, cast: Cast, session_cookies, context, page: Page
) -> None:
    """Both ways people enlarge text: browser zoom, and the browser's text size setting."""
    page_type.open(page, context, live_server.url, cast, session_cookies)
    # Browser zoom to 200% in a 1280x900 window lays the page out in 640x450 CSS pixels.
    page.set_viewport_size({"width": 640, "height": 450})
    assert_nothing_lost(page)

    # Text-only zoom: the root font size the stylesheet's rem units follow, doubled. Setting it
    # through the CSSOM from Playwright is not an inline style attribute, so the CSP allows it.
    page.set_viewport_size({"width": 1280, "height": 900})
    size = "() => parseFloat(getComputedStyle(document.body).fontSize)"
    before = page.evaluate(size)
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    assert page.evaluate(size) == pytest.approx(2 * before)
    assert_nothing_lost(page)
