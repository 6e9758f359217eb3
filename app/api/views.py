"""The public JSON API (versioned under /api/v1)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from app.extensions import db
from app.ratelimits import verification_limit
from app.services import certificates
from app.web import current_course

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/certificates/<code>")
@verification_limit
def certificate(code: str) -> ResponseReturnValue:
    """{code, holder, title, issued_on, expires_on, status, ...}, or a 404 for unknown codes.

    The first six fields never change; course_version, modules, online_hours, in_person_hours
    and replaced_on were added after them. A replaced code answers status "replaced".
    """
    found = certificates.verify(
        db.session, code, current_app.config["CERTIFICATE_PUBLIC_NAME"], course=current_course()
    )
    if found is None:
        return jsonify(error="No certificate has that code.", status=404), 404
    return jsonify(found.as_json())
