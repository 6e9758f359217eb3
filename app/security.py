"""Security headers and caching rules applied to every response."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, current_app, g, session
from flask_login import current_user

from app.access import PENDING_KEY
from app.extensions import db, login_manager
from app.models import User

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def apply_security_headers(response: Response) -> Response:
    """Add the CSP and friends; keep signed-in pages out of shared and back-button caches."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS"):
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if _signed_in() or PENDING_KEY in session:
        # Signed in, or half-way with a second factor (an enrolment key is on the page).
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")  # keep any Vary the view set (Accept-Encoding, ...)
    return response


def _signed_in() -> bool:
    """Whether the response belongs to a signed-in person; when the database cannot say, assume so."""
    try:
        # Whether a signed-in account was loaded for this request. Asking it `is_authenticated`
        # would reload the row after a view's commit expired it: a query for a header.
        return isinstance(current_user._get_current_object(), User)
    except sa.exc.SQLAlchemyError:
        # A static file asked for while the database is down: headers still go out, uncached.
        db.session.rollback()
        g._login_user = login_manager.anonymous_user()
        return "_user_id" in session
