"""Factories that build real rows through the real services."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from flask import current_app
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Certificate, OutboxMessage, User, utcnow
from app.services import accounts, certificates, second_factor

PASSWORD = "lantern maple orbit river 42"
_counter = itertools.count(1)


def make_user(
    *,
    role: str = "mentor",
    mentor_type: str | None = "community_volunteer",
    name: str | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    now: datetime | None = None,
    enrol: bool = True,
) -> User:
    """Create an account through the accounts service; staff and admins enrol an app unless told."""
    number = next(_counter)
    user = accounts.create_account(
        db.session,
        email=email or f"person{number}@example.org",
        name=name or f"Test Person{number}",
        password=password,
        role=role,
        mentor_type=mentor_type if role == "mentor" else None,
        now=now,
    )
    if enrol and user.is_staff:
        enrol_second_factor(user)
    return user


def _key_material() -> str:
    return current_app.config.get("SECOND_FACTOR_KEY") or current_app.config["SECRET_KEY"]


def enrol_second_factor(user: User) -> list[str]:
    """Set up an authenticator app for `user` through the service; returns the recovery codes."""
    secret = second_factor.begin_enrolment(db.session, user, _key_material())
    # Confirmed a minute ago, so the codes of the next three time steps are free for sign-ins.
    earlier = utcnow() - timedelta(seconds=60)
    return second_factor.confirm_enrolment(
        db.session, user.id, pyotp.TOTP(secret).at(earlier), _key_material(), now=earlier
    )


def totp_secret(user: User) -> str:
    """The account's TOTP secret, decrypted as the app does."""
    factor = second_factor.factor_for(db.session, user.id)
    assert factor is not None, "this account has no second factor"
    return second_factor.cipher(_key_material()).decrypt(factor.secret_encrypted.encode()).decode()


def current_code(user: User) -> str:
    """A code the app accepts now: the current time step, else a later one in the window.

    Never an earlier step: the request may reach the app after the clock has moved on a step,
    and the earliest step in the window would then fall outside it.
    """
    factor = second_factor.factor_for(db.session, user.id)
    assert factor is not None, "this account has no second factor"
    db.session.refresh(factor)
    now = utcnow()
    step = second_factor.time_step(now)
    for candidate in range(step, step + second_factor.DRIFT_STEPS + 1):
        if factor.last_used_step is None or candidate > factor.last_used_step:
            return pyotp.TOTP(totp_secret(user)).at(candidate * second_factor.STEP_SECONDS)
    # Tests sign one person in more often than a person could in 30 seconds: free older steps.
    factor.last_used_step = step - 2
    db.session.commit()
    return current_code(user)


def sign_in(
    client: FlaskClient, user: User, password: str = PASSWORD, remember: bool = False
) -> None:
    """Sign `user` in through the real sign-in form."""
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    data = {"email": user.email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = client.post("/sign-in", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    if not response.location.endswith("/sign-in/code"):
        return
    page = client.get("/sign-in/code")
    if page.status_code == 200:
        response = client.post(
            "/sign-in/code",
            data={"code": current_code(user), "csrf_token": csrf_from(page.get_data(as_text=True))},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return
    # Not enrolled yet: the first staff sign-in sets up the app, as a person would.
    assert page.location.endswith("/sign-in/set-up-app"), page.location
    html = client.get("/sign-in/set-up-app").get_data(as_text=True)
    [key] = re.findall(r'id="second-factor-key">([A-Z2-7 ]+)<', html)
    code = pyotp.TOTP(key.replace(" ", "")).now()
    response = client.post(
        "/sign-in/set-up-app", data={"code": code, "csrf_token": csrf_from(html)}
    )
    assert "Your recovery codes" in response.get_data(as_text=True)


def post_form(
    client: FlaskClient, path: str, data: dict | None = None, page: str | None = None, **kwargs
):
    """POST `data` with a valid CSRF token taken from `page` (default: the sign-in page)."""
    from tests.conftest import csrf_from

    # Signed in already, the sign-in page redirects home, whose sign-out form carries a token.
    response = client.get(page or "/sign-in", follow_redirects=True)
    token = csrf_from(response.get_data(as_text=True))
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


def certificates_of(user_id: int) -> list[Certificate]:
    """Every certificate of a mentor, newest period first."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.period.desc())
        )
    )


def latest_certificate(user_id: int) -> Certificate | None:
    """The certificate of the mentor's most recent period."""
    found = certificates_of(user_id)
    return found[0] if found else None


def status_of(certificate: Certificate, now: datetime) -> str:
    """The status that applies to a certificate at `now` (its holder's whole record counts)."""
    return certificates.chain_of(db.session, certificate.user_id, now).status_of(certificate)


def queued_mail(to: str | None = None) -> list[OutboxMessage]:
    """Messages in the outbox (to one address, if given), oldest first, read fresh."""
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query))


def link_in_mail(message: OutboxMessage, kind: str) -> str:
    """The path of the `kind` link (confirm-email, reset-password, invite) in a queued message."""
    match = re.search(rf"http://localhost(/{kind}/[A-Za-z0-9_-]+)", message.body)
    assert match, f"no {kind} link in: {message.body}"
    return match.group(1)


def last_link(to: str, kind: str) -> str:
    """The `kind` link in the newest message queued for `to`."""
    messages = queued_mail(to)
    assert messages, f"no mail queued for {to}"
    return link_in_mail(messages[-1], kind)
