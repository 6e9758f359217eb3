"""Screening steps recorded by staff: appended, never overwritten."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session

from app.content.model import Course
from app.models import SCREENING_RESULTS, ScreeningRecord, User, utcnow
from app.services import audit, certificates
from app.services.dates import past_day_problem
from app.services.errors import DomainError, NotFound

NOTE_MAX = 2000


@dataclass(frozen=True)
class StepGuide:
    """What a screening step is and who does it, in the mentor's words."""

    what: str
    who: str


# Every word a mentor reads about a screening step, in one table. Until the program profile
# names the coordinator, the wording is generic; a step a course adds falls back to GENERIC_STEP.
STEP_GUIDE: dict[str, StepGuide] = {
    "background_check": StepGuide(
        what="A criminal record and child-abuse registry check, which every program working with "
        "young people must do.",
        who="Your program's staff request it; you may be asked to sign a consent form or give "
        "your fingerprints.",
    ),
    "reference_check": StepGuide(
        what="A conversation with two or three people who know you, about how you are with young "
        "people and how you keep commitments.",
        who="Your coordinator contacts the people you named; they may ask you for their details.",
    ),
    "interview": StepGuide(
        what="A conversation about why you want to mentor, the time you can give and the support "
        "you will need.",
        who="Your coordinator arranges it with you, in person or by video.",
    ),
    "readiness_conversation": StepGuide(
        what="A private conversation about your own story, what might be hard to hear again, and "
        "the support you want while mentoring.",
        who="Your coordinator, or a counselor they work with, arranges it with you. You decide "
        "how much of your story to share.",
    ),
}
GENERIC_STEP = StepGuide(
    what="A step your program completes before any match.",
    who="Your program's staff arrange it with you.",
)
COORDINATOR_CONTACT = (
    "Questions about screening? Contact your program's volunteer coordinator, the person who "
    "invited you to this training. You do not need to wait for them: you are welcome to ask "
    "where things stand."
)


def guide(course: Course, mentor_type: str | None) -> dict[str, StepGuide]:
    """The guide for each screening step of a mentor type, keyed by the label the checklist shows."""
    return {
        course.screening_steps.get(step, step): STEP_GUIDE.get(step, GENERIC_STEP)
        for step in course.screening_for(mentor_type)
    }


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
    [record] = record_results(
        session,
        staff_id,
        [mentor_id],
        course,
        step=step,
        result=result,
        completed_on=completed_on,
        note=note,
        now=now,
    )
    return record


def record_results(
    session: Session,
    staff_id: int,
    mentor_ids: Sequence[int],
    course: Course,
    *,
    step: str,
    result: str,
    completed_on: date,
    note: str = "",
    now: datetime | None = None,
) -> list[ScreeningRecord]:
    """Append one result for several mentors at once, all or none; commits.

    Each mentor is locked first, so a double click or two staff recording the same result at
    once end in one record and a clear message for the second.
    """
    now = now or utcnow()
    mentor_ids = list(dict.fromkeys(mentor_ids))
    if not mentor_ids:
        raise DomainError(gettext("Choose at least one mentor."), field="mentors")
    if result not in SCREENING_RESULTS:
        raise DomainError(gettext("Choose cleared or not cleared."), field="result")
    problem = past_day_problem(completed_on, now.date())
    if problem:
        raise DomainError(problem, field="completed_on")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            gettext("Keep the note under %(most)s characters.", most=NOTE_MAX), field="note"
        )
    mentors = {
        user.id: user
        for user in session.scalars(
            sa.select(User).where(User.id.in_(mentor_ids), User.role == "mentor")
        )
    }
    if len(mentors) != len(mentor_ids):
        raise NotFound(gettext("There is no such mentor."))
    elsewhere = [
        mentors[mentor_id].name
        for mentor_id in mentor_ids
        if step not in course.screening_for(mentors[mentor_id].mentor_type)
    ]
    if elsewhere:
        if len(mentor_ids) == 1:
            raise DomainError(
                gettext("That step is not part of screening for this mentor."), field="step"
            )
        raise DomainError(
            gettext(
                "That step is not part of screening for: %(names)s.", names=", ".join(elsewhere)
            ),
            field="step",
        )
    for mentor_id in sorted(mentor_ids):
        certificates.lock_holder(session, mentor_id)
    latest = {
        record.user_id: record
        for record in session.scalars(
            sa.select(ScreeningRecord)
            .where(ScreeningRecord.user_id.in_(mentor_ids), ScreeningRecord.step == step)
            .order_by(ScreeningRecord.recorded_at, ScreeningRecord.id)
        )
    }
    repeated = [
        mentors[mentor_id].name
        for mentor_id in mentor_ids
        if mentor_id in latest
        and (latest[mentor_id].result, latest[mentor_id].completed_on, latest[mentor_id].note or "")
        == (result, completed_on, note)
    ]
    if repeated:
        session.rollback()
        raise DomainError(
            gettext("This result is already recorded; nothing was added.")
            if len(mentor_ids) == 1
            else gettext(
                "This result is already recorded for %(names)s; nothing was added.",
                names=", ".join(repeated),
            ),
            field="step",
        )
    records = []
    for mentor_id in mentor_ids:
        record = ScreeningRecord(
            user_id=mentor_id,
            step=step,
            result=result,
            completed_on=completed_on,
            note=note or None,
            recorded_by_id=staff_id,
            recorded_at=now,
        )
        session.add(record)
        records.append(record)
        audit.record(
            session,
            "screening.recorded",
            actor_id=staff_id,
            subject_user_id=mentor_id,
            target=step,
            detail={"result": result, "completed_on": completed_on.isoformat()},
            now=now,
        )
    session.commit()
    return records


def history(session: Session, mentor_id: int) -> list[ScreeningRecord]:
    """Every screening record of a mentor, newest first."""
    return list(
        session.scalars(
            sa.select(ScreeningRecord)
            .where(ScreeningRecord.user_id == mentor_id)
            .order_by(ScreeningRecord.recorded_at.desc(), ScreeningRecord.id.desc())
        )
    )
