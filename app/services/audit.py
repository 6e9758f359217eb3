"""The audit log: every staff action and account event, appended and never changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEvent, utcnow


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
