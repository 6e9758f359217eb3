"""What a passed quiz leads to: the end of the training (with what happens next), or the next module.

Read from the mentor's standing, so the result page says what My training says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.content.model import Course, Module
from app.models import Certificate, QuizAttempt, User, utcnow
from app.services import quizzes, standing


@dataclass(frozen=True)
class Finish:
    """The mentor just completed their path: the certificate it issued and what comes next."""

    certificate: Certificate | None  # the one this pass issued, if it issued one
    standing: standing.Standing

    @property
    def in_person_hours_left(self) -> float:
        """Hours of in-person training still needed before a match (0 when done)."""
        return max(0.0, self.standing.in_person_required - self.standing.in_person_hours)

    @property
    def screening_to_do(self) -> tuple[standing.ChecklistItem, ...]:
        """The screening steps not cleared yet, in the checklist's words."""
        return tuple(
            item
            for item in self.standing.checklist
            if not item.done
            and item.label not in (standing.CERTIFICATE_LABEL, standing.IN_PERSON_LABEL)
        )


@dataclass(frozen=True)
class AfterPass:
    """Where a passed quiz leads: `finish` when it completed the path, else the next module."""

    finish: Finish | None
    next_module: Module | None


def after_pass(
    session: Session,
    user: User,
    course: Course,
    attempt: QuizAttempt,
    now: datetime | None = None,
    mine: standing.Standing | None = None,
) -> AfterPass | None:
    """What the result of `attempt` offers next; None unless it is a passed quiz on the path.

    `mine` is the mentor's standing when the caller has it already.
    """
    if attempt.kind != "quiz" or not attempt.passed or attempt.submitted_at is None:
        return None
    mine = mine or standing.for_mentor(session, user, course, now or utcnow())
    if mine.module(attempt.module_slug) is None:
        return None  # off the path (staff trying a quiz out)
    issued = next((c for c in mine.chain.certificates if c.issued_at == attempt.submitted_at), None)
    if issued is not None or _completed_path(session, mine, attempt):
        return AfterPass(Finish(issued, mine), None)
    return AfterPass(None, _next_module(mine, attempt.module_slug))


def _completed_path(session: Session, mine: standing.Standing, attempt: QuizAttempt) -> bool:
    """Whether this pass was the one that first made every quiz of the path passed."""
    if not mine.complete:
        return False
    passes = sorted(
        (
            row
            for row in quizzes.attempts_for(session, mine.user.id, kind="quiz")
            if row.passed and mine.module(row.module_slug) is not None
        ),
        key=lambda row: (row.submitted_at, row.id),
    )
    first: dict[str, QuizAttempt] = {}
    for row in passes:
        first.setdefault(row.module_slug, row)
    return max(first.values(), key=lambda row: (row.submitted_at, row.id)).id == attempt.id


def _next_module(mine: standing.Standing, slug: str) -> Module | None:
    """The next module on the path still to pass (or to pass again), after this one first."""
    states = list(mine.modules)
    index = next(i for i, state in enumerate(states) if state.module.slug == slug)
    for state in states[index + 1 :] + states[:index]:
        if not state.passed or state.needed or state.refresher is not None:
            return state.module
    return None
