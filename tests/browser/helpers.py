"""What a person does in the browser, written once for every browser test."""

from __future__ import annotations

import html
import re

from playwright.sync_api import Page, expect

from app.content.model import Course, Question

PASSWORD = "a long walk by the river at dawn"


def plain(fragment: str) -> str:
    """Visible text of a small HTML fragment, with white space folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def register(
    page: Page, base: str, name: str, email: str, mentor_type: str = "Community volunteer"
) -> None:
    """Sign up through the form, as a new mentor would."""
    page.goto(base + "/")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label(mentor_type).check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="My training")).to_be_visible()


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form."""
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def question_on_page(group_text: str, course: Course, slug: str) -> Question:
    """Which pool question a fieldset shows, recognised by its prompt text."""
    text = "".join(group_text.split())
    quiz = course.quiz(slug)
    assert quiz is not None
    matches = [q for q in quiz.questions if "".join(plain(q.prompt_html).split())[:80] in text]
    assert len(matches) == 1, f"cannot tell which question this is: {text[:120]}"
    return matches[0]


def answer_quiz(page: Page, course: Course, slug: str, correct: bool) -> None:
    """Answer every question on the attempt page right (or wrong), then submit."""
    groups = page.get_by_role("group", name=re.compile(r"Question \d+ of \d+"))
    expect(groups.first).to_be_visible()
    count = groups.count()
    assert count > 0
    for index in range(count):
        group = groups.nth(index)
        question = question_on_page(group.inner_text(), course, slug)
        wanted = [o for o in question.options if o.correct == correct]
        if question.type != "multiple":
            wanted = wanted[:1]
        for option in wanted:
            group.get_by_label(plain(option.text_html), exact=True).check()
    page.get_by_role("button", name="Submit my answers").click()


def take_module(page: Page, course: Course, slug: str, *, fail_first: bool = False) -> None:
    """From the module page: skip the pre-check, mark it read, pass its quiz."""
    skip = page.get_by_role("button", name="Skip the pre-check")
    if skip.count():
        skip.click()
    page.get_by_role("button", name="I have read this module").click()
    page.get_by_role("link", name="Go to the quiz").click()
    if fail_first:
        page.get_by_role("button", name="Start the quiz").click()
        answer_quiz(page, course, slug, correct=False)
        expect(page.get_by_text("Not passed yet")).to_be_visible()
        page.get_by_role("link", name="Try again").click()
    page.get_by_role("button", name="Start the quiz").click()
    answer_quiz(page, course, slug, correct=True)
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
