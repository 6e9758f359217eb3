"""A mentor's reflection journal and self-care plan: readable and writable by that mentor alone.

No function here takes a viewer other than the owner, and no staff page, export or API calls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import format_number, gettext
from sqlalchemy.orm import Session

from app.content.model import Course
from app.models import JournalEntry, SelfCarePlan, utcnow
from app.services.errors import DomainError, NotFound

NOTE_MAX = 10_000
PLAN_FIELD_MAX = 4_000
PLAN_SECTIONS: dict[str, tuple[str, str]] = {
    "warning_signs": (
        "My warning signs",
        "How do I know I am becoming worn down or affected by what I hear? Think of sleep, mood, body, habits.",
    ),
    "what_helps": (
        "What helps me",
        "Things that restore me, big and small, and how often I will do them.",
    ),
    "people_to_call": (
        "People I can call",
        "Who I can talk to, including my program's supervisor and, if I need it, a counselor. First names and roles are enough.",
    ),
    "boundaries": (
        "Boundaries I keep",
        "Limits on time, contact and topics that protect me and the young person.",
    ),
    "commitments": (
        "What I commit to",
        "What I can truly give: hours, how long, and what I will say no to.",
    ),
    "check_in": (
        "When I will check in with myself",
        "A regular time to look at this plan again, and what would make me look sooner.",
    ),
}


def journal_entry(session: Session, user_id: int, slug: str) -> JournalEntry | None:
    """The mentor's own notes on one module."""
    return session.scalar(
        sa.select(JournalEntry).where(
            JournalEntry.user_id == user_id, JournalEntry.module_slug == slug
        )
    )


def save_journal(
    session: Session,
    user_id: int,
    course: Course,
    slug: str,
    text: str,
    now: datetime | None = None,
) -> JournalEntry | None:
    """Save (or clear, when empty) the mentor's private notes on a module; commits."""
    if course.module(slug) is None:
        raise NotFound(gettext("There is no module with that name."))
    text = text.replace("\r\n", "\n").strip()
    if len(text) > NOTE_MAX:
        raise DomainError(
            gettext(
                "Notes can be up to %(count)s characters. Nothing was saved.",
                count=format_number(NOTE_MAX),
            ),
            field="text",
        )
    entry = journal_entry(session, user_id, slug)
    if entry is None:
        if not text:
            return None
        entry = JournalEntry(
            user_id=user_id, module_slug=slug, text=text, updated_at=now or utcnow()
        )
        session.add(entry)
    else:
        entry.text = text
        entry.updated_at = now or utcnow()
    session.commit()
    return entry


@dataclass(frozen=True)
class JournalPage:
    """One module's prompts beside the mentor's notes."""

    slug: str
    title: str
    prompts: tuple[str, ...]
    entry: JournalEntry | None


def journal(
    session: Session, user_id: int, course: Course, mentor_type: str | None
) -> list[JournalPage]:
    """The prompts of every module on the mentor's path, and any notes they wrote, in course order.

    Notes on a module that has left the path (after a type change) stay, without its prompts.
    """
    entries = {
        e.module_slug: e
        for e in session.scalars(sa.select(JournalEntry).where(JournalEntry.user_id == user_id))
    }
    on_path = {module.slug for module in course.modules_for(mentor_type)}
    return [
        JournalPage(
            module.slug,
            module.title,
            module.reflection if module.slug in on_path else (),
            entries.get(module.slug),
        )
        for module in course.ordered_modules()
        if (module.reflection and module.slug in on_path) or module.slug in entries
    ]


def self_care_plan(session: Session, user_id: int) -> SelfCarePlan | None:
    """The mentor's own plan, if they have started one."""
    return session.scalar(sa.select(SelfCarePlan).where(SelfCarePlan.user_id == user_id))


def save_self_care_plan(
    session: Session, user_id: int, sections: dict[str, str], now: datetime | None = None
) -> SelfCarePlan:
    """Create or update the mentor's plan; commits."""
    cleaned = {}
    for key in PLAN_SECTIONS:
        value = (sections.get(key) or "").replace("\r\n", "\n").strip()
        if len(value) > PLAN_FIELD_MAX:
            raise DomainError(
                gettext(
                    "Each part can be up to %(count)s characters. Nothing was saved.",
                    count=format_number(PLAN_FIELD_MAX),
                ),
                field=key,
            )
        cleaned[key] = value
    plan = self_care_plan(session, user_id)
    if plan is None:
        plan = SelfCarePlan(user_id=user_id)
        session.add(plan)
    for key, value in cleaned.items():
        setattr(plan, key, value)
    plan.updated_at = now or utcnow()
    session.commit()
    return plan
