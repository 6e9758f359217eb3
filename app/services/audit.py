"""The audit log: every staff action and account event, appended and never changed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.models import AuditEvent, User, utcnow


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None,
    subject_user_id: int | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append an audit event to the session; the caller's commit makes it permanent."""
    event = AuditEvent(
        occurred_at=now or utcnow(),
        actor_id=actor_id,
        action=action,
        subject_user_id=subject_user_id,
        target=target,
        detail=detail or None,
    )
    session.add(event)
    return event


PER_PAGE = 50


def actions(session: Session) -> list[str]:
    """Every action name recorded so far, for the filter list."""
    return list(
        session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def search(
    session: Session,
    *,
    actor: str = "",
    action: str = "",
    mentor: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> tuple[list[AuditEvent], int]:
    """One page of audit events, newest first, and how many match in all."""
    query = sa.select(AuditEvent)
    if actor:
        actor_ids = sa.select(User.id).where(
            sa.or_(User.email == actor.strip().lower(), User.name.ilike(_like(actor), escape="\\"))
        )
        query = query.where(AuditEvent.actor_id.in_(actor_ids))
    if action:
        query = query.where(AuditEvent.action == action)
    if mentor:
        mentor_ids = sa.select(User.id).where(
            sa.or_(
                User.email == mentor.strip().lower(), User.name.ilike(_like(mentor), escape="\\")
            )
        )
        query = query.where(AuditEvent.subject_user_id.in_(mentor_ids))
    if date_from:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(date_from, time.min, UTC))
    if date_to:
        query = query.where(
            AuditEvent.occurred_at < datetime.combine(date_to + timedelta(days=1), time.min, UTC)
        )
    total = (
        session.scalar(query.with_only_columns(sa.func.count(AuditEvent.id)).order_by(None)) or 0
    )
    events = session.scalars(
        query.options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(events), total


def _like(text: str) -> str:
    text = " ".join(text.split())
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
