"""Accounts: registration, sign-in, passwords, emailed links, throttling and ending sessions."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy.orm import Session

from app.content.model import MENTOR_TYPES
from app.content.translations import LANGUAGES, SOURCE_LANGUAGE
from app.models import ROLES, AccountToken, User, new_session_token, utcnow
from app.services import audit, outbox, passwords
from app.services.errors import DomainError
from app.services.text import without_invisible

NAME_MAX = 200
EMAIL_MAX = 320
RESET_HOURS = 1
INVITE_DAYS = 7
CONFIRM_HOURS = 48
# Failed sign-ins in a row (from any address) before an account pauses; the first pause lasts
# LOCK_FIRST, each later one twice as long, never longer than LOCK_LONGEST.
LOCK_AFTER_FAILURES = 10
LOCK_FIRST = timedelta(minutes=15)
LOCK_LONGEST = timedelta(hours=4)
EXISTING_EMAIL = "An account with this email already exists. Sign in, or reset your password."
LINK_PURPOSES_ENDED_BY_A_NEW_PASSWORD = ("password_reset", "invite")


@dataclass(frozen=True)
class Site:
    """What an email needs to know about the site: its public address and the program's name."""

    base_url: str
    program_name: str


class EmailNotConfirmed(DomainError):
    """The password is right, but the address has not been confirmed through the emailed link."""


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
        raise DomainError(gettext("Enter your name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(
            gettext("Use at most %(count)s characters for your name.", count=NAME_MAX), field="name"
        )
    return name


def _check_email(email: str) -> str:
    email = normalise_email(email)
    if not email or "@" not in email or len(email) > EMAIL_MAX:
        raise DomainError(gettext("Enter a valid email address."), field="email")
    return email


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
    email_confirmed: bool = True,
    now: datetime | None = None,
) -> User:
    """Create an account after checking every field; commits.

    Accounts an administrator creates count as confirmed; sign-ups and invitations do not until
    their holder opens an emailed link.
    """
    now = now or utcnow()
    name = _check_name(name)
    email = _check_email(email)
    if role not in ROLES:
        raise DomainError(
            gettext("Role must be one of: %(roles)s.", roles=", ".join(ROLES)), field="role"
        )
    if role == "mentor":
        if mentor_type not in MENTOR_TYPES:
            raise DomainError(
                gettext("Choose the kind of mentor you will be."), field="mentor_type"
            )
    elif mentor_type is not None and mentor_type not in MENTOR_TYPES:
        raise DomainError(gettext("Unknown mentor type."), field="mentor_type")
    if find_by_email(session, email) is not None:
        raise DomainError(EXISTING_EMAIL, field="email")
    _check_password(password, name, email)
    user = User(
        email=email,
        name=name,
        password_hash=passwords.hash_password(password),
        role=role,
        mentor_type=mentor_type,
        created_at=now,
        password_changed_at=now,
        email_confirmed_at=now if email_confirmed else None,
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
        raise DomainError(EXISTING_EMAIL, field="email") from error
    return user


def in_language_of(user: User) -> AbstractContextManager[None]:
    """Write what follows (gettext, dates) in `user`'s stored language, English when none.

    Mail is worded when it is queued, in or out of a request, never in the sender's language.
    """
    return force_locale(user.language if user.language in LANGUAGES else SOURCE_LANGUAGE)


def _hello(user: User) -> str:
    return gettext("Hello %(name)s,", name=user.first_name) + "\n\n"


def register_mentor(
    session: Session,
    *,
    name: str,
    email: str,
    password: str,
    mentor_type: str,
    site: Site,
    language: str | None = None,
    now: datetime | None = None,
) -> None:
    """Self-registration: always a mentor; whether or not the email is known, a mail is queued.

    A new address gets a confirmation link; a confirmed account's holder is told someone tried
    to register and given a reset link. The caller shows the same page in every case. A new
    sign-up keeps `language` (the one the form was read in, when one of LANGUAGES), so its mail
    and pages are in it; a known account keeps its own.
    """
    language = language if language in LANGUAGES else None
    now = now or utcnow()
    name = _check_name(name)
    email = _check_email(email)
    if mentor_type not in MENTOR_TYPES:
        raise DomainError(gettext("Choose the kind of mentor you will be."), field="mentor_type")
    _check_password(password, name, email)
    # Hashed on every path, so the answer takes as long for a known address as for a new one.
    password_hash = passwords.hash_password(password)
    existing = find_by_email(session, email)
    if existing is None:
        user = User(
            email=email,
            name=name,
            password_hash=password_hash,
            role="mentor",
            mentor_type=mentor_type,
            language=language,
            created_at=now,
            password_changed_at=now,
        )
        session.add(user)
        try:
            # Two sign-ups racing with one email: the unique constraint stops the second here,
            # and the first one's confirmation mail is already on its way.
            session.flush()
        except sa.exc.IntegrityError:
            session.rollback()
            return
        audit.record(session, "account.created", actor_id=user.id, subject_user_id=user.id, now=now)
        _queue_confirmation(session, user, site, now)
    elif existing.role == "mentor" and existing.email_confirmed_at is None and existing.is_active:
        # A sign-up never confirmed is nobody's yet: the latest one stands, and only the person
        # who can read the mailbox can confirm it.
        existing.name, existing.mentor_type = name, mentor_type
        existing.language = language or existing.language
        existing.password_hash, existing.password_changed_at = password_hash, now
        end_links(session, existing.id, ("confirm_email",), now)
        _queue_confirmation(session, existing, site, now)
    elif existing.is_active:
        _queue_registration_attempt_notice(session, existing, site, now)
    session.commit()


def _queue_confirmation(session: Session, user: User, site: Site, now: datetime) -> None:
    raw = issue_token(session, user, "confirm_email", timedelta(hours=CONFIRM_HOURS), now)
    with in_language_of(user):
        subject = gettext("Confirm your email address for %(program)s", program=site.program_name)
        body = (
            _hello(user)
            + gettext(
                "Thank you for signing up to %(program)s. Open this link within %(hours)s hours "
                "to confirm your email address; then sign in to start your training:",
                program=site.program_name,
                hours=CONFIRM_HOURS,
            )
            + f"\n\n{site.base_url}/confirm-email/{raw}\n\n"
            + gettext(
                "If you did not sign up, you can ignore this message: without the link, nobody "
                "can use the account."
            )
            + "\n"
        )
    outbox.enqueue(session, user.email, subject, body, now=now)


def _queue_registration_attempt_notice(
    session: Session, user: User, site: Site, now: datetime
) -> None:
    raw = issue_token(session, user, "password_reset", timedelta(hours=RESET_HOURS), now)
    with in_language_of(user):
        subject = gettext(
            "Someone tried to sign up to %(program)s with your email address",
            program=site.program_name,
        )
        body = (
            _hello(user)
            + gettext(
                "Someone tried to create a %(program)s account with this email address, which "
                "already has an account. Nothing was changed.",
                program=site.program_name,
            )
            + "\n\n"
            + ngettext(
                "If it was you, you can simply sign in. If you have forgotten your password, "
                "open this link within %(num)d hour to choose a new one:",
                "If it was you, you can simply sign in. If you have forgotten your password, "
                "open this link within %(num)d hours to choose a new one:",
                RESET_HOURS,
            )
            + f"\n\n{site.base_url}/reset-password/{raw}\n\n"
            + gettext("If it was not you, you can ignore this message; your account is safe.")
            + "\n"
        )
    outbox.enqueue(
        session,
        user.email,
        subject,
        body,
        # At most one such notice an hour, however often someone submits the form.
        key=f"registration-attempt:{user.id}:{now:%Y-%m-%dT%H}",
        now=now,
    )


def confirm_email(session: Session, raw: str, now: datetime | None = None) -> User:
    """Use a confirmation link once: the account's address is confirmed and it can sign in."""
    now = now or utcnow()
    user = token_user(session, raw, "confirm_email", now)
    if user is None or not _use_token(session, raw, now):
        session.rollback()
        raise DomainError(gettext("This link has expired or was already used. Ask for a new one."))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
        audit.record(
            session, "account.email_confirmed", actor_id=user.id, subject_user_id=user.id, now=now
        )
    session.commit()
    return user


def resend_confirmation(
    session: Session, email: str, *, site: Site, now: datetime | None = None
) -> None:
    """Queue a new confirmation link for an unconfirmed sign-up; silent for any other address."""
    now = now or utcnow()
    user = find_by_email(session, email)
    if user is None or user.role != "mentor" or user.email_confirmed_at is not None:
        return
    if not user.is_active:
        return
    end_links(session, user.id, ("confirm_email",), now)
    _queue_confirmation(session, user, site, now)
    session.commit()


def lock_length(lockouts: int) -> timedelta:
    """How long the account pauses the `lockouts`+1-th time: doubling from LOCK_FIRST, capped."""
    return min(LOCK_FIRST * 2 ** min(lockouts, 16), LOCK_LONGEST)


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    site: Site | None = None,
    now: datetime | None = None,
) -> User | None:
    """The account for these credentials, or None; unknown email and wrong password look alike.

    While an account is paused after failed sign-ins, even the right password gets None; a
    right password for an unconfirmed address raises EmailNotConfirmed.
    """
    now = now or utcnow()
    user = find_by_email(session, email)
    if user is None or not user.is_active or is_locked(user, now):
        # Compared against a dummy hash all the same, so the answer takes as long.
        passwords.verify_password(passwords.dummy_hash(), password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        _count_failure(session, user, site, now)
        return None
    if user.email_confirmed_at is None:
        raise EmailNotConfirmed(
            gettext(
                "Confirm your email address first: open the link we emailed you when you signed up."
            )
        )
    if user.failed_sign_ins or user.lockouts or user.locked_until is not None:
        _clear_failures(user)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    session.commit()
    return user


def may_be_remembered(user: User) -> bool:
    """Whether "keep me signed in" applies: mentors only; staff sign in again each session."""
    return not user.is_staff


def is_locked(user: User, now: datetime) -> bool:
    """Whether sign-in to this account is paused after too many failures."""
    return user.locked_until is not None and user.locked_until > now


def _clear_failures(user: User) -> None:
    user.failed_sign_ins, user.lockouts, user.locked_until = 0, 0, None


def _count_failure(session: Session, user: User, site: Site | None, now: datetime) -> None:
    """One more failure in a row; the tenth pauses the account and tells its holder."""
    # Incremented in the database, so failures arriving at several workers at once all count.
    session.execute(
        sa.update(User).where(User.id == user.id).values(failed_sign_ins=User.failed_sign_ins + 1)
    )
    session.refresh(user)
    if user.failed_sign_ins >= LOCK_AFTER_FAILURES:
        pause = lock_length(user.lockouts)
        user.locked_until = now + pause
        user.lockouts += 1
        user.failed_sign_ins = 0
        audit.record(
            session,
            "account.sign_in_paused",
            actor_id=None,
            subject_user_id=user.id,
            detail={"minutes": int(pause.total_seconds() // 60)},
            now=now,
        )
        if site is not None:
            _queue_lock_notice(session, user, pause, site, now)
    session.commit()


def _queue_lock_notice(
    session: Session, user: User, pause: timedelta, site: Site, now: datetime
) -> None:
    raw = issue_token(session, user, "password_reset", timedelta(hours=RESET_HOURS), now)
    minutes = int(pause.total_seconds() // 60)
    with in_language_of(user):
        length = (
            ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
            if minutes >= 120
            else ngettext("%(num)d minute", "%(num)d minutes", minutes)
        )
        subject = gettext(
            "Sign-in to your %(program)s account is paused", program=site.program_name
        )
        body = (
            _hello(user)
            + gettext(
                "Someone typed a wrong password for your %(program)s account %(count)s times in "
                "a row, so signing in is paused for %(length)s. Your password was not given away.",
                program=site.program_name,
                count=LOCK_AFTER_FAILURES,
                length=length,
            )
            + "\n\n"
            + ngettext(
                "If it was you, wait and try again, or choose a new password now with this link "
                "(it ends the pause; it works once, for %(num)d hour):",
                "If it was you, wait and try again, or choose a new password now with this link "
                "(it ends the pause; it works once, for %(num)d hours):",
                RESET_HOURS,
            )
            + f"\n\n{site.base_url}/reset-password/{raw}\n\n"
            + gettext("If it was not you, choosing a new, unusual password is a good idea.")
            + "\n"
        )
    outbox.enqueue(
        session,
        user.email,
        subject,
        body,
        key=f"account-paused:{user.id}:{user.locked_until.isoformat() if user.locked_until else ''}",
        now=now,
    )


def end_all_sessions(session: Session, user_id: int) -> User:
    """Rotate the session token so every existing session and remember-me cookie stops working."""
    user = session.get(User, user_id)
    if user is None:
        raise DomainError(gettext("No such account."))
    user.session_token = new_session_token()
    session.commit()
    return user


def set_language(session: Session, user_id: int, language: str) -> User:
    """Remember the language the account reads the site in (one of LANGUAGES)."""
    if language not in LANGUAGES:
        raise DomainError(gettext("That language is not offered."), field="language")
    user = session.get(User, user_id)
    if user is None:
        raise DomainError(gettext("No such account."))
    user.language = language
    session.commit()
    return user


def change_password(
    session: Session, user_id: int, current: str, new: str, now: datetime | None = None
) -> User:
    """Change a password after checking the current one; ends every other session."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None:
        raise DomainError(gettext("No such account."))
    if not passwords.verify_password(user.password_hash, current):
        raise DomainError(gettext("Your current password is not right."), field="current_password")
    _check_password(new, user.name, user.email)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.session_token = new_session_token()
    end_links(session, user.id, LINK_PURPOSES_ENDED_BY_A_NEW_PASSWORD, now)
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


def end_links(session: Session, user_id: int, purposes: tuple[str, ...], now: datetime) -> None:
    """Every unused link of these kinds for this account stops working."""
    session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose.in_(purposes),
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )


def _use_token(session: Session, raw: str, now: datetime) -> bool:
    """Mark a token used; False when another request used it first."""
    # A conditional update, so two tabs racing with the same link cannot both use it.
    used = session.execute(
        sa.update(AccountToken)
        .where(AccountToken.token_hash == _token_hash(raw), AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    return used.rowcount == 1


def request_password_reset(
    session: Session, email: str, *, site: Site, now: datetime | None = None
) -> None:
    """Queue a one-hour, single-use reset link if the account exists; silent otherwise."""
    now = now or utcnow()
    user = find_by_email(session, email)
    if user is None or not user.is_active:
        # Recorded (without the address) and committed like a real request, so the answer
        # takes about as long for an unknown address as for a known one.
        audit.record(session, "account.password_reset_requested", actor_id=None, now=now)
        session.commit()
        return
    raw = issue_token(session, user, "password_reset", timedelta(hours=RESET_HOURS), now)
    audit.record(
        session,
        "account.password_reset_requested",
        actor_id=None,
        subject_user_id=user.id,
        now=now,
    )
    with in_language_of(user):
        subject = gettext("Reset your %(program)s password", program=site.program_name)
        body = (
            _hello(user)
            + ngettext(
                "Someone asked to reset the password of your %(program)s account. If it was you, "
                "open this link within %(num)d hour to choose a new password:",
                "Someone asked to reset the password of your %(program)s account. If it was you, "
                "open this link within %(num)d hours to choose a new password:",
                RESET_HOURS,
                program=site.program_name,
            )
            + f"\n\n{site.base_url}/reset-password/{raw}\n\n"
            + gettext(
                "If it was not you, you can ignore this message; your password has not changed."
            )
            + "\n"
        )
    outbox.enqueue(session, user.email, subject, body, now=now)
    session.commit()


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
        raise DomainError(gettext("This link has expired or was already used. Ask for a new one."))
    _check_password(new, user.name, user.email)
    if not _use_token(session, raw, now):
        session.rollback()
        raise DomainError(gettext("This link has expired or was already used. Ask for a new one."))
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.session_token = new_session_token()
    # The link came to the mailbox: the address is confirmed, and a pause after failed sign-ins
    # ends, so nobody can keep the holder out for longer than it takes to read their mail.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    _clear_failures(user)
    end_links(session, user.id, LINK_PURPOSES_ENDED_BY_A_NEW_PASSWORD, now)
    audit.record(
        session, f"account.{purpose}_used", actor_id=user.id, subject_user_id=user.id, now=now
    )
    session.commit()
    return user
