"""Hours of pre-match training for funders: online reading time and in-person hours, apart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.content.model import Course
from app.models import InPersonAttendance, InPersonSession, ModuleRead, ModuleVisit, User

# A module left open overnight is not hours of training: time counts up to three times the
# module's stated minutes.
READING_CAP = 3


@dataclass(frozen=True)
class TrainingHours:
    """Online and in-person training in one date range."""

    modules_read: int
    reads_timed: int
    online_minutes: float
    stated_minutes: int
    online_mentors: int
    sessions: int
    attendances: int
    in_person_hours: float
    in_person_mentors: int


def _reading_minutes(first: datetime | None, read_at: datetime, stated: int) -> float | None:
    """Minutes from first opening a module to "I have read this", capped; None when not timed."""
    if first is None or first > read_at:
        return None
    return min((read_at - first) / timedelta(minutes=1), READING_CAP * stated)


def online_hours_of(
    session: Session, course: Course, user_id: int, slugs: Iterable[str]
) -> float | None:
    """One mentor's reading time for some modules, in hours (one decimal); None if none was timed.

    Counted as the funder report counts it: each module's first "I have read this", timed from
    its first opening and capped at three times its stated minutes.
    """
    wanted = list(slugs)
    if not wanted:
        return None
    reads = session.execute(
        sa.select(
            ModuleRead.module_slug, sa.func.min(ModuleRead.read_at), ModuleVisit.first_opened_at
        )
        .outerjoin(
            ModuleVisit,
            sa.and_(
                ModuleVisit.user_id == ModuleRead.user_id,
                ModuleVisit.module_slug == ModuleRead.module_slug,
            ),
        )
        .where(ModuleRead.user_id == user_id, ModuleRead.module_slug.in_(wanted))
        .group_by(ModuleRead.module_slug, ModuleVisit.first_opened_at)
    ).all()
    spent = [
        _reading_minutes(first, read_at, module.minutes if module else 0)
        for slug, read_at, first in reads
        for module in [course.module(slug)]
    ]
    timed = [minutes for minutes in spent if minutes is not None]
    return round(sum(timed) / 60, 1) if timed else None


def training_hours(
    session: Session, course: Course, lower: datetime, upper: datetime
) -> TrainingHours:
    """Minutes mentors spent reading (first opening to "I have read this"), and in-person hours.

    `lower` and `upper` are the first instant in the range and the first after it.
    """
    date_from, date_to = lower.date(), (upper - timedelta(microseconds=1)).date()
    mentors = sa.select(User.id).where(User.role == "mentor")
    first_read = (
        sa.select(
            ModuleRead.user_id,
            ModuleRead.module_slug,
            sa.func.min(ModuleRead.read_at).label("read_at"),
        )
        .where(ModuleRead.user_id.in_(mentors))
        .group_by(ModuleRead.user_id, ModuleRead.module_slug)
        .subquery()
    )
    reads = session.execute(
        sa.select(
            first_read.c.user_id,
            first_read.c.module_slug,
            first_read.c.read_at,
            ModuleVisit.first_opened_at,
        )
        .outerjoin(
            ModuleVisit,
            sa.and_(
                ModuleVisit.user_id == first_read.c.user_id,
                ModuleVisit.module_slug == first_read.c.module_slug,
            ),
        )
        .where(first_read.c.read_at >= lower, first_read.c.read_at < upper)
    ).all()
    modules_read = timed = stated = 0
    minutes = 0.0
    readers: set[int] = set()
    for user_id, slug, read_at, first in reads:
        module = course.module(slug)
        stated_minutes = module.minutes if module else 0
        modules_read += 1
        stated += stated_minutes
        readers.add(user_id)
        spent = _reading_minutes(first, read_at, stated_minutes)
        if spent is not None:
            minutes += spent
            timed += 1
    sessions, attendances, hours, attendees = session.execute(
        sa.select(
            sa.func.count(sa.distinct(InPersonAttendance.session_id)),
            sa.func.count(InPersonAttendance.id),
            sa.func.coalesce(sa.func.sum(InPersonSession.hours), 0),
            sa.func.count(sa.distinct(InPersonAttendance.user_id)),
        )
        .join(InPersonSession, InPersonSession.id == InPersonAttendance.session_id)
        .where(InPersonSession.held_on >= date_from, InPersonSession.held_on <= date_to)
    ).one()
    return TrainingHours(
        modules_read=modules_read,
        reads_timed=timed,
        online_minutes=round(minutes, 1),
        stated_minutes=stated,
        online_mentors=len(readers),
        sessions=sessions,
        attendances=attendances,
        in_person_hours=float(hours),
        in_person_mentors=attendees,
    )
