"""A mentor's everyday path: screening explained, landing after reading, results, journal, words."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from markupsafe import escape

from app.content.model import MENTOR_TYPE_DESCRIPTIONS, MENTOR_TYPE_VISIBILITY
from app.extensions import db
from app.services import accounts, private_notes, progress, screening, staff_accounts
from app.web import current_course
from tests.conftest import csrf_from
from tests.factories import last_link, make_user, post_form, sign_in
from tests.services.test_quizzes import answers_for
from tests.views.test_quiz import start_via_pages, submit

ROOT = Path(__file__).resolve().parents[2]


def text_of(html: str) -> str:
    """The page's words, without tags and with spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# 12. Screening steps say what each is, who does it and how to reach the coordinator.


def test_each_screening_step_to_do_says_what_it_is_and_who_does_it(app, client) -> None:
    mentor = make_user(mentor_type="survivor_mentor")
    staff = make_user(role="staff", enrol=False)
    course = current_course()
    screening.record_result(
        db.session,
        staff.id,
        mentor.id,
        course,
        step="background_check",
        result="cleared",
        completed_on=date(2026, 1, 5),
    )
    sign_in(client, mentor)
    html = client.get("/training").get_data(as_text=True)
    for step in ("reference_check", "interview", "readiness_conversation"):
        guide = screening.STEP_GUIDE[step]
        assert str(escape(guide.what)) in html and str(escape(guide.who)) in html
    # A cleared step needs no explanation; the coordinator's contact is given while any is open.
    assert str(escape(screening.STEP_GUIDE["background_check"].what)) not in html
    assert str(escape(screening.COORDINATOR_CONTACT)) in html
    assert "Waiting for your program." in html


def test_every_default_step_has_its_own_words_and_unknown_steps_a_generic_line(app) -> None:
    course = current_course()
    assert set(course.screening_steps) <= set(screening.STEP_GUIDE)
    guide = screening.guide(course, "community_volunteer")
    assert list(guide) == ["Background check", "Reference check", "Interview"]
    assert screening.STEP_GUIDE.get("fingerprints", screening.GENERIC_STEP).who


def test_the_coordinator_contact_goes_once_screening_is_cleared(app, client) -> None:
    mentor = make_user()
    staff = make_user(role="staff", enrol=False)
    course = current_course()
    for step in course.screening_for(mentor.mentor_type):
        screening.record_result(
            db.session,
            staff.id,
            mentor.id,
            course,
            step=step,
            result="cleared",
            completed_on=date(2026, 1, 5),
        )
    sign_in(client, mentor)
    html = client.get("/training").get_data(as_text=True)
    assert 'id="coordinator-contact"' not in html


# 14. After "I have read this module" the page lands on the confirmation and the quiz link.


def test_marking_read_lands_on_the_confirmation_beside_the_quiz_link(app, client) -> None:
    sign_in(client, make_user())
    module = current_course().ordered_modules()[0]
    page = client.get(f"/modules/{module.slug}").get_data(as_text=True)
    response = client.post(f"/modules/{module.slug}/read", data={"csrf_token": csrf_from(page)})
    assert response.location.endswith(f"/modules/{module.slug}#next-step")
    html = client.get(response.location).get_data(as_text=True)
    card = html[html.index('id="next-step"') :]
    assert 'id="read-confirmation"' in card and "Marked as read." in card
    assert card.index("Marked as read.") < card.index(f'href="/modules/{module.slug}/quiz"')
    # Not repeated at the top of the page, out of view.
    assert "Marked as read." not in html[: html.index('id="next-step"')]
    # Shown once only.
    assert "Marked as read." not in client.get(f"/modules/{module.slug}").get_data(as_text=True)


class TestResults:
    """Quiz results on the small fixture course, whose answers are known."""

    @pytest.fixture
    def app_config(self, fixture_app_config):
        return fixture_app_config

    @pytest.fixture
    def mentor_client(self, app, client):
        mentor = make_user()
        sign_in(client, mentor)
        progress.mark_read(db.session, mentor.id, current_course(), "alpha")
        return client

    def test_a_failed_result_puts_try_again_and_what_to_review_before_the_answers(
        self, mentor_client
    ) -> None:
        attempt = start_via_pages(mentor_client, "alpha")
        response = submit(mentor_client, attempt, answers_for(attempt, correct=False))
        html = mentor_client.get(response.location).get_data(as_text=True)
        answers = html.index('id="answers-title"')
        assert html.index(">Try again</a>") < answers
        assert html.index("What to review first") < answers
        assert html.index("What to review first") < html.index(">Try again</a>")

    def test_a_passed_result_keeps_the_answers_first(self, mentor_client) -> None:
        attempt = start_via_pages(mentor_client, "alpha")
        response = submit(mentor_client, attempt, answers_for(attempt))
        html = mentor_client.get(response.location).get_data(as_text=True)
        assert "Try again" not in html
        assert html.index('id="answers-title"') < html.index("Back to My training</a>")

    def test_several_answers_are_listed_never_joined_with_semicolons(self, mentor_client) -> None:
        for _ in range(10):  # the draw is random: until a multiple-answer question comes up
            attempt = start_via_pages(mentor_client, "alpha")
            drawn = [item["question"] for item in attempt.draw]
            response = submit(mentor_client, attempt, answers_for(attempt))
            if "a2" in drawn:
                break
        html = mentor_client.get(response.location).get_data(as_text=True)
        assert "a2" in drawn
        assert re.search(
            r'<ul class="answer-list"><li class="answer">[^<]*Alpha two right [AC]', html
        )
        assert "</span>; <span" not in html


# 15. No symbol that Debian's chromium fonts cannot draw.


def test_no_pause_symbol_is_left_in_styles_or_templates() -> None:
    files = [ROOT / "static" / "style.css", *(ROOT / "app" / "templates").rglob("*.html")]
    for path in files:
        assert "⏸" not in path.read_text(encoding="utf-8"), path


# 16. The journal lists only prompts of modules on the mentor's path.


def test_the_journal_lists_only_prompts_of_modules_on_the_path(app, client) -> None:
    course = current_course()
    survivor_only = course.module("mentoring-as-a-survivor")
    assert survivor_only.reflection
    volunteer = make_user()
    sign_in(client, volunteer)
    html = client.get("/journal").get_data(as_text=True)
    assert survivor_only.title not in html
    for prompt in survivor_only.reflection:
        assert str(escape(prompt)) not in html
    for module in course.modules_for("community_volunteer"):
        if module.reflection:
            assert str(escape(module.reflection[0])) in html


def test_notes_on_a_module_that_left_the_path_stay_without_its_prompts(app) -> None:
    course = current_course()
    mentor = make_user(mentor_type="survivor_mentor")
    private_notes.save_journal(
        db.session, mentor.id, course, "mentoring-as-a-survivor", "My own words."
    )
    survivor_pages = private_notes.journal(db.session, mentor.id, course, "survivor_mentor")
    assert any(page.slug == "mentoring-as-a-survivor" and page.prompts for page in survivor_pages)
    pages = private_notes.journal(db.session, mentor.id, course, "community_volunteer")
    [kept] = [page for page in pages if page.slug == "mentoring-as-a-survivor"]
    assert kept.prompts == () and kept.entry.text == "My own words."


# 17. Small things.


def test_the_footer_names_the_program_once_when_the_course_has_the_same_name(app, client) -> None:
    assert current_course().title == app.config["PROGRAM_NAME"] == "Mentor Ready"
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">') :]
    assert "Mentor Ready · Mentor Ready" not in footer
    assert "<p>Mentor Ready.</p>" in footer and "If you are in danger now" in footer


def test_a_course_with_its_own_title_is_named_in_the_footer(app, client) -> None:
    app.config["PROGRAM_NAME"] = "Bright Path Mentoring"
    html = client.get("/").get_data(as_text=True)
    assert "Bright Path Mentoring · Mentor Ready." in html


def test_error_summaries_do_not_double_punctuation(app, client) -> None:
    page = client.get("/register").get_data(as_text=True)
    response = client.post(
        "/register",
        data={"name": "Ana Example", "email": "ana@example.org", "csrf_token": csrf_from(page)},
    )
    html = response.get_data(as_text=True)
    assert "What kind of mentor will you be? Choose the kind of mentor you will be." in html
    assert "?:" not in text_of(html)
    assert "Password: Choose a password." in html


def test_mentor_types_are_described_and_survivors_told_who_sees_the_choice(app, client) -> None:
    html = client.get("/register").get_data(as_text=True)
    for description in MENTOR_TYPE_DESCRIPTIONS.values():
        assert str(escape(description)) in html
    survivor = re.search(
        r'<input[^>]*value="survivor_mentor"[^>]*aria-describedby="([^"]+)"|'
        r'<input[^>]*aria-describedby="([^"]+)"[^>]*value="survivor_mentor"',
        html,
    )
    assert survivor, "the survivor option is described"
    hint_id = survivor.group(1) or survivor.group(2)
    hint = re.search(rf'id="{hint_id}">([^<]+)<', html).group(1)
    assert str(escape(MENTOR_TYPE_VISIBILITY)) in hint


def test_the_unknown_code_page_keeps_what_was_typed(app, client) -> None:
    response = client.get("/verify/ABCD-EFGH-JKMN-PQRZ")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert re.search(r'<input[^>]*name="code"[^>]*value="ABCD-EFGH-JKMN-PQRZ"', html) or re.search(
        r'<input[^>]*value="ABCD-EFGH-JKMN-PQRZ"[^>]*name="code"', html
    )
    # Typed markup comes back as text, never as markup.
    html = client.get('/verify/"><b>x').get_data(as_text=True)
    assert "<b>x" not in html and "&#34;&gt;&lt;b&gt;x" in html


def test_the_sign_in_page_after_accepting_an_invitation_fills_the_email(app, client) -> None:
    admin = make_user(role="admin", enrol=False)
    staff_accounts.invite_staff(
        db.session,
        admin,
        name="Noor Newcomer",
        email="noor@example.org",
        role="staff",
        site=accounts.Site("http://localhost", "Mentor Ready"),
    )
    link = last_link("noor@example.org", "invite")
    page = client.get(link).get_data(as_text=True)
    response = client.post(
        link, data={"password": "my very own staff passphrase", "csrf_token": csrf_from(page)}
    )
    assert response.location.endswith("/sign-in")
    html = client.get("/sign-in").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="email"[^>]*value="noor@example.org"', html)
    # Once: a later visit starts empty.
    assert 'value="noor@example.org"' not in client.get("/sign-in").get_data(as_text=True)


def test_a_password_reset_also_fills_the_email_on_sign_in(app, client) -> None:
    mentor = make_user(email="ana@example.org")
    post_form(client, "/forgot-password", {"email": mentor.email})
    link = last_link(mentor.email, "reset-password")
    page = client.get(link).get_data(as_text=True)
    client.post(
        link, data={"password": "a brand new passphrase here", "csrf_token": csrf_from(page)}
    )
    assert 'value="ana@example.org"' in client.get("/sign-in").get_data(as_text=True)
