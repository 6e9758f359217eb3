"""Screening steps recorded by staff: appended, never overwritten."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.content.model import Course
from app.models import SCREENING_RESULTS, ScreeningRecord, User, utcnow
from app.services import audit
from app.services.dates import past_day_problem
from app.services.errors import DomainError, NotFound

NOTE_MAX = 2000


def record_result(
    session: Session,
    staff_id: int,
    mentor_id: int,
    course: Course,
    *,
    step: str,
    result: str,
    completed_on: date,
    note: str = "",
    now: datetime | None = None,
) -> ScreeningRecord:
    """Append a screening result for one of the steps the mentor's type needs; commits."""
    now = now or utcnow()
    mentor = session.get(User, mentor_id)
    if mentor is None or mentor.role != "mentor":
        raise NotFound("There is no such mentor.")
    if step not in course.screening_for(mentor.mentor_type):
        raise DomainError("That step is not part of screening for this mentor.", field="step")
    if result not in SCREENING_RESULTS:
        raise DomainError("Choose cleared or not cleared.", field="result")
    problem = past_day_problem(completed_on, now.date())
    if problem:
        raise DomainError(problem, field="completed_on")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"Keep the note under {NOTE_MAX} characters.", field="note")
    record = ScreeningRecord(
        user_id=mentor.id,
        step=step,
        result=result,
        completed_on=completed_on,
        note=note or None,
        recorded_by_id=staff_id,
        recorded_at=now,
    )
    session.add(record)
    audit.record(
        session,
        "screening.recorded",
        actor_id=staff_id,
        subject_user_id=mentor.id,
        target=step,
        detail={"result": result, "completed_on": completed_on.isoformat()},
        now=now,
    )
    session.commit()
    return record


def history(session: Session, mentor_id: int) -> list[ScreeningRecord]:
    """Every screening record of a mentor, newest first."""
    return list(
        session.scalars(
            sa.select(ScreeningRecord)
            .where(ScreeningRecord.user_id == mentor_id)
            .order_by(ScreeningRecord.recorded_at.desc(), ScreeningRecord.id.desc())
        )
    )
