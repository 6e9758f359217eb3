"""Small helpers shared by the views: safe redirects, the site emails link to, form errors."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf import FlaskForm

from app.content import Course
from app.content.planner import Planner
from app.extensions import db
from app.models import ProgramProfile
from app.services import program
from app.services.accounts import Site
from app.services.errors import DomainError


def current_course() -> Course:
    """The course loaded when the app started, with the program's own quiz question if it has one."""
    return program.course_for(current_app.extensions["mentor_ready.course"], program_profile())


def program_profile() -> ProgramProfile:
    """The program profile, read once per request (defaults while the database is unreachable)."""
    if not has_app_context():
        return program.default_profile()
    # Within a request `g` holds it once read; outside one (commands, tests) it is read afresh.
    profile = g.get("program_profile") if has_request_context() else None
    if profile is None:
        try:
            profile = program.current_profile(db.session)
        except sa.exc.SQLAlchemyError:
            # Error pages render the footer too; they must not fail again on the database.
            db.session.rollback()
            profile = program.default_profile()
        if has_request_context():
            g.program_profile = profile
    return profile


def program_name() -> str:
    """The program's name: the profile's, else the PROGRAM_NAME setting."""
    return program_profile().name.strip() or current_app.config["PROGRAM_NAME"]


def current_planner() -> Planner | None:
    """The mentoring-model planner read when the app started (None when it has no rules file)."""
    return current_app.extensions.get("mentor_ready.planner")


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def site() -> Site:
    """The public address and program name that emails link to and sign with."""
    return Site(base_url=current_app.config["BASE_URL"], program_name=program_name())


def attach_error(form: FlaskForm, error: DomainError, default_field: str | None = None) -> None:
    """Show a service's refusal beside the field it concerns (or at the top of the form)."""
    name = error.field or default_field
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*list(field.errors), error.message]
    else:
        form.form_errors.append(error.message)


def confirm_first(
    *, title: str, explanation: str, button: str, back: str
) -> ResponseReturnValue | None:
    """A page asking to confirm a dangerous POST, unless this POST is the confirmation.

    The page posts the same fields back with `confirmed=yes`, so it works without JavaScript.
    """
    if request.form.get("confirmed") == "yes":
        return None
    fields = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "confirmed", "submit")
    ]
    return render_template(
        "confirm.html",
        title=title,
        explanation=explanation,
        button=button,
        back=back,
        action=request.path,
        fields=fields,
    )


def where_mail_goes() -> str:
    """One sentence saying where an emailed link really goes on this deployment."""
    if current_app.config["MAIL_SERVER"]:
        return gettext("They are being emailed the link.")
    if current_app.config.get("ENV_NAME") == "production":
        return gettext(
            "Mail is not set up on this server (MAIL_SERVER is empty), so no email will arrive: "
            "set up mail, then send the invitation again."
        )
    return gettext(
        "Mail is not set up (MAIL_SERVER is empty), so nothing is emailed: the message with the "
        "link is written to the development log when `flask outbox send` runs."
    )
