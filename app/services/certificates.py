"""Certificates: codes, issue exactly once, status from dates and staff actions, verification."""

from __future__ import annotations

import calendar
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from app.content.model import Course
from app.models import Certificate, CertificateAction, QuizAttempt, User, utcnow
from app.services import audit
from app.services.errors import DomainError, NotFound
from app.services.text import without_invisible

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
RENEWAL_WINDOW = timedelta(days=60)
REASON_MAX = 2000

VALID, EXPIRED, SUSPENDED, REVOKED = "valid", "expired", "suspended", "revoked"
STATUS_LABELS = {
    VALID: "Valid",
    EXPIRED: "Expired",
    SUSPENDED: "Suspended",
    REVOKED: "Revoked",
}


def new_code() -> str:
    """80 random bits as 16 Crockford base32 characters."""
    bits = secrets.randbits(80)
    return "".join(CROCKFORD[(bits >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))


def normalise_code(text: str) -> str | None:
    """The stored form of a typed code (case, dashes and spaces ignored; O→0, I/L→1), or None."""
    if not text or len(text) > 64:
        return None
    cleaned = "".join(text.split()).replace("-", "").upper()
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != CODE_LENGTH or any(ch not in CROCKFORD for ch in cleaned):
        return None
    return cleaned


def format_code(code: str) -> str:
    """XXXX-XXXX-XXXX-XXXX, easy to read aloud and type from paper."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the last day when the month is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def status(certificate: Certificate, now: datetime) -> str:
    """valid, expired, suspended or revoked: from dates and recorded actions, never a stored flag."""
    suspended = False
    for action in sorted(certificate.actions, key=lambda a: a.id):
        if action.at > now:
            continue
        if action.action == "revoke":
            return REVOKED
        suspended = action.action == "suspend"
    if suspended:
        return SUSPENDED
    if now >= certificate.valid_until:
        return EXPIRED
    return VALID


def certificates_of(session: Session, user_id: int) -> list[Certificate]:
    """Every certificate of a mentor, newest period first, with their actions."""
    return list(
        session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == user_id)
            .options(selectinload(Certificate.actions))
            .order_by(Certificate.period.desc())
        )
    )


def latest(certificates: Iterable[Certificate]) -> Certificate | None:
    """The certificate of the most recent period."""
    return max(certificates, key=lambda c: c.period, default=None)


def renewal_opens(certificate: Certificate) -> datetime:
    """When passing the quizzes again starts to count towards the next certificate."""
    return certificate.valid_until - RENEWAL_WINDOW


def _passed_since(session: Session, user_id: int, since: datetime | None) -> set[str]:
    query = sa.select(QuizAttempt.module_slug).where(
        QuizAttempt.user_id == user_id,
        QuizAttempt.kind == "quiz",
        QuizAttempt.passed.is_(True),
    )
    if since is not None:
        query = query.where(QuizAttempt.submitted_at >= since)
    return set(session.scalars(query))


def issue_if_complete(
    session: Session, user: User, course: Course, now: datetime, validity_months: int
) -> Certificate | None:
    """Add the next certificate to the session when every required quiz is passed for it.

    Does not commit: the caller commits it together with the quiz result that completed the path.
    The unique (user, period) constraint and ON CONFLICT DO NOTHING make concurrent callers
    issue exactly one.
    """
    required = {module.slug for module in course.modules_for(user.mentor_type)}
    if not required or user.role != "mentor":
        return None
    previous = latest(certificates_of(session, user.id))
    if previous is None:
        since, start, period = None, now, 1
    else:
        if status(previous, now) in (SUSPENDED, REVOKED) or now < renewal_opens(previous):
            return None
        since, start, period = (
            renewal_opens(previous),
            max(previous.valid_until, now),
            previous.period + 1,
        )
    if not required <= _passed_since(session, user.id, since):
        return None
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(Certificate)
        .values(
            user_id=user.id,
            period=period,
            code=new_code(),
            issued_at=now,
            valid_from=start,
            valid_until=add_months(start, validity_months),
            course_title=course.title,
            course_version=course.version,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "period"])
    )
    return session.scalar(
        sa.select(Certificate).where(Certificate.user_id == user.id, Certificate.period == period)
    )


def find_by_code(session: Session, text: str) -> Certificate | None:
    """The certificate a typed code names; malformed and unknown codes alike give None."""
    code = normalise_code(text)
    if code is None:
        return None
    return session.scalar(
        sa.select(Certificate)
        .where(Certificate.code == code)
        .options(selectinload(Certificate.actions), selectinload(Certificate.user))
    )


def public_name(full_name: str, mode: str) -> str:
    """The holder as shown publicly: first name and last initial by default ("Maria G.")."""
    parts = full_name.split()
    if mode == "full" or len(parts) < 2:
        return " ".join(parts)
    return f"{parts[0]} {parts[-1][0].upper()}."


@dataclass(frozen=True)
class PublicCertificate:
    """Everything a verifier may learn about a certificate, and nothing more."""

    code: str
    holder: str
    title: str
    issued_on: str
    expires_on: str
    status: str

    def as_json(self) -> dict[str, str]:
        """The stable public API shape."""
        return {
            "code": self.code,
            "holder": self.holder,
            "title": self.title,
            "issued_on": self.issued_on,
            "expires_on": self.expires_on,
            "status": self.status,
        }


def verify(
    session: Session, text: str, name_mode: str, now: datetime | None = None
) -> PublicCertificate | None:
    """The public view of a certificate, or None for malformed or unknown codes."""
    certificate = find_by_code(session, text)
    if certificate is None:
        return None
    return PublicCertificate(
        code=format_code(certificate.code),
        holder=public_name(certificate.user.name, name_mode),
        title=f"{certificate.course_title} ({certificate.course_version})",
        issued_on=certificate.valid_from.date().isoformat(),
        expires_on=certificate.valid_until.date().isoformat(),
        status=status(certificate, now or utcnow()),
    )


def _comparable_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", without_invisible(name))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def name_matches(session: Session, text: str, typed_name: str) -> bool | None:
    """Whether `typed_name` is the holder's full name (ignoring case, accents, extra spaces)."""
    certificate = find_by_code(session, text)
    if certificate is None:
        return None
    typed = _comparable_name(typed_name[:300])
    return bool(typed) and typed == _comparable_name(certificate.user.name)


def _record_action(
    session: Session, staff_id: int, certificate_id: int, action: str, reason: str, now: datetime
) -> Certificate:
    certificate = session.scalar(
        sa.select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(selectinload(Certificate.actions))
    )
    if certificate is None:
        raise NotFound("There is no such certificate.")
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("Give a reason; it is kept in the record.", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    current = status(certificate, now)
    if current == REVOKED:
        raise DomainError("This certificate is revoked. Revocation is final.")
    if action == "suspend" and current == SUSPENDED:
        raise DomainError("This certificate is already suspended.")
    if action == "lift" and current != SUSPENDED:
        raise DomainError("Only a suspended certificate can have its suspension lifted.")
    session.add(
        CertificateAction(
            certificate_id=certificate.id, action=action, reason=reason, actor_id=staff_id, at=now
        )
    )
    audit.record(
        session,
        f"certificate.{action}",
        actor_id=staff_id,
        subject_user_id=certificate.user_id,
        target=format_code(certificate.code),
        detail={"reason": reason},
        now=now,
    )
    session.commit()
    session.refresh(certificate)
    return certificate


def suspend(
    session: Session, staff_id: int, certificate_id: int, reason: str, now: datetime | None = None
) -> Certificate:
    """Suspend a certificate while a concern is looked into."""
    return _record_action(session, staff_id, certificate_id, "suspend", reason, now or utcnow())


def lift(
    session: Session, staff_id: int, certificate_id: int, reason: str, now: datetime | None = None
) -> Certificate:
    """Lift a suspension; the certificate is valid again unless it has expired."""
    return _record_action(session, staff_id, certificate_id, "lift", reason, now or utcnow())


def revoke(
    session: Session, staff_id: int, certificate_id: int, reason: str, now: datetime | None = None
) -> Certificate:
    """Revoke a certificate for good."""
    return _record_action(session, staff_id, certificate_id, "revoke", reason, now or utcnow())


def holder_certificate(session: Session, viewer: User, certificate_id: int) -> Certificate:
    """A certificate its holder or staff may see; anyone else gets NotFound."""
    certificate = session.scalar(
        sa.select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(selectinload(Certificate.actions), selectinload(Certificate.user))
    )
    if certificate is None or (certificate.user_id != viewer.id and not viewer.is_staff):
        raise NotFound("There is no such certificate.")
    return certificate


@dataclass(frozen=True)
class Renewal:
    """Where a certified mentor stands with the next certificate."""

    opens_at: datetime
    is_open: bool
    next_certificate: Certificate | None
    still_to_pass: tuple[str, ...]


def renewal(
    session: Session, user: User, course: Course, now: datetime | None = None
) -> Renewal | None:
    """The renewal window of the mentor's latest certificate, or None when there is nothing to renew."""
    now = now or utcnow()
    all_certificates = certificates_of(session, user.id)
    current = latest(all_certificates)
    if current is None or status(current, now) in (SUSPENDED, REVOKED):
        return None
    if current.valid_from > now:  # already renewed: the next period has not started yet
        return Renewal(current.valid_from, False, current, ())
    opens_at = renewal_opens(current)
    passed = _passed_since(session, user.id, opens_at) if now >= opens_at else set()
    missing = tuple(m.title for m in course.modules_for(user.mentor_type) if m.slug not in passed)
    return Renewal(opens_at, now >= opens_at, None, missing)
