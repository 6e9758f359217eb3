"""Staff sessions end when idle or old, and sensitive actions ask for the password again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, utcnow
from app.services import staff_sessions
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user, post_form, sign_in, status_of
from tests.services.test_certificates import certify

MINUTE = 60


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def staff_client(app, client):
    staff = make_user(role="staff", name="Sam Staff")
    sign_in(client, staff)
    client.user = staff
    return client


def age(client, **seconds_ago: int) -> None:
    """Move the session's clocks into the past, as if that much time had gone by."""
    keys = {
        "signed_in": "staff_signed_in_at",
        "last_seen": "staff_last_seen",
        "reauthenticated": "staff_reauthenticated_at",
    }
    with client.session_transaction() as session:
        for name, ago in seconds_ago.items():
            session[keys[name]] -= ago


def test_the_rules_with_a_given_clock() -> None:
    now = utcnow()
    assert staff_sessions.expiry_reason(now, now, now) is None
    assert staff_sessions.expiry_reason(now, now - timedelta(minutes=29), now) is None
    idle = staff_sessions.expiry_reason(now, now - timedelta(minutes=30), now)
    assert idle == staff_sessions.IDLE_MESSAGE
    old = staff_sessions.expiry_reason(now - timedelta(hours=12), now, now)
    assert old == staff_sessions.ABSOLUTE_MESSAGE
    assert staff_sessions.expiry_reason(None, None, now) is not None
    assert not staff_sessions.needs_password(now - timedelta(minutes=14), now)
    assert staff_sessions.needs_password(now - timedelta(minutes=15), now)
    assert staff_sessions.needs_password(None, now)
    assert staff_sessions.moment("12") is None and staff_sessions.moment(True) is None


def test_a_staff_session_idle_for_30_minutes_ends(staff_client) -> None:
    age(staff_client, last_seen=29 * MINUTE)
    assert staff_client.get("/staff/").status_code == 200  # activity moves the idle clock
    age(staff_client, last_seen=29 * MINUTE)
    assert staff_client.get("/staff/").status_code == 200
    age(staff_client, last_seen=30 * MINUTE)
    response = staff_client.get("/staff/matches")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in?next=/staff/matches")
    page = staff_client.get(response.location).get_data(as_text=True)
    assert "30 minutes without activity" in page
    assert staff_client.get("/staff/").status_code == 302


def test_a_staff_session_lasts_12_hours_however_active(staff_client) -> None:
    age(staff_client, signed_in=12 * 60 * MINUTE - 5 * MINUTE)
    assert staff_client.get("/staff/").status_code == 200
    age(staff_client, signed_in=5 * MINUTE)
    response = staff_client.get("/staff/")
    assert response.status_code == 302
    assert "at most 12 hours" in staff_client.get("/sign-in").get_data(as_text=True)


def test_a_staff_session_without_its_clocks_is_not_trusted(staff_client) -> None:
    with staff_client.session_transaction() as session:
        del session["staff_signed_in_at"]
    assert staff_client.get("/staff/").status_code == 302
    assert staff_client.get("/training").status_code == 302  # signed out altogether


def test_mentor_sessions_are_not_timed_out_this_way(app, client) -> None:
    sign_in(client, make_user())
    with client.session_transaction() as session:
        assert "staff_signed_in_at" not in session
    assert client.get("/training").status_code == 200


def test_an_export_asks_for_the_password_after_15_minutes(staff_client) -> None:
    assert staff_client.get("/staff/mentors.csv").status_code == 200  # just signed in
    age(staff_client, reauthenticated=15 * MINUTE)
    response = staff_client.get("/staff/mentors.csv?q=maria")
    assert response.status_code == 302
    assert response.location.startswith("/account/confirm-password?next=")

    page = staff_client.get(response.location)
    assert page.status_code == 200 and "Confirm your password" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    wrong = staff_client.post(
        response.location, data={"password": "not the password at all", "csrf_token": token}
    )
    assert wrong.status_code == 422
    right = staff_client.post(response.location, data={"password": PASSWORD, "csrf_token": token})
    assert right.status_code == 302 and right.location == "/staff/mentors.csv?q=maria"
    assert staff_client.get(right.location).status_code == 200


def test_report_exports_ask_too(staff_client) -> None:
    age(staff_client, reauthenticated=16 * MINUTE)
    response = staff_client.get("/staff/reports/quizzes.csv")
    assert response.location.startswith("/account/confirm-password")
    assert staff_client.get("/staff/reports").status_code == 200  # the page itself does not


def test_revoking_asks_for_the_password_but_suspending_does_not(staff_client) -> None:
    mentor = make_user()
    certificate = certify(mentor, at=utcnow() - timedelta(days=1))
    mentor_page = f"/staff/mentors/{mentor.id}"
    age(staff_client, reauthenticated=20 * MINUTE)
    suspended = post_form(
        staff_client,
        f"/staff/certificates/{certificate.id}/suspend",
        {"reason": "Looking into a concern"},
        page=mentor_page,
    )
    assert suspended.status_code == 302 and suspended.location.startswith(mentor_page)

    revoke = f"/staff/certificates/{certificate.id}/revoke"
    refused = post_form(
        staff_client,
        revoke,
        {"reason": "Final decision"},
        page=mentor_page,
        headers={"Referer": f"http://localhost{mentor_page}"},
    )
    assert refused.status_code == 302
    assert refused.location == f"/account/confirm-password?next={mentor_page}"
    assert status_of(certificate, utcnow()) != "revoked"

    page = staff_client.get(refused.location).get_data(as_text=True)
    staff_client.post(refused.location, data={"password": PASSWORD, "csrf_token": csrf_from(page)})
    done = post_form(
        staff_client, revoke, {"reason": "Final decision", "confirmed": "yes"}, page=mentor_page
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert status_of(certificate, utcnow()) == "revoked"


def test_role_changes_and_second_factor_resets_ask_for_the_password(app, client) -> None:
    admin = make_user(role="admin")
    colleague = make_user(role="staff")
    sign_in(client, admin)
    age(client, reauthenticated=15 * MINUTE)
    for path in (
        f"/admin/accounts/{colleague.id}/role",
        f"/admin/accounts/{colleague.id}/second-factor/reset",
    ):
        response = post_form(client, path, {"role": "admin"}, page="/admin/accounts")
        assert response.location.startswith("/account/confirm-password"), path
    db.session.refresh(colleague)
    assert colleague.role == "staff"
    recorded = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert not {"account.role_changed", "account.second_factor_reset"} & recorded


def test_the_confirm_page_only_returns_to_this_site(staff_client) -> None:
    page = staff_client.get("/account/confirm-password?next=https://evil.example/x")
    token = csrf_from(page.get_data(as_text=True))
    response = staff_client.post(
        "/account/confirm-password?next=https://evil.example/x",
        data={"password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.location == "/staff/"
