"""The whole journey a mentor and a coordinator make, in a real browser."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import LiveServer
from tests.browser.helpers import answer_quiz, plain, register, sign_in, take_module


def course_of(server: LiveServer):
    return server.app.extensions["mentor_ready.course"]


def test_the_mentors_path_from_sign_up_to_a_verified_certificate(
    live_server: LiveServer, page: Page, browser
) -> None:
    base, course = live_server.url, course_of(live_server)
    register(page, live_server, "Rosa María Delgado", "rosa@example.org")
    expect(page.get_by_text("0% complete")).to_be_visible()
    modules = course.modules_for("community_volunteer")
    first = modules[0]
    next_step = page.get_by_role("link", name=re.compile("^Next: Read"))
    expect(next_step).to_contain_text(first.title)

    next_step.click()
    note = page.get_by_role("heading", name="Content note")
    body_start = page.get_by_role("heading", name=first.headings[0].title, exact=True)
    assert note.bounding_box()["y"] < body_start.bounding_box()["y"]

    # The ungraded pre-check shows a score only.
    page.get_by_role("button", name="Try the pre-check").click()
    answer_quiz(page, course, first.slug, correct=True)
    expect(
        page.get_by_text(re.compile(r"You answered \d+% correctly before reading"))
    ).to_be_visible()
    expect(page.get_by_text("Your answers")).to_have_count(0)
    page.get_by_role("link", name="Read the module").click()

    # Fail once: what to review is named, correct options are not revealed.
    page.get_by_role("button", name="I have read this module").click()
    page.get_by_role("link", name="Go to the quiz").click()
    page.get_by_role("button", name="Start the quiz").click()
    shown_questions = [g.inner_text() for g in page.get_by_role("group").all()]
    answer_quiz(page, course, first.slug, correct=False)
    expect(page.get_by_text("Not passed yet")).to_be_visible()
    expect(page.get_by_role("heading", name="What to review")).to_be_visible()
    result_text = page.locator("main").inner_text()
    assert "The correct answer" not in result_text
    quiz = course.quiz(first.slug)
    for text in shown_questions:
        from tests.browser.helpers import question_on_page

        question = question_on_page(text, course, first.slug)
        if len(question.options) > 2:
            for option in question.options:
                if option.correct:
                    assert plain(option.text_html) not in result_text
    assert quiz is not None
    page.get_by_role("link", name="Try again").click()
    page.get_by_role("button", name="Start the quiz").click()
    answer_quiz(page, course, first.slug, correct=True)
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()

    for module in modules[1:]:
        page.get_by_role("link", name="Back to My training").click()
        page.get_by_role("link", name=re.compile("^Next: Read")).click()
        expect(page.get_by_role("heading", name=module.title, level=1)).to_be_visible()
        take_module(page, course, module.slug)

    page.get_by_role("link", name="Back to My training").click()
    expect(page.get_by_text("100% complete")).to_be_visible()
    expect(page.get_by_text("Your certificate is valid", exact=False)).to_be_visible()
    page.get_by_role("link", name="See your certificate and download the PDF").click()
    code = page.locator("code").first.inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = download_info.value
    data = Path(pdf.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    assert code in PdfReader(io.BytesIO(data)).pages[0].extract_text()

    # Anyone can check the code: first name and last initial only, and the full-name check.
    visitor = browser.new_context().new_page()
    visitor.goto(f"{base}/verify")
    visitor.get_by_label("Certificate code").fill(code.lower().replace("-", " "))
    visitor.get_by_role("button", name="Check certificate").click()
    expect(visitor.get_by_text("Status: valid")).to_be_visible()
    main = visitor.locator("main").inner_text()
    assert "Rosa D." in main and "Delgado" not in main and "rosa@example.org" not in main
    visitor.get_by_role("link", name="Check the holder's full name").click()
    visitor.get_by_label("Full name you expect").fill("rosa maria  delgado")
    visitor.get_by_role("button", name="Check the name").click()
    expect(visitor.get_by_text("matches the holder's name")).to_be_visible()
    visitor.context.close()


def _certified_mentor(server: LiveServer, page: Page, name: str, email: str) -> None:
    course = course_of(server)
    register(page, server, name, email)
    for module in course.modules_for("community_volunteer"):
        page.goto(f"{server.url}/modules/{module.slug}")
        take_module(page, course, module.slug)
    page.get_by_role("button", name="Sign out").click()


def test_the_coordinators_path_from_screening_to_a_flagged_match(
    live_server: LiveServer, page: Page, browser
) -> None:
    base = live_server.url
    _certified_mentor(live_server, page, "Jordan Okafor", "jordan@example.org")
    live_server.cli(
        "users",
        "create",
        "admin@example.org",
        "--name",
        "Alex Admin",
        "--role",
        "admin",
        "--password-stdin",
        input="the admin's own long passphrase\n",
    )

    sign_in(page, base, "admin@example.org", "the admin's own long passphrase")
    page.get_by_role("link", name="Mentors").click()
    page.get_by_label("Name or email").fill("Jordan")
    page.get_by_role("button", name="Show mentors").click()
    page.get_by_role("link", name="Jordan Okafor").click()
    expect(page.get_by_text("Not eligible.")).to_be_visible()
    expect(page.get_by_text("Background check: pending.")).to_be_visible()

    for step in ("Background check", "Reference check", "Interview"):
        page.get_by_label("Screening step").select_option(label=step)
        page.get_by_label("Cleared", exact=True).check()
        page.get_by_label("Date completed").fill(date.today().isoformat())
        page.get_by_role("button", name="Record screening result").click()
        expect(page.get_by_text("Screening result recorded.")).to_be_visible()
    expect(page.get_by_text("In-person training: 0 of 2 hours.")).to_be_visible()

    page.get_by_role("link", name="Record an in-person session for Jordan").click()
    page.get_by_label("Date of the session").fill(date.today().isoformat())
    page.get_by_label("Topic").fill("Trauma-informed practice")
    page.get_by_label("Hours").fill("2")
    page.get_by_label("Facilitator").fill("Ms. Rivera")
    expect(page.get_by_label("Jordan Okafor", exact=False)).to_be_checked()
    page.get_by_role("button", name="Record the session").click()
    expect(page.get_by_text("Session recorded: 2 hours for 1 mentor.")).to_be_visible()
    page.get_by_role("link", name="Jordan Okafor").first.click()
    expect(page.get_by_text("Eligible.", exact=True)).to_be_visible()

    page.get_by_role("link", name="Match this mentor").click()
    page.get_by_label("One-to-one", exact=True).check()
    page.get_by_label("Youth code or codes").fill("Y-2041")
    page.get_by_label("Start date").fill(date.today().isoformat())
    page.get_by_role("button", name="Record the match").click()
    expect(page.get_by_text(re.compile(r"Match \d+ recorded"))).to_be_visible()

    page.get_by_role("link", name="Mentors").click()
    page.get_by_role("link", name="Jordan Okafor").click()
    code = page.get_by_role("link", name=re.compile(r"^[0-9A-Z]{4}-")).first.inner_text()
    page.get_by_text("Suspend while a concern is looked into").click()
    page.get_by_label("Reason for this decision").first.fill(
        "A concern was raised and is being looked into."
    )
    page.get_by_role("button", name="Suspend", exact=True).click()
    expect(page.get_by_role("status").get_by_text("Certificate suspended.")).to_be_visible()

    visitor = browser.new_context().new_page()
    visitor.goto(f"{base}/verify/{code}")
    expect(visitor.get_by_text("Status: suspended")).to_be_visible()
    assert "concern" not in visitor.locator("main").inner_text().lower().split("status")[1][:120]
    visitor.context.close()

    page.get_by_role("link", name="Matches").click()
    review = page.get_by_role("region", name=re.compile("Needing review"))
    expect(review).to_contain_text("Y-2041")
    expect(review).to_contain_text("Certificate suspended")
