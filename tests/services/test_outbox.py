"""The outbox: mail queued with its event, sent once each, retried with backoff, then given up."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import OutboxMessage
from app.services import outbox
from app.services.mail import MailSettings, send_mail

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Recorder:
    """Stands in for the SMTP server at the edge of the system: keeps what it was given."""

    def __init__(self, delay: float = 0.0) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self, to: str, subject: str, body: str) -> None:
        """Accept one message."""
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.sent.append((to, subject, body))


def closed_port() -> int:
    """A local port nothing listens on, so SMTP connections are refused for real."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_smtp() -> outbox.Mailer:
    """The real SMTP sender, pointed at a server that is down."""
    settings = MailSettings(
        server="127.0.0.1",
        port=closed_port(),
        username="",
        password="",
        use_tls=False,
        sender="Mentor Ready <no-reply@example.org>",
    )
    return partial(send_mail, settings)


def rows() -> list[OutboxMessage]:
    """Every outbox row, read fresh."""
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(count: int = 1, key: str | None = None) -> None:
    """Queue and commit `count` messages."""
    for number in range(count):
        outbox.enqueue(
            db.session, f"person{number}@example.org", f"Subject {number}", "Body", key, now=NOW
        )
    db.session.commit()


def test_a_queued_message_is_written_only_with_its_transaction(app: Flask) -> None:
    outbox.enqueue(db.session, "a@example.org", "Hello", "Body", now=NOW)
    db.session.rollback()
    assert rows() == []
    queue()
    assert len(rows()) == 1


def test_due_messages_are_sent_once_and_marked_sent(app: Flask) -> None:
    queue(3)
    mailer = Recorder()
    report = outbox.send_due(db.session, NOW, mailer, limit=10)
    assert (report.sent, report.retrying, report.given_up) == (3, 0, 0)
    assert [to for to, _, _ in mailer.sent] == [
        "person0@example.org",
        "person1@example.org",
        "person2@example.org",
    ]
    assert all(row.sent_at == NOW and row.attempts == 1 for row in rows())

    again = outbox.send_due(db.session, NOW + timedelta(days=1), mailer, limit=10)
    assert again.total == 0 and len(mailer.sent) == 3


def test_the_limit_caps_one_run(app: Flask) -> None:
    queue(5)
    mailer = Recorder()
    assert outbox.send_due(db.session, NOW, mailer, limit=2).sent == 2
    assert outbox.send_due(db.session, NOW, mailer, limit=10).sent == 3
    assert len(mailer.sent) == 5


def test_a_message_queued_for_later_waits(app: Flask) -> None:
    queue()
    mailer = Recorder()
    assert outbox.send_due(db.session, NOW - timedelta(seconds=1), mailer).total == 0
    assert outbox.send_due(db.session, NOW, mailer).sent == 1


def test_the_same_idempotency_key_is_queued_once(app: Flask) -> None:
    queue(key="account-paused:7:2026-03-02T09:15")
    queue(key="account-paused:7:2026-03-02T09:15")
    queue(key="account-paused:7:2026-03-02T10:00")
    assert len(rows()) == 2


def test_a_failing_server_is_retried_with_growing_waits_then_given_up(app: Flask) -> None:
    queue()
    mailer = unreachable_smtp()
    now = NOW
    waits = []
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        report = outbox.send_due(db.session, now, mailer)
        assert (report.sent, report.retrying, report.given_up) == (0, 1, 0)
        [row] = rows()
        assert row.attempts == attempt and row.sent_at is None and row.failed_at is None
        assert "ConnectionRefusedError" in row.last_error
        waits.append(row.next_attempt_at - now)
        # Not due again until the wait is over.
        assert (
            outbox.send_due(db.session, row.next_attempt_at - timedelta(seconds=1), mailer).total
            == 0
        )
        now = row.next_attempt_at
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert all(later >= earlier for earlier, later in itertools.pairwise(waits))

    report = outbox.send_due(db.session, now, mailer)
    assert report.given_up == 1
    [row] = rows()
    assert row.failed_at == now and row.attempts == outbox.MAX_ATTEMPTS and row.sent_at is None
    assert outbox.send_due(db.session, now + timedelta(days=30), Recorder()).total == 0
    assert outbox.pending(db.session) == 0


def test_a_message_that_fails_once_is_sent_on_the_next_try(app: Flask) -> None:
    queue()
    outbox.send_due(db.session, NOW, unreachable_smtp())
    [row] = rows()
    mailer = Recorder()
    assert outbox.send_due(db.session, row.next_attempt_at, mailer).sent == 1
    [row] = rows()
    assert row.attempts == 2 and row.sent_at is not None and row.last_error is None
    assert len(mailer.sent) == 1


def test_a_claim_whose_sender_died_is_retried_after_the_lease(app: Flask) -> None:
    queue()
    message_id = rows()[0].id
    # A sender claimed the message and died before sending it.
    claimed = outbox._claim_next(db.session, NOW)
    assert claimed is not None and claimed.id == message_id
    mailer = Recorder()
    assert outbox.send_due(db.session, NOW + timedelta(minutes=1), mailer).total == 0
    assert outbox.send_due(db.session, NOW + outbox.CLAIM_LEASE, mailer).sent == 1
    assert rows()[0].attempts == 2


def test_senders_running_at_once_send_every_message_exactly_once(app: Flask) -> None:
    """Four senders (think: four hosts running cron at the same minute) share one queue."""
    queue(40)
    mailer = Recorder(delay=0.002)
    errors: list[BaseException] = []
    engine = db.engine

    def sender() -> None:
        with Session(engine) as session:
            try:
                outbox.send_due(session, NOW, mailer, limit=100)
            except BaseException as error:  # reported to the test below
                errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    recipients = sorted(to for to, _, _ in mailer.sent)
    assert recipients == sorted(f"person{n}@example.org" for n in range(40))
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows())


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 1), (2, 2), (5, 16), (20, 360)])
def test_retry_waits_double_and_are_capped(attempts: int, minutes: int) -> None:
    assert outbox.retry_delay(attempts) == timedelta(minutes=minutes)
