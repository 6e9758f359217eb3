"""`flask notices send`: a seeded population on two days gets exactly its notices, once each; a
mail server that refuses delays them without duplicating any."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from app.extensions import db
from app.models import OutboxMessage, utcnow
from app.services import certificates, notices, outbox
from app.services.mail import send_mail, settings_from
from tests.factories import make_user, queued_mail
from tests.services.test_certificates import certify
from tests.smtp_server import LocalSmtpServer

ACCOUNT_LINK = "http://localhost/account"
REASON = "Missed two check-ins with the youth's caseworker"
DAY_ONE = date(2027, 1, 20)
DAY_TWO = date(2027, 2, 24)


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def noon(day: date) -> datetime:
    """The moment `--today` stands for."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def send(runner: FlaskCliRunner, day: date | None = None) -> str:
    """Run the command (on a day, if given); it must succeed."""
    args = ["notices", "send"] + (["--today", day.isoformat()] if day else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def outbox_summary() -> list[tuple[str, str]]:
    """(recipient, subject) of every queued message, in order."""
    return [(mail.to_address, mail.subject) for mail in queued_mail()]


def test_a_population_on_two_days_gets_exactly_its_notices_once(
    app: Flask, runner: FlaskCliRunner
) -> None:
    staff = make_user(role="staff")
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    # Certified a year before DAY_TWO: renewal opens before day one, ends soon after day two.
    renewing = make_user(name="Rosa Renewing", now=start)
    certify(renewing, at=start)
    quiet_reminders = make_user(name="Quinn Quiet", now=start)
    certify(quiet_reminders, at=start)
    notices.set_preferences(db.session, quiet_reminders.id, reminders=False, nudges=True)
    # Certified on day one, suspended the day before day two.
    fresh = make_user(name="Frida Fresh", now=start)
    certified = certify(fresh, at=noon(DAY_ONE) - timedelta(hours=3))
    # Signed up and never came back; and one who finished long ago and lets it lapse.
    idle = make_user(name="Ida Idle", now=noon(DAY_ONE) - timedelta(days=25))
    gone = make_user(name="Gil Gone", now=start)
    gone.deactivated_at = start + timedelta(days=1)
    db.session.commit()

    first = send(runner, DAY_ONE)
    assert first.strip() == "Queued 3 notices: issued 1, nudge 1, renewal_open 1."
    assert sorted(outbox_summary()) == sorted(
        [
            (renewing.email, "You can renew your Mentor Ready certificate now"),
            (fresh.email, "Your Mentor Ready certificate is ready"),
            (idle.email, "Your Mentor Ready training is here when you are ready"),
        ]
    )
    assert send(runner, DAY_ONE) == ""  # the same day again: nothing more

    certificates.suspend(
        db.session, staff.id, certified.id, REASON, now=noon(DAY_TWO) - timedelta(days=1)
    )
    second = send(runner, DAY_TWO)
    assert second.strip() == "Queued 3 notices: expiring_7 1, nudge 1, suspended 1."
    assert send(runner, DAY_TWO) == ""
    new = outbox_summary()[3:]
    assert sorted(new) == sorted(
        [
            (renewing.email, "Your Mentor Ready certificate ends on 1 March 2027"),
            (fresh.email, "An update about your Mentor Ready certificate"),
            (idle.email, "Your Mentor Ready training is here when you are ready"),
        ]
    )
    for mail in queued_mail():
        assert ACCOUNT_LINK in mail.body and mail.body.startswith("Hello ")
        assert REASON not in mail.body
    [expiring] = [m for m in queued_mail(renewing.email) if "ends on" in m.subject]
    assert "in 5 days" in expiring.body and "http://localhost/training" in expiring.body
    assert queued_mail(quiet_reminders.email) == []
    assert queued_mail(gone.email) == []
    assert "last message of this kind" in queued_mail(idle.email)[-1].body


def test_a_day_that_is_not_a_date_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    make_user(now=utcnow() - timedelta(days=60))
    for junk in ("2027-02-30", "tomorrow", "24/02/2027", "2027-02-24; DROP TABLE outbox"):
        result = runner.invoke(args=["notices", "send", "--today", junk])
        assert result.exit_code == 2 and "Invalid value for '--today'" in result.output
    assert queued_mail() == []


@pytest.fixture
def smtp() -> Iterator[LocalSmtpServer]:
    """A local mail server that refuses at first."""
    with LocalSmtpServer(refusing=True) as server:
        yield server


class TestWithAMailServerThatRefuses:
    """Notices wait in the outbox while the server refuses, then leave once each."""

    @pytest.fixture
    def app_config(self, fixture_app_config, smtp: LocalSmtpServer) -> dict[str, object]:
        """The fixture course, and mail to the stub."""
        return {
            **fixture_app_config,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
            "MAIL_USE_TLS": False,
        }

    def test_refused_notices_are_retried_and_never_duplicated(
        self, app: Flask, runner: FlaskCliRunner, smtp: LocalSmtpServer
    ) -> None:
        now = utcnow()
        idle = make_user(now=now - timedelta(days=30))
        fresh = make_user(now=now - timedelta(days=2))
        certify(fresh, at=now - timedelta(hours=2))

        assert send(runner).strip() == "Queued 2 notices: issued 1, nudge 1."
        refused = runner.invoke(args=["outbox", "send"])
        assert refused.exit_code == 0, refused.output
        assert "Sent 0, will retry 2, gave up on 0." in refused.output
        assert smtp.refused == 2 and smtp.received == []

        # The notices command runs again meanwhile, on this host and another: nothing new.
        assert send(runner) == ""
        assert send(runner) == ""
        assert outbox.pending(db.session) == 2

        smtp.refusing = False
        mailer = partial(send_mail, settings_from(app.config))
        later = utcnow() + timedelta(minutes=2)
        assert outbox.send_due(db.session, later, mailer).sent == 2
        assert outbox.send_due(db.session, later + timedelta(hours=1), mailer).total == 0
        assert send(runner) == ""

        assert len(smtp.received) == 2
        delivered = "\n".join(smtp.received)
        assert f"To: {idle.email}" in delivered and f"To: {fresh.email}" in delivered
        assert "Subject: Your Mentor Ready certificate is ready" in delivered
        assert ACCOUNT_LINK in delivered
        rows = db.session.scalars(sa.select(OutboxMessage)).all()
        assert [row.attempts for row in rows] == [2, 2]
        assert all(row.sent_at is not None for row in rows)
