"""Staff sign-in's second step, authenticator enrolment, and confirming the password again
(routes on the auth blueprint)."""

from __future__ import annotations

import segno
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from app.access import (
    complete_staff_sign_in,
    mark_password_confirmed,
    pending_sign_in,
)
from app.auth.second_factor_forms import CodeForm, ConfirmPasswordForm, EnrolForm
from app.auth.views import _sign_in_limit, bp
from app.extensions import db, limiter
from app.services import accounts, second_factor
from app.services.errors import DomainError
from app.web import attach_error, safe_next

SIGN_IN_AGAIN = _l("Please sign in again: the sign-in waited too long for its code.")


def _key_material() -> str:
    return current_app.config.get("SECOND_FACTOR_KEY") or current_app.config["SECRET_KEY"]


def _qr_svg(uri: str) -> Markup:
    """The enrolment QR code as inline SVG (the CSP allows no data: images)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=2, omitsize=True, title=gettext("QR code for your app")
    )
    # Made by segno from our own otpauth address, never from what a user typed.
    return Markup(svg)  # noqa: S704  # nosec B704


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def second_factor_code() -> ResponseReturnValue:
    """Staff and admins give a code from their authenticator app (or a recovery code)."""
    pending = pending_sign_in()
    if pending is None:
        flash(str(SIGN_IN_AGAIN), "info")
        return redirect(url_for("auth.sign_in"))
    user, next_url = pending
    if not second_factor.is_enrolled(db.session, user.id):
        return redirect(url_for("auth.enrol_second_factor"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            kind = second_factor.verify(db.session, user.id, form.code.data or "", _key_material())
        except DomainError as error:
            attach_error(form, error, default_field="code")
        else:
            complete_staff_sign_in(user)
            if kind == "recovery":
                left = second_factor.recovery_codes_left(db.session, user.id)
                flash(
                    gettext(
                        "You used a recovery code; %(left)s left. If you lost your phone, ask an "
                        "administrator to reset your second factor.",
                        left=left,
                    ),
                    "info",
                )
            return redirect(next_url or url_for("staff.dashboard"))
    return render_template("auth/second_factor.html", form=form), 422 if form.errors else 200


@bp.route("/sign-in/set-up-app", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def enrol_second_factor() -> ResponseReturnValue:
    """At the first staff sign-in: add the account to an authenticator app, confirm one code."""
    pending = pending_sign_in()
    if pending is None:
        flash(str(SIGN_IN_AGAIN), "info")
        return redirect(url_for("auth.sign_in"))
    user, next_url = pending
    if second_factor.is_enrolled(db.session, user.id):
        return redirect(url_for("auth.second_factor_code"))
    try:
        secret = second_factor.begin_enrolment(db.session, user, _key_material())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("auth.sign_in"))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(
                db.session, user.id, form.code.data or "", _key_material()
            )
        except DomainError as error:
            attach_error(form, error, default_field="code")
        else:
            complete_staff_sign_in(user)
            return render_template(
                "auth/recovery_codes.html",
                codes=codes,
                next_url=next_url or url_for("staff.dashboard"),
            )
    uri = second_factor.provisioning_uri(secret, user.email, current_app.config["PROGRAM_NAME"])
    return (
        render_template(
            "auth/enrol_second_factor.html",
            form=form,
            qr=_qr_svg(uri),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        ),
        422 if form.errors else 200,
    )


@bp.route("/account/confirm-password", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@login_required
def reauthenticate() -> ResponseReturnValue:
    """Type the password again before an export, a revocation or a role change."""
    next_url = safe_next(request.args.get("next"))
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, current_user.email, form.password.data or "")
        if user is None or user.id != current_user.id:
            form.password.errors = [gettext("That password is not right.")]
        else:
            mark_password_confirmed()
            return redirect(next_url or url_for("staff.dashboard"))
    return render_template("auth/reauthenticate.html", form=form), 422 if form.errors else 200
