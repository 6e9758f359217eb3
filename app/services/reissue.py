"""Correcting a holder's legal name and re-issuing their certificates under new codes.

How a re-issue works, and why this way: `certificate` keeps one row per mentor and period (a
UNIQUE (user_id, period) that makes issuing exactly-once), and the standing, the chains and every
staff action rely on that row. So a re-issue does not add a row: the certificate keeps its id,
period, dates, course version, modules and recorded actions (hence its status), and only gets a
new code. The old code moves to `replaced_certificate_code`, where verification finds it and
answers "replaced" without pointing to the new code or the corrected name. Codes stay unique
across both tables (`certificates.unused_code`). The PDF and the certificate page read the row,
so they show the new code and the corrected name at once.

Mentors ask for a correction from their account (`request_name_change`); staff approve, which
runs the same correction, or decline with a reason the mentor reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Certificate,
    NameChangeRequest,
    ReplacedCertificateCode,
    User,
    utcnow,
)
from app.services import accounts, audit, certificates
from app.services.errors import DomainError, NotAllowed, NotFound

REASON_MAX = 2000
NOTE_MAX = 1000
REVOKED_REFUSAL = (
    "This mentor's certificates are revoked, and a revoked certificate is never re-issued. "
    "Re-enable the mentor first if they are to earn a new one."
)


def legal_name(text: str, field: str = "name") -> str:
    """A legal name as accounts store names, or a DomainError saying what is wrong with it.

    A NUL is refused rather than dropped: it means the text did not come from a person typing.
    """
    if "\x00" in (text or ""):
        raise DomainError(
            gettext("The name contains a character that cannot be stored."), field=field
        )
    name = accounts.normalise_name(text or "")
    if not name:
        raise DomainError(gettext("Enter the full legal name."), field=field)
    if len(name) > accounts.NAME_MAX:
        raise DomainError(
            gettext("Use at most %(count)s characters for the name.", count=accounts.NAME_MAX),
            field=field,
        )
    return name


def _text(text: str, field: str, limit: int, required: str | None) -> str:
    if "\x00" in (text or ""):
        raise DomainError(
            gettext("The text contains a character that cannot be stored."), field=field
        )
    cleaned = " ".join((text or "").split())
    if required and not cleaned:
        raise DomainError(required, field=field)
    if len(cleaned) > limit:
        raise DomainError(gettext("Keep it under %(count)s characters.", count=limit), field=field)
    return cleaned


def mentor_for_staff(session: Session, mentor_id: int) -> User:
    """The mentor whose name staff are correcting, or NotFound."""
    return _mentor(session, mentor_id)


def _mentor(session: Session, mentor_id: int) -> User:
    user = session.get(User, mentor_id)
    if user is None or user.role != "mentor":
        raise NotFound(gettext("There is no such mentor."))
    return user


@dataclass(frozen=True)
class Reissued:
    """What a correction did: the names, and each re-issued certificate's old and new code."""

    old_name: str
    new_name: str
    codes: tuple[tuple[str, str], ...]


def _correct(
    session: Session, staff_id: int, mentor: User, new_name: str, reason: str, now: datetime
) -> Reissued:
    """Check, rename and re-issue under the holder's lock; adds to the session, does not commit."""
    if new_name == mentor.name:
        raise DomainError(gettext("That is already the name on record."), field="name")
    holder = certificates.chain_of(session, mentor.id, now)
    if holder.record.revoked:
        raise NotAllowed(REVOKED_REFUSAL)
    old_name = mentor.name
    mentor.name = new_name
    codes = []
    for certificate in holder.certificates:
        # Certificates revoked before a re-enable stay as they were: a record, not a credential.
        if holder.status_of(certificate) == certificates.REVOKED:
            continue
        old_code = certificate.code
        session.add(
            ReplacedCertificateCode(
                code=old_code, certificate_id=certificate.id, replaced_at=now, actor_id=staff_id
            )
        )
        # Flushed first so the unused-code check sees the retired code in its new table.
        session.flush()
        certificate.code = certificates.unused_code(session)
        codes.append((old_code, certificate.code))
    audit.record(
        session,
        "mentor.name_corrected",
        actor_id=staff_id,
        subject_user_id=mentor.id,
        detail={
            "old_name": old_name,
            "new_name": new_name,
            "reason": reason,
            "reissued": [
                f"{certificates.format_code(old)} → {certificates.format_code(new)}"
                for old, new in codes
            ],
        },
        now=now,
    )
    return Reissued(old_name, new_name, tuple(codes))


def correct_name_and_reissue(
    session: Session,
    staff_id: int,
    mentor_id: int,
    new_name: str,
    reason: str,
    now: datetime | None = None,
) -> Reissued:
    """Correct a mentor's legal name and re-issue every certificate not revoked; audited.

    Suspended certificates are re-issued suspended: status comes from the holder's recorded
    actions, which stay on the same rows. Refused, with nothing changed, while a revocation stands.
    """
    now = now or utcnow()
    name = legal_name(new_name)
    reason = _text(reason, "reason", REASON_MAX, "Give a reason; it is kept in the record.")
    _mentor(session, mentor_id)
    certificates.lock_holder(session, mentor_id)
    # A colleague may have corrected the name while this one waited for the lock: read afresh.
    session.expire_all()
    mentor = _mentor(session, mentor_id)
    try:
        done = _correct(session, staff_id, mentor, name, reason, now)
    except DomainError:
        session.rollback()
        raise
    session.commit()
    return done


def pending_request(session: Session, mentor_id: int) -> NameChangeRequest | None:
    """The mentor's request staff have not decided yet, if any."""
    return session.scalar(
        sa.select(NameChangeRequest).where(
            NameChangeRequest.user_id == mentor_id, NameChangeRequest.status == "pending"
        )
    )


def requests_of(session: Session, mentor_id: int) -> list[NameChangeRequest]:
    """Every request a mentor made, newest first."""
    return list(
        session.scalars(
            sa.select(NameChangeRequest)
            .where(NameChangeRequest.user_id == mentor_id)
            .order_by(NameChangeRequest.created_at.desc(), NameChangeRequest.id.desc())
        )
    )


def all_pending(session: Session) -> list[NameChangeRequest]:
    """Requests waiting for staff, oldest first, with their mentors."""
    return list(
        session.scalars(
            sa.select(NameChangeRequest)
            .where(NameChangeRequest.status == "pending")
            .options(selectinload(NameChangeRequest.user))
            .order_by(NameChangeRequest.created_at, NameChangeRequest.id)
        )
    )


def request_name_change(
    session: Session, mentor_id: int, new_name: str, note: str = "", now: datetime | None = None
) -> NameChangeRequest:
    """A mentor asks staff to correct their legal name; one pending request at a time."""
    now = now or utcnow()
    name = legal_name(new_name)
    note = _text(note, "note", NOTE_MAX, None)
    mentor = _mentor(session, mentor_id)
    if name == mentor.name:
        raise DomainError(gettext("That is already the name on record."), field="name")
    # Two tabs sending at once: the second waits here, then sees the first request.
    certificates.lock_holder(session, mentor.id)
    if pending_request(session, mentor.id) is not None:
        session.rollback()
        raise NotAllowed(
            gettext(
                "You already have a request waiting. Staff will look at it soon; you can ask "
                "again once they have answered."
            )
        )
    request = NameChangeRequest(
        user_id=mentor.id, requested_name=name, note=note, status="pending", created_at=now
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        "name_request.created",
        actor_id=mentor.id,
        subject_user_id=mentor.id,
        target=f"request {request.id}",
        detail={"new_name": name},
        now=now,
    )
    session.commit()
    return request


def _undecided(session: Session, request_id: int) -> NameChangeRequest:
    request = session.get(NameChangeRequest, request_id)
    if request is None:
        raise NotFound(gettext("There is no such request."))
    certificates.lock_holder(session, request.user_id)
    # What was read before the lock may be stale: another decision may have just committed.
    session.expire_all()
    request = session.get(NameChangeRequest, request_id)
    if request is None:
        raise NotFound(gettext("There is no such request."))
    if request.status != "pending":
        session.rollback()
        raise NotAllowed(
            gettext(
                "This request was already %(status)s. Nothing was changed.",
                status=request_status_word(request.status),
            )
        )
    return request


def request_status_word(status: str) -> str:
    """A name change request's status in the reader's words."""
    words = {"approved": gettext("approved"), "declined": gettext("declined")}
    return words.get(status, status)


def approve_request(
    session: Session, staff_id: int, request_id: int, note: str = "", now: datetime | None = None
) -> Reissued:
    """Approve a mentor's request: the same correction and re-issue staff can make themselves."""
    now = now or utcnow()
    note = _text(note, "reason", REASON_MAX, None)
    request = _undecided(session, request_id)
    mentor = _mentor(session, request.user_id)
    reason = f"At the mentor's request ({request.id})" + (f": {note}" if note else ".")
    try:
        done = _correct(session, staff_id, mentor, request.requested_name, reason, now)
    except DomainError:
        session.rollback()
        raise
    request.status, request.decided_at, request.decided_by_id = "approved", now, staff_id
    request.decision_reason = note or None
    audit.record(
        session,
        "name_request.approved",
        actor_id=staff_id,
        subject_user_id=mentor.id,
        target=f"request {request.id}",
        now=now,
    )
    session.commit()
    return done


def decline_request(
    session: Session, staff_id: int, request_id: int, reason: str, now: datetime | None = None
) -> NameChangeRequest:
    """Decline a mentor's request with a reason they will read; nothing else changes."""
    now = now or utcnow()
    reason = _text(reason, "reason", REASON_MAX, "Give a reason; the mentor will read it.")
    request = _undecided(session, request_id)
    request.status, request.decided_at, request.decided_by_id = "declined", now, staff_id
    request.decision_reason = reason
    audit.record(
        session,
        "name_request.declined",
        actor_id=staff_id,
        subject_user_id=request.user_id,
        target=f"request {request.id}",
        detail={"reason": reason},
        now=now,
    )
    session.commit()
    return request


def check_correction(
    session: Session, mentor_id: int, new_name: str, now: datetime | None = None
) -> tuple[str, list[Certificate]]:
    """The checked name and the certificates a correction would re-issue, before staff confirm.

    Raises what `correct_name_and_reissue` would, so the confirmation page is never shown for
    a correction that would then be refused.
    """
    now = now or utcnow()
    name = legal_name(new_name)
    mentor = _mentor(session, mentor_id)
    if name == mentor.name:
        raise DomainError(gettext("That is already the name on record."), field="name")
    holder = certificates.chain_of(session, mentor.id, now)
    if holder.record.revoked:
        raise NotAllowed(REVOKED_REFUSAL)
    return name, [c for c in holder.certificates if holder.status_of(c) != certificates.REVOKED]
