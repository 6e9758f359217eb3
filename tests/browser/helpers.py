"""What a person does in the browser, written once for every browser test."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyotp
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from app.content.model import Course, Question
from app.extensions import db
from app.models import OutboxMessage

if TYPE_CHECKING:
    from tests.browser.conftest import Cast, LiveServer

PASSWORD = "a long walk by the river at dawn"
PHONE = {"width": 360, "height": 740}


def plain(fragment: str) -> str:
    """Visible text of a small HTML fragment, with white space folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def mailed_link(server: LiveServer, email: str, kind: str) -> str:
    """The `kind` link (confirm-email, reset-password, invite) in the newest mail queued for
    `email`, read from the outbox that `flask outbox send` would deliver from."""
    with server.app.app_context():
        body = db.session.scalar(
            sa.select(OutboxMessage.body)
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    assert body is not None, f"no mail queued for {email}"
    match = re.search(rf"(/{kind}/[A-Za-z0-9_-]+)", body)
    assert match, f"no {kind} link in: {body}"
    return match.group(1)


def register(
    page: Page,
    server: LiveServer,
    name: str,
    email: str,
    mentor_type: str = "Community volunteer",
) -> None:
    """Sign up through the form, confirm the address by the emailed link, and sign in."""
    page.goto(server.url + "/")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label(mentor_type).check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(server.url + mailed_link(server, email, "confirm-email"))
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    sign_in(page, server.url, email)
    expect(page.get_by_role("heading", name="My training")).to_be_visible()


# Authenticator secrets of staff who enrolled through the browser in this run, by email, and the
# last time step each has used (a code works once).
AUTHENTICATORS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form; staff set up or use their authenticator app as a person would."""
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.get_by_role("heading", name="Set up your authenticator app").count():
        set_up_authenticator(page, email)
    elif page.get_by_role("heading", name="Enter your code").count():
        page.get_by_label("Code").fill(authenticator_code(email))
        page.get_by_role("button", name="Continue").click()


def set_up_authenticator(page: Page, email: str) -> list[str]:
    """On the enrolment page: read the key (as a person would type it), confirm a code, and
    return the recovery codes shown once."""
    expect(page.locator("svg").first).to_be_visible()  # the QR code
    AUTHENTICATORS[email] = page.locator("#second-factor-key").inner_text().replace(" ", "")
    page.get_by_label("Code from your app").fill(authenticator_code(email))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    page.get_by_role("link", name="I have saved them: continue").click()
    return codes


def authenticator_code(email: str) -> str:
    """What the authenticator app shows now (a later step when this one was used)."""
    totp = pyotp.TOTP(AUTHENTICATORS[email])
    step = max(int(time.time()) // 30, _LAST_STEP.get(email, -1) + 1)
    _LAST_STEP[email] = step
    return totp.at(step * 30)


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


# Every page type, in each state it really has ------------------------------------------------


def _submit_empty(button: str) -> Callable[[Page], None]:
    """Submit the form as it is; done when the error summary (absent before) is on the page."""

    def submit(page: Page) -> None:
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.get_by_role("alert")).to_be_visible()

    return submit


def _submit_without_a_name(page: Page) -> None:
    """The program profile refused for its missing name (nothing is saved)."""
    page.get_by_label("Program name", exact=True).fill("")
    page.get_by_role("button", name="Save the program profile", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()


def _check_a_name(page: Page) -> None:
    page.get_by_label("Full name you expect").fill("Someone Else")
    page.get_by_role("button", name="Check the name").click()
    expect(page.get_by_text("does not match")).to_be_visible()


def _check_a_broken_credential(page: Page) -> None:
    page.get_by_label("Credential file").set_input_files(
        files=[{"name": "badge.json", "mimeType": "application/json", "buffer": b"{not json"}]
    )
    page.get_by_role("button", name="Check the credential").click()
    expect(page.get_by_role("heading", name="Not valid")).to_be_visible()


@dataclass(frozen=True)
class PageType:
    """A page as one kind of visitor sees it: who (a cast role, or None), where, and what then."""

    name: str
    who: str | None
    path: str
    then: Callable[[Page], None] | None = None

    def open(
        self,
        page: Page,
        context: BrowserContext,
        base: str,
        cast: Cast,
        cookies: Callable[[str], list],
    ) -> None:
        """Sign in as `who` (by cookie), go to the page and bring it to its state."""
        if self.who:
            context.add_cookies(cookies(self.who))
        page.goto(base + self.path.format(cast=cast))
        if self.then:
            self.then(page)
        # A form's answer can be visible before its stylesheet has loaded; measure the styled page.
        page.wait_for_load_state("load")
        expect(page.locator("h1")).to_be_visible()


# Signed-in visitors to "/" are sent on to My training or the staff dashboard, so the landing page
# has a signed-out state only.
PAGE_TYPES = [
    PageType("landing", None, "/"),
    PageType("sign-up", None, "/register"),
    PageType("sign-up-errors", None, "/register", _submit_empty("Create my account")),
    PageType("check-email", None, "/register/check-email"),
    PageType("confirm-email", None, "/confirm-email/{cast.confirm_token}"),
    PageType("resend-confirmation", None, "/confirm-email/again"),
    PageType("sign-in", None, "/sign-in"),
    PageType("sign-in-errors", None, "/sign-in", _submit_empty("Sign in")),
    PageType("forgot-password", None, "/forgot-password"),
    PageType("reset-password", None, "/reset-password/{cast.reset_token}"),
    PageType("link-expired", None, "/reset-password/no-such-token"),
    PageType("change-password", "learner", "/account/password"),
    PageType(
        "change-password-errors", "learner", "/account/password", _submit_empty("Change password")
    ),
    PageType("account", "learner", "/account"),
    PageType("my-training-new", "newcomer", "/training"),
    PageType("my-training-certified", "certified", "/training"),
    PageType("my-training-suspended", "flagged", "/training"),
    PageType("module-first-visit", "newcomer", "/modules/{cast.first_module}"),
    PageType("module-read", "certified", "/modules/{cast.first_module}"),
    PageType("quiz-start", "learner", "/modules/{cast.first_module}/quiz"),
    PageType("quiz", "learner", "/attempts/{cast.open_attempt_id}"),
    PageType("result-failed", "learner", "/attempts/{cast.failed_attempt_id}/result"),
    PageType("result-passed", "certified", "/attempts/{cast.next_module_attempt_id}/result"),
    PageType("result-finished", "certified", "/attempts/{cast.passed_attempt_id}/result"),
    PageType("result-precheck", "learner", "/attempts/{cast.precheck_attempt_id}/result"),
    PageType("certificate", "certified", "/certificates/{cast.certificate_id}"),
    PageType("name-request", "certified", "/account/name"),
    PageType("journal", "certified", "/journal"),
    PageType("self-care-plan", "certified", "/self-care"),
    PageType("self-care-plan-print", "certified", "/self-care/print"),
    PageType("verify-form", None, "/verify"),
    PageType("verify-form-errors", None, "/verify?code="),
    PageType("verify-result", None, "/verify/{cast.certificate_code}"),
    PageType("verify-name", None, "/verify/{cast.certificate_code}/name"),
    PageType("verify-name-checked", None, "/verify/{cast.certificate_code}/name", _check_a_name),
    PageType("verify-not-found", None, "/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ"),
    PageType("credential-check", None, "/credentials/verify"),
    PageType("credential-not-valid", None, "/credentials/verify", _check_a_broken_credential),
    PageType("staff-dashboard", "staff", "/staff/"),
    PageType("roster", "staff", "/staff/mentors"),
    PageType("roster-errors", "staff", "/staff/mentors?page=0"),
    PageType("mentor-detail-certified", "staff", "/staff/mentors/{cast.certified_id}"),
    PageType("mentor-detail-new", "staff", "/staff/mentors/{cast.newcomer_id}"),
    PageType("in-person", "staff", "/staff/in-person"),
    PageType(
        "bulk-screening",
        "staff",
        "/staff/mentors/screening?mentor={cast.certified_id}&mentor={cast.newcomer_id}",
    ),
    PageType("in-person-errors", "staff", "/staff/in-person", _submit_empty("Record the session")),
    PageType("reports", "staff", "/staff/reports"),
    PageType("reports-errors", "staff", "/staff/reports?from=2026-02-30"),
    PageType("audit-log", "staff", "/staff/audit"),
    PageType("match-form", "staff", "/staff/matches/new"),
    PageType("match-form-errors", "staff", "/staff/matches/new", _submit_empty("Record the match")),
    PageType("matches", "staff", "/staff/matches"),
    PageType("admin-accounts", "admin", "/admin/accounts"),
    PageType(
        "admin-accounts-errors",
        "admin",
        "/admin/accounts",
        _submit_empty("Add and send the invitation"),
    ),
    PageType("admin-program-profile", "admin", "/admin/program"),
    PageType(
        "admin-program-profile-errors",
        "admin",
        "/admin/program",
        _submit_without_a_name,
    ),
    PageType("error-404", None, "/no-such-page"),
    PageType("error-403", "learner", "/staff/"),
]


# Checks shared by the accessibility and small-screen tests --------------------------------------

_AXE = Axe()
# target-size (WCAG 2.2 AA, 2.5.8) ships switched off in axe-core; this app promises WCAG 2.2 AA.
_AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}


def axe_problems(page: Page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now, one line per element."""
    violations = _AXE.run(page, options=_AXE_OPTIONS).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}"
        for violation in violations
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]


_OVERFLOW = """() => {
  const culprits = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right <= innerWidth + 0.5) continue;
    const position = getComputedStyle(el).position;
    let clipped = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible' && position !== 'absolute') {
        clipped = true;
        break;
      }
    }
    if (!clipped) culprits.push(`${el.outerHTML.slice(0, 100)} (right edge ${Math.round(box.right)})`);
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: innerWidth,
    culprits: culprits.slice(0, 5),
  };
}"""


def assert_no_horizontal_scroll(page: Page) -> None:
    """The page is no wider than the window; on failure, name what sticks out."""
    found = page.evaluate(_OVERFLOW)
    assert found["scrollWidth"] <= found["innerWidth"], (
        f"page scrolls sideways: {found['scrollWidth']}px in a {found['innerWidth']}px window; "
        f"sticking out: {found['culprits']}"
    )
