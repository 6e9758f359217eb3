"""The outbox: mail is queued with the event that causes it and sent later, never in a request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import OUTBOX_KEY_MAX, OutboxMessage, utcnow

log = logging.getLogger("mentor_ready.outbox")

# Sends a message or raises; SMTP (or the log) in the app, a recording function in tests.
Mailer = Callable[[str, str, str], None]

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# A claimed message is due again after this long, in case its sender died before finishing;
# well above the SMTP timeout, so a live sender always finishes first.
CLAIM_LEASE = timedelta(minutes=10)
SUBJECT_MAX = 300
ERROR_MAX = 1000


@dataclass(frozen=True)
class SendReport:
    """What one run of the sender did."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0

    @property
    def total(self) -> int:
        """Messages this run handled, whatever happened to them."""
        return self.sent + self.retrying + self.given_up


def enqueue(
    session: Session,
    to: str,
    subject: str,
    body: str,
    key: str | None = None,
    now: datetime | None = None,
) -> None:
    """Queue a message in the caller's transaction (no commit); a repeated `key` is queued once."""
    now = now or utcnow()
    values = {
        "to_address": to,
        "subject": subject[:SUBJECT_MAX],
        "body": body,
        "idempotency_key": key[:OUTBOX_KEY_MAX] if key else None,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }
    if key is None:
        session.add(OutboxMessage(**values))
        return
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(OutboxMessage)
    session.execute(insert.values(**values).on_conflict_do_nothing())


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: doubling from a minute, capped."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
    )


def _claim_next(session: Session, now: datetime) -> OutboxMessage | None:
    """Take one due message for this sender, committing the claim before anything is sent."""
    while True:
        query = sa.select(OutboxMessage.id).where(_due(now))
        query = query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1)
        if session.get_bind().dialect.name == "postgresql":
            # Senders on other hosts skip the rows this one is claiming instead of waiting.
            query = query.with_for_update(skip_locked=True)
        message_id = session.scalar(query)
        if message_id is None:
            session.rollback()
            return None
        # The conditional update is the claim itself: on SQLite, whose writers take turns, only
        # one sender sees the row still due; on PostgreSQL the row lock has already decided.
        claimed = session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now))
            .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        )
        session.commit()
        if claimed.rowcount == 1:
            return session.get(OutboxMessage, message_id)


def send_due(session: Session, now: datetime, mailer: Mailer, limit: int = 100) -> SendReport:
    """Send up to `limit` due messages, each at most once; failures wait longer each time."""
    sent = retrying = given_up = 0
    for _ in range(limit):
        message = _claim_next(session, now)
        if message is None:
            break
        try:
            mailer(message.to_address, message.subject, message.body)
        except Exception as error:  # any failure of one message must not stop the others
            message.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX]
            if message.attempts >= MAX_ATTEMPTS:
                message.failed_at = now
                given_up += 1
                log.error(
                    "Gave up on outbox message %s after %s tries: %s",
                    message.id,
                    message.attempts,
                    message.last_error,
                )
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
                retrying += 1
                log.warning(
                    "Outbox message %s not sent (try %s), retrying at %s: %s",
                    message.id,
                    message.attempts,
                    message.next_attempt_at.isoformat(timespec="seconds"),
                    message.last_error,
                )
        else:
            message.sent_at = now
            message.last_error = None
            sent += 1
        session.commit()
    return SendReport(sent=sent, retrying=retrying, given_up=given_up)


@dataclass(frozen=True)
class Status:
    """How the outbox stands: counts, and the messages given up on, newest first."""

    pending: int
    sent: int
    given_up: list[OutboxMessage]


def status(session: Session, limit: int = 20) -> Status:
    """Counts of pending and sent messages, and the latest ones given up on."""
    sent = session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_not(None))
    )
    given_up = session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.failed_at.is_not(None))
        .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return Status(pending=pending(session), sent=sent or 0, given_up=list(given_up))


def pending(session: Session) -> int:
    """Messages neither sent nor given up on."""
    return (
        session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
            )
        )
        or 0
    )
