"""Who may use the staff console."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required


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
