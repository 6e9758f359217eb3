"""The in-person training page: staff record one session for several mentors at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import InPersonAttendance, InPersonSession, utcnow
from tests.factories import make_user, post_form, sign_in


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def session_form(*mentor_ids: int, **changes: object) -> dict:
    data = {
        "held_on": utcnow().date().isoformat(),
        "topic": "Boundaries in practice",
        "hours": "2",
        "facilitator": "Ms. Rivera",
        "mentors": [str(mentor_id) for mentor_id in mentor_ids],
    }
    data.update(changes)
    return data


def test_staff_record_a_session_for_two_mentors(app, client) -> None:
    first, second = make_user(name="Ana Example"), make_user(name="Ben Example")
    sign_in(client, make_user(role="staff"))
    page = client.get(f"/staff/in-person?mentor={first.id}").get_data(as_text=True)
    assert "Ana Example" in page and "Ben Example" in page
    assert f'value="{first.id}" checked' in page or 'checked id="mentors-' in page
    response = post_form(
        client, "/staff/in-person", session_form(first.id, second.id), page="/staff/in-person"
    )
    assert response.status_code == 302
    flashed = client.get(response.location).get_data(as_text=True)
    assert "Session recorded: 2 hours for 2 mentors." in flashed
    assert db.session.scalar(sa.select(sa.func.count(InPersonAttendance.id))) == 2
    listing = client.get("/staff/in-person").get_data(as_text=True)
    assert "Boundaries in practice" in listing and "Ana Example" in listing
    detail = client.get(f"/staff/mentors/{first.id}").get_data(as_text=True)
    assert "2 of 2 hours attended before a match." in detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours": "-3"}, "at most 12 hours"),
        ({"hours": "99"}, "at most 12 hours"),
        ({"held_on": "0001-01-01"}, "Enter a date from"),
        ({"topic": ""}, "Give the topic."),
        ({"mentors": []}, "Choose at least one mentor who attended."),
        ({"mentors": ["999999"]}, "is not a valid choice"),
    ],
)
def test_bad_sessions_are_refused_with_a_message(app, client, changes, message) -> None:
    mentor = make_user()
    sign_in(client, make_user(role="staff"))
    response = post_form(
        client, "/staff/in-person", session_form(mentor.id, **changes), page="/staff/in-person"
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(InPersonSession.id))) == 0


def test_mentors_and_visitors_cannot_reach_it(app, client) -> None:
    assert client.get("/staff/in-person").status_code == 302
    sign_in(client, make_user())
    assert client.get("/staff/in-person").status_code == 403
    mentor = make_user()
    response = post_form(client, "/staff/in-person", session_form(mentor.id), page="/training")
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(InPersonSession.id))) == 0


def test_the_form_needs_its_csrf_token(app, client) -> None:
    mentor = make_user()
    sign_in(client, make_user(role="staff"))
    response = client.post("/staff/in-person", data=session_form(mentor.id))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(InPersonSession.id))) == 0
