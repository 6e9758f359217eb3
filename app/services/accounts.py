"""Accounts: registration, sign-in, passwords, reset links and ending sessions."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.content.model import MENTOR_TYPES
from app.models import ROLES, AccountToken, User, new_session_token, utcnow
from app.services import audit, passwords
from app.services.errors import DomainError
from app.services.mail import MailSettings, send_mail
from app.services.text import without_invisible

NAME_MAX = 200
EMAIL_MAX = 320
RESET_HOURS = 1
INVITE_DAYS = 7


def normalise_email(email: str) -> str:
    """The one form an email address is stored and compared in: NFC, trimmed, lower case."""
    return unicodedata.normalize("NFC", email).strip().lower()


def normalise_name(name: str) -> str:
    """A display name: NFC, no invisible or bidi characters, single spaces, trimmed."""
    return " ".join(without_invisible(unicodedata.normalize("NFC", name)).split())


def find_by_email(session: Session, email: str) -> User | None:
    """The account with this email, compared case-insensitively."""
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def find_by_session_token(session: Session, token: str) -> User | None:
    """The active account whose current session token is `token`."""
    if not token:
        return None
    user = session.scalar(sa.select(User).where(User.session_token == token))
    return user if user is not None and user.is_active else None


def _check_name(name: str) -> str:
    name = normalise_name(name)
    if not name:
        raise DomainError("Enter your name.", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(f"Use at most {NAME_MAX} characters for your name.", field="name")
    return name


def _check_password(password: str, name: str, email: str) -> None:
    problem = passwords.password_problem(password, context=(name, email, email.split("@")[0]))
    if problem:
        raise DomainError(problem, field="password")


def create_account(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: str = "mentor",
    mentor_type: str | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> User:
    """Create an account after checking every field; commits."""
    now = now or utcnow()
    name = _check_name(name)
    email = normalise_email(email)
    if not email or "@" not in email or len(email) > EMAIL_MAX:
        raise DomainError("Enter a valid email address.", field="email")
    if role not in ROLES:
        raise DomainError(f"Role must be one of: {', '.join(ROLES)}.", field="role")
    if role == "mentor":
        if mentor_type not in MENTOR_TYPES:
            raise DomainError("Choose the kind of mentor you will be.", field="mentor_type")
    elif mentor_type is not None and mentor_type not in MENTOR_TYPES:
        raise DomainError("Unknown mentor type.", field="mentor_type")
    if find_by_email(session, email) is not None:
        raise DomainError(
            "An account with this email already exists. Sign in, or reset your password.",
            field="email",
        )
    _check_password(password, name, email)
    user = User(
        email=email,
        name=name,
        password_hash=passwords.hash_password(password),
        role=role,
        mentor_type=mentor_type,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    try:
        # Two sign-ups racing with one email both pass the check above; the unique constraint
        # stops the second when its row is written, which is here at the flush.
        session.flush()
        audit.record(
            session,
            "account.created",
            actor_id=actor_id if actor_id is not None else user.id,
            subject_user_id=user.id,
            detail={"role": role},
            now=now,
        )
        session.commit()
    except sa.exc.IntegrityError as error:
        session.rollback()
        raise DomainError(
            "An account with this email already exists. Sign in, or reset your password.",
            field="email",
        ) from error
    return user


def register_mentor(
    session: Session, *, name: str, email: str, password: str, mentor_type: str
) -> User:
    """Self-registration: always a mentor, whatever else was posted."""
    return create_account(
        session, email=email, name=name, password=password, role="mentor", mentor_type=mentor_type
    )


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The account for these credentials, or None; unknown email and wrong password look alike."""
    user = find_by_email(session, email)
    if user is None:
        passwords.verify_password(passwords.dummy_hash(), password)
        return None
    if not passwords.verify_password(user.password_hash, password) or not user.is_active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        session.commit()
    return user


def end_all_sessions(session: Session, user_id: int) -> User:
    """Rotate the session token so every existing session and remember-me cookie stops working."""
    user = session.get(User, user_id)
    if user is None:
        raise DomainError("No such account.")
    user.session_token = new_session_token()
    session.commit()
    return user


def change_password(
    session: Session, user_id: int, current: str, new: str, now: datetime | None = None
) -> User:
    """Change a password after checking the current one; ends every other session."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None:
        raise DomainError("No such account.")
    if not passwords.verify_password(user.password_hash, current):
        raise DomainError("Your current password is not right.", field="current_password")
    _check_password(new, user.name, user.email)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.session_token = new_session_token()
    audit.record(
        session, "account.password_changed", actor_id=user.id, subject_user_id=user.id, now=now
    )
    session.commit()
    return user


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    session: Session, user: User, purpose: str, lifetime: timedelta, now: datetime
) -> str:
    """Store a single-use token for `user` and return the raw value to put in a link."""
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_token_hash(raw),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return raw


def request_password_reset(
    session: Session,
    email: str,
    *,
    mail: MailSettings,
    base_url: str,
    program_name: str,
    now: datetime | None = None,
) -> None:
    """Email a one-hour, single-use reset link if the account exists; silent otherwise."""
    now = now or utcnow()
    user = find_by_email(session, email)
    if user is None or not user.is_active:
        return
    raw = issue_token(session, user, "password_reset", timedelta(hours=RESET_HOURS), now)
    session.commit()
    link = f"{base_url}/reset-password/{raw}"
    send_mail(
        mail,
        user.email,
        f"Reset your {program_name} password",
        f"Hello {user.first_name},\n\n"
        f"Someone asked to reset the password of your {program_name} account. "
        f"If it was you, open this link within {RESET_HOURS} hour to choose a new password:\n\n"
        f"{link}\n\nIf it was not you, you can ignore this message; your password has not changed.\n",
    )


def token_user(
    session: Session, raw: str, purpose: str, now: datetime | None = None
) -> User | None:
    """The account a still-usable token belongs to, or None."""
    now = now or utcnow()
    token = session.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == _token_hash(raw), AccountToken.purpose == purpose
        )
    )
    if token is None or token.used_at is not None or token.expires_at <= now:
        return None
    return token.user if token.user.is_active else None


def set_password_with_token(
    session: Session, raw: str, purpose: str, new: str, now: datetime | None = None
) -> User:
    """Use a reset or invitation token once to set a new password; ends every session."""
    now = now or utcnow()
    user = token_user(session, raw, purpose, now)
    if user is None:
        raise DomainError("This link has expired or was already used. Ask for a new one.")
    _check_password(new, user.name, user.email)
    # A conditional update, so two tabs racing with the same link cannot both use it.
    used = session.execute(
        sa.update(AccountToken)
        .where(AccountToken.token_hash == _token_hash(raw), AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:
        session.rollback()
        raise DomainError("This link has expired or was already used. Ask for a new one.")
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.session_token = new_session_token()
    audit.record(
        session, f"account.{purpose}_used", actor_id=user.id, subject_user_id=user.id, now=now
    )
    session.commit()
    return user
