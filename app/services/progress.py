"""A mentor's progress through the course: reading, quizzes, the next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.content.model import Course, Module
from app.models import ModuleRead, QuizAttempt, User, utcnow
from app.services.errors import NotFound
from app.services.quizzes import cooldown_until, lock_reason


@dataclass(frozen=True)
class ModuleProgress:
    """Where a mentor stands on one module."""

    module: Module
    read: bool
    passed: bool
    best_score: int | None
    attempts: int
    cooldown_until: datetime | None
    locked_reason: str | None

    @property
    def status(self) -> str:
        """A short label for the module's state, in words (never colour alone)."""
        if self.passed:
            return "Passed"
        if self.cooldown_until is not None:
            return "Quiz paused"
        if self.read:
            return "Quiz ready" if self.locked_reason is None else "Read"
        return "Not started"


@dataclass(frozen=True)
class NextStep:
    """The one thing a mentor should do next."""

    label: str
    endpoint: str
    slug: str | None


@dataclass(frozen=True)
class TrainingOverview:
    """Everything My training shows about the course itself."""

    modules: tuple[ModuleProgress, ...]
    percent: int
    passed_count: int
    required_count: int
    next_step: NextStep | None

    @property
    def complete(self) -> bool:
        """Whether every required quiz is passed."""
        return self.required_count > 0 and self.passed_count == self.required_count


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


def training_overview(
    session: Session, user: User, course: Course, now: datetime | None = None
) -> TrainingOverview:
    """Progress on every module the mentor's type requires, with the next step; two queries."""
    now = now or utcnow()
    modules = course.modules_for(user.mentor_type)
    read_slugs = set(
        session.scalars(sa.select(ModuleRead.module_slug).where(ModuleRead.user_id == user.id))
    )
    attempts = list(
        session.scalars(
            sa.select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.kind == "quiz")
            .order_by(QuizAttempt.started_at)
        )
    )
    passed_slugs = {a.module_slug for a in attempts if a.passed}
    rows = []
    for module in modules:
        mine = [a for a in attempts if a.module_slug == module.slug and a.submitted_at is not None]
        scores = [a.score for a in mine if a.score is not None]
        quiz = course.quiz(module.slug)
        locked = lock_reason(course, module, module.slug in read_slugs, passed_slugs)
        rows.append(
            ModuleProgress(
                module=module,
                read=module.slug in read_slugs,
                passed=module.slug in passed_slugs,
                best_score=max(scores) if scores else None,
                attempts=len(mine),
                cooldown_until=cooldown_until(mine, quiz, now) if quiz else None,
                locked_reason=locked,
            )
        )
    required = len(rows)
    passed_count = sum(row.passed for row in rows)
    read_count = sum(row.read or row.passed for row in rows)
    percent = round(100 * (read_count + passed_count) / (2 * required)) if required else 0
    return TrainingOverview(
        modules=tuple(rows),
        percent=percent,
        passed_count=passed_count,
        required_count=required,
        next_step=_next_step(rows),
    )


def _next_step(rows: list[ModuleProgress]) -> NextStep | None:
    for row in rows:
        if row.passed:
            continue
        title = row.module.title
        if not row.read:
            return NextStep(f"Read “{title}”", "learn.module", row.module.slug)
        if row.cooldown_until is not None:
            return NextStep(f"Review “{title}”", "learn.module", row.module.slug)
        if row.locked_reason is None:
            return NextStep(f"Take the quiz: “{title}”", "quiz.start", row.module.slug)
    return None
