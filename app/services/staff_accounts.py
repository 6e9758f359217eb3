"""Account administration: invitations, roles, deactivation, with the guard rails around admins."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session

from app.models import ROLES, User, new_session_token, utcnow
from app.services import accounts, audit, outbox
from app.services.errors import DomainError, NotAllowed, NotFound

INVITE_LIFETIME = timedelta(days=7)


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(User.id)).where(
                User.role == "admin", User.deactivated_at.is_(None)
            )
        )
        or 0
    )


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(gettext("There is no such account."))
    return user


def deactivate(session: Session, actor: User, user_id: int, now: datetime | None = None) -> User:
    """Deactivate an account: it cannot sign in, every session ends, it is not eligible."""
    now = now or utcnow()
    user = _get(session, user_id)
    if user.id == actor.id:
        raise NotAllowed(gettext("You cannot deactivate your own account."))
    if user.role != "mentor" and not actor.is_admin:
        raise NotAllowed(gettext("Only an administrator can deactivate a staff account."))
    if not user.is_active:
        raise DomainError(gettext("This account is already deactivated."))
    if user.role == "admin" and _active_admins(session) <= 1:
        raise NotAllowed(
            gettext("This is the last active administrator; it cannot be deactivated.")
        )
    user.deactivated_at = now
    user.session_token = new_session_token()
    audit.record(
        session, "account.deactivated", actor_id=actor.id, subject_user_id=user.id, now=now
    )
    session.commit()
    return user


def reactivate(session: Session, actor: User, user_id: int, now: datetime | None = None) -> User:
    """Let a deactivated account sign in again."""
    user = _get(session, user_id)
    if user.role != "mentor" and not actor.is_admin:
        raise NotAllowed(gettext("Only an administrator can reactivate a staff account."))
    if user.is_active:
        raise DomainError(gettext("This account is already active."))
    user.deactivated_at = None
    audit.record(
        session, "account.reactivated", actor_id=actor.id, subject_user_id=user.id, now=now
    )
    session.commit()
    return user


def change_role(
    session: Session, actor: User, user_id: int, role: str, now: datetime | None = None
) -> User:
    """Change a staff account's role; admins cannot demote themselves or the last admin."""
    if not actor.is_admin:
        raise NotAllowed(gettext("Only an administrator can change roles."))
    user = _get(session, user_id)
    if role not in ROLES or role == "mentor" or user.role == "mentor":
        raise DomainError(gettext("Roles change between staff and admin only."), field="role")
    if role == user.role:
        raise DomainError(gettext("The account already has that role."), field="role")
    if user.id == actor.id:
        raise NotAllowed(gettext("You cannot change your own role."))
    if user.role == "admin" and user.is_active and _active_admins(session) <= 1:
        raise NotAllowed(gettext("This is the last active administrator; it cannot be demoted."))
    previous, user.role = user.role, role
    audit.record(
        session,
        "account.role_changed",
        actor_id=actor.id,
        subject_user_id=user.id,
        detail={"from": previous, "to": role},
        now=now,
    )
    session.commit()
    return user


def invite_staff(
    session: Session,
    actor: User,
    *,
    name: str,
    email: str,
    role: str,
    site: accounts.Site,
    now: datetime | None = None,
) -> tuple[User, bool]:
    """Create a staff or admin account and queue a single-use link to choose a password.

    Inviting an address whose invitation is still open sends that invitation again instead;
    the second value says whether that happened.
    """
    now = now or utcnow()
    if not actor.is_admin:
        raise NotAllowed(gettext("Only an administrator can add staff."))
    if role not in ("staff", "admin"):
        raise DomainError(gettext("Choose staff or admin."), field="role")
    existing = accounts.find_by_email(session, email)
    if existing is not None and invitation_pending(existing):
        return resend_invitation(session, actor, existing.id, site=site, now=now), True
    # An unguessable placeholder: nobody can sign in until the link is used.
    placeholder = secrets.token_urlsafe(48)
    user = accounts.create_account(
        session,
        email=email,
        name=name,
        password=placeholder,
        role=role,
        actor_id=actor.id,
        email_confirmed=False,
        now=now,
    )
    audit.record(
        session,
        "account.invited",
        actor_id=actor.id,
        subject_user_id=user.id,
        detail={"role": role},
        now=now,
    )
    _queue_invitation(session, actor, user, site, now)
    session.commit()
    return user, False


def invitation_pending(user: User) -> bool:
    """Whether `user` was invited and has not yet chosen a password through the link."""
    # Staff an administrator creates on the command line count as confirmed from the start.
    return user.is_staff and user.email_confirmed_at is None and user.is_active


def resend_invitation(
    session: Session,
    actor: User,
    user_id: int,
    *,
    site: accounts.Site,
    now: datetime | None = None,
) -> User:
    """Queue a new invitation link; the earlier links of that account stop working."""
    now = now or utcnow()
    if not actor.is_admin:
        raise NotAllowed(gettext("Only an administrator can invite staff."))
    user = _get(session, user_id)
    if not invitation_pending(user):
        raise DomainError(gettext("This account has already accepted its invitation."))
    accounts.end_links(session, user.id, ("invite",), now)
    audit.record(
        session, "account.invitation_resent", actor_id=actor.id, subject_user_id=user.id, now=now
    )
    _queue_invitation(session, actor, user, site, now)
    session.commit()
    return user


def cancel_invitation(
    session: Session, actor: User, user_id: int, now: datetime | None = None
) -> User:
    """Withdraw an invitation not yet accepted: its links stop working and the account is closed.

    The account row stays (nothing is lost); reactivating it and sending the invitation again
    undoes the cancellation.
    """
    now = now or utcnow()
    if not actor.is_admin:
        raise NotAllowed(gettext("Only an administrator can cancel an invitation."))
    user = _get(session, user_id)
    if not invitation_pending(user):
        raise DomainError(gettext("Only an invitation that has not been accepted can be canceled."))
    accounts.end_links(session, user.id, ("invite",), now)
    user.deactivated_at = now
    user.session_token = new_session_token()
    audit.record(
        session, "account.invitation_canceled", actor_id=actor.id, subject_user_id=user.id, now=now
    )
    session.commit()
    return user


def invitation_canceled(user: User) -> bool:
    """Whether `user` was invited and closed before accepting (a canceled invitation)."""
    return user.is_staff and user.email_confirmed_at is None and not user.is_active


def _queue_invitation(
    session: Session, actor: User, user: User, site: accounts.Site, now: datetime
) -> None:
    raw = accounts.issue_token(session, user, "invite", INVITE_LIFETIME, now)
    # In the new account's language once it has one; an invitation is English until then.
    with accounts.in_language_of(user):
        role = gettext("admin") if user.role == "admin" else gettext("staff")
        subject = gettext("You have been added to %(program)s", program=site.program_name)
        body = (
            gettext("Hello %(name)s,", name=user.first_name)
            + "\n\n"
            + gettext(
                "%(actor)s added you to %(program)s as %(role)s.",
                actor=actor.name,
                program=site.program_name,
                role=role,
            )
            + "\n"
            + gettext(
                "Open this link within %(days)s days to choose your password:",
                days=INVITE_LIFETIME.days,
            )
            + f"\n\n{site.base_url}/invite/{raw}\n\n"
            + gettext("The link works once. If you did not expect this, you can ignore it.")
            + "\n"
        )
    outbox.enqueue(session, user.email, subject, body, now=now)


def staff_accounts(session: Session) -> list[User]:
    """Every staff and admin account, admins first."""
    return list(
        session.scalars(
            sa.select(User).where(User.role.in_(("staff", "admin"))).order_by(User.role, User.name)
        )
    )
