"""Certificates: codes, issue exactly once, status from dates and staff actions, verification."""

from __future__ import annotations

import calendar
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from app.content.model import Course
from app.models import Certificate, CertificateAction, ReplacedCertificateCode, User, utcnow
from app.services import audit, in_person, training_hours
from app.services.errors import DomainError, NotFound
from app.services.text import without_invisible

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
RENEWAL_WINDOW = timedelta(days=60)
REASON_MAX = 2000

Moment = TypeVar("Moment", date, datetime)

VALID, EXPIRED, SUSPENDED, REVOKED = "valid", "expired", "suspended", "revoked"


def new_code() -> str:
    """80 random bits as 16 Crockford base32 characters."""
    bits = secrets.randbits(80)
    return "".join(CROCKFORD[(bits >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))


def code_in_use(session: Session, code: str) -> bool:
    """Whether a certificate carries `code` now or carried it before a re-issue."""
    return (
        session.scalar(sa.select(Certificate.id).where(Certificate.code == code)) is not None
        or session.scalar(
            sa.select(ReplacedCertificateCode.id).where(ReplacedCertificateCode.code == code)
        )
        is not None
    )


def unused_code(session: Session) -> str:
    """A fresh code that no certificate carries and no re-issue retired.

    The unique constraints guard each table; only this check keeps a new code from reviving
    a replaced one, which would make the old code name a stranger's certificate.
    """
    while True:
        code = new_code()
        if not code_in_use(session, code):
            return code


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


def add_months(moment: Moment, months: int) -> Moment:
    """The same day (and time) `months` later (the last day when the month is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class HolderRecord:
    """Staff decisions about one holder, replayed up to a moment.

    A suspension or revocation applies to the holder, not to one certificate: every certificate
    in force or not yet started when it was recorded is covered, and so is any certificate issued
    while it stands (a race cannot slip one past it).
    """

    suspended_since: datetime | None
    # (revoked at, re-enabled at or None) for each revocation, oldest first.
    revocations: tuple[tuple[datetime, datetime | None], ...]

    @property
    def revoked(self) -> bool:
        """Whether a revocation stands that no re-enable has followed."""
        return bool(self.revocations) and self.revocations[-1][1] is None

    @property
    def reenabled_at(self) -> datetime | None:
        """When staff last re-enabled the holder after a revocation."""
        ended = [again for _at, again in self.revocations if again is not None]
        return max(ended, default=None)


def holder_record(actions: Iterable[CertificateAction], now: datetime) -> HolderRecord:
    """Replay every recorded action on a holder's certificates, in order, up to `now`."""
    suspended_since: datetime | None = None
    revocations: list[tuple[datetime, datetime | None]] = []
    revoked_at: datetime | None = None
    for action in sorted(actions, key=lambda a: (a.at, a.id)):
        if action.at > now:
            continue
        if action.action == "suspend" and revoked_at is None and suspended_since is None:
            suspended_since = action.at
        elif action.action == "lift":
            suspended_since = None
        elif action.action == "revoke" and revoked_at is None:
            revoked_at, suspended_since = action.at, None
        elif action.action == "reenable" and revoked_at is not None:
            revocations.append((revoked_at, action.at))
            revoked_at, suspended_since = None, None
    if revoked_at is not None:
        revocations.append((revoked_at, None))
    return HolderRecord(suspended_since, tuple(revocations))


def status(certificate: Certificate, record: HolderRecord, now: datetime) -> str:
    """valid, expired, suspended or revoked: from dates and the holder's record, never a flag."""
    for revoked_at, reenabled_at in record.revocations:
        if certificate.valid_until > revoked_at and (
            reenabled_at is None or certificate.issued_at < reenabled_at
        ):
            return REVOKED
    if record.suspended_since is not None and certificate.valid_until > record.suspended_since:
        return SUSPENDED
    if now >= certificate.valid_until:
        return EXPIRED
    return VALID


def covers(certificate: Certificate, required: Iterable[str]) -> bool:
    """Whether the certificate certifies every module of a path."""
    return set(required) <= set(certificate.modules or ())


@dataclass(frozen=True)
class Chain:
    """A holder's certificates (oldest period first), their actions, and each one's status."""

    certificates: tuple[Certificate, ...]
    record: HolderRecord
    statuses: dict[int, str]
    # Every recorded action, including any dated after the moment the statuses are for.
    actions: tuple[CertificateAction, ...] = ()

    def status_of(self, certificate: Certificate) -> str:
        """The status of one certificate of this chain."""
        return self.statuses[certificate.id]


def chain(
    certificates: Iterable[Certificate], actions: Iterable[CertificateAction], now: datetime
) -> Chain:
    """Statuses of a holder's certificates, from all their recorded actions."""
    ordered = tuple(sorted(certificates, key=lambda c: c.period))
    actions = tuple(actions)
    record = holder_record(actions, now)
    return Chain(ordered, record, {c.id: status(c, record, now) for c in ordered}, actions)


def load_chains(
    session: Session, user_ids: Iterable[int] | sa.ScalarSelect, now: datetime
) -> dict[int, Chain]:
    """Every holder's chain in two queries (one when none holds a certificate), whatever their number."""
    ids = user_ids if isinstance(user_ids, sa.ScalarSelect) else list(user_ids)
    by_user: dict[int, list[Certificate]] = {}
    for certificate in session.scalars(sa.select(Certificate).where(Certificate.user_id.in_(ids))):
        by_user.setdefault(certificate.user_id, []).append(certificate)
    if not by_user:
        return {}  # no certificate, so no action on one: most mentors in training
    actions: dict[int, list[CertificateAction]] = {}
    for action, user_id in session.execute(
        sa.select(CertificateAction, Certificate.user_id)
        .join(Certificate, Certificate.id == CertificateAction.certificate_id)
        .where(Certificate.user_id.in_(ids))
    ):
        actions.setdefault(user_id, []).append(action)
    return {
        user_id: chain(certificates, actions.get(user_id, ()), now)
        for user_id, certificates in by_user.items()
    }


def chain_of(session: Session, user_id: int, now: datetime) -> Chain:
    """One holder's chain (empty when they hold no certificate)."""
    return load_chains(session, [user_id], now).get(user_id) or chain((), (), now)


def renewal_opens(certificate: Certificate) -> datetime:
    """When passing the quizzes again starts to count towards the next certificate."""
    return certificate.valid_until - RENEWAL_WINDOW


# Where a session lists the mentors whose stored standing its commit must evaluate again.
STANDING_DIRTY = "mentor_ready.standing_dirty"


def lock_holder(session: Session, user_id: int) -> None:
    """Serialise every change to one mentor's standing until the transaction ends.

    PostgreSQL takes the account row with FOR UPDATE; SQLite has no row locks, so a no-op UPDATE
    takes its single writer lock instead. Two last quizzes submitted at once, a revocation racing
    a submission, two staff suspending at once: the second waits, then sees what the first
    committed (READ COMMITTED re-reads after the lock), so nothing is issued twice or never.
    """
    # The mentor's stored standing is evaluated again before this transaction commits.
    session.info.setdefault(STANDING_DIRTY, set()).add(user_id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
    else:
        session.execute(sa.update(User).where(User.id == user_id).values(id=User.id))


@dataclass(frozen=True)
class IssuePlan:
    """The certificate a mentor earns next, and what still stands before it."""

    period: int
    valid_from: datetime | None  # None: from the moment it is issued
    valid_until: datetime | None  # None: the validity period from valid_from
    modules: tuple[str, ...]
    still_to_pass: tuple[str, ...]
    since: datetime | None  # passes from this moment count
    opens_at: datetime | None  # before this, nothing can be earned (renewal window)
    blocked: str | None  # "suspended" or "revoked": nothing can be earned until staff act


def issue(
    session: Session,
    user_id: int,
    plan: IssuePlan,
    course: Course,
    now: datetime,
    validity_months: int,
) -> Certificate | None:
    """Add the planned certificate to the session; does not commit.

    The caller holds `lock_holder` and commits with the quiz result that completed the path.
    The unique (user, period) constraint with ON CONFLICT DO NOTHING is the database's own guard.
    """
    if plan.blocked or plan.still_to_pass or (plan.opens_at and now < plan.opens_at):
        return None
    start = max(plan.valid_from or now, now)
    until = plan.valid_until or add_months(start, validity_months)
    if until <= start:
        return None
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(Certificate)
        .values(
            user_id=user_id,
            period=plan.period,
            code=unused_code(session),
            issued_at=now,
            valid_from=start,
            valid_until=until,
            course_title=course.title,
            course_version=course.version,
            modules=list(plan.modules),
            module_versions=course.module_versions(plan.modules, now),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "period"])
    )
    return session.scalar(
        sa.select(Certificate).where(
            Certificate.user_id == user_id, Certificate.period == plan.period
        )
    )


def find_by_code(session: Session, text: str) -> Certificate | None:
    """The certificate a typed code names; malformed and unknown codes alike give None."""
    code = normalise_code(text)
    if code is None:
        return None
    return session.scalar(
        sa.select(Certificate)
        .where(Certificate.code == code)
        # The holder comes in the same query: verification always names them.
        .options(joinedload(Certificate.user))
    )


def public_name(full_name: str, mode: str) -> str:
    """The holder as shown publicly: first name and last initial by default ("Maria G.")."""
    parts = full_name.split()
    if mode == "full" or len(parts) < 2:
        return " ".join(parts)
    return f"{parts[0]} {parts[-1][0].upper()}."


REPLACED = "replaced"  # what an old code answers after a re-issue; never a certificate's status


@dataclass(frozen=True)
class PublicCertificate:
    """Everything a verifier may learn about a certificate, and nothing more.

    The first six fields are the original API; the rest were added after it and only ever grow.
    A replaced code answers with the old certificate's own facts (title, dates, modules) and an
    empty holder: it must not lead to the new code or the corrected name.
    """

    code: str
    holder: str
    title: str
    issued_on: str
    expires_on: str
    status: str
    course_version: str = ""
    modules: tuple[str, ...] = ()
    online_hours: float | None = None
    in_person_hours: float | None = None
    replaced_on: str | None = None

    @property
    def replaced(self) -> bool:
        """Whether this code was retired by a re-issue."""
        return self.status == REPLACED

    def as_json(self) -> dict[str, Any]:
        """The stable public API shape (new fields added at the end, none renamed)."""
        return {
            "code": self.code,
            "holder": self.holder,
            "title": self.title,
            "issued_on": self.issued_on,
            "expires_on": self.expires_on,
            "status": self.status,
            "course_version": self.course_version,
            "modules": list(self.modules),
            "online_hours": self.online_hours,
            "in_person_hours": self.in_person_hours,
            "replaced_on": self.replaced_on,
        }


def module_titles(slugs: Iterable[str], course: Course | None) -> tuple[str, ...]:
    """The titles of certified modules in course order (a slug the course no longer has, last)."""
    slugs = list(slugs)
    if course is None:
        return tuple(slugs)
    ordered = [module for module in course.ordered_modules() if module.slug in slugs]
    known = {module.slug for module in ordered}
    return tuple(module.title for module in ordered) + tuple(s for s in slugs if s not in known)


def _replaced(session: Session, code: str) -> ReplacedCertificateCode | None:
    return session.scalar(
        sa.select(ReplacedCertificateCode)
        .where(ReplacedCertificateCode.code == code)
        .options(selectinload(ReplacedCertificateCode.certificate))
    )


def verify(
    session: Session,
    text: str,
    name_mode: str,
    now: datetime | None = None,
    course: Course | None = None,
) -> PublicCertificate | None:
    """The public view of a certificate, or None for malformed or unknown codes.

    The status is the one that really applies: a suspension or revocation recorded on any of the
    holder's certificates reaches this one too. A code retired by a re-issue answers "replaced".
    """
    code = normalise_code(text)
    if code is None:
        return None
    certificate = find_by_code(session, code)
    if certificate is None:
        old = _replaced(session, code)
        if old is None:
            return None
        return PublicCertificate(
            code=format_code(old.code),
            holder="",
            title=f"{old.certificate.course_title} ({old.certificate.course_version})",
            issued_on=old.certificate.valid_from.date().isoformat(),
            expires_on=old.certificate.valid_until.date().isoformat(),
            status=REPLACED,
            course_version=old.certificate.course_version,
            modules=module_titles(old.certificate.modules or (), course),
            replaced_on=old.replaced_at.date().isoformat(),
        )
    now = now or utcnow()
    holder_chain = chain_of(session, certificate.user_id, now)
    in_person_hours = in_person.hours_by_mentor(session, [certificate.user_id]).get(
        certificate.user_id
    )
    return PublicCertificate(
        code=format_code(certificate.code),
        holder=public_name(certificate.user.name, name_mode),
        title=f"{certificate.course_title} ({certificate.course_version})",
        issued_on=certificate.valid_from.date().isoformat(),
        expires_on=certificate.valid_until.date().isoformat(),
        status=holder_chain.status_of(certificate),
        course_version=certificate.course_version,
        modules=module_titles(certificate.modules or (), course),
        online_hours=(
            training_hours.online_hours_of(
                session, course, certificate.user_id, certificate.modules or ()
            )
            if course is not None
            else None
        ),
        in_person_hours=in_person_hours or None,
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
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound(gettext("There is no such certificate."))
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError(gettext("Give a reason; it is kept in the record."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            gettext("Keep the reason under %(most)s characters.", most=REASON_MAX), field="reason"
        )
    # A second staff member (or a double click) waits here, then sees the first decision.
    lock_holder(session, certificate.user_id)
    record = chain_of(session, certificate.user_id, now).record
    problem = None
    if action == "reenable":
        if not record.revoked:
            problem = gettext("Only a mentor whose certificate was revoked can be re-enabled.")
    elif record.revoked:
        problem = gettext("This mentor's certificate is revoked. Revocation is final.")
    elif action == "suspend" and record.suspended_since is not None:
        problem = gettext("This mentor's certificate is already suspended.")
    elif action == "lift" and record.suspended_since is None:
        problem = gettext("Only a suspended certificate can have its suspension lifted.")
    if problem:
        session.rollback()
        raise DomainError(problem)
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
    """Suspend the holder's certificates (in force or not yet started) while a concern is looked into."""
    return _record_action(session, staff_id, certificate_id, "suspend", reason, now or utcnow())


def lift(
    session: Session, staff_id: int, certificate_id: int, reason: str, now: datetime | None = None
) -> Certificate:
    """Lift a suspension; the holder's certificates count again unless they have expired."""
    return _record_action(session, staff_id, certificate_id, "lift", reason, now or utcnow())


def revoke(
    session: Session, staff_id: int, certificate_id: int, reason: str, now: datetime | None = None
) -> Certificate:
    """Revoke for good every certificate of the holder in force or not yet started."""
    return _record_action(session, staff_id, certificate_id, "revoke", reason, now or utcnow())


def reenable(
    session: Session, staff_id: int, mentor_id: int, reason: str, now: datetime | None = None
) -> Certificate:
    """Let a revoked mentor earn a new certificate by passing the quizzes again; audited.

    The revoked certificates stay revoked; only passes after this moment count.
    """
    revoked = session.scalar(
        sa.select(Certificate)
        .where(Certificate.user_id == mentor_id)
        .order_by(Certificate.period.desc())
        .limit(1)
    )
    if revoked is None:
        raise DomainError(gettext("Only a mentor whose certificate was revoked can be re-enabled."))
    return _record_action(session, staff_id, revoked.id, "reenable", reason, now or utcnow())


def holder_certificate(session: Session, viewer: User, certificate_id: int) -> Certificate:
    """A certificate its holder or staff may see; anyone else gets NotFound."""
    certificate = session.scalar(
        sa.select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(selectinload(Certificate.user))
    )
    if certificate is None or (certificate.user_id != viewer.id and not viewer.is_staff):
        raise NotFound(gettext("There is no such certificate."))
    return certificate
