"""The Program profile page: admins fill it; mentors see their program's own words and time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, ProgramProfile
from app.services import audit, program
from app.web import current_course
from tests.factories import make_user, post_form, sign_in

PAGE = "/admin/program"

FORM = {
    "name": "Riverside Youth Mentoring",
    "description": "Mentoring for youth in Riverside County.",
    "coordinator_name": "Dana Ortiz",
    "coordinator_role": "Mentor coordinator",
    "coordinator_email": "dana@riverside.example.org",
    "coordinator_phone": "555-0100",
    "coordinator_hours": "Weekdays 9 to 5",
    "first_contact": "Call Dana Ortiz at once, day or night.",
    "after_hours": "On-call line 555-0199",
    "hotline": "Riverside State hotline 1-800-555-0123",
    "must_report_directly": "yes",
    "emergency": "Call 911. Riverside crisis line 555-0150.",
    "time_zone": "America/Chicago",
    "mentor_types": ["community_volunteer", "care_provider"],
    "match_models": ["one_to_one", "group"],
    "required_placeholders": ["reporting_chain"],
}


@pytest.fixture
def admin_client(app, client):
    admin = make_user(role="admin", name="Avery Admin")
    sign_in(client, admin)
    client.admin = admin
    return client


def fill(client, **changes):
    return post_form(client, PAGE, {**FORM, **changes}, page=PAGE)


def test_a_fresh_install_shows_the_setup_checklist(admin_client) -> None:
    html = admin_client.get("/staff/").get_data(as_text=True)
    assert "Program setup" in html
    assert "To do: Program name" in html and "To do: Time zone" in html
    assert f'href="{PAGE}"' in html
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert 'value="Mentor Ready"' in page, "the PROGRAM_NAME setting is the default name"


def test_an_admin_fills_the_profile_and_mentors_see_their_programs_own_words(
    admin_client, app
) -> None:
    response = fill(admin_client)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Program setup" not in admin_client.get("/staff/").get_data(as_text=True)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "program.profile_changed")
    ).one()
    assert event.actor_id == admin_client.admin.id
    assert event.detail["changed"]["coordinator_name"] == ["", "Dana Ortiz"]

    mentor = app.test_client()
    sign_in(mentor, make_user())
    training = mentor.get("/training").get_data(as_text=True)
    assert "Your coordinator" in training
    assert "Dana Ortiz, Mentor coordinator<br>\ndana@riverside.example.org" in training
    module = mentor.get("/modules/boundaries-safety-reporting").get_data(as_text=True)
    assert "<strong>Tell first:</strong> Call Dana Ortiz at once, day or night." in module
    assert "Riverside State hotline 1-800-555-0123" in module
    assert "you must also make the report yourself" in module
    assert "Program procedure" not in module and "{{" not in module
    assert "Riverside crisis line 555-0150" in module, "the footer shows the program's numbers"
    assert "1-888-373-7888" not in module.split('class="site-footer"')[1]
    assert "<title>" in module and "Riverside Youth Mentoring" in module


def test_before_the_profile_is_filled_the_course_tells_mentors_to_ask(app, client) -> None:
    sign_in(client, make_user())
    module = client.get("/modules/youth-in-crisis").get_data(as_text=True)
    assert "has not written its reporting chain here yet" in module
    assert "1-888-373-7888" in module.split('class="site-footer"')[1]
    training = client.get("/training").get_data(as_text=True)
    assert "has not added its coordinator" in training


def test_html_and_script_in_the_profile_are_stored_verbatim_and_escaped(admin_client, app) -> None:
    script = '<script>alert("x")</script>'
    fill(
        admin_client,
        name=f"Riverside {script}",
        coordinator_name=f"Dana {script}",
        first_contact=f"<img src=x onerror=alert(1)>\r\nthen {script}",
        emergency="<a href='javascript:alert(1)'>911</a>",
    )
    stored = db.session.get(ProgramProfile, 1)
    assert stored.coordinator_name == f"Dana {script}"
    assert stored.first_contact == f"<img src=x onerror=alert(1)>\nthen {script}"
    mentor = app.test_client()
    sign_in(mentor, make_user())
    for path in ("/training", "/modules/boundaries-safety-reporting", "/staff/"):
        html = mentor.get(path, follow_redirects=True).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "<a href='javascript" not in html
    module = mentor.get("/modules/boundaries-safety-reporting").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;<br>\nthen &lt;script&gt;" in module
    admin_page = admin_client.get(PAGE).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in admin_page
    assert "<script>alert" not in admin_page


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Central Time", "UTC+2"])
def test_a_time_zone_that_does_not_exist_is_refused(admin_client, zone: str) -> None:
    response = fill(admin_client, time_zone=zone)
    assert response.status_code == 422
    assert "is not a time zone name" in response.get_data(as_text=True)
    assert db.session.get(ProgramProfile, 1) is None


def test_other_bad_answers_are_refused_with_nothing_saved(admin_client) -> None:
    assert fill(admin_client, match_models=["pairs"]).status_code == 422
    assert fill(admin_client, coordinator_email="not an email").status_code == 422
    assert fill(admin_client, name="").status_code == 422
    assert fill(admin_client, must_report_directly="maybe").status_code == 422
    assert db.session.get(ProgramProfile, 1) is None


@pytest.mark.parametrize("role", ["staff", "mentor"])
def test_only_an_admin_may_see_or_change_the_profile(app, client, role: str) -> None:
    sign_in(client, make_user(role=role))
    assert client.get(PAGE).status_code == 403
    assert post_form(client, PAGE, FORM).status_code == 403
    assert db.session.get(ProgramProfile, 1) is None
    if role == "staff":
        html = client.get("/staff/").get_data(as_text=True)
        assert "Program setup" in html and f'href="{PAGE}"' not in html


def test_dates_and_times_show_in_the_programs_time_zone(admin_client, app) -> None:
    admin = admin_client.admin
    audit.record(
        db.session,
        "test.marker",
        actor_id=admin.id,
        now=datetime(2026, 7, 1, 3, 30, tzinfo=UTC),
    )
    db.session.commit()
    before = admin_client.get("/staff/audit").get_data(as_text=True)
    assert "1 July 2026, 03:30 UTC" in before
    fill(admin_client)
    after = admin_client.get("/staff/audit").get_data(as_text=True)
    assert "30 June 2026, 22:30 CDT" in after


def test_the_new_match_form_offers_only_the_programs_models(admin_client) -> None:
    html = admin_client.get("/staff/matches/new").get_data(as_text=True)
    assert 'value="team"' in html
    fill(admin_client, match_models=["group"])
    html = admin_client.get("/staff/matches/new").get_data(as_text=True)
    assert 'value="group"' in html
    assert 'value="one_to_one"' not in html and 'value="team"' not in html
    response = post_form(
        admin_client,
        "/staff/matches/new",
        {"model": "team", "youth_codes": "Y-1001", "started_on": "2026-11-01"},
        page="/staff/matches/new",
    )
    assert response.status_code == 422
    assert "Matching model: Not a valid choice" in response.get_data(as_text=True)


def test_the_planner_can_set_what_the_program_recruits(admin_client) -> None:
    program.set_recruitment(db.session, admin_client.admin.id, ["blended"], ["staff_mentor"])
    html = admin_client.get("/staff/matches/new").get_data(as_text=True)
    assert 'value="blended"' in html and 'value="group"' not in html
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert 'value="staff_mentor" checked' in page
    assert 'value="care_provider" checked' not in page


def test_sign_up_offers_only_the_mentor_types_the_program_recruits(admin_client, app) -> None:
    program.set_recruitment(
        db.session, admin_client.admin.id, ["one_to_one"], ["care_provider", "staff_mentor"]
    )
    visitor = app.test_client()
    html = visitor.get("/register").get_data(as_text=True)
    assert 'value="care_provider"' in html and 'value="staff_mentor"' in html
    assert 'value="community_volunteer"' not in html
    response = post_form(
        visitor,
        "/register",
        {
            "name": "Sam Volunteer",
            "email": "sam@example.org",
            "password": "lantern maple orbit river 42",
            "mentor_type": "community_volunteer",
        },
        page="/register",
    )
    assert response.status_code == 422
    assert "Choose one of the kinds of mentor listed." in response.get_data(as_text=True)


def test_an_admin_writes_the_programs_quiz_question(admin_client) -> None:
    question = {
        "question_prompt": "Who do you tell first, and how fast?",
        "question_answer": "Dana, within the hour",
        "question_wrong": "Nobody\r\nThe youth's friends",
    }
    response = fill(admin_client, **{**question, "question_wrong": "Nobody"})
    assert response.status_code == 422
    assert "Write two to four wrong answers" in response.get_data(as_text=True)
    assert fill(admin_client, **question).status_code == 302
    quiz = current_course().quiz(program.QUESTION_QUIZ)
    assert quiz is not None and quiz.has_question(program.QUESTION_ID)
    assert quiz.question(program.QUESTION_ID).critical
