"""Typed models: columns, relationships and the constraints the rules depend on."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

ROLES = ("mentor", "staff", "admin")
MENTOR_TYPE_KEYS = ("community_volunteer", "care_provider", "staff_mentor", "survivor_mentor")
ATTEMPT_KINDS = ("quiz", "precheck")
TOKEN_PURPOSES = ("password_reset", "invite", "confirm_email")


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC and returns aware UTC, so SQLite and PostgreSQL compare alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def render_migration_item(type_: str, obj: Any, _context: Any) -> str | bool:
    """Write UTCDateTime columns into migrations as plain DateTime (no import of the app)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def new_session_token() -> str:
    """A fresh random value that identifies one generation of an account's sessions."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """An account: a mentor, a staff member or an administrator."""

    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(_in("role", ROLES), name="role"),
        sa.CheckConstraint(
            f"mentor_type IS NULL OR {_in('mentor_type', MENTOR_TYPE_KEYS)}", name="mentor_type"
        ),
        # The roster's search by any part of a name or address: trigram indexes on PostgreSQL
        # (pg_trgm); SQLite keeps them as plain indexes, which its prefix search uses.
        sa.Index(
            "ix_user_account_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
        sa.Index(
            "ix_user_account_email_trgm",
            "email",
            postgresql_using="gin",
            postgresql_ops={"email": "gin_trgm_ops"},
        ),
        # The roster's order by name, walked 50 at a time instead of sorting every mentor.
        sa.Index("ix_user_account_name_lower", sa.text("lower(name)")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default="mentor", index=True)
    mentor_type: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    # Rotated on sign-out, password change and deactivation; Flask-Login's id is this token,
    # so every older session and remember-me cookie stops matching.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None until the holder opens an emailed link: a sign-up cannot be used before then.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Failed sign-ins in a row, whatever address they came from; ten lock the account a while.
    failed_sign_ins: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Locks since the last good sign-in or reset: each one lasts twice as long, up to a cap.
    lockouts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # The language the account reads the site in (a key of content.translations.LANGUAGES);
    # None until chosen, when the browser's cookie or Accept-Language decides.
    language: Mapped[str | None] = mapped_column(sa.String(8))

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Deactivated accounts cannot sign in."""
        return self.deactivated_at is None

    def get_id(self) -> str:
        """The value Flask-Login keeps in the session: the current session token."""
        return self.session_token

    @property
    def is_staff(self) -> bool:
        """Staff and administrators see the staff console."""
        return self.role in ("staff", "admin")

    @property
    def is_admin(self) -> bool:
        """Administrators also manage accounts."""
        return self.role == "admin"

    @property
    def first_name(self) -> str:
        """The first word of the name, for greetings."""
        return self.name.split()[0] if self.name.split() else self.name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class AccountToken(db.Model):
    """A single-use, expiring link sent by email (password reset, staff invitation)."""

    __tablename__ = "account_token"
    __table_args__ = (sa.CheckConstraint(_in("purpose", TOKEN_PURPOSES), name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    # Only a hash is stored: a leaked database does not leak working links.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


OUTBOX_KEY_MAX = 200


class OutboxMessage(db.Model):
    """An email waiting to be sent, written in the same transaction as the event behind it."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_outbox_due", "sent_at", "failed_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    # Optional: the same key queued twice is one message (a notice per lock, per event).
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(OUTBOX_KEY_MAX), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A claim moves this forward before sending, so a sender that dies mid-way is retried later.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class ModuleRead(db.Model):
    """A mentor said they read a module, at a given content version."""

    __tablename__ = "module_read"
    __table_args__ = (sa.UniqueConstraint("user_id", "module_slug", "content_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    module_slug: Mapped[str] = mapped_column(sa.String(100))
    content_version: Mapped[str] = mapped_column(sa.String(12))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReadingPosition(db.Model):
    """A section of a module the mentor opened, and when last: where their place is saved."""

    __tablename__ = "reading_position"
    __table_args__ = (sa.UniqueConstraint("user_id", "module_slug", "section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    module_slug: Mapped[str] = mapped_column(sa.String(100))
    section: Mapped[str] = mapped_column(sa.String(100))
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(db.Model):
    """One drawn attempt at a quiz or pre-check, with its grading once submitted."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", ATTEMPT_KINDS), name="kind"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        sa.Index("ix_quiz_attempt_user_module_kind", "user_id", "module_slug", "kind"),
        # At most one unfinished attempt per mentor, module and kind: two tabs or a double click
        # cannot start two draws.
        sa.Index(
            "uq_quiz_attempt_open",
            "user_id",
            "module_slug",
            "kind",
            unique=True,
            sqlite_where=sa.text("submitted_at IS NULL"),
            postgresql_where=sa.text("submitted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    module_slug: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(10), default="quiz")
    content_version: Mapped[str] = mapped_column(sa.String(12))
    # [{"question": id, "options": [option ids in display order]}, ...] in display order.
    draw: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    # A per-attempt secret from which the opaque form field names and values are derived.
    salt: Mapped[str] = mapped_column(sa.String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # {question id: [chosen option ids]} as graded.
    answers: Mapped[dict[str, list[str]] | None] = mapped_column(sa.JSON)
    score: Mapped[int | None] = mapped_column(sa.Integer)
    passed: Mapped[bool | None] = mapped_column(sa.Boolean)
    critical_missed: Mapped[bool | None] = mapped_column(sa.Boolean)

    user: Mapped[User] = relationship()

    @property
    def is_submitted(self) -> bool:
        """Whether the attempt has been graded."""
        return self.submitted_at is not None


class AuditEvent(db.Model):
    """An append-only record of who did what, to whom, and when."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), index=True
    )
    target: Mapped[str | None] = mapped_column(sa.String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])


CERTIFICATE_ACTIONS = ("suspend", "lift", "revoke", "reenable")
SCREENING_RESULTS = ("cleared", "not_cleared")
MATCH_MODELS = ("one_to_one", "group", "team", "e_mentoring", "blended")


class Certificate(db.Model):
    """A certificate for one validity period; its status is computed, never stored."""

    __tablename__ = "certificate"
    __table_args__ = (
        # Exactly once: one certificate per mentor and period, whatever races happen above.
        sa.UniqueConstraint("user_id", "period"),
        sa.CheckConstraint("period >= 1", name="period_positive"),
        sa.CheckConstraint("valid_until > valid_from", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    period: Mapped[int] = mapped_column(sa.Integer)
    # Stored without dashes, upper case: 16 characters of Crockford base32.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    course_title: Mapped[str] = mapped_column(sa.String(200))
    course_version: Mapped[str] = mapped_column(sa.String(50))
    # The modules this certificate certifies (slugs): it counts only for a path they cover.
    modules: Mapped[list[str]] = mapped_column(sa.JSON, server_default=sa.text("'[]'"))
    # The version of each certified module ({slug: version}): an older one calls for a refresher.
    module_versions: Mapped[dict[str, int]] = mapped_column(sa.JSON, server_default=sa.text("'{}'"))

    user: Mapped[User] = relationship()
    actions: Mapped[list[CertificateAction]] = relationship(
        order_by="CertificateAction.id", back_populates="certificate"
    )


class CertificateAction(db.Model):
    """A staff decision about a holder, recorded against one of their certificates.

    Suspend, lift, revoke or re-enable; appended, never changed. A decision applies to the holder:
    `certificates.holder_record` replays them all to give every certificate its status.
    """

    __tablename__ = "certificate_action"
    __table_args__ = (sa.CheckConstraint(_in("action", CERTIFICATE_ACTIONS), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    certificate: Mapped[Certificate] = relationship(back_populates="actions")
    actor: Mapped[User] = relationship()


class ScreeningRecord(db.Model):
    """A result for one screening step. Appended; the latest record for a step counts."""

    __tablename__ = "screening_record"
    __table_args__ = (
        sa.CheckConstraint(_in("result", SCREENING_RESULTS), name="result"),
        sa.Index("ix_screening_record_user_step", "user_id", "step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    step: Mapped[str] = mapped_column(sa.String(50))
    result: Mapped[str] = mapped_column(sa.String(12))
    completed_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


class Match(db.Model):
    """Mentors and youth (by pseudonymous code only) matched under one model."""

    __tablename__ = "mentor_match"
    __table_args__ = (
        sa.CheckConstraint(_in("model", MATCH_MODELS), name="model"),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(16), index=True)
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    closure_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    mentors: Mapped[list[MatchMentor]] = relationship(
        back_populates="match", order_by="MatchMentor.id"
    )
    youth: Mapped[list[MatchYouth]] = relationship(back_populates="match", order_by="MatchYouth.id")

    @property
    def is_open(self) -> bool:
        """Whether the match has not been ended."""
        return self.ended_on is None


class MatchMentor(db.Model):
    """A mentor in a match."""

    __tablename__ = "match_mentor"
    __table_args__ = (sa.UniqueConstraint("match_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(sa.ForeignKey("mentor_match.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)

    match: Mapped[Match] = relationship(back_populates="mentors")
    user: Mapped[User] = relationship()


class MatchYouth(db.Model):
    """A youth in a match, known only by the program's pseudonymous code."""

    __tablename__ = "match_youth"
    __table_args__ = (
        sa.UniqueConstraint("match_id", "youth_code"),
        # A youth is in at most one open match of each model.
        sa.Index(
            "uq_match_youth_open_code_model",
            "youth_code",
            "model",
            unique=True,
            sqlite_where=sa.text("is_open"),
            postgresql_where=sa.text("is_open"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(sa.ForeignKey("mentor_match.id"), index=True)
    youth_code: Mapped[str] = mapped_column(sa.String(32))
    model: Mapped[str] = mapped_column(sa.String(16))
    is_open: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    match: Mapped[Match] = relationship(back_populates="youth")


class JournalEntry(db.Model):
    """A mentor's private reflection notes on one module. Visible to that mentor alone."""

    __tablename__ = "journal_entry"
    __table_args__ = (sa.UniqueConstraint("user_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    module_slug: Mapped[str] = mapped_column(sa.String(100))
    text: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SelfCarePlan(db.Model):
    """A mentor's private self-care plan. Visible to that mentor alone."""

    __tablename__ = "self_care_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), unique=True)
    warning_signs: Mapped[str] = mapped_column(sa.Text, default="")
    what_helps: Mapped[str] = mapped_column(sa.Text, default="")
    people_to_call: Mapped[str] = mapped_column(sa.Text, default="")
    boundaries: Mapped[str] = mapped_column(sa.Text, default="")
    commitments: Mapped[str] = mapped_column(sa.Text, default="")
    check_in: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffSecondFactor(db.Model):
    """A staff member's authenticator app (TOTP); enrolled once the first code is confirmed."""

    __tablename__ = "staff_second_factor"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    # Encrypted with a key derived from SECRET_KEY: a leaked database does not leak the secrets.
    secret_encrypted: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last accepted code: that code and older ones never work again.
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    failed_attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class StaffRecoveryCode(db.Model):
    """One single-use recovery code, stored only as a hash."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InPersonSession(db.Model):
    """An in-person training session staff ran, with its attendees. Appended, never changed."""

    __tablename__ = "in_person_session"
    __table_args__ = (sa.CheckConstraint("hours > 0 AND hours <= 12", name="hours_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(sa.Date, index=True)
    topic: Mapped[str] = mapped_column(sa.String(200))
    # Tenths of an hour are enough for training records, and exact in every database.
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(4, 1))
    facilitator: Mapped[str] = mapped_column(sa.String(200))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendees: Mapped[list[InPersonAttendance]] = relationship(
        back_populates="session", order_by="InPersonAttendance.id"
    )
    recorded_by: Mapped[User] = relationship()


class InPersonAttendance(db.Model):
    """A mentor who attended an in-person session."""

    __tablename__ = "in_person_attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("in_person_session.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)

    session: Mapped[InPersonSession] = relationship(back_populates="attendees")
    user: Mapped[User] = relationship()


class ModuleVisit(db.Model):
    """When a mentor first opened a module, so reports can count minutes actually spent reading."""

    __tablename__ = "module_visit"
    __table_args__ = (sa.UniqueConstraint("user_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    module_slug: Mapped[str] = mapped_column(sa.String(100))
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlannerPlan(db.Model):
    """A mentoring-model plan: the program's answers and the recommendation made from them.

    Answers are about the program only (choice ids from planner.yaml); no youth data and no
    free text. The recommendation is kept as it was made, so a later change to the rules does
    not rewrite a plan someone has read or adopted.
    """

    __tablename__ = "planner_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    answers: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON)
    recommendation: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    planner_version: Mapped[str] = mapped_column(sa.String(16))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    created_by: Mapped[User] = relationship()
    adoptions: Mapped[list[PlannerAdoption]] = relationship(
        back_populates="plan", order_by="PlannerAdoption.id"
    )


class PlannerAdoption(db.Model):
    """An administrator adopted a plan; appended, never changed (the latest one stands)."""

    __tablename__ = "planner_adoption"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("planner_plan.id"), index=True)
    adopted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    adopted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    plan: Mapped[PlannerPlan] = relationship(back_populates="adoptions")
    adopted_by: Mapped[User] = relationship()


class ProgramProfile(db.Model):
    """The program's own facts: one row, edited by administrators, every change audited."""

    __tablename__ = "program_profile"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    # Raised on every save: pages rendered from the profile are cached by it.
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    # Text is stored exactly as typed and escaped wherever it is shown; "" means not set.
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    coordinator_name: Mapped[str] = mapped_column(sa.String(200), default="")
    coordinator_role: Mapped[str] = mapped_column(sa.String(200), default="")
    coordinator_email: Mapped[str] = mapped_column(sa.String(320), default="")
    coordinator_phone: Mapped[str] = mapped_column(sa.String(100), default="")
    coordinator_hours: Mapped[str] = mapped_column(sa.String(500), default="")
    first_contact: Mapped[str] = mapped_column(sa.Text, default="")
    after_hours: Mapped[str] = mapped_column(sa.String(500), default="")
    hotline: Mapped[str] = mapped_column(sa.String(500), default="")
    # None until the administrator answers: whether mentors must also report directly.
    must_report_directly: Mapped[bool | None] = mapped_column(sa.Boolean)
    emergency: Mapped[str] = mapped_column(sa.Text, default="")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    mentor_types: Mapped[list[str]] = mapped_column(sa.JSON)
    match_models: Mapped[list[str]] = mapped_column(sa.JSON)
    required_placeholders: Mapped[list[str]] = mapped_column(sa.JSON)
    # The program's own critical question in the boundaries quiz; "" prompt means none.
    question_prompt: Mapped[str] = mapped_column(sa.String(500), default="")
    question_answer: Mapped[str] = mapped_column(sa.String(500), default="")
    question_wrong: Mapped[str] = mapped_column(sa.Text, default="")  # one per line
    question_explanation: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Re-issue after a name change ---------------------------------------------------------------------

NAME_REQUEST_STATUSES = ("pending", "approved", "declined")


class ReplacedCertificateCode(db.Model):
    """A code a certificate carried before it was re-issued under a new code.

    The certificate row stays (one row per period, as the gate expects); only its code moves
    here, so the old code still answers "replaced" and never names the holder again.
    """

    __tablename__ = "replaced_certificate_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Same shape as Certificate.code; a code is never in both tables (checked when one is drawn).
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id"), index=True)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    certificate: Mapped[Certificate] = relationship()
    actor: Mapped[User] = relationship()


class NameChangeRequest(db.Model):
    """A mentor asked staff to correct their legal name; appended, decided once."""

    __tablename__ = "name_change_request"
    __table_args__ = (
        sa.CheckConstraint(_in("status", NAME_REQUEST_STATUSES), name="status"),
        # One pending request per mentor, whatever two tabs or a double click send.
        sa.Index(
            "uq_name_change_request_pending",
            "user_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    requested_name: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Shown to the mentor when declined.
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


# --- Notices and reminders by email ---------------------------------------------------------

NOTICE_KINDS = (
    "issued",
    "renewal_open",
    "expiring_30",
    "expiring_7",
    "expired",
    "suspended",
    "lifted",
    "revoked",
    "refresher_due",
    "name_corrected",
    "name_declined",
    "nudge",
)


class NoticeSent(db.Model):
    """A notice queued for a mentor, once per kind and period; written with its outbox message.

    The unique key is what makes `flask notices send` safe to run twice or on two hosts at once.
    """

    __tablename__ = "notice_sent"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "period_key"),
        sa.CheckConstraint(_in("kind", NOTICE_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    # What the notice is about: a certificate id, a staff action id, or the nudge's number.
    period_key: Mapped[str] = mapped_column(sa.String(64))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticePreference(db.Model):
    """A mentor's choice of optional mail; no row means both are on."""

    __tablename__ = "notice_preference"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    reminders: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    nudges: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Refreshers: a certified mentor re-reads a changed module and passes its quiz again ---


class CertificateRefresher(db.Model):
    """A refresher a certificate's holder completed for one module version; appended, never changed."""

    __tablename__ = "certificate_refresher"
    __table_args__ = (
        sa.UniqueConstraint("certificate_id", "module_slug", "version"),
        sa.CheckConstraint("version >= 2", name="version_changed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id"), index=True)
    module_slug: Mapped[str] = mapped_column(sa.String(100))
    version: Mapped[int] = mapped_column(sa.Integer)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- Standing kept in the database: each mentor's standing, cached for the staff lists ---


class MentorStanding(db.Model):
    """One mentor's standing as `standing.evaluate` last gave it; a cache, never a source of truth.

    Written in the same transaction as every fact that changes it (`standing_store`), and again
    once `changes_at` passes (the next moment the standing changes by itself: a certificate
    starting or ending, renewal opening, a cool-down or a refresher grace period ending). The
    roster, dashboard, matching lists and exports filter, count and sort over it in SQL.
    """

    __tablename__ = "mentor_standing"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    # The course rules it was evaluated under: a row of other rules is re-evaluated.
    fingerprint: Mapped[str] = mapped_column(sa.String(16), index=True)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    changes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    passed_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    required_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    percent: Mapped[int] = mapped_column(sa.Integer, default=0, index=True)
    certificate_status: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    certificate_label: Mapped[str | None] = mapped_column(sa.String(120))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    certified_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    eligible: Mapped[bool] = mapped_column(sa.Boolean, default=False, index=True)
    # [[code, staff text], …] in the order the standing gives them.
    reasons: Mapped[list[list[str]]] = mapped_column(sa.JSON, default=list)
    screening_pending: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    in_person_hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    open_matches: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_activity: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    refresher_due_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    refresher_overdue: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # What the dashboard's lists filter and order by, kept beside the standing so each list walks
    # one index to its first rows and the counts read this table alone.
    listed: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # an active mentor
    name_key: Mapped[str] = mapped_column(sa.String(200), default="")
    quiet_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    course_complete: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # The clock-free dashboard stages it is in (standing_store.STAGE_BITS).
    stage_flags: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        sa.Index("ix_mentor_standing_stages", "listed", "stage_flags"),
        # Mentors in an open match who are no longer eligible: the matches needing review.
        sa.Index("ix_mentor_standing_lost", "eligible", "open_matches"),
        sa.Index("ix_mentor_standing_progress_quiet", "listed", "course_complete", "quiet_since"),
        sa.Index("ix_mentor_standing_status_name", "listed", "certificate_status", "name_key"),
        sa.Index(
            "ix_mentor_standing_screening_name",
            "listed",
            "screening_pending",
            "certificate_status",
            "name_key",
        ),
        sa.Index("ix_mentor_standing_status_expiry", "listed", "certificate_status", "expires_at"),
        sa.Index(
            "ix_mentor_standing_ready", "listed", "eligible", "open_matches", "certified_since"
        ),
        sa.Index(
            "ix_mentor_standing_refresher",
            "listed",
            "refresher_due_on",
            postgresql_where=sa.text("refresher_due_on IS NOT NULL"),
            sqlite_where=sa.text("refresher_due_on IS NOT NULL"),
        ),
        sa.Index("ix_mentor_standing_progress_name", "listed", "course_complete", "name_key"),
    )
