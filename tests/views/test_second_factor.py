"""Staff and admins sign in with a second factor: an authenticator app or a recovery code."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, StaffRecoveryCode, StaffSecondFactor, utcnow
from app.services import second_factor
from app.services.errors import DomainError, NotAllowed
from tests.conftest import csrf_from
from tests.factories import (
    PASSWORD,
    current_code,
    enrol_second_factor,
    make_user,
    post_form,
    sign_in,
    totp_secret,
)

KEY = "testing-secret-key"


def password_step(client, user, remember: bool = False):
    """Post the right password; staff land on the code page, not signed in yet."""
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = client.post("/sign-in", data=data)
    assert response.status_code == 302 and response.location.endswith("/sign-in/code")
    return response


def post_code(client, path: str, code: str):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"code": code, "csrf_token": token})


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_first_staff_sign_in_sets_up_the_app_before_any_staff_page(app, client) -> None:
    staff = make_user(role="staff", enrol=False)
    password_step(client, staff)
    # Password alone opens nothing: the staff console sends back to sign-in.
    assert client.get("/staff/").location.startswith("/sign-in")
    assert client.get("/sign-in/code").location.endswith("/sign-in/set-up-app")

    page = client.get("/sign-in/set-up-app")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and "data:" not in html
    assert page.headers["Cache-Control"] == "no-store"
    [key] = re.findall(r'id="second-factor-key">([A-Z2-7 ]+)<', html)
    secret = key.replace(" ", "")
    assert client.get("/sign-in/set-up-app").get_data(as_text=True).count(key) == 1  # same key

    wrong = post_code(client, "/sign-in/set-up-app", "000000")
    assert wrong.status_code == 422 and "not right" in wrong.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302

    done = post_code(client, "/sign-in/set-up-app", pyotp.TOTP(secret).now())
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(set(codes)) == 10
    assert done.headers["Cache-Control"] == "no-store"
    assert client.get("/staff/").status_code == 200
    assert "account.second_factor_enrolled" in actions()
    # Stored as hashes only, and the secret is encrypted.
    stored = set(db.session.scalars(sa.select(StaffRecoveryCode.code_hash)))
    assert len(stored) == 10 and not stored & {code.replace("-", "") for code in codes}
    factor = db.session.get(StaffSecondFactor, staff.id)
    assert secret not in factor.secret_encrypted
    assert second_factor.cipher(KEY).decrypt(factor.secret_encrypted.encode()).decode() == secret


def test_admins_enrol_too_and_mentors_never_see_a_second_step(app, client) -> None:
    admin = make_user(role="admin", enrol=False)
    password_step(client, admin)
    assert client.get("/admin/accounts").status_code == 302
    mentor_client = app.test_client()
    sign_in(mentor_client, make_user())
    assert mentor_client.get("/training").status_code == 200


def test_an_enrolled_staff_member_gives_a_code_after_the_password(app, client) -> None:
    staff = make_user(role="staff")
    password_step(client, staff)
    assert client.get("/staff/").status_code == 302
    wrong = post_code(client, "/sign-in/code", "123456")
    assert wrong.status_code == 422
    response = post_code(client, "/sign-in/code", current_code(staff))
    assert response.status_code == 302 and response.location == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_the_next_page_survives_the_second_step(app, client) -> None:
    staff = make_user(role="staff")
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    client.post(
        "/sign-in?next=/staff/matches",
        data={"email": staff.email, "password": PASSWORD, "csrf_token": token},
    )
    assert post_code(client, "/sign-in/code", current_code(staff)).location == "/staff/matches"


def test_a_used_code_is_refused_the_second_time(app, client) -> None:
    staff = make_user(role="staff")
    code = current_code(staff)
    password_step(client, staff)
    assert post_code(client, "/sign-in/code", code).status_code == 302

    other = app.test_client()
    password_step(other, staff)
    replay = post_code(other, "/sign-in/code", code)
    assert replay.status_code == 422
    assert other.get("/staff/").status_code == 302


def test_replay_and_drift_rules_in_the_service(app) -> None:
    staff = make_user(role="staff", enrol=False)
    secret = second_factor.begin_enrolment(db.session, staff, KEY)
    now = utcnow()
    second_factor.confirm_enrolment(db.session, staff.id, pyotp.TOTP(secret).at(now), KEY, now)
    totp = pyotp.TOTP(secret)
    with pytest.raises(DomainError):  # the enrolment code itself
        second_factor.verify(db.session, staff.id, totp.at(now), KEY, now)
    later = now + timedelta(seconds=30)
    assert second_factor.verify(db.session, staff.id, totp.at(later), KEY, later) == "app"
    with pytest.raises(DomainError):  # an older step than the last used one
        second_factor.verify(db.session, staff.id, totp.at(now), KEY, later)
    far = now + timedelta(minutes=5)
    with pytest.raises(DomainError):  # a code from minutes ago is out of the window
        second_factor.verify(db.session, staff.id, totp.at(later), KEY, far)
    # One step of clock drift either way is accepted.
    assert second_factor.verify(
        db.session, staff.id, totp.at(far + timedelta(seconds=30)), KEY, far
    )


def test_a_recovery_code_works_once(app, client) -> None:
    staff = make_user(role="staff", enrol=False)
    codes = enrol_second_factor(staff)
    password_step(client, staff)
    response = post_code(client, "/sign-in/code", codes[0].upper().replace("-", " "))
    assert response.status_code == 302
    assert "9 left" in client.get("/staff/").get_data(as_text=True)
    assert "account.recovery_code_used" in actions()

    other = app.test_client()
    password_step(other, staff)
    assert post_code(other, "/sign-in/code", codes[0]).status_code == 422
    assert post_code(other, "/sign-in/code", codes[1]).status_code == 302


def test_five_wrong_codes_lock_the_second_step_for_a_while(app, client) -> None:
    staff = make_user(role="staff")
    password_step(client, staff)
    for _ in range(second_factor.MAX_FAILURES):
        assert post_code(client, "/sign-in/code", "000000").status_code == 422
    locked = post_code(client, "/sign-in/code", current_code(staff))
    assert locked.status_code == 422 and "not accepted until" in locked.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    assert "account.second_factor_locked" in actions()

    after = utcnow() + second_factor.LOCK_TIME + timedelta(seconds=1)
    code = pyotp.TOTP(totp_secret(staff)).at(after)
    assert second_factor.verify(db.session, staff.id, code, KEY, after) == "app"


def test_the_second_step_waits_five_minutes_at_most(app, client) -> None:
    staff = make_user(role="staff")
    password_step(client, staff)
    with client.session_transaction() as session:
        pending = dict(session["second_factor_pending"])
        pending["at"] -= 5 * 60
        session["second_factor_pending"] = pending
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in/code", data={"code": current_code(staff), "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/sign-in")
    assert client.get("/staff/").status_code == 302


def test_signing_out_everywhere_cancels_a_waiting_second_step(app, client) -> None:
    staff = make_user(role="staff")
    password_step(client, staff)
    from app.services import accounts

    accounts.end_all_sessions(db.session, staff.id)
    assert client.get("/sign-in/code").location.endswith("/sign-in")


def test_staff_are_never_remembered(app, client) -> None:
    staff = make_user(role="staff")
    password_step(client, staff, remember=True)
    post_code(client, "/sign-in/code", current_code(staff))
    assert client.get_cookie("remember_token") is None
    assert client.get("/staff/").status_code == 200


def test_a_secret_key_change_leaves_only_an_admin_reset(app, client) -> None:
    staff = make_user(role="staff")
    factor = db.session.get(StaffSecondFactor, staff.id)
    with pytest.raises(NotAllowed, match="administrator"):
        second_factor.verify(db.session, factor.user_id, "123456", "another key entirely")


def test_an_admin_resets_a_colleagues_second_factor(app, client) -> None:
    admin = make_user(role="admin", name="Avery Admin")
    staff = make_user(role="staff", name="Sam Staff")
    staff_client = app.test_client()
    sign_in(staff_client, staff)
    sign_in(client, admin)
    assert "Reset second factor" in client.get("/admin/accounts").get_data(as_text=True)

    response = post_form(
        client,
        f"/admin/accounts/{staff.id}/second-factor/reset",
        {"confirmed": "yes"},
        page="/admin/accounts",
    )
    assert response.status_code == 302
    assert db.session.get(StaffSecondFactor, staff.id) is None
    assert db.session.scalar(sa.select(sa.func.count(StaffRecoveryCode.id))) == 10  # the admin's
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "account.second_factor_reset")
    )
    assert event.actor_id == admin.id and event.subject_user_id == staff.id
    # Their session ended; the next sign-in sets up an app again.
    assert staff_client.get("/staff/").status_code == 302
    password_step(staff_client, staff)
    assert staff_client.get("/sign-in/code").location.endswith("/sign-in/set-up-app")


def test_an_admin_cannot_reset_their_own_second_factor(app, client) -> None:
    admin = make_user(role="admin")
    sign_in(client, admin)
    response = post_form(
        client,
        f"/admin/accounts/{admin.id}/second-factor/reset",
        {"confirmed": "yes"},
        page="/admin/accounts",
    )
    assert response.status_code == 302
    assert db.session.get(StaffSecondFactor, admin.id) is not None
    assert "account.second_factor_reset" not in actions()


def test_resetting_a_mentor_or_nobody_is_404(app, client) -> None:
    sign_in(client, make_user(role="admin"))
    mentor = make_user()
    for user_id in (mentor.id, 999_999):
        response = post_form(
            client,
            f"/admin/accounts/{user_id}/second-factor/reset",
            {"confirmed": "yes"},
            page="/admin/accounts",
        )
        assert response.status_code == 404


def test_a_file_posted_as_the_code_is_refused_and_nothing_happens(app, client) -> None:
    import io

    staff = make_user(role="staff")
    password_step(client, staff)
    token = csrf_from(client.get("/sign-in/code").get_data(as_text=True))
    response = client.post(
        "/sign-in/code",
        data={"code": (io.BytesIO(b"123456"), "code.txt"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    # Every form refuses file parts before any view runs (app/input_checks.py).
    assert response.status_code == 400
    assert "does not take files" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # still not signed in


def test_no_staff_or_admin_route_opens_between_the_password_and_the_code(app, client) -> None:
    from tests.views.test_access_rules import routes

    password_step(client, make_user(role="admin"))
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    for endpoint, method, url in routes(app, ("staff.", "admin.")):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert response.location.startswith("/sign-in"), (endpoint, response.location)
