"""`flask outbox send`: queued mail leaves once, by the command; production logs no live links."""

from __future__ import annotations

import logging
import secrets
import socket

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from app import create_app
from app.extensions import db
from app.models import OutboxMessage
from app.services import accounts, outbox
from tests.factories import make_user
from tests.test_config import production_settings

SITE = accounts.Site("https://training.example.org", "Mentor Ready")


def mail_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The messages written to the mail log."""
    return [r.getMessage() for r in caplog.records if r.name == "mentor_ready.mail"]


def test_send_writes_queued_mail_to_the_log_once_without_a_mail_server(
    app: Flask, runner: FlaskCliRunner, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user()
    accounts.request_password_reset(db.session, user.email, site=SITE)
    caplog.set_level(logging.INFO, logger="mentor_ready.mail")

    first = runner.invoke(args=["outbox", "send"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "Sent 1, will retry 0, gave up on 0."
    [mail] = mail_lines(caplog)
    assert f"Mail to {user.email}" in mail and "/reset-password/" in mail

    second = runner.invoke(args=["outbox", "send"])
    assert second.exit_code == 0 and second.output == ""
    assert len(mail_lines(caplog)) == 1


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestWithTheMailServerDown:
    """The SMTP server refuses connections."""

    @pytest.fixture
    def app_config(self, database_url: str, closed_port: int) -> dict[str, object]:
        """An SMTP server that is down."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": closed_port, "MAIL_USE_TLS": False}

    def test_send_keeps_a_message_for_later(self, app: Flask, runner: FlaskCliRunner) -> None:
        outbox.enqueue(db.session, "a@example.org", "Hello", "Body")
        db.session.commit()
        result = runner.invoke(args=["outbox", "send"])
        assert result.exit_code == 0, result.output
        assert "will retry 1" in result.output
        db.session.expire_all()
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.attempts == 1 and message.sent_at is None and message.failed_at is None

    def test_pages_that_mail_answer_as_usual(self, app: Flask) -> None:
        from tests.factories import post_form

        user = make_user()
        client = app.test_client()
        forgot = post_form(
            client, "/forgot-password", {"email": user.email}, page="/forgot-password"
        )
        assert forgot.status_code == 302
        registration = {
            "name": "Maria Garcia",
            "email": user.email,
            "password": "quiet rivers know the way",
            "mentor_type": "community_volunteer",
        }
        register = post_form(client, "/register", registration, page="/register")
        assert register.status_code == 302 and register.location == "/register/check-email"
        assert outbox.pending(db.session) == 2


def test_production_without_a_mail_server_warns_and_never_logs_a_whole_link(
    app: Flask, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    production = create_app(
        production_settings(
            SECRET_KEY=secrets.token_urlsafe(48),
            SQLALCHEMY_DATABASE_URI=database_url,
            MAIL_SERVER="",
        )
    )
    assert any("MAIL_SERVER is not set" in r.getMessage() for r in caplog.records)

    with production.app_context():
        user = make_user()
        accounts.request_password_reset(db.session, user.email, site=SITE)
        [message] = db.session.scalars(sa.select(OutboxMessage))
        token = message.body.split("/reset-password/")[1].split()[0]
        result = production.test_cli_runner().invoke(args=["outbox", "send"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    [mail] = mail_lines(caplog)
    assert "/reset-password/" in mail and "[redacted]" in mail
    assert token not in caplog.text
    assert token[:4] in mail


def test_development_without_a_mail_server_logs_queued_mail_after_the_response(
    app: Flask, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from config import DevelopmentConfig
    from tests.conftest import csrf_from

    user = make_user()
    settings = type(
        "DevForTest",
        (DevelopmentConfig,),
        {"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_SERVER": "", "BASE_URL": SITE.base_url},
    )
    development = create_app(settings)
    caplog.set_level(logging.INFO, logger="mentor_ready.mail")
    client = development.test_client()
    token = csrf_from(client.get("/forgot-password").get_data(as_text=True))
    response = client.post("/forgot-password", data={"email": user.email, "csrf_token": token})
    assert response.status_code == 302
    response.close()  # what the server does once the response is out
    [mail] = mail_lines(caplog)
    assert f"Mail to {user.email}" in mail and "/reset-password/" in mail
    with development.app_context():
        db.session.remove()
        db.engine.dispose()


def test_status_counts_messages_and_names_those_given_up_on(
    app: Flask, runner: FlaskCliRunner
) -> None:
    from datetime import UTC, datetime

    for number in range(3):
        outbox.enqueue(db.session, f"p{number}@example.org", f"Subject {number}", "Body")
    db.session.commit()
    outbox.send_due(db.session, datetime.now(UTC), lambda to, subject, body: None, limit=1)
    message = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).limit(1)
    ).one()
    message.failed_at, message.attempts = datetime(2026, 3, 2, 9, 30, tzinfo=UTC), 8
    message.last_error = "SMTPRecipientsRefused: no such mailbox"
    db.session.commit()

    result = runner.invoke(args=["outbox", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1 waiting, 1 sent, 1 given up on (latest 20 shown)."
    assert lines[1] == (
        f"#{message.id} 2026-03-02 09:30 UTC to {message.to_address}: {message.subject} "
        "(8 tries; SMTPRecipientsRefused: no such mailbox)"
    )
