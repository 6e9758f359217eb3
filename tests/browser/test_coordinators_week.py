"""The coordinator's week, in the browser: from Ready to match to a group match on My training."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import PASSWORD, sign_in


def ready_mentors(live_server: LiveServer) -> None:
    """Two certified, screened mentors with their in-person hours, and a coordinator."""
    from app.extensions import db
    from app.models import utcnow
    from app.services import accounts, in_person, progress, quizzes, screening
    from app.web import current_course
    from tests.services.test_quizzes import answers_for

    with live_server.app.app_context():
        session, course = db.session, current_course()
        staff = accounts.create_account(
            session,
            email="week-coordinator@example.org",
            name="Wes Coordinator",
            password=PASSWORD,
            role="staff",
        )
        for name, email in (
            ("Rowan Weekly", "rowan.week@example.org"),
            ("Sol Weekly", "sol.week@example.org"),
        ):
            user = accounts.create_account(
                session,
                email=email,
                name=name,
                password=PASSWORD,
                role="mentor",
                mentor_type="community_volunteer",
            )
            for module in course.modules_for("community_volunteer"):
                progress.mark_read(session, user.id, course, module.slug)
                attempt = quizzes.start_attempt(session, user.id, course, module.slug)
                quizzes.submit_attempt(session, user.id, attempt.id, answers_for(attempt), course)
            for step in course.screening_for("community_volunteer"):
                screening.record_result(
                    session,
                    staff.id,
                    user.id,
                    course,
                    step=step,
                    result="cleared",
                    completed_on=utcnow().date(),
                )
            in_person.record_session(
                session,
                staff.id,
                in_person.SessionInput(
                    held_on=utcnow().date(),
                    topic="Orientation",
                    hours="2",
                    facilitator="Wes Coordinator",
                    mentor_ids=[user.id],
                ),
            )


def test_the_coordinators_week(live_server: LiveServer, page: Page, browser) -> None:
    ready_mentors(live_server)
    base = live_server.url
    sign_in(page, base, "week-coordinator@example.org")

    # The dashboard answers "who can I match this week?", and leads to acting on several.
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    ready = page.locator("section", has=page.get_by_role("heading", name="Ready to match"))
    expect(ready.get_by_role("link", name="Rowan Weekly", exact=True)).to_be_visible()
    expect(ready.get_by_role("link", name="Sol Weekly", exact=True)).to_be_visible()
    ready.get_by_role("link", name="Choose from everyone ready to match on the roster").click()

    # Pick the two, and record an in-person session for both at once.
    page.get_by_label("Choose Rowan Weekly").check()
    page.get_by_label("Choose Sol Weekly").check()
    page.get_by_role("button", name="Record an in-person session").click()
    expect(page.get_by_role("heading", name="In-person training")).to_be_visible()
    expect(page.get_by_label("Rowan Weekly", exact=False)).to_be_checked()
    expect(page.get_by_label("Sol Weekly", exact=False)).to_be_checked()
    page.get_by_label("Date of the session").fill(date.today().isoformat())
    page.get_by_label("Topic").fill("Group mentoring in practice")
    page.get_by_label("Hours").fill("1.5")
    page.get_by_label("Facilitator").fill("Wes Coordinator")
    page.get_by_role("button", name="Record the session").click()
    expect(page.get_by_text("Session recorded: 1.5 hours for 2 mentors.")).to_be_visible()

    # Back to Ready to match: pick the two again and match them together in a group.
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="Choose from everyone ready to match on the roster").click()
    page.get_by_label("Choose Rowan Weekly").check()
    page.get_by_label("Choose Sol Weekly").check()
    page.get_by_role("button", name="Match these mentors").click()
    expect(page.get_by_role("heading", name="Record a match")).to_be_visible()
    page.get_by_label("Team", exact=False).first.check()
    page.get_by_label("Youth code or codes").fill("WK-101\nWK-102")
    page.get_by_label("Start date").fill(date.today().isoformat())
    page.get_by_role("button", name="Record the match").click()
    expect(page.get_by_text("recorded", exact=False).first).to_be_visible()

    # The dashboard no longer lists them as waiting; each sees the match on My training.
    page.get_by_role("link", name="Dashboard").click()
    ready = page.locator("section", has=page.get_by_role("heading", name="Ready to match"))
    expect(ready.get_by_role("link", name="Rowan Weekly", exact=True)).to_have_count(0)
    expect(ready.get_by_role("link", name="Sol Weekly", exact=True)).to_have_count(0)

    for email in ("rowan.week@example.org", "sol.week@example.org"):
        context = browser.new_context()
        mentor_page = context.new_page()
        sign_in(mentor_page, base, email)
        expect(mentor_page.get_by_text("You are matched.")).to_be_visible()
        expect(mentor_page.get_by_text("team match", exact=False)).to_be_visible()
        expect(mentor_page.get_by_text("WK-101")).to_have_count(0)
        context.close()
