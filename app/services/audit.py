"""The audit log: every staff action and account event, appended and never changed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from app.models import AuditEvent, User, utcnow
from app.services.csv_export import Column


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
EXPORT_BATCH = 500

# Every audit action in words; an action missing here is still shown, made readable.
ACTION_LABELS = {
    "account.created": _l("Account created"),
    "account.deactivated": _l("Account deactivated"),
    "account.reactivated": _l("Account reactivated"),
    "account.email_confirmed": _l("Email address confirmed"),
    "account.invited": _l("Colleague invited"),
    "account.invitation_resent": _l("Invitation sent again"),
    "account.invitation_canceled": _l("Invitation canceled"),
    "account.invite_used": _l("Invitation accepted"),
    "account.password_changed": _l("Password changed"),
    "account.password_reset_requested": _l("Password reset requested"),
    "account.password_reset_used": _l("Password reset link used"),
    "account.recovery_code_used": _l("Recovery code used"),
    "account.role_changed": _l("Role changed"),
    "account.second_factor_enrolled": _l("Authenticator app set up"),
    "account.second_factor_locked": _l("Second factor locked after wrong codes"),
    "account.second_factor_reset": _l("Second factor reset"),
    "account.sign_in_paused": _l("Sign-in paused after failed attempts"),
    "certificate.suspend": _l("Certificate suspended"),
    "certificate.lift": _l("Suspension lifted"),
    "certificate.revoke": _l("Certificate revoked"),
    "certificate.reenable": _l("Mentor re-enabled after revocation"),
    "match.created": _l("Match recorded"),
    "match.ended": _l("Match ended"),
    "mentor.type_changed": _l("Mentor type changed"),
    "mentor.name_corrected": _l("Name corrected and certificates re-issued"),
    "name_request.created": _l("Name correction requested"),
    "name_request.approved": _l("Name correction approved"),
    "name_request.declined": _l("Name correction declined"),
    "screening.recorded": _l("Screening result recorded"),
    "export.roster": _l("Roster exported"),
    "export.audit": _l("Audit log exported"),
    "export.funder-summary": _l("Funder summary exported"),
    "export.quizzes": _l("Quiz figures exported"),
    "export.questions": _l("Question figures exported"),
    "export.knowledge-gain": _l("Knowledge gain figures exported"),
}
DETAIL_KEYS = {
    "role": _l("role"),
    "minutes": _l("minutes"),
    "reason": _l("reason"),
    "model": _l("model"),
    "youth": _l("youth codes"),
    "from": _l("from"),
    "to": _l("to"),
    "result": _l("result"),
    "completed_on": _l("completed on"),
    "left": _l("recovery codes left"),
    "rows": _l("rows"),
    "old_name": _l("old name"),
    "new_name": _l("new name"),
    "reissued": _l("re-issued (old → new code)"),
}


def action_label(action: str) -> str:
    """An audit action in words ("match.created" reads "Match recorded")."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class Vocabulary:
    """The words for codes that audit details hold: steps, mentor types, match models, roles."""

    codes: Mapping[str, str]

    def word(self, value: Any) -> str:
        """One detail value in words; lists become comma-separated."""
        if isinstance(value, list | tuple):
            return ", ".join(self.word(item) for item in value)
        text = str(value)
        return str(self.codes.get(text, text))


def detail_text(detail: Mapping[str, Any] | None, vocabulary: Vocabulary) -> str:
    """An event's detail as a sentence fragment, codes in words and lists without brackets."""
    if not detail:
        return ""
    return "; ".join(
        f"{DETAIL_KEYS.get(key, key.replace('_', ' '))}: {vocabulary.word(value)}"
        for key, value in detail.items()
    )


def actions(session: Session) -> list[str]:
    """Every action name recorded so far, for the filter list."""
    return list(
        session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def _matching(
    *,
    actor: str = "",
    action: str = "",
    mentor: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> sa.Select:
    """The audit events that match the filters, unordered."""
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
    return query


NEWEST_FIRST = (AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


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
    query = _matching(
        actor=actor, action=action, mentor=mentor, date_from=date_from, date_to=date_to
    )
    total = (
        session.scalar(query.with_only_columns(sa.func.count(AuditEvent.id)).order_by(None)) or 0
    )
    events = session.scalars(
        query.options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject))
        .order_by(*NEWEST_FIRST)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(events), total


def export_rows(
    session: Session,
    vocabulary: Vocabulary,
    *,
    actor: str = "",
    action: str = "",
    mentor: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> Iterator[list[Any]]:
    """Every matching event as a CSV row, newest first, loaded in batches so memory stays flat.

    The ids are read first, so events recorded while the file streams neither shift nor repeat rows.
    """
    query = _matching(
        actor=actor, action=action, mentor=mentor, date_from=date_from, date_to=date_to
    )
    ids = list(session.scalars(query.with_only_columns(AuditEvent.id).order_by(*NEWEST_FIRST)))
    for start in range(0, len(ids), EXPORT_BATCH):
        batch = ids[start : start + EXPORT_BATCH]
        loaded = {
            event.id: event
            for event in session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.id.in_(batch))
                .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject))
            )
        }
        for event in (loaded[event_id] for event_id in batch):
            yield [
                event.occurred_at.isoformat(),
                event.actor.name if event.actor else SYSTEM,
                action_label(event.action),
                event.subject.name if event.subject else "",
                vocabulary.word(event.target) if event.target else "",
                detail_text(event.detail, vocabulary),
                event.id,
                event.action,
                event.actor_id or "",
                event.subject_user_id or "",
            ]


SYSTEM = _l("System")
# Every key is documented in docs/csv-columns.md; a key never changes once released.
EXPORT_COLUMNS = (
    Column("occurred_at", _l("When (UTC)")),
    Column("actor", _l("Who")),
    Column("action", _l("Action")),
    Column("about", _l("About")),
    Column("target", _l("Target")),
    Column("detail", _l("Detail")),
    Column("event_id", _l("Event id")),
    Column("action_id", _l("Action id")),
    Column("actor_id", _l("Actor id")),
    Column("subject_id", _l("Subject id")),
)


def _like(text: str) -> str:
    text = " ".join(text.split())
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
