"""Staff second factor: TOTP enrolment and checks, single-use recovery codes, admin reset."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask_babel import gettext
from sqlalchemy.orm import Session

from app.models import StaffRecoveryCode, StaffSecondFactor, User, new_session_token, utcnow
from app.services import audit
from app.services.errors import DomainError, NotAllowed, NotFound

STEP_SECONDS = 30
# One step either side absorbs a phone clock a little off and a code typed at the turn of a step.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
WRONG_CODE = (
    "That code is not right. Enter the 6-digit code your app shows now, or a recovery code."
)


def _derive(key_material: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        key_material.encode()
    )


def cipher(key_material: str) -> Fernet:
    """The cipher for TOTP secrets, keyed by HKDF-SHA256 from SECRET_KEY (or its own setting)."""
    return Fernet(base64.urlsafe_b64encode(_derive(key_material, b"mentor-ready totp secret v1")))


def _secret(factor: StaffSecondFactor, key_material: str) -> str:
    try:
        return cipher(key_material).decrypt(factor.secret_encrypted.encode()).decode()
    except InvalidToken as error:
        # SECRET_KEY changed since enrolment: only an administrator's reset gets this person in.
        raise NotAllowed(
            gettext(
                "Your authenticator app can no longer be checked. Ask an administrator to reset "
                "your second factor."
            )
        ) from error


def time_step(now: datetime) -> int:
    """The 30-second TOTP step that `now` falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def factor_for(session: Session, user_id: int) -> StaffSecondFactor | None:
    """The account's second factor, enrolled or still being set up."""
    return session.get(StaffSecondFactor, user_id)


def is_enrolled(session: Session, user_id: int) -> bool:
    """Whether the account has confirmed an authenticator app."""
    factor = factor_for(session, user_id)
    return factor is not None and factor.enrolled_at is not None


def begin_enrolment(
    session: Session, user: User, key_material: str, now: datetime | None = None
) -> str:
    """A TOTP secret for the enrolment page (kept until confirmed, so a reload shows the same)."""
    now = now or utcnow()
    if not user.is_staff:
        raise NotAllowed(gettext("Only staff accounts use a second factor."))
    factor = factor_for(session, user.id)
    if factor is not None and factor.enrolled_at is not None:
        raise NotAllowed(gettext("An authenticator app is already set up for this account."))
    if factor is None:
        secret = pyotp.random_base32()
        factor = StaffSecondFactor(
            user_id=user.id,
            secret_encrypted=cipher(key_material).encrypt(secret.encode()).decode(),
            created_at=now,
            failed_attempts=0,
        )
        session.add(factor)
        session.commit()
        return secret
    return _secret(factor, key_material)


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _check_not_locked(factor: StaffSecondFactor, now: datetime) -> None:
    if factor.locked_until is not None and factor.locked_until > now:
        raise NotAllowed(
            gettext(
                "Too many wrong codes. For your safety, codes are not accepted until %(time)s UTC.",
                time=f"{factor.locked_until:%H:%M}",
            )
        )


def _totp_step(secret: str, code: str, after: int | None, now: datetime) -> int | None:
    """The step whose code this is, if it is within the drift window and newer than `after`."""
    totp = pyotp.TOTP(secret)
    current = time_step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue  # a code already used, or older than one used, is a replay
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _fail(session: Session, factor: StaffSecondFactor, now: datetime) -> DomainError:
    factor.failed_attempts += 1
    if factor.failed_attempts >= MAX_FAILURES:
        factor.failed_attempts = 0
        factor.locked_until = now + LOCK_TIME
        audit.record(
            session,
            "account.second_factor_locked",
            actor_id=factor.user_id,
            subject_user_id=factor.user_id,
            now=now,
        )
    session.commit()
    return DomainError(WRONG_CODE, field="code")


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _recovery_hash(code: str, key_material: str) -> str:
    # Keyed, so a copy of the database alone is not enough to search the codes offline.
    key = _derive(key_material, b"mentor-ready recovery codes v1")
    return hmac.new(key, _normalise(code).encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(
    session: Session, user_id: int, key_material: str, now: datetime
) -> list[str]:
    session.execute(sa.delete(StaffRecoveryCode).where(StaffRecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(
            StaffRecoveryCode(
                user_id=user_id, code_hash=_recovery_hash(raw, key_material), created_at=now
            )
        )
    return codes


def confirm_enrolment(
    session: Session, user_id: int, code: str, key_material: str, now: datetime | None = None
) -> list[str]:
    """Confirm the app with its current code; returns ten recovery codes, shown only this once."""
    now = now or utcnow()
    factor = factor_for(session, user_id)
    if factor is None or factor.enrolled_at is not None:
        raise NotAllowed(gettext("There is no authenticator app waiting to be confirmed."))
    _check_not_locked(factor, now)
    step = _totp_step(_secret(factor, key_material), _normalise(code), None, now)
    if step is None:
        raise _fail(session, factor, now)
    factor.enrolled_at = now
    factor.last_used_step = step
    factor.failed_attempts = 0
    codes = _new_recovery_codes(session, user_id, key_material, now)
    audit.record(
        session,
        "account.second_factor_enrolled",
        actor_id=user_id,
        subject_user_id=user_id,
        now=now,
    )
    session.commit()
    return codes


def verify(
    session: Session, user_id: int, code: str, key_material: str, now: datetime | None = None
) -> str:
    """Accept a current TOTP code or an unused recovery code once; returns which kind was used."""
    now = now or utcnow()
    factor = factor_for(session, user_id)
    if factor is None or factor.enrolled_at is None:
        raise NotAllowed(gettext("Set up an authenticator app first."))
    _check_not_locked(factor, now)
    entered = _normalise(code)
    if entered.isdigit() and len(entered) == 6:
        step = _totp_step(_secret(factor, key_material), entered, factor.last_used_step, now)
        if step is None:
            raise _fail(session, factor, now)
        # A conditional update, so two requests racing with one code cannot both sign in.
        claimed = session.execute(
            sa.update(StaffSecondFactor)
            .where(
                StaffSecondFactor.user_id == user_id,
                sa.or_(
                    StaffSecondFactor.last_used_step.is_(None),
                    StaffSecondFactor.last_used_step < step,
                ),
            )
            .values(last_used_step=step, failed_attempts=0)
        )
        if claimed.rowcount != 1:
            session.rollback()
            raise _fail(session, factor, now)
        session.commit()
        return "app"
    # A conditional update, so one recovery code cannot be used twice by two racing requests.
    used = session.execute(
        sa.update(StaffRecoveryCode)
        .where(
            StaffRecoveryCode.user_id == user_id,
            StaffRecoveryCode.code_hash == _recovery_hash(entered, key_material),
            StaffRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    if used.rowcount != 1:
        session.rollback()
        raise _fail(session, factor, now)
    factor.failed_attempts = 0
    audit.record(
        session,
        "account.recovery_code_used",
        actor_id=user_id,
        subject_user_id=user_id,
        detail={"left": recovery_codes_left(session, user_id)},
        now=now,
    )
    session.commit()
    return "recovery"


def recovery_codes_left(session: Session, user_id: int) -> int:
    """How many recovery codes the account has not used yet."""
    return (
        session.scalar(
            sa.select(sa.func.count(StaffRecoveryCode.id)).where(
                StaffRecoveryCode.user_id == user_id, StaffRecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def reset(session: Session, actor: User, user_id: int, now: datetime | None = None) -> User:
    """An administrator removes a colleague's second factor; they enrol again at next sign-in."""
    now = now or utcnow()
    if not actor.is_admin:
        raise NotAllowed(gettext("Only an administrator can reset a second factor."))
    user = session.get(User, user_id)
    if user is None or not user.is_staff:
        raise NotFound(gettext("There is no such staff account."))
    if user.id == actor.id:
        raise NotAllowed(gettext("Another administrator must reset your own second factor."))
    session.execute(sa.delete(StaffRecoveryCode).where(StaffRecoveryCode.user_id == user_id))
    session.execute(sa.delete(StaffSecondFactor).where(StaffSecondFactor.user_id == user_id))
    # Whoever holds a session of this account now held the old factor: sign them out.
    user.session_token = new_session_token()
    audit.record(
        session, "account.second_factor_reset", actor_id=actor.id, subject_user_id=user.id, now=now
    )
    session.commit()
    return user
