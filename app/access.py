"""Who may use the staff console, and how a staff session starts, lasts and ends."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import db
from app.models import User, utcnow
from app.services import accounts, staff_sessions
from app.web import safe_next

PENDING_KEY = "second_factor_pending"
SIGNED_IN_KEY = "staff_signed_in_at"
LAST_SEEN_KEY = "staff_last_seen"
REAUTH_AT_KEY = "staff_reauthenticated_at"


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Staff and admins only; mentors get 403, signed-out visitors the sign-in page."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    wrapped.access_rule = "staff"  # type: ignore[attr-defined]
    return wrapped


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Admins only; staff and mentors get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.access_rule = "admin"  # type: ignore[attr-defined]
    return wrapped


def begin_second_factor(user: User, next_url: str | None) -> None:
    """The password was right: remember who is signing in until the second factor is given."""
    session.pop(PENDING_KEY, None)
    session[PENDING_KEY] = {
        "token": user.session_token,
        "at": staff_sessions.timestamp(utcnow()),
        "next": next_url,
    }


def pending_sign_in() -> tuple[User, str | None] | None:
    """The staff account waiting for its second factor and where it was going, if still valid."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    started = staff_sessions.moment(pending.get("at"))
    if staff_sessions.pending_expired(started, utcnow()):
        session.pop(PENDING_KEY, None)
        return None
    user = accounts.find_by_session_token(db.session, str(pending.get("token") or ""))
    if user is None or not user.is_staff:
        session.pop(PENDING_KEY, None)
        return None
    return user, safe_next(pending.get("next"))


def complete_staff_sign_in(user: User) -> None:
    """Both factors given: sign in (never remembered) and start the session's clocks."""
    session.pop(PENDING_KEY, None)
    login_user(user, remember=False, fresh=True)
    now = staff_sessions.timestamp(utcnow())
    session[SIGNED_IN_KEY] = now
    session[LAST_SEEN_KEY] = now
    session[REAUTH_AT_KEY] = now


def end_staff_session() -> None:
    """Forget the staff clocks with the sign-in."""
    for key in (PENDING_KEY, SIGNED_IN_KEY, LAST_SEEN_KEY, REAUTH_AT_KEY):
        session.pop(key, None)


def mark_password_confirmed() -> None:
    """The password was just typed again: sensitive actions are open for 15 minutes."""
    session[REAUTH_AT_KEY] = staff_sessions.timestamp(utcnow())


def enforce_staff_session() -> ResponseReturnValue | None:
    """Before every request: end a staff session idle for 30 minutes or older than 12 hours."""
    if request.endpoint in ("static", "auth.sign_out", "public.healthz"):
        return None
    if not current_user.is_authenticated or not current_user.is_staff:
        return None
    now = utcnow()
    reason = staff_sessions.expiry_reason(
        staff_sessions.moment(session.get(SIGNED_IN_KEY)),
        staff_sessions.moment(session.get(LAST_SEEN_KEY)),
        now,
    )
    if reason is not None:
        message = str(reason)  # in the account's language, read before signing out
        logout_user()
        end_staff_session()
        flash(message, "info")
        back = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.sign_in", next=safe_next(back)))
    session[LAST_SEEN_KEY] = staff_sessions.timestamp(now)
    return None


def _page_to_return_to() -> str:
    """Where to go once the password is confirmed: this page, or the page a form was posted from."""
    if request.method == "GET":
        return request.full_path
    referrer = urlsplit(request.referrer or "")
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(back) or url_for("staff.dashboard")


def recent_password_required(
    when: Callable[..., bool] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Exports, revocations and role changes ask for the password if it was typed >15 min ago.

    Put it under `staff_required`/`admin_required`, so roles are checked first; `when` narrows it
    to some values of the URL (for example only the revoke action).
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if when is None or when(**kwargs):
                confirmed = staff_sessions.moment(session.get(REAUTH_AT_KEY))
                if staff_sessions.needs_password(confirmed, utcnow()):
                    flash(
                        gettext("For this action, please confirm your password first.")
                        if request.method == "GET"
                        else gettext(
                            "For this action, please confirm your password first. Then do it again."
                        ),
                        "info",
                    )
                    return redirect(url_for("auth.reauthenticate", next=_page_to_return_to()))
            return view(*args, **kwargs)

        return wrapped

    return decorate
