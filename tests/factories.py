"""Factories that build real rows through the real services."""

from __future__ import annotations

import itertools
import re
from datetime import datetime

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Certificate, OutboxMessage, User
from app.services import accounts, certificates

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
) -> User:
    """Create an account through the accounts service."""
    number = next(_counter)
    return accounts.create_account(
        db.session,
        email=email or f"person{number}@example.org",
        name=name or f"Test Person{number}",
        password=password,
        role=role,
        mentor_type=mentor_type if role == "mentor" else None,
        now=now,
    )


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
