"""Reading: the sections a mentor opened, where their place is saved, and saying they read a
module to the end (progress itself is in `standing`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session

from app.content.model import Course, Heading, Module
from app.models import ModuleRead, ModuleVisit, ReadingPosition, utcnow
from app.services.errors import NotFound


def mark_read(
    session: Session, user_id: int, course: Course, slug: str, now: datetime | None = None
) -> bool:
    """Record that the mentor read the current version of a module; False if already recorded."""
    module = course.module(slug)
    if module is None:
        raise NotFound(gettext("There is no module with that name."))
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


@dataclass(frozen=True)
class ReadingPlace:
    """Where a mentor is in one module: the last section opened and every section opened."""

    module: Module
    last: Heading | None
    opened: frozenset[str]

    @property
    def total(self) -> int:
        """How many sections the module has."""
        return len(self.module.sections)

    @property
    def opened_count(self) -> int:
        """How many of the module's current sections the mentor has opened."""
        return sum(heading.anchor in self.opened for heading in self.module.sections)


def open_section(
    session: Session,
    user_id: int,
    course: Course,
    slug: str,
    section: str,
    now: datetime | None = None,
) -> Heading:
    """Save the mentor's place at a section of a module; commits. Unknown sections are refused."""
    module = course.module(slug)
    heading = next((h for h in module.sections if h.anchor == section), None) if module else None
    if heading is None:
        raise NotFound(gettext("There is no such section."))
    now = now or utcnow()
    for _ in range(2):  # a second request may insert the same row first: then update it
        row = session.scalar(
            sa.select(ReadingPosition).where(
                ReadingPosition.user_id == user_id,
                ReadingPosition.module_slug == slug,
                ReadingPosition.section == section,
            )
        )
        if row is None:
            session.add(
                ReadingPosition(
                    user_id=user_id,
                    module_slug=slug,
                    section=section,
                    first_opened_at=now,
                    last_opened_at=now,
                )
            )
        else:
            row.last_opened_at = now
        try:
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()
            continue
        break
    return heading


def places(session: Session, user_id: int, course: Course) -> dict[str, ReadingPlace]:
    """The mentor's place in every module, by slug (modules never opened have no last section)."""
    rows = session.execute(
        sa.select(ReadingPosition.module_slug, ReadingPosition.section)
        .where(ReadingPosition.user_id == user_id)
        .order_by(ReadingPosition.last_opened_at, ReadingPosition.id)
    ).all()
    opened: dict[str, list[str]] = {}
    for slug, section in rows:
        opened.setdefault(slug, []).append(section)
    result = {}
    for module in course.ordered_modules():
        sections = {heading.anchor: heading for heading in module.sections}
        mine = [anchor for anchor in opened.get(module.slug, []) if anchor in sections]
        result[module.slug] = ReadingPlace(
            module=module,
            last=sections[mine[-1]] if mine else None,
            opened=frozenset(mine),
        )
    return result
