"""In-person training: sessions staff ran and who attended (the online course is only part of it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session, selectinload

from app.models import InPersonAttendance, InPersonSession, User, utcnow
from app.services import audit
from app.services.dates import long_day
from app.services.errors import DomainError

TEXT_MAX = 200
HOURS_MAX = Decimal("12")
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class SessionInput:
    """What staff typed about a session."""

    held_on: date | None
    topic: str
    hours: str
    facilitator: str
    mentor_ids: Sequence[int]


def _hours(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise DomainError(
            gettext("Give the hours as a number, like 2 or 1.5."), field="hours"
        ) from None
    if not value.is_finite() or value <= 0 or value > HOURS_MAX:
        raise DomainError(
            gettext("A session lasts more than 0 and at most %(most)s hours.", most=HOURS_MAX),
            field="hours",
        )
    if value != value.quantize(Decimal("0.1")):
        raise DomainError(
            gettext("Give the hours to a tenth of an hour at most, like 1.5."), field="hours"
        )
    return value


def _line(text: str, field: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        missing = {
            "topic": gettext("Give the topic."),
            "facilitator": gettext("Give the facilitator's name."),
        }
        raise DomainError(missing[field], field=field)
    if len(cleaned) > TEXT_MAX:
        long = {
            "topic": gettext("Keep the topic under %(most)s characters.", most=TEXT_MAX),
            "facilitator": gettext(
                "Keep the facilitator's name under %(most)s characters.", most=TEXT_MAX
            ),
        }
        raise DomainError(long[field], field=field)
    return cleaned


def record_session(
    session: Session, staff_id: int, data: SessionInput, now: datetime | None = None
) -> InPersonSession:
    """Append a session and its attendees, audited per mentor; refuses with nothing stored."""
    now = now or utcnow()
    if data.held_on is None or not EARLIEST <= data.held_on <= now.date():
        raise DomainError(
            gettext("The date must be between %(day)s and today.", day=long_day(EARLIEST)),
            field="held_on",
        )
    topic = _line(data.topic, "topic")
    facilitator = _line(data.facilitator, "facilitator")
    hours = _hours(data.hours)
    mentor_ids = list(dict.fromkeys(data.mentor_ids))
    if not mentor_ids:
        raise DomainError(gettext("Choose at least one mentor who attended."), field="mentor_ids")
    found = set(
        session.scalars(sa.select(User.id).where(User.id.in_(mentor_ids), User.role == "mentor"))
    )
    if found != set(mentor_ids):
        raise DomainError(gettext("Choose attendees from the mentors listed."), field="mentor_ids")
    record = InPersonSession(
        held_on=data.held_on,
        topic=topic,
        hours=hours,
        facilitator=facilitator,
        recorded_by_id=staff_id,
        recorded_at=now,
    )
    record.attendees = [InPersonAttendance(user_id=mentor_id) for mentor_id in mentor_ids]
    session.add(record)
    session.flush()
    for mentor_id in mentor_ids:
        audit.record(
            session,
            "in_person.recorded",
            actor_id=staff_id,
            subject_user_id=mentor_id,
            target=f"session {record.id}",
            detail={"topic": topic, "hours": str(hours), "held_on": data.held_on.isoformat()},
            now=now,
        )
    session.commit()
    return record


def hours_by_mentor(
    session: Session, user_ids: Sequence[int] | sa.ScalarSelect
) -> dict[int, float]:
    """Total in-person hours attended per mentor, in one query."""
    ids = user_ids if isinstance(user_ids, sa.ScalarSelect) else list(user_ids)
    return {
        user_id: float(total)
        for user_id, total in session.execute(
            sa.select(InPersonAttendance.user_id, sa.func.sum(InPersonSession.hours))
            .join(InPersonSession, InPersonSession.id == InPersonAttendance.session_id)
            .where(InPersonAttendance.user_id.in_(ids))
            .group_by(InPersonAttendance.user_id)
        )
    }


def sessions_of(session: Session, mentor_id: int) -> list[InPersonSession]:
    """The sessions a mentor attended, newest first."""
    return list(
        session.scalars(
            sa.select(InPersonSession)
            .join(InPersonAttendance, InPersonAttendance.session_id == InPersonSession.id)
            .where(InPersonAttendance.user_id == mentor_id)
            .order_by(InPersonSession.held_on.desc(), InPersonSession.id.desc())
        )
    )


def recent_sessions(session: Session, limit: int = 50) -> list[InPersonSession]:
    """The latest sessions with their attendees, newest first."""
    return list(
        session.scalars(
            sa.select(InPersonSession)
            .options(selectinload(InPersonSession.attendees).selectinload(InPersonAttendance.user))
            .order_by(InPersonSession.held_on.desc(), InPersonSession.id.desc())
            .limit(limit)
        )
    )
