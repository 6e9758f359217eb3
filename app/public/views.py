"""Public pages: the landing page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.content.model import MENTOR_TYPES
from app.extensions import db, limiter
from app.languages import shown_course

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """What the course is for, its modules, how certification works."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.dashboard" if current_user.is_staff else "learn.dashboard"))
    course = shown_course()
    return render_template(
        "public/index.html",
        course=course,
        modules=course.ordered_modules(),
        minutes={key: course.total_minutes(key) for key in MENTOR_TYPES},
    )


@bp.get("/healthz")
@limiter.exempt
def healthz() -> ResponseReturnValue:
    """503 when the database does not answer; 200 "degraded" when only rate limits are off."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unavailable"), 503
    if current_app.config["RATELIMIT_ENABLED"] and not limiter.storage.check():
        # Pages still work (rate limits fail open), so the load balancer should keep this host.
        return jsonify(status="degraded", database="ok", rate_limits="unavailable")
    return jsonify(status="ok")
