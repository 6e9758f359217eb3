"""Reading: a mentor says they read a module to the end (progress itself is in `standing`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.content.model import Course
from app.models import ModuleRead, ModuleVisit, utcnow
from app.services.errors import NotFound


def mark_read(
    session: Session, user_id: int, course: Course, slug: str, now: datetime | None = None
) -> bool:
    """Record that the mentor read the current version of a module; False if already recorded."""
    module = course.module(slug)
    if module is None:
        raise NotFound("There is no module with that name.")
    exists = session.scalar(
        sa.select(ModuleRead.id).where(
            ModuleRead.user_id == user_id,
            ModuleRead.module_slug == slug,
            ModuleRead.content_version == module.version,
        )
    )
    if exists is not None:
        return False
    session.add(
        ModuleRead(
            user_id=user_id,
            module_slug=slug,
            content_version=module.version,
            read_at=now or utcnow(),
        )
    )
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()  # a double click recorded it already
        return False
    return True


def record_visit(session: Session, user_id: int, slug: str, now: datetime | None = None) -> None:
    """Remember when a mentor first opened a module (reading time for reports); once per module."""
    exists = session.scalar(
        sa.select(ModuleVisit.id).where(
            ModuleVisit.user_id == user_id, ModuleVisit.module_slug == slug
        )
    )
    if exists is not None:
        return
    session.add(ModuleVisit(user_id=user_id, module_slug=slug, first_opened_at=now or utcnow()))
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()  # two tabs opened it at once: the first visit stands
