"""The result page that finishes the training, "Next module" after a pass, and refreshers on the
mentor's and staff's pages."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CertificateRefresher, ModuleRead, QuizAttempt, utcnow
from app.services import program, progress
from tests.conftest import FIXTURE_COURSE
from tests.factories import latest_certificate, make_user, post_form, sign_in
from tests.services.test_certificates import certify
from tests.services.test_quizzes import answers_for
from tests.views.test_quiz import start_via_pages, submit

REVISED_COURSE = {
    "MODULES_DIR": str(FIXTURE_COURSE.parent / "course_v2" / "modules"),
    "QUIZZES_DIR": str(FIXTURE_COURSE.parent / "course_v2" / "quizzes"),
}
BEFORE_THE_CHANGE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SUMMARY = "A youth missing from care who walks in: tell staff at once."


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def pass_via_pages(client, mentor_id: int, slug: str) -> str:
    """Read the module, pass its quiz through the pages; the result page's HTML."""
    progress.mark_read(db.session, mentor_id, _course(), slug)
    attempt = start_via_pages(client, slug)
    response = submit(client, attempt, answers_for(attempt))
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.location).get_data(as_text=True)


def _course():
    from app.web import current_course

    return current_course()


def buttons(html: str) -> list[tuple[str, str]]:
    """(class, text) of every link styled as a button in the result's actions."""
    actions = html.split('id="result-actions"')[1].split("</p>")[0]
    return [
        (cls, re.sub(r"\s+", " ", text).strip())
        for cls, text in re.findall(r'<a class="([^"]+)"[^>]*>(.*?)</a>', actions, re.S)
    ]


def set_coordinator(admin_id: int) -> None:
    current = program.current_profile(db.session)
    program.update_profile(
        db.session,
        admin_id,
        program.ProfileInput(
            name="Riverside Mentoring",
            description="",
            coordinator_name="Dana Ortiz",
            coordinator_role="Volunteer coordinator",
            coordinator_email="dana@example.org",
            coordinator_phone="555-0100",
            coordinator_hours="",
            first_contact="",
            after_hours="",
            hotline="",
            must_report_directly=None,
            emergency="",
            time_zone="UTC",
            mentor_types=list(current.mentor_types),
            match_models=list(current.match_models),
            required_placeholders=[],
        ),
    )


# Finishing the course --------------------------------------------------------------------------


def test_a_passed_quiz_offers_the_next_module_as_the_main_button(app, client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    html = pass_via_pages(client, mentor.id, "alpha")
    assert "<h1>Result: Alpha module</h1>" in html and "You finished" not in html
    assert buttons(html) == [
        ("button", "Next module: Beta module"),
        ("button button-secondary", "Back to My training"),
    ]
    assert 'href="/modules/beta"' in html


def test_the_quiz_that_completes_the_path_finishes_the_training(app, client) -> None:
    admin = make_user(role="admin")
    set_coordinator(admin.id)
    mentor = make_user()
    sign_in(client, mentor)
    pass_via_pages(client, mentor.id, "alpha")
    html = pass_via_pages(client, mentor.id, "beta")
    certificate = latest_certificate(mentor.id)
    assert certificate is not None
    assert "<h1>You finished the training</h1>" in html
    assert f'href="/certificates/{certificate.id}"' in html
    next_steps = html.split('id="finish-next"')[1].split("</ul>")[0]
    assert "Background check" in next_steps and "Interview" in next_steps
    assert "2 more hours (0 of 2 attended)" in next_steps
    coordinator = html.split('id="finish-coordinator"')[1].split("</p>")[0]
    assert "Dana Ortiz" in coordinator and "dana@example.org" in coordinator
    assert "Next module" not in html
    assert buttons(html) == [("button button-secondary", "Back to My training")]
    # The earlier result is still an ordinary result.
    first = db.session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.user_id == mentor.id, QuizAttempt.module_slug == "alpha"
        )
    )
    earlier = client.get(f"/attempts/{first.id}/result").get_data(as_text=True)
    assert "You finished" not in earlier


def test_the_finish_page_leaves_out_the_coordinator_until_the_program_names_one(
    app, client
) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    pass_via_pages(client, mentor.id, "alpha")
    html = pass_via_pages(client, mentor.id, "beta")
    assert "You finished the training" in html and "finish-coordinator" not in html


def test_a_forged_attempt_id_is_404_and_shows_nothing(app, client) -> None:
    mentor, other = make_user(), make_user()
    sign_in(client, mentor)
    progress.mark_read(db.session, other.id, _course(), "alpha")
    other_client = app.test_client()
    sign_in(other_client, other)
    attempt = start_via_pages(other_client, "alpha")
    submit(other_client, attempt, answers_for(attempt))
    for path in (
        f"/attempts/{attempt.id}/result",
        "/attempts/2147483647/result",
        "/attempts/0/result",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "You finished" not in response.get_data(as_text=True)


# Refreshers --------------------------------------------------------------------------------------


def certified_before_the_change(mentor) -> None:
    """Certified in March 2026, having read beta's first text."""
    certify(mentor, BEFORE_THE_CHANGE)
    db.session.execute(
        sa.update(ModuleRead)
        .where(ModuleRead.user_id == mentor.id, ModuleRead.module_slug == "beta")
        .values(content_version="first-text")
    )
    db.session.commit()


@pytest.mark.parametrize("app_config", [{**REVISED_COURSE, "REFRESHER_GRACE_DAYS": 3650}])
def test_the_mentor_sees_what_changed_re_reads_and_takes_the_refresher(app, client) -> None:
    mentor = make_user()
    certified_before_the_change(mentor)
    sign_in(client, mentor)
    training = client.get("/training").get_data(as_text=True)
    assert "Refresher due by" in training and SUMMARY in training
    assert "Next: Read “Beta module” again: it changed" in training

    module = client.get("/modules/beta").get_data(as_text=True)
    assert "What changed since your certificate" in module and SUMMARY in module
    assert "Mark the module read again" in module
    # The quiz stays closed until the module is read again.
    closed = client.get("/modules/beta/quiz").get_data(as_text=True)
    assert "read it again" in closed

    post_form(client, "/modules/beta/read", page="/modules/beta")
    attempt = start_via_pages(client, "beta")
    response = submit(client, attempt, answers_for(attempt))
    result = client.get(response.location).get_data(as_text=True)
    assert "Passed" in result and "You finished" not in result
    certificate = latest_certificate(mentor.id)
    assert [
        (r.certificate_id, r.module_slug, r.version)
        for r in db.session.scalars(sa.select(CertificateRefresher))
    ] == [(certificate.id, "beta", 2)]
    training = client.get("/training").get_data(as_text=True)
    assert "Refresher due" not in training and SUMMARY not in training


@pytest.mark.parametrize("app_config", [REVISED_COURSE])
def test_staff_see_overdue_refreshers_counted_and_listed_on_the_roster(app, client) -> None:
    staff = make_user(role="staff")
    overdue = make_user(name="Olive Overdue")
    certified_before_the_change(overdue)
    recent = make_user(name="Rita Recent")
    certify(recent, utcnow())  # issued now, after the change: nothing due
    sign_in(client, staff)
    dashboard = client.get("/staff/").get_data(as_text=True)
    count = re.search(r'<a id="refresher-count" href="([^"]+)">(\d+)</a>', dashboard)
    assert count is not None and count.group(2) == "1"
    assert "Olive Overdue</a> · Refresher overdue" in dashboard
    roster = client.get(count.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Olive Overdue" in roster and "Rita Recent" not in roster
    assert "Refresher overdue" in roster
    detail = client.get(f"/staff/mentors/{overdue.id}").get_data(as_text=True)
    assert "Refresher overdue" in detail and SUMMARY in detail
    export = list(
        csv.DictReader(
            io.StringIO(client.get("/staff/mentors.csv").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    by_name = {row["Name"]: row for row in export}
    assert by_name["Olive Overdue"]["Refresher overdue"] == "yes"
    assert by_name["Olive Overdue"]["Refresher due by"] == "2026-07-31"
    assert by_name["Rita Recent"]["Refresher due by"] == ""
    assert by_name["Rita Recent"]["Refresher overdue"] == "no"


@pytest.mark.parametrize("app_config", [REVISED_COURSE])
def test_a_quiz_with_nothing_due_is_the_normal_quiz(app, client) -> None:
    mentor = make_user()
    certified_before_the_change(mentor)
    sign_in(client, mentor)
    html = pass_via_pages(client, mentor.id, "alpha")
    assert "<h1>Result: Alpha module</h1>" in html
    assert db.session.scalar(sa.select(sa.func.count(CertificateRefresher.id))) == 0
