"""The account page: a mentor turns reminders and nudges off for themselves, and only themselves."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.services import notices
from tests.conftest import csrf_from
from tests.factories import make_user, post_form, sign_in


def saved(user_id: int) -> notices.Preferences:
    """The mentor's stored choices, read fresh."""
    db.session.expire_all()
    return notices.preferences_of(db.session, user_id)


def test_signed_out_visitors_go_through_sign_in_and_come_back(
    app: Flask, client: FlaskClient
) -> None:
    mentor = make_user()
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in?next=%2Faccount")
    token = csrf_from(client.get(response.location).get_data(as_text=True))
    signed_in = client.post(
        response.location,
        data={
            "email": mentor.email,
            "password": "lantern maple orbit river 42",
            "csrf_token": token,
        },
    )
    assert signed_in.status_code == 302 and signed_in.location == "/account"


def test_a_mentor_sees_both_choices_on_by_default_and_the_password_link(
    app: Flask, client: FlaskClient
) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    home = client.get("/training").get_data(as_text=True)
    assert 'href="/account"' in home
    page = client.get("/account")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('type="checkbox"') == 2 and html.count("checked") == 2
    assert 'href="/account/password"' in html
    assert "always email you when your certificate is issued" in html


def test_a_mentor_turns_reminders_off_and_back_on(app: Flask, client: FlaskClient) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    response = post_form(client, "/account", {"nudges": "y"}, page="/account")
    assert response.status_code == 302 and response.location == "/account"
    assert saved(mentor.id) == notices.Preferences(reminders=False, nudges=True)
    html = client.get("/account").get_data(as_text=True)
    assert "Your choices are saved." in html and html.count("checked") == 1

    post_form(client, "/account", {"reminders": "y", "nudges": "y"}, page="/account")
    assert saved(mentor.id) == notices.Preferences(reminders=True, nudges=True)
    post_form(client, "/account", {}, page="/account")
    assert saved(mentor.id) == notices.Preferences(reminders=False, nudges=False)


def test_the_form_needs_its_csrf_token(app: Flask, client: FlaskClient) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    refused = client.post("/account", data={})
    assert refused.status_code == 400
    wrong = client.post("/account", data={"csrf_token": "not-the-token"})
    assert wrong.status_code == 400
    assert saved(mentor.id) == notices.Preferences(True, True)


def test_junk_values_are_refused_and_change_nothing(app: Flask, client: FlaskClient) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    post_form(client, "/account", {"reminders": "y"}, page="/account")
    for junk in (
        {"reminders": "banana", "nudges": "y"},
        {"reminders": "y", "nudges": "1' OR '1'='1"},
        {"reminders": ["y", "y"]},
        {"nudges": "false"},
        {"reminders": "y" * 5000},
    ):
        response = post_form(client, "/account", junk, page="/account")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, junk
        assert "There is a problem" in html and "Tick the box or leave it empty." in html
        assert saved(mentor.id) == notices.Preferences(reminders=True, nudges=False), junk


def test_a_mentor_cannot_change_someone_elses_choices(app: Flask, client: FlaskClient) -> None:
    mentor, other = make_user(), make_user()
    sign_in(client, mentor)
    response = post_form(
        client,
        "/account",
        {"user_id": str(other.id), "id": str(other.id), "email": other.email},
        page="/account",
    )
    assert response.status_code == 302
    assert saved(mentor.id) == notices.Preferences(False, False)
    assert saved(other.id) == notices.Preferences(True, True)
    assert client.get(f"/account/{other.id}").status_code == 404


def test_staff_see_the_password_link_and_no_mentor_choices(app: Flask, client: FlaskClient) -> None:
    staff = make_user(role="staff")
    sign_in(client, staff)
    page = client.get("/account")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'type="checkbox"' not in html and 'href="/account/password"' in html
    response = post_form(client, "/account", {}, page="/account")
    assert response.status_code == 200
    assert saved(staff.id) == notices.Preferences(True, True)
