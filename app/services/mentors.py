"""What staff see about one mentor (never the mentor's private journal or self-care plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session

from app.content.model import MENTOR_TYPES, Course
from app.models import (
    AuditEvent,
    Certificate,
    InPersonSession,
    Match,
    QuizAttempt,
    ScreeningRecord,
    User,
    utcnow,
)
from app.services import (
    audit,
    certificates,
    in_person,
    matching,
    quizzes,
    reports,
    screening,
    standing,
)
from app.services.errors import DomainError, NotFound


@dataclass(frozen=True)
class KnowledgeGain:
    """A mentor's earliest pre-check beside their first passing score, for one module."""

    module_title: str
    precheck: int | None
    passing: int | None


@dataclass(frozen=True)
class MentorDetail:
    """Everything the mentor detail page shows."""

    user: User
    standing: standing.Standing
    attempts: list[QuizAttempt]
    gains: list[KnowledgeGain]
    certificates: list[tuple[Certificate, str]]
    screening: list[ScreeningRecord]
    in_person: list[InPersonSession]
    matches: list[Match]
    audit_trail: list[AuditEvent]


def get_mentor(session: Session, mentor_id: int) -> User:
    """A mentor account, or NotFound."""
    user = session.get(User, mentor_id)
    if user is None or user.role != "mentor":
        raise NotFound(gettext("There is no such mentor."))
    return user


def mentor_detail(
    session: Session, mentor_id: int, course: Course, now: datetime | None = None
) -> MentorDetail:
    """Profile, progress, attempts, knowledge gain, certificates, screening, matches, audit trail."""
    now = now or utcnow()
    user = get_mentor(session, mentor_id)
    attempts = quizzes.attempts_for(session, user.id)
    pairs = {
        slug: (pre, passing)
        for _user, slug, pre, passing in reports.gain_pairs(session, user_id=user.id)
    }
    gains = [
        KnowledgeGain(module.title, *pairs.get(module.slug, (None, None)))
        for module in course.modules_for(user.mentor_type)
    ]
    mentor_standing = standing.for_mentor(session, user, course, now)
    return MentorDetail(
        user=user,
        standing=mentor_standing,
        attempts=[a for a in attempts if a.submitted_at is not None],
        gains=gains,
        certificates=[
            (c, mentor_standing.chain.status_of(c))
            for c in reversed(mentor_standing.chain.certificates)
        ],
        screening=screening.history(session, user.id),
        in_person=in_person.sessions_of(session, user.id),
        matches=matching.list_matches(session, mentor_id=user.id),
        audit_trail=list(
            session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.subject_user_id == user.id)
                .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
                .limit(100)
            )
        ),
    )


def change_mentor_type(
    session: Session, staff_id: int, mentor_id: int, mentor_type: str, now: datetime | None = None
) -> User:
    """Change what kind of mentor someone is (their path and screening follow)."""
    user = get_mentor(session, mentor_id)
    if mentor_type not in MENTOR_TYPES:
        raise DomainError(gettext("Choose one of the mentor types."), field="mentor_type")
    if mentor_type == user.mentor_type:
        raise DomainError(gettext("That is already this mentor's type."), field="mentor_type")
    previous = user.mentor_type
    certificates.lock_holder(session, user.id)
    user.mentor_type = mentor_type
    audit.record(
        session,
        "mentor.type_changed",
        actor_id=staff_id,
        subject_user_id=user.id,
        detail={"from": previous, "to": mentor_type},
        now=now,
    )
    session.commit()
    return user
