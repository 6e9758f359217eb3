"""Failed sign-ins per account: ten in a row pause it, from whatever addresses they come."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, User
from app.services import accounts
from tests.conftest import csrf_from
from tests.factories import PASSWORD, last_link, make_user, post_form, queued_mail

NEW_PASSWORD = "seven purple lanterns drift home"
SITE = accounts.Site("http://localhost", "Mentor Ready")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def app_config(database_url: str) -> dict[str, object]:
    """The per-address limit switched on, as in production, to show both limits side by side."""
    return {"RATELIMIT_ENABLED": True, "SIGN_IN_RATE_LIMIT": "10 per minute"}


def attempt(app: Flask, email: str, password: str, address: str):
    """One sign-in from a fresh browser at `address`."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    page = client.get("/sign-in", environ_base=environ).get_data(as_text=True)
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_from(page)},
        environ_base=environ,
    )


def stored(user: User) -> User:
    """The account read fresh."""
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_fifty_wrong_passwords_from_fifty_addresses_pause_the_account(app: Flask) -> None:
    user = make_user()
    for number in range(50):
        response = attempt(app, user.email, f"a wrong guess number {number}", f"10.0.0.{number}")
        assert response.status_code == 422  # never the per-address limit: one try per address

    refused = attempt(app, user.email, PASSWORD, "10.0.1.1")
    assert refused.status_code == 422
    message = html.unescape(refused.get_data(as_text=True))
    assert "That email and password do not match an account." in message
    assert "resetting its password ends the pause" in message

    paused = stored(user)
    assert paused.locked_until is not None
    # Only the tenth failure paused it; failures during the pause do not extend it.
    assert paused.lockouts == 1 and paused.failed_sign_ins == 0
    [notice] = queued_mail(user.email)
    assert "paused" in notice.subject and "/reset-password/" in notice.body

    # The pause runs out.
    paused.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert attempt(app, user.email, PASSWORD, "10.0.1.2").status_code == 302
    cleared = stored(user)
    assert (cleared.failed_sign_ins, cleared.lockouts, cleared.locked_until) == (0, 0, None)


def test_a_password_reset_ends_the_pause_at_once(app: Flask) -> None:
    user = make_user()
    for number in range(10):
        attempt(app, user.email, "wrong", f"10.0.2.{number}")
    assert attempt(app, user.email, PASSWORD, "10.0.3.1").status_code == 422

    client = app.test_client()
    link = last_link(user.email, "reset-password")
    assert post_form(client, link, {"password": NEW_PASSWORD}, page=link).status_code == 302
    assert attempt(app, user.email, NEW_PASSWORD, "10.0.3.2").status_code == 302


def test_an_unknown_email_and_a_paused_account_answer_alike(app: Flask) -> None:
    user = make_user()
    for number in range(10):
        attempt(app, user.email, "wrong", f"10.0.4.{number}")

    def errors(response) -> str:
        text = html.unescape(response.get_data(as_text=True))
        return text[text.index('<div class="error-summary"') :].split("</div>")[0]

    paused = attempt(app, user.email, PASSWORD, "10.0.5.1")
    unknown = attempt(app, "nobody@example.org", PASSWORD, "10.0.5.2")
    assert paused.status_code == unknown.status_code == 422
    assert errors(paused) == errors(unknown)


def test_each_pause_lasts_twice_as_long_up_to_four_hours(app: Flask) -> None:
    user = make_user()
    now = NOW
    lengths = []
    for _ in range(6):
        for _ in range(accounts.LOCK_AFTER_FAILURES):
            assert (
                accounts.authenticate(db.session, user.email, "wrong", site=SITE, now=now) is None
            )
        locked_until = stored(user).locked_until
        lengths.append(locked_until - now)
        # Even the right password waits while the account is paused.
        assert accounts.authenticate(db.session, user.email, PASSWORD, site=SITE, now=now) is None
        now = locked_until
    assert lengths == [timedelta(minutes=m) for m in (15, 30, 60, 120, 240, 240)]
    # One notice per pause, never more.
    assert len(queued_mail(user.email)) == 6
    pauses = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "account.sign_in_paused")
    ).all()
    assert len(pauses) == 6

    assert accounts.authenticate(db.session, user.email, PASSWORD, site=SITE, now=now) is not None
    assert stored(user).lockouts == 0


def test_failures_below_the_limit_are_forgotten_after_a_good_sign_in(client: FlaskClient) -> None:
    user = make_user()
    for _ in range(accounts.LOCK_AFTER_FAILURES - 1):
        accounts.authenticate(db.session, user.email, "wrong", site=SITE, now=NOW)
    assert accounts.authenticate(db.session, user.email, PASSWORD, site=SITE, now=NOW) is not None
    accounts.authenticate(db.session, user.email, "wrong", site=SITE, now=NOW)
    assert stored(user).locked_until is None and stored(user).failed_sign_ins == 1
